/*
 * A layer's style and provenance for its outputs (style.h).
 *
 * The style is checked against the fields the layer is really written
 * with, after joins, geocoding, transforms and aggregation, so a style
 * naming a field that exists only in the source is caught.
 */
#include "pipeline/style.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "core/json.h"
#include "core/path.h"
#include "style/style.h"

/* The names of a schema's fields, borrowed from it; NULL when out of memory. */
static const char **schema_names(const struct om_schema *s, size_t *n)
{
  *n = s ? s->n : 0;
  const char **names = calloc(*n ? *n : 1, sizeof *names);
  for (size_t i = 0; names && i < *n; i++)
    names[i] = s->fields[i].name;
  return names;
}

/* The fields an aggregate writes, from the manifest (pipeline/aggregate.c adds the last two). */
static const char **aggregate_names(const struct om_layer_def *l, size_t *n)
{
  const struct om_aggregate_def *a = &l->aggregate;
  *n = 0;
  const char **names = calloc(a->nby + a->nfields + 2, sizeof *names);
  if (!names)
    return NULL;
  for (size_t i = 0; i < a->nby; i++)
    names[(*n)++] = a->by[i];
  for (size_t i = 0; i < a->nfields; i++)
    names[(*n)++] = a->fields[i].as ? a->fields[i].as : a->fields[i].source;
  names[(*n)++] = "members";
  names[(*n)++] = "area_km2";
  return names;
}

/* Load the layer's style and check its fields against names. */
static int load_checked(struct om_style **out, const struct om_project *p,
                        const struct om_layer_def *layer, const char **names, size_t n,
                        struct om_diag *d)
{
  *out = NULL;
  char *path = om_path_join(p->dir, layer->style);
  if (!path || !names) {
    free(path);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  int rc = om_style_load(out, path, d);
  free(path);
  if (rc == 0)
    rc = om_style_check_fields(*out, layer->name, names, n, d);
  if (rc < 0) {
    om_style_free(*out);
    *out = NULL;
  }
  return rc;
}

int om_layer_style_check(const struct om_project *p, const struct om_layer_def *layer,
                         const struct om_schema *schema, struct om_diag *d)
{
  if (!layer->style)
    return 0;
  size_t n;
  const char **names = layer->aggregate.nby ? aggregate_names(layer, &n) : schema_names(schema, &n);
  struct om_style *s;
  int rc = load_checked(&s, p, layer, names, n, d);
  om_style_free(s);
  free(names);
  return rc;
}

/* path as the project names it: without the project folder in front, or its file name when outside. */
static const char *shown_path(const struct om_project *p, const char *path)
{
  size_t n = strlen(p->dir);
  if (strcmp(p->dir, ".") != 0 && strncmp(path, p->dir, n) == 0 && path[n] == '/')
    return path + n + 1;
  if (path[0] != '/')
    return path;
  const char *slash = strrchr(path, '/');
  return slash + 1;
}

/*
 * One input as a JSON object: its role, path and content hash, for a
 * readable file ('full' as opened from here).  Anything else (a database
 * connection, which may hold a password) is not named.
 */
static void put_input(FILE *f, bool *first, const struct om_project *p, const char *role,
                      const char *full)
{
  if (!full)
    return;
  uint64_t hash;
  bool hashed = om_hash_file(&hash, full) == 0;
  fprintf(f, "%s\n    {\"role\": \"%s\", \"path\": ", *first ? "" : ",", role);
  if (hashed) {
    om_json_put_string(f, shown_path(p, full));
    fprintf(f, ", \"xxh3\": \"%016" PRIx64 "\"}", hash);
  } else {
    fputs("null, \"xxh3\": null}", f);
  }
  *first = false;
}

/* put_input for a path relative to the project. */
static void put_project_input(FILE *f, bool *first, const struct om_project *p, const char *role,
                              const char *path)
{
  char *full = path ? om_path_join(p->dir, path) : NULL;
  put_input(f, first, p, role, full);
  free(full);
}

static char *provenance(const struct om_project *p, const struct om_layer_def *l,
                        const char *attribution)
{
  char *buf = NULL;
  size_t len;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return NULL;
  char built[32];
  time_t now = time(NULL);
  struct tm tm;
  strftime(built, sizeof built, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
  fputs("{\n  \"layer\": ", f);
  om_json_put_string(f, l->name);
  fputs(",\n  \"project\": ", f);
  om_json_put_string(f, p->name);
  fprintf(f, ",\n  \"oremap_version\": \"%s\",\n  \"built\": \"%s\",\n  \"inputs\": [",
          OREMAP_VERSION, built);
  bool first = true;
  put_input(f, &first, p, "manifest", l->file);
  put_project_input(f, &first, p, "source", l->source.path);
  for (size_t i = 0; i < l->njoins; i++)
    put_project_input(f, &first, p, "join", l->joins[i].table);
  put_project_input(f, &first, p, "style", l->style);
  if (l->locate.geocode.query) {
    char *gazetteer = om_project_gazetteer(p, l);
    put_input(f, &first, p, "gazetteer", gazetteer);
    free(gazetteer);
    put_project_input(f, &first, p, "geocode overrides", l->locate.geocode.overrides);
  }
  fputs("\n  ]", f);
  /* Layers read from other layers' outputs are named, not hashed: those are built files. */
  for (size_t i = 0; i < l->njoins; i++) {
    if (!l->joins[i].from_layer)
      continue;
    fputs(",\n  \"join_layer\": ", f);
    om_json_put_string(f, l->joins[i].from_layer);
  }
  if (attribution && *attribution) {
    fputs(",\n  \"attribution\": ", f);
    om_json_put_string(f, attribution);
  }
  fputs("\n}\n", f);
  bool failed = ferror(f) != 0;
  if (fclose(f) != 0 || failed) {
    free(buf);
    return NULL;
  }
  return buf;
}

int om_layer_extras_make(struct om_layer_extras *out, const struct om_project *p,
                         const struct om_layer_def *layer, const struct om_schema *schema,
                         const char *attribution, struct om_diag *d)
{
  memset(out, 0, sizeof *out);
  int rc = 0;
  if (layer->style) {
    size_t n;
    const char **names = schema_names(schema, &n);
    struct om_style *s;
    rc = load_checked(&s, p, layer, names, n, d);
    free(names);
    if (rc == 0) {
      out->qml = om_style_qml(s);
      out->sld = om_style_sld(s, layer->name);
      if (!out->qml || !out->sld)
        rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
      out->style = s;
    }
  }
  if (rc == 0 && !(out->provenance = provenance(p, layer, attribution)))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc < 0)
    om_layer_extras_release(out);
  return rc;
}

void om_layer_extras_release(struct om_layer_extras *x)
{
  free(x->qml);
  free(x->sld);
  free(x->provenance);
  om_style_free(x->style);
  memset(x, 0, sizeof *x);
}
