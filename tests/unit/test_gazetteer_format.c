/*
 * What the compact index format must give back unchanged: every key of a
 * few thousand found through the fingerprinted hash table and absent keys
 * not found, ids beyond 32 bits (a user layer's), feature codes and
 * country codes read back through their tables, including a country code
 * that names no country entry.
 */
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

#define NPLACES 4000

static const char *const fcodes[] = {"PPL", "PPLA", "MT", "LK", "MINE", "STM"};

static char *build(const char *dir, struct om_gaz_build_opts *o)
{
  char *path = test_write_file(dir, "f.gaz", "", 0);
  o->output = path;
  struct om_diag d;
  om_diag_init(&d);
  struct om_gaz_build_stats st;
  if (om_gazetteer_build(o, &st, &d) != 0)
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

/* A GeoNames main table of NPLACES places "Place N" in TR (odd N) or ZZ (even N), and TR's row. */
static char *write_places(const char *dir)
{
  size_t cap = (size_t)NPLACES * 160 + 512, len = 0;
  char *t = malloc(cap);
  assert_non_null(t);
  len += (size_t)snprintf(t + len, cap - len,
                          "298795\tTurkey\tTurkey\t\t39\t35\tA\tPCLI\tTR\t\t00\t\t\t\t"
                          "85000000\t\t0\tEurope/Istanbul\t2024-01-01\n");
  for (int i = 1; i <= NPLACES; i++)
    len += (size_t)snprintf(t + len, cap - len,
                            "%d\tPlace %d\tPlace %d\t\t%d.5\t%d.25\tP\t%s\t%s\t\t\t\t\t\t%d\t\t0\t"
                            "UTC\t2024-01-01\n",
                            1000 + i, i, i, i % 80, i % 170, fcodes[i % 6], i % 2 ? "TR" : "ZZ",
                            i * 10);
  char *p = test_write_file(dir, "allCountries.txt", t, len);
  free(t);
  return p;
}

static void test_every_key_and_entry(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gazetteer-format");
  char *places = write_places(dir);
  const char *const list[] = {places};
  struct om_gaz_build_opts o = {.nplaces = 1, .places = list};
  char *p = build(dir, &o);
  struct om_gazetteer *g = open_ok(p);
  uint32_t tr = om_gazetteer_country(g, "TR");
  assert_int_not_equal(tr, OM_GAZ_NONE);
  for (int i = 1; i <= NPLACES; i++) {
    char key[32];
    int n = snprintf(key, sizeof key, "place %d", i);
    struct om_gaz_hit h[4];
    assert_int_equal(om_gazetteer_find(g, key, (size_t)n, NULL, h, 4), 1);
    struct om_gaz_entry e;
    assert_int_equal(om_gazetteer_entry(g, h[0].entry, &e), 0);
    char name[32];
    snprintf(name, sizeof name, "Place %d", i);
    assert_string_equal(e.name, name);
    assert_int_equal(e.geonameid, 1000 + i);
    assert_int_equal(e.level, OM_GAZ_PLACE);
    assert_string_equal(e.fcode, fcodes[i % 6]);
    assert_string_equal(e.country, i % 2 ? "TR" : "ZZ");
    assert_int_equal(e.country_id, i % 2 ? tr : OM_GAZ_NONE);
    assert_int_equal(e.population, i * 10);
    assert_true(e.lat == i % 80 + 0.5 && e.lon == i % 170 + 0.25);
    /* A key no entry has. */
    n = snprintf(key, sizeof key, "place %dx", i);
    assert_int_equal(om_gazetteer_find(g, key, (size_t)n, NULL, h, 4), 0);
  }
  struct om_gaz_entry e;
  om_gazetteer_entry(g, tr, &e);
  assert_string_equal(e.fcode, "PCLI");
  assert_int_equal(e.country_id, tr);
  assert_int_equal(e.geonameid, 298795);
  om_gazetteer_close(g);
  free(p);
  free(places);
  free(dir);
}

/* A user layer's ids need not fit 32 bits. */
static void test_long_ids(void **state)
{
  (void)state;
  char *dir = test_tmpdir("gazetteer-format-ids");
  static const char layer_text[] =
      "{\"type\":\"FeatureCollection\",\"features\":["
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"North pit\",\"id\":\"5000000001\"},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[30.5,40.25]}},"
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"South pit\",\"id\":\"4294967295\"},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[31.5,39.25]}},"
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"East pit\",\"id\":\"900000007\"},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[32.5,38.25]}},"
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"West pit\",\"id\":\"98765432123\"},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[29.5,41.25]}}]}";
  char *layer = test_write_file(dir, "pits.geojson", layer_text, sizeof layer_text - 1);
  struct om_gaz_layer_source src = {.path = layer, .name = "name", .id = "id", .fcode = "MINE"};
  struct om_gaz_build_opts o = {.nlayers = 1, .layers = &src};
  char *p = build(dir, &o);
  struct om_gazetteer *g = open_ok(p);
  const char *keys[] = {"north pit", "south pit", "east pit", "west pit"};
  const int64_t ids[] = {5000000001LL, 4294967295LL, 900000007LL, 98765432123LL};
  for (int i = 0; i < 4; i++) {
    struct om_gaz_hit h[2];
    assert_int_equal(om_gazetteer_find(g, keys[i], strlen(keys[i]), NULL, h, 2), 1);
    struct om_gaz_entry e;
    om_gazetteer_entry(g, h[0].entry, &e);
    assert_int_equal(e.geonameid, ids[i]);
    assert_string_equal(e.fcode, "MINE");
    assert_string_equal(e.country, "");
    assert_int_equal(e.country_id, OM_GAZ_NONE);
  }
  om_gazetteer_close(g);
  free(p);
  free(layer);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_key_and_entry),
      cmocka_unit_test(test_long_ids),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
