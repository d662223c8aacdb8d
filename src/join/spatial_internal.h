/*
 * The spatial join's insides, shared by spatial.c (the table side) and
 * spatial_query.c (predicates, nearest, aggregates).  Not for use outside
 * join/.
 */
#ifndef OM_JOIN_SPATIAL_INTERNAL_H
#define OM_JOIN_SPATIAL_INTERNAL_H

#include "geom/index.h"
#include "join/spatial.h"

/* The border rule's nudge, in degrees: east-north-east, off any grid line. */
#define NUDGE_X 1e-9
#define NUDGE_Y 0.6180339887e-9

#define KM_PER_DEG_LAT_MIN 110.574 /* shortest degree of a meridian (at the equator) */
#define KM_PER_DEG_LON_EQ 111.319  /* a degree of the equator; N cos(lat) is never less */

/* A table column some output reads. */
struct scol {
  size_t src;              /* index among the table's columns */
  char *name;              /* owned */
  bool fixed;              /* type given by the source or declared */
  enum om_field_type type; /* settled by om_sjoin_build */
  bool all_int, all_real;  /* detection */
};

struct sout {
  char *name;              /* output name, prefix included, owned */
  size_t col;              /* in cols */
  enum om_join_agg agg;
  bool typed;              /* base declared */
  enum om_field_type base; /* how values are read */
  enum om_field_type type; /* the output's type */
};

struct om_sjoin {
  char *where;                     /* "manifest: join 'table' onto layer 'x'" */
  enum om_sjoin_predicate predicate;
  double max_km;
  char *separator;
  size_t ncols;
  struct scol *cols;
  size_t nout;                     /* table outputs */
  struct sout *outs;
  char *distance_name;             /* or NULL */
  size_t n, cap;                   /* features */
  unsigned char **wkb;
  size_t *len;
  char **vals;                     /* n * ncols, owned */
  struct om_geom_index *index;     /* after build */
  long skipped;
};

struct om_sjoin_query {
  const struct om_sjoin *j;
  struct om_geom_probe *probe;
  size_t *matches;                 /* features matched by the last query */
  size_t nmatches, cap;
  double distance;                 /* nearest: km, or -1 */
  const char **values;             /* nout (+1) output values */
  char **bufs;                     /* per output, text made for it */
  size_t *bufcap;
  bool *hit;                       /* per feature: matched by some query */
  struct om_sjoin_report rep;
};

#endif
