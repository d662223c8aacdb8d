/*
 * A layer's 'aggregate' (manifest/aggregate.h) at build time: once every
 * record is located, transformed and joined, the records are grouped by
 * the 'by' fields and each group becomes one feature:
 *
 *   geometry   the members' union, convex hull or collection
 *              (geom/merge.h), in RFC 7946 form
 *   fields     the 'by' fields, then the declared aggregates (the same
 *              code as a one-to-many join's, join/agg.h), then
 *              'members' (the records in the group) and 'area_km2' (the
 *              geodesic area of a polygonal result, null otherwise)
 *
 * Records with a null (empty) value in a 'by' field are grouped together,
 * as SQL's GROUP BY does, and that group's 'by' field is null; a warning
 * says how many there were.  Groups come out in the order of their first
 * record.  A group whose geometries GEOS cannot merge is not written: its
 * records are rejected, each with GEOS's reason, so that records read =
 * records grouped + records rejected still holds.
 */
#ifndef OM_PIPELINE_AGGREGATE_H
#define OM_PIPELINE_AGGREGATE_H

#include "core/diag.h"
#include "core/feature.h"
#include "core/spool.h"
#include "manifest/manifest.h"

struct om_layer_aggregate;

/*
 * Prepare the aggregate of 'layer' over records of 'schema' (its field
 * names; the types may not be settled yet); *out is NULL when the layer
 * has none.  A 'by' or aggregated field the layer lacks, an unknown
 * aggregate, or two output fields of one name (ignoring case) is
 * OM_EMANIFEST naming the manifest's file:line.
 */
int om_layer_aggregate_open(struct om_layer_aggregate **out, const struct om_layer_def *layer,
                            const struct om_schema *schema, struct om_diag *d);
void om_layer_aggregate_free(struct om_layer_aggregate *a);

/*
 * Group the features of 'in' (finished; 'schema' now with settled types)
 * into a new finished spool *out of one feature per group, with the
 * schema *out_schema (released by the caller), and set *grouped to the
 * records that went into written groups.  Records of groups that could
 * not be merged are rejected through d.  0, or a negative OM_E* code.
 */
int om_layer_aggregate_run(struct om_spool **out, struct om_schema *out_schema, long *grouped,
                           struct om_layer_aggregate *a, const struct om_spool *in,
                           const struct om_schema *schema, struct om_diag *d);

#endif
