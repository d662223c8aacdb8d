/*
 * Reverse geocoding over the built-in gazetteer: the country that holds a
 * point, the nearest place in it (checked against a search of every place
 * at random points, antimeridian and poles included), its admin units.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "geocode/reverse.h"

#define RAD_PER_DEG (3.14159265358979323846 / 180)

struct fixture {
  struct om_gazetteer *g;
  struct om_reverse *r;
};

static int setup(void **state)
{
  static struct fixture fx;
  struct om_diag d;
  om_diag_init(&d);
  if (om_gazetteer_open(&fx.g, OREMAP_DEFAULT_GAZETTEER, &d) < 0)
    fail_msg("%s", d.msg);
  if (om_reverse_new(&fx.r, fx.g, 10, &d) < 0)
    fail_msg("%s", d.msg);
  *state = &fx;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *fx = *state;
  om_reverse_free(fx->r);
  om_gazetteer_close(fx->g);
  return 0;
}

static struct om_reverse_result at(struct fixture *fx, double lon, double lat)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_reverse_result r;
  if (om_reverse(fx->r, lon, lat, &r, &d) < 0)
    fail_msg("%s", d.msg);
  return r;
}

static struct om_gaz_entry entry(struct fixture *fx, uint32_t id)
{
  struct om_gaz_entry e;
  assert_int_not_equal(id, OM_GAZ_NONE);
  assert_int_equal(om_gazetteer_entry(fx->g, id, &e), 0);
  return e;
}

static void test_beylikova(void **state)
{
  struct fixture *fx = *state;
  struct om_reverse_result r = at(fx, 31.21, 39.69);
  assert_string_equal(entry(fx, r.country).country, "TR");
  assert_true(r.border_km == 0);
  struct om_gaz_entry place = entry(fx, r.place);
  assert_string_equal(place.name, "Beylikova");
  assert_true(r.place_km < 3);
  assert_string_equal(entry(fx, place.admin1).name, "Eskişehir");
}

static void test_sea_has_no_country(void **state)
{
  struct fixture *fx = *state;
  struct om_reverse_result r = at(fx, -30, 10); /* mid-Atlantic */
  assert_int_equal(r.country, OM_GAZ_NONE);
  assert_int_not_equal(r.place, OM_GAZ_NONE); /* the nearest place of any country */
  assert_true(r.place_km > 500); /* Cape Verde is the nearest land */
}

static void test_not_a_point(void **state)
{
  struct fixture *fx = *state;
  struct om_reverse_result r = at(fx, NAN, 10);
  assert_int_equal(r.country, OM_GAZ_NONE);
  assert_int_equal(r.place, OM_GAZ_NONE);
  r = at(fx, 10, 95);
  assert_int_equal(r.place, OM_GAZ_NONE);
}

/* Places the search looks at: populated places and points without a feature code. */
static bool is_place(const struct om_gaz_entry *e)
{
  return e->level == OM_GAZ_PLACE && isfinite(e->lat) && (!e->fcode[0] || !strncmp(e->fcode, "PPL", 3));
}

static double chord2(double lon1, double lat1, double lon2, double lat2)
{
  double a = lat1 * RAD_PER_DEG, b = lat2 * RAD_PER_DEG, dl = (lon2 - lon1) * RAD_PER_DEG;
  double x = cos(a) - cos(b) * cos(dl), y = -cos(b) * sin(dl), z = sin(a) - sin(b);
  return x * x + y * y + z * z;
}

static uint64_t rng = 88172645463325252ull;
static double uniform(double lo, double hi)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

/* The tree finds what looking at every place finds, in the country or anywhere. */
static void test_same_as_every_place(void **state)
{
  struct fixture *fx = *state;
  size_t n = om_gazetteer_count(fx->g), nplaces = 0;
  struct om_gaz_entry *places = malloc(n * sizeof *places);
  assert_non_null(places);
  for (uint32_t id = 0; id < n; id++)
    if (om_gazetteer_entry(fx->g, id, &places[nplaces]) == 0 && is_place(&places[nplaces]))
      nplaces++;
  assert_true(nplaces > 100000);

  int in_country = 0;
  for (int k = 0; k < 300; k++) {
    /* Half near the antimeridian or the poles, where a flat search goes wrong. */
    double lon = k % 3 == 0 ? uniform(178, 182) : uniform(-180, 180);
    double lat = k % 3 == 1 ? uniform(60, 90) : uniform(-60, 75);
    if (lon > 180)
      lon -= 360;
    struct om_reverse_result r = at(fx, lon, lat);
    double best = INFINITY;
    uint32_t want = OM_GAZ_NONE;
    for (size_t i = 0; i < nplaces; i++) {
      if (r.country != OM_GAZ_NONE && places[i].country_id != r.country)
        continue;
      double c = chord2(lon, lat, places[i].lon, places[i].lat);
      if (c < best || (c == best && places[i].id < want)) {
        best = c;
        want = places[i].id;
      }
    }
    if (want == OM_GAZ_NONE) /* a country without places: any country */
      continue;
    in_country += r.country != OM_GAZ_NONE;
    /* The same place, or one as near to rounding. */
    struct om_gaz_entry e = entry(fx, r.place);
    if (r.place != want && chord2(lon, lat, e.lon, e.lat) > best * (1 + 1e-9))
      fail_msg("at %.6f %.6f: %u, not %u", lon, lat, r.place, want);
    assert_true(fabs(r.place_km - om_geodesic_distance_km(lon, lat, e.lon, e.lat)) < 1e-9);
  }
  assert_true(in_country > 30);
  free(places);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_beylikova),
      cmocka_unit_test(test_sea_has_no_country),
      cmocka_unit_test(test_not_a_point),
      cmocka_unit_test(test_same_as_every_place),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
