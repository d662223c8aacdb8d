/*
 * What a layer's GeoPackage outputs carry beside the features: its style
 * (styles/<name>.yaml compiled to QML and SLD, src/style) and its
 * provenance (the inputs with their content hashes, the oremap version,
 * the build time, the gazetteer's attribution for a geocoded layer).
 */
#ifndef OM_PIPELINE_STYLE_H
#define OM_PIPELINE_STYLE_H

#include "core/diag.h"
#include "core/feature.h"
#include "manifest/manifest.h"

struct om_style;

struct om_layer_extras {
  char *qml;        /* the style as QML, or NULL when the layer has no style; owned */
  char *sld;        /* the style as SLD 1.1, or NULL; owned */
  char *provenance; /* JSON (application/json); owned */
  struct om_style *style; /* the style itself (KML styles each placemark), or NULL; owned */
};

/*
 * Load the layer's style (if any), check the fields it reads against
 * 'schema' (the fields the layer is written with), compile it, and
 * describe the layer's provenance.  'attribution' is the gazetteer's
 * notice for a geocoded layer, or NULL.  0, or OM_EMANIFEST for a bad
 * style (file:line:column in d->msg), OM_ENOMEM.
 */
int om_layer_extras_make(struct om_layer_extras *out, const struct om_project *p,
                         const struct om_layer_def *layer, const struct om_schema *schema,
                         const char *attribution, struct om_diag *d);
void om_layer_extras_release(struct om_layer_extras *x);

/*
 * For validate: the style loads and reads only fields the layer has.
 * 'schema' is the layer's records' fields; for a layer with 'aggregate'
 * the written fields are worked out from the manifest instead.
 */
int om_layer_style_check(const struct om_project *p, const struct om_layer_def *layer,
                         const struct om_schema *schema, struct om_diag *d);

#endif
