/*
 * The GeoJSON writer: exact text for small layers, and GDAL's GeoJSON
 * driver reading back what QGIS and web servers would see.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/spool.h"
#include "geom/geom.h"
#include "io/writer.h"
#include "support.h"

static struct om_field_def deposit_fields[] = {
  {"name", OM_FIELD_STRING},
  {"grade", OM_FIELD_REAL},
  {"tonnes", OM_FIELD_INTEGER},
};
static const struct om_schema deposits = {3, deposit_fields};

/* Write the features with options o (path filled in) and return the file's text. */
static char *write_layer(const char *test, const struct om_schema *schema,
                         const struct test_feature *tf, size_t n, struct om_output_opts o,
                         char **path_out)
{
  char *dir = test_tmpdir(test);
  char *path = NULL;
  assert_true(asprintf(&path, "%s/layer.geojson", dir) > 0);
  struct om_spool *s = test_make_spool(schema, tf, n);
  struct om_layer_data L = {.name = "deposits", .schema = schema, .spool = s};
  struct om_diag d;
  om_diag_init(&d);
  o.path = path;
  int rc = om_write_geojson(&L, &o, &d);
  if (rc != 0)
    fail_msg("om_write_geojson: %d %s", rc, d.msg);
  om_spool_free(s);
  char *text = test_read_file(path, NULL);
  assert_non_null(text);
  free(dir);
  if (path_out)
    *path_out = path;
  else
    free(path);
  return text;
}

static const struct test_feature small[] = {
  {{"Beylikova", "2.5", "1200"}, 31.384567891, 39.6312, NULL},
  {{NULL, NULL, "-7"}, -0.0000001, 13.5, NULL},
  {{"Koulbaga", "3", "0"}, 2.1, -45.0000004, NULL},
};

static void test_golden_small_layer(void **state)
{
  (void)state;
  char *text = write_layer("geojson-golden", &deposits, small, 3,
                           (struct om_output_opts){.precision = 6}, NULL);
  assert_string_equal(
      text,
      "{\"type\":\"FeatureCollection\",\"name\":\"deposits\",\"bbox\":[0,-45,31.384568,39.6312],"
      "\"features\":[\n"
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"Beylikova\",\"grade\":2.5,\"tonnes\":1200},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[31.384568,39.6312]}},\n"
      "{\"type\":\"Feature\",\"properties\":{\"name\":null,\"grade\":null,\"tonnes\":-7},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,13.5]}},\n"
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"Koulbaga\",\"grade\":3.0,\"tonnes\":0},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[2.1,-45]}}\n"
      "]}\n");
  assert_null(strstr(text, "\"crs\""));
  free(text);
}

static void test_precision_3_and_allow_list(void **state)
{
  (void)state;
  static const size_t fields[] = {2, 0};
  static const struct test_feature pts[] = {
    {{"a", "1", "5"}, 31.3846, -39.6314999, NULL},
    {{"b", "1", "6"}, -0.0004, 179.9999, NULL},
    {{"c", "1", "7"}, 12.0, 1e-12, NULL},
  };
  char *text = write_layer("geojson-prec3", &deposits, pts, 3,
                           (struct om_output_opts){.precision = 3, .layer = "public",
                                                   .description = "Sites \"open\" to all",
                                                   .nfields = 2, .field_index = fields},
                           NULL);
  assert_string_equal(
      text,
      "{\"type\":\"FeatureCollection\",\"name\":\"public\","
      "\"description\":\"Sites \\\"open\\\" to all\",\"bbox\":[0,-39.631,31.385,180],"
      "\"features\":[\n"
      "{\"type\":\"Feature\",\"properties\":{\"tonnes\":5,\"name\":\"a\"},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[31.385,-39.631]}},\n"
      "{\"type\":\"Feature\",\"properties\":{\"tonnes\":6,\"name\":\"b\"},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,180]}},\n"
      "{\"type\":\"Feature\",\"properties\":{\"tonnes\":7,\"name\":\"c\"},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[12,0]}}\n"
      "]}\n");
  free(text);

  /* An empty allow-list writes empty properties. */
  text = write_layer("geojson-nofields", &deposits, pts, 1,
                     (struct om_output_opts){.precision = 0, .nfields = 0, .field_index = fields},
                     NULL);
  assert_non_null(strstr(text, "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                               "{\"type\":\"Point\",\"coordinates\":[31,-40]}}"));
  free(text);
}

static void test_escaping(void **state)
{
  (void)state;
  static struct om_field_def fields[] = {{"note \"q\"", OM_FIELD_STRING}};
  static const struct om_schema schema = {1, fields};
  static const struct test_feature f[] = {
    {{"say \"hi\"\\ \n\t\r\x01\x1f / Kızılcaören \xe2\x80\xa8|\xe2\x80\xa9|\xe2\x82\xac"},
     1, 2, NULL},
  };
  char *text = write_layer("geojson-escape", &schema, f, 1,
                           (struct om_output_opts){.precision = 6}, NULL);
  assert_non_null(strstr(text, "\"properties\":{\"note \\\"q\\\"\":\"say \\\"hi\\\"\\\\ \\n\\t\\r"
                               "\\u0001\\u001f / Kızılcaören \\u2028|\\u2029|\xe2\x82\xac\"}"));
  free(text);
}

static void test_empty_layer(void **state)
{
  (void)state;
  char *path;
  char *text = write_layer("geojson-empty", &deposits, NULL, 0,
                           (struct om_output_opts){.precision = 6}, &path);
  assert_string_equal(text, "{\"type\":\"FeatureCollection\",\"name\":\"deposits\","
                            "\"features\":[\n]}\n");
  free(text);
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
  assert_non_null(ds);
  assert_int_equal(GDALDatasetGetLayerCount(ds), 1);
  assert_int_equal(OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, 0), 1), 0);
  GDALClose(ds);
  free(path);
}

static void test_crossing_polygon_is_cut(void **state)
{
  (void)state;
  static const struct test_feature f[] = {
    {{"Fiji", "1.5", "1"}, 0, 0, "POLYGON ((178 -18, -178 -18, -178 -16, 178 -16, 178 -18))"},
    {{"Suva", "1.5", "2"}, 178.4419, -18.1416, NULL},
  };
  char *text = write_layer("geojson-cut", &deposits, f, 2,
                           (struct om_output_opts){.precision = 6}, NULL);
  assert_string_equal(
      text,
      "{\"type\":\"FeatureCollection\",\"name\":\"deposits\",\"bbox\":[-180,-18.1416,180,-16],"
      "\"features\":[\n"
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"Fiji\",\"grade\":1.5,\"tonnes\":1},"
      "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":["
      "[[[-178,-18],[-178,-16],[-180,-16],[-180,-18],[-178,-18]]],"
      "[[[178,-16],[178,-18],[180,-18],[180,-16],[178,-16]]]]}},\n"
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"Suva\",\"grade\":1.5,\"tonnes\":2},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[178.4419,-18.1416]}}\n"
      "]}\n");
  free(text);
}

static void test_gdal_reads_it_back(void **state)
{
  (void)state;
  static struct om_field_def fields[] = {
    {"name", OM_FIELD_STRING},
    {"grade", OM_FIELD_REAL},
    {"tonnes", OM_FIELD_INTEGER},
    {"note", OM_FIELD_STRING},
  };
  static const struct om_schema schema = {4, fields};
  static const struct test_feature f[] = {
    {{"Beylikova", "2.5", "12345678901", "line 1\nline \"2\""}, 31.384567891, 39.6312, NULL},
    {{"Kızılcaören", "-1.25e-3", "-7", NULL}, 0, 0, "LINESTRING (139.69 35.69, -122.42 37.77)"},
    {{"ring", "3", "0", "\xe2\x80\xa8"}, 0, 0,
     "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 4 2, 4 4, 2 2))"},
    {{"mp", "0", "1", ""}, 0, 0, "MULTIPOINT ((1 2), (3 4))"},
    {{"ml", "0", "1", ""}, 0, 0, "MULTILINESTRING ((1 2, 3 4), (5 6, 7 8))"},
    {{"mpoly", "0", "1", ""}, 0, 0, "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))"},
    {{"gc", "0", "1", ""}, 0, 0,
     "GEOMETRYCOLLECTION (POINT (1 2), GEOMETRYCOLLECTION (LINESTRING (0 0, 1 1)))"},
  };
  char *path;
  free(write_layer("geojson-gdal", &schema, f, 7, (struct om_output_opts){.precision = 6}, &path));

  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
  assert_non_null(ds);
  OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
  assert_string_equal(OGR_L_GetName(layer), "deposits");
  assert_int_equal(OGR_L_GetFeatureCount(layer, 1), 7);
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
  assert_int_equal(OGR_FD_GetFieldCount(defn), 4);
  assert_string_equal(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, 0)), "name");
  assert_int_equal(OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, 0)), OFTString);
  assert_int_equal(OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, 1)), OFTReal);
  assert_int_equal(OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, 2)), OFTInteger64);
  assert_int_equal(OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, 3)), OFTString);

  static const char *const wkt[] = {
    "POINT (31.384568 39.6312)",
    "MULTILINESTRING ((139.69 35.69,180.0 36.546521),(-180 36.546521,-122.42 37.77))",
    "POLYGON ((0 0,10 0,10 10,0 10,0 0),(2 2,4 4,4 2,2 2))",
    "MULTIPOINT (1 2,3 4)",
    "MULTILINESTRING ((1 2,3 4),(5 6,7 8))",
    "MULTIPOLYGON (((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))",
    "GEOMETRYCOLLECTION (POINT (1 2),GEOMETRYCOLLECTION (LINESTRING (0 0,1 1)))",
  };
  OGR_L_ResetReading(layer);
  for (int i = 0; i < 7; i++) {
    OGRFeatureH feat = OGR_L_GetNextFeature(layer);
    assert_non_null(feat);
    assert_string_equal(OGR_F_GetFieldAsString(feat, 0), f[i].values[0]);
    char *got = NULL;
    assert_int_equal(OGR_G_ExportToWkt(OGR_F_GetGeometryRef(feat), &got), OGRERR_NONE);
    assert_string_equal(got, wkt[i]);
    CPLFree(got);
    if (i == 0) {
      assert_true(OGR_F_GetFieldAsDouble(feat, 1) == 2.5);
      assert_true(OGR_F_GetFieldAsInteger64(feat, 2) == 12345678901LL);
      assert_string_equal(OGR_F_GetFieldAsString(feat, 3), "line 1\nline \"2\"");
    } else if (i == 1) {
      assert_true(OGR_F_GetFieldAsDouble(feat, 1) == -1.25e-3);
      assert_true(OGR_F_IsFieldNull(feat, 3));
    } else if (i == 2) {
      assert_true(OGR_F_GetFieldAsDouble(feat, 1) == 3);
      assert_string_equal(OGR_F_GetFieldAsString(feat, 3), "\xe2\x80\xa8");
    }
    OGR_F_Destroy(feat);
  }
  double env[4];
  OGREnvelope e;
  assert_int_equal(OGR_L_GetExtent(layer, &e, 1), OGRERR_NONE);
  env[0] = e.MinX, env[1] = e.MinY, env[2] = e.MaxX, env[3] = e.MaxY;
  assert_true(env[0] == -180 && env[1] == 0 && env[2] == 180 && env[3] == 39.6312);
  GDALClose(ds);
  free(path);
}

/* Count the temporaries left in dir. */
static int temporaries(const char *dir)
{
  DIR *dp = opendir(dir);
  assert_non_null(dp);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL)
    n += strstr(e->d_name, ".oremap-tmp-") != NULL;
  closedir(dp);
  return n;
}

static void test_errors_name_the_file_and_keep_the_old_one(void **state)
{
  (void)state;
  char *dir = test_tmpdir("geojson-errors");
  char *path = test_write_file(dir, "layer.geojson", "old", 3);
  static const struct test_feature bad[] = {
    {{"a", "1.5", "1"}, 1, 2, NULL},
    {{"b", "1,5", "2"}, 1, 2, NULL},
  };
  struct om_spool *s = test_make_spool(&deposits, bad, 2);
  struct om_layer_data L = {.name = "deposits", .schema = &deposits, .spool = s};
  struct om_output_opts o = {.path = path, .precision = 6};
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_write_geojson(&L, &o, &d), OM_EIO);
  char expect[4300];
  snprintf(expect, sizeof expect,
           "cannot write '%s': record 2: field 'grade': '1,5' is not a number", path);
  assert_string_equal(d.msg, expect);
  char *text = test_read_file(path, NULL);
  assert_string_equal(text, "old");
  free(text);
  assert_int_equal(temporaries(dir), 0);

  /* A coordinate JSON cannot hold. */
  static const struct test_feature inf[] = {
    {{"a", "1.5", "1"}, 1, 2, NULL},
    {{"b", "1.5", "2"}, INFINITY, 2, NULL},
  };
  om_spool_free(s);
  s = test_make_spool(&deposits, inf, 2);
  L.spool = s;
  assert_int_equal(om_write_geojson(&L, &o, &d), OM_EIO);
  snprintf(expect, sizeof expect,
           "cannot write '%s': record 2: a coordinate is not a finite number", path);
  assert_string_equal(d.msg, expect);
  text = test_read_file(path, NULL);
  assert_string_equal(text, "old");
  free(text);
  assert_int_equal(temporaries(dir), 0);

  char *missing = NULL;
  assert_true(asprintf(&missing, "%s/no/such/folder/layer.geojson", dir) > 0);
  o.path = missing;
  assert_int_equal(om_write_geojson(&L, &o, &d), OM_EIO);
  snprintf(expect, sizeof expect, "cannot create '%s': No such file or directory", missing);
  assert_string_equal(d.msg, expect);
  free(missing);
  om_spool_free(s);
  free(path);
  free(dir);
}

/*
 * OM_BENCH_GEOJSON=N writes N points with 8 properties and prints the time;
 * without it the test writes 20,000 and checks the line count.
 */
static void test_many_points(void **state)
{
  (void)state;
  const char *env = getenv("OM_BENCH_GEOJSON");
  long n = env ? atol(env) : 20000;
  static struct om_field_def fields[] = {
    {"site_id", OM_FIELD_INTEGER}, {"name", OM_FIELD_STRING},  {"commodity", OM_FIELD_STRING},
    {"status", OM_FIELD_STRING},   {"reo_pct", OM_FIELD_REAL}, {"nd_ppm", OM_FIELD_REAL},
    {"province", OM_FIELD_STRING}, {"tonnes", OM_FIELD_INTEGER},
  };
  static const struct om_schema schema = {8, fields};
  char *dir = test_tmpdir("geojson-many");
  char *path = NULL;
  assert_true(asprintf(&path, "%s/many.geojson", dir) > 0);
  struct om_diag d;
  om_diag_init(&d);
  struct om_spool *s;
  assert_int_equal(om_spool_new(&s, NULL, &d), 0);
  srand(42);
  for (long i = 0; i < n; i++) {
    char id[24], name[40], reo[32], nd[32], tonnes[24];
    snprintf(id, sizeof id, "%ld", i + 1);
    snprintf(name, sizeof name, "Site %ld \"Ören\"", i);
    snprintf(reo, sizeof reo, "%.3f", rand() / (double)RAND_MAX * 10);
    snprintf(nd, sizeof nd, "%d", rand() % 5000);
    snprintf(tonnes, sizeof tonnes, "%d", rand());
    const char *values[8] = {id, name, "REE", "exploration", reo, nd, "Eskişehir", tonnes};
    unsigned char wkb[21];
    double x = rand() / (double)RAND_MAX * 360 - 180, y = rand() / (double)RAND_MAX * 180 - 90;
    om_wkb_point(wkb, x, y);
    struct om_feature f = {.record = i + 1, .nvalues = 8, .values = values, .wkb = wkb,
                           .wkb_len = sizeof wkb, .env = {x, y, x, y}};
    assert_int_equal(om_spool_add(s, &f, &d), 0);
  }
  assert_int_equal(om_spool_finish(s, &d), 0);
  struct om_layer_data L = {.name = "many", .schema = &schema, .spool = s};
  struct om_output_opts o = {.path = path, .precision = 6};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(om_write_geojson(&L, &o, &d), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  om_spool_free(s);
  if (env)
    print_message("wrote %ld points in %.3f s\n", n,
                  (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  long lines = 0;
  int c;
  while ((c = getc_unlocked(f)) != EOF)
    lines += c == '\n';
  fclose(f);
  assert_int_equal(lines, n + 2);
  free(path);
  free(dir);
}

static int setup(void **state)
{
  (void)state;
  GDALAllRegister();
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_golden_small_layer),
    cmocka_unit_test(test_precision_3_and_allow_list),
    cmocka_unit_test(test_escaping),
    cmocka_unit_test(test_empty_layer),
    cmocka_unit_test(test_crossing_polygon_is_cut),
    cmocka_unit_test(test_gdal_reads_it_back),
    cmocka_unit_test(test_errors_name_the_file_and_keep_the_old_one),
    cmocka_unit_test(test_many_points),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
