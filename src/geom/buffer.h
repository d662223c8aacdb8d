/*
 * Planar operations on WKB for buffering: GEOS's buffer, and densifying
 * edges before a geometry is reprojected.  "Planar" means the coordinates
 * are taken as Cartesian x/y in whatever unit they have; for buffers in
 * kilometres on the earth, see ops/buffer.h, which projects first.
 *
 * Both return 0 with newly allocated little-endian ISO WKB in *out (owned
 * by the caller; free()); a positive enum om_reason when the input cannot
 * give a result (OM_REASON_GEOMETRY_INVALID for malformed WKB,
 * OM_REASON_GEOMETRY_EMPTY for an empty result); or OM_EUSAGE, OM_ENOMEM or
 * OM_EDEP, with d->msg saying why in every case.  Each thread uses its own
 * GEOS context.
 */
#ifndef OM_GEOM_BUFFER_H
#define OM_GEOM_BUFFER_H

#include <stddef.h>

#include "core/diag.h"

/*
 * The set of points within 'distance' of the geometry (round caps and
 * joins), arcs drawn with 'quadsegs' segments per quarter circle (1 to
 * 1000).  A negative distance shrinks polygons; buffering a point or line
 * by 0 or less gives OM_REASON_GEOMETRY_EMPTY.  A Polygon or MultiPolygon
 * is dissolved first, by a buffer of 1e-7 of its extent: parts that touch
 * along an edge, or all but touch, are buffered as one, so a negative
 * distance shrinks the whole and not each part, and a zero-width slit is
 * closed.
 */
int om_geom_buffer_planar(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                          size_t len, double distance, int quadsegs, struct om_diag *d);

/*
 * The geometry with vertices added so that no edge is longer than
 * max_segment (> 0), each long edge cut into equal pieces; existing
 * vertices stay where they are.
 */
int om_geom_densify_planar(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                           size_t len, double max_segment, struct om_diag *d);

#endif
