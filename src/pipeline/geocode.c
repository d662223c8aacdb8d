/*
 * Geocoding a layer's records and checking the coordinates they give (see
 * geocode.h).  The gazetteer is mapped once per layer build; the
 * geocoder's cache answers the register's repeated places.
 */
#include "pipeline/geocode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/number.h"
#include "core/path.h"
#include "geocode/check.h"
#include "geocode/reverse.h"
#include "geocode/template.h"

#define NCHECK 2 /* gc_check, gc_check_km */

/* The fields of locate.reverse, in order. */
enum { REV_COUNTRY, REV_ADMIN1, REV_ADMIN2, REV_PLACE, REV_GEONAMEID, REV_PLACE_KM, NREV };
static const char *const rev_names[NREV] = {"rev_country", "rev_admin1",    "rev_admin2",
                                            "rev_place",   "rev_geonameid", "rev_place_km"};

struct om_layer_geocoder {
  struct om_gazetteer *gaz;
  struct om_gc_overrides *overrides;
  struct om_geocoder *gc;           /* NULL when the layer only checks */
  struct om_gc_template *query;
  struct om_country_check *check;   /* NULL when the layer does not check */
  struct om_reverse *reverse;       /* NULL when the layer does not reverse geocode */
  size_t check_at, rev_at, nfields; /* where the check and reverse fields start; how many in all */
  enum om_check_policy policy;
  size_t check_field;               /* the source field stating the country */
  const char **names;               /* the source's field names, for the template */
  struct om_gc_result r;            /* the last result: values point into it */
  char buf[2048];                   /* the rendered query parts */
  char text[OM_GC_FIELD__COUNT + NCHECK + NREV][48]; /* numbers among the values */
};

size_t om_layer_geocoder_nfields(const struct om_layer_geocoder *g)
{
  return g->nfields;
}

const char *om_layer_geocoder_name(const struct om_layer_geocoder *g, size_t i)
{
  if (i >= g->rev_at)
    return rev_names[i - g->rev_at];
  if (i >= g->check_at)
    return i == g->check_at ? "gc_check" : "gc_check_km";
  return om_gc_field_name((enum om_gc_field)i);
}

enum om_field_type om_layer_geocoder_type(const struct om_layer_geocoder *g, size_t i)
{
  if (i >= g->rev_at)
    return i - g->rev_at == REV_GEONAMEID  ? OM_FIELD_INTEGER
           : i - g->rev_at == REV_PLACE_KM ? OM_FIELD_REAL
                                           : OM_FIELD_STRING;
  if (i >= g->check_at)
    return i == g->check_at ? OM_FIELD_STRING : OM_FIELD_REAL;
  switch ((enum om_gc_field)i) {
  case OM_GC_FIELD_SCORE:
  case OM_GC_FIELD_RADIUS_KM:
    return OM_FIELD_REAL;
  case OM_GC_FIELD_GEONAMEID:
  case OM_GC_FIELD_CANDIDATES:
    return OM_FIELD_INTEGER;
  default:
    return OM_FIELD_STRING;
  }
}

void om_layer_geocoder_free(struct om_layer_geocoder *g)
{
  if (!g)
    return;
  om_geocoder_free(g->gc);
  om_gc_template_free(g->query);
  om_gc_overrides_free(g->overrides);
  om_country_check_free(g->check);
  om_reverse_free(g->reverse);
  om_gazetteer_close(g->gaz);
  free(g->names);
  free(g);
}

/* Put "file: layer 'x': " in front of d->msg. */
static int in_layer(struct om_diag *d, int rc, const struct om_layer_def *layer)
{
  char msg[sizeof d->msg];
  snprintf(msg, sizeof msg, "%s", d->msg);
  return om_diag_fail(d, rc, "%s: layer '%s': %.1900s", layer->file, layer->name, msg);
}

/* The geocoder proper: query template, overrides. */
static int open_geocoder(struct om_layer_geocoder *g, const struct om_project *p,
                         const struct om_layer_def *layer, size_t n, struct om_diag *d)
{
  const struct om_geocode_def *def = &layer->locate.geocode;
  char where[512];
  snprintf(where, sizeof where, "%s:%d", layer->file, def->line);
  int rc = om_gc_template_new(&g->query, def->query, g->names, n, where, d);
  if (rc == 0 && def->overrides) {
    char *ov = om_path_join(p->dir, def->overrides);
    rc = ov ? om_gc_overrides_load(&g->overrides, ov, g->gaz, d)
            : om_diag_fail(d, OM_ENOMEM, "out of memory");
    free(ov);
    if (rc < 0)
      rc = in_layer(d, rc, layer);
  }
  struct om_geocoder_opts o = {.min_score = def->min_score, .overrides = g->overrides,
                               .no_fuzzy = !def->fuzzy};
  return rc == 0 ? om_geocoder_new(&g->gc, g->gaz, &o, d) : rc;
}

/* The country check: its field and the gazetteer's outlines. */
static int open_check(struct om_layer_geocoder *g, const struct om_layer_def *layer, size_t n,
                      struct om_diag *d)
{
  const struct om_check_def *def = &layer->locate.check;
  g->check_field = SIZE_MAX;
  for (size_t i = 0; i < n && g->check_field == SIZE_MAX; i++)
    if (!strcmp(g->names[i], def->field))
      g->check_field = i;
  if (g->check_field == SIZE_MAX)
    return om_diag_fail(d, OM_EMANIFEST, "%s:%d: check_country: no field '%s' in '%s'",
                        layer->file, def->line, def->field, layer->source.path);
  g->policy = def->policy;
  return om_country_check_new(&g->check, g->gaz, def->tolerance_km, d);
}

int om_layer_geocoder_open(struct om_layer_geocoder **out, const struct om_project *p,
                           const struct om_layer_def *layer, const struct om_reader *reader,
                           struct om_diag *d)
{
  *out = NULL;
  const struct om_locate_def *loc = &layer->locate;
  if (!loc->geocode.query && !loc->check.field && !loc->reverse.on)
    return 0;
  struct om_layer_geocoder *g = calloc(1, sizeof *g);
  size_t n = om_reader_field_count(reader);
  if (!g || !(g->names = calloc(n ? n : 1, sizeof *g->names))) {
    free(g);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++)
    g->names[i] = om_reader_field_name(reader, i);

  char *path = om_project_gazetteer(p, layer);
  int rc = path ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0 && (rc = om_gazetteer_open(&g->gaz, path, d)) < 0)
    rc = in_layer(d, rc, layer);
  free(path);
  if (rc == 0 && loc->geocode.query)
    rc = open_geocoder(g, p, layer, n, d);
  if (rc == 0 && loc->check.field)
    rc = open_check(g, layer, n, d);
  if (rc == 0 && loc->reverse.on)
    rc = om_reverse_new(&g->reverse, g->gaz, loc->reverse.tolerance_km, d);
  g->check_at = g->gc ? OM_GC_FIELD__COUNT : 0;
  g->rev_at = g->check_at + (g->check ? NCHECK : 0);
  g->nfields = g->rev_at + (g->reverse ? NREV : 0);
  if (rc < 0) {
    om_layer_geocoder_free(g);
    return rc;
  }
  *out = g;
  return 0;
}

const char *om_layer_geocoder_attribution(const struct om_layer_geocoder *g)
{
  struct om_gaz_info info;
  om_gazetteer_info(g->gaz, &info);
  return info.attribution ? info.attribution : "";
}

static const char *number(struct om_layer_geocoder *g, size_t slot, double v)
{
  if (!isfinite(v))
    return NULL;
  om_format_double(g->text[slot], v);
  return g->text[slot];
}

/* Round to what the numbers can honestly say: scores to 3 decimals, distances to 10 m. */
static double round_to(double v, double per_unit)
{
  return round(v * per_unit) / per_unit;
}

static void fill(struct om_layer_geocoder *g, const struct om_gc_result *r, const char **values)
{
  values[OM_GC_FIELD_STATUS] = om_gc_status_word(r->status);
  values[OM_GC_FIELD_LEVEL] = om_gc_level_word(r->level);
  values[OM_GC_FIELD_MATCH] = om_gc_match_word(r->match);
  values[OM_GC_FIELD_SCORE] = number(g, OM_GC_FIELD_SCORE, round_to(r->score, 1000));
  values[OM_GC_FIELD_RADIUS_KM] = number(g, OM_GC_FIELD_RADIUS_KM, round_to(r->radius_km, 100));
  values[OM_GC_FIELD_NAME] = r->name[0] ? r->name : NULL;
  values[OM_GC_FIELD_GEONAMEID] = NULL;
  if (r->geonameid > 0) {
    snprintf(g->text[OM_GC_FIELD_GEONAMEID], sizeof g->text[0], "%lld", (long long)r->geonameid);
    values[OM_GC_FIELD_GEONAMEID] = g->text[OM_GC_FIELD_GEONAMEID];
  }
  values[OM_GC_FIELD_COUNTRY] = r->country[0] ? r->country : NULL;
  values[OM_GC_FIELD_ADMIN1] = r->admin1[0] ? r->admin1 : NULL;
  snprintf(g->text[OM_GC_FIELD_CANDIDATES], sizeof g->text[0], "%ld", r->candidates);
  values[OM_GC_FIELD_CANDIDATES] = g->text[OM_GC_FIELD_CANDIDATES];
}

enum om_reason om_layer_geocode(struct om_layer_geocoder *g, const struct om_record *rec,
                                const char *id, struct om_location *loc, const char **values,
                                enum om_gc_level *level, struct om_locate_error *err)
{
  if (!g->gc)
    return err->reason;
  struct om_gc_result *r = &g->r;
  const char *parts[OM_GC_MAX_PARTS];
  size_t n = om_gc_template_render(g->query, (const char *const *)rec->values, rec->nvalues,
                                   g->buf, sizeof g->buf, parts);
  err->field = NULL;
  err->value = NULL;
  if (om_geocode(g->gc, parts, n, id, r) < 0) {
    om_detail_set(err->detail, sizeof err->detail, "out of memory");
    return err->reason = OM_REASON_GEOCODE_UNMATCHED;
  }
  *level = r->level;
  if (r->status == OM_GC_STATUS_UNMATCHED) {
    om_detail_set(err->detail, sizeof err->detail, "%s", r->detail);
    return err->reason = OM_REASON_GEOCODE_UNMATCHED;
  }
  fill(g, r, values);
  for (size_t i = OM_GC_FIELD__COUNT; i < om_layer_geocoder_nfields(g); i++)
    values[i] = NULL; /* located by name: nothing to check */
  return err->reason = om_location_set_point(loc, r->lon, r->lat);
}

/* Whether loc is one point (a point's WKB is 21 bytes, its envelope a dot). */
static bool is_point(const struct om_location *loc)
{
  return loc->len == 21 && loc->env[0] == loc->env[2] && loc->env[1] == loc->env[3];
}

/* Check a point record against its stated country; see om_layer_geocode_given. */
static int check(struct om_layer_geocoder *g, const struct om_record *rec,
                 struct om_location *loc, const char **values, struct om_locate_error *err,
                 char *warning, size_t size, struct om_diag *d)
{
  size_t slot = g->check_at;
  const char *country = g->check_field < rec->nvalues ? rec->values[g->check_field] : NULL;
  enum om_check result = OM_CHECK_NOT_A_POINT;
  double km = 0, lon = loc->env[0], lat = loc->env[1];
  bool point = is_point(loc);
  if (point && om_country_check(g->check, country, lon, lat, &result, &km, d) < 0)
    return OM_EDEP;
  if (result == OM_CHECK_SWAPPED && g->policy == OM_CHECK_FIX) {
    result = OM_CHECK_FIXED;
    if (om_location_set_point(loc, lat, lon) != OM_REASON_NONE)
      return OM_ENOMEM;
  }
  values[slot] = om_check_word(result);
  bool off = result == OM_CHECK_OUTSIDE || result == OM_CHECK_NEAR_BORDER;
  values[slot + 1] = off ? number(g, slot + 1, round_to(km, 100)) : NULL;
  if (result != OM_CHECK_OUTSIDE && result != OM_CHECK_SWAPPED && result != OM_CHECK_FIXED)
    return OM_REASON_NONE;
  const char *name = g->names[g->check_field];
  char what[160];
  if (result == OM_CHECK_OUTSIDE)
    snprintf(what, sizeof what, "lon %g lat %g lie %.1f km outside '%s'", lon, lat, km, country);
  else
    snprintf(what, sizeof what, "lon %g lat %g lie outside '%s'; swapped they lie inside", lon,
             lat, country);
  if (result == OM_CHECK_FIXED || g->policy != OM_CHECK_REJECT) {
    om_detail_set(warning, size, "field '%s': %s (%s)", name, what,
                  result == OM_CHECK_FIXED ? "swapped back: policy fix" : "kept as given");
    return OM_REASON_NONE;
  }
  err->field = name;
  err->value = country;
  om_detail_set(err->detail, sizeof err->detail, "%s", what);
  return err->reason = result == OM_CHECK_SWAPPED ? OM_REASON_SWAPPED : OM_REASON_OUTSIDE_COUNTRY;
}

/* The name of entry id, or NULL. */
static const char *entry_name(const struct om_gazetteer *gaz, uint32_t id)
{
  struct om_gaz_entry e;
  return id != OM_GAZ_NONE && om_gazetteer_entry(gaz, id, &e) == 0 ? e.name : NULL;
}

/* The rev_* fields of a point record (others get none); see reverse.h. */
static int reverse(struct om_layer_geocoder *g, const struct om_location *loc,
                   const char **values, struct om_diag *d)
{
  const char **v = values + g->rev_at;
  for (size_t i = 0; i < NREV; i++)
    v[i] = NULL;
  struct om_reverse_result r;
  if (!is_point(loc))
    return OM_REASON_NONE;
  if (om_reverse(g->reverse, loc->env[0], loc->env[1], &r, d) < 0)
    return OM_EDEP;
  struct om_gaz_entry e;
  if (r.country != OM_GAZ_NONE && om_gazetteer_entry(g->gaz, r.country, &e) == 0 && e.country[0]) {
    char *code = g->text[g->rev_at + REV_COUNTRY]; /* e lives on this stack */
    memcpy(code, e.country, sizeof e.country);
    v[REV_COUNTRY] = code;
  }
  if (r.place == OM_GAZ_NONE || om_gazetteer_entry(g->gaz, r.place, &e) < 0)
    return OM_REASON_NONE;
  if (e.country_id == r.country) { /* the units of a place across the border are not the point's */
    v[REV_ADMIN1] = entry_name(g->gaz, e.admin1);
    v[REV_ADMIN2] = entry_name(g->gaz, e.admin2);
  }
  v[REV_PLACE] = e.name;
  size_t slot = g->rev_at + REV_GEONAMEID;
  if (e.geonameid > 0 && e.geonameid < OM_GAZ_LOCAL_ID_MIN) {
    snprintf(g->text[slot], sizeof g->text[0], "%lld", (long long)e.geonameid);
    v[REV_GEONAMEID] = g->text[slot];
  }
  v[REV_PLACE_KM] = number(g, g->rev_at + REV_PLACE_KM, round_to(r.place_km, 100));
  return OM_REASON_NONE;
}

int om_layer_geocode_given(struct om_layer_geocoder *g, const struct om_record *rec,
                           struct om_location *loc, const char **values,
                           struct om_locate_error *err, char *warning, size_t size,
                           struct om_diag *d)
{
  static const struct om_gc_result given = {
      .status = OM_GC_STATUS_GIVEN, .level = OM_GC_LEVEL_SITE, .match = OM_GC_MATCH_COORDS,
      .score = 1.0, .radius_km = NAN};
  warning[0] = '\0';
  if (g->gc)
    fill(g, &given, values);
  int rc = g->check ? check(g, rec, loc, values, err, warning, size, d) : OM_REASON_NONE;
  return rc == OM_REASON_NONE && g->reverse ? reverse(g, loc, values, d) : rc;
}
