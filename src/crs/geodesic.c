/*
 * Geodesic distances, lines, circles and areas on WGS 84 (see geodesic.h).
 *
 * Everything here is a thin layer over Karney's algorithms as PROJ ships
 * them (geod_inverse, geod_direct, geod_inverseline, geod_polygon_*), which
 * are exact to rounding for any pair of points, antipodal ones included.
 * What this file adds is the longitude/latitude bookkeeping that turns a
 * curve on the ellipsoid into WKB a map can draw: a line is cut where the
 * geodesic itself crosses the antimeridian, so both parts meet at one
 * latitude; a ring round a pole is closed along the pole before it is cut.
 *
 * The ellipsoid object is set up once per process and only read after
 * that, so every function may run on any thread.
 */
#include "crs/geodesic.h"

#include <geodesic.h> /* PROJ's: <> does not look in src/crs, where this one is */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "geom/geom.h"

#ifndef GEODESIC_VERSION_MAJOR
#error "<geodesic.h> must be PROJ's geodesic header"
#endif

#define PI 3.14159265358979323846
#define WGS84_A 6378137.0
#define WGS84_F (1 / 298.257223563)

/* Half a meridian of WGS 84 in metres: the farthest any point is from the centre of an aeqd. */
#define HALF_MERIDIAN_M 20003931.4586

/* Parts a cut line may have; a geodesic spans less than 360 degrees of longitude. */
#define MAX_LINE_PARTS 4

static struct geod_geodesic wgs84_geod;
static once_flag wgs84_once = ONCE_FLAG_INIT;

static void wgs84_init(void)
{
  geod_init(&wgs84_geod, WGS84_A, WGS84_F);
}

static const struct geod_geodesic *wgs84(void)
{
  call_once(&wgs84_once, wgs84_init);
  return &wgs84_geod;
}

/* x in [-180, 180]; +-180 keep their sign. */
static double wrap180(double x)
{
  return remainder(x, 360.0);
}

/* 0, or a positive reason for a point that is not a longitude/latitude pair. */
static int check_lonlat(double lon, double lat, const char *what, struct om_diag *d)
{
  if (!isfinite(lon) || !isfinite(lat))
    return om_diag_fail(d, OM_REASON_NOT_FINITE, "the %s is not a finite point", what);
  if (lat < -90 || lat > 90)
    return om_diag_fail(d, OM_REASON_LAT_RANGE, "the %s's latitude %.15g is outside [-90, 90]",
                        what, lat);
  return 0;
}

double om_geodesic_distance_km(double lon1, double lat1, double lon2, double lat2)
{
  if (!isfinite(lon1) || !isfinite(lat1) || !isfinite(lon2) || !isfinite(lat2) ||
      fabs(lat1) > 90 || fabs(lat2) > 90)
    return NAN;
  double s12 = 0;
  geod_inverse(wgs84(), lat1, lon1, lat2, lon2, &s12, NULL, NULL);
  return s12 / 1000;
}

/* ---- Vertices and WKB ----------------------------------------------------- */

struct lonlat {
  double x, y; /* longitude, latitude in degrees */
};

/* A growing array of vertices. */
struct pts {
  struct lonlat *v; /* owned */
  size_t n, cap;    /* used, allocated */
};

static int pts_push(struct pts *p, double x, double y)
{
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 64;
    struct lonlat *grown = realloc(p->v, cap * sizeof *grown);
    if (!grown)
      return OM_ENOMEM;
    p->v = grown;
    p->cap = cap;
  }
  p->v[p->n++] = (struct lonlat){x, y};
  return 0;
}

/* A growing little-endian WKB blob; nomem is sticky, so writers check once at the end. */
struct wbuf {
  unsigned char *p; /* owned */
  size_t len, cap;  /* used, allocated */
  bool nomem;       /* an append failed */
};

static void wb_put(struct wbuf *b, const unsigned char *src, size_t n)
{
  if (b->nomem)
    return;
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n)
      cap *= 2;
    unsigned char *grown = realloc(b->p, cap);
    if (!grown) {
      b->nomem = true;
      return;
    }
    b->p = grown;
    b->cap = cap;
  }
  memcpy(b->p + b->len, src, n);
  b->len += n;
}

static void wb_u32(struct wbuf *b, uint32_t v)
{
  unsigned char q[4];
  for (int i = 0; i < 4; i++)
    q[i] = (unsigned char)(v >> (8 * i));
  wb_put(b, q, 4);
}

static void wb_f64(struct wbuf *b, double v)
{
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  unsigned char q[8];
  for (int i = 0; i < 8; i++)
    q[i] = (unsigned char)(u >> (8 * i));
  wb_put(b, q, 8);
}

static void wb_head(struct wbuf *b, uint32_t type)
{
  unsigned char order = 1;
  wb_put(b, &order, 1);
  wb_u32(b, type);
}

static void wb_seq(struct wbuf *b, const struct lonlat *v, size_t n)
{
  wb_u32(b, (uint32_t)n);
  for (size_t i = 0; i < n; i++) {
    wb_f64(b, v[i].x);
    wb_f64(b, v[i].y);
  }
}

/* A reader over WKB that om_wkb_type has accepted (so no bounds checks), either byte order. */
struct rbuf {
  const unsigned char *p; /* the blob */
  size_t pos;             /* the next byte */
};

static uint32_t rb_u32(struct rbuf *r, bool be)
{
  const unsigned char *q = r->p + r->pos;
  r->pos += 4;
  if (be)
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
  return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
}

static double rb_f64(struct rbuf *r, bool be)
{
  uint64_t u = 0;
  for (int i = 0; i < 8; i++)
    u |= (uint64_t)r->p[r->pos + (be ? 7 - i : i)] << (8 * i);
  r->pos += 8;
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* The byte order and type of the geometry at r->pos, which it passes. */
static uint32_t rb_head(struct rbuf *r, bool *be)
{
  *be = r->p[r->pos++] == 0;
  return rb_u32(r, *be);
}

/* Read a coordinate sequence (after its count) into p, replacing its contents. */
static int rb_seq(struct rbuf *r, bool be, uint32_t n, struct pts *p)
{
  p->n = 0;
  for (uint32_t i = 0; i < n; i++) {
    double x = rb_f64(r, be), y = rb_f64(r, be);
    if (pts_push(p, x, y) < 0)
      return OM_ENOMEM;
  }
  return 0;
}

/* ---- Lines ------------------------------------------------------------------ */

/* A line under construction: vertices and where each part starts. */
struct line {
  struct pts pts;                   /* all vertices, part after part */
  size_t start[MAX_LINE_PARTS + 1]; /* first vertex of each part; start[nparts] = pts.n */
  int nparts;                       /* parts begun */
};

/* Append a vertex to the current part unless it repeats the last one. */
static int line_push(struct line *l, double x, double y)
{
  if (l->pts.n > l->start[l->nparts - 1]) {
    const struct lonlat *last = &l->pts.v[l->pts.n - 1];
    if (last->x == x && last->y == y)
      return 0;
  }
  return pts_push(&l->pts, x, y);
}

/* Begin a new part, dropping the current one if it has fewer than two vertices. */
static int line_new_part(struct line *l)
{
  if (l->pts.n - l->start[l->nparts - 1] < 2)
    l->pts.n = l->start[l->nparts - 1];
  else if (l->nparts == MAX_LINE_PARTS)
    return -1;
  else
    l->start[l->nparts++] = l->pts.n;
  return 0;
}

/* The line as a LineString or MultiLineString. */
static int line_write(struct line *l, unsigned char **out, size_t *out_len, struct om_diag *d)
{
  if (l->pts.n - l->start[l->nparts - 1] < 2)
    l->pts.n = l->start[--l->nparts];
  if (l->nparts == 0)
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "the line has no length");
  l->start[l->nparts] = l->pts.n;
  struct wbuf b = {.p = NULL};
  if (l->nparts > 1) {
    wb_head(&b, OM_WKB_MULTILINESTRING);
    wb_u32(&b, (uint32_t)l->nparts);
  }
  for (int i = 0; i < l->nparts; i++) {
    wb_head(&b, OM_WKB_LINESTRING);
    wb_seq(&b, l->pts.v + l->start[i], l->start[i + 1] - l->start[i]);
  }
  if (b.nomem) {
    free(b.p);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  *out = b.p;
  *out_len = b.len;
  return 0;
}

/* Latitude and unrolled longitude at distance s along l. */
static void position(const struct geod_geodesicline *l, double s, double *lat, double *u)
{
  geod_genposition(l, GEOD_LONG_UNROLL, s, lat, u, NULL, NULL, NULL, NULL, NULL, NULL);
}

/*
 * Where between distances lo and hi the unrolled longitude reaches b, by
 * bisection (longitude is monotonic along a geodesic that is not a
 * meridian); returns the latitude there.
 */
static double crossing_lat(const struct geod_geodesicline *l, double lo, double hi, double b,
                           bool east)
{
  double lat = 0, u;
  for (int i = 0; i < 200 && hi - lo > 1e-9; i++) {
    double mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi)
      break; /* as close as doubles get */
    position(l, mid, &lat, &u);
    if (east ? u < b : u > b)
      lo = mid;
    else
      hi = mid;
  }
  position(l, (lo + hi) / 2, &lat, &u);
  return lat;
}

/*
 * A geodesic that is not a meridian, sampled every s13/nseg metres with
 * unrolled longitudes.  Each part keeps its longitudes within one turn
 * [-180 + 360k, 180 + 360k] and is written shifted by -360k; where the
 * samples leave the turn, the crossing is found on the geodesic itself and
 * both parts get it, at +180 and -180.
 */
static int sample_line(struct line *ln, const struct geod_geodesicline *l, double lon1,
                       double lat1, double lon2, double lat2, double nseg)
{
  double lat, u;
  position(l, 0, &lat, &u);
  double shift = wrap180(lon1) - u; /* unrolled longitudes start at lon1 as given */
  double prev_u = wrap180(lon1), prev_lat = lat1, prev_s = 0;
  int k = 0;
  if (line_push(ln, prev_u, lat1) < 0)
    return OM_ENOMEM;
  for (double i = 1; i <= nseg; i++) {
    double s = i == nseg ? l->s13 : l->s13 * (i / nseg);
    position(l, s, &lat, &u);
    u += shift;
    if (i == nseg) {
      lat = lat2;
      u += remainder(lon2 - u, 360.0); /* the given end, on the side the line arrives from */
    }
    double lo = prev_s;
    while (u > 180 + 360.0 * k || u < -180 + 360.0 * k) {
      bool east = u > 180 + 360.0 * k;
      double b = east ? 180 + 360.0 * k : -180 + 360.0 * k;
      /* A vertex already on the antimeridian ends its part as it is (a start
       * there makes a part of one vertex, which line_new_part drops). */
      double at = prev_u == b ? prev_lat : crossing_lat(l, lo, s, b - shift, east);
      if (line_push(ln, east ? 180 : -180, at) < 0)
        return OM_ENOMEM;
      if (line_new_part(ln) < 0)
        return OM_EDEP;
      k += east ? 1 : -1;
      if (line_push(ln, east ? -180 : 180, at) < 0)
        return OM_ENOMEM;
    }
    double x = u - 360.0 * k;
    if (i == nseg) /* exactly as given; +-180 on the side the line arrives from */
      x = fabs(wrap180(lon2)) == 180 ? copysign(180, x) : wrap180(lon2);
    if (line_push(ln, x, lat) < 0)
      return OM_ENOMEM;
    prev_u = u, prev_lat = lat, prev_s = s;
  }
  return 0;
}

/*
 * A geodesic along meridians: constant longitude, except that one between
 * opposite meridians passes a pole, where it gets two vertices, one on
 * each meridian.  Latitudes come from the geodesic.
 */
static int sample_meridian(struct line *ln, const struct geod_geodesicline *l, double lon1,
                           double lat1, double lon2, double lat2, double nseg)
{
  bool pole1 = fabs(lat1) == 90, pole2 = fabs(lat2) == 90;
  double dlon = remainder(lon2 - lon1, 360.0);
  double m1 = pole1 && !pole2 ? wrap180(lon2) : wrap180(lon1);
  double m2 = pole1 || pole2 || dlon == 0 ? m1 : wrap180(lon2);
  double s_pole = INFINITY, pole = 0;
  if (m2 != m1) {
    pole = cos(l->azi1 * PI / 180) > 0 ? 90 : -90;
    geod_inverse(wgs84(), lat1, lon1, pole, lon1, &s_pole, NULL, NULL);
  }
  if (line_push(ln, m1, lat1) < 0)
    return OM_ENOMEM;
  bool passed = false;
  for (double i = 1; i <= nseg; i++) {
    double s = i == nseg ? l->s13 : l->s13 * (i / nseg), lat, u;
    position(l, s, &lat, &u);
    if (i == nseg)
      lat = lat2;
    if (!passed && s >= s_pole) {
      if (line_push(ln, m1, pole) < 0 || line_push(ln, m2, pole) < 0)
        return OM_ENOMEM;
      passed = true;
    }
    if (line_push(ln, passed ? m2 : m1, lat) < 0)
      return OM_ENOMEM;
  }
  return 0;
}

int om_geodesic_line(unsigned char **out, size_t *out_len, double lon1, double lat1, double lon2,
                     double lat2, double step_km, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  int rc = check_lonlat(lon1, lat1, "start", d);
  if (rc == 0)
    rc = check_lonlat(lon2, lat2, "end", d);
  if (rc != 0)
    return rc;
  if (!(step_km > 0) || !isfinite(step_km))
    return om_diag_fail(d, OM_EUSAGE, "the step of a geodesic line must be a positive number "
                                      "of km, not %g", step_km);

  struct geod_geodesicline l;
  geod_inverseline(&l, wgs84(), lat1, lon1, lat2, lon2,
                   GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_DISTANCE_IN);
  if (!(l.s13 > 0))
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID,
                        "a line needs two distinct points; both ends are at %.9g, %.9g", lon1,
                        lat1);
  double nseg = ceil(l.s13 / (step_km * 1000));
  if (nseg + 3 > OM_GEODESIC_MAX_VERTICES)
    return om_diag_fail(d, OM_EUSAGE, "a step of %g km is too small: the %.0f km line would "
                                      "need more than %d vertices", step_km, l.s13 / 1000,
                        OM_GEODESIC_MAX_VERTICES);

  double dlon = remainder(lon2 - lon1, 360.0);
  bool meridian = fabs(lat1) == 90 || fabs(lat2) == 90 || dlon == 0 || fabs(dlon) == 180;
  struct line ln = {.nparts = 1};
  rc = meridian ? sample_meridian(&ln, &l, lon1, lat1, lon2, lat2, nseg)
                : sample_line(&ln, &l, lon1, lat1, lon2, lat2, nseg);
  if (rc == OM_ENOMEM)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  else if (rc != 0)
    rc = om_diag_fail(d, OM_EDEP, "the geodesic crosses the antimeridian more than %d times",
                      MAX_LINE_PARTS - 1);
  else
    rc = line_write(&ln, out, out_len, d);
  free(ln.pts.v);
  return rc;
}

/* ---- Rings round a pole ------------------------------------------------------ */

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
static double ring_signed_area(const struct lonlat *v, size_t n)
{
  struct geod_polygon p;
  geod_polygon_init(&p, 0);
  if (n > 1 && v[0].x == v[n - 1].x && v[0].y == v[n - 1].y)
    n--; /* geod closes the ring itself */
  for (size_t i = 0; i < n; i++)
    geod_polygon_addpoint(wgs84(), &p, v[i].y, v[i].x);
  double a = 0;
  geod_polygon_compute(wgs84(), &p, 0, 1, &a, NULL);
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
  double area = ring_signed_area(v, n);
  double pole = (winding > 0) == (area > 0) ? 90 : -90;
  size_t top = 0;
  for (size_t i = 1; i < n - 1; i++)
    if (pole > 0 ? v[i].y > v[top].y : v[i].y < v[top].y)
      top = i;
  if (top > 0)
    rotate_ring(v, n, top);
  int steps = (int)ceil(fabs(winding) / 90);
  wb_u32(b, (uint32_t)(n + (size_t)steps + 2));
  for (size_t i = 0; i < n; i++) {
    wb_f64(b, v[i].x);
    wb_f64(b, v[i].y);
  }
  double end = v[n - 1].x; /* the ring's end, 'winding' east of its start when unwrapped */
  for (int j = 0; j <= steps; j++) {
    wb_f64(b, wrap180(end - winding * j / steps));
    wb_f64(b, pole);
  }
  wb_f64(b, v[0].x);
  wb_f64(b, v[0].y);
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
  wb_u32(b, (uint32_t)(nn + ns + 2));
  for (size_t i = 0; i < nn; i++) {
    wb_f64(b, nv[i].x);
    wb_f64(b, nv[i].y);
  }
  wb_f64(b, xn);
  wb_f64(b, ys);
  for (size_t i = 1; i < ns; i++) {
    size_t j = backwards ? (k + ns - i) % (ns - 1) : (k + i) % (ns - 1);
    wb_f64(b, sv[j].x);
    wb_f64(b, sv[j].y);
  }
  wb_f64(b, xn);
  wb_f64(b, ys);
  wb_f64(b, xn);
  wb_f64(b, yn);
  return 0;
}

/* Copy the ring at r to b, started where om_geom_rfc7946 can read it back. */
static int copy_ring(struct rbuf *r, bool be, struct wbuf *b, struct pts *ring, bool *changed)
{
  if (rb_seq(r, be, rb_u32(r, be), ring) < 0)
    return OM_ENOMEM;
  if (start_uncut(ring->v, ring->n))
    *changed = true;
  wb_seq(b, ring->v, ring->n);
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
  uint32_t nrings = rb_u32(r, be), winders = 0, second = 0;
  size_t first_pos = r->pos, second_pos = 0, end_pos;
  double winding0 = 0;
  for (uint32_t i = 0; i < nrings; i++) {
    size_t pos = r->pos;
    if (rb_seq(r, be, rb_u32(r, be), ring) < 0)
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
  wb_head(b, OM_WKB_POLYGON);
  wb_u32(b, nrings - (winders == 2));
  for (uint32_t i = 0; i < nrings; i++) {
    if (winders == 2 && i == second) { /* already part of the band */
      uint32_t n = rb_u32(r, be);
      r->pos += 16 * (size_t)n;
      continue;
    }
    if (winders == 0 || i > 0) {
      if (copy_ring(r, be, b, ring, changed) < 0)
        return om_diag_fail(d, OM_ENOMEM, "out of memory");
      continue;
    }
    if (rb_seq(r, be, rb_u32(r, be), other) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    *changed = true;
    if (winders == 1) {
      write_pole_ring(b, other->v, other->n, winding0);
      continue;
    }
    size_t next = r->pos;
    r->pos = second_pos;
    if (rb_seq(r, be, rb_u32(r, be), ring) < 0)
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
  rb_head(&r, &be);
  if (type == OM_WKB_POLYGON) {
    rc = copy_polygon(&r, be, &b, &ring, &other, &changed, d);
  } else {
    uint32_t n = rb_u32(&r, be);
    wb_head(&b, OM_WKB_MULTIPOLYGON);
    wb_u32(&b, n);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
      bool part_be;
      rb_head(&r, &part_be);
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

/* ---- Circles ----------------------------------------------------------------- */

int om_geodesic_circle(unsigned char **out, size_t *out_len, double lon, double lat,
                       double radius_km, int n, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  int rc = check_lonlat(lon, lat, "centre", d);
  if (rc != 0)
    return rc;
  if (n < 3 || n > OM_GEODESIC_MAX_VERTICES)
    return om_diag_fail(d, OM_EUSAGE, "a circle needs between 3 and %d vertices, not %d",
                        OM_GEODESIC_MAX_VERTICES, n);
  if (!isfinite(radius_km))
    return om_diag_fail(d, OM_REASON_NOT_FINITE, "the radius is not a finite number");
  if (radius_km <= 0)
    return om_diag_fail(d, OM_REASON_GEOMETRY_EMPTY, "a circle of radius %g km is empty",
                        radius_km);
  if (radius_km > OM_GEODESIC_MAX_RADIUS_KM)
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID,
                        "a radius of %g km is more than the %.0f km a circle may have",
                        radius_km, OM_GEODESIC_MAX_RADIUS_KM);

  /* Clockwise from north; om_geodesic_rfc7946 turns it counter-clockwise. */
  struct wbuf b = {.p = NULL};
  wb_head(&b, OM_WKB_POLYGON);
  wb_u32(&b, 1);
  wb_u32(&b, (uint32_t)n + 1);
  double x0 = 0, y0 = 0;
  for (int i = 0; i < n; i++) {
    double y, x;
    geod_direct(wgs84(), lat, lon, 360.0 * i / n, radius_km * 1000, &y, &x, NULL);
    if (i == 0)
      x0 = x, y0 = y;
    wb_f64(&b, x);
    wb_f64(&b, y);
  }
  wb_f64(&b, x0);
  wb_f64(&b, y0);
  if (b.nomem)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  else
    rc = om_geodesic_rfc7946(out, out_len, b.p, b.len, d);
  free(b.p);
  return rc;
}

/* ---- Areas ------------------------------------------------------------------- */

/* Add the area in m^2 of the geometry at r->pos to *sum; 0 or a reason. */
static int area_geom(struct rbuf *r, struct pts *ring, double *sum)
{
  bool be;
  uint32_t type = rb_head(r, &be);
  uint32_t n;
  switch (type) {
  case OM_WKB_POINT:
    r->pos += 16;
    return 0;
  case OM_WKB_LINESTRING:
    r->pos += (size_t)rb_u32(r, be) * 16;
    return 0;
  case OM_WKB_POLYGON:
    n = rb_u32(r, be);
    for (uint32_t i = 0; i < n; i++) {
      if (rb_seq(r, be, rb_u32(r, be), ring) < 0)
        return OM_ENOMEM;
      for (size_t j = 0; j < ring->n; j++) {
        if (!isfinite(ring->v[j].x) || !isfinite(ring->v[j].y))
          return OM_REASON_NOT_FINITE;
        if (fabs(ring->v[j].y) > 90)
          return OM_REASON_LAT_RANGE;
      }
      double a = fabs(ring_signed_area(ring->v, ring->n));
      *sum += i == 0 ? a : -a;
    }
    return 0;
  default:
    n = rb_u32(r, be);
    for (uint32_t i = 0; i < n; i++) {
      int rc = area_geom(r, ring, sum);
      if (rc != 0)
        return rc;
    }
    return 0;
  }
}

int om_geodesic_area_km2(double *out, const unsigned char *wkb, size_t len)
{
  *out = 0;
  if (om_wkb_type(wkb, len) == 0)
    return OM_REASON_GEOMETRY_INVALID;
  struct rbuf r = {wkb, 0};
  struct pts ring = {.v = NULL};
  double sum = 0;
  int rc = area_geom(&r, &ring, &sum);
  free(ring.v);
  if (rc == 0)
    *out = sum / 1e6;
  return rc;
}

/* ---- Azimuthal equidistant ---------------------------------------------------- */

struct om_aeqd {
  double lon0, lat0; /* the centre in degrees */
};

int om_aeqd_new(struct om_aeqd **out, double lon0, double lat0, struct om_diag *d)
{
  *out = NULL;
  int rc = check_lonlat(lon0, lat0, "centre of the projection", d);
  if (rc != 0)
    return rc;
  struct om_aeqd *p = malloc(sizeof *p);
  if (!p)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  p->lon0 = wrap180(lon0);
  p->lat0 = lat0;
  *out = p;
  return 0;
}

void om_aeqd_free(struct om_aeqd *p)
{
  free(p);
}

enum om_reason om_aeqd_forward(const struct om_aeqd *p, double *x, double *y)
{
  if (!isfinite(*x) || !isfinite(*y))
    return OM_REASON_NOT_FINITE;
  if (fabs(*y) > 90)
    return OM_REASON_LAT_RANGE;
  double s = 0, azi = 0;
  geod_inverse(wgs84(), p->lat0, p->lon0, *y, *x, &s, &azi, NULL);
  double rad = azi * PI / 180;
  *x = s * sin(rad);
  *y = s * cos(rad);
  return OM_REASON_NONE;
}

enum om_reason om_aeqd_inverse(const struct om_aeqd *p, double *x, double *y)
{
  if (!isfinite(*x) || !isfinite(*y))
    return OM_REASON_NOT_FINITE;
  double s = hypot(*x, *y);
  if (s > HALF_MERIDIAN_M)
    return OM_REASON_TRANSFORM_FAILED;
  double azi = s > 0 ? atan2(*x, *y) * 180 / PI : 0;
  double lat = p->lat0, lon = p->lon0;
  if (s > 0)
    geod_direct(wgs84(), p->lat0, p->lon0, azi, s, &lat, &lon, NULL);
  *x = wrap180(lon);
  *y = lat;
  return OM_REASON_NONE;
}
