/*
 * The build plan: which layers read which (a DAG), which are asked for,
 * and for each whether it is rebuilt or skipped, and why.
 *
 * Layer B depends on layer A when B's source is one of A's outputs (for a
 * GeoPackage, the table B names, or any table A writes there when B names
 * none).  A layer is rebuilt when --force says so, when it was never built,
 * when a layer it reads is rebuilt, when the hash of one of its inputs
 * (manifest, source files, style, oremap version) changed, or when one of
 * its outputs is missing or was changed on disk.
 */
#ifndef OM_PIPELINE_PLAN_H
#define OM_PIPELINE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "manifest/manifest.h"
#include "pipeline/state.h"

enum om_plan_action {
  OM_PLAN_NONE,  /* not selected: left alone */
  OM_PLAN_SKIP,  /* selected and up to date */
  OM_PLAN_BUILD, /* selected and stale */
};

struct om_plan_layer {
  const struct om_layer_def *def; /* the manifest */
  size_t ndeps;                   /* layers it reads */
  size_t *deps;                   /* their indices in the plan */
  bool named;                     /* asked for (by --only, or all when none is named) */
  enum om_plan_action action;     /* what the build does */
  char reason[512];               /* why, in words */
};

struct om_plan {
  size_t n;                     /* as many as the project has layers, in its order */
  struct om_plan_layer *layers;
  size_t *order;                /* indices in dependency order (readers after what they read) */
};

/*
 * Make the plan for the layers named in 'only' (all when nonly is 0) and
 * the layers they read; 'force' rebuilds the named layers, while the
 * layers they read are rebuilt only when stale.  A cycle or an unknown name is OM_EMANIFEST with
 * the cycle ("a -> b -> a") or the known names in d->msg.
 */
int om_plan_make(struct om_plan *plan, const struct om_project *p, struct om_state *st,
                 char *const *only, size_t nonly, bool force, struct om_diag *d);
void om_plan_release(struct om_plan *plan);

/*
 * What layer i is built from now (its input hashes) and, after a build,
 * what it wrote (its output fingerprints), as a state entry for it.
 * A source that is not a file (a database connection) gets no hash: such a
 * layer is rebuilt every time.
 */
/*
 * Whether layer b reads output o of layer a, as its source, through a
 * join, or as a flow line's origin: b must not start before o is on disk.
 */
bool om_plan_reads_output(const struct om_project *p, const struct om_layer_def *b,
                          const struct om_layer_def *a, const struct om_output_def *o);

int om_plan_inputs(struct om_state_layer *out, const struct om_project *p,
                   const struct om_plan *plan, size_t i, struct om_state *st, struct om_diag *d);
int om_plan_outputs(struct om_state_layer *l, const struct om_project *p,
                    const struct om_layer_def *def, struct om_state *st, struct om_diag *d);

#endif
