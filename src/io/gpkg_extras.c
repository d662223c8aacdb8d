/*
 * layer_styles and the metadata extension (gpkg_extras.h).  The table
 * definitions are those QGIS 3.22 (through OGR) and GDAL 3.6 create, so
 * that a file opened and re-saved by either keeps one consistent shape.
 */
#include "io/gpkg_extras.h"

#include <stddef.h>

#include "io/gpkg_internal.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
#define NOW_FMT "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now')" /* the same in an om_gpkg_exec_fmt format */

static const char *const styles_sql =
  "CREATE TABLE IF NOT EXISTS \"layer_styles\" ("
  "\"id\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \"f_table_catalog\" TEXT(256), "
  "\"f_table_schema\" TEXT(256), \"f_table_name\" TEXT(256), \"f_geometry_column\" TEXT(256), "
  "\"styleName\" TEXT(30), \"styleQML\" TEXT, \"styleSLD\" TEXT, \"useAsDefault\" BOOLEAN, "
  "\"description\" TEXT, \"owner\" TEXT(30), \"ui\" TEXT(30), "
  "\"update_time\" DATETIME DEFAULT CURRENT_TIMESTAMP);"
  /* identifier is UNIQUE in gpkg_contents: none rather than a clash. */
  "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
  "last_change) VALUES ('layer_styles', 'attributes', "
  "(SELECT CASE WHEN EXISTS (SELECT 1 FROM gpkg_contents WHERE identifier = 'layer_styles') "
  "THEN NULL ELSE 'layer_styles' END), '', " NOW_SQL ")";

int om_gpkg_put_style(sqlite3 *db, const char *table, const char *geom_column, const char *qml,
                      const char *sld)
{
  int rc = sqlite3_exec(db, styles_sql, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = om_gpkg_exec_fmt(db,
                  "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                  "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                  "owner, ui, update_time) VALUES ('', '', %Q, %Q, %Q, %Q, %Q, 1, %Q, '', NULL, "
                  NOW_FMT ")",
                  table, geom_column, table, qml, sld ? sld : "", "written by oremap");
  return rc;
}

static const char *const metadata_sql =
  "CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,"
  "md_scope TEXT NOT NULL DEFAULT 'dataset',md_standard_uri TEXT NOT NULL,"
  "mime_type TEXT NOT NULL DEFAULT 'text/xml',metadata TEXT NOT NULL DEFAULT '');"
  "CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT NULL,"
  "table_name TEXT,column_name TEXT,row_id_value INTEGER,"
  "timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
  "md_file_id INTEGER NOT NULL,md_parent_id INTEGER,"
  "CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),"
  "CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));"
  /* NULL column names never clash under the UNIQUE constraint: check first. */
  "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) "
  "SELECT t, NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', "
  "'read-write' FROM (SELECT 'gpkg_metadata' AS t UNION ALL SELECT 'gpkg_metadata_reference') "
  "WHERE NOT EXISTS (SELECT 1 FROM gpkg_extensions e WHERE e.table_name = t AND "
  "e.extension_name = 'gpkg_metadata')";

int om_gpkg_forget_metadata(sqlite3 *db, const char *table)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                              "name IN ('gpkg_metadata', 'gpkg_metadata_reference')", -1, &st,
                              NULL);
  int present = 0;
  if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    present = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_OK || present < 2)
    return rc;
  /* Metadata another table (or the whole file) also refers to stays. */
  return om_gpkg_exec_fmt(db,
                  "DELETE FROM gpkg_metadata WHERE id IN (SELECT md_file_id FROM "
                  "gpkg_metadata_reference WHERE lower(table_name) = lower(%Q)) AND id NOT IN "
                  "(SELECT md_file_id FROM gpkg_metadata_reference WHERE table_name IS NULL OR "
                  "lower(table_name) <> lower(%Q))",
                  table, table);
}

int om_gpkg_put_metadata(sqlite3 *db, const char *table, const char *mime_type, const char *text)
{
  int rc = sqlite3_exec(db, metadata_sql, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = om_gpkg_exec_fmt(db,
                  "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
                  "VALUES ('dataset', 'urn:oremap:provenance:1', %Q, %Q)",
                  mime_type, text);
  if (rc == SQLITE_OK)
    rc = om_gpkg_exec_fmt(db,
                  "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, column_name, "
                  "row_id_value, timestamp, md_file_id, md_parent_id) VALUES ('table', %Q, NULL, "
                  "NULL, " NOW_FMT ", %lld, NULL)",
                  table, (long long)sqlite3_last_insert_rowid(db));
  return rc;
}
