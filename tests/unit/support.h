/* Helpers shared by the unit tests. */
#ifndef OM_TEST_SUPPORT_H
#define OM_TEST_SUPPORT_H

#include <stddef.h>

/* A fresh empty folder under the build tree for this test; owned string. */
char *test_tmpdir(const char *name);
/* Write len bytes to dir/name; returns the path (owned). */
char *test_write_file(const char *dir, const char *name, const void *data, size_t len);
/* Read a whole file (NUL-terminated, owned); *len may be NULL. */
char *test_read_file(const char *path, size_t *len);

struct om_schema;
struct om_spool;

/* One test feature: values per field, and a point or WKT geometry. */
struct test_feature {
  const char *values[4];
  double x, y;     /* used when wkt is NULL */
  const char *wkt; /* or a geometry as WKT */
};

/* A finished spool of the n features (aborts on any failure). */
struct om_spool *test_make_spool(const struct om_schema *schema, const struct test_feature *tf,
                                 size_t n);

#endif
