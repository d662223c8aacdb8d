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

enum {
  OM_EXIT_OK = 0,
  OM_EXIT_REJECTS = 1,
  OM_EXIT_USAGE = 2,
  OM_EXIT_FAILURE = 3,
};

int om_cmd_build(int argc, char **argv);
int om_cmd_validate(int argc, char **argv);
int om_cmd_inspect(int argc, char **argv);

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
