/* The spool keeps every feature byte for byte and orders them along the Hilbert curve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hilbert.h"
#include "core/spool.h"

static void add_point(struct om_spool *s, long record, double x, double y, const char *name)
{
  struct om_diag d;
  om_diag_init(&d);
  unsigned char wkb[5] = {1, 2, 3, 4, 5};
  const char *values[3] = {name, NULL, ""};
  struct om_feature f = {.record = record, .line = record + 1, .nvalues = 3,
                         .values = values, .wkb = wkb, .wkb_len = sizeof wkb,
                         .env = {x, y, x, y}};
  assert_int_equal(om_spool_add(s, &f, &d), 0);
}

static void test_round_trip_in_source_order(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  struct om_spool *s;
  assert_int_equal(om_spool_new(&s, NULL, &d), 0);
  add_point(s, 1, 31.38, 39.63, "Beylikova");
  add_point(s, 2, 2.1, 13.5, "Koulbaga 1");
  add_point(s, 3, 64.5, 41.9, "Kızılcaören");
  assert_int_equal(om_spool_finish(s, &d), 0);
  assert_int_equal(om_spool_count(s), 3);

  double env[4];
  om_spool_extent(s, env);
  assert_true(env[0] == 2.1 && env[1] == 13.5 && env[2] == 64.5 && env[3] == 41.9);

  struct om_spool_cursor c;
  struct om_feature f;
  om_spool_cursor_init(&c, s, OM_ORDER_SOURCE);
  const char *names[] = {"Beylikova", "Koulbaga 1", "Kızılcaören"};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(om_spool_cursor_next(&c, &f), 1);
    assert_int_equal(f.record, i + 1);
    assert_int_equal(f.line, i + 2);
    assert_int_equal(f.nvalues, 3);
    assert_string_equal(f.values[0], names[i]);
    assert_null(f.values[1]);
    assert_string_equal(f.values[2], "");
    assert_int_equal(f.wkb_len, 5);
    assert_int_equal(f.wkb[4], 5);
  }
  assert_int_equal(om_spool_cursor_next(&c, &f), 0);
  om_spool_cursor_release(&c);
  om_spool_free(s);
}

static void test_hilbert_order_is_a_permutation_along_the_curve(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  struct om_spool *s;
  assert_int_equal(om_spool_new(&s, NULL, &d), 0);
  srand(7);
  for (long i = 1; i <= 5000; i++)
    add_point(s, i, rand() / (double)RAND_MAX * 360 - 180, rand() / (double)RAND_MAX * 180 - 90, "x");
  assert_int_equal(om_spool_finish(s, &d), 0);
  double ext[4];
  om_spool_extent(s, ext);

  struct om_spool_cursor c;
  struct om_feature f;
  om_spool_cursor_init(&c, s, OM_ORDER_HILBERT);
  char *seen = calloc(5001, 1);
  uint64_t last = 0;
  long n = 0;
  while (om_spool_cursor_next(&c, &f) == 1) {
    uint64_t key = om_hilbert_key(f.env[0], f.env[1], ext);
    assert_true(key >= last);
    last = key;
    assert_false(seen[f.record]);
    seen[f.record] = 1;
    n++;
  }
  assert_int_equal(n, 5000);
  free(seen);
  om_spool_cursor_release(&c);
  om_spool_free(s);
}

static void test_hilbert_neighbours_share_a_quadrant(void **state)
{
  (void)state;
  double ext[4] = {0, 0, 1, 1};
  /* The first quarter of the curve covers the lower-left quadrant. */
  uint64_t quarter = (uint64_t)1 << 30;
  assert_true(om_hilbert_key(0.1, 0.1, ext) < quarter);
  assert_true(om_hilbert_key(0.9, 0.1, ext) >= 3 * quarter);
  assert_int_equal(om_hilbert_key(0, 0, ext), 0);
}

static void test_empty_spool(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  struct om_spool *s;
  assert_int_equal(om_spool_new(&s, NULL, &d), 0);
  assert_int_equal(om_spool_finish(s, &d), 0);
  struct om_spool_cursor c;
  struct om_feature f;
  om_spool_cursor_init(&c, s, OM_ORDER_HILBERT);
  assert_int_equal(om_spool_cursor_next(&c, &f), 0);
  om_spool_cursor_release(&c);
  om_spool_free(s);
  om_spool_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip_in_source_order),
    cmocka_unit_test(test_hilbert_order_is_a_permutation_along_the_curve),
    cmocka_unit_test(test_hilbert_neighbours_share_a_quadrant),
    cmocka_unit_test(test_empty_spool),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
