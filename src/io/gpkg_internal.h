/*
 * What the GeoPackage writer (write_gpkg.c) and the file-replacement
 * strategy (gpkg_batch.c) share: the writer knows what goes into a file,
 * the strategy how the file is replaced safely (see gpkg_batch.h); the
 * SQL helpers serve gpkg_extras.c too.
 */
#ifndef OM_IO_GPKG_INTERNAL_H
#define OM_IO_GPKG_INTERNAL_H

#include <sqlite3.h>

#include "core/diag.h"
#include "io/gpkg_batch.h"

#define OM_GPKG_BUSY_TIMEOUT_MS 5000 /* GDAL's default */
#define OM_GPKG_CACHE_KIB 65536      /* page cache while writing: 64 MiB */

/* Writes one layer into db, inside a transaction the caller opened and ends. */
typedef int om_gpkg_fill_fn(void *ctx, sqlite3 *db);

/*
 * Change the GeoPackage at path with fill, atomically for readers: in
 * batch's temporary copy of the file (made on first use, committed by
 * om_gpkg_batch_commit), or without a batch in a copy of its own that is
 * committed before returning; in place in one transaction when the file
 * has -wal, -shm or -journal companions.  Writers of one path take turns
 * within the process.  0 or a negative code with the message in d.
 */
int om_gpkg_replace(const char *path, struct om_gpkg_batch *batch, om_gpkg_fill_fn *fill,
                    void *ctx, struct om_diag *d);

/* Run SQL built from fmt (sqlite3_mprintf: %w for names, %Q for strings); an SQLite code. */
int om_gpkg_exec_fmt(sqlite3 *db, const char *fmt, ...);

/* A run-level error for an SQLite failure rc while writing path; returns the code. */
int om_gpkg_fail(struct om_diag *d, const char *path, sqlite3 *db, int rc);

#endif
