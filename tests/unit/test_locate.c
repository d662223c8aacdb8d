/*
 * Locating records read from a CSV: every notation (x/y columns in
 * WGS 84 or a projected CRS, degrees-minutes-seconds text, WKT) gives the
 * same point or the same reason, with the field and value a user needs to
 * find the record.
 *
 * Expected ED50 values come from proj-bin 9.1.1:
 *   echo "346156.18 4394730.34" | cs2cs -d 10 EPSG:23036 EPSG:4326
 *   -> 39.6868999941 31.2056000093
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geom/geom.h"
#include "io/reader.h"
#include "locate/locate.h"
#include "manifest/manifest.h"
#include "support.h"

/* ---- Fixture: a CSV, its reader, a locator ---- */

struct fixture {
  char *dir, *csv;
  struct om_layer_def def;
  struct om_reader *reader;
  struct om_locator *locator;
  struct om_location loc;
  struct om_diag d;
  long record; /* records read so far */
};

/* A layer definition of the given kind; x doubles as the DMS/WKT field. */
static void define(struct fixture *fx, enum om_locate_kind kind, const char *x, const char *y,
                   const char *crs, char decimal)
{
  memset(&fx->def, 0, sizeof fx->def);
  fx->def.file = strdup("layers/sites.yaml");
  fx->def.name = strdup("sites");
  fx->def.source.path = strdup("data/sites.csv");
  fx->def.source.decimal = decimal;
  fx->def.locate.kind = kind;
  if (kind == OM_LOCATE_XY) {
    fx->def.locate.x = strdup(x);
    fx->def.locate.y = strdup(y);
  } else if (x) {
    fx->def.locate.field = strdup(x);
  }
  fx->def.locate.crs = crs ? strdup(crs) : NULL;
}

/* Write the CSV under a folder of its own and open a reader on it. */
static void open_csv(struct fixture *fx, const char *tmpname, const char *csv)
{
  fx->dir = test_tmpdir(tmpname);
  fx->csv = test_write_file(fx->dir, "sites.csv", csv, strlen(csv));
  om_diag_init(&fx->d);
  struct om_reader_opts o = {.path = fx->csv};
  int rc = om_reader_open(&fx->reader, &o, &fx->d);
  if (rc != 0)
    fail_msg("om_reader_open: %d %s", rc, fx->d.msg);
  fx->record = 0;
  memset(&fx->loc, 0, sizeof fx->loc);
}

static void start(struct fixture *fx, const char *tmpname, const char *csv)
{
  open_csv(fx, tmpname, csv);
  int rc = om_locator_new(&fx->locator, &fx->def, fx->reader, &fx->d);
  if (rc != 0)
    fail_msg("om_locator_new: %d %s", rc, fx->d.msg);
  assert_non_null(fx->locator);
}

static void finish(struct fixture *fx)
{
  struct om_record rec;
  assert_int_equal(om_reader_next(fx->reader, &rec, &fx->d), OM_READ_END);
  assert_int_equal(fx->d.rejected, 0); /* the reader itself rejected nothing */
  om_location_release(&fx->loc);
  om_locator_free(fx->locator);
  om_reader_free(fx->reader);
  om_layer_release(&fx->def);
  free(fx->csv);
  free(fx->dir);
}

/* Read the next record and locate it. */
static enum om_reason next(struct fixture *fx, struct om_locate_error *err)
{
  struct om_record rec;
  int rc = om_reader_next(fx->reader, &rec, &fx->d);
  if (rc != OM_READ_OK)
    fail_msg("record %ld: om_reader_next gave %d (%s)", fx->record + 1, rc, fx->d.msg);
  fx->record++;
  enum om_reason why = om_locate(fx->locator, &rec, &fx->loc, err);
  assert_int_equal(why, err->reason);
  return why;
}

/* The next record is located at exactly this point. */
static void expect_point(struct fixture *fx, double lon, double lat)
{
  struct om_locate_error err;
  enum om_reason why = next(fx, &err);
  if (why != OM_REASON_NONE)
    fail_msg("record %ld: %s (%s)", fx->record, om_reason_message(why), err.detail);
  unsigned char want[21];
  om_wkb_point(want, lon, lat);
  assert_int_equal(fx->loc.len, 21);
  assert_memory_equal(fx->loc.wkb, want, 21);
  const double env[4] = {lon, lat, lon, lat};
  assert_memory_equal(fx->loc.env, env, sizeof env);
}

/* The next record is located near this point (the WKB is a point). */
static void expect_near(struct fixture *fx, double lon, double lat, double eps)
{
  struct om_locate_error err;
  enum om_reason why = next(fx, &err);
  if (why != OM_REASON_NONE)
    fail_msg("record %ld: %s (%s)", fx->record, om_reason_message(why), err.detail);
  assert_int_equal(om_wkb_type(fx->loc.wkb, fx->loc.len), OM_WKB_POINT);
  if (fabs(fx->loc.env[0] - lon) > eps || fabs(fx->loc.env[1] - lat) > eps)
    fail_msg("record %ld: got %.10f %.10f, want %.10f %.10f", fx->record, fx->loc.env[0],
             fx->loc.env[1], lon, lat);
}

/* The next record is not located: this reason, field, value (NULL: none). */
static void expect_reject(struct fixture *fx, enum om_reason want, const char *field,
                          const char *value, struct om_locate_error *err)
{
  enum om_reason why = next(fx, err);
  if (why != want)
    fail_msg("record %ld: got '%s' (%s), want '%s'", fx->record, om_reason_message(why),
             err->detail, om_reason_message(want));
  if (field)
    assert_string_equal(err->field, field);
  else
    assert_null(err->field);
  if (value)
    assert_string_equal(err->value, value);
  else
    assert_null(err->value);
}

static void assert_contains(const char *s, const char *needle)
{
  if (!strstr(s, needle))
    fail_msg("'%s' lacks '%s'", s, needle);
}

/* ---- x/y columns ---- */

static void test_xy_wgs84(void **state)
{
  (void)state;
  struct fixture fx;
  struct om_locate_error err;
  define(&fx, OM_LOCATE_XY, "lon", "lat", "EPSG:4326", 0);
  start(&fx, "locate-xy",
        "id,lon,lat\n"
        "1,31.2056, 39.6869 \n"
        "2,-180,-90\n"
        "3,120,95\n"
        "4,195,39.6\n"
        "5,39.6,120.5\n"
        "6,,39.6\n"
        "7,31.2,NaN\n"
        "8,abc,39.6\n"
        "9,\"31,2\",39.6\n"
        "10,31.2,   \n");
  expect_point(&fx, 31.2056, 39.6869);
  expect_point(&fx, -180, -90);
  expect_reject(&fx, OM_REASON_LAT_RANGE, "lat", "95", &err);
  expect_reject(&fx, OM_REASON_LON_RANGE, "lon", "195", &err);
  expect_reject(&fx, OM_REASON_SWAPPED, "lat", NULL, &err);
  assert_string_equal(err.detail, "lon 39.6, lat 120.5");
  expect_reject(&fx, OM_REASON_MISSING_COORDINATES, "lon", NULL, &err);
  expect_reject(&fx, OM_REASON_NOT_FINITE, "lat", "NaN", &err);
  expect_reject(&fx, OM_REASON_NOT_A_NUMBER, "lon", "abc", &err);
  expect_reject(&fx, OM_REASON_AMBIGUOUS_DECIMAL, "lon", "31,2", &err);
  assert_contains(err.detail, "decimal");
  expect_reject(&fx, OM_REASON_MISSING_COORDINATES, "lat", NULL, &err);
  /* The location of the last good record is left alone by later rejects. */
  unsigned char last[21];
  om_wkb_point(last, -180, -90);
  assert_memory_equal(fx.loc.wkb, last, 21);
  finish(&fx);
}

static void test_xy_decimal_comma(void **state)
{
  (void)state;
  static const char csv[] = "ad;boylam;enlem\n"
                            "Kızılcaören;31,3833;39,6333\n"
                            "Beylikova;31.2056;39.6869\n";
  struct fixture fx;
  struct om_locate_error err;

  /* Declared: the comma is the decimal point; a point is then ambiguous. */
  define(&fx, OM_LOCATE_XY, "boylam", "enlem", NULL, ',');
  start(&fx, "locate-comma-declared", csv);
  expect_point(&fx, 31.3833, 39.6333);
  expect_reject(&fx, OM_REASON_AMBIGUOUS_DECIMAL, "boylam", "31.2056", &err);
  finish(&fx);

  /* Not declared: "31,3833" could be a thousands separator; never guessed. */
  define(&fx, OM_LOCATE_XY, "boylam", "enlem", NULL, 0);
  start(&fx, "locate-comma-undeclared", csv);
  expect_reject(&fx, OM_REASON_AMBIGUOUS_DECIMAL, "boylam", "31,3833", &err);
  assert_contains(err.detail, "source.decimal");
  expect_point(&fx, 31.2056, 39.6869);
  finish(&fx);

  /* Declared as '.': a comma is simply not a number. */
  define(&fx, OM_LOCATE_XY, "boylam", "enlem", NULL, '.');
  start(&fx, "locate-comma-point", csv);
  expect_reject(&fx, OM_REASON_NOT_A_NUMBER, "boylam", "31,3833", &err);
  expect_point(&fx, 31.2056, 39.6869);
  finish(&fx);
}

static void test_xy_projected(void **state)
{
  (void)state;
  struct fixture fx;
  struct om_locate_error err;
  define(&fx, OM_LOCATE_XY, "easting", "northing", "EPSG:23036", 0);
  start(&fx, "locate-ed50",
        "name,easting,northing\n"
        "Beylikova,346156.18,4394730.34\n"
        "Tibet,5000000,4394730.34\n"
        "inf,inf,4394730.34\n");
  expect_near(&fx, 31.2056, 39.6869, 1e-5);
  assert_true(fabs(fx.loc.env[0] - 31.2056000093) < 1e-8);
  assert_true(fabs(fx.loc.env[1] - 39.6868999941) < 1e-8);
  /* A UTM easting PROJ would silently put in Tibet. */
  expect_reject(&fx, OM_REASON_OUTSIDE_CRS_AREA, NULL, NULL, &err);
  assert_contains(err.detail, "EPSG:23036");
  assert_contains(err.detail, "5000000 4394730.34");
  expect_reject(&fx, OM_REASON_NOT_FINITE, "easting", "inf", &err);
  finish(&fx);
}

/* ---- Degrees, minutes, seconds ---- */

static void test_dms(void **state)
{
  (void)state;
  struct fixture fx;
  struct om_locate_error err;
  const double lat = 39 + 41 / 60.0 + 12 / 3600.0, lon = 31 + 12 / 60.0 + 20 / 3600.0;
  define(&fx, OM_LOCATE_DMS, "coords", NULL, NULL, 0);
  start(&fx, "locate-dms",
        "id,coords\n"
        "1,39°41′12″N 31°12′20″E\n"
        "2,31°12′20″E 39°41′12″N\n"
        "3,\"39 41 12 S, 31 12 20 W\"\n"
        "4,95°00′00″N 31°12′20″E\n"
        "5,39°41′12″N 195°00′00″E\n"
        "6,120.5 39.6\n"
        "7,39N 31N\n"
        "8,39°75′12″N 31°12′20″E\n"
        "9,near the village\n"
        "10,\n"
        "11,120d30m15s 39d36m0s\n");
  expect_near(&fx, lon, lat, 1e-9);
  assert_true(fabs(fx.loc.env[0] - 31.205556) < 5e-7 && fabs(fx.loc.env[1] - 39.686667) < 5e-7);
  expect_near(&fx, lon, lat, 1e-9);
  expect_near(&fx, -lon, -lat, 1e-9);
  /* Hemisphere letters say which number is which: out of range, not swapped. */
  expect_reject(&fx, OM_REASON_LAT_RANGE, "coords", "95°00′00″N 31°12′20″E", &err);
  expect_reject(&fx, OM_REASON_LON_RANGE, "coords", "39°41′12″N 195°00′00″E", &err);
  /* Bare numbers that fit only the other way round. */
  expect_reject(&fx, OM_REASON_SWAPPED, "coords", "120.5 39.6", &err);
  expect_reject(&fx, OM_REASON_DMS_AMBIGUOUS, "coords", "39N 31N", &err);
  expect_reject(&fx, OM_REASON_DMS_RANGE, "coords", "39°75′12″N 31°12′20″E", &err);
  assert_contains(err.detail, "75");
  expect_reject(&fx, OM_REASON_DMS_SYNTAX, "coords", "near the village", &err);
  expect_reject(&fx, OM_REASON_MISSING_COORDINATES, "coords", NULL, &err);
  /* The 's' of seconds is not South: no letter names an axis, so a swap. */
  expect_reject(&fx, OM_REASON_SWAPPED, "coords", "120d30m15s 39d36m0s", &err);
  finish(&fx);
}

/* ---- WKT ---- */

/* Signed area of the first ring of a little-endian WKB polygon (> 0: counter-clockwise). */
static double first_ring_area(const unsigned char *wkb, size_t len)
{
  assert_true(len >= 13 && wkb[0] == 1);
  uint32_t npoints;
  memcpy(&npoints, wkb + 9, 4);
  assert_true(len >= 13 + (size_t)npoints * 16);
  double area = 0;
  for (uint32_t i = 0; i + 1 < npoints; i++) {
    double p[4];
    memcpy(p, wkb + 13 + (size_t)i * 16, sizeof p);
    area += p[0] * p[3] - p[2] * p[1];
  }
  return area / 2;
}

static void test_wkt(void **state)
{
  (void)state;
  struct fixture fx;
  struct om_locate_error err;
  define(&fx, OM_LOCATE_WKT, "wkt", NULL, NULL, 0);
  start(&fx, "locate-wkt",
        "id,wkt\n"
        "cw,\"POLYGON ((30 10, 30 20, 40 20, 40 10, 30 10))\"\n"
        "bowtie,\"POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))\"\n"
        "cut,POLYGON ((1 2\n"
        "antimeridian,\"POLYGON ((178 10, -179 10, -179 12, 178 12, 178 10))\"\n"
        "point,POINT (31.2056 39.6869)\n"
        "far,\"LINESTRING (0 0, 200 10)\"\n"
        "empty,POLYGON EMPTY\n"
        "blank,\n");

  /* A clockwise ring is located, turned counter-clockwise (RFC 7946). */
  assert_int_equal(next(&fx, &err), OM_REASON_NONE);
  assert_int_equal(om_wkb_type(fx.loc.wkb, fx.loc.len), OM_WKB_POLYGON);
  const double env[4] = {30, 10, 40, 20};
  assert_memory_equal(fx.loc.env, env, sizeof env);
  assert_true(first_ring_area(fx.loc.wkb, fx.loc.len) == 100.0);

  expect_reject(&fx, OM_REASON_GEOMETRY_INVALID, "wkt", "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))", &err);
  assert_contains(err.detail, "Self-intersection");

  expect_reject(&fx, OM_REASON_WKT_INVALID, "wkt", "POLYGON ((1 2", &err);
  assert_true(err.detail[0] != '\0');

  /* Cut in two at 180°, not wrapped the long way round the globe. */
  assert_int_equal(next(&fx, &err), OM_REASON_NONE);
  assert_int_equal(om_wkb_type(fx.loc.wkb, fx.loc.len), OM_WKB_MULTIPOLYGON);
  const double cut_env[4] = {-180, 10, 180, 12};
  assert_memory_equal(fx.loc.env, cut_env, sizeof cut_env);
  uint32_t parts;
  memcpy(&parts, fx.loc.wkb + 5, 4);
  assert_int_equal(parts, 2);

  expect_point(&fx, 31.2056, 39.6869);

  expect_reject(&fx, OM_REASON_LON_RANGE, "wkt", "LINESTRING (0 0, 200 10)", &err);
  assert_string_equal(err.detail, "vertex 200 10");
  expect_reject(&fx, OM_REASON_GEOMETRY_EMPTY, "wkt", "POLYGON EMPTY", &err);
  expect_reject(&fx, OM_REASON_MISSING_COORDINATES, "wkt", NULL, &err);
  finish(&fx);
}

/* ---- Preparing a locator ---- */

/* om_locator_new must fail with code; the message must hold every needle. */
static void expect_new_fails(struct fixture *fx, const char *tmpname, int code,
                             const char *const *needles)
{
  open_csv(fx, tmpname, "id,lon,lat,coords\n1,31.2,39.6,39N 31E\n");
  fx->locator = (struct om_locator *)&fx->loc; /* must be reset to NULL */
  int rc = om_locator_new(&fx->locator, &fx->def, fx->reader, &fx->d);
  assert_int_equal(rc, code);
  assert_null(fx->locator);
  for (size_t i = 0; needles[i]; i++)
    assert_contains(fx->d.msg, needles[i]);
  om_reader_free(fx->reader);
  om_layer_release(&fx->def);
  free(fx->csv);
  free(fx->dir);
}

static void test_missing_field(void **state)
{
  (void)state;
  struct fixture fx;
  define(&fx, OM_LOCATE_XY, "longitude", "lat", NULL, 0);
  expect_new_fails(&fx, "locate-missing-x", OM_EMANIFEST,
                   (const char *const[]){"layers/sites.yaml", "layer 'sites'", "'longitude'",
                                         "data/sites.csv", "id, lon, lat, coords", NULL});
  define(&fx, OM_LOCATE_XY, "lon", "latitude", NULL, 0);
  expect_new_fails(&fx, "locate-missing-y", OM_EMANIFEST,
                   (const char *const[]){"'latitude'", "id, lon, lat, coords", NULL});
  define(&fx, OM_LOCATE_DMS, "coord", NULL, NULL, 0);
  expect_new_fails(&fx, "locate-missing-dms", OM_EMANIFEST,
                   (const char *const[]){"'coord'", "id, lon, lat, coords", NULL});
  define(&fx, OM_LOCATE_WKT, "geometry", NULL, NULL, 0);
  expect_new_fails(&fx, "locate-missing-wkt", OM_EMANIFEST,
                   (const char *const[]){"'geometry'", NULL});
  /* The field names must match exactly. */
  define(&fx, OM_LOCATE_XY, "LON", "lat", NULL, 0);
  expect_new_fails(&fx, "locate-case", OM_EMANIFEST, (const char *const[]){"'LON'", NULL});
}

static void test_unknown_crs(void **state)
{
  (void)state;
  struct fixture fx;
  define(&fx, OM_LOCATE_XY, "lon", "lat", "EPSG:999999", 0);
  expect_new_fails(&fx, "locate-bad-crs", OM_EMANIFEST,
                   (const char *const[]){"layers/sites.yaml", "layer 'sites'", "EPSG:999999",
                                         NULL});
}

static void test_uses_field(void **state)
{
  (void)state;
  static const char csv[] = "id,lon,lat,coords\n1,31.2,39.6,39N 31E\n";
  struct fixture fx;
  struct om_locate_error err;

  define(&fx, OM_LOCATE_XY, "lon", "lat", NULL, 0);
  start(&fx, "locate-uses-xy", csv);
  assert_false(om_locator_uses_field(fx.locator, 0));
  assert_true(om_locator_uses_field(fx.locator, 1));
  assert_true(om_locator_uses_field(fx.locator, 2));
  assert_false(om_locator_uses_field(fx.locator, 3));
  expect_point(&fx, 31.2, 39.6);
  finish(&fx);

  /* x and y named the other way round: still the columns they name. */
  define(&fx, OM_LOCATE_XY, "lat", "lon", NULL, 0);
  start(&fx, "locate-uses-yx", csv);
  assert_true(om_locator_uses_field(fx.locator, 1));
  assert_true(om_locator_uses_field(fx.locator, 2));
  expect_point(&fx, 39.6, 31.2);
  finish(&fx);

  define(&fx, OM_LOCATE_DMS, "coords", NULL, NULL, 0);
  start(&fx, "locate-uses-dms", csv);
  for (size_t i = 0; i < 3; i++)
    assert_false(om_locator_uses_field(fx.locator, i));
  assert_true(om_locator_uses_field(fx.locator, 3));
  expect_point(&fx, 31, 39);
  finish(&fx);

  /* The source's own geometry: no column is used, and a CSV has none. */
  define(&fx, OM_LOCATE_SOURCE, NULL, NULL, NULL, 0);
  start(&fx, "locate-uses-source", csv);
  for (size_t i = 0; i < 4; i++)
    assert_false(om_locator_uses_field(fx.locator, i));
  expect_reject(&fx, OM_REASON_MISSING_COORDINATES, NULL, NULL, &err);
  finish(&fx);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_xy_wgs84),
    cmocka_unit_test(test_xy_decimal_comma),
    cmocka_unit_test(test_xy_projected),
    cmocka_unit_test(test_dms),
    cmocka_unit_test(test_wkt),
    cmocka_unit_test(test_missing_field),
    cmocka_unit_test(test_unknown_crs),
    cmocka_unit_test(test_uses_field),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
