/*
 * Building an index: collecting entries, names and codes from the sources,
 * resolving the hierarchy and placing every unit (representative point and
 * radius).  build_write.c orders and writes the file.
 *
 * Radius rules (km), documented for users of om_gaz_entry.radius_km:
 *   place   2 for populated places (feature code PPL*), 5 for any other
 *           feature (mountains, lakes, mines spread further), plus
 *           0.02 * sqrt(population), at most 50: a village of 1,000 gets
 *           2.6, a city of 1,000,000 22.
 *   unit    the largest distance from its point to a member place, plus
 *           10% and 5 km for the extent beyond the outermost place, and
 *           at least the floor of its level: the built-in gazetteer lists
 *           only places of 500 people or more, so a rural district may
 *           have one member place or none although districts span tens
 *           of kilometres.  Floors: admin-2 25, admin-1 50, a country
 *           sqrt(area / pi) from countryInfo.txt's area column (the
 *           radius of a disc of its area), or 100 when no area is given.
 *           A unit with neither point nor members has an unknown
 *           location: NaN lat/lon and radius 0.  The farthest member is
 *           picked with a spherical distance and measured on the
 *           ellipsoid.
 *   country with an outline: the point is GEOS' point on surface, the
 *           radius the largest distance to a vertex of the outline.
 * A unit without a point of its own (admin1CodesASCII.txt gives none)
 * gets the spherical centroid of its member places.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "gazetteer/build_internal.h"
#include "gazetteer/internal.h"
#include "text/normalize.h"

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need)
    c *= 2;
  void *np = realloc(*p, c * size);
  if (!np)
    return -1;
  *p = np;
  *cap = c;
  return 0;
}

/*
 * The number of s, or GB_NONE; *slot always gets the slot probed last
 * (the key's own slot when found, the empty slot for it otherwise).
 */
static uint32_t smap_probe(const struct gb_smap *m, const char *s, size_t len, size_t *slot)
{
  size_t mask = m->nslots - 1;
  for (size_t i = gaz_key_hash(s, len) & mask;; i = (i + 1) & mask) {
    uint32_t v = m->slots[i];
    *slot = i;
    if (v == 0)
      return GB_NONE;
    const char *t = m->text + m->offs[v - 1];
    if (memcmp(t, s, len) == 0 && t[len] == '\0')
      return v - 1;
  }
}

uint32_t gb_smap_get(const struct gb_smap *m, const char *s, size_t len)
{
  size_t slot = 0;
  return m->nslots ? smap_probe(m, s, len, &slot) : GB_NONE;
}

static int smap_rehash(struct gb_smap *m, size_t nslots)
{
  uint32_t *slots = calloc(nslots, sizeof *slots);
  if (!slots)
    return -1;
  free(m->slots);
  m->slots = slots;
  m->nslots = nslots;
  for (uint32_t i = 0; i < m->n; i++) {
    const char *t = m->text + m->offs[i];
    size_t slot = 0;
    smap_probe(m, t, strlen(t), &slot);
    m->slots[slot] = i + 1;
  }
  return 0;
}

uint32_t gb_smap_intern(struct gb_smap *m, const char *s, size_t len)
{
  if (m->nslots == 0 && smap_rehash(m, 1024) < 0)
    return GB_NONE;
  size_t slot = 0;
  uint32_t v = smap_probe(m, s, len, &slot);
  if (v != GB_NONE)
    return v;
  size_t ncap = m->ncap;
  if (grow((void **)&m->text, &m->cap, m->len + len + 1, 1) < 0 ||
      grow((void **)&m->offs, &ncap, (size_t)m->n + 1, sizeof *m->offs) < 0)
    return GB_NONE;
  m->ncap = (uint32_t)ncap;
  memcpy(m->text + m->len, s, len);
  m->text[m->len + len] = '\0';
  m->offs[m->n] = (uint32_t)m->len;
  m->len += len + 1;
  m->slots[slot] = m->n + 1;
  m->n++;
  if ((size_t)m->n * 2 > m->nslots && smap_rehash(m, m->nslots * 2) < 0)
    return GB_NONE;
  return m->n - 1;
}

void gb_smap_release(struct gb_smap *m)
{
  free(m->text);
  free(m->offs);
  free(m->slots);
  memset(m, 0, sizeof *m);
}

uint32_t gb_pool_add(struct gb *b, const char *s, size_t len)
{
  if (b->pool_len + len + 1 > UINT32_MAX ||
      grow((void **)&b->pool, &b->pool_cap, b->pool_len + len + 1, 1) < 0)
    return GB_NONE;
  memcpy(b->pool + b->pool_len, s, len);
  b->pool[b->pool_len + len] = '\0';
  uint32_t off = (uint32_t)b->pool_len;
  b->pool_len += len + 1;
  return off;
}

/* The number of a feature code (the file keeps a table of them), or GB_NONE. */
static uint32_t fcode_number(struct gb *b, const char *fcode)
{
  uint32_t before = b->fcodes.n;
  uint32_t id = gb_smap_intern(&b->fcodes, fcode, strlen(fcode));
  if (id == GB_NONE)
    return GB_NONE;
  if (id >= before) {
    if (grow((void **)&b->fcode_off, &b->fcode_cap, (size_t)id + 1, sizeof *b->fcode_off) < 0)
      return GB_NONE;
    b->fcode_off[id] = *fcode ? gb_pool_add(b, fcode, strlen(fcode)) : 0;
    if (b->fcode_off[id] == GB_NONE)
      return GB_NONE;
  }
  return id;
}

int gb_area_add(struct gb *b, uint32_t t, double km2)
{
  if (grow((void **)&b->areas, &b->areas_cap, b->nareas + 1, sizeof *b->areas) < 0)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  b->areas[b->nareas++] = (struct gb_area){t, km2};
  return 0;
}

uint32_t gb_entry_add(struct gb *b, enum om_gaz_level level, const char *name, const char *fcode,
                      const char *country)
{
  if (b->n >= (1u << 30) - 1 || grow((void **)&b->e, &b->cap, b->n + 1, sizeof *b->e) < 0)
    return GB_NONE;
  struct gb_entry *e = &b->e[b->n];
  memset(e, 0, sizeof *e);
  e->lat = e->lon = NAN;
  e->radius_km = -1;
  e->name = gb_pool_add(b, name, strlen(name));
  e->fcode = fcode_number(b, fcode ? fcode : "");
  if (e->name == GB_NONE || e->fcode == GB_NONE)
    return GB_NONE;
  if (country && strlen(country) == 2) {
    e->country[0] = country[0];
    e->country[1] = country[1];
  }
  e->level = (uint8_t)level;
  e->country_t = e->admin1_t = e->admin2_t = GB_NONE;
  e->a1code = e->a2code = GB_NONE;
  return (uint32_t)b->n++;
}

int gb_name_add(struct gb *b, uint32_t t, const char *name, size_t len, enum om_gaz_kind kind)
{
  ssize_t n = om_normalize_into(b->norm, sizeof b->norm, name, len, OM_NORM_KEY);
  /* A key over 4 KB (or invalid text) names nothing anyone types. */
  if (n <= 0)
    return 1;
  uint32_t key = gb_smap_intern(&b->keys, b->norm, (size_t)n);
  if (key == GB_NONE || grow((void **)&b->post, &b->post_cap, b->npost + 1, sizeof *b->post) < 0)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  b->post[b->npost++] = (uint64_t)key << 32 | (uint64_t)t << 2 | (uint64_t)kind;
  return 0;
}

uint32_t gb_code_id(struct gb *b, const char *code)
{
  uint32_t id = gb_smap_intern(&b->codes, code, strlen(code));
  if (id == GB_NONE)
    return GB_NONE;
  size_t old = b->code_unit_cap;
  if (grow((void **)&b->code_unit, &b->code_unit_cap, (size_t)id + 1, sizeof *b->code_unit) < 0)
    return GB_NONE;
  for (size_t i = old; i < b->code_unit_cap; i++)
    b->code_unit[i] = GB_NONE;
  return id;
}

uint32_t gb_code_unit(struct gb *b, const char *code)
{
  uint32_t id = gb_smap_get(&b->codes, code, strlen(code));
  return id == GB_NONE || id >= b->code_unit_cap ? GB_NONE : b->code_unit[id];
}

int gb_code_set(struct gb *b, const char *code, uint32_t t, uint32_t *code_id)
{
  uint32_t id = gb_code_id(b, code);
  if (id == GB_NONE)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  b->code_unit[id] = t;
  if (code_id)
    *code_id = id;
  return 0;
}

int gb_country_alias(struct gb *b, uint32_t t, const char *iso)
{
  char up[8];
  size_t n = strlen(iso);
  if (n == 0 || n >= sizeof up)
    return 0;
  for (size_t i = 0; i <= n; i++)
    up[i] = (iso[i] >= 'a' && iso[i] <= 'z') ? (char)(iso[i] - 32) : iso[i];
  uint32_t id = gb_smap_intern(&b->iso, up, n);
  if (id == GB_NONE || grow((void **)&b->iso_unit, &b->iso_cap, (size_t)id + 1,
                            sizeof *b->iso_unit) < 0)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  b->iso_unit[id] = t;
  return 0;
}

uint32_t gb_country_find(struct gb *b, const char *iso)
{
  char up[8];
  size_t n = strlen(iso);
  if (n == 0 || n >= sizeof up)
    return GB_NONE;
  for (size_t i = 0; i <= n; i++)
    up[i] = (iso[i] >= 'a' && iso[i] <= 'z') ? (char)(iso[i] - 32) : iso[i];
  uint32_t id = gb_smap_get(&b->iso, up, n);
  return id == GB_NONE ? GB_NONE : b->iso_unit[id];
}

const char *gb_base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int gb_source_note(struct gb *b, const char *fmt, ...)
{
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0)
    return 0;
  if ((size_t)n >= sizeof line)
    n = sizeof line - 1;
  char *s = realloc(b->sources, b->sources_len + (size_t)n + 2);
  if (!s)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  memcpy(s + b->sources_len, line, (size_t)n);
  s[b->sources_len + (size_t)n] = '\n';
  s[b->sources_len + (size_t)n + 1] = '\0';
  b->sources = s;
  b->sources_len += (size_t)n + 1;
  return 0;
}

void gb_bad_row(struct gb *b, const char *file, long line, size_t *count, const char *why)
{
  (*count)++;
  b->stats->skipped++;
  if (*count <= GB_MAX_WARNINGS)
    om_diag_warn(b->d, "%s:%ld: row skipped: %s", file, line, why);
}

/* Resolve every entry's admin codes to units. */
static void resolve(struct gb *b)
{
  for (size_t i = 0; i < b->n; i++) {
    struct gb_entry *e = &b->e[i];
    if (e->country[0] && e->country_t == GB_NONE) {
      char cc[3] = {e->country[0], e->country[1], 0};
      e->country_t = gb_code_unit(b, cc);
    }
    if (e->a1code != GB_NONE && e->admin1_t == GB_NONE)
      e->admin1_t = b->code_unit[e->a1code];
    if (e->a2code != GB_NONE && e->admin2_t == GB_NONE)
      e->admin2_t = b->code_unit[e->a2code];
  }
}

/* The least radius of unit u by its level (see the top of the file). */
static double unit_floor_km(const struct gb *b, uint32_t u)
{
  switch (b->e[u].level) {
  case OM_GAZ_ADMIN2:
    return 25;
  case OM_GAZ_ADMIN1:
    return 50;
  default:
    for (size_t i = 0; i < b->nareas; i++)
      if (b->areas[i].t == u)
        return sqrt(b->areas[i].km2 / M_PI);
    return 100;
  }
}

/*
 * Points and radii of the units: the centroid of member places where a
 * unit has no point, then the distance to the farthest member.
 */
static void place_units(struct gb *b)
{
  size_t n = b->n;
  double *acc = calloc(n * 3, sizeof *acc); /* unit vector sums, by unit tmp */
  double *far = malloc(n * sizeof *far);    /* farthest member's haversine term */
  uint32_t *farm = malloc(n * sizeof *farm);
  if (!acc || !far || !farm) {
    free(acc);
    free(far);
    free(farm);
    return; /* units then keep radius 0; memory is reported by the next step */
  }
  for (size_t i = 0; i < n; i++) {
    far[i] = -1;
    farm[i] = GB_NONE;
  }
  for (size_t i = 0; i < n; i++) {
    struct gb_entry *e = &b->e[i];
    if (e->level != OM_GAZ_PLACE || isnan(e->lat))
      continue;
    double la = e->lat * M_PI / 180, lo = e->lon * M_PI / 180;
    double v[3] = {cos(la) * cos(lo), cos(la) * sin(lo), sin(la)};
    uint32_t up[3] = {e->country_t, e->admin1_t, e->admin2_t};
    for (int k = 0; k < 3; k++)
      if (up[k] != GB_NONE)
        for (int c = 0; c < 3; c++)
          acc[up[k] * 3 + c] += v[c];
  }
  for (size_t u = 0; u < n; u++) {
    struct gb_entry *e = &b->e[u];
    if (e->level == OM_GAZ_PLACE || !isnan(e->lat))
      continue;
    double *v = &acc[u * 3];
    double r = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (r > 1e-9) {
      e->lat = asin(v[2] / r) * 180 / M_PI;
      e->lon = atan2(v[1], v[0]) * 180 / M_PI;
    }
  }
  for (size_t i = 0; i < n; i++) {
    struct gb_entry *e = &b->e[i];
    if (e->level != OM_GAZ_PLACE || isnan(e->lat))
      continue;
    uint32_t up[3] = {e->country_t, e->admin1_t, e->admin2_t};
    for (int k = 0; k < 3; k++) {
      uint32_t u = up[k];
      if (u == GB_NONE || isnan(b->e[u].lat))
        continue;
      double dl = (e->lat - b->e[u].lat) * M_PI / 360, dn = (e->lon - b->e[u].lon) * M_PI / 360;
      double h = sin(dl) * sin(dl) + cos(e->lat * M_PI / 180) * cos(b->e[u].lat * M_PI / 180) *
                                         sin(dn) * sin(dn);
      if (h > far[u]) {
        far[u] = h;
        farm[u] = (uint32_t)i;
      }
    }
  }
  for (size_t u = 0; u < n; u++) {
    struct gb_entry *e = &b->e[u];
    if (e->level == OM_GAZ_PLACE || e->radius_km >= 0)
      continue;
    if (isnan(e->lat)) {
      e->radius_km = 0;
      continue;
    }
    double r = 0;
    if (farm[u] != GB_NONE) {
      const struct gb_entry *m = &b->e[farm[u]];
      r = om_geodesic_distance_km(e->lon, e->lat, m->lon, m->lat);
      if (!isfinite(r))
        r = 0;
    }
    r = r * 1.1 + 5;
    double floor_km = unit_floor_km(b, (uint32_t)u);
    e->radius_km = (float)(r < floor_km ? floor_km : r);
  }
  free(acc);
  free(far);
  free(farm);
}

/* The place radius rule (see the top of the file). */
static double place_radius(const char *fcode, uint32_t population)
{
  double r = strncmp(fcode, "PPL", 3) == 0 ? 2 : 5;
  r += 0.02 * sqrt((double)population);
  return r > 50 ? 50 : r;
}

int om_gazetteer_build(const struct om_gaz_build_opts *o, struct om_gaz_build_stats *stats,
                       struct om_diag *d)
{
  struct om_gaz_build_stats dummy;
  if (!stats)
    stats = &dummy;
  memset(stats, 0, sizeof *stats);
  if (!o->output)
    return om_diag_fail(d, OM_EUSAGE, "no index file to write");
  struct gb *b = calloc(1, sizeof *b);
  if (!b)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  b->o = o;
  b->stats = stats;
  b->d = d;
  int rc = gb_pool_add(b, "", 0) == GB_NONE ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
  if (rc == 0 && o->country_info)
    rc = gb_read_country_info(b, o->country_info);
  if (rc == 0 && o->admin1)
    rc = gb_read_admin_codes(b, o->admin1, OM_GAZ_ADMIN1);
  if (rc == 0 && o->admin2)
    rc = gb_read_admin_codes(b, o->admin2, OM_GAZ_ADMIN2);
  for (size_t i = 0; rc == 0 && i < o->nplaces; i++)
    rc = gb_read_places(b, o->places[i]);
  if (rc == 0 && o->alternate_names)
    rc = gb_read_alternate_names(b, o->alternate_names);
  for (size_t i = 0; rc == 0 && i < o->nlayers; i++)
    rc = gb_read_layer(b, &o->layers[i]);
  if (rc == 0 && o->outlines)
    rc = gb_read_outlines(b, o->outlines);
  if (rc == 0) {
    resolve(b);
    for (size_t i = 0; i < b->n; i++) {
      struct gb_entry *e = &b->e[i];
      if (e->level == OM_GAZ_PLACE)
        e->radius_km = isnan(e->lat) ? 0
                       : (float)place_radius(b->pool + b->fcode_off[e->fcode], e->population);
    }
    place_units(b);
    rc = gb_finish(b);
  }
  gb_smap_release(&b->keys);
  gb_smap_release(&b->codes);
  gb_smap_release(&b->fcodes);
  gb_smap_release(&b->iso);
  for (size_t i = 0; i < b->noutlines; i++)
    free(b->outlines[i].wkb);
  free(b->outlines);
  free(b->areas);
  free(b->e);
  free(b->pool);
  free(b->post);
  free(b->code_unit);
  free(b->fcode_off);
  free(b->iso_unit);
  free(b->sources);
  free(b);
  return rc;
}
