/*
 * Merging a group's geometries (merge.h).  The members are parsed into
 * GEOS as they come and merged when the group ends, so a group costs the
 * memory of its own members only.
 *
 * The hull needs care at the antimeridian: members arrive cut there, so a
 * group around Fiji has vertices near 179 and near -179, and their plain
 * convex hull would span the world.  The vertices are therefore moved to
 * the side of the globe where they lie together (the widest gap between
 * their longitudes becomes the seam), the hull is taken there, and a
 * hull that then runs past 180 is cut as other geometries are
 * (om_geom_cut_antimeridian).
 */
#include "geom/merge.h"

#include <geos_c.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geom/geom.h"
#include "geom/geom_private.h"

struct om_geom_merger {
  enum om_geom_merge how;   /* what finish computes */
  GEOSContextHandle_t h;    /* owned */
  GEOSWKBReader *reader;    /* owned */
  char msg[512];            /* GEOS's first message since the last reset, or "" */
  GEOSGeometry **members;   /* the current group's, owned */
  size_t n, cap;            /* members held and allocated */
};

static void on_message(const char *message, void *userdata)
{
  struct om_geom_merger *m = userdata;
  if (!m->msg[0])
    snprintf(m->msg, sizeof m->msg, "%s", message);
}

static const char *const names[] = {"union", "hull", "collect"};

const char *om_geom_merge_name(enum om_geom_merge how)
{
  return how <= OM_GEOM_MERGE_COLLECT ? names[how] : "?";
}

int om_geom_merge_parse(enum om_geom_merge *out, const char *name)
{
  for (int i = 0; i <= OM_GEOM_MERGE_COLLECT; i++)
    if (name && strcmp(name, names[i]) == 0) {
      *out = (enum om_geom_merge)i;
      return 0;
    }
  return -1;
}

int om_geom_merger_new(struct om_geom_merger **out, enum om_geom_merge how, struct om_diag *d)
{
  *out = NULL;
  struct om_geom_merger *m = calloc(1, sizeof *m);
  if (!m)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  m->how = how;
  m->h = GEOS_init_r();
  if (!m->h) {
    free(m);
    return om_diag_fail(d, OM_EDEP, "cannot start GEOS");
  }
  GEOSContext_setErrorMessageHandler_r(m->h, on_message, m);
  GEOSContext_setNoticeMessageHandler_r(m->h, NULL, NULL);
  m->reader = GEOSWKBReader_create_r(m->h);
  if (!m->reader) {
    om_geom_merger_free(m);
    return om_diag_fail(d, OM_EDEP, "cannot start GEOS");
  }
  *out = m;
  return 0;
}

static void drop_members(struct om_geom_merger *m)
{
  for (size_t i = 0; i < m->n; i++)
    GEOSGeom_destroy_r(m->h, m->members[i]);
  m->n = 0;
}

void om_geom_merger_free(struct om_geom_merger *m)
{
  if (!m)
    return;
  drop_members(m);
  free(m->members);
  if (m->reader)
    GEOSWKBReader_destroy_r(m->h, m->reader);
  GEOS_finish_r(m->h);
  free(m);
}

/* GEOS's message without its exception class. */
static const char *reason(struct om_geom_merger *m)
{
  const char *colon = strstr(m->msg, "Exception: ");
  return colon ? colon + strlen("Exception: ") : m->msg[0] ? m->msg : "GEOS failed";
}

int om_geom_merger_add(struct om_geom_merger *m, const unsigned char *wkb, size_t len,
                       struct om_diag *d)
{
  if (m->n == m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 16;
    GEOSGeometry **grown = realloc(m->members, cap * sizeof *grown);
    if (!grown)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    m->members = grown;
    m->cap = cap;
  }
  m->msg[0] = '\0';
  GEOSGeometry *g = GEOSWKBReader_read_r(m->h, m->reader, wkb, len);
  if (!g) {
    om_diag_fail(d, OM_EDEP, "%s", reason(m));
    return OM_REASON_GEOMETRY_INVALID;
  }
  m->members[m->n++] = g;
  return 0;
}

/* The leaves (non-collections) of g appended to *parts; 0 or -1. */
static int flatten(GEOSContextHandle_t h, const GEOSGeometry *g, GEOSGeometry ***parts,
                   size_t *n, size_t *cap, int *dims)
{
  int type = GEOSGeomTypeId_r(h, g);
  if (type < 0)
    return -1;
  if (type >= GEOS_MULTIPOINT) {
    int k = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < k; i++)
      if (flatten(h, GEOSGetGeometryN_r(h, g, i), parts, n, cap, dims) < 0)
        return -1;
    return 0;
  }
  if (GEOSisEmpty_r(h, g) == 1)
    return 0;
  if (*n == *cap) {
    size_t c = *cap ? 2 * *cap : 16;
    GEOSGeometry **grown = realloc(*parts, c * sizeof *grown);
    if (!grown)
      return -1;
    *parts = grown;
    *cap = c;
  }
  GEOSGeometry *clone = GEOSGeom_clone_r(h, g);
  if (!clone)
    return -1;
  (*parts)[(*n)++] = clone;
  *dims |= 1 << GEOSGeom_getDimensions_r(h, g);
  return 0;
}

/* Every member's parts as one Multi* or GeometryCollection. */
static GEOSGeometry *collect_all(struct om_geom_merger *m)
{
  GEOSGeometry **parts = NULL;
  size_t n = 0, cap = 0;
  int dims = 0;
  for (size_t i = 0; i < m->n; i++)
    if (flatten(m->h, m->members[i], &parts, &n, &cap, &dims) < 0)
      goto fail;
  int type = dims == 1   ? GEOS_MULTIPOINT
             : dims == 2 ? GEOS_MULTILINESTRING
             : dims == 4 ? GEOS_MULTIPOLYGON
                         : GEOS_GEOMETRYCOLLECTION;
  GEOSGeometry *all = GEOSGeom_createCollection_r(m->h, type, parts, (unsigned)n);
  if (!all)
    goto fail;
  free(parts);
  return all;
fail:
  for (size_t i = 0; i < n; i++)
    GEOSGeom_destroy_r(m->h, parts[i]);
  free(parts);
  return NULL;
}

/* Vertex coordinates gathered for the hull. */
struct coords {
  double *x, *y;
  size_t n, cap;
};

static enum om_reason gather(void *ctx, double *x, double *y)
{
  struct coords *c = ctx;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 64;
    double *gx = realloc(c->x, cap * sizeof *gx);
    if (gx)
      c->x = gx;
    double *gy = realloc(c->y, cap * sizeof *gy);
    if (gy)
      c->y = gy;
    if (!gx || !gy)
      return OM_REASON_GEOMETRY_INVALID;
    c->cap = cap;
  }
  c->x[c->n] = *x;
  c->y[c->n++] = *y;
  return OM_REASON_NONE;
}

static int by_value(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/*
 * The longitude below which vertices move east by 360 so that the group
 * lies together: the western end of the widest gap between longitudes,
 * or -INFINITY when the widest gap is the one across the antimeridian
 * (nothing moves).
 */
static double seam(const struct coords *c)
{
  double *xs = malloc((c->n ? c->n : 1) * sizeof *xs);
  if (!xs)
    return -INFINITY;
  memcpy(xs, c->x, c->n * sizeof *xs);
  qsort(xs, c->n, sizeof *xs, by_value);
  double widest = c->n ? xs[0] + 360 - xs[c->n - 1] : 0, at = -INFINITY;
  for (size_t i = 0; i + 1 < c->n; i++)
    if (xs[i + 1] - xs[i] > widest + 1e-9) {
      widest = xs[i + 1] - xs[i];
      at = xs[i];
    }
  free(xs);
  return at;
}

static int shift_back(double *x, double *y, void *userdata)
{
  (void)y;
  (void)userdata;
  if (*x > 180)
    *x -= 360;
  return 1;
}

/*
 * The hull of every member's vertices as WKB in *out, cut at the
 * antimeridian when it crosses it: 0, OM_ENOMEM, or OM_EDEP with d->msg.
 */
static int hull(struct om_geom_merger *m, unsigned char **out, size_t *out_len,
                struct om_diag *d)
{
  struct coords c = {0};
  int rc = 0;
  GEOSGeometry **points = NULL, *all = NULL, *h = NULL;
  unsigned char *wkb = NULL;
  size_t len = 0;
  for (size_t i = 0; i < m->n && rc == 0; i++) {
    if (om_geos_write_wkb(m->h, m->members[i], &wkb, &len) < 0)
      rc = om_diag_fail(d, OM_EDEP, "%s", reason(m));
    else if (om_wkb_map_coords(wkb, len, gather, &c) != OM_REASON_NONE)
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
    free(wkb);
    wkb = NULL;
  }
  double at = rc == 0 ? seam(&c) : -INFINITY;
  points = rc == 0 ? malloc((c.n ? c.n : 1) * sizeof *points) : NULL;
  if (rc == 0 && !points)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  size_t made = 0;
  for (; rc == 0 && made < c.n; made++) {
    double x = c.x[made] <= at ? c.x[made] + 360 : c.x[made];
    if (!(points[made] = GEOSGeom_createPointFromXY_r(m->h, x, c.y[made])))
      rc = om_diag_fail(d, OM_EDEP, "%s", reason(m));
  }
  if (rc == 0) {
    all = GEOSGeom_createCollection_r(m->h, GEOS_MULTIPOINT, points, (unsigned)made);
    made = 0; /* owned by the collection now, or freed by GEOS on failure */
    h = all ? GEOSConvexHull_r(m->h, all) : NULL;
    if (!h)
      rc = om_diag_fail(d, OM_EDEP, "cannot take the convex hull: %s", reason(m));
  }
  double env[4] = {0, 0, 0, 0};
  if (rc == 0 && om_geos_write_wkb(m->h, h, &wkb, &len) < 0)
    rc = om_diag_fail(d, OM_EDEP, "%s", reason(m));
  if (rc == 0 && om_wkb_envelope(wkb, len, env) < 0)
    rc = om_diag_fail(d, OM_EDEP, "the convex hull is empty");
  if (rc == 0 && env[2] > 180) {
    int dim = GEOSGeom_getDimensions_r(m->h, h);
    if (dim == 0) { /* a point east of 180 goes back west */
      GEOSGeometry *moved = GEOSGeom_transformXY_r(m->h, h, shift_back, NULL);
      free(wkb);
      wkb = NULL;
      if (!moved || om_geos_write_wkb(m->h, moved, &wkb, &len) < 0)
        rc = om_diag_fail(d, OM_EDEP, "%s", reason(m));
      if (moved)
        GEOSGeom_destroy_r(m->h, moved);
    } else {
      unsigned char *cut = NULL;
      size_t cut_len = 0;
      rc = om_geom_cut_antimeridian(&cut, &cut_len, wkb, len, env, d);
      free(wkb);
      wkb = cut;
      len = cut_len;
    }
  }
  for (size_t i = 0; i < made; i++)
    GEOSGeom_destroy_r(m->h, points[i]);
  free(points);
  if (all)
    GEOSGeom_destroy_r(m->h, all);
  if (h)
    GEOSGeom_destroy_r(m->h, h);
  free(c.x);
  free(c.y);
  if (rc < 0) {
    free(wkb);
    return rc;
  }
  *out = wkb;
  *out_len = len;
  return 0;
}

int om_geom_merger_finish(struct om_geom_merger *m, unsigned char **out, size_t *out_len,
                          struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  if (m->n == 0)
    return OM_REASON_GEOMETRY_EMPTY;
  m->msg[0] = '\0';
  unsigned char *wkb = NULL;
  size_t len = 0;
  int rc = 0;
  if (m->how == OM_GEOM_MERGE_HULL) {
    rc = hull(m, &wkb, &len, d);
  } else {
    GEOSGeometry *all = collect_all(m), *merged = NULL;
    if (all && m->how == OM_GEOM_MERGE_UNION)
      merged = GEOSUnaryUnion_r(m->h, all);
    GEOSGeometry *result = m->how == OM_GEOM_MERGE_UNION ? merged : all;
    if (!result)
      rc = om_diag_fail(d, OM_EDEP, "cannot %s the group's geometries: %s",
                        m->how == OM_GEOM_MERGE_UNION ? "union" : "collect", reason(m));
    else if (om_geos_write_wkb(m->h, result, &wkb, &len) < 0)
      rc = om_diag_fail(d, OM_EDEP, "%s", reason(m));
    if (all)
      GEOSGeom_destroy_r(m->h, all);
    if (merged)
      GEOSGeom_destroy_r(m->h, merged);
  }
  drop_members(m);
  if (rc < 0)
    return rc;
  if (om_wkb_type(wkb, len) == 0) {
    free(wkb);
    return OM_REASON_GEOMETRY_EMPTY;
  }
  /* Members were cut already, so this only sets ring orientation, unless a
   * union gave a ring that still crosses (then it is cut as any other). */
  rc = om_geom_rfc7946(out, out_len, wkb, len, d);
  free(wkb);
  return rc;
}
