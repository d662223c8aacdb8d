/*
 * Planning a build (see plan.h).  Every decision carries its reason in
 * words, for --dry-run and for the summary: "changed: source
 * data/sites.csv", "output missing: out/sites.geojson".
 */
#include "pipeline/plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hash.h"
#include "core/path.h"
#include "io/gpkg_info.h"
#include "pipeline/transform.h"

/* dir/rel with "./" and doubled slashes taken out, so that paths compare as text. */
static char *normalized(const char *dir, const char *rel)
{
  char *path = om_path_join(dir, rel);
  if (!path)
    return NULL;
  char *w = path;
  for (const char *r = path; *r;) {
    if ((r == path || r[-1] == '/') && r[0] == '.' && r[1] == '/') {
      r += 2;
    } else if (*r == '/' && w > path && w[-1] == '/') {
      r++;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
  return path;
}

/* The GeoPackage or PostGIS table an output writes, or NULL for a whole file. */
static const char *output_table(const struct om_layer_def *l, const struct om_output_def *o)
{
  if (o->format != OM_FORMAT_GPKG && o->format != OM_FORMAT_POSTGIS)
    return NULL;
  return o->layer ? o->layer : l->name;
}

/* Does layer b read output o of layer a? */
static bool reads(const struct om_project *p, const struct om_layer_def *b,
                  const struct om_layer_def *a, const struct om_output_def *o)
{
  char *src = normalized(p->dir, b->source.path);
  char *out = normalized(p->dir, o->path);
  bool same = src && out && strcmp(src, out) == 0;
  free(src);
  free(out);
  const char *table = output_table(a, o);
  if (same && table && b->source.layer)
    same = strcmp(table, b->source.layer) == 0;
  return same;
}

/*
 * The layer that join j reads: the one it names, or the one whose output
 * is its table; NULL for a plain file.
 */
static const struct om_layer_def *join_reads(const struct om_plan *plan,
                                             const struct om_project *p,
                                             const struct om_join_def *j)
{
  for (size_t i = 0; i < plan->n; i++) {
    const struct om_layer_def *a = plan->layers[i].def;
    if (j->from_layer) {
      if (strcmp(j->from_layer, a->name) == 0)
        return a;
      continue;
    }
    for (size_t k = 0; k < a->noutputs; k++) {
      char *t = normalized(p->dir, j->table), *o = normalized(p->dir, a->outputs[k].path);
      bool same = t && o && strcmp(t, o) == 0;
      const char *table = output_table(a, &a->outputs[k]);
      if (same && table && j->layer)
        same = strcmp(table, j->layer) == 0;
      free(t);
      free(o);
      if (same)
        return a;
    }
  }
  return NULL;
}

/* Does layer b read layer a other than through its source or joins (a flow line's origin)? */
static bool layer_reads_more(const struct om_project *p, const struct om_layer_def *b,
                             const struct om_layer_def *a)
{
  return om_layer_transform_reads(p, b) == a;
}

/* Is the layer's source one of the other layers' outputs (then that output is its input)? */
static bool source_is_layer(const struct om_project *p, const struct om_plan *plan, size_t i)
{
  const struct om_plan_layer *pl = &plan->layers[i];
  for (size_t k = 0; k < pl->ndeps; k++) {
    const struct om_layer_def *a = plan->layers[pl->deps[k]].def;
    for (size_t j = 0; j < a->noutputs; j++)
      if (reads(p, pl->def, a, &a->outputs[j]))
        return true;
  }
  return false;
}

static int find_deps(struct om_plan *plan, const struct om_project *p, struct om_diag *d)
{
  for (size_t i = 0; i < plan->n; i++) {
    struct om_plan_layer *b = &plan->layers[i];
    b->deps = calloc(plan->n ? plan->n : 1, sizeof *b->deps);
    if (!b->deps)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    for (size_t k = 0; k < b->def->njoins; k++) {
      const struct om_join_def *j = &b->def->joins[k];
      const struct om_layer_def *a = j->from_layer ? join_reads(plan, p, j) : NULL;
      if (j->from_layer && (!a || a->noutputs == 0))
        return om_diag_fail(d, OM_EMANIFEST, "%s:%d: join names layer '%s', %s", b->def->file,
                            j->line, j->from_layer,
                            a ? "which has no outputs to read" : "which is not in the project");
    }
    for (size_t j = 0; j < plan->n; j++) {
      const struct om_layer_def *a = plan->layers[j].def;
      bool dep = false;
      for (size_t k = 0; k < a->noutputs && !dep; k++)
        dep = reads(p, b->def, a, &a->outputs[k]);
      /* A join onto another layer's output waits for that layer too. */
      for (size_t k = 0; k < b->def->njoins && !dep; k++)
        dep = join_reads(plan, p, &b->def->joins[k]) == a;
      if (!dep)
        dep = layer_reads_more(p, b->def, a);
      if (dep)
        b->deps[b->ndeps++] = j;
    }
  }
  return 0;
}

enum { WHITE, GREY, BLACK };

/*
 * Depth-first visit from i: append to plan->order after its dependencies;
 * a grey layer met again closes a cycle, which stack[0..depth] names.
 */
static int visit(struct om_plan *plan, size_t i, int *colour, size_t *stack, size_t depth,
                 size_t *norder, struct om_diag *d)
{
  if (colour[i] == BLACK)
    return 0;
  stack[depth] = i;
  if (colour[i] == GREY) {
    size_t from = 0;
    while (stack[from] != i)
      from++;
    char cycle[1024] = "";
    size_t used = 0;
    for (size_t k = from; k <= depth && used + 1 < sizeof cycle; k++)
      used += (size_t)snprintf(cycle + used, sizeof cycle - used, "%s%s", k > from ? " -> " : "",
                               plan->layers[stack[k]].def->name);
    return om_diag_fail(d, OM_EMANIFEST, "layers read each other in a cycle: %s", cycle);
  }
  colour[i] = GREY;
  const struct om_plan_layer *l = &plan->layers[i];
  for (size_t k = 0; k < l->ndeps; k++) {
    int rc = visit(plan, l->deps[k], colour, stack, depth + 1, norder, d);
    if (rc < 0)
      return rc;
  }
  colour[i] = BLACK;
  plan->order[(*norder)++] = i;
  return 0;
}

static int select_layers(struct om_plan *plan, const struct om_project *p, char *const *only,
                         size_t nonly, struct om_diag *d)
{
  for (size_t k = 0; k < nonly; k++) {
    size_t i = 0;
    while (i < plan->n && strcmp(plan->layers[i].def->name, only[k]) != 0)
      i++;
    if (i == plan->n) {
      char names[1024] = "";
      size_t used = 0;
      for (size_t j = 0; j < plan->n && used + 1 < sizeof names; j++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "",
                                 plan->layers[j].def->name);
      return om_diag_fail(d, OM_EUSAGE, "no layer '%s' in '%s' (layers: %s)", only[k], p->file,
                          names);
    }
    plan->layers[i].action = OM_PLAN_SKIP;
    plan->layers[i].named = true;
  }
  for (size_t i = 0; i < plan->n; i++) {
    if (nonly == 0) {
      plan->layers[i].action = OM_PLAN_SKIP;
      plan->layers[i].named = true;
    }
  }
  /* What a selected layer reads is selected too (order has readers last). */
  for (size_t k = plan->n; k-- > 0;) {
    const struct om_plan_layer *l = &plan->layers[plan->order[k]];
    if (l->action == OM_PLAN_NONE)
      continue;
    for (size_t j = 0; j < l->ndeps; j++)
      if (plan->layers[l->deps[j]].action == OM_PLAN_NONE)
        plan->layers[l->deps[j]].action = OM_PLAN_SKIP;
  }
  return 0;
}

static void hash_layer_def(struct om_hasher *h, const struct om_project *p,
                           const struct om_layer_def *l)
{
  om_hasher_str(h, "oremap " OREMAP_VERSION);
  om_hasher_str(h, p->name);
  om_hasher_str(h, p->output_root);
  om_hasher_str(h, l->name);
  om_hasher_str(h, l->title);
  om_hasher_str(h, l->description);
  const struct om_source_def *s = &l->source;
  om_hasher_str(h, s->path);
  om_hasher_str(h, s->layer);
  om_hasher_str(h, s->encoding);
  om_hasher_u64(h, (uint64_t)s->decimal);
  om_hasher_str(h, s->id);
  for (size_t i = 0; i < s->nfields; i++) {
    om_hasher_str(h, s->fields[i].name);
    om_hasher_u64(h, (uint64_t)s->fields[i].type);
  }
  om_hasher_u64(h, s->max_fields);
  om_hasher_u64(h, s->max_field_bytes);
  const struct om_locate_def *loc = &l->locate;
  om_hasher_u64(h, (uint64_t)loc->kind);
  om_hasher_str(h, loc->x);
  om_hasher_str(h, loc->y);
  om_hasher_str(h, loc->field);
  om_hasher_str(h, loc->crs);
  om_hasher_str(h, loc->geocode.query);
  om_hasher_bytes(h, &loc->geocode.min_score, sizeof loc->geocode.min_score);
  om_hasher_str(h, loc->geocode.overrides);
  om_hasher_u64(h, loc->geocode.fuzzy);
  om_hasher_u64(h, loc->make_valid);
  const struct om_transform_def *tf = &l->transform;
  om_hasher_u64(h, (uint64_t)tf->kind);
  om_hasher_bytes(h, &tf->buffer_km, sizeof tf->buffer_km);
  om_hasher_str(h, tf->from_layer);
  om_hasher_str(h, tf->from_id);
  om_hasher_bytes(h, &tf->from_x, sizeof tf->from_x);
  om_hasher_bytes(h, &tf->from_y, sizeof tf->from_y);
  om_hasher_bytes(h, &tf->step_km, sizeof tf->step_km);
  /* Hashed only when declared, so that other layers' state stays as it was. */
  const struct om_aggregate_def *ag = &l->aggregate;
  if (ag->nby) {
    om_hasher_str(h, "aggregate");
    for (size_t i = 0; i < ag->nby; i++)
      om_hasher_str(h, ag->by[i]);
    om_hasher_str(h, ag->geometry);
    om_hasher_str(h, ag->separator);
    for (size_t k = 0; k < ag->nfields; k++) {
      om_hasher_str(h, ag->fields[k].source);
      om_hasher_str(h, ag->fields[k].as);
      om_hasher_str(h, ag->fields[k].aggregate);
      om_hasher_u64(h, ag->fields[k].typed ? 1u + (uint64_t)ag->fields[k].type : 0);
    }
  }
  for (size_t i = 0; i < l->noutputs; i++) {
    const struct om_output_def *o = &l->outputs[i];
    om_hasher_str(h, o->path);
    om_hasher_u64(h, (uint64_t)o->format);
    om_hasher_str(h, o->layer);
    om_hasher_u64(h, (uint64_t)o->precision);
    om_hasher_str(h, o->crs);
    for (size_t k = 0; k < o->nfields; k++)
      om_hasher_str(h, o->fields[k]);
    om_hasher_str(h, "");
  }
  for (size_t i = 0; i < l->njoins; i++) {
    const struct om_join_def *j = &l->joins[i];
    om_hasher_str(h, j->table);
    om_hasher_str(h, j->layer);
    om_hasher_str(h, j->encoding);
    om_hasher_u64(h, (uint64_t)j->decimal);
    for (size_t k = 0; k < j->nkeys; k++) {
      om_hasher_str(h, j->left_keys[k]);
      om_hasher_str(h, j->right_keys[k]);
    }
    om_hasher_u64(h, (uint64_t)(j->trim | j->fold_case << 1 | j->fold_marks << 2 |
                                j->strip_zeros << 3 | j->numeric << 4 | j->one_to_many << 5 |
                                j->drop_unmatched << 6));
    for (size_t k = 0; k < j->nfields; k++) {
      om_hasher_str(h, j->fields[k].source);
      om_hasher_str(h, j->fields[k].as);
      om_hasher_str(h, j->fields[k].aggregate);
      om_hasher_u64(h, j->fields[k].typed ? 1u + (uint64_t)j->fields[k].type : 0);
    }
    om_hasher_str(h, j->prefix);
    om_hasher_str(h, j->separator);
    om_hasher_str(h, j->predicate);
    om_hasher_str(h, j->from_layer);
    om_hasher_bytes(h, &j->max_km, sizeof j->max_km);
    om_hasher_str(h, j->distance_field);
  }
  om_hasher_str(h, l->style);
}

/* path without the project folder in front: labels must not depend on how -C was spelt. */
static const char *project_relative(const struct om_project *p, const char *path)
{
  size_t n = strlen(p->dir);
  while (n > 1 && p->dir[n - 1] == '/')
    n--;
  if (strcmp(p->dir, ".") != 0 && strncmp(path, p->dir, n) == 0 && path[n] == '/')
    return path + n + 1;
  return path;
}

static int add_input(struct om_state_layer *out, const char *label, const char *path,
                     uint64_t hash)
{
  struct om_state_input *grown = realloc(out->inputs, (out->ninputs + 1) * sizeof *grown);
  if (!grown)
    return OM_ENOMEM;
  out->inputs = grown;
  struct om_state_input *in = &grown[out->ninputs];
  if (asprintf(&in->label, "%s%s%s", label, path ? " " : "", path ? path : "") < 0)
    return OM_ENOMEM;
  in->hash = hash;
  out->ninputs++;
  return 0;
}

/* The content hash of a file the layer reads; 0 when it cannot be had. */
static uint64_t file_hash(struct om_state *st, const struct om_project *p, const char *rel)
{
  char *path = om_path_join(p->dir, rel);
  uint64_t h = 0;
  if (path && om_state_hash_file(st, rel, path, &h) < 0)
    h = 0;
  free(path);
  return h;
}

static int table_fingerprint(void *ctx, const char *path, uint64_t *out)
{
  om_gpkg_fingerprint(path, ctx, out);
  return 0;
}

/*
 * The fingerprint of a GeoPackage table, cached by the file's size and
 * time: opening a GeoPackage reads its whole schema, too slow to do for
 * every layer of every no-op build.
 */
static uint64_t gpkg_fingerprint(struct om_state *st, const struct om_project *p, const char *rel,
                                 const char *table)
{
  char *path = om_path_join(p->dir, rel);
  char *key = NULL;
  uint64_t h = 0;
  if (path && asprintf(&key, "%s\ttable\t%s", rel, table) >= 0 &&
      om_state_cached(st, key, path, table_fingerprint, (void *)table, &h) < 0)
    h = 0;
  free(key);
  free(path);
  return h;
}

/* A Shapefile is several files: what the .shp names also lives in its siblings. */
static int add_source_files(struct om_state_layer *out, const struct om_project *p,
                            const char *source, struct om_state *st)
{
  int rc = add_input(out, "source", source, file_hash(st, p, source));
  size_t n = strlen(source);
  if (rc < 0 || n < 4 || strcasecmp(source + n - 4, ".shp") != 0)
    return rc;
  static const char *const sidecars[] = {".shx", ".dbf", ".prj", ".cpg"};
  for (size_t i = 0; i < 4 && rc == 0; i++) {
    char *sib = NULL;
    if (asprintf(&sib, "%.*s%s", (int)(n - 4), source, sidecars[i]) < 0)
      return OM_ENOMEM;
    uint64_t h = file_hash(st, p, sib);
    if (h)
      rc = add_input(out, "source", sib, h);
    free(sib);
  }
  return rc;
}

/*
 * A PostGIS table cannot be fingerprinted here: the plan runs in the front,
 * which links no database client (src/front/main.c).  Such an output counts
 * as up to date while the layer's inputs, the connection string among them
 * (hashed with the manifest), are unchanged: its fingerprint stands for the
 * table's name only.  The writer leaves the row count and a content hash in
 * the table's comment for anyone who wants to check; --force rewrites it.
 */
static bool is_database(const char *path)
{
  return strncmp(path, "PG:", 3) == 0;
}

static uint64_t table_name_fingerprint(const char *table)
{
  struct om_hasher h;
  if (om_hasher_init(&h) < 0)
    return 0;
  om_hasher_str(&h, "PostGIS table");
  om_hasher_str(&h, table);
  uint64_t v = om_hasher_digest(&h);
  om_hasher_release(&h);
  return v ? v : 1;
}

/* The fingerprint of an output now: a file's hash, a GeoPackage table's, a PostGIS table's. */
static uint64_t stored_fingerprint(struct om_state *st, const struct om_project *p,
                                   const char *path, const char *table)
{
  if (is_database(path))
    return table ? table_name_fingerprint(table) : 0;
  return table ? gpkg_fingerprint(st, p, path, table) : file_hash(st, p, path);
}

static uint64_t output_fingerprint(const struct om_project *p, const struct om_layer_def *l,
                                   const struct om_output_def *o, struct om_state *st)
{
  return stored_fingerprint(st, p, o->path, output_table(l, o));
}

/* A layer that uses the gazetteer (geocoding, country check, reverse) depends on its index and its overrides. */
static int add_geocode_inputs(struct om_state_layer *out, const struct om_project *p,
                              const struct om_layer_def *l, struct om_state *st)
{
  char *gaz = om_project_gazetteer(p, l);
  if (!gaz)
    return OM_ENOMEM;
  const char *label = l->locate.geocode.gazetteer ? l->locate.geocode.gazetteer
                      : p->gazetteer                ? p->gazetteer
                                                    : "(built-in)";
  uint64_t h = 0;
  if (om_state_hash_file(st, gaz, gaz, &h) < 0)
    h = 0;
  int rc = add_input(out, "gazetteer", label, h);
  free(gaz);
  const char *ov = l->locate.geocode.overrides;
  if (ov && rc == 0)
    rc = add_input(out, "overrides", ov, file_hash(st, p, ov));
  return rc;
}

/* A flow line from another layer's record reads that layer's output. */
static int add_transform_input(struct om_state_layer *out, const struct om_project *p,
                               const struct om_layer_def *l, struct om_state *st)
{
  const struct om_layer_def *a = om_layer_transform_reads(p, l);
  const struct om_output_def *o = a ? om_layer_transform_source(a) : NULL;
  return o ? add_input(out, "transform layer", o->path, output_fingerprint(p, a, o, st)) : 0;
}

int om_plan_inputs(struct om_state_layer *out, const struct om_project *p,
                   const struct om_plan *plan, size_t i, struct om_state *st, struct om_diag *d)
{
  memset(out, 0, sizeof *out);
  const struct om_plan_layer *pl = &plan->layers[i];
  const struct om_layer_def *l = pl->def;
  struct om_hasher h;
  if (om_hasher_init(&h) < 0 || !(out->name = strdup(l->name)))
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  hash_layer_def(&h, p, l);
  int rc = add_input(out, "manifest", project_relative(p, l->file), om_hasher_digest(&h));
  om_hasher_release(&h);

  if (!source_is_layer(p, plan, i) && rc == 0) {
    rc = add_source_files(out, p, l->source.path, st);
  }
  for (size_t k = 0; k < pl->ndeps && rc == 0; k++) {
    const struct om_layer_def *a = plan->layers[pl->deps[k]].def;
    for (size_t j = 0; j < a->noutputs && rc == 0; j++) {
      if (!reads(p, l, a, &a->outputs[j]))
        continue;
      char label[256];
      snprintf(label, sizeof label, "layer %s:", a->name);
      rc = add_input(out, label, a->outputs[j].path, output_fingerprint(p, a, &a->outputs[j], st));
    }
  }
  for (size_t k = 0; k < l->njoins && rc == 0; k++) {
    const struct om_join_def *j = &l->joins[k];
    const struct om_layer_def *a = j->from_layer ? join_reads(plan, p, j) : NULL;
    if (!j->from_layer)
      rc = add_input(out, "join", j->table, file_hash(st, p, j->table));
    else if (a && a->noutputs) /* a joined layer is read through its first output */
      rc = add_input(out, "join layer", a->outputs[0].path,
                     output_fingerprint(p, a, &a->outputs[0], st));
  }
  if (rc == 0)
    rc = add_transform_input(out, p, l, st);
  if (l->style && rc == 0)
    rc = add_input(out, "style", l->style, file_hash(st, p, l->style));
  const struct om_locate_def *loc = &l->locate;
  if ((loc->geocode.query || loc->check.field || loc->reverse.on) && rc == 0)
    rc = add_geocode_inputs(out, p, l, st);
  if (rc < 0) {
    om_state_layer_release(out);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  return 0;
}

int om_plan_outputs(struct om_state_layer *l, const struct om_project *p,
                    const struct om_layer_def *def, struct om_state *st, struct om_diag *d)
{
  char *rejects = NULL;
  if (asprintf(&rejects, "%s/rejects/%s.csv", p->output_root, def->name) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  size_t n = def->noutputs + 1;
  l->outputs = calloc(n, sizeof *l->outputs);
  if (!l->outputs) {
    free(rejects);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < def->noutputs; i++) {
    const struct om_output_def *o = &def->outputs[i];
    struct om_state_output *so = &l->outputs[l->noutputs++];
    const char *table = output_table(def, o);
    /* A connection string may hold a password: the state file keeps "PG:" only. */
    so->path = strdup(is_database(o->path) ? "PG:" : o->path);
    so->table = table ? strdup(table) : NULL;
    so->fingerprint = output_fingerprint(p, def, o, st);
    if (!so->path || (table && !so->table)) {
      free(rejects);
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
  }
  struct om_state_output *so = &l->outputs[l->noutputs++];
  so->path = rejects;
  so->fingerprint = file_hash(st, p, rejects);
  return 0;
}

/* Why layer i must be rebuilt (in pl->reason), or SKIP. */
static int decide(struct om_plan *plan, size_t i, const struct om_project *p,
                  struct om_state *st, bool force, struct om_diag *d)
{
  struct om_plan_layer *pl = &plan->layers[i];
  pl->action = OM_PLAN_BUILD;
  if (force && pl->named) {
    snprintf(pl->reason, sizeof pl->reason, "forced");
    return 0;
  }
  for (size_t k = 0; k < pl->ndeps; k++) {
    if (plan->layers[pl->deps[k]].action == OM_PLAN_BUILD) {
      snprintf(pl->reason, sizeof pl->reason, "reads layer '%s', which is rebuilt",
               plan->layers[pl->deps[k]].def->name);
      return 0;
    }
  }
  const struct om_state_layer *old = om_state_find(st, pl->def->name);
  if (!old) {
    snprintf(pl->reason, sizeof pl->reason, "not built before");
    return 0;
  }
  struct om_state_layer now;
  int rc = om_plan_inputs(&now, p, plan, i, st, d);
  if (rc < 0)
    return rc;
  size_t used = 0;
  for (size_t k = 0; k < now.ninputs; k++) {
    bool same = false;
    for (size_t j = 0; j < old->ninputs && !same; j++)
      same = now.inputs[k].hash != 0 && old->inputs[j].hash == now.inputs[k].hash &&
             strcmp(old->inputs[j].label, now.inputs[k].label) == 0;
    if (!same && used + 1 < sizeof pl->reason)
      used += (size_t)snprintf(pl->reason + used, sizeof pl->reason - used, "%s%s",
                               used ? ", " : "changed: ", now.inputs[k].label);
  }
  if (!used && now.ninputs != old->ninputs)
    used = (size_t)snprintf(pl->reason, sizeof pl->reason, "changed: fewer inputs");
  om_state_layer_release(&now);
  for (size_t k = 0; k < old->noutputs && !used; k++) {
    const struct om_state_output *o = &old->outputs[k];
    uint64_t h = stored_fingerprint(st, p, o->path, o->table);
    if (h == 0)
      used = (size_t)snprintf(pl->reason, sizeof pl->reason, "output missing: %s%s%s", o->path,
                              o->table ? " table " : "", o->table ? o->table : "");
    else if (h != o->fingerprint)
      used = (size_t)snprintf(pl->reason, sizeof pl->reason, "output changed on disk: %s%s%s",
                              o->path, o->table ? " table " : "", o->table ? o->table : "");
  }
  if (!used) {
    pl->action = OM_PLAN_SKIP;
    snprintf(pl->reason, sizeof pl->reason, "up to date");
  }
  return 0;
}

int om_plan_make(struct om_plan *plan, const struct om_project *p, struct om_state *st,
                 char *const *only, size_t nonly, bool force, struct om_diag *d)
{
  memset(plan, 0, sizeof *plan);
  plan->n = p->nlayers;
  size_t n = plan->n ? plan->n : 1;
  plan->layers = calloc(n, sizeof *plan->layers);
  plan->order = calloc(n, sizeof *plan->order);
  int *colour = calloc(n, sizeof *colour);
  size_t *stack = calloc(n + 1, sizeof *stack);
  int rc = plan->layers && plan->order && colour && stack
               ? 0
               : om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; i < plan->n && rc == 0; i++)
    plan->layers[i].def = &p->layers[i];
  if (rc == 0)
    rc = find_deps(plan, p, d);
  size_t norder = 0;
  for (size_t i = 0; i < plan->n && rc == 0; i++)
    rc = visit(plan, i, colour, stack, 0, &norder, d);
  if (rc == 0)
    rc = select_layers(plan, p, only, nonly, d);
  for (size_t k = 0; k < plan->n && rc == 0; k++) {
    size_t i = plan->order[k];
    if (plan->layers[i].action != OM_PLAN_NONE)
      rc = decide(plan, i, p, st, force, d);
  }
  free(colour);
  free(stack);
  if (rc < 0)
    om_plan_release(plan);
  return rc;
}

void om_plan_release(struct om_plan *plan)
{
  for (size_t i = 0; plan->layers && i < plan->n; i++)
    free(plan->layers[i].deps);
  free(plan->layers);
  free(plan->order);
  memset(plan, 0, sizeof *plan);
}

bool om_plan_reads_output(const struct om_project *p, const struct om_layer_def *b,
                          const struct om_layer_def *a, const struct om_output_def *o)
{
  if (reads(p, b, a, o))
    return true;
  if (om_layer_transform_reads(p, b) == a && om_layer_transform_source(a) == o)
    return true;
  for (size_t k = 0; k < b->njoins; k++) {
    const struct om_join_def *j = &b->joins[k];
    if (j->from_layer) { /* a joined layer is read through its first output */
      if (strcmp(j->from_layer, a->name) == 0 && o == &a->outputs[0])
        return true;
      continue;
    }
    char *t = normalized(p->dir, j->table), *out = normalized(p->dir, o->path);
    bool same = t && out && strcmp(t, out) == 0;
    const char *table = output_table(a, o);
    if (same && table && j->layer)
      same = strcmp(table, j->layer) == 0;
    free(t);
    free(out);
    if (same)
      return true;
  }
  return false;
}
