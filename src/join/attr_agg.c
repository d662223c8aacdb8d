/*
 * The attribute join's types and aggregates (attr.h says what each one
 * means).  They run once, at the end of om_join_open, over the rows of
 * each key; a value that is not a number where one is needed is left out
 * and counted, and each output field gets one warning for all of them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/number.h"
#include "join/attr_internal.h"

/* Neumaier's compensated sum: 0.1 + 0.2 + 0.3 gives 0.6, as a spreadsheet shows. */
struct ksum {
  double s, c;
};

static void ksum_add(struct ksum *k, double x)
{
  double t = k->s + x;
  k->c += fabs(k->s) >= fabs(x) ? (k->s - t) + x : (x - t) + k->s;
  k->s = t;
}

/* What one output's pass over the groups found, for its warnings. */
struct tally {
  long bad;                     /* values left out: not numbers under a numeric type */
  char first_bad[SAMPLE_BYTES]; /* the first of them */
  long numbers, texts;          /* min/max of text: values that are / are not numbers */
  bool overflow;                /* an integer sum overflowed */
};

/* Read v as o's base type says: false (and counted) when it is not a number. */
static bool number_of(const struct om_join *j, const struct output *o, const char *v,
                      double *x, long long *i, struct tally *t)
{
  bool ok;
  if (o->base == OM_FIELD_INTEGER) {
    ok = om_integer_parse(v, i) == OM_REASON_NONE;
    *x = (double)*i;
  } else {
    ok = om_join_parse_real(v, j->decimal, x);
  }
  if (!ok && t->bad++ == 0)
    om_detail_set(t->first_bad, sizeof t->first_bad, "%s", v);
  return ok;
}

static const char *format_int(struct om_join *j, long long v)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", v);
  return om_join_arena_copy(j, buf, (size_t)n);
}

static const char *format_real(struct om_join *j, double v)
{
  char buf[32];
  om_format_double(buf, v);
  return om_join_arena_copy(j, buf, strlen(buf));
}

/* The list of a group's values into *res (NULL when all are null): 0 or OM_ENOMEM. */
static int join_list(struct om_join *j, const struct output *o, const struct group *g,
                     const char **res)
{
  size_t total = 0, seplen = strlen(j->separator), n = 0;
  for (uint32_t r = g->first; r < g->first + g->nrows; r++) {
    const char *v = j->vals[(size_t)r * j->ncols + o->col];
    if (v)
      total += strlen(v) + (n++ ? seplen : 0);
  }
  *res = NULL;
  if (n == 0)
    return 0;
  char *out = om_join_arena_alloc(j, total + 1, 1), *p = out;
  if (!out)
    return OM_ENOMEM;
  n = 0;
  for (uint32_t r = g->first; r < g->first + g->nrows; r++) {
    const char *v = j->vals[(size_t)r * j->ncols + o->col];
    if (!v)
      continue;
    if (n++)
      p = memcpy(p, j->separator, seplen), p += seplen;
    size_t len = strlen(v);
    memcpy(p, v, len);
    p += len;
  }
  *p = '\0';
  *res = out;
  return 0;
}

/*
 * One output value of one group into *res (NULL for null).  Returns 0, or
 * OM_ENOMEM; an integer sum that overflows sets t->overflow.
 */
static int aggregate(struct om_join *j, const struct output *o, const struct group *g,
                     const char **res, struct tally *t)
{
  bool numeric = o->base != OM_FIELD_STRING;
  bool picks = o->agg == OM_AGG_FIRST || o->agg == OM_AGG_LAST || o->agg == OM_AGG_MIN ||
               o->agg == OM_AGG_MAX;
  /* Values that must parse: sums and means always, the rest under a numeric type. */
  bool parse = o->agg == OM_AGG_SUM || o->agg == OM_AGG_MEAN ||
               (numeric && (o->agg == OM_AGG_MIN || o->agg == OM_AGG_MAX ||
                            (o->typed && picks)));
  const char *best = NULL;
  double bx = 0;
  long long bi = 0, isum = 0;
  struct ksum ks = {0, 0};
  long n = 0;
  *res = NULL;
  if (o->agg == OM_AGG_LIST)
    return join_list(j, o, g, res);
  for (uint32_t r = g->first; r < g->first + g->nrows; r++) {
    const char *v = j->vals[(size_t)r * j->ncols + o->col];
    double x = 0;
    long long i = 0;
    if (!v || (parse && !number_of(j, o, v, &x, &i, t)))
      continue;
    n++;
    switch (o->agg) {
    case OM_AGG_FIRST:
      if (!best)
        best = v, bx = x, bi = i;
      break;
    case OM_AGG_LAST:
      best = v, bx = x, bi = i;
      break;
    case OM_AGG_MIN:
    case OM_AGG_MAX: {
      int cmp;
      if (!numeric) {
        double y;
        if (om_join_parse_real(v, j->decimal, &y))
          t->numbers++;
        else
          t->texts++;
        cmp = best ? strcmp(v, best) : 0;
      } else if (o->base == OM_FIELD_INTEGER) {
        cmp = (i > bi) - (i < bi);
      } else {
        cmp = (x > bx) - (x < bx);
      }
      if (!best || (o->agg == OM_AGG_MIN ? cmp < 0 : cmp > 0))
        best = v, bx = x, bi = i;
      break;
    }
    case OM_AGG_SUM:
      if (o->base == OM_FIELD_INTEGER && !o->sum_real) {
        if (__builtin_add_overflow(isum, i, &isum)) {
          t->overflow = true;
          return 0;
        }
      } else {
        ksum_add(&ks, x);
      }
      break;
    case OM_AGG_MEAN:
      ksum_add(&ks, x);
      break;
    default:
      break;
    }
  }
  switch (o->agg) {
  case OM_AGG_COUNT:
    *res = format_int(j, n);
    break;
  case OM_AGG_SUM:
    if (n > 0)
      *res = o->type == OM_FIELD_INTEGER ? format_int(j, isum) : format_real(j, ks.s + ks.c);
    break;
  case OM_AGG_MEAN:
    if (n > 0)
      *res = format_real(j, (ks.s + ks.c) / (double)n);
    break;
  default:
    if (!best)
      return 0;
    /* A declared numeric type: the value in canonical form; else as read. */
    if (!o->typed || !numeric)
      *res = best;
    else
      *res = o->base == OM_FIELD_INTEGER ? format_int(j, bi) : format_real(j, bx);
    break;
  }
  return *res || n == 0 ? 0 : OM_ENOMEM;
}

static void warn_tally(struct om_join *j, const struct output *o, const struct tally *t,
                       struct om_diag *d)
{
  const char *field = j->cols[o->col].name;
  const char *agg = om_join_agg_name(o->agg);
  bool integer = o->base == OM_FIELD_INTEGER && o->agg != OM_AGG_MEAN;
  if (t->bad == 1)
    om_diag_warn(d, "%s: field '%s': 1 value is not %s and was left out of '%s': '%s'",
                 j->path, field, integer ? "an integer" : "a number", agg, t->first_bad);
  else if (t->bad > 1)
    om_diag_warn(d,
                 "%s: field '%s': %ld values are not %s and were left out of '%s' "
                 "(the first: '%s')",
                 j->path, field, t->bad, integer ? "integers" : "numbers", agg, t->first_bad);
  if (!o->typed && t->numbers > 0 && t->texts > 0)
    om_diag_warn(d,
                 "%s: field '%s': '%s' compares text, since %ld of its %ld values are not "
                 "numbers; declare the field's type to compare numbers",
                 j->path, field, agg, t->texts, t->numbers + t->texts);
}

/*
 * Put the rows' values in group order (table order within a group), so
 * that a group's rows are vals[first .. first + nrows).  A counting sort:
 * its reads of the old array are random but independent, which the CPU
 * overlaps, where following a chain of rows would wait on each.
 */
static int sort_rows(struct om_join *j)
{
  if (j->ngroups == j->nrows) { /* every row began a group: row i is group i's */
    for (size_t g = 0; g < j->ngroups; g++)
      j->groups[g]->first = (uint32_t)g;
    return 0;
  }
  uint32_t at = 0;
  for (size_t g = 0; g < j->ngroups; g++) {
    j->groups[g]->first = at;
    at += j->groups[g]->nrows;
  }
  const char **sorted = j->ncols ? malloc(j->nrows * j->ncols * sizeof *sorted) : NULL;
  uint32_t *fill = calloc(j->ngroups + 1, sizeof *fill);
  if ((j->ncols && !sorted) || !fill) {
    free(sorted);
    free(fill);
    return OM_ENOMEM;
  }
  for (size_t r = 0; r < j->nrows && j->ncols; r++) {
    const struct group *g = j->groups[j->row_group[r]];
    size_t to = g->first + fill[g->index]++;
    memcpy(sorted + to * j->ncols, j->vals + r * j->ncols, j->ncols * sizeof *sorted);
  }
  free(fill);
  free(j->vals);
  j->vals = sorted;
  return 0;
}

/* The output's type, once its column's type is settled. */
static void settle_output(struct om_join *j, struct output *o)
{
  if (!o->typed)
    o->base = j->cols[o->col].type;
  if (o->agg == OM_AGG_COUNT)
    o->type = OM_FIELD_INTEGER;
  else if (o->agg == OM_AGG_SUM)
    o->type = o->base == OM_FIELD_INTEGER ? OM_FIELD_INTEGER : OM_FIELD_REAL;
  else if (o->agg == OM_AGG_MEAN)
    o->type = OM_FIELD_REAL;
  else if (o->agg == OM_AGG_LIST)
    o->type = OM_FIELD_STRING;
  else
    o->type = o->base;
}

/*
 * Settle the types and compute every group's output values, group by
 * group so that a group's rows are read from memory once for all its
 * fields.  A field whose integer sum overflows somewhere is summed again
 * as doubles, field by field.
 */
int om_join_finish(struct om_join *j, struct om_diag *d)
{
  for (size_t c = 0; c < j->ncols; c++) {
    struct column *col = &j->cols[c];
    if (!col->fixed)
      col->type = j->nrows == 0 ? OM_FIELD_STRING
                  : col->all_int ? OM_FIELD_INTEGER
                  : col->all_real ? OM_FIELD_REAL : OM_FIELD_STRING;
  }
  for (size_t f = 0; f < j->nout; f++)
    settle_output(j, &j->outs[f]);
  if (sort_rows(j) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  size_t nvalues = j->ngroups * j->nout;
  j->values = om_join_big_alloc(nvalues, sizeof *j->values);
  struct tally *t = calloc(j->nout + 1, sizeof *t);
  int rc = j->values && t ? 0 : OM_ENOMEM;
  for (size_t g = 0; rc == 0 && g < j->ngroups; g++)
    for (size_t f = 0; rc == 0 && f < j->nout; f++)
      rc = aggregate(j, &j->outs[f], j->groups[g], &j->values[g * j->nout + f], &t[f]);
  for (size_t f = 0; rc == 0 && f < j->nout; f++) {
    struct output *o = &j->outs[f];
    if (t[f].overflow) {
      o->sum_real = true;
      o->type = OM_FIELD_REAL;
      t[f] = (struct tally){0};
      for (size_t g = 0; rc == 0 && g < j->ngroups; g++)
        rc = aggregate(j, o, j->groups[g], &j->values[g * j->nout + f], &t[f]);
    }
    warn_tally(j, o, &t[f], d);
  }
  free(t);
  return rc < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
}
