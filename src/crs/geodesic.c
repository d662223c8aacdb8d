/*
 * Geodesic distances, lines, circles and areas on WGS 84 (see geodesic.h).
 *
 * Everything here is a thin layer over Karney's algorithms as PROJ ships
 * them (geod_inverse, geod_direct, geod_inverseline, geod_polygon_*), which
 * are exact to rounding for any pair of points, antipodal ones included.
 * What this file adds is the longitude/latitude bookkeeping that turns a
 * curve on the ellipsoid into WKB a map can draw: a line is cut where the
 * geodesic itself crosses the antimeridian, so both parts meet at one
 * latitude; a ring round a pole is closed along the pole before it is cut.
 *
 * Rings round a pole are in geodesic_poles.c, the shared vertex and WKB
 * buffers in geodesic_wkb.c.  The ellipsoid object is set up once per
 * process and only read after that, so every function may run on any thread.
 */
#include "crs/geodesic.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic_internal.h"
#include "geom/geom.h"

#define PI 3.14159265358979323846

/* Half a meridian of WGS 84 in metres: the farthest any point is from the centre of an aeqd. */
#define HALF_MERIDIAN_M 20003931.4586

/* Parts a cut line may have; a geodesic spans less than 360 degrees of longitude. */
#define MAX_LINE_PARTS 4

/* 0, or a positive reason for a point that is not a longitude/latitude pair. */
static int check_lonlat(double lon, double lat, const char *what, struct om_diag *d)
{
  if (!isfinite(lon) || !isfinite(lat))
    return om_diag_fail(d, OM_REASON_NOT_FINITE, "the %s is not a finite point", what);
  if (lat < -90 || lat > 90)
    return om_diag_fail(d, OM_REASON_LAT_RANGE, "the %s's latitude %.15g is outside [-90, 90]",
                        what, lat);
  return 0;
}

double om_geodesic_distance_km(double lon1, double lat1, double lon2, double lat2)
{
  if (!isfinite(lon1) || !isfinite(lat1) || !isfinite(lon2) || !isfinite(lat2) ||
      fabs(lat1) > 90 || fabs(lat2) > 90)
    return NAN;
  double s12 = 0;
  geod_inverse(om_gd_wgs84(), lat1, lon1, lat2, lon2, &s12, NULL, NULL);
  return s12 / 1000;
}
/* ---- Lines ------------------------------------------------------------------ */

/* A line under construction: vertices and where each part starts. */
struct line {
  struct pts pts;                   /* all vertices, part after part */
  size_t start[MAX_LINE_PARTS + 1]; /* first vertex of each part; start[nparts] = pts.n */
  int nparts;                       /* parts begun */
};

/* Append a vertex to the current part unless it repeats the last one. */
static int line_push(struct line *l, double x, double y)
{
  if (l->pts.n > l->start[l->nparts - 1]) {
    const struct lonlat *last = &l->pts.v[l->pts.n - 1];
    if (last->x == x && last->y == y)
      return 0;
  }
  return om_gd_pts_push(&l->pts, x, y);
}

/* Begin a new part, dropping the current one if it has fewer than two vertices. */
static int line_new_part(struct line *l)
{
  if (l->pts.n - l->start[l->nparts - 1] < 2)
    l->pts.n = l->start[l->nparts - 1];
  else if (l->nparts == MAX_LINE_PARTS)
    return -1;
  else
    l->start[l->nparts++] = l->pts.n;
  return 0;
}

/* The line as a LineString or MultiLineString. */
static int line_write(struct line *l, unsigned char **out, size_t *out_len, struct om_diag *d)
{
  if (l->pts.n - l->start[l->nparts - 1] < 2)
    l->pts.n = l->start[--l->nparts];
  if (l->nparts == 0)
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "the line has no length");
  l->start[l->nparts] = l->pts.n;
  struct wbuf b = {.p = NULL};
  if (l->nparts > 1) {
    om_gd_wb_head(&b, OM_WKB_MULTILINESTRING);
    om_gd_wb_u32(&b, (uint32_t)l->nparts);
  }
  for (int i = 0; i < l->nparts; i++) {
    om_gd_wb_head(&b, OM_WKB_LINESTRING);
    om_gd_wb_seq(&b, l->pts.v + l->start[i], l->start[i + 1] - l->start[i]);
  }
  if (b.nomem) {
    free(b.p);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  *out = b.p;
  *out_len = b.len;
  return 0;
}

/* Latitude and unrolled longitude at distance s along l. */
static void position(const struct geod_geodesicline *l, double s, double *lat, double *u)
{
  geod_genposition(l, GEOD_LONG_UNROLL, s, lat, u, NULL, NULL, NULL, NULL, NULL, NULL);
}

/*
 * Where between distances lo and hi the unrolled longitude reaches b, by
 * bisection (longitude is monotonic along a geodesic that is not a
 * meridian); returns the latitude there.
 */
static double crossing_lat(const struct geod_geodesicline *l, double lo, double hi, double b,
                           bool east)
{
  double lat = 0, u;
  for (int i = 0; i < 200 && hi - lo > 1e-9; i++) {
    double mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi)
      break; /* as close as doubles get */
    position(l, mid, &lat, &u);
    if (east ? u < b : u > b)
      lo = mid;
    else
      hi = mid;
  }
  position(l, (lo + hi) / 2, &lat, &u);
  return lat;
}

/*
 * A geodesic that is not a meridian, sampled every s13/nseg metres with
 * unrolled longitudes.  Each part keeps its longitudes within one turn
 * [-180 + 360k, 180 + 360k] and is written shifted by -360k; where the
 * samples leave the turn, the crossing is found on the geodesic itself and
 * both parts get it, at +180 and -180.
 */
static int sample_line(struct line *ln, const struct geod_geodesicline *l, double lon1,
                       double lat1, double lon2, double lat2, double nseg)
{
  double lat, u;
  position(l, 0, &lat, &u);
  double shift = om_gd_wrap180(lon1) - u; /* unrolled longitudes start at lon1 as given */
  double prev_u = om_gd_wrap180(lon1), prev_lat = lat1, prev_s = 0;
  int k = 0;
  if (line_push(ln, prev_u, lat1) < 0)
    return OM_ENOMEM;
  for (double i = 1; i <= nseg; i++) {
    double s = i == nseg ? l->s13 : l->s13 * (i / nseg);
    position(l, s, &lat, &u);
    u += shift;
    if (i == nseg) {
      lat = lat2;
      u += remainder(lon2 - u, 360.0); /* the given end, on the side the line arrives from */
    }
    double lo = prev_s;
    while (u > 180 + 360.0 * k || u < -180 + 360.0 * k) {
      bool east = u > 180 + 360.0 * k;
      double b = east ? 180 + 360.0 * k : -180 + 360.0 * k;
      /* A vertex already on the antimeridian ends its part as it is (a start
       * there makes a part of one vertex, which line_new_part drops). */
      double at = prev_u == b ? prev_lat : crossing_lat(l, lo, s, b - shift, east);
      if (line_push(ln, east ? 180 : -180, at) < 0)
        return OM_ENOMEM;
      if (line_new_part(ln) < 0)
        return OM_EDEP;
      k += east ? 1 : -1;
      if (line_push(ln, east ? -180 : 180, at) < 0)
        return OM_ENOMEM;
    }
    double x = u - 360.0 * k;
    if (i == nseg) /* exactly as given; +-180 on the side the line arrives from */
      x = fabs(om_gd_wrap180(lon2)) == 180 ? copysign(180, x) : om_gd_wrap180(lon2);
    if (line_push(ln, x, lat) < 0)
      return OM_ENOMEM;
    prev_u = u, prev_lat = lat, prev_s = s;
  }
  return 0;
}

/*
 * A geodesic along meridians: constant longitude, except that one between
 * opposite meridians passes a pole, where it gets two vertices, one on
 * each meridian.  Latitudes come from the geodesic.
 */
static int sample_meridian(struct line *ln, const struct geod_geodesicline *l, double lon1,
                           double lat1, double lon2, double lat2, double nseg)
{
  bool pole1 = fabs(lat1) == 90, pole2 = fabs(lat2) == 90;
  double dlon = remainder(lon2 - lon1, 360.0);
  double m1 = pole1 && !pole2 ? om_gd_wrap180(lon2) : om_gd_wrap180(lon1);
  double m2 = pole1 || pole2 || dlon == 0 ? m1 : om_gd_wrap180(lon2);
  double s_pole = INFINITY, pole = 0;
  if (m2 != m1) {
    pole = cos(l->azi1 * PI / 180) > 0 ? 90 : -90;
    geod_inverse(om_gd_wgs84(), lat1, lon1, pole, lon1, &s_pole, NULL, NULL);
  }
  if (line_push(ln, m1, lat1) < 0)
    return OM_ENOMEM;
  bool passed = false;
  for (double i = 1; i <= nseg; i++) {
    double s = i == nseg ? l->s13 : l->s13 * (i / nseg), lat, u;
    position(l, s, &lat, &u);
    if (i == nseg)
      lat = lat2;
    if (!passed && s >= s_pole) {
      if (line_push(ln, m1, pole) < 0 || line_push(ln, m2, pole) < 0)
        return OM_ENOMEM;
      passed = true;
    }
    if (line_push(ln, passed ? m2 : m1, lat) < 0)
      return OM_ENOMEM;
  }
  return 0;
}

int om_geodesic_line(unsigned char **out, size_t *out_len, double lon1, double lat1, double lon2,
                     double lat2, double step_km, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  int rc = check_lonlat(lon1, lat1, "start", d);
  if (rc == 0)
    rc = check_lonlat(lon2, lat2, "end", d);
  if (rc != 0)
    return rc;
  if (!(step_km > 0) || !isfinite(step_km))
    return om_diag_fail(d, OM_EUSAGE, "the step of a geodesic line must be a positive number "
                                      "of km, not %g", step_km);

  struct geod_geodesicline l;
  geod_inverseline(&l, om_gd_wgs84(), lat1, lon1, lat2, lon2,
                   GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_DISTANCE_IN);
  if (!(l.s13 > 0))
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID,
                        "a line needs two distinct points; both ends are at %.9g, %.9g", lon1,
                        lat1);
  double nseg = ceil(l.s13 / (step_km * 1000));
  if (nseg + 3 > OM_GEODESIC_MAX_VERTICES)
    return om_diag_fail(d, OM_EUSAGE, "a step of %g km is too small: the %.0f km line would "
                                      "need more than %d vertices", step_km, l.s13 / 1000,
                        OM_GEODESIC_MAX_VERTICES);

  double dlon = remainder(lon2 - lon1, 360.0);
  bool meridian = fabs(lat1) == 90 || fabs(lat2) == 90 || dlon == 0 || fabs(dlon) == 180;
  struct line ln = {.nparts = 1};
  rc = meridian ? sample_meridian(&ln, &l, lon1, lat1, lon2, lat2, nseg)
                : sample_line(&ln, &l, lon1, lat1, lon2, lat2, nseg);
  if (rc == OM_ENOMEM)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  else if (rc != 0)
    rc = om_diag_fail(d, OM_EDEP, "the geodesic crosses the antimeridian more than %d times",
                      MAX_LINE_PARTS - 1);
  else
    rc = line_write(&ln, out, out_len, d);
  free(ln.pts.v);
  return rc;
}
/* ---- Circles ----------------------------------------------------------------- */

int om_geodesic_circle(unsigned char **out, size_t *out_len, double lon, double lat,
                       double radius_km, int n, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  int rc = check_lonlat(lon, lat, "centre", d);
  if (rc != 0)
    return rc;
  if (n < 3 || n > OM_GEODESIC_MAX_VERTICES)
    return om_diag_fail(d, OM_EUSAGE, "a circle needs between 3 and %d vertices, not %d",
                        OM_GEODESIC_MAX_VERTICES, n);
  if (!isfinite(radius_km))
    return om_diag_fail(d, OM_REASON_NOT_FINITE, "the radius is not a finite number");
  if (radius_km <= 0)
    return om_diag_fail(d, OM_REASON_GEOMETRY_EMPTY, "a circle of radius %g km is empty",
                        radius_km);
  if (radius_km > OM_GEODESIC_MAX_RADIUS_KM)
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID,
                        "a radius of %g km is more than the %.0f km a circle may have",
                        radius_km, OM_GEODESIC_MAX_RADIUS_KM);

  /* Clockwise from north; om_geodesic_rfc7946 turns it counter-clockwise. */
  struct wbuf b = {.p = NULL};
  om_gd_wb_head(&b, OM_WKB_POLYGON);
  om_gd_wb_u32(&b, 1);
  om_gd_wb_u32(&b, (uint32_t)n + 1);
  double x0 = 0, y0 = 0;
  for (int i = 0; i < n; i++) {
    double y, x;
    geod_direct(om_gd_wgs84(), lat, lon, 360.0 * i / n, radius_km * 1000, &y, &x, NULL);
    if (i == 0)
      x0 = x, y0 = y;
    om_gd_wb_f64(&b, x);
    om_gd_wb_f64(&b, y);
  }
  om_gd_wb_f64(&b, x0);
  om_gd_wb_f64(&b, y0);
  if (b.nomem)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  else
    rc = om_geodesic_rfc7946(out, out_len, b.p, b.len, d);
  free(b.p);
  return rc;
}

/* ---- Areas ------------------------------------------------------------------- */

/* Add the area in m^2 of the geometry at r->pos to *sum; 0 or a reason. */
static int area_geom(struct rbuf *r, struct pts *ring, double *sum)
{
  bool be;
  uint32_t type = om_gd_rb_head(r, &be);
  uint32_t n;
  switch (type) {
  case OM_WKB_POINT:
    r->pos += 16;
    return 0;
  case OM_WKB_LINESTRING:
    r->pos += (size_t)om_gd_rb_u32(r, be) * 16;
    return 0;
  case OM_WKB_POLYGON:
    n = om_gd_rb_u32(r, be);
    for (uint32_t i = 0; i < n; i++) {
      if (om_gd_rb_seq(r, be, om_gd_rb_u32(r, be), ring) < 0)
        return OM_ENOMEM;
      for (size_t j = 0; j < ring->n; j++) {
        if (!isfinite(ring->v[j].x) || !isfinite(ring->v[j].y))
          return OM_REASON_NOT_FINITE;
        if (fabs(ring->v[j].y) > 90)
          return OM_REASON_LAT_RANGE;
      }
      double a = fabs(om_gd_ring_signed_area(ring->v, ring->n));
      *sum += i == 0 ? a : -a;
    }
    return 0;
  default:
    n = om_gd_rb_u32(r, be);
    for (uint32_t i = 0; i < n; i++) {
      int rc = area_geom(r, ring, sum);
      if (rc != 0)
        return rc;
    }
    return 0;
  }
}

int om_geodesic_area_km2(double *out, const unsigned char *wkb, size_t len)
{
  *out = 0;
  if (om_wkb_type(wkb, len) == 0)
    return OM_REASON_GEOMETRY_INVALID;
  struct rbuf r = {wkb, 0};
  struct pts ring = {.v = NULL};
  double sum = 0;
  int rc = area_geom(&r, &ring, &sum);
  free(ring.v);
  if (rc == 0)
    *out = sum / 1e6;
  return rc;
}

/* ---- Azimuthal equidistant ---------------------------------------------------- */

struct om_aeqd {
  double lon0, lat0; /* the centre in degrees */
};

int om_aeqd_new(struct om_aeqd **out, double lon0, double lat0, struct om_diag *d)
{
  *out = NULL;
  int rc = check_lonlat(lon0, lat0, "centre of the projection", d);
  if (rc != 0)
    return rc;
  struct om_aeqd *p = malloc(sizeof *p);
  if (!p)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  p->lon0 = om_gd_wrap180(lon0);
  p->lat0 = lat0;
  *out = p;
  return 0;
}

void om_aeqd_free(struct om_aeqd *p)
{
  free(p);
}

enum om_reason om_aeqd_forward(const struct om_aeqd *p, double *x, double *y)
{
  if (!isfinite(*x) || !isfinite(*y))
    return OM_REASON_NOT_FINITE;
  if (fabs(*y) > 90)
    return OM_REASON_LAT_RANGE;
  double s = 0, azi = 0;
  geod_inverse(om_gd_wgs84(), p->lat0, p->lon0, *y, *x, &s, &azi, NULL);
  double rad = azi * PI / 180;
  *x = s * sin(rad);
  *y = s * cos(rad);
  return OM_REASON_NONE;
}

enum om_reason om_aeqd_inverse(const struct om_aeqd *p, double *x, double *y)
{
  if (!isfinite(*x) || !isfinite(*y))
    return OM_REASON_NOT_FINITE;
  double s = hypot(*x, *y);
  if (s > HALF_MERIDIAN_M)
    return OM_REASON_TRANSFORM_FAILED;
  double azi = s > 0 ? atan2(*x, *y) * 180 / PI : 0;
  double lat = p->lat0, lon = p->lon0;
  if (s > 0)
    geod_direct(om_gd_wgs84(), p->lat0, p->lon0, azi, s, &lat, &lon, NULL);
  *x = om_gd_wrap180(lon);
  *y = lat;
  return OM_REASON_NONE;
}
