/*
 * The spool: features appended to an unlinked temporary file, then mapped
 * read-only (see spool.h for why).
 *
 * A feature on file:
 *   u32 size of the whole entry (a multiple of 8)
 *   u32 number of values
 *   i64 record, i64 line
 *   f64 env[4]
 *   u32 wkb length, then the WKB bytes
 *   per value: u32 length (UINT32_MAX for null), the bytes and a NUL
 * so that a cursor hands out pointers into the mapping without copying.
 *
 * Memory stays bounded: source order is a walk through the mapping whose
 * pages a cursor hands back to the kernel every few megabytes (the file
 * stays in the page cache; only this process's resident set shrinks).
 * Hilbert order needs one 16-byte entry per feature and reads each feature
 * with pread: the kernel maps neighbouring pages on every fault, so random
 * reads through the mapping would make a whole file resident at once.
 */
#include "core/spool.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/hilbert.h"

#define NULL_LEN UINT32_MAX

#define RELEASE_BYTES (16u << 20) /* a cursor releases mapped pages after this much */

struct spool_entry {
  uint64_t offset; /* of the feature in the file */
  uint32_t key;    /* Hilbert key of its envelope's centre */
  uint32_t size;   /* bytes of the feature */
};

struct om_spool {
  FILE *f;                    /* the temporary file while adding */
  uint64_t size;              /* bytes written */
  struct spool_entry *sorted; /* one per feature in Hilbert order (after finish) */
  size_t n;                   /* features */
  double env[4];              /* extent of all features */
  const unsigned char *map;   /* the mapped file (after finish) */
  char *buf;                  /* stdio buffer of f */
};

int om_spool_new(struct om_spool **out, const char *tmpdir, struct om_diag *d)
{
  *out = NULL;
  if (!tmpdir)
    tmpdir = getenv("TMPDIR");
  if (!tmpdir || !*tmpdir)
    tmpdir = "/tmp";
  struct om_spool *s = calloc(1, sizeof *s);
  char *path = NULL;
  if (!s || asprintf(&path, "%s/oremap-spool-XXXXXX", tmpdir) < 0) {
    free(s);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  int fd = mkstemp(path);
  if (fd < 0) {
    int rc = om_diag_fail(d, OM_EIO, "cannot create a temporary file in '%s': %s", tmpdir,
                          strerror(errno));
    free(path);
    free(s);
    return rc;
  }
  unlink(path); /* the file lives until closed, and a crash leaves nothing */
  free(path);
  s->f = fdopen(fd, "w+b");
  s->buf = malloc(1 << 20);
  if (!s->f || !s->buf) {
    if (s->f)
      fclose(s->f);
    else
      close(fd);
    free(s->buf);
    free(s);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  setvbuf(s->f, s->buf, _IOFBF, 1 << 20);
  *out = s;
  return 0;
}

void om_spool_free(struct om_spool *s)
{
  if (!s)
    return;
  if (s->map)
    munmap((void *)s->map, s->size);
  if (s->f)
    fclose(s->f);
  free(s->buf);
  free(s->sorted);
  free(s);
}

static void put_u32(FILE *f, uint32_t v) { fwrite(&v, sizeof v, 1, f); }

int om_spool_add(struct om_spool *s, const struct om_feature *f, struct om_diag *d)
{
  uint64_t size = 4 + 4 + 8 + 8 + 32 + 4 + f->wkb_len;
  for (size_t i = 0; i < f->nvalues; i++)
    size += 4 + (f->values[i] ? strlen(f->values[i]) + 1 : 0);
  uint64_t padded = (size + 7) & ~(uint64_t)7;
  if (padded > UINT32_MAX)
    return om_diag_fail(d, OM_EIO, "record %ld is larger than 4 GiB", f->record);

  int64_t record = f->record, line = f->line;
  put_u32(s->f, (uint32_t)padded);
  put_u32(s->f, (uint32_t)f->nvalues);
  fwrite(&record, 8, 1, s->f);
  fwrite(&line, 8, 1, s->f);
  fwrite(f->env, 8, 4, s->f);
  put_u32(s->f, (uint32_t)f->wkb_len);
  fwrite(f->wkb, 1, f->wkb_len, s->f);
  for (size_t i = 0; i < f->nvalues; i++) {
    if (!f->values[i]) {
      put_u32(s->f, NULL_LEN);
      continue;
    }
    size_t len = strlen(f->values[i]);
    put_u32(s->f, (uint32_t)len);
    fwrite(f->values[i], 1, len + 1, s->f);
  }
  static const char zeros[8];
  fwrite(zeros, 1, padded - size, s->f);
  if (ferror(s->f))
    return om_diag_fail(d, OM_EIO, "cannot write the temporary spool file: %s",
                        strerror(errno));

  s->n++;
  s->size += padded;

  if (s->n == 1) {
    memcpy(s->env, f->env, sizeof s->env);
  } else {
    if (f->env[0] < s->env[0]) s->env[0] = f->env[0];
    if (f->env[1] < s->env[1]) s->env[1] = f->env[1];
    if (f->env[2] > s->env[2]) s->env[2] = f->env[2];
    if (f->env[3] > s->env[3]) s->env[3] = f->env[3];
  }
  return 0;
}

/* Drop the mapping's pages from the resident set; they fault back from the page cache. */
static void release_pages(const struct om_spool *s)
{
  if (s->map)
    madvise((void *)s->map, s->size, MADV_DONTNEED);
}

static int by_key(const void *a, const void *b)
{
  const struct spool_entry *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int om_spool_finish(struct om_spool *s, struct om_diag *d)
{
  if (fflush(s->f) != 0)
    return om_diag_fail(d, OM_EIO, "cannot write the temporary spool file: %s",
                        strerror(errno));
  if (s->size > 0) {
    void *map = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, fileno(s->f), 0);
    if (map == MAP_FAILED)
      return om_diag_fail(d, OM_EIO, "cannot map the temporary spool file: %s",
                          strerror(errno));
    s->map = map;
  }
  free(s->buf); /* stdio no longer uses it once nothing more is written */
  setvbuf(s->f, NULL, _IONBF, 0);
  s->buf = NULL;

  s->sorted = malloc((s->n ? s->n : 1) * sizeof *s->sorted);
  if (!s->sorted)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  uint64_t offset = 0;
  for (size_t i = 0; i < s->n; i++) {
    double env[4];
    uint32_t size;
    memcpy(&size, s->map + offset, sizeof size);
    memcpy(env, s->map + offset + 24, sizeof env);
    s->sorted[i].offset = offset;
    s->sorted[i].size = size;
    s->sorted[i].key = (uint32_t)om_hilbert_key((env[0] + env[2]) / 2, (env[1] + env[3]) / 2, s->env);
    offset += size;
    if (offset / RELEASE_BYTES != (offset - size) / RELEASE_BYTES)
      release_pages(s);
  }
  qsort(s->sorted, s->n, sizeof *s->sorted, by_key);
  release_pages(s);
  return 0;
}

size_t om_spool_count(const struct om_spool *s) { return s->n; }

void om_spool_extent(const struct om_spool *s, double env[4])
{
  memcpy(env, s->env, sizeof s->env);
}

void om_spool_cursor_init(struct om_spool_cursor *c, const struct om_spool *s,
                          enum om_spool_order order)
{
  memset(c, 0, sizeof *c);
  c->spool = s;
  c->order = order;
}

static uint32_t get_u32(const unsigned char *p)
{
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* The next feature's bytes: in the mapping, or read into the cursor's buffer. */
static const unsigned char *next_bytes(struct om_spool_cursor *c)
{
  const struct om_spool *s = c->spool;
  if (c->order == OM_ORDER_SOURCE) {
    const unsigned char *p = s->map + c->next;
    uint32_t size = get_u32(p);
    c->next += size;
    c->read += size;
    if (c->read >= RELEASE_BYTES) {
      release_pages(s);
      c->read = 0;
    }
    return p;
  }
  const struct spool_entry *e = &s->sorted[c->pos];
  if (e->size > c->buf_cap) {
    unsigned char *grown = realloc(c->buf, e->size);
    if (!grown)
      return NULL;
    c->buf = grown;
    c->buf_cap = e->size;
  }
  for (size_t done = 0; done < e->size;) {
    ssize_t n = pread(fileno(s->f), c->buf + done, e->size - done, (off_t)(e->offset + done));
    if (n <= 0)
      return NULL;
    done += (size_t)n;
  }
  return c->buf;
}

/* Read the size bytes at offset into the cursor's buffer: 0, or OM_ENOMEM / OM_EIO. */
static int read_into(struct om_spool_cursor *c, uint64_t offset, uint32_t size)
{
  if (size > c->buf_cap) {
    unsigned char *grown = realloc(c->buf, size);
    if (!grown)
      return OM_ENOMEM;
    c->buf = grown;
    c->buf_cap = size;
  }
  for (size_t done = 0; done < size;) {
    ssize_t n = pread(fileno(c->spool->f), c->buf + done, size - done, (off_t)(offset + done));
    if (n <= 0)
      return OM_EIO;
    done += (size_t)n;
  }
  return 0;
}

static int decode(struct om_spool_cursor *c, const unsigned char *p, struct om_feature *f);

uint64_t om_spool_cursor_offset(const struct om_spool_cursor *c) { return c->next; }

int om_spool_read_at(struct om_spool_cursor *c, uint64_t offset, struct om_feature *f)
{
  const struct om_spool *s = c->spool;
  if (offset + 8 > s->size)
    return OM_EIO;
  uint32_t size;
  memcpy(&size, s->map + offset, sizeof size);
  if (size < 64 || offset + size > s->size)
    return OM_EIO;
  int rc = read_into(c, offset, size);
  return rc < 0 ? rc : decode(c, c->buf, f);
}

int om_spool_cursor_next(struct om_spool_cursor *c, struct om_feature *f)
{
  const struct om_spool *s = c->spool;
  if (c->pos >= s->n)
    return 0;
  const unsigned char *p = next_bytes(c);
  if (!p)
    return c->order == OM_ORDER_SOURCE ? OM_ENOMEM : OM_EIO;
  c->pos++;
  return decode(c, p, f);
}

/* Fill *f from the feature's bytes at p: 1, or OM_ENOMEM. */
static int decode(struct om_spool_cursor *c, const unsigned char *p, struct om_feature *f)
{

  uint32_t nvalues = get_u32(p + 4);
  if (nvalues > c->cap) {
    const char **grown = realloc(c->values, nvalues * sizeof *grown);
    if (!grown)
      return OM_ENOMEM;
    c->values = grown;
    c->cap = nvalues;
  }
  int64_t record, line;
  memcpy(&record, p + 8, 8);
  memcpy(&line, p + 16, 8);
  memcpy(f->env, p + 24, sizeof f->env);
  f->record = (long)record;
  f->line = (long)line;
  f->wkb_len = get_u32(p + 56);
  f->wkb = p + 60;
  p += 60 + f->wkb_len;
  for (uint32_t i = 0; i < nvalues; i++) {
    uint32_t len = get_u32(p);
    p += 4;
    if (len == NULL_LEN) {
      c->values[i] = NULL;
    } else {
      c->values[i] = (const char *)p;
      p += len + 1;
    }
  }
  f->nvalues = nvalues;
  f->values = c->values;
  return 1;
}

void om_spool_cursor_release(struct om_spool_cursor *c)
{
  free(c->buf);
  c->buf = NULL;
  c->buf_cap = 0;
  free(c->values);
  c->values = NULL;
  c->cap = 0;
}
