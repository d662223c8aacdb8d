/*
 * The manifest loader: what a valid project reads as, its defaults, and the
 * exact message (with file:line:column) a user sees for each mistake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/feature.h"
#include "manifest/manifest.h"
#include "support.h"

/* A fresh project folder holding the given files (name, text pairs, NULL-ended). */
static char *make_project(const char *test, ...)
{
  char *dir = test_tmpdir(test);
  va_list ap;
  va_start(ap, test);
  const char *name;
  while ((name = va_arg(ap, const char *))) {
    const char *text = va_arg(ap, const char *);
    if (strchr(name, '/')) {
      char sub[4096];
      snprintf(sub, sizeof sub, "%s/%.*s", dir, (int)(strrchr(name, '/') - name), name);
      mkdir(sub, 0777);
    }
    free(test_write_file(dir, name, text, strlen(text)));
  }
  va_end(ap);
  return dir;
}

/* Write one layer manifest and load it on its own; *path is where it went. */
static int load_layer_text(struct om_layer_def *l, struct om_diag *d, char **path, const char *test,
                           const char *yaml)
{
  char *dir = test_tmpdir(test);
  *path = test_write_file(dir, "layer.yaml", yaml, strlen(yaml));
  free(dir);
  om_diag_init(d);
  return om_layer_load(l, *path, d);
}

/* expected with every 'token' replaced by 'value', in want. */
static void expand(char *want, size_t size, const char *expected, const char *token,
                   const char *value)
{
  size_t used = 0, n = strlen(token);
  want[0] = '\0';
  for (const char *c = expected; *c && used + 1 < size; c++) {
    if (strncmp(c, token, n) == 0) {
      used += (size_t)snprintf(want + used, size - used, "%s", value);
      c += n - 1;
    } else {
      want[used++] = *c;
      want[used] = '\0';
    }
  }
}

/* Assert that loading the layer fails with exactly "FILE:" + expected (FILE: its path). */
static void expect_layer_error(const char *test, const char *yaml, const char *expected)
{
  struct om_layer_def l;
  struct om_diag d;
  char *path;
  assert_int_equal(load_layer_text(&l, &d, &path, test, yaml), OM_EMANIFEST);
  char tmpl[2048], want[4096];
  snprintf(tmpl, sizeof tmpl, "FILE:%s", expected);
  expand(want, sizeof want, tmpl, "FILE", path);
  assert_string_equal(d.msg, want);
  assert_null(l.name);
  assert_null(l.outputs);
  free(path);
}

/* Load a project and assert the failure message, with "DIR" standing for the folder. */
static void expect_project_error(const char *dir, const char *expected)
{
  struct om_project *p = (struct om_project *)1;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_project_load(&p, dir, &d), OM_EMANIFEST);
  assert_null(p);
  char want[4096];
  expand(want, sizeof want, expected, "DIR", dir);
  assert_string_equal(d.msg, want);
}

static const char minimal_source[] = "name: sites\n"
                                     "source: { path: data/sites.csv }\n";

static void test_valid_project(void **state)
{
  (void)state;
  struct om_project *p;
  struct om_diag d;
  om_diag_init(&d);
  const char *dir = TEST_DATA_DIR "/manifest/valid";
  assert_int_equal(om_project_load(&p, dir, &d), 0);
  assert_string_equal(p->dir, dir);
  assert_string_equal(p->file, TEST_DATA_DIR "/manifest/valid/oremap.yaml");
  assert_string_equal(p->name, "beylikova-deposit-map");
  assert_string_equal(p->title, "Critical-mineral sites");
  assert_string_equal(p->output_root, "out");
  /* The glob and the explicit path name deposits.yaml twice; it is loaded once. */
  assert_int_equal(p->nlayers, 2);

  const struct om_layer_def *l = &p->layers[0];
  assert_string_equal(l->file, TEST_DATA_DIR "/manifest/valid/layers/deposits.yaml");
  assert_string_equal(l->name, "deposits");
  assert_string_equal(l->title, "Rare-earth and critical-mineral sites");
  assert_string_equal(l->description, "Deposits named in the agency's announcements");
  assert_string_equal(l->source.path, "data/sites.csv");
  assert_string_equal(l->source.layer, "sheet1");
  assert_string_equal(l->source.encoding, "CP1254");
  assert_int_equal(l->source.decimal, ',');
  assert_string_equal(l->source.id, "site_id");
  assert_int_equal(l->source.nfields, 3);
  assert_string_equal(l->source.fields[0].name, "site_id");
  assert_int_equal(l->source.fields[0].type, OM_FIELD_STRING);
  assert_string_equal(l->source.fields[1].name, "reo_pct");
  assert_int_equal(l->source.fields[1].type, OM_FIELD_REAL);
  assert_string_equal(l->source.fields[2].name, "year");
  assert_int_equal(l->source.fields[2].type, OM_FIELD_INTEGER);
  assert_int_equal(l->source.max_fields, 200);
  assert_int_equal(l->source.max_field_bytes, 4096);
  assert_int_equal(l->locate.kind, OM_LOCATE_XY);
  assert_string_equal(l->locate.x, "lon");
  assert_string_equal(l->locate.y, "lat");
  assert_string_equal(l->locate.crs, "EPSG:23036");
  assert_string_equal(l->style, "styles/deposits.yaml");

  assert_int_equal(l->noutputs, 3);
  assert_string_equal(l->outputs[0].path, "out/deposits.geojson");
  assert_int_equal(l->outputs[0].format, OM_FORMAT_GEOJSON);
  assert_string_equal(l->outputs[0].layer, "deposits");
  assert_int_equal(l->outputs[0].precision, 6);
  assert_int_equal(l->outputs[0].nfields, 0);
  assert_int_equal(l->outputs[0].line, 16);
  assert_string_equal(l->outputs[1].path, "out/deposit-map.gpkg");
  assert_int_equal(l->outputs[1].format, OM_FORMAT_GPKG);
  assert_int_equal(l->outputs[1].line, 17);
  assert_string_equal(l->outputs[2].path, "out/web/deposits.json");
  assert_int_equal(l->outputs[2].format, OM_FORMAT_GEOJSON);
  assert_int_equal(l->outputs[2].precision, 5);
  assert_int_equal(l->outputs[2].nfields, 3);
  assert_string_equal(l->outputs[2].fields[0], "name");
  assert_string_equal(l->outputs[2].fields[2], "status");

  l = &p->layers[1];
  assert_string_equal(l->name, "licences");
  assert_null(l->title);
  assert_int_equal(l->locate.kind, OM_LOCATE_WKT);
  assert_string_equal(l->locate.field, "geom");
  assert_string_equal(l->locate.crs, "EPSG:32632");
  /* Two layers share one GeoPackage under different table names. */
  assert_string_equal(l->outputs[0].path, "out/deposit-map.gpkg");
  assert_string_equal(l->outputs[0].layer, "niger_licences");
  om_project_free(p);
  om_project_free(NULL);
}

static void test_defaults(void **state)
{
  (void)state;
  char *dir =
      make_project("manifest-defaults", "oremap.yaml", "name: minimal\n", "layers/b.yaml",
                   "name: b\nsource: { path: b.csv }\noutputs: [out/b.geojson]\n", "layers/a.yaml",
                   "name: a\nsource:\n  path: a.csv\noutputs:\n  - out/a.gpkg\n", "layers/skip.yml",
                   "not: matched\n", NULL);
  struct om_project *p;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_project_load(&p, dir, &d), 0);
  assert_null(p->title);
  assert_string_equal(p->output_root, "out");
  assert_int_equal(p->nlayers, 2);
  const struct om_layer_def *a = &p->layers[0];
  assert_string_equal(a->name, "a"); /* sorted by path, not by listing order */
  assert_string_equal(p->layers[1].name, "b");
  assert_null(a->title);
  assert_null(a->description);
  assert_null(a->style);
  assert_null(a->source.layer);
  assert_null(a->source.id);
  assert_string_equal(a->source.encoding, "UTF-8");
  assert_int_equal(a->source.decimal, 0);
  assert_int_equal(a->source.nfields, 0);
  assert_int_equal(a->source.max_fields, 1000);
  assert_int_equal(a->source.max_field_bytes, 65536);
  assert_int_equal(a->locate.kind, OM_LOCATE_SOURCE);
  assert_null(a->locate.crs);
  assert_int_equal(a->noutputs, 1);
  assert_int_equal(a->outputs[0].format, OM_FORMAT_GPKG);
  assert_string_equal(a->outputs[0].layer, "a");
  assert_int_equal(a->outputs[0].precision, 6);
  assert_null(a->outputs[0].fields);
  om_project_free(p);
  free(dir);
}

/* Load a layer whose 'locate' is the given YAML and check what it reads as. */
static void check_locate(const char *locate, enum om_locate_kind kind, const char *a, const char *b,
                         const char *crs)
{
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "%slocate:\n%soutputs: [out/x.geojson]\n", minimal_source, locate);
  struct om_layer_def l;
  struct om_diag d;
  char *path;
  assert_int_equal(load_layer_text(&l, &d, &path, "manifest-locate", yaml), 0);
  assert_int_equal(l.locate.kind, kind);
  if (kind == OM_LOCATE_XY) {
    assert_string_equal(l.locate.x, a);
    assert_string_equal(l.locate.y, b);
  } else {
    assert_string_equal(l.locate.field, a);
  }
  assert_string_equal(l.locate.crs, crs);
  om_layer_release(&l);
  assert_null(l.file);
  free(path);
}

static void test_locate_forms(void **state)
{
  (void)state;
  check_locate("  coordinates: { x: lon, y: lat }\n", OM_LOCATE_XY, "lon", "lat", "EPSG:4326");
  check_locate("  coordinates: { x: E, y: N, crs: \"EPSG:23036\" }\n", OM_LOCATE_XY, "E", "N",
               "EPSG:23036");
  check_locate("  coordinates:\n    x: E\n    y: N\n  crs: EPSG:32636\n", OM_LOCATE_XY, "E", "N",
               "EPSG:32636");
  check_locate("  dms: coords\n", OM_LOCATE_DMS, "coords", NULL, "EPSG:4326");
  check_locate("  dms: { field: konum }\n", OM_LOCATE_DMS, "konum", NULL, "EPSG:4326");
  check_locate("  wkt: geom\n", OM_LOCATE_WKT, "geom", NULL, "EPSG:4326");
  check_locate("  wkt: { field: geom, crs: \"EPSG:32632\" }\n", OM_LOCATE_WKT, "geom", NULL,
               "EPSG:32632");
  check_locate("  wkt: geom\n  crs: EPSG:3857\n", OM_LOCATE_WKT, "geom", NULL, "EPSG:3857");
}

static void test_output_forms(void **state)
{
  (void)state;
  struct om_layer_def l;
  struct om_diag d;
  char *path;
  assert_int_equal(load_layer_text(&l, &d, &path, "manifest-outputs",
                                   "name: sites\n"
                                   "source: { path: s.csv }\n"
                                   "outputs:\n"
                                   "  - out/a.GeoJSON\n"
                                   "  - ./out/b.json\n"
                                   "  - { path: out/c.gpkg, layer: sites_public }\n"
                                   "  - path: out/d.dat\n"
                                   "    format: GeoJSON\n"
                                   "    precision: 0\n"
                                   "  - path: out/e.geojson\n"
                                   "    precision: 15\n"
                                   "    fields:\n"
                                   "      - name\n"
                                   "      - reo_pct\n"),
                   0);
  assert_int_equal(l.noutputs, 5);
  assert_int_equal(l.outputs[0].format, OM_FORMAT_GEOJSON);
  assert_int_equal(l.outputs[0].line, 4);
  assert_string_equal(l.outputs[1].path, "./out/b.json"); /* kept as written */
  assert_int_equal(l.outputs[1].format, OM_FORMAT_GEOJSON);
  assert_int_equal(l.outputs[2].format, OM_FORMAT_GPKG);
  assert_string_equal(l.outputs[2].layer, "sites_public");
  assert_int_equal(l.outputs[3].format, OM_FORMAT_GEOJSON);
  assert_int_equal(l.outputs[3].precision, 0);
  assert_int_equal(l.outputs[3].line, 7);
  assert_int_equal(l.outputs[4].precision, 15);
  assert_int_equal(l.outputs[4].nfields, 2);
  assert_string_equal(l.outputs[4].fields[1], "reo_pct");
  om_layer_release(&l);
  free(path);
}

static void test_variables(void **state)
{
  (void)state;
  setenv("OM_TEST_DATA", "/srv/data", 1);
  setenv("OM_TEST_EMPTY", "", 1);
  struct om_layer_def l;
  struct om_diag d;
  char *path;
  assert_int_equal(load_layer_text(&l, &d, &path, "manifest-vars",
                                   "name: sites\n"
                                   "title: 'cost in $$ ${OM_TEST_EMPTY}(USD)'\n"
                                   "description: write $${HOME} for the home folder\n"
                                   "source:\n"
                                   "  path: ${OM_TEST_DATA}/sites.csv\n"
                                   "  layer: $OM_TEST_DATA\n"
                                   "outputs: [out/x.geojson]\n"),
                   0);
  assert_string_equal(l.source.path, "/srv/data/sites.csv");
  assert_string_equal(l.source.layer, "$OM_TEST_DATA");
  assert_string_equal(l.title, "cost in $ (USD)");
  assert_string_equal(l.description, "write ${HOME} for the home folder");
  om_layer_release(&l);
  free(path);

  unsetenv("PGHOST_OM_TEST");
  expect_layer_error("manifest-unset",
                     "name: sites\n"
                     "source:\n"
                     "  path: \"PG:host=${PGHOST_OM_TEST} dbname=mines\"\n"
                     "outputs: [out/x.geojson]\n",
                     "3:9: ${PGHOST_OM_TEST} is not set");
  expect_layer_error("manifest-badvar",
                     "name: sites\nsource: { path: '${1X}' }\noutputs: [out/x.geojson]\n",
                     "2:17: 'path': '${1X}' is not a variable name (letters, digits and '_')");
  expect_layer_error("manifest-unclosed",
                     "name: sites\nsource: { path: '${X' }\noutputs: [out/x.geojson]\n",
                     "2:17: 'path': '${' has no closing '}' (write '$${' for a literal '${')");
}

static void test_unknown_keys(void **state)
{
  (void)state;
  /* A misspelt required key is reported once, not also as missing. */
  expect_layer_error("manifest-ouputs",
                     "name: sites\nsource: { path: s.csv }\nouputs: [out/x.geojson]\n",
                     "3:1: unknown key 'ouputs' in layer manifest; did you mean 'outputs'?");
  expect_layer_error("manifest-swap",
                     "name: sites\nsource: { path: s.csv }\noutptus: [out/x.geojson]\n",
                     "3:1: unknown key 'outptus' in layer manifest; did you mean 'outputs'?");
  expect_layer_error("manifest-nohint",
                     "name: sites\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n"
                     "colour: red\n",
                     "4:1: unknown key 'colour' in layer manifest");
  expect_layer_error("manifest-nested",
                     "name: sites\nsource:\n  pth: s.csv\n  path: t.csv\n  encodng: CP1254\n"
                     "outputs: [out/x.geojson]\n",
                     "3:3: unknown key 'pth' in 'source'; did you mean 'path'?\n"
                     "FILE:5:3: unknown key 'encodng' in 'source'; did you mean 'encoding'?");
  expect_layer_error("manifest-outkey",
                     "name: sites\nsource: { path: s.csv }\noutputs:\n"
                     "  - path: out/x.geojson\n    precison: 3\n",
                     "5:5: unknown key 'precison' in an output; did you mean 'precision'?");
  expect_layer_error(
      "manifest-xykey",
      "name: sites\nsource: { path: s.csv }\n"
      "locate: { coordinates: { x: lon, y: lat, z: h } }\noutputs: [out/x.geojson]\n",
      "3:42: unknown key 'z' in 'locate.coordinates'");
  expect_layer_error(
      "manifest-dupkey",
      "name: sites\nname: other\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n",
      "2:1: key 'name' appears twice in layer manifest (first on line 1)");
}

static void test_joins(void **state)
{
  (void)state;
  struct om_layer_def l;
  struct om_diag d;
  char *path;
  assert_int_equal(
      load_layer_text(&l, &d, &path, "manifest-joins",
                      "name: sites\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n"
                      "joins:\n"
                      "  - table: data/assays.csv\n"
                      "    on: site_id\n"
                      "    relation: one-to-many\n"
                      "    fields: [reo_pct, lab]\n"
                      "    aggregate: { reo_pct: max }\n"
                      "    prefix: assay_\n"
                      "  - table: data/licences.xlsx\n"
                      "    layer: Sheet1\n"
                      "    on: { left: [province, district], right: [il, ilce] }\n"
                      "    keys: { trim: true, case: fold, marks: fold, compare: text }\n"
                      "    fields: { holder: { as: licence_holder, type: string } }\n"
                      "    unmatched: drop\n"),
      0);
  assert_int_equal(l.njoins, 2);
  const struct om_join_def *a = &l.joins[0], *b = &l.joins[1];
  assert_string_equal(a->table, "data/assays.csv");
  assert_int_equal(a->nkeys, 1);
  assert_string_equal(a->left_keys[0], "site_id");
  assert_string_equal(a->right_keys[0], "site_id");
  assert_true(a->one_to_many);
  assert_false(a->drop_unmatched);
  assert_int_equal(a->nfields, 2);
  assert_string_equal(a->fields[0].aggregate, "max");
  assert_null(a->fields[1].aggregate);
  assert_string_equal(a->prefix, "assay_");
  assert_string_equal(a->encoding, "UTF-8");
  assert_string_equal(b->layer, "Sheet1");
  assert_int_equal(b->nkeys, 2);
  assert_string_equal(b->right_keys[1], "ilce");
  assert_true(b->trim && b->fold_case && b->fold_marks && !b->numeric && !b->strip_zeros);
  assert_string_equal(b->fields[0].as, "licence_holder");
  assert_true(b->fields[0].typed);
  assert_int_equal(b->fields[0].type, OM_FIELD_STRING);
  assert_true(b->drop_unmatched);
  om_layer_release(&l);
  free(path);

  expect_layer_error("manifest-join-agg",
                     "name: sites\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n"
                     "joins:\n  - { table: a.csv, on: id, fields: { reo: median } }\n",
                     "5:44: 'reo' must be one of first, last, count, sum, mean, min, max, list, "
                     "not median");
  expect_layer_error("manifest-join-on",
                     "name: sites\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n"
                     "joins:\n  - { table: a.csv, on: { left: [a, b], right: [c] } }\n",
                     "5:25: 'on' names 2 left keys and 1 right keys");
  expect_layer_error("manifest-join-aggregate-field",
                     "name: sites\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n"
                     "joins:\n  - { table: a.csv, on: id, fields: [x], aggregate: { y: max } }\n",
                     "5:55: 'aggregate' names 'y', which is not in 'fields'");
  expect_layer_error("manifest-join-missing-on",
                     "name: sites\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n"
                     "joins:\n  - { table: a.csv }\n",
                     "5:5: a join has no 'on'");
}

static void test_types(void **state)
{
  (void)state;
  expect_layer_error("manifest-precision",
                     "name: sites\nsource: { path: s.csv }\noutputs:\n"
                     "  - path: out/x.geojson\n    precision: six\n",
                     "5:16: 'precision' must be an integer from 0 to 15, not 'six'");
  expect_layer_error("manifest-precision16",
                     "name: sites\nsource: { path: s.csv }\n"
                     "outputs: [{ path: out/x.geojson, precision: 16 }]\n",
                     "3:45: 'precision' must be an integer from 0 to 15, not '16'");
  expect_layer_error(
      "manifest-maxfields",
      "name: sites\nsource: { path: s.csv, max_fields: 0 }\noutputs: [out/x.geojson]\n",
      "2:36: 'max_fields' must be an integer from 1 to 1000000, not '0'");
  expect_layer_error(
      "manifest-decimal",
      "name: sites\nsource: { path: s.csv, decimal: ';' }\noutputs: [out/x.geojson]\n",
      "2:33: 'decimal' must be '.' or ',', not ';'");
  expect_layer_error("manifest-ftype",
                     "name: sites\nsource:\n  path: s.csv\n  fields: { reo_pct: float }\n"
                     "outputs: [out/x.geojson]\n",
                     "4:22: field 'reo_pct' must be string, integer or real, not 'float'");
  expect_layer_error("manifest-name",
                     "name: 3d-sites\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n",
                     "1:7: 'name' must start with a letter or '_' and hold only letters, digits, "
                     "'_' and '-', not '3d-sites'");
  expect_layer_error(
      "manifest-title",
      "name: sites\ntitle: [a, b]\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n",
      "2:8: 'title' must be a string, not a list");
  expect_layer_error("manifest-source",
                     "name: sites\nsource: data/sites.csv\noutputs: [out/x.geojson]\n",
                     "2:9: 'source' must be a mapping, not 'data/sites.csv'");
  expect_layer_error("manifest-outputs-map",
                     "name: sites\nsource: { path: s.csv }\noutputs: { path: out/x.geojson }\n",
                     "3:10: 'outputs' must be a list, not a mapping");
  expect_layer_error("manifest-outputs-empty",
                     "name: sites\nsource: { path: s.csv }\noutputs: []\n",
                     "3:10: 'outputs' is empty; list at least one output");
  expect_layer_error("manifest-fields",
                     "name: sites\nsource: { path: s.csv }\n"
                     "outputs: [{ path: out/x.geojson, fields: [a, a] }]\n",
                     "3:46: field 'a' is listed twice in 'fields'");
}

static void test_missing_and_syntax(void **state)
{
  (void)state;
  expect_layer_error("manifest-missing", "# deposits\nname: sites\nsource: { path: s.csv }\n",
                     "2:1: layer manifest has no 'outputs'");
  expect_layer_error("manifest-missing-path",
                     "name: sites\nsource:\n  id: site_id\noutputs: [out/x.geojson]\n",
                     "3:3: 'source' has no 'path'");
  expect_layer_error("manifest-novalue",
                     "name:\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n",
                     "1:1: 'name' has no value");
  expect_layer_error("manifest-syntax",
                     "name: sites\nsource:\n  path: s.csv\n layer: x\noutputs: [out/x.geojson]\n",
                     "4:2: did not find expected key");
  expect_layer_error("manifest-colon", "name: sites\nsource: path: s.csv\n",
                     "2:13: mapping values are not allowed in this context");
  expect_layer_error("manifest-utf8", "name: sites\ntitle: caf\xff\n",
                     "2:11: invalid leading UTF-8 octet");
  expect_layer_error("manifest-list", "- name: sites\n",
                     "1:1: a layer manifest must be a mapping of keys to values, not a list");
  expect_layer_error("manifest-twodocs",
                     "name: a\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n---\nname: b\n",
                     "5:1: a layer manifest holds one YAML document, and this is a second one");

  struct om_layer_def l;
  struct om_diag d;
  char *path;
  assert_int_equal(load_layer_text(&l, &d, &path, "manifest-empty", "# nothing yet\n"),
                   OM_EMANIFEST);
  char *want;
  assert_true(asprintf(&want, "%s: the layer manifest is empty", path) > 0);
  assert_string_equal(d.msg, want);
  free(want);
  free(path);

  om_diag_init(&d);
  assert_int_equal(om_layer_load(&l, TEST_TMP_DIR "/no/such.yaml", &d), OM_EMANIFEST);
  assert_string_equal(d.msg,
                      "cannot open '" TEST_TMP_DIR "/no/such.yaml': No such file or directory");
}

static void test_locate_errors(void **state)
{
  (void)state;
  expect_layer_error("manifest-geocode-key",
                     "name: sites\nsource: { path: s.csv }\nlocate:\n"
                     "  geocode: { qurey: \"{locality}, {province}\" }\noutputs: [out/x.geojson]\n",
                     "4:14: unknown key 'qurey' in 'locate.geocode'; did you mean 'query'?");
  expect_layer_error("manifest-geocode-no-field",
                     "name: sites\nsource: { path: s.csv }\nlocate:\n"
                     "  geocode: Beylikova\noutputs: [out/x.geojson]\n",
                     "4:12: 'geocode' query 'Beylikova' names no {field}");
  expect_layer_error("manifest-geocode-score",
                     "name: sites\nsource: { path: s.csv }\nlocate:\n"
                     "  geocode: { query: \"{name}\", min_score: 2 }\noutputs: [out/x.geojson]\n",
                     "4:42: 'min_score' must be a number from 0 to 1, not '2'");
  expect_layer_error("manifest-two-methods",
                     "name: sites\nsource: { path: s.csv }\nlocate:\n  dms: coords\n  wkt: geom\n"
                     "outputs: [out/x.geojson]\n",
                     "5:8: 'locate' has both 'dms' and 'wkt'; give one of them");
  expect_layer_error("manifest-no-method",
                     "name: sites\nsource: { path: s.csv }\nlocate:\n  crs: EPSG:4326\n"
                     "outputs: [out/x.geojson]\n",
                     "4:3: 'locate' needs one of 'coordinates', 'dms', 'wkt' or 'geocode'");
  expect_layer_error("manifest-dms-crs",
                     "name: sites\nsource: { path: s.csv }\nlocate:\n  dms: coords\n"
                     "  crs: EPSG:23036\noutputs: [out/x.geojson]\n",
                     "5:8: 'crs' does not apply to 'dms': degrees, minutes and seconds are always "
                     "WGS 84 (EPSG:4326)");
  expect_layer_error("manifest-crs-twice",
                     "name: sites\nsource: { path: s.csv }\nlocate:\n"
                     "  coordinates: { x: E, y: N, crs: EPSG:23036 }\n  crs: EPSG:23036\n"
                     "outputs: [out/x.geojson]\n",
                     "5:8: 'crs' is given both in 'locate' and in 'locate.coordinates'; give it "
                     "once");
  expect_layer_error("manifest-xy-missing",
                     "name: sites\nsource: { path: s.csv }\nlocate: { coordinates: { x: lon } }\n"
                     "outputs: [out/x.geojson]\n",
                     "3:24: 'locate.coordinates' has no 'y'");
}

static void test_output_errors(void **state)
{
  (void)state;
  expect_layer_error("manifest-format",
                     "name: sites\nsource: { path: s.csv }\n"
                     "outputs: [{ path: out/x.tab, format: MapInfo }]\n",
                     "3:38: 'format' must be one of GeoJSON, GPKG, CSV, KML, ESRI Shapefile, "
                     "FlatGeobuf, PostGIS, not 'MapInfo'");
  expect_layer_error("manifest-ext", "name: sites\nsource: { path: s.csv }\noutputs: [out/x.tab]\n",
                     "3:11: cannot tell the format of output 'out/x.tab' from its extension; use "
                     ".geojson, .json, .gpkg, .csv, .kml, .shp or .fgb, or give 'format' "
                     "(GeoJSON, GPKG, CSV, KML, ESRI Shapefile, FlatGeobuf)");
  expect_layer_error("manifest-abs",
                     "name: sites\nsource: { path: s.csv }\noutputs:\n  - /tmp/x.geojson\n",
                     "4:5: output '/tmp/x.geojson' must be relative to the project folder, not "
                     "absolute");
  expect_layer_error("manifest-dotdot",
                     "name: sites\nsource: { path: s.csv }\noutputs:\n  - out/../x.geojson\n",
                     "4:5: output 'out/../x.geojson' must not go up with '..'");
  expect_layer_error("manifest-vsi",
                     "name: sites\nsource: { path: s.csv }\noutputs:\n"
                     "  - path: /vsizip/out/x.zip/x.geojson\n",
                     "4:11: output '/vsizip/out/x.zip/x.geojson' must be a file in the project, "
                     "not a GDAL virtual path");
  expect_layer_error("manifest-clash",
                     "name: sites\nsource: { path: s.csv }\noutputs:\n"
                     "  - out/x.geojson\n  - ./out/x.geojson\n",
                     "5: output './out/x.geojson' is also written by layer 'sites' (FILE:4)");
}

static void test_many_problems(void **state)
{
  (void)state;
  struct om_layer_def l;
  struct om_diag d;
  char *path;
  char yaml[1024] = "name: sites\nsource: { path: s.csv }\noutputs: [out/x.geojson]\n";
  for (int i = 0; i < 12; i++)
    snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml), "extra%d: 1\n", i);
  assert_int_equal(load_layer_text(&l, &d, &path, "manifest-many", yaml), OM_EMANIFEST);
  int lines = 1;
  for (const char *c = d.msg; *c; c++)
    lines += *c == '\n';
  assert_int_equal(lines, 11);
  assert_non_null(strstr(d.msg, ":4:1: unknown key 'extra0' in layer manifest\n"));
  assert_non_null(strstr(d.msg, ":13:1: unknown key 'extra9' in layer manifest\n"));
  assert_null(strstr(d.msg, "extra10"));
  assert_string_equal(strrchr(d.msg, '\n'), "\nand 2 more problems");
  free(path);
}

static void test_project_errors(void **state)
{
  (void)state;
  char *dir = test_tmpdir("manifest-noproject");
  expect_project_error(dir, "cannot open 'DIR/oremap.yaml': No such file or directory");
  free(dir);

  static const char layer_a[] =
      "name: deposits\nsource: { path: a.csv }\noutputs: [out/a.geojson]\n";
  static const char layer_b[] =
      "name: deposits\nsource: { path: b.csv }\noutputs: [out/b.geojson]\n";
  dir = make_project("manifest-dupname", "oremap.yaml", "name: p\n", "layers/a.yaml", layer_a,
                     "layers/b.yaml", layer_b, NULL);
  expect_project_error(dir, "DIR/layers/b.yaml:1:7: layer name 'deposits' is already used in "
                            "DIR/layers/a.yaml:1:7");
  free(dir);

  dir = make_project("manifest-noglob", "oremap.yaml",
                     "name: p\nlayers:\n  - layers/*.yaml\n  - extra/*.yaml\n  - more.yaml\n",
                     "layers/a.yaml", layer_a, NULL);
  expect_project_error(dir, "DIR/oremap.yaml:4:5: 'extra/*.yaml' matches no file\n"
                            "DIR/oremap.yaml:5:5: cannot open 'DIR/more.yaml': No such file or "
                            "directory");
  free(dir);

  dir = make_project("manifest-nolayers", "oremap.yaml", "name: p\n", NULL);
  expect_project_error(dir, "DIR/oremap.yaml: no 'layers' given, and the default "
                            "'layers/*.yaml' matches no file");
  free(dir);

  /* Problems in several files are all reported, project file first. */
  dir = make_project("manifest-root", "oremap.yaml", "name: p\noutput: build\ntitel: P\n",
                     "layers/a.yaml", layer_a, NULL);
  expect_project_error(dir, "DIR/oremap.yaml:3:1: unknown key 'titel' in project manifest; did "
                            "you mean 'title'?\n"
                            "DIR/layers/a.yaml:3:11: output 'out/a.geojson' is outside the "
                            "output root 'build'");
  free(dir);

  dir = make_project("manifest-badroot", "oremap.yaml", "name: p\noutput: ../elsewhere\n",
                     "layers/a.yaml", layer_a, NULL);
  expect_project_error(dir, "DIR/oremap.yaml:2:9: 'output' must not go up with '..', as in "
                            "'../elsewhere'");
  free(dir);

  dir = make_project("manifest-noname", "oremap.yaml", "title: P\nlayers: layers/a.yaml\n", NULL);
  expect_project_error(dir, "DIR/oremap.yaml:1:1: project manifest has no 'name'\n"
                            "DIR/oremap.yaml:2:9: 'layers' must be a list of paths or globs, "
                            "not 'layers/a.yaml'");
  free(dir);

  dir = make_project("manifest-clash2", "oremap.yaml", "name: p\n", "layers/a.yaml",
                     "name: a\nsource: { path: a.csv }\noutputs: [out/map.gpkg]\n", "layers/b.yaml",
                     "name: b\nsource: { path: b.csv }\noutputs:\n"
                     "  - { path: out/map.gpkg, layer: a }\n",
                     NULL);
  expect_project_error(dir, "DIR/layers/b.yaml:4: output 'out/map.gpkg' is also written by "
                            "layer 'a' (DIR/layers/a.yaml:3)");
  free(dir);
}

static void test_field_types(void **state)
{
  (void)state;
  enum om_field_type t;
  assert_string_equal(om_field_type_name(OM_FIELD_STRING), "string");
  assert_string_equal(om_field_type_name(OM_FIELD_INTEGER), "integer");
  assert_string_equal(om_field_type_name(OM_FIELD_REAL), "real");
  assert_int_equal(om_field_type_parse(&t, "integer"), 0);
  assert_int_equal(t, OM_FIELD_INTEGER);
  assert_int_equal(om_field_type_parse(&t, "Real"), 0);
  assert_int_equal(t, OM_FIELD_REAL);
  assert_int_equal(om_field_type_parse(&t, "float"), -1);

  struct om_schema s = {.n = 2, .fields = calloc(2, sizeof(struct om_field_def))};
  s.fields[0].name = strdup("name");
  s.fields[1].name = strdup("reo_pct");
  om_schema_release(&s);
  assert_int_equal(s.n, 0);
  assert_null(s.fields);
  om_schema_release(&s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_project), cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_locate_forms),  cmocka_unit_test(test_output_forms),
      cmocka_unit_test(test_variables),     cmocka_unit_test(test_unknown_keys),
      cmocka_unit_test(test_types),         cmocka_unit_test(test_missing_and_syntax),
      cmocka_unit_test(test_locate_errors), cmocka_unit_test(test_output_errors),
      cmocka_unit_test(test_many_problems), cmocka_unit_test(test_project_errors),
      cmocka_unit_test(test_field_types),   cmocka_unit_test(test_joins),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
