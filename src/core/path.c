#include "core/path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_connection_string(const char *s)
{
  const char *colon = strchr(s, ':');
  /* "PG:dbname=x", "GPKG:file.gpkg:layer": a driver prefix of two or more capitals. */
  if (colon && colon - s >= 2) {
    for (const char *p = s; p < colon; p++)
      if (!(*p >= 'A' && *p <= 'Z'))
        return 0;
    return 1;
  }
  return 0;
}

char *om_path_join(const char *dir, const char *rel)
{
  if (rel[0] == '/' || is_connection_string(rel) || !dir || !*dir || strcmp(dir, ".") == 0)
    return strdup(rel);
  char *out = NULL;
  size_t n = strlen(dir);
  if (asprintf(&out, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", rel) < 0)
    return NULL;
  return out;
}

int om_path_mkdirs(const char *dir)
{
  char *copy = strdup(dir);
  if (!copy)
    return -1;
  for (char *p = copy + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
      free(copy);
      return -1;
    }
    *p = '/';
  }
  int rc = mkdir(copy, 0777) != 0 && errno != EEXIST ? -1 : 0;
  free(copy);
  return rc;
}

char *om_path_dirname(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (!slash)
    return strdup(".");
  if (slash == path)
    return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

/* Skip leading "./" so that "./out/a.geojson" and "out/a.geojson" compare equal. */
const char *om_path_skip_dot(const char *path)
{
  while (path[0] == '.' && path[1] == '/') {
    path += 2;
    while (*path == '/')
      path++;
  }
  return path;
}

bool om_path_has_dotdot(const char *path)
{
  for (const char *c = path; *c;) {
    size_t n = strcspn(c, "/");
    if (n == 2 && c[0] == '.' && c[1] == '.')
      return true;
    c += n;
    while (*c == '/')
      c++;
  }
  return false;
}
