/* Normalised keys for place names and joins: spellings that must meet, and the flags one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/normalize.h"

/* Check that normalising s with flags gives want, by both entry points and both paths. */
static void expect_flags(const char *s, int flags, const char *want)
{
  char buf[512];
  char *got = om_normalize(s, strlen(s), flags);
  snprintf(buf, sizeof buf, "%s", got ? got : "(NULL)");
  bool made = got != NULL;
  free(got);
  if (!made || strcmp(buf, want) != 0)
    fail_msg("'%s' (flags %d): '%s', expected '%s'", s, flags, buf, want);

  ssize_t n = om_normalize_into(buf, sizeof buf, s, strlen(s), flags);
  assert_int_equal(n, (ssize_t)strlen(want));
  assert_string_equal(buf, want);
  n = om_normalize_into_slow(buf, sizeof buf, s, strlen(s), flags);
  assert_int_equal(n, (ssize_t)strlen(want));
  assert_string_equal(buf, want);
}

static void expect_key(const char *s, const char *want)
{
  expect_flags(s, OM_NORM_KEY, want);
}

static void test_turkish_spellings_meet(void **state)
{
  (void)state;
  expect_key("Kızılcaören", "kizilcaoren");
  expect_key("KIZILCAÖREN", "kizilcaoren");
  expect_key("Kizilcaoren", "kizilcaoren");
  expect_key("KİZİLCAÖREN", "kizilcaoren");
  expect_key("KİZİLCAOREN", "kizilcaoren");
  expect_key("Kızılcao\xCC\x88ren", "kizilcaoren"); /* ö as o + U+0308 (NFD) */

  /* a Turkish-locale lower-casing would give "ısparta" */
  expect_key("ISPARTA", "isparta");
  expect_flags("ISPARTA", OM_NORM_CASE, "isparta");

  expect_key("İstanbul", "istanbul");
  expect_key("ISTANBUL", "istanbul");
  expect_key("istanbul", "istanbul");
  expect_key("İSTANBUL", "istanbul");
  expect_key("ıstanbul", "istanbul");

  expect_key("Eskişehir", "eskisehir");
  expect_key("ESKİŞEHİR", "eskisehir");
  expect_key("Eskisehir", "eskisehir");
  expect_key("ESKISEHIR", "eskisehir");
  expect_key("Çağlayan", "caglayan");
  expect_key("ÇAĞLAYAN", "caglayan");
}

/* Case-only folding keeps marks but still lets the four i's meet (normalize.h). */
static void test_case_only(void **state)
{
  (void)state;
  const char *istanbul[] = {"İstanbul", "ISTANBUL", "istanbul", "İSTANBUL", "ıstanbul",
                            "I\xCC\x87stanbul", "i\xCC\x87stanbul"};
  for (size_t i = 0; i < sizeof istanbul / sizeof istanbul[0]; i++)
    expect_flags(istanbul[i], OM_NORM_CASE, "istanbul");
  /* marks stay, in NFKD */
  expect_flags("Kızılcaören", OM_NORM_CASE, "kizilcao\xCC\x88ren");
  expect_flags("KIZILCAÖREN", OM_NORM_CASE, "kizilcao\xCC\x88ren");
  expect_flags("Eskişehir", OM_NORM_CASE, "eskis\xCC\xA7" "ehir");
  expect_flags("ESKİŞEHİR", OM_NORM_CASE, "eskis\xCC\xA7" "ehir");
  /* Unicode's fold of ß; ł has no fold to l without MARKS */
  expect_flags("Straße", OM_NORM_CASE, "strasse");
  expect_flags("ŁÓDŹ", OM_NORM_CASE, "\xC5\x82o\xCC\x81" "dz\xCC\x81");
  expect_flags("Ørsted", OM_NORM_CASE, "ørsted");
  /* punctuation and spacing untouched */
  expect_flags("Aydim-Jetimtau", OM_NORM_CASE, "aydim-jetimtau");
  expect_flags(" O'zbekiston  X ", OM_NORM_CASE, " o'zbekiston  x ");
  /* a dot above that is not the one of İ stays: another mark above comes first */
  expect_flags("i\xCC\x81\xCC\x87", OM_NORM_CASE, "i\xCC\x81\xCC\x87");
}

static void test_letters_that_do_not_decompose(void **state)
{
  (void)state;
  expect_key("Straße", "strasse");
  expect_key("STRASSE", "strasse");
  expect_key("Łódź", "lodz");
  expect_key("ŁÓDŹ", "lodz");
  expect_key("Ørsted", "orsted");
  expect_key("Đakovo", "dakovo");
  expect_key("ĐAKOVO", "dakovo");
  expect_key("Æbeltoft", "aebeltoft");
  expect_key("Œuvre", "oeuvre");
  expect_key("Þingvellir", "thingvellir");
  expect_key("Ðórshöfn", "dorshofn");
  expect_key("Ħamrun", "hamrun");
  expect_key("Ǿrsted", "orsted"); /* ø + acute: decomposes to ø first */

  /* without CASE the spelling keeps the case */
  expect_flags("Æbeltoft", OM_NORM_MARKS, "AEbeltoft");
  expect_flags("Łódź", OM_NORM_MARKS, "Lodz");
  expect_flags("Straße", OM_NORM_MARKS, "Strasse");
  expect_flags("GROẞE", OM_NORM_MARKS, "GROSSE");
  expect_flags("Kızılcaören", OM_NORM_MARKS, "Kizilcaoren");
  expect_flags("İzmir", OM_NORM_MARKS, "Izmir");
}

static void test_apostrophes(void **state)
{
  (void)state;
  const char *uz[] = {"Oʻzbekiston", "O'zbekiston", "Ozbekiston", "O’zbekiston",
                      "Oʼzbekiston", "O‘zbekiston", "O`zbekiston", "O´zbekiston",
                      "OʻZBEKISTON", "O＇zbekiston"};
  for (size_t i = 0; i < sizeof uz / sizeof uz[0]; i++)
    expect_key(uz[i], "ozbekiston");
  expect_key("Gʻijduvon", "gijduvon");
  expect_key("Côte d’Ivoire", "cote divoire");
  expect_key("Ṣanʿāʾ", "sana");
  expect_key("Sana’a", "sanaa");
  expect_key("Paral·lel", "parallel");
}

static void test_punctuation_and_space(void **state)
{
  (void)state;
  expect_key("Aydim-Jetimtau", "aydim jetimtau");
  expect_key("Aydim – Jetimtau", "aydim jetimtau"); /* en dash */
  expect_key("Aydim—Jetimtau", "aydim jetimtau");   /* em dash */
  expect_key("Aydim\xE2\x80\x90Jetimtau", "aydim jetimtau"); /* U+2010 hyphen */
  expect_key("  Red   Sea   State ", "red sea state");
  expect_key("\tRed\xC2\xA0Sea\xE3\x80\x80State\n", "red sea state"); /* NBSP, ideographic space */
  expect_key("Dares Salam 2", "dares salam 2");
  expect_key("St. John's (Newfoundland)", "st johns newfoundland");
  expect_key("A/B & C+D", "a b c d");
  expect_key("«Москва»", "москва");
  expect_key("¿Dónde?", "donde");
  expect_key("Tokyo\xC2\xAD" "to", "tokyoto"); /* soft hyphen: default ignorable */
  expect_key("Tok\xE2\x80\x8Byo", "tokyo");    /* zero-width space */
  expect_key("", "");
  expect_key("  - ' / ", "");
  expect_key("Route ①", "route 1"); /* NFKD: circled digits are digits */
  expect_key("Louis Ⅻ", "louis xii");

  /* the flags one at a time */
  expect_flags("a--b  c", OM_NORM_PUNCT, "a  b  c");
  expect_flags("a - b\t\tc ", OM_NORM_SPACE, "a - b c");
  expect_flags(" A-B ", OM_NORM_PUNCT | OM_NORM_SPACE, "A B");
  expect_flags("O'zbekiston", OM_NORM_SPACE, "O'zbekiston");
  expect_flags("Ｔｏｋｙｏ", 0, "Tokyo");
  expect_flags("é", 0, "e\xCC\x81");
  expect_flags("é", OM_NORM_MARKS, "e");
}

static void test_other_scripts(void **state)
{
  (void)state;
  expect_key("Ташкент", "ташкент");
  expect_key("ТАШКЕНТ", "ташкент");
  expect_key("Йошкар-Ола", "иошкар ола"); /* Й is И + breve in NFD; MARKS strips it */
  expect_flags("Йошкар-Ола", OM_NORM_CASE, "и\xCC\x86ошкар-ола");
  expect_key("القاهرة", "القاهرة");
  expect_key("الرياض", "الرياض");
  expect_key("مُحَمَّد", "محمد"); /* harakat are marks */
  expect_key("Αθήνα", "αθηνα");
  expect_key("ΑΘΗΝΑ", "αθηνα");
  expect_key("東京", "東京");
  expect_key("Ｔｏｋｙｏ", "tokyo");
  expect_key("ＴＯＫＹＯ　２", "tokyo 2");
  expect_key("ﬁnland", "finland");
}

static void test_invalid_utf8(void **state)
{
  (void)state;
  static const struct {
    const char *s;
    size_t len;
  } bad[] = {
    {"\xC3", 1},                 /* truncated */
    {"Kayseri\xC3", 8},          /* truncated at the end */
    {"\xC3\x28", 2},             /* bad continuation */
    {"\xC0\xAF", 2},             /* overlong '/' */
    {"\xE0\x80\xAF", 3},         /* overlong */
    {"\xED\xA0\x80", 3},         /* surrogate */
    {"\xF4\x90\x80\x80", 4},     /* above U+10FFFF */
    {"\xFF", 1},
    {"\x80", 1},                 /* lone continuation */
    {"Van\0Gölü", 9},            /* NUL inside */
    {"\xDD" "ISPARTA", 8},       /* CP1254 İ */
  };
  char buf[64];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    for (int flags = 0; flags <= OM_NORM_KEY; flags++) {
      char *got = om_normalize(bad[i].s, bad[i].len, flags);
      if (got)
        fail_msg("bad string %zu (flags %d) gave '%s'", i, flags, got);
      assert_int_equal(om_normalize_into(buf, sizeof buf, bad[i].s, bad[i].len, flags),
                       OM_NORM_EINVALID);
      assert_int_equal(om_normalize_into_slow(buf, sizeof buf, bad[i].s, bad[i].len, flags),
                       OM_NORM_EINVALID);
      /* found even when the key has stopped fitting */
      assert_int_equal(om_normalize_into(buf, 1, bad[i].s, bad[i].len, flags), OM_NORM_EINVALID);
    }
  }
  /* len bounds the text: no NUL needed, none read past */
  char *got = om_normalize("ISPARTA\xC3", 7, OM_NORM_KEY);
  assert_non_null(got);
  assert_string_equal(got, "isparta");
  free(got);
  got = om_normalize(NULL, 0, OM_NORM_KEY);
  assert_non_null(got);
  assert_string_equal(got, "");
  free(got);
}

static void test_buffer_too_small(void **state)
{
  (void)state;
  char buf[16];
  const char *s = "Kızılcaören";
  /* "kizilcaoren" is 11 bytes: 12 with the NUL */
  assert_int_equal(om_normalize_into(buf, 12, s, strlen(s), OM_NORM_KEY), 11);
  assert_string_equal(buf, "kizilcaoren");
  assert_int_equal(om_normalize_into(buf, 11, s, strlen(s), OM_NORM_KEY), OM_NORM_ENOSPACE);
  assert_int_equal(om_normalize_into(buf, 11, s, strlen(s), OM_NORM_KEY), -1);
  assert_int_equal(om_normalize_into(buf, 1, s, strlen(s), OM_NORM_KEY), OM_NORM_ENOSPACE);
  assert_int_equal(om_normalize_into(NULL, 0, s, strlen(s), OM_NORM_KEY), OM_NORM_ENOSPACE);
  assert_int_equal(om_normalize_into(buf, 1, "", 0, OM_NORM_KEY), 0);
  assert_string_equal(buf, "");
  /* a key longer than its text: ß gives ss */
  assert_int_equal(om_normalize_into(buf, 2, "ß", 2, OM_NORM_KEY), OM_NORM_ENOSPACE);
  assert_int_equal(om_normalize_into(buf, 3, "ß", 2, OM_NORM_KEY), 2);
  assert_string_equal(buf, "ss");

  /* om_normalize has no limit: a key of several kilobytes */
  const char *phrase = "\xEF\xB7\xBA"; /* U+FDFA: 18 letters and spaces */
  size_t reps = 400;
  char *text = malloc(reps * 3 + 1);
  assert_non_null(text);
  for (size_t i = 0; i < reps; i++)
    memcpy(text + i * 3, phrase, 3);
  char *key = om_normalize(text, reps * 3, OM_NORM_KEY);
  assert_non_null(key);
  char one[64];
  ssize_t n1 = om_normalize_into(one, sizeof one, phrase, 3, OM_NORM_KEY);
  assert_true(n1 > 20);
  assert_int_equal(strlen(key), reps * (size_t)n1);
  char *big = malloc(reps * 64);
  assert_non_null(big);
  assert_int_equal(om_normalize_into(big, reps * 64, text, reps * 3, OM_NORM_KEY),
                   (ssize_t)strlen(key));
  assert_string_equal(big, key);
  free(big);
  free(key);
  free(text);
}

/* Marks in either canonical order give one key when they are kept. */
static void test_canonical_order(void **state)
{
  (void)state;
  /* dot below (class 220) and dot above (230) in both orders, and precomposed */
  const char *forms[] = {"a\xCC\xA3\xCC\x87", "a\xCC\x87\xCC\xA3", "\xE1\xBA\xA1\xCC\x87",
                         "\xC8\xA7\xCC\xA3"};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    expect_flags(forms[i], 0, "a\xCC\xA3\xCC\x87");
    expect_flags(forms[i], OM_NORM_CASE, "a\xCC\xA3\xCC\x87");
    expect_flags(forms[i], OM_NORM_KEY, "a");
  }
  /* İ with a dot below: either order meets dotless I with the dot below */
  expect_flags("\xC4\xB0\xCC\xA3", OM_NORM_CASE, "i\xCC\xA3");
  expect_flags("I\xCC\xA3\xCC\x87", OM_NORM_CASE, "i\xCC\xA3");
  expect_flags("I\xCC\xA3", OM_NORM_CASE, "i\xCC\xA3");
  /* a mark moved back in a buffer that is then too small */
  char buf[4];
  assert_int_equal(om_normalize_into(buf, sizeof buf, "a\xCC\x87\xCC\xA3", 5, 0),
                   OM_NORM_ENOSPACE);
}

/* Random text from ASCII and a pool of characters that exercise every rule. */
static size_t random_text(char *buf, size_t max_chars, bool ascii_only, unsigned *seed)
{
  static const char *const pool[] = {
    "ı", "İ", "ö", "Ö", "ş", "ğ", "ç", "ł", "Ł", "ø", "Æ", "œ", "þ", "ß", "ẞ", "ð",
    "ʻ", "’", "´", "·", "–", "«", "\xC2\xA0", "\xE3\x80\x80", "\xC2\xAD", "\xE2\x80\x8B",
    "\xCC\x81", "\xCC\x87", "\xCC\xA3", "\xCC\x88", "Ж", "я", "Ά", "ς", "ﻻ", "ً", "東",
    "Ｔ", "①", "ﬁ", "\xEF\xB7\xBA", "\xF0\x9F\x98\x80", "\xE2\x80\xA8", "\xC2\x85",
  };
  size_t chars = (size_t)rand_r(seed) % (max_chars + 1);
  size_t n = 0;
  for (size_t i = 0; i < chars; i++) {
    if (ascii_only || rand_r(seed) % 3 != 0) {
      buf[n++] = (char)(1 + rand_r(seed) % 127);
    } else {
      const char *c = pool[(size_t)rand_r(seed) % (sizeof pool / sizeof pool[0])];
      memcpy(buf + n, c, strlen(c));
      n += strlen(c);
    }
  }
  return n;
}

static void expect_paths_agree(const char *text, size_t len, int flags)
{
  char fast[2048], slow[2048];
  ssize_t nf = om_normalize_into(fast, sizeof fast, text, len, flags);
  ssize_t ns = om_normalize_into_slow(slow, sizeof slow, text, len, flags);
  if (nf != ns || nf < 0 || memcmp(fast, slow, (size_t)nf + 1) != 0)
    fail_msg("flags %d, %zu bytes: fast '%s' (%zd), general '%s' (%zd)", flags, len,
             nf >= 0 ? fast : "", nf, ns >= 0 ? slow : "", ns);
}

static void test_ascii_fast_path(void **state)
{
  (void)state;
  /* every ASCII byte alone and between letters, under every flag set */
  for (int flags = 0; flags <= OM_NORM_KEY; flags++) {
    for (int c = 1; c < 128; c++) {
      char one[4] = {'A', (char)c, 'b', '\0'};
      expect_paths_agree(one + 1, 1, flags);
      expect_paths_agree(one, 3, flags);
    }
  }
  unsigned seed = 20240611;
  char text[64 * 8];
  for (int i = 0; i < 5000; i++) {
    size_t len = random_text(text, 40, true, &seed);
    for (int flags = 0; flags <= OM_NORM_KEY; flags++)
      expect_paths_agree(text, len, flags);
  }
  for (int i = 0; i < 5000; i++) {
    size_t len = random_text(text, 40, false, &seed);
    for (int flags = 0; flags <= OM_NORM_KEY; flags++)
      expect_paths_agree(text, len, flags);
  }
}

/* A key normalised again is the same key, under every flag set. */
static void test_idempotent(void **state)
{
  (void)state;
  unsigned seed = 7;
  char text[64 * 8];
  for (int i = 0; i < 5000; i++) {
    size_t len = random_text(text, 30, false, &seed);
    for (int flags = 0; flags <= OM_NORM_KEY; flags++) {
      char *once = om_normalize(text, len, flags);
      assert_non_null(once);
      char *twice = om_normalize(once, strlen(once), flags);
      assert_non_null(twice);
      if (strcmp(once, twice) != 0)
        fail_msg("flags %d: '%s' then '%s'", flags, once, twice);
      free(twice);
      free(once);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_turkish_spellings_meet),
    cmocka_unit_test(test_case_only),
    cmocka_unit_test(test_letters_that_do_not_decompose),
    cmocka_unit_test(test_apostrophes),
    cmocka_unit_test(test_punctuation_and_space),
    cmocka_unit_test(test_other_scripts),
    cmocka_unit_test(test_invalid_utf8),
    cmocka_unit_test(test_buffer_too_small),
    cmocka_unit_test(test_canonical_order),
    cmocka_unit_test(test_ascii_fast_path),
    cmocka_unit_test(test_idempotent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
