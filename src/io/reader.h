/*
 * Reading records from a source: any vector file GDAL opens, and CSV with
 * oremap's own reader (it knows lines, byte offsets, encodings and limits,
 * which GDAL's CSV driver does not report).
 *
 * A record arrives as UTF-8 text per field, checked and converted from the
 * declared encoding.  A record that is bad as a whole (invalid UTF-8, a
 * field over the limit, too many fields) is rejected by the reader itself
 * through om_diag_reject and returned as OM_READ_REJECTED, so that the
 * caller can count it: records read = returned OK + returned REJECTED.
 */
#ifndef OM_IO_READER_H
#define OM_IO_READER_H

#include <stddef.h>

#include "core/diag.h"
#include "core/feature.h"

struct om_reader_opts {
  const char *path;       /* file or GDAL connection string */
  const char *name;       /* how records and messages name the source (pos.file), or NULL: path */
  const char *layer;      /* layer name where the source has several, or NULL */
  const char *encoding;   /* "UTF-8" (NULL means UTF-8), "CP1254", "ISO-8859-9", "ISO-8859-1" ... */
  size_t max_fields;      /* more fields than this in a record: rejected (0: 1,000) */
  size_t max_field_bytes; /* a longer field: rejected (0: 65,536) */
};

struct om_record {
  struct om_pos pos;          /* file, record number, line */
  size_t nvalues;             /* as many as the source has fields */
  char **values;              /* UTF-8 text, NULL for null; owned by the reader */
  const unsigned char *wkb;   /* the source's own geometry (ISO WKB), or NULL */
  size_t wkb_len;             /* bytes in wkb */
};

enum {
  OM_READ_END = 0,      /* no more records */
  OM_READ_OK = 1,       /* *rec holds a record */
  OM_READ_REJECTED = 2, /* a record was read and rejected (already reported) */
};

struct om_reader;

/* Open a source; a run-level error (missing file, no such layer) is < 0. */
int om_reader_open(struct om_reader **out, const struct om_reader_opts *o, struct om_diag *d);
void om_reader_free(struct om_reader *r);

size_t om_reader_field_count(const struct om_reader *r);
/* Borrowed, valid until om_reader_free. */
const char *om_reader_field_name(const struct om_reader *r, size_t i);
/* The source's own type of field i where it has one (GeoPackage, XLSX), else -1. */
int om_reader_field_type(const struct om_reader *r, size_t i);
/* The source geometry's CRS as "AUTH:CODE" or WKT, or NULL when it has none. */
const char *om_reader_crs(const struct om_reader *r);

/* The share of the source read so far, in [0, 1], or -1 when unknown. */
double om_reader_progress(const struct om_reader *r);

/*
 * Read the next record: OM_READ_OK, OM_READ_REJECTED, OM_READ_END, or a
 * negative run-level error.  The record's pointers stay valid until the
 * next call.
 */
int om_reader_next(struct om_reader *r, struct om_record *rec, struct om_diag *d);

#endif
