/*
 * Source CRS to WGS 84 longitude/latitude (see crs.h).
 *
 * PROJ picks the transformation (for ED50 in Türkiye, EPSG:1784 rather
 * than a ballpark shift) point by point among the candidates that
 * proj_create_crs_to_crs_from_pj finds, and proj_normalize_for_visualization
 * makes both ends easting/longitude first whatever the CRS's axis order
 * (EPSG:4326 is latitude first, TUREF / TM30 is northing first).
 *
 * PROJ transforms many points far outside a CRS's domain without an error
 * (a UTM easting of 5,000,000 m comes out in Tibet).  Such a point almost
 * always means the wrong CRS, swapped columns or a wrong zone, so each
 * result is also checked against the source CRS's area of use.
 *
 * PROJ's messages go to a per-object buffer through proj_log_func, never
 * to stderr and never into a global.
 */
#include "crs/crs.h"

#include <math.h>
#include <proj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * How far (in degrees of latitude or longitude) a point may lie outside
 * the area of use before it is rejected.  EPSG draws areas tightly along
 * zone edges and borders ("onshore" areas stop at the coast), and real
 * data spills over them: features just across a UTM zone edge, an island
 * or a pier off an onshore-only area.  The projections stay accurate to
 * well within the data's own precision a degree beyond.  The mistakes
 * this check is for are much larger: a wrong UTM zone is 6 degrees off,
 * swapped or mislabelled columns thousands of kilometres.  The datum
 * shift between the source datum and WGS 84 (a few hundred metres at
 * most) is negligible against the margin, so the check can use the
 * transformed WGS 84 position.
 */
#define OM_CRS_AREA_MARGIN 1.0

struct om_crs {
  PJ_CONTEXT *ctx;      /* this object's PROJ context; one per thread */
  PJ *src;              /* the source CRS */
  PJ *op;               /* source to WGS 84, both lon/lat first; NULL when wgs84 */
  bool wgs84;           /* the source is WGS 84 lon/lat: nothing to transform */
  bool has_area;        /* the source CRS has a known area of use */
  double west, south, east, north; /* area of use in degrees; west > east across 180° */
  char label[160];      /* "EPSG:23036 ED50 / UTM zone 36N", for messages */
  char log[512];        /* PROJ's last error message on ctx */
};


/* PROJ log callback: keep the last error of this context, print nothing. */
static void on_proj_log(void *app, int level, const char *msg)
{
  struct om_crs *c = app;
  if (level != PJ_LOG_ERROR || !msg)
    return;
  snprintf(c->log, sizeof c->log, "%s", msg);
}

/* PROJ's explanation of the last failure on c: its log line, else its error code's text. */
static const char *proj_reason(struct om_crs *c)
{
  if (c->log[0])
    return c->log;
  int err = proj_context_errno(c->ctx);
  if (err != 0)
    return proj_context_errno_string(c->ctx, err);
  return "no reason given";
}

/* True for identifiers of WGS 84 lon/lat in either axis order. */
static bool is_wgs84_id(const char *auth, const char *code)
{
  return auth && code &&
         ((strcasecmp(auth, "EPSG") == 0 && strcmp(code, "4326") == 0) ||
          (strcasecmp(auth, "OGC") == 0 && strcasecmp(code, "CRS84") == 0));
}

/*
 * Whether src is WGS 84 geographic 2D.  A CRS with an identifier is judged
 * by it; one without (a WKT without ID, a PROJ string) by comparison with
 * OGC:CRS84, axis order aside, since the caller gives x/y in GIS order.
 */
static int detect_wgs84(struct om_crs *c, bool *out)
{
  const char *auth = proj_get_id_auth_name(c->src, 0);
  const char *code = proj_get_id_code(c->src, 0);
  if (auth && code) {
    *out = is_wgs84_id(auth, code);
    return 0;
  }
  PJ *ref = proj_create(c->ctx, "OGC:CRS84");
  if (!ref)
    return -1;
  *out = proj_is_equivalent_to_with_ctx(c->ctx, c->src, ref,
                                        PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS) != 0;
  proj_destroy(ref);
  return 0;
}

/*
 * Create the CRS object for def.  PROJ reads "+proj=utm ..." without
 * "+type=crs" as a bare conversion, not a CRS, so a PROJ string gets
 * that suffix when the first try is not a CRS.
 */
static PJ *create_crs(struct om_crs *c, const char *def)
{
  PJ *obj = proj_create(c->ctx, def);
  if (obj && proj_is_crs(obj))
    return obj;
  proj_destroy(obj);
  if (strstr(def, "+proj=") && !strstr(def, "type=crs")) {
    char *with_type = NULL;
    if (asprintf(&with_type, "%s +type=crs", def) < 0)
      return NULL;
    char saved[sizeof c->log];
    memcpy(saved, c->log, sizeof saved);
    obj = proj_create(c->ctx, with_type);
    free(with_type);
    if (obj && proj_is_crs(obj))
      return obj;
    proj_destroy(obj);
    /* The first message says more about what the user wrote. */
    memcpy(c->log, saved, sizeof saved);
  }
  if (!c->log[0])
    snprintf(c->log, sizeof c->log, "not a coordinate reference system");
  return NULL;
}

/* "EPSG:23036 ED50 / UTM zone 36N", or the name alone when there is no identifier. */
static void make_label(struct om_crs *c)
{
  const char *auth = proj_get_id_auth_name(c->src, 0);
  const char *code = proj_get_id_code(c->src, 0);
  const char *name = proj_get_name(c->src);
  if (!name || !*name)
    name = "source CRS";
  if (auth && code)
    om_detail_set(c->label, sizeof c->label, "%s:%s %s", auth, code, name);
  else
    om_detail_set(c->label, sizeof c->label, "%s", name);
}

/* Take obj's area of use when it has one; true when it did. */
static bool read_area(struct om_crs *c, const PJ *obj)
{
  double w, s, e, n;
  if (!proj_get_area_of_use(c->ctx, obj, &w, &s, &e, &n, NULL) || w == -1000 || s == -1000 ||
      e == -1000 || n == -1000)
    return false;
  c->has_area = true;
  c->west = w, c->south = s, c->east = e, c->north = n;
  return true;
}

/*
 * A WKT without identifiers (a shapefile's .prj) carries no area of use.
 * When PROJ finds exactly one EPSG CRS that matches it fully (confidence
 * 100), use that one's area and name.  Partial matches (70) are left
 * alone: "+proj=utm +zone=36 +ellps=intl" fits both ED50 and Ain el Abd,
 * whose areas have nothing in common, and no check is better than a
 * wrong one.
 */
static void identify_area(struct om_crs *c)
{
  int *confidence = NULL;
  PJ_OBJ_LIST *list = proj_identify(c->ctx, c->src, "EPSG", NULL, &confidence);
  int count = list ? proj_list_get_count(list) : 0;
  int exact = -1;
  for (int i = 0; i < count; i++) {
    if (confidence[i] < 100)
      continue;
    if (exact >= 0) {
      exact = -1;
      break;
    }
    exact = i;
  }
  if (exact >= 0) {
    PJ *match = proj_list_get(c->ctx, list, exact);
    if (match && read_area(c, match)) {
      const char *auth = proj_get_id_auth_name(match, 0);
      const char *code = proj_get_id_code(match, 0);
      const char *name = proj_get_name(match);
      if (auth && code && name)
        om_detail_set(c->label, sizeof c->label, "%s:%s %s", auth, code, name);
    }
    proj_destroy(match);
  }
  proj_int_list_destroy(confidence);
  proj_list_destroy(list);
  /* A failed identification only means no area check; forget its message. */
  c->log[0] = '\0';
}

int om_crs_new(struct om_crs **out, const char *def, struct om_diag *d)
{
  *out = NULL;
  struct om_crs *c = calloc(1, sizeof *c);
  if (!c)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  c->ctx = proj_context_create();
  if (!c->ctx) {
    free(c);
    return om_diag_fail(d, OM_EDEP, "cannot create a PROJ context");
  }
  proj_log_func(c->ctx, c, on_proj_log);

  int rc = 0;
  c->src = create_crs(c, def);
  if (!c->src) {
    rc = om_diag_fail(d, OM_EMANIFEST, "unknown CRS '%s': %s", def, proj_reason(c));
    goto fail;
  }
  make_label(c);
  if (detect_wgs84(c, &c->wgs84) != 0) {
    rc = om_diag_fail(d, OM_EDEP, "cannot create WGS 84: %s", proj_reason(c));
    goto fail;
  }
  if (c->wgs84) {
    *out = c;
    return 0;
  }

  if (!read_area(c, c->src))
    identify_area(c);

  PJ *dst = proj_create(c->ctx, "EPSG:4326");
  if (!dst) {
    rc = om_diag_fail(d, OM_EDEP, "cannot create WGS 84: %s", proj_reason(c));
    goto fail;
  }
  c->log[0] = '\0';
  PJ *op = proj_create_crs_to_crs_from_pj(c->ctx, c->src, dst, NULL, NULL);
  proj_destroy(dst);
  if (!op) {
    rc = om_diag_fail(d, OM_EMANIFEST, "no transformation from CRS '%s' to WGS 84: %s", def,
                      proj_reason(c));
    goto fail;
  }
  c->op = proj_normalize_for_visualization(c->ctx, op);
  proj_destroy(op);
  if (!c->op) {
    rc = om_diag_fail(d, OM_EDEP, "cannot set longitude/latitude order for CRS '%s': %s", def,
                      proj_reason(c));
    goto fail;
  }
  *out = c;
  return 0;

fail:
  om_crs_free(c);
  return rc;
}

void om_crs_free(struct om_crs *c)
{
  if (!c)
    return;
  proj_destroy(c->op);
  proj_destroy(c->src);
  proj_context_destroy(c->ctx);
  free(c);
}

bool om_crs_is_wgs84(const struct om_crs *c)
{
  return c->wgs84;
}

/* How many degrees lon lies outside [west, east] (which may cross 180°); 0 inside. */
static double lon_outside(double lon, double west, double east)
{
  double width = east - west;
  if (width < 0)
    width += 360;
  /* lon as an offset east of west, in [0, 360). */
  double off = fmod(lon - west, 360.0);
  if (off < 0)
    off += 360;
  if (off <= width)
    return 0;
  double past_east = off - width;
  double before_west = 360 - off;
  return past_east < before_west ? past_east : before_west;
}

static double lat_outside(double lat, double south, double north)
{
  return lat < south ? south - lat : lat > north ? lat - north : 0;
}

static void fmt_lon(char *buf, size_t size, double lon)
{
  snprintf(buf, size, "%.2f%s", fabs(lon), lon < 0 ? "W" : "E");
}

static void fmt_lat(char *buf, size_t size, double lat)
{
  snprintf(buf, size, "%.2f%s", fabs(lat), lat < 0 ? "S" : "N");
}

/* OM_REASON_OUTSIDE_CRS_AREA (with the detail) when a WGS 84 point lies beyond c's area of use. */
static enum om_reason area_check(const struct om_crs *c, double lon, double lat, char *detail,
                                 size_t detail_size)
{
  if (c->has_area && (lon_outside(lon, c->west, c->east) > OM_CRS_AREA_MARGIN ||
                      lat_outside(lat, c->south, c->north) > OM_CRS_AREA_MARGIN)) {
    char w[16], e[16], s[16], n[16], plon[16], plat[16];
    fmt_lon(w, sizeof w, c->west);
    fmt_lon(e, sizeof e, c->east);
    fmt_lat(s, sizeof s, c->south);
    fmt_lat(n, sizeof n, c->north);
    fmt_lon(plon, sizeof plon, lon);
    fmt_lat(plat, sizeof plat, lat);
    om_detail_set(detail, detail_size, "%s covers %s to %s, %s to %s; the point is at %s, %s",
                  c->label, w, e, s, n, plon, plat);
    return OM_REASON_OUTSIDE_CRS_AREA;
  }
  return OM_REASON_NONE;
}

/* Run c's operation in direction dir on (x, y) into out; OM_REASON_TRANSFORM_FAILED with the
 * detail when PROJ fails or gives no finite result. */
static enum om_reason transform(struct om_crs *c, PJ_DIRECTION dir, double x, double y,
                                PJ_COORD *out, char *detail, size_t detail_size)
{
  c->log[0] = '\0';
  proj_errno_reset(c->op);
  *out = proj_trans(c->op, dir, proj_coord(x, y, 0, 0));
  int err = proj_errno(c->op);
  if (err != 0 || !isfinite(out->xy.x) || !isfinite(out->xy.y) || out->xy.x == HUGE_VAL ||
      out->xy.y == HUGE_VAL) {
    const char *why = err != 0 ? proj_context_errno_string(c->ctx, err) : "no finite result";
    om_detail_set(detail, detail_size, "%s: %s", c->label, why ? why : "unknown error");
    proj_errno_reset(c->op);
    return OM_REASON_TRANSFORM_FAILED;
  }
  return OM_REASON_NONE;
}

/* Clear the detail; OM_REASON_NOT_FINITE (with the detail) when x or y is not finite. */
static enum om_reason finite_check(double x, double y, char *detail, size_t detail_size)
{
  om_detail_set(detail, detail_size, "%s", "");
  if (!isfinite(x) || !isfinite(y)) {
    om_detail_set(detail, detail_size, "%s is not finite", !isfinite(x) ? "x" : "y");
    return OM_REASON_NOT_FINITE;
  }
  return OM_REASON_NONE;
}

enum om_reason om_crs_to_wgs84(struct om_crs *c, double *x, double *y, char *detail,
                               size_t detail_size)
{
  enum om_reason r = finite_check(*x, *y, detail, detail_size);
  if (r != OM_REASON_NONE || c->wgs84)
    return r;
  PJ_COORD out;
  if ((r = transform(c, PJ_FWD, *x, *y, &out, detail, detail_size)) != OM_REASON_NONE)
    return r;
  double lon = out.xy.x, lat = out.xy.y;
  if ((r = area_check(c, lon, lat, detail, detail_size)) != OM_REASON_NONE)
    return r;
  *x = lon;
  *y = lat;
  return OM_REASON_NONE;
}

enum om_reason om_crs_from_wgs84(struct om_crs *c, double *x, double *y, char *detail,
                                 size_t detail_size)
{
  enum om_reason r = finite_check(*x, *y, detail, detail_size);
  if (r != OM_REASON_NONE || c->wgs84)
    return r;
  if ((r = area_check(c, *x, *y, detail, detail_size)) != OM_REASON_NONE)
    return r;
  PJ_COORD out;
  if ((r = transform(c, PJ_INV, *x, *y, &out, detail, detail_size)) != OM_REASON_NONE)
    return r;
  *x = out.xy.x;
  *y = out.xy.y;
  return OM_REASON_NONE;
}

/*
 * GDAL writes a GeoPackage's CRS as WKT 1 (GDAL flavour) with its EPSG
 * identifier; readers that predate WKT 2 expect that.  A CRS that WKT 1
 * cannot describe gets WKT 2:2019 instead.
 */
int om_crs_srs_get(struct om_crs_srs *out, struct om_crs *c, struct om_diag *d)
{
  memset(out, 0, sizeof *out);
  const char *auth = proj_get_id_auth_name(c->src, 0);
  const char *code = proj_get_id_code(c->src, 0);
  char *end = NULL;
  long id = code ? strtol(code, &end, 10) : -1;
  if (auth && code && *code && end && !*end && id >= 0) {
    snprintf(out->organization, sizeof out->organization, "%s", auth);
    out->organization_id = id;
  } else {
    snprintf(out->organization, sizeof out->organization, "NONE");
    out->organization_id = -1;
  }
  const char *name = proj_get_name(c->src);
  snprintf(out->name, sizeof out->name, "%s", name && *name ? name : "unnamed");
  const char *wkt = proj_as_wkt(c->ctx, c->src, PJ_WKT1_GDAL, NULL);
  if (!wkt)
    wkt = proj_as_wkt(c->ctx, c->src, PJ_WKT2_2019, NULL);
  if (!wkt)
    return om_diag_fail(d, OM_EDEP, "cannot describe CRS '%s' as WKT: %s", c->label,
                        proj_reason(c));
  out->definition = strdup(wkt);
  if (!out->definition)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  return 0;
}

void om_crs_srs_release(struct om_crs_srs *s)
{
  free(s->definition);
  s->definition = NULL;
}
