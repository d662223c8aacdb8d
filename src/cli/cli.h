/*
 * The command line: one file per subcommand (cmd_<name>.c exports
 * om_cmd_<name>), a table in main.c.  Each command returns the process's
 * exit code (ARCHITECTURE.md): 0 clean, 1 some records rejected, 2 usage or
 * manifest error, 3 runtime failure.
 */
#ifndef OM_CLI_CLI_H
#define OM_CLI_CLI_H

#include <stdio.h>

#include "core/diag.h"
#include "pipeline/build.h"

enum {
  OM_EXIT_OK = 0,
  OM_EXIT_REJECTS = 1,
  OM_EXIT_USAGE = 2,
  OM_EXIT_FAILURE = 3,
};

/*
 * oremap build, building stale layers with build_layer (om_layer_build_shared).
 * With a NULL build_layer, a build with a stale layer returns
 * OM_CMD_NEEDS_ENGINE having printed and written nothing but the state
 * file's hash cache (see om_build_run).  'publish' makes the QGIS project
 * and web bundle when they are due (om_publish_run; NULL in the front).
 */
int om_cmd_build(int argc, char **argv, om_build_layer_fn *build_layer,
                 om_build_publish_fn *publish);
#define OM_CMD_NEEDS_ENGINE (-1)
int om_cmd_validate(int argc, char **argv);
int om_cmd_inspect(int argc, char **argv);
int om_cmd_gazetteer(int argc, char **argv);
int om_cmd_geocode(int argc, char **argv);
/* oremap gazetteer lookup and reverse, with the gazetteer the command line chose (argv: their own). */
int om_cmd_gazetteer_lookup(int argc, char **argv, const char *gazetteer_path);
int om_cmd_gazetteer_reverse(int argc, char **argv, const char *gazetteer_path);

/* The exit code for a negative OM_E* code. */
int om_cli_exit_code(int rc);

/* Print "oremap: error: <msg>" for each line of msg. */
void om_cli_error(const char *msg);

/* Print "usage: ..." for a command and return OM_EXIT_USAGE. */
int om_cli_usage(const char *command, const char *problem);

/* The one-paragraph help of a command, or NULL for an unknown one. */
const char *om_cli_help(const char *command);

/* A report callback printing to stderr; ctx is unused. */
void om_cli_report(void *ctx, enum om_level level, const char *line);

#endif
