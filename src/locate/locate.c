/*
 * Locating records (see locate.h).  Range checks happen here rather than in
 * the parsers so that every notation gets the same words: a latitude of 95
 * is "latitude outside [-90, 90]" whether it came from a column, DMS text
 * or WKT, and a pair that fits only when swapped says so instead of being
 * fixed silently.
 */
#include "locate/locate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/number.h"
#include "crs/crs.h"
#include "crs/geodesic.h"
#include "geom/geom.h"
#include "locate/dms.h"

struct om_locator {
  enum om_locate_kind kind; /* how */
  size_t fx, fy;            /* field indices: x and y, or the DMS/WKT field in fx */
  const char *name_x;       /* field names for messages (borrowed from the reader) */
  const char *name_y;
  char decimal;             /* the source's declared decimal separator, or 0 */
  struct om_crs *crs;       /* source CRS to WGS 84 */
  char *crs_name;           /* for messages */
  bool make_valid;          /* repair invalid geometries instead of rejecting them */
};

static int find_field(size_t *out, const struct om_reader *r, const char *name,
                      const struct om_layer_def *layer, struct om_diag *d)
{
  size_t n = om_reader_field_count(r);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(om_reader_field_name(r, i), name) == 0) {
      *out = i;
      return 0;
    }
  }
  char list[1024] = "";
  size_t used = 0;
  for (size_t i = 0; i < n && used + 1 < sizeof list; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                             om_reader_field_name(r, i));
  return om_diag_fail(d, OM_EMANIFEST, "%s: layer '%s': field '%s' is not in '%s' (fields: %s)",
                      layer->file, layer->name, name, layer->source.path, list);
}

int om_locator_new(struct om_locator **out, const struct om_layer_def *layer,
                   const struct om_reader *reader, struct om_diag *d)
{
  *out = NULL;
  const struct om_locate_def *def = &layer->locate;
  struct om_locator *l = calloc(1, sizeof *l);
  if (!l)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  l->kind = def->kind;
  l->decimal = layer->source.decimal;
  l->make_valid = def->make_valid;
  l->fx = l->fy = (size_t)-1;

  int rc = 0;
  switch (def->kind) {
  case OM_LOCATE_XY:
    rc = find_field(&l->fx, reader, def->x, layer, d);
    if (rc == 0)
      rc = find_field(&l->fy, reader, def->y, layer, d);
    break;
  case OM_LOCATE_DMS:
  case OM_LOCATE_WKT:
    rc = find_field(&l->fx, reader, def->field, layer, d);
    break;
  case OM_LOCATE_SOURCE:
  case OM_LOCATE_GEOCODE: /* by name only: the layer's geocoder locates every record */
    break;
  }
  if (rc == 0 && l->fx != (size_t)-1)
    l->name_x = om_reader_field_name(reader, l->fx);
  if (rc == 0 && l->fy != (size_t)-1)
    l->name_y = om_reader_field_name(reader, l->fy);

  const char *crs = def->crs;
  if (def->kind == OM_LOCATE_SOURCE)
    crs = om_reader_crs(reader);
  if (!crs || def->kind == OM_LOCATE_DMS)
    crs = "EPSG:4326";
  if (rc == 0) {
    l->crs_name = strdup(crs);
    if (!l->crs_name)
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  if (rc == 0) {
    rc = om_crs_new(&l->crs, crs, d);
    if (rc < 0) {
      char msg[sizeof d->msg];
      snprintf(msg, sizeof msg, "%s", d->msg);
      om_diag_fail(d, rc, "%s: layer '%s': %s", layer->file, layer->name, msg);
    }
  }
  if (rc < 0) {
    om_locator_free(l);
    return rc;
  }
  *out = l;
  return 0;
}

void om_locator_free(struct om_locator *l)
{
  if (!l)
    return;
  om_crs_free(l->crs);
  free(l->crs_name);
  free(l);
}

int om_locator_uses_field(const struct om_locator *l, size_t i)
{
  return i == l->fx || i == l->fy;
}

void om_location_release(struct om_location *loc)
{
  free(loc->wkb);
  memset(loc, 0, sizeof *loc);
}

static int reserve(struct om_location *loc, size_t len)
{
  if (len <= loc->cap)
    return 0;
  unsigned char *grown = realloc(loc->wkb, len);
  if (!grown)
    return OM_ENOMEM;
  loc->wkb = grown;
  loc->cap = len;
  return 0;
}

/*
 * Longitude and latitude in range, or the reason.  A pair that fits only
 * the other way round is reported as swapped: a silent fix would put a
 * site on the wrong continent whenever the guess is wrong.
 */
static enum om_reason check_range(double lon, double lat)
{
  bool lon_ok = lon >= -180 && lon <= 180;
  bool lat_ok = lat >= -90 && lat <= 90;
  if (lon_ok && lat_ok)
    return OM_REASON_NONE;
  if (fabs(lon) <= 90 && fabs(lat) <= 180)
    return OM_REASON_SWAPPED;
  return lat_ok ? OM_REASON_LON_RANGE : OM_REASON_LAT_RANGE;
}

struct map_ctx {
  struct om_locator *l;           /* for the CRS */
  struct om_locate_error *err;    /* where to say why */
};

static enum om_reason to_wgs84(void *ctx, double *x, double *y)
{
  struct map_ctx *m = ctx;
  enum om_reason why = om_crs_to_wgs84(m->l->crs, x, y, m->err->detail, sizeof m->err->detail);
  if (why == OM_REASON_NONE)
    why = check_range(*x, *y);
  if (why == OM_REASON_LAT_RANGE || why == OM_REASON_LON_RANGE || why == OM_REASON_SWAPPED)
    snprintf(m->err->detail, sizeof m->err->detail, "vertex %.10g %.10g", *x, *y);
  return why;
}

static enum om_reason set_point(struct om_location *loc, double lon, double lat)
{
  if (reserve(loc, 21) < 0)
    return OM_REASON_GEOMETRY_INVALID;
  om_wkb_point(loc->wkb, lon, lat);
  loc->len = 21;
  loc->env[0] = loc->env[2] = lon;
  loc->env[1] = loc->env[3] = lat;
  return OM_REASON_NONE;
}

static bool blank(const char *s)
{
  if (!s)
    return true;
  while (*s == ' ' || *s == '\t')
    s++;
  return *s == '\0';
}

static enum om_reason locate_xy(struct om_locator *l, const struct om_record *rec,
                                struct om_location *loc, struct om_locate_error *err)
{
  const char *vx = rec->values[l->fx], *vy = rec->values[l->fy];
  if (blank(vx) || blank(vy)) {
    err->field = blank(vx) ? l->name_x : l->name_y;
    return err->reason = OM_REASON_MISSING_COORDINATES;
  }
  double x, y;
  err->field = l->name_x;
  err->value = vx;
  err->reason = om_number_parse(vx, l->decimal, &x, err->detail, sizeof err->detail);
  if (err->reason)
    return err->reason;
  err->field = l->name_y;
  err->value = vy;
  err->reason = om_number_parse(vy, l->decimal, &y, err->detail, sizeof err->detail);
  if (err->reason)
    return err->reason;

  err->reason = om_crs_to_wgs84(l->crs, &x, &y, err->detail, sizeof err->detail);
  if (err->reason) {
    err->field = NULL; /* the pair is wrong, not one of its numbers */
    err->value = NULL;
    snprintf(err->detail + strlen(err->detail), sizeof err->detail - strlen(err->detail),
             "%s%s %s", err->detail[0] ? "; " : "", vx, vy);
    return err->reason;
  }
  err->reason = check_range(x, y);
  if (err->reason) {
    err->field = err->reason == OM_REASON_LON_RANGE ? l->name_x : l->name_y;
    err->value = err->reason == OM_REASON_LON_RANGE ? vx : vy;
    if (err->reason == OM_REASON_SWAPPED) {
      err->value = NULL;
      snprintf(err->detail, sizeof err->detail, "%s %s, %s %s", l->name_x, vx, l->name_y, vy);
    }
    return err->reason;
  }
  return err->reason = set_point(loc, x, y);
}

static enum om_reason locate_dms(struct om_locator *l, const struct om_record *rec,
                                 struct om_location *loc, struct om_locate_error *err)
{
  const char *v = rec->values[l->fx];
  err->field = l->name_x;
  if (blank(v))
    return err->reason = OM_REASON_MISSING_COORDINATES;
  err->value = v;
  double lat, lon;
  bool lettered;
  err->reason = om_dms_parse_pair(v, &lat, &lon, &lettered, err->detail, sizeof err->detail);
  if (err->reason)
    return err->reason;
  err->reason = check_range(lon, lat);
  /* Hemisphere letters say which number is which: then it is not a swap. */
  if (err->reason == OM_REASON_SWAPPED && lettered)
    err->reason = fabs(lat) > 90 ? OM_REASON_LAT_RANGE : OM_REASON_LON_RANGE;
  if (err->reason)
    return err->reason;
  return err->reason = set_point(loc, lon, lat);
}

static const char *type_name(int type)
{
  static const char *const names[] = {"geometry",        "Point",        "LineString",
                                      "Polygon",         "MultiPoint",   "MultiLineString",
                                      "MultiPolygon",    "GeometryCollection"};
  return type >= 1 && type <= 7 ? names[type] : names[0];
}

/*
 * Replace the invalid geometry in loc by GEOS's repair of it and say in
 * loc->repaired what was wrong (err->detail, GEOS's reason and location)
 * and what changed: the type, and the geodesic area, which a repair may
 * change a lot (a bow-tie's two lobes cancel out before, add up after).
 */
static enum om_reason repair(struct om_location *loc, struct om_locate_error *err)
{
  char why[256];
  snprintf(why, sizeof why, "%s", err->detail);
  unsigned char *fixed = NULL;
  size_t fixed_len = 0;
  enum om_reason r = om_geom_make_valid(&fixed, &fixed_len, loc->wkb, loc->len, err->detail,
                                        sizeof err->detail);
  if (r != OM_REASON_NONE)
    return r;
  double before = 0, after = 0;
  int type_before = om_wkb_type(loc->wkb, loc->len), type_after = om_wkb_type(fixed, fixed_len);
  int ab = om_geodesic_area_km2(&before, loc->wkb, loc->len);
  int aa = om_geodesic_area_km2(&after, fixed, fixed_len);
  char change[160];
  if (type_before != type_after)
    snprintf(change, sizeof change, "%s became %s", type_name(type_before),
             type_name(type_after));
  else
    snprintf(change, sizeof change, "still a %s", type_name(type_after));
  if (ab == 0 && aa == 0)
    om_detail_set(loc->repaired, sizeof loc->repaired,
                  "invalid geometry repaired (make_valid): %s; %s, area %.6g km2 became %.6g km2",
                  why, change, before, after);
  else
    om_detail_set(loc->repaired, sizeof loc->repaired,
                  "invalid geometry repaired (make_valid): %s; %s", why, change);
  free(loc->wkb);
  loc->wkb = fixed;
  loc->len = loc->cap = fixed_len;
  err->detail[0] = '\0';
  if (om_wkb_envelope(loc->wkb, loc->len, loc->env) < 0)
    return OM_REASON_GEOMETRY_EMPTY;
  return OM_REASON_NONE;
}

/*
 * Replace loc's geometry by its RFC 7946 form.  Cut at the antimeridian
 * here, once, so that every output draws the same shape: read as plain
 * lon/lat, an uncut polygon from 178 to -179 would wrap the other way
 * round the globe.  om_geodesic_rfc7946 also closes a ring that winds
 * round a pole along it.
 */
static enum om_reason cut_at_antimeridian(struct om_location *loc, struct om_locate_error *err)
{
  struct om_diag gd;
  om_diag_init(&gd);
  unsigned char *cut = NULL;
  size_t cut_len = 0;
  if (om_geodesic_rfc7946(&cut, &cut_len, loc->wkb, loc->len, &gd) != 0) {
    snprintf(err->detail, sizeof err->detail, "%.200s", gd.msg);
    return err->reason = OM_REASON_GEOMETRY_INVALID;
  }
  free(loc->wkb);
  loc->wkb = cut;
  loc->len = loc->cap = cut_len;
  if (om_wkb_envelope(loc->wkb, loc->len, loc->env) < 0)
    return err->reason = OM_REASON_GEOMETRY_EMPTY;
  return err->reason = OM_REASON_NONE;
}

/*
 * GEOS says where an unwrapped shape is invalid in its unwrapped
 * longitudes ("Self-intersection at (181.5, 10)"): bring the longitude in
 * detail back into [-180, 180], where the user looks for it.
 */
static void wrap_location(char *detail, size_t size)
{
  char *at = strstr(detail, " at (");
  double x, y;
  if (!at || sscanf(at, " at (%lf, %lf)", &x, &y) != 2 || fabs(x) <= 180)
    return;
  snprintf(at, size - (size_t)(at - detail), " at (%.15g, %.15g)", remainder(x, 360), y);
}

/*
 * A geometry with consecutive vertices more than 180 degrees of longitude
 * apart crosses the antimeridian (and a ring that winds round a pole holds
 * it).  Read flat, such an edge runs across the whole map and the polygon
 * looks self-intersecting for no fault of the source, and repairing that
 * flat reading garbles it.  So the geometry is cut first, and validity is
 * checked (and repaired, under make_valid) on the cut shape.  When the cut
 * itself fails because the shape read across the antimeridian is invalid,
 * that unwrapped shape is what is checked, repaired and then cut.
 */
static enum om_reason adopt_across(struct om_locator *l, struct om_location *loc,
                                   struct om_locate_error *err)
{
  struct om_diag gd;
  om_diag_init(&gd);
  unsigned char *shape = NULL;
  size_t shape_len = 0;
  bool cut = om_geodesic_rfc7946(&shape, &shape_len, loc->wkb, loc->len, &gd) == 0;
  struct om_diag ud; /* the cut's reason stays in gd */
  om_diag_init(&ud);
  if (!cut && om_geom_unwrap(&shape, &shape_len, loc->wkb, loc->len, &ud) != 0) {
    snprintf(err->detail, sizeof err->detail, "%.200s", gd.msg);
    return err->reason = OM_REASON_GEOMETRY_INVALID;
  }
  free(loc->wkb);
  loc->wkb = shape;
  loc->len = loc->cap = shape_len;
  err->reason = om_geom_check_valid(loc->wkb, loc->len, err->detail, sizeof err->detail);
  if (err->reason == OM_REASON_NONE && !cut) { /* valid, yet GEOS could not cut it */
    snprintf(err->detail, sizeof err->detail, "%.200s", gd.msg);
    return err->reason = OM_REASON_GEOMETRY_INVALID;
  }
  if (err->reason == OM_REASON_GEOMETRY_INVALID && !cut)
    wrap_location(err->detail, sizeof err->detail);
  if (err->reason == OM_REASON_GEOMETRY_INVALID && l->make_valid)
    err->reason = repair(loc, err);
  if (err->reason)
    return err->reason;
  if (cut && !loc->repaired[0]) {
    if (om_wkb_envelope(loc->wkb, loc->len, loc->env) < 0)
      err->reason = OM_REASON_GEOMETRY_EMPTY;
    return err->reason;
  }
  return cut_at_antimeridian(loc, err); /* the repaired or unwrapped shape */
}

/* Take a WKB geometry in the source CRS into loc, in WGS 84, checked. */
static enum om_reason adopt_wkb(struct om_locator *l, const unsigned char *wkb, size_t len,
                                struct om_location *loc, struct om_locate_error *err)
{
  if (reserve(loc, len) < 0)
    return err->reason = OM_REASON_GEOMETRY_INVALID;
  memcpy(loc->wkb, wkb, len);
  loc->len = len;
  struct map_ctx m = {l, err};
  err->reason = om_wkb_map_coords(loc->wkb, loc->len, to_wgs84, &m);
  if (err->reason)
    return err->reason;
  if (om_wkb_envelope(loc->wkb, loc->len, loc->env) < 0)
    return err->reason = OM_REASON_GEOMETRY_EMPTY;
  if (om_wkb_type(loc->wkb, loc->len) == OM_WKB_POINT)
    return err->reason;
  if (om_wkb_crosses_antimeridian(loc->wkb, loc->len))
    return adopt_across(l, loc, err);
  err->reason = om_geom_check_valid(loc->wkb, loc->len, err->detail, sizeof err->detail);
  if (err->reason == OM_REASON_GEOMETRY_INVALID && l->make_valid)
    err->reason = repair(loc, err);
  if (err->reason)
    return err->reason;
  return cut_at_antimeridian(loc, err);
}

static enum om_reason locate_wkt(struct om_locator *l, const struct om_record *rec,
                                 struct om_location *loc, struct om_locate_error *err)
{
  const char *v = rec->values[l->fx];
  err->field = l->name_x;
  if (blank(v))
    return err->reason = OM_REASON_MISSING_COORDINATES;
  unsigned char *wkb = NULL;
  size_t len = 0;
  err->reason = om_geom_from_wkt(&wkb, &len, v, err->detail, sizeof err->detail);
  if (err->reason) {
    err->value = v;
    return err->reason;
  }
  if (adopt_wkb(l, wkb, len, loc, err) != OM_REASON_NONE)
    err->value = v;
  free(wkb);
  return err->reason;
}

static enum om_reason locate_source(struct om_locator *l, const struct om_record *rec,
                                    struct om_location *loc, struct om_locate_error *err)
{
  if (!rec->wkb || rec->wkb_len == 0)
    return err->reason = OM_REASON_MISSING_COORDINATES;
  return adopt_wkb(l, rec->wkb, rec->wkb_len, loc, err);
}

enum om_reason om_locate(struct om_locator *l, const struct om_record *rec,
                         struct om_location *loc, struct om_locate_error *err)
{
  memset(err, 0, sizeof *err);
  loc->repaired[0] = '\0';
  switch (l->kind) {
  case OM_LOCATE_XY:
    return locate_xy(l, rec, loc, err);
  case OM_LOCATE_DMS:
    return locate_dms(l, rec, loc, err);
  case OM_LOCATE_WKT:
    return locate_wkt(l, rec, loc, err);
  case OM_LOCATE_SOURCE:
    return locate_source(l, rec, loc, err);
  case OM_LOCATE_GEOCODE:
    break;
  }
  return err->reason = OM_REASON_MISSING_COORDINATES;
}

enum om_reason om_location_set_point(struct om_location *loc, double lon, double lat)
{
  return set_point(loc, lon, lat);
}
