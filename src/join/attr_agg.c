/*
 * The attribute join's types and aggregates (attr.h says what each one
 * means, agg.c computes them).  They run once, at the end of om_join_open,
 * over the rows of each key; a value that is not a number where one is
 * needed is left out and counted, and each output field gets one warning
 * for all of them.
 */
#include <stdlib.h>
#include <string.h>

#include "join/agg.h"
#include "join/attr_internal.h"

/* The generic form of output o of join j (agg.h computes it). */
static struct om_agg agg_of(const struct om_join *j, const struct output *o)
{
  return (struct om_agg){.agg = o->agg, .typed = o->typed, .base = o->base, .type = o->type,
                         .sum_real = o->sum_real, .decimal = j->decimal,
                         .separator = j->separator};
}

static void *arena_fn(void *ctx, size_t n) { return om_join_arena_alloc(ctx, n, 1); }

/*
 * One output value of one group into *res (NULL for null).  Returns 0, or
 * OM_ENOMEM; an integer sum that overflows sets t->overflow.
 */
static int aggregate(struct om_join *j, const struct output *o, const struct group *g,
                     const char **res, struct om_agg_tally *t)
{
  struct om_agg a = agg_of(j, o);
  struct om_agg_alloc alloc = {arena_fn, j};
  return om_agg_compute(res, &a, j->vals + (size_t)g->first * j->ncols + o->col, j->ncols,
                        g->nrows, &alloc, t);
}

static void warn_tally(struct om_join *j, const struct output *o, const struct om_agg_tally *t,
                       struct om_diag *d)
{
  struct om_agg a = agg_of(j, o);
  om_agg_warn(d, j->path, j->cols[o->col].name, &a, t);
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
  struct om_agg a = agg_of(j, o);
  om_agg_settle(&a, j->cols[o->col].type);
  o->base = a.base;
  o->type = a.type;
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
  struct om_agg_tally *t = calloc(j->nout + 1, sizeof *t);
  int rc = j->values && t ? 0 : OM_ENOMEM;
  for (size_t g = 0; rc == 0 && g < j->ngroups; g++)
    for (size_t f = 0; rc == 0 && f < j->nout; f++)
      rc = aggregate(j, &j->outs[f], j->groups[g], &j->values[g * j->nout + f], &t[f]);
  for (size_t f = 0; rc == 0 && f < j->nout; f++) {
    struct output *o = &j->outs[f];
    if (t[f].overflow) {
      o->sum_real = true;
      o->type = OM_FIELD_REAL;
      t[f] = (struct om_agg_tally){0};
      for (size_t g = 0; rc == 0 && g < j->ngroups; g++)
        rc = aggregate(j, o, j->groups[g], &j->values[g * j->nout + f], &t[f]);
    }
    warn_tally(j, o, &t[f], d);
  }
  free(t);
  return rc < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
}
