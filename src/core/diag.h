/*
 * Diagnostics at two levels.
 *
 * Run level: a function that cannot go on returns a negative OM_E* code and
 * leaves one message in its om_diag (om_diag_fail); main() prints it.
 *
 * Record level: a bad value in one record is reported with om_diag_reject,
 * which writes a row to the layer's rejects file, counts it by reason and
 * hands a compiler-style line to the caller's report callback; the batch
 * goes on with the next record.
 *
 * The reasons live in one table (OM_REASON_MAP) so that the rejects file,
 * the summary and the tests share the same words.  Library code never
 * prints: all text goes through the callback or into msg.
 */
#ifndef OM_CORE_DIAG_H
#define OM_CORE_DIAG_H

#include <stdarg.h>
#include <stdio.h>

/* Run-level error codes; main() maps them to exit codes (ARCHITECTURE.md). */
#define OM_ENOMEM -1    /* out of memory (exit 3) */
#define OM_EIO -2       /* reading or writing a file failed (exit 3) */
#define OM_EUSAGE -3    /* bad command line (exit 2) */
#define OM_EMANIFEST -4 /* bad or missing manifest (exit 2) */
#define OM_EDEP -5      /* a dependency (GDAL, PROJ, GEOS, SQLite) failed (exit 3) */

/* XX(NAME, "message"): every reason a record can be rejected for. */
#define OM_REASON_MAP(XX)                                                      \
  XX(INVALID_UTF8, "invalid UTF-8")                                            \
  XX(BAD_ENCODING, "cannot convert from the declared encoding")                \
  XX(FIELD_TOO_LONG, "field longer than the limit")                           \
  XX(TOO_MANY_FIELDS, "more fields than the limit")                           \
  XX(FIELD_COUNT, "wrong number of fields")                                   \
  XX(UNTERMINATED_QUOTE, "unterminated quoted field")                         \
  XX(EMPTY_RECORD, "empty record")                                             \
  XX(MISSING_ID, "missing id")                                                 \
  XX(DUPLICATE_ID, "duplicate id")                                             \
  XX(NOT_A_NUMBER, "not a number")                                             \
  XX(NOT_AN_INTEGER, "not an integer")                                         \
  XX(AMBIGUOUS_DECIMAL, "ambiguous decimal separator")                         \
  XX(NOT_FINITE, "not a finite number")                                        \
  XX(MISSING_COORDINATES, "no coordinates")                                    \
  XX(LAT_RANGE, "latitude outside [-90, 90]")                                  \
  XX(LON_RANGE, "longitude outside [-180, 180]")                               \
  XX(SWAPPED, "latitude and longitude look swapped")                          \
  XX(DMS_SYNTAX, "unrecognised coordinate notation")                           \
  XX(DMS_AMBIGUOUS, "ambiguous coordinate")                                    \
  XX(DMS_RANGE, "minutes or seconds outside [0, 60)")                          \
  XX(OUTSIDE_CRS_AREA, "outside the area of use of the CRS")                  \
  XX(TRANSFORM_FAILED, "coordinate transformation failed")                     \
  XX(WKT_INVALID, "invalid WKT")                                               \
  XX(GEOMETRY_INVALID, "invalid geometry")                                     \
  XX(GEOMETRY_EMPTY, "empty geometry")                                         \
  XX(JOIN_UNMATCHED, "no match in a joined table")                             \
  XX(GEOCODE_UNMATCHED, "place not found in the gazetteer")                    \
  XX(OUTSIDE_COUNTRY, "outside the country the record states")

enum om_reason {
  OM_REASON_NONE = 0,
#define XX(name, msg) OM_REASON_##name,
  OM_REASON_MAP(XX)
#undef XX
  OM_REASON__COUNT
};

/* The message of a reason ("latitude outside [-90, 90]"). */
const char *om_reason_message(enum om_reason why);
/* The reason's short name in lower case ("lat_range"), for reports. */
const char *om_reason_name(enum om_reason why);

/* Where a record came from. */
struct om_pos {
  const char *file; /* source path as the user gave it */
  long record;      /* 1-based data record number (a CSV header is not one) */
  long line;        /* 1-based line the record starts on; 0 if not a text format */
};

enum om_level { OM_LEVEL_REJECT, OM_LEVEL_WARNING, OM_LEVEL_INFO };

struct om_diag {
  FILE *rejects;                  /* CSV rows of rejected records, or NULL */
  long counts[OM_REASON__COUNT];  /* rejected records by reason */
  long rejected;                  /* all rejected records */
  long warnings;                  /* warnings reported */
  void (*report)(void *ctx, enum om_level level, const char *line);
  void *report_ctx;               /* passed to report */
  char msg[2048];                 /* the run-level error, set by om_diag_fail */
};

/* Zero the counters; no rejects file, no callback. */
void om_diag_init(struct om_diag *d);

/* Write the rejects file's header row to 'f' and send later rejects there. */
int om_diag_open_rejects(struct om_diag *d, FILE *f);

/*
 * Reject one record: count it, write its rejects row (source, record, line,
 * field, reason, value) and report it as
 *   file:line: record N: field 'F': reason[: detail]: 'value'
 * field, detail and value may be NULL.  Invalid UTF-8 in value is written
 * as \xNN escapes, never as raw bytes.  Returns 0 or OM_EIO.
 */
int om_diag_reject(struct om_diag *d, const struct om_pos *at, const char *field,
                   enum om_reason why, const char *detail, const char *value);

/* Report a warning (printf-style); it never changes the outcome. */
void om_diag_warn(struct om_diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Store a run-level error message and return 'code' (a negative OM_E*). */
int om_diag_fail(struct om_diag *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * printf a reason's detail into buf (NULL or size 0: nothing), never
 * leaving a cut UTF-8 sequence at the end when it does not fit.
 */
void om_detail_set(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write 'len' bytes of s to f with invalid UTF-8 and controls as \xNN. */
void om_diag_write_escaped(FILE *f, const char *s, size_t len);

#endif
