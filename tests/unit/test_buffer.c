/*
 * Buffers: GEOS's planar buffer and densify over WKB (geom/buffer.h), and
 * buffers in kilometres on the earth (ops/buffer.h).
 *
 * Areas are checked against references computed here independently:
 * a circle against the spherical cap of the local Gaussian radius (see
 * cap_km2), a convex polygon against Steiner's formula, area + perimeter
 * * r + pi r^2, with the polygon's area and perimeter from PROJ's
 * geod_polygon.  A buffer drawn with 16 segments a quarter circle lies
 * 0.16% inside its round parts, so the checks allow 0.5% (circles) and 1%
 * (polygons, lines); a buffer in degrees would miss at 70N by a factor of
 * three.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <geodesic.h>
#include <geos_c.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "geom/buffer.h"
#include "geom/geom.h"
#include "ops/buffer.h"

#define PI 3.14159265358979323846

static GEOSContextHandle_t geos;
static struct geod_geodesic g;

static int setup(void **state)
{
  (void)state;
  geod_init(&g, 6378137, 1 / 298.257223563);
  geos = GEOS_init_r();
  return geos ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  GEOS_finish_r(geos);
  return 0;
}

static unsigned char *wkt(const char *text, size_t *len)
{
  unsigned char *wkb = NULL;
  char detail[256];
  assert_int_equal(om_geom_from_wkt(&wkb, len, text, detail, sizeof detail), OM_REASON_NONE);
  return wkb;
}

static GEOSGeometry *geos_read(const unsigned char *wkb, size_t len)
{
  GEOSWKBReader *r = GEOSWKBReader_create_r(geos);
  GEOSGeometry *gg = GEOSWKBReader_read_r(geos, r, wkb, len);
  GEOSWKBReader_destroy_r(geos, r);
  assert_non_null(gg);
  return gg;
}

static int is_valid(const unsigned char *wkb, size_t len)
{
  GEOSGeometry *gg = geos_read(wkb, len);
  int valid = GEOSisValid_r(geos, gg);
  GEOSGeom_destroy_r(geos, gg);
  return valid;
}

static double planar_area(const unsigned char *wkb, size_t len)
{
  GEOSGeometry *gg = geos_read(wkb, len);
  double a = -1;
  assert_int_equal(GEOSArea_r(geos, gg, &a), 1);
  GEOSGeom_destroy_r(geos, gg);
  return a;
}

static int num_parts(const unsigned char *wkb, size_t len)
{
  GEOSGeometry *gg = geos_read(wkb, len);
  int n = GEOSGetNumGeometries_r(geos, gg);
  GEOSGeom_destroy_r(geos, gg);
  return n;
}

static double area_km2(const unsigned char *wkb, size_t len)
{
  double a = -1;
  assert_int_equal(om_geodesic_area_km2(&a, wkb, len), 0);
  return a;
}

/* See test_geodesic.c: the cap on the sphere of the Gaussian radius sqrt(M N) at lat. */
static double cap_km2(double lat, double r)
{
  double a = 6378.137, f = 1 / 298.257223563, e2 = f * (2 - f);
  double s = sin(lat * PI / 180), w = sqrt(1 - e2 * s * s);
  double m = a * (1 - e2) / (w * w * w), n = a / w, R = sqrt(m * n);
  return 2 * PI * R * R * (1 - cos(r / R));
}

/* Geodesic area (km^2) and perimeter (km) of a ring given as lon, lat pairs, with PROJ. */
static void ring_area_perimeter(const double (*v)[2], int n, double *area, double *perim)
{
  struct geod_polygon p;
  geod_polygon_init(&p, 0);
  for (int i = 0; i < n; i++)
    geod_polygon_addpoint(&g, &p, v[i][1], v[i][0]);
  double a, per;
  geod_polygon_compute(&g, &p, 0, 1, &a, &per);
  *area = fabs(a) / 1e6;
  *perim = per / 1000;
}

/* om_buffer_km that must succeed. */
static unsigned char *buffer_km(const unsigned char *wkb, size_t len, double r, size_t *out_len)
{
  struct om_diag d;
  om_diag_init(&d);
  unsigned char *out = NULL;
  int rc = om_buffer_km(&out, out_len, wkb, len, r, &d);
  if (rc != 0)
    fail_msg("om_buffer_km: %d %s", rc, d.msg);
  assert_int_equal(d.warnings, 0);
  assert_non_null(out);
  assert_int_equal(is_valid(out, *out_len), 1);
  return out;
}

/* ---- Planar ------------------------------------------------------------------ */

static void test_planar_buffer(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  size_t len, out_len;
  unsigned char *sq = wkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", &len), *out = NULL;

  /*
   * Steiner: 100 + 40 + pi, less what 64-segment quarter circles cut off
   * the corners.  The dissolve first adds 1e-6 all round (1e-7 of 10).
   */
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, sq, len, 1, 64, &d), 0);
  assert_true(fabs(planar_area(out, out_len) - (140 + PI)) < 0.001);
  free(out);
  /*
   * Fewer segments, less area: two per quarter would cut the corners to
   * 2 sqrt(2); the dissolve's own tiny arcs add a few joins, so a little more.
   */
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, sq, len, 1, 2, &d), 0);
  double a2 = planar_area(out, out_len);
  assert_true(a2 > 140 + 2 * sqrt(2) - 1e-4 && a2 < 140 + PI - 0.1);
  free(out);
  /* Inwards. */
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, sq, len, -1, 8, &d), 0);
  assert_true(fabs(planar_area(out, out_len) - 64) < 1e-4);
  free(out);
  /* Two squares that touch along an edge shrink as one rectangle. */
  size_t two_len;
  unsigned char *two = wkt("MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)), "
                           "((10 0, 20 0, 20 10, 10 10, 10 0)))", &two_len);
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, two, two_len, -1, 8, &d), 0);
  assert_int_equal(om_wkb_type(out, out_len), OM_WKB_POLYGON);
  assert_true(fabs(planar_area(out, out_len) - 18 * 8) < 1e-3);
  free(out);
  free(two);
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, sq, len, -6, 8, &d),
                   OM_REASON_GEOMETRY_EMPTY);
  assert_null(out);
  free(sq);

  unsigned char *ln = wkt("LINESTRING (0 0, 10 0)", &len);
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, ln, len, 0, 8, &d),
                   OM_REASON_GEOMETRY_EMPTY);
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, ln, len, 1, 0, &d), OM_EUSAGE);
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, ln, len, NAN, 8, &d),
                   OM_REASON_NOT_FINITE);
  static const unsigned char junk[] = {1, 2, 0, 0, 0, 9, 0, 0, 0};
  assert_int_equal(om_geom_buffer_planar(&out, &out_len, junk, sizeof junk, 1, 8, &d),
                   OM_REASON_GEOMETRY_INVALID);
  assert_non_null(strstr(d.msg, "malformed"));
  assert_null(out);
  free(ln);
}

static void test_planar_densify(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  size_t len, out_len;
  unsigned char *ln = wkt("LINESTRING (0 0, 10 0, 10 0.5)", &len), *out = NULL;
  assert_int_equal(om_geom_densify_planar(&out, &out_len, ln, len, 1, &d), 0);
  /* 10 pieces of 1, the short edge as it was: 12 vertices. */
  assert_int_equal(out_len, 9 + 12 * 16);
  GEOSGeometry *gg = geos_read(out, out_len);
  const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(geos, gg);
  for (unsigned i = 0; i <= 10; i++) {
    double x, y;
    assert_int_equal(GEOSCoordSeq_getXY_r(geos, cs, i, &x, &y), 1);
    assert_true(fabs(x - i) < 1e-12 && y == 0);
  }
  GEOSGeom_destroy_r(geos, gg);
  free(out);
  assert_int_equal(om_geom_densify_planar(&out, &out_len, ln, len, 0, &d), OM_EUSAGE);
  assert_null(out);
  free(ln);
}

/* ---- Points ------------------------------------------------------------------- */

static void test_point_same_km2_at_every_latitude(void **state)
{
  (void)state;
  static const double lats[] = {0, 70};
  double areas[2];
  for (int i = 0; i < 2; i++) {
    unsigned char pt[21], *out;
    size_t len;
    om_wkb_point(pt, 31.2056, lats[i]);
    out = buffer_km(pt, sizeof pt, 100, &len);
    assert_int_equal(om_wkb_type(out, len), OM_WKB_POLYGON);
    areas[i] = area_km2(out, len);
    double ref = cap_km2(lats[i], 100);
    if (fabs(areas[i] / ref - 1) > 0.005)
      fail_msg("at %g: %.2f km2, reference %.2f", lats[i], areas[i], ref);

    /* Every vertex at 100 km from the centre. */
    GEOSGeometry *gg = geos_read(out, len);
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(geos, gg);
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(geos, ring);
    unsigned n = 0;
    assert_int_equal(GEOSCoordSeq_getSize_r(geos, cs, &n), 1);
    assert_int_equal(n, 4 * OM_BUFFER_QUADSEGS + 1);
    for (unsigned k = 0; k < n; k++) {
      double x, y, s;
      assert_int_equal(GEOSCoordSeq_getXY_r(geos, cs, k, &x, &y), 1);
      geod_inverse(&g, lats[i], 31.2056, y, x, &s, NULL, NULL);
      if (fabs(s - 100e3) > 100)
        fail_msg("vertex %u is %.4f km from the centre", k, s / 1000);
    }
    GEOSGeom_destroy_r(geos, gg);
    free(out);
  }
  assert_true(fabs(areas[1] / areas[0] - 1) < 0.005);
}

static void test_point_across_the_antimeridian(void **state)
{
  (void)state;
  unsigned char pt[21], *out;
  size_t len;
  om_wkb_point(pt, 179.9, -17);
  out = buffer_km(pt, sizeof pt, 100, &len);
  assert_int_equal(om_wkb_type(out, len), OM_WKB_MULTIPOLYGON);
  assert_int_equal(num_parts(out, len), 2);
  double env[4];
  assert_int_equal(om_wkb_envelope(out, len, env), 0);
  assert_true(env[0] == -180 && env[2] == 180);
  assert_true(fabs(area_km2(out, len) / cap_km2(-17, 100) - 1) < 0.005);
  free(out);
}

/* ---- Lines and polygons ---------------------------------------------------------- */

/* Buffer a convex lon/lat polygon by r km and compare with Steiner's formula. */
static void check_steiner(const double (*v)[2], int n, double r)
{
  char text[1024] = "POLYGON ((";
  for (int i = 0; i < n; i++) {
    char pair[64];
    snprintf(pair, sizeof pair, "%s%.6f %.6f", i ? ", " : "", v[i][0], v[i][1]);
    strcat(text, pair);
  }
  strcat(text, "))");
  size_t len, out_len;
  unsigned char *in = wkt(text, &len);
  unsigned char *out = buffer_km(in, len, r, &out_len);
  assert_int_equal(om_wkb_type(out, out_len), OM_WKB_POLYGON);
  double area, perim;
  ring_area_perimeter(v, n - 1, &area, &perim);
  double want = area + perim * r + PI * r * r, got = area_km2(out, out_len);
  if (fabs(got / want - 1) > 0.01)
    fail_msg("%s by %g km: %.1f km2, Steiner says %.1f", text, r, got, want);
  free(in);
  free(out);
}

static void test_polygon_steiner(void **state)
{
  (void)state;
  /* Round Kizilcaoren, near Beylikova: about 10 by 8 km. */
  static const double beylikova[][2] = {
    {31.33, 39.60}, {31.45, 39.60}, {31.45, 39.67}, {31.33, 39.67}, {31.33, 39.60}};
  check_steiner(beylikova, 5, 50);
  check_steiner(beylikova, 5, 5);
  /* The same kind of block at 70N, and a long thin one. */
  static const double north[][2] = {
    {25.0, 70.0}, {25.3, 70.0}, {25.3, 70.1}, {25.0, 70.1}, {25.0, 70.0}};
  check_steiner(north, 5, 50);
  static const double strip[][2] = {{30, 39}, {36, 39}, {36, 39.05}, {30, 39.05}, {30, 39}};
  check_steiner(strip, 5, 20);

  /* Inwards: less than the polygon, more than the polygon less a band along its edges. */
  size_t len, out_len;
  unsigned char *in = wkt("POLYGON ((31.33 39.60, 31.45 39.60, 31.45 39.67, 31.33 39.67, "
                          "31.33 39.60))", &len);
  double area, perim;
  ring_area_perimeter(beylikova, 4, &area, &perim);
  unsigned char *out = buffer_km(in, len, -1, &out_len);
  double a = area_km2(out, out_len);
  assert_true(a < area - perim * 0.99 + 4 && a > area - perim * 1.01);
  free(out);
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_buffer_km(&out, &out_len, in, len, -10, &d), OM_REASON_GEOMETRY_EMPTY);
  assert_null(out);
  free(in);
}

static void test_line_across_the_antimeridian(void **state)
{
  (void)state;
  /* Two degrees of the equator, cut at 180 as locating leaves it. */
  size_t len, out_len;
  unsigned char *in = wkt("MULTILINESTRING ((179 0, 180 0), (-180 0, -179 0))", &len);
  unsigned char *out = buffer_km(in, len, 50, &out_len);
  assert_int_equal(om_wkb_type(out, out_len), OM_WKB_MULTIPOLYGON);
  assert_int_equal(num_parts(out, out_len), 2);
  double env[4];
  assert_int_equal(om_wkb_envelope(out, out_len, env), 0);
  assert_true(env[0] == -180 && env[2] == 180);
  double length = 2 * 111.3194908, want = 2 * 50 * length + PI * 50 * 50;
  double got = area_km2(out, out_len);
  if (fabs(got / want - 1) > 0.01)
    fail_msg("%.1f km2, want %.1f", got, want);
  /* Both halves are the same size: the buffer is not shifted across 180. */
  GEOSGeometry *gg = geos_read(out, out_len);
  double a0, a1;
  assert_int_equal(GEOSArea_r(geos, GEOSGetGeometryN_r(geos, gg, 0), &a0), 1);
  assert_int_equal(GEOSArea_r(geos, GEOSGetGeometryN_r(geos, gg, 1), &a1), 1);
  assert_true(fabs(a0 - a1) < 1e-3 * a0);
  GEOSGeom_destroy_r(geos, gg);
  free(in);
  free(out);
}

static void test_polygon_across_the_antimeridian(void **state)
{
  (void)state;
  /* Two degrees square on the equator, cut at 180: buffered as one polygon. */
  size_t len, out_len;
  unsigned char *in = wkt("MULTIPOLYGON (((179 -1, 180 -1, 180 1, 179 1, 179 -1)), "
                          "((-180 -1, -179 -1, -179 1, -180 1, -180 -1)))", &len);
  static const double square[][2] = {{179, -1}, {181, -1}, {181, 1}, {179, 1}};
  double area, perim;
  ring_area_perimeter(square, 4, &area, &perim);
  unsigned char *out = buffer_km(in, len, 10, &out_len);
  assert_int_equal(num_parts(out, out_len), 2);
  double want = area + perim * 10 + PI * 100, got = area_km2(out, out_len);
  if (fabs(got / want - 1) > 0.01)
    fail_msg("outwards: %.1f km2, want %.1f", got, want);
  free(out);
  /*
   * Inwards the square shrinks as a whole, 10 km from its outline and not
   * from the cut: 202.6 by 201.1 km rather than two pieces 91.3 km wide.
   */
  out = buffer_km(in, len, -10, &out_len);
  assert_int_equal(num_parts(out, out_len), 2);
  want = (2 * 111.3195 - 20) * (2 * 110.5743 - 20);
  got = area_km2(out, out_len);
  if (fabs(got / want - 1) > 0.01)
    fail_msg("inwards: %.1f km2, want %.1f", got, want);
  free(out);
  free(in);
}

static void test_line_round_a_pole(void **state)
{
  (void)state;
  /* A quarter of the parallel 89N, 112 km from the pole: 150 km round it holds the pole. */
  size_t len, out_len;
  unsigned char *in = wkt("LINESTRING (0 89, 90 89)", &len);
  unsigned char *out = buffer_km(in, len, 150, &out_len);
  double env[4];
  assert_int_equal(om_wkb_envelope(out, out_len, env), 0);
  assert_true(env[0] == -180 && env[2] == 180 && env[3] == 90);
  double a = area_km2(out, out_len);
  assert_true(a > PI * 150 * 150 && a < PI * (112 + 150) * (112 + 150));
  free(in);
  free(out);

  /* A short line near the pole whose buffer holds it and wiggles round it. */
  in = wkt("LINESTRING (114.95017537050815 88.661600519745178, "
           "97.599960997516277 88.204284062894644)", &len);
  out = buffer_km(in, len, 150.104, &out_len);
  assert_int_equal(om_wkb_envelope(out, out_len, env), 0);
  assert_true(env[3] == 90);
  free(in);
  free(out);
  /* A buffer whose arcs pass 100 km from the pole. */
  in = wkt("LINESTRING (175.928610022187 -87.583701249630423, "
           "171.80082376245784 -87.751335050958005)", &len);
  out = buffer_km(in, len, 300, &out_len);
  free(in);
  free(out);

  /* The cap south of 80S, as RFC 7946 draws it, grows by 100 km all round. */
  in = wkt("POLYGON ((-180 -90, 0 -90, 180 -90, 180 -80, 0 -80, -180 -80, -180 -90))", &len);
  unsigned char *thin = buffer_km(in, len, 0.001, &out_len);
  double cap = area_km2(thin, out_len);
  free(thin);
  out = buffer_km(in, len, 100, &out_len);
  assert_int_equal(om_wkb_envelope(out, out_len, env), 0);
  assert_true(env[0] == -180 && env[2] == 180 && env[1] == -90);
  assert_true(env[3] > -79.2 && env[3] < -79.0);
  /*
   * The band between 1,116 and 1,216 km from the pole: on the sphere of the
   * Gaussian radius at 80S, 2 pi R^2 (cos(rho1/R) - cos(rho2/R)), which is
   * the parallel's 6,982 km times 100 km and 4% more, as circles round the
   * pole grow outwards.
   */
  double band = area_km2(out, out_len) - cap, rho1;
  geod_inverse(&g, -90, 0, -80, 0, &rho1, NULL, NULL);
  rho1 /= 1000;
  double e2 = 1 / 298.257223563 * (2 - 1 / 298.257223563), s80 = sin(80 * PI / 180);
  double w = sqrt(1 - e2 * s80 * s80);
  double R = 6378.137 * sqrt(1 - e2) / (w * w);
  double want = 2 * PI * R * R * (cos(rho1 / R) - cos((rho1 + 100) / R));
  if (fabs(band / want - 1) > 0.01)
    fail_msg("band of %.0f km2, want %.0f", band, want);
  free(in);
  free(out);

  /* A square round the south pole, closed and cut as om_geodesic_rfc7946 does. */
  in = wkt("POLYGON ((-140.870274 -89.30866, 140.870274 -89.30866, 52.374937 -89.44915, "
           "-52.374937 -89.44915, -140.870274 -89.30866))", &len);
  unsigned char *cut = NULL;
  size_t cut_len;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_geodesic_rfc7946(&cut, &cut_len, in, len, &d), 0);
  out = buffer_km(cut, cut_len, 209.275, &out_len);
  GEOSGeometry *gg = geos_read(out, out_len);
  for (int i = 0; i < GEOSGetNumGeometries_r(geos, gg); i++)
    assert_int_equal(GEOSGetNumInteriorRings_r(geos, GEOSGetGeometryN_r(geos, gg, i)), 0);
  GEOSGeom_destroy_r(geos, gg);
  free(in);
  free(cut);
  free(out);
}

/* ---- Refusals -------------------------------------------------------------------- */

static void expect_refusal_wkb(const unsigned char *in, size_t len, double r, int want,
                               const char *needle)
{
  size_t out_len = 7;
  unsigned char *out = (unsigned char *)"untouched";
  struct om_diag d;
  om_diag_init(&d);
  int rc = om_buffer_km(&out, &out_len, in, len, r, &d);
  if (rc != want)
    fail_msg("by %g: got %d (%s), want %d", r, rc, d.msg, want);
  assert_null(out);
  assert_int_equal(out_len, 0);
  if (!strstr(d.msg, needle))
    fail_msg("'%s' lacks '%s'", d.msg, needle);
}

static void expect_refusal(const char *text, double r, int want, const char *needle)
{
  size_t len;
  unsigned char *in = wkt(text, &len);
  expect_refusal_wkb(in, len, r, want, needle);
  free(in);
}

static void test_refusals(void **state)
{
  (void)state;
  expect_refusal("LINESTRING (0 0, 40 0)", 10, OM_REASON_GEOMETRY_INVALID, "2236 km");
  expect_refusal("LINESTRING (0 0, 28 0)", 10, OM_REASON_GEOMETRY_INVALID, "1500 km");
  expect_refusal("POINT (1 2)", NAN, OM_REASON_NOT_FINITE, "radius");
  expect_refusal("POINT (1 2)", 0, OM_REASON_GEOMETRY_EMPTY, "empty");
  unsigned char empty[21];
  om_wkb_point(empty, NAN, NAN);
  expect_refusal_wkb(empty, sizeof empty, 10, OM_REASON_GEOMETRY_EMPTY, "empty");
  expect_refusal("LINESTRING (0 0, 1 1)", 0, OM_REASON_GEOMETRY_EMPTY, "empty");
  expect_refusal("LINESTRING (0 0, 1 95)", 10, OM_REASON_LAT_RANGE, "longitude/latitude");
  expect_refusal("POINT (0 95)", 10, OM_REASON_LAT_RANGE, "latitude 95");
  expect_refusal_wkb(empty, 20, 10, OM_REASON_GEOMETRY_INVALID, "malformed");
  /* A lesser line is fine. */
  size_t len, out_len;
  unsigned char *in = wkt("LINESTRING (0 0, 20 0)", &len);
  unsigned char *out = buffer_km(in, len, 100, &out_len);
  free(in);
  free(out);
}

/* ---- Threads --------------------------------------------------------------------- */

/* Buffer a point many times and store the area; each thread uses its own GEOS context. */
static void *buffer_worker(void *arg)
{
  double *area = arg;
  unsigned char *in = NULL;
  size_t len = 0;
  char detail[64];
  if (om_geom_from_wkt(&in, &len, "LINESTRING (31.2 39.6, 31.5 39.7)", detail,
                       sizeof detail) != OM_REASON_NONE)
    return NULL;
  for (int i = 0; i < 50; i++) {
    struct om_diag d;
    om_diag_init(&d);
    unsigned char *out = NULL;
    size_t out_len = 0;
    if (om_buffer_km(&out, &out_len, in, len, 10, &d) != 0 ||
        om_geodesic_area_km2(area, out, out_len) != 0)
      *area = -1;
    free(out);
    if (*area < 0)
      break;
  }
  free(in);
  return NULL;
}

static void test_threads(void **state)
{
  (void)state;
  pthread_t t[4];
  double areas[4] = {0};
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&t[i], NULL, buffer_worker, &areas[i]), 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_join(t[i], NULL), 0);
  for (int i = 0; i < 4; i++)
    assert_true(areas[i] > 0 && areas[i] == areas[0]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_planar_buffer),
    cmocka_unit_test(test_planar_densify),
    cmocka_unit_test(test_point_same_km2_at_every_latitude),
    cmocka_unit_test(test_point_across_the_antimeridian),
    cmocka_unit_test(test_polygon_steiner),
    cmocka_unit_test(test_line_across_the_antimeridian),
    cmocka_unit_test(test_polygon_across_the_antimeridian),
    cmocka_unit_test(test_line_round_a_pole),
    cmocka_unit_test(test_refusals),
    cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
