/*
 * Atomic replacement of output files (see atomic.h).
 *
 * The temporary file lives in the target's folder because rename(2) is
 * atomic only within one file system.  Its name starts with a dot so that
 * directory listings and globs ("*.geojson") skip it, and ends with the
 * writer's pid so that om_atomic_sweep can tell a temporary of a killed run
 * (its process is gone) from one that a running build is still writing.
 * The order commit follows is the one that survives a power cut: data
 * fsynced before the rename, the folder fsynced after it.
 */
#include "io/atomic.h"

#include "core/path.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define TMP_MARK ".oremap-tmp-"


/* Fill a->target and a->tmp for target; 0 or a negative code. */
static int choose_paths(struct om_atomic *a, const char *target, struct om_diag *d)
{
  memset(a, 0, sizeof *a);
  const char *slash = strrchr(target, '/');
  const char *base = slash ? slash + 1 : target;
  if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
    return om_diag_fail(d, OM_EIO, "cannot create '%s': not a file name", target);
  int dirlen = (int)(base - target);
  a->target = strdup(target);
  if (!a->target ||
      asprintf(&a->tmp, "%.*s.%s" TMP_MARK "%ld", dirlen, target, base, (long)getpid()) < 0) {
    free(a->target);
    memset(a, 0, sizeof *a);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  return 0;
}

int om_atomic_reserve(struct om_atomic *a, const char *target, struct om_diag *d)
{
  int rc = choose_paths(a, target, d);
  if (rc < 0)
    return rc;
  /* A file of that name was left by an earlier process with our pid. */
  if (unlink(a->tmp) != 0 && errno != ENOENT) {
    rc = om_diag_fail(d, OM_EIO, "cannot remove '%s': %s", a->tmp, strerror(errno));
    om_atomic_abort(a);
  }
  return rc;
}

int om_atomic_open(struct om_atomic *a, const char *target, struct om_diag *d)
{
  int rc = om_atomic_reserve(a, target, d);
  if (rc < 0)
    return rc;
  int fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    rc = om_diag_fail(d, OM_EIO, "cannot create '%s': %s", target, strerror(errno));
    free(a->tmp); /* not ours to remove: it may belong to another writer */
    a->tmp = NULL;
    om_atomic_abort(a);
    return rc;
  }
  /* Replacing a file keeps its permissions, as editing it in place would. */
  struct stat st;
  if (stat(target, &st) == 0 && S_ISREG(st.st_mode))
    (void)fchmod(fd, st.st_mode & 07777);
  a->f = fdopen(fd, "wb");
  if (!a->f) {
    rc = om_diag_fail(d, OM_ENOMEM, "cannot open '%s': %s", a->tmp, strerror(errno));
    close(fd);
    om_atomic_abort(a);
  }
  return rc;
}

/* fsync the folder so that the rename itself survives a crash. */
static int sync_dir(const char *target, struct om_diag *d)
{
  char *dir = om_path_dirname(target);
  if (!dir)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  int rc = 0;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    rc = om_diag_fail(d, OM_EIO, "cannot open folder '%s': %s", dir, strerror(errno));
  } else {
    /* Some file systems cannot sync a folder; the rename is done anyway. */
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
      rc = om_diag_fail(d, OM_EIO, "cannot sync folder '%s': %s", dir, strerror(errno));
    close(fd);
  }
  free(dir);
  return rc;
}

int om_atomic_commit(struct om_atomic *a, struct om_diag *d)
{
  if (!a->tmp || !a->target)
    return om_diag_fail(d, OM_EIO, "no temporary file to commit");
  int rc = 0;
  if (a->f) {
    FILE *f = a->f;
    a->f = NULL;
    if (fflush(f) != 0 || ferror(f))
      rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", a->target, strerror(errno));
    else if (fsync(fileno(f)) != 0)
      rc = om_diag_fail(d, OM_EIO, "cannot sync '%s': %s", a->target, strerror(errno));
    if (fclose(f) != 0 && rc == 0)
      rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", a->target, strerror(errno));
  } else {
    /* Filled by another writer (SQLite): make sure its data is on disk. */
    int fd = open(a->tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      rc = om_diag_fail(d, OM_EIO, "cannot open '%s': %s", a->tmp, strerror(errno));
    } else {
      if (fsync(fd) != 0)
        rc = om_diag_fail(d, OM_EIO, "cannot sync '%s': %s", a->target, strerror(errno));
      close(fd);
    }
  }
  if (rc == 0 && rename(a->tmp, a->target) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot replace '%s': %s", a->target, strerror(errno));
  if (rc < 0) {
    om_atomic_abort(a);
    return rc;
  }
  free(a->tmp); /* renamed: nothing left to remove */
  a->tmp = NULL;
  rc = sync_dir(a->target, d);
  om_atomic_abort(a);
  return rc;
}

void om_atomic_abort(struct om_atomic *a)
{
  if (a->f)
    fclose(a->f);
  if (a->tmp)
    unlink(a->tmp);
  free(a->tmp);
  free(a->target);
  memset(a, 0, sizeof *a);
}

/*
 * The pid in a temporary's name ".<name>.oremap-tmp-<pid>", or in the name
 * of the -journal, -wal or -shm file SQLite keeps beside it; 0 when the
 * name is not one of ours.
 */
static pid_t tmp_pid(const char *name)
{
  if (name[0] != '.')
    return 0;
  const char *mark = strstr(name + 1, TMP_MARK);
  const char *last = mark;
  while (last) { /* the target's own name may contain the mark */
    mark = last;
    last = strstr(mark + 1, TMP_MARK);
  }
  if (!mark || mark == name + 1)
    return 0;
  const char *digits = mark + strlen(TMP_MARK);
  if (!isdigit((unsigned char)digits[0]) || digits[0] == '0')
    return 0;
  long pid = 0;
  for (const char *p = digits; *p; p++) {
    if (!isdigit((unsigned char)*p)) {
      if (strcmp(p, "-journal") == 0 || strcmp(p, "-wal") == 0 || strcmp(p, "-shm") == 0)
        break;
      /* A GDAL driver's files keep an extension: ".x.shp.oremap-tmp-<pid>.dbf" (write_ogr.c). */
      if (p[0] == '.' && p[1] && strlen(p) <= 5 &&
          strspn(p + 1, "abcdefghijklmnopqrstuvwxyz") == strlen(p + 1))
        break;
      return 0;
    }
    pid = pid * 10 + (*p - '0');
    if (pid > 1L << 30)
      return 0;
  }
  return (pid_t)pid;
}

int om_atomic_sweep(const char *dir)
{
  DIR *dp = opendir(dir);
  if (!dp)
    return errno == ENOENT ? 0 : OM_EIO;
  int removed = 0;
  struct dirent *e;
  while ((e = readdir(dp)) != NULL) {
    pid_t pid = tmp_pid(e->d_name);
    if (pid <= 0)
      continue;
    /* EPERM means the process lives under another user: keep its file. */
    if (kill(pid, 0) == -1 && errno == ESRCH) {
      if (unlinkat(dirfd(dp), e->d_name, 0) == 0)
        removed++;
    }
  }
  closedir(dp);
  return removed;
}
