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
#include <stdlib.h>

#include "crs/geodesic.h"
#include "geom/buffer.h"
#include "geom/geom.h"

#define PI 3.14159265358979323846

/* Mean radius of WGS 84 in km, for the bound on the projection's stretch. */
#define MEAN_RADIUS_KM 6371.0088

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
  if (rc != 0)
    goto done;
  why = om_wkb_map_coords(buffered, buffered_len, unproject, p);
  if (why != OM_REASON_NONE) {
    rc = om_diag_fail(d, (int)why, "cannot project the buffer back to longitude/latitude");
    goto done;
  }
  rc = om_geodesic_rfc7946(out, out_len, buffered, buffered_len, d);

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
