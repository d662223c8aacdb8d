/*
 * Publishing at the end of a build: the QGIS project and the web bundle
 * that oremap.yaml asks for ('qgis_project', 'web'), made from the layers'
 * outputs by the engine (publish/publish.h).  This part only decides
 * whether they are due, so that the front (src/front/main.c) can answer a
 * no-op build without GDAL: they are due when one is missing, or when
 * what they are made from changed since they were last made.  That is one
 * hash, kept in <output root>/.oremap-publish: the project manifest, the
 * oremap version, every layer's state entry (its input hashes, style
 * included, and its output fingerprints) and the viewer library's file.
 */
#ifndef OM_PIPELINE_PUBLISH_H
#define OM_PIPELINE_PUBLISH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/diag.h"
#include "manifest/manifest.h"
#include "pipeline/state.h"

/* Makes the published files (om_publish_run in the engine); 0 or OM_E* with d->msg. */
typedef int om_build_publish_fn(const struct om_project *p, struct om_diag *d);

enum om_publish_status {
  OM_PUBLISH_NONE,    /* nothing to publish, or not reached */
  OM_PUBLISH_CURRENT, /* up to date */
  OM_PUBLISH_NOT,     /* due, but a layer has no outputs (see reason) */
  OM_PUBLISH_DONE,    /* made */
  OM_PUBLISH_FAILED,  /* could not be made (d.msg) */
};

struct om_publish_result {
  enum om_publish_status status;
  char reason[512];  /* why it was (not) made */
  struct om_diag d;  /* the failure, and warnings counted */
  char warnings[2048]; /* the warnings, one a line */
};

/* Whether the project asks for anything to be published. */
bool om_publish_wanted(const struct om_project *p);

/*
 * Whether the published files are due, with the reason in words; *hash
 * gets the inputs' hash to stamp them with.  'missing' is set to the name
 * of a layer that has no state entry (never built, or failed), or NULL.
 * 0, or OM_ENOMEM.
 */
int om_publish_due(bool *due, uint64_t *hash, const char **missing, char *reason, size_t size,
                   const struct om_project *p, struct om_state *st);

/* Record that the files were made from inputs with 'hash' (atomically). */
int om_publish_stamp(const struct om_project *p, uint64_t hash, struct om_diag *d);

/*
 * The folder holding maplibre-gl.js and maplibre-gl.css: OREMAP_MAPLIBRE
 * in the environment, else web.library, else the folder scripts/setup.sh
 * installs it into ($HOME/.cache/oremap/web/node_modules/maplibre-gl/dist).
 * A new string, relative paths from the project's folder; NULL when out of memory.
 */
char *om_publish_library_dir(const struct om_project *p);

#endif
