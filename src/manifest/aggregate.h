/*
 * 'aggregate' in a layer manifest: the layer's records grouped by one or
 * more fields, each group written as one feature (pipeline/aggregate.h).
 *
 *   aggregate:
 *     by: country                    # a field, or a list of them
 *     geometry: union                # union (default) | hull | collect
 *     fields:                        # as a join's: column: aggregate | { as, aggregate, type }
 *       site_id: { as: site_count, aggregate: count }
 *       resource_mt: sum
 *     separator: "; "                # for list
 */
#ifndef OM_MANIFEST_AGGREGATE_H
#define OM_MANIFEST_AGGREGATE_H

#include "manifest/manifest.h"
#include "manifest/yaml_util.h"

/* Read the value of 'aggregate' into l->aggregate, reporting problems in f. */
void om_manifest_read_aggregate(struct om_yaml_file *f, yaml_node_t *v, struct om_layer_def *l);
void om_manifest_release_aggregate(struct om_layer_def *l);

#endif
