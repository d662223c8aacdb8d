/*
 * Sources read through the project's reader (io/reader.h, any format GDAL
 * opens): the user's own point layers, imported as places, and country
 * outlines, stored as WKB and used to place their countries.
 *
 * Geometries are taken as longitude/latitude (WGS 84), as GeoJSON always
 * is; other CRSs are not reprojected here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crs/geodesic.h"
#include "gazetteer/build_internal.h"
#include "geom/geom.h"
#include "io/reader.h"

/* The index of field 'name' (any case), or -1; NULL name gives -1. */
static long field_index(const struct om_reader *r, const char *name)
{
  if (!name)
    return -1;
  for (size_t i = 0; i < om_reader_field_count(r); i++)
    if (strcasecmp(om_reader_field_name(r, i), name) == 0)
      return (long)i;
  return -1;
}

static const char *value(const struct om_record *rec, long i)
{
  return i >= 0 && (size_t)i < rec->nvalues && rec->values[i] ? rec->values[i] : "";
}

static int read_point(const unsigned char *wkb, size_t len, double *x, double *y)
{
  if (!wkb || len < 21 || om_wkb_type(wkb, len) != OM_WKB_POINT || wkb[0] != 1)
    return -1;
  memcpy(x, wkb + 5, 8);
  memcpy(y, wkb + 13, 8);
  return isfinite(*x) && isfinite(*y) && fabs(*y) <= 90 && fabs(*x) <= 180 ? 0 : -1;
}

/* The admin-1 unit of country 'cc' named or coded 'v', or GB_NONE. */
static uint32_t find_admin1(struct gb *b, const char *cc, const char *v)
{
  char code[160];
  snprintf(code, sizeof code, "%s.%s", cc, v);
  uint32_t t = gb_code_unit(b, code);
  if (t != GB_NONE || !*v)
    return t;
  for (size_t i = 0; i < b->n; i++) {
    const struct gb_entry *e = &b->e[i];
    if (e->level == OM_GAZ_ADMIN1 && memcmp(e->country, cc, 2) == 0 &&
        strcasecmp(b->pool + e->name, v) == 0)
      return (uint32_t)i;
  }
  return GB_NONE;
}

int gb_read_layer(struct gb *b, const struct om_gaz_layer_source *s)
{
  struct om_reader_opts ro = {.path = s->path, .layer = s->layer};
  struct om_reader *r;
  int rc = om_reader_open(&r, &ro, b->d);
  if (rc < 0)
    return rc;
  long fname = field_index(r, s->name), falt = field_index(r, s->alternates),
       fid = field_index(r, s->id), fcountry = field_index(r, s->country),
       fadmin1 = field_index(r, s->admin1);
  if (fname < 0) {
    om_reader_free(r);
    return om_diag_fail(b->d, OM_EUSAGE, "'%s' has no field '%s'", s->path,
                        s->name ? s->name : "(none given)");
  }
  struct om_record rec;
  size_t rows = 0, bad = 0;
  while ((rc = om_reader_next(r, &rec, b->d)) > 0) {
    rows++;
    b->stats->rows++;
    if (rc == OM_READ_REJECTED) {
      b->stats->skipped++;
      continue;
    }
    double x, y;
    const char *name = value(&rec, fname);
    if (!*name) {
      gb_bad_row(b, s->path, rec.pos.line ? rec.pos.line : rec.pos.record, &bad, "no name");
      continue;
    }
    if (read_point(rec.wkb, rec.wkb_len, &x, &y) < 0) {
      gb_bad_row(b, s->path, rec.pos.line ? rec.pos.line : rec.pos.record, &bad,
                 "no point geometry in longitude/latitude");
      continue;
    }
    uint32_t ct = fcountry >= 0 ? gb_country_find(b, value(&rec, fcountry)) : GB_NONE;
    const char *cc = ct != GB_NONE ? b->e[ct].country : NULL;
    char ccs[3] = {cc ? cc[0] : 0, cc ? cc[1] : 0, 0};
    uint32_t t = gb_entry_add(b, OM_GAZ_PLACE, name, s->fcode ? s->fcode : "PPL",
                              cc ? ccs : NULL);
    if (t == GB_NONE) {
      rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
      break;
    }
    struct gb_entry *e = &b->e[t];
    e->lon = x;
    e->lat = y;
    e->country_t = ct;
    if (cc && fadmin1 >= 0)
      e->admin1_t = find_admin1(b, ccs, value(&rec, fadmin1));
    char *end;
    const char *id = value(&rec, fid);
    long long gid = strtoll(id, &end, 10);
    if (*id && !*end && gid > 0)
      e->geonameid = gid;
    if ((rc = gb_name_add(b, t, name, strlen(name), OM_GAZ_NAME)) < 0)
      break;
    const char *a = value(&rec, falt);
    while (*a) {
      size_t n = strcspn(a, ",;");
      while (n > 0 && (*a == ' '))
        a++, n--;
      if (n > 0 && (rc = gb_name_add(b, t, a, n, OM_GAZ_ALTERNATE)) < 0)
        break;
      a += n;
      if (*a)
        a++;
    }
    if (rc < 0)
      break;
  }
  om_reader_free(r);
  if (rc < 0)
    return rc;
  if (bad > GB_MAX_WARNINGS)
    om_diag_warn(b->d, "%s: %zu features skipped in all", s->path, bad);
  return gb_source_note(b, "%s: user layer, %zu features", gb_base_name(s->path), rows);
}

struct farthest {
  double lon, lat, km;
};

static enum om_reason far_vertex(void *ctx, double *x, double *y)
{
  struct farthest *f = ctx;
  double km = om_geodesic_distance_km(f->lon, f->lat, *x, *y);
  if (isfinite(km) && km > f->km)
    f->km = km;
  return OM_REASON_NONE;
}

int gb_read_outlines(struct gb *b, const char *path)
{
  struct om_reader_opts ro = {.path = path};
  struct om_reader *r;
  int rc = om_reader_open(&r, &ro, b->d);
  if (rc < 0)
    return rc;
  long f2 = field_index(r, "iso_a2"), f3 = field_index(r, "iso_a3"), fn = field_index(r, "iso_n3");
  if (f2 < 0 && f3 < 0 && fn < 0) {
    om_reader_free(r);
    return om_diag_fail(b->d, OM_EUSAGE, "'%s' has none of the fields iso_a2, iso_a3, iso_n3",
                        path);
  }
  struct om_record rec;
  size_t rows = 0, unmatched = 0;
  while ((rc = om_reader_next(r, &rec, b->d)) > 0) {
    rows++;
    b->stats->rows++;
    if (rc == OM_READ_REJECTED)
      continue;
    uint32_t t = gb_country_find(b, value(&rec, f2));
    if (t == GB_NONE)
      t = gb_country_find(b, value(&rec, f3));
    if (t == GB_NONE)
      t = gb_country_find(b, value(&rec, fn));
    int type = rec.wkb ? om_wkb_type(rec.wkb, rec.wkb_len) : 0;
    int have = 0;
    for (size_t i = 0; i < b->noutlines; i++)
      have |= t != GB_NONE && b->outlines[i].t == t;
    if (t == GB_NONE || have || (type != OM_WKB_POLYGON && type != OM_WKB_MULTIPOLYGON)) {
      unmatched++;
      continue;
    }
    double x, y;
    if (om_geom_point_on_surface(&x, &y, rec.wkb, rec.wkb_len, b->d) < 0) {
      om_diag_warn(b->d, "%s: record %ld: %s", path, rec.pos.record, b->d->msg);
      b->d->msg[0] = '\0';
      unmatched++;
      continue;
    }
    if (b->noutlines == b->outlines_cap) {
      size_t cap = b->outlines_cap ? b->outlines_cap * 2 : 64;
      struct gb_outline *no = realloc(b->outlines, cap * sizeof *no);
      if (!no) {
        rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
        break;
      }
      b->outlines = no;
      b->outlines_cap = cap;
    }
    unsigned char *copy = malloc(rec.wkb_len);
    if (!copy) {
      rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
      break;
    }
    memcpy(copy, rec.wkb, rec.wkb_len);
    b->outlines[b->noutlines++] = (struct gb_outline){t, copy, rec.wkb_len};
    struct farthest f = {x, y, 0};
    om_wkb_map_coords(copy, rec.wkb_len, far_vertex, &f);
    struct gb_entry *e = &b->e[t];
    e->lon = x;
    e->lat = y;
    e->radius_km = f.km > 1 ? f.km : 1;
  }
  om_reader_free(r);
  if (rc < 0)
    return rc;
  if (unmatched > 0)
    om_diag_warn(b->d, "%s: %zu outlines name no country of the index (or repeat one)", path,
                 unmatched);
  return gb_source_note(b, "%s: country outlines, %zu features", gb_base_name(path), rows);
}
