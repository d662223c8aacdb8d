/* The 'joins' list of a layer manifest (private to the manifest module). */
#ifndef OM_MANIFEST_JOINS_H
#define OM_MANIFEST_JOINS_H

#include "manifest/manifest.h"
#include "manifest/yaml_util.h"

/* Read the 'joins' node v into l->joins; problems are reported through f. */
void om_manifest_read_joins(struct om_yaml_file *f, yaml_node_t *v, struct om_layer_def *l);
void om_manifest_release_joins(struct om_layer_def *l);

/*
 * A 'fields' node in a join's form (a list of columns, or a mapping
 * column: aggregate | { as, aggregate, type }) into *fields / *n, shared
 * with a layer's 'aggregate'.  Problems are reported through f.
 */
void om_manifest_read_field_list(struct om_yaml_file *f, yaml_node_t *v,
                                 struct om_join_field_def **fields, size_t *n);
/* A field name, or a list of them ('on', 'by'), into *names / *n. */
void om_manifest_read_names(struct om_yaml_file *f, yaml_node_t *v, const char *what,
                            char ***names, size_t *n);

#endif
