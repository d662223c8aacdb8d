/* oremap's entry point: the subcommand table (git's git.c pattern). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
  {"build", om_cmd_build, "build the project's layers into its output folder"},
  {"validate", om_cmd_validate, "check the project without writing anything"},
  {"inspect", om_cmd_inspect, "describe a vector file"},
};

static void print_help(FILE *f)
{
  fprintf(f, "usage: oremap [--version] [--help] <command> [<args>]\n\n"
             "oremap turns mineral-deposit site records into GIS layers.\n\n"
             "commands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n'oremap help <command>' tells more about a command.\n");
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    print_help(stderr);
    return OM_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
    print_help(stdout);
    return OM_EXIT_OK;
  }
  if (!strcmp(name, "--version")) {
    printf("oremap %s\n", OREMAP_VERSION);
    return OM_EXIT_OK;
  }
  if (!strcmp(name, "help")) {
    if (argc < 3) {
      print_help(stdout);
      return OM_EXIT_OK;
    }
    const char *help = om_cli_help(argv[2]);
    if (!help) {
      fprintf(stderr, "oremap: error: no such command '%s'\n", argv[2]);
      return OM_EXIT_USAGE;
    }
    fputs(help, stdout);
    return OM_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(commands[i].name, name) == 0) {
      for (int j = 2; j < argc; j++) {
        if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
          fputs(om_cli_help(name), stdout);
          return OM_EXIT_OK;
        }
      }
      return commands[i].run(argc - 1, argv + 1);
    }
  }
  fprintf(stderr, "oremap: error: '%s' is not an oremap command; see 'oremap --help'\n", name);
  return OM_EXIT_USAGE;
}
