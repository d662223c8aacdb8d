/*
 * Replacing an output file atomically: write a temporary file in the same
 * folder ("<dir>/.<name>.oremap-tmp-<pid>"), fsync it, rename it over the
 * target and fsync the folder.  A reader sees the old file or the new one.
 * Temporaries left by a killed run carry their pid, so a later run can
 * tell them from live ones and remove them (om_atomic_sweep).
 */
#ifndef OM_IO_ATOMIC_H
#define OM_IO_ATOMIC_H

#include <stdio.h>

#include "core/diag.h"

struct om_atomic {
  char *target;  /* final path, owned */
  char *tmp;     /* temporary path beside it, owned */
  FILE *f;       /* open for writing on tmp (NULL for om_atomic_reserve) */
};

/* Create the temporary file and open it for writing. */
int om_atomic_open(struct om_atomic *a, const char *target, struct om_diag *d);
/* Only choose the temporary path (for writers that open it themselves, like SQLite). */
int om_atomic_reserve(struct om_atomic *a, const char *target, struct om_diag *d);
/* Flush, fsync, close (if open), rename over the target, fsync the folder. */
int om_atomic_commit(struct om_atomic *a, struct om_diag *d);
/* Close and remove the temporary file; always safe to call, also after commit. */
void om_atomic_abort(struct om_atomic *a);
/* Remove temporaries in dir whose owning process no longer runs; returns how many. */
int om_atomic_sweep(const char *dir);

#endif
