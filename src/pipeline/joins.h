/*
 * A layer's joins inside the pipeline, by attribute (join/attr.h) and by
 * location (join/spatial.h): open every table the manifest joins, fill
 * the joined columns of each record, reject the records a join drops, and
 * report what each join matched.
 */
#ifndef OM_PIPELINE_JOINS_H
#define OM_PIPELINE_JOINS_H

#include "core/diag.h"
#include "core/feature.h"
#include "io/reader.h"
#include "locate/locate.h"
#include "manifest/manifest.h"
#include "pipeline/layer.h"

struct om_layer_joins;

/* Why a record was dropped by a join. */
struct om_join_miss {
  const char *field; /* the layer's (first) key field */
  const char *value; /* its value in the record, or NULL */
  char detail[256];  /* which table */
};

/*
 * Open the joins of 'layer', whose records come from 'reader'; their
 * output names must not clash with 'own' (the layer's own fields).  A
 * layer without joins gives an empty set.
 */
int om_layer_joins_open(struct om_layer_joins **out, const struct om_project *p,
                        const struct om_layer_def *layer, const struct om_reader *reader,
                        const struct om_schema *own, struct om_diag *d);
void om_layer_joins_free(struct om_layer_joins *j);

/* The joined fields of all joins, in order. */
size_t om_layer_joins_nfields(const struct om_layer_joins *j);
const char *om_layer_joins_name(const struct om_layer_joins *j, size_t i);
enum om_field_type om_layer_joins_type(const struct om_layer_joins *j, size_t i);

/*
 * Fill values[0..nfields) for one record located at 'loc' (joins by
 * location read it): 1 when it is kept, 0 when a join drops it (*miss says
 * why; its field is NULL for a join by location), or a negative run-level
 * code with the message in d.
 */
int om_layer_joins_apply(struct om_layer_joins *j, const struct om_record *rec,
                         const struct om_location *loc, const char **values,
                         struct om_join_miss *miss, struct om_diag *d);

/*
 * The file a join reads (relative to the project) and its layer inside
 * (or NULL): its 'table', or the first output of the project layer it
 * names.  0, or -1 when there is no such layer or it has no outputs.
 */
int om_join_source(const struct om_project *p, const struct om_join_def *def, const char **path,
                   const char **layer);

/*
 * After the last record: write each join's unmatched table rows beside the
 * layer's rejects (<dir>/<layer>.<table name>.unmatched.csv) and give the
 * joins' counts.
 */
int om_layer_joins_finish(struct om_layer_joins *j, const char *rejects_dir,
                          struct om_layer_result *res, struct om_diag *d);

#endif
