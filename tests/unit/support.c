#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
