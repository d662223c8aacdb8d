/*
 * What the record readers (read_csv.c, read_ogr.c) share behind reader.h:
 * the common part of a reader, which each one embeds as its first member,
 * and the checks every field value goes through whatever the format.
 */
#ifndef OM_IO_READ_INTERNAL_H
#define OM_IO_READ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "io/reader.h"
#include "text/encoding.h"

#define OM_READ_DEFAULT_MAX_FIELDS 1000
#define OM_READ_DEFAULT_MAX_FIELD_BYTES 65536
/* At most this many bytes of a value go into a reject (it is only a sample). */
#define OM_READ_SAMPLE_BYTES 256

struct om_reader_ops {
  int (*next)(struct om_reader *r, struct om_record *rec, struct om_diag *d);
  void (*close)(struct om_reader *r); /* release the format's own state, not r */
  double (*progress)(const struct om_reader *r); /* share of the source read, or -1 */
};

struct om_reader {
  const struct om_reader_ops *ops;
  char *path;                   /* the source as the user gave it, owned */
  size_t nfields;               /* fields of every record */
  char **names;                 /* nfields UTF-8 names, owned */
  int *types;                   /* nfields om_field_type or -1; NULL: all -1 */
  char *crs;                    /* "AUTH:CODE", WKT, or NULL */
  size_t max_fields;            /* limits from the options, defaults applied */
  size_t max_field_bytes;
  enum om_encoding encoding;    /* of the bytes the format hands over */
  struct om_recoder *recoder;   /* from encoding to UTF-8, NULL for UTF-8 */
  char *conv;                   /* converted values of the current record */
  size_t conv_cap;              /* bytes allocated at conv */
};

/* A growing byte buffer. */
struct om_read_buf {
  char *p;
  size_t len, cap;
};

/* Make room for 'more' bytes after len; 0 or OM_ENOMEM. */
int om_read_buf_reserve(struct om_read_buf *b, size_t more);

/*
 * Fill the common part from the options: path, limits, encoding and its
 * recoder.  A name that is not a known encoding fails with OM_EMANIFEST.
 */
int om_read_base_init(struct om_reader *r, const struct om_reader_opts *o, struct om_diag *d);

/*
 * Make the n values of a record UTF-8.  values[i] holds lens[i] bytes as the
 * source has them (NULL for null); on return it points at checked UTF-8:
 * the same bytes for a UTF-8 source, or converted text owned by r for a
 * declared encoding, valid until the next call.  A bad value rejects the
 * record (INVALID_UTF8 or BAD_ENCODING, naming the field and the 1-based
 * offset of the first bad byte within the value) and gives
 * OM_READ_REJECTED; otherwise OM_READ_OK, or a negative run-level error.
 */
int om_read_decode(struct om_reader *r, char **values, const size_t *lens, size_t n,
                   const struct om_pos *at, struct om_diag *d);

/*
 * Make one name (a header cell, a field name) UTF-8: *name (owned, len
 * bytes and a NUL) is checked, or replaced by its conversion.  Returns 0; 1 for a bad byte, at
 * 0-based offset *bad; or OM_ENOMEM.
 */
int om_read_decode_name(struct om_reader *r, char **name, size_t len, size_t *bad);

/* Open a CSV/TSV file with oremap's own reader; tab forces the tab delimiter. */
int om_read_csv_open(struct om_reader **out, const struct om_reader_opts *o, bool tab,
                     struct om_diag *d);
/* Open anything GDAL reads as vector data. */
int om_read_ogr_open(struct om_reader **out, const struct om_reader_opts *o, struct om_diag *d);

#endif
