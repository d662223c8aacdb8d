/*
 * The OGR reader: spreadsheets, GeoPackage, GeoJSON, Shapefile and GDAL's
 * CSV driver, written here with GDAL and read back as a user would see them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "io/reader.h"
#include "reader_expect.h"
#include "support.h"

/* GDAL writes the sources the OGR tests read; a failed step fails the test. */
static GDALDatasetH create_dataset(const char *driver, const char *path)
{
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName(driver);
  assert_non_null(drv);
  GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
  assert_non_null(ds);
  return ds;
}

static OGRLayerH create_layer(GDALDatasetH ds, const char *name, OGRSpatialReferenceH srs,
                              OGRwkbGeometryType type, const char *const *fields,
                              const OGRFieldType *types, char **options)
{
  OGRLayerH l = GDALDatasetCreateLayer(ds, name, srs, type, options);
  assert_non_null(l);
  for (int i = 0; fields[i]; i++) {
    OGRFieldDefnH f = OGR_Fld_Create(fields[i], types[i]);
    assert_int_equal(OGR_L_CreateField(l, f, TRUE), OGRERR_NONE);
    OGR_Fld_Destroy(f);
  }
  return l;
}

/* Add a feature; wkt may be NULL.  Takes ownership of f. */
static void add_feature(OGRLayerH l, OGRFeatureH f, const char *wkt)
{
  if (wkt) {
    OGRGeometryH g = NULL;
    char *p = (char *)wkt;
    assert_int_equal(OGR_G_CreateFromWkt(&p, NULL, &g), OGRERR_NONE);
    OGR_F_SetGeometryDirectly(f, g);
  }
  assert_int_equal(OGR_L_CreateFeature(l, f), OGRERR_NONE);
  OGR_F_Destroy(f);
}

static double wkb_double(const unsigned char *p)
{
  double v;
  memcpy(&v, p, 8);
  return v;
}

static uint32_t wkb_type(const struct om_record *rec)
{
  uint32_t t;
  assert_true(rec->wkb_len >= 5);
  assert_int_equal(rec->wkb[0], 1); /* little-endian */
  memcpy(&t, rec->wkb + 1, 4);
  return t;
}

static void test_ogr_geojson(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("read/sites.geojson");
  struct om_reader *r = open_path(path, NULL, &s);
  assert_int_equal(om_reader_field_count(r), 6);
  assert_string_equal(om_reader_field_name(r, 2), "reo_pct");
  assert_int_equal(om_reader_field_type(r, 0), OM_FIELD_INTEGER);
  assert_int_equal(om_reader_field_type(r, 1), OM_FIELD_STRING);
  assert_int_equal(om_reader_field_type(r, 2), OM_FIELD_REAL);
  assert_int_equal(om_reader_field_type(r, 4), OM_FIELD_STRING); /* a date */
  assert_string_equal(om_reader_crs(r), "EPSG:4326");

  struct om_record rec;
  next_ok(r, &s, &rec, 1, 0);
  assert_string_equal(rec.values[0], "1");
  assert_string_equal(rec.values[2], "1.2");
  assert_string_equal(rec.values[3], "694000000");
  assert_string_equal(rec.values[4], "2023-04-18");
  assert_null(rec.values[5]);
  assert_int_equal(rec.wkb_len, 21); /* the Z is gone */
  assert_int_equal(wkb_type(&rec), 1);
  assert_true(wkb_double(rec.wkb + 5) == 31.2056 && wkb_double(rec.wkb + 13) == 39.6869);
  next_ok(r, &s, &rec, 2, 0);
  assert_string_equal(rec.values[1], "Kızılcaören");
  assert_null(rec.values[3]);
  assert_int_equal(wkb_type(&rec), 3);
  next_ok(r, &s, &rec, 3, 0);
  assert_string_equal(rec.values[2], "0.30000000000000004");
  assert_string_equal(rec.values[5], "");
  assert_null(rec.wkb);
  next_end(r, &s);
  om_reader_free(r);

  /* GDAL gives GeoJSON text as UTF-8: a declaration is not applied twice. */
  r = open_path(path, "CP1254", &s);
  assert_int_equal(s.d.warnings, 1);
  assert_non_null(strstr(s.lines[s.n - 1], "source.encoding CP1254 is ignored: GDAL's GeoJSON "
                                           "driver reads text as UTF-8"));
  next_ok(r, &s, &rec, 1, 0);
  next_ok(r, &s, &rec, 2, 0);
  assert_string_equal(rec.values[1], "Kızılcaören");
  om_reader_free(r);

  /* The limits hold for OGR sources too; numbers are never too long. */
  struct om_reader_opts o = {.path = path, .max_fields = 3};
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EMANIFEST);
  char want[512];
  snprintf(want, sizeof want, "'%s': 6 columns, limit 3 (source.max_fields)", path);
  assert_string_equal(s.d.msg, want);
  o.max_fields = 0;
  o.max_field_bytes = 10;
  r = open_opts(&o, &s);
  next_ok(r, &s, &rec, 1, 0);
  next_rejected(r, &s, path, OM_REASON_FIELD_TOO_LONG,
                ": record 2: field 'name': field longer than the limit: 14 bytes, limit 10: "
                "'Kızılcaören'");
  next_ok(r, &s, &rec, 3, 0);
  assert_string_equal(rec.values[2], "0.30000000000000004");
  next_end(r, &s);
  om_reader_free(r);
  free(path);
}

static char *make_gpkg(const char *dir)
{
  char *path;
  if (asprintf(&path, "%s/sites.gpkg", dir) < 0)
    abort();
  GDALDatasetH ds = create_dataset("GPKG", path);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  OSRImportFromEPSG(srs, 23036);
  const char *fields[] = {"name", "reserve_t", "grade", "surveyed", NULL};
  const OGRFieldType types[] = {OFTString, OFTInteger64, OFTReal, OFTDateTime};
  OGRLayerH l = create_layer(ds, "sites", srs, wkbUnknown, fields, types, NULL);
  OGRFeatureDefnH fd = OGR_L_GetLayerDefn(l);
  OGRFeatureH f = OGR_F_Create(fd);
  OGR_F_SetFieldString(f, 0, "Beylikova");
  OGR_F_SetFieldInteger64(f, 1, 694000000000LL);
  OGR_F_SetFieldDouble(f, 2, 1.2);
  OGR_F_SetFieldDateTimeEx(f, 3, 2023, 4, 18, 10, 30, 5.5f, 100);
  add_feature(l, f, "POINT ZM (500000 4400000 850 7)");
  f = OGR_F_Create(fd);
  OGR_F_SetFieldString(f, 0, "Kızılcaören");
  OGR_F_SetFieldNull(f, 2);
  add_feature(l, f, "CIRCULARSTRING (0 0,1 1,2 0)");
  add_feature(l, OGR_F_Create(fd), NULL); /* nothing at all */
  f = OGR_F_Create(fd);
  OGR_F_SetFieldString(f, 0, "Okçu");
  add_feature(l, f, NULL);

  const char *pf[] = {"country", NULL};
  const OGRFieldType pt[] = {OFTString};
  l = create_layer(ds, "partners", NULL, wkbNone, pf, pt, NULL);
  f = OGR_F_Create(OGR_L_GetLayerDefn(l));
  OGR_F_SetFieldString(f, 0, "Canada");
  add_feature(l, f, NULL);

  OSRImportFromProj4(srs, "+proj=tmerc +lon_0=33 +k=1 +x_0=500000 +ellps=GRS80 +units=m");
  l = create_layer(ds, "local", srs, wkbPoint, pf, pt, NULL);
  OSRDestroySpatialReference(srs);
  GDALClose(ds);
  return path;
}

static void test_ogr_geopackage_layers(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *dir = test_tmpdir("gpkg");
  char *path = make_gpkg(dir);
  struct om_reader *r = NULL;
  struct om_reader_opts o = {.path = path};
  char want[1024];
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EMANIFEST);
  snprintf(want, sizeof want,
           "'%s' has 3 layers ('sites', 'local', 'partners'): name one with source.layer", path);
  assert_string_equal(s.d.msg, want);
  o.layer = "assays";
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EMANIFEST);
  snprintf(want, sizeof want, "'%s' has no layer 'assays' (layers: 'sites', 'local', 'partners')",
           path);
  assert_string_equal(s.d.msg, want);

  o.layer = "sites";
  r = open_opts(&o, &s);
  assert_string_equal(om_reader_crs(r), "EPSG:23036");
  assert_int_equal(om_reader_field_type(r, 1), OM_FIELD_INTEGER);
  assert_int_equal(om_reader_field_type(r, 3), OM_FIELD_STRING);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 0);
  assert_string_equal(rec.values[1], "694000000000");
  assert_string_equal(rec.values[2], "1.2");
  assert_string_equal(rec.values[3], "2023-04-18T10:30:05.500Z");
  assert_int_equal(rec.wkb_len, 21); /* POINT ZM flattened to 2D */
  assert_int_equal(wkb_type(&rec), 1);
  assert_true(wkb_double(rec.wkb + 5) == 500000 && wkb_double(rec.wkb + 13) == 4400000);
  next_ok(r, &s, &rec, 2, 0);
  assert_string_equal(rec.values[0], "Kızılcaören");
  assert_null(rec.values[1]);
  assert_null(rec.values[2]);
  assert_int_equal(wkb_type(&rec), 2); /* the arc as a LineString */
  next_rejected(r, &s, path, OM_REASON_EMPTY_RECORD, ": record 3: empty record");
  next_ok(r, &s, &rec, 4, 0);
  assert_string_equal(rec.values[0], "Okçu");
  assert_null(rec.wkb);
  next_end(r, &s);
  om_reader_free(r);

  o.layer = "local"; /* a CRS without an authority comes as WKT */
  r = open_opts(&o, &s);
  assert_non_null(om_reader_crs(r));
  assert_memory_equal(om_reader_crs(r), "PROJCRS[", 8);
  next_end(r, &s);
  om_reader_free(r);
  free(path);

  /* A QGIS layer_styles table beside one layer does not make the layer ambiguous. */
  if (asprintf(&path, "%s/styled.gpkg", dir) < 0)
    abort();
  GDALDatasetH ds = create_dataset("GPKG", path);
  const char *sf[] = {"name", NULL};
  const OGRFieldType st[] = {OFTString};
  OGRLayerH l = create_layer(ds, "deposits", NULL, wkbNone, sf, st, NULL);
  OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
  OGR_F_SetFieldString(f, 0, "Beylikova");
  add_feature(l, f, NULL);
  const char *qf[] = {"f_table_name", "styleQML", NULL};
  const OGRFieldType qt[] = {OFTString, OFTString};
  create_layer(ds, "layer_styles", NULL, wkbNone, qf, qt, NULL);
  GDALClose(ds);
  o.layer = NULL;
  o.path = path;
  r = open_opts(&o, &s);
  assert_string_equal(om_reader_field_name(r, 0), "name");
  next_ok(r, &s, &rec, 1, 0);
  assert_string_equal(rec.values[0], "Beylikova");
  next_end(r, &s);
  om_reader_free(r);
  free(path);
  free(dir);
}

static void test_ogr_xlsx(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *dir = test_tmpdir("xlsx");
  char *path;
  if (asprintf(&path, "%s/sites.xlsx", dir) < 0)
    abort();
  GDALDatasetH ds = create_dataset("XLSX", path);
  const char *fields[] = {"name", "lat", "samples", NULL};
  const OGRFieldType types[] = {OFTString, OFTReal, OFTInteger};
  OGRLayerH l = create_layer(ds, "sites", NULL, wkbNone, fields, types, NULL);
  const char *names[] = {"Kızılcaören", "Beylikova"};
  const double lats[] = {39.6333, 39.6869};
  for (int i = 0; i < 2; i++) {
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
    OGR_F_SetFieldString(f, 0, names[i]);
    OGR_F_SetFieldDouble(f, 1, lats[i]);
    OGR_F_SetFieldInteger(f, 2, 12 + i);
    add_feature(l, f, NULL);
  }
  GDALClose(ds);

  struct om_reader *r = open_path(path, NULL, &s);
  assert_int_equal(om_reader_field_count(r), 3);
  assert_int_equal(om_reader_field_type(r, 0), OM_FIELD_STRING);
  assert_int_equal(om_reader_field_type(r, 1), OM_FIELD_REAL);
  assert_int_equal(om_reader_field_type(r, 2), OM_FIELD_INTEGER);
  assert_null(om_reader_crs(r));
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 0);
  assert_string_equal(rec.values[0], "Kızılcaören");
  assert_string_equal(rec.values[1], "39.6333");
  assert_string_equal(rec.values[2], "12");
  next_ok(r, &s, &rec, 2, 0);
  assert_string_equal(rec.values[1], "39.6869");
  next_end(r, &s);
  om_reader_free(r);
  free(path);
  free(dir);
}

/* A DBF written byte for byte in CP1254, with nothing (.cpg, code page byte) to say so. */
static void test_ogr_shapefile_encoding(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *dir = test_tmpdir("shp");
  char *path;
  if (asprintf(&path, "%s/sites.shp", dir) < 0)
    abort();
  GDALDatasetH ds = create_dataset("ESRI Shapefile", path);
  const char *fields[] = {"name", NULL};
  const OGRFieldType types[] = {OFTString};
  char *raw[] = {"ENCODING=", NULL};
  OGRLayerH l = create_layer(ds, "sites", NULL, wkbPoint, fields, types, raw);
  OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
  OGR_F_SetFieldString(f, 0, "K\xfdz\xfdlca\xf6ren");
  add_feature(l, f, "POINT (31.3833 39.6333)");
  f = OGR_F_Create(OGR_L_GetLayerDefn(l));
  OGR_F_SetFieldString(f, 0, "Beylikova");
  add_feature(l, f, "POINT (31.2056 39.6869)");
  GDALClose(ds);

  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8,
                ": record 1: field 'name': invalid UTF-8: byte 2; declare source.encoding if the "
                "file is not UTF-8: 'K\\xFDz\\xFDlca\\xF6ren'");
  next_ok(r, &s, &rec, 2, 0);
  assert_string_equal(rec.values[0], "Beylikova");
  next_end(r, &s);
  om_reader_free(r);

  r = open_path(path, "Windows-1254", &s);
  next_ok(r, &s, &rec, 1, 0);
  assert_string_equal(rec.values[0], "Kızılcaören");
  assert_int_equal(rec.wkb_len, 21);
  next_ok(r, &s, &rec, 2, 0);
  next_end(r, &s);
  om_reader_free(r);
  free(path);
  free(dir);
}

/* GDAL's CSV driver passes invalid UTF-8 through; this reader does not. */
static void test_ogr_csv_connection_string(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *file = data_path("bad/cp1254.csv");
  char *path;
  if (asprintf(&path, "CSV:%s", file) < 0)
    abort();
  struct om_reader *r = open_path(path, NULL, &s);
  assert_int_equal(om_reader_field_count(r), 3);
  assert_int_equal(om_reader_field_type(r, 1), -1);
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8,
                ": record 1: field 'name': invalid UTF-8: byte 2; declare source.encoding if the "
                "file is not UTF-8: 'K\\xFDz\\xFDlca\\xF6ren'");
  om_reader_free(r);

  r = open_path(path, "CP1254", &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 0);
  assert_string_equal(rec.values[2], "Eskişehir");
  next_ok(r, &s, &rec, 2, 0);
  next_ok(r, &s, &rec, 3, 0);
  assert_string_equal(rec.values[1], "İzmir");
  next_ok(r, &s, &rec, 4, 0);
  next_end(r, &s);
  om_reader_free(r);
  free(path);
  free(file);
}

/* A source GDAL cannot open: one run-level message, nothing on stderr. */
static void test_ogr_open_errors(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *dir = test_tmpdir("ogr_errors");
  char *bad = test_write_file(dir, "broken.geojson", "{\"type\": \"Feat", 14);
  char *err;
  if (asprintf(&err, "%s/stderr.txt", dir) < 0)
    abort();
  fflush(stderr);
  int saved = dup(2);
  int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 2);
  struct om_reader *r = NULL;
  struct om_reader_opts o = {.path = bad};
  int rc = om_reader_open(&r, &o, &s.d);
  char *missing = data_path("read/missing.gpkg");
  o.path = missing;
  int rc2 = om_reader_open(&r, &o, &s.d);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  assert_int_equal(rc, OM_EIO);
  assert_int_equal(rc2, OM_EIO);
  char want[512];
  snprintf(want, sizeof want, "cannot open '%s': ", missing);
  assert_memory_equal(s.d.msg, want, strlen(want));
  size_t len;
  char *printed = test_read_file(err, &len);
  assert_int_equal(len, 0);
  free(printed);
  free(missing);
  free(err);
  free(bad);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ogr_geojson),
    cmocka_unit_test(test_ogr_geopackage_layers),
    cmocka_unit_test(test_ogr_xlsx),
    cmocka_unit_test(test_ogr_shapefile_encoding),
    cmocka_unit_test(test_ogr_csv_connection_string),
    cmocka_unit_test(test_ogr_open_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
