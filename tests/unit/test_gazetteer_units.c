/*
 * The gazetteer builder's placing of units and its sources list: radius
 * floors by level, units whose location is unknown, and an index whose
 * bytes do not depend on the folder its sources were read from.  Fuzzy
 * lookup limited to a unit (which scans the unit's own keys) must agree
 * with the same lookup over the whole index cut to the unit.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gazetteer/gazetteer.h"
#include "support.h"

#define FIX TEST_DATA_DIR "/../unit/data/gazetteer/"

static char *build_from(const char *dir, const char *out, const char *places,
                        const char *admin1, const char *admin2, const char *info,
                        const char *outlines)
{
  char *path = test_write_file(dir, out, "", 0);
  const char *const list[] = {places};
  struct om_gaz_build_opts o = {.output = path, .nplaces = 1, .places = list, .admin1 = admin1,
                                .admin2 = admin2, .country_info = info, .outlines = outlines};
  struct om_diag d;
  om_diag_init(&d);
  struct om_gaz_build_stats st;
  if (om_gazetteer_build(&o, &st, &d) != 0)
    fail_msg("build failed: %s", d.msg);
  return path;
}

static struct om_gazetteer *open_ok(const char *path)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g = NULL;
  if (om_gazetteer_open(&g, path, &d) != 0)
    fail_msg("open failed: %s", d.msg);
  return g;
}

static uint32_t only(const struct om_gazetteer *g, const char *key, enum om_gaz_level level)
{
  struct om_gaz_scope s = {OM_GAZ_LEVEL_BIT(level), OM_GAZ_NONE, OM_GAZ_NONE, OM_GAZ_NONE};
  struct om_gaz_hit h[4];
  return om_gazetteer_find(g, key, strlen(key), &s, h, 4) == 1 ? h[0].entry : OM_GAZ_NONE;
}

/* Floors: admin-2 25 km, admin-1 50 km, a country without outline the radius of its area. */
static void test_radius_floors(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gazetteer-units");
  char *p = build_from(dir, "f.gaz", FIX "allCountries.txt", FIX "admin1CodesASCII.txt",
                       FIX "admin2Codes.txt", FIX "countryInfo.txt", NULL);
  struct om_gazetteer *g = open_ok(p);
  struct om_gaz_entry e;
  /* Beylikova has two member places a few km apart. */
  assert_int_equal(om_gazetteer_entry(g, only(g, "beylikova", OM_GAZ_ADMIN2), &e), 0);
  assert_true(e.radius_km >= 25 && e.radius_km < 26);
  assert_int_equal(om_gazetteer_entry(g, only(g, "navoiy", OM_GAZ_ADMIN1), &e), 0);
  assert_true(e.radius_km >= 50 && e.radius_km < 51);
  /* Niger: 1,267,000 km2 in countryInfo.txt, one member place, no outline. */
  assert_int_equal(om_gazetteer_entry(g, om_gazetteer_country(g, "NE"), &e), 0);
  assert_true(fabs(e.radius_km - sqrt(1267000 / M_PI)) < 1);
  om_gazetteer_close(g);
  free(p);
  free(dir);
}

/* A unit with neither point nor members has NaN lat/lon, not 0,0. */
static void test_unknown_location(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gazetteer-unknown");
  const char info[] = "XA\tXAA\t999\tXA\tAtlantis\t\t\t0\t\t\t\t\t\t\t\t\t0\t\t\n";
  const char a1[] = "XA.01\tLost Province\tLost Province\t0\n"
                    "XA.02\tFound Province\tFound Province\t0\n";
  const char places[] = "1\tNullport\tNullport\t\t0\t0\tP\tPPL\tXA\t\t02\t\t\t\t100\t\t0\t\t2024-01-01\n";
  char *fi = test_write_file(dir, "countryInfo.txt", info, sizeof info - 1);
  char *fa = test_write_file(dir, "admin1CodesASCII.txt", a1, sizeof a1 - 1);
  char *fp = test_write_file(dir, "allCountries.txt", places, sizeof places - 1);
  char *p = build_from(dir, "u.gaz", fp, fa, NULL, fi, NULL);
  struct om_gazetteer *g = open_ok(p);
  struct om_gaz_entry e;
  assert_int_equal(om_gazetteer_entry(g, only(g, "lost province", OM_GAZ_ADMIN1), &e), 0);
  assert_true(isnan(e.lat) && isnan(e.lon));
  assert_true(e.radius_km == 0);
  /* A real point at 0,0 stays 0,0. */
  assert_int_equal(om_gazetteer_entry(g, only(g, "nullport", OM_GAZ_PLACE), &e), 0);
  assert_true(e.lat == 0 && e.lon == 0);
  assert_int_equal(om_gazetteer_entry(g, only(g, "found province", OM_GAZ_ADMIN1), &e), 0);
  assert_true(e.lat == 0 && e.lon == 0 && e.radius_km >= 50);
  om_gazetteer_close(g);
  free(p);
  free(fi);
  free(fa);
  free(fp);
  free(dir);
}

/* Sources are listed by file name, so two checkouts build the same bytes. */
static void test_sources_by_name(void **state)
{
  (void)state;
  const char *names[] = {"allCountries.txt", "admin1CodesASCII.txt", "admin2Codes.txt",
                         "countryInfo.txt", "outlines.geojson"};
  char *copies[2][5], *out[2];
  for (int c = 0; c < 2; c++) {
    char *dir = test_tmpdir(c ? "gazetteer-copy-b" : "gazetteer-copy-a/deeper");
    for (int i = 0; i < 5; i++) {
      char src[512];
      snprintf(src, sizeof src, "%s%s", FIX, names[i]);
      size_t n;
      char *text = test_read_file(src, &n);
      copies[c][i] = test_write_file(dir, names[i], text, n);
      free(text);
    }
    out[c] = build_from(dir, "s.gaz", copies[c][0], copies[c][1], copies[c][2], copies[c][3],
                        copies[c][4]);
    free(dir);
  }
  struct om_gazetteer *g = open_ok(out[0]);
  struct om_gaz_info info;
  om_gazetteer_info(g, &info);
  assert_non_null(strstr(info.sources, "\noutlines.geojson: country outlines, 1 features\n"));
  assert_null(strchr(info.sources, '/'));
  om_gazetteer_close(g);
  size_t a, b;
  char *x = test_read_file(out[0], &a), *y = test_read_file(out[1], &b);
  assert_int_equal(a, b);
  assert_memory_equal(x, y, a);
  free(x);
  free(y);
  for (int c = 0; c < 2; c++) {
    for (int i = 0; i < 5; i++)
      free(copies[c][i]);
    free(out[c]);
  }
}

/* Scoped fuzzy lookup: hits of the whole index inside the unit, in the same order. */
static void test_fuzzy_scoped(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gazetteer-fuzzy");
  char *p = build_from(dir, "z.gaz", FIX "allCountries.txt", FIX "admin1CodesASCII.txt",
                       FIX "admin2Codes.txt", FIX "countryInfo.txt", NULL);
  struct om_gazetteer *g = open_ok(p);
  uint32_t tr = om_gazetteer_country(g, "TR");
  const char *queries[] = {"kizilcaoern", "eskisehri", "beylkova", "kzlcaoren", "ekisehir",
                           "tashknet", "nvaoiy", "turkye"};
  for (size_t qi = 0; qi < sizeof queries / sizeof *queries; qi++)
    for (unsigned d = 1; d <= 3; d++) {
      struct om_gaz_hit all[64], in[64], want[64];
      size_t na = om_gazetteer_fuzzy(g, queries[qi], strlen(queries[qi]), d, NULL, all, 64);
      struct om_gaz_scope s = {0, tr, OM_GAZ_NONE, OM_GAZ_NONE};
      size_t ni = om_gazetteer_fuzzy(g, queries[qi], strlen(queries[qi]), d, &s, in, 64);
      size_t nw = 0;
      for (size_t i = 0; i < na; i++) {
        struct om_gaz_entry e;
        om_gazetteer_entry(g, all[i].entry, &e);
        if (e.country_id == tr)
          want[nw++] = all[i];
      }
      assert_int_equal(ni, nw);
      for (size_t i = 0; i < ni; i++) {
        assert_int_equal(in[i].entry, want[i].entry);
        assert_int_equal(in[i].distance, want[i].distance);
        assert_int_equal(in[i].kind, want[i].kind);
      }
    }
  /* One swap, one deletion and a substitution each find their place. */
  struct om_gaz_hit h[8];
  struct om_gaz_scope s = {OM_GAZ_LEVEL_BIT(OM_GAZ_PLACE), tr, OM_GAZ_NONE, OM_GAZ_NONE};
  assert_true(om_gazetteer_fuzzy(g, "kizilcaoern", 11, 1, &s, h, 8) >= 1);
  struct om_gaz_entry e;
  om_gazetteer_entry(g, h[0].entry, &e);
  assert_string_equal(e.name, "Kızılcaören");
  assert_int_equal(h[0].distance, 1);
  assert_int_equal(om_gazetteer_fuzzy(g, "tashknet", 8, 1, &s, h, 8), 0); /* not in TR */
  om_gazetteer_close(g);
  free(p);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_radius_floors),
      cmocka_unit_test(test_unknown_location),
      cmocka_unit_test(test_sources_by_name),
      cmocka_unit_test(test_fuzzy_scoped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
