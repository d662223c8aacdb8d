/*
 * oremap.yaml and the layer manifests, read into the structs of manifest.h.
 *
 * Loading does not stop at the first problem: every file is read to the
 * end and each problem is collected (yaml_util.c), so that a user who
 * misspelt three keys learns about all three in one run.  A value that is
 * wrong is left NULL or at its default and the load fails at the end, so
 * the code below never has to unwind half-read structs.
 */
#include "manifest/manifest.h"

#include "core/path.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "manifest/geocode.h"
#include "manifest/joins.h"
#include "manifest/outputs.h"
#include "manifest/publish.h"
#include "manifest/aggregate.h"
#include "manifest/transform.h"
#include "manifest/yaml_util.h"

#define DEFAULT_OUTPUT_ROOT "out"
#define DEFAULT_LAYERS "layers/*.yaml"
#define DEFAULT_CRS "EPSG:4326"
#define DEFAULT_MAX_FIELDS 1000
#define DEFAULT_MAX_FIELD_BYTES 65536

static const char *const layer_keys[] = {"name",    "title", "description", "source",    "locate",
                                         "outputs", "style", "joins",       "transform",
                                         "aggregate", NULL};
static const char *const layer_required[] = {"name", "source", "outputs", NULL};
static const char *const source_keys[] = {
    "path", "layer", "encoding", "decimal", "id", "fields", "max_fields", "max_field_bytes", NULL};
static const char *const path_required[] = {"path", NULL};
static const char *const locate_keys[] = {"coordinates", "dms",        "wkt", "crs",
                                          "geocode",     "make_valid", "check_country", "reverse",
                                          NULL};
static const char *const xy_keys[] = {"x", "y", "crs", NULL};
static const char *const xy_required[] = {"x", "y", NULL};
static const char *const field_keys[] = {"field", "crs", NULL};
static const char *const field_required[] = {"field", NULL};
static const char *const project_keys[] = {"name", "title", "output", "layers",
                                           "allow_outputs_outside_root", "gazetteer",
                                           "qgis_project", "web", NULL};
static const char *const project_required[] = {"name", NULL};

/* Where a layer's name was written, to point at both ends of a duplicate. */
struct name_pos {
  long line, column;
};

/* dir/rel as a new string, or NULL when out of memory ("." adds nothing). */
static char *join(const char *dir, const char *rel)
{
  return om_path_join(dir, rel);
}

static bool valid_layer_name(const char *s)
{
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
    return false;
  return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(s);
}

static void read_source_fields(struct om_yaml_file *f, yaml_node_t *map, struct om_source_def *s)
{
  size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
  if (n == 0)
    return;
  s->fields = calloc(n, sizeof *s->fields);
  if (!s->fields) {
    om_yaml_oom(f->e);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    yaml_node_pair_t *p = &map->data.mapping.pairs.start[i];
    yaml_node_t *k = om_yaml_node(f, p->key), *v = om_yaml_node(f, p->value);
    if (k->type != YAML_SCALAR_NODE || !*k->data.scalar.value) {
      om_yaml_error_at(f, k, "a field name in 'fields' must be non-empty text");
      continue;
    }
    const char *name = (const char *)k->data.scalar.value;
    bool twice = false;
    for (size_t j = 0; j < s->nfields && !twice; j++)
      twice = strcmp(s->fields[j].name, name) == 0;
    if (twice) {
      om_yaml_error_at(f, k, "field '%s' appears twice in 'fields'", name);
      continue;
    }
    char *type = v->type == YAML_SCALAR_NODE ? om_yaml_text(f, v, name) : NULL;
    enum om_field_type t = OM_FIELD_STRING;
    if (v->type == YAML_SCALAR_NODE && !type)
      continue; /* a ${VAR} problem, reported */
    if (!type || om_field_type_parse(&t, type) != 0) {
      char desc[96];
      om_yaml_error_at(f, v, "field '%s' must be string, integer or real, not %s", name,
                       om_yaml_describe(v, desc, sizeof desc));
      free(type);
      continue;
    }
    free(type);
    struct om_field_decl *fd = &s->fields[s->nfields];
    fd->name = strdup(name);
    fd->type = t;
    if (!fd->name) {
      om_yaml_oom(f->e);
      return;
    }
    s->nfields++;
  }
}

/* A positive size limit, left at its default when absent. */
static void read_limit(struct om_yaml_file *f, yaml_node_t *map, const char *key, long max,
                       size_t *out)
{
  yaml_node_t *v = om_yaml_get(f, map, key);
  char expect[64];
  long n;
  snprintf(expect, sizeof expect, "an integer from 1 to %ld", max);
  if (v && om_yaml_integer(f, v, key, 1, max, expect, &n) == 0)
    *out = (size_t)n;
}

static void read_source(struct om_yaml_file *f, yaml_node_t *map, struct om_source_def *s)
{
  om_yaml_check_keys(f, map, "'source'", source_keys, path_required);
  om_yaml_string(f, map, "path", &s->path);
  om_yaml_string(f, map, "layer", &s->layer);
  om_yaml_string(f, map, "id", &s->id);
  char *encoding = NULL;
  if (om_yaml_string(f, map, "encoding", &encoding) == 0 && encoding) {
    free(s->encoding);
    s->encoding = encoding;
  }
  char *decimal = NULL;
  if (om_yaml_string(f, map, "decimal", &decimal) == 0 && decimal) {
    if (strcmp(decimal, ".") == 0 || strcmp(decimal, ",") == 0)
      s->decimal = decimal[0];
    else
      om_yaml_error_at(f, om_yaml_get(f, map, "decimal"), "'decimal' must be '.' or ',', not '%s'",
                       decimal);
  }
  free(decimal);
  yaml_node_t *fields = om_yaml_mapping(f, map, "fields");
  if (fields)
    read_source_fields(f, fields, s);
  read_limit(f, map, "max_fields", 1000000, &s->max_fields);
  read_limit(f, map, "max_field_bytes", 1L << 30, &s->max_field_bytes);
}

/*
 * 'dms' or 'wkt': a field name, or a mapping with 'field' (and 'crs' for
 * WKT).  Sets *field and, for a mapping, *crs.
 */
static void read_field_locate(struct om_yaml_file *f, yaml_node_t *v, const char *key, char **field,
                              char **crs)
{
  char where[32];
  snprintf(where, sizeof where, "'locate.%s'", key);
  if (v->type == YAML_SCALAR_NODE) {
    *field = om_yaml_text(f, v, key);
    if (*field && !**field) {
      om_yaml_error_at(f, v, "'%s' must not be empty", key);
      free(*field);
      *field = NULL;
    }
    return;
  }
  if (v->type != YAML_MAPPING_NODE) {
    om_yaml_error_at(f, v, "'%s' must be a field name or a mapping with 'field', not a list", key);
    return;
  }
  om_yaml_check_keys(f, v, where, field_keys, field_required);
  om_yaml_string(f, v, "field", field);
  om_yaml_string(f, v, "crs", crs);
}

static void read_locate(struct om_yaml_file *f, yaml_node_t *map, struct om_locate_def *loc)
{
  om_yaml_check_keys(f, map, "'locate'", locate_keys, NULL);
  yaml_node_t *geocode = om_yaml_get(f, map, "geocode");
  if (geocode)
    om_manifest_read_geocode(f, geocode, &loc->geocode);
  yaml_node_t *check = om_yaml_get(f, map, "check_country");
  if (check)
    om_manifest_read_check(f, check, &loc->check);
  yaml_node_t *reverse = om_yaml_get(f, map, "reverse");
  if (reverse)
    om_manifest_read_reverse(f, reverse, &loc->reverse);

  static const char *const kinds[] = {"coordinates", "dms", "wkt"};
  yaml_node_t *given[3];
  int ngiven = 0, which = -1;
  for (int i = 0; i < 3; i++) {
    given[i] = om_yaml_get(f, map, kinds[i]);
    if (!given[i])
      continue;
    if (ngiven++ == 0)
      which = i;
    else
      om_yaml_error_at(f, given[i], "'locate' has both '%s' and '%s'; give one of them",
                       kinds[which], kinds[i]);
  }
  yaml_node_t *make_valid = om_yaml_get(f, map, "make_valid");
  if (make_valid && !om_yaml_is_null(make_valid))
    om_yaml_boolean(f, make_valid, "make_valid", &loc->make_valid);
  if (ngiven == 0 && !geocode && !make_valid) /* make_valid alone: the source's geometry */
    om_yaml_error_at(f, map, "'locate' needs one of 'coordinates', 'dms', 'wkt' or 'geocode'");
  if (ngiven == 0 && geocode)
    loc->kind = OM_LOCATE_GEOCODE;

  char *outer = NULL, *inner = NULL;
  om_yaml_string(f, map, "crs", &outer);
  yaml_node_t *v = which >= 0 ? given[which] : NULL;
  switch (which) {
  case 0:
    loc->kind = OM_LOCATE_XY;
    if (v->type != YAML_MAPPING_NODE) {
      char desc[96];
      om_yaml_error_at(f, v, "'coordinates' must be a mapping with 'x' and 'y', not %s",
                       om_yaml_describe(v, desc, sizeof desc));
      break;
    }
    om_yaml_check_keys(f, v, "'locate.coordinates'", xy_keys, xy_required);
    om_yaml_string(f, v, "x", &loc->x);
    om_yaml_string(f, v, "y", &loc->y);
    om_yaml_string(f, v, "crs", &inner);
    break;
  case 1:
    loc->kind = OM_LOCATE_DMS;
    read_field_locate(f, v, "dms", &loc->field, &inner);
    if (inner || outer)
      om_yaml_error_at(f, om_yaml_get(f, inner ? v : map, "crs"),
                       "'crs' does not apply to 'dms': degrees, minutes and seconds are always "
                       "WGS 84 (EPSG:4326)");
    free(inner);
    free(outer);
    inner = outer = NULL;
    break;
  case 2:
    loc->kind = OM_LOCATE_WKT;
    read_field_locate(f, v, "wkt", &loc->field, &inner);
    break;
  default:
    break;
  }
  if (inner && outer)
    om_yaml_error_at(f, om_yaml_get(f, map, "crs"),
                     "'crs' is given both in 'locate' and in 'locate.%s'; give it once",
                     kinds[which]);
  if (which >= 0) {
    loc->crs = inner ? inner : outer ? outer : strdup(DEFAULT_CRS);
    if (!loc->crs)
      om_yaml_oom(f->e);
    if (loc->crs != inner)
      free(inner);
    if (loc->crs != outer)
      free(outer);
  } else {
    free(inner);
    free(outer);
  }
}

/*
 * Read the layer manifest at 'path' into l (zeroed first).  Problems go to
 * e; root is the project's output root, or NULL to skip that check.
 */
static void load_layer(struct om_layer_def *l, const char *path, const char *root, bool anywhere,
                       struct om_yaml_errors *e, struct name_pos *at)
{
  memset(l, 0, sizeof *l);
  memset(at, 0, sizeof *at);
  l->file = strdup(path);
  l->source.encoding = strdup("UTF-8");
  l->source.max_fields = DEFAULT_MAX_FIELDS;
  l->source.max_field_bytes = DEFAULT_MAX_FIELD_BYTES;
  l->locate.kind = OM_LOCATE_SOURCE;
  if (!l->file || !l->source.encoding) {
    om_yaml_oom(e);
    return;
  }

  struct om_yaml_file f;
  if (om_yaml_open(&f, path, "layer manifest", e) < 0) {
    om_yaml_close(&f);
    return;
  }
  yaml_node_t *map = om_yaml_root(&f);
  om_yaml_check_keys(&f, map, "layer manifest", layer_keys, layer_required);

  yaml_node_t *v = om_yaml_get(&f, map, "name");
  if (om_yaml_string(&f, map, "name", &l->name) == 0 && l->name) {
    at->line = (long)v->start_mark.line + 1;
    at->column = (long)v->start_mark.column + 1;
    if (!valid_layer_name(l->name))
      om_yaml_error_at(&f, v,
                       "'name' must start with a letter or '_' and hold only letters, digits, "
                       "'_' and '-', not '%s'",
                       l->name);
  }
  om_yaml_string(&f, map, "title", &l->title);
  om_yaml_string(&f, map, "description", &l->description);
  om_yaml_string(&f, map, "style", &l->style);
  if ((v = om_yaml_get(&f, map, "joins")))
    om_manifest_read_joins(&f, v, l);
  if ((v = om_yaml_get(&f, map, "transform")))
    om_manifest_read_transform(&f, v, l);
  if ((v = om_yaml_get(&f, map, "aggregate")))
    om_manifest_read_aggregate(&f, v, l);
  if ((v = om_yaml_mapping(&f, map, "source")))
    read_source(&f, v, &l->source);
  if ((v = om_yaml_mapping(&f, map, "locate")))
    read_locate(&f, v, &l->locate);
  if ((v = om_yaml_get(&f, map, "outputs")))
    om_manifest_read_outputs(&f, v, root, anywhere, l);

  for (size_t i = 0; i < l->noutputs && l->name; i++) {
    if (!l->outputs[i].layer && !(l->outputs[i].layer = strdup(l->name)))
      om_yaml_oom(e);
  }
  om_yaml_close(&f);
}

int om_layer_load(struct om_layer_def *out, const char *path, struct om_diag *d)
{
  struct om_yaml_errors e;
  struct name_pos at;
  om_yaml_errors_init(&e, d);
  load_layer(out, path, NULL, false, &e, &at);
  om_manifest_check_output_clashes(&e, out, 1);
  int rc = om_yaml_errors_finish(&e);
  if (rc < 0)
    om_layer_release(out);
  return rc;
}

void om_layer_release(struct om_layer_def *l)
{
  if (!l)
    return;
  om_manifest_release_joins(l);
  om_manifest_release_transform(l);
  om_manifest_release_aggregate(l);
  free(l->file);
  free(l->name);
  free(l->title);
  free(l->description);
  free(l->source.path);
  free(l->source.layer);
  free(l->source.encoding);
  free(l->source.id);
  for (size_t i = 0; i < l->source.nfields; i++)
    free(l->source.fields[i].name);
  free(l->source.fields);
  free(l->locate.x);
  free(l->locate.y);
  free(l->locate.field);
  free(l->locate.crs);
  om_manifest_release_geocode(&l->locate.geocode);
  free(l->locate.check.field);
  for (size_t i = 0; i < l->noutputs; i++) {
    struct om_output_def *o = &l->outputs[i];
    free(o->path);
    free(o->layer);
    free(o->crs);
    for (size_t j = 0; j < o->nfields; j++)
      free(o->fields[j]);
    free(o->fields);
  }
  free(l->outputs);
  free(l->style);
  memset(l, 0, sizeof *l);
}

/* Paths of layer manifests relative to the project folder. */
struct path_list {
  char **v;      /* owned strings */
  size_t n, cap; /* used, allocated */
};

static int path_list_add(struct path_list *l, const char *s)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return -1;
    l->v = v;
    l->cap = cap;
  }
  if (!(l->v[l->n] = strdup(s)))
    return -1;
  l->n++;
  return 0;
}

static void path_list_release(struct path_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
}

static int compare_paths(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dir with glob's special characters escaped, so that only the pattern is a pattern. */
static char *escape_glob(const char *dir)
{
  char *out = malloc(strlen(dir) * 2 + 1);
  if (!out)
    return NULL;
  char *o = out;
  for (const char *c = dir; *c; c++) {
    if (strchr("*?[]\\", *c))
      *o++ = '\\';
    *o++ = *c;
  }
  *o = '\0';
  return out;
}

/*
 * Add the manifests one entry of 'layers' names: a plain path must exist,
 * a glob must match at least one file.  'at' is the entry, or NULL for the
 * default.
 */
static void add_layer_paths(struct om_yaml_file *f, const char *dir, yaml_node_t *at,
                            const char *pattern, struct path_list *out)
{
  const char *rel = om_path_skip_dot(pattern);
  if (pattern[0] == '/') {
    om_yaml_error_at(f, at, "'%s' in 'layers' must be relative to the project folder", pattern);
    return;
  }
  if (!strpbrk(rel, "*?[")) {
    char *full = join(dir, rel);
    struct stat st;
    if (!full)
      om_yaml_oom(f->e);
    else if (stat(full, &st) != 0)
      om_yaml_error_at(f, at, "cannot open '%s': %s", full, strerror(errno));
    else if (path_list_add(out, rel) < 0)
      om_yaml_oom(f->e);
    free(full);
    return;
  }
  char *escaped = escape_glob(dir);
  char *full = escaped ? join(escaped, rel) : NULL;
  free(escaped);
  if (!full) {
    om_yaml_oom(f->e);
    return;
  }
  /* Matches come back with the folder in front, except for "." (see om_path_join). */
  size_t skip = !*dir || strcmp(dir, ".") == 0 ? 0 : strlen(dir) + (dir[strlen(dir) - 1] == '/' ? 0 : 1);
  size_t before = out->n;
  glob_t g;
  int rc = glob(full, GLOB_MARK, NULL, &g);
  free(full);
  if (rc == GLOB_NOSPACE) {
    om_yaml_oom(f->e);
    return;
  }
  for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
    const char *match = g.gl_pathv[i] + skip;
    size_t n = strlen(match);
    if (n == 0 || match[n - 1] == '/' || strcmp(match, "oremap.yaml") == 0)
      continue; /* a folder, or the project file itself */
    if (path_list_add(out, match) < 0)
      om_yaml_oom(f->e);
  }
  if (rc != GLOB_NOMATCH)
    globfree(&g);
  if (out->n > before)
    return;
  if (at)
    om_yaml_error_at(f, at, "'%s' matches no file", pattern);
  else
    om_yaml_error(f->e, f->file, 0, 0, "no 'layers' given, and the default '%s' matches no file",
                  pattern);
}

static void read_layer_list(struct om_yaml_file *f, yaml_node_t *map, const char *dir,
                            struct path_list *paths)
{
  yaml_node_t *v = om_yaml_get(f, map, "layers");
  if (!v) {
    add_layer_paths(f, dir, NULL, DEFAULT_LAYERS, paths);
  } else if (v->type != YAML_SEQUENCE_NODE) {
    char desc[96];
    om_yaml_error_at(f, v, "'layers' must be a list of paths or globs, not %s",
                     om_yaml_describe(v, desc, sizeof desc));
  } else if (om_yaml_length(v) == 0) {
    om_yaml_error_at(f, v, "'layers' is empty; list the layer manifests, or leave it out for '%s'",
                     DEFAULT_LAYERS);
  } else {
    for (size_t i = 0; i < om_yaml_length(v); i++) {
      yaml_node_t *item = om_yaml_node(f, v->data.sequence.items.start[i]);
      char *pattern = om_yaml_item(f, item, "layers", "a path or a glob");
      if (pattern)
        add_layer_paths(f, dir, item, pattern, paths);
      free(pattern);
    }
  }
  if (paths->n > 1)
    qsort(paths->v, paths->n, sizeof *paths->v, compare_paths);
  size_t kept = 0;
  for (size_t i = 0; i < paths->n; i++) {
    if (kept > 0 && strcmp(paths->v[kept - 1], paths->v[i]) == 0)
      free(paths->v[i]);
    else
      paths->v[kept++] = paths->v[i];
  }
  paths->n = kept;
}

/* The output root: a folder inside the project, kept without "./" and trailing '/'. */
static char *read_output_root(struct om_yaml_file *f, yaml_node_t *map)
{
  char *root = NULL;
  if (om_yaml_string(f, map, "output", &root) < 0)
    return NULL;
  if (!root) {
    if (!(root = strdup(DEFAULT_OUTPUT_ROOT)))
      om_yaml_oom(f->e);
    return root;
  }
  yaml_node_t *at = om_yaml_get(f, map, "output");
  const char *s = om_path_skip_dot(root);
  size_t n = strlen(s);
  while (n > 1 && s[n - 1] == '/')
    n--;
  if (root[0] == '/') {
    om_yaml_error_at(f, at, "'output' must be a folder inside the project, not '%s'", root);
  } else if (om_path_has_dotdot(root)) {
    om_yaml_error_at(f, at, "'output' must not go up with '..', as in '%s'", root);
  } else if (n == 0 || (n == 1 && s[0] == '.')) {
    om_yaml_error_at(f, at, "'output' must be a folder inside the project, not '%s'", root);
  } else {
    memmove(root, s, n);
    root[n] = '\0';
    return root;
  }
  free(root);
  return NULL;
}

int om_project_load(struct om_project **out, const char *dir, struct om_diag *d)
{
  *out = NULL;
  if (!dir || !*dir)
    dir = ".";
  struct om_yaml_errors e;
  om_yaml_errors_init(&e, d);
  struct om_project *p = calloc(1, sizeof *p);
  if (!p || !(p->dir = strdup(dir)) || !(p->file = join(dir, "oremap.yaml"))) {
    om_project_free(p);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }

  struct path_list paths = {0};
  struct om_yaml_file f;
  if (om_yaml_open(&f, p->file, "project manifest", &e) == 0) {
    yaml_node_t *map = om_yaml_root(&f);
    om_yaml_check_keys(&f, map, "project manifest", project_keys, project_required);
    om_yaml_string(&f, map, "name", &p->name);
    om_yaml_string(&f, map, "title", &p->title);
    p->output_root = read_output_root(&f, map);
    yaml_node_t *allow = om_yaml_get(&f, map, "allow_outputs_outside_root");
    if (allow && !om_yaml_is_null(allow))
      om_yaml_boolean(&f, allow, "allow_outputs_outside_root", &p->allow_outside_root);
    om_yaml_string(&f, map, "gazetteer", &p->gazetteer);
    om_manifest_read_publish(&f, map, p);
    read_layer_list(&f, map, dir, &paths);
  }
  om_yaml_close(&f);

  struct name_pos *names = calloc(paths.n ? paths.n : 1, sizeof *names);
  p->layers = calloc(paths.n ? paths.n : 1, sizeof *p->layers);
  if (!names || !p->layers)
    om_yaml_oom(&e);
  for (size_t i = 0; i < paths.n && e.code != OM_ENOMEM; i++) {
    char *file = join(dir, paths.v[i]);
    if (!file) {
      om_yaml_oom(&e);
      break;
    }
    load_layer(&p->layers[i], file, p->output_root, p->allow_outside_root, &e, &names[i]);
    p->nlayers = i + 1;
    free(file);
  }

  for (size_t j = 0; j < p->nlayers; j++) {
    for (size_t i = 0; i < j && p->layers[j].name; i++) {
      if (p->layers[i].name && strcmp(p->layers[i].name, p->layers[j].name) == 0) {
        om_yaml_error(&e, p->layers[j].file, names[j].line, names[j].column,
                      "layer name '%s' is already used in %s:%ld:%ld", p->layers[j].name,
                      p->layers[i].file, names[i].line, names[i].column);
        break;
      }
    }
  }
  om_manifest_check_output_clashes(&e, p->layers, p->nlayers);
  om_manifest_check_publish(&e, p);
  free(names);
  path_list_release(&paths);

  int rc = om_yaml_errors_finish(&e);
  if (rc < 0) {
    om_project_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

void om_project_free(struct om_project *p)
{
  if (!p)
    return;
  for (size_t i = 0; i < p->nlayers; i++)
    om_layer_release(&p->layers[i]);
  free(p->layers);
  free(p->dir);
  free(p->file);
  free(p->name);
  free(p->title);
  free(p->output_root);
  free(p->gazetteer);
  om_manifest_release_publish(p);
  free(p);
}

#ifndef OREMAP_DEFAULT_GAZETTEER
#define OREMAP_DEFAULT_GAZETTEER "gazetteer.omgz"
#endif

char *om_project_gazetteer(const struct om_project *p, const struct om_layer_def *l)
{
  if (l && l->locate.geocode.gazetteer)
    return join(p->dir, l->locate.geocode.gazetteer);
  if (p->gazetteer)
    return join(p->dir, p->gazetteer);
  const char *env = getenv("OREMAP_GAZETTEER");
  return strdup(env && *env ? env : OREMAP_DEFAULT_GAZETTEER);
}
