/*
 * Shared between the files of src/geom only: the GEOS step of
 * om_geom_rfc7946, which wkb.c drives and geos.c implements, and writing
 * a GEOS geometry as WKB.
 */
#ifndef OM_GEOM_GEOM_PRIVATE_H
#define OM_GEOM_GEOM_PRIVATE_H

#include <geos_c.h>
#include <stddef.h>

#include "core/diag.h"

/*
 * Cut a (Multi)LineString or (Multi)Polygon whose longitudes have been
 * unwrapped (they run continuously past +-180) into the parts inside
 * [-180, 180] and those 360 degrees east or west of it, moved back, and
 * return them as one little-endian ISO WKB MultiLineString or MultiPolygon
 * (*out, owned by the caller; free()).  env is the unwrapped geometry's
 * envelope.  Ring orientation of the result is not fixed here.  Returns 0,
 * or OM_EDEP / OM_ENOMEM with the message in d.
 */
int om_geom_cut_antimeridian(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                             size_t len, const double env[4], struct om_diag *d);

/*
 * g as newly allocated (malloc) little-endian 2D ISO WKB in *out: 0, or
 * -1 with the reason in the context's GEOS message handler.
 */
int om_geos_write_wkb(GEOSContextHandle_t h, const GEOSGeometry *g, unsigned char **out,
                      size_t *out_len);

#endif
