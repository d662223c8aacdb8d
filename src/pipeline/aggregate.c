/*
 * Grouping a layer's records (aggregate.h).
 *
 * Memory stays bounded by the largest group, not the layer: a first pass
 * over the spool keeps, per record, only its group number and its place
 * in the spool file; the records are then read back group by group, so
 * that only one group's geometries and values are held at a time.
 */
#include "pipeline/aggregate.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/number.h"
#include "crs/geodesic.h"
#include "geom/geom.h"
#include "geom/merge.h"
#include "join/agg.h"

#define NFIXED 2 /* members, area_km2 */

/* One aggregated output field. */
struct out_field {
  size_t col;        /* its column in the layer's schema */
  char *name;        /* output name, owned */
  struct om_agg agg; /* how it is computed */
};

struct om_layer_aggregate {
  const struct om_layer_def *layer; /* borrowed */
  enum om_geom_merge how;           /* union, hull, collect */
  size_t nby;
  size_t *by;                       /* nby schema columns */
  size_t nout;
  struct out_field *outs;           /* nout */
};

/* A group while grouping: its key, kept in one allocation with it. */
struct group {
  uint64_t hash;   /* of the key */
  uint32_t index;  /* in order of first appearance */
  uint32_t nrec;   /* records in it */
  uint32_t first;  /* its first record in the sorted order */
  size_t keylen;   /* bytes in key */
  char key[];      /* by values: a byte 0 (null) or 1 and the text with its NUL, per field */
};

/* Per-group storage for copied values and results, freed when the group is written. */
struct pool {
  char **p;
  size_t n, cap;
};

static void *pool_alloc(void *ctx, size_t n)
{
  struct pool *pl = ctx;
  if (pl->n == pl->cap) {
    size_t cap = pl->cap ? 2 * pl->cap : 64;
    char **grown = realloc(pl->p, cap * sizeof *grown);
    if (!grown)
      return NULL;
    pl->p = grown;
    pl->cap = cap;
  }
  char *m = malloc(n ? n : 1);
  if (m)
    pl->p[pl->n++] = m;
  return m;
}

static void pool_clear(struct pool *pl)
{
  for (size_t i = 0; i < pl->n; i++)
    free(pl->p[i]);
  pl->n = 0;
}

static const char *pool_copy(struct pool *pl, const char *s)
{
  if (!s)
    return NULL;
  size_t n = strlen(s) + 1;
  char *m = pool_alloc(pl, n);
  return m ? memcpy(m, s, n) : NULL;
}

static size_t column(const struct om_schema *s, const char *name)
{
  for (size_t j = 0; j < s->n; j++)
    if (strcmp(s->fields[j].name, name) == 0)
      return j;
  return SIZE_MAX;
}

void om_layer_aggregate_free(struct om_layer_aggregate *a)
{
  if (!a)
    return;
  for (size_t i = 0; i < a->nout; i++)
    free(a->outs[i].name);
  free(a->outs);
  free(a->by);
  free(a);
}

static const char *const fixed_names[NFIXED] = {"members", "area_km2"};

/* The output names in order: by fields, aggregates, then the fixed ones. */
static const char *out_name(const struct om_layer_aggregate *a, const struct om_schema *s,
                            size_t k)
{
  if (k < a->nby)
    return s->fields[a->by[k]].name;
  if (k < a->nby + a->nout)
    return a->outs[k - a->nby].name;
  return fixed_names[k - a->nby - a->nout];
}

int om_layer_aggregate_open(struct om_layer_aggregate **out, const struct om_layer_def *layer,
                            const struct om_schema *schema, struct om_diag *d)
{
  *out = NULL;
  const struct om_aggregate_def *def = &layer->aggregate;
  if (def->nby == 0)
    return 0;
  struct om_layer_aggregate *a = calloc(1, sizeof *a);
  if (!a || !(a->by = calloc(def->nby, sizeof *a->by)) ||
      !(a->outs = calloc(def->nfields ? def->nfields : 1, sizeof *a->outs))) {
    om_layer_aggregate_free(a);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  a->layer = layer;
  a->how = OM_GEOM_MERGE_UNION;
  int rc = 0;
  if (def->geometry && om_geom_merge_parse(&a->how, def->geometry) < 0)
    rc = om_diag_fail(d, OM_EMANIFEST, "%s:%d: layer '%s': unknown aggregate geometry '%s'",
                      layer->file, def->line, layer->name, def->geometry);
  for (size_t i = 0; i < def->nby && rc == 0; i++, a->nby++)
    if ((a->by[i] = column(schema, def->by[i])) == SIZE_MAX)
      rc = om_diag_fail(d, OM_EMANIFEST,
                        "%s:%d: layer '%s': aggregate 'by' names field '%s', which the layer "
                        "does not have",
                        layer->file, def->line, layer->name, def->by[i]);
  for (size_t i = 0; i < def->nfields && rc == 0; i++) {
    const struct om_join_field_def *fd = &def->fields[i];
    struct out_field *o = &a->outs[a->nout];
    o->col = column(schema, fd->source);
    o->agg = (struct om_agg){.typed = fd->typed, .base = fd->type, .decimal = '.',
                             .separator = def->separator};
    if (o->col == SIZE_MAX)
      rc = om_diag_fail(d, OM_EMANIFEST,
                        "%s:%d: layer '%s': aggregate field '%s' is not a field of the layer",
                        layer->file, def->line, layer->name, fd->source);
    else if (fd->aggregate && om_join_agg_parse(&o->agg.agg, fd->aggregate) < 0)
      rc = om_diag_fail(d, OM_EMANIFEST, "%s:%d: layer '%s': unknown aggregate '%s'",
                        layer->file, def->line, layer->name, fd->aggregate);
    else if (!(o->name = strdup(fd->as ? fd->as : fd->source)))
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
    else
      a->nout++;
  }
  /* Output names must differ, ignoring case as GeoPackage does. */
  size_t n = a->nby + a->nout + NFIXED;
  for (size_t i = 0; i < n && rc == 0; i++)
    for (size_t k = i + 1; k < n && rc == 0; k++)
      if (!strcasecmp(out_name(a, schema, i), out_name(a, schema, k)))
        rc = om_diag_fail(d, OM_EMANIFEST,
                          "%s:%d: layer '%s': aggregate writes two fields named '%s'; rename "
                          "one with 'as'",
                          layer->file, def->line, layer->name, out_name(a, schema, k));
  if (rc < 0) {
    om_layer_aggregate_free(a);
    return rc;
  }
  *out = a;
  return 0;
}

/* ---- grouping --------------------------------------------------------- */

struct table {
  struct group **slots; /* open addressing, at most half full */
  size_t cap;           /* a power of two */
  struct group **order; /* groups by index */
  size_t n, order_cap;
  char *key;            /* the key being built */
  size_t key_cap;
};

static uint64_t hash_bytes(const char *p, size_t n)
{
  uint64_t h = 1469598103934665603u; /* FNV-1a */
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 1099511628211u;
  return h;
}

/* The key of feature f's by values in t->key: its length, or 0 when out of memory. */
static size_t make_key(struct table *t, const struct om_layer_aggregate *a,
                       const struct om_feature *f, bool *has_null)
{
  size_t len = 0;
  for (size_t i = 0; i < a->nby; i++) {
    const char *v = f->values[a->by[i]];
    size_t need = len + 2 + (v ? strlen(v) : 0);
    if (need > t->key_cap) {
      size_t cap = need * 2 + 64;
      char *grown = realloc(t->key, cap);
      if (!grown)
        return 0;
      t->key = grown;
      t->key_cap = cap;
    }
    t->key[len++] = v ? 1 : 0;
    *has_null = *has_null || !v;
    if (v) {
      size_t n = strlen(v) + 1;
      memcpy(t->key + len, v, n);
      len += n;
    }
  }
  return len;
}

/* The group of key t->key[0..len), made if new; NULL when out of memory. */
static struct group *find_group(struct table *t, size_t len)
{
  if (2 * (t->n + 1) > t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 64;
    struct group **slots = calloc(cap, sizeof *slots);
    if (!slots)
      return NULL;
    for (size_t i = 0; i < t->n; i++) {
      size_t s = t->order[i]->hash & (cap - 1);
      while (slots[s])
        s = (s + 1) & (cap - 1);
      slots[s] = t->order[i];
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
  }
  uint64_t h = hash_bytes(t->key, len);
  size_t s = h & (t->cap - 1);
  for (; t->slots[s]; s = (s + 1) & (t->cap - 1)) {
    struct group *g = t->slots[s];
    if (g->hash == h && g->keylen == len && memcmp(g->key, t->key, len) == 0)
      return g;
  }
  if (t->n == t->order_cap) {
    size_t cap = t->order_cap ? 2 * t->order_cap : 64;
    struct group **grown = realloc(t->order, cap * sizeof *grown);
    if (!grown)
      return NULL;
    t->order = grown;
    t->order_cap = cap;
  }
  struct group *g = calloc(1, sizeof *g + len);
  if (!g)
    return NULL;
  g->hash = h;
  g->index = (uint32_t)t->n;
  g->keylen = len;
  memcpy(g->key, t->key, len);
  t->slots[s] = g;
  t->order[t->n++] = g;
  return g;
}

static void table_release(struct table *t)
{
  for (size_t i = 0; i < t->n; i++)
    free(t->order[i]);
  free(t->order);
  free(t->slots);
  free(t->key);
}

/* The schema of the grouped features. */
static int make_schema(struct om_schema *out, const struct om_layer_aggregate *a,
                       const struct om_schema *in)
{
  size_t n = a->nby + a->nout + NFIXED;
  out->fields = calloc(n, sizeof *out->fields);
  if (!out->fields)
    return OM_ENOMEM;
  for (size_t k = 0; k < n; k++, out->n++) {
    if (!(out->fields[k].name = strdup(out_name(a, in, k))))
      return OM_ENOMEM;
    if (k < a->nby)
      out->fields[k].type = in->fields[a->by[k]].type;
    else if (k < a->nby + a->nout)
      out->fields[k].type = a->outs[k - a->nby].agg.type;
    else
      out->fields[k].type = k == n - 2 ? OM_FIELD_INTEGER : OM_FIELD_REAL;
  }
  return 0;
}

/* A group's records (their places in the spool), for merging and for rejects. */
struct members {
  const uint64_t *offsets; /* nrec of them, the group's slice */
  long *record, *line;     /* per member, for rejects */
  const char **vals;       /* nrec * nout copied values */
  size_t cap;              /* members there is room for */
};

/* The text of a group's key, for messages: "Niger", or "Niger, Tahoua". */
static void key_text(char *buf, size_t size, const struct group *g)
{
  size_t used = 0;
  buf[0] = '\0';
  for (const char *p = g->key; p < g->key + g->keylen && used + 1 < size;) {
    bool set = *p++;
    used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                             set ? p : "null");
    if (set)
      p += strlen(p) + 1;
  }
}

/*
 * Merge and aggregate one group and spool its feature; a group whose
 * geometry cannot be merged has its records rejected instead.  *ok says
 * whether it was written.
 */
static int write_group(struct om_spool *out, bool *ok, struct om_layer_aggregate *a,
                       struct om_geom_merger *m, struct om_spool_cursor *c, const struct group *g,
                       struct members *mem, struct pool *pl, const char **values,
                       struct om_agg_tally *tally, struct om_diag *d)
{
  *ok = false;
  struct om_feature f;
  struct om_diag md;
  om_diag_init(&md);
  int why = 0;
  for (uint32_t i = 0; i < g->nrec; i++) {
    int rc = om_spool_read_at(c, mem->offsets[i], &f);
    if (rc < 0)
      return om_diag_fail(d, rc, "cannot read the temporary spool file");
    mem->record[i] = f.record;
    mem->line[i] = f.line;
    if (i == 0)
      for (size_t k = 0; k < a->nby; k++)
        values[k] = pool_copy(pl, f.values[a->by[k]]);
    for (size_t k = 0; k < a->nout; k++)
      mem->vals[(size_t)i * a->nout + k] = pool_copy(pl, f.values[a->outs[k].col]);
    if (why == 0)
      why = om_geom_merger_add(m, f.wkb, f.wkb_len, &md);
    if (why < 0)
      return om_diag_fail(d, why, "%s", md.msg);
  }
  unsigned char *wkb = NULL;
  size_t len = 0;
  if (why == 0) {
    why = om_geom_merger_finish(m, &wkb, &len, &md);
  } else { /* finish only to release what the merger holds */
    om_geom_merger_finish(m, &wkb, &len, &md);
    free(wkb);
    wkb = NULL;
  }
  if (why == OM_ENOMEM)
    return om_diag_fail(d, why, "out of memory");
  if (why != 0) { /* GEOS could not merge them: each record says so */
    char detail[600], key[200];
    key_text(key, sizeof key, g);
    om_detail_set(detail, sizeof detail, "cannot %s the geometries of group '%s': %s",
                  om_geom_merge_name(a->how), key, md.msg);
    for (uint32_t i = 0; i < g->nrec; i++) {
      struct om_pos at = {a->layer->source.path, mem->record[i], mem->line[i]};
      int rc = om_diag_reject(d, &at, NULL, OM_REASON_GEOMETRY_INVALID, detail, NULL);
      if (rc < 0)
        return rc;
    }
    return 0;
  }
  struct om_agg_alloc alloc = {pool_alloc, pl};
  for (size_t k = 0; k < a->nout; k++) {
    int rc = om_agg_compute(&values[a->nby + k], &a->outs[k].agg, mem->vals + k, a->nout,
                            g->nrec, &alloc, &tally[k]);
    if (rc < 0) {
      free(wkb);
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
  }
  char members[32], area[32];
  snprintf(members, sizeof members, "%u", g->nrec);
  values[a->nby + a->nout] = members;
  values[a->nby + a->nout + 1] = NULL;
  int type = om_wkb_type(wkb, len);
  double km2;
  if ((type == OM_WKB_POLYGON || type == OM_WKB_MULTIPOLYGON) &&
      om_geodesic_area_km2(&km2, wkb, len) == 0) {
    om_format_double(area, round(km2 * 1000) / 1000); /* to the m^2 is noise */
    values[a->nby + a->nout + 1] = area;
  }
  struct om_feature gf = {.record = (long)g->index + 1, .nvalues = a->nby + a->nout + NFIXED,
                          .values = values, .wkb = wkb, .wkb_len = len};
  int rc = om_wkb_envelope(wkb, len, gf.env) < 0
               ? om_diag_fail(d, OM_EDEP, "the merged geometry of a group is empty")
               : om_spool_add(out, &gf, d);
  free(wkb);
  *ok = rc == 0;
  return rc;
}

/* Put the records' spool offsets in group order (a counting sort). */
static uint64_t *sort_by_group(struct table *t, const uint64_t *offsets, const uint32_t *group,
                               size_t n)
{
  uint64_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
  uint32_t *fill = calloc(t->n + 1, sizeof *fill);
  if (!sorted || !fill) {
    free(sorted);
    free(fill);
    return NULL;
  }
  uint32_t at = 0;
  for (size_t i = 0; i < t->n; i++) {
    t->order[i]->first = at;
    at += t->order[i]->nrec;
  }
  for (size_t r = 0; r < n; r++) {
    const struct group *g = t->order[group[r]];
    sorted[g->first + fill[g->index]++] = offsets[r];
  }
  free(fill);
  return sorted;
}

int om_layer_aggregate_run(struct om_spool **out, struct om_schema *out_schema, long *grouped,
                           struct om_layer_aggregate *a, const struct om_spool *in,
                           const struct om_schema *schema, struct om_diag *d)
{
  *out = NULL;
  *grouped = 0;
  memset(out_schema, 0, sizeof *out_schema);
  for (size_t k = 0; k < a->nout; k++)
    om_agg_settle(&a->outs[k].agg, schema->fields[a->outs[k].col].type);

  size_t n = om_spool_count(in);
  struct table t = {0};
  struct om_spool_cursor c;
  om_spool_cursor_init(&c, in, OM_ORDER_SOURCE);
  uint64_t *offsets = malloc((n ? n : 1) * sizeof *offsets), *sorted = NULL;
  uint32_t *group = malloc((n ? n : 1) * sizeof *group);
  int rc = offsets && group ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  long nulls = 0;
  struct om_feature f;
  for (size_t r = 0; r < n && rc == 0; r++) {
    offsets[r] = om_spool_cursor_offset(&c);
    int got = om_spool_cursor_next(&c, &f);
    bool has_null = false;
    size_t len = got == 1 ? make_key(&t, a, &f, &has_null) : 0;
    struct group *g = len ? find_group(&t, len) : NULL;
    if (!g)
      rc = om_diag_fail(d, got < 0 && got != OM_ENOMEM ? OM_EIO : OM_ENOMEM,
                        got < 0 && got != OM_ENOMEM ? "cannot read the temporary spool file"
                                                    : "out of memory");
    else
      group[r] = g->index, g->nrec++, nulls += has_null;
  }
  if (rc == 0 && nulls > 0)
    om_diag_warn(d,
                 "%s:%d: layer '%s': %ld record%s no value in a 'by' field; they form one "
                 "group, with that field null",
                 a->layer->file, a->layer->aggregate.line, a->layer->name, nulls,
                 nulls == 1 ? " has" : "s have");
  if (rc == 0 && !(sorted = sort_by_group(&t, offsets, group, n)))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  free(offsets);
  free(group);

  uint32_t largest = 0;
  for (size_t i = 0; i < t.n; i++)
    largest = t.order[i]->nrec > largest ? t.order[i]->nrec : largest;
  struct members mem = {0};
  struct pool pl = {0};
  struct om_geom_merger *m = NULL;
  size_t nvalues = a->nby + a->nout + NFIXED;
  const char **values = calloc(nvalues, sizeof *values);
  struct om_agg_tally *tally = calloc(a->nout + 1, sizeof *tally);
  mem.record = malloc((largest + 1) * sizeof *mem.record);
  mem.line = malloc((largest + 1) * sizeof *mem.line);
  mem.vals = malloc(((size_t)largest * a->nout + 1) * sizeof *mem.vals);
  if (rc == 0 && (!values || !tally || !mem.record || !mem.line || !mem.vals))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0)
    rc = make_schema(out_schema, a, schema) < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory")
                                                : 0;
  if (rc == 0)
    rc = om_geom_merger_new(&m, a->how, d);
  if (rc == 0)
    rc = om_spool_new(out, NULL, d);
  for (size_t i = 0; i < t.n && rc == 0; i++) {
    const struct group *g = t.order[i];
    mem.offsets = sorted + g->first;
    bool ok;
    rc = write_group(*out, &ok, a, m, &c, g, &mem, &pl, values, tally, d);
    if (ok)
      *grouped += g->nrec;
    pool_clear(&pl);
  }
  for (size_t k = 0; k < a->nout && rc == 0; k++)
    om_agg_warn(d, a->layer->source.path, schema->fields[a->outs[k].col].name, &a->outs[k].agg,
                &tally[k]);
  if (rc == 0)
    rc = om_spool_finish(*out, d);
  if (rc < 0) {
    om_spool_free(*out);
    *out = NULL;
    om_schema_release(out_schema);
  }
  om_geom_merger_free(m);
  om_spool_cursor_release(&c);
  free(pl.p);
  free(mem.record);
  free(mem.line);
  free(mem.vals);
  free(values);
  free(tally);
  free(sorted);
  table_release(&t);
  return rc;
}
