/*
 * Fuzzy lookup on an index large enough that its ways in differ: a lookup
 * limited to a unit scans the unit's own keys, an unlimited one goes by
 * trigram lists or by key length.  Whatever way it takes, a limited lookup
 * must find exactly the entries an unlimited one finds inside the unit,
 * at the same distances.  Also: asking which of many keys the index
 * holds, and the error an index of the previous format gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gazetteer/gazetteer.h"
#include "support.h"

#define NPLACES 20000
#define MAX_HITS 4096

static const char *const syllables[] = {"ka", "ri", "ol", "men", "su", "ta", "bel", "yu",
                                        "der", "an", "koy", "is", "zu", "pe", "gor", "ham",
                                        "vi", "ex", "bu", "ne", "jo", "fa", "lic", "wo"};
#define NSYL (sizeof syllables / sizeof syllables[0])

static uint64_t rng;
static uint64_t next_random(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Place i's name: two to four syllables, a second word now and then. */
static void place_name(char *out, size_t size, int i)
{
  uint64_t r = (uint64_t)i * 2654435761u + 12345;
  size_t n = 0, nsyl = 2 + r % 3;
  for (size_t s = 0; s < nsyl && n + 8 < size; s++) {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    n += (size_t)snprintf(out + n, size - n, "%s", syllables[(r >> 33) % NSYL]);
  }
  if (i % 7 == 0 && n + 8 < size)
    n += (size_t)snprintf(out + n, size - n, " %s", i % 2 ? "yeni" : "eski");
  out[0] = (char)(out[0] - 32);
}

static size_t row(char *t, size_t cap, int id, const char *name, const char *fcode,
                  const char *cc, const char *a1, const char *a2)
{
  return (size_t)snprintf(t, cap,
                          "%d\t%s\t%s\t\t%d.5\t%d.25\t%c\t%s\t%s\t\t%s\t%s\t\t\t%d\t\t0\t"
                          "UTC\t2024-01-01\n",
                          id, name, name, 30 + id % 20, 30 + id % 40,
                          fcode[0] == 'P' && fcode[1] == 'P' ? 'P' : 'A', fcode, cc, a1, a2,
                          id % 1000);
}

/* Two countries, nine admin-1 units (some with admin-2 units), NPLACES places among them. */
static char *write_places(const char *dir)
{
  size_t cap = (size_t)NPLACES * 160 + 8192, len = 0;
  char *t = malloc(cap);
  assert_non_null(t);
  const char *cc[] = {"TR", "UZ"};
  len += row(t + len, cap - len, 1, "Turkey", "PCLI", "TR", "00", "");
  len += row(t + len, cap - len, 2, "Uzbekistan", "PCLI", "UZ", "00", "");
  for (int a = 1; a <= 9; a++) {
    char code[8], name[32];
    snprintf(code, sizeof code, "%02d", a);
    snprintf(name, sizeof name, "Unit %c", 'A' + a);
    len += row(t + len, cap - len, 10 + a, name, "ADM1", cc[a % 2], code, "");
    for (int b = 1; b <= 3 && a % 3 != 0; b++) {
      char code2[8], name2[32];
      snprintf(code2, sizeof code2, "%d", b);
      snprintf(name2, sizeof name2, "District %c%d", 'A' + a, b);
      len += row(t + len, cap - len, 100 + 10 * a + b, name2, "ADM2", cc[a % 2], code, code2);
    }
  }
  for (int i = 1; i <= NPLACES; i++) {
    char name[64], code[8], code2[8];
    place_name(name, sizeof name, i);
    int a = 1 + i % 9;
    snprintf(code, sizeof code, "%02d", a);
    snprintf(code2, sizeof code2, "%d", 1 + i % 4);
    bool has_a2 = a % 3 != 0 && i % 4 != 3;
    len += row(t + len, cap - len, 1000 + i, name, i % 5 ? "PPL" : "PPLA2", cc[a % 2], code,
               has_a2 ? code2 : "");
  }
  char *p = test_write_file(dir, "allCountries.txt", t, len);
  free(t);
  return p;
}

static char *dir, *index_path;
static struct om_gazetteer *gz;

static int setup(void **state)
{
  (void)state;
  dir = test_tmpdir("gazetteer-fuzzy-scopes"); /* unique: ctest runs the programs in parallel */
  char *places = write_places(dir);
  const char *const list[] = {places};
  index_path = test_write_file(dir, "f.gaz", "", 0);
  struct om_gaz_build_opts o = {.output = index_path, .nplaces = 1, .places = list};
  struct om_diag d;
  om_diag_init(&d);
  struct om_gaz_build_stats st;
  if (om_gazetteer_build(&o, &st, &d) != 0)
    fail_msg("build failed: %s", d.msg);
  free(places);
  om_diag_init(&d);
  if (om_gazetteer_open(&gz, index_path, &d) != 0)
    fail_msg("open failed: %s", d.msg);
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

/* Whether entry e lies in scope s (levels included). */
static bool in_scope(uint32_t e, const struct om_gaz_scope *s)
{
  struct om_gaz_entry x;
  assert_int_equal(om_gazetteer_entry(gz, e, &x), 0);
  if (s->levels && !(s->levels & OM_GAZ_LEVEL_BIT(x.level)))
    return false;
  return (s->country == OM_GAZ_NONE || x.country_id == s->country) &&
         (s->admin1 == OM_GAZ_NONE || x.admin1 == s->admin1) &&
         (s->admin2 == OM_GAZ_NONE || x.admin2 == s->admin2);
}

static int cmp_hit(const void *a, const void *b)
{
  const struct om_gaz_hit *x = a, *y = b;
  return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* The name of place i with one or two random edits, as a key. */
static size_t typo_key(char *out, size_t size, int i, unsigned edits)
{
  char name[64];
  place_name(name, sizeof name, i);
  size_t n = strlen(name);
  for (size_t k = 0; k < n; k++)
    name[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
  for (unsigned e = 0; e < edits && n > 3; e++) {
    size_t at = 1 + next_random() % (n - 2);
    switch (next_random() % 4) {
    case 0: name[at] = "aeiklmnorstuy"[next_random() % 13]; break;
    case 1: memmove(name + at, name + at + 1, n - at); n--; break;
    case 2: memmove(name + at + 1, name + at, n - at + 1); name[at] = 'e'; n++; break;
    default: { char c = name[at]; name[at] = name[at + 1]; name[at + 1] = c; }
    }
  }
  snprintf(out, size, "%s", name);
  return strlen(out);
}

static void test_scoped_equals_filtered(void **state)
{
  (void)state;
  rng = 0x9e3779b97f4a7c15ull;
  /* Every unit, the whole countries, and level masks that do and do not take every deeper level. */
  uint32_t units[64];
  size_t nunits = 0;
  for (uint32_t e = 0; e < om_gazetteer_count(gz) && nunits < 64; e++) {
    struct om_gaz_entry x;
    om_gazetteer_entry(gz, e, &x);
    if (x.level != OM_GAZ_PLACE)
      units[nunits++] = e;
  }
  assert_true(nunits > 20);
  const unsigned masks[] = {0, OM_GAZ_LEVEL_BIT(OM_GAZ_PLACE),
                            OM_GAZ_LEVEL_BIT(OM_GAZ_ADMIN2) | OM_GAZ_LEVEL_BIT(OM_GAZ_PLACE),
                            OM_GAZ_LEVEL_BIT(OM_GAZ_ADMIN1) | OM_GAZ_LEVEL_BIT(OM_GAZ_ADMIN2)};
  static struct om_gaz_hit all[MAX_HITS], part[MAX_HITS], want[MAX_HITS];
  size_t compared = 0, nonempty = 0;
  for (int q = 0; q < 60; q++) {
    char key[80];
    unsigned edits = 1 + (unsigned)(q % 2);
    size_t klen = typo_key(key, sizeof key, 1 + (int)(next_random() % NPLACES), edits);
    size_t nall = om_gazetteer_fuzzy(gz, key, klen, edits, NULL, all, MAX_HITS);
    assert_true(nall < MAX_HITS);
    for (size_t i = 1; i < nall; i++)
      assert_true(all[i - 1].distance <= all[i].distance);
    for (size_t u = 0; u < nunits; u++) {
      struct om_gaz_entry x;
      om_gazetteer_entry(gz, units[u], &x);
      for (size_t m = 0; m < sizeof masks / sizeof *masks; m++) {
        struct om_gaz_scope s = {masks[m], x.country_id, OM_GAZ_NONE, OM_GAZ_NONE};
        if (x.level >= OM_GAZ_ADMIN1)
          s.admin1 = x.admin1;
        if (x.level >= OM_GAZ_ADMIN2)
          s.admin2 = x.admin2;
        size_t nwant = 0;
        for (size_t i = 0; i < nall; i++)
          if (in_scope(all[i].entry, &s))
            want[nwant++] = all[i];
        size_t n = om_gazetteer_fuzzy(gz, key, klen, edits, &s, part, MAX_HITS);
        if (n != nwant)
          fail_msg("'%s' in unit %u, levels %#x: %zu hits, %zu expected", key, units[u],
                   masks[m], n, nwant);
        qsort(part, n, sizeof *part, cmp_hit);
        qsort(want, nwant, sizeof *want, cmp_hit);
        for (size_t i = 0; i < n; i++) {
          assert_int_equal(part[i].entry, want[i].entry);
          assert_int_equal(part[i].distance, want[i].distance);
          assert_int_equal(part[i].kind, want[i].kind);
        }
        compared++;
        nonempty += n > 0;
      }
    }
  }
  /* The comparison means something only if many scoped lookups found places. */
  assert_true(nonempty > compared / 20);
}

static void test_known(void **state)
{
  (void)state;
  /* More keys than one batch, present and absent in turn. */
  char text[80][32];
  const char *keys[80];
  size_t lens[80];
  bool known[80];
  for (int i = 0; i < 80; i++) {
    place_name(text[i], sizeof text[i], 1 + i * 37);
    for (char *c = text[i]; *c; c++)
      *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    if (i % 2)
      strcat(text[i], "qq");
    keys[i] = text[i];
    lens[i] = strlen(text[i]);
  }
  assert_int_equal(om_gazetteer_known(known, gz, keys, lens, 80), 40);
  for (int i = 0; i < 80; i++)
    assert_int_equal(known[i], i % 2 == 0);
  assert_int_equal(om_gazetteer_known(known, gz, keys, lens, 0), 0);
}

/* An index written before the unit scans kept their signatures asks to be rebuilt. */
static void test_previous_format(void **state)
{
  (void)state;
  size_t len;
  char *bytes = test_read_file(index_path, &len);
  assert_non_null(bytes);
  uint32_t version = 3;
  memcpy(bytes + 8, &version, sizeof version);
  char *p = test_write_file(dir, "v3.gaz", bytes, len);
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g = NULL;
  assert_int_equal(om_gazetteer_open(&g, p, &d), OM_EIO);
  assert_null(g);
  assert_non_null(strstr(d.msg, "v3.gaz"));
  assert_non_null(strstr(d.msg, "an older index format (rebuild it)"));
  free(p);
  free(bytes);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scoped_equals_filtered),
      cmocka_unit_test(test_known),
      cmocka_unit_test(test_previous_format),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
