/*
 * A layer written to a PostGIS table through GDAL's PostgreSQL driver.
 *
 * Replacing the table.  Everything happens in one transaction:
 *   CREATE TABLE "<t>_oremap_new" (GDAL, geometry(<type>, 4326)), COPY the
 *   rows (GDAL), CREATE INDEX ... USING GIST, ANALYZE, COMMENT ON TABLE,
 *   DROP TABLE "<t>", ALTER TABLE "<t>_oremap_new" RENAME TO "<t>" (and
 *   its index, key and sequence to the names PostgreSQL would give them),
 *   COMMIT.
 * Until COMMIT no other session sees the new table, and the old one stays
 * readable: the only lock on it is the ACCESS EXCLUSIVE that DROP takes at
 * the very end, so readers wait for the few renames, not for the load.  A
 * reader in READ COMMITTED that queued behind that lock resolves the name
 * again once it gets the lock (PostgreSQL rechecks a relation name after
 * waiting) and reads the new table.  So readers see the old rows or the
 * new ones, never an empty or half-filled table, and a build that fails
 * or is killed at any point leaves the old table as it was.
 * TRUNCATE + INSERT in one transaction would keep views that depend on the
 * table, but it holds ACCESS EXCLUSIVE for the whole load, blocking
 * readers for as long, and TRUNCATE is not MVCC-safe: a REPEATABLE READ
 * reader whose snapshot predates it sees an empty table.  The cost of the
 * swap: views on the table must be recreated (DROP refuses while they exist;
 * the build then fails and the old table stays).
 *
 * Identifiers (table and column names) come from the manifest and the data:
 * GDAL quotes the columns it creates (LAUNDER=NO keeps "Grade %" as it is),
 * and every identifier in our own SQL goes through quote_ident.  Values go
 * through OGR (COPY); the only literal we write is the table comment, made
 * of numbers we print ourselves.
 *
 * The table comment reads "oremap: N rows, content <hash>": the plan cannot
 * look into a database (the front that answers no-op builds links no
 * database client, see src/front/main.c), so it takes a PG output as up to
 * date while the layer's inputs are unchanged, and the comment lets a
 * person or a script check the table against the last build.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include "io/write_ogr_internal.h"

#define OM_PG_SUFFIX "_oremap_new"
/* PostgreSQL's identifier limit (NAMEDATALEN - 1) */
#define OM_PG_NAME_MAX 63
/* The longest name derived from the table: "<t>_oremap_new_fid_seq". */
#define OM_PG_TABLE_MAX (OM_PG_NAME_MAX - (int)sizeof OM_PG_SUFFIX + 1 - (int)sizeof "_fid_seq" + 1)

/* "name" with inner quotes doubled: an identifier PostgreSQL reads as it is. */
static char *quote_ident(const char *name)
{
  size_t n = strlen(name), q = 0;
  for (size_t i = 0; i < n; i++)
    q += name[i] == '"';
  char *out = malloc(n + q + 3);
  if (!out)
    return NULL;
  char *w = out;
  *w++ = '"';
  for (size_t i = 0; i < n; i++) {
    if (name[i] == '"')
      *w++ = '"';
    *w++ = name[i];
  }
  *w++ = '"';
  *w = '\0';
  return out;
}

/* Run one statement of our own; 0 or OM_EDEP with GDAL's message. */
static int run_sql(GDALDatasetH ds, const char *sql, struct om_ogr_errors *e, const char *table,
                   struct om_diag *d)
{
  e->failed = false;
  e->msg[0] = '\0';
  OGRLayerH res = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
  if (res)
    GDALDatasetReleaseResultSet(ds, res);
  if (e->failed)
    return om_diag_fail(d, OM_EDEP, "PostGIS table '%s': %s", table, om_ogr_errors_text(e));
  return 0;
}

/* printf a statement whose %s are all quoted identifiers, and run it. */
static int run_fmt(GDALDatasetH ds, struct om_ogr_errors *e, const char *table, struct om_diag *d,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int run_fmt(GDALDatasetH ds, struct om_ogr_errors *e, const char *table, struct om_diag *d,
                   const char *fmt, ...)
{
  char *sql = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&sql, fmt, ap);
  va_end(ap);
  if (n < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  int rc = run_sql(ds, sql, e, table, d);
  free(sql);
  return rc;
}

/* The quoted names the swap needs, derived from the table's. */
struct names {
  char *table, *tmp;           /* "t", "t_oremap_new" */
  char *tmp_idx, *idx;         /* GiST index: "t_oremap_new_geom_idx", "t_geom_idx" */
  char *tmp_pkey, *pkey;       /* primary key */
  char *tmp_seq, *seq;         /* fid sequence */
};

static void names_release(struct names *n)
{
  char **all[] = {&n->table, &n->tmp, &n->tmp_idx, &n->idx,
                  &n->tmp_pkey, &n->pkey, &n->tmp_seq, &n->seq};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    free(*all[i]);
  memset(n, 0, sizeof *n);
}

static char *quoted_join(const char *a, const char *b)
{
  char *raw = NULL;
  if (asprintf(&raw, "%s%s", a, b) < 0)
    return NULL;
  char *q = quote_ident(raw);
  free(raw);
  return q;
}

static int names_make(struct names *n, const char *table, const char *tmp_raw)
{
  memset(n, 0, sizeof *n);
  n->table = quote_ident(table);
  n->tmp = quote_ident(tmp_raw);
  n->tmp_idx = quoted_join(tmp_raw, "_geom_idx");
  n->idx = quoted_join(table, "_geom_idx");
  n->tmp_pkey = quoted_join(tmp_raw, "_pkey");
  n->pkey = quoted_join(table, "_pkey");
  n->tmp_seq = quoted_join(tmp_raw, "_fid_seq");
  n->seq = quoted_join(table, "_fid_seq");
  bool ok = n->table && n->tmp && n->tmp_idx && n->idx && n->tmp_pkey && n->pkey && n->tmp_seq &&
            n->seq;
  if (!ok)
    names_release(n);
  return ok ? 0 : OM_ENOMEM;
}

static int check_table_name(const char *table, struct om_diag *d)
{
  if (!*table)
    return om_diag_fail(d, OM_EMANIFEST, "PostGIS output: the table name ('layer') is empty");
  if (strchr(table, '.'))
    return om_diag_fail(d, OM_EMANIFEST,
                        "PostGIS table '%s': a '.' would be read as a schema; the table goes "
                        "to the connection's current schema (set it with 'options=-csearch_path=...' "
                        "in the connection string)",
                        table);
  if ((int)strlen(table) > OM_PG_TABLE_MAX)
    return om_diag_fail(d, OM_EMANIFEST,
                        "PostGIS table '%s' is longer than %d bytes (PostgreSQL keeps %d, and "
                        "oremap needs the rest for the names it derives from it)",
                        table, OM_PG_TABLE_MAX, OM_PG_NAME_MAX);
  return 0;
}

/* Create the new table, fill it, index it; all inside the open transaction. */
static int load(GDALDatasetH ds, const struct om_ogr_plan *p, const struct om_layer_data *L,
                const char *table, const char *tmp_raw, const struct names *nm,
                struct om_ogr_errors *e, struct om_diag *d)
{
  OGRSpatialReferenceH srs = om_ogr_wgs84();
  if (!srs)
    return om_diag_fail(d, OM_EDEP, "PostGIS table '%s': GDAL does not know EPSG:4326", table);
  char **lco = NULL;
  lco = CSLSetNameValue(lco, "GEOMETRY_NAME", "geom");
  lco = CSLSetNameValue(lco, "FID", "fid");
  lco = CSLSetNameValue(lco, "LAUNDER", "NO");    /* keep the names as they are, quoted */
  lco = CSLSetNameValue(lco, "PRECISION", "NO");  /* text, bigint, double precision */
  lco = CSLSetNameValue(lco, "SPATIAL_INDEX", "NONE"); /* built after the load, see below */
  lco = CSLSetNameValue(lco, "DIM", "XY");
  OGRLayerH lyr = GDALDatasetCreateLayer(ds, tmp_raw, srs,
                                         p->gtype /* wkbUnknown: geometry(Geometry, 4326) */, lco);
  CSLDestroy(lco);
  OSRRelease(srs);
  if (!lyr)
    return om_diag_fail(d, OM_EDEP, "PostGIS table '%s': cannot create it: %s", table,
                        om_ogr_errors_text(e));
  uint64_t hash = 0;
  char what[128];
  snprintf(what, sizeof what, "PostGIS table '%s'", table);
  int rc = om_ogr_fill(lyr, p, L, &hash, what, d);
  if (rc == 0 && OGR_L_SyncToDisk(lyr) != OGRERR_NONE) /* ends the COPY */
    rc = om_diag_fail(d, OM_EDEP, "PostGIS table '%s': %s", table, om_ogr_errors_text(e));
  /* One GiST build over the loaded rows is much faster than growing it row by row. */
  if (rc == 0)
    rc = run_fmt(ds, e, table, d, "CREATE INDEX %s ON %s USING GIST (\"geom\")", nm->tmp_idx,
                 nm->tmp);
  if (rc == 0)
    rc = run_fmt(ds, e, table, d, "ANALYZE %s", nm->tmp);
  if (rc == 0)
    rc = run_fmt(ds, e, table, d, "COMMENT ON TABLE %s IS 'oremap: %zu rows, content %016llx'",
                 nm->tmp, p->count, (unsigned long long)hash);
  return rc;
}

int om_write_pg(const struct om_layer_data *L, const struct om_output_opts *o,
                struct om_diag *d)
{
  const char *table = o->layer ? o->layer : L->name;
  int rc = check_table_name(table, d);
  if (rc < 0)
    return rc;
  char tmp_raw[OM_PG_NAME_MAX + 1];
  snprintf(tmp_raw, sizeof tmp_raw, "%s" OM_PG_SUFFIX, table);
  struct names nm;
  if (names_make(&nm, table, tmp_raw) != 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  struct om_ogr_plan p;
  rc = om_ogr_plan_make(&p, L, o, d);
  if (rc < 0) {
    names_release(&nm);
    return rc;
  }

  GDALAllRegister();
  struct om_ogr_errors e;
  om_ogr_errors_push(&e);
  CPLSetThreadLocalConfigOption("PG_USE_COPY", "YES");
  const char *drivers[] = {"PostgreSQL", NULL};
  /* The connection string may hold a password: messages name the table only. */
  GDALDatasetH ds = GDALOpenEx(o->path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, NULL, NULL);
  if (!ds)
    rc = om_diag_fail(d, OM_EDEP, "PostGIS table '%s': cannot connect: %s", table,
                      om_ogr_errors_text(&e));
  if (rc == 0 && GDALDatasetStartTransaction(ds, TRUE) != OGRERR_NONE)
    rc = om_diag_fail(d, OM_EDEP, "PostGIS table '%s': cannot start a transaction: %s", table,
                      om_ogr_errors_text(&e));
  if (rc == 0)
    rc = load(ds, &p, L, table, tmp_raw, &nm, &e, d);
  /* The swap: the old table is locked from here to COMMIT only. */
  if (rc == 0)
    rc = run_fmt(ds, &e, table, d, "DROP TABLE IF EXISTS %s", nm.table);
  if (rc == 0)
    rc = run_fmt(ds, &e, table, d, "ALTER TABLE %s RENAME TO %s", nm.tmp, nm.table);
  if (rc == 0)
    rc = run_fmt(ds, &e, table, d, "ALTER INDEX IF EXISTS %s RENAME TO %s", nm.tmp_idx, nm.idx);
  if (rc == 0)
    rc = run_fmt(ds, &e, table, d, "ALTER INDEX IF EXISTS %s RENAME TO %s", nm.tmp_pkey,
                 nm.pkey);
  if (rc == 0)
    rc = run_fmt(ds, &e, table, d, "ALTER SEQUENCE IF EXISTS %s RENAME TO %s", nm.tmp_seq,
                 nm.seq);
  if (rc == 0 && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
    rc = om_diag_fail(d, OM_EDEP, "PostGIS table '%s': cannot commit: %s", table,
                      om_ogr_errors_text(&e));
  else if (rc < 0 && ds)
    GDALDatasetRollbackTransaction(ds);
  if (ds)
    GDALClose(ds);
  CPLSetThreadLocalConfigOption("PG_USE_COPY", NULL);
  om_ogr_errors_pop();
  om_ogr_plan_release(&p);
  names_release(&nm);
  return rc;
}
