/*
 * Building a layer from a project on disk: every record read ends in the
 * outputs or in the rejects file with its reason, field types come out as
 * a user expects when GDAL opens the result, and a bad manifest stops the
 * build before any output is touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdal.h>
#include <ogr_api.h>

#include "manifest/manifest.h"
#include "pipeline/layer.h"
#include "support.h"

#define HEADER "source,record,line,field,reason,value\r\n"

/* ---- Helpers ---- */

/* Report lines by level. */
struct lines {
  size_t nreject, nwarn;
  char *warn[8];
};

static void collect(void *ctx, enum om_level level, const char *line)
{
  struct lines *l = ctx;
  if (level == OM_LEVEL_REJECT) {
    l->nreject++;
  } else if (level == OM_LEVEL_WARNING) {
    assert_true(l->nwarn < 8);
    l->warn[l->nwarn] = strdup(line);
    assert_non_null(l->warn[l->nwarn]);
    l->nwarn++;
  }
}

static void lines_free(struct lines *l)
{
  for (size_t i = 0; i < l->nwarn; i++)
    free(l->warn[i]);
  memset(l, 0, sizeof *l);
}

static void diag_start(struct om_diag *d, struct lines *l)
{
  memset(l, 0, sizeof *l);
  om_diag_init(d);
  d->report = collect;
  d->report_ctx = l;
}

/* A project folder: oremap.yaml, layers/<layer>.yaml, data/<csv>; owned path. */
static char *make_project(const char *tmpname)
{
  char *dir = test_tmpdir(tmpname);
  char *sub = NULL;
  static const char project[] = "name: test\n";
  free(test_write_file(dir, "oremap.yaml", project, strlen(project)));
  for (int i = 0; i < 2; i++) {
    assert_true(asprintf(&sub, "%s/%s", dir, i ? "data" : "layers") > 0);
    assert_int_equal(mkdir(sub, 0777), 0);
    free(sub);
  }
  return dir;
}

static void add_file(const char *dir, const char *name, const char *text)
{
  free(test_write_file(dir, name, text, strlen(text)));
}

static struct om_project *load(const char *dir)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_project *p = NULL;
  int rc = om_project_load(&p, dir, &d);
  if (rc != 0)
    fail_msg("om_project_load: %d %s", rc, d.msg);
  return p;
}

static char *path_in(const char *dir, const char *rel)
{
  char *path = NULL;
  assert_true(asprintf(&path, "%s/%s", dir, rel) > 0);
  return path;
}

static bool exists(const char *dir, const char *rel)
{
  char *path = path_in(dir, rel);
  bool there = access(path, F_OK) == 0;
  free(path);
  return there;
}

static void assert_file(const char *dir, const char *rel, const char *want)
{
  char *path = path_in(dir, rel);
  char *text = test_read_file(path, NULL);
  if (!text)
    fail_msg("cannot read '%s'", path);
  assert_string_equal(text, want);
  free(text);
  free(path);
}

static void assert_contains(const char *s, const char *needle)
{
  if (!strstr(s, needle))
    fail_msg("'%s' lacks '%s'", s, needle);
}

static GDALDatasetH open_vector(const char *dir, const char *rel)
{
  char *path = path_in(dir, rel);
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!ds)
    fail_msg("GDAL cannot open '%s'", path);
  free(path);
  return ds;
}

/* The OGR type of a field, failing when the layer has no such field. */
static OGRFieldType field_type(OGRLayerH lyr, const char *name)
{
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
  int i = OGR_FD_GetFieldIndex(defn, name);
  if (i < 0)
    fail_msg("no field '%s' in layer '%s'", name, OGR_L_GetName(lyr));
  return OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i));
}

/* The feature whose field 'key' is 'value' (owned; OGR_F_Destroy). */
static OGRFeatureH feature_where(OGRLayerH lyr, const char *key, const char *value)
{
  char filter[128];
  snprintf(filter, sizeof filter, "%s = '%s'", key, value);
  assert_int_equal(OGR_L_SetAttributeFilter(lyr, filter), OGRERR_NONE);
  OGR_L_ResetReading(lyr);
  OGRFeatureH f = OGR_L_GetNextFeature(lyr);
  if (!f)
    fail_msg("no feature with %s", filter);
  OGR_L_SetAttributeFilter(lyr, NULL);
  return f;
}

static int field_index(OGRFeatureH f, const char *name)
{
  int i = OGR_F_GetFieldIndex(f, name);
  assert_true(i >= 0);
  return i;
}

/* ---- Building ---- */

static const char SITES_YAML[] = "name: sites\n"
                                 "source:\n"
                                 "  path: data/sites.csv\n"
                                 "  id: code\n"
                                 "  fields: { year: integer }\n"
                                 "locate:\n"
                                 "  coordinates: { x: lon, y: lat }\n"
                                 "outputs:\n"
                                 "  - out/sites.gpkg\n"
                                 "  - out/web/sites.geojson\n";

static const char SITES_CSV[] = "code,name,lon,lat,zip,count,ratio,empty,year\n"
                                "1,Kızılcaören,31.3833,39.6333,007,12,0.5,,2023\n"
                                "2,\"Okçu, Beylikova\",31.45,39.61,010,-3,2,,2024\n"
                                "3,bad year,31.2,39.6,026,0,1.75,,20x4\n"
                                "2,again,31.1,39.1,011,1,1,,2020\n"
                                "4,far east,120,95,012,1,1,,2020\n"
                                "5,too,many,fields,1,1,1,,2020,x\n"
                                "6,İzmir,27.1287,38.4192,035,7,1e3,,\n";

static void test_build_counts_and_types(void **state)
{
  (void)state;
  char *dir = make_project("layer-build");
  add_file(dir, "layers/sites.yaml", SITES_YAML);
  add_file(dir, "data/sites.csv", SITES_CSV);
  struct om_project *p = load(dir);
  assert_int_equal(p->nlayers, 1);

  struct om_diag d;
  struct lines got;
  diag_start(&d, &got);
  struct om_layer_result res;
  int rc = om_layer_build(&res, p, &p->layers[0], NULL, &d);
  if (rc != 0)
    fail_msg("om_layer_build: %d %s", rc, d.msg);
  assert_int_equal(res.read, 7);
  assert_int_equal(res.written, 3);
  assert_int_equal(res.rejected, 4);
  assert_int_equal(res.read, res.written + res.rejected);
  assert_int_equal(res.counts[OM_REASON_NOT_AN_INTEGER], 1);
  assert_int_equal(res.counts[OM_REASON_DUPLICATE_ID], 1);
  assert_int_equal(res.counts[OM_REASON_LAT_RANGE], 1);
  assert_int_equal(res.counts[OM_REASON_FIELD_COUNT], 1);
  assert_int_equal(got.nreject, 4);
  assert_int_equal(got.nwarn, 0);

  char *rejects = path_in(dir, "out/rejects/sites.csv");
  assert_string_equal(res.rejects_path, rejects);
  char *want = NULL;
  /* The rejects file names the source as the manifest does, wherever the build ran from. */
  char *src = strdup("data/sites.csv");
  assert_true(asprintf(&want,
                       HEADER "%s,3,4,year,not an integer,20x4\r\n"
                              "%s,4,5,code,duplicate id,2\r\n"
                              "%s,5,6,lat,\"latitude outside [-90, 90]\",95\r\n"
                              "%s,6,7,,\"wrong number of fields: 10 fields, header has 9\","
                              "\"5,too,many,fields,1,1,1,,2020,x\"\r\n",
                       src, src, src, src) > 0);
  assert_file(dir, "out/rejects/sites.csv", want);
  free(want);
  free(src);
  free(rejects);

  /* The GeoPackage: coordinates are the geometry, every other column a field. */
  GDALDatasetH ds = open_vector(dir, "out/sites.gpkg");
  OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "sites");
  assert_non_null(lyr);
  assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), 3);
  assert_int_equal(OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(lyr)), 7);
  assert_int_equal(OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), "lat"), -1);
  assert_int_equal(field_type(lyr, "code"), OFTString);    /* the id, though all digits */
  assert_int_equal(field_type(lyr, "zip"), OFTString);     /* "007" is not a number */
  assert_int_equal(field_type(lyr, "count"), OFTInteger64);
  assert_int_equal(field_type(lyr, "ratio"), OFTReal);
  assert_int_equal(field_type(lyr, "empty"), OFTString);
  assert_int_equal(field_type(lyr, "year"), OFTInteger64); /* declared */

  OGRFeatureH f = feature_where(lyr, "code", "1");
  assert_string_equal(OGR_F_GetFieldAsString(f, field_index(f, "zip")), "007");
  assert_string_equal(OGR_F_GetFieldAsString(f, field_index(f, "name")), "Kızılcaören");
  assert_int_equal(OGR_F_GetFieldAsInteger64(f, field_index(f, "count")), 12);
  assert_true(OGR_F_GetFieldAsDouble(f, field_index(f, "ratio")) == 0.5);
  assert_int_equal(OGR_F_GetFieldAsInteger64(f, field_index(f, "year")), 2023);
  assert_true(OGR_F_IsFieldNull(f, field_index(f, "empty")));
  OGRGeometryH g = OGR_F_GetGeometryRef(f);
  assert_true(OGR_G_GetX(g, 0) == 31.3833 && OGR_G_GetY(g, 0) == 39.6333);
  OGR_F_Destroy(f);
  f = feature_where(lyr, "code", "6");
  assert_true(OGR_F_GetFieldAsDouble(f, field_index(f, "ratio")) == 1000.0);
  assert_true(OGR_F_IsFieldNull(f, field_index(f, "year")));
  OGR_F_Destroy(f);
  f = feature_where(lyr, "code", "2");
  assert_string_equal(OGR_F_GetFieldAsString(f, field_index(f, "name")), "Okçu, Beylikova");
  OGR_F_Destroy(f);
  GDALClose(ds);

  /* The GeoJSON keeps text as text. */
  ds = open_vector(dir, "out/web/sites.geojson");
  lyr = GDALDatasetGetLayer(ds, 0);
  assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), 3);
  assert_int_equal(field_type(lyr, "zip"), OFTString);
  assert_int_equal(field_type(lyr, "code"), OFTString);
  assert_int_equal(field_type(lyr, "ratio"), OFTReal);
  GDALClose(ds);

  om_layer_result_release(&res);
  om_project_free(p);
  free(dir);
}

static void test_decimal_comma_declared(void **state)
{
  (void)state;
  char *dir = make_project("layer-comma");
  add_file(dir, "layers/comma.yaml",
           "name: comma\n"
           "source:\n"
           "  path: data/comma.csv\n"
           "  decimal: \",\"\n"
           "  fields: { grade: real }\n"
           "locate:\n"
           "  coordinates: { x: boylam, y: enlem }\n"
           "outputs:\n"
           "  - out/comma.gpkg\n");
  add_file(dir, "data/comma.csv", "ad;enlem;boylam;grade;ratio\n"
                                  "Kızılcaören;39,6333;31,3833;1,25;0,5\n"
                                  "Beylikova;39,6869;31,2056;0,5;2\n"
                                  "thousands?;39,6;31,2;1.5;1\n");
  struct om_project *p = load(dir);
  struct om_diag d;
  struct lines got;
  diag_start(&d, &got);
  struct om_layer_result res;
  assert_int_equal(om_layer_build(&res, p, &p->layers[0], NULL, &d), 0);
  assert_int_equal(res.read, 3);
  assert_int_equal(res.written, 2);
  assert_int_equal(res.rejected, 1);
  assert_int_equal(res.counts[OM_REASON_AMBIGUOUS_DECIMAL], 1);
  char *src = strdup("data/comma.csv"), *want = NULL;
  assert_true(asprintf(&want,
                       HEADER "%s,3,4,grade,\"ambiguous decimal separator: '.' in a source "
                              "declared with decimal ','\",1.5\r\n",
                       src) > 0);
  assert_file(dir, "out/rejects/comma.csv", want);
  free(want);
  free(src);

  GDALDatasetH ds = open_vector(dir, "out/comma.gpkg");
  OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "comma");
  assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), 2);
  assert_int_equal(field_type(lyr, "grade"), OFTReal);
  assert_int_equal(field_type(lyr, "ratio"), OFTReal); /* "0,5" and "2": detected as numbers */
  OGRFeatureH f = feature_where(lyr, "ad", "Kızılcaören");
  assert_true(OGR_F_GetFieldAsDouble(f, field_index(f, "grade")) == 1.25);
  assert_true(OGR_F_GetFieldAsDouble(f, field_index(f, "ratio")) == 0.5);
  OGRGeometryH g = OGR_F_GetGeometryRef(f);
  assert_true(OGR_G_GetX(g, 0) == 31.3833 && OGR_G_GetY(g, 0) == 39.6333);
  OGR_F_Destroy(f);
  GDALClose(ds);
  om_layer_result_release(&res);
  om_project_free(p);
  free(dir);
}

static void test_reserved_names(void **state)
{
  (void)state;
  char *dir = make_project("layer-reserved");
  add_file(dir, "layers/r.yaml", "name: r\n"
                                 "source: { path: data/r.csv }\n"
                                 "locate: { coordinates: { x: lon, y: lat } }\n"
                                 "outputs: [out/r.gpkg]\n");
  add_file(dir, "data/r.csv", "fid,geom,lon,lat,name\n"
                              "a,POINT (0 0),31.2,39.6,first\n"
                              "b,,27.1,38.4,second\n");
  struct om_project *p = load(dir);
  struct om_diag d;
  struct lines got;
  diag_start(&d, &got);
  struct om_layer_result res;
  assert_int_equal(om_layer_build(&res, p, &p->layers[0], NULL, &d), 0);
  assert_int_equal(res.written, 2);
  assert_int_equal(res.rejected, 0);
  assert_int_equal(d.warnings, 2);
  assert_int_equal(got.nwarn, 2);
  char *manifest = path_in(dir, "layers/r.yaml"), *want = NULL;
  assert_true(asprintf(&want, "%s: layer 'r': field 'fid' of 'data/r.csv' is written as 'fid_2'",
                       manifest) > 0);
  assert_string_equal(got.warn[0], want);
  free(want);
  assert_true(asprintf(&want, "%s: layer 'r': field 'geom' of 'data/r.csv' is written as 'geom_2'",
                       manifest) > 0);
  assert_string_equal(got.warn[1], want);
  free(want);
  free(manifest);

  GDALDatasetH ds = open_vector(dir, "out/r.gpkg");
  OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "r");
  assert_int_equal(OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(lyr)), 3);
  OGRFeatureH f = feature_where(lyr, "fid_2", "a");
  assert_string_equal(OGR_F_GetFieldAsString(f, field_index(f, "geom_2")), "POINT (0 0)");
  assert_string_equal(OGR_F_GetFieldAsString(f, field_index(f, "name")), "first");
  OGRGeometryH g = OGR_F_GetGeometryRef(f);
  assert_true(OGR_G_GetX(g, 0) == 31.2 && OGR_G_GetY(g, 0) == 39.6);
  OGR_F_Destroy(f);
  GDALClose(ds);
  om_layer_result_release(&res);
  lines_free(&got);
  om_project_free(p);
  free(dir);
}

static void test_two_layers_one_geopackage(void **state)
{
  (void)state;
  char *dir = make_project("layer-shared-gpkg");
  add_file(dir, "layers/a.yaml", "name: a\n"
                                 "source: { path: data/a.csv }\n"
                                 "locate: { coordinates: { x: lon, y: lat } }\n"
                                 "outputs:\n  - out/map.gpkg\n");
  add_file(dir, "layers/b.yaml", "name: b\n"
                                 "source: { path: data/b.csv }\n"
                                 "locate: { wkt: geom_wkt }\n"
                                 "outputs:\n  - { path: out/map.gpkg, layer: b }\n");
  add_file(dir, "data/a.csv", "name,lon,lat\none,31.2,39.6\ntwo,27.1,38.4\n");
  add_file(dir, "data/b.csv", "name,geom_wkt\n"
                              "square,\"POLYGON ((30 10, 40 10, 40 20, 30 20, 30 10))\"\n");
  struct om_project *p = load(dir);
  assert_int_equal(p->nlayers, 2);
  for (size_t i = 0; i < 2; i++) {
    struct om_diag d;
    struct lines got;
    diag_start(&d, &got);
    struct om_layer_result res;
    int rc = om_layer_build(&res, p, &p->layers[i], NULL, &d);
    if (rc != 0)
      fail_msg("layer %s: %d %s", p->layers[i].name, rc, d.msg);
    assert_int_equal(res.written, i == 0 ? 2 : 1);
    om_layer_result_release(&res);
  }
  GDALDatasetH ds = open_vector(dir, "out/map.gpkg");
  assert_int_equal(GDALDatasetGetLayerCount(ds), 2);
  /* One table per layer: the layer's name by default, or the one the output names. */
  OGRLayerH a = GDALDatasetGetLayerByName(ds, "a"), b = GDALDatasetGetLayerByName(ds, "b");
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(OGR_L_GetFeatureCount(a, 1), 2);
  assert_int_equal(OGR_L_GetFeatureCount(b, 1), 1);
  assert_int_equal(wkbFlatten(OGR_L_GetGeomType(a)), wkbPoint);
  assert_int_equal(wkbFlatten(OGR_L_GetGeomType(b)), wkbPolygon);
  GDALClose(ds);
  assert_file(dir, "out/rejects/a.csv", HEADER);
  assert_file(dir, "out/rejects/b.csv", HEADER);
  om_project_free(p);
  free(dir);
}

/* ---- Failures before any output ---- */

/*
 * One diag may serve several builds: each result counts its own rejects.
 * And an id is taken by the first record written with it, not by a
 * rejected one.
 */
static void test_counts_per_build_and_ids(void **state)
{
  (void)state;
  char *dir = make_project("layer-counts-ids");
  add_file(dir, "layers/a.yaml", "name: a\n"
                                 "source: { path: data/a.csv, id: id }\n"
                                 "locate: { coordinates: { x: lon, y: lat } }\n"
                                 "outputs: [out/a.geojson]\n");
  add_file(dir, "layers/b.yaml", "name: b\n"
                                 "source: { path: data/b.csv }\n"
                                 "locate: { coordinates: { x: lon, y: lat } }\n"
                                 "outputs: [out/b.geojson]\n");
  add_file(dir, "data/a.csv", "id,lon,lat\nA,31.2,\nA,31.2,39.6\nA,31.3,39.7\n");
  add_file(dir, "data/b.csv", "lon,lat\n31.2,39.6\n");
  struct om_project *p = load(dir);
  struct om_diag d;
  struct lines got;
  diag_start(&d, &got);
  struct om_layer_result res;
  assert_int_equal(om_layer_build(&res, p, &p->layers[0], NULL, &d), 0);
  assert_int_equal(res.read, 3);
  assert_int_equal(res.written, 1);
  assert_int_equal(res.rejected, 2);
  assert_int_equal(res.counts[OM_REASON_MISSING_COORDINATES], 1);
  assert_int_equal(res.counts[OM_REASON_DUPLICATE_ID], 1);
  om_layer_result_release(&res);
  assert_int_equal(om_layer_build(&res, p, &p->layers[1], NULL, &d), 0);
  assert_int_equal(res.read, 1);
  assert_int_equal(res.written, 1);
  assert_int_equal(res.rejected, 0);
  assert_int_equal(res.counts[OM_REASON_DUPLICATE_ID], 0);
  om_layer_result_release(&res);
  om_project_free(p);
  free(dir);
}

static void test_unknown_output_field(void **state)
{
  (void)state;
  char *dir = make_project("layer-allow-list");
  add_file(dir, "layers/sites.yaml", "name: sites\n"
                                     "source: { path: data/sites.csv, id: code }\n"
                                     "locate: { coordinates: { x: lon, y: lat } }\n"
                                     "outputs:\n"
                                     "  - out/all.geojson\n"
                                     "  - path: out/sites.gpkg\n"
                                     "    fields: [name, nosuch]\n");
  add_file(dir, "data/sites.csv", SITES_CSV);
  struct om_project *p = load(dir);
  struct om_diag d;
  struct lines got;
  diag_start(&d, &got);
  struct om_layer_result res;
  assert_int_equal(om_layer_build(&res, p, &p->layers[0], NULL, &d), OM_EMANIFEST);
  char *want = NULL, *manifest = path_in(dir, "layers/sites.yaml");
  assert_true(asprintf(&want, "%s:6: output 'out/sites.gpkg': field 'nosuch' is not in layer "
                              "'sites'", manifest) > 0);
  assert_string_equal(d.msg, want);
  free(want);
  free(manifest);
  assert_false(exists(dir, "out/sites.gpkg"));
  assert_false(exists(dir, "out/all.geojson"));
  assert_false(exists(dir, "out/rejects/sites.csv"));

  /* validate finds the same without reading a record. */
  om_diag_init(&d);
  assert_int_equal(om_layer_validate(p, &p->layers[0], &d), OM_EMANIFEST);
  assert_contains(d.msg, "field 'nosuch' is not in layer 'sites'");
  om_layer_result_release(&res);
  om_project_free(p);
  free(dir);
}

static void test_missing_source(void **state)
{
  (void)state;
  char *dir = make_project("layer-no-source");
  add_file(dir, "layers/gone.yaml", "name: gone\n"
                                    "source: { path: data/none.csv }\n"
                                    "locate: { coordinates: { x: lon, y: lat } }\n"
                                    "outputs: [out/gone.gpkg]\n");
  struct om_project *p = load(dir);
  struct om_diag d;
  struct lines got;
  diag_start(&d, &got);
  struct om_layer_result res;
  int rc = om_layer_build(&res, p, &p->layers[0], NULL, &d);
  assert_true(rc < 0);
  char *prefix = NULL, *manifest = path_in(dir, "layers/gone.yaml");
  assert_true(asprintf(&prefix, "%s: layer 'gone': ", manifest) > 0);
  if (strncmp(d.msg, prefix, strlen(prefix)) != 0)
    fail_msg("'%s' does not start with '%s'", d.msg, prefix);
  assert_contains(d.msg, "data/none.csv");
  assert_contains(d.msg, "No such file or directory");
  assert_int_equal(res.read, 0);
  assert_false(exists(dir, "out/gone.gpkg"));
  assert_false(exists(dir, "out/rejects/gone.csv"));

  om_diag_init(&d);
  assert_true(om_layer_validate(p, &p->layers[0], &d) < 0);
  assert_true(strncmp(d.msg, prefix, strlen(prefix)) == 0);
  free(prefix);
  free(manifest);
  om_layer_result_release(&res);
  om_project_free(p);
  free(dir);
}

static void test_validate(void **state)
{
  (void)state;
  char *dir = make_project("layer-validate");
  add_file(dir, "layers/good.yaml", SITES_YAML);
  add_file(dir, "layers/wrong.yaml", "name: wrong\n"
                                     "source: { path: data/sites.csv }\n"
                                     "locate: { coordinates: { x: longitude, y: lat } }\n"
                                     "outputs: [out/wrong.gpkg]\n");
  add_file(dir, "layers/styled.yaml", "name: styled\n"
                                      "source: { path: data/sites.csv }\n"
                                      "locate: { coordinates: { x: lon, y: lat } }\n"
                                      "outputs: [out/styled.gpkg]\n"
                                      "style: styles/none.qml\n");
  add_file(dir, "data/sites.csv", SITES_CSV);
  struct om_project *p = load(dir);
  assert_int_equal(p->nlayers, 3);
  const struct om_layer_def *good = NULL, *wrong = NULL, *styled = NULL;
  for (size_t i = 0; i < p->nlayers; i++) {
    const char *name = p->layers[i].name;
    if (!strcmp(name, "sites"))
      good = &p->layers[i];
    else if (!strcmp(name, "wrong"))
      wrong = &p->layers[i];
    else if (!strcmp(name, "styled"))
      styled = &p->layers[i];
  }
  assert_true(good && wrong && styled);

  struct om_diag d;
  struct lines got;
  diag_start(&d, &got);
  assert_int_equal(om_layer_validate(p, good, &d), 0);
  assert_string_equal(d.msg, "");
  assert_int_equal(d.rejected, 0); /* no record was read */
  assert_int_equal(got.nreject, 0);

  assert_int_equal(om_layer_validate(p, wrong, &d), OM_EMANIFEST);
  assert_contains(d.msg, "layer 'wrong': field 'longitude' is not in 'data/sites.csv'");
  assert_contains(d.msg, "code, name, lon, lat, zip, count, ratio, empty, year");

  om_diag_init(&d);
  assert_int_equal(om_layer_validate(p, styled, &d), OM_EMANIFEST);
  assert_contains(d.msg, "layer 'styled': cannot read style 'styles/none.qml'");

  /* Validating writes nothing. */
  assert_false(exists(dir, "out"));
  om_project_free(p);
  free(dir);
}

int main(void)
{
  GDALAllRegister();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_build_counts_and_types),
    cmocka_unit_test(test_decimal_comma_declared),
    cmocka_unit_test(test_reserved_names),
    cmocka_unit_test(test_two_layers_one_geopackage),
    cmocka_unit_test(test_counts_per_build_and_ids),
    cmocka_unit_test(test_unknown_output_field),
    cmocka_unit_test(test_missing_source),
    cmocka_unit_test(test_validate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
