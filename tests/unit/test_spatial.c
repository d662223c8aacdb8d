/*
 * Joins by location through the public API: each predicate over small
 * tables made for the test (two squares sharing a border, a few points),
 * the border rule, nearest distances against crs/geodesic.h, max_km, the
 * antimeridian, and aggregates over several matches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "geom/geom.h"
#include "join/spatial.h"

/* ---- Helpers ---- */

static unsigned char *wkt(size_t *len, const char *text)
{
  unsigned char *out = NULL;
  char detail[256];
  assert_int_equal(om_geom_from_wkt(&out, len, text, detail, sizeof detail), OM_REASON_NONE);
  return out;
}

/* A built join over features given as WKT with one 'name' and one 'n' value each. */
static struct om_sjoin *make_join(enum om_sjoin_predicate pred, double max_km,
                                  const struct om_join_field *fields, size_t nfields,
                                  const char *distance, const char *const *features,
                                  const char *const *names, const char *const *ns, size_t count)
{
  static const char *const columns[] = {"name", "n"};
  struct om_sjoin_spec spec = {.manifest = "layers/t.yaml", .layer = "t", .table = "tbl",
                               .predicate = pred, .max_km = max_km, .distance_field = distance,
                               .nfields = nfields, .fields = fields};
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin *j = NULL;
  assert_int_equal(om_sjoin_new(&j, &spec, 2, columns, NULL, &d), 0);
  for (size_t i = 0; i < count; i++) {
    size_t len;
    unsigned char *w = wkt(&len, features[i]);
    const char *vals[2] = {names[i], ns ? ns[i] : NULL};
    assert_int_equal(om_sjoin_add(j, w, len, vals), 0);
    free(w);
  }
  assert_int_equal(om_sjoin_build(j, &d), 0);
  return j;
}

/* Match one WKT geometry: the first output value, or NULL; *n gets the match count. */
static const char *match(struct om_sjoin_query *q, const char *text, size_t *n, size_t field)
{
  size_t len;
  unsigned char *w = wkt(&len, text);
  struct om_diag d;
  om_diag_init(&d);
  const char *const *values = NULL;
  int rc = om_sjoin_match(q, w, len, &values, &d);
  free(w);
  assert_true(rc == 0 || rc == 1);
  *n = om_sjoin_query_nmatches(q);
  assert_int_equal(rc == 1, *n > 0);
  return values ? values[field] : NULL;
}

static const struct om_join_field name_field[] = {{.source = "name", .as = "country"}};

/* West [0,1]x[0,1] and east [1,2]x[0,1] share the border x = 1. */
static const char *const squares[] = {
  "POLYGON((0 0,1 0,1 1,0 1,0 0))",
  "POLYGON((1 0,2 0,2 1,1 1,1 0))",
};
static const char *const square_names[] = {"west", "east"};

/* ---- Tests ---- */

static void test_within(void **state)
{
  (void)state;
  struct om_sjoin *j = make_join(OM_SJOIN_WITHIN, 0, name_field, 1, NULL, squares,
                                 square_names, NULL, 2);
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin_query *q;
  assert_int_equal(om_sjoin_query_new(&q, j, &d), 0);
  size_t n;
  assert_string_equal(match(q, "POINT(0.5 0.5)", &n, 0), "west");
  assert_string_equal(match(q, "POINT(1.5 0.5)", &n, 0), "east");
  assert_null(match(q, "POINT(3 3)", &n, 0)); /* outside every polygon */
  assert_int_equal(n, 0);
  /* On the shared border: exactly one, the one east-north-east of it. */
  assert_string_equal(match(q, "POINT(1 0.5)", &n, 0), "east");
  assert_int_equal(n, 1);
  /* A corner both share, on the outer edge: still one. */
  assert_string_equal(match(q, "POINT(1 1)", &n, 0), "west");
  assert_int_equal(n, 1);
  /* On a coast (the outer edge of one polygon): that polygon. */
  assert_string_equal(match(q, "POINT(0 0.5)", &n, 0), "west");
  struct om_sjoin_report r;
  om_sjoin_query_report(q, &r);
  assert_int_equal(r.matched, 5);
  assert_int_equal(r.unmatched, 1);
  assert_int_equal(r.features, 2);
  assert_int_equal(r.features_unmatched, 0);
  om_sjoin_query_free(q);
  om_sjoin_free(j);
}

static void test_intersects(void **state)
{
  (void)state;
  struct om_join_field list[] = {{.source = "name", .agg = OM_AGG_LIST}};
  struct om_sjoin *j = make_join(OM_SJOIN_INTERSECTS, 0, list, 1, NULL, squares, square_names,
                                 NULL, 2);
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin_query *q;
  assert_int_equal(om_sjoin_query_new(&q, j, &d), 0);
  size_t n;
  /* A border point meets both; a line across both meets both; borders count. */
  assert_string_equal(match(q, "POINT(1 0.5)", &n, 0), "west; east");
  assert_string_equal(match(q, "LINESTRING(0.5 0.5,1.5 0.5)", &n, 0), "west; east");
  assert_string_equal(match(q, "LINESTRING(1.5 0.2,2.5 0.2)", &n, 0), "east");
  assert_null(match(q, "LINESTRING(3 3,4 4)", &n, 0));
  om_sjoin_query_free(q);
  om_sjoin_free(j);
}

static void test_contains_counts(void **state)
{
  (void)state;
  /* Points as the table, squares as the queries: the choropleth direction. */
  static const char *const pts[] = {"POINT(0.5 0.5)", "POINT(0.2 0.7)", "POINT(1 0.5)",
                                    "POINT(1.5 0.5)", "POINT(5 5)"};
  static const char *const names[] = {"a", "b", "c", "d", "e"};
  static const char *const ns[] = {"10", "20", "5", "7", "1"};
  struct om_join_field f[] = {{.source = "name", .as = "sites", .agg = OM_AGG_COUNT},
                              {.source = "n", .as = "total", .agg = OM_AGG_SUM}};
  struct om_sjoin *j = make_join(OM_SJOIN_CONTAINS, 0, f, 2, NULL, pts, names, ns, 5);
  assert_int_equal(om_sjoin_field_type(j, 0), OM_FIELD_INTEGER);
  assert_int_equal(om_sjoin_field_type(j, 1), OM_FIELD_INTEGER);
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin_query *q;
  assert_int_equal(om_sjoin_query_new(&q, j, &d), 0);
  size_t n;
  /* The border point c goes to east only, as within says. */
  assert_string_equal(match(q, squares[0], &n, 0), "2");
  assert_string_equal(match(q, squares[0], &n, 1), "30");
  assert_string_equal(match(q, squares[1], &n, 0), "2");
  assert_string_equal(match(q, squares[1], &n, 1), "12");
  struct om_sjoin_report r;
  om_sjoin_query_report(q, &r);
  assert_int_equal(r.features_unmatched, 1); /* e */
  om_sjoin_query_free(q);
  om_sjoin_free(j);
}

static void test_nearest_distance(void **state)
{
  (void)state;
  static const char *const pts[] = {"POINT(32.9 39.5)", "POINT(28.97 41.01)",
                                    "POINT(-77.04 38.9)"};
  static const char *const names[] = {"ankara", "istanbul", "washington"};
  struct om_sjoin *j = make_join(OM_SJOIN_NEAREST, 0, name_field, 1, "km", pts, names, NULL, 3);
  assert_string_equal(om_sjoin_field_name(j, 1), "km");
  assert_int_equal(om_sjoin_field_type(j, 1), OM_FIELD_REAL);
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin_query *q;
  assert_int_equal(om_sjoin_query_new(&q, j, &d), 0);
  size_t n;
  /* Beylikova (Eskisehir): nearer to Ankara. */
  assert_string_equal(match(q, "POINT(31.21 39.69)", &n, 0), "ankara");
  double want = om_geodesic_distance_km(31.21, 39.69, 32.9, 39.5);
  assert_true(fabs(om_sjoin_query_distance_km(q) - want) < 1e-9);
  const char *km = match(q, "POINT(31.21 39.69)", &n, 1);
  assert_true(fabs(strtod(km, NULL) - want) < 0.0006);
  om_sjoin_query_free(q);
  om_sjoin_free(j);
}

static void test_nearest_max_km(void **state)
{
  (void)state;
  static const char *const pts[] = {"POINT(0 0)", "POINT(0 1)"};
  static const char *const names[] = {"a", "b"};
  struct om_sjoin *j = make_join(OM_SJOIN_NEAREST, 100, name_field, 1, NULL, pts, names, NULL,
                                 2);
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin_query *q;
  assert_int_equal(om_sjoin_query_new(&q, j, &d), 0);
  size_t n;
  assert_string_equal(match(q, "POINT(0 0.8)", &n, 0), "b");
  /* 0.9 degrees of longitude at the equator is about 100.2 km: just beyond. */
  assert_null(match(q, "POINT(0.9 0)", &n, 0));
  assert_true(om_geodesic_distance_km(0.9, 0, 0, 0) > 100);
  assert_string_equal(match(q, "POINT(0.89 0)", &n, 0), "a");
  om_sjoin_query_free(q);
  om_sjoin_free(j);
}

static void test_nearest_antimeridian_and_pole(void **state)
{
  (void)state;
  /* In plain degrees 178 E is nearer to 179.9 E than 179.9 W is; on the earth it is not. */
  static const char *const pts[] = {"POINT(178 0)", "POINT(-179.9 0)", "POINT(10 85)",
                                    "POINT(-170 88)"};
  static const char *const names[] = {"east", "west", "polar_a", "polar_b"};
  struct om_sjoin *j = make_join(OM_SJOIN_NEAREST, 0, name_field, 1, NULL, pts, names, NULL, 4);
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin_query *q;
  assert_int_equal(om_sjoin_query_new(&q, j, &d), 0);
  size_t n;
  assert_string_equal(match(q, "POINT(179.9 0)", &n, 0), "west");
  double want = om_geodesic_distance_km(179.9, 0, -179.9, 0);
  assert_true(fabs(om_sjoin_query_distance_km(q) - want) < 1e-9);
  assert_true(want < 23);
  /* Near the pole: (10, 85) is nearer in degrees to (-100, 89), (-170, 88) on the earth. */
  assert_string_equal(match(q, "POINT(-100 89)", &n, 0), "polar_b");
  assert_true(om_geodesic_distance_km(-100, 89, -170, 88) <
              om_geodesic_distance_km(-100, 89, 10, 85));
  om_sjoin_query_free(q);
  om_sjoin_free(j);
}

static void test_nearest_polygon(void **state)
{
  (void)state;
  struct om_sjoin *j = make_join(OM_SJOIN_NEAREST, 0, name_field, 1, NULL, squares,
                                 square_names, NULL, 2);
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin_query *q;
  assert_int_equal(om_sjoin_query_new(&q, j, &d), 0);
  size_t n;
  assert_string_equal(match(q, "POINT(0.5 0.5)", &n, 0), "west");
  assert_true(om_sjoin_query_distance_km(q) == 0);
  assert_string_equal(match(q, "POINT(2.5 0.5)", &n, 0), "east");
  double want = om_geodesic_distance_km(2.5, 0.5, 2, 0.5);
  assert_true(fabs(om_sjoin_query_distance_km(q) - want) < 1e-6);
  om_sjoin_query_free(q);
  om_sjoin_free(j);
}

static void test_names(void **state)
{
  (void)state;
  static const char *const columns[] = {"name"};
  struct om_join_field f[] = {{.source = "nope"}};
  struct om_sjoin_spec spec = {.manifest = "layers/t.yaml", .layer = "t", .table = "tbl",
                               .nfields = 1, .fields = f};
  struct om_diag d;
  om_diag_init(&d);
  struct om_sjoin *j = NULL;
  assert_int_equal(om_sjoin_new(&j, &spec, 1, columns, NULL, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "field 'nope' is not in the table (it has: name)"));
  f[0].source = "name";
  spec.prefix = "c_";
  assert_int_equal(om_sjoin_new(&j, &spec, 1, columns, NULL, &d), 0);
  assert_int_equal(om_sjoin_build(j, &d), 0);
  const char *taken[] = {"C_NAME"};
  assert_int_equal(om_sjoin_check_names(j, taken, 1, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "output field 'c_name' clashes"));
  om_sjoin_free(j);
  enum om_sjoin_predicate p;
  assert_int_equal(om_sjoin_predicate_parse(&p, "contains"), 0);
  assert_int_equal(p, OM_SJOIN_CONTAINS);
  assert_int_equal(om_sjoin_predicate_parse(&p, "inside"), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_within),
    cmocka_unit_test(test_intersects),
    cmocka_unit_test(test_contains_counts),
    cmocka_unit_test(test_nearest_distance),
    cmocka_unit_test(test_nearest_max_km),
    cmocka_unit_test(test_nearest_antimeridian_and_pole),
    cmocka_unit_test(test_nearest_polygon),
    cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
