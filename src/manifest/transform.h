/*
 * 'transform' in a layer manifest: a geometry operation applied to every
 * located record, after locating and before joins and outputs.
 *
 *   transform: { buffer_km: 25 }
 *   transform: { flow_line: { from: { layer: deposits, id: TR-BEY-001 } } }
 *   transform: { flow_line: { from: { x: 31.21, y: 39.69 }, step_km: 50 } }
 */
#ifndef OM_MANIFEST_TRANSFORM_H
#define OM_MANIFEST_TRANSFORM_H

#include "manifest/manifest.h"
#include "manifest/yaml_util.h"

/* Default distance between the vertices of a flow line, in km. */
#define OM_TRANSFORM_DEFAULT_STEP_KM 50.0

/* Read the value of 'transform' into l->transform, reporting problems in f. */
void om_manifest_read_transform(struct om_yaml_file *f, yaml_node_t *v, struct om_layer_def *l);
void om_manifest_release_transform(struct om_layer_def *l);

#endif
