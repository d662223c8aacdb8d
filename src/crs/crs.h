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

/*
 * The inverse: WGS 84 longitude, latitude to the CRS's x, y (traditional
 * GIS order), in place, for outputs written in a CRS of their own.  A
 * point outside the CRS's area of use (with the same margin as above) is
 * OM_REASON_OUTSIDE_CRS_AREA, checked before transforming, since PROJ
 * returns numbers far outside a projection's domain without complaint.
 */
enum om_reason om_crs_from_wgs84(struct om_crs *c, double *x, double *y, char *detail,
                                 size_t detail_size);

/* How a GeoPackage registers a CRS (a gpkg_spatial_ref_sys row). */
struct om_crs_srs {
  char organization[32]; /* "EPSG", or "NONE" when PROJ knows no identifier */
  long organization_id;  /* the code within it, or -1 */
  char name[160];        /* the CRS's name ("TUREF / TM30") */
  char *definition;      /* WKT 1 as GDAL writes it (WKT 2 when WKT 1 cannot say it), owned */
};

/* Fill *out for c; 0, or OM_ENOMEM / OM_EDEP with the reason in d. */
int om_crs_srs_get(struct om_crs_srs *out, struct om_crs *c, struct om_diag *d);
void om_crs_srs_release(struct om_crs_srs *s);

#endif
