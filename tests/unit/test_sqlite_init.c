/*
 * The process-wide SQLite settings that keep parallel GeoPackage writers
 * off SQLite's allocator mutex.  The tests run in order: the first one
 * applies the settings before this process's first use of SQLite, as
 * oremap's main does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "core/diag.h"
#include "io/sqlite_init.h"

/* Open an in-memory database and make SQLite allocate: a table and rows. */
static sqlite3 *open_and_fill(void)
{
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "CREATE TABLE t (a TEXT);"
                                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                                "WHERE i < 1000) INSERT INTO t SELECT printf('row %d', i) FROM n;",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  return db;
}

static void use_sqlite(void)
{
  assert_int_equal(sqlite3_close(open_and_fill()), SQLITE_OK);
}

/*
 * Applied before first use, SQLite keeps no memory statistics, which is
 * what takes its global mutex on every allocation: the counters stay at 0
 * while the database allocates.  Without the setting they count the
 * connection's memory.
 */
static void test_before_first_use_statistics_are_off(void **state)
{
  (void)state;
  assert_int_equal(om_sqlite_init(), 0);
  assert_int_equal(om_sqlite_init(), 0); /* again, still before first use */
  sqlite3 *db = open_and_fill();
  assert_int_equal(sqlite3_memory_used(), 0);
  sqlite3_int64 now = -1, peak = -1;
  assert_int_equal(sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &now, &peak, 0), SQLITE_OK);
  assert_int_equal(now, 0);
  assert_int_equal(peak, 0);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Once SQLite is in use the setting is refused, and the call says so. */
static void test_after_first_use_reports_too_late(void **state)
{
  (void)state;
  use_sqlite();
  assert_int_equal(om_sqlite_init(), OM_EDEP);
  use_sqlite(); /* SQLite keeps working */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_before_first_use_statistics_are_off),
    cmocka_unit_test(test_after_first_use_reports_too_late),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
