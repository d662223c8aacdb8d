/* Paths relative to a project folder. */
#ifndef OM_CORE_PATH_H
#define OM_CORE_PATH_H

#include <stdbool.h>

/*
 * dir/rel as a new string (caller frees); rel is returned as a copy when it
 * is absolute or a GDAL connection string ("PG:", "/vsi...").  NULL when
 * out of memory.
 */
char *om_path_join(const char *dir, const char *rel);

/* Create dir and its parents (mkdir -p); 0 or -1 with errno set. */
int om_path_mkdirs(const char *dir);

/* The folder part of path as a new string ("." when it has none). */
char *om_path_dirname(const char *path);

/* Skip leading "./" so that "./out/a.geojson" and "out/a.geojson" compare equal. */
const char *om_path_skip_dot(const char *path);

/* Whether a component of path is "..". */
bool om_path_has_dotdot(const char *path);

#endif
