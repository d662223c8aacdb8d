/*
 * The output-writing step of a layer build (layer.c): every output of the
 * manifest from the finished spool and schema.  Internal to src/pipeline.
 */
#ifndef OM_PIPELINE_WRITE_OUTPUTS_H
#define OM_PIPELINE_WRITE_OUTPUTS_H

#include <stddef.h>

#include "core/diag.h"
#include "core/feature.h"
#include "core/spool.h"
#include "io/gpkg_batch.h"
#include "manifest/manifest.h"
#include "pipeline/geocode.h"

/* What writing a layer's outputs needs from its build. */
struct om_layer_write {
  const struct om_project *p;
  const struct om_layer_def *layer;
  struct om_diag *d;
  const struct om_schema *schema;     /* the fields written */
  struct om_spool *spool;             /* finished: the features */
  struct om_layer_geocoder *geocoder; /* locate.geocode, or NULL */
  struct om_gpkg_batch *gpkg;         /* the build's GeoPackage copies, or NULL */
};

/* Schema indices of an output's allow-list, or an error naming the field. */
int om_layer_resolve_fields(size_t **out, const struct om_schema *schema,
                            const struct om_layer_def *layer, const struct om_output_def *o,
                            struct om_diag *d);

/*
 * Write every output: GeoPackages in one thread, one after the other
 * (several layers may share a file), the text formats in another.
 */
int om_layer_write_outputs(const struct om_layer_write *b);

#endif
