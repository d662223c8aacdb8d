/*
 * The STRtree and prepared-geometry probes of index.h.  Items in the GEOS
 * tree are feature numbers plus one (a NULL item would be ambiguous);
 * candidates come back sorted so that every caller sees features in the
 * order they were given, which is what makes tie rules deterministic.
 */
#include "geom/index.h"

#include <geos_c.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geom/geom.h"

struct om_geom_index {
  size_t n;                        /* features */
  const unsigned char *const *wkb; /* borrowed */
  const size_t *len;               /* borrowed */
  double (*env)[4];                /* n envelopes */
  int *type;                       /* n WKB types, 0: not indexed */
  GEOSContextHandle_t h;           /* the context that built the tree */
  GEOSSTRtree *tree;               /* read-only once built */
  GEOSGeometry **boxes;            /* the envelopes as GEOS geometries, kept for the tree */
  size_t nindexed;                 /* features in the tree */
};

struct om_geom_probe {
  const struct om_geom_index *ix;
  GEOSContextHandle_t h;                /* this thread's own */
  char msg[256];                        /* GEOS's first message since the last reset */
  GEOSGeometry **geom;                  /* per feature, read on first use */
  const GEOSPreparedGeometry **prep;    /* per feature, prepared on first use */
  size_t *items;                        /* candidates of the last query */
  size_t nitems, cap;
  GEOSGeometry *query;                  /* the query geometry */
  const GEOSPreparedGeometry *qprep;    /* prepared on first use */
};

static void on_message(const char *message, void *userdata)
{
  char *buf = userdata;
  if (buf && buf[0] == '\0')
    snprintf(buf, 256, "%s", message);
}

static void silent(const char *message, void *userdata)
{
  (void)message;
  (void)userdata;
}

static void collect_nothing(void *item, void *userdata)
{
  (void)item;
  (void)userdata;
}

void om_geom_index_free(struct om_geom_index *ix)
{
  if (!ix)
    return;
  if (ix->tree)
    GEOSSTRtree_destroy_r(ix->h, ix->tree);
  for (size_t i = 0; ix->boxes && i < ix->n; i++)
    if (ix->boxes[i])
      GEOSGeom_destroy_r(ix->h, ix->boxes[i]);
  if (ix->h)
    GEOS_finish_r(ix->h);
  free(ix->boxes);
  free(ix->env);
  free(ix->type);
  free(ix);
}

int om_geom_index_new(struct om_geom_index **out, size_t n, const unsigned char *const *wkb,
                      const size_t *len, struct om_diag *d)
{
  *out = NULL;
  struct om_geom_index *ix = calloc(1, sizeof *ix);
  if (!ix)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  ix->n = n;
  ix->wkb = wkb;
  ix->len = len;
  ix->env = calloc(n ? n : 1, sizeof *ix->env);
  ix->type = calloc(n ? n : 1, sizeof *ix->type);
  ix->boxes = calloc(n ? n : 1, sizeof *ix->boxes);
  if (!ix->env || !ix->type || !ix->boxes) {
    om_geom_index_free(ix);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  ix->h = GEOS_init_r();
  if (ix->h)
    GEOSContext_setErrorMessageHandler_r(ix->h, silent, NULL);
  ix->tree = ix->h ? GEOSSTRtree_create_r(ix->h, 10) : NULL;
  if (!ix->tree) {
    om_geom_index_free(ix);
    return om_diag_fail(d, OM_EDEP, "cannot create a GEOS STRtree");
  }
  for (size_t i = 0; i < n; i++) {
    double *e = ix->env[i];
    if (om_wkb_envelope(wkb[i], len[i], e) != 0)
      continue;
    ix->boxes[i] = GEOSGeom_createRectangle_r(ix->h, e[0], e[1], e[2], e[3]);
    if (!ix->boxes[i]) {
      om_geom_index_free(ix);
      return om_diag_fail(d, OM_EDEP, "cannot index feature %zu", i + 1);
    }
    ix->type[i] = om_wkb_type(wkb[i], len[i]);
    GEOSSTRtree_insert_r(ix->h, ix->tree, ix->boxes[i], (void *)(uintptr_t)(i + 1));
    ix->nindexed++;
  }
  /* The tree builds itself on its first query; do it now, while one thread owns it. */
  GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(ix->h, 0, 0);
  if (pt) {
    GEOSSTRtree_query_r(ix->h, ix->tree, pt, collect_nothing, NULL);
    GEOSGeom_destroy_r(ix->h, pt);
  }
  *out = ix;
  return 0;
}

size_t om_geom_index_count(const struct om_geom_index *ix) { return ix->n; }

const double *om_geom_index_env(const struct om_geom_index *ix, size_t i)
{
  return i < ix->n && ix->type[i] ? ix->env[i] : NULL;
}

int om_geom_index_type(const struct om_geom_index *ix, size_t i)
{
  return i < ix->n ? ix->type[i] : 0;
}

void om_geom_probe_free(struct om_geom_probe *p)
{
  if (!p)
    return;
  for (size_t i = 0; p->geom && i < p->ix->n; i++) {
    if (p->prep && p->prep[i])
      GEOSPreparedGeom_destroy_r(p->h, p->prep[i]);
    if (p->geom[i])
      GEOSGeom_destroy_r(p->h, p->geom[i]);
  }
  if (p->qprep)
    GEOSPreparedGeom_destroy_r(p->h, p->qprep);
  if (p->query)
    GEOSGeom_destroy_r(p->h, p->query);
  if (p->h)
    GEOS_finish_r(p->h);
  free(p->geom);
  free(p->prep);
  free(p->items);
  free(p);
}

int om_geom_probe_new(struct om_geom_probe **out, const struct om_geom_index *ix,
                      struct om_diag *d)
{
  *out = NULL;
  struct om_geom_probe *p = calloc(1, sizeof *p);
  if (p) {
    p->ix = ix;
    p->geom = calloc(ix->n ? ix->n : 1, sizeof *p->geom);
    p->prep = calloc(ix->n ? ix->n : 1, sizeof *p->prep);
  }
  if (!p || !p->geom || !p->prep) {
    om_geom_probe_free(p);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  p->h = GEOS_init_r();
  if (!p->h) {
    om_geom_probe_free(p);
    return om_diag_fail(d, OM_EDEP, "cannot create a GEOS context");
  }
  GEOSContext_setErrorMessageHandler_r(p->h, on_message, p->msg);
  *out = p;
  return 0;
}

const char *om_geom_probe_message(const struct om_geom_probe *p)
{
  return p->msg[0] ? p->msg : "GEOS failed without a message";
}

struct gather {
  struct om_geom_probe *p;
  int failed;
};

static void gather_item(void *item, void *userdata)
{
  struct gather *g = userdata;
  struct om_geom_probe *p = g->p;
  if (p->nitems == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 64;
    size_t *grown = realloc(p->items, cap * sizeof *grown);
    if (!grown) {
      g->failed = 1;
      return;
    }
    p->items = grown;
    p->cap = cap;
  }
  p->items[p->nitems++] = (size_t)(uintptr_t)item - 1;
}

static int by_index(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

int om_geom_probe_candidates(struct om_geom_probe *p, const double box[4],
                             const size_t **items, size_t *n)
{
  p->nitems = 0;
  *items = p->items;
  *n = 0;
  GEOSGeometry *q = box[0] == box[2] && box[1] == box[3]
                        ? GEOSGeom_createPointFromXY_r(p->h, box[0], box[1])
                        : GEOSGeom_createRectangle_r(p->h, box[0], box[1], box[2], box[3]);
  if (!q)
    return OM_ENOMEM;
  struct gather g = {p, 0};
  /* The tree is built and only read here; GEOS's query does not change it. */
  GEOSSTRtree_query_r(p->h, (GEOSSTRtree *)p->ix->tree, q, gather_item, &g);
  GEOSGeom_destroy_r(p->h, q);
  if (g.failed)
    return OM_ENOMEM;
  if (p->nitems > 1)
    qsort(p->items, p->nitems, sizeof *p->items, by_index);
  *items = p->items;
  *n = p->nitems;
  return 0;
}

/* Distance from a point to an item's envelope, for GEOS's nearest search. */
struct near_query {
  const struct om_geom_index *ix;
  double x, y;
};

static int envelope_distance(const void *a, const void *b, double *out, void *userdata)
{
  const struct near_query *q = userdata;
  const void *item = a == (const void *)q ? b : a;
  const double *e = q->ix->env[(size_t)(uintptr_t)item - 1];
  double dx = q->x < e[0] ? e[0] - q->x : q->x > e[2] ? q->x - e[2] : 0;
  double dy = q->y < e[1] ? e[1] - q->y : q->y > e[3] ? q->y - e[3] : 0;
  *out = sqrt(dx * dx + dy * dy);
  return 1;
}

long om_geom_probe_nearest_envelope(struct om_geom_probe *p, double x, double y)
{
  if (p->ix->nindexed == 0)
    return -1;
  struct near_query q = {p->ix, x, y};
  GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(p->h, x, y);
  if (!pt)
    return -1;
  const void *item = GEOSSTRtree_nearest_generic_r(p->h, (GEOSSTRtree *)p->ix->tree, &q, pt,
                                                   envelope_distance, &q);
  GEOSGeom_destroy_r(p->h, pt);
  return item ? (long)((uintptr_t)item - 1) : -1;
}

/* Feature i prepared for this probe, read from its WKB on first use. */
static const GEOSPreparedGeometry *prepared(struct om_geom_probe *p, size_t i)
{
  if (p->prep[i])
    return p->prep[i];
  if (!p->geom[i])
    p->geom[i] = GEOSGeomFromWKB_buf_r(p->h, p->ix->wkb[i], p->ix->len[i]);
  if (p->geom[i])
    p->prep[i] = GEOSPrepare_r(p->h, p->geom[i]);
  return p->prep[i];
}

/* Where a point lies relative to a prepared geometry. */
static int where_point(struct om_geom_probe *p, const GEOSPreparedGeometry *g, double x, double y)
{
  GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(p->h, x, y);
  if (!pt)
    return OM_EDEP;
  char in = GEOSPreparedContains_r(p->h, g, pt);
  char on = in == 1 ? 1 : in == 0 ? GEOSPreparedCovers_r(p->h, g, pt) : 2;
  GEOSGeom_destroy_r(p->h, pt);
  if (in == 2 || on == 2)
    return OM_EDEP;
  return in ? OM_GEOM_INTERIOR : on ? OM_GEOM_BOUNDARY : OM_GEOM_OUTSIDE;
}

int om_geom_probe_point_in(struct om_geom_probe *p, size_t i, double x, double y)
{
  const GEOSPreparedGeometry *g = prepared(p, i);
  return g ? where_point(p, g, x, y) : OM_EDEP;
}

int om_geom_probe_set_query(struct om_geom_probe *p, const unsigned char *wkb, size_t len)
{
  if (p->qprep)
    GEOSPreparedGeom_destroy_r(p->h, p->qprep);
  if (p->query)
    GEOSGeom_destroy_r(p->h, p->query);
  p->qprep = NULL;
  p->msg[0] = '\0';
  p->query = GEOSGeomFromWKB_buf_r(p->h, wkb, len);
  return p->query ? 0 : OM_REASON_GEOMETRY_INVALID;
}

int om_geom_probe_intersects(struct om_geom_probe *p, size_t i)
{
  const GEOSPreparedGeometry *g = p->query ? prepared(p, i) : NULL;
  char r = g ? GEOSPreparedIntersects_r(p->h, g, p->query) : 2;
  return r == 2 ? OM_EDEP : r;
}

int om_geom_probe_within(struct om_geom_probe *p, size_t i)
{
  const GEOSPreparedGeometry *g = p->query ? prepared(p, i) : NULL;
  char r = g ? GEOSPreparedContains_r(p->h, g, p->query) : 2;
  return r == 2 ? OM_EDEP : r;
}

/* The query geometry prepared, on first use. */
static const GEOSPreparedGeometry *query_prepared(struct om_geom_probe *p)
{
  if (!p->qprep && p->query)
    p->qprep = GEOSPrepare_r(p->h, p->query);
  return p->qprep;
}

int om_geom_probe_contains(struct om_geom_probe *p, size_t i)
{
  const GEOSPreparedGeometry *q = query_prepared(p);
  if (q && !p->geom[i])
    p->geom[i] = GEOSGeomFromWKB_buf_r(p->h, p->ix->wkb[i], p->ix->len[i]);
  char r = q && p->geom[i] ? GEOSPreparedContains_r(p->h, q, p->geom[i]) : 2;
  return r == 2 ? OM_EDEP : r;
}

int om_geom_probe_point_in_query(struct om_geom_probe *p, double x, double y)
{
  const GEOSPreparedGeometry *q = query_prepared(p);
  return q ? where_point(p, q, x, y) : OM_EDEP;
}

int om_geom_probe_nearest_point(struct om_geom_probe *p, size_t i, double x, double y,
                                double *nx, double *ny)
{
  const GEOSPreparedGeometry *g = prepared(p, i);
  GEOSGeometry *pt = g ? GEOSGeom_createPointFromXY_r(p->h, x, y) : NULL;
  GEOSCoordSequence *cs = pt ? GEOSPreparedNearestPoints_r(p->h, g, pt) : NULL;
  int rc = cs && GEOSCoordSeq_getXY_r(p->h, cs, 0, nx, ny) ? 0 : OM_EDEP;
  if (cs)
    GEOSCoordSeq_destroy_r(p->h, cs);
  if (pt)
    GEOSGeom_destroy_r(p->h, pt);
  return rc;
}
