/*
 * Joins by location: the features of a point or polygon table (any file
 * GDAL opens, or another layer's output) joined onto a layer's records by
 * where their geometries lie.
 *
 * The table is the side held in memory: its features as lon/lat WKB with
 * the values of the columns the join outputs, under a GEOS STRtree
 * (geom/index.h).  The layer is streamed: the pipeline asks once per
 * record with the record's located geometry.  An om_sjoin is read-only
 * once built and may be shared by threads; each thread asks through its
 * own om_sjoin_query, which holds a GEOS context, the prepared geometries
 * it has met, and its counts.
 *
 * Predicates (the record's geometry is "the query"; table features are
 * "features"):
 *   within      the query lies inside the feature (sites into countries).
 *               A point on a border shared by several polygons goes to
 *               exactly one: the one that holds the point moved a
 *               nanodegree east-north-east (1e-9 deg east, 0.618e-9 deg
 *               north), as a raster's half-open cells do; when none holds
 *               it (the border is a coast) the first polygon in table
 *               order whose boundary holds the point.  A point inside
 *               several overlapping polygons matches all of them.
 *   intersects  the query and the feature share a point, borders included.
 *   contains    the feature lies inside the query (countries counting the
 *               sites in them).  A point feature on the query's border
 *               counts when the query holds the point moved as above, so
 *               that along a shared border within and contains agree.
 *   nearest     the feature nearest to the query by geodesic distance on
 *               WGS 84 (crs/geodesic.h), within max_km when that is set.
 *               Distances to a point feature are exact; to a line or
 *               polygon they are 0 inside it and otherwise the geodesic
 *               distance to its point nearest in longitude/latitude (tried
 *               also 360 degrees east and west), a close approximation for
 *               short edges.  A query that is not a point is measured from
 *               its envelope's centre.  Ties go to the first in table order.
 *
 * How nearest stays right near the poles and across the antimeridian: the
 * STRtree's planar nearest (in plain degrees, tried at the query's
 * longitude and 360 degrees either side) only gives a candidate; its true
 * geodesic distance U bounds the answer.  Every feature within U km lies
 * in a latitude band of U / 110.574 km per degree (the shortest degree of
 * a meridian) and, when the band reaches neither pole, a longitude band of
 * U / (111.319 km * cos of the band's largest latitude) degrees, cut in two
 * at the antimeridian; a band that reaches a pole takes every longitude.
 * All features in those boxes are ranked by true geodesic distance.
 *
 * Several matches (within overlapping polygons, intersects, contains) are
 * combined field by field with the attribute join's aggregates and rules
 * (join/attr.h: first, last, count, sum, mean, min, max, list; nulls
 * skipped), taken in table order.
 */
#ifndef OM_JOIN_SPATIAL_H
#define OM_JOIN_SPATIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "io/reader.h"
#include "join/attr.h"

enum om_sjoin_predicate {
  OM_SJOIN_WITHIN,
  OM_SJOIN_INTERSECTS,
  OM_SJOIN_CONTAINS,
  OM_SJOIN_NEAREST,
};

/* "within", "intersects", "contains", "nearest". */
const char *om_sjoin_predicate_name(enum om_sjoin_predicate p);
/* Parse a predicate's name; 0, or -1 for an unknown name. */
int om_sjoin_predicate_parse(enum om_sjoin_predicate *out, const char *name);

/* A join by location as the manifest declares it; copied by om_sjoin_new. */
struct om_sjoin_spec {
  const char *manifest;               /* manifest file, for messages, or NULL */
  const char *layer;                  /* the layer joined onto, for messages */
  const char *table;                  /* the table as the manifest names it, for messages */
  enum om_sjoin_predicate predicate;
  double max_km;                      /* nearest: farthest match in km; 0 or less: no limit */
  const char *distance_field;         /* nearest: output field for the distance in km, or NULL */
  size_t nfields;                     /* output fields from the table */
  const struct om_join_field *fields; /* nfields entries (as, aggregate, type as in attr.h) */
  const char *prefix;                 /* before every table field's output name, or NULL */
  const char *separator;              /* for list; NULL: "; " */
};

struct om_sjoin;
struct om_sjoin_query;

/*
 * Start a join over a table whose columns are 'columns' (ncolumns names;
 * types[i] is the source's own type or -1, types may be NULL).  Fields
 * that name no column, and output names that clash, are OM_EMANIFEST.
 */
int om_sjoin_new(struct om_sjoin **out, const struct om_sjoin_spec *spec, size_t ncolumns,
                 const char *const *columns, const int *types, struct om_diag *d);
/* Add one feature: lon/lat WKB and its ncolumns values (NULL = null), both copied. */
int om_sjoin_add(struct om_sjoin *j, const unsigned char *wkb, size_t len,
                 const char *const *values);
/* Index the features and settle the output types; no om_sjoin_add after it. */
int om_sjoin_build(struct om_sjoin *j, struct om_diag *d);

/*
 * All three at once over a file: every record with a geometry (moved to
 * WGS 84 from the file's CRS) becomes a feature; records without one are
 * counted (om_sjoin_skipped) and left out.
 */
int om_sjoin_open(struct om_sjoin **out, const struct om_sjoin_spec *spec,
                  const struct om_reader_opts *table, struct om_diag *d);
void om_sjoin_free(struct om_sjoin *j);

long om_sjoin_features(const struct om_sjoin *j); /* features added */
long om_sjoin_skipped(const struct om_sjoin *j);  /* file records without a geometry */

/* Output fields: the table fields in spec order, then the distance field. */
size_t om_sjoin_nfields(const struct om_sjoin *j);
const char *om_sjoin_field_name(const struct om_sjoin *j, size_t i);
enum om_field_type om_sjoin_field_type(const struct om_sjoin *j, size_t i);
/* As om_join_check_names. */
int om_sjoin_check_names(const struct om_sjoin *j, const char *const *taken, size_t ntaken,
                         struct om_diag *d);

int om_sjoin_query_new(struct om_sjoin_query **out, const struct om_sjoin *j, struct om_diag *d);
void om_sjoin_query_free(struct om_sjoin_query *q);

/*
 * Join one geometry (lon/lat WKB): 1 and *values pointing at the output
 * values (om_sjoin_nfields of them, NULL = null; valid until the next call
 * on q), 0 when nothing matches (*values is NULL; also for a geometry
 * that is empty or that GEOS cannot read), or a negative OM_E* code
 * (d->msg says why).
 */
int om_sjoin_match(struct om_sjoin_query *q, const unsigned char *wkb, size_t len,
                   const char *const **values, struct om_diag *d);

/* The features the last om_sjoin_match matched, in table order (0-based). */
size_t om_sjoin_query_nmatches(const struct om_sjoin_query *q);
size_t om_sjoin_query_match(const struct om_sjoin_query *q, size_t k);
/* nearest: the last match's geodesic distance in km, or -1. */
double om_sjoin_query_distance_km(const struct om_sjoin_query *q);

struct om_sjoin_report {
  long matched;        /* queries with at least one match */
  long unmatched;      /* queries with none */
  long features;       /* table features */
  long features_unmatched; /* table features no query matched */
};
void om_sjoin_query_report(const struct om_sjoin_query *q, struct om_sjoin_report *r);

#endif
