/*
 * 'locate.geocode': where a record's coordinates are empty, or when the
 * layer gives none, its place is looked up by name.  Written either as
 * the query template alone or as a mapping:
 *
 *   geocode: "{name}, {region}, {country}"
 *   geocode: { query: "...", min_score: 0.5, overrides: data/overrides.csv,
 *              gazetteer: data/my.gaz, fuzzy: true }
 *
 * and 'locate.check_country', which tests given coordinates against the
 * country a field states:
 *
 *   check_country: country
 *   check_country: { field: country, policy: flag | reject | fix, tolerance_km: 10 }
 *
 * and 'locate.reverse', which adds the country, admin units and nearest
 * place of given coordinates:
 *
 *   reverse: true
 *   reverse: { tolerance_km: 10 }
 */
#include "manifest/geocode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const geocode_keys[] = {"query", "min_score", "overrides", "gazetteer",
                                           "fuzzy", NULL};
static const char *const geocode_required[] = {"query", NULL};

static const char *const check_keys[] = {"field", "policy", "tolerance_km", NULL};
static const char *const check_required[] = {"field", NULL};

static const char *const reverse_keys[] = {"tolerance_km", NULL};

/* A number in [min, max] for 'key' of map, into *out when given. */
static void read_number(struct om_yaml_file *f, yaml_node_t *map, const char *key, double min,
                        double max, double *out)
{
  yaml_node_t *v = om_yaml_get(f, map, key);
  if (!v || om_yaml_is_null(v))
    return;
  char *text = om_yaml_text(f, v, key);
  if (!text)
    return;
  char *end = NULL;
  double x = strtod(text, &end);
  if (end == text || *end || !(x >= min && x <= max))
    om_yaml_error_at(f, v, "'%s' must be a number from %g to %g, not '%s'", key, min, max, text);
  else
    *out = x;
  free(text);
}

void om_manifest_read_geocode(struct om_yaml_file *f, yaml_node_t *v, struct om_geocode_def *g)
{
  g->line = (int)v->start_mark.line + 1;
  g->fuzzy = true;
  if (v->type == YAML_SCALAR_NODE) {
    g->query = om_yaml_text(f, v, "geocode");
  } else if (v->type == YAML_MAPPING_NODE) {
    om_yaml_check_keys(f, v, "'locate.geocode'", geocode_keys, geocode_required);
    om_yaml_string(f, v, "query", &g->query);
    om_yaml_string(f, v, "overrides", &g->overrides);
    om_yaml_string(f, v, "gazetteer", &g->gazetteer);
    read_number(f, v, "min_score", 0, 1, &g->min_score);
    yaml_node_t *fz = om_yaml_get(f, v, "fuzzy");
    if (fz && !om_yaml_is_null(fz))
      om_yaml_boolean(f, fz, "fuzzy", &g->fuzzy);
  } else {
    om_yaml_error_at(f, v, "'geocode' must be a query template or a mapping with 'query', not a list");
  }
  if (g->query && !strchr(g->query, '{'))
    om_yaml_error_at(f, v, "'geocode' query '%s' names no {field}", g->query);
}

void om_manifest_read_check(struct om_yaml_file *f, yaml_node_t *v, struct om_check_def *c)
{
  c->line = (int)v->start_mark.line + 1;
  c->tolerance_km = 10;
  c->policy = OM_CHECK_FLAG;
  if (v->type == YAML_SCALAR_NODE) {
    c->field = om_yaml_text(f, v, "check_country");
    return;
  }
  if (v->type != YAML_MAPPING_NODE) {
    om_yaml_error_at(f, v, "'check_country' must be a field name or a mapping with 'field'");
    return;
  }
  om_yaml_check_keys(f, v, "'locate.check_country'", check_keys, check_required);
  om_yaml_string(f, v, "field", &c->field);
  read_number(f, v, "tolerance_km", 0, 1000, &c->tolerance_km);
  char *policy = NULL;
  if (om_yaml_string(f, v, "policy", &policy) == 0 && policy) {
    if (!strcmp(policy, "flag"))
      c->policy = OM_CHECK_FLAG;
    else if (!strcmp(policy, "reject"))
      c->policy = OM_CHECK_REJECT;
    else if (!strcmp(policy, "fix"))
      c->policy = OM_CHECK_FIX;
    else
      om_yaml_error_at(f, om_yaml_get(f, v, "policy"),
                       "'policy' must be flag, reject or fix, not '%s'", policy);
  }
  free(policy);
}

void om_manifest_read_reverse(struct om_yaml_file *f, yaml_node_t *v, struct om_reverse_def *r)
{
  r->line = (int)v->start_mark.line + 1;
  r->tolerance_km = 10;
  if (v->type == YAML_SCALAR_NODE) {
    om_yaml_boolean(f, v, "reverse", &r->on);
    return;
  }
  if (v->type != YAML_MAPPING_NODE) {
    om_yaml_error_at(f, v, "'reverse' must be true, false or a mapping with 'tolerance_km'");
    return;
  }
  om_yaml_check_keys(f, v, "'locate.reverse'", reverse_keys, NULL);
  r->on = true;
  read_number(f, v, "tolerance_km", 0, 1000, &r->tolerance_km);
}

void om_manifest_release_geocode(struct om_geocode_def *g)
{
  free(g->query);
  free(g->overrides);
  free(g->gazetteer);
  memset(g, 0, sizeof *g);
}
