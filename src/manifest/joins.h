/* The 'joins' list of a layer manifest (private to the manifest module). */
#ifndef OM_MANIFEST_JOINS_H
#define OM_MANIFEST_JOINS_H

#include "manifest/manifest.h"
#include "manifest/yaml_util.h"

/* Read the 'joins' node v into l->joins; problems are reported through f. */
void om_manifest_read_joins(struct om_yaml_file *f, yaml_node_t *v, struct om_layer_def *l);
void om_manifest_release_joins(struct om_layer_def *l);

#endif
