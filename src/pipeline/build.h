/*
 * Building a project: take the output root's lock, sweep what killed
 * builds left, plan, and build the stale layers, up to 'jobs' at a time.
 * A layer starts when the layers it reads are done and no running layer
 * writes to a file it writes.  A failing layer does not stop independent
 * layers; the layers that read it are skipped with the reason.
 *
 * The layers of one build that write into the same GeoPackage add their
 * tables to one temporary copy of it, committed (renamed over the file)
 * once the last of them is done, or earlier when a layer that reads one
 * of them is about to start: the file is copied once per build, not once
 * per layer.  The state file is updated after every layer whose outputs
 * are all on disk (for a shared GeoPackage, after its commit), so a build
 * killed at any moment leaves a state that the next build can finish from.
 */
#ifndef OM_PIPELINE_BUILD_H
#define OM_PIPELINE_BUILD_H

#include <stdbool.h>

#include "core/diag.h"
#include "manifest/manifest.h"
#include "pipeline/layer.h"
#include "pipeline/plan.h"
#include "pipeline/publish.h"
#include "pipeline/state.h"

struct om_gpkg_batch;

/*
 * Builds one stale layer: om_layer_build_shared in the engine, its
 * GeoPackage outputs going into gpkg's copies, which the build commits
 * once per file (io/gpkg_batch.h).  Passed in rather
 * than called so that the front (src/front/main.c), which must not load
 * GDAL, PROJ or GEOS, plans with this same code and leaves building to the
 * engine.
 */
typedef int om_build_layer_fn(struct om_layer_result *res, const struct om_project *p,
                              const struct om_layer_def *layer, const struct om_progress *progress,
                              struct om_gpkg_batch *gpkg, struct om_diag *d);

struct om_build_opts {
  char *const *only;   /* layers asked for, or NULL */
  size_t nonly;        /* how many; 0 means all */
  bool force;          /* rebuild every selected layer */
  bool dry_run;        /* plan only */
  int jobs;            /* layers at once (>= 1) */
  double lock_timeout; /* seconds to wait for another build */
  om_build_layer_fn *build_layer; /* builds a stale layer; NULL: plan only (see om_build_run) */
  om_build_publish_fn *publish;   /* makes the QGIS project and web bundle when due, or NULL */
};

enum om_layer_status {
  OM_STATUS_NONE,    /* not selected */
  OM_STATUS_SKIPPED, /* up to date, or a layer it reads failed (see reason) */
  OM_STATUS_BUILT,   /* built (records may have been rejected) */
  OM_STATUS_FAILED,  /* could not be built (message in d.msg); no output replaced */
};

struct om_build_layer {
  const struct om_layer_def *def; /* the manifest */
  enum om_layer_status status;    /* how it ended */
  char reason[512];               /* why it was built or skipped */
  long rejected;                  /* records rejected by the build that made its outputs */
  int rc;                         /* om_layer_build's result when built or failed */
  struct om_layer_result res;     /* counts when built */
  struct om_diag d;               /* the layer's diagnostics (report set by events) */
  struct om_state_layer last;     /* inputs and outputs of its current outputs' build, if any */
};

/* What a caller is told while the build runs; any member may be NULL. */
struct om_build_events {
  void (*start)(void *ctx, struct om_build_layer *l);
  void (*progress)(void *ctx, struct om_build_layer *l, const char *phase, long records,
                   double fraction);
  void (*done)(void *ctx, struct om_build_layer *l);
  /* Rejects and warnings of a layer, one line each. */
  void (*message)(void *ctx, struct om_build_layer *l, enum om_level level, const char *line);
  void *ctx;
};

struct om_build {
  const struct om_project *p;
  struct om_plan plan;           /* dependencies and decisions */
  struct om_build_layer *layers; /* p->nlayers entries, in the project's order */
  size_t n;
  bool unbuilt;                  /* a layer was stale and there was no build_layer */
  struct om_publish_result publish; /* the QGIS project and web bundle (pipeline/publish.h) */
};

/*
 * Plan and (unless dry_run) build.  Returns 0 when the build ran, whatever
 * happened to each layer (see b->layers), or a negative run-level code
 * (lock, state, manifest) with the message in d->msg.  b must be released
 * with om_build_release in both cases.
 *
 * Without o->build_layer, a build that finds a selected layer stale stops
 * after planning: it builds nothing and tells no event, saves the file
 * hashes the plan computed (if it can), releases the lock, sets b->unbuilt
 * and returns 0.  Whoever then builds takes the lock again and plans afresh.
 */
int om_build_run(struct om_build *b, const struct om_project *p, const struct om_build_opts *o,
                 const struct om_build_events *ev, struct om_diag *d);
void om_build_release(struct om_build *b);

#endif
