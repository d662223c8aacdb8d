/*
 * oremap's own reader for delimited text: RFC 4180 CSV and its relatives
 * (semicolon, tab, pipe).  GDAL's CSV driver does not say on which line a
 * record starts, passes invalid UTF-8 through and drops columns past 2,000
 * with a warning; this reader knows lines and byte offsets, converts from
 * a declared encoding and rejects what it cannot read, record by record.
 *
 * The file is read in large chunks and parsed by a small state machine
 * that runs over the bytes once: an unquoted run up to the next special
 * byte (delimiter, quote, CR, LF) is copied with one memcpy, so a record
 * never has to fit in the read buffer.  Field bytes are kept only up to
 * max_field_bytes and fields only up to max_fields; the rest is counted,
 * which bounds memory whatever the input.
 *
 * Leniencies, as spreadsheets produce them: a quote inside an unquoted
 * field is kept as is; text after a closing quote is kept ("a"b is ab);
 * CR, LF and CRLF all end lines.  Blank lines are not records but count
 * as lines.  A quote still open at the end of the file rejects its record,
 * and reading resumes on the line after the one where the quote opened,
 * so that one stray quote costs one record and not the rest of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/read_internal.h"

#ifndef OM_CSV_CHUNK
#define OM_CSV_CHUNK ((size_t)4 << 20) /* bytes per read(); tiny values test the seams */
#endif
#define HEADER_PEEK ((size_t)1 << 20) /* bytes looked at to find the delimiter */

enum csv_state {
  ST_START,    /* at the start of a field */
  ST_UNQUOTED, /* inside an unquoted field (or after a closing quote) */
  ST_QUOTED,   /* inside quotes */
  ST_QUOTE,    /* after a quote inside quotes: closing, or the first of a pair */
};

struct csv_reader {
  struct om_reader base;
  int fd;                      /* the open file */
  unsigned char *in;           /* read buffer */
  size_t in_cap, in_len, in_pos; /* bytes allocated, read into it, consumed */
  long long in_off;            /* file offset of in[0] */
  long long size;              /* bytes in the file when opened, 0 if unknown */
  bool eof;                    /* read() has returned 0 */
  unsigned char delim;         /* the field delimiter */
  unsigned char special[256];  /* 1 for bytes that end an unquoted run */
  bool skip_lf;                /* the last record ended in CR: an LF next is part of it */
  long line;                   /* line of the next unread byte */
  long records;                /* data records read */

  /* The record being read. */
  struct om_read_buf text;     /* stored field bytes, each followed by a NUL */
  size_t *starts, *lens;       /* offset in text and stored length per field */
  size_t cap_fields;           /* entries allocated in starts and lens */
  size_t nfields;              /* fields seen, stored or not */
  size_t nstored;              /* fields stored: min(nfields, max_fields) */
  size_t field_start;          /* offset in text of the current field */
  size_t field_len;            /* full length of the current field */
  size_t long_field;           /* first field over the limit, or SIZE_MAX */
  size_t long_len;             /* its full length */
  bool any_quote;              /* a quoted field: the record is not a blank line */
  bool unterminated;           /* the file ended inside quotes */
  long quote_line;             /* line of the last opening quote */
  long long resume_off;        /* after the first line end inside that quote, or -1 */
  long resume_line;            /* line at resume_off */
  bool resume_skip_lf;         /* that line end was a CR */

  char **values;               /* handed out in records, one per header field */
  size_t *vlens;               /* their lengths */
};

/* Read up to OM_CSV_CHUNK more bytes after those in the buffer. */
static int read_more(struct csv_reader *c, struct om_diag *d)
{
  if (c->in_cap - c->in_len < OM_CSV_CHUNK) {
    unsigned char *p = realloc(c->in, c->in_len + OM_CSV_CHUNK);
    if (!p)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    c->in = p;
    c->in_cap = c->in_len + OM_CSV_CHUNK;
  }
  for (;;) {
    ssize_t n = read(c->fd, c->in + c->in_len, OM_CSV_CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return om_diag_fail(d, OM_EIO, "cannot read '%s': %s", c->base.path, strerror(errno));
    c->eof = n == 0;
    c->in_len += (size_t)n;
    return 0;
  }
}

/* Drop the consumed buffer and read the next chunk. */
static int refill(struct csv_reader *c, struct om_diag *d)
{
  c->in_off += (long long)c->in_len;
  c->in_len = c->in_pos = 0;
  return read_more(c, d);
}

/* Add n bytes to the current field, keeping at most max_field_bytes of it. */
static inline int append(struct csv_reader *c, const unsigned char *p, size_t n)
{
  size_t limit = c->base.max_field_bytes;
  size_t before = c->field_len;
  c->field_len += n;
  if (c->nfields >= c->base.max_fields || before >= limit)
    return 0;
  if (n > limit - before)
    n = limit - before;
  if (c->text.cap - c->text.len <= n && om_read_buf_reserve(&c->text, n + 1) < 0)
    return OM_ENOMEM;
  memcpy(c->text.p + c->text.len, p, n);
  c->text.len += n;
  return 0;
}

static inline int end_field(struct csv_reader *c)
{
  if (c->field_len > c->base.max_field_bytes && c->long_field == SIZE_MAX) {
    c->long_field = c->nfields;
    c->long_len = c->field_len;
  }
  if (c->nfields < c->base.max_fields) {
    if (c->nstored == c->cap_fields) {
      size_t cap = c->cap_fields ? c->cap_fields * 2 : 16;
      size_t *s = realloc(c->starts, cap * sizeof *s);
      if (s)
        c->starts = s;
      size_t *l = realloc(c->lens, cap * sizeof *l);
      if (l)
        c->lens = l;
      if (!s || !l)
        return OM_ENOMEM;
      c->cap_fields = cap;
    }
    if (c->text.cap == c->text.len && om_read_buf_reserve(&c->text, 1) < 0)
      return OM_ENOMEM;
    c->starts[c->nstored] = c->field_start;
    c->lens[c->nstored] = c->text.len - c->field_start;
    c->text.p[c->text.len++] = '\0';
    c->nstored++;
  }
  c->nfields++;
  c->field_start = c->text.len;
  c->field_len = 0;
  return 0;
}

/*
 * Read one physical record (possibly a blank line) into c.  Returns 1, 0
 * at the end of the file, or a negative run-level error.
 */
static int scan_record(struct csv_reader *c, struct om_diag *d)
{
  c->text.len = c->field_start = c->field_len = 0;
  c->nfields = c->nstored = 0;
  c->long_field = SIZE_MAX;
  c->any_quote = c->unterminated = false;
  c->resume_off = -1;
  enum csv_state st = ST_START;
  bool started = false; /* a byte of this record has been read */
  bool prev_cr = false; /* inside quotes, the last byte was a CR */
  int rc = 0;
  for (;;) {
    if (c->in_pos == c->in_len) {
      if (!c->eof && (rc = refill(c, d)) < 0)
        return rc;
      if (c->in_pos == c->in_len) {
        if (!started)
          return 0;
        c->unterminated = st == ST_QUOTED;
        rc = end_field(c);
        return rc < 0 ? om_diag_fail(d, rc, "out of memory") : 1;
      }
    }
    if (c->skip_lf) {
      c->skip_lf = false;
      if (c->in[c->in_pos] == '\n') {
        c->in_pos++;
        continue;
      }
    }
    started = true;
    const unsigned char *p = c->in + c->in_pos;
    const unsigned char *end = c->in + c->in_len;
    const unsigned char *q;
    unsigned char ch;
    switch (st) {
    case ST_START:
      if (*p == '"') {
        st = ST_QUOTED;
        c->any_quote = true;
        c->quote_line = c->line;
        c->resume_off = -1;
        prev_cr = false;
        p++;
        break;
      }
      st = ST_UNQUOTED;
      /* fall through */
    case ST_UNQUOTED:
      for (q = p; q < end && !c->special[*q]; q++)
        ;
      if (q > p)
        rc = append(c, p, (size_t)(q - p));
      p = q;
      if (p == end || rc < 0)
        break;
      ch = *p++;
      if (ch == c->delim) {
        rc = end_field(c);
        st = ST_START;
      } else if (ch == '\n' || ch == '\r') {
        c->line++;
        c->skip_lf = ch == '\r';
        c->in_pos = (size_t)(p - c->in);
        rc = end_field(c);
        return rc < 0 ? om_diag_fail(d, rc, "out of memory") : 1;
      } else {
        rc = append(c, &ch, 1);
      }
      break;
    case ST_QUOTED:
      for (q = p; q < end && *q != '"' && *q != '\n' && *q != '\r'; q++)
        ;
      if (q > p) {
        rc = append(c, p, (size_t)(q - p));
        prev_cr = false;
      }
      p = q;
      if (p == end || rc < 0)
        break;
      ch = *p++;
      if (ch == '"') {
        st = ST_QUOTE;
        break;
      }
      if (ch == '\r' || !prev_cr)
        c->line++;
      prev_cr = ch == '\r';
      rc = append(c, &ch, 1);
      if (c->resume_off < 0) {
        c->resume_off = c->in_off + (p - c->in);
        c->resume_line = c->line;
        c->resume_skip_lf = ch == '\r';
      }
      break;
    case ST_QUOTE:
      if (*p == '"') {
        rc = append(c, p, 1);
        p++;
        st = ST_QUOTED;
        prev_cr = false;
      } else {
        st = ST_UNQUOTED;
      }
      break;
    }
    if (rc < 0)
      return om_diag_fail(d, rc, "out of memory");
    c->in_pos = (size_t)(p - c->in);
  }
}

static bool is_blank_line(const struct csv_reader *c)
{
  return c->nfields == 1 && c->lens[0] == 0 && !c->any_quote && c->long_field == SIZE_MAX;
}

/* True when every field is empty or only spaces and tabs. */
static bool all_fields_empty(const struct csv_reader *c)
{
  if (c->nstored < c->nfields || c->long_field != SIZE_MAX)
    return false;
  for (size_t i = 0; i < c->nstored; i++) {
    const char *s = c->text.p + c->starts[i];
    for (size_t k = 0; k < c->lens[i]; k++)
      if (s[k] != ' ' && s[k] != '\t')
        return false;
  }
  return true;
}

/* A sample of field i for a reject: at most OM_READ_SAMPLE_BYTES, whole characters. */
static void field_sample(const struct csv_reader *c, size_t i, char *out)
{
  size_t n = 0;
  if (i < c->nstored) {
    n = c->lens[i] < OM_READ_SAMPLE_BYTES ? c->lens[i] : OM_READ_SAMPLE_BYTES;
    n = om_utf8_prefix(c->text.p + c->starts[i], n);
    memcpy(out, c->text.p + c->starts[i], n);
  }
  out[n] = '\0';
}

/* The stored fields joined by the delimiter, cut to a sample, for a reject. */
static void record_sample(const struct csv_reader *c, char *out)
{
  size_t n = 0;
  for (size_t i = 0; i < c->nstored && n < OM_READ_SAMPLE_BYTES; i++) {
    if (i > 0)
      out[n++] = (char)c->delim;
    size_t k = c->lens[i] < OM_READ_SAMPLE_BYTES - n ? c->lens[i] : OM_READ_SAMPLE_BYTES - n;
    memcpy(out + n, c->text.p + c->starts[i], k);
    n += k;
  }
  n = om_utf8_prefix(out, n);
  out[n] = '\0';
}

/* Go on after an unterminated quote: on the line after the one it opened on. */
static int resume_after_quote(struct csv_reader *c, struct om_diag *d)
{
  if (c->resume_off < 0)
    return 0; /* the quote opened on the last line: nothing after it */
  if (lseek(c->fd, (off_t)c->resume_off, SEEK_SET) < 0)
    return om_diag_fail(d, OM_EIO, "cannot read '%s': %s", c->base.path, strerror(errno));
  c->in_off = c->resume_off;
  c->in_len = c->in_pos = 0;
  c->eof = false;
  c->line = c->resume_line;
  c->skip_lf = c->resume_skip_lf;
  return 0;
}

static int reject(struct om_diag *d, const struct om_pos *at, const char *field,
                  enum om_reason why, const char *detail, const char *value)
{
  int rc = om_diag_reject(d, at, field, why, detail, value);
  return rc < 0 ? rc : OM_READ_REJECTED;
}

/* Check a scanned data record and hand it out in rec, or reject it. */
static int check_record(struct csv_reader *c, struct om_record *rec, struct om_diag *d)
{
  struct om_reader *r = &c->base;
  const struct om_pos *at = &rec->pos;
  char detail[160];
  char sample[OM_READ_SAMPLE_BYTES + 1];

  if (c->unterminated) {
    size_t i = c->nfields - 1;
    field_sample(c, i, sample);
    snprintf(detail, sizeof detail, "the quote opened on line %ld is never closed",
             c->quote_line);
    int rc = reject(d, at, i < r->nfields ? r->names[i] : NULL, OM_REASON_UNTERMINATED_QUOTE,
                    detail, sample);
    int rs = resume_after_quote(c, d);
    return rs < 0 ? rs : rc;
  }
  if (all_fields_empty(c))
    return reject(d, at, NULL, OM_REASON_EMPTY_RECORD, NULL, NULL);
  if (c->nfields > r->max_fields) {
    record_sample(c, sample);
    snprintf(detail, sizeof detail, "%zu fields, limit %zu", c->nfields, r->max_fields);
    return reject(d, at, NULL, OM_REASON_TOO_MANY_FIELDS, detail, sample);
  }
  if (c->nfields != r->nfields) {
    record_sample(c, sample);
    snprintf(detail, sizeof detail, "%zu field%s, header has %zu", c->nfields,
             c->nfields == 1 ? "" : "s", r->nfields);
    return reject(d, at, NULL, OM_REASON_FIELD_COUNT, detail, sample);
  }
  if (c->long_field != SIZE_MAX) {
    field_sample(c, c->long_field, sample);
    snprintf(detail, sizeof detail, "%zu bytes, limit %zu", c->long_len, r->max_field_bytes);
    return reject(d, at, r->names[c->long_field], OM_REASON_FIELD_TOO_LONG, detail, sample);
  }
  for (size_t i = 0; i < c->nfields; i++) {
    c->values[i] = c->text.p + c->starts[i];
    c->vlens[i] = c->lens[i];
  }
  int rc = om_read_decode(r, c->values, c->vlens, c->nfields, at, d);
  if (rc != OM_READ_OK)
    return rc;
  rec->nvalues = c->nfields;
  rec->values = c->values;
  return OM_READ_OK;
}

static int csv_next(struct om_reader *r, struct om_record *rec, struct om_diag *d)
{
  struct csv_reader *c = (struct csv_reader *)r;
  memset(rec, 0, sizeof *rec);
  for (;;) {
    long line = c->line;
    int rc = scan_record(c, d);
    if (rc <= 0)
      return rc == 0 ? OM_READ_END : rc;
    if (is_blank_line(c))
      continue;
    c->records++;
    rec->pos.file = r->path;
    rec->pos.record = c->records;
    rec->pos.line = line;
    return check_record(c, rec, d);
  }
}

static void csv_close(struct om_reader *r)
{
  struct csv_reader *c = (struct csv_reader *)r;
  if (c->fd >= 0)
    close(c->fd);
  free(c->in);
  free(c->text.p);
  free(c->starts);
  free(c->lens);
  free(c->values);
  free(c->vlens);
}

static double csv_progress(const struct om_reader *r)
{
  const struct csv_reader *c = (const struct csv_reader *)r;
  if (c->size <= 0)
    return -1;
  double done = (double)(c->in_off + (long long)c->in_pos) / (double)c->size;
  return done > 1 ? 1 : done;
}

static const struct om_reader_ops csv_ops = {csv_next, csv_close, csv_progress};

/*
 * The delimiter the header line uses most, outside quotes, among , ; tab |
 * (in that order on a tie); a header without any is one column, with ','.
 */
static unsigned char detect_delimiter(const unsigned char *p, size_t len)
{
  static const unsigned char candidates[] = {',', ';', '\t', '|'};
  size_t count[4] = {0};
  size_t i = 0;
  while (i < len && (p[i] == '\r' || p[i] == '\n'))
    i++;
  bool quoted = false;
  for (; i < len; i++) {
    if (p[i] == '"')
      quoted = !quoted;
    else if (!quoted && (p[i] == '\n' || p[i] == '\r'))
      break;
    for (int k = 0; k < 4 && !quoted; k++)
      count[k] += p[i] == candidates[k];
  }
  int best = 0;
  for (int k = 1; k < 4; k++)
    if (count[k] > count[best])
      best = k;
  return candidates[best];
}

/* Skip a byte-order mark; UTF-16 and UTF-32 text is refused. */
static int check_bom(struct csv_reader *c, struct om_diag *d)
{
  const unsigned char *p = c->in;
  size_t n = c->in_len;
  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
    c->in_pos = 3;
    if (c->base.recoder)
      om_diag_warn(d, "'%s' starts with a UTF-8 byte order mark, but source.encoding is %s",
                   c->base.path, om_encoding_name(c->base.encoding));
    return 0;
  }
  if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
    return om_diag_fail(d, OM_EIO, "cannot read '%s': UTF-16 text; save it as UTF-8 CSV",
                        c->base.path);
  return 0;
}

/* Read the header row: the field names. */
static int read_header(struct csv_reader *c, struct om_diag *d)
{
  struct om_reader *r = &c->base;
  int rc;
  long line;
  do {
    line = c->line;
    rc = scan_record(c, d);
    if (rc < 0)
      return rc;
    if (rc == 0)
      return om_diag_fail(d, OM_EMANIFEST, "'%s' is empty: the first row must name the fields",
                          r->path);
  } while (is_blank_line(c));

  if (c->unterminated)
    return om_diag_fail(d, OM_EMANIFEST, "'%s': line %ld: the header's quote is never closed",
                        r->path, c->quote_line);
  if (c->nfields > r->max_fields)
    return om_diag_fail(d, OM_EMANIFEST, "'%s': %zu columns, limit %zu (source.max_fields)",
                        r->path, c->nfields, r->max_fields);
  if (c->long_field != SIZE_MAX)
    return om_diag_fail(d, OM_EMANIFEST,
                        "'%s': line %ld: column %zu of the header is %zu bytes, limit %zu "
                        "(source.max_field_bytes)",
                        r->path, line, c->long_field + 1, c->long_len, r->max_field_bytes);

  size_t n = c->nfields;
  r->names = calloc(n, sizeof *r->names);
  c->values = calloc(n, sizeof *c->values);
  c->vlens = calloc(n, sizeof *c->vlens);
  if (!r->names || !c->values || !c->vlens)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    r->names[i] = malloc(c->lens[i] + 1);
    if (!r->names[i])
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    r->nfields = i + 1;
    memcpy(r->names[i], c->text.p + c->starts[i], c->lens[i] + 1);
    size_t bad;
    rc = om_read_decode_name(r, &r->names[i], c->lens[i], &bad);
    if (rc < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    if (rc > 0 && !r->recoder)
      return om_diag_fail(d, OM_EMANIFEST,
                          "'%s': line %ld: column %zu of the header is not valid UTF-8 at byte "
                          "%zu; declare source.encoding if the file is not UTF-8",
                          r->path, line, i + 1, bad + 1);
    if (rc > 0)
      return om_diag_fail(d, OM_EMANIFEST,
                          "'%s': line %ld: column %zu of the header: byte %zu (0x%02X) is not a "
                          "character in %s",
                          r->path, line, i + 1, bad + 1,
                          (unsigned char)c->text.p[c->starts[i] + bad],
                          om_encoding_name(r->encoding));
  }
  return 0;
}

int om_read_csv_open(struct om_reader **out, const struct om_reader_opts *o, bool tab,
                     struct om_diag *d)
{
  *out = NULL;
  struct csv_reader *c = calloc(1, sizeof *c);
  if (!c)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  c->base.ops = &csv_ops;
  c->fd = -1;
  c->line = 1;
  int rc = om_read_base_init(&c->base, o, d);
  if (rc < 0)
    goto fail;
  c->fd = open(o->path, O_RDONLY | O_CLOEXEC);
  if (c->fd < 0) {
    rc = om_diag_fail(d, OM_EIO, "cannot open '%s': %s", o->path, strerror(errno));
    goto fail;
  }
  posix_fadvise(c->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  struct stat st;
  c->size = fstat(c->fd, &st) == 0 ? (long long)st.st_size : 0;
  /* The first line whole, for the byte-order mark and the delimiter. */
  do {
    if ((rc = read_more(c, d)) < 0)
      goto fail;
  } while (!c->eof && c->in_len < HEADER_PEEK && !memchr(c->in, '\n', c->in_len) &&
           !memchr(c->in, '\r', c->in_len));
  if ((rc = check_bom(c, d)) < 0)
    goto fail;
  c->delim = tab ? '\t' : detect_delimiter(c->in + c->in_pos, c->in_len - c->in_pos);
  c->special[c->delim] = c->special['"'] = c->special['\r'] = c->special['\n'] = 1;
  if ((rc = read_header(c, d)) < 0)
    goto fail;
  *out = &c->base;
  return 0;
fail:
  om_reader_free(&c->base);
  return rc;
}
