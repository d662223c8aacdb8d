/*
 * Attribute joins: the rows of a table (any source om_reader opens: CSV,
 * XLSX, ODS, a GeoPackage attribute table ...) joined onto a layer's
 * records by one or more key fields.
 *
 * The table is the side held in memory: om_join_open reads it whole into
 * a hash of key -> output values, computing the aggregates there (they are
 * functions of the table's rows alone).  The layer is streamed: the
 * pipeline calls om_join_lookup once per record.  Memory therefore grows
 * with the table, not the layer: about 140 MB for a million rows with
 * three short joined fields.  A table larger than its layer is the user's
 * declaration; the table is still the side held in memory.
 *
 * Key policy is declared, never guessed (struct om_join_key_policy).  A
 * key value that is null, empty, or not a number under the numeric policy
 * never matches anything.
 *
 * Aggregates (one-to-many) skip nulls, as SQL's do; an empty cell is null.
 *   first, last  the first or last non-null value in table order
 *   count        non-null values (count a key field to count rows)
 *   sum, mean    of the values that are numbers; the others are left out
 *                with one warning per field
 *   min, max     by number when the field's type is integer or real, by
 *                text (code point order) when it is string
 *   list         every non-null value in table order, joined with the
 *                separator (default "; ")
 * A one-to-one join uses the same rules over a single row, so "first" is
 * simply the value.
 *
 * A field's type is the one declared in its om_join_field, else the
 * source's own (GeoPackage, XLSX), else detected as the layer pipeline
 * does: integer when every value is a canonical integer, real when every
 * value is a JSON number, string otherwise.  Under a declared integer or
 * real type, first/last/min/max also leave out values that are not
 * numbers (with the warning), so that "max of reo_pct" stays a number when
 * a few cells say "<0.01".
 *
 * Output values are canonical text as in core/feature.h.  An om_join is
 * used by one thread at a time: lookups record which keys were asked for.
 */
#ifndef OM_JOIN_ATTR_H
#define OM_JOIN_ATTR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/feature.h"
#include "io/reader.h"

/*
 * How key values are compared, applied alike to both sides, in this
 * order.  With every flag false, keys compare byte for byte.
 */
struct om_join_key_policy {
  bool trim;                /* drop leading and trailing white space (ASCII, NBSP) */
  bool fold_case;           /* Unicode case folding, Turkish-safe: I İ ı i meet (OM_NORM_CASE) */
  bool fold_marks;          /* drop accents and marks too: ş meets s, ö meets o (OM_NORM_MARKS) */
  bool strip_leading_zeros; /* "007" meets "7" (zeros before a digit go; "0" stays) */
  bool numeric;             /* keys are numbers: "7", "7.0", "007", "7e0" meet; the other
                               flags do not apply; exact for integers within int64, other
                               values compare as doubles */
};

enum om_join_agg {
  OM_AGG_FIRST, /* the default */
  OM_AGG_LAST,
  OM_AGG_COUNT,
  OM_AGG_SUM,
  OM_AGG_MEAN,
  OM_AGG_MIN,
  OM_AGG_MAX,
  OM_AGG_LIST,
};

/* "first", "last", "count", "sum", "mean", "min", "max", "list". */
const char *om_join_agg_name(enum om_join_agg agg);
/* Parse an aggregate's name; returns 0, or -1 for an unknown name. */
int om_join_agg_parse(enum om_join_agg *out, const char *name);

/* One output field. */
struct om_join_field {
  const char *source;      /* the table's column */
  const char *as;          /* output name before the prefix; NULL: source */
  enum om_join_agg agg;    /* how the rows of one key become one value */
  bool typed;              /* type below is declared (else source or detected) */
  enum om_field_type type; /* the declared type of the source column */
};

/*
 * A join as the manifest declares it.  om_join_open copies what it keeps;
 * the spec may go after the call.
 */
struct om_join_spec {
  const char *manifest;                 /* manifest file, for messages, or NULL */
  const char *layer;                    /* the layer joined onto, for messages */
  size_t nkeys;                         /* key fields, at least one */
  const char *const *left_keys;         /* the layer's key fields (nkeys), in order */
  const char *const *right_keys;        /* the table's key fields (nkeys), in order */
  struct om_join_key_policy policy;     /* how keys compare */
  char decimal;                         /* the table's decimal separator: '.', ',' or 0
                                           (undeclared: '.', and "1,5" is not a number) */
  bool one_to_many;                     /* else a key twice in the table is an error */
  size_t nfields;                       /* output fields; 0 is allowed (a filter) */
  const struct om_join_field *fields;   /* nfields entries */
  const char *prefix;                   /* put before every output name, or NULL */
  const char *separator;                /* for list; NULL: "; " */
  bool drop_unmatched;                  /* layer records with no match are dropped
                                           (else kept with null fields); the engine
                                           only reports it, the pipeline acts on it */
};

struct om_join;

/*
 * Read the whole table (opened with 'table', whose path names it in
 * messages) and prepare every key's output values.  Run-level errors:
 * OM_EMANIFEST for a bad spec, key or field not in the table (the message
 * names them and lists the table's fields), a clash between output names,
 * or a key found twice in a one-to-one join (the message lists the first
 * ones with their records); the reader's own errors; OM_ENOMEM.  Data
 * problems are warnings in d: a table key that is not a number under the
 * numeric policy (record level, the first 20), values left out of an
 * aggregate (one line per field).  Table records the reader rejects go to
 * d's rejects file as the reader reports them.
 */
int om_join_open(struct om_join **out, const struct om_join_spec *spec,
                 const struct om_reader_opts *table, struct om_diag *d);
void om_join_free(struct om_join *j);

/* The output fields, in the spec's order; names borrowed until om_join_free. */
size_t om_join_nfields(const struct om_join *j);
const char *om_join_field_name(const struct om_join *j, size_t i);
/*
 * count: integer; sum: integer over an integer field (real if a sum would
 * overflow int64), else real; mean: real; first, last, min, max: the
 * field's type; list: string.
 */
enum om_field_type om_join_field_type(const struct om_join *j, size_t i);

/* The layer's key fields, in order (nkeys of them); borrowed. */
size_t om_join_nkeys(const struct om_join *j);
const char *om_join_left_key(const struct om_join *j, size_t i);

/*
 * Check the output names against names the layer already has ('taken':
 * its own fields, earlier joins' fields).  Names compare ignoring ASCII
 * case, as SQLite and so GeoPackage do.  OM_EMANIFEST names the clash.
 */
int om_join_check_names(const struct om_join *j, const char *const *taken, size_t ntaken,
                        struct om_diag *d);

/*
 * Look up one layer record by its key values (nkeys, in the order of
 * left_keys; NULL for null).  Returns 1 and points *values at the joined
 * values (om_join_nfields of them, NULL = null; valid until om_join_free),
 * 0 when nothing matches (*values is NULL), or OM_ENOMEM.
 */
int om_join_lookup(struct om_join *j, const char *const *left_key_values,
                   const char *const **values);

struct om_join_report {
  long matched;         /* layer records that found their key */
  long unmatched_left;  /* layer records that did not, left_no_key included */
  long left_no_key;     /* of those: key null, empty, or not a number under numeric */
  bool left_dropped;    /* unmatched layer records are dropped, not kept with nulls */
  long right_rows;      /* table rows read */
  long right_rejected;  /* table rows the reader rejected (in the rejects file) */
  long right_keys;      /* distinct keys in the table */
  long right_no_key;    /* table rows with a null, empty or non-numeric key */
  long unmatched_right; /* table rows no layer record asked for, right_no_key included */
};

/* The counts so far; after the last lookup they are the join's report. */
void om_join_report(const struct om_join *j, struct om_join_report *r);

/*
 * Write the table rows counted in unmatched_right to 'path' (replaced
 * atomically), as RFC 4180 CSV in UTF-8: the table's columns as they were
 * read, then "source_record", the row's record number in the table.
 * Values are written as they are (no spreadsheet-formula guard): the file
 * is data to fix and join again.  The table is read a second time for
 * this, so memory holds only the joined fields; if it changed since
 * om_join_open, OM_EIO and no file.  Call it after the last lookup.
 */
int om_join_write_unmatched(const struct om_join *j, const char *path, struct om_diag *d);

#endif
