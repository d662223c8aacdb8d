/*
 * What the writers that go through a GDAL vector driver share
 * (write_ogr.c for files, write_pg.c for PostGIS): the output's fields and
 * geometry type worked out over the whole layer, filling an OGR layer
 * from the spool, and catching GDAL's messages for the run-level error
 * instead of letting GDAL print them.
 */
#ifndef OM_IO_WRITE_OGR_INTERNAL_H
#define OM_IO_WRITE_OGR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "io/writer.h"

/* What goes out, decided over every feature before the driver sees one. */
struct om_ogr_plan {
  size_t n;                 /* output fields */
  size_t *src;              /* n schema indices, in output (source) order */
  char **names;             /* n names as written (shortened for a Shapefile), owned */
  int *width;               /* n widest string values in bytes (for DBF columns) */
  OGRwkbGeometryType gtype; /* the layer's geometry type; wkbUnknown when mixed */
  bool mixed_families;      /* points, lines and polygons together */
  size_t count;             /* features */
  bool dbf;                 /* DBF text columns: as wide as the widest value, at most 254 */
};

/* Work out the plan of output o of L; names start as the schema's. */
int om_ogr_plan_make(struct om_ogr_plan *p, const struct om_layer_data *L,
                     const struct om_output_opts *o, struct om_diag *d);
void om_ogr_plan_release(struct om_ogr_plan *p);

/*
 * Create the plan's fields on lyr and write every feature in source
 * order.  hash, when not NULL, receives a hash of what was written (values and
 * geometries), for a table that cannot be hashed as a file.
 */
int om_ogr_fill(OGRLayerH lyr, const struct om_ogr_plan *p, const struct om_layer_data *L,
                uint64_t *hash, const char *what, struct om_diag *d);

/* WGS 84 in longitude/latitude order; the caller releases it (OSRRelease). */
OGRSpatialReferenceH om_ogr_wgs84(void);

/*
 * GDAL's messages while a writer runs: pushed as a thread-local handler,
 * so nothing is printed and two writer threads never mix messages.
 */
struct om_ogr_errors {
  char msg[1024]; /* the first failure, or the last warning when none failed */
  bool failed;    /* a CE_Failure or worse was raised */
};
void om_ogr_errors_push(struct om_ogr_errors *e);
void om_ogr_errors_pop(void);
/* The message to show after a GDAL call failed ("unknown error" when GDAL said none). */
const char *om_ogr_errors_text(const struct om_ogr_errors *e);

#endif
