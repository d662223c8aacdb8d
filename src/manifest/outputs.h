/*
 * 'outputs' in a layer manifest: a list of paths, or of mappings with
 * 'path' and options (layer, format, precision, fields, crs).  The path
 * rules are those of manifest.h.
 */
#ifndef OM_MANIFEST_OUTPUTS_H
#define OM_MANIFEST_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest/manifest.h"
#include "manifest/yaml_util.h"

/*
 * Read the value of 'outputs' into l->outputs, reporting problems in f;
 * root is the project's output root (NULL: unknown), anywhere lets
 * outputs lie outside it.
 */
void om_manifest_read_outputs(struct om_yaml_file *f, yaml_node_t *v, const char *root,
                              bool anywhere, struct om_layer_def *l);

/*
 * Report outputs of layers[0..n) that write the same file, unless both are
 * GeoPackage layers with different names (a GeoPackage holds many).
 */
void om_manifest_check_output_clashes(struct om_yaml_errors *e, struct om_layer_def *layers,
                                      size_t n);

#endif
