/*
 * Line reading over GDAL's virtual file API, so one code path serves plain
 * files and zip members.  Lines are cut from a buffer refilled with
 * VSIFReadL; a line that runs past the buffer's end is moved to its start
 * and the buffer grows only when one line is longer than it.
 */
#include "io/lines.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINES_CHUNK (1u << 20)
#define LINES_MAX (16u << 20)

struct om_lines {
  VSILFILE *f;
  char *buf;     /* buffered bytes, with room for a NUL */
  size_t cap;    /* bytes buf holds, less one */
  size_t start;  /* first unread byte */
  size_t end;    /* end of buffered bytes */
  int eof;       /* the file has no more bytes */
  long number;   /* lines returned */
};

static int has_suffix(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The /vsizip/ path of the member to read from archive 'path'. */
static char *zip_member(const char *path, struct om_diag *d)
{
  size_t n = strlen(path);
  char *dir = malloc(n + 16);
  if (!dir)
    return NULL;
  snprintf(dir, n + 16, "/vsizip/%s", path);
  char **names = VSIReadDir(dir);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t blen = strlen(base) - 4; /* without ".zip" */
  const char *pick = NULL;
  for (int i = 0; names && names[i]; i++) {
    if (strlen(names[i]) == blen + 4 && strncmp(names[i], base, blen) == 0 &&
        has_suffix(names[i], ".txt"))
      pick = names[i];
  }
  for (int i = 0; !pick && names && names[i]; i++) {
    if (names[i][0] && names[i][strlen(names[i]) - 1] != '/')
      pick = names[i];
  }
  char *out = NULL;
  if (pick) {
    size_t m = strlen(dir) + strlen(pick) + 2;
    out = malloc(m);
    if (out)
      snprintf(out, m, "%s/%s", dir, pick);
  } else {
    om_diag_fail(d, OM_EIO, "cannot open '%s': no file in the archive", path);
  }
  CSLDestroy(names);
  free(dir);
  return out;
}

int om_lines_open(struct om_lines **out, const char *path, struct om_diag *d)
{
  *out = NULL;
  char *vpath = NULL;
  if (has_suffix(path, ".zip")) {
    vpath = zip_member(path, d);
    if (!vpath)
      return d->msg[0] ? OM_EIO : om_diag_fail(d, OM_ENOMEM, "out of memory");
  } else if (strstr(path, ".zip/")) {
    size_t m = strlen(path) + 9;
    vpath = malloc(m);
    if (!vpath)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    snprintf(vpath, m, "/vsizip/%s", path);
  }
  errno = 0;
  VSILFILE *f = VSIFOpenL(vpath ? vpath : path, "rb");
  free(vpath);
  if (!f)
    return om_diag_fail(d, OM_EIO, "cannot open '%s': %s", path,
                        errno ? strerror(errno) : "not a readable file or archive");
  struct om_lines *l = calloc(1, sizeof *l);
  if (l)
    l->buf = malloc(LINES_CHUNK + 1);
  if (!l || !l->buf) {
    VSIFCloseL(f);
    free(l);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  l->f = f;
  l->cap = LINES_CHUNK;
  *out = l;
  return 0;
}

void om_lines_free(struct om_lines *l)
{
  if (!l)
    return;
  VSIFCloseL(l->f);
  free(l->buf);
  free(l);
}

/* Move the unread bytes to the front and read more; grows when full. */
static int refill(struct om_lines *l, struct om_diag *d)
{
  size_t left = l->end - l->start;
  if (l->start > 0) {
    memmove(l->buf, l->buf + l->start, left);
    l->start = 0;
    l->end = left;
  }
  if (l->end == l->cap) {
    if (l->cap >= LINES_MAX)
      return om_diag_fail(d, OM_EIO, "line %ld is longer than %u bytes", l->number + 1,
                          LINES_MAX);
    char *nb = realloc(l->buf, l->cap * 2 + 1);
    if (!nb)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    l->buf = nb;
    l->cap *= 2;
  }
  size_t got = VSIFReadL(l->buf + l->end, 1, l->cap - l->end, l->f);
  if (got == 0)
    l->eof = 1;
  l->end += got;
  return 0;
}

int om_lines_next(struct om_lines *l, char **line, size_t *len, struct om_diag *d)
{
  size_t scanned = 0;
  for (;;) {
    char *p = l->buf + l->start;
    size_t avail = l->end - l->start;
    char *nl = memchr(p + scanned, '\n', avail - scanned);
    if (nl || (l->eof && avail > 0)) {
      size_t n = nl ? (size_t)(nl - p) : avail;
      l->start += nl ? n + 1 : n;
      if (n > 0 && p[n - 1] == '\r')
        n--;
      p[n] = '\0';
      *line = p;
      *len = n;
      l->number++;
      return 1;
    }
    if (l->eof)
      return 0;
    scanned = avail;
    int rc = refill(l, d);
    if (rc < 0)
      return rc;
  }
}

long om_lines_number(const struct om_lines *l) { return l->number; }
