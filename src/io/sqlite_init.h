/*
 * Process-wide SQLite settings, applied once before anything opens a
 * database.
 *
 * SQLite keeps memory statistics by default (SQLITE_DEFAULT_MEMSTATUS=1),
 * and to keep them it takes one process-wide mutex around every
 * sqlite3_malloc and sqlite3_free.  Debian builds SQLite without lookaside
 * memory, so each bound value, each page of the cache and each row of a
 * GeoPackage write passes through that mutex: when `oremap build -j 2`
 * writes two GeoPackages at once, the two writer threads take turns on it
 * millions of times (about 19,000 futex calls for two layers of 200,000
 * points, against 5 for -j 1), and each layer's CPU time grows by a third.
 * Nothing in oremap reads the statistics, so they are switched off.
 */
#ifndef OM_IO_SQLITE_INIT_H
#define OM_IO_SQLITE_INIT_H

/*
 * Apply the settings.  Call it at the start of main, before GDAL or any
 * oremap module touches SQLite: SQLite accepts them only before its
 * first use.  0, or OM_EDEP when SQLite was already in use (everything
 * still works, only parallel GeoPackage writes contend as above).
 * Calling it again before SQLite's first use is harmless.
 */
int om_sqlite_init(void);

#endif
