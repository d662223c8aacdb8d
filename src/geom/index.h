/*
 * A spatial index over a fixed set of lon/lat WKB features: a GEOS
 * STRtree over their envelopes, built once and then read by any number of
 * threads, and per-thread probes that test one query geometry against the
 * candidates with prepared geometries.
 *
 * Why the split: a GEOS prepared geometry builds its own index lazily on
 * first use, so it may not be shared between threads; the STRtree may,
 * once built (om_geom_index_new forces the build).  A probe therefore owns
 * a GEOS context and its own prepared copy of every feature it has met,
 * made on first use; the index owns only the envelopes and the tree.
 *
 * Relations are planar in longitude/latitude: the features are taken as
 * om_geom_rfc7946 gives them (cut at the antimeridian), so "inside" is the
 * same on the map and in the data.
 */
#ifndef OM_GEOM_INDEX_H
#define OM_GEOM_INDEX_H

#include <stddef.h>

#include "core/diag.h"

struct om_geom_index;
struct om_geom_probe;

/* Where a point lies relative to a geometry. */
enum om_geom_where {
  OM_GEOM_OUTSIDE = 0,
  OM_GEOM_BOUNDARY = 1, /* on the boundary (a polygon's ring, a line's ends) */
  OM_GEOM_INTERIOR = 2,
};

/*
 * Index n features.  The WKB arrays are borrowed: they must stay unchanged
 * until om_geom_index_free.  A feature whose WKB is malformed or empty is
 * left out of the tree (it never matches).  0, OM_ENOMEM or OM_EDEP.
 */
int om_geom_index_new(struct om_geom_index **out, size_t n, const unsigned char *const *wkb,
                      const size_t *len, struct om_diag *d);
void om_geom_index_free(struct om_geom_index *ix);

size_t om_geom_index_count(const struct om_geom_index *ix);
/* Feature i's envelope {minx, miny, maxx, maxy}, or NULL when it is not indexed. */
const double *om_geom_index_env(const struct om_geom_index *ix, size_t i);
/* Feature i's WKB type (enum om_wkb_type), 0 when it is not indexed. */
int om_geom_index_type(const struct om_geom_index *ix, size_t i);

/* A probe for the calling thread.  0, OM_ENOMEM or OM_EDEP. */
int om_geom_probe_new(struct om_geom_probe **out, const struct om_geom_index *ix,
                      struct om_diag *d);
void om_geom_probe_free(struct om_geom_probe *p);

/*
 * The features whose envelope meets box {minx, miny, maxx, maxy}, in
 * ascending order (so in the order they were given), in *items (borrowed
 * until the next call on p).  0 or OM_ENOMEM.
 */
int om_geom_probe_candidates(struct om_geom_probe *p, const double box[4],
                             const size_t **items, size_t *n);

/*
 * The feature whose envelope is nearest to (x, y) in plain degrees, or -1
 * when nothing is indexed.  Only a bound for a true distance: see
 * join/spatial.h.
 */
long om_geom_probe_nearest_envelope(struct om_geom_probe *p, double x, double y);

/* Where (x, y) lies relative to feature i.  OM_GEOM_* or OM_EDEP. */
int om_geom_probe_point_in(struct om_geom_probe *p, size_t i, double x, double y);

/*
 * Set the query geometry (lon/lat WKB, borrowed until the next call) for
 * the calls below.  0, OM_REASON_GEOMETRY_INVALID (positive) for WKB GEOS
 * cannot read, or OM_EDEP.
 */
int om_geom_probe_set_query(struct om_geom_probe *p, const unsigned char *wkb, size_t len);
/* Does the query geometry meet feature i?  1, 0 or OM_EDEP. */
int om_geom_probe_intersects(struct om_geom_probe *p, size_t i);
/* Does feature i contain the query geometry (GEOS 'contains')?  1, 0 or OM_EDEP. */
int om_geom_probe_within(struct om_geom_probe *p, size_t i);
/* Does the query geometry contain feature i (GEOS 'contains')?  1, 0 or OM_EDEP. */
int om_geom_probe_contains(struct om_geom_probe *p, size_t i);
/* Where (x, y) lies relative to the query geometry.  OM_GEOM_* or OM_EDEP. */
int om_geom_probe_point_in_query(struct om_geom_probe *p, double x, double y);

/*
 * The point of feature i nearest to (x, y), planar in degrees, into
 * (*nx, *ny).  0 or OM_EDEP.
 */
int om_geom_probe_nearest_point(struct om_geom_probe *p, size_t i, double x, double y,
                                double *nx, double *ny);

/* GEOS's last message on this probe, for an OM_EDEP. */
const char *om_geom_probe_message(const struct om_geom_probe *p);

#endif
