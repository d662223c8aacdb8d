/*
 * Geodesic distances, lines, circles, areas and the azimuthal equidistant
 * projection on WGS 84.
 *
 * Reference distances were computed once with an independent Vincenty
 * inverse (Python, 1e-13 rad convergence), and agree with PROJ's
 * "geod +ellps=WGS84 -I" to 1 mm, e.g.
 *   echo "39.6869 31.2056 38.8951 -77.0364" | geod +ellps=WGS84 -I +units=m -f %.4f
 *   -> -49.1436  48.4071  8657690.061
 * Closed forms: one degree of the equator is a*pi/180 = 111.3194908 km;
 * the quarter meridian is 10,001.9657293 km (Helmert's series); the
 * ellipsoid's surface is 510,065,621.724088 km^2, so the octant bounded by
 * the equator and two meridians 90 degrees apart is 63,758,202.715511 km^2.
 * Lines are checked against PROJ's geod_inverse directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <geodesic.h>
#include <geos_c.h>
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "geom/geom.h"

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

/* ---- Reading results ------------------------------------------------------- */

/* One coordinate sequence of a result: a line, a part or a ring. */
struct seq {
  int geom;             /* index of the LineString or Polygon it belongs to */
  int ring;             /* ring number within a polygon, 0 for lines */
  size_t n;             /* vertices */
  const unsigned char *xy; /* n little-endian x, y pairs */
};

static uint32_t le32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double lef64(const unsigned char *p)
{
  uint64_t u = 0;
  for (int i = 0; i < 8; i++)
    u |= (uint64_t)p[i] << (8 * i);
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

static double sx(const struct seq *s, size_t i) { return lef64(s->xy + 16 * i); }
static double sy(const struct seq *s, size_t i) { return lef64(s->xy + 16 * i + 8); }

/* The sequences of a little-endian LineString, Polygon or Multi* of them; their count. */
static size_t read_seqs(const unsigned char *wkb, size_t len, struct seq *out, size_t max)
{
  size_t pos = 0, k = 0;
  assert_int_equal(wkb[0], 1);
  uint32_t type = le32(wkb + 1);
  uint32_t ngeoms = 1;
  if (type == OM_WKB_MULTILINESTRING || type == OM_WKB_MULTIPOLYGON) {
    ngeoms = le32(wkb + 5);
    pos = 9;
  }
  for (uint32_t gi = 0; gi < ngeoms; gi++) {
    assert_int_equal(wkb[pos], 1);
    uint32_t t = le32(wkb + pos + 1);
    pos += 5;
    uint32_t nrings = 1;
    if (t == OM_WKB_POLYGON) {
      nrings = le32(wkb + pos);
      pos += 4;
    } else {
      assert_int_equal(t, OM_WKB_LINESTRING);
    }
    for (uint32_t r = 0; r < nrings; r++) {
      assert_true(k < max);
      out[k] = (struct seq){(int)gi, (int)r, le32(wkb + pos), wkb + pos + 4};
      pos += 4 + 16 * (size_t)out[k].n;
      k++;
    }
  }
  assert_int_equal(pos, len);
  return k;
}

static int is_valid(const unsigned char *wkb, size_t len)
{
  GEOSWKBReader *r = GEOSWKBReader_create_r(geos);
  GEOSGeometry *gg = GEOSWKBReader_read_r(geos, r, wkb, len);
  assert_non_null(gg);
  int valid = GEOSisValid_r(geos, gg);
  GEOSGeom_destroy_r(geos, gg);
  GEOSWKBReader_destroy_r(geos, r);
  return valid;
}

static double dist_m(double lon1, double lat1, double lon2, double lat2)
{
  double s;
  geod_inverse(&g, lat1, lon1, lat2, lon2, &s, NULL, NULL);
  return s;
}

static double area_km2(const unsigned char *wkb, size_t len)
{
  double a = -1;
  assert_int_equal(om_geodesic_area_km2(&a, wkb, len), 0);
  return a;
}

/*
 * Area of a small geodesic circle of radius r km centred at latitude lat:
 * the cap on the sphere whose radius is the ellipsoid's Gaussian radius of
 * curvature sqrt(M N) there.  A small geodesic circle's area depends on
 * the surface only through the Gaussian curvature K at its centre, to
 * order r^4 (Bertrand-Diguet-Puiseux: pi r^2 - pi K r^4 / 12), and that
 * cap has the same K.  The authalic sphere's cap differs from it by under
 * 1e-5 at 100 km.
 */
static double cap_km2(double lat, double r)
{
  double a = 6378.137, f = 1 / 298.257223563, e2 = f * (2 - f);
  double s = sin(lat * PI / 180), w = sqrt(1 - e2 * s * s);
  double m = a * (1 - e2) / (w * w * w), n = a / w, R = sqrt(m * n);
  return 2 * PI * R * R * (1 - cos(r / R));
}

/* ---- Distance --------------------------------------------------------------- */

static void test_distance_references(void **state)
{
  (void)state;
  static const struct {
    double lon1, lat1, lon2, lat2, km;
  } cases[] = {
    {31.2056, 39.6869, -77.0364, 38.8951, 8657.6900612},    /* Beylikova - Washington */
    {-73.7781, 40.6413, -0.4543, 51.4700, 5554.9087906},    /* JFK - LHR */
    {139.69, 35.69, -122.42, 37.77, 8289.8853813},          /* Tokyo - San Francisco */
    {-73.78, 40.64, 103.99, 1.36, 15347.5129405},           /* JFK - Changi */
    {0, 10, 179, -9.5, 19903.3986027},                      /* nearly antipodal */
    {0, 0, 1, 0, 111.3194908},                              /* a degree of the equator */
    {0, 0, 0, 90, 10001.9657293},                           /* quarter meridian */
    {0, 0, 180, 0, 20003.9314586},                          /* antipodal: over a pole */
    {0, 0, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double km = om_geodesic_distance_km(cases[i].lon1, cases[i].lat1, cases[i].lon2,
                                        cases[i].lat2);
    if (fabs(km - cases[i].km) > 1e-6)
      fail_msg("case %zu: %.7f km, want %.7f km", i, km, cases[i].km);
    double back = om_geodesic_distance_km(cases[i].lon2, cases[i].lat2, cases[i].lon1,
                                          cases[i].lat1);
    assert_true(fabs(back - km) < 1e-9);
  }
  /* The published figure for JFK - Heathrow. */
  assert_true(fabs(om_geodesic_distance_km(-73.7781, 40.6413, -0.4543, 51.47) - 5555) < 5);
  /* Longitudes out of [-180, 180] are the same meridians. */
  assert_true(fabs(om_geodesic_distance_km(360, 0, 361, 0) - 111.3194908) < 1e-6);
}

static void test_distance_bad_input(void **state)
{
  (void)state;
  assert_true(isnan(om_geodesic_distance_km(0, 91, 0, 0)));
  assert_true(isnan(om_geodesic_distance_km(0, 0, 0, -90.5)));
  assert_true(isnan(om_geodesic_distance_km(NAN, 0, 0, 0)));
  assert_true(isnan(om_geodesic_distance_km(0, 0, INFINITY, 0)));
}

/* ---- Lines ------------------------------------------------------------------ */

/*
 * Every vertex of every part lies on the geodesic from 1 to 2: its offset
 * across the line, distance from 1 times the sine of the azimuth error
 * (an upper bound, since the reduced length is below the distance), is
 * under 1 m, and it lies between the ends.  Consecutive vertices are at
 * most step_km apart and the parts add up to the whole length.
 */
static void check_on_geodesic(const struct seq *s, size_t nseq, double lon1, double lat1,
                              double lon2, double lat2, double step_km)
{
  double total, azi0;
  geod_inverse(&g, lat1, lon1, lat2, lon2, &total, &azi0, NULL);
  double sum = 0;
  for (size_t k = 0; k < nseq; k++) {
    for (size_t i = 0; i < s[k].n; i++) {
      double x = sx(&s[k], i), y = sy(&s[k], i);
      assert_true(x >= -180 && x <= 180 && y >= -90 && y <= 90);
      double d1, azi;
      geod_inverse(&g, lat1, lon1, y, x, &d1, &azi, NULL);
      double offset = d1 * fabs(sin((azi - azi0) * PI / 180));
      if (d1 > 0 && offset > 1)
        fail_msg("vertex %zu of part %zu (%.9f, %.9f) is %.3f m off the geodesic", i, k, x, y,
                 offset);
      assert_true(d1 + dist_m(x, y, lon2, lat2) - total < 1e-3);
      if (i > 0) {
        double seg = dist_m(sx(&s[k], i - 1), sy(&s[k], i - 1), x, y);
        if (seg > step_km * 1000 + 1e-6)
          fail_msg("segment %zu of part %zu is %.3f km, more than the step", i, k, seg / 1000);
        sum += seg;
      }
    }
  }
  if (fabs(sum - total) > total * 0.001)
    fail_msg("segments add up to %.3f km, the geodesic is %.3f km", sum / 1000, total / 1000);
  /* Sampled on the geodesic itself, the sum is exact but for rounding. */
  assert_true(fabs(sum - total) < 1e-3);
}

static unsigned char *line(double lon1, double lat1, double lon2, double lat2, double step,
                           size_t *len)
{
  struct om_diag d;
  om_diag_init(&d);
  unsigned char *out = NULL;
  int rc = om_geodesic_line(&out, len, lon1, lat1, lon2, lat2, step, &d);
  if (rc != 0)
    fail_msg("om_geodesic_line: %d %s", rc, d.msg);
  assert_non_null(out);
  return out;
}

static void test_line_tokyo_san_francisco(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb = line(139.69, 35.69, -122.42, 37.77, 100, &len);
  assert_int_equal(om_wkb_type(wkb, len), OM_WKB_MULTILINESTRING);
  struct seq s[4];
  assert_int_equal(read_seqs(wkb, len, s, 4), 2);
  /* The ends as given. */
  assert_true(sx(&s[0], 0) == 139.69 && sy(&s[0], 0) == 35.69);
  assert_true(sx(&s[1], s[1].n - 1) == -122.42 && sy(&s[1], s[1].n - 1) == 37.77);
  /* Eastwards: the first part ends at +180, the second starts at -180, same latitude. */
  assert_true(sx(&s[0], s[0].n - 1) == 180);
  assert_true(sx(&s[1], 0) == -180);
  assert_true(sy(&s[0], s[0].n - 1) == sy(&s[1], 0));
  assert_true(sy(&s[0], s[0].n - 1) > 45 && sy(&s[0], s[0].n - 1) < 50);
  /* 8,290 km at 100 km a step: 83 segments and the crossing. */
  assert_int_equal(s[0].n + s[1].n, 84 + 2);
  check_on_geodesic(s, 2, 139.69, 35.69, -122.42, 37.77, 100);
  assert_int_equal(is_valid(wkb, len), 1);
  free(wkb);
}

static void test_line_westwards(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb = line(-122.42, 37.77, 139.69, 35.69, 250, &len);
  struct seq s[4];
  assert_int_equal(read_seqs(wkb, len, s, 4), 2);
  assert_true(sx(&s[0], s[0].n - 1) == -180);
  assert_true(sx(&s[1], 0) == 180);
  assert_true(sy(&s[0], s[0].n - 1) == sy(&s[1], 0));
  check_on_geodesic(s, 2, -122.42, 37.77, 139.69, 35.69, 250);
  free(wkb);

  /* Along the equator the crossing is at latitude 0. */
  wkb = line(170, 0, -170, 0, 1000, &len);
  assert_int_equal(read_seqs(wkb, len, s, 4), 2);
  assert_true(sx(&s[0], s[0].n - 1) == 180 && sy(&s[0], s[0].n - 1) == 0);
  assert_true(sx(&s[1], 0) == -180 && sy(&s[1], 0) == 0);
  check_on_geodesic(s, 2, 170, 0, -170, 0, 1000);
  free(wkb);
}

static void test_line_no_crossing(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb = line(31.2056, 39.6869, -77.0364, 38.8951, 50, &len);
  assert_int_equal(om_wkb_type(wkb, len), OM_WKB_LINESTRING);
  struct seq s[2];
  assert_int_equal(read_seqs(wkb, len, s, 2), 1);
  assert_int_equal(s[0].n, 175); /* ceil(8657.69 / 50) segments */
  assert_true(sx(&s[0], 0) == 31.2056 && sy(&s[0], s[0].n - 1) == 38.8951);
  check_on_geodesic(s, 1, 31.2056, 39.6869, -77.0364, 38.8951, 50);

  /* A step longer than the line: just the two ends. */
  free(wkb);
  wkb = line(31.2056, 39.6869, 31.3833, 39.6333, 1000, &len);
  assert_int_equal(read_seqs(wkb, len, s, 2), 1);
  assert_int_equal(s[0].n, 2);
  free(wkb);
}

static void test_line_on_the_antimeridian(void **state)
{
  (void)state;
  size_t len;
  struct seq s[4];
  /* Starting on it and going east: the start is written as -180, no cut. */
  unsigned char *wkb = line(180, 10, -170, 12, 100, &len);
  assert_int_equal(read_seqs(wkb, len, s, 4), 1);
  assert_true(sx(&s[0], 0) == -180 && sy(&s[0], 0) == 10);
  check_on_geodesic(s, 1, 180, 10, -170, 12, 100);
  free(wkb);
  /* Ending on it from the west: written as +180. */
  wkb = line(170, 10, -180, 12, 100, &len);
  assert_int_equal(read_seqs(wkb, len, s, 4), 1);
  assert_true(sx(&s[0], s[0].n - 1) == 180 && sy(&s[0], s[0].n - 1) == 12);
  free(wkb);
  /* Along it. */
  wkb = line(180, 10, -180, 40, 100, &len);
  assert_int_equal(read_seqs(wkb, len, s, 4), 1);
  for (size_t i = 0; i < s[0].n; i++)
    assert_true(sx(&s[0], i) == 180);
  free(wkb);
}

static void test_line_over_a_pole(void **state)
{
  (void)state;
  size_t len;
  struct seq s[2];
  /* Opposite meridians: up one, along the pole, down the other. */
  unsigned char *wkb = line(10, 80, -170, 75, 100, &len);
  assert_int_equal(read_seqs(wkb, len, s, 2), 1);
  size_t at = 0;
  while (at < s[0].n && sy(&s[0], at) != 90)
    assert_true(sx(&s[0], at++) == 10);
  assert_true(at < s[0].n - 1);
  assert_true(sx(&s[0], at) == 10 && sx(&s[0], at + 1) == -170 && sy(&s[0], at + 1) == 90);
  for (size_t i = at + 1; i < s[0].n; i++)
    assert_true(sx(&s[0], i) == -170);
  double sum = 0;
  for (size_t i = 1; i < s[0].n; i++) {
    double seg = dist_m(sx(&s[0], i - 1), sy(&s[0], i - 1), sx(&s[0], i), sy(&s[0], i));
    assert_true(seg <= 100e3 + 1e-6);
    sum += seg;
  }
  assert_true(fabs(sum - dist_m(10, 80, -170, 75)) < 1e-3);
  free(wkb);

  /* From the north pole: the pole takes the meridian's longitude. */
  wkb = line(0, 90, 30, 60, 500, &len);
  assert_int_equal(read_seqs(wkb, len, s, 2), 1);
  assert_true(sx(&s[0], 0) == 30 && sy(&s[0], 0) == 90);
  for (size_t i = 0; i < s[0].n; i++)
    assert_true(sx(&s[0], i) == 30);
  assert_true(sy(&s[0], s[0].n - 1) == 60);
  free(wkb);

  /* Antipodal on the equator: the geodesic is meridional. */
  wkb = line(0, 0, 180, 0, 5000, &len);
  assert_int_equal(read_seqs(wkb, len, s, 2), 1);
  assert_true(fabs(sy(&s[0], 2)) == 90 || fabs(sy(&s[0], 3)) == 90);
  free(wkb);
}

static void expect_line_error(double lon1, double lat1, double lon2, double lat2, double step,
                              int want, const char *needle)
{
  struct om_diag d;
  om_diag_init(&d);
  unsigned char *out = (unsigned char *)"untouched";
  size_t len = 99;
  int rc = om_geodesic_line(&out, &len, lon1, lat1, lon2, lat2, step, &d);
  if (rc != want)
    fail_msg("got %d (%s), want %d", rc, d.msg, want);
  assert_null(out);
  assert_int_equal(len, 0);
  if (needle && !strstr(d.msg, needle))
    fail_msg("'%s' lacks '%s'", d.msg, needle);
}

static void test_line_errors(void **state)
{
  (void)state;
  expect_line_error(31.2, 39.6, 31.2, 39.6, 10, OM_REASON_GEOMETRY_INVALID, "two distinct");
  expect_line_error(10, 90, 50, 90, 10, OM_REASON_GEOMETRY_INVALID, "two distinct");
  expect_line_error(180, 0, -180, 0, 10, OM_REASON_GEOMETRY_INVALID, "two distinct");
  expect_line_error(0, 91, 1, 0, 10, OM_REASON_LAT_RANGE, "start's latitude 91");
  expect_line_error(0, 0, 1, -95, 10, OM_REASON_LAT_RANGE, "end's latitude -95");
  expect_line_error(NAN, 0, 1, 0, 10, OM_REASON_NOT_FINITE, "start");
  expect_line_error(0, 0, 1, 0, 0, OM_EUSAGE, "positive");
  expect_line_error(0, 0, 1, 0, -5, OM_EUSAGE, "positive");
  expect_line_error(0, 0, 1, 0, NAN, OM_EUSAGE, "positive");
  expect_line_error(0, 0, 100, 0, 0.001, OM_EUSAGE, "too small");
}

/* ---- Circles ---------------------------------------------------------------- */

static unsigned char *circle(double lon, double lat, double r, int n, size_t *len)
{
  struct om_diag d;
  om_diag_init(&d);
  unsigned char *out = NULL;
  int rc = om_geodesic_circle(&out, len, lon, lat, r, n, &d);
  if (rc != 0)
    fail_msg("om_geodesic_circle: %d %s", rc, d.msg);
  return out;
}

static void test_circle_area_at_any_latitude(void **state)
{
  (void)state;
  size_t len0, len70;
  unsigned char *c0 = circle(0, 0, 100, 64, &len0);
  unsigned char *c70 = circle(31.2, 70, 100, 64, &len70);
  assert_int_equal(om_wkb_type(c0, len0), OM_WKB_POLYGON);
  assert_int_equal(om_wkb_type(c70, len70), OM_WKB_POLYGON);
  double a0 = area_km2(c0, len0), a70 = area_km2(c70, len70);
  double ref0 = cap_km2(0, 100), ref70 = cap_km2(70, 100);
  /* An inscribed 64-gon has 0.16% less area than its circle. */
  if (fabs(a0 / ref0 - 1) > 0.005 || fabs(a70 / ref70 - 1) > 0.005)
    fail_msg("areas %.2f and %.2f km2, references %.2f and %.2f", a0, a70, ref0, ref70);
  assert_true(a0 < ref0 && a70 < ref70);
  assert_true(fabs(a70 / a0 - 1) < 0.005);
  /* In degrees the circle at 70N is about 2.9 times wider than tall. */
  double env[4];
  assert_int_equal(om_wkb_envelope(c70, len70, env), 0);
  assert_true((env[2] - env[0]) / (env[3] - env[1]) > 2.8);
  /* Counter-clockwise, as RFC 7946 wants. */
  assert_int_equal(is_valid(c70, len70), 1);
  struct seq s[2];
  assert_int_equal(read_seqs(c70, len70, s, 2), 1);
  double twice = 0;
  for (size_t i = 0; i + 1 < s[0].n; i++)
    twice += sx(&s[0], i) * sy(&s[0], i + 1) - sx(&s[0], i + 1) * sy(&s[0], i);
  assert_true(twice > 0);
  free(c0);
  free(c70);
}

static void test_circle_vertices_at_radius(void **state)
{
  (void)state;
  static const double centres[][2] = {{0, 0}, {31.2056, 39.6869}, {-70, -75}, {100, 70}};
  for (size_t c = 0; c < 4; c++) {
    size_t len;
    unsigned char *wkb = circle(centres[c][0], centres[c][1], 100, 64, &len);
    struct seq s[2];
    assert_int_equal(read_seqs(wkb, len, s, 2), 1);
    assert_int_equal(s[0].n, 65);
    assert_true(sx(&s[0], 0) == sx(&s[0], 64) && sy(&s[0], 0) == sy(&s[0], 64));
    for (size_t i = 0; i < s[0].n; i++) {
      double r = dist_m(centres[c][0], centres[c][1], sx(&s[0], i), sy(&s[0], i));
      if (fabs(r - 100e3) > 100) /* 0.1% */
        fail_msg("vertex %zu is %.3f km from the centre", i, r / 1000);
      assert_true(fabs(r - 100e3) < 1e-6);
    }
    free(wkb);
  }
}

static void test_circle_across_the_antimeridian(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb = circle(179.9, 10, 100, 64, &len);
  assert_int_equal(om_wkb_type(wkb, len), OM_WKB_MULTIPOLYGON);
  struct seq s[4];
  assert_int_equal(read_seqs(wkb, len, s, 4), 2);
  double env[4];
  assert_int_equal(om_wkb_envelope(wkb, len, env), 0);
  assert_true(env[0] == -180 && env[2] == 180);
  assert_int_equal(is_valid(wkb, len), 1);
  double a = area_km2(wkb, len);
  assert_true(fabs(a / cap_km2(10, 100) - 1) < 0.005);
  free(wkb);

  /* Starting and ending just east of the antimeridian, every n. */
  for (int n = 8; n <= 64; n++) {
    wkb = circle(-179.65, 8.25244, 1505.33, n, &len);
    assert_int_equal(om_wkb_type(wkb, len), OM_WKB_MULTIPOLYGON);
    assert_int_equal(is_valid(wkb, len), 1);
    free(wkb);
  }
}

static void check_pole_circle(double lon, double lat, double r)
{
  size_t len;
  unsigned char *wkb = circle(lon, lat, r, 256, &len);
  assert_int_equal(is_valid(wkb, len), 1);
  double env[4];
  assert_int_equal(om_wkb_envelope(wkb, len, env), 0);
  assert_true(env[0] == -180 && env[2] == 180);
  assert_true(lat > 0 ? env[3] == 90 : env[1] == -90);
  double a = area_km2(wkb, len), ref = cap_km2(lat, r);
  if (fabs(a / ref - 1) > 0.005)
    fail_msg("pole circle at %g, %g: %.1f km2, reference %.1f", lon, lat, a, ref);
  free(wkb);
}

static void test_circle_round_a_pole(void **state)
{
  (void)state;
  check_pole_circle(0, 89.5, 200);
  check_pole_circle(-60, -88, 500);
  check_pole_circle(170, 85, 1000);
  check_pole_circle(0, 90, 100); /* centred on it */
}

static void expect_circle_error(double lon, double lat, double r, int n, int want)
{
  struct om_diag d;
  om_diag_init(&d);
  unsigned char *out = NULL;
  size_t len = 0;
  int rc = om_geodesic_circle(&out, &len, lon, lat, r, n, &d);
  if (rc != want)
    fail_msg("got %d (%s), want %d", rc, d.msg, want);
  assert_null(out);
  assert_true(d.msg[0] != '\0');
}

static void test_circle_errors(void **state)
{
  (void)state;
  expect_circle_error(0, 0, 0, 64, OM_REASON_GEOMETRY_EMPTY);
  expect_circle_error(0, 0, -3, 64, OM_REASON_GEOMETRY_EMPTY);
  expect_circle_error(0, 0, NAN, 64, OM_REASON_NOT_FINITE);
  expect_circle_error(0, 0, 10001, 64, OM_REASON_GEOMETRY_INVALID);
  expect_circle_error(0, 95, 10, 64, OM_REASON_LAT_RANGE);
  expect_circle_error(INFINITY, 0, 10, 64, OM_REASON_NOT_FINITE);
  expect_circle_error(0, 0, 10, 2, OM_EUSAGE);
}

/* ---- Areas -------------------------------------------------------------------- */

static unsigned char *wkt(const char *text, size_t *len)
{
  unsigned char *wkb = NULL;
  char detail[256];
  assert_int_equal(om_geom_from_wkt(&wkb, len, text, detail, sizeof detail), OM_REASON_NONE);
  return wkb;
}

static double wkt_area(const char *text)
{
  size_t len;
  unsigned char *wkb = wkt(text, &len);
  double a = area_km2(wkb, len);
  free(wkb);
  return a;
}

#define OCTANT_KM2 63758202.715511

static void test_area(void **state)
{
  (void)state;
  /* Edges along the equator and two meridians: geodesics, so the octant exactly. */
  assert_true(fabs(wkt_area("POLYGON ((0 0, 90 0, 0 90, 0 0))") - OCTANT_KM2) < 1e-3);
  assert_true(fabs(wkt_area("POLYGON ((0 0, 0 90, 90 0, 0 0))") - OCTANT_KM2) < 1e-3);
  assert_true(fabs(wkt_area("MULTIPOLYGON (((0 0, 90 0, 0 90, 0 0)), "
                            "((0 0, 0 -90, 90 0, 0 0)))") - 2 * OCTANT_KM2) < 1e-3);
  double hole = wkt_area("POLYGON ((10 10, 20 10, 10 20, 10 10))");
  assert_true(hole > 1e5 && hole < 1e6);
  double holed = wkt_area("POLYGON ((0 0, 90 0, 0 90, 0 0), (10 10, 20 10, 10 20, 10 10))");
  assert_true(fabs(holed - (OCTANT_KM2 - hole)) < 1e-3);
  assert_true(wkt_area("POINT (1 2)") == 0);
  assert_true(wkt_area("LINESTRING (1 2, 3 4)") == 0);
  assert_true(fabs(wkt_area("GEOMETRYCOLLECTION (POINT (1 2), "
                            "POLYGON ((0 0, 90 0, 0 90, 0 0)))") - OCTANT_KM2) < 1e-3);

  /* Big-endian WKB reads the same. */
  static const unsigned char be[] = {
    0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,             /* 0 0 */
    0x40, 0x56, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    /* 90 0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x56, 0x80, 0, 0, 0, 0, 0,    /* 0 90 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,             /* 0 0 */
  };
  assert_true(fabs(area_km2(be, sizeof be) - OCTANT_KM2) < 1e-3);

  double a = 5;
  static const unsigned char junk[] = {1, 3, 0, 0, 0, 1};
  assert_int_equal(om_geodesic_area_km2(&a, junk, sizeof junk), OM_REASON_GEOMETRY_INVALID);
  assert_true(a == 0);
  size_t len;
  unsigned char *wkb = wkt("POLYGON ((0 0, 1 0, 1 95, 0 0))", &len);
  assert_int_equal(om_geodesic_area_km2(&a, wkb, len), OM_REASON_LAT_RANGE);
  free(wkb);
}

/* ---- Rings round a pole --------------------------------------------------------- */

/* A ring round the south pole at latitude -80, eastwards or westwards, uncut. */
static unsigned char *south_ring(int east, size_t *len)
{
  char text[1024] = "POLYGON ((";
  for (int i = 0; i <= 12; i++) {
    int lon = east ? -180 + 30 * (i % 12) : 180 - 30 * (i % 12);
    char v[32];
    snprintf(v, sizeof v, "%s%d -80", i ? ", " : "", lon);
    strcat(text, v);
  }
  strcat(text, "))");
  return wkt(text, len);
}

static void test_rfc7946_round_a_pole(void **state)
{
  (void)state;
  double areas[2];
  for (int east = 0; east <= 1; east++) {
    size_t len, out_len;
    unsigned char *in = south_ring(east, &len), *out = NULL;
    struct om_diag d;
    om_diag_init(&d);
    int rc = om_geodesic_rfc7946(&out, &out_len, in, len, &d);
    if (rc != 0)
      fail_msg("%d %s", rc, d.msg);
    assert_int_equal(d.warnings, 0);
    assert_int_equal(is_valid(out, out_len), 1);
    double env[4];
    assert_int_equal(om_wkb_envelope(out, out_len, env), 0);
    assert_true(env[0] == -180 && env[2] == 180 && env[1] == -90 && env[3] == -80);
    areas[east] = area_km2(out, out_len);
    free(in);
    free(out);
  }
  assert_true(fabs(areas[0] - areas[1]) < 1e-3);
  /* South of -80 the cap is 3.9 million km^2; geodesic edges bulge towards the pole. */
  assert_true(areas[0] > 3.6e6 && areas[0] < 3.9e6);

  /* A hole round a pole has no meaning. */
  size_t len;
  unsigned char *in = wkt("POLYGON ((-180 -60, 0 -60, 180 -60, 180 -90, -180 -90, -180 -60), "
                          "(0 -80, 120 -80, -120 -80, 0 -80))", &len), *out = NULL;
  size_t out_len;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_geodesic_rfc7946(&out, &out_len, in, len, &d),
                   OM_REASON_GEOMETRY_INVALID);
  assert_non_null(strstr(d.msg, "hole"));
  assert_null(out);
  free(in);

  /* Anything else goes through om_geom_rfc7946 as it is. */
  in = wkt("LINESTRING (170 0, -170 0)", &len);
  assert_int_equal(om_geodesic_rfc7946(&out, &out_len, in, len, &d), 0);
  assert_int_equal(om_wkb_type(out, out_len), OM_WKB_MULTILINESTRING);
  free(in);
  free(out);
}

/* ---- Azimuthal equidistant -------------------------------------------------------- */

static void test_aeqd(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  struct om_aeqd *p = NULL;
  assert_int_equal(om_aeqd_new(&p, 31.2056, 39.6869, &d), 0);

  /* PROJ's own aeqd as the reference. */
  PJ_CONTEXT *ctx = proj_context_create();
  PJ *pj = proj_create(ctx, "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
                            "+step +proj=aeqd +lat_0=39.6869 +lon_0=31.2056 +ellps=WGS84");
  assert_non_null(pj);
  static const double pts[][2] = {
    {31.3833, 39.6333}, {32.8597, 39.9334}, {-77.0364, 38.8951}, {31.2056, 39.6869},
    {31.2056, 80}, {-150, -70}, {179.99, 10},
  };
  for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
    double x = pts[i][0], y = pts[i][1];
    assert_int_equal(om_aeqd_forward(p, &x, &y), OM_REASON_NONE);
    PJ_COORD c = proj_trans(pj, PJ_FWD, proj_coord(pts[i][0], pts[i][1], 0, 0));
    if (fabs(c.xy.x - x) > 1e-3 || fabs(c.xy.y - y) > 1e-3)
      fail_msg("point %zu: %.4f %.4f, PROJ says %.4f %.4f", i, x, y, c.xy.x, c.xy.y);
    /* Distances from the centre are exact. */
    double s = dist_m(31.2056, 39.6869, pts[i][0], pts[i][1]);
    assert_true(fabs(hypot(x, y) - s) < 1e-6);
    assert_int_equal(om_aeqd_inverse(p, &x, &y), OM_REASON_NONE);
    assert_true(fabs(x - pts[i][0]) < 1e-9 && fabs(y - pts[i][1]) < 1e-9);
  }
  proj_destroy(pj);
  proj_context_destroy(ctx);

  /* x east and y north. */
  double x = 31.3833, y = 39.6869;
  assert_int_equal(om_aeqd_forward(p, &x, &y), OM_REASON_NONE);
  assert_true(x > 15000 && x < 16000 && fabs(y) < 100);

  x = 0, y = 91;
  assert_int_equal(om_aeqd_forward(p, &x, &y), OM_REASON_LAT_RANGE);
  x = NAN, y = 0;
  assert_int_equal(om_aeqd_forward(p, &x, &y), OM_REASON_NOT_FINITE);
  assert_int_equal(om_aeqd_inverse(p, &x, &y), OM_REASON_NOT_FINITE);
  x = 2.1e7, y = 0;
  assert_int_equal(om_aeqd_inverse(p, &x, &y), OM_REASON_TRANSFORM_FAILED);
  om_aeqd_free(p);
  om_aeqd_free(NULL);

  assert_int_equal(om_aeqd_new(&p, 0, -91, &d), OM_REASON_LAT_RANGE);
  assert_null(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_distance_references),
    cmocka_unit_test(test_distance_bad_input),
    cmocka_unit_test(test_line_tokyo_san_francisco),
    cmocka_unit_test(test_line_westwards),
    cmocka_unit_test(test_line_no_crossing),
    cmocka_unit_test(test_line_on_the_antimeridian),
    cmocka_unit_test(test_line_over_a_pole),
    cmocka_unit_test(test_line_errors),
    cmocka_unit_test(test_circle_area_at_any_latitude),
    cmocka_unit_test(test_circle_vertices_at_radius),
    cmocka_unit_test(test_circle_across_the_antimeridian),
    cmocka_unit_test(test_circle_round_a_pole),
    cmocka_unit_test(test_circle_errors),
    cmocka_unit_test(test_area),
    cmocka_unit_test(test_rfc7946_round_a_pole),
    cmocka_unit_test(test_aeqd),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
