/*
 * joins: in a layer manifest.
 *
 *   joins:
 *     - table: data/assays.csv          # any table GDAL opens
 *       layer: Sheet1                   # its layer or sheet, when it has several
 *       encoding: CP1254                # as for a source
 *       decimal: ","
 *       on: site_id                     # or [a, b], or { left: [..], right: [..] }
 *       keys: { trim: true, case: fold, marks: fold, leading_zeros: strip, compare: number }
 *       relation: one-to-many           # default one-to-one
 *       fields: [reo_pct, nd_ppm]       # or { reo_pct: max, nd_ppm: { as: nd, aggregate: mean, type: real } }
 *       aggregate: { reo_pct: max }     # with a list of fields
 *       prefix: assay_
 *       separator: "; "
 *       unmatched: keep                 # or drop: such records are rejected
 *
 * A join by location has a predicate and no 'on' (join/spatial.h):
 *
 *     - layer: countries                # a layer of the project (its first output)
 *       table: data/countries.geojson   # ... or any file GDAL opens ('layer' is then its layer)
 *       predicate: within               # intersects, contains, nearest
 *       max_km: 50                      # nearest: farthest match
 *       distance_field: port_km         # nearest: the distance in km
 *       fields: { name: country_name, iso_a3: { as: country_iso } }
 *       unmatched: keep
 */
#include "manifest/joins.h"

#include <stdlib.h>
#include <string.h>

static const char *const join_keys[] = {"table", "layer", "encoding", "decimal", "on", "keys",
                                        "relation", "fields", "aggregate", "prefix",
                                        "separator", "unmatched", "predicate", "max_km",
                                        "distance_field", NULL};
static const char *const join_required[] = {"table", "on", NULL};
static const char *const spatial_required[] = {NULL};
static const char *const predicates[] = {"within", "intersects", "contains", "nearest", NULL};
static const char *const policy_keys[] = {"trim", "case", "marks", "leading_zeros", "compare",
                                          NULL};
static const char *const field_keys[] = {"as", "aggregate", "type", NULL};
static const char *const no_keys[] = {NULL};
static const char *const aggregates[] = {"first", "last", "count", "sum", "mean", "min", "max",
                                         "list", NULL};

/* The text of scalar v if it is one of 'allowed', else NULL (reported). */
static char *word_of(struct om_yaml_file *f, yaml_node_t *v, const char *key,
                     const char *const *allowed)
{
  char *w = v->type == YAML_SCALAR_NODE ? om_yaml_text(f, v, key) : NULL;
  for (size_t i = 0; w && allowed[i]; i++)
    if (strcmp(w, allowed[i]) == 0)
      return w;
  char list[256] = "", desc[96];
  size_t used = 0;
  for (size_t i = 0; allowed[i] && used + 1 < sizeof list; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
  om_yaml_error_at(f, v, "'%s' must be one of %s, not %s", key, list,
                   w ? w : om_yaml_describe(v, desc, sizeof desc));
  free(w);
  return NULL;
}

/* The word given for key in map, or NULL (absent or reported). */
static char *read_word(struct om_yaml_file *f, yaml_node_t *map, const char *key,
                       const char *const *allowed)
{
  yaml_node_t *v = om_yaml_get(f, map, key);
  return v && !om_yaml_is_null(v) ? word_of(f, v, key, allowed) : NULL;
}

/* Is key set to the first word of a pair ("fold" of fold/exact)? */
static bool read_choice(struct om_yaml_file *f, yaml_node_t *map, const char *key,
                        const char *yes, const char *no)
{
  const char *allowed[] = {yes, no, NULL};
  char *w = read_word(f, map, key, allowed);
  bool on = w && strcmp(w, yes) == 0;
  free(w);
  return on;
}

/* A field name, or a list of them, into *names / *n. */
static void read_names(struct om_yaml_file *f, yaml_node_t *v, const char *what, char ***names,
                       size_t *n)
{
  size_t count = v->type == YAML_SEQUENCE_NODE ? om_yaml_length(v) : 1;
  *names = calloc(count ? count : 1, sizeof **names);
  if (!*names) {
    om_yaml_oom(f->e);
    return;
  }
  if (v->type == YAML_SCALAR_NODE) {
    if (((*names)[0] = om_yaml_item(f, v, what, "a field name")))
      *n = 1;
    return;
  }
  if (v->type != YAML_SEQUENCE_NODE || count == 0) {
    om_yaml_error_at(f, v, "'%s' must be a field name or a non-empty list of them", what);
    return;
  }
  for (size_t i = 0; i < count; i++) {
    char *name = om_yaml_item(f, om_yaml_node(f, v->data.sequence.items.start[i]), what,
                              "a field name");
    if (name)
      (*names)[(*n)++] = name;
  }
}

static int copy_names(char ***out, char *const *names, size_t n)
{
  *out = calloc(n ? n : 1, sizeof **out);
  for (size_t i = 0; *out && i < n; i++)
    if (!((*out)[i] = strdup(names[i])))
      return -1;
  return *out ? 0 : -1;
}

/* on: a key, a list of keys named alike on both sides, or { left:, right: }. */
static void read_on(struct om_yaml_file *f, yaml_node_t *v, struct om_join_def *j)
{
  if (v->type != YAML_MAPPING_NODE) {
    read_names(f, v, "on", &j->left_keys, &j->nkeys);
    if (copy_names(&j->right_keys, j->left_keys, j->nkeys) < 0)
      om_yaml_oom(f->e);
    return;
  }
  static const char *const sides[] = {"left", "right", NULL};
  om_yaml_check_keys(f, v, "'on'", sides, sides);
  yaml_node_t *left = om_yaml_get(f, v, "left"), *right = om_yaml_get(f, v, "right");
  size_t nright = 0;
  if (left)
    read_names(f, left, "on.left", &j->left_keys, &j->nkeys);
  if (right)
    read_names(f, right, "on.right", &j->right_keys, &nright);
  if (left && right && nright != j->nkeys)
    om_yaml_error_at(f, v, "'on' names %zu left keys and %zu right keys", j->nkeys, nright);
  /* Keep the two lists the same length: nkeys counts both. */
  while (j->nkeys > nright)
    free(j->left_keys[--j->nkeys]);
  while (nright > j->nkeys)
    free(j->right_keys[--nright]);
}

static void read_policy(struct om_yaml_file *f, yaml_node_t *v, struct om_join_def *j)
{
  if (v->type != YAML_MAPPING_NODE) {
    om_yaml_error_at(f, v, "'keys' must be a mapping (trim, case, marks, leading_zeros, compare)");
    return;
  }
  om_yaml_check_keys(f, v, "'keys'", policy_keys, no_keys);
  yaml_node_t *trim = om_yaml_get(f, v, "trim");
  if (trim && !om_yaml_is_null(trim))
    om_yaml_boolean(f, trim, "trim", &j->trim);
  j->fold_case = read_choice(f, v, "case", "fold", "exact");
  j->fold_marks = read_choice(f, v, "marks", "fold", "keep");
  j->strip_zeros = read_choice(f, v, "leading_zeros", "strip", "keep");
  j->numeric = read_choice(f, v, "compare", "number", "text");
}

/* One field of a 'fields' mapping: name: aggregate, or name: { as, aggregate, type }. */
static void read_field_spec(struct om_yaml_file *f, yaml_node_t *v, struct om_join_field_def *fd)
{
  if (v->type == YAML_SCALAR_NODE) {
    fd->aggregate = word_of(f, v, fd->source, aggregates);
    return;
  }
  if (v->type != YAML_MAPPING_NODE) {
    om_yaml_error_at(f, v, "field '%s' must be an aggregate or a mapping (as, aggregate, type)",
                     fd->source);
    return;
  }
  om_yaml_check_keys(f, v, "a join field", field_keys, no_keys);
  om_yaml_string(f, v, "as", &fd->as);
  fd->aggregate = read_word(f, v, "aggregate", aggregates);
  char *type = NULL;
  if (om_yaml_string(f, v, "type", &type) == 0 && type) {
    if (om_field_type_parse(&fd->type, type) == 0)
      fd->typed = true;
    else
      om_yaml_error_at(f, om_yaml_get(f, v, "type"),
                       "'type' must be string, integer or real, not '%s'", type);
  }
  free(type);
}

static void read_fields(struct om_yaml_file *f, yaml_node_t *v, struct om_join_def *j)
{
  size_t n = v->type == YAML_SEQUENCE_NODE ? om_yaml_length(v)
             : v->type == YAML_MAPPING_NODE
                 ? (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start)
                 : 0;
  if (n == 0) {
    om_yaml_error_at(f, v, "'fields' must be a non-empty list of fields or a mapping of them");
    return;
  }
  j->fields = calloc(n, sizeof *j->fields);
  if (!j->fields) {
    om_yaml_oom(f->e);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    struct om_join_field_def *fd = &j->fields[j->nfields];
    if (v->type == YAML_SEQUENCE_NODE) {
      fd->source = om_yaml_item(f, om_yaml_node(f, v->data.sequence.items.start[i]), "fields",
                                "a field name");
    } else {
      yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
      yaml_node_t *k = om_yaml_node(f, p->key);
      fd->source = om_yaml_item(f, k, "fields", "a field name");
      if (fd->source)
        read_field_spec(f, om_yaml_node(f, p->value), fd);
    }
    if (fd->source)
      j->nfields++;
  }
}

/* aggregate: { field: how } for fields given as a list. */
static void read_aggregates(struct om_yaml_file *f, yaml_node_t *v, struct om_join_def *j)
{
  if (v->type != YAML_MAPPING_NODE) {
    om_yaml_error_at(f, v, "'aggregate' must be a mapping of field: aggregate");
    return;
  }
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
    yaml_node_t *k = om_yaml_node(f, p->key);
    const char *name = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
    struct om_join_field_def *fd = NULL;
    for (size_t i = 0; i < j->nfields && !fd; i++)
      if (strcmp(j->fields[i].source, name) == 0)
        fd = &j->fields[i];
    if (!fd) {
      om_yaml_error_at(f, k, "'aggregate' names '%s', which is not in 'fields'", name);
      continue;
    }
    free(fd->aggregate);
    fd->aggregate = word_of(f, om_yaml_node(f, p->value), name, aggregates);
  }
}

/* A number of kilometres, > 0, into *out. */
static void read_km(struct om_yaml_file *f, yaml_node_t *v, const char *key, double *out)
{
  char *text = v->type == YAML_SCALAR_NODE ? om_yaml_text(f, v, key) : NULL;
  char *end = NULL;
  double x = text ? strtod(text, &end) : 0;
  if (!text || end == text || *end || !(x > 0) || x > 20040)
    om_yaml_error_at(f, v, "'%s' must be a distance in km above 0 and at most 20,040", key);
  else
    *out = x;
  free(text);
}

/*
 * The keys of a join by location.  'layer' alone names a project layer;
 * with 'table' it is the table's own layer, as for attribute joins.
 */
static void read_spatial(struct om_yaml_file *f, yaml_node_t *v, struct om_join_def *j)
{
  yaml_node_t *n;
  j->predicate = read_word(f, v, "predicate", predicates);
  if (!om_yaml_get(f, v, "table")) {
    om_yaml_string(f, v, "layer", &j->from_layer);
    if (!j->from_layer)
      om_yaml_error_at(f, v, "a join with a 'predicate' needs 'layer' (a layer of the project) "
                             "or 'table' (a file)");
  }
  if ((n = om_yaml_get(f, v, "on")))
    om_yaml_error_at(f, n, "a join with a 'predicate' joins by location and takes no 'on'");
  bool nearest = j->predicate && strcmp(j->predicate, "nearest") == 0;
  if ((n = om_yaml_get(f, v, "max_km")) && !om_yaml_is_null(n)) {
    if (!nearest)
      om_yaml_error_at(f, n, "'max_km' is for 'predicate: nearest'");
    read_km(f, n, "max_km", &j->max_km);
  }
  om_yaml_string(f, v, "distance_field", &j->distance_field);
  if (j->distance_field && !nearest)
    om_yaml_error_at(f, om_yaml_get(f, v, "distance_field"),
                     "'distance_field' is for 'predicate: nearest'");
}

static void read_join(struct om_yaml_file *f, yaml_node_t *v, struct om_join_def *j)
{
  j->line = (int)v->start_mark.line + 1;
  if (v->type != YAML_MAPPING_NODE) {
    om_yaml_error_at(f, v, "each item of 'joins' must be a mapping with 'table' and 'on'");
    return;
  }
  bool spatial = om_yaml_get(f, v, "predicate") != NULL;
  om_yaml_check_keys(f, v, "a join", join_keys, spatial ? spatial_required : join_required);
  if (spatial)
    read_spatial(f, v, j);
  om_yaml_string(f, v, "table", &j->table);
  if (!j->from_layer)
    om_yaml_string(f, v, "layer", &j->layer);
  om_yaml_string(f, v, "encoding", &j->encoding);
  om_yaml_string(f, v, "prefix", &j->prefix);
  om_yaml_string(f, v, "separator", &j->separator);
  static const char *const decimals[] = {".", ",", NULL};
  char *decimal = read_word(f, v, "decimal", decimals);
  j->decimal = decimal ? decimal[0] : 0;
  free(decimal);
  yaml_node_t *n;
  if (!spatial && (n = om_yaml_get(f, v, "on")))
    read_on(f, n, j);
  if ((n = om_yaml_get(f, v, "keys")))
    read_policy(f, n, j);
  j->one_to_many = read_choice(f, v, "relation", "one-to-many", "one-to-one");
  j->drop_unmatched = read_choice(f, v, "unmatched", "drop", "keep");
  if ((n = om_yaml_get(f, v, "fields")))
    read_fields(f, n, j);
  if ((n = om_yaml_get(f, v, "aggregate")))
    read_aggregates(f, n, j);
  if (!j->encoding && !(j->encoding = strdup("UTF-8")))
    om_yaml_oom(f->e);
}

void om_manifest_read_joins(struct om_yaml_file *f, yaml_node_t *v, struct om_layer_def *l)
{
  if (v->type != YAML_SEQUENCE_NODE) {
    om_yaml_error_at(f, v, "'joins' must be a list of joins");
    return;
  }
  size_t n = om_yaml_length(v);
  l->joins = calloc(n ? n : 1, sizeof *l->joins);
  if (!l->joins) {
    om_yaml_oom(f->e);
    return;
  }
  l->njoins = n;
  for (size_t i = 0; i < n; i++)
    read_join(f, om_yaml_node(f, v->data.sequence.items.start[i]), &l->joins[i]);
}

void om_manifest_read_field_list(struct om_yaml_file *f, yaml_node_t *v,
                                 struct om_join_field_def **fields, size_t *n)
{
  struct om_join_def j = {.nfields = 0};
  read_fields(f, v, &j);
  *fields = j.fields;
  *n = j.nfields;
}

void om_manifest_read_names(struct om_yaml_file *f, yaml_node_t *v, const char *what,
                            char ***names, size_t *n)
{
  read_names(f, v, what, names, n);
}

void om_manifest_release_joins(struct om_layer_def *l)
{
  for (size_t i = 0; i < l->njoins; i++) {
    struct om_join_def *j = &l->joins[i];
    free(j->table);
    free(j->layer);
    free(j->encoding);
    for (size_t k = 0; k < j->nkeys; k++) {
      free(j->left_keys ? j->left_keys[k] : NULL);
      free(j->right_keys ? j->right_keys[k] : NULL);
    }
    free(j->left_keys);
    free(j->right_keys);
    for (size_t k = 0; k < j->nfields; k++) {
      free(j->fields[k].source);
      free(j->fields[k].as);
      free(j->fields[k].aggregate);
    }
    free(j->fields);
    free(j->prefix);
    free(j->separator);
    free(j->predicate);
    free(j->from_layer);
    free(j->distance_field);
  }
  free(l->joins);
  l->joins = NULL;
  l->njoins = 0;
}
