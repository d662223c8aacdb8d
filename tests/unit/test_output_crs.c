/*
 * Outputs in a CRS of their own: a GeoPackage written in TUREF / TM30
 * (EPSG:5254) opens in GDAL with that SRS and with coordinates PROJ's own
 * transformation gives; a record outside the CRS's area of use is left
 * out of that output only, with a warning naming it; GeoJSON refuses any
 * CRS but WGS 84.
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
#include <sys/stat.h>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <proj.h>

#include "crs/crs.h"
#include "manifest/manifest.h"
#include "pipeline/layer.h"
#include "support.h"

/* Warnings reported during a build. */
struct lines {
  size_t nwarn;
  char *warn[8];
};

static void collect(void *ctx, enum om_level level, const char *line)
{
  struct lines *l = ctx;
  if (level == OM_LEVEL_WARNING && l->nwarn < 8)
    l->warn[l->nwarn++] = strdup(line);
}

static void add_file(const char *dir, const char *name, const char *text)
{
  free(test_write_file(dir, name, text, strlen(text)));
}

static char *make_project(const char *name, const char *layer_yaml)
{
  char *dir = test_tmpdir(name);
  char *sub = NULL;
  add_file(dir, "oremap.yaml", "name: test\n");
  for (int i = 0; i < 2; i++) {
    assert_true(asprintf(&sub, "%s/%s", dir, i ? "data" : "layers") > 0);
    assert_int_equal(mkdir(sub, 0777), 0);
    free(sub);
  }
  add_file(dir, "layers/sites.yaml", layer_yaml);
  add_file(dir, "data/sites.csv", "id,name,lon,lat\n"
                                  "1,Beylikova,31.21,39.69\n"
                                  "2,Kırka,30.52,39.29\n"
                                  "3,Tokyo,139.69,35.68\n");
  return dir;
}

/* PROJ's own transformation of WGS 84 lon/lat into EPSG:5254, easting first. */
static void proj_tm30(double lon, double lat, double *e, double *n)
{
  PJ_CONTEXT *ctx = proj_context_create();
  PJ *op = proj_create_crs_to_crs(ctx, "EPSG:4326", "EPSG:5254", NULL);
  assert_non_null(op);
  PJ *norm = proj_normalize_for_visualization(ctx, op);
  assert_non_null(norm);
  PJ_COORD c = proj_trans(norm, PJ_FWD, proj_coord(lon, lat, 0, 0));
  *e = c.xy.x;
  *n = c.xy.y;
  proj_destroy(norm);
  proj_destroy(op);
  proj_context_destroy(ctx);
}

static const char LAYER_TM30[] = "name: sites\n"
                                 "source: { path: data/sites.csv, id: id }\n"
                                 "locate: { coordinates: { x: lon, y: lat } }\n"
                                 "outputs:\n"
                                 "  - out/sites.geojson\n"
                                 "  - { path: out/sites.gpkg, crs: \"EPSG:5254\" }\n";

static void test_gpkg_in_tm30(void **state)
{
  (void)state;
  char *dir = make_project("output-crs-tm30", LAYER_TM30);
  struct om_diag d;
  om_diag_init(&d);
  struct lines got = {0};
  d.report = collect;
  d.report_ctx = &got;
  struct om_project *p = NULL;
  assert_int_equal(om_project_load(&p, dir, &d), 0);
  assert_string_equal(p->layers[0].outputs[1].crs, "EPSG:5254");
  struct om_layer_result res;
  int rc = om_layer_build(&res, p, &p->layers[0], NULL, &d);
  if (rc != 0)
    fail_msg("build: %s", d.msg);
  assert_int_equal(res.written, 3); /* every record is in the layer ... */
  assert_int_equal(res.rejected, 0);
  /* ... but Tokyo cannot be written in TUREF / TM30, and the user is told. */
  assert_int_equal(got.nwarn, 1);
  assert_non_null(strstr(got.warn[0], "record 3 is left out of output 'out/sites.gpkg' "
                                      "(EPSG:5254): outside the area of use of the CRS"));

  char *path = NULL;
  assert_true(asprintf(&path, "%s/out/sites.gpkg", dir) > 0);
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  assert_non_null(ds);
  OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "sites");
  assert_non_null(lyr);
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
  assert_non_null(srs);
  assert_string_equal(OSRGetAuthorityName(srs, NULL), "EPSG");
  assert_string_equal(OSRGetAuthorityCode(srs, NULL), "5254");
  assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), 2);

  static const struct { const char *name; double lon, lat; } want[] = {
    {"Beylikova", 31.21, 39.69}, {"Kırka", 30.52, 39.29}};
  for (size_t i = 0; i < 2; i++) {
    char filter[64];
    snprintf(filter, sizeof filter, "name = '%s'", want[i].name);
    assert_int_equal(OGR_L_SetAttributeFilter(lyr, filter), OGRERR_NONE);
    OGR_L_ResetReading(lyr);
    OGRFeatureH f = OGR_L_GetNextFeature(lyr);
    assert_non_null(f);
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    double e, n;
    proj_tm30(want[i].lon, want[i].lat, &e, &n);
    if (fabs(OGR_G_GetX(g, 0) - e) > 0.001 || fabs(OGR_G_GetY(g, 0) - n) > 0.001)
      fail_msg("%s at %.4f %.4f, PROJ says %.4f %.4f", want[i].name, OGR_G_GetX(g, 0),
               OGR_G_GetY(g, 0), e, n);
    assert_true(e > 400000 && e < 700000 && n > 4300000); /* easting first */
    OGR_F_Destroy(f);
  }
  /* The extent GDAL reads from gpkg_contents is in metres too. */
  OGREnvelope env;
  assert_int_equal(OGR_L_GetExtent(lyr, &env, 0), OGRERR_NONE);
  assert_true(env.MinX > 400000 && env.MaxX < 700000 && env.MinY > 4300000);
  /* So is the spatial index: a filter round Kırka finds it alone. */
  double e, n;
  proj_tm30(30.52, 39.29, &e, &n);
  OGR_L_SetAttributeFilter(lyr, NULL);
  OGR_L_SetSpatialFilterRect(lyr, e - 10, n - 10, e + 10, n + 10);
  assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), 1);
  GDALClose(ds);
  free(path);

  /* The GeoJSON output stays WGS 84 and keeps every record. */
  assert_true(asprintf(&path, "%s/out/sites.geojson", dir) > 0);
  char *json = test_read_file(path, NULL);
  assert_non_null(json);
  assert_non_null(strstr(json, "139.69"));
  assert_null(strstr(json, "\"crs\""));
  free(json);
  free(path);

  for (size_t i = 0; i < got.nwarn; i++)
    free(got.warn[i]);
  om_layer_result_release(&res);
  om_project_free(p);
  free(dir);
}

static void test_geojson_refuses_crs(void **state)
{
  (void)state;
  char *dir = make_project("output-crs-geojson",
                           "name: sites\n"
                           "source: { path: data/sites.csv }\n"
                           "locate: { coordinates: { x: lon, y: lat } }\n"
                           "outputs:\n"
                           "  - { path: out/sites.geojson, crs: \"EPSG:5254\" }\n"
                           "  - { path: out/ok.geojson, crs: \"EPSG:4326\" }\n");
  struct om_diag d;
  om_diag_init(&d);
  struct om_project *p = NULL;
  assert_int_equal(om_project_load(&p, dir, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "layers/sites.yaml:5:"));
  assert_non_null(strstr(d.msg, "GeoJSON is always WGS 84 (RFC 7946)"));
  assert_null(strstr(d.msg, "ok.geojson"));
  free(dir);
}

static void test_unknown_crs(void **state)
{
  (void)state;
  char *dir = make_project("output-crs-unknown",
                           "name: sites\n"
                           "source: { path: data/sites.csv }\n"
                           "locate: { coordinates: { x: lon, y: lat } }\n"
                           "outputs:\n"
                           "  - { path: out/sites.gpkg, crs: \"EPSG:999999\" }\n");
  struct om_diag d;
  om_diag_init(&d);
  struct om_project *p = NULL;
  assert_int_equal(om_project_load(&p, dir, &d), 0);
  struct om_layer_result res;
  assert_int_equal(om_layer_build(&res, p, &p->layers[0], NULL, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "layers/sites.yaml:5: output 'out/sites.gpkg': unknown CRS"));
  om_layer_result_release(&res);
  om_project_free(p);
  free(dir);
}

/* The inverse transformation goes back where om_crs_to_wgs84 came from. */
static void test_from_wgs84_round_trip(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  struct om_crs *c;
  assert_int_equal(om_crs_new(&c, "EPSG:5254", &d), 0);
  char detail[256];
  double x = 31.21, y = 39.69;
  assert_int_equal(om_crs_from_wgs84(c, &x, &y, detail, sizeof detail), OM_REASON_NONE);
  assert_int_equal(om_crs_to_wgs84(c, &x, &y, detail, sizeof detail), OM_REASON_NONE);
  assert_true(fabs(x - 31.21) < 1e-9 && fabs(y - 39.69) < 1e-9);
  x = 139.69, y = 35.68;
  assert_int_equal(om_crs_from_wgs84(c, &x, &y, detail, sizeof detail),
                   OM_REASON_OUTSIDE_CRS_AREA);
  assert_non_null(strstr(detail, "TUREF / TM30"));
  struct om_crs_srs srs;
  assert_int_equal(om_crs_srs_get(&srs, c, &d), 0);
  assert_string_equal(srs.organization, "EPSG");
  assert_int_equal(srs.organization_id, 5254);
  assert_string_equal(srs.name, "TUREF / TM30");
  assert_non_null(strstr(srs.definition, "PROJCS[\"TUREF / TM30\""));
  om_crs_srs_release(&srs);
  om_crs_free(c);
}

int main(void)
{
  GDALAllRegister();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gpkg_in_tm30),
    cmocka_unit_test(test_geojson_refuses_crs),
    cmocka_unit_test(test_unknown_crs),
    cmocka_unit_test(test_from_wgs84_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
