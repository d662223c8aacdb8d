/*
 * The pieces the geodesic files share (geodesic_internal.h): the WGS 84
 * ellipsoid, set up once per process and only read after that, growing
 * vertex arrays, and WKB written little-endian and read in either order.
 */
#include "crs/geodesic_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "core/diag.h"

#define WGS84_A 6378137.0
#define WGS84_F (1 / 298.257223563)

static struct geod_geodesic wgs84_geod;
static once_flag wgs84_once = ONCE_FLAG_INIT;

static void wgs84_init(void)
{
  geod_init(&wgs84_geod, WGS84_A, WGS84_F);
}

const struct geod_geodesic *om_gd_wgs84(void)
{
  call_once(&wgs84_once, wgs84_init);
  return &wgs84_geod;
}

/* x in [-180, 180]; +-180 keep their sign. */
double om_gd_wrap180(double x)
{
  return remainder(x, 360.0);
}


int om_gd_pts_push(struct pts *p, double x, double y)
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

void om_gd_wb_put(struct wbuf *b, const unsigned char *src, size_t n)
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

void om_gd_wb_u32(struct wbuf *b, uint32_t v)
{
  unsigned char q[4];
  for (int i = 0; i < 4; i++)
    q[i] = (unsigned char)(v >> (8 * i));
  om_gd_wb_put(b, q, 4);
}

void om_gd_wb_f64(struct wbuf *b, double v)
{
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  unsigned char q[8];
  for (int i = 0; i < 8; i++)
    q[i] = (unsigned char)(u >> (8 * i));
  om_gd_wb_put(b, q, 8);
}

void om_gd_wb_head(struct wbuf *b, uint32_t type)
{
  unsigned char order = 1;
  om_gd_wb_put(b, &order, 1);
  om_gd_wb_u32(b, type);
}

void om_gd_wb_seq(struct wbuf *b, const struct lonlat *v, size_t n)
{
  om_gd_wb_u32(b, (uint32_t)n);
  for (size_t i = 0; i < n; i++) {
    om_gd_wb_f64(b, v[i].x);
    om_gd_wb_f64(b, v[i].y);
  }
}

uint32_t om_gd_rb_u32(struct rbuf *r, bool be)
{
  const unsigned char *q = r->p + r->pos;
  r->pos += 4;
  if (be)
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
  return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
}

double om_gd_rb_f64(struct rbuf *r, bool be)
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
uint32_t om_gd_rb_head(struct rbuf *r, bool *be)
{
  *be = r->p[r->pos++] == 0;
  return om_gd_rb_u32(r, *be);
}

/* Read a coordinate sequence (after its count) into p, replacing its contents. */
int om_gd_rb_seq(struct rbuf *r, bool be, uint32_t n, struct pts *p)
{
  p->n = 0;
  for (uint32_t i = 0; i < n; i++) {
    double x = om_gd_rb_f64(r, be), y = om_gd_rb_f64(r, be);
    if (om_gd_pts_push(p, x, y) < 0)
      return OM_ENOMEM;
  }
  return 0;
}
