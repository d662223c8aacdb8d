/*
 * What a GeoPackage layer carries beside its features: the QGIS
 * layer_styles row that makes QGIS open the layer styled, and provenance
 * in the metadata extension (gpkg_metadata / gpkg_metadata_reference).
 * Both are written inside the transaction that replaces the layer, so a
 * reader sees the new layer with its new style and provenance or the old
 * ones, never a mix.
 */
#ifndef OM_IO_GPKG_EXTRAS_H
#define OM_IO_GPKG_EXTRAS_H

#include <sqlite3.h>

/*
 * Remove the metadata rows only 'table' refers to.  Call before the
 * table's gpkg_metadata_reference rows are deleted; returns an SQLite code.
 */
int om_gpkg_forget_metadata(sqlite3 *db, const char *table);

/*
 * The default style of 'table' (geometry column 'geom_column') in
 * layer_styles, created and registered as QGIS creates it when missing:
 * an attributes table in gpkg_contents, f_table_catalog and f_table_schema
 * '' (QGIS looks for '', not NULL), useAsDefault 1, styleQML (all QGIS
 * reads) and styleSLD.  Earlier rows of the table must be gone already.
 * Returns an SQLite code.
 */
int om_gpkg_put_style(sqlite3 *db, const char *table, const char *geom_column, const char *qml,
                      const char *sld);

/*
 * A gpkg_metadata row (scope dataset, 'mime_type') with 'text', referenced
 * from 'table' in gpkg_metadata_reference; the tables are created and the
 * extension registered in gpkg_extensions when missing.  Returns an
 * SQLite code.
 */
int om_gpkg_put_metadata(sqlite3 *db, const char *table, const char *mime_type, const char *text);

#endif
