/*
 * A point guaranteed to lie inside a polygon (GEOS PointOnSurface), for
 * placing a country's representative point: a centroid can fall in the
 * sea for a crescent-shaped country or between islands.  Called a few
 * hundred times per gazetteer build, so a context per call is fine.
 */
#include <geos_c.h>
#include <stdio.h>

#include "geom/geom.h"

static void on_message(const char *message, void *userdata)
{
  char *buf = userdata;
  if (buf[0] == '\0')
    snprintf(buf, 256, "%s", message);
}

int om_geom_point_on_surface(double *x, double *y, const unsigned char *wkb, size_t len,
                             struct om_diag *d)
{
  char msg[256] = "";
  GEOSContextHandle_t h = GEOS_init_r();
  if (!h)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  GEOSContext_setErrorMessageHandler_r(h, on_message, msg);
  GEOSWKBReader *r = GEOSWKBReader_create_r(h);
  GEOSGeometry *g = r ? GEOSWKBReader_read_r(h, r, wkb, len) : NULL;
  GEOSGeometry *p = g ? GEOSPointOnSurface_r(h, g) : NULL;
  int rc = 0;
  if (!p || GEOSisEmpty_r(h, p) != 0 || GEOSGeomGetX_r(h, p, x) != 1 ||
      GEOSGeomGetY_r(h, p, y) != 1)
    rc = om_diag_fail(d, OM_EDEP, "no point on surface: %s", msg[0] ? msg : "empty geometry");
  if (p)
    GEOSGeom_destroy_r(h, p);
  if (g)
    GEOSGeom_destroy_r(h, g);
  if (r)
    GEOSWKBReader_destroy_r(h, r);
  GEOS_finish_r(h);
  return rc;
}
