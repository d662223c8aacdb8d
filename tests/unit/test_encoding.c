/* Encoding names, UTF-8 checking and conversion from the single-byte encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "text/encoding.h"

static void expect_encoding(const char *name, enum om_encoding want)
{
  enum om_encoding e = OM_ENCODING_CP1252;
  if (om_encoding_parse(&e, name) != 0)
    fail_msg("'%s' is not understood", name ? name : "(null)");
  if (e != want)
    fail_msg("'%s' is %s, not %s", name ? name : "(null)", om_encoding_name(e),
             om_encoding_name(want));
}

static void test_names(void **state)
{
  (void)state;
  expect_encoding(NULL, OM_ENCODING_UTF8);
  expect_encoding("", OM_ENCODING_UTF8);
  expect_encoding("UTF-8", OM_ENCODING_UTF8);
  expect_encoding("utf8", OM_ENCODING_UTF8);
  expect_encoding("CP1254", OM_ENCODING_CP1254);
  expect_encoding("cp-1254", OM_ENCODING_CP1254);
  expect_encoding("Windows-1254", OM_ENCODING_CP1254);
  expect_encoding("WINDOWS1254", OM_ENCODING_CP1254);
  expect_encoding("ISO-8859-9", OM_ENCODING_ISO8859_9);
  expect_encoding("iso_8859-9", OM_ENCODING_ISO8859_9);
  expect_encoding("ISO8859-9", OM_ENCODING_ISO8859_9);
  expect_encoding("Latin5", OM_ENCODING_ISO8859_9);
  expect_encoding("ISO-8859-1", OM_ENCODING_ISO8859_1);
  expect_encoding("latin-1", OM_ENCODING_ISO8859_1);
  expect_encoding("L1", OM_ENCODING_ISO8859_1);
  expect_encoding("windows-1252", OM_ENCODING_CP1252);
  expect_encoding("Cp1252", OM_ENCODING_CP1252);

  enum om_encoding e;
  assert_int_equal(om_encoding_parse(&e, "ISO-8859-2"), -1);
  assert_int_equal(om_encoding_parse(&e, "Shift_JIS"), -1);
  assert_int_equal(om_encoding_parse(&e, "windows-1254-windows-1254-windows-1254"), -1);
  assert_string_equal(om_encoding_name(OM_ENCODING_ISO8859_9), "ISO-8859-9");
  assert_non_null(strstr(om_encoding_list(), "CP1254 (Windows-1254)"));
}

static void expect_bad_at(const char *s, size_t len, size_t want)
{
  size_t got = om_utf8_check(s, len);
  if (got != want)
    fail_msg("first bad byte of a %zu-byte string: %zu, expected %zu", len, got, want);
}

static void test_utf8_check(void **state)
{
  (void)state;
  const char *ok = "Kızılcaören, Eskişehir, İzmir — 39.6333 N 🪨";
  expect_bad_at(ok, strlen(ok), strlen(ok));
  expect_bad_at("", 0, 0);
  expect_bad_at("plain ASCII that is longer than eight bytes", 43, 43);
  /* Past the eight-byte fast path, and inside it. */
  expect_bad_at("0123456789ab\xc4", 13, 12);              /* truncated at the end */
  expect_bad_at("0123456789\xc4z", 12, 10);               /* bad continuation */
  expect_bad_at("0123456789ab\0cd", 15, 12);              /* NUL */
  expect_bad_at("ab\0", 3, 2);
  expect_bad_at("\xc0\xaf", 2, 0);                        /* overlong '/' */
  expect_bad_at("\xc1\xbf", 2, 0);
  expect_bad_at("a\xe0\x80\xaf", 4, 1);                   /* overlong in three bytes */
  expect_bad_at("ab\xed\xa0\x80", 5, 2);                  /* surrogate U+D800 */
  expect_bad_at("\xed\x9f\xbf", 3, 3);                    /* U+D7FF is fine */
  expect_bad_at("\xf4\x8f\xbf\xbf", 4, 4);                /* U+10FFFF is fine */
  expect_bad_at("\xf4\x90\x80\x80", 4, 0);                /* above U+10FFFF */
  expect_bad_at("\xf0\x8f\xbf\xbf", 4, 0);                /* overlong in four bytes */
  expect_bad_at("\xf5\x80\x80\x80", 4, 0);
  expect_bad_at("x\x80", 2, 1);                           /* stray continuation */
  expect_bad_at("Eski\xfe" "ehir", 9, 4);                 /* CP1254 s-cedilla */
}

static void test_utf8_prefix(void **state)
{
  (void)state;
  assert_int_equal(om_utf8_prefix("abc", 3), 3);
  assert_int_equal(om_utf8_prefix("", 0), 0);
  const char *s = "a\xc4\xb0"; /* aİ */
  assert_int_equal(om_utf8_prefix(s, 2), 1);
  assert_int_equal(om_utf8_prefix(s, 3), 3);
  const char *rock = "x\xf0\x9f\xaa\xa8"; /* x🪨 */
  assert_int_equal(om_utf8_prefix(rock, 2), 1);
  assert_int_equal(om_utf8_prefix(rock, 3), 1);
  assert_int_equal(om_utf8_prefix(rock, 4), 1);
  assert_int_equal(om_utf8_prefix(rock, 5), 5);
  assert_int_equal(om_utf8_prefix("\xfe\xfe", 2), 2); /* not UTF-8: left as it is */
}

/* Convert in (NUL-terminated) and compare with want, or expect a bad byte at 'bad'. */
static void expect_convert(enum om_encoding from, const char *in, const char *want, size_t bad)
{
  struct om_recoder *rc;
  assert_int_equal(om_recoder_new(&rc, from), 0);
  assert_int_equal(om_recoder_encoding(rc), from);
  size_t len = strlen(in);
  char *out = malloc(OM_RECODE_MAX(len) + 1);
  size_t at = 12345;
  size_t n = om_recoder_convert(rc, in, len, out, &at);
  if (want) {
    if (n == (size_t)-1)
      fail_msg("%s: byte %zu does not convert", om_encoding_name(from), at);
    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
  } else {
    assert_int_equal(n, (size_t)-1);
    assert_int_equal(at, bad);
  }
  free(out);
  om_recoder_free(rc);
}

static void test_recode(void **state)
{
  (void)state;
  /* Windows-1254: the Turkish letters, the euro sign, and a hole at 0x81. */
  expect_convert(OM_ENCODING_CP1254, "K\xfdz\xfdlca\xf6ren", "Kızılcaören", 0);
  expect_convert(OM_ENCODING_CP1254, "Eski\xfe" "ehir \xdd" "zmir \xd0\xf0\xde", "Eskişehir İzmir ĞğŞ",
                 0);
  expect_convert(OM_ENCODING_CP1254, "\x80 5", "€ 5", 0);
  expect_convert(OM_ENCODING_CP1254, "ab\x81", NULL, 2);
  /* ISO-8859-9 puts the letters at the same bytes, but 0x80-0x9F are controls. */
  expect_convert(OM_ENCODING_ISO8859_9, "\xdd" "zmir, Eski\xfe" "ehir", "İzmir, Eskişehir", 0);
  expect_convert(OM_ENCODING_ISO8859_9, "x\x80", NULL, 1);
  /* Latin-1 has no Turkish dotless i: 0xFD is ý. */
  expect_convert(OM_ENCODING_ISO8859_1, "K\xfdz \xc7orum", "Kýz Çorum", 0);
  expect_convert(OM_ENCODING_ISO8859_1, "\x93quoted\x94", NULL, 0);
  expect_convert(OM_ENCODING_CP1252, "\x93quoted\x94 \x80", "“quoted” €", 0);
  expect_convert(OM_ENCODING_CP1252, "a\x8d", NULL, 1);
  expect_convert(OM_ENCODING_CP1252, "", "", 0);

  struct om_recoder *rc;
  assert_int_equal(om_recoder_new(&rc, OM_ENCODING_UTF8), OM_EDEP);
  assert_null(rc);
  om_recoder_free(NULL);
}

/* NUL does not convert: it would end the C string early. */
static void test_recode_nul(void **state)
{
  (void)state;
  struct om_recoder *rc;
  assert_int_equal(om_recoder_new(&rc, OM_ENCODING_CP1254), 0);
  char out[16];
  size_t bad = 0;
  assert_int_equal(om_recoder_convert(rc, "ab\0c", 4, out, &bad), (size_t)-1);
  assert_int_equal(bad, 2);
  om_recoder_free(rc);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_utf8_check),
    cmocka_unit_test(test_utf8_prefix),
    cmocka_unit_test(test_recode),
    cmocka_unit_test(test_recode_nul),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
