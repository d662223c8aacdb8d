/*
 * The reader interface (reader.h): choose the reader by the source's name
 * and hold what both readers share, the field checks above all.
 *
 * A path ending in .csv, .tsv or .txt goes to oremap's own reader, which
 * knows lines, byte offsets and encodings; everything else, and any GDAL
 * connection string ("CSV:x.csv", "/vsizip/...", "PG:...") that is not
 * also the name of a file, goes to OGR, so a user who wants GDAL's CSV
 * driver can still have it.
 */
#include "io/reader.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "io/read_internal.h"

/* A "DRIVER:" prefix of two or more letters (one letter is a Windows drive). */
static bool has_driver_prefix(const char *path)
{
  size_t n = 0;
  while ((path[n] >= 'A' && path[n] <= 'Z') || (path[n] >= 'a' && path[n] <= 'z') ||
         (path[n] >= '0' && path[n] <= '9') || path[n] == '_')
    n++;
  return n >= 2 && path[n] == ':';
}

/* True for a file the own reader takes; *tab for tab-separated by name. */
static bool is_delimited_text(const char *path, bool *tab)
{
  *tab = false;
  struct stat st;
  bool on_disk = stat(path, &st) == 0;
  if (!on_disk && (strncmp(path, "/vsi", 4) == 0 || has_driver_prefix(path)))
    return false;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  if (!dot)
    return false;
  *tab = strcasecmp(dot, ".tsv") == 0;
  return *tab || strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".txt") == 0;
}

int om_reader_open(struct om_reader **out, const struct om_reader_opts *o, struct om_diag *d)
{
  *out = NULL;
  if (!o->path || !*o->path)
    return om_diag_fail(d, OM_EMANIFEST, "no source path");
  bool tab;
  if (is_delimited_text(o->path, &tab))
    return om_read_csv_open(out, o, tab, d);
  return om_read_ogr_open(out, o, d);
}

void om_reader_free(struct om_reader *r)
{
  if (!r)
    return;
  if (r->ops && r->ops->close)
    r->ops->close(r);
  for (size_t i = 0; r->names && i < r->nfields; i++)
    free(r->names[i]);
  free(r->names);
  free(r->types);
  free(r->crs);
  free(r->path);
  free(r->conv);
  om_recoder_free(r->recoder);
  free(r);
}

size_t om_reader_field_count(const struct om_reader *r)
{
  return r->nfields;
}

const char *om_reader_field_name(const struct om_reader *r, size_t i)
{
  return i < r->nfields ? r->names[i] : NULL;
}

int om_reader_field_type(const struct om_reader *r, size_t i)
{
  return r->types && i < r->nfields ? r->types[i] : -1;
}

const char *om_reader_crs(const struct om_reader *r)
{
  return r->crs;
}

int om_reader_next(struct om_reader *r, struct om_record *rec, struct om_diag *d)
{
  return r->ops->next(r, rec, d);
}

int om_read_buf_reserve(struct om_read_buf *b, size_t more)
{
  if (more <= b->cap - b->len)
    return 0;
  if (more > SIZE_MAX / 2 - b->len)
    return OM_ENOMEM;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap - b->len < more)
    cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p)
    return OM_ENOMEM;
  b->p = p;
  b->cap = cap;
  return 0;
}

int om_read_base_init(struct om_reader *r, const struct om_reader_opts *o, struct om_diag *d)
{
  r->path = strdup(o->name ? o->name : o->path);
  if (!r->path)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  r->max_fields = o->max_fields ? o->max_fields : OM_READ_DEFAULT_MAX_FIELDS;
  r->max_field_bytes = o->max_field_bytes ? o->max_field_bytes : OM_READ_DEFAULT_MAX_FIELD_BYTES;
  if (om_encoding_parse(&r->encoding, o->encoding) < 0)
    return om_diag_fail(d, OM_EMANIFEST, "'%s': unknown source.encoding '%s' (known: %s)", o->path,
                        o->encoding, om_encoding_list());
  if (r->encoding == OM_ENCODING_UTF8)
    return 0;
  int rc = om_recoder_new(&r->recoder, r->encoding);
  if (rc == OM_ENOMEM)
    return om_diag_fail(d, rc, "out of memory");
  if (rc < 0)
    return om_diag_fail(d, rc, "'%s': iconv cannot convert from %s", o->path,
                        om_encoding_name(r->encoding));
  return 0;
}

/* Reject a record for a bad byte at offset 'bad' of value i. */
static int reject_bad_byte(struct om_reader *r, const char *value, size_t len, size_t bad,
                           const char *field, const struct om_pos *at, struct om_diag *d)
{
  char detail[160];
  enum om_reason why;
  unsigned char b = (unsigned char)value[bad];
  if (!r->recoder) {
    why = OM_REASON_INVALID_UTF8;
    if (b == 0)
      snprintf(detail, sizeof detail, "byte %zu is NUL", bad + 1);
    else
      snprintf(detail, sizeof detail, "byte %zu; declare source.encoding if the file is not UTF-8",
               bad + 1);
  } else if (b >= 0x80 && b <= 0x9F && (r->encoding == OM_ENCODING_ISO8859_1 ||
                                         r->encoding == OM_ENCODING_ISO8859_9)) {
    why = OM_REASON_BAD_ENCODING;
    snprintf(detail, sizeof detail, "byte %zu (0x%02X) is a control code in %s; is the file %s?",
             bad + 1, b, om_encoding_name(r->encoding),
             r->encoding == OM_ENCODING_ISO8859_1 ? "CP1252" : "CP1254");
  } else {
    why = OM_REASON_BAD_ENCODING;
    snprintf(detail, sizeof detail, "byte %zu (0x%02X) is not a character in %s", bad + 1, b,
             om_encoding_name(r->encoding));
  }
  /* The sample around the bad byte, as the source has it (diag escapes it). */
  char sample[OM_READ_SAMPLE_BYTES + 1];
  size_t n = len < OM_READ_SAMPLE_BYTES ? len : OM_READ_SAMPLE_BYTES;
  memcpy(sample, value, n);
  sample[n] = '\0';
  int rc = om_diag_reject(d, at, field, why, detail, sample);
  return rc < 0 ? rc : OM_READ_REJECTED;
}

int om_read_decode(struct om_reader *r, char **values, const size_t *lens, size_t n,
                   const struct om_pos *at, struct om_diag *d)
{
  if (!r->recoder) {
    for (size_t i = 0; i < n; i++) {
      if (!values[i])
        continue;
      size_t bad = om_utf8_check(values[i], lens[i]);
      if (bad < lens[i])
        return reject_bad_byte(r, values[i], lens[i], bad, i < r->nfields ? r->names[i] : NULL,
                               at, d);
    }
    return OM_READ_OK;
  }

  size_t need = 0;
  for (size_t i = 0; i < n; i++)
    need += values[i] ? OM_RECODE_MAX(lens[i]) + 1 : 0;
  if (need > r->conv_cap) {
    char *p = realloc(r->conv, need);
    if (!p)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    r->conv = p;
    r->conv_cap = need;
  }
  char *out = r->conv;
  for (size_t i = 0; i < n; i++) {
    if (!values[i])
      continue;
    size_t bad;
    size_t len = om_recoder_convert(r->recoder, values[i], lens[i], out, &bad);
    if (len == (size_t)-1)
      return reject_bad_byte(r, values[i], lens[i], bad, i < r->nfields ? r->names[i] : NULL,
                             at, d);
    values[i] = out;
    out += len + 1;
  }
  return OM_READ_OK;
}

int om_read_decode_name(struct om_reader *r, char **name, size_t len, size_t *bad)
{
  if (!r->recoder) {
    *bad = om_utf8_check(*name, len);
    return *bad < len ? 1 : 0;
  }
  char *out = malloc(OM_RECODE_MAX(len) + 1);
  if (!out)
    return OM_ENOMEM;
  if (om_recoder_convert(r->recoder, *name, len, out, bad) == (size_t)-1) {
    free(out);
    return 1;
  }
  free(*name);
  *name = out;
  return 0;
}

double om_reader_progress(const struct om_reader *r)
{
  return r->ops->progress ? r->ops->progress(r) : -1;
}
