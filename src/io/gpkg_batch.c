/*
 * How a GeoPackage is replaced while readers may hold it open (see
 * gpkg_batch.h and ARCHITECTURE.md, "Outputs are replaced atomically").
 *
 *   - A file without -wal/-shm/-journal companions (or no file yet) is
 *     copied with SQLite's backup API to a temporary beside it; the layer
 *     goes into the copy, which is fsynced and renamed over the target.
 *     Readers in rollback-journal mode keep reading the old inode.  Within
 *     a batch the copy stays for the build's later layers of that file and
 *     is renamed once, by om_gpkg_batch_commit.
 *   - A file with companions has a reader (or writer) right now, maybe in
 *     WAL mode, and renaming over it would mix the old -wal pages into the
 *     new file.  The layer is replaced in place in one BEGIN IMMEDIATE
 *     transaction, waiting up to 5 s for other writers, so that readers
 *     see the old layer or the new one.  A copy whose target gained
 *     companions while it was being filled is written into the target in
 *     one transaction (backup API) instead of being renamed.
 *
 * A copy is closed between layers, so that a batch holds no connection and
 * no page cache; each layer writes in a transaction of its own.  In a
 * batch's copy that transaction has a rollback journal (beside the
 * temporary, named after it, so a killed run's journal is swept with it):
 * a layer that fails midway is rolled back and the tables the other layers
 * added stay.  A copy of one layer (no batch) needs no journal: on failure
 * it is thrown away.
 *
 * Threads of one process writing layers into the same file would lose
 * each other's layers, so writes to one path take turns.
 */
#include "io/gpkg_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/atomic.h"

/* A temporary copy of one GeoPackage. */
struct copy {
  char *key;          /* canonical path of the target, owned */
  struct om_atomic a; /* the target and the temporary beside it */
  bool exists;        /* the target existed when it was copied */
  bool wal;           /* it was in WAL mode: the copy goes back to WAL */
  bool journal;       /* layers are written with a rollback journal (batch) */
  bool broken;        /* a failed layer could not be rolled back */
  int filled;         /* layers written into it */
  struct copy *next;  /* next in the batch */
};

struct om_gpkg_batch {
  pthread_mutex_t lock;             /* guards copies and stats */
  struct copy *copies;              /* not yet committed */
  struct om_gpkg_batch_stats stats; /* what it did */
};

int om_gpkg_exec_fmt(sqlite3 *db, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *sql = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  if (!sql)
    return SQLITE_NOMEM;
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_free(sql);
  return rc;
}

int om_gpkg_fail(struct om_diag *d, const char *path, sqlite3 *db, int rc)
{
  int code = OM_EDEP;
  switch (rc & 0xff) {
  case SQLITE_NOMEM:
    code = OM_ENOMEM;
    break;
  case SQLITE_IOERR: case SQLITE_FULL: case SQLITE_CANTOPEN: case SQLITE_READONLY:
  case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_PERM: case SQLITE_NOTADB:
  case SQLITE_CORRUPT:
    code = OM_EIO;
    break;
  }
  const char *msg = db && sqlite3_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return om_diag_fail(d, code, "cannot write '%s': %s", path, msg);
}

/* ---- Writes to one file take turns within the process ---- */

struct busy_path {
  const char *key;        /* canonical path being written */
  struct busy_path *next; /* next in the list */
};

static pthread_mutex_t busy_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t busy_cond = PTHREAD_COND_INITIALIZER;
static struct busy_path *busy_list;

/* The real folder of path plus its file name (owned), or NULL with errno set. */
static char *canonical_path(const char *path)
{
  const char *slash = strrchr(path, '/');
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  char *real = dir ? realpath(dir, NULL) : NULL;
  char *key = NULL;
  if (real && asprintf(&key, "%s/%s", real, slash ? slash + 1 : path) < 0)
    key = NULL;
  int saved = errno;
  free(dir);
  free(real);
  errno = saved;
  return key;
}

static void busy_enter(struct busy_path *me)
{
  pthread_mutex_lock(&busy_mutex);
  for (;;) {
    struct busy_path *p = busy_list;
    while (p && strcmp(p->key, me->key) != 0)
      p = p->next;
    if (!p)
      break;
    pthread_cond_wait(&busy_cond, &busy_mutex);
  }
  me->next = busy_list;
  busy_list = me;
  pthread_mutex_unlock(&busy_mutex);
}

static void busy_leave(struct busy_path *me)
{
  pthread_mutex_lock(&busy_mutex);
  for (struct busy_path **pp = &busy_list; *pp; pp = &(*pp)->next) {
    if (*pp == me) {
      *pp = me->next;
      break;
    }
  }
  pthread_cond_broadcast(&busy_cond);
  pthread_mutex_unlock(&busy_mutex);
}

/* ---- Connections ---- */

static int open_db(sqlite3 **db, const char *file, int flags, const char *path, struct om_diag *d)
{
  int rc = sqlite3_open_v2(file, db, flags, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_db_config(*db, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)NULL); /* R-tree shadow tables */
    rc = sqlite3_busy_timeout(*db, OM_GPKG_BUSY_TIMEOUT_MS);
  }
  if (rc != SQLITE_OK) {
    rc = om_gpkg_fail(d, path, *db, rc);
    sqlite3_close(*db);
    *db = NULL;
  }
  return rc;
}

static int close_db(sqlite3 *db, const char *path, struct om_diag *d)
{
  if (db && sqlite3_close(db) != SQLITE_OK)
    return om_diag_fail(d, OM_EDEP, "cannot write '%s': %s", path, sqlite3_errmsg(db));
  return 0;
}

/* Whether path has -wal, -shm or -journal files beside it; removes them if asked. */
static bool companions(const char *path, bool remove)
{
  static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
  bool found = false;
  for (size_t i = 0; i < 3; i++) {
    char name[PATH_MAX];
    if (snprintf(name, sizeof name, "%s%s", path, suffixes[i]) >= (int)sizeof name)
      continue;
    found |= access(name, F_OK) == 0;
    if (remove)
      unlink(name);
  }
  return found;
}

/*
 * Run fill in one transaction on db (begun with 'begin'); on failure roll
 * back.  *rolled_back says whether the database is as it was before.
 */
static int fill_in_transaction(sqlite3 *db, const char *begin, om_gpkg_fill_fn *fill, void *ctx,
                               const char *path, struct om_diag *d, bool *rolled_back)
{
  *rolled_back = true;
  int src = sqlite3_exec(db, begin, NULL, NULL, NULL);
  int rc = src == SQLITE_OK ? fill(ctx, db) : om_gpkg_fail(d, path, db, src);
  if (rc == 0 && (src = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
    rc = om_gpkg_fail(d, path, db, src);
  if (rc < 0 && !sqlite3_get_autocommit(db))
    *rolled_back = sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK;
  return rc;
}

/* The layer replaced in place, in one transaction (a reader has the file open). */
static int write_in_place(const char *path, om_gpkg_fill_fn *fill, void *ctx, struct om_diag *d)
{
  sqlite3 *db;
  int rc = open_db(&db, path, SQLITE_OPEN_READWRITE, path, d);
  if (rc < 0)
    return rc;
  char pragma[64];
  snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%d", OM_GPKG_CACHE_KIB);
  int src = sqlite3_exec(db, pragma, NULL, NULL, NULL);
  bool rolled_back;
  rc = src == SQLITE_OK ? fill_in_transaction(db, "BEGIN IMMEDIATE", fill, ctx, path, d,
                                              &rolled_back)
                        : om_gpkg_fail(d, path, db, src);
  sqlite3_close(db); /* a transaction left open is rolled back */
  return rc;
}

/* ---- Temporary copies ---- */

/* Copy the existing target into the open, empty temporary; sets c->wal. */
static int copy_existing(struct copy *c, sqlite3 *dst, struct om_diag *d)
{
  const char *path = c->a.target;
  /*
   * Read-write although it only reads: a read-only connection to a WAL
   * file creates -wal and -shm files it cannot remove when it closes.
   */
  sqlite3 *src;
  int rc = open_db(&src, path, SQLITE_OPEN_READWRITE, path, d);
  if (rc < 0 && access(path, W_OK) != 0)
    rc = open_db(&src, path, SQLITE_OPEN_READONLY, path, d);
  if (rc < 0)
    return rc;
  sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
  int brc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dst);
  int frc = sqlite3_backup_finish(b);
  if (brc != SQLITE_DONE)
    rc = om_gpkg_fail(d, path, b ? src : dst, brc);
  else if (frc != SQLITE_OK)
    rc = om_gpkg_fail(d, path, dst, frc);
  sqlite3_close(src);
  /* The copy's header (bytes 18-19 = 2) keeps WAL mode if the original had it. */
  sqlite3_stmt *st = NULL;
  if (rc == 0 && sqlite3_prepare_v2(dst, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    c->wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
  sqlite3_finalize(st);
  /* Rollback mode while oremap fills it; back to WAL when it is committed. */
  int src_rc;
  if (rc == 0 && c->wal &&
      (src_rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL)) != SQLITE_OK)
    rc = om_gpkg_fail(d, path, dst, src_rc);
  return rc;
}

/* Remove a copy's temporary (and any journal beside it) and free it. */
static void discard(struct copy *c)
{
  if (!c)
    return;
  if (c->a.tmp)
    companions(c->a.tmp, true);
  om_atomic_abort(&c->a);
  free(c->key);
  free(c);
}

/* A temporary copy of the target at path (or an empty one if there is no file). */
static int make_copy(struct copy **out, char *key, const char *path, bool exists, bool journal,
                     struct om_diag *d)
{
  *out = NULL;
  struct copy *c = calloc(1, sizeof *c);
  if (!c) {
    free(key);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  c->key = key;
  c->exists = exists;
  c->journal = journal;
  int rc = om_atomic_reserve(&c->a, path, d);
  sqlite3 *db = NULL;
  if (rc == 0)
    rc = open_db(&db, c->a.tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, path, d);
  if (rc == 0 && exists)
    rc = copy_existing(c, db, d);
  int crc = close_db(db, path, d);
  if (rc == 0)
    rc = crc;
  if (rc < 0) {
    discard(c);
    return rc;
  }
  *out = c;
  return 0;
}

/*
 * Add a layer to a copy.  Nobody else reads the temporary: no syncs until
 * it is committed, and a journal only when other layers' tables must
 * survive this one failing.
 */
static int fill_copy(struct copy *c, om_gpkg_fill_fn *fill, void *ctx, struct om_diag *d)
{
  const char *path = c->a.target;
  if (c->broken)
    return om_diag_fail(d, OM_EIO, "cannot write '%s': an earlier layer could not be rolled "
                                   "back in its temporary copy", path);
  sqlite3 *db;
  int rc = open_db(&db, c->a.tmp, SQLITE_OPEN_READWRITE, path, d);
  if (rc < 0)
    return rc;
  char pragmas[128];
  snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode = %s; PRAGMA synchronous = OFF; "
           "PRAGMA cache_size = -%d", c->journal ? "DELETE" : "OFF", OM_GPKG_CACHE_KIB);
  int src = sqlite3_exec(db, pragmas, NULL, NULL, NULL);
  bool rolled_back = true;
  rc = src == SQLITE_OK ? fill_in_transaction(db, "BEGIN", fill, ctx, path, d, &rolled_back)
                        : om_gpkg_fail(d, path, db, src);
  int crc = close_db(db, path, d);
  if (rc == 0)
    rc = crc;
  if (rc == 0)
    c->filled++;
  else if (!rolled_back || !c->journal)
    c->broken = true;
  return rc;
}

/* Write the copy's pages into the target in one transaction (backup API). */
static int copy_into_target(struct copy *c, struct om_diag *d)
{
  const char *path = c->a.target;
  sqlite3 *dst = NULL, *src = NULL;
  int rc = open_db(&dst, path, SQLITE_OPEN_READWRITE, path, d);
  if (rc == 0)
    rc = open_db(&src, c->a.tmp, SQLITE_OPEN_READWRITE, path, d);
  sqlite3_backup *b = rc == 0 ? sqlite3_backup_init(dst, "main", src, "main") : NULL;
  if (rc == 0 && !b)
    rc = om_gpkg_fail(d, path, dst, sqlite3_errcode(dst));
  int brc = SQLITE_OK;
  /* Another writer may hold the file: wait as long as the busy timeout. */
  for (int waited = 0; b; waited += 50) {
    brc = sqlite3_backup_step(b, -1);
    if ((brc != SQLITE_BUSY && brc != SQLITE_LOCKED) || waited >= OM_GPKG_BUSY_TIMEOUT_MS)
      break;
    sqlite3_sleep(50);
  }
  int frc = b ? sqlite3_backup_finish(b) : SQLITE_OK;
  if (b && brc != SQLITE_DONE)
    rc = om_gpkg_fail(d, path, dst, brc);
  else if (frc != SQLITE_OK)
    rc = om_gpkg_fail(d, path, dst, frc);
  sqlite3_close(src);
  sqlite3_close(dst);
  return rc;
}

/* Replace the target with the copy; the copy is gone afterwards. */
static int commit_copy(struct copy *c, struct om_diag *d)
{
  const char *path = c->a.target;
  int rc = 0;
  struct stat st;
  bool exists = stat(path, &st) == 0;
  if (c->broken) {
    rc = om_diag_fail(d, OM_EIO, "cannot write '%s': a layer could not be rolled back in its "
                                 "temporary copy", path);
  } else if (exists && companions(path, false)) {
    rc = copy_into_target(c, d);
  } else {
    sqlite3 *db = NULL;
    if (c->wal) {
      /* A new file stays in rollback-journal (DELETE) mode; a WAL file goes back to WAL. */
      rc = open_db(&db, c->a.tmp, SQLITE_OPEN_READWRITE, path, d);
      int src = rc == 0 ? sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)
                        : SQLITE_OK;
      if (src != SQLITE_OK)
        rc = om_gpkg_fail(d, path, db, src);
      int crc = close_db(db, path, d);
      if (rc == 0)
        rc = crc;
    }
    if (rc == 0 && exists)
      (void)chmod(c->a.tmp, st.st_mode & 07777); /* keep the permissions the file had */
    if (rc == 0) {
      rc = om_atomic_commit(&c->a, d); /* fsync, rename, fsync the folder; empties c->a */
    }
  }
  discard(c);
  return rc;
}

/* ---- Public ---- */

int om_gpkg_replace(const char *path, struct om_gpkg_batch *batch, om_gpkg_fill_fn *fill,
                    void *ctx, struct om_diag *d)
{
  char *key = canonical_path(path);
  if (!key)
    return om_diag_fail(d, errno == ENOMEM ? OM_ENOMEM : OM_EIO, "cannot write '%s': %s", path,
                        strerror(errno));
  struct busy_path me = {.key = key};
  busy_enter(&me);
  struct copy *c = NULL;
  if (batch) {
    pthread_mutex_lock(&batch->lock);
    for (c = batch->copies; c && strcmp(c->key, key) != 0;)
      c = c->next;
    pthread_mutex_unlock(&batch->lock);
  }
  int rc = 0;
  bool mine = false; /* a copy made for this call alone */
  if (!c) {
    struct stat st;
    bool exists = stat(path, &st) == 0;
    char *owned = strdup(key);
    if (!owned)
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
    else if (exists && !S_ISREG(st.st_mode))
      rc = om_diag_fail(d, OM_EIO, "cannot write '%s': not a regular file", path);
    else if (exists && companions(path, false))
      rc = write_in_place(path, fill, ctx, d);
    else {
      rc = make_copy(&c, owned, path, exists, batch != NULL, d); /* takes owned */
      owned = NULL;
      mine = rc == 0 && !batch;
    }
    free(owned);
    if (c && batch) {
      pthread_mutex_lock(&batch->lock);
      c->next = batch->copies;
      batch->copies = c;
      batch->stats.copies++;
      batch->stats.pending++;
      pthread_mutex_unlock(&batch->lock);
    }
  }
  if (c && rc == 0)
    rc = fill_copy(c, fill, ctx, d);
  if (mine)
    rc = rc == 0 ? commit_copy(c, d) : (discard(c), rc);
  busy_leave(&me);
  free(key);
  return rc;
}

int om_gpkg_batch_new(struct om_gpkg_batch **out, struct om_diag *d)
{
  *out = calloc(1, sizeof **out);
  if (!*out)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  pthread_mutex_init(&(*out)->lock, NULL);
  return 0;
}

void om_gpkg_batch_free(struct om_gpkg_batch *b)
{
  if (!b)
    return;
  while (b->copies) {
    struct copy *c = b->copies;
    b->copies = c->next;
    discard(c);
  }
  pthread_mutex_destroy(&b->lock);
  free(b);
}

/* Take path's copy out of the batch (NULL when it has none). */
static struct copy *take(struct om_gpkg_batch *b, const char *key, bool remove)
{
  pthread_mutex_lock(&b->lock);
  struct copy **pp = &b->copies;
  while (*pp && strcmp((*pp)->key, key) != 0)
    pp = &(*pp)->next;
  struct copy *c = *pp;
  if (c && remove) {
    *pp = c->next;
    b->stats.pending--;
  }
  pthread_mutex_unlock(&b->lock);
  return c;
}

bool om_gpkg_batch_pending(struct om_gpkg_batch *b, const char *path)
{
  char *key = b ? canonical_path(path) : NULL;
  bool found = key && take(b, key, false) != NULL;
  free(key);
  return found;
}

int om_gpkg_batch_commit(struct om_gpkg_batch *b, const char *path, struct om_diag *d)
{
  char *key = canonical_path(path);
  if (!key) /* the folder is gone or never was: nothing was copied there */
    return errno == ENOMEM ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
  struct busy_path me = {.key = key};
  busy_enter(&me);
  struct copy *c = take(b, key, true);
  int rc = 0;
  if (c && c->filled == 0) {
    discard(c); /* every layer failed: the target stays as it is */
  } else if (c) {
    rc = commit_copy(c, d);
    if (rc == 0) {
      pthread_mutex_lock(&b->lock);
      b->stats.commits++;
      pthread_mutex_unlock(&b->lock);
    }
  }
  busy_leave(&me);
  free(key);
  return rc;
}

void om_gpkg_batch_stats(const struct om_gpkg_batch *b, struct om_gpkg_batch_stats *out)
{
  struct om_gpkg_batch *m = (struct om_gpkg_batch *)b; /* only the lock changes */
  pthread_mutex_lock(&m->lock);
  *out = b->stats;
  pthread_mutex_unlock(&m->lock);
}
