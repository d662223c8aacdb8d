/*
 * oremap geocode INPUT [-o OUTPUT] [--query TEMPLATE] [--gazetteer PATH]
 *                [--overrides FILE] [--min-score X] [--layer NAME] [--encoding E]
 *
 * One-off geocoding of any table GDAL opens: the command builds a
 * one-layer project in memory (source INPUT, locate.geocode, one output)
 * and runs the same pipeline as `oremap build`, so records, rejects and
 * gc_* fields are exactly what a manifest would give.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/path.h"
#include "geocode/geocode.h"
#include "io/reader.h"
#include "manifest/manifest.h"
#include "pipeline/layer.h"

struct geocode_args {
  const char *input, *output, *query, *gazetteer, *overrides, *layer, *encoding, *id;
  double min_score;
};

/* Field names that usually hold each level of a place, finest first. */
static const char *const guesses[][8] = {
    {"place", "name", "locality", "village", "town", "city", "site", NULL},
    {"district", "admin2", "county", NULL},
    {"province", "region", "admin1", "state", "il", NULL},
    {"country", "country_name", "country_code", "iso2", NULL},
};

/* "{name}, {region}, {country}" from the fields the input has, into *out. */
static int guess_query(char **out, const struct geocode_args *a, struct om_diag *d)
{
  struct om_reader *r = NULL;
  struct om_reader_opts ro = {.path = a->input, .layer = a->layer, .encoding = a->encoding};
  int rc = om_reader_open(&r, &ro, d);
  if (rc < 0)
    return rc;
  char q[512] = "";
  size_t at = 0;
  for (size_t g = 0; g < sizeof guesses / sizeof guesses[0]; g++) {
    const char *hit = NULL;
    for (size_t k = 0; guesses[g][k] && !hit; k++)
      for (size_t i = 0; i < om_reader_field_count(r) && !hit; i++)
        if (!strcasecmp(om_reader_field_name(r, i), guesses[g][k]))
          hit = om_reader_field_name(r, i);
    if (hit)
      at += (size_t)snprintf(q + at, sizeof q - at, "%s{%s}", at ? ", " : "", hit);
  }
  om_reader_free(r);
  if (at == 0)
    return om_diag_fail(d, OM_EUSAGE,
                        "cannot tell which fields of '%s' name the place; give --query, e.g. "
                        "--query '{name}, {province}, {country}'",
                        a->input);
  *out = strdup(q);
  return *out ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
}

/* out/x.gpkg -> "x": the output's layer name. */
static char *stem(const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  return strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

static void print_summary(const struct om_layer_result *res, const char *output)
{
  printf("%s: %ld read, %ld written, %ld rejected\n", output, res->read, res->written,
         res->rejected);
  static const enum om_gc_level order[] = {OM_GC_LEVEL_SITE, OM_GC_LEVEL_LOCALITY,
                                          OM_GC_LEVEL_ADMIN2, OM_GC_LEVEL_ADMIN1,
                                          OM_GC_LEVEL_COUNTRY};
  printf("  located by level:");
  for (size_t i = 0; i < 5; i++)
    printf(" %s %ld%s", om_gc_level_word(order[i]), res->located[order[i]], i < 4 ? "," : "\n");
  printf("  unmatched: %ld\n", res->counts[OM_REASON_GEOCODE_UNMATCHED]);
  if (res->rejected)
    printf("  rejected records: %s\n", res->rejects_path);
}

static int run(const struct geocode_args *a, struct om_diag *d)
{
  char *query = NULL;
  int rc = a->query ? ((query = strdup(a->query)) ? 0 : OM_ENOMEM) : guess_query(&query, a, d);
  char *name = stem(a->output);
  char *root = om_path_dirname(a->output);
  if (rc == 0 && (!name || !root))
    rc = OM_ENOMEM;
  if (rc < 0) {
    free(query);
    free(name);
    free(root);
    return rc == OM_ENOMEM ? om_diag_fail(d, rc, "out of memory") : rc;
  }
  struct om_output_def out = {.path = (char *)a->output, .layer = name, .precision = 6};
  size_t n = strlen(a->output);
  out.format = n > 5 && !strcasecmp(a->output + n - 5, ".gpkg")  ? OM_FORMAT_GPKG
               : n > 4 && !strcasecmp(a->output + n - 4, ".csv") ? OM_FORMAT_CSV
                                                                  : OM_FORMAT_GEOJSON;
  struct om_layer_def l = {
      .file = "oremap geocode", .name = name,
      .source = {.path = (char *)a->input, .layer = (char *)a->layer,
                 .encoding = (char *)(a->encoding ? a->encoding : "UTF-8"),
                 .id = (char *)a->id, .max_fields = 1000, .max_field_bytes = 65536},
      .locate = {.kind = OM_LOCATE_GEOCODE,
                 .geocode = {.query = query, .min_score = a->min_score,
                             .overrides = (char *)a->overrides,
                             .gazetteer = (char *)a->gazetteer, .fuzzy = true}},
      .noutputs = 1, .outputs = &out};
  struct om_project p = {.dir = ".", .file = "oremap geocode", .name = name,
                         .output_root = root, .allow_outside_root = true, .nlayers = 1,
                         .layers = &l};
  struct om_layer_result res;
  rc = om_layer_build(&res, &p, &l, NULL, d);
  if (rc == 0)
    print_summary(&res, a->output);
  int code = rc < 0 ? rc : res.rejected > 0 ? 1 : 0;
  om_layer_result_release(&res);
  free(query);
  free(name);
  free(root);
  return code;
}

int om_cmd_geocode(int argc, char **argv)
{
  static const struct option longs[] = {
      {"query", required_argument, NULL, 'q'},     {"gazetteer", required_argument, NULL, 'g'},
      {"overrides", required_argument, NULL, 'r'}, {"min-score", required_argument, NULL, 's'},
      {"layer", required_argument, NULL, 'l'},     {"encoding", required_argument, NULL, 'e'},
      {"id", required_argument, NULL, 'i'},        {NULL, 0, NULL, 0}};
  struct geocode_args a = {0};
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:", longs, NULL)) != -1) { /* options may follow INPUT */
    char *end = NULL;
    switch (c) {
    case 'o': a.output = optarg; break;
    case 'q': a.query = optarg; break;
    case 'g': a.gazetteer = optarg; break;
    case 'r': a.overrides = optarg; break;
    case 'l': a.layer = optarg; break;
    case 'e': a.encoding = optarg; break;
    case 'i': a.id = optarg; break;
    case 's':
      a.min_score = strtod(optarg, &end);
      if (end == optarg || *end || !(a.min_score >= 0 && a.min_score <= 1))
        return om_cli_usage("geocode", "--min-score must be a number from 0 to 1");
      break;
    default: return om_cli_usage("geocode", "unknown option");
    }
  }
  if (optind + 1 != argc)
    return om_cli_usage("geocode", optind == argc ? "no input given" : "one input at a time");
  a.input = argv[optind];
  char *dflt = NULL;
  if (!a.output) {
    char *s = stem(a.input);
    if (!s || asprintf(&dflt, "%s.geocoded.geojson", s) < 0)
      dflt = NULL;
    free(s);
    a.output = dflt;
    if (!a.output)
      return OM_EXIT_FAILURE;
  }
  struct om_diag d;
  om_diag_init(&d);
  d.report = om_cli_report;
  int rc = run(&a, &d);
  free(dflt);
  if (rc < 0) {
    om_cli_error(d.msg);
    return om_cli_exit_code(rc);
  }
  return rc;
}
