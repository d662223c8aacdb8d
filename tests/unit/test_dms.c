/*
 * Coordinates as people type them read to the same decimal degrees, and
 * every malformed or undecidable text is rejected with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "locate/dms.h"

#define EPS 1e-9

/* 39°41′12″N 31°12′20″E, the point most cases below spell. */
#define LAT_DMS (39.0 + 41.0 / 60 + 12.0 / 3600)
#define LON_DMS (31.0 + 12.0 / 60 + 20.0 / 3600)

static void check_pair(const char *text, double want_lat, double want_lon)
{
  double lat = NAN, lon = NAN;
  char detail[256];
  enum om_reason why = om_dms_parse_pair(text, &lat, &lon, NULL, detail, sizeof detail);
  if (why != OM_REASON_NONE)
    fail_msg("'%s': %s: %s", text, om_reason_name(why), detail);
  if (fabs(lat - want_lat) > EPS || fabs(lon - want_lon) > EPS)
    fail_msg("'%s': got %.12f %.12f, want %.12f %.12f", text, lat, lon, want_lat, want_lon);
}

/* Expect 'why', and a detail that contains 'needle' (when not NULL). */
static void check_pair_fails(const char *text, enum om_reason want, const char *needle)
{
  double lat = 1234, lon = 5678;
  char detail[256];
  enum om_reason why = om_dms_parse_pair(text, &lat, &lon, NULL, detail, sizeof detail);
  if (why != want)
    fail_msg("'%s': got %s (%s), want %s", text, om_reason_name(why), detail,
             om_reason_name(want));
  assert_true(detail[0] != '\0');
  if (needle && !strstr(detail, needle))
    fail_msg("'%s': detail '%s' lacks '%s'", text, detail, needle);
  /* A rejected text leaves the outputs alone. */
  assert_true(lat == 1234 && lon == 5678);
}

static void check_one(const char *text, double want, char want_axis)
{
  double v = NAN;
  char axis = 0;
  char detail[256];
  enum om_reason why = om_dms_parse_one(text, &v, &axis, detail, sizeof detail);
  if (why != OM_REASON_NONE)
    fail_msg("'%s': %s: %s", text, om_reason_name(why), detail);
  if (fabs(v - want) > EPS || axis != want_axis)
    fail_msg("'%s': got %.12f '%c', want %.12f '%c'", text, v, axis, want, want_axis);
}

static void check_one_fails(const char *text, enum om_reason want, const char *needle)
{
  double v = 1234;
  char axis = 'z';
  char detail[256];
  enum om_reason why = om_dms_parse_one(text, &v, &axis, detail, sizeof detail);
  if (why != want)
    fail_msg("'%s': got %s (%s), want %s", text, om_reason_name(why), detail,
             om_reason_name(want));
  if (needle && !strstr(detail, needle))
    fail_msg("'%s': detail '%s' lacks '%s'", text, detail, needle);
  assert_true(v == 1234 && axis == 'z');
}

static void test_primes_and_quotes(void **state)
{
  (void)state;
  check_pair("39°41′12″N 31°12′20″E", LAT_DMS, LON_DMS);
  check_pair("39°41'12\"N 31°12'20\"E", LAT_DMS, LON_DMS);
  check_pair("39°41'12''N 31°12'20''E", LAT_DMS, LON_DMS);       /* '' as a double prime */
  check_pair("39°41’12”N 31°12’20”E", LAT_DMS, LON_DMS);         /* U+2019, U+201D */
  check_pair("39º41′12″N 31º12′20″E", LAT_DMS, LON_DMS);         /* U+00BA */
  check_pair("39˚41′12″N 31˚12′20″E", LAT_DMS, LON_DMS);         /* U+02DA */
  check_pair("39°41'12.5\" N, 31° 12' 20\" E", LAT_DMS + 0.5 / 3600, LON_DMS);
  check_pair("39° 41′ 12″ N 31° 12′ 20″ E", LAT_DMS, LON_DMS);
  check_pair("39°41′12″S 31°12′20″W", -LAT_DMS, -LON_DMS);
  /* Degrees and minutes only; degrees only. */
  check_pair("39°41.2′N 31°12.5′E", 39 + 41.2 / 60, 31 + 12.5 / 60);
  check_pair("39°N 31°E", 39, 31);
}

static void test_spaces_colons_letters(void **state)
{
  (void)state;
  check_pair("39 41 12 N, 31 12 20 E", LAT_DMS, LON_DMS);
  check_pair("39 41 12 N 31 12 20 E", LAT_DMS, LON_DMS);
  check_pair("39:41:12.5N 31:12:20E", LAT_DMS + 0.5 / 3600, LON_DMS);
  check_pair("39:41N 31:12E", 39 + 41.0 / 60, 31 + 12.0 / 60);
  check_pair("39d41m12sN 31d12m20sE", LAT_DMS, LON_DMS);
  check_pair("39d41m12s 31d12m20s", LAT_DMS, LON_DMS);
  check_pair("39D41M12SN 31D12M20SE", LAT_DMS, LON_DMS);
  /* Bare numbers: d m s d m s, or one number each. */
  check_pair("39 41 12 31 12 20", LAT_DMS, LON_DMS);
  check_pair("39.6869 31.2056", 39.6869, 31.2056);
  /* A separator decides the cut of four numbers. */
  check_pair("39 41, 31 12", 39 + 41.0 / 60, 31 + 12.0 / 60);
  /* Marks decide it too. */
  check_pair("39° 41 31° 12", 39 + 41.0 / 60, 31 + 12.0 / 60);
}

static void test_decimal_with_letters(void **state)
{
  (void)state;
  check_pair("N39.6869 E31.2056", 39.6869, 31.2056);
  check_pair("39.6869N 31.2056E", 39.6869, 31.2056);
  check_pair("39.6869n 31.2056e", 39.6869, 31.2056);
  check_pair("n39.6869 e31.2056", 39.6869, 31.2056);
  check_pair("S12.5 W31.2", -12.5, -31.2);
  /* Lower-case s after a number is south, not seconds, outside the d/m/s letter notation. */
  check_pair("12.5s 31.2e", -12.5, 31.2);
  check_pair("39°41′12″n 31°12′20″e", LAT_DMS, LON_DMS);
  check_pair("N 39 41 12 E 31 12 20", LAT_DMS, LON_DMS);
  check_pair("N39.6869 31.2056E", 39.6869, 31.2056);
}

static void test_either_order_with_letters(void **state)
{
  (void)state;
  check_pair("31 12 20 E 39 41 12 N", LAT_DMS, LON_DMS);
  check_pair("31.2056E 39.6869N", 39.6869, 31.2056);
  check_pair("E31.2056, N39.6869", 39.6869, 31.2056);
  /* One letter names its axis; the other number takes the other one. */
  check_pair("E31.2056, 39.6869", 39.6869, 31.2056);
  check_pair("39.6869, E31.2056", 39.6869, 31.2056);
  check_pair("31.2056, N39.6869", 39.6869, 31.2056);
  check_pair("31.2056 39.6869N", 39.6869, 31.2056);
}

static void test_signed_decimals(void **state)
{
  (void)state;
  check_pair("-12.5, 31.2", -12.5, 31.2);
  check_pair("-12.5,31.2", -12.5, 31.2);
  check_pair("39.6869 31.2056", 39.6869, 31.2056);
  check_pair("+39.6869 -031.2056", 39.6869, -31.2056);
  check_pair("−12.5 31.2", -12.5, 31.2); /* U+2212 minus sign */
  check_pair("39.6869;31.2056", 39.6869, 31.2056);
  check_pair("\u00a039.6869\u202f31.2056 ", 39.6869, 31.2056); /* no-break spaces */
  /* The sign belongs to the whole angle, also when the degrees are 0. */
  check_pair("-0 30 0, 12 30 0", -0.5, 12.5);
  check_pair("-0°30′ 12°30′", -0.5, 12.5);
}

static void test_one(void **state)
{
  (void)state;
  check_one("39°41′12″N", LAT_DMS, 'y');
  check_one("31 12 20 E", LON_DMS, 'x');
  check_one("31 12 20 w", -LON_DMS, 'x');
  check_one("-31.2056", -31.2056, '?');
  check_one("S39.6869", -39.6869, 'y');
  check_one("39:41:12.5", LAT_DMS + 0.5 / 3600, '?');
  check_one("39d41m12s", LAT_DMS, '?');
  check_one("39d41m12sS", -LAT_DMS, 'y');
  check_one("  7  ", 7, '?');
}

static void test_minutes_seconds_range(void **state)
{
  (void)state;
  check_pair_fails("39°75′N 31°E", OM_REASON_DMS_RANGE, "minutes 75 not below 60");
  check_pair_fails("39 41 60 N, 31 12 20 E", OM_REASON_DMS_RANGE, "seconds 60 not below 60");
  check_pair_fails("39:41:12N 31:60:00E", OM_REASON_DMS_RANGE, "minutes 60 not below 60");
  check_pair_fails("39 41 12 31 12 60.5", OM_REASON_DMS_RANGE, "seconds 60.5 not below 60");
  check_one_fails("39°59′60″", OM_REASON_DMS_RANGE, "seconds 60 not below 60");
  /* Just below 60 is fine. */
  check_one("39°59′59.999″", 39 + 59.0 / 60 + 59.999 / 3600, '?');
}

static void test_decimal_degrees_with_minutes(void **state)
{
  (void)state;
  check_one_fails("39.5°30'", OM_REASON_DMS_SYNTAX, "decimal degrees '39.5°' followed by minutes");
  check_pair_fails("39.5°30'N 31°12'E", OM_REASON_DMS_SYNTAX, "decimal degrees");
  check_pair_fails("39°41.5′12″N 31°E", OM_REASON_DMS_SYNTAX, "decimal minutes");
  check_pair_fails("39:41.5:12 31:12:20", OM_REASON_DMS_SYNTAX, "decimal minutes");
}

static void test_sign_and_letter(void **state)
{
  (void)state;
  check_pair_fails("-39 N, 31 E", OM_REASON_DMS_AMBIGUOUS, "sign and the letter 'N'");
  check_pair_fails("-39 N 31 E", OM_REASON_DMS_AMBIGUOUS, "sign and the letter 'N'");
  check_pair_fails("39 N, W-31", OM_REASON_DMS_AMBIGUOUS, "sign and the letter 'W'");
  check_one_fails("-39°41′N", OM_REASON_DMS_AMBIGUOUS, "sign");
  check_one_fails("+39.5N", OM_REASON_DMS_AMBIGUOUS, "sign");
}

static void test_same_axis(void **state)
{
  (void)state;
  check_pair_fails("39N 31S", OM_REASON_DMS_AMBIGUOUS, "both latitudes");
  check_pair_fails("31E, 39W", OM_REASON_DMS_AMBIGUOUS, "both longitudes");
  check_pair_fails("N39 N31", OM_REASON_DMS_AMBIGUOUS, "both latitudes");
}

static void test_undecidable_cuts(void **state)
{
  (void)state;
  /* d m / d m or d m s / d. */
  check_pair_fails("39 41 31 12", OM_REASON_DMS_AMBIGUOUS, "can be split as");
  check_pair_fails("39 41 12 31 12", OM_REASON_DMS_AMBIGUOUS, "can be split as");
  check_pair_fails("39 41 31", OM_REASON_DMS_AMBIGUOUS, NULL);
  /* A letter in the middle may close the first or open the second coordinate. */
  check_pair_fails("39 N 31", OM_REASON_DMS_AMBIGUOUS, NULL);
  check_pair_fails("39 41 N 31 12", OM_REASON_DMS_AMBIGUOUS, NULL);
  /* Minutes that would be out of range in one reading do not decide the cut. */
  check_pair_fails("39 75 31 12", OM_REASON_DMS_AMBIGUOUS, NULL);
  /* A comma between digits may be a decimal comma. */
  check_pair_fails("39,6869", OM_REASON_DMS_AMBIGUOUS, "decimal comma");
}

static void test_garbage(void **state)
{
  (void)state;
  check_pair_fails("", OM_REASON_DMS_SYNTAX, "empty");
  check_pair_fails("  \t ", OM_REASON_DMS_SYNTAX, "empty");
  check_pair_fails("abc", OM_REASON_DMS_SYNTAX, "unexpected 'abc'");
  check_pair_fails("39.6869", OM_REASON_DMS_SYNTAX, "only one coordinate");
  check_pair_fails("39°41′12″N", OM_REASON_DMS_SYNTAX, "only one coordinate");
  check_pair_fails("39 41 12 31 12 20 7", OM_REASON_DMS_SYNTAX, NULL);
  check_pair_fails("39.6869, 31.2056, 12", OM_REASON_DMS_SYNTAX, "more than one separator");
  check_pair_fails(", 31.2056", OM_REASON_DMS_SYNTAX, "nothing before ','");
  check_pair_fails("39.6869,", OM_REASON_DMS_SYNTAX, "nothing after ','");
  check_pair_fails("39.6869 31.", OM_REASON_DMS_SYNTAX, "no digits after the point");
  check_pair_fails("39.41.12 31", OM_REASON_DMS_SYNTAX, "unexpected '.'");
  check_pair_fails("° 39 31", OM_REASON_DMS_SYNTAX, "does not follow a number");
  check_pair_fails("39°° 31", OM_REASON_DMS_SYNTAX, "does not follow a number");
  check_pair_fails("39 - 31", OM_REASON_DMS_SYNTAX, "not followed by a number");
  check_pair_fails("39:41:12:5 31", OM_REASON_DMS_SYNTAX, "degrees:minutes:seconds");
  check_pair_fails(":39 31", OM_REASON_DMS_SYNTAX, "':'");
  check_pair_fails("41′ 39° 31°", OM_REASON_DMS_SYNTAX, NULL);
  check_pair_fails("39°41′ -12″ 31°", OM_REASON_DMS_SYNTAX, NULL);
  check_pair_fails("39.6869 31.2056 lat", OM_REASON_DMS_SYNTAX, "unexpected 'lat'");
  check_pair_fails("39deg 31deg", OM_REASON_DMS_SYNTAX, "unexpected 'deg'");
  check_pair_fails("39.6869 North 31.2056 East", OM_REASON_DMS_SYNTAX, "unexpected 'North'");
  check_pair_fails("39N 31E 12", OM_REASON_DMS_SYNTAX, NULL);
  check_pair_fails("\xff" "39 31", OM_REASON_DMS_SYNTAX, "invalid UTF-8");
  check_pair_fails("39\x01 31", OM_REASON_DMS_SYNTAX, "control character");
  check_pair_fails("39 31 \xc3", OM_REASON_DMS_SYNTAX, "invalid UTF-8");
  check_pair_fails("1", OM_REASON_DMS_SYNTAX, NULL);
  check_pair_fails("N", OM_REASON_DMS_SYNTAX, NULL);
  check_pair_fails("N E", OM_REASON_DMS_SYNTAX, NULL);
  check_one_fails("", OM_REASON_DMS_SYNTAX, "empty");
  check_one_fails("39.6869, 31.2056", OM_REASON_DMS_SYNTAX, "unexpected ','");
  check_one_fails("N39.6869E", OM_REASON_DMS_SYNTAX, "two hemisphere letters");
  check_one_fails("39 N 41", OM_REASON_DMS_SYNTAX, "between numbers");
  check_one_fails("39 41 12 5", OM_REASON_DMS_SYNTAX, "more than three numbers");
  char huge[400];
  memset(huge, '9', sizeof huge - 1);
  huge[sizeof huge - 1] = '\0';
  check_one_fails(huge, OM_REASON_DMS_SYNTAX, "number too long");
}

static void test_other_languages_letters(void **state)
{
  (void)state;
  /* Kuzey/Doğu (K, D), Güney/Batı (G, B), Ost/Ouest (O): never hemispheres. */
  check_pair_fails("39K 31D", OM_REASON_DMS_SYNTAX, "unexpected 'K'");
  check_pair_fails("39°41′12″K 31°12′20″D", OM_REASON_DMS_SYNTAX, "unexpected 'K'");
  check_pair_fails("39 G, 31 B", OM_REASON_DMS_SYNTAX, "unexpected 'G'");
  check_pair_fails("39.5 O 31.2 N", OM_REASON_DMS_SYNTAX, "unexpected 'O'");
  check_pair_fails("Kuzey 39.5 Doğu 31.2", OM_REASON_DMS_SYNTAX, "unexpected 'Kuzey'");
  check_pair_fails("39.5 Ö 31.2", OM_REASON_DMS_SYNTAX, "unexpected 'Ö'");
  check_pair_fails("39.5 doğu 31.2", OM_REASON_DMS_SYNTAX, "unexpected 'doğu'");
}

static void test_detail_is_bounded(void **state)
{
  (void)state;
  double lat, lon;
  char small[12];
  memset(small, 'x', sizeof small);
  /* The message is cut to the buffer, at a character boundary. */
  enum om_reason why = om_dms_parse_pair("39°75′N 31°E", &lat, &lon, NULL, small, sizeof small);
  assert_int_equal(why, OM_REASON_DMS_RANGE);
  assert_true(strlen(small) < sizeof small);
  why = om_dms_parse_pair("39 Öööööö 31", &lat, &lon, NULL, small, sizeof small);
  assert_int_equal(why, OM_REASON_DMS_SYNTAX);
  size_t len = strlen(small);
  assert_true(len < sizeof small);
  /* "unexpected 'Ö..." cut without half an Ö at the end. */
  assert_true(((unsigned char)small[len - 1] & 0xC0) != 0xC0);
  /* NULL or empty detail buffers are allowed. */
  assert_int_equal(om_dms_parse_pair("39 41 31 12", &lat, &lon, NULL, NULL, 0), OM_REASON_DMS_AMBIGUOUS);
  assert_int_equal(om_dms_parse_pair("39 31", &lat, &lon, NULL, small, 0), OM_REASON_NONE);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_primes_and_quotes),
    cmocka_unit_test(test_spaces_colons_letters),
    cmocka_unit_test(test_decimal_with_letters),
    cmocka_unit_test(test_either_order_with_letters),
    cmocka_unit_test(test_signed_decimals),
    cmocka_unit_test(test_one),
    cmocka_unit_test(test_minutes_seconds_range),
    cmocka_unit_test(test_decimal_degrees_with_minutes),
    cmocka_unit_test(test_sign_and_letter),
    cmocka_unit_test(test_same_axis),
    cmocka_unit_test(test_undecidable_cuts),
    cmocka_unit_test(test_garbage),
    cmocka_unit_test(test_other_languages_letters),
    cmocka_unit_test(test_detail_is_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
