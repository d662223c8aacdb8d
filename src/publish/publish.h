/*
 * The files oremap.yaml publishes beside the layers (README.md, "QGIS
 * project" and "Web bundle"): a QGIS project that opens every layer,
 * styled, from its GeoPackage or GeoJSON output by relative path; and a
 * web bundle (public GeoJSON, vector tiles through GDAL's MVT driver, a
 * MapLibre style.json from the same style files, an offline index.html
 * viewer).  Made by the engine at the end of `oremap build` when
 * pipeline/publish.h finds them due; each file is replaced atomically.
 */
#ifndef OM_PUBLISH_PUBLISH_H
#define OM_PUBLISH_PUBLISH_H

#include "core/diag.h"
#include "manifest/manifest.h"

/*
 * Make everything p asks to publish from the layers' current outputs.
 * 0, or OM_EIO / OM_EDEP / OM_EMANIFEST / OM_ENOMEM with d->msg; warnings
 * (a missing viewer library, a web layer written with all its fields)
 * go to d's report.
 */
int om_publish_run(const struct om_project *p, struct om_diag *d);

#endif
