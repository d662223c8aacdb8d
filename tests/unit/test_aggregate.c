/*
 * Aggregates per group: geometries merged by union, hull and collect
 * (geom/merge.h), including across the antimeridian, and a layer's
 * records grouped with counts, sums and lists (pipeline/aggregate.h),
 * records without a group key forming one group of their own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/spool.h"
#include "crs/geodesic.h"
#include "geom/geom.h"
#include "geom/merge.h"
#include "manifest/manifest.h"
#include "pipeline/aggregate.h"
#include "support.h"

/* Merge the WKT geometries with 'how' and return the result as WKT (caller frees). */
static char *merge(enum om_geom_merge how, const char *const *wkt, size_t n, double *km2)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_geom_merger *m;
  assert_int_equal(om_geom_merger_new(&m, how, &d), 0);
  for (size_t i = 0; i < n; i++) {
    unsigned char *wkb;
    size_t len;
    char detail[256];
    assert_int_equal(om_geom_from_wkt(&wkb, &len, wkt[i], detail, sizeof detail), 0);
    assert_int_equal(om_geom_merger_add(m, wkb, len, &d), 0);
    free(wkb);
  }
  unsigned char *out;
  size_t len;
  assert_int_equal(om_geom_merger_finish(m, &out, &len, &d), 0);
  if (km2)
    assert_int_equal(om_geodesic_area_km2(km2, out, len), 0);
  char *text = om_wkb_to_wkt(out, len, 6);
  free(out);
  om_geom_merger_free(m);
  return text;
}

/* Two 1x1 degree squares at the equator overlapping by half: one polygon of 1.5 squares. */
static void test_union_of_squares(void **state)
{
  (void)state;
  const char *sq[] = {"POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))",
                      "POLYGON ((0.5 0, 1.5 0, 1.5 1, 0.5 1, 0.5 0))"};
  double one, both;
  char *a = merge(OM_GEOM_MERGE_UNION, sq, 1, &one);
  char *b = merge(OM_GEOM_MERGE_UNION, sq, 2, &both);
  assert_non_null(strstr(b, "POLYGON"));
  assert_null(strstr(b, "MULTIPOLYGON")); /* one polygon, not two */
  assert_true(one > 12300 && one < 12400); /* a degree square at the equator: ~12,308 km^2 */
  /* Geodesic edges along a parallel bow a little, so not exactly 1.5 times. */
  if (fabs(both - 1.5 * one) > 1e-4 * both)
    fail_msg("union %.3f km2, one square %.3f km2", both, one);
  free(a);
  free(b);
}

static void test_hull_of_points(void **state)
{
  (void)state;
  const char *pts[] = {"POINT (0 0)", "POINT (2 0)", "POINT (1 1)", "POINT (1 0.2)",
                       "POINT (0 2)"};
  char *h = merge(OM_GEOM_MERGE_HULL, pts, 5, NULL);
  assert_non_null(strstr(h, "POLYGON"));
  assert_null(strstr(h, "1 0.2")); /* an inside point is not a vertex */
  free(h);
  /* Fewer than three distinct points: a line, then a point. */
  h = merge(OM_GEOM_MERGE_HULL, pts, 2, NULL);
  assert_string_equal(h, "LINESTRING (0 0, 2 0)");
  free(h);
  const char *same[] = {"POINT (3 4)", "POINT (3 4)"};
  h = merge(OM_GEOM_MERGE_HULL, same, 2, NULL);
  assert_string_equal(h, "POINT (3 4)");
  free(h);
}

/* Points on both sides of 180: a small hull cut there, not one round the world. */
static void test_hull_across_antimeridian(void **state)
{
  (void)state;
  const char *pts[] = {"POINT (179 -17)", "POINT (-179 -17)", "POINT (179.5 -16)"};
  double km2;
  char *h = merge(OM_GEOM_MERGE_HULL, pts, 3, &km2);
  assert_non_null(strstr(h, "MULTIPOLYGON"));
  assert_non_null(strstr(h, "180 "));
  assert_non_null(strstr(h, "-180 "));
  assert_true(km2 > 5000 && km2 < 20000); /* about a degree by two: ~11,800 km^2 */
  free(h);
}

static void test_collect(void **state)
{
  (void)state;
  const char *mixed[] = {"POINT (1 2)", "MULTIPOINT ((3 4), (5 6))"};
  char *c = merge(OM_GEOM_MERGE_COLLECT, mixed, 2, NULL);
  assert_string_equal(c, "MULTIPOINT ((1 2), (3 4), (5 6))");
  free(c);
  const char *kinds[] = {"POINT (1 2)", "LINESTRING (0 0, 1 1)"};
  c = merge(OM_GEOM_MERGE_COLLECT, kinds, 2, NULL);
  assert_non_null(strstr(c, "GEOMETRYCOLLECTION"));
  free(c);
}

/* A layer's records grouped by country: counts, sums, lists, and the null group. */
static void test_grouping(void **state)
{
  (void)state;
  char *dir = test_tmpdir("aggregate");
  const char *yaml = "name: g\n"
                     "source: { path: data.csv }\n"
                     "locate: { coordinates: { x: lon, y: lat } }\n"
                     "aggregate:\n"
                     "  by: country\n"
                     "  geometry: collect\n"
                     "  fields: { id: { as: n, aggregate: count }, t: sum, name: list }\n"
                     "outputs: [out/g.geojson]\n";
  char *path = test_write_file(dir, "g.yaml", yaml, strlen(yaml));
  struct om_diag d;
  om_diag_init(&d);
  struct om_layer_def l;
  assert_int_equal(om_layer_load(&l, path, &d), 0);

  struct om_field_def fields[] = {{"id", OM_FIELD_STRING}, {"country", OM_FIELD_STRING},
                                  {"t", OM_FIELD_INTEGER}, {"name", OM_FIELD_STRING}};
  struct om_schema schema = {4, fields};
  struct om_layer_aggregate *a;
  assert_int_equal(om_layer_aggregate_open(&a, &l, &schema, &d), 0);
  assert_non_null(a);

  const char *rows[][4] = {{"1", "TR", "10", "Beylikova"}, {"2", "NE", "5", "Arlit"},
                           {"3", "TR", "7", "Malatya"},    {"4", NULL, "1", "Nowhere"},
                           {"5", NULL, NULL, "Elsewhere"}};
  struct om_spool *in;
  assert_int_equal(om_spool_new(&in, NULL, &d), 0);
  for (int i = 0; i < 5; i++) {
    unsigned char wkb[21];
    om_wkb_point(wkb, i, i);
    struct om_feature f = {.record = i + 1, .nvalues = 4, .values = rows[i], .wkb = wkb,
                           .wkb_len = sizeof wkb, .env = {i, i, i, i}};
    assert_int_equal(om_spool_add(in, &f, &d), 0);
  }
  assert_int_equal(om_spool_finish(in, &d), 0);

  struct om_spool *out;
  struct om_schema os;
  long grouped;
  assert_int_equal(om_layer_aggregate_run(&out, &os, &grouped, a, in, &schema, &d), 0);
  assert_int_equal(grouped, 5);
  assert_int_equal(d.warnings, 1); /* the two records without a country */
  assert_int_equal(os.n, 6);
  const char *names[] = {"country", "n", "t", "name", "members", "area_km2"};
  for (int k = 0; k < 6; k++)
    assert_string_equal(os.fields[k].name, names[k]);
  assert_int_equal(os.fields[2].type, OM_FIELD_INTEGER);

  /* Groups in the order of their first record; the null group last here. */
  const char *want[][6] = {{"TR", "2", "17", "Beylikova; Malatya", "2", NULL},
                           {"NE", "1", "5", "Arlit", "1", NULL},
                           {NULL, "2", "1", "Nowhere; Elsewhere", "2", NULL}};
  struct om_spool_cursor c;
  om_spool_cursor_init(&c, out, OM_ORDER_SOURCE);
  struct om_feature f;
  for (int g = 0; g < 3; g++) {
    assert_int_equal(om_spool_cursor_next(&c, &f), 1);
    for (int k = 0; k < 6; k++) {
      if (!want[g][k])
        assert_null(f.values[k]);
      else
        assert_string_equal(f.values[k], want[g][k]);
    }
    assert_int_equal(om_wkb_type(f.wkb, f.wkb_len), OM_WKB_MULTIPOINT);
  }
  assert_int_equal(om_spool_cursor_next(&c, &f), 0);
  om_spool_cursor_release(&c);
  om_spool_free(out);
  om_spool_free(in);
  om_schema_release(&os);
  om_layer_aggregate_free(a);
  om_layer_release(&l);
  free(path);
  free(dir);
}

/* Manifest mistakes are named with their line. */
static void test_manifest_errors(void **state)
{
  (void)state;
  char *dir = test_tmpdir("aggregate-bad");
  const char *yaml = "name: g\n"
                     "source: { path: data.csv }\n"
                     "locate: { coordinates: { x: lon, y: lat } }\n"
                     "aggregate: { by: country, geometry: blob }\n"
                     "outputs: [out/g.geojson]\n";
  char *path = test_write_file(dir, "g.yaml", yaml, strlen(yaml));
  struct om_diag d;
  om_diag_init(&d);
  struct om_layer_def l;
  assert_int_equal(om_layer_load(&l, path, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, ":4:"));
  assert_non_null(strstr(d.msg, "union, hull, collect"));
  free(path);

  yaml = "name: g\n"
         "source: { path: data.csv }\n"
         "locate: { coordinates: { x: lon, y: lat } }\n"
         "aggregate: { by: region, fields: { id: { as: members } } }\n"
         "outputs: [out/g.geojson]\n";
  path = test_write_file(dir, "g.yaml", yaml, strlen(yaml));
  assert_int_equal(om_layer_load(&l, path, &d), 0);
  struct om_field_def fields[] = {{"id", OM_FIELD_STRING}, {"region", OM_FIELD_STRING}};
  struct om_schema schema = {2, fields};
  struct om_layer_aggregate *a = NULL;
  assert_int_equal(om_layer_aggregate_open(&a, &l, &schema, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "two fields named 'members'"));
  om_layer_release(&l);
  free(path);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_union_of_squares),
    cmocka_unit_test(test_hull_of_points),
    cmocka_unit_test(test_hull_across_antimeridian),
    cmocka_unit_test(test_collect),
    cmocka_unit_test(test_grouping),
    cmocka_unit_test(test_manifest_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
