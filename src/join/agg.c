/*
 * The aggregates (agg.h).  A value that is not a number where one is
 * needed is left out and counted in the tally, so that the caller can
 * give one warning per output field for all of them.
 */
#include "join/agg.h"

#include <math.h>
#include <stdio.h>
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

/* Read v as a's base type says: false (and counted) when it is not a number. */
static bool number_of(const struct om_agg *a, const char *v, double *x, long long *i,
                      struct om_agg_tally *t)
{
  bool ok;
  if (a->base == OM_FIELD_INTEGER) {
    ok = om_integer_parse(v, i) == OM_REASON_NONE;
    *x = (double)*i;
  } else {
    ok = om_join_parse_real(v, a->decimal, x);
  }
  if (!ok && t->bad++ == 0)
    om_detail_set(t->first_bad, sizeof t->first_bad, "%s", v);
  return ok;
}

static const char *copy(const struct om_agg_alloc *alloc, const char *s, size_t n)
{
  char *p = alloc->fn(alloc->ctx, n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

static const char *format_int(const struct om_agg_alloc *alloc, long long v)
{
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", v);
  return copy(alloc, buf, (size_t)n);
}

static const char *format_real(const struct om_agg_alloc *alloc, double v)
{
  char buf[32];
  om_format_double(buf, v);
  return copy(alloc, buf, strlen(buf));
}

/* The list of the values into *res (NULL when all are null): 0 or OM_ENOMEM. */
static int join_list(const struct om_agg *a, const char *const *vals, size_t stride, size_t n,
                     const struct om_agg_alloc *alloc, const char **res)
{
  const char *sep = a->separator ? a->separator : "; ";
  size_t total = 0, seplen = strlen(sep), k = 0;
  for (size_t r = 0; r < n; r++)
    if (vals[r * stride])
      total += strlen(vals[r * stride]) + (k++ ? seplen : 0);
  *res = NULL;
  if (k == 0)
    return 0;
  char *out = alloc->fn(alloc->ctx, total + 1), *p = out;
  if (!out)
    return OM_ENOMEM;
  k = 0;
  for (size_t r = 0; r < n; r++) {
    const char *v = vals[r * stride];
    if (!v)
      continue;
    if (k++)
      p = memcpy(p, sep, seplen), p += seplen;
    size_t len = strlen(v);
    memcpy(p, v, len);
    p += len;
  }
  *p = '\0';
  *res = out;
  return 0;
}

int om_agg_compute(const char **res, const struct om_agg *a, const char *const *vals,
                   size_t stride, size_t nvals, const struct om_agg_alloc *alloc,
                   struct om_agg_tally *t)
{
  bool numeric = a->base != OM_FIELD_STRING;
  bool picks = a->agg == OM_AGG_FIRST || a->agg == OM_AGG_LAST || a->agg == OM_AGG_MIN ||
               a->agg == OM_AGG_MAX;
  /* Values that must parse: sums and means always, the rest under a numeric type. */
  bool parse = a->agg == OM_AGG_SUM || a->agg == OM_AGG_MEAN ||
               (numeric && (a->agg == OM_AGG_MIN || a->agg == OM_AGG_MAX ||
                            (a->typed && picks)));
  const char *best = NULL;
  double bx = 0;
  long long bi = 0, isum = 0;
  struct ksum ks = {0, 0};
  long n = 0;
  *res = NULL;
  if (a->agg == OM_AGG_LIST)
    return join_list(a, vals, stride, nvals, alloc, res);
  for (size_t r = 0; r < nvals; r++) {
    const char *v = vals[r * stride];
    double x = 0;
    long long i = 0;
    if (!v || (parse && !number_of(a, v, &x, &i, t)))
      continue;
    n++;
    switch (a->agg) {
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
        if (om_join_parse_real(v, a->decimal, &y))
          t->numbers++;
        else
          t->texts++;
        cmp = best ? strcmp(v, best) : 0;
      } else if (a->base == OM_FIELD_INTEGER) {
        cmp = (i > bi) - (i < bi);
      } else {
        cmp = (x > bx) - (x < bx);
      }
      if (!best || (a->agg == OM_AGG_MIN ? cmp < 0 : cmp > 0))
        best = v, bx = x, bi = i;
      break;
    }
    case OM_AGG_SUM:
      if (a->base == OM_FIELD_INTEGER && !a->sum_real) {
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
  switch (a->agg) {
  case OM_AGG_COUNT:
    *res = format_int(alloc, n);
    break;
  case OM_AGG_SUM:
    if (n > 0)
      *res = a->type == OM_FIELD_INTEGER ? format_int(alloc, isum)
                                         : format_real(alloc, ks.s + ks.c);
    break;
  case OM_AGG_MEAN:
    if (n > 0)
      *res = format_real(alloc, (ks.s + ks.c) / (double)n);
    break;
  default:
    if (!best)
      return 0;
    /* A declared numeric type: the value in canonical form; else as read. */
    if (!a->typed || !numeric)
      *res = best;
    else
      *res = a->base == OM_FIELD_INTEGER ? format_int(alloc, bi) : format_real(alloc, bx);
    break;
  }
  return *res || n == 0 ? 0 : OM_ENOMEM;
}

void om_agg_warn(struct om_diag *d, const char *where, const char *field, const struct om_agg *a,
                 const struct om_agg_tally *t)
{
  const char *agg = om_join_agg_name(a->agg);
  bool integer = a->base == OM_FIELD_INTEGER && a->agg != OM_AGG_MEAN;
  if (t->bad == 1)
    om_diag_warn(d, "%s: field '%s': 1 value is not %s and was left out of '%s': '%s'", where,
                 field, integer ? "an integer" : "a number", agg, t->first_bad);
  else if (t->bad > 1)
    om_diag_warn(d,
                 "%s: field '%s': %ld values are not %s and were left out of '%s' "
                 "(the first: '%s')",
                 where, field, t->bad, integer ? "integers" : "numbers", agg, t->first_bad);
  if (!a->typed && t->numbers > 0 && t->texts > 0)
    om_diag_warn(d,
                 "%s: field '%s': '%s' compares text, since %ld of its %ld values are not "
                 "numbers; declare the field's type to compare numbers",
                 where, field, agg, t->texts, t->numbers + t->texts);
}

void om_agg_settle(struct om_agg *a, enum om_field_type column)
{
  if (!a->typed)
    a->base = column;
  if (a->agg == OM_AGG_COUNT)
    a->type = OM_FIELD_INTEGER;
  else if (a->agg == OM_AGG_SUM)
    a->type = a->base == OM_FIELD_INTEGER ? OM_FIELD_INTEGER : OM_FIELD_REAL;
  else if (a->agg == OM_AGG_MEAN)
    a->type = OM_FIELD_REAL;
  else if (a->agg == OM_AGG_LIST)
    a->type = OM_FIELD_STRING;
  else
    a->type = a->base;
}
