/*
 * The geocoder over a small GeoNames-format gazetteer (tests/data/geocode):
 * structured queries resolved right to left, spellings, exonyms, ranking,
 * fallbacks to the finest unit that matched, overrides and templates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geocode/geocode.h"
#include "geocode/template.h"
#include "support.h"

struct fixture {
  char *dir;
  struct om_gazetteer *g;
  struct om_geocoder *gc;
};

static int setup(void **state)
{
  static struct fixture fx;
  fx.dir = test_tmpdir("geocode");
  const char *places[] = {TEST_DATA_DIR "/geocode/places.txt"};
  char index[512];
  snprintf(index, sizeof index, "%s/test.omgz", fx.dir);
  struct om_gaz_build_opts o = {
      .output = index, .nplaces = 1, .places = places,
      .alternate_names = TEST_DATA_DIR "/geocode/alternateNamesV2.txt",
      .admin1 = TEST_DATA_DIR "/geocode/admin1CodesASCII.txt",
      .admin2 = TEST_DATA_DIR "/geocode/admin2Codes.txt",
      .country_info = TEST_DATA_DIR "/geocode/countryInfo.txt"};
  struct om_diag d;
  om_diag_init(&d);
  struct om_gaz_build_stats st;
  if (om_gazetteer_build(&o, &st, &d) < 0)
    fail_msg("build: %s", d.msg);
  if (om_gazetteer_open(&fx.g, index, &d) < 0)
    fail_msg("open: %s", d.msg);
  if (om_geocoder_new(&fx.gc, fx.g, NULL, &d) < 0)
    fail_msg("geocoder: %s", d.msg);
  *state = &fx;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *fx = *state;
  om_geocoder_free(fx->gc);
  om_gazetteer_close(fx->g);
  free(fx->dir);
  return 0;
}

/* Geocode free text ("a, b, c") with gc. */
static void geocode(struct om_geocoder *gc, const char *text, struct om_gc_result *r)
{
  char buf[512];
  snprintf(buf, sizeof buf, "%s", text);
  const char *parts[OM_GC_MAX_PARTS];
  size_t n = om_geocode_split(buf, parts, OM_GC_MAX_PARTS);
  assert_int_equal(om_geocode(gc, parts, n, NULL, r), 0);
}

static void expect(struct fixture *fx, const char *text, enum om_gc_status status,
                   enum om_gc_level level, enum om_gc_match match, long long geonameid,
                   const char *country)
{
  struct om_gc_result r;
  geocode(fx->gc, text, &r);
  if (r.status != status || r.level != level || r.match != match || r.geonameid != geonameid ||
      strcmp(r.country, country) != 0)
    fail_msg("'%s': %s %s %s %lld %s (%s, score %.3f), expected %s %s %s %lld %s", text,
             om_gc_status_word(r.status), om_gc_level_word(r.level), om_gc_match_word(r.match),
             (long long)r.geonameid, r.country, r.name, r.score, om_gc_status_word(status),
             om_gc_level_word(level), om_gc_match_word(match), geonameid, country);
  assert_true(r.score > 0 && r.score <= 1);
  assert_true(r.radius_km > 0);
}

static void test_structured_exact(void **state)
{
  struct fixture *fx = *state;
  /* Beylikova is a town and the district named after it: the town wins. */
  expect(fx, "Beylikova, Eskişehir, Türkiye", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_EXACT, 321219, "TR");
  struct om_gc_result r;
  geocode(fx->gc, "Beylikova, Eskişehir, Türkiye", &r);
  assert_string_equal(r.admin1, "Eskişehir");
  assert_string_equal(r.name, "Beylikova");
  assert_true(fabs(r.lat - 39.6869) < 1e-6 && fabs(r.lon - 31.2056) < 1e-6);
  assert_true(r.score > 0.9);
}

static void test_spellings_meet(void **state)
{
  struct fixture *fx = *state;
  const char *spellings[] = {"Kızılcaören, Eskişehir, Türkiye", "KIZILCAÖREN, ESKİŞEHİR, TURKEY",
                             "Kizilcaoren, Eskisehir, Turkiye", "KİZİLCAOREN, ESKISEHIR, TR",
                             "kizilcaoren, eskisehir, TUR"};
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
    struct om_gc_result r;
    geocode(fx->gc, spellings[i], &r);
    if (r.status != OM_GC_STATUS_MATCHED || r.geonameid != 745001)
      fail_msg("'%s': %s %lld", spellings[i], om_gc_status_word(r.status),
               (long long)r.geonameid);
    assert_int_equal(r.level, OM_GC_LEVEL_LOCALITY);
  }
  /* Written as the gazetteer writes it: exact; folded: ascii. */
  expect(fx, "Kızılcaören, Eskişehir", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_EXACT, 745001, "TR");
  expect(fx, "KIZILCAOREN, ESKISEHIR, TURKEY", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_ASCII, 745001, "TR");
  /* German sharp s: Unicode case folding makes ß and ss one spelling. */
  expect(fx, "WEISSENFELS, Germany", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_EXACT, 2812482, "DE");
}

static void test_exonyms(void **state)
{
  struct fixture *fx = *state;
  expect(fx, "Ташкент, Узбекистан", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_ALTERNATE, 1512569, "UZ");
  expect(fx, "Toshkent, Oʻzbekiston", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_ALTERNATE, 1512569, "UZ");
  expect(fx, "Toshkent, O'zbekiston", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_ALTERNATE, 1512569, "UZ");
  expect(fx, "الخرطوم, السودان", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_ALTERNATE, 379252, "SD");
  /* Pseudo-languages and historic names are not names. */
  struct om_gc_result r;
  geocode(fx->gc, "100000", &r);
  assert_int_equal(r.status, OM_GC_STATUS_UNMATCHED);
  geocode(fx->gc, "Binkath, Uzbekistan", &r);
  assert_int_equal(r.status, OM_GC_STATUS_FALLBACK);
}

static void test_country_before_namesake_unit(void **state)
{
  struct fixture *fx = *state;
  /* "Niger" is a country and a Nigerian state: a licence "in Niger" is in the country. */
  expect(fx, "Koulbaga 1, Niger", OM_GC_STATUS_FALLBACK, OM_GC_LEVEL_COUNTRY, OM_GC_MATCH_EXACT,
         2440476, "NE");
  expect(fx, "Niger", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_COUNTRY, OM_GC_MATCH_EXACT, 2440476,
         "NE");
  /* Within Nigeria, Niger is the state. */
  expect(fx, "Niger, Nigeria", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_ADMIN1, OM_GC_MATCH_EXACT,
         2328925, "NG");
}

static void test_fallbacks(void **state)
{
  struct fixture *fx = *state;
  struct om_gc_result country, admin;
  geocode(fx->gc, "Koulbaga 1, Niger", &country);
  geocode(fx->gc, "Hurob, Navoiy Region, Uzbekistan", &admin);
  assert_int_equal(admin.status, OM_GC_STATUS_FALLBACK);
  assert_int_equal(admin.level, OM_GC_LEVEL_ADMIN1);
  assert_string_equal(admin.name, "Navoiy Region");
  /* The radius covers the unit: Navoiy city lies inside it. */
  assert_true(admin.radius_km > 1);
  /* A fallback says less than a match. */
  struct om_gc_result matched;
  geocode(fx->gc, "Navoiy, Uzbekistan", &matched);
  assert_int_equal(matched.status, OM_GC_STATUS_MATCHED);
  assert_true(admin.score < matched.score);
  assert_true(country.score < matched.score);
}

static void test_generic_words(void **state)
{
  struct fixture *fx = *state;
  expect(fx, "Red Sea State, Sudan", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_ADMIN1, OM_GC_MATCH_EXACT,
         408646, "SD");
  /* "Navoi Region" is the gazetteer's "Navoiy Region" one letter off.  The city Navoiy is
   * also called "Navoi", but the text names a region: never the finer city. */
  expect(fx, "Navoi Region, Uzbekistan", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_ADMIN1,
         OM_GC_MATCH_FUZZY, 1513156, "UZ");
  expect(fx, "Navoi, Uzbekistan", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_ALTERNATE, 1513157, "UZ");
}

static void test_hierarchy_trap(void **state)
{
  struct fixture *fx = *state;
  /* Older reports put Kızılcaören in Sivrihisar district; it is in Beylikova. */
  struct om_gc_result right, trap;
  geocode(fx->gc, "Kızılcaören, Beylikova, Eskişehir", &right);
  geocode(fx->gc, "Kızılcaören, Sivrihisar, Eskişehir", &trap);
  assert_int_equal(right.geonameid, 745001);
  assert_int_equal(trap.geonameid, 745001);
  assert_true(trap.score < right.score);
}

static void test_fuzzy(void **state)
{
  struct fixture *fx = *state;
  expect(fx, "Beylikva, Eskişehir", OM_GC_STATUS_MATCHED, OM_GC_LEVEL_LOCALITY,
         OM_GC_MATCH_FUZZY, 321219, "TR");
  struct om_gc_result exact, fuzzy;
  geocode(fx->gc, "Beylikova, Eskişehir", &exact);
  geocode(fx->gc, "Beylikva, Eskişehir", &fuzzy);
  assert_true(fuzzy.score < exact.score);
  /* Fuzzy only when nothing matches exactly, and never on short names. */
  struct om_gc_result r;
  geocode(fx->gc, "Niamy", &r);
  assert_int_equal(r.geonameid, 2440485);
  geocode(fx->gc, "Nia", &r);
  assert_int_equal(r.status, OM_GC_STATUS_UNMATCHED);
}

static void test_unmatched(void **state)
{
  struct fixture *fx = *state;
  struct om_gc_result r;
  geocode(fx->gc, "Atlantis, Oceanus", &r);
  assert_int_equal(r.status, OM_GC_STATUS_UNMATCHED);
  assert_true(isnan(r.lat));
  assert_non_null(strstr(r.detail, "Atlantis, Oceanus"));
  /* The closest names are suggested. */
  geocode(fx->gc, "Karkxyz, Wrongland", &r);
  assert_int_equal(r.status, OM_GC_STATUS_UNMATCHED);
  assert_non_null(strstr(r.detail, "Karkın"));
  geocode(fx->gc, " , ", &r);
  assert_int_equal(r.status, OM_GC_STATUS_UNMATCHED);
}

static void test_min_score(void **state)
{
  struct fixture *fx = *state;
  struct om_geocoder *strict = NULL;
  struct om_diag d;
  om_diag_init(&d);
  struct om_geocoder_opts o = {.min_score = 0.7};
  assert_int_equal(om_geocoder_new(&strict, fx->g, &o, &d), 0);
  struct om_gc_result r;
  geocode(strict, "Koulbaga 1, Niger", &r);
  assert_int_equal(r.status, OM_GC_STATUS_UNMATCHED);
  assert_non_null(strstr(r.detail, "below min_score"));
  geocode(strict, "Beylikova, Eskişehir, Türkiye", &r);
  assert_int_equal(r.status, OM_GC_STATUS_MATCHED);
  om_geocoder_free(strict);
}

static void test_overrides(void **state)
{
  struct fixture *fx = *state;
  const char *csv = "key,lat,lon,geonameid,note,radius_km\n"
                    "NE-001,14.2,1.45,,licence sketch from the agreement,25\n"
                    "\"KOULBAGA 2 , niger\",,,2439376,district seat of Tillabéri,\n";
  char *path = test_write_file(fx->dir, "overrides.csv", csv, strlen(csv));
  struct om_gc_overrides *ov = NULL;
  struct om_diag d;
  om_diag_init(&d);
  if (om_gc_overrides_load(&ov, path, fx->g, &d) < 0)
    fail_msg("%s", d.msg);
  struct om_geocoder *gc = NULL;
  struct om_geocoder_opts o = {.overrides = ov};
  assert_int_equal(om_geocoder_new(&gc, fx->g, &o, &d), 0);
  const char *parts[] = {"Koulbaga 1", "Niger"};
  struct om_gc_result r;
  assert_int_equal(om_geocode(gc, parts, 2, "NE-001", &r), 0);
  assert_int_equal(r.status, OM_GC_STATUS_OVERRIDE);
  assert_int_equal(r.match, OM_GC_MATCH_OVERRIDE);
  assert_true(fabs(r.lat - 14.2) < 1e-9 && r.radius_km == 25);
  const char *q2[] = {"Koulbaga 2", "Niger"};
  assert_int_equal(om_geocode(gc, q2, 2, "NE-002", &r), 0);
  assert_int_equal(r.status, OM_GC_STATUS_OVERRIDE);
  assert_int_equal(r.geonameid, 2439376);
  assert_string_equal(r.country, "NE");
  om_geocoder_free(gc);
  om_gc_overrides_free(ov);

  /* A bad row names its line and field. */
  const char *bad = "key,lat,lon\nX,95,10\n";
  char *bad_path = test_write_file(fx->dir, "bad.csv", bad, strlen(bad));
  assert_int_equal(om_gc_overrides_load(&ov, bad_path, fx->g, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, ":2:"));
  assert_non_null(strstr(d.msg, "'lat'"));
  free(bad_path);
  free(path);
}

static void test_cache_same_answer(void **state)
{
  struct fixture *fx = *state;
  struct om_gc_result a, b;
  geocode(fx->gc, "Port Sudan, Red Sea, Sudan", &a);
  geocode(fx->gc, "PORT SUDAN, RED SEA, SUDAN", &b);
  assert_int_equal(a.geonameid, 377039);
  assert_int_equal(b.geonameid, 377039);
  assert_true(a.score == b.score);
}

static void test_template(void **state)
{
  (void)state;
  const char *names[] = {"id", "name", "province", "country"};
  struct om_gc_template *t = NULL;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_gc_template_new(&t, "{name}, {province} province, {country}", names, 4,
                                      "x.yaml:3", &d),
                   0);
  assert_true(om_gc_template_uses(t, 1) && !om_gc_template_uses(t, 0));
  const char *values[] = {"7", "Okçu, Karkın", NULL, "TR"};
  char buf[256];
  const char *parts[OM_GC_MAX_PARTS];
  size_t n = om_gc_template_render(t, values, 4, buf, sizeof buf, parts);
  assert_int_equal(n, 2); /* the empty province is dropped, its literal with it */
  assert_string_equal(parts[0], "Okçu  Karkın");
  assert_string_equal(parts[1], "TR");
  om_gc_template_free(t);
  assert_int_equal(om_gc_template_new(&t, "{name}, {region}", names, 4, "x.yaml:3", &d),
                   OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "x.yaml:3"));
  assert_non_null(strstr(d.msg, "'region'"));
  assert_int_equal(om_gc_template_new(&t, "{name", names, 4, "x.yaml:3", &d), OM_EMANIFEST);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_structured_exact),
      cmocka_unit_test(test_spellings_meet),
      cmocka_unit_test(test_exonyms),
      cmocka_unit_test(test_country_before_namesake_unit),
      cmocka_unit_test(test_fallbacks),
      cmocka_unit_test(test_generic_words),
      cmocka_unit_test(test_hierarchy_trap),
      cmocka_unit_test(test_fuzzy),
      cmocka_unit_test(test_unmatched),
      cmocka_unit_test(test_min_score),
      cmocka_unit_test(test_overrides),
      cmocka_unit_test(test_cache_same_answer),
      cmocka_unit_test(test_template),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
