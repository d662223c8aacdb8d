/*
 * Buffers in kilometres (see buffer.h): geodesic circles for points, a
 * local azimuthal equidistant projection for everything else.
 *
 * The projection is centred on the mean of the geometry's vertices taken
 * as unit vectors, not on the middle of its envelope: a geometry cut at
 * the antimeridian has an envelope from -180 to 180 whose middle is on the
 * far side of the earth, and near a pole the envelope's middle can lie
 * far from the geometry.  The mean vector has neither problem.
 */
#include "ops/buffer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "crs/geodesic.h"
#include "geom/buffer.h"
#include "geom/geom.h"

#define PI 3.14159265358979323846

/* Nearer a pole than this, a buffer gets more vertices (densify_near_poles). */
#define NEAR_POLE_M 1000e3

/* Sum of the vertices as unit vectors. */
struct centre {
  double x, y, z; /* sums */
};

static enum om_reason add_to_centre(void *ctx, double *lon, double *lat)
{
  struct centre *c = ctx;
  if (!isfinite(*lon) || !isfinite(*lat))
    return OM_REASON_NOT_FINITE;
  if (fabs(*lat) > 90)
    return OM_REASON_LAT_RANGE;
  double phi = *lat * PI / 180, lambda = *lon * PI / 180;
  c->x += cos(phi) * cos(lambda);
  c->y += cos(phi) * sin(lambda);
  c->z += sin(phi);
  return OM_REASON_NONE;
}

/* Projecting vertices to the plane, and how far the farthest is from the centre. */
struct to_plane {
  const struct om_aeqd *p; /* the projection */
  double rho_max;          /* metres */
};

static enum om_reason project(void *ctx, double *x, double *y)
{
  struct to_plane *t = ctx;
  enum om_reason why = om_aeqd_forward(t->p, x, y);
  if (why == OM_REASON_NONE)
    t->rho_max = fmax(t->rho_max, hypot(*x, *y));
  return why;
}

static enum om_reason unproject(void *ctx, double *x, double *y)
{
  return om_aeqd_inverse(ctx, x, y);
}

/* How close a planar geometry comes to the poles' images. */
struct near_pole {
  double pole[2][2]; /* x, y of the north and south pole in the plane */
  double min;        /* least distance of a vertex to either, metres */
};

static enum om_reason pole_distance(void *ctx, double *x, double *y)
{
  struct near_pole *n = ctx;
  for (int i = 0; i < 2; i++)
    n->min = fmin(n->min, hypot(*x - n->pole[i][0], *y - n->pole[i][1]));
  return OM_REASON_NONE;
}

/*
 * Add vertices to a planar buffer that passes delta metres from a pole,
 * so that no edge is longer than delta/10 and none turns through more than
 * about 6 degrees of longitude there.  Near a pole, longitude changes fast
 * along an edge, and the straight edge between two vertices in
 * longitude/latitude strays from the image of the straight edge in the
 * plane, by about L^2 / (8 delta) for an edge of length L: enough, for the
 * 100 km edges of a large buffer's arcs, for neighbouring edges to cross.
 * A buffer 1,000 km or more from both poles keeps its vertices as they are.
 */
static int densify_near_poles(unsigned char **wkb, size_t *len, const struct om_aeqd *p,
                              struct om_diag *d)
{
  struct near_pole n = {.min = INFINITY};
  for (int i = 0; i < 2; i++) {
    n.pole[i][0] = 0;
    n.pole[i][1] = i == 0 ? 90 : -90;
    if (om_aeqd_forward(p, &n.pole[i][0], &n.pole[i][1]) != OM_REASON_NONE)
      return om_diag_fail(d, OM_EDEP, "cannot project a pole to the plane");
  }
  if (om_wkb_map_coords(*wkb, *len, pole_distance, &n) != OM_REASON_NONE)
    return om_diag_fail(d, OM_EDEP, "GEOS wrote malformed WKB");
  if (n.min >= NEAR_POLE_M)
    return 0;
  unsigned char *dense = NULL;
  size_t dense_len = 0;
  int rc = om_geom_densify_planar(&dense, &dense_len, *wkb, *len, fmax(n.min / 10, 100), d);
  if (rc != 0)
    return rc;
  free(*wkb);
  *wkb = dense;
  *len = dense_len;
  return 0;
}

/* Buffer a geometry other than a point through a local projection. */
static int buffer_projected(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                            size_t wkb_len, double radius_km, struct om_diag *d)
{
  unsigned char *dense = NULL, *buffered = NULL;
  size_t dense_len = 0, buffered_len = 0;
  struct om_aeqd *p = NULL;
  enum om_reason why;

  int rc = om_geom_densify_planar(&dense, &dense_len, wkb, wkb_len, OM_BUFFER_DENSIFY_DEG, d);
  if (rc != 0)
    goto done;

  struct centre c = {0, 0, 0};
  why = om_wkb_map_coords(dense, dense_len, add_to_centre, &c);
  if (why != OM_REASON_NONE) {
    rc = om_diag_fail(d, (int)why, "a vertex is not a longitude/latitude pair");
    goto done;
  }
  double norm = sqrt(c.x * c.x + c.y * c.y + c.z * c.z);
  if (!(norm > 1e-9)) {
    rc = om_diag_fail(d, OM_REASON_GEOMETRY_INVALID,
                      "the geometry is spread round the globe: it has no centre to buffer from");
    goto done;
  }
  double lon0 = atan2(c.y, c.x) * 180 / PI;
  double lat0 = asin(fmax(-1, fmin(1, c.z / norm))) * 180 / PI;
  rc = om_aeqd_new(&p, lon0, lat0, d);
  if (rc != 0)
    goto done;

  struct to_plane t = {p, 0};
  why = om_wkb_map_coords(dense, dense_len, project, &t);
  if (why != OM_REASON_NONE) {
    rc = om_diag_fail(d, (int)why, "cannot project a vertex to the plane");
    goto done;
  }
  double reach_km = t.rho_max / 1000 + fmax(radius_km, 0);
  if (reach_km > OM_BUFFER_MAX_EXTENT_KM) {
    rc = om_diag_fail(d, OM_REASON_GEOMETRY_INVALID,
                      "the buffer would reach %.0f km from the geometry's centre "
                      "(%.4f, %.4f), more than the %.0f km one projection keeps right",
                      reach_km, lon0, lat0, OM_BUFFER_MAX_EXTENT_KM);
    goto done;
  }

  rc = om_geom_buffer_planar(&buffered, &buffered_len, dense, dense_len, radius_km * 1000,
                             OM_BUFFER_QUADSEGS, d);
  if (rc == 0)
    rc = densify_near_poles(&buffered, &buffered_len, p, d);
  if (rc != 0)
    goto done;
  why = om_wkb_map_coords(buffered, buffered_len, unproject, p);
  if (why != OM_REASON_NONE) {
    rc = om_diag_fail(d, (int)why, "cannot project the buffer back to longitude/latitude");
    goto done;
  }
  rc = om_geodesic_rfc7946(out, out_len, buffered, buffered_len, d);
  if (rc == OM_EDEP) {
    /* GEOS has already run for this call: what fails now is this geometry. */
    char why_geos[sizeof d->msg];
    snprintf(why_geos, sizeof why_geos, "%s", d->msg);
    rc = om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "%s", why_geos);
  }

done:
  om_aeqd_free(p);
  free(buffered);
  free(dense);
  return rc;
}

int om_buffer_km(unsigned char **out, size_t *out_len, const unsigned char *wkb, size_t wkb_len,
                 double radius_km, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  int type = om_wkb_type(wkb, wkb_len);
  if (type == 0)
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "malformed WKB");
  if (!isfinite(radius_km))
    return om_diag_fail(d, OM_REASON_NOT_FINITE, "the buffer radius is not a finite number");
  double env[4];
  if (om_wkb_envelope(wkb, wkb_len, env) < 0)
    return om_diag_fail(d, OM_REASON_GEOMETRY_EMPTY, "the geometry is empty");
  if (type == OM_WKB_POINT)
    return om_geodesic_circle(out, out_len, env[0], env[1], radius_km,
                              4 * OM_BUFFER_QUADSEGS, d);
  return buffer_projected(out, out_len, wkb, wkb_len, radius_km, d);
}
