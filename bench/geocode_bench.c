/*
 * Geocoder throughput on the built-in gazetteer, beside a plain exact-name
 * hash join in the same run.
 *
 * Queries are structured ("name, admin-1, country") and made from N places
 * of the gazetteer itself that have a GeoNames id, each place once, so the
 * geocoder's result cache never helps.  Places whose name another place of
 * the same unit shares count as misses when the other one is returned.  Three runs: the names as written (exact keys), the same
 * names with one typo each (every query goes through fuzzy matching), and
 * the baseline: each name normalised and looked up in a hash table of all
 * place names, which is what a join on a name column does (no hierarchy,
 * no ranking, no fallback).  Prints queries per second per core, the ratio
 * to the baseline and the peak memory.
 *
 * usage: bench-geocode GAZETTEER [N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/strset.h"
#include "geocode/geocode.h"
#include "text/normalize.h"

struct query {
  char name[128], admin[128], country[8];
  int64_t geonameid;
};

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_random(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Swap two neighbouring ASCII letters in the middle of the name. */
static void typo(char *s)
{
  size_t n = strlen(s);
  for (int tries = 0; tries < 8 && n > 5; tries++) {
    size_t i = 1 + next_random() % (n - 3);
    if ((unsigned char)s[i] < 0x80 && (unsigned char)s[i + 1] < 0x80 && s[i] != s[i + 1]) {
      char c = s[i];
      s[i] = s[i + 1];
      s[i + 1] = c;
      return;
    }
  }
}

static size_t make_queries(struct om_gazetteer *g, struct query *q, size_t want)
{
  size_t n = om_gazetteer_count(g), k = 0;
  for (size_t tries = 0; k < want && tries < 20 * want; tries++) {
    struct om_gaz_entry e, a;
    uint32_t id = (uint32_t)(next_random() % n);
    if (om_gazetteer_entry(g, id, &e) < 0 || e.level != OM_GAZ_PLACE || e.admin1 == OM_GAZ_NONE ||
        e.geonameid <= 0 || e.geonameid >= OM_GAZ_LOCAL_ID_MIN ||
        om_gazetteer_entry(g, e.admin1, &a) < 0)
      continue;
    snprintf(q[k].name, sizeof q[k].name, "%s", e.name);
    snprintf(q[k].admin, sizeof q[k].admin, "%s", a.name);
    snprintf(q[k].country, sizeof q[k].country, "%s", e.country);
    q[k].geonameid = e.geonameid;
    k++;
  }
  return k;
}

/* Geocode every query with a fresh geocoder; returns queries/s and counts the ones found. */
static double run_geocoder(struct om_gazetteer *g, const struct query *q, size_t n, long *found)
{
  struct om_geocoder *gc = NULL;
  struct om_diag d;
  om_diag_init(&d);
  if (om_geocoder_new(&gc, g, NULL, &d) < 0)
    return 0;
  *found = 0;
  double t0 = now();
  for (size_t i = 0; i < n; i++) {
    const char *parts[] = {q[i].name, q[i].admin, q[i].country};
    struct om_gc_result r;
    om_geocode(gc, parts, 3, NULL, &r);
    *found += r.geonameid == q[i].geonameid;
  }
  double t = now() - t0;
  om_geocoder_free(gc);
  return (double)n / t;
}

/* The baseline: normalise the name, look it up among all place names. */
static double run_baseline(struct om_gazetteer *g, const struct query *q, size_t n, long *found)
{
  struct om_strset names;
  om_strset_init(&names);
  char key[512];
  for (uint32_t id = 0; id < om_gazetteer_count(g); id++) {
    struct om_gaz_entry e;
    if (om_gazetteer_entry(g, id, &e) == 0 && e.level == OM_GAZ_PLACE &&
        om_normalize_into(key, sizeof key, e.name, strlen(e.name), OM_NORM_KEY) >= 0)
      om_strset_add(&names, key);
  }
  *found = 0;
  double t0 = now();
  for (size_t i = 0; i < n; i++)
    if (om_normalize_into(key, sizeof key, q[i].name, strlen(q[i].name), OM_NORM_KEY) >= 0)
      *found += om_strset_contains(&names, key);
  double t = now() - t0;
  om_strset_release(&names);
  return (double)n / t;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: bench-geocode GAZETTEER [N]\n");
    return 2;
  }
  size_t want = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100000;
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g = NULL;
  if (om_gazetteer_open(&g, argv[1], &d) < 0) {
    fprintf(stderr, "bench-geocode: %s\n", d.msg);
    return 3;
  }
  struct query *q = calloc(want, sizeof *q);
  size_t n = q ? make_queries(g, q, want) : 0;
  long f_exact, f_fuzzy, f_base;
  double base = run_baseline(g, q, n, &f_base);
  double exact = run_geocoder(g, q, n, &f_exact);
  for (size_t i = 0; i < n; i++)
    typo(q[i].name);
  double fuzzy = run_geocoder(g, q, n, &f_fuzzy);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("queries: %zu structured (name, admin-1, country), each place once\n", n);
  printf("baseline exact-name hash join: %10.0f q/s  (%ld names found, no hierarchy)\n", base,
         f_base);
  printf("geocoder, exact names:         %10.0f q/s  (%.1f%% back to their GeoNames id)  "
         "ratio to baseline %.3f\n",
         exact, 100.0 * (double)f_exact / (double)n, exact / base);
  printf("geocoder, one typo per name:   %10.0f q/s  (%.1f%% back to their GeoNames id)  "
         "ratio to baseline %.3f\n",
         fuzzy, 100.0 * (double)f_fuzzy / (double)n, fuzzy / base);
  printf("peak memory: %.1f MB (gazetteer mapped, queries held)\n", ru.ru_maxrss / 1024.0);
  printf("targets: exact >= 100000 q/s: %s; fuzzy >= 20000 q/s: %s\n",
         exact >= 100000 ? "met" : "NOT met", fuzzy >= 20000 ? "met" : "NOT met");
  free(q);
  om_gazetteer_close(g);
  return 0;
}
