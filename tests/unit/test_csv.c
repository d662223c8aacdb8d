/*
 * The CSV writer: fields, then lat/lon or WKT, RFC 4180 quoting, and text
 * cells a spreadsheet would run as formulas guarded.  Also the WKB to WKT
 * writer it uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/spool.h"
#include "geom/geom.h"
#include "io/writer.h"
#include "support.h"

static struct om_field_def fields[] = {
  {"name", OM_FIELD_STRING},
  {"grade", OM_FIELD_REAL},
};
static const struct om_schema schema = {2, fields};

static char *write_csv(const char *test, const struct om_schema *s, const struct test_feature *tf,
                       size_t n)
{
  char *dir = test_tmpdir(test);
  char path[512];
  snprintf(path, sizeof path, "%s/out.csv", dir);
  struct om_spool *sp = test_make_spool(s, tf, n);
  struct om_layer_data L = {.name = "sites", .schema = s, .spool = sp};
  struct om_output_opts o = {.path = path, .layer = "sites", .precision = 6};
  struct om_diag d;
  om_diag_init(&d);
  if (om_write_csv(&L, &o, &d) != 0)
    fail_msg("%s", d.msg);
  om_spool_free(sp);
  free(dir);
  return test_read_file(path, NULL);
}

static void test_points_and_guards(void **state)
{
  (void)state;
  static const struct test_feature tf[] = {
      {{"Beylikova", "1.5"}, 31.2056, 39.6869, NULL},
      {{"=HYPERLINK(\"http://x\")", "-2.5"}, 2.1098, 13.51366, NULL},
      {{"+90 5551234", NULL}, 0, 0, NULL},
      {{"@SUM(A1)", "0"}, -77.03637, 38.89511, NULL},
      {{"Okçu, \"Karkın\"", "3"}, 31.35, 39.65, NULL},
      {{"-minus", "1e3"}, 1, 2, NULL},
  };
  char *text = write_csv("csv-points", &schema, tf, 6);
  assert_string_equal(text, "name,grade,lat,lon\r\n"
                            "Beylikova,1.5,39.6869,31.2056\r\n"
                            "\"'=HYPERLINK(\"\"http://x\"\")\",-2.5,13.51366,2.1098\r\n"
                            "\"'+90 5551234\",,0,0\r\n"
                            "\"'@SUM(A1)\",0,38.89511,-77.03637\r\n"
                            "\"Okçu, \"\"Karkın\"\"\",3,39.65,31.35\r\n"
                            "\"'-minus\",1e3,2,1\r\n");
  free(text);
}

static void test_geocoded_names_columns(void **state)
{
  (void)state;
  static struct om_field_def gf[] = {{"name", OM_FIELD_STRING}, {"gc_status", OM_FIELD_STRING}};
  static const struct om_schema gs = {2, gf};
  static const struct test_feature tf[] = {{{"Niamey", "matched"}, 2.1098, 13.51366, NULL}};
  char *text = write_csv("csv-geocoded", &gs, tf, 1);
  assert_string_equal(text, "name,gc_status,gc_lat,gc_lon\r\nNiamey,matched,13.51366,2.1098\r\n");
  free(text);
}

static void test_other_geometries_as_wkt(void **state)
{
  (void)state;
  static const struct test_feature tf[] = {
      {{"a", "1"}, 0, 0, "POINT (1 2)"},
      {{"b", "2"}, 0, 0, "POLYGON ((0 0, 1 0, 1 1, 0 0))"},
  };
  char *text = write_csv("csv-wkt", &schema, tf, 2);
  assert_string_equal(text, "name,grade,wkt\r\n"
                            "a,1,POINT (1 2)\r\n"
                            "b,2,\"POLYGON ((0 0, 1 0, 1 1, 0 0))\"\r\n");
  free(text);
}

static void test_wkt_round_trip(void **state)
{
  (void)state;
  const char *wkt[] = {
      "POINT (1 2)",
      "LINESTRING (0 0, 1.5 2.25)",
      "POLYGON ((0 0, 1 0, 1 1, 0 0), (0.1 0.1, 0.2 0.1, 0.2 0.2, 0.1 0.1))",
      "MULTIPOINT ((1 2), (3 4))",
      "MULTILINESTRING ((0 0, -1.000001 2), (3 3, 4 4))",
      "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
      "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))",
  };
  for (size_t i = 0; i < sizeof wkt / sizeof wkt[0]; i++) {
    unsigned char *wkb = NULL;
    size_t len = 0;
    char detail[128];
    assert_int_equal(om_geom_from_wkt(&wkb, &len, wkt[i], detail, sizeof detail), 0);
    char *back = om_wkb_to_wkt(wkb, len, 6);
    assert_non_null(back);
    assert_string_equal(back, wkt[i]);
    free(back);
    /* Cut WKB is not well formed: NULL, never a crash or a partial text. */
    assert_null(om_wkb_to_wkt(wkb, len - 3, 6));
    free(wkb);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_points_and_guards),
      cmocka_unit_test(test_geocoded_names_columns),
      cmocka_unit_test(test_other_geometries_as_wkt),
      cmocka_unit_test(test_wkt_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
