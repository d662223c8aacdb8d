/*
 * Merging a group of geometries into one, for a layer's aggregate
 * (pipeline/aggregate.h): their union, their convex hull, or simply the
 * collection of them.  Members arrive as lon/lat WKB already in RFC 7946
 * form (cut at the antimeridian); the result is in that form too.
 *
 *   union    GEOS's unary union: overlapping or touching parts become
 *            one polygon; pieces on either side of the antimeridian stay
 *            apart, as RFC 7946 wants them.
 *   hull     the convex hull of every vertex, taken on the side of the
 *            globe where the vertices lie together: a group on both sides
 *            of 180 degrees gets a hull across the antimeridian, cut there,
 *            rather than one across the whole world.  Fewer than three
 *            distinct vertices give a Point or a LineString; vertices on
 *            one line give a LineString.
 *   collect  every member's parts, as a Multi* when they share a
 *            dimension, else a GeometryCollection; nothing is dissolved.
 *
 * A merger owns one GEOS context and is used by one thread at a time.
 */
#ifndef OM_GEOM_MERGE_H
#define OM_GEOM_MERGE_H

#include <stddef.h>

#include "core/diag.h"

enum om_geom_merge {
  OM_GEOM_MERGE_UNION,
  OM_GEOM_MERGE_HULL,
  OM_GEOM_MERGE_COLLECT,
};

/* "union", "hull", "collect". */
const char *om_geom_merge_name(enum om_geom_merge how);
/* Parse a mode's name: 0, or -1 for an unknown one. */
int om_geom_merge_parse(enum om_geom_merge *out, const char *name);

struct om_geom_merger;

int om_geom_merger_new(struct om_geom_merger **out, enum om_geom_merge how, struct om_diag *d);
void om_geom_merger_free(struct om_geom_merger *m);

/*
 * Add one member of the current group (the bytes are copied).  Returns 0,
 * OM_REASON_GEOMETRY_INVALID (positive) for WKB GEOS cannot read, with
 * GEOS's message in d->msg, or OM_ENOMEM.
 */
int om_geom_merger_add(struct om_geom_merger *m, const unsigned char *wkb, size_t len,
                       struct om_diag *d);

/*
 * The merged geometry of the members added since the last call, as newly
 * allocated little-endian ISO WKB (*out; free()), and start the next
 * group.  Returns 0; OM_REASON_GEOMETRY_EMPTY (positive) when there was
 * nothing to merge; or OM_EDEP / OM_ENOMEM with d->msg.
 */
int om_geom_merger_finish(struct om_geom_merger *m, unsigned char **out, size_t *out_len,
                          struct om_diag *d);

#endif
