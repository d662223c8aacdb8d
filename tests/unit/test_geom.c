/* WKB checks, WKT parsing, validity and the RFC 7946 fixes (orientation, antimeridian). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <geos_c.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geom/geom.h"

static GEOSContextHandle_t geos;

static int setup(void **state)
{
  (void)state;
  geos = GEOS_init_r();
  return geos ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  GEOS_finish_r(geos);
  return 0;
}

/* WKB of wkt through the function under test; the caller frees. */
static unsigned char *from_wkt(const char *wkt, size_t *len)
{
  unsigned char *wkb = NULL;
  char detail[256];
  assert_int_equal(om_geom_from_wkt(&wkb, len, wkt, detail, sizeof detail), OM_REASON_NONE);
  assert_string_equal(detail, "");
  return wkb;
}

/* WKT of a blob with 6 decimals, trimmed; the caller frees. */
static char *to_wkt(const unsigned char *wkb, size_t len)
{
  GEOSWKBReader *r = GEOSWKBReader_create_r(geos);
  GEOSGeometry *g = GEOSWKBReader_read_r(geos, r, wkb, len);
  assert_non_null(g);
  GEOSWKTWriter *w = GEOSWKTWriter_create_r(geos);
  GEOSWKTWriter_setTrim_r(geos, w, 1);
  GEOSWKTWriter_setRoundingPrecision_r(geos, w, 6);
  char *text = GEOSWKTWriter_write_r(geos, w, g);
  char *copy = strdup(text);
  GEOSFree_r(geos, text);
  GEOSWKTWriter_destroy_r(geos, w);
  GEOSWKBReader_destroy_r(geos, r);
  GEOSGeom_destroy_r(geos, g);
  return copy;
}

/* Planar area of a blob (lon/lat degrees squared). */
static double area(const unsigned char *wkb, size_t len)
{
  GEOSWKBReader *r = GEOSWKBReader_create_r(geos);
  GEOSGeometry *g = GEOSWKBReader_read_r(geos, r, wkb, len);
  assert_non_null(g);
  double a = -1;
  assert_int_equal(GEOSArea_r(geos, g, &a), 1);
  GEOSWKBReader_destroy_r(geos, r);
  GEOSGeom_destroy_r(geos, g);
  return a;
}

/* rfc7946 of wkt, as WKT. */
static char *rfc7946_wkt(const char *wkt)
{
  size_t len, out_len;
  unsigned char *wkb = from_wkt(wkt, &len), *out;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_geom_rfc7946(&out, &out_len, wkb, len, &d), 0);
  assert_int_equal(om_wkb_type(out, out_len) != 0, 1);
  char *text = to_wkt(out, out_len);
  free(wkb);
  free(out);
  return text;
}

/* Rewrite a little-endian blob as big-endian (2D ISO only). */
static size_t to_big_endian(unsigned char *p, size_t pos);

static void swap(unsigned char *p, int n)
{
  for (int i = 0; i < n / 2; i++) {
    unsigned char t = p[i];
    p[i] = p[n - 1 - i];
    p[n - 1 - i] = t;
  }
}

static uint32_t le32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t swap_coords(unsigned char *p, size_t pos, uint32_t n)
{
  for (uint32_t i = 0; i < 2 * n; i++, pos += 8)
    swap(p + pos, 8);
  return pos;
}

static size_t to_big_endian(unsigned char *p, size_t pos)
{
  uint32_t type = le32(p + pos + 1);
  p[pos] = 0;
  swap(p + pos + 1, 4);
  pos += 5;
  if (type == 1)
    return swap_coords(p, pos, 1);
  uint32_t n = le32(p + pos);
  swap(p + pos, 4);
  pos += 4;
  if (type == 2)
    return swap_coords(p, pos, n);
  for (uint32_t i = 0; i < n; i++) {
    if (type == 3) {
      uint32_t m = le32(p + pos);
      swap(p + pos, 4);
      pos = swap_coords(p, pos + 4, m);
    } else {
      pos = to_big_endian(p, pos);
    }
  }
  return pos;
}

static void assert_env(const unsigned char *wkb, size_t len, double x0, double y0, double x1,
                       double y1)
{
  double env[4];
  assert_int_equal(om_wkb_envelope(wkb, len, env), 0);
  assert_true(env[0] == x0 && env[1] == y0 && env[2] == x1 && env[3] == y1);
}

static void test_point_writer(void **state)
{
  (void)state;
  unsigned char p[21];
  om_wkb_point(p, 31.38, 39.63);
  static const unsigned char expect[5] = {1, 1, 0, 0, 0};
  assert_memory_equal(p, expect, 5);
  assert_int_equal(om_wkb_type(p, sizeof p), OM_WKB_POINT);
  assert_env(p, sizeof p, 31.38, 39.63, 31.38, 39.63);
  char *wkt = to_wkt(p, sizeof p);
  assert_string_equal(wkt, "POINT (31.38 39.63)");
  free(wkt);
}

static void test_envelope_of_each_type_in_both_byte_orders(void **state)
{
  (void)state;
  static const struct {
    const char *wkt;
    int type;
    double env[4];
  } cases[] = {
    {"POINT (1 2)", OM_WKB_POINT, {1, 2, 1, 2}},
    {"LINESTRING (0 0, 3 -4, 1 5)", OM_WKB_LINESTRING, {0, -4, 3, 5}},
    {"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 3, 3 3, 2 2))", OM_WKB_POLYGON,
     {0, 0, 10, 10}},
    {"MULTIPOINT ((1 1), (-2 7))", OM_WKB_MULTIPOINT, {-2, 1, 1, 7}},
    {"MULTILINESTRING ((0 0, 1 1), (5 5, 6 -6))", OM_WKB_MULTILINESTRING, {0, -6, 6, 5}},
    {"MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((20 20, 21 20, 21 22, 20 20)))",
     OM_WKB_MULTIPOLYGON, {0, 0, 21, 22}},
    {"GEOMETRYCOLLECTION (POINT (-5 -5), GEOMETRYCOLLECTION (LINESTRING (1 1, 9 8)), "
     "POLYGON ((0 0, 1 0, 1 1, 0 0)))",
     OM_WKB_GEOMETRYCOLLECTION, {-5, -5, 9, 8}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len;
    unsigned char *wkb = from_wkt(cases[i].wkt, &len);
    assert_int_equal(wkb[0], 1); /* little-endian */
    assert_int_equal(om_wkb_type(wkb, len), cases[i].type);
    const double *e = cases[i].env;
    assert_env(wkb, len, e[0], e[1], e[2], e[3]);
    assert_int_equal(to_big_endian(wkb, 0), len);
    assert_int_equal(wkb[0], 0);
    assert_int_equal(om_wkb_type(wkb, len), cases[i].type);
    assert_env(wkb, len, e[0], e[1], e[2], e[3]);
    free(wkb);
  }
}

static void test_empty_geometries(void **state)
{
  (void)state;
  unsigned char p[21];
  om_wkb_point(p, NAN, NAN); /* ISO's empty point */
  assert_int_equal(om_wkb_type(p, sizeof p), OM_WKB_POINT);
  double env[4];
  assert_int_equal(om_wkb_envelope(p, sizeof p, env), -1);
  static const unsigned char empty_line[9] = {1, 2, 0, 0, 0, 0, 0, 0, 0};
  assert_int_equal(om_wkb_type(empty_line, sizeof empty_line), OM_WKB_LINESTRING);
  assert_int_equal(om_wkb_envelope(empty_line, sizeof empty_line, env), -1);

  unsigned char *wkb = (unsigned char *)"x";
  size_t len = 7;
  char detail[256];
  assert_int_equal(om_geom_from_wkt(&wkb, &len, "POLYGON EMPTY", detail, sizeof detail),
                   OM_REASON_GEOMETRY_EMPTY);
  assert_null(wkb);
  assert_int_equal(len, 0);
}

static void test_malformed_wkb_is_rejected(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb =
      from_wkt("GEOMETRYCOLLECTION (MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0))), POINT (1 2))", &len);
  double env[4];

  /* Every truncation, and one byte too many. */
  for (size_t n = 0; n < len; n++) {
    assert_int_equal(om_wkb_type(wkb, n), 0);
    assert_int_equal(om_wkb_envelope(wkb, n, env), -1);
  }
  unsigned char *longer = calloc(len + 1, 1);
  memcpy(longer, wkb, len);
  assert_int_equal(om_wkb_type(longer, len + 1), 0);
  free(longer);
  assert_int_equal(om_wkb_type(NULL, 0), 0);

  /* A count far beyond the blob is caught before anything is read. */
  unsigned char huge[] = {1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0};
  assert_int_equal(om_wkb_type(huge, sizeof huge), 0);

  /* Byte order other than 0 or 1, unknown types, Z, M, ZM and EWKB flags. */
  unsigned char p[29];
  om_wkb_point(p, 1, 2);
  p[0] = 2;
  assert_int_equal(om_wkb_type(p, 21), 0);
  static const uint32_t bad_types[] = {0, 8, 15, 1001, 2001, 3001, 0x80000001u, 0x20000001u};
  for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
    om_wkb_point(p, 1, 2);
    for (int b = 0; b < 4; b++)
      p[1 + b] = (unsigned char)(bad_types[i] >> (8 * b));
    assert_int_equal(om_wkb_type(p, 21), 0);
    memset(p + 21, 0, 8); /* a POINT Z is 29 bytes: no misreading it either */
    assert_int_equal(om_wkb_type(p, 29), 0);
    assert_int_equal(om_wkb_envelope(p, 29, env), -1);
  }

  /* A multipoint may hold only points. */
  size_t mlen;
  unsigned char *multi = from_wkt("MULTIPOINT ((1 1), (2 2))", &mlen);
  multi[10] = OM_WKB_LINESTRING; /* the first member's type */
  assert_int_equal(om_wkb_type(multi, mlen), 0);
  free(multi);

  /* Collections nested too deep. */
  unsigned char deep[9 * 40 + 21];
  for (int i = 0; i < 40; i++) {
    unsigned char *q = deep + 9 * i;
    q[0] = 1;
    q[1] = 7, q[2] = q[3] = q[4] = 0;
    q[5] = 1, q[6] = q[7] = q[8] = 0;
  }
  om_wkb_point(deep + 9 * 40, 0, 0);
  assert_int_equal(om_wkb_type(deep, sizeof deep), 0);
  assert_int_equal(om_wkb_type(deep + 9 * 20, sizeof deep - 9 * 20), OM_WKB_GEOMETRYCOLLECTION);

  /* GEOS-backed functions reject it too, and rfc7946 fails cleanly. */
  char detail[256];
  assert_int_equal(om_geom_check_valid(wkb, len - 1, detail, sizeof detail),
                   OM_REASON_GEOMETRY_INVALID);
  assert_string_equal(detail, "malformed WKB");
  struct om_diag d;
  om_diag_init(&d);
  unsigned char *out = (unsigned char *)"x";
  size_t out_len = 1;
  assert_int_equal(om_geom_rfc7946(&out, &out_len, wkb, len - 1, &d), OM_EIO);
  assert_null(out);
  assert_string_equal(d.msg, "malformed WKB");
  free(wkb);
}

/* Move every coordinate east by 1; refuse longitudes past 100. */
static enum om_reason shift_east(void *ctx, double *x, double *y)
{
  (void)y;
  int *calls = ctx;
  (*calls)++;
  if (*x > 100)
    return OM_REASON_LON_RANGE;
  *x += 1;
  return OM_REASON_NONE;
}

static void test_map_coords(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb = from_wkt("MULTILINESTRING ((0 0, 1 1), (5 5, 6 6, 7 7))", &len);
  int calls = 0;
  assert_int_equal(om_wkb_map_coords(wkb, len, shift_east, &calls), OM_REASON_NONE);
  assert_int_equal(calls, 5);
  char *text = to_wkt(wkb, len);
  assert_string_equal(text, "MULTILINESTRING ((1 0, 2 1), (6 5, 7 6, 8 7))");
  free(text);

  /* Big-endian blobs are written back big-endian. */
  to_big_endian(wkb, 0);
  assert_int_equal(om_wkb_map_coords(wkb, len, shift_east, &calls), OM_REASON_NONE);
  assert_env(wkb, len, 2, 0, 9, 7);

  /* The callback's reason stops the walk. */
  free(wkb);
  wkb = from_wkt("LINESTRING (0 0, 200 0, 3 3)", &len);
  calls = 0;
  assert_int_equal(om_wkb_map_coords(wkb, len, shift_east, &calls), OM_REASON_LON_RANGE);
  assert_int_equal(calls, 2);
  assert_int_equal(om_wkb_map_coords(wkb, len - 1, shift_east, &calls),
                   OM_REASON_GEOMETRY_INVALID);
  assert_int_equal(calls, 2); /* a malformed blob is not walked at all */
  free(wkb);
}

static void test_wkt_parsing(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb = from_wkt("POINT Z (30.5 40.25 100)", &len);
  assert_int_equal(len, 21); /* 2D */
  assert_int_equal(om_wkb_type(wkb, len), OM_WKB_POINT);
  assert_env(wkb, len, 30.5, 40.25, 30.5, 40.25);
  free(wkb);

  char detail[256];
  wkb = NULL;
  assert_int_equal(om_geom_from_wkt(&wkb, &len, "POLYGON ((0 0, 1 1", detail, sizeof detail),
                   OM_REASON_WKT_INVALID);
  assert_null(wkb);
  assert_string_equal(detail, "Expected word but encountered end of stream");
  assert_int_equal(om_geom_from_wkt(&wkb, &len, "CIRCLE (1 2)", detail, sizeof detail),
                   OM_REASON_WKT_INVALID);
  assert_non_null(strstr(detail, "CIRCLE"));
  assert_int_equal(om_geom_from_wkt(&wkb, &len, "", detail, sizeof detail),
                   OM_REASON_WKT_INVALID);
  assert_true(detail[0] != '\0');
  /* GEOS stops at the end of the geometry; the rest must not be lost silently. */
  assert_int_equal(om_geom_from_wkt(&wkb, &len, "POINT (1 2) (3 4)", detail, sizeof detail),
                   OM_REASON_WKT_INVALID);
  assert_string_equal(detail, "unexpected text after the geometry: '(3 4)'");
  assert_int_equal(om_geom_from_wkt(&wkb, &len, "POINT (nan 2)", detail, sizeof detail),
                   OM_REASON_WKT_INVALID);
  assert_string_equal(detail, "a coordinate is not a finite number");
  assert_int_equal(om_geom_from_wkt(&wkb, &len, "LINESTRING (1 1)", detail, sizeof detail),
                   OM_REASON_WKT_INVALID);
  assert_string_equal(detail, "point array must contain 0 or >1 elements");
  /* A failure leaves nothing behind for the next call. */
  wkb = from_wkt("LINESTRING (0 0, 1 1)", &len);
  free(wkb);
}

static void test_bow_tie_is_invalid_with_location(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb = from_wkt("POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))", &len);
  char detail[256];
  assert_int_equal(om_geom_check_valid(wkb, len, detail, sizeof detail),
                   OM_REASON_GEOMETRY_INVALID);
  assert_string_equal(detail, "Self-intersection at (5, 5)");
  free(wkb);

  wkb = from_wkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", &len);
  assert_int_equal(om_geom_check_valid(wkb, len, detail, sizeof detail), OM_REASON_NONE);
  assert_string_equal(detail, "");
  free(wkb);
}

static void test_ring_orientation(void **state)
{
  (void)state;
  /* A clockwise exterior ring is reversed; a counter-clockwise one kept. */
  char *text = rfc7946_wkt("POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))");
  assert_string_equal(text, "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))");
  free(text);
  text = rfc7946_wkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))");
  assert_string_equal(text, "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))");
  free(text);

  /* Holes run clockwise. */
  text = rfc7946_wkt("POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 4 2, 4 4, 2 2), "
                     "(6 6, 6 8, 8 8, 6 6))");
  assert_string_equal(text, "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 4, 4 2, 2 2), "
                            "(6 6, 6 8, 8 8, 6 6))");
  free(text);

  /* Every polygon of a multipolygon and of a collection, in big-endian input too. */
  size_t len, out_len;
  unsigned char *wkb = from_wkt(
      "GEOMETRYCOLLECTION (MULTIPOLYGON (((0 0, 0 1, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))), "
      "POINT (3 4), LINESTRING (0 0, 1 1))",
      &len);
  to_big_endian(wkb, 0);
  unsigned char *out;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_geom_rfc7946(&out, &out_len, wkb, len, &d), 0);
  assert_int_equal(out[0], 1);
  text = to_wkt(out, out_len);
  assert_string_equal(text, "GEOMETRYCOLLECTION (MULTIPOLYGON (((0 0, 1 1, 0 1, 0 0)), "
                            "((5 5, 6 5, 6 6, 5 5))), POINT (3 4), LINESTRING (0 0, 1 1))");
  free(text);
  free(out);
  free(wkb);
}

static void test_points_pass_unchanged(void **state)
{
  (void)state;
  unsigned char p[21];
  om_wkb_point(p, 179.9, -16.5);
  unsigned char *out;
  size_t out_len;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_geom_rfc7946(&out, &out_len, p, sizeof p, &d), 0);
  assert_int_equal(out_len, sizeof p);
  assert_memory_equal(out, p, sizeof p);
  free(out);

  size_t len;
  unsigned char *multi = from_wkt("MULTIPOINT ((179 0), (-179 0))", &len);
  assert_int_equal(om_geom_rfc7946(&out, &out_len, multi, len, &d), 0);
  assert_int_equal(out_len, len);
  assert_memory_equal(out, multi, len);
  free(out);
  free(multi);
}

static void test_polygon_crossing_the_antimeridian_is_cut(void **state)
{
  (void)state;
  /* Fiji-like: from 178 E eastwards over the antimeridian to 178 W. */
  const char *fiji = "POLYGON ((178 -18, -178 -18, -178 -16, 178 -16, 178 -18))";
  size_t len, out_len;
  unsigned char *wkb = from_wkt(fiji, &len), *out;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_geom_rfc7946(&out, &out_len, wkb, len, &d), 0);
  assert_int_equal(om_wkb_type(out, out_len), OM_WKB_MULTIPOLYGON);
  char *text = to_wkt(out, out_len);
  assert_string_equal(text, "MULTIPOLYGON (((-178 -18, -178 -16, -180 -16, -180 -18, -178 -18)), "
                            "((178 -16, 178 -18, 180 -18, 180 -16, 178 -16)))");
  free(text);
  /* Both parts together cover the 4 x 2 degrees, not the 356 x 2 of the naive reading. */
  assert_true(fabs(area(out, out_len) - 8) < 1e-9);
  assert_true(fabs(area(wkb, len) - 712) < 1e-9);
  double env[4];
  assert_int_equal(om_wkb_envelope(out, out_len, env), 0);
  assert_true(env[0] == -180 && env[2] == 180);
  free(out);
  free(wkb);

  /* Written clockwise and starting west of the line, with a hole on the line: the
     hole becomes a notch in both parts. */
  wkb = from_wkt("POLYGON ((-178 -18, -178 -14, 178 -14, 178 -18, -178 -18), "
                 "(179.5 -17, -179.5 -17, -179.5 -15, 179.5 -17))",
                 &len);
  assert_int_equal(om_geom_rfc7946(&out, &out_len, wkb, len, &d), 0);
  text = to_wkt(out, out_len);
  assert_string_equal(
      text, "MULTIPOLYGON (((-178 -18, -178 -14, -180 -14, -180 -16, -179.5 -15, -179.5 -17, "
            "-180 -17, -180 -18, -178 -18)), ((178 -14, 178 -18, 180 -18, 180 -17, 179.5 -17, "
            "180 -16, 180 -14, 178 -14)))");
  assert_true(fabs(area(out, out_len) - (16 - 1)) < 1e-9);
  free(text);
  free(out);
  free(wkb);

  /* A hole wholly on the far side stays a hole, moved with its part. */
  text = rfc7946_wkt("POLYGON ((170 -20, -170 -20, -170 -10, 170 -10, 170 -20), "
                     "(-175 -15, -174 -15, -174 -14, -175 -15))");
  assert_string_equal(text, "MULTIPOLYGON (((-170 -20, -170 -10, -180 -10, -180 -20, -170 -20), "
                            "(-174 -14, -174 -15, -175 -15, -174 -14)), "
                            "((170 -10, 170 -20, 180 -20, 180 -10, 170 -10)))");
  free(text);
}

static void test_line_across_the_pacific_is_cut(void **state)
{
  (void)state;
  /* Tokyo to San Francisco the short way, over the Pacific. */
  size_t len, out_len;
  unsigned char *wkb = from_wkt("LINESTRING (139.69 35.69, -122.42 37.77)", &len), *out;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_geom_rfc7946(&out, &out_len, wkb, len, &d), 0);
  assert_int_equal(om_wkb_type(out, out_len), OM_WKB_MULTILINESTRING);
  char *text = to_wkt(out, out_len);
  /* Both parts meet at the antimeridian at the same latitude. */
  assert_string_equal(text, "MULTILINESTRING ((139.69 35.69, 180 36.546521), "
                            "(-180 36.546521, -122.42 37.77))");
  free(text);
  free(out);
  free(wkb);

  /* Westwards over the line, inside a collection next to a point. */
  text = rfc7946_wkt("GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (-170 0, 170 10))");
  assert_string_equal(text, "GEOMETRYCOLLECTION (POINT (1 2), "
                            "MULTILINESTRING ((-170 0, -180 5), (180 5, 170 10)))");
  free(text);

  /* Touching the antimeridian without crossing it: one part, no cut. */
  text = rfc7946_wkt("LINESTRING (170 0, 180 5, -180 6)");
  assert_string_equal(text, "LINESTRING (170 0, 180 5, 180 6)");
  free(text);
}

static void report_warning(void *ctx, enum om_level level, const char *line)
{
  (void)level;
  snprintf(ctx, 256, "%s", line);
}

static void test_ring_round_a_pole_is_left_uncut(void **state)
{
  (void)state;
  size_t len, out_len;
  unsigned char *wkb = from_wkt(
      "POLYGON ((-180 -80, -60 -85, 60 -85, 179 -80, -180 -90, -180 -80))", &len), *out;
  struct om_diag d;
  om_diag_init(&d);
  char line[256] = "";
  d.report = report_warning;
  d.report_ctx = line;
  assert_int_equal(om_geom_rfc7946(&out, &out_len, wkb, len, &d), 0);
  assert_int_equal(om_wkb_type(out, out_len), OM_WKB_POLYGON);
  assert_int_equal(d.warnings, 1);
  assert_non_null(strstr(line, "pole"));
  free(out);
  free(wkb);
}

/* Each thread parses, checks and cuts with its own GEOS context. */
static void *geos_worker(void *arg)
{
  long bad = 0;
  for (int i = 0; i < 200; i++) {
    unsigned char *wkb = NULL, *out = NULL;
    size_t len, out_len;
    char detail[256];
    struct om_diag d;
    om_diag_init(&d);
    bad += om_geom_from_wkt(&wkb, &len, "LINESTRING (170 0, -170 1)", detail, sizeof detail) !=
           OM_REASON_NONE;
    bad += om_geom_check_valid(wkb, len, detail, sizeof detail) != OM_REASON_NONE;
    bad += om_geom_rfc7946(&out, &out_len, wkb, len, &d) != 0;
    bad += om_wkb_type(out, out_len) != OM_WKB_MULTILINESTRING;
    free(wkb);
    bad += om_geom_from_wkt(&wkb, &len, "POINT (1", detail, sizeof detail) == OM_REASON_NONE;
    bad += strcmp(detail, "Expected number but encountered end of stream") != 0;
    bad += wkb != NULL;
    free(out);
  }
  *(long *)arg = bad;
  return NULL;
}

static void test_threads_have_their_own_context(void **state)
{
  (void)state;
  pthread_t threads[4];
  long bad[4];
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&threads[i], NULL, geos_worker, &bad[i]), 0);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(bad[i], 0);
  }
}

/*
 * A ring whose closing edge crosses the antimeridian: unwrapping must bring
 * the closing vertex back to the first one exactly, or GEOS refuses the ring.
 */
static void test_ring_closing_across_the_antimeridian(void **state)
{
  (void)state;
  size_t len;
  unsigned char *wkb = from_wkt(
      "POLYGON ((-179.65 21.856408439968341, -169.65822681644173 17.707097735855474, "
      "-165.99211752260337 8.0206522819675747, -170.1301640511997 -1.4435386950983951, "
      "-179.65 -5.3605775325478264, 170.83016405119969 -1.4435386950983951, "
      "166.69211752260335 8.0206522819675747, 170.35822681644171 17.707097735855474, "
      "-179.65 21.856408439968341))",
      &len);
  struct om_diag d;
  om_diag_init(&d);
  unsigned char *out = NULL;
  size_t out_len = 0;
  assert_int_equal(om_geom_rfc7946(&out, &out_len, wkb, len, &d), 0);
  char detail[256];
  assert_int_equal(om_geom_check_valid(out, out_len, detail, sizeof detail), OM_REASON_NONE);
  double env[4];
  assert_int_equal(om_wkb_envelope(out, out_len, env), 0);
  assert_true(env[0] == -180 && env[2] == 180);
  free(out);
  free(wkb);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_point_writer),
    cmocka_unit_test(test_envelope_of_each_type_in_both_byte_orders),
    cmocka_unit_test(test_empty_geometries),
    cmocka_unit_test(test_malformed_wkb_is_rejected),
    cmocka_unit_test(test_map_coords),
    cmocka_unit_test(test_wkt_parsing),
    cmocka_unit_test(test_bow_tie_is_invalid_with_location),
    cmocka_unit_test(test_ring_orientation),
    cmocka_unit_test(test_points_pass_unchanged),
    cmocka_unit_test(test_polygon_crossing_the_antimeridian_is_cut),
    cmocka_unit_test(test_line_across_the_pacific_is_cut),
    cmocka_unit_test(test_ring_round_a_pole_is_left_uncut),
    cmocka_unit_test(test_threads_have_their_own_context),
    cmocka_unit_test(test_ring_closing_across_the_antimeridian),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
