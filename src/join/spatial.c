/*
 * Joins by location (spatial.h): the table's features and values, the
 * predicates over a geom/index.h probe, geodesic nearest, and the
 * per-query aggregates.
 */
#include "join/spatial.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/number.h"
#include "crs/geodesic.h"
#include "geom/geom.h"
#include "join/spatial_internal.h"
#include "locate/locate.h"

static const char *const predicate_names[] = {"within", "intersects", "contains", "nearest"};

const char *om_sjoin_predicate_name(enum om_sjoin_predicate p)
{
  return (unsigned)p < 4 ? predicate_names[p] : "?";
}

int om_sjoin_predicate_parse(enum om_sjoin_predicate *out, const char *name)
{
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, predicate_names[i]) == 0) {
      *out = (enum om_sjoin_predicate)i;
      return 0;
    }
  return -1;
}

void om_sjoin_free(struct om_sjoin *j)
{
  if (!j)
    return;
  om_geom_index_free(j->index);
  for (size_t i = 0; i < j->n; i++)
    free(j->wkb[i]);
  for (size_t i = 0; i < j->n * j->ncols; i++)
    free(j->vals[i]);
  for (size_t i = 0; i < j->ncols; i++)
    free(j->cols[i].name);
  for (size_t i = 0; i < j->nout; i++)
    free(j->outs[i].name);
  free(j->cols);
  free(j->outs);
  free(j->wkb);
  free(j->len);
  free(j->vals);
  free(j->distance_name);
  free(j->separator);
  free(j->where);
  free(j);
}

/* The column for table column src, added on first use: its index in cols. */
static size_t column_for(struct om_sjoin *j, size_t src, const char *name, int type)
{
  for (size_t c = 0; c < j->ncols; c++)
    if (j->cols[c].src == src)
      return c;
  struct scol *c = &j->cols[j->ncols];
  *c = (struct scol){.src = src, .name = strdup(name), .all_int = true, .all_real = true};
  if (type >= 0) {
    c->fixed = true;
    c->type = (enum om_field_type)type;
  }
  return j->ncols++;
}

int om_sjoin_new(struct om_sjoin **out, const struct om_sjoin_spec *spec, size_t ncolumns,
                 const char *const *columns, const int *types, struct om_diag *d)
{
  *out = NULL;
  struct om_sjoin *j = calloc(1, sizeof *j);
  if (!j)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  j->predicate = spec->predicate;
  j->max_km = spec->max_km;
  j->cols = calloc(spec->nfields + 1, sizeof *j->cols);
  j->outs = calloc(spec->nfields + 1, sizeof *j->outs);
  j->separator = strdup(spec->separator ? spec->separator : "; ");
  int rc = 0;
  if (!j->cols || !j->outs || !j->separator ||
      asprintf(&j->where, "%s%sjoin '%s' onto layer '%s'", spec->manifest ? spec->manifest : "",
               spec->manifest ? ": " : "", spec->table ? spec->table : "?",
               spec->layer ? spec->layer : "?") < 0) {
    j->where = NULL;
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; rc == 0 && i < spec->nfields; i++) {
    const struct om_join_field *f = &spec->fields[i];
    size_t src = 0;
    while (src < ncolumns && strcmp(columns[src], f->source) != 0)
      src++;
    if (src == ncolumns) {
      char list[512] = "";
      size_t used = 0;
      for (size_t k = 0; k < ncolumns && used + 1 < sizeof list; k++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                 columns[k]);
      rc = om_diag_fail(d, OM_EMANIFEST, "%s: field '%s' is not in the table (it has: %s)",
                        j->where, f->source, list);
      break;
    }
    struct sout *o = &j->outs[j->nout++];
    o->col = column_for(j, src, f->source, types ? types[src] : -1);
    o->agg = f->agg;
    o->typed = f->typed;
    o->base = f->type;
    if (asprintf(&o->name, "%s%s", spec->prefix ? spec->prefix : "", f->as ? f->as : f->source) <
            0 ||
        !j->cols[o->col].name) {
      o->name = NULL;
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
  }
  if (rc == 0 && spec->distance_field && !(j->distance_name = strdup(spec->distance_field)))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t a = 0; rc == 0 && a < om_sjoin_nfields(j); a++)
    for (size_t b = a + 1; rc == 0 && b < om_sjoin_nfields(j); b++)
      if (!strcasecmp(om_sjoin_field_name(j, a), om_sjoin_field_name(j, b)))
        rc = om_diag_fail(d, OM_EMANIFEST, "%s: output field '%s' is named twice", j->where,
                          om_sjoin_field_name(j, a));
  if (rc < 0) {
    om_sjoin_free(j);
    return rc;
  }
  *out = j;
  return 0;
}

int om_sjoin_add(struct om_sjoin *j, const unsigned char *wkb, size_t len,
                 const char *const *values)
{
  if (j->index)
    return OM_EUSAGE;
  if (j->n == j->cap) {
    size_t cap = j->cap ? j->cap * 2 : 256;
    unsigned char **w = realloc(j->wkb, cap * sizeof *w);
    if (w)
      j->wkb = w;
    size_t *l = realloc(j->len, cap * sizeof *l);
    if (l)
      j->len = l;
    char **v = realloc(j->vals, cap * (j->ncols ? j->ncols : 1) * sizeof *v);
    if (v)
      j->vals = v;
    if (!w || !l || !v)
      return OM_ENOMEM;
    j->cap = cap;
  }
  unsigned char *copy = malloc(len ? len : 1);
  if (!copy)
    return OM_ENOMEM;
  memcpy(copy, wkb, len);
  char **row = j->vals + j->n * j->ncols;
  for (size_t c = 0; c < j->ncols; c++) {
    const char *v = values[j->cols[c].src];
    row[c] = v && *v ? strdup(v) : NULL;
    if (v && *v && !row[c]) {
      while (c-- > 0)
        free(row[c]);
      free(copy);
      return OM_ENOMEM;
    }
    if (row[c] && !j->cols[c].fixed) {
      j->cols[c].all_int = j->cols[c].all_int && om_is_canonical_integer(row[c]);
      j->cols[c].all_real = j->cols[c].all_real && om_is_canonical_real(row[c]);
    }
  }
  j->wkb[j->n] = copy;
  j->len[j->n++] = len;
  return 0;
}

int om_sjoin_build(struct om_sjoin *j, struct om_diag *d)
{
  for (size_t c = 0; c < j->ncols; c++) {
    struct scol *col = &j->cols[c];
    if (!col->fixed)
      col->type = j->n == 0 ? OM_FIELD_STRING
                  : col->all_int ? OM_FIELD_INTEGER
                  : col->all_real ? OM_FIELD_REAL : OM_FIELD_STRING;
  }
  for (size_t f = 0; f < j->nout; f++) {
    struct sout *o = &j->outs[f];
    if (!o->typed)
      o->base = j->cols[o->col].type;
    o->type = o->agg == OM_AGG_COUNT ? OM_FIELD_INTEGER
              : o->agg == OM_AGG_SUM  ? (o->base == OM_FIELD_INTEGER ? OM_FIELD_INTEGER
                                                                     : OM_FIELD_REAL)
              : o->agg == OM_AGG_MEAN ? OM_FIELD_REAL
              : o->agg == OM_AGG_LIST ? OM_FIELD_STRING
                                      : o->base;
  }
  return om_geom_index_new(&j->index, j->n, (const unsigned char *const *)j->wkb, j->len, d);
}

long om_sjoin_features(const struct om_sjoin *j) { return (long)j->n; }
long om_sjoin_skipped(const struct om_sjoin *j) { return j->skipped; }

size_t om_sjoin_nfields(const struct om_sjoin *j) { return j->nout + (j->distance_name != NULL); }

const char *om_sjoin_field_name(const struct om_sjoin *j, size_t i)
{
  return i < j->nout ? j->outs[i].name : j->distance_name;
}

enum om_field_type om_sjoin_field_type(const struct om_sjoin *j, size_t i)
{
  return i < j->nout ? j->outs[i].type : OM_FIELD_REAL;
}

int om_sjoin_check_names(const struct om_sjoin *j, const char *const *taken, size_t ntaken,
                         struct om_diag *d)
{
  for (size_t i = 0; i < om_sjoin_nfields(j); i++)
    for (size_t k = 0; k < ntaken; k++)
      if (taken[k] && !strcasecmp(taken[k], om_sjoin_field_name(j, i)))
        return om_diag_fail(d, OM_EMANIFEST,
                            "%s: output field '%s' clashes with the layer's field '%s'; "
                            "rename it or set a prefix",
                            j->where, om_sjoin_field_name(j, i), taken[k]);
  return 0;
}

/*
 * Read the table's records into j; records without a geometry are counted.
 * An invalid outline (a country cut at the antimeridian that GEOS finds
 * self-intersecting, say) is still a fine place to look points up in: a table
 * already in lon/lat keeps it as it is, rather than losing the country.
 */
static int load_features(struct om_sjoin *j, struct om_reader *r, struct om_locator *loc,
                         struct om_diag *d)
{
  const char *crs = om_reader_crs(r);
  bool lonlat = !crs || strcmp(crs, "EPSG:4326") == 0 || strcmp(crs, "OGC:CRS84") == 0;
  struct om_location where = {0};
  struct om_record rec;
  int rc;
  while ((rc = om_reader_next(r, &rec, d)) > 0) {
    if (rc == OM_READ_REJECTED)
      continue;
    struct om_locate_error err;
    const unsigned char *wkb;
    size_t len;
    if (om_locate(loc, &rec, &where, &err) == OM_REASON_NONE) {
      wkb = where.wkb;
      len = where.len;
    } else if (err.reason == OM_REASON_GEOMETRY_INVALID && lonlat && rec.wkb) {
      wkb = rec.wkb;
      len = rec.wkb_len;
    } else {
      j->skipped++;
      continue;
    }
    rc = om_sjoin_add(j, wkb, len, (const char *const *)rec.values);
    if (rc < 0) {
      rc = om_diag_fail(d, rc, "out of memory");
      break;
    }
  }
  om_location_release(&where);
  return rc;
}

int om_sjoin_open(struct om_sjoin **out, const struct om_sjoin_spec *spec,
                  const struct om_reader_opts *table, struct om_diag *d)
{
  *out = NULL;
  struct om_reader *r = NULL;
  struct om_locator *loc = NULL;
  struct om_sjoin *j = NULL;
  int rc = om_reader_open(&r, table, d);
  /* The table's own geometry, moved from its CRS to lon/lat as a layer's would be. */
  struct om_layer_def def = {
    .file = (char *)(spec->manifest ? spec->manifest : ""),
    .name = (char *)(spec->layer ? spec->layer : ""),
    .source = {.path = (char *)table->path},
    .locate = {.kind = OM_LOCATE_SOURCE},
  };
  if (rc == 0)
    rc = om_locator_new(&loc, &def, r, d);
  size_t n = rc == 0 ? om_reader_field_count(r) : 0;
  const char **names = rc == 0 ? calloc(n + 1, sizeof *names) : NULL;
  int *types = rc == 0 ? calloc(n + 1, sizeof *types) : NULL;
  if (rc == 0 && (!names || !types))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    names[i] = om_reader_field_name(r, i);
    types[i] = om_reader_field_type(r, i);
  }
  if (rc == 0)
    rc = om_sjoin_new(&j, spec, n, names, types, d);
  if (rc == 0)
    rc = load_features(j, r, loc, d);
  if (rc == 0)
    rc = om_sjoin_build(j, d);
  free(names);
  free(types);
  om_locator_free(loc);
  om_reader_free(r);
  if (rc < 0) {
    om_sjoin_free(j);
    return rc;
  }
  *out = j;
  return 0;
}
