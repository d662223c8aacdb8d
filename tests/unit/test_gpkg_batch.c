/*
 * Layers of one build that share a GeoPackage: the file is replaced once
 * per build, after the last of them, not once per layer; until then every
 * layer sees the old file on disk; a layer that fails midway leaves the
 * tables of the others, and its own old table, as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/gpkg_batch.h"
#include "manifest/manifest.h"
#include "pipeline/build.h"
#include "pipeline/layer.h"
#include "support.h"

#define K 5 /* layers sharing out/map.gpkg */

/* ---- Helpers ---- */

static void add_file(const char *dir, const char *name, const char *text)
{
  free(test_write_file(dir, name, text, strlen(text)));
}

/* A project of K layers l0..l{K-1}, each into out/map.gpkg and a GeoJSON of its own. */
static char *make_project(const char *name)
{
  char *dir = test_tmpdir(name);
  add_file(dir, "oremap.yaml", "name: test\n");
  char *path = NULL;
  for (int i = 0; i < 2; i++) {
    assert_true(asprintf(&path, "%s/%s", dir, i ? "data" : "layers") > 0);
    assert_int_equal(mkdir(path, 0777), 0);
    free(path);
  }
  for (int i = 0; i < K; i++) {
    char *yaml = NULL, *file = NULL, *csv = NULL;
    assert_true(asprintf(&yaml, "name: l%d\nsource: { path: data/l%d.csv }\n"
                                "locate: { coordinates: { x: lon, y: lat } }\n"
                                "outputs:\n  - out/l%d.geojson\n  - out/map.gpkg\n",
                         i, i, i) > 0);
    assert_true(asprintf(&file, "layers/l%d.yaml", i) > 0);
    add_file(dir, file, yaml);
    free(file);
    assert_true(asprintf(&file, "data/l%d.csv", i) > 0);
    assert_true(asprintf(&csv, "name,lon,lat\na%d,31.2,39.6\nb%d,27.1,38.4\n", i, i) > 0);
    add_file(dir, file, csv);
    free(file);
    free(csv);
    free(yaml);
  }
  return dir;
}

static struct om_project *load(const char *dir)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_project *p = NULL;
  if (om_project_load(&p, dir, &d) != 0)
    fail_msg("om_project_load: %s", d.msg);
  return p;
}

/* The inode of map.gpkg each time a layer finished (0: no file). */
static const char *gpkg_path;
static ino_t seen[16];
static size_t nseen;

static ino_t inode_of(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* The engine's builder, noting which file a finished layer leaves on disk. */
static int build_and_look(struct om_layer_result *res, const struct om_project *p,
                          const struct om_layer_def *layer, const struct om_progress *progress,
                          struct om_gpkg_batch *gpkg, struct om_diag *d)
{
  int rc = om_layer_build_shared(res, p, layer, progress, gpkg, d);
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&lock);
  if (nseen < 16)
    seen[nseen++] = inode_of(gpkg_path);
  pthread_mutex_unlock(&lock);
  return rc;
}

static void build(const struct om_project *p, int jobs, bool force, struct om_build *b)
{
  struct om_build_opts o = {.jobs = jobs, .force = force, .lock_timeout = 10,
                            .build_layer = build_and_look};
  struct om_diag d;
  om_diag_init(&d);
  nseen = 0;
  if (om_build_run(b, p, &o, NULL, &d) != 0)
    fail_msg("om_build_run: %s", d.msg);
}

/* The count of a query's first column, on a fresh connection. */
static long long query(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  long long n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

static void exec(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  sqlite3_close(db);
}

/* ---- Tests ---- */

/* K layers into one file, with -j 1 and -j 2: one replacement per build, at its end. */
static void replaced_once(int jobs)
{
  char *dir = make_project(jobs == 1 ? "gpkg-batch-j1" : "gpkg-batch-j2");
  char *path = NULL;
  assert_true(asprintf(&path, "%s/out/map.gpkg", dir) > 0);
  gpkg_path = path;
  struct om_project *p = load(dir);

  /* First build: no layer sees a file, the end sees all K tables. */
  struct om_build b;
  build(p, jobs, false, &b);
  assert_int_equal(nseen, K);
  for (size_t i = 0; i < nseen; i++)
    assert_true(seen[i] == 0);
  for (size_t i = 0; i < b.n; i++)
    assert_int_equal(b.layers[i].status, OM_STATUS_BUILT);
  om_build_release(&b);
  assert_int_equal(query(path, "SELECT count(*) FROM gpkg_contents"), K);
  assert_int_equal(query(path, "SELECT count(*) FROM pragma_integrity_check "
                               "WHERE integrity_check != 'ok'"), 0);

  /* Rebuild every layer: the old inode stays until the end, then one new file. */
  ino_t before = inode_of(path);
  build(p, jobs, true, &b);
  assert_int_equal(nseen, K);
  for (size_t i = 0; i < nseen; i++)
    assert_true(seen[i] == before);
  ino_t after = inode_of(path);
  assert_true(after != 0 && after != before);
  assert_int_equal(query(path, "SELECT count(*) FROM gpkg_contents"), K);
  for (int i = 0; i < K; i++) {
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM l%d", i);
    assert_int_equal(query(path, sql), 2);
  }
  om_build_release(&b);

  /* Nothing stale: the file stays as it is. */
  build(p, jobs, false, &b);
  assert_int_equal(nseen, 0);
  assert_true(inode_of(path) == after);
  om_build_release(&b);

  om_project_free(p);
  free(path);
  free(dir);
}

static void test_replaced_once_j1(void **state)
{
  (void)state;
  replaced_once(1);
}

static void test_replaced_once_j2(void **state)
{
  (void)state;
  replaced_once(2);
}

/*
 * A layer that fails inside its transaction (its table name is taken by a
 * table that is not a feature table) is rolled back in the shared copy:
 * the others' new tables are committed, and the foreign table stays.
 */
static void test_failing_layer_keeps_the_others(void **state)
{
  (void)state;
  char *dir = make_project("gpkg-batch-fail");
  char *path = NULL;
  assert_true(asprintf(&path, "%s/out/map.gpkg", dir) > 0);
  gpkg_path = path;
  struct om_project *p = load(dir);
  struct om_build b;
  build(p, 1, false, &b);
  om_build_release(&b);

  /* l2's table becomes someone else's; every source gains a row. */
  exec(path, "DROP TABLE rtree_l2_geom; DROP TABLE l2; "
             "DELETE FROM gpkg_geometry_columns WHERE table_name = 'l2'; "
             "DELETE FROM gpkg_extensions WHERE table_name = 'l2'; "
             "DELETE FROM gpkg_contents WHERE table_name = 'l2'; "
             "CREATE TABLE l2 (note TEXT); INSERT INTO l2 VALUES ('keep me')");
  for (int i = 0; i < K; i++) {
    char name[32], csv[96];
    snprintf(name, sizeof name, "data/l%d.csv", i);
    snprintf(csv, sizeof csv, "name,lon,lat\na%d,31.2,39.6\nb%d,27.1,38.4\nc%d,30,40\n", i, i, i);
    add_file(dir, name, csv);
  }
  ino_t before = inode_of(path);
  build(p, 1, false, &b);
  for (size_t i = 0; i < b.n; i++) {
    bool l2 = strcmp(b.layers[i].def->name, "l2") == 0;
    assert_int_equal(b.layers[i].status, l2 ? OM_STATUS_FAILED : OM_STATUS_BUILT);
    if (l2)
      assert_non_null(strstr(b.layers[i].d.msg, "is not a feature table"));
  }
  om_build_release(&b);
  assert_true(inode_of(path) != before);
  for (int i = 0; i < K; i++) {
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM l%d", i);
    assert_int_equal(query(path, sql), i == 2 ? 1 : 3);
  }
  assert_int_equal(query(path, "SELECT count(*) FROM gpkg_contents"), K - 1);
  assert_int_equal(query(path, "SELECT count(*) FROM l2 WHERE note = 'keep me'"), 1);
  assert_int_equal(query(path, "SELECT count(*) FROM pragma_integrity_check "
                               "WHERE integrity_check != 'ok'"), 0);

  om_project_free(p);
  free(path);
  free(dir);
}

/*
 * A layer that reads another layer's table of the shared file (a spatial
 * join onto it) and writes into the same file: it starts after that table
 * is committed, so it counts the new features, not the old ones.
 */
static void test_reader_sees_new_table(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-batch-reader");
  add_file(dir, "oremap.yaml", "name: test\n");
  char *sub = NULL;
  for (int i = 0; i < 2; i++) {
    assert_true(asprintf(&sub, "%s/%s", dir, i ? "data" : "layers") > 0);
    assert_int_equal(mkdir(sub, 0777), 0);
    free(sub);
  }
  add_file(dir, "layers/a.yaml", "name: a\nsource: { path: data/a.csv }\n"
                                 "locate: { coordinates: { x: lon, y: lat } }\n"
                                 "outputs: [out/map.gpkg, out/a.geojson]\n");
  add_file(dir, "layers/r.yaml", "name: r\nsource: { path: data/r.csv, id: code }\n"
                                 "locate: { wkt: geom_wkt }\n"
                                 "joins:\n  - layer: a\n    predicate: contains\n"
                                 "    fields: { name: { as: sites, aggregate: count } }\n"
                                 "outputs: [out/map.gpkg]\n");
  add_file(dir, "data/a.csv", "name,lon,lat\none,31.2,39.6\ntwo,27.1,38.4\n");
  add_file(dir, "data/r.csv", "code,geom_wkt\n"
                              "R1,\"POLYGON ((20 30, 40 30, 40 45, 20 45, 20 30))\"\n");
  char *path = NULL;
  assert_true(asprintf(&path, "%s/out/map.gpkg", dir) > 0);
  gpkg_path = path;
  struct om_project *p = load(dir);
  struct om_build b;
  for (int round = 0; round < 2; round++) {
    if (round == 1) /* a third site in the region: both layers are rebuilt */
      add_file(dir, "data/a.csv", "name,lon,lat\none,31.2,39.6\ntwo,27.1,38.4\nthree,30,40\n");
    build(p, 2, false, &b);
    for (size_t i = 0; i < b.n; i++) {
      if (b.layers[i].status != OM_STATUS_BUILT)
        fail_msg("layer %s: %s", b.layers[i].def->name, b.layers[i].d.msg);
    }
    om_build_release(&b);
    assert_int_equal(query(path, "SELECT count(*) FROM a"), round ? 3 : 2);
    assert_int_equal(query(path, "SELECT sites FROM r"), round ? 3 : 2);
  }
  om_project_free(p);
  free(path);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_replaced_once_j1),
    cmocka_unit_test(test_replaced_once_j2),
    cmocka_unit_test(test_failing_layer_keeps_the_others),
    cmocka_unit_test(test_reader_sees_new_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
