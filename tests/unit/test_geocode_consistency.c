/*
 * Self-consistency of the geocoder on the built-in gazetteer: places taken
 * from the gazetteer itself, written the ways registers write them (ASCII
 * folded, upper case, dotted and dotless i swapped, one typo, the province
 * and country spelled otherwise), must come back to the same GeoNames id
 * in at least 97% of cases; and a query that names only a unit ("Eskişehir
 * Province, TR") never comes back as a town.
 *
 * Places whose name is shared by another place of the same admin-1 unit
 * are left out: "Yeniköy, Eskişehir" names several villages, and no
 * geocoder can tell which one a register meant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strset.h"
#include "geocode/geocode.h"
#include "text/normalize.h"

#define SAMPLE 3000

enum variant { V_AS_IS, V_ASCII, V_UPPER, V_DOTLESS, V_TYPO, V_OTHER_UNITS, V__COUNT };
static const char *const variant_names[] = {"as written", "ASCII-folded", "upper case",
                                            "dotless i", "one typo", "units spelt otherwise"};

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Upper case the Turkish way for i (i -> İ, ı -> I), ASCII letters otherwise. */
static void upper(char *out, size_t size, const char *s)
{
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p && n + 3 < size; p++) {
    if (*p == 'i') {
      memcpy(out + n, "\xc4\xb0", 2); /* İ */
      n += 2;
    } else if (p[0] == 0xc4 && p[1] == 0xb1) { /* ı */
      out[n++] = 'I';
      p++;
    } else {
      out[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    }
  }
  out[n] = 0;
}

/* Every ASCII i written as dotless ı. */
static void dotless(char *out, size_t size, const char *s)
{
  size_t n = 0;
  for (const char *p = s; *p && n + 3 < size; p++) {
    if (*p == 'i') {
      memcpy(out + n, "\xc4\xb1", 2);
      n += 2;
    } else {
      out[n++] = *p;
    }
  }
  out[n] = 0;
}

/* Two neighbouring ASCII letters swapped inside the name (a typo). */
static void typo(char *out, size_t size, const char *s)
{
  snprintf(out, size, "%s", s);
  size_t n = strlen(out);
  for (size_t tries = 0; tries < 8 && n > 5; tries++) {
    size_t i = 1 + next_random() % (n - 3);
    unsigned char a = (unsigned char)out[i], b = (unsigned char)out[i + 1];
    if (a < 0x80 && b < 0x80 && a != b && a != ' ' && b != ' ') {
      out[i] = (char)b;
      out[i + 1] = (char)a;
      return;
    }
  }
}

static void ascii(char *out, size_t size, const char *s)
{
  if (om_normalize_into(out, size, s, strlen(s), OM_NORM_MARKS) < 0)
    snprintf(out, size, "%s", s);
}

/* The places of one admin-1 unit that share a key with another. */
static bool ambiguous(struct om_strset *seen, struct om_strset *dup, const struct om_gaz_entry *e,
                      bool record)
{
  char key[600], k[512];
  if (om_normalize_into(k, sizeof k, e->name, strlen(e->name), OM_NORM_KEY) < 0)
    return true;
  snprintf(key, sizeof key, "%u|%s", e->admin1, k);
  if (record) {
    if (om_strset_add(seen, key) == 0)
      om_strset_add(dup, key);
    return false;
  }
  return om_strset_contains(dup, key);
}

static void test_variants_come_back(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g = NULL;
  if (om_gazetteer_open(&g, OREMAP_DEFAULT_GAZETTEER, &d) < 0)
    fail_msg("%s", d.msg);
  struct om_geocoder *gc = NULL;
  assert_int_equal(om_geocoder_new(&gc, g, NULL, &d), 0);

  size_t n = om_gazetteer_count(g);
  struct om_strset seen, dup;
  om_strset_init(&seen);
  om_strset_init(&dup);
  struct om_gaz_entry e, a, c;
  for (uint32_t id = 0; id < n; id++)
    if (om_gazetteer_entry(g, id, &e) == 0 && e.level == OM_GAZ_PLACE)
      ambiguous(&seen, &dup, &e, true);

  long tried[V__COUNT] = {0}, same[V__COUNT] = {0}, finer = 0, left_out = 0;
  for (int k = 0; k < SAMPLE; k++) {
    uint32_t id = (uint32_t)(next_random() % n);
    if (om_gazetteer_entry(g, id, &e) < 0 || e.level != OM_GAZ_PLACE || e.geonameid <= 0 ||
        e.geonameid >= OM_GAZ_LOCAL_ID_MIN || e.admin1 == OM_GAZ_NONE ||
        om_gazetteer_entry(g, e.admin1, &a) < 0 || om_gazetteer_entry(g, e.country_id, &c) < 0) {
      k--;
      continue;
    }
    if (ambiguous(&seen, &dup, &e, false)) {
      left_out++;
      k--;
      continue;
    }
    enum variant v = (enum variant)(k % V__COUNT);
    char name[512], admin[512], country[512];
    snprintf(name, sizeof name, "%s", e.name);
    snprintf(admin, sizeof admin, "%s", a.name);
    snprintf(country, sizeof country, "%s", c.name);
    switch (v) {
    case V_AS_IS: break;
    case V_ASCII: ascii(name, sizeof name, e.name); ascii(admin, sizeof admin, a.name); break;
    case V_UPPER: upper(name, sizeof name, e.name); upper(admin, sizeof admin, a.name); break;
    case V_DOTLESS: dotless(name, sizeof name, e.name); break;
    case V_TYPO: typo(name, sizeof name, e.name); break;
    case V_OTHER_UNITS:
      upper(admin, sizeof admin, a.name);
      snprintf(country, sizeof country, "%s", e.country); /* the ISO code */
      break;
    case V__COUNT: break;
    }
    const char *parts[] = {name, admin, country};
    struct om_gc_result r;
    assert_int_equal(om_geocode(gc, parts, 3, NULL, &r), 0);
    tried[v]++;
    if (r.geonameid == e.geonameid)
      same[v]++;
    /* The unit alone, called a province, must never come back as a town. */
    char unit[600];
    snprintf(unit, sizeof unit, "%s Province", a.name);
    const char *coarse[] = {unit, country};
    assert_int_equal(om_geocode(gc, coarse, 2, NULL, &r), 0);
    if (r.status != OM_GC_STATUS_UNMATCHED && r.level == OM_GC_LEVEL_LOCALITY) {
      if (finer++ < 5)
        print_message("'%s, %s' came back as the town '%s'\n", unit, country, r.name);
    }
  }
  long all = 0, ok = 0;
  for (int v = 0; v < V__COUNT; v++) {
    print_message("%-22s %5ld of %5ld back to their GeoNames id (%.1f%%)\n", variant_names[v],
                  same[v], tried[v], 100.0 * (double)same[v] / (double)tried[v]);
    all += tried[v];
    ok += same[v];
  }
  print_message("all                    %5ld of %5ld (%.2f%%); %ld names shared within their "
                "admin-1 unit left out\n",
                ok, all, 100.0 * (double)ok / (double)all, left_out);
  assert_true(100 * ok >= 97 * all);
  assert_int_equal(finer, 0);
  om_strset_release(&seen);
  om_strset_release(&dup);
  om_geocoder_free(gc);
  om_gazetteer_close(g);
}

int main(void)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_variants_come_back)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
