/*
 * Geodesics on the WGS 84 ellipsoid: distances, lines and circles that are
 * right in kilometres at every latitude, geodesic areas, and a local
 * azimuthal equidistant projection for work in metres.  The arithmetic is
 * Karney's (the geodesic routines PROJ ships), accurate to nanometres;
 * only src/crs includes PROJ headers.
 *
 * Geometries are ISO WKB (little-endian, 2D) in longitude/latitude
 * degrees, longitudes in [-180, 180], in the form om_geom_rfc7946 gives:
 * cut at the antimeridian, exterior rings counter-clockwise.
 *
 * The int functions return 0 on success; a positive enum om_reason when
 * the input cannot give a result and the record should be rejected
 * (OM_REASON_NOT_FINITE, OM_REASON_LAT_RANGE, OM_REASON_GEOMETRY_INVALID,
 * OM_REASON_GEOMETRY_EMPTY); or a negative OM_E* code for a run-level
 * failure (OM_EUSAGE for a parameter that no record could satisfy,
 * OM_ENOMEM, OM_EDEP).  Either way d->msg says why.
 *
 * All functions may be called from any thread; an om_aeqd is read-only
 * once made and may be shared.
 */
#ifndef OM_CRS_GEODESIC_H
#define OM_CRS_GEODESIC_H

#include <stddef.h>

#include "core/diag.h"

/* Most vertices a line or circle may have (16 MB of WKB). */
#define OM_GEODESIC_MAX_VERTICES 1000000

/*
 * Largest circle radius.  Below a quarter meridian (10,001.966 km) a
 * circle holds at most one pole, so its inside is always the smaller side
 * and the polygon can say which side that is.
 */
#define OM_GEODESIC_MAX_RADIUS_KM 10000.0

/*
 * Geodesic distance in km between two points (degrees), or NaN when a
 * coordinate is not finite or a latitude is outside [-90, 90].
 */
double om_geodesic_distance_km(double lon1, double lat1, double lon2, double lat2);

/*
 * The shortest geodesic from point 1 to point 2 as newly allocated WKB
 * (*out, owned by the caller; free()), with a vertex at least every
 * step_km.  Every vertex lies on the geodesic; the ends are the given
 * points.  A line that crosses the antimeridian becomes a MultiLineString
 * whose parts meet at +-180 at the same latitude, the latitude where the
 * geodesic crosses it; otherwise it is a LineString.
 *
 * A geodesic through a pole (the ends on opposite meridians) runs up its
 * first meridian to latitude +-90, along the pole to the other meridian
 * and down it; a pole at an end is written with the longitude of the
 * meridian the line leaves it along.
 *
 * Both ends at the same place (also: both at one pole) give
 * OM_REASON_GEOMETRY_INVALID, since a line needs two distinct points.  A
 * step that is not a positive number, or one so small that the line would
 * need more than OM_GEODESIC_MAX_VERTICES vertices, is OM_EUSAGE.
 */
int om_geodesic_line(unsigned char **out, size_t *out_len, double lon1, double lat1, double lon2,
                     double lat2, double step_km, struct om_diag *d);

/*
 * A geodesic circle: a Polygon whose n vertices (n >= 3) lie at exactly
 * radius_km from the centre, every 360/n degrees of azimuth, as newly
 * allocated WKB (*out; free()).  Edges are straight in longitude/latitude,
 * so the polygon lies just inside the true circle (by 0.16% of its area
 * for n = 64).  A circle across the antimeridian becomes a MultiPolygon.
 * A circle holding a pole is closed along that pole (latitude +-90) and
 * cut at the antimeridian, as om_geodesic_rfc7946 says; near a pole,
 * straight edges in longitude/latitude stray from the circle, so use 64
 * vertices or more there (with 8, the area is off by up to 1%).
 *
 * A radius of 0 or less gives OM_REASON_GEOMETRY_EMPTY, one above
 * OM_GEODESIC_MAX_RADIUS_KM OM_REASON_GEOMETRY_INVALID; n below 3 or above
 * OM_GEODESIC_MAX_VERTICES is OM_EUSAGE.
 */
int om_geodesic_circle(unsigned char **out, size_t *out_len, double lon, double lat,
                       double radius_km, int n, struct om_diag *d);

/*
 * The geodesic area in km^2 of lon/lat WKB: every ring's area less its
 * holes', summed over polygons; points and lines count 0.  Edges are read
 * as geodesics, each ring as the smaller of the two regions it bounds,
 * whatever its orientation.  Returns 0, OM_REASON_GEOMETRY_INVALID for
 * malformed WKB, OM_REASON_NOT_FINITE, OM_REASON_LAT_RANGE or OM_ENOMEM.
 */
int om_geodesic_area_km2(double *out, const unsigned char *wkb, size_t len);

/*
 * om_geom_rfc7946 for geometries that may hold a pole.  A ring that winds
 * once round a pole (its longitudes, followed without jumps, end 360
 * degrees from where they start) cannot be cut at the antimeridian as it
 * is:
 * - an exterior ring that winds round a pole, alone, holds that pole: it is
 *   first closed along latitude +-90 on the side of the pole it holds,
 *   which is the side with the smaller area (the same convention as
 *   om_geodesic_area_km2), and then cut;
 * - an exterior ring and one hole that both wind round a pole part the
 *   globe into a cap round each pole and the band between them, and the
 *   polygon is that band, whichever ring is nearer the pole.  This is how
 *   TopoJSON-to-GeoJSON conversions write a polar continent: Natural
 *   Earth's Antarctica comes out as a ring along latitude -89.999 with the
 *   coast as its hole, and reads back as the land between the two (the
 *   outline Natural Earth draws flat, whose edge runs along -89.999: the
 *   111 m round the pole itself stay outside).  Both rings become one that
 *   goes round the northern ring, down a meridian to the southern one,
 *   round it the other way and back up, and is then cut; the other holes
 *   stay as they are.
 * *out is newly allocated (free()).  A hole that winds round a pole when
 * the exterior ring does not, a third ring that winds, a ring that winds
 * more than once, or two winding rings that cross are
 * OM_REASON_GEOMETRY_INVALID (crossings the meridian does not show make
 * the cut fail instead, with OM_EDEP and GEOS's reason).
 */
int om_geodesic_rfc7946(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                        size_t len, struct om_diag *d);

/*
 * The azimuthal equidistant projection centred on (lon0, lat0) on the
 * WGS 84 ellipsoid, in metres, x east and y north at the centre.  The
 * distance and azimuth of every point from the centre are exact (it is
 * PROJ's ellipsoidal "aeqd"); other distances are stretched across the
 * radial direction by about (rho/R)/sin(rho/R) at rho from the centre:
 * 0.04% at 300 km, 0.9% at 1,500 km.
 */
struct om_aeqd;

/* Returns 0, OM_ENOMEM, or a positive reason for a bad centre. */
int om_aeqd_new(struct om_aeqd **out, double lon0, double lat0, struct om_diag *d);
void om_aeqd_free(struct om_aeqd *p);

/*
 * Longitude/latitude in degrees to x/y in metres, in place:
 * OM_REASON_NONE, OM_REASON_NOT_FINITE or OM_REASON_LAT_RANGE.
 */
enum om_reason om_aeqd_forward(const struct om_aeqd *p, double *x, double *y);

/*
 * x/y in metres to longitude (in [-180, 180]) and latitude, in place:
 * OM_REASON_NONE, OM_REASON_NOT_FINITE, or OM_REASON_TRANSFORM_FAILED for
 * a point farther from the centre than half a meridian (20,003.93 km),
 * where the projection does not reach.
 */
enum om_reason om_aeqd_inverse(const struct om_aeqd *p, double *x, double *y);

#endif
