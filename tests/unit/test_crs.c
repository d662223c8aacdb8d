/*
 * Points in a source CRS come out as WGS 84 longitude/latitude that match
 * PROJ's own cs2cs, and points PROJ would transform silently to the wrong
 * place are rejected with a reason.
 *
 * Expected values were computed once with proj-bin 9.1.1, e.g.
 *   echo "346000 4395000" | cs2cs -d 10 EPSG:23036 EPSG:4326
 *   -> 39.6893003427 31.2037165809  (EPSG:1784, ED50 to WGS 84 (30), Türkiye)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crs/crs.h"

/* 1e-6 degrees is about 0.1 m: far below the ED50/WGS 84 difference (~185 m). */
#define DEG_EPS 1e-6

/* Near Beylikova, Eskişehir, in ED50 / UTM zone 36N. */
#define BEY_E 346000.0
#define BEY_N 4395000.0

/* The same UTM numbers read as ED50 (EPSG:23036) and as WGS 84 (EPSG:32636), from cs2cs. */
#define BEY_ED50_LON 31.2037165809
#define BEY_ED50_LAT 39.6893003427
#define BEY_WGS84_LON 31.2039951645
#define BEY_WGS84_LAT 39.6909647775

static struct om_crs *open_crs(const char *def)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_crs *c = NULL;
  int rc = om_crs_new(&c, def, &d);
  if (rc != 0)
    fail_msg("om_crs_new('%s'): %d %s", def, rc, d.msg);
  assert_non_null(c);
  return c;
}

static void check_point(struct om_crs *c, double x, double y, double want_lon, double want_lat)
{
  char detail[256];
  enum om_reason why = om_crs_to_wgs84(c, &x, &y, detail, sizeof detail);
  if (why != OM_REASON_NONE)
    fail_msg("%s: %s", om_reason_name(why), detail);
  if (fabs(x - want_lon) > DEG_EPS || fabs(y - want_lat) > DEG_EPS)
    fail_msg("got %.10f %.10f, want %.10f %.10f", x, y, want_lon, want_lat);
}

/* Expect 'want'; the point is left as it was; detail contains needle (if given). */
static void check_rejected(struct om_crs *c, double x, double y, enum om_reason want,
                           const char *needle)
{
  double x0 = x, y0 = y;
  char detail[256];
  enum om_reason why = om_crs_to_wgs84(c, &x, &y, detail, sizeof detail);
  if (why != want)
    fail_msg("got %s (%s), want %s", om_reason_name(why), detail, om_reason_name(want));
  assert_true(detail[0] != '\0');
  if (needle && !strstr(detail, needle))
    fail_msg("detail '%s' lacks '%s'", detail, needle);
  assert_memory_equal(&x, &x0, sizeof x);
  assert_memory_equal(&y, &y0, sizeof y);
}

/* Distance in metres between two nearby lon/lat points (equirectangular is enough here). */
static double metres_apart(double lon1, double lat1, double lon2, double lat2)
{
  const double r = 6371000, rad = M_PI / 180;
  double dx = (lon2 - lon1) * rad * cos((lat1 + lat2) / 2 * rad);
  double dy = (lat2 - lat1) * rad;
  return r * sqrt(dx * dx + dy * dy);
}

static void test_wgs84_passthrough(void **state)
{
  (void)state;
  const char *defs[] = {
    "EPSG:4326",
    "OGC:CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563]],"
    "PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]]",
  };
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
    struct om_crs *c = open_crs(defs[i]);
    assert_true(om_crs_is_wgs84(c));
    /* Longitude first in and out, bit for bit. */
    double x = 31.2056, y = 39.6869;
    char detail[64];
    assert_int_equal(om_crs_to_wgs84(c, &x, &y, detail, sizeof detail), OM_REASON_NONE);
    assert_true(x == 31.2056 && y == 39.6869);
    /* Ranges are the caller's: no transformation, no check. */
    x = 200, y = 95;
    assert_int_equal(om_crs_to_wgs84(c, &x, &y, detail, sizeof detail), OM_REASON_NONE);
    assert_true(x == 200 && y == 95);
    check_rejected(c, NAN, 39, OM_REASON_NOT_FINITE, "x");
    om_crs_free(c);
  }
}

static void test_ed50_utm36(void **state)
{
  (void)state;
  struct om_crs *c = open_crs("EPSG:23036");
  assert_false(om_crs_is_wgs84(c));
  check_point(c, BEY_E, BEY_N, BEY_ED50_LON, BEY_ED50_LAT);
  /* The same numbers as WGS 84 / UTM 36N land ~185 m away: the datum shift was applied. */
  double apart = metres_apart(BEY_ED50_LON, BEY_ED50_LAT, BEY_WGS84_LON, BEY_WGS84_LAT);
  assert_true(apart > 150 && apart < 220);
  om_crs_free(c);

  c = open_crs("EPSG:32636");
  check_point(c, BEY_E, BEY_N, BEY_WGS84_LON, BEY_WGS84_LAT);
  om_crs_free(c);
}

static void test_tm30_northing_first(void **state)
{
  (void)state;
  /*
   * EPSG:5254 TUREF / TM30 lists northing first; the caller still gives
   * easting first.  cs2cs EPSG:4326 EPSG:5254 of 39.6869 31.2056 gave
   * 4395459.9207 603420.9203, and back (cs2cs -d 10) 39.6869000003 31.2056000000.
   */
  struct om_crs *c = open_crs("EPSG:5254");
  check_point(c, 603420.9203, 4395459.9207, 31.2056000000, 39.6869000003);
  /* Given northing first by mistake, the point falls far outside Türkiye. */
  check_rejected(c, 4395459.9207, 603420.9203, OM_REASON_OUTSIDE_CRS_AREA, "TUREF / TM30");
  om_crs_free(c);
}

static void test_other_definitions(void **state)
{
  (void)state;
  /* A WKT without identifiers: PROJ finds ED50 by its datum, the area by identification. */
  struct om_crs *c = open_crs(
      "PROJCS[\"ED50 / UTM zone 36N\",GEOGCS[\"ED50\",DATUM[\"European_Datum_1950\","
      "SPHEROID[\"International 1924\",6378388,297]],PRIMEM[\"Greenwich\",0],"
      "UNIT[\"degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],"
      "PARAMETER[\"latitude_of_origin\",0],PARAMETER[\"central_meridian\",33],"
      "PARAMETER[\"scale_factor\",0.9996],PARAMETER[\"false_easting\",500000],"
      "PARAMETER[\"false_northing\",0],UNIT[\"metre\",1],AXIS[\"Easting\",EAST],"
      "AXIS[\"Northing\",NORTH]]");
  check_point(c, BEY_E, BEY_N, BEY_ED50_LON, BEY_ED50_LAT);
  check_rejected(c, 5000000, BEY_N, OM_REASON_OUTSIDE_CRS_AREA, "EPSG:23036");
  om_crs_free(c);

  /* A PROJ string, with the EPSG:1784 parameters as +towgs84. */
  c = open_crs("+proj=utm +zone=36 +ellps=intl "
               "+towgs84=-84.1,-101.8,-129.7,0,0,0.468,1.05 +units=m");
  check_point(c, BEY_E, BEY_N, BEY_ED50_LON, BEY_ED50_LAT);
  om_crs_free(c);

  /* Any AUTH:CODE: ED50 geographic, longitude first for the caller. */
  c = open_crs("EPSG:4230");
  assert_false(om_crs_is_wgs84(c));
  double lon = 31, lat = 39;
  char detail[128];
  assert_int_equal(om_crs_to_wgs84(c, &lon, &lat, detail, sizeof detail), OM_REASON_NONE);
  /* ED50 to WGS 84 in Türkiye moves a point by roughly 100 m to the south-west. */
  assert_true(lon < 31 && lon > 30.998 && lat < 39 && lat > 38.998);
  om_crs_free(c);
}

static void test_outside_area(void **state)
{
  (void)state;
  struct om_crs *c = open_crs("EPSG:23036");
  /* Easting 5,000,000 m transforms with no PROJ error, to 77.8E 30.5N. */
  check_rejected(c, 5000000, BEY_N, OM_REASON_OUTSIDE_CRS_AREA,
                 "EPSG:23036 ED50 / UTM zone 36N covers 30.00E to 36.00E, 29.19N to 84.70N; "
                 "the point is at 77.81E, 30.45N");
  check_rejected(c, 10000000, BEY_N, OM_REASON_OUTSIDE_CRS_AREA, "102.79E");
  check_rejected(c, -5000000, BEY_N, OM_REASON_OUTSIDE_CRS_AREA, "18.61W");
  /* A southern-hemisphere northing, as from a missing "S" zone letter. */
  check_rejected(c, BEY_E, -BEY_N, OM_REASON_OUTSIDE_CRS_AREA, "39.69S");
  /* Lat/lon given as if they were metres. */
  check_rejected(c, 31.2, 39.7, OM_REASON_OUTSIDE_CRS_AREA, NULL);
  /*
   * The margin: the zone starts at 30E; 29.05E (0.95 degrees out) passes,
   * 28.95E (1.05 degrees out) does not.  Inputs from cs2cs EPSG:4326 EPSG:23036.
   */
  double x = 157932.141, y = 4324388.398;
  char detail[256];
  assert_int_equal(om_crs_to_wgs84(c, &x, &y, detail, sizeof detail), OM_REASON_NONE);
  assert_true(fabs(x - 29.05) < 0.01 && fabs(y - 39) < 0.01);
  check_rejected(c, 149268.499, 4324769.679, OM_REASON_OUTSIDE_CRS_AREA, "28.95E");
  om_crs_free(c);

  /*
   * An area across the antimeridian: EPSG:3994 WGS 84 / Mercator 41 covers
   * 155E to 169.99W, 60S to 25S.  Eastings from cs2cs EPSG:4326 EPSG:3994.
   */
  c = open_crs("EPSG:3994");
  check_point(c, 6562544.439, -3656912.943, 178, -40);
  check_point(c, 7403896.290, -3656912.943, -172, -40);
  check_point(c, 4585367.589, -3656912.943, 154.5, -40); /* within the margin */
  check_rejected(c, 3365407.405, -3656912.943, OM_REASON_OUTSIDE_CRS_AREA,
                 "covers 155.00E to 169.99W, 60.00S to 25.00S; the point is at 140.00E");
  check_rejected(c, 8413518.511, -3656912.943, OM_REASON_OUTSIDE_CRS_AREA, "160.00W, 40.00S");
  om_crs_free(c);
}

static void test_not_finite(void **state)
{
  (void)state;
  struct om_crs *c = open_crs("EPSG:23036");
  check_rejected(c, NAN, BEY_N, OM_REASON_NOT_FINITE, "x is not finite");
  check_rejected(c, BEY_E, INFINITY, OM_REASON_NOT_FINITE, "y is not finite");
  check_rejected(c, -INFINITY, NAN, OM_REASON_NOT_FINITE, "x is not finite");
  /* The object is still usable afterwards. */
  check_point(c, BEY_E, BEY_N, BEY_ED50_LON, BEY_ED50_LAT);
  om_crs_free(c);
}

static void test_transform_failed(void **state)
{
  (void)state;
  struct om_crs *c = open_crs("EPSG:23036");
  /* Far beyond the projection's domain PROJ itself gives up (error 2050). */
  check_rejected(c, 1e12, BEY_N, OM_REASON_TRANSFORM_FAILED, "EPSG:23036 ED50 / UTM zone 36N: ");
  char detail[256];
  double x = 1e12, y = BEY_N;
  assert_int_equal(om_crs_to_wgs84(c, &x, &y, detail, sizeof detail),
                   OM_REASON_TRANSFORM_FAILED);
  assert_non_null(strstr(detail, "projection domain"));
  /* The error does not stick to the next point. */
  check_point(c, BEY_E, BEY_N, BEY_ED50_LON, BEY_ED50_LAT);
  om_crs_free(c);
}

static void test_unknown_crs(void **state)
{
  (void)state;
  const char *defs[] = {"EPSG:999999", "FOO:1", "not a crs", "", "EPSG:1784",
                        "+proj=utm +zone=99 +ellps=intl"};
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
    struct om_diag d;
    om_diag_init(&d);
    struct om_crs *c = (struct om_crs *)&d; /* must be reset to NULL */
    assert_int_equal(om_crs_new(&c, defs[i], &d), OM_EMANIFEST);
    assert_null(c);
    char want[128];
    snprintf(want, sizeof want, "unknown CRS '%s': ", defs[i]);
    if (strncmp(d.msg, want, strlen(want)) != 0 || strlen(d.msg) <= strlen(want))
      fail_msg("message '%s' does not start with '%s' and a reason", d.msg, want);
  }
  struct om_diag d;
  om_diag_init(&d);
  struct om_crs *c;
  assert_int_equal(om_crs_new(&c, "EPSG:999999", &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "not found"));
  om_crs_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_wgs84_passthrough),
    cmocka_unit_test(test_ed50_utm36),
    cmocka_unit_test(test_tm30_northing_first),
    cmocka_unit_test(test_other_definitions),
    cmocka_unit_test(test_outside_area),
    cmocka_unit_test(test_not_finite),
    cmocka_unit_test(test_transform_failed),
    cmocka_unit_test(test_unknown_crs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
