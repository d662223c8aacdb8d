/*
 * Overrides: the user's word on where a record or a query lies, applied
 * before the gazetteer is asked.  A licence area known only by name can be
 * pinned to its district seat; a village the gazetteer misplaces can be
 * pointed at the right GeoNames id.  The file is small and hand-written,
 * so a bad row stops the run with its line rather than being skipped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/number.h"
#include "geocode/geocode_private.h"
#include "io/reader.h"
#include "text/normalize.h"

struct override {
  char *key;        /* the key column as written (a record id) */
  char *query;      /* its normalised query key, or NULL */
  double lat, lon;  /* NaN when the entry gives the point */
  double radius_km; /* 0 when not given */
  int64_t geonameid;
  uint32_t entry;   /* the gazetteer entry of geonameid, or OM_GAZ_NONE */
  char *note;
};

struct om_gc_overrides {
  size_t n;
  struct override *o;
};

bool om_gc_query_key(char *out, size_t size, const char *const *parts, size_t n, int flags)
{
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    if (i) {
      if (at + 2 >= size)
        return false;
      memcpy(out + at, ", ", 2);
      at += 2;
    }
    ssize_t k = om_normalize_into(out + at, size - at, parts[i], strlen(parts[i]), flags);
    if (k < 0)
      return false;
    at += (size_t)k;
  }
  if (at >= size)
    return false;
  out[at] = 0;
  return true;
}

static char *query_key_of(const char *text)
{
  char *copy = strdup(text);
  if (!copy)
    return NULL;
  const char *parts[OM_GC_MAX_PARTS];
  size_t n = om_geocode_split(copy, parts, OM_GC_MAX_PARTS);
  char key[1024];
  char *out = om_gc_query_key(key, sizeof key, parts, n, OM_NORM_KEY) ? strdup(key) : NULL;
  free(copy);
  return out;
}

void om_gc_overrides_free(struct om_gc_overrides *o)
{
  if (!o)
    return;
  for (size_t i = 0; i < o->n; i++) {
    free(o->o[i].key);
    free(o->o[i].query);
    free(o->o[i].note);
  }
  free(o->o);
  free(o);
}

/* Column index by name, or SIZE_MAX. */
static size_t column(const struct om_reader *r, const char *name)
{
  for (size_t i = 0; i < om_reader_field_count(r); i++)
    if (!strcmp(om_reader_field_name(r, i), name))
      return i;
  return SIZE_MAX;
}

static const char *value(const struct om_record *rec, size_t col)
{
  const char *v = col < rec->nvalues ? rec->values[col] : NULL;
  return v && *v ? v : NULL;
}

static int bad(struct om_diag *d, const struct om_record *rec, const char *field, const char *why,
               const char *v)
{
  return om_diag_fail(d, OM_EMANIFEST, "%s:%ld: record %ld: field '%s': %s: '%.200s'",
                      rec->pos.file, rec->pos.line, rec->pos.record, field, why, v ? v : "");
}

/* Read one row into *ov; 0 or OM_EMANIFEST naming the row. */
static int parse_row(struct override *ov, const struct om_record *rec, const size_t col[6],
                     struct om_diag *d)
{
  *ov = (struct override){.lat = NAN, .lon = NAN, .entry = OM_GAZ_NONE};
  const char *key = value(rec, col[0]);
  if (!key)
    return bad(d, rec, "key", "a record id or a query is needed", NULL);
  const char *lat = value(rec, col[1]), *lon = value(rec, col[2]), *gid = value(rec, col[3]);
  const char *radius = value(rec, col[5]);
  char detail[128];
  if (lat || lon) {
    if (!lat || !lon)
      return bad(d, rec, lat ? "lon" : "lat", "lat and lon go together", NULL);
    if (om_number_parse(lat, '.', &ov->lat, detail, sizeof detail) || ov->lat < -90 || ov->lat > 90)
      return bad(d, rec, "lat", "not a latitude in [-90, 90]", lat);
    if (om_number_parse(lon, '.', &ov->lon, detail, sizeof detail) || ov->lon < -180 ||
        ov->lon > 180)
      return bad(d, rec, "lon", "not a longitude in [-180, 180]", lon);
  } else if (!gid) {
    return bad(d, rec, "geonameid", "give lat and lon or a geonameid", NULL);
  }
  long long id = 0;
  if (gid && (om_integer_parse(gid, &id) || id <= 0))
    return bad(d, rec, "geonameid", "not a GeoNames id", gid);
  ov->geonameid = id;
  if (radius && (om_number_parse(radius, '.', &ov->radius_km, detail, sizeof detail) ||
                 ov->radius_km < 0))
    return bad(d, rec, "radius_km", "not a distance in km", radius);
  ov->key = strdup(key);
  ov->query = query_key_of(key);
  const char *note = value(rec, col[4]);
  ov->note = note ? strdup(note) : NULL;
  if (!ov->key || !ov->query || (note && !ov->note))
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  return 0;
}

/* Find each override's geonameid among the gazetteer's entries. */
static int resolve_ids(struct om_gc_overrides *o, const struct om_gazetteer *g, const char *path,
                       struct om_diag *d)
{
  size_t n = om_gazetteer_count(g);
  for (uint32_t id = 0; id < n; id++) {
    struct om_gaz_entry e;
    if (om_gazetteer_entry(g, id, &e) < 0 || e.geonameid == 0)
      continue;
    for (size_t i = 0; i < o->n; i++)
      if (o->o[i].geonameid == e.geonameid && o->o[i].entry == OM_GAZ_NONE)
        o->o[i].entry = id;
  }
  for (size_t i = 0; i < o->n; i++)
    if (o->o[i].geonameid && o->o[i].entry == OM_GAZ_NONE && isnan(o->o[i].lat))
      return om_diag_fail(d, OM_EMANIFEST,
                          "%s: override '%s': geonameid %lld is not in the gazetteer", path,
                          o->o[i].key, (long long)o->o[i].geonameid);
  return 0;
}

int om_gc_overrides_load(struct om_gc_overrides **out, const char *path,
                         const struct om_gazetteer *g, struct om_diag *d)
{
  *out = NULL;
  struct om_reader *r = NULL;
  struct om_reader_opts ro = {.path = path};
  int rc = om_reader_open(&r, &ro, d);
  if (rc < 0)
    return rc;
  static const char *const names[6] = {"key", "lat", "lon", "geonameid", "note", "radius_km"};
  size_t col[6];
  for (int i = 0; i < 6; i++)
    col[i] = column(r, names[i]);
  struct om_gc_overrides *o = calloc(1, sizeof *o);
  if (!o)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0 && col[0] == SIZE_MAX)
    rc = om_diag_fail(d, OM_EMANIFEST, "%s: overrides need a 'key' column", path);
  size_t cap = 0;
  struct om_record rec;
  int got;
  while (rc == 0 && (got = om_reader_next(r, &rec, d)) != OM_READ_END) {
    if (got < 0) {
      rc = got;
      break;
    }
    if (got == OM_READ_REJECTED) {
      rc = om_diag_fail(d, OM_EMANIFEST, "%s: a row could not be read (see above)", path);
      break;
    }
    if (o->n == cap) {
      cap = cap ? 2 * cap : 16;
      struct override *grown = realloc(o->o, cap * sizeof *grown);
      if (!grown) {
        rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
        break;
      }
      o->o = grown;
    }
    rc = parse_row(&o->o[o->n], &rec, col, d);
    o->n++; /* a half-filled row is freed with the rest */
  }
  om_reader_free(r);
  if (rc == 0 && g)
    rc = resolve_ids(o, g, path, d);
  if (rc < 0) {
    om_gc_overrides_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

bool om_gc_overrides_apply(const struct om_gc_overrides *o, const struct om_gazetteer *g,
                           const char *id, const char *const *parts, size_t n,
                           struct om_gc_result *res)
{
  const struct override *hit = NULL;
  for (size_t i = 0; id && i < o->n && !hit; i++)
    if (!strcmp(o->o[i].key, id))
      hit = &o->o[i];
  char key[1024];
  if (!hit && n > 0 && om_gc_query_key(key, sizeof key, parts, n, OM_NORM_KEY))
    for (size_t i = 0; i < o->n && !hit; i++)
      if (!strcmp(o->o[i].query, key))
        hit = &o->o[i];
  if (!hit)
    return false;
  if (hit->entry != OM_GAZ_NONE) {
    om_gc_fill_entry(res, g, hit->entry);
  } else {
    res->level = OM_GC_LEVEL_SITE;
    res->radius_km = 0;
    res->geonameid = hit->geonameid;
  }
  if (!isnan(hit->lat)) {
    res->lat = hit->lat;
    res->lon = hit->lon;
  }
  if (hit->radius_km > 0)
    res->radius_km = hit->radius_km;
  res->status = OM_GC_STATUS_OVERRIDE;
  res->match = OM_GC_MATCH_OVERRIDE;
  res->score = 1.0;
  res->candidates = 0;
  snprintf(res->detail, sizeof res->detail, "%s", hit->note ? hit->note : "");
  return true;
}
