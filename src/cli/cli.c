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
  {"gazetteer",
   "usage: oremap gazetteer build SOURCE... -o INDEX [options] | info [--gazetteer INDEX]\n"
   "       oremap gazetteer lookup [--gazetteer INDEX] [-n N] [--no-fuzzy] QUERY...\n"
   "       oremap gazetteer reverse [--gazetteer INDEX] LON LAT [LON LAT]...\n"
   "\n"
   "build: make a gazetteer index from GeoNames dumps (plain or .zip), recognised\n"
   "by name: allCountries*, cities*, alternateNames*, admin1CodesASCII*,\n"
   "admin2Codes*, countryInfo*; a file named countries* or *outline* is taken as\n"
   "country outlines (fields iso_a2 / iso_a3 / iso_n3).\n"
   "  --alternate-names F, --admin1 F, --admin2 F, --country-info F, --outlines F\n"
   "                  name a source whatever its file name\n"
   "  --layer PATH    a point layer of your own, with --name-field F and optionally\n"
   "                  --layer-name L, --alt-field F, --id-field F, --country-field F,\n"
   "                  --admin1-field F, --fcode CODE (default PPL)\n"
   "  --attribution TEXT  stored in the index (default: the GeoNames notice)\n"
   "info: print an index's version, hash, counts, sources, attribution and size\n"
   "(INDEX, or OREMAP_GAZETTEER from the environment, else the built-in one).\n"
   "lookup: what the geocoder makes of each QUERY (\"Beylikova, Eskişehir, Türkiye\"):\n"
   "the result a record would get, then the N best candidates (default 10) for its\n"
   "finest part with their scores.\n"
   "reverse: the country holding each point (or within 10 km of it) and the nearest\n"
   "place in that country, with its admin units, GeoNames id and distance.\n"
   "\n"
   "Exit status: 0 clean, 1 some rows skipped, 2 usage error, 3 runtime failure.\n"},
  {"geocode",
   "usage: oremap geocode INPUT [-o OUTPUT] [--query TEMPLATE] [--gazetteer PATH]\n"
   "                      [--overrides FILE] [--min-score X] [--layer L] [--encoding E] [--id F]\n"
   "\n"
   "Locate the records of any table GDAL opens by place name and write them to\n"
   "OUTPUT (.geojson, .gpkg or .csv; default INPUT.geocoded.geojson) with the gc_*\n"
   "fields that say how each was located.  Records not found go to\n"
   "rejects/<name>.csv beside OUTPUT.\n"
   "  --query T       \"{name}, {province}, {country}\": the fields naming the place,\n"
   "                  finest first (default: guessed from the field names)\n"
   "  --gazetteer P   the index to use (default: OREMAP_GAZETTEER, else built-in)\n"
   "  --overrides F   CSV of key,lat,lon,geonameid,radius_km,note applied first\n"
   "  --min-score X   reject results scoring below X (0 to 1)\n"
   "  --layer, --encoding  which layer of INPUT, and its encoding\n"
   "  --id F          the id field (overrides may name records by it)\n"
   "\n"
   "Exit status: 0 all located, 1 some records rejected, 2 usage error,\n"
   "3 runtime failure.\n"},
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
