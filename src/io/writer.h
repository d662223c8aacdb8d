/*
 * Writing a finished layer (a schema plus a spool of features) to a file.
 * Every writer replaces its output atomically: a reader sees the old file
 * or the new one, never a part of one (ARCHITECTURE.md, "Outputs are
 * replaced atomically").
 */
#ifndef OM_IO_WRITER_H
#define OM_IO_WRITER_H

#include <stdio.h>

#include "core/diag.h"
#include "core/feature.h"
#include "core/spool.h"

struct om_style;

struct om_layer_data {
  const char *name;              /* layer name */
  const struct om_schema *schema; /* attribute fields */
  const struct om_spool *spool;   /* finished: the features */
  const char *provenance;         /* free text for output metadata (sources, version), or NULL */
  const char *provenance_type;    /* its MIME type ("application/json"), or NULL for text/plain */
  const char *style_qml;          /* the layer's style as QML (GeoPackage layer_styles), or NULL */
  const char *style_sld;          /* the same as SLD 1.1, or NULL */
  const struct om_style *style;   /* the layer's style (KML placemarks), or NULL */
};

/*
 * RFC 7946 GeoJSON: a FeatureCollection with bbox, no crs member, o->precision
 * decimals, exterior rings counter-clockwise, geometries crossing the
 * antimeridian cut, features in source order.  Written to a temporary file
 * beside the target, fsynced and renamed over it.
 */
int om_write_geojson(const struct om_layer_data *L, const struct om_output_opts *o,
                     struct om_diag *d);

/*
 * One layer (table o->layer) of a GeoPackage, created or replaced while the
 * file's other layers stay as they are.  Features go in Hilbert order with
 * a bulk-loaded R-tree index.  A new file, or one without -wal/-shm/-journal
 * companions, is prepared in a temporary copy and renamed over the target;
 * a file with companions (a reader has it open) is changed in place in one
 * transaction.  With o->batch, the copy is the build's copy of the file,
 * shared with its other layers and renamed once by om_gpkg_batch_commit
 * (io/gpkg_batch.h); until then the target is unchanged.  With o->srs, the
 * features (o->spool, already transformed)
 * are registered in that CRS: its gpkg_spatial_ref_sys row, the srs_id of
 * gpkg_contents, gpkg_geometry_columns and every geometry blob.
 */
int om_write_gpkg(const struct om_layer_data *L, const struct om_output_opts *o,
                  struct om_diag *d);

/*
 * CSV: the fields, then lat/lon columns (gc_lat/gc_lon for a geocoded
 * layer) when every feature is a point, else a wkt column; text cells that
 * a spreadsheet would run as formulas are guarded with an apostrophe.
 * Replaced atomically like GeoJSON.
 */
int om_write_csv(const struct om_layer_data *L, const struct om_output_opts *o,
                 struct om_diag *d);

/* One cell of a plain CSV side file (no formula guard): nothing for NULL, else RFC 4180 quoting. */
void om_csv_plain_cell(FILE *f, const char *s);

/*
 * KML 2.2 (write_kml.c), streamed: one Document named after the layer
 * (o->layer), a <Style> per class of L->style (one default style without
 * one), and a Placemark per feature in source order, its <styleUrl> the
 * class om_style_class_of gives it.  Placemark names come from the style's
 * label field, else 'name', else the first text field; descriptions from
 * 'description'; the other fields as typed SchemaData.  Coordinates are
 * WGS 84 longitude,latitude with o->precision decimals.  Replaced
 * atomically like GeoJSON.
 */
int om_write_kml(const struct om_layer_data *L, const struct om_output_opts *o,
                 struct om_diag *d);

/*
 * Through GDAL's vector drivers (write_ogr.c), fields in source order with
 * the schema's types, features in WGS 84.  Files are written under
 * temporary names beside the target and renamed over it.
 *
 * Shapefile: field names cut to 10 unique characters, the mapping warned
 * once and written to <stem>.fieldmap.csv; .cpg UTF-8, .prj WGS 84.
 * FlatGeobuf: with its packed R-tree index.
 */
int om_write_shapefile(const struct om_layer_data *L, const struct om_output_opts *o,
                       struct om_diag *d);
int om_write_flatgeobuf(const struct om_layer_data *L, const struct om_output_opts *o,
                        struct om_diag *d);

/*
 * PostGIS (write_pg.c): o->path is a GDAL "PG:" connection, o->layer the
 * table.  The layer is loaded into a new table, then swapped in for the
 * old one in one transaction, so readers see the old rows or the new ones.
 */
int om_write_pg(const struct om_layer_data *L, const struct om_output_opts *o,
                struct om_diag *d);

#endif
