/*
 * Buffers in kilometres on the earth: the area within a distance of a
 * longitude/latitude geometry, right at every latitude (a 100 km buffer at
 * 70N covers the same km^2 as one at the equator, not a third as much, as
 * a buffer in degrees would).
 *
 * A point becomes a geodesic circle (om_geodesic_circle), exact at its
 * vertices for any radius up to OM_GEODESIC_MAX_RADIUS_KM.  Any other
 * geometry is densified in longitude/latitude (so that a long edge keeps
 * the path it is drawn along), projected to an azimuthal equidistant
 * projection centred on it, buffered there in metres with GEOS, projected
 * back and put in RFC 7946 form (om_geodesic_rfc7946: cut at the
 * antimeridian, closed round a pole it holds).  A buffer that comes within
 * 1,000 km of a pole gets more vertices there, since straight edges in
 * longitude/latitude bend away from the true outline near a pole.
 *
 * One projection is exact only in distances from its centre; across, it
 * stretches by about (rho/R)/sin(rho/R) at rho km from the centre, so a
 * buffer edge rho km away is that much too narrow across the radial
 * direction: 0.04% at 300 km, 0.4% at 1,000 km.  A geometry reaching more
 * than OM_BUFFER_MAX_EXTENT_KM from its centre (radius included) is
 * refused rather than buffered wrongly.
 */
#ifndef OM_OPS_BUFFER_H
#define OM_OPS_BUFFER_H

#include <stddef.h>

#include "core/diag.h"

/* Segments per quarter circle: a point's circle has 4 times as many vertices. */
#define OM_BUFFER_QUADSEGS 16

/* Longest edge, in degrees, before projecting: about 11 km of latitude. */
#define OM_BUFFER_DENSIFY_DEG 0.1

/* Farthest a buffered geometry may reach from its centre: 0.9% stretch there. */
#define OM_BUFFER_MAX_EXTENT_KM 1500.0

/*
 * Buffer lon/lat WKB (the RFC 7946 form locating gives: cut at the
 * antimeridian) by radius_km, into newly allocated WKB (*out, owned by
 * the caller; free()), a Polygon or MultiPolygon.  A negative radius
 * shrinks polygons.
 *
 * Returns 0; a positive enum om_reason when this record cannot be
 * buffered (OM_REASON_GEOMETRY_INVALID for malformed WKB, a geometry too
 * large for one projection or a buffer GEOS cannot cut at the
 * antimeridian, OM_REASON_GEOMETRY_EMPTY for an empty
 * input or result, OM_REASON_NOT_FINITE, OM_REASON_LAT_RANGE); or a
 * negative OM_E* code.  d->msg says why.
 */
int om_buffer_km(unsigned char **out, size_t *out_len, const unsigned char *wkb, size_t wkb_len,
                 double radius_km, struct om_diag *d);

#endif
