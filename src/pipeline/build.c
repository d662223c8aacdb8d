/* Running a build (see build.h). */
#include "pipeline/build.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lock.h"
#include "core/path.h"
#include "io/atomic.h"
#include "io/gpkg_batch.h"
#include "pipeline/state.h"

enum { WAITING, RUNNING, DONE };

struct run {
  struct om_build *b;
  const struct om_build_events *ev;
  om_build_layer_fn *build_layer; /* builds one layer */
  struct om_state state;   /* read at the start, updated after every layer */
  char *state_path;        /* where it is saved */
  int *phase;              /* WAITING, RUNNING or DONE per layer */
  pthread_mutex_t lock;    /* guards state, phase, layer statuses and events */
  pthread_cond_t changed;  /* a layer finished */
  struct om_diag *d;       /* for a state file that cannot be saved */
  int rc;                  /* the first run-level failure */
  struct om_gpkg_batch *gpkg;     /* GeoPackages being changed: one copy per file */
  struct om_state_layer *entries; /* per layer: its state entry while it is unsettled */
  bool *unsettled;                /* per layer: finished, but a GeoPackage it wrote is
                                     not committed yet, so its state entry waits */
};

/* What a layer's callbacks need to find the run. */
struct job {
  struct run *run;
  struct om_build_layer *l;
};

static void on_message(void *ctx, enum om_level level, const char *line)
{
  struct job *j = ctx;
  if (!j->run->ev->message)
    return;
  pthread_mutex_lock(&j->run->lock);
  j->run->ev->message(j->run->ev->ctx, j->l, level, line);
  pthread_mutex_unlock(&j->run->lock);
}

static void on_progress(void *ctx, const char *phase, long records, double fraction)
{
  struct job *j = ctx;
  if (!j->run->ev->progress)
    return;
  pthread_mutex_lock(&j->run->lock);
  j->run->ev->progress(j->run->ev->ctx, j->l, phase, records, fraction);
  pthread_mutex_unlock(&j->run->lock);
}

static bool shares_output(const struct om_layer_def *a, const struct om_layer_def *b)
{
  for (size_t i = 0; i < a->noutputs; i++)
    for (size_t j = 0; j < b->noutputs; j++)
      if (strcmp(a->outputs[i].path, b->outputs[j].path) == 0)
        return true;
  return false;
}

static bool writes_gpkg(const struct om_layer_def *def, const char *path)
{
  for (size_t i = 0; i < def->noutputs; i++)
    if (def->outputs[i].format == OM_FORMAT_GPKG && strcmp(def->outputs[i].path, path) == 0)
      return true;
  return false;
}

/* Whether a finished layer's GeoPackage 'path' (as manifests spell it) waits for its commit. */
static bool file_waits(const struct run *r, const char *path)
{
  for (size_t j = 0; j < r->b->n; j++)
    if (r->unsettled[j] && writes_gpkg(r->b->layers[j].def, path))
      return true;
  return false;
}

/* Whether layer i reads a layer's table of the GeoPackage 'path'. */
static bool reads_gpkg(const struct run *r, size_t i, const char *path)
{
  const struct om_plan_layer *pl = &r->b->plan.layers[i];
  for (size_t k = 0; k < pl->ndeps; k++) {
    const struct om_layer_def *dep = r->b->layers[pl->deps[k]].def;
    for (size_t o = 0; o < dep->noutputs; o++) {
      const struct om_output_def *out = &dep->outputs[o];
      if (out->format == OM_FORMAT_GPKG && strcmp(out->path, path) == 0 &&
          om_plan_reads_output(r->b->p, pl->def, dep, out))
        return true;
    }
  }
  return false;
}

/* Whether layer i reads a table of a GeoPackage that waits for its commit. */
static bool input_waits(const struct run *r, size_t i)
{
  const struct om_plan_layer *pl = &r->b->plan.layers[i];
  for (size_t k = 0; k < pl->ndeps; k++) {
    const struct om_layer_def *dep = r->b->layers[pl->deps[k]].def;
    for (size_t o = 0; o < dep->noutputs; o++) {
      const char *path = dep->outputs[o].path;
      if (dep->outputs[o].format == OM_FORMAT_GPKG && file_waits(r, path) &&
          reads_gpkg(r, i, path))
        return true;
    }
  }
  return false;
}

/*
 * The next layer that may start, or SIZE_MAX; a layer whose input failed is
 * settled here as skipped.  *waiting says whether any layer still waits.
 */
static size_t next_layer(struct run *r, bool *waiting)
{
  struct om_build *b = r->b;
  *waiting = false;
  for (size_t k = 0; k < b->n; k++) {
    size_t i = b->plan.order[k];
    if (r->phase[i] != WAITING)
      continue;
    const struct om_plan_layer *pl = &b->plan.layers[i];
    bool ready = true;
    const struct om_build_layer *failed = NULL;
    for (size_t j = 0; j < pl->ndeps; j++) {
      size_t dep = pl->deps[j];
      if (r->phase[dep] != DONE)
        ready = false;
      else if (b->layers[dep].status == OM_STATUS_FAILED ||
               (b->layers[dep].status == OM_STATUS_SKIPPED &&
                b->plan.layers[dep].action == OM_PLAN_BUILD))
        failed = &b->layers[dep];
    }
    if (ready && failed) {
      struct om_build_layer *l = &b->layers[i];
      l->status = OM_STATUS_SKIPPED;
      snprintf(l->reason, sizeof l->reason, "not built: it reads layer '%s', which %s",
               failed->def->name, failed->status == OM_STATUS_FAILED ? "failed" : "was not built");
      r->phase[i] = DONE;
      if (r->ev->done)
        r->ev->done(r->ev->ctx, l);
      k = (size_t)-1; /* a settled layer may settle others: look again */
      continue;
    }
    *waiting = true;
    ready = ready && !input_waits(r, i); /* it reads the file: after the commit */
    for (size_t j = 0; j < b->n && ready; j++)
      ready = !(r->phase[j] == RUNNING && shares_output(pl->def, b->layers[j].def));
    if (ready)
      return i;
  }
  return SIZE_MAX;
}

/* Record what layer i was built from and wrote (or forget it), and save the state. */
static void settle(struct run *r, size_t i, struct om_state_layer *entry)
{
  struct om_build_layer *l = &r->b->layers[i];
  int rc = 0;
  if (l->status == OM_STATUS_BUILT) {
    entry->rejected = l->res.rejected;
    rc = om_plan_outputs(entry, r->b->p, l->def, &r->state, r->d);
    if (rc == 0)
      rc = om_state_layer_copy(&l->last, entry);
    if (rc == 0)
      rc = om_state_put(&r->state, entry);
  } else {
    om_state_forget(&r->state, l->def->name);
  }
  if (rc == 0)
    rc = om_state_save(&r->state, r->state_path, r->d);
  if (rc < 0 && r->rc == 0)
    r->rc = rc;
  om_state_layer_release(entry);
}

/*
 * Whether the build's copy of the GeoPackage 'path' may be committed now:
 * no running layer is adding to it, and either no waiting layer will, or
 * a layer that could start reads a table of it (it must see the new
 * tables, so the file is committed now and later writers copy it again).
 * A layer that reads another's GeoJSON does not wait for the GeoPackage.
 */
static bool committable(const struct run *r, const char *path)
{
  const struct om_build *b = r->b;
  bool writers = false, reader = false;
  for (size_t k = 0; k < b->n; k++) {
    if (r->phase[k] == RUNNING && writes_gpkg(b->layers[k].def, path))
      return false;
    if (r->phase[k] != WAITING)
      continue;
    writers |= writes_gpkg(b->layers[k].def, path);
    const struct om_plan_layer *pl = &b->plan.layers[k];
    bool deps_done = true;
    for (size_t j = 0; j < pl->ndeps; j++)
      deps_done &= r->phase[pl->deps[j]] == DONE;
    reader |= deps_done && reads_gpkg(r, k, path);
  }
  return !writers || reader;
}

/* Whether a GeoPackage output of layer i still has an uncommitted copy. */
static bool copy_pending(const struct run *r, size_t i)
{
  const struct om_layer_def *def = r->b->layers[i].def;
  for (size_t o = 0; o < def->noutputs; o++) {
    if (def->outputs[o].format != OM_FORMAT_GPKG)
      continue;
    char *path = om_path_join(r->b->p->dir, def->outputs[o].path);
    bool pending = !path || om_gpkg_batch_pending(r->gpkg, path);
    free(path);
    if (pending)
      return true;
  }
  return false;
}

/* A commit failed: the layers that wrote into the copy failed with it. */
static void fail_writers(struct run *r, const char *path, int rc, const char *msg)
{
  for (size_t j = 0; j < r->b->n; j++) {
    struct om_build_layer *l = &r->b->layers[j];
    if (r->unsettled[j] && l->status == OM_STATUS_BUILT && writes_gpkg(l->def, path)) {
      l->status = OM_STATUS_FAILED;
      l->rc = rc;
      om_diag_fail(&l->d, rc, "%s", msg);
    }
  }
}

/*
 * Commit the GeoPackage copies that may be committed (see committable),
 * then save the state entries of the layers whose outputs are all on disk
 * now; returns whether anything was committed or saved.  In this order, a
 * build killed at any moment leaves no state entry that claims a table
 * its file does not have yet.
 */
static bool flush(struct run *r)
{
  bool changed = false;
  const struct om_build *b = r->b;
  for (size_t i = 0; i < b->n; i++) {
    const struct om_layer_def *def = b->layers[i].def;
    for (size_t o = 0; r->unsettled[i] && o < def->noutputs; o++) {
      const struct om_output_def *out = &def->outputs[o];
      if (out->format != OM_FORMAT_GPKG || !committable(r, out->path))
        continue;
      char *path = om_path_join(b->p->dir, out->path);
      if (path && !om_gpkg_batch_pending(r->gpkg, path)) {
        free(path); /* written in place, or committed for another layer */
        continue;
      }
      struct om_diag d;
      om_diag_init(&d);
      int rc = path ? om_gpkg_batch_commit(r->gpkg, path, &d)
                    : om_diag_fail(&d, OM_ENOMEM, "out of memory");
      if (rc < 0)
        fail_writers(r, out->path, rc, d.msg);
      free(path);
      changed = true;
    }
  }
  for (size_t i = 0; i < b->n; i++) {
    if (r->unsettled[i] && !copy_pending(r, i)) {
      r->unsettled[i] = false;
      settle(r, i, &r->entries[i]);
      changed = true;
    }
  }
  return changed;
}

static void *worker(void *arg)
{
  struct run *r = arg;
  struct om_build *b = r->b;
  pthread_mutex_lock(&r->lock);
  for (;;) {
    bool waiting;
    size_t i = next_layer(r, &waiting);
    if (i == SIZE_MAX && !waiting)
      break;
    if (i == SIZE_MAX && flush(r)) {
      /* A layer settled as skipped may have left a copy that no one else writes. */
      pthread_cond_broadcast(&r->changed);
      if ((i = next_layer(r, &waiting)) == SIZE_MAX && !waiting)
        break;
    }
    if (i == SIZE_MAX) {
      pthread_cond_wait(&r->changed, &r->lock);
      continue;
    }
    struct om_build_layer *l = &b->layers[i];
    r->phase[i] = RUNNING;
    /* The inputs as they are now, before reading them: if one changes
     * during the build, the next build sees the difference. */
    struct om_state_layer entry;
    int rc = om_plan_inputs(&entry, b->p, &b->plan, i, &r->state, &l->d);
    if (r->ev->start)
      r->ev->start(r->ev->ctx, l);
    pthread_mutex_unlock(&r->lock);

    struct job job = {r, l};
    struct om_progress progress = {on_progress, &job};
    l->d.report = on_message;
    l->d.report_ctx = &job;
    if (rc == 0)
      rc = r->build_layer(&l->res, b->p, l->def, &progress, r->gpkg, &l->d);
    l->d.report = NULL;

    pthread_mutex_lock(&r->lock);
    l->rc = rc;
    l->status = rc < 0 ? OM_STATUS_FAILED : OM_STATUS_BUILT;
    l->rejected = l->res.rejected;
    r->entries[i] = entry;
    r->unsettled[i] = true;
    r->phase[i] = DONE;
    flush(r);
    if (r->ev->done)
      r->ev->done(r->ev->ctx, l);
    pthread_cond_broadcast(&r->changed);
  }
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

/* Sweep dir unless it was swept already (dirs: those swept, n of them). */
static void sweep_once(char *dir, char **dirs, size_t *n)
{
  if (!dir)
    return;
  for (size_t i = 0; i < *n; i++) {
    if (strcmp(dirs[i], dir) == 0) {
      free(dir);
      return;
    }
  }
  om_atomic_sweep(dir);
  dirs[(*n)++] = dir;
}

/* Remove what killed builds left beside the outputs: temporaries of dead processes. */
static void sweep(const struct om_project *p, const char *root)
{
  size_t max = 2, n = 0;
  for (size_t i = 0; i < p->nlayers; i++)
    max += p->layers[i].noutputs;
  char **dirs = calloc(max, sizeof *dirs);
  char *rejects = NULL;
  if (!dirs)
    return; /* only tidying: the next build tries again */
  sweep_once(strdup(root), dirs, &n);
  if (asprintf(&rejects, "%s/rejects", root) >= 0)
    sweep_once(rejects, dirs, &n);
  for (size_t i = 0; i < p->nlayers; i++) {
    for (size_t k = 0; k < p->layers[i].noutputs; k++) {
      char *path = om_path_join(p->dir, p->layers[i].outputs[k].path);
      char *dir = path ? om_path_dirname(path) : NULL;
      if (dir)
        sweep_once(dir, dirs, &n);
      free(path);
    }
  }
  for (size_t i = 0; i < n; i++)
    free(dirs[i]);
  free(dirs);
}

static int build_layers(struct run *r, int jobs)
{
  struct om_build *b = r->b;
  r->phase = calloc(b->n ? b->n : 1, sizeof *r->phase);
  r->entries = calloc(b->n ? b->n : 1, sizeof *r->entries);
  r->unsettled = calloc(b->n ? b->n : 1, sizeof *r->unsettled);
  if (!r->phase || !r->entries || !r->unsettled)
    return om_diag_fail(r->d, OM_ENOMEM, "out of memory");
  int rc = om_gpkg_batch_new(&r->gpkg, r->d);
  if (rc < 0)
    return rc;
  size_t stale = 0;
  for (size_t i = 0; i < b->n; i++) {
    struct om_build_layer *l = &b->layers[i];
    const struct om_plan_layer *pl = &b->plan.layers[i];
    snprintf(l->reason, sizeof l->reason, "%s", pl->reason);
    if (pl->action == OM_PLAN_BUILD) {
      stale++;
      continue;
    }
    r->phase[i] = DONE;
    const struct om_state_layer *old = om_state_find(&r->state, l->def->name);
    if (pl->action == OM_PLAN_SKIP) {
      l->status = OM_STATUS_SKIPPED;
      l->rejected = old ? old->rejected : 0;
      if (old && om_state_layer_copy(&l->last, old) < 0)
        return om_diag_fail(r->d, OM_ENOMEM, "out of memory");
    }
  }
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->changed, NULL);
  int nthreads = (size_t)jobs < stale ? jobs : (int)stale;
  pthread_t *threads = calloc((size_t)(nthreads > 0 ? nthreads : 1), sizeof *threads);
  int started = 0;
  while (threads && started < nthreads && pthread_create(&threads[started], NULL, worker, r) == 0)
    started++;
  if (started == 0)
    worker(r);
  for (int t = 0; t < started; t++)
    pthread_join(threads[t], NULL);
  free(threads);
  flush(r); /* every layer is done: commits what is left */
  om_gpkg_batch_free(r->gpkg);
  r->gpkg = NULL;
  pthread_mutex_destroy(&r->lock);
  pthread_cond_destroy(&r->changed);
  return r->rc;
}

static bool any_stale(const struct om_plan *plan)
{
  for (size_t i = 0; i < plan->n; i++)
    if (plan->layers[i].action == OM_PLAN_BUILD)
      return true;
  return false;
}

/* 1 when the published files are due (the front then leaves the build to the engine), 0, or OM_E*. */
static int publish_due(struct om_build *b, struct om_state *st, struct om_diag *d)
{
  bool due;
  uint64_t hash;
  const char *missing;
  struct om_publish_result *pr = &b->publish;
  if (om_publish_due(&due, &hash, &missing, pr->reason, sizeof pr->reason, b->p, st) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (om_publish_wanted(b->p) && !due)
    pr->status = OM_PUBLISH_CURRENT;
  return due;
}

static void keep_warning(void *ctx, enum om_level level, const char *line)
{
  struct om_publish_result *pr = ctx;
  size_t used = strlen(pr->warnings);
  (void)level;
  snprintf(pr->warnings + used, sizeof pr->warnings - used, "%s\n", line);
}

/*
 * After the layers: make the published files when they are due and every
 * layer has outputs, then stamp them.  Their failure is the build's
 * outcome (b->publish), not a run-level error; only memory is.
 */
static int publish(struct om_build *b, struct om_state *st, om_build_publish_fn *fn,
                   struct om_diag *d)
{
  bool due;
  uint64_t hash;
  const char *missing;
  struct om_publish_result *pr = &b->publish;
  om_diag_init(&pr->d);
  pr->d.report = keep_warning;
  pr->d.report_ctx = pr;
  if (om_publish_due(&due, &hash, &missing, pr->reason, sizeof pr->reason, b->p, st) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (!om_publish_wanted(b->p))
    return 0;
  if (!due) {
    pr->status = OM_PUBLISH_CURRENT;
    return 0;
  }
  if (missing) {
    pr->status = OM_PUBLISH_NOT;
    snprintf(pr->reason, sizeof pr->reason, "layer '%s' has no outputs yet", missing);
    return 0;
  }
  if (fn(b->p, &pr->d) < 0 || om_publish_stamp(b->p, hash, &pr->d) < 0)
    pr->status = OM_PUBLISH_FAILED;
  else
    pr->status = OM_PUBLISH_DONE;
  return 0;
}

int om_build_run(struct om_build *b, const struct om_project *p, const struct om_build_opts *o,
                 const struct om_build_events *ev, struct om_diag *d)
{
  static const struct om_build_events none = {0};
  memset(b, 0, sizeof *b);
  b->p = p;
  b->n = p->nlayers;
  b->layers = calloc(b->n ? b->n : 1, sizeof *b->layers);
  if (!b->layers)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; i < b->n; i++) {
    b->layers[i].def = &p->layers[i];
    om_diag_init(&b->layers[i].d);
  }

  struct run r = {.b = b, .ev = ev ? ev : &none, .build_layer = o->build_layer, .d = d};
  char *root = om_path_join(p->dir, p->output_root);
  char *lock_path = NULL;
  int lock_fd = -1;
  int rc = root && asprintf(&r.state_path, "%s/.oremap-state", root) >= 0 &&
                   asprintf(&lock_path, "%s/.oremap.lock", root) >= 0
               ? 0
               : om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0 && !o->dry_run) {
    if (om_path_mkdirs(root) != 0)
      rc = om_diag_fail(d, OM_EIO, "cannot create folder '%s': %m", root);
    if (rc == 0)
      rc = om_lock_acquire(&lock_fd, lock_path, o->lock_timeout, d);
    if (rc == 0)
      sweep(p, root);
  }
  if (rc == 0)
    rc = om_state_load(&r.state, r.state_path, d);
  if (rc == 0)
    rc = om_plan_make(&b->plan, p, &r.state, o->only, o->nonly, o->force, d);
  int due = 0; /* the front: whether the published files are due */
  if (rc == 0 && !o->dry_run && !o->build_layer && !any_stale(&b->plan) &&
      (due = publish_due(b, &r.state, d)) < 0)
    rc = due;
  if (rc == 0 && o->dry_run) {
    for (size_t i = 0; i < b->n; i++) {
      snprintf(b->layers[i].reason, sizeof b->layers[i].reason, "%s", b->plan.layers[i].reason);
      if (b->plan.layers[i].action == OM_PLAN_SKIP) {
        const struct om_state_layer *old = om_state_find(&r.state, p->layers[i].name);
        b->layers[i].rejected = old ? old->rejected : 0;
      }
    }
  } else if (rc == 0 && !o->build_layer && (any_stale(&b->plan) || due)) {
    /* Planned without a builder (the front): the engine builds.  Keep the
     * hashes this plan computed, so that its own plan need not read the
     * files again; only a cache, so the engine goes on without it. */
    b->unbuilt = true;
    struct om_diag ignored;
    om_diag_init(&ignored);
    om_state_save(&r.state, r.state_path, &ignored);
  } else if (rc == 0) {
    rc = build_layers(&r, o->jobs > 0 ? o->jobs : 1);
    if (rc == 0 && o->publish)
      rc = publish(b, &r.state, o->publish, d);
    /* Also when nothing was built: the hashes of touched files are new. */
    if (rc == 0)
      rc = om_state_save(&r.state, r.state_path, d);
  }
  om_lock_release(lock_fd);
  om_state_release(&r.state);
  free(r.phase);
  free(r.entries);
  free(r.unsettled);
  free(r.state_path);
  free(lock_path);
  free(root);
  return rc;
}

void om_build_release(struct om_build *b)
{
  for (size_t i = 0; b->layers && i < b->n; i++) {
    om_layer_result_release(&b->layers[i].res);
    om_state_layer_release(&b->layers[i].last);
  }
  free(b->layers);
  om_plan_release(&b->plan);
  memset(b, 0, sizeof *b);
}
