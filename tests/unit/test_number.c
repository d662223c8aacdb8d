/* Numbers as spreadsheets write them: decimal commas only when declared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/number.h"

static enum om_reason parse(const char *text, char decimal, double *v)
{
  char detail[128];
  return om_number_parse(text, decimal, v, detail, sizeof detail);
}

static void test_points_and_signs(void **state)
{
  (void)state;
  double v;
  assert_int_equal(parse("39.6869", 0, &v), OM_REASON_NONE);
  assert_true(v == 39.6869);
  assert_int_equal(parse(" -31.2056 ", '.', &v), OM_REASON_NONE);
  assert_true(v == -31.2056);
  assert_int_equal(parse("+5", 0, &v), OM_REASON_NONE);
  assert_true(v == 5);
  assert_int_equal(parse("1e3", 0, &v), OM_REASON_NONE);
  assert_true(v == 1000);
}

static void test_decimal_comma_only_when_declared(void **state)
{
  (void)state;
  double v = 0;
  char detail[128];
  assert_int_equal(om_number_parse("1,234", 0, &v, detail, sizeof detail),
                   OM_REASON_AMBIGUOUS_DECIMAL);
  assert_non_null(strstr(detail, "declare source.decimal"));
  assert_int_equal(parse("1,234", ',', &v), OM_REASON_NONE);
  assert_true(v == 1.234);
  assert_int_equal(parse("1,5", '.', &v), OM_REASON_NOT_A_NUMBER);
  assert_int_equal(parse("39.68", ',', &v), OM_REASON_AMBIGUOUS_DECIMAL);
  assert_int_equal(parse("1.234,5", ',', &v), OM_REASON_AMBIGUOUS_DECIMAL);
  assert_int_equal(parse("1.234,5", 0, &v), OM_REASON_AMBIGUOUS_DECIMAL);
}

static void test_not_numbers(void **state)
{
  (void)state;
  double v;
  assert_int_equal(parse("", 0, &v), OM_REASON_NOT_A_NUMBER);
  assert_int_equal(parse("abc", 0, &v), OM_REASON_NOT_A_NUMBER);
  assert_int_equal(parse("0x1p3", 0, &v), OM_REASON_NOT_A_NUMBER);
  assert_int_equal(parse("1.2.3", 0, &v), OM_REASON_NOT_A_NUMBER);
  assert_int_equal(parse("39°", 0, &v), OM_REASON_NOT_A_NUMBER);
  assert_int_equal(parse("NaN", 0, &v), OM_REASON_NOT_FINITE);
  assert_int_equal(parse("-inf", 0, &v), OM_REASON_NOT_FINITE);
  assert_int_equal(parse("Infinity", 0, &v), OM_REASON_NOT_FINITE);
  assert_int_equal(parse("1e999", 0, &v), OM_REASON_NOT_FINITE);
}

static void test_canonical_forms(void **state)
{
  (void)state;
  assert_true(om_is_canonical_integer("0"));
  assert_true(om_is_canonical_integer("-12"));
  assert_false(om_is_canonical_integer("007"));
  assert_false(om_is_canonical_integer("+1"));
  assert_false(om_is_canonical_integer("1.0"));
  assert_false(om_is_canonical_integer("1234567890123456789")); /* may not fit */
  assert_true(om_is_canonical_real("1.5"));
  assert_true(om_is_canonical_real("-0.25e-3"));
  assert_false(om_is_canonical_real(".5"));
  assert_false(om_is_canonical_real("1."));
  assert_false(om_is_canonical_real("01.5"));
  assert_false(om_is_canonical_real("1,5"));

  long long i;
  assert_int_equal(om_integer_parse(" 42 ", &i), OM_REASON_NONE);
  assert_int_equal(i, 42);
  assert_int_equal(om_integer_parse("4.2", &i), OM_REASON_NOT_AN_INTEGER);
  assert_int_equal(om_integer_parse("99999999999999999999", &i), OM_REASON_NOT_AN_INTEGER);

  char buf[32];
  om_format_double(buf, 0.1);
  assert_string_equal(buf, "0.1");
  om_format_double(buf, 39.6333);
  assert_string_equal(buf, "39.6333");
  om_format_double(buf, 1.0 / 3);
  assert_string_equal(buf, "0.3333333333333333");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_points_and_signs),
    cmocka_unit_test(test_decimal_comma_only_when_declared),
    cmocka_unit_test(test_not_numbers),
    cmocka_unit_test(test_canonical_forms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
