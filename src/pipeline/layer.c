/*
 * The layer pipeline: reader -> checks and locate -> spool -> writers.
 *
 * Field types are decided over the whole source before anything is
 * written: declared types win; a source's own types come next (GeoPackage,
 * XLSX); otherwise a column is INTEGER when every value is an integer in
 * canonical form, REAL when every value is a JSON number, and text when
 * any value is not.  "007" is not canonical, so identifiers with leading
 * zeros stay text.  An empty cell is null.
 */
#include "pipeline/layer.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/number.h"
#include "core/path.h"
#include "core/spool.h"
#include "core/strset.h"
#include "io/atomic.h"
#include "io/reader.h"
#include "io/writer.h"
#include "locate/locate.h"
#include "pipeline/aggregate.h"
#include "pipeline/geocode.h"
#include "pipeline/joins.h"
#include "pipeline/output_crs.h"
#include "pipeline/style.h"
#include "pipeline/transform.h"
#include "pipeline/write_outputs.h"

/* How one output column is filled and typed. */
struct column {
  size_t src;              /* field index in the source, or in the joined fields */
  bool joined;             /* filled by a join, not from the source */
  bool fixed;              /* type declared or given by the source */
  enum om_field_type type; /* declared/source type, or the result of detection */
  bool all_int;            /* detection so far: every value a canonical integer */
  bool all_real;           /* every value a canonical JSON number */
  bool seen;               /* some value was not null */
};

struct build {
  const struct om_project *p;
  const struct om_layer_def *layer;
  struct om_diag *d;
  struct om_reader *reader;
  struct om_locator *locator;
  struct om_spool *spool;
  struct om_schema schema;
  struct column *cols; /* schema.n entries */
  size_t id_src;       /* source index of the id field, or SIZE_MAX */
  struct om_strset ids;
  struct om_layer_joins *joins; /* the layer's joins */
  struct om_layer_geocoder *geocoder; /* locate.geocode, or NULL */
  size_t gc_first;     /* the first gc_* column (geocoding layers) */
  long located[OM_GC_LEVEL_COUNTRY + 1]; /* records written, by how finely they were located */
  struct om_layer_transform *transform; /* the layer's transform, or NULL */
  struct om_layer_aggregate *aggregate; /* the layer's aggregate, or NULL */
  size_t tf_first;     /* the first column the transform adds (length_km) */
  bool checking;       /* validate: nothing is built, other layers' outputs may not exist */
  size_t own;          /* columns from the source; the joined ones follow */
  const char **values; /* per column, for the feature being added */
  char **owned;        /* per column: canonical text made for it, or NULL */
  struct om_gpkg_batch *gpkg; /* the build's GeoPackage copies, or NULL */
};

static const struct om_field_decl *declared(const struct om_layer_def *layer, const char *name)
{
  for (size_t i = 0; i < layer->source.nfields; i++)
    if (strcmp(layer->source.fields[i].name, name) == 0)
      return &layer->source.fields[i];
  return NULL;
}

/* A unique column name: GeoPackage reserves fid and geom, and SQLite names ignore case. */
static char *unique_name(const struct om_schema *s, const char *name, size_t index)
{
  char *out = NULL;
  if (!*name) {
    if (asprintf(&out, "field_%zu", index + 1) < 0)
      return NULL;
  } else {
    out = strdup(name);
  }
  for (int n = 2; out; n++) {
    bool clash = !strcasecmp(out, "fid") || !strcasecmp(out, "geom");
    for (size_t i = 0; i < s->n && !clash; i++)
      clash = !strcasecmp(s->fields[i].name, out);
    if (!clash)
      return out;
    free(out);
    if (asprintf(&out, "%s_%d", *name ? name : "field", n) < 0)
      return NULL;
  }
  return NULL;
}

static int make_schema(struct build *b)
{
  const struct om_layer_def *layer = b->layer;
  size_t n = om_reader_field_count(b->reader);
  b->schema.fields = calloc(n ? n : 1, sizeof *b->schema.fields);
  b->cols = calloc(n ? n : 1, sizeof *b->cols);
  b->values = calloc(n ? n : 1, sizeof *b->values);
  b->owned = calloc(n ? n : 1, sizeof *b->owned);
  if (!b->schema.fields || !b->cols || !b->values || !b->owned)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");

  b->id_src = SIZE_MAX;
  for (size_t i = 0; i < n; i++) {
    const char *name = om_reader_field_name(b->reader, i);
    if (layer->source.id && strcmp(name, layer->source.id) == 0)
      b->id_src = i;
    if (om_locator_uses_field(b->locator, i))
      continue;
    struct column *c = &b->cols[b->schema.n];
    struct om_field_def *f = &b->schema.fields[b->schema.n];
    f->name = unique_name(&b->schema, name, i);
    if (!f->name)
      return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
    if (strcmp(f->name, name) != 0)
      om_diag_warn(b->d, "%s: layer '%s': field '%s' of '%s' is written as '%s'", layer->file,
                   layer->name, name, layer->source.path, f->name);
    c->src = i;
    c->all_int = c->all_real = true;
    const struct om_field_decl *decl = declared(layer, name);
    int source_type = om_reader_field_type(b->reader, i);
    if (decl) {
      c->fixed = true;
      c->type = decl->type;
    } else if (i == b->id_src) {
      c->fixed = true; /* identifiers are names, not numbers: keep "007" */
      c->type = OM_FIELD_STRING;
    } else if (source_type >= 0) {
      c->fixed = true;
      c->type = (enum om_field_type)source_type;
    }
    b->schema.n++;
  }
  for (size_t i = 0; i < layer->source.nfields; i++) {
    bool found = false;
    for (size_t j = 0; j < n && !found; j++)
      found = strcmp(om_reader_field_name(b->reader, j), layer->source.fields[i].name) == 0;
    if (!found)
      return om_diag_fail(b->d, OM_EMANIFEST,
                          "%s: layer '%s': declared field '%s' is not in '%s'", layer->file,
                          layer->name, layer->source.fields[i].name, layer->source.path);
  }
  if (layer->source.id && b->id_src == SIZE_MAX)
    return om_diag_fail(b->d, OM_EMANIFEST, "%s: layer '%s': id field '%s' is not in '%s'",
                        layer->file, layer->name, layer->source.id, layer->source.path);
  return 0;
}

/* Record-level rejection: one line in the rejects file and the report. */
static int reject(struct build *b, const struct om_record *rec, const char *field,
                  enum om_reason why, const char *detail, const char *value)
{
  return om_diag_reject(b->d, &rec->pos, field, why, detail, value);
}

/*
 * A record kept with a warning (a geometry make_valid repaired, coordinates
 * outside their stated country), said where as a reject would be.
 */
static void warn_record(struct build *b, const struct om_record *rec, const char *field,
                        const char *what)
{
  char at[64] = "";
  if (rec->pos.line > 0)
    snprintf(at, sizeof at, "%ld:", rec->pos.line);
  om_diag_warn(b->d, "%s:%s record %ld: %s%s%s%s", rec->pos.file ? rec->pos.file : "-", at,
               rec->pos.record, field ? "field '" : "", field ? field : "",
               field ? "': " : "", what);
}

/*
 * Turn column j's value into canonical text in b->values[j], or say why
 * the record is rejected.
 */
static enum om_reason convert(struct build *b, size_t j, const char *v, char *detail,
                              size_t detail_size)
{
  struct column *c = &b->cols[j];
  free(b->owned[j]);
  b->owned[j] = NULL;
  b->values[j] = v && *v ? v : NULL;
  if (!b->values[j])
    return OM_REASON_NONE;

  char buf[32];
  if (c->fixed && c->type == OM_FIELD_INTEGER) {
    long long x;
    enum om_reason why = om_integer_parse(v, &x);
    if (why)
      return why;
    snprintf(buf, sizeof buf, "%lld", x);
  } else if (c->fixed && c->type == OM_FIELD_REAL) {
    double x;
    enum om_reason why = om_number_parse(v, b->layer->source.decimal, &x, detail, detail_size);
    if (why)
      return why;
    om_format_double(buf, x);
  } else if (!c->fixed && b->layer->source.decimal == ',' && strchr(v, ',')) {
    /* The source says its numbers use a decimal comma: "1,5" is 1.5. */
    double x;
    if (om_number_parse(v, ',', &x, detail, detail_size) != OM_REASON_NONE)
      return OM_REASON_NONE;
    om_format_double(buf, x);
  } else {
    return OM_REASON_NONE;
  }
  if (strcmp(buf, v) != 0) {
    b->owned[j] = strdup(buf);
    if (!b->owned[j])
      return OM_REASON_NOT_A_NUMBER;
    b->values[j] = b->owned[j];
  }
  return OM_REASON_NONE;
}

/* Check, locate and spool one record; a negative return stops the build. */
static int take_record(struct build *b, const struct om_record *rec, struct om_location *loc,
                       long *written)
{
  const char *id = b->id_src != SIZE_MAX ? rec->values[b->id_src] : NULL;
  if (b->id_src != SIZE_MAX && (!id || !*id))
    return reject(b, rec, b->layer->source.id, OM_REASON_MISSING_ID, NULL, NULL);
  if (id && om_strset_contains(&b->ids, id))
    return reject(b, rec, b->layer->source.id, OM_REASON_DUPLICATE_ID, NULL, id);

  char detail[256] = "";
  for (size_t j = 0; j < b->own; j++) {
    const char *v = rec->values[b->cols[j].src];
    enum om_reason why = convert(b, j, v, detail, sizeof detail);
    if (why)
      return reject(b, rec, b->schema.fields[j].name, why, detail, v);
  }

  struct om_locate_error err;
  enum om_gc_level level = OM_GC_LEVEL_SITE;
  enum om_reason why = om_locate(b->locator, rec, loc, &err);
  char flagged[320] = "";
  if (why == OM_REASON_MISSING_COORDINATES && b->geocoder)
    why = om_layer_geocode(b->geocoder, rec, id, loc, b->values + b->gc_first, &level, &err);
  else if (why == OM_REASON_NONE && b->geocoder) {
    int rc = om_layer_geocode_given(b->geocoder, rec, loc, b->values + b->gc_first, &err,
                                    flagged, sizeof flagged, b->d);
    if (rc < 0)
      return rc;
    why = (enum om_reason)rc;
  }
  if (why != OM_REASON_NONE)
    return reject(b, rec, err.field, err.reason, err.detail, err.value);
  if (flagged[0])
    warn_record(b, rec, NULL, flagged);
  if (loc->repaired[0])
    warn_record(b, rec, err.field, loc->repaired);
  char tdetail[256] = "";
  int tr = om_layer_transform_apply(b->transform, loc, b->values + b->tf_first, tdetail,
                                    sizeof tdetail, b->d);
  if (tr < 0)
    return tr;
  if (tr > 0)
    return reject(b, rec, NULL, (enum om_reason)tr, tdetail, NULL);

  struct om_join_miss miss;
  int kept = om_layer_joins_apply(b->joins, rec, loc, b->values + b->own, &miss, b->d);
  if (kept < 0)
    return kept;
  if (kept == 0)
    return reject(b, rec, miss.field, OM_REASON_JOIN_UNMATCHED, miss.detail, miss.value);

  for (size_t j = 0; j < b->schema.n; j++) {
    const char *v = b->values[j];
    if (!v || b->cols[j].fixed)
      continue;
    b->cols[j].seen = true;
    b->cols[j].all_int = b->cols[j].all_int && om_is_canonical_integer(v);
    b->cols[j].all_real = b->cols[j].all_real && om_is_canonical_real(v);
  }
  struct om_feature f = {
    .record = rec->pos.record, .line = rec->pos.line, .nvalues = b->schema.n,
    .values = b->values, .wkb = loc->wkb, .wkb_len = loc->len,
    .env = {loc->env[0], loc->env[1], loc->env[2], loc->env[3]},
  };
  /* An id counts as taken once its record is written, not when a record
   * with it was rejected: the first good record with an id is kept. */
  if (id && om_strset_add(&b->ids, id) < 0)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  int rc = om_spool_add(b->spool, &f, b->d);
  if (rc == 0) {
    (*written)++;
    b->located[level]++;
  }
  return rc;
}

/* Settle the detected types once every record is in. */
static void settle_types(struct build *b)
{
  for (size_t j = 0; j < b->schema.n; j++) {
    struct column *c = &b->cols[j];
    if (!c->fixed && !c->seen)
      c->type = OM_FIELD_STRING;
    else if (!c->fixed)
      c->type = c->all_int ? OM_FIELD_INTEGER : c->all_real ? OM_FIELD_REAL : OM_FIELD_STRING;
    b->schema.fields[j].type = c->type;
  }
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * A layer with 'aggregate' (pipeline/aggregate.h): the spooled records
 * become one feature per group, in a new spool and schema that the
 * outputs are written from.  'written' then counts groups and 'grouped'
 * the records in them.
 */
static int group_records(struct build *b, struct om_layer_result *res)
{
  struct om_spool *groups = NULL;
  struct om_schema schema = {0};
  int rc = om_layer_aggregate_run(&groups, &schema, &res->grouped, b->aggregate, b->spool,
                                  &b->schema, b->d);
  if (rc < 0)
    return rc;
  for (size_t j = 0; j < b->schema.n; j++)
    free(b->owned[j]);
  free(b->owned);
  b->owned = NULL; /* sized for the records' columns, not the groups' */
  om_schema_release(&b->schema);
  b->schema = schema;
  om_spool_free(b->spool);
  b->spool = groups;
  res->aggregated = true;
  res->written = (long)om_spool_count(groups);
  return 0;
}

/* Room for n columns in the schema and the per-column arrays. */
static int grow_columns(struct build *b, size_t n)
{
  struct om_field_def *fields = realloc(b->schema.fields, n * sizeof *fields);
  if (fields)
    b->schema.fields = fields;
  struct column *cols = realloc(b->cols, n * sizeof *cols);
  if (cols)
    b->cols = cols;
  const char **values = realloc(b->values, n * sizeof *values);
  if (values)
    b->values = values;
  char **owned = realloc(b->owned, n * sizeof *owned);
  if (owned)
    b->owned = owned;
  if (!fields || !cols || !values || !owned)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  return 0;
}

/* Append the joined fields to the schema, after the source's own. */
static int add_joined_columns(struct build *b)
{
  b->own = b->schema.n;
  size_t nj = om_layer_joins_nfields(b->joins);
  if (nj == 0)
    return 0;
  int rc = grow_columns(b, b->own + nj);
  if (rc < 0)
    return rc;
  for (size_t k = 0; k < nj; k++) {
    size_t j = b->own + k;
    b->cols[j] = (struct column){.src = k, .joined = true, .fixed = true,
                                 .type = om_layer_joins_type(b->joins, k)};
    b->owned[j] = NULL;
    b->values[j] = NULL;
    b->schema.fields[j].type = b->cols[j].type;
    b->schema.fields[j].name = strdup(om_layer_joins_name(b->joins, k));
    b->schema.n++;
    if (!b->schema.fields[j].name)
      return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  }
  return 0;
}

/* Append the gc_* fields of a geocoding layer after all others. */
static int add_geocode_columns(struct build *b)
{
  b->gc_first = b->schema.n;
  if (!b->geocoder)
    return 0;
  size_t n = om_layer_geocoder_nfields(b->geocoder);
  for (size_t j = 0; j < b->schema.n; j++)
    for (size_t k = 0; k < n; k++)
      if (!strcmp(b->schema.fields[j].name, om_layer_geocoder_name(b->geocoder, k)))
        return om_diag_fail(b->d, OM_EMANIFEST,
                            "%s: layer '%s': field '%s' is written by the geocoder; rename the "
                            "source's or the join's field",
                            b->layer->file, b->layer->name, b->schema.fields[j].name);
  int rc = grow_columns(b, b->gc_first + n);
  for (size_t k = 0; k < n && rc == 0; k++) {
    size_t j = b->gc_first + k;
    b->cols[j] = (struct column){.src = k, .joined = true, .fixed = true,
                                 .type = om_layer_geocoder_type(b->geocoder, k)};
    b->owned[j] = NULL;
    b->values[j] = NULL;
    b->schema.fields[j].type = b->cols[j].type;
    b->schema.fields[j].name = strdup(om_layer_geocoder_name(b->geocoder, k));
    b->schema.n++;
    if (!b->schema.fields[j].name)
      rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  }
  return rc;
}

/* Append the fields a transform adds (a flow line's length_km) after all others. */
static int add_transform_columns(struct build *b)
{
  b->tf_first = b->schema.n;
  size_t n = om_layer_transform_nfields(b->transform);
  for (size_t k = 0; k < n; k++) {
    const char *name = om_layer_transform_name(b->transform, k);
    for (size_t j = 0; j < b->schema.n; j++)
      if (!strcmp(b->schema.fields[j].name, name))
        return om_diag_fail(b->d, OM_EMANIFEST,
                            "%s:%d: layer '%s': field '%s' is written by the transform; rename "
                            "the source's or the join's field",
                            b->layer->file, b->layer->transform.line, b->layer->name, name);
  }
  int rc = n ? grow_columns(b, b->tf_first + n) : 0;
  for (size_t k = 0; k < n && rc == 0; k++) {
    size_t j = b->tf_first + k;
    b->cols[j] = (struct column){.src = k, .joined = true, .fixed = true,
                                 .type = om_layer_transform_type(b->transform, k)};
    b->owned[j] = NULL;
    b->values[j] = NULL;
    b->schema.fields[j].type = b->cols[j].type;
    b->schema.fields[j].name = strdup(om_layer_transform_name(b->transform, k));
    b->schema.n++;
    if (!b->schema.fields[j].name)
      rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  }
  return rc;
}

/*
 * The manifest keeps output paths under the output root; a symbolic link
 * on the way (a folder or the file itself) must not lead out of it either,
 * unless the project allows outputs anywhere.  What does not exist yet is
 * judged by its nearest existing folder.
 */
static int check_inside_root(const struct build *b, const struct om_output_def *o)
{
  if (o->format == OM_FORMAT_POSTGIS) /* a table in a database, not a path */
    return 0;
  char *root = om_path_join(b->p->dir, b->p->output_root);
  char *path = om_path_join(b->p->dir, o->path);
  char *real_root = root ? realpath(root, NULL) : NULL;
  char *real = NULL;
  for (char *at = path ? strdup(path) : NULL; at && !real;) {
    real = realpath(at, NULL);
    char *up = real || !strcmp(at, ".") || !strcmp(at, "/") ? NULL : om_path_dirname(at);
    free(at);
    at = up;
  }
  int rc = 0;
  size_t n = real_root ? strlen(real_root) : 0;
  if (real_root && real && !(strncmp(real, real_root, n) == 0 && (real[n] == '/' || !real[n])))
    rc = om_diag_fail(b->d, OM_EMANIFEST,
                      "%s:%d: output '%s' leads out of the output root '%s' through a symbolic "
                      "link (to '%s'); set allow_outputs_outside_root: true in oremap.yaml to "
                      "allow it",
                      b->layer->file, o->line, o->path, b->p->output_root, real);
  free(real);
  free(real_root);
  free(path);
  free(root);
  return rc;
}

/*
 * Open the layer's source and prepare to locate its records and fill its
 * columns.  A source that cannot be opened is named with the manifest and
 * the layer.
 */
static int prepare(struct build *b)
{
  const struct om_layer_def *layer = b->layer;
  char *source = om_path_join(b->p->dir, layer->source.path);
  if (!source)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  /* Records name their source as the manifest does, so that the rejects
   * file does not depend on the folder the build was started from. */
  struct om_reader_opts ro = {
    .path = source, .name = layer->source.path, .layer = layer->source.layer,
    .encoding = layer->source.encoding,
    .max_fields = layer->source.max_fields, .max_field_bytes = layer->source.max_field_bytes,
  };
  int rc = om_reader_open(&b->reader, &ro, b->d);
  free(source);
  if (rc < 0) {
    char msg[sizeof b->d->msg];
    snprintf(msg, sizeof msg, "%s", b->d->msg);
    return om_diag_fail(b->d, rc, "%s: layer '%s': %.1900s", layer->file, layer->name, msg);
  }
  rc = om_locator_new(&b->locator, layer, b->reader, b->d);
  if (rc == 0)
    rc = make_schema(b);
  if (rc == 0)
    rc = om_layer_joins_open(&b->joins, b->p, layer, b->reader, &b->schema, b->d);
  if (rc == 0)
    rc = add_joined_columns(b);
  if (rc == 0)
    rc = om_layer_geocoder_open(&b->geocoder, b->p, layer, b->reader, b->d);
  if (rc == 0)
    rc = add_geocode_columns(b);
  if (rc == 0)
    rc = om_layer_transform_open(&b->transform, b->p, layer, !b->checking, b->d);
  if (rc == 0)
    rc = add_transform_columns(b);
  if (rc == 0)
    rc = om_layer_aggregate_open(&b->aggregate, layer, &b->schema, b->d);
  for (size_t i = 0; i < layer->noutputs && rc == 0 && !b->p->allow_outside_root; i++)
    rc = check_inside_root(b, &layer->outputs[i]);
  return rc;
}

#define PROGRESS_EVERY 8192 /* records between progress reports */

static void tell(const struct om_progress *progress, const char *phase, long records,
                 double fraction)
{
  if (progress && progress->fn)
    progress->fn(progress->ctx, phase, records, fraction);
}

static int read_all(struct build *b, struct om_layer_result *res,
                    const struct om_progress *progress)
{
  struct om_location loc = {0};
  struct om_record rec;
  int rc;
  while ((rc = om_reader_next(b->reader, &rec, b->d)) > 0) {
    if (++res->read % PROGRESS_EVERY == 0)
      tell(progress, "reading", res->read, om_reader_progress(b->reader));
    if (rc == OM_READ_REJECTED)
      continue;
    rc = take_record(b, &rec, &loc, &res->written);
    if (rc < 0)
      break;
  }
  om_location_release(&loc);
  return rc;
}

static void release_build(struct build *b)
{
  om_layer_joins_free(b->joins);
  om_layer_transform_free(b->transform);
  om_layer_aggregate_free(b->aggregate);
  om_layer_geocoder_free(b->geocoder);
  om_locator_free(b->locator);
  om_reader_free(b->reader);
  om_spool_free(b->spool);
  for (size_t j = 0; b->owned && j < b->schema.n; j++)
    free(b->owned[j]);
  om_schema_release(&b->schema);
  om_strset_release(&b->ids);
  free(b->owned);
  free(b->values);
  free(b->cols);
}

int om_layer_build(struct om_layer_result *res, const struct om_project *p,
                   const struct om_layer_def *layer, const struct om_progress *progress,
                   struct om_diag *d)
{
  return om_layer_build_shared(res, p, layer, progress, NULL, d);
}

int om_layer_build_shared(struct om_layer_result *res, const struct om_project *p,
                          const struct om_layer_def *layer, const struct om_progress *progress,
                          struct om_gpkg_batch *gpkg, struct om_diag *d)
{
  memset(res, 0, sizeof *res);
  double start = now();
  struct build b = {.p = p, .layer = layer, .d = d, .gpkg = gpkg};
  om_strset_init(&b.ids);
  long rejected_before = d->rejected; /* d may have served other builds */
  long counts_before[OM_REASON__COUNT];
  memcpy(counts_before, d->counts, sizeof counts_before);

  char *root = om_path_join(p->dir, p->output_root);
  char *rejects_dir = NULL;
  struct om_atomic rejects = {0};
  int rc = root ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0 && (asprintf(&rejects_dir, "%s/rejects", root) < 0 ||
                  asprintf(&res->rejects_path, "%s/%s.csv", rejects_dir, layer->name) < 0))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0 && om_path_mkdirs(rejects_dir) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot create folder '%s': %m", rejects_dir);
  if (rc == 0)
    rc = om_atomic_open(&rejects, res->rejects_path, d);
  if (rc == 0)
    rc = om_diag_open_rejects(d, rejects.f);

  if (rc == 0)
    rc = prepare(&b);
  if (rc == 0)
    rc = om_spool_new(&b.spool, NULL, d);
  if (rc == 0)
    rc = read_all(&b, res, progress);
  if (rc == 0)
    rc = om_layer_joins_finish(b.joins, rejects_dir, res, d);
  if (rc == 0)
    rc = om_spool_finish(b.spool, d);
  if (rc == 0) {
    tell(progress, "writing", res->read, 1);
    settle_types(&b);
    if (b.aggregate)
      rc = group_records(&b, res);
    if (rc == 0)
      rc = om_layer_write_outputs(&(struct om_layer_write){
          .p = b.p, .layer = b.layer, .d = b.d, .schema = &b.schema, .spool = b.spool,
          .geocoder = b.geocoder, .gpkg = b.gpkg});
  }

  res->geocoded = b.geocoder != NULL;
  memcpy(res->located, b.located, sizeof res->located);
  res->rejected = d->rejected - rejected_before;
  for (int r = 0; r < OM_REASON__COUNT; r++)
    res->counts[r] = d->counts[r] - counts_before[r];
  d->rejects = NULL;
  if (rc == 0)
    rc = om_atomic_commit(&rejects, d);
  else
    om_atomic_abort(&rejects);
  release_build(&b);
  free(rejects_dir);
  free(root);
  res->seconds = now() - start;
  return rc;
}

int om_layer_validate(const struct om_project *p, const struct om_layer_def *layer,
                      struct om_diag *d)
{
  struct build b = {.p = p, .layer = layer, .d = d, .checking = true};
  om_strset_init(&b.ids);
  int rc = prepare(&b);
  for (size_t i = 0; i < layer->noutputs && rc == 0; i++) {
    size_t *idx;
    rc = om_layer_resolve_fields(&idx, &b.schema, layer, &layer->outputs[i], d);
    free(idx);
    if (rc == 0)
      rc = om_output_crs_check(layer, &layer->outputs[i], d);
  }
  if (rc == 0 && layer->style) {
    char *style = om_path_join(p->dir, layer->style);
    if (!style)
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
    else if (access(style, R_OK) != 0)
      rc = om_diag_fail(d, OM_EMANIFEST, "%s: layer '%s': cannot read style '%s': %m",
                        layer->file, layer->name, layer->style);
    free(style);
  }
  if (rc == 0)
    rc = om_layer_style_check(p, layer, &b.schema, d);
  release_build(&b);
  return rc;
}
