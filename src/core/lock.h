/*
 * The build lock: one `oremap build` at a time per output root.  A second
 * build waits, saying so, and gives up after a timeout; it never
 * interleaves its writes with the first.  The lock is an flock() on
 * <output root>/.oremap.lock, released by the kernel if the holder dies.
 */
#ifndef OM_CORE_LOCK_H
#define OM_CORE_LOCK_H

#include "core/diag.h"

/*
 * Take the lock on path, waiting up to timeout seconds (0: do not wait).
 * While waiting, om_diag_warn says who holds it, once.  On success *fd is
 * the open lock file (pass it to om_lock_release); a timeout is OM_EIO
 * with the holder's pid in d->msg.
 */
int om_lock_acquire(int *fd, const char *path, double timeout, struct om_diag *d);
void om_lock_release(int fd);

#endif
