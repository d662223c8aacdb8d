/*
 * Geometry helpers over ISO WKB (little-endian, 2D), the form geometries
 * travel in between the stages.  Coordinates are x = longitude,
 * y = latitude once located.  The GEOS-backed functions create their own
 * reentrant GEOS context per call or per thread; only this module includes
 * GEOS headers.
 */
#ifndef OM_GEOM_GEOM_H
#define OM_GEOM_GEOM_H

#include <stddef.h>

#include "core/diag.h"

/* WKB geometry type codes (ISO, 2D). */
enum om_wkb_type {
  OM_WKB_POINT = 1,
  OM_WKB_LINESTRING = 2,
  OM_WKB_POLYGON = 3,
  OM_WKB_MULTIPOINT = 4,
  OM_WKB_MULTILINESTRING = 5,
  OM_WKB_MULTIPOLYGON = 6,
  OM_WKB_GEOMETRYCOLLECTION = 7,
};

/* Write a 21-byte WKB point into out. */
void om_wkb_point(unsigned char out[21], double x, double y);

/* The geometry type of a WKB blob, or 0 if it is not valid WKB. */
int om_wkb_type(const unsigned char *wkb, size_t len);

/* Envelope {minx, miny, maxx, maxy}; 0, or -1 for malformed or empty WKB. */
int om_wkb_envelope(const unsigned char *wkb, size_t len, double env[4]);

/*
 * Call fn on every coordinate pair, which it may change in place; fn
 * returns OM_REASON_NONE or a reason that stops the walk and is returned.
 * A malformed blob gives OM_REASON_GEOMETRY_INVALID.
 */
enum om_reason om_wkb_map_coords(unsigned char *wkb, size_t len,
                                 enum om_reason (*fn)(void *ctx, double *x, double *y),
                                 void *ctx);

/*
 * Parse WKT into newly allocated WKB (*out, owned by the caller; free()).
 * Returns OM_REASON_NONE, OM_REASON_WKT_INVALID (detail says where) or
 * OM_REASON_GEOMETRY_EMPTY.
 */
enum om_reason om_geom_from_wkt(unsigned char **out, size_t *out_len, const char *wkt,
                                char *detail, size_t detail_size);

/*
 * Check validity with GEOS: OM_REASON_NONE, or OM_REASON_GEOMETRY_INVALID
 * with GEOS's reason and location in detail.
 */
enum om_reason om_geom_check_valid(const unsigned char *wkb, size_t len, char *detail,
                                   size_t detail_size);

/*
 * Make lon/lat WKB fit RFC 7946: exterior rings counter-clockwise, holes
 * clockwise, and a geometry that crosses the antimeridian (consecutive
 * vertices more than 180 degrees of longitude apart) cut into parts on
 * either side.  *out is newly allocated WKB (free()), possibly of a Multi
 * type.  Returns 0, or a negative OM_E* code.
 */
int om_geom_rfc7946(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                    size_t len, struct om_diag *d);

#endif
