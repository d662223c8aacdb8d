/*
 * The GeoPackage writer, on the SQLite C API.
 *
 * Why not OGR: ogr2ogr takes about 20 s for a million points, most of it
 * in SQLite's R-tree inserts (13 s per million entries, whatever the
 * order).  Here the features go in through prepared multi-row INSERTs in
 * one transaction, in Hilbert order, and the spatial index is packed from
 * that order and written straight into the R-tree's shadow tables
 * (gpkg_rtree.c).  The result is the file GDAL 3.6 writes (GeoPackage
 * 1.2: same table definitions, R-tree triggers insert, update1-update4
 * and delete, the same SRS rows), minus GDAL's private gpkg_ogr_contents.
 *
 * How the file is replaced while readers may hold it open, and how the
 * layers of one build share one temporary copy of it, is gpkg_batch.c's
 * business: om_gpkg_replace calls build_layer inside a transaction on the
 * copy or, when a reader has the file open, on the file itself.
 */
#include "io/writer.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/gpkg_extras.h"
#include "io/gpkg_internal.h"
#include "io/gpkg_rtree.h"

#define GPKG_APPLICATION_ID 0x47504B47 /* "GPKG" */
#define GPKG_USER_VERSION 10200        /* GeoPackage 1.2, as GDAL 3.6 writes */
#define GEOM_COLUMN "geom"
#define SRS_ID 4326

static const char *const geometry_type_names[] = {
  "GEOMETRY",   "POINT",           "LINESTRING",   "POLYGON",
  "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION",
};

/* The three rows GeoPackage requires, 4326 as GDAL 3.6 writes it. */
static const char *const srs_rows_sql =
  "INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, "
  "organization_coordsys_id, definition, description) VALUES "
  "('Undefined Cartesian SRS', -1, 'NONE', -1, 'undefined', "
  "'undefined Cartesian coordinate reference system'), "
  "('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', "
  "'undefined geographic coordinate reference system'), "
  "('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\","
  "SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],"
  "AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],"
  "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],"
  "AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]', "
  "'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')";

/* The core tables, defined as the specification and GDAL define them. */
static const char *const core_tables_sql =
  "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,"
  "srs_id INTEGER NOT NULL PRIMARY KEY,organization TEXT NOT NULL,"
  "organization_coordsys_id INTEGER NOT NULL,definition  TEXT NOT NULL,description TEXT);"
  "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,"
  "data_type TEXT NOT NULL,identifier TEXT UNIQUE,description TEXT DEFAULT '',"
  "last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
  "min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y DOUBLE,srs_id INTEGER,"
  "CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));"
  "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL,"
  "column_name TEXT NOT NULL,geometry_type_name TEXT NOT NULL,srs_id INTEGER NOT NULL,"
  "z TINYINT NOT NULL,m TINYINT NOT NULL,"
  "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),"
  "CONSTRAINT uk_gc_table_name UNIQUE (table_name),"
  "CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),"
  "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
  "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,column_name TEXT,"
  "extension_name TEXT NOT NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,"
  "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));";

/* What the first pass over the features found. */
struct layer_info {
  int type;         /* common WKB type 1-7; 0 for none or mixed */
  bool mixed;       /* more than one type */
  int z_any, z_all; /* some / every geometry has Z */
  int m_any, m_all; /* some / every geometry has M */
  size_t count;     /* features */
  size_t located;   /* features with a non-empty geometry */
  double extent[4]; /* of the non-empty geometries */
};

/* One om_write_gpkg call. */
struct job {
  const struct om_layer_data *L;   /* the layer */
  const struct om_output_opts *o;  /* the output */
  struct om_diag *d;               /* where errors go */
  const char *table;               /* feature table name */
  size_t nfields;                  /* attribute columns written */
  struct layer_info info;          /* from the first pass */
  const struct om_spool *spool;    /* the features, in the output's CRS */
  int32_t srs_id;                  /* their srs_id in this file */
};

/* A run-level error for an SQLite failure, with its message. */
static int fail_sqlite(struct job *j, sqlite3 *db, int rc)
{
  return om_gpkg_fail(j->d, j->o->path, db, rc);
}

/* The first integer of a query built like om_gpkg_exec_fmt, in *out (0 for no row). */
static int query_int(sqlite3 *db, int64_t *out, const char *fmt, ...)
{
  *out = 0;
  va_list ap;
  va_start(ap, fmt);
  char *sql = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  if (!sql)
    return SQLITE_NOMEM;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
      *out = sqlite3_column_int64(st, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  return rc;
}

static size_t field_at(const struct job *j, size_t k)
{
  return j->o->field_index ? j->o->field_index[k] : k;
}

/* ---- The first pass: geometry types and extent ---- */

static uint32_t get_u32(const unsigned char *p, bool little)
{
  return little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

/* The base type 1-7 of ISO (or EWKB) WKB with its Z and M flags; 0 if unknown. */
static int wkb_base_type(const unsigned char *wkb, size_t len, int *z, int *m)
{
  *z = *m = 0;
  if (len < 5 || wkb[0] > 1)
    return 0;
  uint32_t t = get_u32(wkb + 1, wkb[0] == 1);
  *z = (t & 0x80000000u) != 0;
  *m = (t & 0x40000000u) != 0;
  t &= 0x0fffffffu;
  if (t / 1000 == 1 || t / 1000 == 3)
    *z = 1;
  if (t / 1000 == 2 || t / 1000 == 3)
    *m = 1;
  t %= 1000;
  return t >= 1 && t <= 7 ? (int)t : 0;
}

static bool env_empty(const double env[4])
{
  return isnan(env[0]) || isnan(env[1]) || isnan(env[2]) || isnan(env[3]);
}

static int scan_layer(struct job *j)
{
  struct layer_info *in = &j->info;
  memset(in, 0, sizeof *in);
  in->z_all = in->m_all = 1;
  struct om_spool_cursor c;
  struct om_feature f;
  int rc;
  om_spool_cursor_init(&c, j->spool, OM_ORDER_SOURCE);
  while ((rc = om_spool_cursor_next(&c, &f)) == 1) {
    in->count++;
    if (!f.wkb || f.wkb_len == 0)
      continue;
    int z, m, t = wkb_base_type(f.wkb, f.wkb_len, &z, &m);
    if (t == 0 || (in->type != 0 && in->type != t))
      in->mixed = true;
    in->type = t;
    in->z_any |= z, in->z_all &= z;
    in->m_any |= m, in->m_all &= m;
    if (env_empty(f.env))
      continue;
    if (in->located++ == 0) {
      memcpy(in->extent, f.env, sizeof in->extent);
    } else {
      in->extent[0] = fmin(in->extent[0], f.env[0]);
      in->extent[1] = fmin(in->extent[1], f.env[1]);
      in->extent[2] = fmax(in->extent[2], f.env[2]);
      in->extent[3] = fmax(in->extent[3], f.env[3]);
    }
  }
  om_spool_cursor_release(&c);
  if (rc < 0)
    return om_diag_fail(j->d, OM_ENOMEM, "cannot write '%s': out of memory", j->o->path);
  if (in->mixed)
    in->type = 0;
  return 0;
}

/* Names the file format reserves, and columns the writer adds itself. */
static int check_names(struct job *j)
{
  const char *t = j->table;
  if (!t || !*t)
    return om_diag_fail(j->d, OM_EUSAGE, "cannot write '%s': empty layer name", j->o->path);
  if (strncasecmp(t, "gpkg_", 5) == 0 || strncasecmp(t, "sqlite_", 7) == 0 ||
      strncasecmp(t, "rtree_", 6) == 0)
    return om_diag_fail(j->d, OM_EUSAGE,
                        "cannot write '%s': layer name '%s' starts with a reserved prefix",
                        j->o->path, t);
  const struct om_schema *s = j->L->schema;
  for (size_t k = 0; k < j->nfields; k++) {
    size_t i = field_at(j, k);
    if (!s || i >= s->n)
      return om_diag_fail(j->d, OM_EUSAGE, "cannot write '%s': field %zu is not in the schema",
                          j->o->path, i);
    const char *name = s->fields[i].name;
    if (strcasecmp(name, "fid") == 0 || strcasecmp(name, GEOM_COLUMN) == 0)
      return om_diag_fail(j->d, OM_EUSAGE,
                          "cannot write '%s': field '%s' clashes with the column the "
                          "GeoPackage writer adds",
                          j->o->path, name);
  }
  return 0;
}

/* ---- Inside the transaction ---- */

/*
 * Make db a GeoPackage: an empty database gets the header and the core
 * tables; an existing one must already be a GeoPackage.
 */
static int ensure_core(struct job *j, sqlite3 *db)
{
  int64_t app_id, objects, has_contents;
  int rc = query_int(db, &app_id, "PRAGMA application_id");
  if (rc == SQLITE_OK)
    rc = query_int(db, &objects, "SELECT count(*) FROM sqlite_master");
  if (rc == SQLITE_OK)
    rc = query_int(db, &has_contents,
                   "SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_contents'");
  if (rc != SQLITE_OK)
    return fail_sqlite(j, db, rc);
  bool gpkg_id = app_id == GPKG_APPLICATION_ID || app_id == 0x47503130 || app_id == 0x47503131;
  if (objects > 0 && !(gpkg_id || (app_id == 0 && has_contents)))
    return om_diag_fail(j->d, OM_EIO, "cannot write '%s': not a GeoPackage", j->o->path);
  if (objects == 0)
    rc = om_gpkg_exec_fmt(db, "PRAGMA application_id = %d; PRAGMA user_version = %d",
                  GPKG_APPLICATION_ID, GPKG_USER_VERSION);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, core_tables_sql, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, srs_rows_sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : fail_sqlite(j, db, rc);
}

#define NO_SRS_ID -1000000 /* no row: srs_ids -1 and 0 are taken by the required rows */

/*
 * Find or register the output's CRS and set j->srs_id.  GDAL's convention:
 * an EPSG CRS is registered under its code, anything else (or an EPSG
 * code whose srs_id another CRS already holds) under the next free id
 * from 100000.  A CRS the file already has, by identifier or by the same
 * definition, keeps its row.
 */
static int register_srs(struct job *j, sqlite3 *db)
{
  const struct om_output_srs *s = j->o->srs;
  j->srs_id = SRS_ID;
  if (!s)
    return 0;
  int64_t id = NO_SRS_ID, taken = 1;
  int rc;
  if (s->organization_id >= 0)
    rc = query_int(db, &id, "SELECT ifnull((SELECT srs_id FROM gpkg_spatial_ref_sys WHERE "
                            "lower(organization) = lower(%Q) AND organization_coordsys_id = "
                            "%lld LIMIT 1), %d)",
                   s->organization, (long long)s->organization_id, NO_SRS_ID);
  else
    rc = query_int(db, &id, "SELECT ifnull((SELECT srs_id FROM gpkg_spatial_ref_sys WHERE "
                            "definition = %Q LIMIT 1), %d)", s->definition, NO_SRS_ID);
  if (rc == SQLITE_OK && id != NO_SRS_ID) {
    j->srs_id = (int32_t)id;
    return 0;
  }
  if (rc == SQLITE_OK && strcasecmp(s->organization, "EPSG") == 0 && s->organization_id > 0 &&
      s->organization_id < INT32_MAX) {
    id = s->organization_id;
    rc = query_int(db, &taken, "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id = %lld",
                   (long long)id);
  }
  if (rc == SQLITE_OK && taken)
    rc = query_int(db, &id, "SELECT max(ifnull(max(srs_id) + 1, 100000), 100000) FROM "
                            "gpkg_spatial_ref_sys");
  if (rc == SQLITE_OK && (id > INT32_MAX || id < 0))
    return om_diag_fail(j->d, OM_EIO, "cannot write '%s': no free srs_id left", j->o->path);
  if (rc == SQLITE_OK)
    rc = om_gpkg_exec_fmt(db, "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, "
                      "organization_coordsys_id, definition, description) VALUES "
                      "(%Q, %lld, %Q, %lld, %Q, NULL)",
                  s->name, (long long)id, s->organization, (long long)s->organization_id,
                  s->definition);
  if (rc != SQLITE_OK)
    return fail_sqlite(j, db, rc);
  j->srs_id = (int32_t)id;
  return 0;
}

/* Delete the layer's rows from a metadata table, if the file has that table. */
static int forget_rows(sqlite3 *db, const char *meta, const char *column, const char *t)
{
  int64_t present;
  int rc = query_int(db, &present, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                   "AND name = %Q", meta);
  if (rc == SQLITE_OK && present)
    rc = om_gpkg_exec_fmt(db, "DELETE FROM \"%w\" WHERE lower(\"%w\") = lower(%Q)", meta, column, t);
  return rc;
}

/*
 * Remove an earlier version of the layer: its R-trees (whose triggers go
 * with the table), the table, and every row that refers to it.  Anything
 * else of that name (a view, a tile pyramid, a table GeoPackage does not
 * list) is not ours to drop.
 */
static int drop_layer(struct job *j, sqlite3 *db)
{
  const char *t = j->table;
  int64_t objects, features;
  int rc = query_int(db, &objects, "SELECT count(*) FROM sqlite_master WHERE "
                                   "type IN ('table', 'view') AND lower(name) = lower(%Q)", t);
  if (rc == SQLITE_OK)
    rc = query_int(db, &features, "SELECT count(*) FROM sqlite_master m JOIN gpkg_contents c "
                                  "ON lower(c.table_name) = lower(m.name) WHERE m.type = 'table' "
                                  "AND c.data_type = 'features' AND lower(m.name) = lower(%Q)", t);
  if (rc != SQLITE_OK)
    return fail_sqlite(j, db, rc);
  if (objects > 0 && features == 0)
    return om_diag_fail(j->d, OM_EIO, "cannot write '%s': '%s' exists and is not a feature table",
                        j->o->path, t);

  /* The index names first: a table cannot be dropped while a query reads the schema. */
  char *rtrees = NULL;
  sqlite3_stmt *st = NULL;
  rc = sqlite3_prepare_v2(db, "SELECT group_concat('DROP TABLE IF EXISTS \"' || "
                          "replace('rtree_' || table_name || '_' || column_name, '\"', '\"\"') "
                          "|| '\"', ';') FROM gpkg_geometry_columns "
                          "WHERE lower(table_name) = lower(?1)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      rtrees = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
    rc = sqlite3_finalize(st);
  }
  if (rc == SQLITE_OK && rtrees)
    rc = sqlite3_exec(db, rtrees, NULL, NULL, NULL);
  sqlite3_free(rtrees);
  if (rc == SQLITE_OK && objects > 0)
    rc = om_gpkg_exec_fmt(db, "DROP TABLE \"%w\"", t);

  static const char *const refs[][2] = {
    {"gpkg_extensions", "table_name"},  {"gpkg_geometry_columns", "table_name"},
    {"gpkg_contents", "table_name"},    {"gpkg_ogr_contents", "table_name"},
    {"gpkg_data_columns", "table_name"}, {"gpkg_metadata_reference", "table_name"},
    {"layer_styles", "f_table_name"},
  };
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof refs / sizeof refs[0]; i++)
    rc = forget_rows(db, refs[i][0], refs[i][1], t);
  return rc == SQLITE_OK ? 0 : fail_sqlite(j, db, rc);
}

static const char *column_type(enum om_field_type t)
{
  return t == OM_FIELD_INTEGER ? "INTEGER" : t == OM_FIELD_REAL ? "REAL" : "TEXT";
}

/*
 * CREATE TABLE (rows == 0) or an INSERT of that many rows into the feature
 * table.  The geometry column is declared with the geometry type name
 * ("POINT"), as the specification requires (validate_gpkg.py, req. 31),
 * and still holds BLOBs.
 */
static char *table_sql(const struct job *j, size_t rows)
{
  const struct om_schema *s = j->L->schema;
  sqlite3_str *q = sqlite3_str_new(NULL);
  if (rows)
    sqlite3_str_appendf(q, "INSERT INTO \"%w\" (\"fid\", \"%w\"", j->table, GEOM_COLUMN);
  else
    sqlite3_str_appendf(q, "CREATE TABLE \"%w\" (\"fid\" INTEGER PRIMARY KEY AUTOINCREMENT "
                        "NOT NULL, \"%w\" %s", j->table, GEOM_COLUMN,
                        geometry_type_names[j->info.type]);
  for (size_t k = 0; k < j->nfields; k++) {
    const struct om_field_def *fd = &s->fields[field_at(j, k)];
    if (rows)
      sqlite3_str_appendf(q, ", \"%w\"", fd->name);
    else
      sqlite3_str_appendf(q, ", \"%w\" %s", fd->name, column_type(fd->type));
  }
  sqlite3_str_appendall(q, rows ? ") VALUES " : ")");
  for (size_t r = 0; r < rows; r++) {
    sqlite3_str_appendall(q, r ? ", (?, ?" : "(?, ?");
    for (size_t k = 0; k < j->nfields; k++)
      sqlite3_str_appendall(q, ", ?");
    sqlite3_str_appendall(q, ")");
  }
  return sqlite3_str_finish(q);
}

static void put_le64(unsigned char *p, const double *v)
{
  uint64_t u;
  memcpy(&u, v, sizeof u);
  for (int i = 0; i < 8; i++, u >>= 8)
    p[i] = (unsigned char)u;
}

/*
 * Build the GeoPackage geometry blob in *buf: "GP", version 0, flags
 * (little-endian header; envelope none for points, xy otherwise; the empty
 * bit), srs_id, the envelope minx, maxx, miny, maxy, then the WKB as is.
 * Returns its length, or 0 when out of memory.
 */
static size_t gpkg_blob(unsigned char **buf, size_t *cap, const struct om_feature *f,
                        int32_t srs_id)
{
  int z, m;
  bool empty = env_empty(f->env);
  bool envelope = !empty && wkb_base_type(f->wkb, f->wkb_len, &z, &m) != 1;
  size_t head = envelope ? 40 : 8;
  if (head + f->wkb_len > *cap) {
    size_t grown_cap = (head + f->wkb_len) * 2;
    unsigned char *grown = realloc(*buf, grown_cap);
    if (!grown)
      return 0;
    *buf = grown;
    *cap = grown_cap;
  }
  unsigned char *p = *buf;
  p[0] = 'G';
  p[1] = 'P';
  p[2] = 0;
  p[3] = (unsigned char)(1 | (envelope ? 1 << 1 : 0) | (empty ? 1 << 4 : 0));
  uint32_t srs = (uint32_t)srs_id;
  for (int i = 0; i < 4; i++, srs >>= 8)
    p[4 + i] = (unsigned char)srs;
  if (envelope) {
    put_le64(p + 8, &f->env[0]);
    put_le64(p + 16, &f->env[2]);
    put_le64(p + 24, &f->env[1]);
    put_le64(p + 32, &f->env[3]);
  }
  memcpy(p + head, f->wkb, f->wkb_len);
  return head + f->wkb_len;
}

/* Bind one attribute: integers and reals as numbers, text that does not parse as text. */
static void bind_value(sqlite3_stmt *st, int col, enum om_field_type type, const char *v)
{
  if (!v) {
    sqlite3_bind_null(st, col);
    return;
  }
  char *end;
  errno = 0;
  if (type == OM_FIELD_INTEGER && *v) {
    long long n = strtoll(v, &end, 10);
    if (!*end && errno == 0) {
      sqlite3_bind_int64(st, col, n);
      return;
    }
  } else if (type == OM_FIELD_REAL && *v) {
    double x = strtod(v, &end);
    if (!*end && errno == 0 && isfinite(x)) {
      sqlite3_bind_double(st, col, x);
      return;
    }
  }
  sqlite3_bind_text(st, col, v, -1, SQLITE_TRANSIENT);
}

static int prepare_insert(const struct job *j, sqlite3 *db, size_t rows, sqlite3_stmt **st)
{
  char *sql = table_sql(j, rows);
  int rc = sql ? sqlite3_prepare_v2(db, sql, -1, st, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  return rc;
}

/*
 * Insert the features in Hilbert order and collect their R-tree entries.
 * Rows go in batches of up to 64 per statement: that halves the time,
 * mostly because AUTOINCREMENT updates sqlite_sequence once per statement.
 * Values are bound as transient copies, since the cursor's pointers last
 * only until its next call.
 */
static int insert_features(struct job *j, sqlite3 *db, struct om_gpkg_rtree *tree)
{
  size_t cols = 2 + j->nfields;
  size_t batch = 32766 / cols < 64 ? 32766 / cols : 64; /* SQLite's limit on variables */
  size_t full = batch ? j->info.count / batch * batch : 0;
  sqlite3_stmt *many = NULL, *one = NULL;
  int rc = full ? prepare_insert(j, db, batch, &many) : SQLITE_OK;
  if (rc == SQLITE_OK)
    rc = prepare_insert(j, db, 1, &one);

  const struct om_schema *s = j->L->schema;
  unsigned char *buf = NULL;
  size_t cap = 0;
  struct om_spool_cursor c;
  struct om_feature f;
  int more = 0;
  om_spool_cursor_init(&c, j->spool, OM_ORDER_HILBERT);
  for (size_t row = 0; rc == SQLITE_OK && (more = om_spool_cursor_next(&c, &f)) == 1; row++) {
    sqlite3_stmt *st = row < full ? many : one;
    size_t slot = row < full ? row % batch : 0;
    int col = (int)(slot * cols) + 1;
    int64_t fid = (int64_t)row + 1;
    sqlite3_bind_int64(st, col, fid);
    if (f.wkb && f.wkb_len > 0) {
      size_t len = gpkg_blob(&buf, &cap, &f, j->srs_id);
      if (len == 0 || len > INT_MAX)
        rc = SQLITE_NOMEM;
      else
        sqlite3_bind_blob(st, col + 1, buf, (int)len, SQLITE_TRANSIENT);
      if (rc == SQLITE_OK && !env_empty(f.env))
        rc = om_gpkg_rtree_add(tree, fid, f.env);
    } else {
      sqlite3_bind_null(st, col + 1);
    }
    for (size_t k = 0; k < j->nfields; k++) {
      size_t i = field_at(j, k);
      bind_value(st, col + 2 + (int)k, s->fields[i].type, i < f.nvalues ? f.values[i] : NULL);
    }
    if (rc == SQLITE_OK && slot + 1 == (row < full ? batch : 1)) {
      if (sqlite3_step(st) != SQLITE_DONE)
        rc = sqlite3_errcode(db);
      sqlite3_reset(st);
    }
  }
  if (rc == SQLITE_OK && more < 0)
    rc = SQLITE_NOMEM;
  sqlite3_finalize(many);
  sqlite3_finalize(one);
  om_spool_cursor_release(&c);
  free(buf);
  return rc == SQLITE_OK ? 0 : fail_sqlite(j, db, rc);
}

/* The R-tree, bulk-loaded, with the triggers GDAL 3.6 creates to maintain it. */
static int create_rtree(struct job *j, sqlite3 *db, const struct om_gpkg_rtree *tree)
{
  const char *t = j->table, *c = GEOM_COLUMN;
  char *name = sqlite3_mprintf("rtree_%s_%s", t, c);
  if (!name)
    return fail_sqlite(j, db, SQLITE_NOMEM);
  int rc = om_gpkg_exec_fmt(db, "CREATE VIRTUAL TABLE \"%w\" USING rtree(id, minx, maxx, miny, maxy)",
                    name);
  if (rc == SQLITE_OK)
    rc = om_gpkg_rtree_write(tree, db, name);
  if (rc == SQLITE_OK)
    rc = om_gpkg_exec_fmt(
        db,
        "CREATE TRIGGER \"%w_insert\" AFTER INSERT ON \"%w\" WHEN (new.\"%w\" NOT NULL AND "
        "NOT ST_IsEmpty(NEW.\"%w\")) BEGIN INSERT OR REPLACE INTO \"%w\" VALUES (NEW.\"fid\","
        "ST_MinX(NEW.\"%w\"), ST_MaxX(NEW.\"%w\"),ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END;"
        "CREATE TRIGGER \"%w_update1\" AFTER UPDATE OF \"%w\" ON \"%w\" WHEN OLD.\"fid\" = "
        "NEW.\"fid\" AND (NEW.\"%w\" NOTNULL AND NOT ST_IsEmpty(NEW.\"%w\")) BEGIN INSERT OR "
        "REPLACE INTO \"%w\" VALUES (NEW.\"fid\",ST_MinX(NEW.\"%w\"), ST_MaxX(NEW.\"%w\"),"
        "ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END;"
        "CREATE TRIGGER \"%w_update2\" AFTER UPDATE OF \"%w\" ON \"%w\" WHEN OLD.\"fid\" = "
        "NEW.\"fid\" AND (NEW.\"%w\" ISNULL OR ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" "
        "WHERE id = OLD.\"fid\"; END;"
        "CREATE TRIGGER \"%w_update3\" AFTER UPDATE ON \"%w\" WHEN OLD.\"fid\" != NEW.\"fid\" AND "
        "(NEW.\"%w\" NOTNULL AND NOT ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" WHERE id = "
        "OLD.\"fid\"; INSERT OR REPLACE INTO \"%w\" VALUES (NEW.\"fid\",ST_MinX(NEW.\"%w\"), "
        "ST_MaxX(NEW.\"%w\"),ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END;"
        "CREATE TRIGGER \"%w_update4\" AFTER UPDATE ON \"%w\" WHEN OLD.\"fid\" != NEW.\"fid\" AND "
        "(NEW.\"%w\" ISNULL OR ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" WHERE id IN "
        "(OLD.\"fid\", NEW.\"fid\"); END;"
        "CREATE TRIGGER \"%w_delete\" AFTER DELETE ON \"%w\" WHEN old.\"%w\" NOT NULL BEGIN "
        "DELETE FROM \"%w\" WHERE id = OLD.\"fid\"; END;",
        name, t, c, c, name, c, c, c, c,                  /* insert */
        name, c, t, c, c, name, c, c, c, c,               /* update1 */
        name, c, t, c, c, name,                           /* update2 */
        name, t, c, c, name, name, c, c, c, c,            /* update3 */
        name, t, c, c, name,                              /* update4 */
        name, t, c, name);                                /* delete */
  sqlite3_free(name);
  return rc == SQLITE_OK ? 0 : fail_sqlite(j, db, rc);
}

/* Register the layer in gpkg_contents, gpkg_geometry_columns and gpkg_extensions. */
static int register_layer(struct job *j, sqlite3 *db)
{
  const struct layer_info *in = &j->info;
  const char *t = j->table;
  /* identifier is UNIQUE: fall back to the table name, then to none. */
  const char *id = j->o->title && *j->o->title ? j->o->title : t;
  int64_t taken;
  int rc = query_int(db, &taken, "SELECT count(*) FROM gpkg_contents WHERE identifier = %Q", id);
  if (rc == SQLITE_OK && taken && id != t) {
    id = t;
    rc = query_int(db, &taken, "SELECT count(*) FROM gpkg_contents WHERE identifier = %Q", id);
  }
  if (rc == SQLITE_OK && taken)
    id = NULL;
  char *extent = in->located
                     ? sqlite3_mprintf("%!.17g, %!.17g, %!.17g, %!.17g", in->extent[0],
                                       in->extent[1], in->extent[2], in->extent[3])
                     : sqlite3_mprintf("NULL, NULL, NULL, NULL");
  if (rc == SQLITE_OK && !extent)
    rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = om_gpkg_exec_fmt(db,
                  "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                  "last_change, min_x, min_y, max_x, max_y, srs_id) VALUES (%Q, 'features', %Q, "
                  "%Q, strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now'), %s, %d);"
                  "INSERT INTO gpkg_geometry_columns (table_name, column_name, "
                  "geometry_type_name, srs_id, z, m) VALUES (%Q, %Q, %Q, %d, %d, %d);"
                  "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                  "definition, scope) VALUES (%Q, %Q, 'gpkg_rtree_index', "
                  "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                  t, id, j->o->description ? j->o->description : "", extent, (int)j->srs_id, t,
                  GEOM_COLUMN, geometry_type_names[in->type], (int)j->srs_id,
                  in->z_any ? (in->z_all ? 1 : 2) : 0, in->m_any ? (in->m_all ? 1 : 2) : 0, t,
                  GEOM_COLUMN);
  sqlite3_free(extent);
  return rc == SQLITE_OK ? 0 : fail_sqlite(j, db, rc);
}

/* The layer's style (layer_styles) and provenance (gpkg_metadata), when it has them. */
static int write_extras(struct job *j, sqlite3 *db)
{
  const struct om_layer_data *L = j->L;
  int rc = SQLITE_OK;
  if (L->style_qml)
    rc = om_gpkg_put_style(db, j->table, GEOM_COLUMN, L->style_qml, L->style_sld);
  if (rc == SQLITE_OK && L->provenance)
    rc = om_gpkg_put_metadata(db, j->table,
                              L->provenance_type ? L->provenance_type : "text/plain",
                              L->provenance);
  return rc == SQLITE_OK ? 0 : fail_sqlite(j, db, rc);
}

/* Replace the layer inside the open transaction. */
static int build_layer(struct job *j, sqlite3 *db)
{
  int rc = ensure_core(j, db);
  if (rc == 0)
    rc = register_srs(j, db);
  if (rc == 0) {
    /* The layer's old provenance, found through the references drop_layer deletes. */
    int src = om_gpkg_forget_metadata(db, j->table);
    rc = src == SQLITE_OK ? 0 : fail_sqlite(j, db, src);
  }
  if (rc == 0)
    rc = drop_layer(j, db); /* first, so that the new layer reuses its pages */
  if (rc == 0) {
    char *sql = table_sql(j, 0);
    int src = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (src != SQLITE_OK)
      rc = fail_sqlite(j, db, src);
  }
  struct om_gpkg_rtree tree;
  om_gpkg_rtree_init(&tree);
  if (rc == 0)
    rc = insert_features(j, db, &tree);
  if (rc == 0)
    rc = create_rtree(j, db, &tree);
  om_gpkg_rtree_release(&tree);
  if (rc == 0)
    rc = register_layer(j, db);
  if (rc == 0)
    rc = write_extras(j, db);
  return rc;
}

/* om_gpkg_fill_fn: the layer, replaced inside the transaction om_gpkg_replace opened. */
static int fill(void *ctx, sqlite3 *db)
{
  return build_layer(ctx, db);
}

int om_write_gpkg(const struct om_layer_data *L, const struct om_output_opts *o,
                  struct om_diag *d)
{
  struct job j = {.L = L, .o = o, .d = d, .table = o->layer ? o->layer : L->name,
                  .spool = o->spool ? o->spool : L->spool, .srs_id = SRS_ID};
  j.nfields = o->field_index ? o->nfields : (L->schema ? L->schema->n : 0);
  int rc = check_names(&j);
  if (rc == 0)
    rc = scan_layer(&j);
  if (rc == 0)
    rc = om_gpkg_replace(o->path, o->batch, fill, &j, d);
  return rc;
}
