/*
 * Outputs in a CRS of their own (a GeoPackage in TUREF / TM30, say): the
 * layer's features, located in WGS 84, transformed for one output.
 *
 * The layer's records are the same for every output, so a record that
 * cannot be expressed in one output's CRS (it lies outside the CRS's area
 * of use, or PROJ cannot transform it) is not rejected: it stays in the
 * other outputs, is left out of this one, and each one left out is
 * reported as a warning naming the record, the output and the reason.
 */
#ifndef OM_PIPELINE_OUTPUT_CRS_H
#define OM_PIPELINE_OUTPUT_CRS_H

#include "core/diag.h"
#include "core/feature.h"
#include "core/spool.h"
#include "crs/crs.h"
#include "manifest/manifest.h"

/* At most this many records left out are reported one by one per output; then a count. */
#define OM_OUTPUT_CRS_MAX_WARNINGS 20

struct om_output_crs {
  struct om_output_srs srs; /* for the writer; points into 'info' */
  struct om_crs_srs info;   /* the CRS's registration, owned */
  struct om_spool *spool;   /* the features in the CRS, finished, owned */
  long left_out;            /* records that could not be transformed */
};

/*
 * Transform the features of 'in' (finished) for output o of layer, whose
 * o->crs is set and is not WGS 84 (om_output_crs_wanted).  0, or a negative
 * code: an unknown CRS is OM_EMANIFEST naming the manifest's file:line.
 */
int om_output_crs_make(struct om_output_crs *out, const struct om_spool *in,
                       const struct om_layer_def *layer, const struct om_output_def *o,
                       struct om_diag *d);
void om_output_crs_release(struct om_output_crs *c);

/* Check that PROJ knows o's CRS, if it has one: 0, or OM_EMANIFEST naming file:line. */
int om_output_crs_check(const struct om_layer_def *layer, const struct om_output_def *o,
                        struct om_diag *d);

/* Whether o needs its own CRS (a crs other than EPSG:4326 / OGC:CRS84). */
bool om_output_crs_wanted(const struct om_output_def *o);

#endif
