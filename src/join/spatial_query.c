/*
 * Asking a join by location (spatial.h): the predicates with their border
 * rule, the geodesic nearest search, and the aggregates over the matched
 * features.  Everything here belongs to one om_sjoin_query, so one thread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/number.h"
#include "crs/geodesic.h"
#include "geom/geom.h"
#include "join/attr_internal.h"
#include "join/spatial_internal.h"

void om_sjoin_query_free(struct om_sjoin_query *q)
{
  if (!q)
    return;
  om_geom_probe_free(q->probe);
  for (size_t i = 0; q->bufs && i < q->j->nout + 2; i++) /* the outputs, the distance */
    free(q->bufs[i]);
  free(q->bufs);
  free(q->bufcap);
  free(q->values);
  free(q->matches);
  free(q->hit);
  free(q);
}

int om_sjoin_query_new(struct om_sjoin_query **out, const struct om_sjoin *j, struct om_diag *d)
{
  *out = NULL;
  if (!j->index)
    return om_diag_fail(d, OM_EUSAGE, "%s: the join was not built", j->where);
  struct om_sjoin_query *q = calloc(1, sizeof *q);
  if (q) {
    q->j = j;
    q->distance = -1;
    q->values = calloc(j->nout + 2, sizeof *q->values);
    q->bufs = calloc(j->nout + 2, sizeof *q->bufs);
    q->bufcap = calloc(j->nout + 2, sizeof *q->bufcap);
    q->hit = calloc(j->n + 1, sizeof *q->hit);
  }
  if (!q || !q->values || !q->bufs || !q->bufcap || !q->hit) {
    om_sjoin_query_free(q);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  int rc = om_geom_probe_new(&q->probe, j->index, d);
  if (rc < 0) {
    om_sjoin_query_free(q);
    return rc;
  }
  q->rep.features = (long)j->n;
  *out = q;
  return 0;
}

static int add_match(struct om_sjoin_query *q, size_t i)
{
  if (q->nmatches == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 16;
    size_t *grown = realloc(q->matches, cap * sizeof *grown);
    if (!grown)
      return OM_ENOMEM;
    q->matches = grown;
    q->cap = cap;
  }
  q->matches[q->nmatches++] = i;
  return 0;
}

static int fail_geos(struct om_sjoin_query *q, struct om_diag *d)
{
  return om_diag_fail(d, OM_EDEP, "%s: GEOS: %s", q->j->where, om_geom_probe_message(q->probe));
}

/*
 * within for a point: the polygons whose inside holds it; on borders
 * only, the one holding the nudged point, else the first in table order.
 */
static int within_point(struct om_sjoin_query *q, const size_t *c, size_t n, double x, double y,
                        struct om_diag *d)
{
  long first_border = -1;
  size_t nborder = 0;
  for (size_t k = 0; k < n; k++) {
    int w = om_geom_probe_point_in(q->probe, c[k], x, y);
    if (w < 0)
      return fail_geos(q, d);
    if (w == OM_GEOM_INTERIOR && add_match(q, c[k]) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    if (w == OM_GEOM_BOUNDARY) {
      nborder++;
      if (first_border < 0)
        first_border = (long)c[k];
    }
  }
  if (q->nmatches > 0 || nborder == 0)
    return 0;
  size_t pick = (size_t)first_border;
  for (size_t k = 0; k < n && nborder > 1; k++) {
    int w = om_geom_probe_point_in(q->probe, c[k], x + NUDGE_X, y + NUDGE_Y);
    if (w < 0)
      return fail_geos(q, d);
    if (w == OM_GEOM_INTERIOR) {
      pick = c[k];
      break;
    }
  }
  return add_match(q, pick) < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
}

/* Does the query hold point feature i, with the border rule? 1, 0 or < 0. */
static int holds_point(struct om_sjoin_query *q, size_t i)
{
  const double *e = om_geom_index_env(q->j->index, i);
  int w = om_geom_probe_point_in_query(q->probe, e[0], e[1]);
  if (w == OM_GEOM_BOUNDARY)
    w = om_geom_probe_point_in_query(q->probe, e[0] + NUDGE_X, e[1] + NUDGE_Y);
  return w < 0 ? w : w == OM_GEOM_INTERIOR;
}

/* Geodesic km from (x, y) to feature i (spatial.h says how), or < -1 for a GEOS failure. */
static double feature_km(struct om_sjoin_query *q, size_t i, double x, double y)
{
  const double *e = om_geom_index_env(q->j->index, i);
  int type = om_geom_index_type(q->j->index, i);
  if (type == OM_WKB_POINT)
    return om_geodesic_distance_km(x, y, e[0], e[1]);
  int w = om_geom_probe_point_in(q->probe, i, x, y);
  if (w < 0)
    return -2;
  if (w != OM_GEOM_OUTSIDE)
    return 0;
  double best = INFINITY;
  for (int s = -1; s <= 1; s++) {
    double nx, ny;
    if (om_geom_probe_nearest_point(q->probe, i, x + 360.0 * s, y, &nx, &ny) < 0)
      return -2;
    double km = om_geodesic_distance_km(x, y, nx, ny);
    if (km < best)
      best = km;
  }
  return best;
}

/* The boxes that hold every point within km of (x, y): 1 or 2 of them. */
static int search_boxes(double boxes[2][4], double x, double y, double km)
{
  double dlat = km / KM_PER_DEG_LAT_MIN * 1.000001 + 1e-9;
  double lat0 = y - dlat, lat1 = y + dlat;
  if (lat0 <= -90 || lat1 >= 90) {
    boxes[0][0] = -180, boxes[0][1] = fmax(lat0, -90), boxes[0][2] = 180,
    boxes[0][3] = fmin(lat1, 90);
    return 1;
  }
  double phi = fmax(fabs(lat0), fabs(lat1)) * M_PI / 180;
  double dlon = km / (KM_PER_DEG_LON_EQ * cos(phi)) * 1.000001 + 1e-9;
  double lon0 = x - dlon, lon1 = x + dlon;
  if (dlon >= 180) {
    lon0 = -180;
    lon1 = 180;
  }
  int n = 0;
  if (lon0 < -180) {
    boxes[n][0] = lon0 + 360, boxes[n][1] = lat0, boxes[n][2] = 180, boxes[n++][3] = lat1;
    lon0 = -180;
  }
  if (lon1 > 180) {
    boxes[n][0] = -180, boxes[n][1] = lat0, boxes[n][2] = lon1 - 360, boxes[n++][3] = lat1;
    lon1 = 180;
  }
  boxes[n][0] = lon0, boxes[n][1] = lat0, boxes[n][2] = lon1, boxes[n++][3] = lat1;
  return n;
}

static int nearest(struct om_sjoin_query *q, double x, double y, struct om_diag *d)
{
  const struct om_sjoin *j = q->j;
  double bound = j->max_km > 0 ? j->max_km : INFINITY;
  long best = -1;
  double best_km = INFINITY;
  /* A planar candidate, at the query's longitude and a turn either way: its true distance bounds the answer. */
  for (int s = -1; s <= 1; s++) {
    long i = om_geom_probe_nearest_envelope(q->probe, x + 360.0 * s, y);
    if (i < 0)
      continue;
    double km = feature_km(q, (size_t)i, x, y);
    if (km < -1)
      return fail_geos(q, d);
    if (km < best_km || (km == best_km && i < best))
      best_km = km, best = i;
  }
  if (best < 0)
    return 0;
  if (best_km < bound)
    bound = best_km;
  double boxes[3][4];
  int nbox = search_boxes(boxes, x, y, bound);
  for (int b = 0; b < nbox; b++) {
    const size_t *c;
    size_t n;
    if (om_geom_probe_candidates(q->probe, boxes[b], &c, &n) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
      double km = feature_km(q, c[k], x, y);
      if (km < -1)
        return fail_geos(q, d);
      if (km < best_km || (km == best_km && (long)c[k] < best))
        best_km = km, best = (long)c[k];
    }
  }
  if (j->max_km > 0 && !(best_km <= j->max_km))
    return 0;
  q->distance = best_km;
  return add_match(q, (size_t)best) < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
}

/* Find the features the query matches, into q->matches. */
static int find(struct om_sjoin_query *q, const unsigned char *wkb, size_t len,
                const double env[4], struct om_diag *d)
{
  const struct om_sjoin *j = q->j;
  bool point = om_wkb_type(wkb, len) == OM_WKB_POINT;
  if (j->predicate == OM_SJOIN_NEAREST)
    return nearest(q, point ? env[0] : (env[0] + env[2]) / 2,
                   point ? env[1] : (env[1] + env[3]) / 2, d);
  if (om_geom_probe_set_query(q->probe, wkb, len) != 0)
    return 0; /* GEOS cannot read it: no match */
  const size_t *c;
  size_t n;
  if (om_geom_probe_candidates(q->probe, env, &c, &n) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (j->predicate == OM_SJOIN_WITHIN && point)
    return within_point(q, c, n, env[0], env[1], d);
  for (size_t k = 0; k < n; k++) {
    int hit;
    if (j->predicate == OM_SJOIN_WITHIN)
      hit = om_geom_probe_within(q->probe, c[k]);
    else if (j->predicate == OM_SJOIN_INTERSECTS)
      hit = om_geom_probe_intersects(q->probe, c[k]);
    else if (om_geom_index_type(j->index, c[k]) == OM_WKB_POINT)
      hit = holds_point(q, c[k]);
    else
      hit = om_geom_probe_contains(q->probe, c[k]);
    if (hit < 0)
      return fail_geos(q, d);
    if (hit && add_match(q, c[k]) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  return 0;
}

/* Room for len bytes and a NUL in output f's buffer; 0 or OM_ENOMEM. */
static int reserve(struct om_sjoin_query *q, size_t f, size_t len)
{
  if (q->bufcap[f] >= len + 1)
    return 0;
  size_t cap = len + 1 > 2 * q->bufcap[f] ? len + 1 : 2 * q->bufcap[f];
  char *grown = realloc(q->bufs[f], cap);
  if (!grown)
    return OM_ENOMEM;
  q->bufs[f] = grown;
  q->bufcap[f] = cap;
  return 0;
}

/* Put text in output f's buffer and point its value there; 0 or OM_ENOMEM. */
static int put(struct om_sjoin_query *q, size_t f, const char *text, size_t len)
{
  if (reserve(q, f, len) < 0)
    return OM_ENOMEM;
  memcpy(q->bufs[f], text, len);
  q->bufs[f][len] = '\0';
  q->values[f] = q->bufs[f];
  return 0;
}

static int put_double(struct om_sjoin_query *q, size_t f, double v)
{
  char buf[32];
  om_format_double(buf, v);
  return put(q, f, buf, strlen(buf));
}

static int put_int(struct om_sjoin_query *q, size_t f, long long v)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", v);
  return put(q, f, buf, (size_t)n);
}

/* Read v under o's base type; false when it is not a number. */
static bool number_of(const struct sout *o, const char *v, double *x, long long *i)
{
  if (o->base == OM_FIELD_INTEGER) {
    if (om_integer_parse(v, i) != OM_REASON_NONE)
      return false;
    *x = (double)*i;
    return true;
  }
  return om_join_parse_real(v, '.', x);
}

/* The list aggregate: every non-null value, in table order, with the separator. */
static int list_of(struct om_sjoin_query *q, size_t f)
{
  const struct om_sjoin *j = q->j;
  const struct sout *o = &j->outs[f];
  size_t total = 0, sep = strlen(j->separator), n = 0;
  for (size_t k = 0; k < q->nmatches; k++) {
    const char *v = j->vals[q->matches[k] * j->ncols + o->col];
    if (v)
      total += strlen(v) + (n++ ? sep : 0);
  }
  if (n == 0)
    return 0;
  if (reserve(q, f, total) < 0)
    return OM_ENOMEM;
  char *p = q->bufs[f];
  q->values[f] = p;
  n = 0;
  for (size_t k = 0; k < q->nmatches; k++) {
    const char *v = j->vals[q->matches[k] * j->ncols + o->col];
    if (!v)
      continue;
    if (n++)
      memcpy(p, j->separator, sep), p += sep;
    size_t len = strlen(v);
    memcpy(p, v, len);
    p += len;
  }
  *p = '\0';
  return 0;
}

/*
 * Output f over the matched features, by the attribute join's rules
 * (attr.h): nulls skipped; sums and means over numbers only; min and max
 * by number under a numeric type, by text otherwise.
 */
static int aggregate(struct om_sjoin_query *q, size_t f)
{
  const struct om_sjoin *j = q->j;
  const struct sout *o = &j->outs[f];
  q->values[f] = NULL;
  if (o->agg == OM_AGG_LIST)
    return list_of(q, f);
  bool numeric = o->base != OM_FIELD_STRING;
  bool picks = o->agg == OM_AGG_FIRST || o->agg == OM_AGG_LAST || o->agg == OM_AGG_MIN ||
               o->agg == OM_AGG_MAX;
  bool parse = o->agg == OM_AGG_SUM || o->agg == OM_AGG_MEAN ||
               (numeric && (o->agg == OM_AGG_MIN || o->agg == OM_AGG_MAX ||
                            (o->typed && picks)));
  const char *best = NULL;
  double bx = 0, sum = 0, comp = 0;
  long long bi = 0, isum = 0;
  bool overflow = false;
  long n = 0;
  for (size_t k = 0; k < q->nmatches; k++) {
    const char *v = j->vals[q->matches[k] * j->ncols + o->col];
    double x = 0;
    long long i = 0;
    if (!v || (parse && !number_of(o, v, &x, &i)))
      continue;
    n++;
    if (o->agg == OM_AGG_FIRST && !best) {
      best = v, bx = x, bi = i;
    } else if (o->agg == OM_AGG_LAST) {
      best = v, bx = x, bi = i;
    } else if (o->agg == OM_AGG_MIN || o->agg == OM_AGG_MAX) {
      int cmp = !best                       ? 0
                : !numeric                  ? strcmp(v, best)
                : o->base == OM_FIELD_INTEGER ? (i > bi) - (i < bi)
                                              : (x > bx) - (x < bx);
      if (!best || (o->agg == OM_AGG_MIN ? cmp < 0 : cmp > 0))
        best = v, bx = x, bi = i;
    } else if (o->agg == OM_AGG_SUM || o->agg == OM_AGG_MEAN) {
      if (o->base == OM_FIELD_INTEGER && !overflow && __builtin_add_overflow(isum, i, &isum))
        overflow = true;
      double t = sum + x; /* Neumaier's compensated sum, as attr_agg.c */
      comp += fabs(sum) >= fabs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
  }
  switch (o->agg) {
  case OM_AGG_COUNT:
    return put_int(q, f, n);
  case OM_AGG_SUM:
    if (n == 0)
      return 0;
    return o->type == OM_FIELD_INTEGER && !overflow ? put_int(q, f, isum)
                                                    : put_double(q, f, sum + comp);
  case OM_AGG_MEAN:
    return n ? put_double(q, f, (sum + comp) / (double)n) : 0;
  default:
    if (!best)
      return 0;
    if (!o->typed || !numeric) {
      q->values[f] = best;
      return 0;
    }
    return o->base == OM_FIELD_INTEGER ? put_int(q, f, bi) : put_double(q, f, bx);
  }
}

int om_sjoin_match(struct om_sjoin_query *q, const unsigned char *wkb, size_t len,
                   const char *const **values, struct om_diag *d)
{
  const struct om_sjoin *j = q->j;
  *values = NULL;
  q->nmatches = 0;
  q->distance = -1;
  double env[4];
  int rc = wkb && om_wkb_envelope(wkb, len, env) == 0 ? find(q, wkb, len, env, d) : 0;
  if (rc < 0)
    return rc;
  if (q->nmatches == 0) {
    q->rep.unmatched++;
    return 0;
  }
  q->rep.matched++;
  for (size_t k = 0; k < q->nmatches; k++)
    q->hit[q->matches[k]] = true;
  for (size_t f = 0; f < j->nout; f++)
    if (aggregate(q, f) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (j->distance_name) {
    /* Metres are as fine as a distance in km needs to be written. */
    if (put_double(q, j->nout, round(q->distance * 1000) / 1000) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    if (q->distance < 0)
      q->values[j->nout] = NULL;
  }
  *values = q->values;
  return 1;
}

size_t om_sjoin_query_nmatches(const struct om_sjoin_query *q) { return q->nmatches; }

size_t om_sjoin_query_match(const struct om_sjoin_query *q, size_t k)
{
  return k < q->nmatches ? q->matches[k] : (size_t)-1;
}

double om_sjoin_query_distance_km(const struct om_sjoin_query *q) { return q->distance; }

void om_sjoin_query_report(const struct om_sjoin_query *q, struct om_sjoin_report *r)
{
  *r = q->rep;
  r->features_unmatched = 0;
  for (size_t i = 0; i < q->j->n; i++)
    r->features_unmatched += !q->hit[i];
}
