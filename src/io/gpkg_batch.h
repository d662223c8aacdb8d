/*
 * The GeoPackages one build changes, each replaced once however many of
 * its layers the build rewrites.
 *
 * Without a batch, every layer written into a shared GeoPackage copies the
 * whole file to a temporary and renames it back: a build of K layers into
 * one file copies it K times.  With a batch, the first layer of the build
 * that writes a file copies it (SQLite backup API) to a temporary beside
 * it; that layer and the later ones add their tables to that copy, each in
 * a transaction of its own (a failing layer is rolled back and the others'
 * tables stay), and om_gpkg_batch_commit replaces the file once.  Until
 * then the target is untouched: readers and a build killed at any moment
 * see the old file (the temporary carries the pid, om_atomic_sweep removes
 * it).  The commit is fsync and rename; when a reader opened the file
 * meanwhile (it has -wal, -shm or -journal companions, and renaming over it
 * would mix its old -wal pages into the new file), the copy's pages are
 * written into the file in one transaction instead (backup API).  A file
 * that has companions when its first layer comes is changed in place, one
 * transaction per layer, and never enters the batch.
 *
 * Only SQLite and libc: pipeline/build.c, which the front links, owns one.
 */
#ifndef OM_IO_GPKG_BATCH_H
#define OM_IO_GPKG_BATCH_H

#include <stdbool.h>

#include "core/diag.h"

struct om_gpkg_batch;

/* What a batch did so far, for tests and benchmarks. */
struct om_gpkg_batch_stats {
  long copies;   /* files copied to a temporary (existing or new) */
  long commits;  /* files replaced from a temporary */
  long pending;  /* temporaries not yet committed */
};

int om_gpkg_batch_new(struct om_gpkg_batch **out, struct om_diag *d);
/* Remove the temporaries not committed (their targets stay old) and free b. */
void om_gpkg_batch_free(struct om_gpkg_batch *b);

/* Whether path (spelled any way that names the same file) waits for a commit. */
bool om_gpkg_batch_pending(struct om_gpkg_batch *b, const char *path);

/*
 * Replace path with its temporary, if it has one (else 0 and nothing
 * happens).  Call it when no writer is adding to the file.  After a
 * failure the temporary is removed and the target stays old.
 */
int om_gpkg_batch_commit(struct om_gpkg_batch *b, const char *path, struct om_diag *d);

void om_gpkg_batch_stats(const struct om_gpkg_batch *b, struct om_gpkg_batch_stats *out);

#endif
