/*
 * A layer's 'transform' (manifest/transform.h) at build time: each
 * located record's geometry replaced, after locating and before joins
 * and outputs.
 *
 *   buffer_km   the area within that many km (src/ops/buffer.h): a point
 *               becomes a geodesic circle, a line or polygon a km buffer.
 *   flow_line   the great-circle line from the origin to the record's
 *               point, densified and cut at the antimeridian
 *               (src/crs/geodesic.h), with a 'length_km' field.
 *
 * A flow line's origin may be a record of another layer, found by its id
 * in that layer's first WGS 84 output; the plan builds that layer first
 * (om_layer_transform_reads).
 */
#ifndef OM_PIPELINE_TRANSFORM_H
#define OM_PIPELINE_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/feature.h"
#include "locate/locate.h"
#include "manifest/manifest.h"

struct om_layer_transform;

/*
 * Prepare the transform of 'layer' (*out NULL when it has none).  A flow
 * line from another layer reads that layer's output now, when read_origin
 * is true (a check before any build leaves it false: the output may not
 * exist yet): a missing layer, output or id, or an origin that is not a
 * point, is OM_EMANIFEST naming the manifest's file:line.
 */
int om_layer_transform_open(struct om_layer_transform **out, const struct om_project *p,
                            const struct om_layer_def *layer, bool read_origin,
                            struct om_diag *d);
void om_layer_transform_free(struct om_layer_transform *t);

/* Fields the transform adds to every record (flow_line: length_km), and their names and types. */
size_t om_layer_transform_nfields(const struct om_layer_transform *t);
const char *om_layer_transform_name(const struct om_layer_transform *t, size_t k);
enum om_field_type om_layer_transform_type(const struct om_layer_transform *t, size_t k);

/*
 * Transform loc's geometry in place and set values[k] for each added
 * field (pointing into t, valid until the next call).  Returns 0; a
 * positive enum om_reason with detail when this record cannot be
 * transformed (it is rejected); or a negative OM_E* code with d->msg.
 */
int om_layer_transform_apply(struct om_layer_transform *t, struct om_location *loc,
                             const char **values, char *detail, size_t detail_size,
                             struct om_diag *d);

/*
 * The layer whose output 'layer''s transform reads (a flow line's origin
 * layer), or NULL.  Borrowed from p.
 */
const struct om_layer_def *om_layer_transform_reads(const struct om_project *p,
                                                    const struct om_layer_def *layer);

/* The output of 'from' that a transform reads its origin from: its first in WGS 84, or NULL. */
const struct om_output_def *om_layer_transform_source(const struct om_layer_def *from);

#endif
