/*
 * What the geodesic files share (geodesic.c: distances, lines, circles and
 * projections; geodesic_poles.c: rings round a pole; geodesic_wkb.c: the
 * ellipsoid, vertex arrays and WKB buffers).  Not part of the module's
 * interface: include crs/geodesic.h outside src/crs.
 */
#ifndef OM_CRS_GEODESIC_INTERNAL_H
#define OM_CRS_GEODESIC_INTERNAL_H

#include <geodesic.h> /* PROJ's: <> does not look in src/crs, where this one is */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef GEODESIC_VERSION_MAJOR
#error "<geodesic.h> must be PROJ's geodesic header"
#endif

struct lonlat {
  double x, y; /* longitude, latitude in degrees */
};

/* A growing array of vertices. */
struct pts {
  struct lonlat *v; /* owned */
  size_t n, cap;    /* used, allocated */
};

/* A growing little-endian WKB blob; nomem is sticky, so writers check once at the end. */
struct wbuf {
  unsigned char *p; /* owned */
  size_t len, cap;  /* used, allocated */
  bool nomem;       /* an append failed */
};

/* A reader over WKB that om_wkb_type has accepted (so no bounds checks), either byte order. */
struct rbuf {
  const unsigned char *p; /* the blob */
  size_t pos;             /* the next byte */
};

/* WGS 84, set up on first use; read-only after that, so any thread may use it. */
const struct geod_geodesic *om_gd_wgs84(void);

/* x in [-180, 180]; +-180 keep their sign. */
double om_gd_wrap180(double x);

/* Append a vertex; 0 or OM_ENOMEM. */
int om_gd_pts_push(struct pts *p, double x, double y);

void om_gd_wb_put(struct wbuf *b, const unsigned char *src, size_t n);
void om_gd_wb_u32(struct wbuf *b, uint32_t v);
void om_gd_wb_f64(struct wbuf *b, double v);
/* A little-endian geometry header of the given WKB type. */
void om_gd_wb_head(struct wbuf *b, uint32_t type);
/* A coordinate sequence with its count. */
void om_gd_wb_seq(struct wbuf *b, const struct lonlat *v, size_t n);

uint32_t om_gd_rb_u32(struct rbuf *r, bool be);
double om_gd_rb_f64(struct rbuf *r, bool be);
/* The byte order and type of the geometry at r->pos, which it passes. */
uint32_t om_gd_rb_head(struct rbuf *r, bool *be);
/* Read a coordinate sequence (after its count) into p, replacing its contents. */
int om_gd_rb_seq(struct rbuf *r, bool be, uint32_t n, struct pts *p);

/* Signed geodesic area of a ring in m^2, counter-clockwise positive, in (-E/2, E/2]. */
double om_gd_ring_signed_area(const struct lonlat *v, size_t n);

#endif
