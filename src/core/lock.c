#include "core/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* The pid the holder wrote into the lock file, or 0. */
static long holder(int fd)
{
  char buf[32] = "";
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  return n > 0 ? strtol(buf, NULL, 10) : 0;
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int om_lock_acquire(int *fd, const char *path, double timeout, struct om_diag *d)
{
  *fd = -1;
  int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (f < 0)
    return om_diag_fail(d, OM_EIO, "cannot open the build lock '%s': %s", path, strerror(errno));
  double start = now();
  bool said = false;
  while (flock(f, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int rc = om_diag_fail(d, OM_EIO, "cannot lock '%s': %s", path, strerror(errno));
      close(f);
      return rc;
    }
    char who[48] = "";
    long pid = holder(f);
    if (pid > 0)
      snprintf(who, sizeof who, " (pid %ld)", pid);
    if (now() - start >= timeout) {
      close(f);
      return om_diag_fail(d, OM_EIO, "another build%s holds '%s'; gave up after %g s", who, path,
                          timeout);
    }
    if (!said) {
      om_diag_warn(d, "waiting for another build%s that holds '%s'", who, path);
      said = true;
    }
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)n, 0) != n) {
    /* The pid is only for the message of a waiting build: not worth failing for. */
  }
  *fd = f;
  return 0;
}

void om_lock_release(int fd)
{
  if (fd >= 0) {
    flock(fd, LOCK_UN);
    close(fd);
  }
}
