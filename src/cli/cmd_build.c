/*
 * oremap build: every selected layer through the pipeline, up to -j at a
 * time.  Layers that write to the same file never run at the same time
 * (each GeoPackage update replaces the whole file or runs one
 * transaction).  One failing layer does not stop the others.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/atomic.h"
#include "manifest/manifest.h"
#include "pipeline/layer.h"

#define SHOWN_REJECTS 20 /* rejects printed per layer; the rest are in the rejects file */

struct layer_run {
  const struct om_layer_def *def;
  bool selected;                /* chosen by --only (or all) */
  int state;                    /* 0 waiting, 1 running, 2 done */
  int rc;                       /* om_layer_build's result */
  struct om_layer_result res;   /* counts */
  struct om_diag d;             /* the layer's own diagnostics */
  long shown;                   /* rejects printed */
  struct build_run *run;        /* back pointer, for the print lock */
};

struct build_run {
  const struct om_project *p;
  struct layer_run *layers;
  size_t n;
  int verbosity;                /* -1 quiet, 0 normal, 1 verbose */
  pthread_mutex_t lock;         /* guards states and printing */
  pthread_cond_t changed;       /* a layer finished */
};

static void report_line(void *ctx, enum om_level level, const char *line)
{
  struct layer_run *l = ctx;
  struct build_run *run = l->run;
  pthread_mutex_lock(&run->lock);
  if (level == OM_LEVEL_REJECT) {
    if (run->verbosity >= 1 || (run->verbosity == 0 && l->shown < SHOWN_REJECTS))
      fprintf(stderr, "%s\n", line);
    l->shown++;
  } else if (run->verbosity >= 0) {
    fprintf(stderr, "warning: %s\n", line);
  }
  pthread_mutex_unlock(&run->lock);
}

static bool shares_output(const struct om_layer_def *a, const struct om_layer_def *b)
{
  for (size_t i = 0; i < a->noutputs; i++)
    for (size_t j = 0; j < b->noutputs; j++)
      if (strcmp(a->outputs[i].path, b->outputs[j].path) == 0)
        return true;
  return false;
}

/* The next waiting layer that shares no output with a running one, or NULL. */
static struct layer_run *next_layer(struct build_run *run, bool *any_waiting)
{
  *any_waiting = false;
  for (size_t i = 0; i < run->n; i++) {
    struct layer_run *l = &run->layers[i];
    if (!l->selected || l->state != 0)
      continue;
    *any_waiting = true;
    bool blocked = false;
    for (size_t j = 0; j < run->n && !blocked; j++)
      blocked = run->layers[j].state == 1 && shares_output(l->def, run->layers[j].def);
    if (!blocked)
      return l;
  }
  return NULL;
}

static void *worker(void *arg)
{
  struct build_run *run = arg;
  pthread_mutex_lock(&run->lock);
  for (;;) {
    bool waiting;
    struct layer_run *l = next_layer(run, &waiting);
    if (!l && !waiting)
      break;
    if (!l) {
      pthread_cond_wait(&run->changed, &run->lock);
      continue;
    }
    l->state = 1;
    pthread_mutex_unlock(&run->lock);
    l->rc = om_layer_build(&l->res, run->p, l->def, &l->d);
    pthread_mutex_lock(&run->lock);
    l->state = 2;
    pthread_cond_broadcast(&run->changed);
  }
  pthread_mutex_unlock(&run->lock);
  return NULL;
}

static void print_summary(const struct layer_run *l, const struct om_project *p)
{
  const struct om_layer_def *def = l->def;
  if (l->rc < 0) {
    om_cli_error(l->d.msg);
    fprintf(stderr, "%s: failed, no output replaced\n", def->name);
    return;
  }
  printf("%s: read %ld, written %ld, rejected %ld", def->name, l->res.read, l->res.written,
         l->res.rejected);
  const char *sep = " (";
  for (int r = 1; r < OM_REASON__COUNT; r++) {
    if (l->res.counts[r]) {
      printf("%s%s: %ld", sep, om_reason_message((enum om_reason)r), l->res.counts[r]);
      sep = "; ";
    }
  }
  printf("%s in %.2f s\n", *sep == ';' ? ")" : "", l->res.seconds);
  for (size_t i = 0; i < def->noutputs; i++)
    printf("  %s\n", def->outputs[i].path);
  if (l->res.rejected) {
    if (l->shown > SHOWN_REJECTS)
      printf("  %ld more rejects not shown above\n", l->shown - SHOWN_REJECTS);
    printf("  rejects: %s/rejects/%s.csv\n", p->output_root, def->name);
  }
}

static void json_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

/* --report FILE: the build as JSON, for CI and dashboards. */
static int write_report(const char *path, const struct build_run *run, struct om_diag *d)
{
  struct om_atomic a;
  int rc = om_atomic_open(&a, path, d);
  if (rc < 0)
    return rc;
  FILE *f = a.f;
  fprintf(f, "{\n  \"oremap_version\": \"%s\",\n  \"project\": ", OREMAP_VERSION);
  json_string(f, run->p->name);
  fprintf(f, ",\n  \"layers\": [");
  const char *sep = "\n";
  for (size_t i = 0; i < run->n; i++) {
    const struct layer_run *l = &run->layers[i];
    if (!l->selected)
      continue;
    fprintf(f, "%s    {\"name\": ", sep);
    json_string(f, l->def->name);
    fprintf(f, ", \"status\": \"%s\"", l->rc < 0 ? "failed" : "built");
    if (l->rc < 0) {
      fprintf(f, ", \"error\": ");
      json_string(f, l->d.msg);
    }
    fprintf(f, ", \"read\": %ld, \"written\": %ld, \"rejected\": %ld, \"reasons\": {",
            l->res.read, l->res.written, l->res.rejected);
    const char *rsep = "";
    for (int r = 1; r < OM_REASON__COUNT; r++) {
      if (l->res.counts[r]) {
        fprintf(f, "%s\"%s\": %ld", rsep, om_reason_name((enum om_reason)r), l->res.counts[r]);
        rsep = ", ";
      }
    }
    fprintf(f, "}, \"outputs\": [");
    for (size_t k = 0; k < l->def->noutputs; k++) {
      fputs(k ? ", " : "", f);
      json_string(f, l->def->outputs[k].path);
    }
    fprintf(f, "], \"rejects_file\": ");
    if (l->res.rejects_path)
      json_string(f, l->res.rejects_path);
    else
      fputs("null", f);
    fprintf(f, ", \"seconds\": %.3f}", l->res.seconds);
    sep = ",\n";
  }
  fprintf(f, "\n  ]\n}\n");
  return om_atomic_commit(&a, d);
}

struct options {
  const char *dir;
  int jobs;
  char **only;
  size_t nonly;
  bool dry_run;
  const char *report;
  int verbosity;
};

static int parse_options(struct options *o, int argc, char **argv)
{
  static const struct option longs[] = {
    {"only", required_argument, NULL, 'o'},  {"force", no_argument, NULL, 'f'},
    {"dry-run", no_argument, NULL, 'n'},     {"report", required_argument, NULL, 'r'},
    {"quiet", no_argument, NULL, 'q'},       {"verbose", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
  };
  *o = (struct options){.dir = ".", .jobs = 1};
  o->only = calloc((size_t)argc, sizeof *o->only);
  if (!o->only)
    return OM_EXIT_FAILURE;
  optind = 0; /* GNU: start afresh, so the command can run more than once in a process */
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+C:j:qv", longs, NULL)) != -1) {
    char *end;
    switch (c) {
    case 'C': o->dir = optarg; break;
    case 'j':
      o->jobs = (int)strtol(optarg, &end, 10);
      if (*end || o->jobs < 1 || o->jobs > 256)
        return om_cli_usage("build", "-j takes a number from 1 to 256");
      break;
    case 'o': o->only[o->nonly++] = optarg; break;
    case 'f': break; /* every selected layer is rebuilt on each run */
    case 'n': o->dry_run = true; break;
    case 'r': o->report = optarg; break;
    case 'q': o->verbosity = -1; break;
    case 'v': o->verbosity = 1; break;
    default: {
      char problem[128];
      snprintf(problem, sizeof problem, "unknown option '%s'", argv[optind - 1]);
      return om_cli_usage("build", problem);
    }
    }
  }
  if (optind < argc) {
    char problem[256];
    snprintf(problem, sizeof problem, "unexpected argument '%s'", argv[optind]);
    return om_cli_usage("build", problem);
  }
  return 0;
}

static int select_layers(struct build_run *run, const struct options *o)
{
  for (size_t i = 0; i < run->n; i++)
    run->layers[i].selected = o->nonly == 0;
  for (size_t k = 0; k < o->nonly; k++) {
    size_t i = 0;
    while (i < run->n && strcmp(run->layers[i].def->name, o->only[k]) != 0)
      i++;
    if (i == run->n) {
      fprintf(stderr, "oremap: error: no layer '%s' in '%s'; layers:", o->only[k], run->p->file);
      for (size_t j = 0; j < run->n; j++)
        fprintf(stderr, " %s", run->layers[j].def->name);
      fputc('\n', stderr);
      return OM_EXIT_USAGE;
    }
    run->layers[i].selected = true;
  }
  return 0;
}

int om_cmd_build(int argc, char **argv)
{
  struct options o;
  int code = parse_options(&o, argc, argv);
  struct om_project *p = NULL;
  struct om_diag d;
  om_diag_init(&d);
  d.report = om_cli_report;
  if (code == 0) {
    int rc = om_project_load(&p, o.dir, &d);
    if (rc < 0) {
      om_cli_error(d.msg);
      code = om_cli_exit_code(rc);
    }
  }
  struct build_run run = {.p = p, .verbosity = o.verbosity};
  if (code == 0) {
    run.n = p->nlayers;
    run.layers = calloc(run.n ? run.n : 1, sizeof *run.layers);
    code = run.layers ? select_layers(&run, &o) : OM_EXIT_FAILURE;
  }
  if (code == 0 && o.dry_run) {
    for (size_t i = 0; i < run.n; i++)
      if (run.layers[i].selected)
        printf("%s: build (from %s)\n", run.layers[i].def->name, run.layers[i].def->file);
    goto done;
  }
  if (code == 0) {
    for (size_t i = 0; i < run.n; i++) {
      struct layer_run *l = &run.layers[i];
      l->def = &p->layers[i];
      l->run = &run;
      om_diag_init(&l->d);
      l->d.report = report_line;
      l->d.report_ctx = l;
    }
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.changed, NULL);
    int nthreads = o.jobs < (int)run.n ? o.jobs : (int)run.n;
    pthread_t *threads = calloc((size_t)(nthreads > 0 ? nthreads : 1), sizeof *threads);
    int started = 0;
    while (threads && started < nthreads &&
           pthread_create(&threads[started], NULL, worker, &run) == 0)
      started++;
    if (started == 0)
      worker(&run);
    for (int t = 0; t < started; t++)
      pthread_join(threads[t], NULL);
    free(threads);
    pthread_mutex_destroy(&run.lock);
    pthread_cond_destroy(&run.changed);

    for (size_t i = 0; i < run.n; i++) {
      struct layer_run *l = &run.layers[i];
      if (!l->selected)
        continue;
      print_summary(l, p);
      int layer_code = l->rc < 0 ? om_cli_exit_code(l->rc)
                                 : l->res.rejected ? OM_EXIT_REJECTS : OM_EXIT_OK;
      if (layer_code > code)
        code = layer_code;
    }
    if (o.report) {
      struct om_diag rd;
      om_diag_init(&rd);
      if (write_report(o.report, &run, &rd) < 0) {
        om_cli_error(rd.msg);
        code = OM_EXIT_FAILURE;
      }
    }
  }
done:
  for (size_t i = 0; i < run.n && run.layers; i++)
    om_layer_result_release(&run.layers[i].res);
  free(run.layers);
  free(o.only);
  om_project_free(p);
  return code;
}
