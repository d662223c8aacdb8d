/*
 * Polygons for RFC 7946 when a ring winds round a pole (geodesic.h,
 * om_geodesic_rfc7946): such a ring is closed along the pole, and a band
 * between two such rings is made one ring, before the antimeridian cut
 * that om_geom_rfc7946 does for every polygon.
 */
#include "crs/geodesic.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic_internal.h"
#include "geom/geom.h"

/*
 * The longitude a ring gains when followed without jumps: a jump of more
 * than 180 degrees between neighbours is read as a crossing of the
 * antimeridian, as om_geom_rfc7946 reads it.  0 for an ordinary ring,
 * +-360 for one that winds round a pole (eastwards or westwards).
 */
static double ring_winding(const struct lonlat *v, size_t n)
{
  double total = 0;
  for (size_t i = 1; i < n; i++) {
    double dx = v[i].x - v[i - 1].x;
    if (fabs(dx) > 180)
      dx -= 360 * round(dx / 360);
    total += dx;
  }
  return 360 * round(total / 360);
}

/* Signed geodesic area of a ring in m^2, counter-clockwise positive, in (-E/2, E/2]. */
double om_gd_ring_signed_area(const struct lonlat *v, size_t n)
{
  struct geod_polygon p;
  geod_polygon_init(&p, 0);
  if (n > 1 && v[0].x == v[n - 1].x && v[0].y == v[n - 1].y)
    n--; /* geod closes the ring itself */
  for (size_t i = 0; i < n; i++)
    geod_polygon_addpoint(om_gd_wgs84(), &p, v[i].y, v[i].x);
  double a = 0;
  geod_polygon_compute(om_gd_wgs84(), &p, 0, 1, &a, NULL);
  return a;
}

static void reverse(struct lonlat *v, size_t from, size_t to)
{
  for (; from < to; from++, to--) {
    struct lonlat t = v[from];
    v[from] = v[to];
    v[to] = t;
  }
}

/* Make vertex j (0 < j < n - 1) the first of a closed ring of n vertices. */
static void rotate_ring(struct lonlat *v, size_t n, size_t j)
{
  reverse(v, 0, j - 1);
  reverse(v, j, n - 2);
  reverse(v, 0, n - 2);
  v[n - 1] = v[0];
}

/*
 * Start a closed ring at a vertex that the antimeridian does not part from
 * the one before it.  om_geom_rfc7946 unwraps a longitude by adding 360
 * and taking it off again, which is not exact in floating point: a ring
 * whose last edge crosses the antimeridian comes back one ulp short of
 * closed and GEOS refuses it.  Started elsewhere, its last vertex is read
 * as it is.  True when the ring was turned.
 */
static bool start_uncut(struct lonlat *v, size_t n)
{
  if (n < 4 || fabs(v[n - 1].x - v[n - 2].x) <= 180)
    return false;
  size_t j = 1;
  while (j < n - 1 && fabs(v[j].x - v[j - 1].x) > 180)
    j++;
  if (j == n - 1)
    return false;
  rotate_ring(v, n, j);
  return true;
}

/*
 * Write a closed ring of n vertices that gains 'winding' degrees of
 * longitude, closed along the pole it holds.  The pole on the left of an
 * eastward ring is the north one, and the left side is the inside when the
 * signed area is positive.  The ring is started at its vertex nearest that
 * pole, so that the meridian from there to the pole meets the ring nowhere
 * else; then come the ring, that meridian up to latitude +-90, the pole
 * back to where the ring started in steps of at most 90 degrees (so that
 * no step looks like a crossing of the antimeridian), and the meridian
 * down again.
 */
static void write_pole_ring(struct wbuf *b, struct lonlat *v, size_t n, double winding)
{
  double area = om_gd_ring_signed_area(v, n);
  double pole = (winding > 0) == (area > 0) ? 90 : -90;
  size_t top = 0;
  for (size_t i = 1; i < n - 1; i++)
    if (pole > 0 ? v[i].y > v[top].y : v[i].y < v[top].y)
      top = i;
  if (top > 0)
    rotate_ring(v, n, top);
  int steps = (int)ceil(fabs(winding) / 90);
  om_gd_wb_u32(b, (uint32_t)(n + (size_t)steps + 2));
  for (size_t i = 0; i < n; i++) {
    om_gd_wb_f64(b, v[i].x);
    om_gd_wb_f64(b, v[i].y);
  }
  double end = v[n - 1].x; /* the ring's end, 'winding' east of its start when unwrapped */
  for (int j = 0; j <= steps; j++) {
    om_gd_wb_f64(b, om_gd_wrap180(end - winding * j / steps));
    om_gd_wb_f64(b, pole);
  }
  om_gd_wb_f64(b, v[0].x);
  om_gd_wb_f64(b, v[0].y);
}

/* The vertex of a closed ring farthest south (the first of equals). */
static size_t lowest(const struct lonlat *v, size_t n)
{
  size_t j = 0;
  for (size_t i = 1; i + 1 < n; i++)
    if (v[i].y < v[j].y)
      j = i;
  return j;
}

/*
 * Where ring s meets the meridian x (in any of its turns) south of latitude
 * y0: the northernmost such point, as the edge s[*k]-s[*k+1] it lies on
 * and its latitude *y.  Edges that jump across +-180 are read as crossing
 * the antimeridian.  False when s does not meet that part of the meridian.
 */
static bool meridian_hit(const struct lonlat *s, size_t n, double x, double y0, size_t *k,
                         double *y)
{
  bool found = false;
  for (size_t i = 0; i + 1 < n; i++) {
    double x1 = s[i].x, y1 = s[i].y, dx = s[i + 1].x - x1, dy = s[i + 1].y - y1;
    if (fabs(dx) > 180)
      dx -= 360 * round(dx / 360);
    double xm = x + 360 * round((x1 + dx / 2 - x) / 360); /* the turn of x by this edge */
    if (xm < fmin(x1, x1 + dx) || xm > fmax(x1, x1 + dx))
      continue;
    double at = dx == 0 ? fmax(y1, y1 + dy) : y1 + dy * (xm - x1) / dx;
    if (at < y0 && (!found || at > *y)) {
      found = true;
      *k = i;
      *y = at;
    }
  }
  return found;
}

/*
 * Write the band between two closed rings that both wind once round a
 * pole as one ring that om_geom_rfc7946 can unwrap and cut.  Two such
 * rings part the globe into a cap round each pole and the band between
 * them, so the band is what a polygon made of them holds, whichever is its
 * exterior: Natural Earth's Antarctica, read from TopoJSON, is the band
 * between a ring along latitude -89.999 and its coast.  The ring with the
 * southernmost vertex is the southern one; from the northern ring's
 * southernmost vertex a meridian runs south to the first point of the
 * southern ring, meeting neither ring anywhere else.  The ring written
 * goes once round the northern ring, down that meridian, once round the
 * southern ring the other way and back up: unwrapped, the two runs of the
 * meridian lie 360 degrees apart, and the cut joins them again.
 */
static int write_band(struct wbuf *b, struct lonlat *a, size_t na, struct lonlat *c, size_t nc,
                      struct om_diag *d)
{
  size_t ja = lowest(a, na), jc = lowest(c, nc);
  bool a_north = a[ja].y > c[jc].y;
  struct lonlat *nv = a_north ? a : c, *sv = a_north ? c : a;
  size_t nn = a_north ? na : nc, ns = a_north ? nc : na, jn = a_north ? ja : jc, k = 0;
  double ys = 0;
  if (!meridian_hit(sv, ns, nv[jn].x, nv[jn].y, &k, &ys))
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID,
                        "a hole that winds round a pole crosses the exterior ring");
  if (jn > 0)
    rotate_ring(nv, nn, jn);
  bool backwards = ring_winding(nv, nn) == ring_winding(sv, ns);
  double xn = nv[0].x, yn = nv[0].y;
  om_gd_wb_u32(b, (uint32_t)(nn + ns + 2));
  for (size_t i = 0; i < nn; i++) {
    om_gd_wb_f64(b, nv[i].x);
    om_gd_wb_f64(b, nv[i].y);
  }
  om_gd_wb_f64(b, xn);
  om_gd_wb_f64(b, ys);
  for (size_t i = 1; i < ns; i++) {
    size_t j = backwards ? (k + ns - i) % (ns - 1) : (k + i) % (ns - 1);
    om_gd_wb_f64(b, sv[j].x);
    om_gd_wb_f64(b, sv[j].y);
  }
  om_gd_wb_f64(b, xn);
  om_gd_wb_f64(b, ys);
  om_gd_wb_f64(b, xn);
  om_gd_wb_f64(b, yn);
  return 0;
}

/* Copy the ring at r to b, started where om_geom_rfc7946 can read it back. */
static int copy_ring(struct rbuf *r, bool be, struct wbuf *b, struct pts *ring, bool *changed)
{
  if (om_gd_rb_seq(r, be, om_gd_rb_u32(r, be), ring) < 0)
    return OM_ENOMEM;
  if (start_uncut(ring->v, ring->n))
    *changed = true;
  om_gd_wb_seq(b, ring->v, ring->n);
  return 0;
}

/*
 * Copy one polygon from r to b: an exterior ring that winds round a pole is
 * closed along the pole; an exterior ring and one hole that both wind
 * round a pole become the band between them; the other rings are started
 * where om_geom_rfc7946 can read them back.
 */
static int copy_polygon(struct rbuf *r, bool be, struct wbuf *b, struct pts *ring,
                        struct pts *other, bool *changed, struct om_diag *d)
{
  uint32_t nrings = om_gd_rb_u32(r, be), winders = 0, second = 0;
  size_t first_pos = r->pos, second_pos = 0, end_pos;
  double winding0 = 0;
  for (uint32_t i = 0; i < nrings; i++) {
    size_t pos = r->pos;
    if (om_gd_rb_seq(r, be, om_gd_rb_u32(r, be), ring) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    double winding = ring->n >= 4 ? ring_winding(ring->v, ring->n) : 0;
    if (winding == 0 || !isfinite(winding)) /* om_geom_rfc7946 reports a NaN */
      continue;
    if (fabs(winding) > 360)
      return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "a ring winds %.0f times round a pole",
                          fabs(winding) / 360);
    if ((winders == 0 && i > 0) || winders == 2)
      return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "a hole winds round a pole");
    if (winders++ == 0)
      winding0 = winding;
    else
      second = i, second_pos = pos;
  }
  end_pos = r->pos;
  r->pos = first_pos;
  om_gd_wb_head(b, OM_WKB_POLYGON);
  om_gd_wb_u32(b, nrings - (winders == 2));
  for (uint32_t i = 0; i < nrings; i++) {
    if (winders == 2 && i == second) { /* already part of the band */
      uint32_t n = om_gd_rb_u32(r, be);
      r->pos += 16 * (size_t)n;
      continue;
    }
    if (winders == 0 || i > 0) {
      if (copy_ring(r, be, b, ring, changed) < 0)
        return om_diag_fail(d, OM_ENOMEM, "out of memory");
      continue;
    }
    if (om_gd_rb_seq(r, be, om_gd_rb_u32(r, be), other) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    *changed = true;
    if (winders == 1) {
      write_pole_ring(b, other->v, other->n, winding0);
      continue;
    }
    size_t next = r->pos;
    r->pos = second_pos;
    if (om_gd_rb_seq(r, be, om_gd_rb_u32(r, be), ring) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    int rc = write_band(b, other->v, other->n, ring->v, ring->n, d);
    if (rc != 0)
      return rc;
    r->pos = next;
  }
  r->pos = end_pos;
  return 0;
}

int om_geodesic_rfc7946(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                        size_t len, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  int type = om_wkb_type(wkb, len);
  if (type == 0)
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "malformed WKB");
  if (type != OM_WKB_POLYGON && type != OM_WKB_MULTIPOLYGON)
    return om_geom_rfc7946(out, out_len, wkb, len, d);

  struct rbuf r = {wkb, 0};
  struct wbuf b = {.p = NULL};
  struct pts ring = {.v = NULL}, other = {.v = NULL};
  bool be, changed = false;
  int rc = 0;
  om_gd_rb_head(&r, &be);
  if (type == OM_WKB_POLYGON) {
    rc = copy_polygon(&r, be, &b, &ring, &other, &changed, d);
  } else {
    uint32_t n = om_gd_rb_u32(&r, be);
    om_gd_wb_head(&b, OM_WKB_MULTIPOLYGON);
    om_gd_wb_u32(&b, n);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
      bool part_be;
      om_gd_rb_head(&r, &part_be);
      rc = copy_polygon(&r, part_be, &b, &ring, &other, &changed, d);
    }
  }
  if (rc == 0 && b.nomem)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0)
    rc = om_geom_rfc7946(out, out_len, changed ? b.p : wkb, changed ? b.len : len, d);
  free(ring.v);
  free(other.v);
  free(b.p);
  return rc;
}
