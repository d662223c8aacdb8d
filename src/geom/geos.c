/*
 * The functions of geom.h that need GEOS: parsing WKT, checking validity
 * and cutting geometries at the antimeridian.
 *
 * Each thread gets one GEOS context on first use, kept in thread-specific
 * storage and finished when the thread exits, so that a layer of a million
 * WKT records does not start GEOS a million times and threads never share
 * a context.  GEOS reports errors through a message handler; for the span
 * of one call the handler writes into that call's detail buffer, so the
 * message reaches the record being processed and nothing is printed or
 * kept in a global.
 */
#include "geom/geom.h"

#include <geos_c.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geom/geom_private.h"

#if GEOS_VERSION_MAJOR < 3 || (GEOS_VERSION_MAJOR == 3 && GEOS_VERSION_MINOR < 11)
#error "GEOS 3.11 or later is needed (ISO WKB flavour, GEOSGeom_transformXY_r)"
#endif

/* Where GEOS's error messages go during one call. */
struct geos_msg {
  char *buf;   /* the first message, NUL-terminated */
  size_t size; /* bytes in buf */
};

static void on_geos_message(const char *message, void *userdata)
{
  struct geos_msg *m = userdata;
  if (m && m->size > 0 && m->buf[0] == '\0')
    snprintf(m->buf, m->size, "%s", message);
}

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static int key_status;

static void finish_context(void *h) { GEOS_finish_r(h); }

static void make_key(void) { key_status = pthread_key_create(&key, finish_context); }

/* This thread's context with its messages going to m, or NULL. */
static GEOSContextHandle_t context_begin(struct geos_msg *m)
{
  if (m->size > 0)
    m->buf[0] = '\0';
  if (pthread_once(&key_once, make_key) != 0 || key_status != 0)
    return NULL;
  GEOSContextHandle_t h = pthread_getspecific(key);
  if (!h) {
    h = GEOS_init_r();
    if (!h)
      return NULL;
    if (pthread_setspecific(key, h) != 0) {
      GEOS_finish_r(h);
      return NULL;
    }
  }
  GEOSContext_setErrorMessageHandler_r(h, on_geos_message, m);
  return h;
}

/* context_begin for the om_reason functions: "cannot start GEOS" in detail when it fails. */
static GEOSContextHandle_t context_begin_detail(struct geos_msg *m, char *detail,
                                                size_t detail_size)
{
  GEOSContextHandle_t h = context_begin(m);
  if (!h)
    snprintf(detail, detail_size, "cannot start GEOS");
  return h;
}

/* Detach the handler from the caller's buffer, which is about to go. */
static void context_end(GEOSContextHandle_t h)
{
  GEOSContext_setErrorMessageHandler_r(h, on_geos_message, NULL);
}

/* Destroy the non-NULL geometries among n arguments (liblwgeom's GEOS_FREE). */
static void geos_destroy(GEOSContextHandle_t h, int n, ...)
{
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    GEOSGeometry *g = va_arg(ap, GEOSGeometry *);
    if (g)
      GEOSGeom_destroy_r(h, g);
  }
  va_end(ap);
}

#define GEOS_FREE(h, ...) \
  geos_destroy(h, (int)(sizeof((GEOSGeometry *[]){__VA_ARGS__}) / sizeof(GEOSGeometry *)), \
               __VA_ARGS__)
#define GEOS_FREE_AND_FAIL(h, ...) \
  do {                             \
    GEOS_FREE(h, __VA_ARGS__);     \
    goto fail;                     \
  } while (0)

/* A GEOS message without its exception class ("ParseException: ") and final newline. */
static const char *strip_class(char *msg)
{
  size_t n = strlen(msg);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    msg[--n] = '\0';
  const char *colon = strstr(msg, "Exception: ");
  return colon ? colon + strlen("Exception: ") : msg;
}

/*
 * Where the geometry of a WKT text ends: after the parenthesis that closes
 * the first one, or after EMPTY.  GEOS stops reading there and ignores the
 * rest, which would let "POINT (1 2) (3 4)" through.
 */
static const char *wkt_end(const char *wkt)
{
  int depth = 0;
  for (const char *p = wkt; *p; p++) {
    if (*p == '(') {
      depth++;
    } else if (*p == ')' && --depth <= 0) {
      return p + 1;
    } else if (depth == 0 && strncasecmp(p, "EMPTY", 5) == 0) {
      return p + 5;
    }
  }
  return wkt + strlen(wkt);
}

static enum om_reason check_finite(void *ctx, double *x, double *y)
{
  (void)ctx;
  return isfinite(*x) && isfinite(*y) ? OM_REASON_NONE : OM_REASON_NOT_FINITE;
}

int om_geos_write_wkb(GEOSContextHandle_t h, const GEOSGeometry *g, unsigned char **out,
                      size_t *out_len)
{
  GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
  if (!w)
    return -1;
  GEOSWKBWriter_setFlavor_r(h, w, GEOS_WKB_ISO);
  GEOSWKBWriter_setByteOrder_r(h, w, GEOS_WKB_NDR);
  GEOSWKBWriter_setOutputDimension_r(h, w, 2);
  GEOSWKBWriter_setIncludeSRID_r(h, w, 0);
  size_t size = 0;
  unsigned char *buf = GEOSWKBWriter_write_r(h, w, g, &size);
  GEOSWKBWriter_destroy_r(h, w);
  if (!buf)
    return -1;
  *out = malloc(size ? size : 1);
  if (*out) {
    memcpy(*out, buf, size);
    *out_len = size;
  }
  GEOSFree_r(h, buf);
  return *out ? 0 : -1;
}

/* Read WKB that om_wkb_type has accepted; NULL with the message in m. */
static GEOSGeometry *read_wkb(GEOSContextHandle_t h, const unsigned char *wkb, size_t len)
{
  GEOSWKBReader *r = GEOSWKBReader_create_r(h);
  if (!r)
    return NULL;
  GEOSGeometry *g = GEOSWKBReader_read_r(h, r, wkb, len);
  GEOSWKBReader_destroy_r(h, r);
  return g;
}

enum om_reason om_geom_from_wkt(unsigned char **out, size_t *out_len, const char *wkt,
                                char *detail, size_t detail_size)
{
  *out = NULL;
  *out_len = 0;
  if (!wkt)
    wkt = "";
  char msg[512];
  struct geos_msg m = {msg, sizeof msg};
  enum om_reason why = OM_REASON_WKT_INVALID;
  GEOSContextHandle_t h = context_begin_detail(&m, detail, detail_size);
  if (!h)
    return why;
  GEOSGeometry *g = NULL;
  GEOSWKTReader *r = GEOSWKTReader_create_r(h);
  if (r) {
    g = GEOSWKTReader_read_r(h, r, wkt);
    GEOSWKTReader_destroy_r(h, r);
  }
  if (!g) {
    snprintf(detail, detail_size, "%s", msg[0] ? strip_class(msg) : "cannot parse");
    goto done;
  }
  const char *rest = wkt_end(wkt);
  rest += strspn(rest, " \t\r\n");
  if (*rest) {
    snprintf(detail, detail_size, "unexpected text after the geometry: '%.40s'", rest);
    GEOS_FREE(h, g);
    goto done;
  }
  char empty = GEOSisEmpty_r(h, g);
  if (empty != 0) {
    why = empty == 1 ? OM_REASON_GEOMETRY_EMPTY : OM_REASON_WKT_INVALID;
    snprintf(detail, detail_size, "%s", empty == 1 ? "" : strip_class(msg));
    GEOS_FREE(h, g);
    goto done;
  }
  if (om_geos_write_wkb(h, g, out, out_len) < 0) {
    snprintf(detail, detail_size, "%s", msg[0] ? strip_class(msg) : "out of memory");
    GEOS_FREE(h, g);
    goto done;
  }
  GEOS_FREE(h, g);
  if (om_wkb_map_coords(*out, *out_len, check_finite, NULL) != OM_REASON_NONE) {
    snprintf(detail, detail_size, "a coordinate is not a finite number");
    free(*out);
    *out = NULL;
    *out_len = 0;
    goto done;
  }
  if (detail_size > 0)
    detail[0] = '\0';
  why = OM_REASON_NONE;
done:
  context_end(h);
  return why;
}

enum om_reason om_geom_check_valid(const unsigned char *wkb, size_t len, char *detail,
                                   size_t detail_size)
{
  if (detail_size > 0)
    detail[0] = '\0';
  if (om_wkb_type(wkb, len) == 0) {
    snprintf(detail, detail_size, "malformed WKB");
    return OM_REASON_GEOMETRY_INVALID;
  }
  char msg[512];
  struct geos_msg m = {msg, sizeof msg};
  GEOSContextHandle_t h = context_begin_detail(&m, detail, detail_size);
  if (!h)
    return OM_REASON_GEOMETRY_INVALID;
  enum om_reason why = OM_REASON_GEOMETRY_INVALID;
  GEOSGeometry *g = read_wkb(h, wkb, len);
  if (!g) {
    snprintf(detail, detail_size, "%s", msg[0] ? strip_class(msg) : "cannot read WKB");
    goto done;
  }
  char *reason = NULL;
  GEOSGeometry *where = NULL;
  char valid = GEOSisValidDetail_r(h, g, 0, &reason, &where);
  if (valid == 1) {
    why = OM_REASON_NONE;
  } else if (valid == 0) {
    double x, y;
    if (where && GEOSGeomGetX_r(h, where, &x) == 1 && GEOSGeomGetY_r(h, where, &y) == 1)
      snprintf(detail, detail_size, "%s at (%.15g, %.15g)", reason ? reason : "invalid", x, y);
    else
      snprintf(detail, detail_size, "%s", reason ? reason : "invalid");
  } else {
    snprintf(detail, detail_size, "cannot check validity: %s",
             msg[0] ? strip_class(msg) : "GEOS failed");
  }
  if (reason)
    GEOSFree_r(h, reason);
  GEOS_FREE(h, g, where);
done:
  context_end(h);
  return why;
}

/*
 * GEOS's default MakeValid ("linework"): it keeps every vertex and every
 * edge, so nothing the user drew disappears, at the price of changing
 * types (a bow-tie becomes a MultiPolygon, a polygon collapsed to a line
 * a LineString or MultiLineString).  The caller reports the change.
 */
enum om_reason om_geom_make_valid(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                                  size_t len, char *detail, size_t detail_size)
{
  *out = NULL;
  *out_len = 0;
  if (detail_size > 0)
    detail[0] = '\0';
  char msg[512];
  struct geos_msg m = {msg, sizeof msg};
  GEOSContextHandle_t h = context_begin_detail(&m, detail, detail_size);
  if (!h)
    return OM_REASON_GEOMETRY_INVALID;
  enum om_reason why = OM_REASON_GEOMETRY_INVALID;
  GEOSGeometry *g = read_wkb(h, wkb, len), *fixed = NULL;
  if (g)
    fixed = GEOSMakeValid_r(h, g);
  if (!fixed) {
    snprintf(detail, detail_size, "cannot repair: %s",
             msg[0] ? strip_class(msg) : "GEOS failed");
  } else if (GEOSisEmpty_r(h, fixed) == 1) {
    snprintf(detail, detail_size, "nothing is left once repaired");
    why = OM_REASON_GEOMETRY_EMPTY;
  } else if (om_geos_write_wkb(h, fixed, out, out_len) == 0) {
    why = OM_REASON_NONE;
  } else {
    snprintf(detail, detail_size, "cannot write the repaired geometry: %s",
             msg[0] ? strip_class(msg) : "GEOS failed");
  }
  GEOS_FREE(h, g, fixed);
  context_end(h);
  return why;
}

/* ---- Cutting at the antimeridian ------------------------------------- */

/* Turns of 360 degrees a geometry may span once unwrapped. */
#define MAX_TURNS 4

static int shift_x(double *x, double *y, void *userdata)
{
  (void)y;
  *x += *(const double *)userdata;
  return 1;
}

/* The pieces of the cut: geometries of one dimension, owned. */
struct pieces {
  GEOSGeometry **g; /* array, owned with its geometries */
  size_t n, cap;    /* used and allocated entries */
};

/* Add clones of the parts of g whose dimension is dim; 0 or -1. */
static int collect(GEOSContextHandle_t h, struct pieces *p, const GEOSGeometry *g, int dim)
{
  int type = GEOSGeomTypeId_r(h, g);
  if (type < 0)
    return -1;
  if (type >= GEOS_MULTIPOINT) {
    int n = GEOSGetNumGeometries_r(h, g);
    if (n < 0)
      return -1;
    for (int i = 0; i < n; i++) {
      const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
      if (!part || collect(h, p, part, dim) < 0)
        return -1;
    }
    return 0;
  }
  if (GEOSGeom_getDimensions_r(h, g) != dim || GEOSisEmpty_r(h, g) != 0)
    return 0;
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 8;
    GEOSGeometry **grown = realloc(p->g, cap * sizeof *grown);
    if (!grown)
      return -1;
    p->g = grown;
    p->cap = cap;
  }
  GEOSGeometry *clone = GEOSGeom_clone_r(h, g);
  if (!clone)
    return -1;
  p->g[p->n++] = clone;
  return 0;
}

/* The parts of g within the k-th copy of [-180, 180], moved back by k turns. */
static int cut_turn(GEOSContextHandle_t h, struct pieces *p, const GEOSGeometry *g, int dim,
                    int k, const double env[4])
{
  GEOSGeometry *box = NULL, *piece = NULL, *moved = NULL;
  double dx = -360.0 * k;
  box = GEOSGeom_createRectangle_r(h, -180 + 360.0 * k, env[1] - 1, 180 + 360.0 * k, env[3] + 1);
  if (!box)
    goto fail;
  piece = GEOSIntersection_r(h, g, box);
  if (!piece)
    GEOS_FREE_AND_FAIL(h, box);
  if (k != 0) {
    moved = GEOSGeom_transformXY_r(h, piece, shift_x, &dx);
    if (!moved)
      GEOS_FREE_AND_FAIL(h, box, piece);
  }
  if (collect(h, p, moved ? moved : piece, dim) < 0)
    GEOS_FREE_AND_FAIL(h, box, piece, moved);
  GEOS_FREE(h, box, piece, moved);
  return 0;
fail:
  return -1;
}

/*
 * One Multi* of the pieces, which it takes over.  Polygons are unioned so
 * that a part which only touched the antimeridian is not split from its
 * neighbour; lines are kept as cut.
 */
static GEOSGeometry *assemble(GEOSContextHandle_t h, struct pieces *p, int dim)
{
  int multi = dim == 2 ? GEOS_MULTIPOLYGON : GEOS_MULTILINESTRING;
  GEOSGeometry *all = GEOSGeom_createCollection_r(h, multi, p->g, (unsigned)p->n);
  if (!all)
    return NULL;
  p->n = 0; /* the collection owns them now */
  if (dim != 2)
    return all;
  GEOSGeometry *merged = GEOSUnaryUnion_r(h, all);
  GEOS_FREE(h, all);
  if (!merged || GEOSGeomTypeId_r(h, merged) == GEOS_MULTIPOLYGON)
    return merged;
  if (GEOSGeomTypeId_r(h, merged) != GEOS_POLYGON) {
    GEOS_FREE(h, merged);
    return NULL;
  }
  GEOSGeometry *one[1] = {merged};
  all = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, one, 1);
  if (!all)
    GEOS_FREE(h, merged);
  return all;
}

int om_geom_cut_antimeridian(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                             size_t len, const double env[4], struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  double lo = floor((env[0] + 180) / 360), hi = ceil((env[2] - 180) / 360);
  if (!(lo >= -MAX_TURNS && hi <= MAX_TURNS))
    return om_diag_fail(d, OM_EDEP, "cannot cut at the antimeridian: the geometry goes "
                                    "round the earth more than %d times", MAX_TURNS);
  char msg[512];
  struct geos_msg m = {msg, sizeof msg};
  GEOSContextHandle_t h = context_begin(&m);
  if (!h)
    return om_diag_fail(d, OM_EDEP, "cannot start GEOS");

  int rc = 0;
  struct pieces p = {.g = NULL};
  GEOSGeometry *g = read_wkb(h, wkb, len), *multi = NULL;
  int dim = g ? GEOSGeom_getDimensions_r(h, g) : -1;
  if (dim != 1 && dim != 2)
    goto fail;
  /* The turn holding the start first, then eastwards, then westwards. */
  for (int k = 0; k <= (int)hi; k++)
    if (k >= (int)lo && cut_turn(h, &p, g, dim, k, env) < 0)
      goto fail;
  for (int k = -1; k >= (int)lo; k--)
    if (k <= (int)hi && cut_turn(h, &p, g, dim, k, env) < 0)
      goto fail;
  if (p.n == 0)
    goto fail;
  multi = assemble(h, &p, dim);
  if (!multi || om_geos_write_wkb(h, multi, out, out_len) < 0)
    goto fail;
  goto done;
fail:
  rc = om_diag_fail(d, OM_EDEP, "cannot cut the geometry at the antimeridian: %s",
                    msg[0] ? strip_class(msg) : "GEOS failed");
done:
  for (size_t i = 0; i < p.n; i++)
    GEOSGeom_destroy_r(h, p.g[i]);
  free(p.g);
  GEOS_FREE(h, g, multi);
  context_end(h);
  return rc;
}
