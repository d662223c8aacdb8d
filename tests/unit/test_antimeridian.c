/*
 * Source outlines that cross the antimeridian or hold a pole, as Natural
 * Earth writes them (converted from TopoJSON): rings whose vertices jump
 * from 180 to -180, and a polar cap written as a ring along latitude
 * -89.999 with the coast as its hole.  Read flat, their jump edges run
 * across the whole map; located, they must come out valid, cut at the
 * antimeridian, with the area and the inside the globe gives them.  A
 * polygon that is invalid however it is read must still be rejected, or
 * repaired and reported under make_valid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "geom/geom.h"
#include "geom/index.h"
#include "io/reader.h"
#include "locate/locate.h"
#include "manifest/manifest.h"
#include "support.h"

/* ---- Fixture: a CSV of WKT outlines, its reader, a locator ---- */

struct fixture {
  char *dir, *csv;
  struct om_layer_def def;
  struct om_reader *reader;
  struct om_locator *locator;
  struct om_location loc;
  struct om_diag d;
};

static void start(struct fixture *fx, const char *tmpname, const char *csv, bool make_valid)
{
  memset(fx, 0, sizeof *fx);
  fx->def.file = strdup("layers/outlines.yaml");
  fx->def.name = strdup("outlines");
  fx->def.source.path = strdup("data/outlines.csv");
  fx->def.locate.kind = OM_LOCATE_WKT;
  fx->def.locate.field = strdup("wkt");
  fx->def.locate.make_valid = make_valid;
  fx->dir = test_tmpdir(tmpname);
  fx->csv = test_write_file(fx->dir, "outlines.csv", csv, strlen(csv));
  om_diag_init(&fx->d);
  struct om_reader_opts o = {.path = fx->csv};
  if (om_reader_open(&fx->reader, &o, &fx->d) != 0)
    fail_msg("om_reader_open: %s", fx->d.msg);
  if (om_locator_new(&fx->locator, &fx->def, fx->reader, &fx->d) != 0)
    fail_msg("om_locator_new: %s", fx->d.msg);
}

static void finish(struct fixture *fx)
{
  struct om_record rec;
  assert_int_equal(om_reader_next(fx->reader, &rec, &fx->d), OM_READ_END);
  om_location_release(&fx->loc);
  om_locator_free(fx->locator);
  om_reader_free(fx->reader);
  om_layer_release(&fx->def);
  free(fx->csv);
  free(fx->dir);
}

/* Locate the next record; its WKT is kept in wkt (for the area it had as given). */
static enum om_reason next(struct fixture *fx, struct om_locate_error *err, char *wkt,
                           size_t wkt_size)
{
  struct om_record rec;
  int rc = om_reader_next(fx->reader, &rec, &fx->d);
  if (rc != OM_READ_OK)
    fail_msg("om_reader_next gave %d (%s)", rc, fx->d.msg);
  if (wkt)
    snprintf(wkt, wkt_size, "%s", rec.values[1]);
  return om_locate(fx->locator, &rec, &fx->loc, err);
}

/* The next record is located: valid, of this type and number of parts. */
static void expect_located(struct fixture *fx, int type, uint32_t parts, double *area_km2,
                           double *source_km2)
{
  struct om_locate_error err;
  static char wkt[16384];
  enum om_reason why = next(fx, &err, wkt, sizeof wkt);
  if (why != OM_REASON_NONE)
    fail_msg("'%s' (%s)", om_reason_message(why), err.detail);
  assert_string_equal(fx->loc.repaired, "");
  char detail[256];
  if (om_geom_check_valid(fx->loc.wkb, fx->loc.len, detail, sizeof detail) != OM_REASON_NONE)
    fail_msg("located but invalid: %s", detail);
  assert_int_equal(om_wkb_type(fx->loc.wkb, fx->loc.len), type);
  uint32_t n = 1;
  if (type == OM_WKB_MULTIPOLYGON)
    memcpy(&n, fx->loc.wkb + 5, 4);
  assert_int_equal(n, parts);
  assert_true(fx->loc.env[0] >= -180 && fx->loc.env[2] <= 180);
  assert_int_equal(om_geodesic_area_km2(area_km2, fx->loc.wkb, fx->loc.len), 0);
  /* The area of the record as given, its jump edges read as geodesics. */
  unsigned char *src = NULL;
  size_t src_len = 0;
  assert_int_equal(om_geom_from_wkt(&src, &src_len, wkt, detail, sizeof detail), OM_REASON_NONE);
  assert_int_equal(om_geodesic_area_km2(source_km2, src, src_len), 0);
  free(src);
}

/* Where (x, y) lies relative to the located geometry: OM_GEOM_*. */
static int where(struct fixture *fx, double x, double y)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_geom_index *ix = NULL;
  struct om_geom_probe *p = NULL;
  const unsigned char *wkb[1] = {fx->loc.wkb};
  size_t len[1] = {fx->loc.len};
  assert_int_equal(om_geom_index_new(&ix, 1, wkb, len, &d), 0);
  assert_int_equal(om_geom_probe_new(&p, ix, &d), 0);
  int w = om_geom_probe_point_in(p, 0, x, y);
  om_geom_probe_free(p);
  om_geom_index_free(ix);
  return w;
}

static void assert_contains(const char *s, const char *needle)
{
  if (!strstr(s, needle))
    fail_msg("'%s' lacks '%s'", s, needle);
}

/* ---- Rings that jump across 180 ---- */

/*
 * An islet astride 180 as Fiji's is written: from (180, -16.5) to
 * (-180, -16.5) and, further on, along -16.5 from 179.9 to 180 again.
 * Flat, that last edge lies on the first, which runs across the map.
 */
#define FIJI_LIKE                                                                              \
  "\"POLYGON ((180 -16.5, -180 -16.5, -179.9 -16.45, -179.9 -16.4, -180 -16.45, 179.9 -16.48, " \
  "179.9 -16.5, 180 -16.5))\""

/*
 * A mainland whose eastern end (like Chukotka) lies past 180, with an
 * island astride 180 (like Wrangel), read from its western vertex first.
 * Flat, the mainland's two jump edges cross its western coast at 150.
 */
#define RUSSIA_LIKE                                                                          \
  "\"MULTIPOLYGON (((170 60, 180 62, -175 64, -170 66, -175 68, 180 68.5, 170 70, 150 70, " \
  "150 60, 170 60)), ((-180 71.5, 179.5 71.4, 179 71.1, 179.5 70.9, -180 71, -179 70.9, "      \
  "-178 71.2, -179 71.5, -180 71.5)))\""

static void test_jump_edges(void **state)
{
  (void)state;
  /* Flat, both are invalid: what locating used to check. */
  const char *flat[] = {"POLYGON ((180 -16.5, -180 -16.5, -179.9 -16.45, -179.9 -16.4, "
                        "-180 -16.45, 179.9 -16.48, 179.9 -16.5, 180 -16.5))",
                        "POLYGON ((170 60, 180 62, -175 64, -170 66, -175 68, 180 68.5, 170 70, "
                        "150 70, 150 60, 170 60))"};
  for (size_t i = 0; i < 2; i++) {
    unsigned char *wkb = NULL;
    size_t len = 0;
    char detail[256];
    assert_int_equal(om_geom_from_wkt(&wkb, &len, flat[i], detail, sizeof detail), 0);
    assert_int_equal(om_geom_check_valid(wkb, len, detail, sizeof detail),
                     OM_REASON_GEOMETRY_INVALID);
    free(wkb);
  }

  for (int make_valid = 0; make_valid <= 1; make_valid++) {
    struct fixture fx;
    start(&fx, make_valid ? "antimeridian-jumps-mv" : "antimeridian-jumps",
          "id,wkt\nfiji," FIJI_LIKE "\nrussia," RUSSIA_LIKE "\n", make_valid);
    double area, source;

    /* The islet: a part either side of 180, none lost or repaired. */
    expect_located(&fx, OM_WKB_MULTIPOLYGON, 2, &area, &source);
    assert_true(fabs(area - source) < 1e-6 * source);
    assert_true(area > 100 && area < 120); /* 0.015 square degrees at 16.5 S: 110 km^2 */
    assert_int_equal(where(&fx, -179.95, -16.43), OM_GEOM_INTERIOR);
    assert_int_equal(where(&fx, 179.95, -16.49), OM_GEOM_INTERIOR);
    assert_int_equal(where(&fx, 0, -16.45), OM_GEOM_OUTSIDE);

    /* Mainland and island, each cut in two at 180. */
    expect_located(&fx, OM_WKB_MULTIPOLYGON, 4, &area, &source);
    /* The cut adds vertices on straight lon/lat edges, not on geodesics. */
    assert_true(fabs(area - source) < 1e-3 * source);
    assert_true(area > 1.6e6 && area < 1.7e6); /* 40 by 10 degrees at 65 N, less the notches */
    assert_int_equal(where(&fx, -172, 66), OM_GEOM_INTERIOR);   /* the "Chukotka" end */
    assert_int_equal(where(&fx, 160, 65), OM_GEOM_INTERIOR);
    assert_int_equal(where(&fx, 0, 65), OM_GEOM_OUTSIDE);       /* what the flat edges crossed */
    assert_int_equal(where(&fx, -179.5, 71.2), OM_GEOM_INTERIOR); /* the island, east of 180 */
    finish(&fx);
  }
}

/* A bow-tie astride 180 is invalid however it is read: rejected, or repaired under make_valid. */
static void test_invalid_across(void **state)
{
  (void)state;
  const char *csv = "id,wkt\nbowtie,\"POLYGON ((179 0, -178 1, -178 0, 179 1, 179 0))\"\n";
  struct fixture fx;
  struct om_locate_error err;
  start(&fx, "antimeridian-bowtie", csv, false);
  assert_int_equal(next(&fx, &err, NULL, 0), OM_REASON_GEOMETRY_INVALID);
  /* GEOS's reason, at the place on the map (180.5 unwrapped). */
  assert_string_equal(err.detail, "Self-intersection at (-179.5, 0.5)");
  finish(&fx);

  start(&fx, "antimeridian-bowtie-mv", csv, true);
  assert_int_equal(next(&fx, &err, NULL, 0), OM_REASON_NONE);
  assert_contains(fx.loc.repaired, "invalid geometry repaired (make_valid): Self-intersection at "
                                   "(-179.5, 0.5); Polygon became MultiPolygon");
  char detail[256];
  assert_int_equal(om_geom_check_valid(fx.loc.wkb, fx.loc.len, detail, sizeof detail),
                   OM_REASON_NONE);
  assert_int_equal(om_wkb_type(fx.loc.wkb, fx.loc.len), OM_WKB_MULTIPOLYGON);
  uint32_t parts;
  memcpy(&parts, fx.loc.wkb + 5, 4);
  assert_int_equal(parts, 3); /* the western lobe is cut at 180, the eastern one is not */
  assert_true(fx.loc.env[0] >= -180 && fx.loc.env[2] <= 180);
  assert_int_equal(where(&fx, 179.5, 0.5), OM_GEOM_INTERIOR);
  assert_int_equal(where(&fx, -178.5, 0.5), OM_GEOM_INTERIOR);
  assert_int_equal(where(&fx, 0, 0.5), OM_GEOM_OUTSIDE);
  finish(&fx);
}

/* ---- A polar cap with a hole ---- */

/*
 * The way Natural Earth's Antarctica comes out of TopoJSON: an exterior
 * ring along latitude -89.999, westwards from 180, and the coast as a
 * hole, also westwards, every 15 degrees between -65 and -75.  Both wind
 * once round the south pole; the land is the band between them.
 */
static void polar_cap_csv(char *out, size_t size, bool coast_only)
{
  size_t n = (size_t)snprintf(out, size, "id,wkt\ncap,\"POLYGON (");
  if (!coast_only) {
    n += (size_t)snprintf(out + n, size - n, "(");
    for (int i = 0; i <= 12; i++)
      n += (size_t)snprintf(out + n, size - n, "%s%d -89.999", i ? ", " : "",
                            i == 12 ? 180 : 180 - 30 * i);
    n += (size_t)snprintf(out + n, size - n, "), ");
  }
  n += (size_t)snprintf(out + n, size - n, "(");
  for (int i = 0; i <= 24; i++)
    n += (size_t)snprintf(out + n, size - n, "%s%d %d", i ? ", " : "",
                          i == 24 ? 180 : 180 - 15 * i, i % 24 % 2 ? -75 : -65);
  snprintf(out + n, size - n, "))\"\n");
}

static void test_polar_cap(void **state)
{
  (void)state;
  static char csv[4096];
  struct fixture fx;
  double area, source;

  /* The coast alone holds the pole: the cap it bounds. */
  polar_cap_csv(csv, sizeof csv, true);
  start(&fx, "antimeridian-coast", csv, false);
  expect_located(&fx, OM_WKB_MULTIPOLYGON, 1, &area, &source);
  double coast_cap = area;
  finish(&fx);

  for (int make_valid = 0; make_valid <= 1; make_valid++) {
    polar_cap_csv(csv, sizeof csv, false);
    start(&fx, make_valid ? "antimeridian-cap-mv" : "antimeridian-cap", csv, make_valid);
    expect_located(&fx, OM_WKB_MULTIPOLYGON, 1, &area, &source);
    /*
     * The coast's cap less the 12-gon of radius 111 m round the pole
     * (3 r^2 = 0.0374 km^2), whole: not repaired apart.  Read as given
     * (each ring the smaller side), the area is the same, negative.
     */
    assert_true(fabs(coast_cap - area - 0.0374) < 0.001);
    assert_true(fabs(area + source) < 0.01);
    assert_true(area > 1.4e7 && area < 1.5e7); /* 14.4 million km^2 */
    const double env[4] = {-180, -89.999, 180, -65};
    assert_memory_equal(fx.loc.env, env, sizeof env);
    assert_int_equal(where(&fx, 0, -85), OM_GEOM_INTERIOR);
    assert_int_equal(where(&fx, 100, -74), OM_GEOM_INTERIOR); /* the coast is at -71.7 there */
    assert_int_equal(where(&fx, 100, -70), OM_GEOM_OUTSIDE);
    assert_int_equal(where(&fx, 0, -60), OM_GEOM_OUTSIDE);
    assert_int_equal(where(&fx, 0, -89.9995), OM_GEOM_OUTSIDE);
    finish(&fx);
  }

  /* Three rings round the pole make no band. */
  start(&fx, "antimeridian-three",
        "id,wkt\nthree,\"POLYGON ((0 -60, 120 -60, -120 -60, 0 -60), "
        "(0 -70, 120 -70, -120 -70, 0 -70), (0 -80, 120 -80, -120 -80, 0 -80))\"\n",
        true);
  struct om_locate_error err;
  assert_int_equal(next(&fx, &err, NULL, 0), OM_REASON_GEOMETRY_INVALID);
  assert_contains(err.detail, "winds round a pole");
  finish(&fx);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_jump_edges),
    cmocka_unit_test(test_invalid_across),
    cmocka_unit_test(test_polar_cap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
