/* Coordinates against their stated country (see check.h). */
#include "geocode/check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/words.h"
#include "crs/geodesic.h"
#include "geom/index.h"
#include "text/normalize.h"

#define RAD_PER_DEG (3.14159265358979323846 / 180)

struct om_country_check {
  const struct om_gazetteer *g;
  double tolerance_km;
  struct om_geom_index *ix;
  struct om_geom_probe *probe;
  uint32_t *country;  /* per indexed outline: its country entry */
  const unsigned char **wkb; /* per outline, borrowed from the gazetteer; the index borrows these arrays */
  size_t *len;
  size_t n;
};

OM_DEFINE_WORDS(om_check_word, enum om_check, OM_CHECK_MAP)

void om_country_check_free(struct om_country_check *c)
{
  if (!c)
    return;
  om_geom_probe_free(c->probe);
  om_geom_index_free(c->ix);
  free(c->country);
  free(c->wkb);
  free(c->len);
  free(c);
}

int om_country_check_new(struct om_country_check **out, const struct om_gazetteer *g,
                         double tolerance_km, struct om_diag *d)
{
  *out = NULL;
  struct om_country_check *c = calloc(1, sizeof *c);
  size_t total = om_gazetteer_count(g), size = total ? total : 1;
  if (c) {
    c->country = calloc(size, sizeof *c->country);
    c->wkb = calloc(size, sizeof *c->wkb);
    c->len = calloc(size, sizeof *c->len);
  }
  int rc = c && c->country && c->wkb && c->len ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (uint32_t id = 0; rc == 0 && id < total; id++) {
    struct om_gaz_entry e;
    if (om_gazetteer_entry(g, id, &e) < 0 || e.level != OM_GAZ_COUNTRY)
      continue;
    c->wkb[c->n] = om_gazetteer_outline(g, id, &c->len[c->n]);
    if (c->wkb[c->n])
      c->country[c->n++] = id;
  }
  if (rc == 0) {
    c->g = g;
    c->tolerance_km = tolerance_km;
    rc = om_geom_index_new(&c->ix, c->n, c->wkb, c->len, d);
  }
  if (rc == 0)
    rc = om_geom_probe_new(&c->probe, c->ix, d);
  if (rc < 0) {
    om_country_check_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

/* The country entry a record's text names: a code, else a country name. */
static uint32_t country_of(const struct om_country_check *c, const char *text)
{
  uint32_t id = om_gazetteer_country(c->g, text);
  if (id != OM_GAZ_NONE)
    return id;
  char key[256];
  ssize_t n = om_normalize_into(key, sizeof key, text, strlen(text), OM_NORM_KEY);
  struct om_gaz_scope s = {.levels = OM_GAZ_LEVEL_BIT(OM_GAZ_COUNTRY), .country = OM_GAZ_NONE,
                           .admin1 = OM_GAZ_NONE, .admin2 = OM_GAZ_NONE};
  struct om_gaz_hit hit;
  return n > 0 && om_gazetteer_find(c->g, key, (size_t)n, &s, &hit, 1) > 0 ? hit.entry
                                                                        : OM_GAZ_NONE;
}

static int fail(const struct om_country_check *c, int rc, struct om_diag *d)
{
  return om_diag_fail(d, rc, "GEOS: %s", om_geom_probe_message(c->probe));
}

/* 0 when outline i holds (lon, lat) (its border too), else its distance in km; or OM_EDEP. */
static int distance_to(struct om_country_check *c, size_t i, double lon, double lat, double *km,
                       struct om_diag *d)
{
  *km = 0;
  int where = om_geom_probe_point_in(c->probe, i, lon, lat);
  if (where < 0)
    return fail(c, where, d);
  if (where != OM_GEOM_OUTSIDE)
    return 0;
  double nx, ny;
  int rc = om_geom_probe_nearest_point(c->probe, i, lon, lat, &nx, &ny);
  if (rc < 0)
    return fail(c, rc, d);
  *km = om_geodesic_distance_km(lon, lat, nx, ny);
  return 0;
}

int om_country_check(struct om_country_check *c, const char *country, double lon, double lat,
                     enum om_check *out, double *km, struct om_diag *d)
{
  *km = 0;
  uint32_t id = country && *country ? country_of(c, country) : OM_GAZ_NONE;
  if (id == OM_GAZ_NONE) {
    *out = OM_CHECK_UNKNOWN_COUNTRY;
    return 0;
  }
  size_t i = 0;
  while (i < c->n && c->country[i] != id)
    i++;
  if (i == c->n) {
    *out = OM_CHECK_NO_OUTLINE;
    return 0;
  }
  if (distance_to(c, i, lon, lat, km, d) < 0)
    return OM_EDEP;
  if (*km == 0) {
    *out = OM_CHECK_INSIDE;
    return 0;
  }
  if (*km <= c->tolerance_km) {
    *out = OM_CHECK_NEAR_BORDER;
    return 0;
  }
  /* Swapped: the pair read the other way round lies inside. */
  if (lon >= -90 && lon <= 90) {
    int where = om_geom_probe_point_in(c->probe, i, lat, lon);
    if (where < 0)
      return fail(c, where, d);
    if (where != OM_GEOM_OUTSIDE) {
      *out = OM_CHECK_SWAPPED;
      return 0;
    }
  }
  *out = OM_CHECK_OUTSIDE;
  return 0;
}

int om_country_at(struct om_country_check *c, double lon, double lat, uint32_t *country,
                  double *km, struct om_diag *d)
{
  *country = OM_GAZ_NONE;
  *km = 0;
  /* The box reaches tolerance_km on every side: a degree of latitude is at
   * least 110.5 km, one of longitude that times cos(lat), floored near the poles. */
  double dy = c->tolerance_km / 110.5, dx = dy / fmax(cos(lat * RAD_PER_DEG), 0.01);
  const double box[4] = {lon - dx, lat - dy, lon + dx, lat + dy};
  const size_t *items;
  size_t n;
  if (om_geom_probe_candidates(c->probe, box, &items, &n) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  double best = INFINITY;
  for (size_t k = 0; k < n; k++) {
    size_t i = items[k];
    double dist;
    if (distance_to(c, i, lon, lat, &dist, d) < 0)
      return OM_EDEP;
    if (dist == 0) {
      *country = c->country[i];
      *km = 0;
      return 0;
    }
    if (dist <= c->tolerance_km && dist < best) {
      best = dist;
      *country = c->country[i];
      *km = dist;
    }
  }
  return 0;
}
