/*
 * The GeoPackage writer and its bulk-loaded R-tree: every index SQLite
 * itself accepts (rtreecheck) and answers like one built with INSERTs;
 * files GDAL reads without a warning and validate_gpkg.py accepts; other
 * layers survive a replacement; a file a reader holds open is changed in
 * place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/hilbert.h"
#include "core/spool.h"
#include "io/gpkg_rtree.h"
#include "io/writer.h"
#include "support.h"

#define VALIDATOR "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"

/* ---- Small helpers ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static void rng_seed(uint64_t s) { rng_state = s * 0x9E3779B97F4A7C15u + 1; }
static double rnd(double lo, double hi)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return lo + (hi - lo) * ((double)(rng_state >> 11) / 9007199254740992.0);
}

static sqlite3 *open_db(const char *path)
{
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  return db;
}

static void exec(sqlite3 *db, const char *sql)
{
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
    fail_msg("%s: %s", sql, err);
}

/* The first column of a query as text (owned), or NULL. */
static char *query_text(sqlite3 *db, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *sql = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  char *out = NULL;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_free(sql);
  return out;
}

static long query_long(sqlite3 *db, const char *fmt, const char *arg)
{
  char *s = query_text(db, fmt, arg);
  assert_non_null(s);
  long v = atol(s);
  free(s);
  return v;
}

static void assert_query(sqlite3 *db, const char *expect, const char *fmt, const char *arg)
{
  char *s = query_text(db, fmt, arg);
  if (!s || strcmp(s, expect) != 0)
    fail_msg("%s -> '%s', expected '%s'", fmt, s ? s : "(null)", expect);
  free(s);
}

/* ---- R-trees: the bulk loader against SQLite's own inserts ---- */

struct box { int64_t id; double env[4]; }; /* minx, miny, maxx, maxy */

static int by_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* n random boxes (every other one a point), in Hilbert or random order. */
static struct box *random_boxes(size_t n, bool hilbert_order)
{
  struct box *b = calloc(n ? n : 1, sizeof *b);
  for (size_t i = 0; i < n; i++) {
    double x = rnd(-180, 180), y = rnd(-90, 90);
    double w = i % 2 ? rnd(0, 0.5) : 0, h = i % 2 ? rnd(0, 0.5) : 0;
    b[i] = (struct box){(int64_t)i * 3 + 7, {x, y, x + w, y + h}};
  }
  if (hilbert_order) {
    const double world[4] = {-180, -90, 180.5, 90.5};
    uint64_t *key = malloc((n ? n : 1) * sizeof *key);
    for (size_t i = 0; i < n; i++)
      key[i] = om_hilbert_key(b[i].env[0], b[i].env[1], world) << 20 | (uint64_t)i;
    qsort(key, n, sizeof *key, by_u64);
    struct box *s = malloc((n ? n : 1) * sizeof *s);
    for (size_t i = 0; i < n; i++)
      s[i] = b[key[i] & 0xfffff];
    free(key);
    free(b);
    b = s;
  }
  return b;
}

static void insert_box(sqlite3 *db, const char *name, const struct box *b)
{
  char *sql = sqlite3_mprintf("INSERT INTO \"%w\" VALUES (?, ?, ?, ?, ?)", name);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  sqlite3_bind_int64(st, 1, b->id);
  sqlite3_bind_double(st, 2, b->env[0]);
  sqlite3_bind_double(st, 3, b->env[2]);
  sqlite3_bind_double(st, 4, b->env[1]);
  sqlite3_bind_double(st, 5, b->env[3]);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_free(sql);
}

/* Ids a window query finds, sorted; *n set. */
static int64_t *window(sqlite3 *db, const char *schema, const char *name, const double w[4],
                       size_t *n)
{
  char *sql = sqlite3_mprintf("SELECT id FROM \"%w\".\"%w\" WHERE minx <= ?3 AND maxx >= ?1 "
                              "AND miny <= ?4 AND maxy >= ?2 ORDER BY id", schema, name);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  for (int i = 0; i < 4; i++)
    sqlite3_bind_double(st, i + 1, w[i]);
  size_t cap = 64;
  int64_t *ids = malloc(cap * sizeof *ids);
  *n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (*n == cap)
      ids = realloc(ids, (cap *= 2) * sizeof *ids);
    ids[(*n)++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_free(sql);
  return ids;
}

/*
 * Tree 'a' is sound and answers like tree 'b' (in schema sb): rtreecheck,
 * the same stored boxes, the same ids for random windows (some of them
 * points on stored corners, where rounding matters).
 */
static void assert_same_index(sqlite3 *db, const char *a, const char *sb, const char *b,
                              const struct box *boxes, size_t n)
{
  assert_query(db, "ok", "SELECT rtreecheck(%Q)", a);
  char *sql = sqlite3_mprintf("SELECT rtreecheck(%Q, %Q)", sb, b);
  assert_query(db, "ok", "%s", sql);
  sqlite3_free(sql);
  sql = sqlite3_mprintf("SELECT (SELECT count(*) FROM \"%w\".\"%w\") - (SELECT count(*) FROM "
                        "\"%w\" x JOIN \"%w\".\"%w\" y USING (id) WHERE x.minx = y.minx AND "
                        "x.maxx = y.maxx AND x.miny = y.miny AND x.maxy = y.maxy) + "
                        "(SELECT count(*) FROM \"%w\") - (SELECT count(*) FROM \"%w\".\"%w\")",
                        sb, b, a, sb, b, a, sb, b);
  assert_query(db, "0", "%s", sql);
  sqlite3_free(sql);
  for (int k = 0; k < 300; k++) {
    double w[4];
    if (k % 3 == 0 && n > 0) {
      const struct box *p = &boxes[(size_t)rnd(0, (double)n)];
      double x = k % 2 ? p->env[0] : p->env[2], y = k % 2 ? p->env[1] : p->env[3];
      w[0] = w[2] = x, w[1] = w[3] = y;
    } else {
      double size = k % 2 ? rnd(0, 2) : rnd(0, 60);
      w[0] = rnd(-185, 180), w[1] = rnd(-95, 90), w[2] = w[0] + size, w[3] = w[1] + size / 2;
    }
    size_t na, nb;
    int64_t *ia = window(db, "main", a, w, &na), *ib = window(db, sb, b, w, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(ia, ib, na * sizeof *ia);
    free(ia);
    free(ib);
  }
}

/* Bulk-load n random boxes and compare with an index built by INSERTs. */
static void check_rtree(size_t n, int page_size, bool hilbert_order, int expect_depth)
{
  rng_seed(n + (size_t)page_size);
  sqlite3 *db = open_db(":memory:");
  char sql[256];
  snprintf(sql, sizeof sql, "PRAGMA page_size = %d", page_size);
  exec(db, sql);
  exec(db, "CREATE VIRTUAL TABLE bulk USING rtree(id, minx, maxx, miny, maxy);"
           "CREATE VIRTUAL TABLE conv USING rtree(id, minx, maxx, miny, maxy)");
  struct box *boxes = random_boxes(n, hilbert_order);
  struct om_gpkg_rtree t;
  om_gpkg_rtree_init(&t);
  exec(db, "BEGIN");
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(om_gpkg_rtree_add(&t, boxes[i].id, boxes[i].env), SQLITE_OK);
    insert_box(db, "conv", &boxes[i]);
  }
  assert_int_equal(om_gpkg_rtree_write(&t, db, "bulk"), SQLITE_OK);
  exec(db, "COMMIT");
  /* Loading twice is refused: the tree is no longer empty. */
  if (n > 0)
    assert_int_equal(om_gpkg_rtree_write(&t, db, "bulk"), SQLITE_MISMATCH);
  om_gpkg_rtree_release(&t);

  assert_int_equal(query_long(db, "SELECT rtreedepth(data) FROM bulk_node WHERE nodeno = 1", NULL),
                   expect_depth);
  long size = query_long(db, "SELECT length(data) FROM conv_node WHERE nodeno = 1", NULL);
  assert_int_equal(size, page_size - 64 < 1228 ? page_size - 64 : 1228);
  assert_int_equal(query_long(db, "SELECT count(DISTINCT length(data)) FROM bulk_node", NULL), 1);
  assert_same_index(db, "bulk", "main", "conv", boxes, n);

  /* SQLite's own inserts, updates and deletes keep the packed tree sound. */
  for (size_t i = 0; i < (n < 10000 ? n / 2 : 5000) + 40; i++) {
    struct box b = {(int64_t)(3 * n + 100 + i), {rnd(-180, 170), rnd(-90, 80), 0, 0}};
    b.env[2] = b.env[0] + rnd(0, 3), b.env[3] = b.env[1] + rnd(0, 3);
    insert_box(db, "bulk", &b);
    insert_box(db, "conv", &b);
  }
  exec(db, "DELETE FROM bulk WHERE id % 5 = 2; DELETE FROM conv WHERE id % 5 = 2;"
           "UPDATE bulk SET maxx = maxx + 1 WHERE id % 7 = 3;"
           "UPDATE conv SET maxx = maxx + 1 WHERE id % 7 = 3");
  assert_same_index(db, "bulk", "main", "conv", boxes, n);
  free(boxes);
  sqlite3_close(db);
}

static void test_rtree_sizes(void **state)
{
  (void)state;
  /* 51 cells per node with 4096-byte pages; 39 with 1024-byte pages. */
  check_rtree(0, 4096, true, 0);
  check_rtree(1, 4096, true, 0);
  check_rtree(51, 4096, true, 0);
  check_rtree(52, 4096, true, 1);
  check_rtree(167, 4096, true, 1);
  check_rtree(168, 4096, true, 1);
  check_rtree(2601, 4096, true, 1);
  check_rtree(2602, 4096, true, 2);
  check_rtree(100000, 4096, true, 2);
  check_rtree(5000, 4096, false, 2); /* any order gives a sound, if slower, tree */
  check_rtree(39, 1024, true, 0);
  check_rtree(40, 1024, true, 1);
  check_rtree(1522, 1024, true, 2);
  check_rtree(3000, 65536, true, 2);
}

static void test_rtree_rejects(void **state)
{
  (void)state;
  struct om_gpkg_rtree t;
  om_gpkg_rtree_init(&t);
  const double inverted[4] = {1, 1, 0, 2}, nan_env[4] = {NAN, 0, 0, 0};
  assert_int_equal(om_gpkg_rtree_add(&t, 1, inverted), SQLITE_CONSTRAINT);
  assert_int_equal(om_gpkg_rtree_add(&t, 1, nan_env), SQLITE_CONSTRAINT);
  sqlite3 *db = open_db(":memory:");
  assert_int_not_equal(om_gpkg_rtree_write(&t, db, "missing"), SQLITE_OK);
  om_gpkg_rtree_release(&t);
  sqlite3_close(db);
}

/* ---- Layers built with the spool ---- */

static struct om_field_def site_fields[] = {
  {(char *)"name", OM_FIELD_STRING},
  {(char *)"tonnes", OM_FIELD_INTEGER},
  {(char *)"grade \"%\"", OM_FIELD_REAL}, /* a quote in a column name */
  {(char *)"note", OM_FIELD_STRING},
};
static struct om_schema site_schema = {4, site_fields};

struct layer {
  struct om_spool *spool;    /* the features */
  struct om_layer_data data; /* what the writer gets */
};

static void layer_begin(struct layer *l, const char *name)
{
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_spool_new(&l->spool, NULL, &d), 0);
  l->data = (struct om_layer_data){.name = name, .schema = &site_schema, .spool = l->spool};
}

static void layer_add(struct layer *l, const unsigned char *wkb, size_t len, const double env[4],
                      const char *name, const char *tonnes, const char *grade, const char *note)
{
  struct om_diag d;
  om_diag_init(&d);
  const char *values[4] = {name, tonnes, grade, note};
  struct om_feature f = {.record = 1, .nvalues = 4, .values = values, .wkb = wkb,
                         .wkb_len = len, .env = {env[0], env[1], env[2], env[3]}};
  assert_int_equal(om_spool_add(l->spool, &f, &d), 0);
}

/* Little-endian WKB point. */
static size_t wkb_point(unsigned char *out, double x, double y)
{
  uint32_t type = 1;
  out[0] = 1;
  memcpy(out + 1, &type, 4);
  memcpy(out + 5, &x, 8);
  memcpy(out + 13, &y, 8);
  return 21;
}

static void layer_add_point(struct layer *l, double x, double y, const char *name,
                            const char *tonnes, const char *grade, const char *note)
{
  unsigned char wkb[21];
  const double env[4] = {x, y, x, y};
  layer_add(l, wkb, wkb_point(wkb, x, y), env, name, tonnes, grade, note);
}

/*
 * A linestring (type 2), a one-ring polygon (3) or a multipolygon of one
 * such polygon (6) through the n points xy; its envelope in env.
 */
static size_t wkb_shape(unsigned char *out, uint32_t type, const double *xy, uint32_t n,
                        double env[4])
{
  size_t len = 0;
  uint32_t one = 1, poly = 3;
  if (type == 6) {
    out[len] = 1;
    memcpy(out + len + 1, &type, 4);
    memcpy(out + len + 5, &one, 4);
    len += 9;
  }
  out[len] = 1;
  memcpy(out + len + 1, type == 6 ? &poly : &type, 4);
  len += 5;
  if (type != 2) {
    memcpy(out + len, &one, 4);
    len += 4;
  }
  memcpy(out + len, &n, 4);
  memcpy(out + len + 4, xy, 16 * (size_t)n);
  env[0] = env[2] = xy[0], env[1] = env[3] = xy[1];
  for (uint32_t i = 1; i < n; i++) {
    env[0] = fmin(env[0], xy[2 * i]), env[2] = fmax(env[2], xy[2 * i]);
    env[1] = fmin(env[1], xy[2 * i + 1]), env[3] = fmax(env[3], xy[2 * i + 1]);
  }
  return len + 4 + 16 * (size_t)n;
}

/* n random points named p0, p1, ... with tonnes i and grade i / 4. */
static void layer_random_points(struct layer *l, const char *name, size_t n, uint64_t seed)
{
  layer_begin(l, name);
  rng_seed(seed);
  for (size_t i = 0; i < n; i++) {
    char nm[32], t[32], g[32];
    snprintf(nm, sizeof nm, "p%zu", i);
    snprintf(t, sizeof t, "%zu", i);
    snprintf(g, sizeof g, "%g", (double)i / 4);
    layer_add_point(l, rnd(-180, 180), rnd(-90, 90), nm, t, g, i % 2 ? "odd" : NULL);
  }
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_spool_finish(l->spool, &d), 0);
}

static void layer_end(struct layer *l) { om_spool_free(l->spool); }

static int write_layer(struct layer *l, const char *path, const char *table, struct om_diag *d)
{
  struct om_output_opts o = {.path = path, .layer = table, .title = "Sites",
                             .description = "Deposit sites"};
  om_diag_init(d);
  return om_write_gpkg(&l->data, &o, d);
}

static void assert_written(struct layer *l, const char *path, const char *table)
{
  struct om_diag d;
  if (write_layer(l, path, table, &d) != 0)
    fail_msg("om_write_gpkg: %s", d.msg);
}

/* The decoded envelope of a GeoPackage geometry blob (header or point WKB). */
static void blob_env(const unsigned char *b, double env[4])
{
  if ((b[3] >> 1 & 7) == 1) {
    memcpy(&env[0], b + 8, 8), memcpy(&env[2], b + 16, 8);
    memcpy(&env[1], b + 24, 8), memcpy(&env[3], b + 32, 8);
  } else {
    memcpy(&env[0], b + 8 + 5, 8), memcpy(&env[1], b + 8 + 13, 8);
    env[2] = env[0], env[3] = env[1];
  }
}

/*
 * Everything a reader relies on, checked in SQLite: the file header, the
 * integrity of the file and of the R-tree, and an R-tree that answers
 * like one built with INSERTs from the table's own geometries.
 */
static void check_file(const char *path, const char *table, long count)
{
  sqlite3 *db = open_db(path);
  assert_query(db, "ok", "PRAGMA integrity_check", NULL);
  assert_query(db, "1196444487", "PRAGMA application_id", NULL);
  assert_query(db, "10200", "PRAGMA user_version", NULL);
  char *rtree = sqlite3_mprintf("rtree_%s_geom", table);
  assert_query(db, "ok", "SELECT rtreecheck(%Q)", rtree);
  assert_int_equal(query_long(db, "SELECT count(*) FROM \"%w\"", table), count);
  assert_query(db, "6", "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                        "name LIKE 'rtree\\_%q\\_geom\\_%%' ESCAPE '\\'", table);

  exec(db, "CREATE TEMP TABLE boxes(id, minx, miny, maxx, maxy)");
  char *sql = sqlite3_mprintf("SELECT fid, geom FROM \"%w\" WHERE geom IS NOT NULL", table);
  sqlite3_stmt *st, *ins;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO boxes VALUES (?, ?, ?, ?, ?)", -1, &ins,
                                      NULL), SQLITE_OK);
  size_t n = 0, cap = 1024;
  struct box *boxes = malloc(cap * sizeof *boxes);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *b = sqlite3_column_blob(st, 1);
    assert_true(b[0] == 'G' && b[1] == 'P' && b[2] == 0 && (b[3] & 1) == 1);
    if (n == cap)
      boxes = realloc(boxes, (cap *= 2) * sizeof *boxes);
    boxes[n].id = sqlite3_column_int64(st, 0);
    blob_env(b, boxes[n].env);
    sqlite3_bind_int64(ins, 1, boxes[n].id);
    for (int i = 0; i < 4; i++)
      sqlite3_bind_double(ins, i + 2, boxes[n].env[i]);
    assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
    n++;
  }
  sqlite3_finalize(st);
  sqlite3_finalize(ins);
  sqlite3_free(sql);
  exec(db, "CREATE VIRTUAL TABLE temp.conv USING rtree(id, minx, maxx, miny, maxy);"
           "INSERT INTO temp.conv SELECT id, minx, maxx, miny, maxy FROM boxes");
  assert_same_index(db, rtree, "temp", "conv", boxes, n);
  free(boxes);
  sqlite3_free(rtree);
  sqlite3_close(db);
}

/* GDAL's errors and warnings while a check runs. */
static int gdal_complaints;
static char gdal_last[512];
static void count_gdal(CPLErr level, CPLErrorNum num, const char *msg)
{
  (void)num;
  if (level >= CE_Warning) {
    gdal_complaints++;
    snprintf(gdal_last, sizeof gdal_last, "%s", msg);
  }
}

static GDALDatasetH gdal_open(const char *path)
{
  gdal_complaints = 0;
  CPLPushErrorHandler(count_gdal);
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  assert_non_null(ds);
  return ds;
}

/* Close, and fail if GDAL complained about anything. */
static void gdal_close(GDALDatasetH ds)
{
  GDALClose(ds);
  CPLPopErrorHandler();
  if (gdal_complaints)
    fail_msg("GDAL complained %d times, last: %s", gdal_complaints, gdal_last);
}

/* GDAL reads every feature of the layer; returns how many. */
static long gdal_read_all(OGRLayerH lyr)
{
  long n = 0;
  OGR_L_ResetReading(lyr);
  for (OGRFeatureH f; (f = OGR_L_GetNextFeature(lyr)) != NULL; n++)
    OGR_F_Destroy(f);
  return n;
}

static void validate(const char *path)
{
  if (access("/usr/bin/python3", X_OK) != 0 || access(VALIDATOR, R_OK) != 0)
    return; /* the validator ships with python3-gdal; GDAL's own reading is checked anyway */
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s '%s' >&2", VALIDATOR, path);
  if (system(cmd) != 0)
    fail_msg("validate_gpkg.py rejects %s", path);
}

/* Names in dir other than . and .. (to find temporaries left behind). */
static int count_entries(const char *dir)
{
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

/* ---- GeoPackage cases ---- */

static void test_points_gdal_reads(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-points");
  char *path = test_write_file(dir, "map.gpkg", "", 0);
  unlink(path); /* a new file */
  struct layer l;
  layer_begin(&l, "deposits");
  layer_add_point(&l, 31.38, 39.63, "Beylikova", "12000000", "2.5", "Eskişehir, \"REE\"");
  layer_add_point(&l, 2.1, 13.5, "Koulbaga", NULL, "0.35", NULL);
  layer_add_point(&l, 30.9, 39.8, "Kızılcaören", "-5", "1e-3", "x'); DROP TABLE x; --");
  rng_seed(7);
  for (int i = 0; i < 100; i++)
    layer_add_point(&l, rnd(-20, 60), rnd(-10, 50), "r", "1", "1.5", NULL);
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_spool_finish(l.spool, &d), 0);
  assert_written(&l, path, "deposits");
  check_file(path, "deposits", 103);
  validate(path);

  sqlite3 *db = open_db(path);
  assert_query(db, "features|Sites|Deposit sites|4326", "SELECT data_type || '|' || identifier "
               "|| '|' || description || '|' || srs_id FROM gpkg_contents", NULL);
  double ext[4];
  om_spool_extent(l.spool, ext);
  char *want = sqlite3_mprintf("%!.17g %!.17g %!.17g %!.17g", ext[0], ext[1], ext[2], ext[3]);
  char *got = query_text(db, "SELECT printf('%%!.17g %%!.17g %%!.17g %%!.17g', min_x, min_y, "
                             "max_x, max_y) FROM gpkg_contents", NULL);
  assert_string_equal(got, want);
  free(got);
  sqlite3_free(want);
  assert_query(db, "1", "SELECT last_change GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T"
               "[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z' FROM gpkg_contents", NULL);
  assert_query(db, "deposits|geom|POINT|4326|0|0", "SELECT table_name || '|' || column_name "
               "|| '|' || geometry_type_name || '|' || srs_id || '|' || z || '|' || m "
               "FROM gpkg_geometry_columns", NULL);
  assert_query(db, "deposits|geom|write-only", "SELECT table_name || '|' || column_name || '|'"
               " || scope FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'", NULL);
  assert_query(db, "-1,0,4326", "SELECT group_concat(srs_id) FROM (SELECT srs_id FROM "
               "gpkg_spatial_ref_sys ORDER BY srs_id)", NULL);
  assert_query(db, "fid INTEGER 1,geom POINT 0,name TEXT 0,tonnes INTEGER 0,grade \"%\" REAL 0,"
               "note TEXT 0", "SELECT group_concat(name || ' ' || type || ' ' || pk) FROM "
               "pragma_table_info('deposits')", NULL);
  assert_query(db, "integer|real|text", "SELECT typeof(tonnes) || '|' || typeof(\"grade \"\"%%\"\"\") "
               "|| '|' || typeof(note) FROM deposits WHERE name = 'Beylikova'", NULL);
  assert_query(db, "delete", "PRAGMA journal_mode", NULL);
  /* Features are stored in Hilbert order: fid follows the spool's order. */
  struct om_spool_cursor c;
  struct om_feature f;
  om_spool_cursor_init(&c, l.spool, OM_ORDER_HILBERT);
  for (long fid = 1; om_spool_cursor_next(&c, &f) == 1; fid++) {
    char *name = query_text(db, "SELECT name FROM deposits WHERE fid = %ld", fid);
    assert_string_equal(name, f.values[0]);
    free(name);
  }
  om_spool_cursor_release(&c);
  sqlite3_close(db);
  assert_int_equal(count_entries(dir), 1);

  GDALDatasetH ds = gdal_open(path);
  assert_int_equal(GDALDatasetGetLayerCount(ds), 1);
  OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "deposits");
  assert_non_null(lyr);
  assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), 103);
  assert_int_equal(OGR_L_GetGeomType(lyr), wkbPoint);
  assert_true(OGR_L_TestCapability(lyr, OLCFastSpatialFilter));
  OGREnvelope env;
  assert_int_equal(OGR_L_GetExtent(lyr, &env, 0), OGRERR_NONE);
  /* GDAL reads gpkg_contents through text with 15 digits. */
  assert_true(fabs(env.MinX - ext[0]) < 1e-12 && fabs(env.MinY - ext[1]) < 1e-12 &&
              fabs(env.MaxX - ext[2]) < 1e-12 && fabs(env.MaxY - ext[3]) < 1e-12);
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
  const OGRFieldType types[4] = {OFTString, OFTInteger64, OFTReal, OFTString};
  assert_int_equal(OGR_FD_GetFieldCount(defn), 4);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i)), types[i]);
    assert_string_equal(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), site_fields[i].name);
  }
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
  assert_string_equal(OSRGetAuthorityCode(srs, NULL), "4326");
  assert_int_equal(gdal_read_all(lyr), 103);
  /* Through the R-tree: exactly the features in the window. */
  long inside = 0;
  om_spool_cursor_init(&c, l.spool, OM_ORDER_SOURCE);
  while (om_spool_cursor_next(&c, &f) == 1)
    inside += f.env[0] >= 30 && f.env[0] <= 32 && f.env[1] >= 39 && f.env[1] <= 40;
  om_spool_cursor_release(&c);
  assert_true(inside >= 2);
  OGR_L_SetSpatialFilterRect(lyr, 30, 39, 32, 40);
  assert_int_equal(gdal_read_all(lyr), inside);
  OGR_L_SetSpatialFilter(lyr, NULL);
  assert_int_equal(OGR_L_SetAttributeFilter(lyr, "name = 'Kızılcaören'"), OGRERR_NONE);
  OGR_L_ResetReading(lyr);
  OGRFeatureH feat = OGR_L_GetNextFeature(lyr);
  assert_non_null(feat);
  assert_int_equal(OGR_F_GetFieldAsInteger64(feat, 1), -5);
  assert_true(OGR_F_GetFieldAsDouble(feat, 2) == 1e-3);
  assert_string_equal(OGR_F_GetFieldAsString(feat, 3), "x'); DROP TABLE x; --");
  OGRGeometryH g = OGR_F_GetGeometryRef(feat);
  assert_true(OGR_G_GetX(g, 0) == 30.9 && OGR_G_GetY(g, 0) == 39.8);
  OGR_F_Destroy(feat);
  OGR_L_SetAttributeFilter(lyr, "name = 'Koulbaga'");
  OGR_L_ResetReading(lyr);
  feat = OGR_L_GetNextFeature(lyr);
  assert_true(OGR_F_IsFieldNull(feat, 1) && OGR_F_IsFieldNull(feat, 3));
  OGR_F_Destroy(feat);
  gdal_close(ds);
  layer_end(&l);
  free(path);
  free(dir);
}

static void test_layer_sizes(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-sizes");
  const size_t sizes[] = {0, 1, 167, 168, 100000};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    char name[32];
    snprintf(name, sizeof name, "n%zu.gpkg", sizes[k]);
    char *path = test_write_file(dir, name, "", 0);
    unlink(path);
    struct layer l;
    layer_random_points(&l, "pts", sizes[k], sizes[k] + 1);
    assert_written(&l, path, "pts");
    check_file(path, "pts", (long)sizes[k]);
    if (sizes[k] <= 1000)
      validate(path);
    GDALDatasetH ds = gdal_open(path);
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "pts");
    assert_non_null(lyr);
    assert_int_equal(OGR_L_GetFeatureCount(lyr, 1), (long)sizes[k]);
    if (sizes[k] <= 1000)
      assert_int_equal(gdal_read_all(lyr), (long)sizes[k]);
    gdal_close(ds);
    if (sizes[k] == 0) {
      sqlite3 *db = open_db(path);
      assert_query(db, "1|GEOMETRY", "SELECT (min_x IS NULL AND max_y IS NULL) || '|' || "
                   "geometry_type_name FROM gpkg_contents JOIN gpkg_geometry_columns "
                   "USING (table_name)", NULL);
      sqlite3_close(db);
    }
    layer_end(&l);
    free(path);
  }
  free(dir);
}

/* Lines, polygons and multipolygons: type names, envelopes, WKB kept as is. */
static void test_geometry_types(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-types");
  char *path = test_write_file(dir, "shapes.gpkg", "", 0);
  unlink(path);
  static const double line[] = {30, 39, 31.5, 40.25, 33, 39.5};
  static const double ring[] = {1, 12, 3, 12, 3, 15, 1, 12};
  const struct { const char *table, *type_name; uint32_t types[3]; } cases[] = {
    {"lines", "LINESTRING", {2, 2, 2}},
    {"polygons", "POLYGON", {3, 3, 3}},
    {"multipolygons", "MULTIPOLYGON", {6, 6, 6}},
    {"mixed", "GEOMETRY", {1, 2, 3}},
  };
  for (size_t k = 0; k < 4; k++) {
    struct layer l;
    layer_begin(&l, cases[k].table);
    unsigned char wkb[3][256];
    size_t len[3];
    for (int i = 0; i < 3; i++) {
      double env[4];
      if (cases[k].types[i] == 1) {
        len[i] = wkb_point(wkb[i], 5, 6);
        env[0] = env[2] = 5, env[1] = env[3] = 6;
      } else {
        const double *xy = cases[k].types[i] == 2 ? line : ring;
        len[i] = wkb_shape(wkb[i], cases[k].types[i], xy, cases[k].types[i] == 2 ? 3 : 4, env);
      }
      layer_add(&l, wkb[i], len[i], env, "s", "1", "2", NULL);
    }
    struct om_diag d;
    om_diag_init(&d);
    assert_int_equal(om_spool_finish(l.spool, &d), 0);
    assert_written(&l, path, cases[k].table);
    check_file(path, cases[k].table, 3);

    sqlite3 *db = open_db(path);
    assert_query(db, cases[k].type_name, "SELECT geometry_type_name FROM gpkg_geometry_columns "
                 "WHERE table_name = %Q", cases[k].table);
    char *flags = query_text(db, "SELECT group_concat(hex(substr(geom, 4, 1)), ',') FROM "
                             "(SELECT geom FROM \"%w\" ORDER BY fid)", cases[k].table);
    assert_string_equal(flags, k == 3 ? "01,03,03" : "03,03,03");
    free(flags);
    sqlite3_close(db);

    GDALDatasetH ds = gdal_open(path);
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, cases[k].table);
    OGR_L_ResetReading(lyr);
    for (OGRFeatureH f; (f = OGR_L_GetNextFeature(lyr)) != NULL; OGR_F_Destroy(f)) {
      OGRGeometryH g = OGR_F_GetGeometryRef(f);
      unsigned char out[256];
      int size = OGR_G_WkbSize(g);
      assert_int_equal(OGR_G_ExportToIsoWkb(g, wkbNDR, out), OGRERR_NONE);
      int match = 0;
      for (int i = 0; i < 3; i++)
        match |= (size_t)size == len[i] && memcmp(out, wkb[i], len[i]) == 0;
      assert_true(match);
    }
    gdal_close(ds);
    layer_end(&l);
  }
  validate(path);
  free(path);
  free(dir);
}

/* The names of the file's layers in gpkg_contents, comma-separated, sorted. */
static char *layer_names(const char *path)
{
  sqlite3 *db = open_db(path);
  char *s = query_text(db, "SELECT group_concat(table_name, ',') FROM (SELECT table_name FROM "
                       "gpkg_contents ORDER BY table_name)", NULL);
  sqlite3_close(db);
  return s;
}

static ino_t inode(const char *path)
{
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return st.st_ino;
}

static void test_other_layers_survive(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-layers");
  char *path = test_write_file(dir, "map.gpkg", "", 0);
  unlink(path);
  struct layer a1, b, a2;
  layer_random_points(&a1, "a", 3, 1);
  layer_random_points(&b, "b", 2, 2);
  layer_random_points(&a2, "a", 5, 3);
  assert_written(&a1, path, "a");
  assert_written(&b, path, "b \"quoted\"");
  ino_t before = inode(path);
  assert_int_equal(chmod(path, 0640), 0);
  assert_written(&a2, path, "a");
  assert_true(inode(path) != before); /* replaced by rename, */
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0640); /* with the permissions it had */
  char *names = layer_names(path);
  assert_string_equal(names, "a,b \"quoted\"");
  free(names);
  check_file(path, "a", 5);
  check_file(path, "b \"quoted\"", 2);
  validate(path);
  sqlite3 *db = open_db(path);
  assert_query(db, "4", "SELECT max(tonnes) FROM a", NULL);
  assert_query(db, "1", "SELECT max(tonnes) FROM \"b \"\"quoted\"\"\"", NULL);
  assert_query(db, "1", "SELECT count(*) FROM gpkg_extensions WHERE table_name = 'a'", NULL);
  /* identifier is unique: the second layer titled "Sites" is known by its table name. */
  assert_query(db, "Sites|b \"quoted\"", "SELECT group_concat(identifier, '|') FROM (SELECT "
               "identifier FROM gpkg_contents ORDER BY table_name)", NULL);
  sqlite3_close(db);
  GDALDatasetH ds = gdal_open(path);
  assert_int_equal(GDALDatasetGetLayerCount(ds), 2);
  assert_int_equal(OGR_L_GetFeatureCount(GDALDatasetGetLayerByName(ds, "a"), 1), 5);
  gdal_close(ds);
  assert_int_equal(count_entries(dir), 1); /* no temporary left */
  layer_end(&a1);
  layer_end(&b);
  layer_end(&a2);
  free(path);
  free(dir);
}

struct writer_thread {
  struct layer *layer; /* what to write */
  const char *path;    /* where */
  const char *table;   /* as which table */
  int rc;              /* om_write_gpkg's result */
};

static void *write_thread(void *arg)
{
  struct writer_thread *w = arg;
  struct om_diag d;
  for (int i = 0; i < 5 && w->rc == 0; i++)
    w->rc = write_layer(w->layer, w->path, w->table, &d);
  return NULL;
}

/* Threads writing different layers into one file take turns: no layer is lost. */
static void test_threads_share_a_file(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-threads");
  char *path = test_write_file(dir, "shared.gpkg", "", 0);
  unlink(path);
  char *other_spelling = NULL;
  assert_true(asprintf(&other_spelling, "%s/./shared.gpkg", dir) > 0);
  struct layer a, b;
  layer_random_points(&a, "a", 500, 1);
  layer_random_points(&b, "b", 700, 2);
  struct writer_thread w[2] = {{&a, path, "a", 0}, {&b, other_spelling, "b", 0}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&t[i], NULL, write_thread, &w[i]), 0);
  for (int i = 0; i < 2; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(w[i].rc, 0);
  }
  char *names = layer_names(path);
  assert_string_equal(names, "a,b");
  free(names);
  check_file(path, "a", 500);
  check_file(path, "b", 700);
  assert_int_equal(count_entries(dir), 1);
  layer_end(&a);
  layer_end(&b);
  free(other_spelling);
  free(path);
  free(dir);
}

static void test_field_allow_list(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-fields");
  char *path = test_write_file(dir, "public.gpkg", "", 0);
  unlink(path);
  struct layer l;
  layer_random_points(&l, "pub", 4, 9);
  const size_t keep[] = {3, 0};
  struct om_output_opts o = {.path = path, .layer = "pub", .nfields = 2, .field_index = keep};
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_write_gpkg(&l.data, &o, &d), 0);
  sqlite3 *db = open_db(path);
  assert_query(db, "fid,geom,note,name", "SELECT group_concat(name) FROM pragma_table_info('pub')",
               NULL);
  assert_query(db, "odd|p1", "SELECT note || '|' || name FROM pub WHERE name = 'p1'", NULL);
  assert_query(db, "pub|", "SELECT identifier || '|' || description FROM gpkg_contents", NULL);
  sqlite3_close(db);
  layer_end(&l);
  free(path);
  free(dir);
}

/* A file in WAL mode with a reader inside a transaction is changed in place. */
static void test_in_place_while_read(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-wal");
  char *path = test_write_file(dir, "live.gpkg", "", 0);
  unlink(path);
  struct layer a1, b, a2;
  layer_random_points(&a1, "a", 3, 1);
  layer_random_points(&b, "b", 2, 2);
  layer_random_points(&a2, "a", 7, 3);
  assert_written(&a1, path, "a");
  assert_written(&b, path, "b");
  sqlite3 *reader = open_db(path);
  exec(reader, "PRAGMA journal_mode = WAL; BEGIN");
  assert_query(reader, "3", "SELECT count(*) FROM a", NULL);
  ino_t before = inode(path);

  assert_written(&a2, path, "a");
  assert_true(inode(path) == before); /* not renamed */
  assert_query(reader, "3", "SELECT count(*) FROM a", NULL); /* its snapshot */
  exec(reader, "COMMIT");
  assert_query(reader, "7", "SELECT count(*) FROM a", NULL);
  assert_query(reader, "wal", "PRAGMA journal_mode", NULL);
  sqlite3_close(reader);
  check_file(path, "a", 7);
  check_file(path, "b", 2);
  char *names = layer_names(path);
  assert_string_equal(names, "a,b");
  free(names);
  validate(path);

  /* Closed, a WAL file has no companions: copied and renamed, still in WAL mode. */
  assert_int_equal(count_entries(dir), 1);
  assert_written(&a1, path, "a");
  assert_true(inode(path) != before);
  assert_int_equal(count_entries(dir), 1);
  unsigned char *head = (unsigned char *)test_read_file(path, NULL);
  assert_true(head[18] == 2 && head[19] == 2);
  free(head);
  check_file(path, "a", 3);
  check_file(path, "b", 2);
  assert_int_equal(count_entries(dir), 1);
  layer_end(&a1);
  layer_end(&b);
  layer_end(&a2);
  free(path);
  free(dir);
}

/* Another writer holds the file longer than the busy timeout: an error, nothing changed. */
static void test_locked_file(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-locked");
  char *path = test_write_file(dir, "busy.gpkg", "", 0);
  unlink(path);
  struct layer a1, a2;
  layer_random_points(&a1, "a", 3, 1);
  layer_random_points(&a2, "a", 5, 2);
  assert_written(&a1, path, "a");
  sqlite3 *writer = open_db(path);
  exec(writer, "PRAGMA journal_mode = WAL; BEGIN IMMEDIATE");
  struct om_diag d;
  assert_true(write_layer(&a2, path, "a", &d) < 0);
  char want[1024];
  snprintf(want, sizeof want, "cannot write '%s': database is locked", path);
  assert_string_equal(d.msg, want);
  exec(writer, "ROLLBACK");
  sqlite3_close(writer);
  check_file(path, "a", 3);
  layer_end(&a1);
  layer_end(&a2);
  free(path);
  free(dir);
}

static void test_errors(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-errors");
  struct layer l;
  layer_random_points(&l, "a", 3, 1);
  struct om_diag d;
  char want[1024], *path;

  assert_true(asprintf(&path, "%s/missing/x.gpkg", dir) > 0);
  assert_int_equal(write_layer(&l, path, "a", &d), OM_EIO);
  snprintf(want, sizeof want, "cannot write '%s': No such file or directory", path);
  assert_string_equal(d.msg, want);
  free(path);

  path = test_write_file(dir, "text.gpkg", "not a database, just text\n", 26);
  assert_true(write_layer(&l, path, "a", &d) < 0);
  snprintf(want, sizeof want, "cannot write '%s': file is not a database", path);
  assert_string_equal(d.msg, want);
  free(path);

  path = test_write_file(dir, "x.gpkg", "", 0);
  unlink(path);
  assert_int_equal(write_layer(&l, path, "gpkg_a", &d), OM_EUSAGE);
  assert_non_null(strstr(d.msg, "reserved prefix"));
  struct om_field_def geom_field[] = {{(char *)"GEOM", OM_FIELD_STRING}};
  struct om_schema clash = {1, geom_field};
  l.data.schema = &clash;
  assert_int_equal(write_layer(&l, path, "a", &d), OM_EUSAGE);
  assert_non_null(strstr(d.msg, "field 'GEOM'"));
  l.data.schema = &site_schema;

  /* A table of that name that is not a feature layer is left alone. */
  assert_written(&l, path, "a");
  sqlite3 *db = open_db(path);
  exec(db, "CREATE TABLE notes(x); INSERT INTO notes VALUES (42)");
  sqlite3_close(db);
  assert_int_equal(write_layer(&l, path, "notes", &d), OM_EIO);
  snprintf(want, sizeof want, "cannot write '%s': 'notes' exists and is not a feature table",
           path);
  assert_string_equal(d.msg, want);
  db = open_db(path);
  assert_query(db, "42", "SELECT x FROM notes", NULL);
  sqlite3_close(db);
  assert_int_equal(count_entries(dir), 2); /* text.gpkg, x.gpkg: no temporaries */
  layer_end(&l);
  free(path);
  free(dir);
}

/* A layer GDAL wrote, with a QGIS style row, replaced; GDAL's other layer survives. */
static void test_replaces_gdal_layer(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gpkg-gdal");
  char *path = test_write_file(dir, "gdal.gpkg", "", 0);
  unlink(path);
  GDALDriverH drv = GDALGetDriverByName("GPKG");
  GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  OSRImportFromEPSG(srs, 4326);
  const char *names[] = {"a", "keep"};
  for (int k = 0; k < 2; k++) {
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, names[k], srs, wkbPoint, NULL);
    OGRFieldDefnH fld = OGR_Fld_Create("v", OFTInteger);
    OGR_L_CreateField(lyr, fld, 1);
    OGR_Fld_Destroy(fld);
    for (int i = 0; i < 4; i++) {
      OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
      OGR_F_SetFieldInteger(f, 0, i);
      OGRGeometryH g = OGR_G_CreateGeometry(wkbPoint);
      OGR_G_SetPoint_2D(g, 0, i, i);
      OGR_F_SetGeometryDirectly(f, g);
      assert_int_equal(OGR_L_CreateFeature(lyr, f), OGRERR_NONE);
      OGR_F_Destroy(f);
    }
  }
  OSRDestroySpatialReference(srs);
  GDALClose(ds);
  sqlite3 *db = open_db(path);
  exec(db, "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY, f_table_catalog TEXT(256), "
           "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), "
           "styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, "
           "description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME DEFAULT "
           "CURRENT_TIMESTAMP);"
           "INSERT INTO layer_styles (f_table_schema, f_table_name, f_geometry_column, styleQML) "
           "VALUES ('', 'a', 'geom', '<qgis/>'), ('', 'keep', 'geom', '<qgis/>')");
  sqlite3_close(db);

  struct layer l;
  layer_random_points(&l, "a", 6, 5);
  assert_written(&l, path, "a");
  check_file(path, "a", 6);
  check_file(path, "keep", 4);
  validate(path);
  db = open_db(path);
  assert_query(db, "keep", "SELECT group_concat(f_table_name) FROM layer_styles", NULL);
  assert_query(db, "0", "SELECT count(*) FROM gpkg_ogr_contents WHERE table_name = 'a'", NULL);
  assert_query(db, "4", "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'keep'",
               NULL);
  sqlite3_close(db);
  ds = gdal_open(path);
  assert_int_equal(OGR_L_GetFeatureCount(GDALDatasetGetLayerByName(ds, "a"), 1), 6);
  assert_int_equal(OGR_L_GetFeatureCount(GDALDatasetGetLayerByName(ds, "keep"), 1), 4);
  assert_int_equal(gdal_read_all(GDALDatasetGetLayerByName(ds, "a")), 6);
  gdal_close(ds);
  layer_end(&l);
  free(path);
  free(dir);
}

int main(void)
{
  GDALAllRegister();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rtree_sizes),
    cmocka_unit_test(test_rtree_rejects),
    cmocka_unit_test(test_points_gdal_reads),
    cmocka_unit_test(test_layer_sizes),
    cmocka_unit_test(test_geometry_types),
    cmocka_unit_test(test_other_layers_survive),
    cmocka_unit_test(test_threads_share_a_file),
    cmocka_unit_test(test_field_allow_list),
    cmocka_unit_test(test_in_place_while_read),
    cmocka_unit_test(test_locked_file),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_replaces_gdal_layer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
