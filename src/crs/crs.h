/*
 * Coordinate reference systems: a transformation from a source CRS to
 * WGS 84 longitude/latitude (EPSG:4326 in traditional GIS order), with the
 * per-point checks PROJ does not make on its own.  One om_crs per thread:
 * each owns its PROJ context.  Only this module includes PROJ headers.
 */
#ifndef OM_CRS_CRS_H
#define OM_CRS_CRS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"

struct om_crs;

/*
 * Prepare a transformation from 'def' ("EPSG:23036", a WKT, or a PROJ
 * string) to WGS 84.  An unknown CRS is OM_EMANIFEST with the reason in d.
 */
int om_crs_new(struct om_crs **out, const char *def, struct om_diag *d);
void om_crs_free(struct om_crs *c);

/* True when the source already is WGS 84 lon/lat (no transformation runs). */
bool om_crs_is_wgs84(const struct om_crs *c);

/*
 * Transform one point in place (x, y in the source CRS's traditional GIS
 * order: easting/longitude first) to longitude, latitude.  Returns
 * OM_REASON_NONE, OM_REASON_NOT_FINITE, OM_REASON_OUTSIDE_CRS_AREA (the
 * point lies outside the CRS's area of use) or OM_REASON_TRANSFORM_FAILED
 * with PROJ's message in detail.
 */
enum om_reason om_crs_to_wgs84(struct om_crs *c, double *x, double *y, char *detail,
                               size_t detail_size);

#endif
