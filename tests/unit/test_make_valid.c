/*
 * Repairing invalid geometries (locate.make_valid): GEOS's MakeValid turns
 * a bow-tie into a MultiPolygon of two triangles and a polygon collapsed
 * onto a line into lines; a valid geometry passes the validity check and
 * is never handed to the repair.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "geom/geom.h"
#include "manifest/manifest.h"
#include "support.h"

static void from_wkt(unsigned char **wkb, size_t *len, const char *wkt)
{
  char detail[256];
  assert_int_equal(om_geom_from_wkt(wkb, len, wkt, detail, sizeof detail), OM_REASON_NONE);
}

static void test_bow_tie(void **state)
{
  (void)state;
  unsigned char *wkb, *fixed;
  size_t len, fixed_len;
  char detail[256];
  from_wkt(&wkb, &len, "POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))");
  assert_int_equal(om_geom_check_valid(wkb, len, detail, sizeof detail),
                   OM_REASON_GEOMETRY_INVALID);
  assert_non_null(strstr(detail, "Self-intersection at (5, 5)"));
  assert_int_equal(om_geom_make_valid(&fixed, &fixed_len, wkb, len, detail, sizeof detail),
                   OM_REASON_NONE);
  assert_int_equal(om_wkb_type(fixed, fixed_len), OM_WKB_MULTIPOLYGON);
  assert_int_equal(om_geom_check_valid(fixed, fixed_len, detail, sizeof detail), OM_REASON_NONE);
  /* Two triangles of 25 square degrees each: the lobes no longer cancel out. */
  double before, after;
  assert_int_equal(om_geodesic_area_km2(&before, wkb, len), 0);
  assert_int_equal(om_geodesic_area_km2(&after, fixed, fixed_len), 0);
  assert_true(before < 1.0);
  assert_true(after > 500000 && after < 700000);
  double env[4];
  assert_int_equal(om_wkb_envelope(fixed, fixed_len, env), 0);
  assert_true(env[0] == 0 && env[1] == 0 && env[2] == 10 && env[3] == 10);
  free(fixed);
  free(wkb);
}

static void test_collapsed(void **state)
{
  (void)state;
  unsigned char *wkb, *fixed;
  size_t len, fixed_len;
  char detail[256];
  from_wkt(&wkb, &len, "POLYGON((0 0, 1 1, 2 2, 0 0))");
  assert_int_equal(om_geom_check_valid(wkb, len, detail, sizeof detail),
                   OM_REASON_GEOMETRY_INVALID);
  assert_int_equal(om_geom_make_valid(&fixed, &fixed_len, wkb, len, detail, sizeof detail),
                   OM_REASON_NONE);
  int type = om_wkb_type(fixed, fixed_len);
  assert_true(type == OM_WKB_LINESTRING || type == OM_WKB_MULTILINESTRING);
  free(fixed);
  free(wkb);
}

static void test_manifest_option(void **state)
{
  (void)state;
  char *dir = test_tmpdir("make-valid-manifest");
  static const char yaml[] = "name: areas\n"
                             "source: { path: areas.gpkg }\n"
                             "locate: { make_valid: true }\n"
                             "outputs: [out/areas.geojson]\n";
  char *path = test_write_file(dir, "areas.yaml", yaml, strlen(yaml));
  struct om_diag d;
  om_diag_init(&d);
  struct om_layer_def l;
  assert_int_equal(om_layer_load(&l, path, &d), 0);
  assert_true(l.locate.make_valid);
  assert_int_equal(l.locate.kind, OM_LOCATE_SOURCE); /* the source's own geometry */
  om_layer_release(&l);
  static const char bad[] = "name: areas\n"
                            "source: { path: areas.csv }\n"
                            "locate: { wkt: wkt, make_valid: maybe }\n"
                            "outputs: [out/areas.geojson]\n";
  free(path);
  path = test_write_file(dir, "bad.yaml", bad, strlen(bad));
  assert_int_equal(om_layer_load(&l, path, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "bad.yaml:3:"));
  assert_non_null(strstr(d.msg, "make_valid"));
  free(path);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bow_tie),
    cmocka_unit_test(test_collapsed),
    cmocka_unit_test(test_manifest_option),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
