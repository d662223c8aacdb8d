/*
 * Aggregates over the values of a group of rows: what a one-to-many
 * attribute join computes per key (join/attr.h says what each aggregate
 * means), shared with a layer's own 'aggregate' (pipeline/aggregate.h),
 * which groups the layer's records.  One implementation, so that 'sum' or
 * 'min' means the same wherever a manifest says it.
 *
 * Values are canonical text (core/feature.h), NULL for null; results are
 * canonical text too, allocated through the caller's allocator.
 */
#ifndef OM_JOIN_AGG_H
#define OM_JOIN_AGG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/feature.h"
#include "join/attr.h"

/* How one output is computed from a group's values. */
struct om_agg {
  enum om_join_agg agg;    /* which aggregate */
  bool typed;              /* base was declared */
  enum om_field_type base; /* the type the values are read as */
  enum om_field_type type; /* the result's type (om_agg_settle) */
  bool sum_real;           /* an integer sum overflowed: sum as doubles */
  char decimal;            /* the values' decimal separator ('.', ',' or 0) */
  const char *separator;   /* for list, borrowed */
};

/* What a pass over the groups found, for one output's warnings. */
struct om_agg_tally {
  long bad;                  /* values left out: not numbers under a numeric type */
  char first_bad[104];       /* the first of them */
  long numbers, texts;       /* min/max of text: values that are / are not numbers */
  bool overflow;             /* an integer sum overflowed */
};

/* Where results go: n bytes that live as long as the caller needs them, or NULL. */
struct om_agg_alloc {
  void *(*fn)(void *ctx, size_t n);
  void *ctx; /* passed to fn */
};

/*
 * Settle a->base (unless declared) from the column's type, and a->type
 * from it: count integer; sum integer over integers, else real; mean
 * real; list string; first, last, min, max the base type.
 */
void om_agg_settle(struct om_agg *a, enum om_field_type column);

/*
 * Aggregate n values, vals[0], vals[stride], ... into *res (NULL for
 * null).  Returns 0 or OM_ENOMEM; an integer sum that overflows sets
 * t->overflow and leaves *res NULL (sum again with a->sum_real set).
 */
int om_agg_compute(const char **res, const struct om_agg *a, const char *const *vals,
                   size_t stride, size_t n, const struct om_agg_alloc *alloc,
                   struct om_agg_tally *t);

/*
 * The warnings a tally calls for, about column 'field' of 'where' (a
 * table's or a source's path): values left out, text compared as text.
 */
void om_agg_warn(struct om_diag *d, const char *where, const char *field, const struct om_agg *a,
                 const struct om_agg_tally *t);

#endif
