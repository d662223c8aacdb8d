#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/spool.h"
#include "geom/geom.h"

char *test_tmpdir(const char *name)
{
  char *dir = NULL;
  char cmd[4096];
  if (asprintf(&dir, "%s/%s", TEST_TMP_DIR, name) < 0)
    abort();
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  if (system(cmd) != 0)
    abort();
  return dir;
}

char *test_write_file(const char *dir, const char *name, const void *data, size_t len)
{
  char *path = NULL;
  if (asprintf(&path, "%s/%s", dir, name) < 0)
    abort();
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
    abort();
  return path;
}

char *test_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
    abort();
  buf[n] = '\0';
  fclose(f);
  if (len)
    *len = (size_t)n;
  return buf;
}

struct om_spool *test_make_spool(const struct om_schema *schema, const struct test_feature *tf,
                                 size_t n)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_spool *s;
  if (om_spool_new(&s, NULL, &d) != 0)
    abort();
  for (size_t i = 0; i < n; i++) {
    unsigned char point[21], *wkb = point;
    size_t len = sizeof point;
    char detail[256];
    if (tf[i].wkt && om_geom_from_wkt(&wkb, &len, tf[i].wkt, detail, sizeof detail) != 0)
      abort();
    if (!tf[i].wkt)
      om_wkb_point(point, tf[i].x, tf[i].y);
    struct om_feature f = {.record = (long)i + 1, .line = (long)i + 2, .nvalues = schema->n,
                           .values = tf[i].values, .wkb = wkb, .wkb_len = len};
    if (om_wkb_envelope(wkb, len, f.env) != 0 || om_spool_add(s, &f, &d) != 0)
      abort();
    if (wkb != point)
      free(wkb);
  }
  if (om_spool_finish(s, &d) != 0)
    abort();
  return s;
}
