/*
 * ISO WKB without GEOS: validation, envelopes, coordinate walks and the
 * RFC 7946 fixes that need no topology (ring orientation, longitude
 * unwrapping).  Only a geometry that really has to be cut at the
 * antimeridian goes to GEOS (geos.c), so a layer of a million points never
 * touches it.
 *
 * Blobs come from files and other programs, so every count is checked
 * against the bytes that remain before anything is read, collections nest
 * at most MAX_DEPTH deep, and a blob must end exactly where its geometry
 * does.  Both byte orders are read; Z, M and EWKB flags are rejected (a 3D
 * blob read as 2D would shift every later coordinate).
 */
#include "geom/geom.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geom/geom_private.h"

#define MAX_DEPTH 32
#define MIN_GEOM_SIZE 9 /* byte order, type and a count */

/* What a coordinate sequence is part of. */
enum seq_kind { SEQ_POINT, SEQ_LINE, SEQ_EXTERIOR, SEQ_HOLE };

/* Walk results other than a geometry type. */
#define WALK_MALFORMED (-1)
#define WALK_STOPPED (-2)

/*
 * One pass over a blob.  When out is set, a little-endian copy is written
 * there at the same offsets (2D ISO WKB has the same size in either byte
 * order); out may equal in.  seq, when set, is called after each
 * coordinate sequence has been checked (and copied) and may stop the walk
 * by returning nonzero.
 */
struct walk {
  const unsigned char *in; /* the blob */
  size_t len;              /* its size */
  size_t pos;              /* next byte to read */
  unsigned char *out;      /* little-endian copy, or NULL */
  int (*seq)(struct walk *w, enum seq_kind kind, size_t off, uint32_t n, bool be);
  void *ctx; /* for seq */
};

static uint32_t get_u32(const unsigned char *p, bool be)
{
  if (be)
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static double get_f64(const unsigned char *p, bool be)
{
  uint64_t u = 0;
  for (int i = 0; i < 8; i++)
    u |= (uint64_t)p[be ? 7 - i : i] << (8 * i);
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

static void put_u32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static void put_f64(unsigned char *p, double v, bool be)
{
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  for (int i = 0; i < 8; i++)
    p[be ? 7 - i : i] = (unsigned char)(u >> (8 * i));
}

void om_wkb_point(unsigned char out[21], double x, double y)
{
  out[0] = 1;
  put_u32(out + 1, OM_WKB_POINT);
  put_f64(out + 5, x, false);
  put_f64(out + 13, y, false);
}

/* Read a count into *n, copying it; false if the blob ends first. */
static bool read_count(struct walk *w, bool be, uint32_t *n)
{
  if (w->len - w->pos < 4)
    return false;
  *n = get_u32(w->in + w->pos, be);
  if (w->out)
    put_u32(w->out + w->pos, *n);
  w->pos += 4;
  return true;
}

/* Copy n coordinate pairs at w->pos into the little-endian copy. */
static void copy_coords(struct walk *w, uint32_t n, bool be)
{
  if (!w->out)
    return;
  size_t off = w->pos;
  if (!be) {
    if (w->out != w->in)
      memcpy(w->out + off, w->in + off, (size_t)n * 16);
    return;
  }
  for (size_t i = 0; i < (size_t)n * 2; i++)
    put_f64(w->out + off + 8 * i, get_f64(w->in + off + 8 * i, true), false);
}

/* A sequence of n pairs (after its count); 0 or WALK_*. */
static int walk_seq(struct walk *w, enum seq_kind kind, uint32_t n, bool be)
{
  if (n > (w->len - w->pos) / 16)
    return WALK_MALFORMED;
  size_t off = w->pos;
  copy_coords(w, n, be);
  w->pos += (size_t)n * 16;
  if (w->seq && w->seq(w, kind, off, n, be))
    return WALK_STOPPED;
  return 0;
}

/* One geometry at w->pos; its type, or WALK_*.  want = 0 accepts any type. */
static int walk_geom(struct walk *w, int depth, int want)
{
  if (depth > MAX_DEPTH || w->len - w->pos < 5 || w->in[w->pos] > 1)
    return WALK_MALFORMED;
  bool be = w->in[w->pos] == 0;
  uint32_t type = get_u32(w->in + w->pos + 1, be);
  if (type < OM_WKB_POINT || type > OM_WKB_GEOMETRYCOLLECTION || (want && type != (uint32_t)want))
    return WALK_MALFORMED;
  if (w->out) {
    w->out[w->pos] = 1;
    put_u32(w->out + w->pos + 1, type);
  }
  w->pos += 5;

  uint32_t n;
  int rc;
  switch (type) {
  case OM_WKB_POINT: {
    if (w->len - w->pos < 16)
      return WALK_MALFORMED;
    /* ISO writes an empty point as NaN, NaN. */
    bool empty = isnan(get_f64(w->in + w->pos, be)) && isnan(get_f64(w->in + w->pos + 8, be));
    size_t off = w->pos;
    copy_coords(w, 1, be);
    w->pos += 16;
    if (w->seq && w->seq(w, SEQ_POINT, off, empty ? 0 : 1, be))
      return WALK_STOPPED;
    return (int)type;
  }
  case OM_WKB_LINESTRING:
    if (!read_count(w, be, &n))
      return WALK_MALFORMED;
    rc = walk_seq(w, SEQ_LINE, n, be);
    return rc < 0 ? rc : (int)type;
  case OM_WKB_POLYGON: {
    if (!read_count(w, be, &n) || n > (w->len - w->pos) / 4)
      return WALK_MALFORMED;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t npoints;
      if (!read_count(w, be, &npoints))
        return WALK_MALFORMED;
      rc = walk_seq(w, i == 0 ? SEQ_EXTERIOR : SEQ_HOLE, npoints, be);
      if (rc < 0)
        return rc;
    }
    return (int)type;
  }
  default: {
    if (!read_count(w, be, &n) || n > (w->len - w->pos) / MIN_GEOM_SIZE)
      return WALK_MALFORMED;
    int member = type == OM_WKB_GEOMETRYCOLLECTION ? 0 : (int)type - 3;
    for (uint32_t i = 0; i < n; i++) {
      rc = walk_geom(w, depth + 1, member);
      if (rc < 0)
        return rc;
    }
    return (int)type;
  }
  }
}

/* Walk a whole blob, which must hold exactly one geometry. */
static int walk_blob(struct walk *w)
{
  if (!w->in)
    return WALK_MALFORMED;
  int rc = walk_geom(w, 0, 0);
  if (rc > 0 && w->pos != w->len)
    return WALK_MALFORMED;
  return rc;
}

int om_wkb_type(const unsigned char *wkb, size_t len)
{
  /* The common case, a little-endian point, without the walk. */
  if (len == 21 && wkb && wkb[0] == 1 && get_u32(wkb + 1, false) == OM_WKB_POINT)
    return OM_WKB_POINT;
  struct walk w = {.in = wkb, .len = len};
  int rc = walk_blob(&w);
  return rc > 0 ? rc : 0;
}

/* Envelope accumulator: env[4] and the number of pairs seen. */
struct env_acc {
  double env[4];
  size_t n;
};

static int env_seq(struct walk *w, enum seq_kind kind, size_t off, uint32_t n, bool be)
{
  (void)kind;
  struct env_acc *a = w->ctx;
  for (uint32_t i = 0; i < n; i++) {
    double x = get_f64(w->in + off + 16 * (size_t)i, be);
    double y = get_f64(w->in + off + 16 * (size_t)i + 8, be);
    if (a->n++ == 0) {
      a->env[0] = a->env[2] = x;
      a->env[1] = a->env[3] = y;
      continue;
    }
    if (x < a->env[0]) a->env[0] = x;
    if (y < a->env[1]) a->env[1] = y;
    if (x > a->env[2]) a->env[2] = x;
    if (y > a->env[3]) a->env[3] = y;
  }
  return 0;
}

int om_wkb_envelope(const unsigned char *wkb, size_t len, double env[4])
{
  struct env_acc a = {.n = 0};
  struct walk w = {.in = wkb, .len = len, .seq = env_seq, .ctx = &a};
  if (walk_blob(&w) <= 0 || a.n == 0)
    return -1;
  memcpy(env, a.env, sizeof a.env);
  return 0;
}

/* What om_wkb_map_coords passes to its sequence callback. */
struct map_ctx {
  enum om_reason (*fn)(void *ctx, double *x, double *y);
  void *ctx;
  unsigned char *wkb; /* the blob, written in place */
  enum om_reason why; /* what stopped the walk */
};

static int map_seq(struct walk *w, enum seq_kind kind, size_t off, uint32_t n, bool be)
{
  (void)kind;
  struct map_ctx *m = w->ctx;
  for (uint32_t i = 0; i < n; i++) {
    unsigned char *p = m->wkb + off + 16 * (size_t)i;
    double x = get_f64(p, be), y = get_f64(p + 8, be);
    m->why = m->fn(m->ctx, &x, &y);
    if (m->why != OM_REASON_NONE)
      return 1;
    put_f64(p, x, be);
    put_f64(p + 8, y, be);
  }
  return 0;
}

enum om_reason om_wkb_map_coords(unsigned char *wkb, size_t len,
                                 enum om_reason (*fn)(void *ctx, double *x, double *y),
                                 void *ctx)
{
  /* Check the whole blob first, so that a bad one is left untouched. */
  if (om_wkb_type(wkb, len) == 0)
    return OM_REASON_GEOMETRY_INVALID;
  struct map_ctx m = {.fn = fn, .ctx = ctx, .wkb = wkb, .why = OM_REASON_NONE};
  struct walk w = {.in = wkb, .len = len, .seq = map_seq, .ctx = &m};
  int rc = walk_blob(&w);
  if (rc == WALK_STOPPED)
    return m.why;
  return rc > 0 ? OM_REASON_NONE : OM_REASON_GEOMETRY_INVALID;
}

/* ---- RFC 7946 ---------------------------------------------------------- */

/* A growing output buffer. */
struct obuf {
  unsigned char *p; /* bytes, owned */
  size_t len;       /* used */
  size_t cap;       /* allocated */
};

static int obuf_append(struct obuf *b, const unsigned char *src, size_t n)
{
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len < n)
      cap *= 2;
    unsigned char *grown = realloc(b->p, cap);
    if (!grown)
      return OM_ENOMEM;
    b->p = grown;
    b->cap = cap;
  }
  memcpy(b->p + b->len, src, n);
  b->len += n;
  return 0;
}

/* Twice the signed area of a little-endian ring; positive when counter-clockwise. */
static double ring_area2(const unsigned char *p, uint32_t n)
{
  if (n < 3)
    return 0;
  double x0 = get_f64(p, false), y0 = get_f64(p + 8, false);
  double sum = 0;
  for (uint32_t i = 1; i + 1 < n; i++) {
    const unsigned char *a = p + 16 * (size_t)i, *b = a + 16;
    double ax = get_f64(a, false) - x0, ay = get_f64(a + 8, false) - y0;
    double bx = get_f64(b, false) - x0, by = get_f64(b + 8, false) - y0;
    sum += ax * by - bx * ay;
  }
  return sum;
}

static void reverse_pairs(unsigned char *p, uint32_t n)
{
  unsigned char tmp[16];
  for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
    memcpy(tmp, p + 16 * i, 16);
    memcpy(p + 16 * i, p + 16 * j, 16);
    memcpy(p + 16 * j, tmp, 16);
  }
}

/* Exterior rings counter-clockwise, holes clockwise (on a little-endian blob). */
static int orient_seq(struct walk *w, enum seq_kind kind, size_t off, uint32_t n, bool be)
{
  (void)be;
  if (kind != SEQ_EXTERIOR && kind != SEQ_HOLE)
    return 0;
  double area2 = ring_area2(w->out + off, n);
  if ((kind == SEQ_EXTERIOR && area2 < 0) || (kind == SEQ_HOLE && area2 > 0))
    reverse_pairs(w->out + off, n);
  return 0;
}

static int crossing_seq(struct walk *w, enum seq_kind kind, size_t off, uint32_t n, bool be)
{
  (void)kind;
  bool *crosses = w->ctx;
  double prev = n ? get_f64(w->in + off, be) : 0;
  for (uint32_t i = 1; i < n; i++) {
    double x = get_f64(w->in + off + 16 * (size_t)i, be);
    if (fabs(x - prev) > 180) {
      *crosses = true;
      return 1;
    }
    prev = x;
  }
  return 0;
}

/* State of the unwrapping pass. */
struct unwrap {
  double ext_mid;   /* middle longitude of the current exterior ring */
  double env[4];    /* envelope of the unwrapped geometry */
  bool any;         /* env is set */
  bool failed;      /* a ring does not close once unwrapped, or NaN */
};

/*
 * Make consecutive longitudes differ by at most 180 degrees by adding
 * multiples of 360, starting from the sequence's first vertex.  A hole
 * then moves by whole turns next to its exterior ring.  A ring that does
 * not close afterwards goes round a pole, which a cut at the antimeridian
 * cannot represent; the pass fails and the geometry stays as it was.
 */
static int unwrap_seq(struct walk *w, enum seq_kind kind, size_t off, uint32_t n, bool be)
{
  (void)be;
  struct unwrap *u = w->ctx;
  unsigned char *p = w->out + off;
  double shift = 0, prev = 0, lo = INFINITY, hi = -INFINITY;
  for (uint32_t i = 0; i < n; i++) {
    unsigned char *q = p + 16 * (size_t)i;
    double raw = get_f64(q, false);
    double x = raw + shift;
    if (!isfinite(x)) {
      u->failed = true;
      return 1;
    }
    if (i > 0 && fabs(x - prev) > 180) {
      shift -= 360 * round((x - prev) / 360);
      x = raw + shift; /* not x - 360 * turns: a ring must close on its first vertex exactly */
    }
    put_f64(q, x, false);
    prev = x;
    lo = fmin(lo, x);
    hi = fmax(hi, x);
  }
  if ((kind == SEQ_EXTERIOR || kind == SEQ_HOLE) && shift != 0) {
    u->failed = true;
    return 1;
  }
  if (kind == SEQ_EXTERIOR)
    u->ext_mid = (lo + hi) / 2;
  if (kind == SEQ_HOLE && n > 0) {
    double turns = round((u->ext_mid - (lo + hi) / 2) / 360);
    if (turns != 0) {
      for (uint32_t i = 0; i < n; i++) {
        unsigned char *q = p + 16 * (size_t)i;
        put_f64(q, get_f64(q, false) + 360 * turns, false);
      }
      lo += 360 * turns;
      hi += 360 * turns;
    }
  }
  for (uint32_t i = 0; i < n; i++) {
    double y = get_f64(p + 16 * (size_t)i + 8, false);
    if (!u->any) {
      u->env[0] = lo, u->env[2] = hi, u->env[1] = u->env[3] = y;
      u->any = true;
    }
    u->env[0] = fmin(u->env[0], lo);
    u->env[2] = fmax(u->env[2], hi);
    u->env[1] = fmin(u->env[1], y);
    u->env[3] = fmax(u->env[3], y);
  }
  return 0;
}

bool om_wkb_crosses_antimeridian(const unsigned char *wkb, size_t len)
{
  bool crosses = false;
  struct walk w = {.in = wkb, .len = len, .seq = crossing_seq, .ctx = &crosses};
  walk_blob(&w);
  return crosses;
}

/* Run seq over a little-endian blob in place. */
static int walk_in_place(unsigned char *p, size_t len,
                         int (*seq)(struct walk *, enum seq_kind, size_t, uint32_t, bool),
                         void *ctx)
{
  struct walk w = {.in = p, .len = len, .out = p, .seq = seq, .ctx = ctx};
  return walk_blob(&w);
}

/*
 * Append the RFC 7946 form of the geometry wkb[0..len) (already checked)
 * to b.  A collection is handled member by member, since its members may
 * have different dimensions.
 */
static int rfc7946_append(struct obuf *b, const unsigned char *wkb, size_t len, int depth,
                          struct om_diag *d)
{
  bool be = wkb[0] == 0;
  uint32_t type = get_u32(wkb + 1, be);
  size_t start = b->len;

  if (type == OM_WKB_GEOMETRYCOLLECTION) {
    uint32_t n = get_u32(wkb + 5, be);
    unsigned char head[9] = {1};
    put_u32(head + 1, type);
    put_u32(head + 5, n);
    if (obuf_append(b, head, sizeof head) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    struct walk w = {.in = wkb, .len = len, .pos = 9};
    for (uint32_t i = 0; i < n; i++) {
      size_t from = w.pos;
      if (walk_geom(&w, depth + 1, 0) <= 0)
        return om_diag_fail(d, OM_EIO, "malformed WKB");
      int rc = rfc7946_append(b, wkb + from, w.pos - from, depth + 1, d);
      if (rc < 0)
        return rc;
    }
    return 0;
  }

  /* A little-endian copy, fixed in place below. */
  if (obuf_append(b, wkb, len) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  unsigned char *mine = b->p + start;
  struct walk w = {.in = wkb, .len = len, .out = mine};
  if (walk_blob(&w) <= 0)
    return om_diag_fail(d, OM_EIO, "malformed WKB");
  if (type == OM_WKB_POINT || type == OM_WKB_MULTIPOINT)
    return 0;

  bool crosses = false;
  walk_in_place(mine, len, crossing_seq, &crosses);
  /* Longitudes already unwrapped past +-180 are cut the same way. */
  double env[4];
  if (!crosses && om_wkb_envelope(mine, len, env) == 0 && (env[0] < -180 || env[2] > 180))
    crosses = true;
  if (!crosses) {
    walk_in_place(mine, len, orient_seq, NULL);
    return 0;
  }

  unsigned char *unwrapped = malloc(len);
  if (!unwrapped)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  memcpy(unwrapped, mine, len);
  struct unwrap u = {.any = false};
  walk_in_place(unwrapped, len, unwrap_seq, &u);
  if (u.failed || !u.any) {
    free(unwrapped);
    om_diag_warn(d, "a ring encircles a pole; the geometry is not cut at the antimeridian");
    walk_in_place(mine, len, orient_seq, NULL);
    return 0;
  }
  if (u.env[0] >= -180 && u.env[2] <= 180) {
    /* Only touched the antimeridian: the unwrapped form is the answer. */
    memcpy(mine, unwrapped, len);
    free(unwrapped);
    walk_in_place(mine, len, orient_seq, NULL);
    return 0;
  }

  unsigned char *cut = NULL;
  size_t cut_len = 0;
  int rc = om_geom_cut_antimeridian(&cut, &cut_len, unwrapped, len, u.env, d);
  free(unwrapped);
  if (rc < 0)
    return rc;
  if (walk_in_place(cut, cut_len, orient_seq, NULL) <= 0) {
    free(cut);
    return om_diag_fail(d, OM_EDEP, "GEOS wrote malformed WKB");
  }
  b->len = start;
  rc = obuf_append(b, cut, cut_len);
  free(cut);
  return rc < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
}

int om_geom_unwrap(unsigned char **out, size_t *out_len, const unsigned char *wkb, size_t len,
                   struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  unsigned char *copy = malloc(len ? len : 1);
  if (!copy)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  struct walk w = {.in = wkb, .len = len, .out = copy};
  if (walk_blob(&w) <= 0) {
    free(copy);
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID, "malformed WKB");
  }
  struct unwrap u = {.any = false};
  walk_in_place(copy, len, unwrap_seq, &u);
  if (u.failed) {
    free(copy);
    return om_diag_fail(d, OM_REASON_GEOMETRY_INVALID,
                        "a ring winds round a pole or has a coordinate that is not finite");
  }
  *out = copy;
  *out_len = len;
  return 0;
}

int om_geom_rfc7946(unsigned char **out, size_t *out_len, const unsigned char *wkb,
                    size_t len, struct om_diag *d)
{
  *out = NULL;
  *out_len = 0;
  int type = om_wkb_type(wkb, len);
  if (type == 0)
    return om_diag_fail(d, OM_EIO, "malformed WKB");
  struct obuf b = {.p = NULL};
  int rc;
  if (type == OM_WKB_POINT && wkb[0] == 1) {
    rc = obuf_append(&b, wkb, len) < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
  } else {
    rc = rfc7946_append(&b, wkb, len, 0, d);
  }
  if (rc < 0) {
    free(b.p);
    return rc;
  }
  *out = b.p;
  *out_len = b.len;
  return 0;
}
