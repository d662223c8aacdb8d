/*
 * Layer transforms: 'transform' in a manifest is read or refused with the
 * line and the reason, a buffer_km turns a point into a circle of the
 * right area in km^2, and a flow line runs from its origin to the record,
 * cut at the antimeridian when it crosses it, with its length in km.
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
#include "pipeline/transform.h"
#include "support.h"

static char *layer_file(const char *dir, const char *name, const char *transform)
{
  char *yaml = NULL;
  assert_true(asprintf(&yaml,
                       "name: t\n"
                       "source: { path: data.csv }\n"
                       "locate: { coordinates: { x: lon, y: lat } }\n"
                       "%s"
                       "outputs: [out/t.geojson]\n",
                       transform) > 0);
  char *path = test_write_file(dir, name, yaml, strlen(yaml));
  free(yaml);
  return path;
}

static void expect_error(const char *dir, const char *transform, const char *want)
{
  char *path = layer_file(dir, "bad.yaml", transform);
  struct om_diag d;
  om_diag_init(&d);
  struct om_layer_def l;
  assert_int_equal(om_layer_load(&l, path, &d), OM_EMANIFEST);
  if (!strstr(d.msg, want))
    fail_msg("'%s' lacks '%s'", d.msg, want);
  free(path);
}

static void test_manifest(void **state)
{
  (void)state;
  char *dir = test_tmpdir("transform-manifest");
  char *path = layer_file(dir, "flow.yaml",
                          "transform:\n"
                          "  flow_line: { from: { layer: deposits, id: TR-BEY-001 } }\n");
  struct om_diag d;
  om_diag_init(&d);
  struct om_layer_def l;
  assert_int_equal(om_layer_load(&l, path, &d), 0);
  assert_int_equal(l.transform.kind, OM_TRANSFORM_FLOW_LINE);
  assert_string_equal(l.transform.from_layer, "deposits");
  assert_string_equal(l.transform.from_id, "TR-BEY-001");
  assert_true(l.transform.step_km == 50);
  assert_int_equal(l.transform.line, 5);
  om_layer_release(&l);
  free(path);

  path = layer_file(dir, "buffer.yaml", "transform: { buffer_km: 2.5 }\n");
  assert_int_equal(om_layer_load(&l, path, &d), 0);
  assert_int_equal(l.transform.kind, OM_TRANSFORM_BUFFER);
  assert_true(l.transform.buffer_km == 2.5);
  om_layer_release(&l);
  free(path);

  expect_error(dir, "transform: { buffer_km: 0 }\n",
               "bad.yaml:4:25: 'buffer_km' must be a distance in km above 0");
  expect_error(dir, "transform: { buffer_km: 1, flow_line: { from: { x: 1, y: 2 } } }\n",
               "has both 'buffer_km' and 'flow_line'");
  expect_error(dir, "transform: { flow_line: { from: { layer: deposits } } }\n",
               "'from' needs both 'layer' and 'id'");
  expect_error(dir, "transform: { flow_line: { from: { x: 200, y: 0 } } }\n",
               "'x' must be a longitude in [-180, 180]");
  expect_error(dir, "transform: { bufer_km: 3 }\n", "did you mean 'buffer_km'");
  free(dir);
}

/* A transform for a layer whose manifest says 'transform' as given (no other layer read). */
static struct om_layer_transform *open_transform(struct om_layer_def *l, const char *dir,
                                                 const char *transform)
{
  char *path = layer_file(dir, "layer.yaml", transform);
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_layer_load(l, path, &d), 0);
  free(path);
  struct om_project p = {.dir = (char *)dir, .nlayers = 1, .layers = l};
  struct om_layer_transform *t = NULL;
  assert_int_equal(om_layer_transform_open(&t, &p, l, true, &d), 0);
  assert_non_null(t);
  return t;
}

static void set_point(struct om_location *loc, double lon, double lat)
{
  loc->wkb = malloc(21);
  assert_non_null(loc->wkb);
  om_wkb_point(loc->wkb, lon, lat);
  loc->len = loc->cap = 21;
  loc->env[0] = loc->env[2] = lon;
  loc->env[1] = loc->env[3] = lat;
}

static void test_buffer_area(void **state)
{
  (void)state;
  char *dir = test_tmpdir("transform-buffer");
  struct om_layer_def l;
  struct om_layer_transform *t = open_transform(&l, dir, "transform: { buffer_km: 100 }\n");
  assert_int_equal(om_layer_transform_nfields(t), 0);
  static const double lats[] = {0, 70};
  for (size_t i = 0; i < 2; i++) {
    struct om_location loc = {0};
    set_point(&loc, 10, lats[i]);
    char detail[256];
    struct om_diag d;
    om_diag_init(&d);
    assert_int_equal(om_layer_transform_apply(t, &loc, NULL, detail, sizeof detail, &d), 0);
    assert_int_equal(om_wkb_type(loc.wkb, loc.len), OM_WKB_POLYGON);
    double area;
    assert_int_equal(om_geodesic_area_km2(&area, loc.wkb, loc.len), 0);
    /* 64 straight edges lie just inside the circle: 0.16% less than pi r^2. */
    double want = M_PI * 100 * 100;
    if (fabs(area / want - 1) > 0.005)
      fail_msg("at %g N: %g km2, not about %g", lats[i], area, want);
    assert_true(loc.env[3] > lats[i] + 0.85 && loc.env[3] < lats[i] + 0.95); /* ~0.9 deg north */
    om_location_release(&loc);
  }
  om_layer_transform_free(t);
  om_layer_release(&l);
  free(dir);
}

static void test_flow_line_antimeridian(void **state)
{
  (void)state;
  char *dir = test_tmpdir("transform-flow");
  struct om_layer_def l;
  struct om_layer_transform *t = open_transform(
      &l, dir, "transform: { flow_line: { from: { x: 139.69, y: 35.68 }, step_km: 100 } }\n");
  assert_int_equal(om_layer_transform_nfields(t), 1);
  assert_string_equal(om_layer_transform_name(t, 0), "length_km");
  assert_int_equal(om_layer_transform_type(t, 0), OM_FIELD_REAL);
  struct om_location loc = {0};
  set_point(&loc, -122.42, 37.77); /* San Francisco */
  const char *values[1] = {NULL};
  char detail[256];
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_layer_transform_apply(t, &loc, values, detail, sizeof detail, &d), 0);
  assert_int_equal(om_wkb_type(loc.wkb, loc.len), OM_WKB_MULTILINESTRING);
  assert_true(loc.env[0] == -180 && loc.env[2] == 180);
  assert_non_null(values[0]);
  double want = om_geodesic_distance_km(139.69, 35.68, -122.42, 37.77);
  assert_true(fabs(strtod(values[0], NULL) - want) < 0.001);
  assert_true(want > 8200 && want < 8300);

  /* Towards Bern the line stays on one side: a LineString. */
  om_location_release(&loc);
  memset(&loc, 0, sizeof loc);
  set_point(&loc, 7.44744, 46.94809);
  assert_int_equal(om_layer_transform_apply(t, &loc, values, detail, sizeof detail, &d), 0);
  assert_int_equal(om_wkb_type(loc.wkb, loc.len), OM_WKB_LINESTRING);

  /* A record at the origin has no line: rejected with the reason. */
  om_location_release(&loc);
  memset(&loc, 0, sizeof loc);
  set_point(&loc, 139.69, 35.68);
  assert_int_equal(om_layer_transform_apply(t, &loc, values, detail, sizeof detail, &d),
                   OM_REASON_GEOMETRY_INVALID);
  assert_non_null(strstr(detail, "flow_line: "));
  om_location_release(&loc);
  om_layer_transform_free(t);
  om_layer_release(&l);
  free(dir);
}

static void test_origin_layer_missing(void **state)
{
  (void)state;
  char *dir = test_tmpdir("transform-origin");
  char *path = layer_file(dir, "layer.yaml",
                          "transform: { flow_line: { from: { layer: hubs, id: X } } }\n");
  struct om_diag d;
  om_diag_init(&d);
  struct om_layer_def l;
  assert_int_equal(om_layer_load(&l, path, &d), 0);
  struct om_project p = {.dir = dir, .nlayers = 1, .layers = &l};
  struct om_layer_transform *t = NULL;
  assert_int_equal(om_layer_transform_open(&t, &p, &l, true, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "layer.yaml:4: flow_line: no layer 'hubs' in the project"));
  assert_null(om_layer_transform_reads(&p, &l));
  om_layer_release(&l);
  free(path);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_manifest),
    cmocka_unit_test(test_buffer_area),
    cmocka_unit_test(test_flow_line_antimeridian),
    cmocka_unit_test(test_origin_layer_missing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
