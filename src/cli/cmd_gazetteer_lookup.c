/*
 * oremap gazetteer lookup [--gazetteer PATH] [-n N] [--no-fuzzy] QUERY...
 *
 * What the geocoder makes of a query, and why: the result a record would
 * get, then the ranked candidates for the query's finest part with their
 * scores.  The tool to reach for when a result surprises.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "geocode/geocode.h"

static void print_entry(const struct om_gazetteer *g, uint32_t id)
{
  struct om_gaz_entry e, a;
  if (om_gazetteer_entry(g, id, &e) < 0)
    return;
  const char *admin1 = e.admin1 != OM_GAZ_NONE && om_gazetteer_entry(g, e.admin1, &a) == 0 &&
                               e.level != OM_GAZ_ADMIN1
                           ? a.name
                           : "";
  printf("%s%s%s%s%s  [%s %s] geonameid %lld  %.5f %.5f  r %.1f km", e.name, *admin1 ? ", " : "",
         admin1, *e.country ? ", " : "", e.country, e.level == OM_GAZ_PLACE ? "place" : "unit",
         *e.fcode ? e.fcode : "-", (long long)e.geonameid, e.lat, e.lon, e.radius_km);
  if (e.population)
    printf("  pop %lld", (long long)e.population);
  printf("\n");
}

static void lookup(struct om_geocoder *gc, const struct om_gazetteer *g, const char *text,
                   size_t max)
{
  char *copy = strdup(text);
  if (!copy)
    return;
  const char *parts[OM_GC_MAX_PARTS];
  size_t n = om_geocode_split(copy, parts, OM_GC_MAX_PARTS);
  struct om_gc_result r;
  om_geocode(gc, parts, n, NULL, &r);
  printf("%s\n", text);
  if (r.status == OM_GC_STATUS_UNMATCHED) {
    printf("  result: unmatched  %s\n", r.detail);
  } else {
    printf("  result: %s %s (%s) score %.3f  %.5f %.5f  radius %.1f km  %s", om_gc_status_word(r.status),
           om_gc_level_word(r.level), om_gc_match_word(r.match), r.score, r.lat, r.lon,
           r.radius_km, r.name);
    printf("%s%s%s%s\n", *r.admin1 ? ", " : "", r.admin1, *r.country ? ", " : "", r.country);
  }
  struct om_gc_candidate *c = calloc(max ? max : 1, sizeof *c);
  size_t k = c ? om_geocode_candidates(gc, parts, n, c, max) : 0;
  for (size_t i = 0; i < k; i++) {
    printf("  %2zu. %.3f %-9s", i + 1, c[i].score, om_gc_match_word(c[i].match));
    if (c[i].distance)
      printf("(%u) ", c[i].distance);
    print_entry(g, c[i].entry);
  }
  if (k == 0)
    printf("  no candidates for '%s'\n", n ? parts[0] : "");
  free(c);
  free(copy);
}

int om_cmd_gazetteer_lookup(int argc, char **argv, const char *gazetteer_path)
{
  static const struct option longs[] = {{"gazetteer", required_argument, NULL, 'g'},
                                        {"no-fuzzy", no_argument, NULL, 'F'},
                                        {NULL, 0, NULL, 0}};
  const char *path = gazetteer_path;
  long max = 10;
  struct om_geocoder_opts o = {0};
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+n:", longs, NULL)) != -1) {
    char *end = NULL;
    switch (c) {
    case 'g': path = optarg; break;
    case 'F': o.no_fuzzy = true; break;
    case 'n':
      max = strtol(optarg, &end, 10);
      if (end == optarg || *end || max < 1 || max > 1000)
        return om_cli_usage("gazetteer", "-n must be a number from 1 to 1000");
      break;
    default: return om_cli_usage("gazetteer", "unknown option");
    }
  }
  if (optind == argc)
    return om_cli_usage("gazetteer", "lookup needs a query, e.g. 'Beylikova, Eskişehir, Türkiye'");
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g = NULL;
  struct om_geocoder *gc = NULL;
  int rc = om_gazetteer_open(&g, path, &d);
  if (rc == 0)
    rc = om_geocoder_new(&gc, g, &o, &d);
  for (int i = optind; i < argc && rc == 0; i++)
    lookup(gc, g, argv[i], (size_t)max);
  om_geocoder_free(gc);
  om_gazetteer_close(g);
  if (rc < 0) {
    om_cli_error(d.msg);
    return om_cli_exit_code(rc);
  }
  return OM_EXIT_OK;
}
