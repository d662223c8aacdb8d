/* Outputs are replaced whole or not at all, and stale temporaries are swept. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/atomic.h"
#include "support.h"

/* Number of entries in dir other than . and .. */
static int count_entries(const char *dir)
{
  DIR *dp = opendir(dir);
  assert_non_null(dp);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      n++;
  closedir(dp);
  return n;
}

static bool exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

/* A pid that belonged to a process that has exited and been reaped. */
static pid_t dead_pid(void)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(0);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return pid;
}

static void test_commit_replaces_content(void **state)
{
  (void)state;
  char *dir = test_tmpdir("atomic-commit");
  char *path = test_write_file(dir, "out.geojson", "old", 3);
  assert_int_equal(chmod(path, 0640), 0);
  struct om_diag d;
  om_diag_init(&d);
  struct om_atomic a;
  assert_int_equal(om_atomic_open(&a, path, &d), 0);

  /* The temporary sits beside the target under the documented name. */
  char expect[4096];
  snprintf(expect, sizeof expect, "%s/.out.geojson.oremap-tmp-%ld", dir, (long)getpid());
  assert_string_equal(a.tmp, expect);
  assert_true(exists(a.tmp));

  fputs("new content", a.f);
  char *before = test_read_file(path, NULL);
  assert_string_equal(before, "old"); /* readers still see the old file */
  free(before);

  assert_int_equal(om_atomic_commit(&a, &d), 0);
  char *after = test_read_file(path, NULL);
  assert_string_equal(after, "new content");
  free(after);
  assert_false(exists(expect));
  assert_int_equal(count_entries(dir), 1);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0640);

  om_atomic_abort(&a); /* safe after commit, and removes nothing */
  assert_true(exists(path));
  free(path);
  free(dir);
}

static void test_commit_creates_a_new_file(void **state)
{
  (void)state;
  char *dir = test_tmpdir("atomic-new");
  char *path = NULL;
  assert_true(asprintf(&path, "%s/layer.geojson", dir) > 0);
  struct om_diag d;
  om_diag_init(&d);
  struct om_atomic a;
  assert_int_equal(om_atomic_open(&a, path, &d), 0);
  fputs("{}", a.f);
  assert_int_equal(om_atomic_commit(&a, &d), 0);
  char *text = test_read_file(path, NULL);
  assert_string_equal(text, "{}");
  free(text);
  assert_int_equal(count_entries(dir), 1);
  free(path);
  free(dir);
}

static void test_abort_leaves_old_file(void **state)
{
  (void)state;
  char *dir = test_tmpdir("atomic-abort");
  char *path = test_write_file(dir, "out.geojson", "old", 3);
  struct om_diag d;
  om_diag_init(&d);
  struct om_atomic a;
  assert_int_equal(om_atomic_open(&a, path, &d), 0);
  fputs("half a file", a.f);
  om_atomic_abort(&a);
  char *text = test_read_file(path, NULL);
  assert_string_equal(text, "old");
  free(text);
  assert_int_equal(count_entries(dir), 1);
  assert_null(a.f);
  assert_null(a.tmp);
  om_atomic_abort(&a); /* twice is harmless */
  free(path);
  free(dir);
}

static void test_missing_folder_names_the_path(void **state)
{
  (void)state;
  char *dir = test_tmpdir("atomic-missing");
  char *path = NULL;
  assert_true(asprintf(&path, "%s/no/such/out.geojson", dir) > 0);
  struct om_diag d;
  om_diag_init(&d);
  struct om_atomic a;
  assert_int_equal(om_atomic_open(&a, path, &d), OM_EIO);
  char expect[4200];
  snprintf(expect, sizeof expect, "cannot create '%s': No such file or directory", path);
  assert_string_equal(d.msg, expect);
  assert_null(a.f);
  assert_null(a.tmp);
  om_atomic_abort(&a);
  free(path);
  free(dir);
}

static void test_reserve_only_names_the_temporary(void **state)
{
  (void)state;
  char *dir = test_tmpdir("atomic-reserve");
  char *path = test_write_file(dir, "map.gpkg", "old", 3);
  struct om_diag d;
  om_diag_init(&d);
  struct om_atomic a;
  assert_int_equal(om_atomic_reserve(&a, path, &d), 0);
  assert_null(a.f);
  assert_false(exists(a.tmp));
  /* Another writer fills the temporary itself. */
  FILE *f = fopen(a.tmp, "wb");
  assert_non_null(f);
  fputs("sqlite", f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(om_atomic_commit(&a, &d), 0);
  char *text = test_read_file(path, NULL);
  assert_string_equal(text, "sqlite");
  free(text);
  assert_int_equal(count_entries(dir), 1);

  /* Committing a temporary that was never written fails and keeps the target. */
  assert_int_equal(om_atomic_reserve(&a, path, &d), 0);
  assert_int_equal(om_atomic_commit(&a, &d), OM_EIO);
  assert_non_null(strstr(d.msg, "No such file or directory"));
  text = test_read_file(path, NULL);
  assert_string_equal(text, "sqlite");
  free(text);
  free(path);
  free(dir);
}

static void test_sweep_removes_only_stale_temporaries(void **state)
{
  (void)state;
  char *dir = test_tmpdir("atomic-sweep");
  char name[256];
  pid_t dead = dead_pid();

  snprintf(name, sizeof name, ".a.geojson.oremap-tmp-%ld", (long)dead);
  free(test_write_file(dir, name, "x", 1));
  snprintf(name, sizeof name, ".b.gpkg.oremap-tmp-%ld-journal", (long)dead);
  free(test_write_file(dir, name, "x", 1));
  snprintf(name, sizeof name, ".c.geojson.oremap-tmp-%ld", (long)getpid());
  free(test_write_file(dir, name, "x", 1));
  /* Not ours: different pattern, or not a pid. */
  free(test_write_file(dir, "a.geojson", "x", 1));
  snprintf(name, sizeof name, "a.geojson.oremap-tmp-%ld", (long)dead);
  free(test_write_file(dir, name, "x", 1));
  free(test_write_file(dir, ".d.oremap-tmp-12x", "x", 1));
  free(test_write_file(dir, ".e.oremap-tmp-", "x", 1));
  assert_int_equal(count_entries(dir), 7);

  assert_int_equal(om_atomic_sweep(dir), 2);
  assert_int_equal(count_entries(dir), 5);
  snprintf(name, sizeof name, "%s/.a.geojson.oremap-tmp-%ld", dir, (long)dead);
  assert_false(exists(name));
  snprintf(name, sizeof name, "%s/.c.geojson.oremap-tmp-%ld", dir, (long)getpid());
  assert_true(exists(name));
  assert_int_equal(om_atomic_sweep(dir), 0);

  char *missing = NULL;
  assert_true(asprintf(&missing, "%s/nothing-here", dir) > 0);
  assert_int_equal(om_atomic_sweep(missing), 0);
  free(missing);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_commit_replaces_content),
    cmocka_unit_test(test_commit_creates_a_new_file),
    cmocka_unit_test(test_abort_leaves_old_file),
    cmocka_unit_test(test_missing_folder_names_the_path),
    cmocka_unit_test(test_reserve_only_names_the_temporary),
    cmocka_unit_test(test_sweep_removes_only_stale_temporaries),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
