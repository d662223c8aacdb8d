/*
 * Building one layer: read its source, locate and check every record,
 * decide the field types, and write every output the manifest lists.
 * Records in = written + rejected, always: each record ends in the
 * outputs or in the layer's rejects file with its reason.
 */
#ifndef OM_PIPELINE_LAYER_H
#define OM_PIPELINE_LAYER_H

#include "core/diag.h"
#include "manifest/manifest.h"

/* What one join did in a build. */
struct om_join_result {
  char *table;           /* the joined table as the manifest names it, owned */
  long matched;          /* records that found their key */
  long unmatched;        /* records that did not */
  bool dropped;          /* those were rejected (unmatched: drop), else kept with nulls */
  long table_rows;       /* rows read from the table */
  long unmatched_rows;   /* table rows no record asked for */
  char *unmatched_path;  /* where those rows were written, owned, or NULL */
};

struct om_layer_result {
  long read;                     /* records read from the source */
  long written;                  /* records written to the outputs (groups, with aggregate) */
  bool aggregated;               /* the layer has 'aggregate': written counts groups */
  long grouped;                  /* then the records in the written groups; read =
                                    grouped + rejected */
  long rejected;                 /* records rejected (see counts) */
  long counts[OM_REASON__COUNT]; /* rejected records by reason */
  char *rejects_path;            /* the rejects file written, owned */
  size_t njoins;                 /* the layer's joins, in manifest order */
  struct om_join_result *joins;
  bool geocoded;                 /* the layer has locate.geocode */
  long located[5];               /* written records by gc_level: site, locality, admin2, admin1, country */
  double seconds;                /* wall time */
};

void om_layer_result_release(struct om_layer_result *r);

/* Told how a layer's build goes, every few thousand records and between phases. */
struct om_progress {
  void (*fn)(void *ctx, const char *phase, long records, double fraction);
  void *ctx; /* passed to fn */
};

/*
 * Build 'layer' of project 'p', telling 'progress' (may be NULL) how it
 * goes: phase "reading" with the records read and the share of the source
 * read (-1 when unknown), then "writing".  Rejected records are reported through d
 * (its report callback) and written to <output root>/rejects/<layer>.csv.
 * Returns 0 when the layer was built (some records may have been
 * rejected), or a negative run-level code with the message in d->msg; then
 * no output was replaced.
 */
int om_layer_build(struct om_layer_result *res, const struct om_project *p,
                   const struct om_layer_def *layer, const struct om_progress *progress,
                   struct om_diag *d);

struct om_gpkg_batch;

/*
 * om_layer_build, with the GeoPackage outputs written into gpkg's copies
 * of their files (io/gpkg_batch.h): the caller commits them once the
 * build's last layer writing each file is done.  Until then those outputs
 * are unchanged on disk.  gpkg NULL: om_layer_build.
 */
int om_layer_build_shared(struct om_layer_result *res, const struct om_project *p,
                          const struct om_layer_def *layer, const struct om_progress *progress,
                          struct om_gpkg_batch *gpkg, struct om_diag *d);

/*
 * Check a layer without reading its records or writing anything: the
 * source opens, the fields the manifest names exist, the CRS is known, the
 * style file is there.  0 or a negative code with the message in d->msg.
 */
int om_layer_validate(const struct om_project *p, const struct om_layer_def *layer,
                      struct om_diag *d);

#endif
