/*
 * The engine's entry point (oremap-engine): the subcommand table (git's
 * git.c pattern).  People run the front, `oremap` (src/front/main.c),
 * which execs this program with the same arguments unless it can answer
 * a no-op build itself.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "io/sqlite_init.h"
#include "pipeline/layer.h"
#include "publish/publish.h"

/* The engine builds layers; the front (src/front/main.c) only plans. */
static int cmd_build(int argc, char **argv)
{
  return om_cmd_build(argc, argv, om_layer_build_shared, om_publish_run);
}

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
  {"build", cmd_build, "build the project's layers into its output folder"},
  {"validate", om_cmd_validate, "check the project without writing anything"},
  {"inspect", om_cmd_inspect, "describe a vector file"},
  {"gazetteer", om_cmd_gazetteer, "build or describe a gazetteer index"},
  {"geocode", om_cmd_geocode, "locate the records of any table by place name"},
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
  /*
   * Before GDAL or a GeoPackage writer touches SQLite: parallel layer
   * builds would otherwise contend on SQLite's allocator mutex.  When it
   * cannot apply (SQLite already in use), builds are only slower.
   */
  (void)om_sqlite_init();
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
