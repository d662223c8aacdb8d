/*
 * Planar buffer and densify over WKB with GEOS (see buffer.h).
 *
 * As in geos.c, each thread gets one GEOS context on first use, kept in
 * thread-specific storage and finished when the thread exits, and for the
 * span of one call GEOS's error handler writes into that call's buffer, so
 * a message reaches the caller's om_diag and nothing is printed or kept in
 * a global.
 */
#include "geom/buffer.h"

#include <geos_c.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geom/geom.h"
#include "geom/geom_private.h"

/* Where GEOS's first error message of a call goes. */
struct geos_msg {
  char text[512]; /* NUL-terminated, "" when GEOS said nothing */
};

static void on_geos_message(const char *message, void *userdata)
{
  struct geos_msg *m = userdata;
  if (m && m->text[0] == '\0')
    snprintf(m->text, sizeof m->text, "%s", message);
}

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static int key_status;

static void finish_context(void *h) { GEOS_finish_r(h); }

static void make_key(void) { key_status = pthread_key_create(&key, finish_context); }

/* This thread's context with its messages going to m, or NULL. */
static GEOSContextHandle_t context_begin(struct geos_msg *m)
{
  m->text[0] = '\0';
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

/* Detach the handler from the caller's buffer, which is about to go. */
static void context_end(GEOSContextHandle_t h)
{
  GEOSContext_setErrorMessageHandler_r(h, on_geos_message, NULL);
}

/* GEOS's message without its exception class ("TopologyException: ") and final newline. */
static const char *geos_reason(struct geos_msg *m)
{
  size_t n = strlen(m->text);
  while (n > 0 && (m->text[n - 1] == '\n' || m->text[n - 1] == ' '))
    m->text[--n] = '\0';
  if (n == 0)
    return "GEOS failed";
  const char *colon = strstr(m->text, "Exception: ");
  return colon ? colon + strlen("Exception: ") : m->text;
}


/* The planar operations this file runs. */
enum op { OP_BUFFER, OP_DENSIFY };

/* Arguments of an operation. */
struct op_args {
  enum op op;         /* which */
  const char *verb;   /* "buffer", for messages */
  const char *gerund; /* "buffering" */
  double distance;    /* buffer distance or longest edge */
  int quadsegs;       /* segments per quarter circle (buffer) */
};

/*
 * Buffer g; a Polygon or MultiPolygon is first dissolved: buffered by a
 * ten-millionth of its extent, which merges parts that touch along an edge
 * or nearly do and closes zero-width slits.  Both come from reprojection
 * rather than from the data: the two pieces of a polygon cut at the
 * antimeridian touch along the cut (up to rounding, once projected), and a
 * polygon round a pole runs up and down the same meridian.  Buffered apart,
 * such parts would shrink away from each other under a negative distance,
 * and a slit leaves collapsed holes in GEOS's result.  The dissolve moves
 * the outline out by 1e-7 of the extent: a centimetre on 100 km.
 */
static GEOSGeometry *dissolve_and_buffer(GEOSContextHandle_t h, const GEOSGeometry *g,
                                         const struct op_args *a)
{
  int type = GEOSGeomTypeId_r(h, g);
  if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON)
    return GEOSBuffer_r(h, g, a->distance, a->quadsegs);
  double xmin, ymin, xmax, ymax;
  if (GEOSGeom_getExtent_r(h, g, &xmin, &ymin, &xmax, &ymax) != 1)
    return NULL;
  double eps = 1e-7 * fmax(xmax - xmin, ymax - ymin);
  GEOSGeometry *whole = GEOSBuffer_r(h, g, eps, a->quadsegs);
  if (!whole)
    return NULL;
  GEOSGeometry *res = GEOSBuffer_r(h, whole, a->distance, a->quadsegs);
  GEOSGeom_destroy_r(h, whole);
  return res;
}

static GEOSGeometry *apply(GEOSContextHandle_t h, const GEOSGeometry *g, const struct op_args *a)
{
  switch (a->op) {
  case OP_BUFFER:
    return dissolve_and_buffer(h, g, a);
  case OP_DENSIFY:
    return GEOSDensify_r(h, g, a->distance);
  }
  return NULL;
}

/* Read wkb, apply the operation, write the result; the contract of buffer.h. */
static int run(unsigned char **out, size_t *out_len, const unsigned char *wkb, size_t len,
               const struct op_args *a, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  if (om_wkb_type(wkb, len) == 0)
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "malformed WKB");
  struct geos_msg m;
  GEOSContextHandle_t h = context_begin(&m);
  if (!h)
    return om_diag_fail(d, OM_EDEP, "cannot start GEOS");

  int rc = 0;
  GEOSGeometry *g = NULL, *res = NULL;
  GEOSWKBReader *r = GEOSWKBReader_create_r(h);
  if (r) {
    g = GEOSWKBReader_read_r(h, r, wkb, len);
    GEOSWKBReader_destroy_r(h, r);
  }
  if (!g) {
    rc = om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "GEOS cannot read the geometry: %s",
                      geos_reason(&m));
    goto done;
  }
  res = apply(h, g, a);
  if (!res) {
    rc = om_diag_fail(d, OM_EDEP, "cannot %s the geometry: %s", a->verb, geos_reason(&m));
    goto done;
  }
  char empty = GEOSisEmpty_r(h, res);
  if (empty == 2) {
    rc = om_diag_fail(d, OM_EDEP, "cannot %s the geometry: %s", a->verb, geos_reason(&m));
    goto done;
  }
  if (empty == 1) {
    rc = om_diag_fail(d, OM_REASON_GEOMETRY_EMPTY, "%s gives an empty geometry", a->gerund);
    goto done;
  }
  if (om_geos_write_wkb(h, res, out, out_len) < 0)
    rc = m.text[0] ? om_diag_fail(d, OM_EDEP, "cannot write WKB: %s", geos_reason(&m))
                   : om_diag_fail(d, OM_ENOMEM, "out of memory");
done:
  if (res)
    GEOSGeom_destroy_r(h, res);
  if (g)
    GEOSGeom_destroy_r(h, g);
  context_end(h);
  return rc;
}

int om_geom_buffer_planar(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                          size_t len, double distance, int quadsegs, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  if (!isfinite(distance))
    return om_diag_fail(d, OM_REASON_NOT_FINITE, "the buffer distance is not a finite number");
  if (quadsegs < 1 || quadsegs > 1000)
    return om_diag_fail(d, OM_EUSAGE, "a buffer needs 1 to 1000 segments per quarter circle, "
                                      "not %d", quadsegs);
  struct op_args a = {OP_BUFFER, "buffer", "buffering", distance, quadsegs};
  return run(out, out_len, wkb, len, &a, d);
}

int om_geom_densify_planar(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                           size_t len, double max_segment, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  if (!(max_segment > 0) || !isfinite(max_segment))
    return om_diag_fail(d, OM_EUSAGE, "the longest edge must be a positive number, not %g",
                        max_segment);
  struct op_args a = {OP_DENSIFY, "densify", "densifying", max_segment, 0};
  return run(out, out_len, wkb, len, &a, d);
}

