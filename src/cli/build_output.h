/*
 * What `oremap build` shows while it runs and after: on a terminal a live
 * line per running layer (records, rate, share done, time left), in a pipe
 * or CI plain log lines; the rejects of each layer (the first 20, or all
 * with -v); a summary table; and the JSON report of --report.
 */
#ifndef OM_CLI_BUILD_OUTPUT_H
#define OM_CLI_BUILD_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeline/build.h"

struct om_build_view {
  FILE *log;          /* progress, rejects and warnings (stderr) */
  bool live;          /* log is a terminal: redraw one status line */
  int verbosity;      /* -1 quiet, 0 normal, 1 verbose */
  bool line_shown;    /* a status line is on screen */
  struct layer_view *layers; /* per layer, in the project's order */
  size_t n;
  const struct om_build *b;  /* the build, once om_build_run has set it up */
};

/* Set up a view of a build of p; events are filled for om_build_run. */
int om_build_view_init(struct om_build_view *v, const struct om_project *p, FILE *log,
                       int verbosity, struct om_build_events *events);
void om_build_view_release(struct om_build_view *v);

/* The plan of a dry run: each selected layer, build or skip, and why. */
void om_build_print_plan(FILE *out, const struct om_build *b);
/* The summary table after a build. */
void om_build_print_summary(FILE *out, const struct om_build *b, const struct om_project *p);
/* --report FILE: the build as JSON, replaced atomically. */
int om_build_write_report(const char *path, const struct om_build *b,
                          const struct om_project *p, struct om_diag *d);

#endif
