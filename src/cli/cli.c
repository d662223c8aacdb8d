/* What the subcommands share: exit codes, messages, help texts. */
#include "cli/cli.h"

#include <string.h>

int om_cli_exit_code(int rc)
{
  if (rc >= 0)
    return OM_EXIT_OK;
  if (rc == OM_EUSAGE || rc == OM_EMANIFEST)
    return OM_EXIT_USAGE;
  return OM_EXIT_FAILURE;
}

void om_cli_error(const char *msg)
{
  const char *line = msg;
  while (line && *line) {
    const char *end = strchr(line, '\n');
    int len = end ? (int)(end - line) : (int)strlen(line);
    fprintf(stderr, "oremap: error: %.*s\n", len, line);
    line = end ? end + 1 : NULL;
  }
}

static const struct {
  const char *name;
  const char *text;
} helps[] = {
  {"build",
   "usage: oremap build [-C DIR] [-j N] [--only LAYER]... [--force] [--dry-run] [--report FILE] [-q] [-v]\n"
   "\n"
   "Build the layers of the project in DIR (default: the current folder): read\n"
   "each layer's source, locate its records, and write its outputs. Rejected\n"
   "records are listed with their reasons in <output root>/rejects/<layer>.csv.\n"
   "\n"
   "  -C DIR          the project folder (holding oremap.yaml)\n"
   "  -j N            build up to N layers at once (default 1)\n"
   "  --only LAYER    build only this layer (repeatable)\n"
   "  --force         rebuild every layer\n"
   "  --dry-run       print what would be built, write nothing\n"
   "  --report FILE   write a JSON report of the build to FILE\n"
   "  -q, -v          fewer or more messages\n"
   "\n"
   "Exit status: 0 clean, 1 some records rejected, 2 usage or manifest error,\n"
   "3 runtime failure.\n"},
  {"validate",
   "usage: oremap validate [-C DIR]\n"
   "\n"
   "Check the project in DIR without writing anything: manifests, source files,\n"
   "the fields and CRS that layers name, output fields and styles.\n"
   "Exit status: 0 valid, 2 a problem was found, 3 runtime failure.\n"},
  {"inspect",
   "usage: oremap inspect FILE\n"
   "\n"
   "Describe a vector file that GDAL opens: its driver, and per layer the\n"
   "geometry type, feature count, CRS, extent and fields.\n"},
};

const char *om_cli_help(const char *command)
{
  for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
    if (strcmp(helps[i].name, command) == 0)
      return helps[i].text;
  return NULL;
}

int om_cli_usage(const char *command, const char *problem)
{
  if (problem)
    fprintf(stderr, "oremap %s: %s\n", command, problem);
  const char *help = om_cli_help(command);
  if (help) {
    const char *end = strchr(help, '\n');
    fprintf(stderr, "%.*s\n", (int)(end - help), help);
  }
  return OM_EXIT_USAGE;
}

void om_cli_report(void *ctx, enum om_level level, const char *line)
{
  (void)ctx;
  fprintf(stderr, "%s%s\n", level == OM_LEVEL_WARNING ? "warning: " : "", line);
}
