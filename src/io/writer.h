/*
 * Writing a finished layer (a schema plus a spool of features) to a file.
 * Every writer replaces its output atomically: a reader sees the old file
 * or the new one, never a part of one (ARCHITECTURE.md, "Outputs are
 * replaced atomically").
 */
#ifndef OM_IO_WRITER_H
#define OM_IO_WRITER_H

#include "core/diag.h"
#include "core/feature.h"
#include "core/spool.h"

struct om_layer_data {
  const char *name;              /* layer name */
  const struct om_schema *schema; /* attribute fields */
  const struct om_spool *spool;   /* finished: the features */
  const char *provenance;         /* free text for output metadata (sources, version), or NULL */
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
 * transaction.  With o->srs, the features (o->spool, already transformed)
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

#endif
