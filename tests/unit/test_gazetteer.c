/*
 * The gazetteer index: build from a small GeoNames-format fixture (plain
 * and zipped), hierarchy, lookup by every spelling, scope, codes, fuzzy
 * lookup, outlines, user layers, damaged files and deterministic output.
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
#include "text/normalize.h"

/* The fixture lives beside this file (tests/unit/data/gazetteer). */
#define FIX TEST_DATA_DIR "/../unit/data/gazetteer/"

static const char *const plain_places[] = {FIX "allCountries.txt"};
static const char *const zip_places[] = {FIX "allCountries.zip"};

struct warn_log {
  char text[8192];
  size_t len;
};

static void collect(void *ctx, enum om_level level, const char *line)
{
  struct warn_log *w = ctx;
  (void)level;
  int n = snprintf(w->text + w->len, sizeof w->text - w->len, "%s\n", line);
  if (n > 0 && w->len + (size_t)n < sizeof w->text)
    w->len += (size_t)n;
}

static struct om_gaz_build_opts fixture_opts(const char *out, const char *const *places)
{
  return (struct om_gaz_build_opts){
      .output = out,
      .nplaces = 1,
      .places = places,
      .alternate_names = FIX "alternateNamesV2.txt",
      .admin1 = FIX "admin1CodesASCII.txt",
      .admin2 = FIX "admin2Codes.txt",
      .country_info = FIX "countryInfo.txt",
  };
}

static char *build(const char *dir, const char *name, struct om_gaz_build_opts o,
                   struct warn_log *w, struct om_gaz_build_stats *st)
{
  char *path = test_write_file(dir, name, "", 0);
  o.output = path;
  struct om_diag d;
  om_diag_init(&d);
  if (w) {
    d.report = collect;
    d.report_ctx = w;
  }
  struct om_gaz_build_stats local;
  int rc = om_gazetteer_build(&o, st ? st : &local, &d);
  if (rc != 0)
    fail_msg("build failed: %s", d.msg);
  return path;
}

static struct om_gazetteer *open_ok(const char *path)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g = NULL;
  int rc = om_gazetteer_open(&g, path, &d);
  if (rc != 0)
    fail_msg("open failed: %s", d.msg);
  return g;
}

/* Hits for a name as typed (normalised here). */
static size_t find(const struct om_gazetteer *g, const char *name, const struct om_gaz_scope *s,
                   struct om_gaz_hit *hits, size_t max)
{
  char *k = om_normalize(name, strlen(name), OM_NORM_KEY);
  assert_non_null(k);
  size_t n = om_gazetteer_find(g, k, strlen(k), s, hits, max);
  free(k);
  return n;
}

/* The only hit of a level for a name, or OM_GAZ_NONE. */
static uint32_t find_one(const struct om_gazetteer *g, const char *name, enum om_gaz_level level)
{
  struct om_gaz_scope s = {OM_GAZ_LEVEL_BIT(level), OM_GAZ_NONE, OM_GAZ_NONE, OM_GAZ_NONE};
  struct om_gaz_hit h[4];
  size_t n = find(g, name, &s, h, 4);
  return n == 1 ? h[0].entry : OM_GAZ_NONE;
}

static char *dir;
static char *index_path;
static struct om_gazetteer *gz;

static int setup(void **state)
{
  (void)state;
  dir = test_tmpdir("gazetteer");
  struct warn_log w = {0};
  struct om_gaz_build_stats st;
  index_path = build(dir, "fixture.gaz", fixture_opts(NULL, plain_places), &w, &st);
  /* One malformed row, reported with file and line; two places whose admin-1 (UZ.13, NE.08) the fixture lacks. */
  if (!strstr(w.text, "allCountries.txt:7: row skipped: wrong number of fields") ||
      !strstr(w.text, "2 places have an admin code that names no admin unit"))
    fail_msg("warnings were:\n%s", w.text);
  if (st.skipped != 1 || st.entries != 4 + 3 + 1 + 7)
    fail_msg("skipped %zu entries %zu", st.skipped, st.entries);
  gz = open_ok(index_path);
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  om_gazetteer_close(gz);
  free(index_path);
  free(dir);
  return 0;
}

static void test_counts_and_info(void **state)
{
  (void)state;
  struct om_gaz_info info;
  om_gazetteer_info(gz, &info);
  assert_int_equal(info.counts[OM_GAZ_COUNTRY], 4);
  assert_int_equal(info.counts[OM_GAZ_ADMIN1], 3);
  assert_int_equal(info.counts[OM_GAZ_ADMIN2], 1);
  assert_int_equal(info.counts[OM_GAZ_PLACE], 7);
  assert_int_equal(om_gazetteer_count(gz), 15);
  assert_int_equal(strlen(info.hash), 32);
  assert_string_equal(info.hash, om_gazetteer_hash(gz));
  assert_non_null(strstr(info.sources, "allCountries.txt: places, 10 rows"));
  assert_non_null(strstr(info.attribution, "GeoNames"));
  assert_true(info.nkeys > 10 && info.nnames >= info.nkeys);
}

static void test_hierarchy(void **state)
{
  (void)state;
  uint32_t tr = om_gazetteer_country(gz, "TR");
  uint32_t place = find_one(gz, "Kızılcaören", OM_GAZ_PLACE);
  uint32_t a1 = find_one(gz, "Eskişehir", OM_GAZ_ADMIN1);
  uint32_t a2 = find_one(gz, "Beylikova", OM_GAZ_ADMIN2);
  assert_int_not_equal(tr, OM_GAZ_NONE);
  assert_int_not_equal(place, OM_GAZ_NONE);
  struct om_gaz_entry e;
  assert_int_equal(om_gazetteer_entry(gz, place, &e), 0);
  assert_string_equal(e.name, "Kızılcaören");
  assert_string_equal(e.country, "TR");
  assert_string_equal(e.fcode, "PPL");
  assert_int_equal(e.country_id, tr);
  assert_int_equal(e.admin1, a1);
  assert_int_equal(e.admin2, a2);
  assert_true(e.radius_km > 2 && e.radius_km < 3); /* 2 + 0.02 * sqrt(400) */
  assert_int_equal(om_gazetteer_entry(gz, a1, &e), 0);
  assert_int_equal(e.level, OM_GAZ_ADMIN1);
  assert_int_equal(e.geonameid, 315201); /* the ADM1 row gave its id and point */
  assert_true(e.lat > 39.7 && e.lat < 39.8);
  assert_true(e.radius_km >= 5 && e.radius_km < 100);
  assert_int_equal(e.admin1, a1);
  assert_int_equal(om_gazetteer_entry(gz, tr, &e), 0);
  assert_string_equal(e.name, "Turkey");
  assert_int_equal(e.geonameid, 298795);
  assert_int_equal(e.country_id, tr);
  /* The PCLI and ADM1 rows are the units, not places too. */
  assert_int_equal(find_one(gz, "Turkey", OM_GAZ_PLACE), OM_GAZ_NONE);
  /* Tashkent's admin-1 UZ.13 is not in the fixture: it stays unset. */
  uint32_t tash = find_one(gz, "Tashkent", OM_GAZ_PLACE);
  assert_int_equal(om_gazetteer_entry(gz, tash, &e), 0);
  assert_int_equal(e.admin1, OM_GAZ_NONE);
  assert_int_equal(e.country_id, om_gazetteer_country(gz, "UZ"));
  /* An admin-1 without a point of its own sits among its places (Navoiy). */
  uint32_t nav = find_one(gz, "Navoiy", OM_GAZ_ADMIN1);
  assert_int_equal(om_gazetteer_entry(gz, nav, &e), 0);
  assert_true(e.lat > 40 && e.lat < 40.2 && e.lon > 65.3 && e.lon < 65.5);
  assert_int_equal(om_gazetteer_entry(gz, 99999, &e), -1);
}

static void test_spellings(void **state)
{
  (void)state;
  uint32_t want = find_one(gz, "Kızılcaören", OM_GAZ_PLACE);
  const char *spellings[] = {"Kızılcaören", "KIZILCAÖREN", "Kizilcaoren", "KİZİLCAOREN",
                             "kizilcaoren"};
  for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
    struct om_gaz_hit h[4];
    size_t n = find(gz, spellings[i], NULL, h, 4);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].entry, want);
    assert_int_equal(h[0].distance, 0);
  }
  uint32_t tash = find_one(gz, "Tashkent", OM_GAZ_PLACE);
  assert_int_equal(find_one(gz, "Toshkent", OM_GAZ_PLACE), tash);
  assert_int_equal(find_one(gz, "ТАШКЕНТ", OM_GAZ_PLACE), tash);
  struct om_gaz_hit h[4];
  /* post, link, historic and colloquial names are not imported. */
  assert_int_equal(find(gz, "100000", NULL, h, 4), 0);
  assert_int_equal(find(gz, "https://en.wikipedia.org/wiki/Tashkent", NULL, h, 4), 0);
  assert_int_equal(find(gz, "Binkath", NULL, h, 4), 0);
  assert_int_equal(find(gz, "Tash", NULL, h, 4), 0);
  /* The main table's alternatenames column counts, as ALTERNATE. */
  assert_int_equal(find(gz, "Bur Sudan", NULL, h, 4), 1);
  assert_int_equal(h[0].kind, OM_GAZ_ALTERNATE);
  /* "Eskisehir" is the city's name, ascii name and an alternate under one
   * key: the best kind (NAME) wins and the entry is listed once. */
  struct om_gaz_scope places = {OM_GAZ_LEVEL_BIT(OM_GAZ_PLACE), OM_GAZ_NONE, OM_GAZ_NONE,
                                OM_GAZ_NONE};
  assert_int_equal(find(gz, "Eskisehir", &places, h, 4), 1);
  assert_int_equal(h[0].kind, OM_GAZ_NAME);
  assert_int_equal(find(gz, "Eskishehir", &places, h, 4), 1);
  assert_int_equal(h[0].kind, OM_GAZ_ALTERNATE);
  /* Beylikova the town: name and ascii name are one key, one hit. */
  assert_int_equal(find(gz, "Beylikova", &places, h, 4), 1);
  assert_int_equal(h[0].kind, OM_GAZ_NAME);
}

static void test_scope(void **state)
{
  (void)state;
  struct om_gaz_hit h[8];
  /* Eskişehir: the province and its capital. */
  assert_int_equal(find(gz, "Eskisehir", NULL, h, 8), 2);
  assert_true(h[0].entry < h[1].entry);
  uint32_t tr = om_gazetteer_country(gz, "tr"), uz = om_gazetteer_country(gz, "UZ");
  uint32_t a1 = find_one(gz, "Eskisehir", OM_GAZ_ADMIN1);
  uint32_t a2 = find_one(gz, "Beylikova", OM_GAZ_ADMIN2);
  struct om_gaz_scope s = {0, tr, OM_GAZ_NONE, OM_GAZ_NONE};
  assert_int_equal(find(gz, "Eskisehir", &s, h, 8), 2);
  s.country = uz;
  assert_int_equal(find(gz, "Eskisehir", &s, h, 8), 0);
  assert_int_equal(find(gz, "Tashkent", &s, h, 8), 1);
  s = (struct om_gaz_scope){OM_GAZ_LEVEL_BIT(OM_GAZ_PLACE), OM_GAZ_NONE, a1, OM_GAZ_NONE};
  assert_int_equal(find(gz, "Beylikova", &s, h, 8), 1);
  s = (struct om_gaz_scope){0, OM_GAZ_NONE, OM_GAZ_NONE, a2};
  assert_int_equal(find(gz, "Beylikova", &s, h, 8), 2); /* the district and the town */
  assert_int_equal(find(gz, "Eskisehir", &s, h, 8), 0);
  /* max cuts what is stored, not the count. */
  assert_int_equal(find(gz, "Eskisehir", NULL, h, 1), 2);
}

static void test_codes(void **state)
{
  (void)state;
  uint32_t tr = om_gazetteer_country(gz, "TR");
  assert_int_equal(om_gazetteer_country(gz, "tur"), tr);
  assert_int_equal(om_gazetteer_country(gz, "XX"), OM_GAZ_NONE);
  assert_int_equal(om_gazetteer_country(gz, "Turkey"), OM_GAZ_NONE);
  const char *codes[] = {"TR", "TUR", "tur"};
  for (size_t i = 0; i < 3; i++) {
    struct om_gaz_hit h[4];
    assert_int_equal(find(gz, codes[i], NULL, h, 4), 1);
    assert_int_equal(h[0].entry, tr);
    assert_int_equal(h[0].kind, OM_GAZ_CODE);
  }
  struct om_gaz_hit h[4];
  assert_int_equal(find(gz, "Türkiye", NULL, h, 4), 1);
  assert_int_equal(h[0].entry, tr);
}

static size_t fuzzy(const char *name, unsigned d, const struct om_gaz_scope *s,
                    struct om_gaz_hit *h, size_t max)
{
  char *k = om_normalize(name, strlen(name), OM_NORM_KEY);
  size_t n = om_gazetteer_fuzzy(gz, k, strlen(k), d, s, h, max);
  free(k);
  return n;
}

static void test_fuzzy(void **state)
{
  (void)state;
  struct om_gaz_hit h[8];
  uint32_t kiz = find_one(gz, "Kizilcaoren", OM_GAZ_PLACE);
  /* One substitution, one swap, one deletion, one insertion. */
  const char *typos[] = {"Kizilcaorem", "Kizilcaoern", "Kizlcaoren", "Kizilcaoreen"};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(fuzzy(typos[i], 1, NULL, h, 8), 1);
    assert_int_equal(h[0].entry, kiz);
    assert_int_equal(h[0].distance, 1);
  }
  assert_int_equal(fuzzy("Kizilcaoren", 1, NULL, h, 8), 1);
  assert_int_equal(h[0].distance, 0);
  assert_int_equal(fuzzy("Kizlcaorem", 1, NULL, h, 8), 0);
  assert_int_equal(fuzzy("Kizlcaorem", 2, NULL, h, 8), 1);
  /* Short keys take the length scan: "Nimey" for Niamey, "Tr" for TR. */
  assert_int_equal(fuzzy("Nimey", 1, NULL, h, 8), 1);
  assert_int_equal(h[0].entry, find_one(gz, "Niamey", OM_GAZ_PLACE));
  /* Scope applies: Tashkent misspelt, only in Uzbekistan. */
  struct om_gaz_scope s = {0, om_gazetteer_country(gz, "TR"), OM_GAZ_NONE, OM_GAZ_NONE};
  assert_int_equal(fuzzy("Tashkend", 1, &s, h, 8), 0);
  s.country = om_gazetteer_country(gz, "UZ");
  assert_int_equal(fuzzy("Tashkend", 1, &s, h, 8), 1);
  /* Nearest first. */
  assert_int_equal(fuzzy("Eskisehr", 2, NULL, h, 8), 2);
  assert_int_equal(h[0].distance, 1);
}

static void test_zip_same_content(void **state)
{
  (void)state;
  char *p = build(dir, "zip.gaz", fixture_opts(NULL, zip_places), NULL, NULL);
  struct om_gazetteer *z = open_ok(p);
  assert_int_equal(om_gazetteer_count(z), om_gazetteer_count(gz));
  for (uint32_t i = 0; i < om_gazetteer_count(z); i++) {
    struct om_gaz_entry a, b;
    om_gazetteer_entry(z, i, &a);
    om_gazetteer_entry(gz, i, &b);
    assert_string_equal(a.name, b.name);
    assert_int_equal(a.geonameid, b.geonameid);
  }
  struct om_gaz_info info;
  om_gazetteer_info(z, &info);
  assert_non_null(strstr(info.sources, "allCountries.zip: places, 10 rows"));
  om_gazetteer_close(z);
  free(p);
}

static void test_damaged_files(void **state)
{
  (void)state;
  size_t len;
  char *bytes = test_read_file(index_path, &len);
  struct om_diag d;
  struct om_gazetteer *g = NULL;
  size_t cuts[] = {len - 1, len / 2, 100, 47, 0};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    char *p = test_write_file(dir, "cut.gaz", bytes, cuts[i]);
    om_diag_init(&d);
    assert_int_equal(om_gazetteer_open(&g, p, &d), OM_EIO);
    assert_null(g);
    assert_non_null(strstr(d.msg, "cut.gaz"));
    free(p);
  }
  om_diag_init(&d);
  char *p = test_write_file(dir, "cut.gaz", bytes, len - 1);
  om_gazetteer_open(&g, p, &d);
  assert_non_null(strstr(d.msg, "truncated"));
  free(p);
  om_diag_init(&d);
  assert_int_equal(om_gazetteer_open(&g, FIX "countryInfo.txt", &d), OM_EIO);
  assert_non_null(strstr(d.msg, "not an oremap gazetteer index"));
  /* A wrong format version is named as such. */
  bytes[8] = 99;
  p = test_write_file(dir, "cut.gaz", bytes, len);
  om_diag_init(&d);
  assert_int_equal(om_gazetteer_open(&g, p, &d), OM_EIO);
  assert_non_null(strstr(d.msg, "format version"));
  free(p);
  free(bytes);
}

static void test_deterministic(void **state)
{
  (void)state;
  char *p = build(dir, "again.gaz", fixture_opts(NULL, plain_places), NULL, NULL);
  struct om_gazetteer *g = open_ok(p);
  assert_string_equal(om_gazetteer_hash(g), om_gazetteer_hash(gz));
  om_gazetteer_close(g);
  size_t a, b;
  char *x = test_read_file(p, &a), *y = test_read_file(index_path, &b);
  assert_int_equal(a, b);
  assert_memory_equal(x, y, a);
  free(x);
  free(y);
  /* One more place in a copy of the table changes the hash. */
  size_t n;
  char *t = test_read_file(FIX "allCountries.txt", &n);
  const char extra[] = "999\tNewtown\tNewtown\t\t10\t10\tP\tPPL\tNE\t\t\t\t\t\t0\t\t0\tx\t2024-01-01\n";
  char *more = malloc(n + sizeof extra);
  memcpy(more, t, n);
  memcpy(more + n, extra, sizeof extra);
  char *copy_dir = test_tmpdir("gazetteer-copy");
  char *places = test_write_file(copy_dir, "allCountries.txt", t, n);
  const char *const list[] = {places};
  char *p2 = build(dir, "same-name.gaz", fixture_opts(NULL, list), NULL, NULL);
  g = open_ok(p2);
  assert_string_equal(om_gazetteer_hash(g), om_gazetteer_hash(gz)); /* same bytes, other folder */
  om_gazetteer_close(g);
  free(places);
  places = test_write_file(copy_dir, "allCountries.txt", more, n + sizeof extra - 1);
  const char *const list2[] = {places};
  char *p3 = build(dir, "changed.gaz", fixture_opts(NULL, list2), NULL, NULL);
  g = open_ok(p3);
  assert_string_not_equal(om_gazetteer_hash(g), om_gazetteer_hash(gz));
  assert_int_equal(om_gazetteer_count(g), om_gazetteer_count(gz) + 1);
  om_gazetteer_close(g);
  free(t);
  free(more);
  free(places);
  free(copy_dir);
  free(p);
  free(p2);
  free(p3);
}

static void test_outlines_and_layers(void **state)
{
  (void)state;
  struct om_gaz_layer_source layer = {.path = FIX "sites.geojson",
                                      .name = "site",
                                      .alternates = "aka",
                                      .country = "cc",
                                      .admin1 = "prov",
                                      .fcode = "MINE"};
  struct om_gaz_build_opts o = fixture_opts(NULL, plain_places);
  o.outlines = FIX "outlines.geojson";
  o.nlayers = 1;
  o.layers = &layer;
  char *p = build(dir, "full.gaz", o, NULL, NULL);
  struct om_gazetteer *g = open_ok(p);
  struct om_gaz_info info;
  om_gazetteer_info(g, &info);
  assert_int_equal(info.outlines, 1);
  assert_int_equal(info.counts[OM_GAZ_PLACE], 8);
  uint32_t tr = om_gazetteer_country(g, "TR");
  size_t len;
  const unsigned char *wkb = om_gazetteer_outline(g, tr, &len);
  assert_non_null(wkb);
  assert_int_equal(len, 1 + 4 + 4 + 4 + 5 * 16);
  assert_null(om_gazetteer_outline(g, om_gazetteer_country(g, "UZ"), &len));
  assert_int_equal(len, 0);
  struct om_gaz_entry e;
  om_gazetteer_entry(g, tr, &e);
  assert_true(e.lon > 26 && e.lon < 45 && e.lat > 36 && e.lat < 42); /* inside the outline */
  assert_true(e.radius_km > 700 && e.radius_km < 1200);
  struct om_gaz_hit h[4];
  char *k = om_normalize("Beylikova nadir toprak", 22, OM_NORM_KEY);
  assert_int_equal(om_gazetteer_find(g, k, strlen(k), NULL, h, 4), 1);
  free(k);
  om_gazetteer_entry(g, h[0].entry, &e);
  assert_string_equal(e.name, "Beylikova REE deposit");
  assert_string_equal(e.fcode, "MINE");
  assert_string_equal(e.country, "TR");
  assert_int_equal(e.country_id, tr);
  om_gazetteer_entry(g, e.admin1, &e);
  assert_string_equal(e.name, "Eskişehir");
  om_gazetteer_close(g);
  free(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counts_and_info), cmocka_unit_test(test_hierarchy),
      cmocka_unit_test(test_spellings),       cmocka_unit_test(test_scope),
      cmocka_unit_test(test_codes),           cmocka_unit_test(test_fuzzy),
      cmocka_unit_test(test_zip_same_content), cmocka_unit_test(test_damaged_files),
      cmocka_unit_test(test_deterministic),   cmocka_unit_test(test_outlines_and_layers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
