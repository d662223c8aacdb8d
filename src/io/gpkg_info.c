#include "io/gpkg_info.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "core/hash.h"

int om_gpkg_fingerprint(const char *path, const char *table, uint64_t *out)
{
  *out = 0;
  struct stat st;
  if (stat(path, &st) != 0)
    return 0;
  /* Read-write without create: a read-only connection to a WAL file would
   * leave -wal and -shm files behind, and those change how the file is
   * later replaced. */
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
  sqlite3_stmt *st_contents = NULL, *st_fid = NULL;
  char *sql = NULL;
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(db, "SELECT last_change FROM gpkg_contents WHERE table_name = ?1",
                            -1, &st_contents, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st_contents, 1, table, -1, SQLITE_STATIC);
  int found = rc == SQLITE_OK && sqlite3_step(st_contents) == SQLITE_ROW;
  if (found) {
    sql = sqlite3_mprintf("SELECT max(fid), count(*) FROM \"%w\"", table);
    rc = sql ? sqlite3_prepare_v2(db, sql, -1, &st_fid, NULL) : SQLITE_NOMEM;
    found = rc == SQLITE_OK && sqlite3_step(st_fid) == SQLITE_ROW;
  }
  if (found) {
    struct om_hasher h;
    if (om_hasher_init(&h) == 0) {
      om_hasher_str(&h, (const char *)sqlite3_column_text(st_contents, 0));
      om_hasher_u64(&h, (uint64_t)sqlite3_column_int64(st_fid, 0));
      om_hasher_u64(&h, (uint64_t)sqlite3_column_int64(st_fid, 1));
      *out = om_hasher_digest(&h);
      if (*out == 0)
        *out = 1; /* 0 means missing */
      om_hasher_release(&h);
    }
  }
  sqlite3_free(sql);
  sqlite3_finalize(st_fid);
  sqlite3_finalize(st_contents);
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : -1;
}
