/*
 * oremap build: options, then the build (pipeline/build.c) seen through
 * the build view (cli/build_output.c), then the exit code.  Shared by the
 * engine and the front (src/front/main.c), so this file must not call into
 * GDAL, PROJ or GEOS: the engine passes the layer builder in.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/build_output.h"
#include "cli/cli.h"
#include "manifest/manifest.h"
#include "pipeline/build.h"

#define DEFAULT_LOCK_TIMEOUT 300.0 /* seconds to wait for another build */

struct options {
  const char *dir;            /* -C */
  struct om_build_opts build; /* what to build and how */
  char **only;                /* --only, owned array */
  const char *report;         /* --report */
  int verbosity;              /* -q / -v */
};

static int parse_options(struct options *o, int argc, char **argv)
{
  static const struct option longs[] = {
    {"only", required_argument, NULL, 'o'},    {"force", no_argument, NULL, 'f'},
    {"dry-run", no_argument, NULL, 'n'},       {"report", required_argument, NULL, 'r'},
    {"quiet", no_argument, NULL, 'q'},         {"verbose", no_argument, NULL, 'v'},
    {"lock-timeout", required_argument, NULL, 't'}, {NULL, 0, NULL, 0},
  };
  *o = (struct options){.dir = ".", .build = {.jobs = 1, .lock_timeout = DEFAULT_LOCK_TIMEOUT}};
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
      o->build.jobs = (int)strtol(optarg, &end, 10);
      if (*end || o->build.jobs < 1 || o->build.jobs > 256)
        return om_cli_usage("build", "-j takes a number from 1 to 256");
      break;
    case 'o': o->only[o->build.nonly++] = optarg; break;
    case 'f': o->build.force = true; break;
    case 'n': o->build.dry_run = true; break;
    case 'r': o->report = optarg; break;
    case 'q': o->verbosity = -1; break;
    case 'v': o->verbosity = 1; break;
    case 't':
      o->build.lock_timeout = strtod(optarg, &end);
      if (*end || o->build.lock_timeout < 0)
        return om_cli_usage("build", "--lock-timeout takes a number of seconds");
      break;
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
  o->build.only = o->only;
  return 0;
}

/* The exit code the layers add up to: the worst of them. */
static int exit_code(const struct om_build *b)
{
  int code = OM_EXIT_OK;
  for (size_t i = 0; i < b->n; i++) {
    const struct om_build_layer *l = &b->layers[i];
    int layer = l->status == OM_STATUS_FAILED ? om_cli_exit_code(l->rc)
                : l->rejected                  ? OM_EXIT_REJECTS
                                               : OM_EXIT_OK;
    if (layer > code)
      code = layer;
  }
  return code;
}

/* What became of the QGIS project and web bundle: a line, warnings, and the exit code. */
static int publish_outcome(const struct om_build *b, const struct om_project *p, int code)
{
  const struct om_publish_result *pr = &b->publish;
  if (pr->status == OM_PUBLISH_NONE)
    return code;
  for (const char *line = pr->warnings; *line;) { /* as the build view prints a layer's */
    size_t len = strcspn(line, "\n");
    fprintf(stderr, "warning: %.*s\n", (int)len, line);
    line += len + (line[len] == '\n');
  }
  if (pr->status == OM_PUBLISH_FAILED) {
    om_cli_error(pr->d.msg);
    return code > OM_EXIT_FAILURE ? code : OM_EXIT_FAILURE;
  }
  if (pr->status == OM_PUBLISH_NOT) {
    printf("published: nothing, %s\n", pr->reason);
    return code;
  }
  printf("published: %s%s%s%s%s\n", pr->status == OM_PUBLISH_CURRENT ? "up to date: " : "",
         p->qgis_project ? p->qgis_project : "", p->qgis_project && p->web.dir ? ", " : "",
         p->web.dir ? p->web.dir : "", p->web.dir ? "/" : "");
  return code;
}

int om_cmd_build(int argc, char **argv, om_build_layer_fn *build_layer,
                 om_build_publish_fn *publish)
{
  struct options o;
  int code = parse_options(&o, argc, argv);
  o.build.build_layer = build_layer;
  o.build.publish = publish;
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
  if (code != 0) {
    free(o.only);
    om_project_free(p);
    return code;
  }

  struct om_build b = {0};
  struct om_build_view view;
  struct om_build_events events;
  view.b = NULL;
  if (om_build_view_init(&view, p, stderr, o.verbosity, &events) < 0) {
    om_cli_error("out of memory");
    code = OM_EXIT_FAILURE;
  }
  view.b = &b;
  int rc = code == 0 ? om_build_run(&b, p, &o.build, &events, &d) : 0;
  if (rc == 0 && b.unbuilt) {
    code = OM_CMD_NEEDS_ENGINE;
  } else if (rc < 0) {
    om_cli_error(d.msg);
    code = om_cli_exit_code(rc);
  } else if (code == 0 && o.build.dry_run) {
    om_build_print_plan(stdout, &b);
  } else if (code == 0) {
    om_build_print_summary(stdout, &b, p);
    code = publish_outcome(&b, p, exit_code(&b));
  }
  bool ran = b.layers && rc == 0 && !o.build.dry_run && !b.unbuilt;
  if (ran && o.report) {
    struct om_diag rd;
    om_diag_init(&rd);
    if (om_build_write_report(o.report, &b, p, &rd) < 0) {
      om_cli_error(rd.msg);
      code = OM_EXIT_FAILURE;
    }
  }
  om_build_release(&b);
  om_build_view_release(&view);
  free(o.only);
  om_project_free(p);
  return code;
}
