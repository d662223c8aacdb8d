/* A layer's attribute joins and joins by location in the pipeline (see joins.h). */
#include "pipeline/joins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "join/attr.h"
#include "join/spatial.h"

struct one_join {
  const struct om_join_def *def; /* the manifest's join */
  struct om_join *engine;        /* the table in memory */
  size_t *left;                  /* the layer's key fields: indices in the record */
  const char **keys;             /* key values of the current record */
  struct om_sjoin *spatial;      /* a join by location: the table's features, or NULL */
  struct om_sjoin_query *query;  /* and this build's way of asking it */
  char *label;                   /* how messages and reports name the table, owned */
};

struct om_layer_joins {
  const struct om_layer_def *layer;
  size_t n;
  struct one_join *joins;
  size_t nfields; /* all joined fields */
};

void om_layer_joins_free(struct om_layer_joins *j)
{
  if (!j)
    return;
  for (size_t i = 0; i < j->n; i++) {
    om_join_free(j->joins[i].engine);
    om_sjoin_query_free(j->joins[i].query);
    om_sjoin_free(j->joins[i].spatial);
    free(j->joins[i].label);
    free(j->joins[i].left);
    free(j->joins[i].keys);
  }
  free(j->joins);
  free(j);
}

/* Where a join is declared, for messages: "layers/x.yaml:12: join 'data/a.csv'". */
static void where(char *buf, size_t size, const struct om_layer_def *layer,
                  const struct om_join_def *def)
{
  if (def->from_layer)
    snprintf(buf, size, "%s:%d: join 'layer %s'", layer->file, def->line, def->from_layer);
  else
    snprintf(buf, size, "%s:%d: join '%s'", layer->file, def->line, def->table);
}

int om_join_source(const struct om_project *p, const struct om_join_def *def, const char **path,
                   const char **layer)
{
  *path = def->table;
  *layer = def->layer;
  if (!def->from_layer)
    return 0;
  for (size_t i = 0; i < p->nlayers; i++) {
    const struct om_layer_def *a = &p->layers[i];
    if (strcmp(a->name, def->from_layer) != 0 || a->noutputs == 0)
      continue;
    *path = a->outputs[0].path;
    *layer = a->outputs[0].format == OM_FORMAT_GPKG
                 ? (a->outputs[0].layer ? a->outputs[0].layer : a->name)
                 : NULL;
    return 0;
  }
  return -1;
}

/* Open a join by location: read its table's features and index them. */
static int open_spatial(struct one_join *oj, const struct om_project *p,
                        const struct om_layer_def *layer, const struct om_join_field *fields,
                        struct om_diag *d)
{
  const struct om_join_def *def = oj->def;
  const char *rel, *tlayer;
  if (om_join_source(p, def, &rel, &tlayer) < 0)
    return om_diag_fail(d, OM_EMANIFEST, "%s:%d: join names layer '%s', which is not in the "
                        "project or has no outputs", layer->file, def->line, def->from_layer);
  struct om_sjoin_spec spec = {
    .manifest = layer->file, .layer = layer->name, .table = oj->label, .max_km = def->max_km,
    .distance_field = def->distance_field, .nfields = def->nfields, .fields = fields,
    .prefix = def->prefix, .separator = def->separator,
  };
  om_sjoin_predicate_parse(&spec.predicate, def->predicate); /* the manifest checked it */
  char *table = om_path_join(p->dir, rel);
  if (!table)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  struct om_reader_opts ro = {.path = table, .name = rel, .layer = tlayer,
                              .encoding = def->encoding};
  int rc = om_sjoin_open(&oj->spatial, &spec, &ro, d);
  if (rc == 0)
    rc = om_sjoin_query_new(&oj->query, oj->spatial, d);
  free(table);
  return rc;
}

static int find_left_keys(struct one_join *oj, const struct om_layer_def *layer,
                          const struct om_reader *reader, struct om_diag *d)
{
  const struct om_join_def *def = oj->def;
  oj->left = calloc(def->nkeys ? def->nkeys : 1, sizeof *oj->left);
  oj->keys = calloc(def->nkeys ? def->nkeys : 1, sizeof *oj->keys);
  if (!oj->left || !oj->keys)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  size_t n = om_reader_field_count(reader);
  for (size_t k = 0; k < def->nkeys; k++) {
    size_t i = 0;
    while (i < n && strcmp(om_reader_field_name(reader, i), def->left_keys[k]) != 0)
      i++;
    if (i == n) {
      char at[512];
      where(at, sizeof at, layer, def);
      return om_diag_fail(d, OM_EMANIFEST, "%s: key '%s' is not a field of '%s'", at,
                          def->left_keys[k], layer->source.path);
    }
    oj->left[k] = i;
  }
  return 0;
}

static int open_one(struct one_join *oj, const struct om_project *p,
                    const struct om_layer_def *layer, struct om_diag *d)
{
  const struct om_join_def *def = oj->def;
  struct om_join_field *fields = calloc(def->nfields ? def->nfields : 1, sizeof *fields);
  char *table = def->table ? om_path_join(p->dir, def->table) : NULL;
  int rc = fields && (table || !def->table) ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; i < def->nfields && rc == 0; i++) {
    const struct om_join_field_def *fd = &def->fields[i];
    fields[i] = (struct om_join_field){.source = fd->source, .as = fd->as, .agg = OM_AGG_FIRST,
                                       .typed = fd->typed, .type = fd->type};
    if (fd->aggregate)
      om_join_agg_parse(&fields[i].agg, fd->aggregate); /* the manifest checked the name */
  }
  if (rc == 0 && def->predicate) {
    rc = open_spatial(oj, p, layer, fields, d);
    free(fields);
    free(table);
    return rc;
  }
  struct om_join_spec spec = {
    .manifest = layer->file, .layer = layer->name, .nkeys = def->nkeys,
    .left_keys = (const char *const *)def->left_keys,
    .right_keys = (const char *const *)def->right_keys,
    .policy = {.trim = def->trim, .fold_case = def->fold_case, .fold_marks = def->fold_marks,
               .strip_leading_zeros = def->strip_zeros, .numeric = def->numeric},
    .decimal = def->decimal, .one_to_many = def->one_to_many, .nfields = def->nfields,
    .fields = fields, .prefix = def->prefix, .separator = def->separator,
    .drop_unmatched = def->drop_unmatched,
  };
  struct om_reader_opts ro = {.path = table, .layer = def->layer, .encoding = def->encoding};
  if (rc == 0)
    rc = om_join_open(&oj->engine, &spec, &ro, d);
  free(fields);
  free(table);
  return rc;
}

static size_t nfields_of(const struct one_join *oj)
{
  return oj->spatial ? om_sjoin_nfields(oj->spatial) : om_join_nfields(oj->engine);
}

static const char *field_name_of(const struct one_join *oj, size_t i)
{
  return oj->spatial ? om_sjoin_field_name(oj->spatial, i) : om_join_field_name(oj->engine, i);
}

int om_layer_joins_open(struct om_layer_joins **out, const struct om_project *p,
                        const struct om_layer_def *layer, const struct om_reader *reader,
                        const struct om_schema *own, struct om_diag *d)
{
  *out = NULL;
  struct om_layer_joins *j = calloc(1, sizeof *j);
  size_t ntaken = own->n;
  const char **taken = NULL;
  if (j) {
    j->layer = layer;
    j->joins = calloc(layer->njoins ? layer->njoins : 1, sizeof *j->joins);
    taken = calloc(own->n + 1, sizeof *taken);
  }
  int rc = j && j->joins && taken ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < own->n; i++)
    taken[i] = own->fields[i].name;
  for (size_t i = 0; rc == 0 && i < layer->njoins; i++) {
    struct one_join *oj = &j->joins[j->n++];
    oj->def = &layer->joins[i];
    if (oj->def->from_layer ? asprintf(&oj->label, "layer %s", oj->def->from_layer) < 0
                            : !(oj->label = strdup(oj->def->table))) {
      oj->label = NULL;
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
      break;
    }
    rc = find_left_keys(oj, layer, reader, d);
    if (rc == 0)
      rc = open_one(oj, p, layer, d);
    if (rc == 0)
      rc = oj->spatial ? om_sjoin_check_names(oj->spatial, taken, ntaken, d)
                       : om_join_check_names(oj->engine, taken, ntaken, d);
    size_t nf = rc == 0 ? nfields_of(oj) : 0;
    const char **grown = nf ? realloc(taken, (ntaken + nf + 1) * sizeof *taken) : taken;
    if (!grown) {
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
      break;
    }
    taken = grown;
    for (size_t k = 0; k < nf; k++)
      taken[ntaken++] = field_name_of(oj, k);
    j->nfields += nf;
    if (rc < 0) {
      char at[512], msg[sizeof d->msg];
      where(at, sizeof at, layer, oj->def);
      snprintf(msg, sizeof msg, "%s", d->msg);
      if (strncmp(msg, layer->file, strlen(layer->file)) != 0)
        om_diag_fail(d, rc, "%s: %.1500s", at, msg);
    }
  }
  free(taken);
  if (rc < 0) {
    om_layer_joins_free(j);
    return rc;
  }
  *out = j;
  return 0;
}

size_t om_layer_joins_nfields(const struct om_layer_joins *j) { return j->nfields; }

/* The join holding joined field i, and i within it. */
static const struct one_join *owner(const struct om_layer_joins *j, size_t *i)
{
  for (size_t k = 0; k < j->n; k++) {
    size_t nf = nfields_of(&j->joins[k]);
    if (*i < nf)
      return &j->joins[k];
    *i -= nf;
  }
  return NULL;
}

const char *om_layer_joins_name(const struct om_layer_joins *j, size_t i)
{
  const struct one_join *oj = owner(j, &i);
  return field_name_of(oj, i);
}

enum om_field_type om_layer_joins_type(const struct om_layer_joins *j, size_t i)
{
  const struct one_join *oj = owner(j, &i);
  return oj->spatial ? om_sjoin_field_type(oj->spatial, i) : om_join_field_type(oj->engine, i);
}

/* A join by location for one record: 1 kept, 0 dropped (miss says why), < 0. */
static int apply_spatial(struct one_join *oj, const struct om_location *loc, const char **values,
                         struct om_join_miss *miss, struct om_diag *d)
{
  const char *const *found = NULL;
  int rc = om_sjoin_match(oj->query, loc->wkb, loc->len, &found, d);
  if (rc < 0)
    return rc;
  size_t nf = om_sjoin_nfields(oj->spatial);
  for (size_t i = 0; i < nf; i++)
    values[i] = found ? found[i] : NULL;
  if (found || !oj->def->drop_unmatched)
    return 1;
  miss->field = NULL;
  miss->value = NULL;
  snprintf(miss->detail, sizeof miss->detail, "no feature of '%s' matches (predicate: %s)",
           oj->label, oj->def->predicate);
  return 0;
}

int om_layer_joins_apply(struct om_layer_joins *j, const struct om_record *rec,
                         const struct om_location *loc, const char **values,
                         struct om_join_miss *miss, struct om_diag *d)
{
  size_t at = 0;
  for (size_t k = 0; k < j->n; k++) {
    struct one_join *oj = &j->joins[k];
    if (oj->spatial) {
      int rc = apply_spatial(oj, loc, values + at, miss, d);
      if (rc <= 0)
        return rc;
      at += om_sjoin_nfields(oj->spatial);
      continue;
    }
    for (size_t i = 0; i < oj->def->nkeys; i++)
      oj->keys[i] = rec->values[oj->left[i]];
    const char *const *found = NULL;
    int rc = om_join_lookup(oj->engine, oj->keys, &found);
    if (rc < 0)
      return om_diag_fail(d, rc, "out of memory");
    size_t nf = om_join_nfields(oj->engine);
    for (size_t i = 0; i < nf; i++)
      values[at + i] = found ? found[i] : NULL;
    at += nf;
    if (!found && oj->def->drop_unmatched) {
      miss->field = oj->def->left_keys[0];
      miss->value = oj->keys[0];
      snprintf(miss->detail, sizeof miss->detail, "no row of '%s' has this key", oj->def->table);
      return 0;
    }
  }
  return 1;
}

/* "data/assays.csv" -> "assays": a file name for the unmatched rows. */
static char *stem(const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  return strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

int om_layer_joins_finish(struct om_layer_joins *j, const char *rejects_dir,
                          struct om_layer_result *res, struct om_diag *d)
{
  res->joins = calloc(j->n ? j->n : 1, sizeof *res->joins);
  if (!res->joins)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t k = 0; k < j->n; k++) {
    const struct one_join *oj = &j->joins[k];
    struct om_join_result *out = &res->joins[res->njoins++];
    if (oj->spatial) {
      struct om_sjoin_report sr;
      om_sjoin_query_report(oj->query, &sr);
      *out = (struct om_join_result){.table = strdup(oj->label), .matched = sr.matched,
                                     .unmatched = sr.unmatched,
                                     .dropped = oj->def->drop_unmatched,
                                     .table_rows = sr.features,
                                     .unmatched_rows = sr.features_unmatched};
      if (!out->table)
        return om_diag_fail(d, OM_ENOMEM, "out of memory");
      continue;
    }
    struct om_join_report r;
    om_join_report(oj->engine, &r);
    char *name = stem(oj->def->table);
    out->table = strdup(oj->def->table);
    if (!name || !out->table ||
        asprintf(&out->unmatched_path, "%s/%s.%s.unmatched.csv", rejects_dir, j->layer->name,
                 name) < 0) {
      free(name);
      out->unmatched_path = NULL;
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
    free(name);
    out->matched = r.matched;
    out->unmatched = r.unmatched_left;
    out->dropped = oj->def->drop_unmatched;
    out->table_rows = r.right_rows;
    out->unmatched_rows = r.unmatched_right;
    int rc = om_join_write_unmatched(oj->engine, out->unmatched_path, d);
    if (rc < 0)
      return rc;
  }
  return 0;
}
