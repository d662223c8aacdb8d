/*
 * oremap gazetteer lookup [--gazetteer PATH] [-n N] [--no-fuzzy] QUERY...
 *
 * What the geocoder makes of a query, and why: the result a record would
 * get, then the ranked candidates for the query's finest part with their
 * scores.  The tool to reach for when a result surprises.
 *
 * oremap gazetteer reverse [--gazetteer PATH] LON LAT [LON LAT]...
 *
 * What locate.reverse adds to a point: its country, and the nearest place
 * in it with that place's units and distance.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "geocode/geocode.h"
#include "geocode/reverse.h"

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

/* A longitude or latitude argument, or NAN. */
static double coordinate(const char *text)
{
  char *end = NULL;
  double v = strtod(text, &end);
  return end != text && !*end && isfinite(v) ? v : NAN;
}

int om_cmd_gazetteer_reverse(int argc, char **argv, const char *gazetteer_path)
{
  static const struct option longs[] = {{"gazetteer", required_argument, NULL, 'g'},
                                        {NULL, 0, NULL, 0}};
  const char *path = gazetteer_path;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
    if (c != 'g')
      return om_cli_usage("gazetteer", "unknown option or missing value");
    path = optarg;
  }
  if (optind == argc || (argc - optind) % 2)
    return om_cli_usage("gazetteer", "reverse needs pairs of longitude and latitude, e.g. 31.21 39.69");
  for (int i = optind; i < argc; i++)
    if (isnan(coordinate(argv[i])))
      return om_cli_usage("gazetteer", "reverse: not a number");
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g = NULL;
  struct om_reverse *r = NULL;
  int rc = om_gazetteer_open(&g, path, &d);
  if (rc == 0)
    rc = om_reverse_new(&r, g, 10, &d);
  for (int i = optind; i + 1 < argc && rc == 0; i += 2) {
    double lon = coordinate(argv[i]), lat = coordinate(argv[i + 1]);
    struct om_reverse_result res;
    if ((rc = om_reverse(r, lon, lat, &res, &d)) < 0)
      break;
    printf("%s %s\n", argv[i], argv[i + 1]);
    struct om_gaz_entry e;
    if (res.country != OM_GAZ_NONE && om_gazetteer_entry(g, res.country, &e) == 0)
      printf(res.border_km > 0 ? "  country: %s (%s), %.1f km outside its outline\n"
                               : "  country: %s (%s)\n",
             e.name, e.country, res.border_km);
    else
      printf("  country: none within 10 km\n");
    if (res.place == OM_GAZ_NONE) {
      printf("  no place\n");
      continue;
    }
    printf("  nearest place, %.2f km: ", res.place_km);
    print_entry(g, res.place);
  }
  om_reverse_free(r);
  om_gazetteer_close(g);
  if (rc < 0) {
    om_cli_error(d.msg);
    return om_cli_exit_code(rc);
  }
  return OM_EXIT_OK;
}
