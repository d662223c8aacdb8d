/*
 * What oremap.yaml asks to publish beside the layers (private to the
 * manifest module):
 *
 *   qgis_project: out/deposit-map.qgz     # or .qgs
 *   web:
 *     dir: out/web
 *     title: Beylikova deposit map        # the page's title (default: the project's)
 *     library: /opt/maplibre-gl/dist      # maplibre-gl.js and .css (README.md)
 *     layers: [deposits, countries]       # default: every layer
 *     tiles: { layer: countries, minzoom: 0, maxzoom: 6 }
 *     font: DejaVu Sans                 # labels' font: a file or a fontconfig name
 *     flatgeobuf_min_features: 100000   # layers this large also go out as <layer>.fgb
 *
 * Layer names are checked once every layer manifest is loaded.
 */
#ifndef OM_MANIFEST_PUBLISH_H
#define OM_MANIFEST_PUBLISH_H

#include "manifest/manifest.h"
#include "manifest/yaml_util.h"

/* Read 'qgis_project' and 'web' from the project's root mapping into p. */
void om_manifest_read_publish(struct om_yaml_file *f, yaml_node_t *map, struct om_project *p);
/* Check the layer names they give against p's layers (with a "did you mean"). */
void om_manifest_check_publish(struct om_yaml_errors *e, const struct om_project *p);
void om_manifest_release_publish(struct om_project *p);

#endif
