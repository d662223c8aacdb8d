/*
 * Geometry helpers over ISO WKB (little-endian, 2D), the form geometries
 * travel in between the stages.  Coordinates are x = longitude,
 * y = latitude once located.  The GEOS-backed functions create their own
 * reentrant GEOS context per call or per thread; only this module includes
 * GEOS headers.
 */
#ifndef OM_GEOM_GEOM_H
#define OM_GEOM_GEOM_H

#include <stdbool.h>
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

/*
 * ISO WKB (little-endian, 2D) as WKT with 'precision' decimals, newly
 * allocated (the caller frees it), or NULL for WKB that is not well formed
 * or when memory runs out.
 */
char *om_wkb_to_wkt(const unsigned char *wkb, size_t len, int precision);

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
 * Repair invalid WKB with GEOS's MakeValid (the method that keeps every
 * vertex and edge), into newly allocated WKB (*out; free()).  The type may
 * change: a bow-tie Polygon becomes a MultiPolygon, a collapsed Polygon a
 * (Multi)LineString, a mix a GeometryCollection.  Returns OM_REASON_NONE,
 * OM_REASON_GEOMETRY_EMPTY when nothing is left, or
 * OM_REASON_GEOMETRY_INVALID with GEOS's message in detail.
 */
enum om_reason om_geom_make_valid(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                                  size_t len, char *detail, size_t detail_size);

/*
 * True when lon/lat WKB has a line or ring with consecutive vertices more
 * than 180 degrees of longitude apart: read as crossing the antimeridian,
 * as om_geom_rfc7946 reads it.  False for malformed WKB.
 */
bool om_wkb_crosses_antimeridian(const unsigned char *wkb, size_t len);

/*
 * The reading of lon/lat WKB across the antimeridian, before it is cut: a
 * little-endian copy (*out; free()) in which every line and ring runs on
 * past +-180 instead of jumping, each starting from its own first vertex,
 * and every hole moved by whole turns next to its exterior ring.  This is
 * the shape whose validity decides whether the geometry is valid once
 * cut.  Returns 0; OM_REASON_GEOMETRY_INVALID when the WKB is malformed or
 * a ring does not close once unwrapped (it winds round a pole: see
 * om_geodesic_rfc7946), or OM_ENOMEM; d says why.
 */
int om_geom_unwrap(unsigned char **out, size_t *out_len, const unsigned char *wkb, size_t len,
                   struct om_diag *d);

/*
 * Make lon/lat WKB fit RFC 7946: exterior rings counter-clockwise, holes
 * clockwise, and a geometry that crosses the antimeridian (consecutive
 * vertices more than 180 degrees of longitude apart, or longitudes already
 * unwrapped past +-180 as om_geom_unwrap leaves them) cut into parts on
 * either side.  *out is newly allocated WKB (free()), possibly of a Multi
 * type.  Returns 0, or a negative OM_E* code.
 */
int om_geom_rfc7946(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                    size_t len, struct om_diag *d);

/*
 * A point inside a (Multi)Polygon given as WKB (GEOS PointOnSurface) into
 * *x, *y: 0, or OM_EDEP with the reason in d for an empty or malformed
 * geometry.
 */
int om_geom_point_on_surface(double *x, double *y, const unsigned char *wkb, size_t len,
                             struct om_diag *d);

#endif
