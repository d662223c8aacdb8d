/* Country, admin units and nearest place of a point (see reverse.h). */
#include "geocode/reverse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "geocode/check.h"

#define RAD_PER_DEG (3.14159265358979323846 / 180)

/* A place as a point of the unit sphere. */
struct node {
  double v[3];
  uint32_t entry;   /* its gazetteer entry */
  uint32_t country; /* its country entry, or OM_GAZ_NONE */
};

struct om_reverse {
  const struct om_gazetteer *g;
  struct om_country_check *countries;
  struct node *nodes; /* an implicit k-d tree: the median of [lo, hi) splits it */
  size_t n;
};

/* The nearest node found so far. */
struct best {
  double d2;    /* squared chord */
  size_t i;     /* node, or SIZE_MAX */
};

static void unit_vector(double lon, double lat, double v[3])
{
  double cl = cos(lat * RAD_PER_DEG);
  v[0] = cl * cos(lon * RAD_PER_DEG);
  v[1] = cl * sin(lon * RAD_PER_DEG);
  v[2] = sin(lat * RAD_PER_DEG);
}

/* Nodes that count as places: populated places, and the user's own points (no feature code). */
static bool is_place(const struct om_gaz_entry *e)
{
  return e->level == OM_GAZ_PLACE && isfinite(e->lat) && isfinite(e->lon) &&
         (!e->fcode[0] || !strncmp(e->fcode, "PPL", 3));
}

/* Ordered by coordinate 'axis', then entry, so the tree is the same on every run. */
static bool before(const struct node *a, const struct node *b, int axis)
{
  return a->v[axis] < b->v[axis] || (a->v[axis] == b->v[axis] && a->entry < b->entry);
}

static void swap_nodes(struct node *a, struct node *b)
{
  struct node t = *a;
  *a = *b;
  *b = t;
}

/* Put the k-th node of [lo, hi) by 'axis' in place, smaller ones before it, larger after. */
static void select_kth(struct node *v, size_t lo, size_t hi, size_t k, int axis)
{
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2, last = hi - 1;
    /* Median of three as the pivot, moved to the end. */
    if (before(&v[mid], &v[lo], axis))
      swap_nodes(&v[mid], &v[lo]);
    if (before(&v[last], &v[lo], axis))
      swap_nodes(&v[last], &v[lo]);
    if (before(&v[mid], &v[last], axis))
      swap_nodes(&v[mid], &v[last]);
    size_t store = lo;
    for (size_t i = lo; i < last; i++)
      if (before(&v[i], &v[last], axis))
        swap_nodes(&v[i], &v[store++]);
    swap_nodes(&v[store], &v[last]);
    if (store == k)
      return;
    if (k < store)
      hi = store;
    else
      lo = store + 1;
  }
}

static void build_tree(struct node *v, size_t lo, size_t hi, int depth)
{
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    select_kth(v, lo, hi, mid, depth % 3);
    build_tree(v, lo, mid, depth + 1);
    lo = mid + 1;
    depth++;
  }
}

static double chord2(const double a[3], const double b[3])
{
  double x = a[0] - b[0], y = a[1] - b[1], z = a[2] - b[2];
  return x * x + y * y + z * z;
}

/* The nearest node of [lo, hi) to q whose country is 'country' (OM_GAZ_NONE: any). */
static void search(const struct node *v, size_t lo, size_t hi, int depth, const double q[3],
                   uint32_t country, struct best *b)
{
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct node *n = &v[mid];
    if (country == OM_GAZ_NONE || n->country == country) {
      double d2 = chord2(q, n->v);
      if (d2 < b->d2 || (d2 == b->d2 && b->i != SIZE_MAX && n->entry < v[b->i].entry)) {
        b->d2 = d2;
        b->i = mid;
      }
    }
    double diff = q[depth % 3] - n->v[depth % 3];
    if (diff < 0)
      search(v, lo, mid, depth + 1, q, country, b);
    else
      search(v, mid + 1, hi, depth + 1, q, country, b);
    if (diff * diff > b->d2)
      return; /* the far side lies beyond the best */
    if (diff < 0)
      lo = mid + 1;
    else
      hi = mid;
    depth++;
  }
}

void om_reverse_free(struct om_reverse *r)
{
  if (!r)
    return;
  om_country_check_free(r->countries);
  free(r->nodes);
  free(r);
}

int om_reverse_new(struct om_reverse **out, const struct om_gazetteer *g, double tolerance_km,
                   struct om_diag *d)
{
  *out = NULL;
  size_t total = om_gazetteer_count(g);
  struct om_reverse *r = calloc(1, sizeof *r);
  if (!r || !(r->nodes = malloc((total ? total : 1) * sizeof *r->nodes))) {
    free(r);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  r->g = g;
  for (uint32_t id = 0; id < total; id++) {
    struct om_gaz_entry e;
    if (om_gazetteer_entry(g, id, &e) < 0 || !is_place(&e))
      continue;
    struct node *n = &r->nodes[r->n++];
    unit_vector(e.lon, e.lat, n->v);
    n->entry = id;
    n->country = e.country_id;
  }
  build_tree(r->nodes, 0, r->n, 0);
  int rc = om_country_check_new(&r->countries, g, tolerance_km, d);
  if (rc < 0) {
    om_reverse_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

int om_reverse(struct om_reverse *r, double lon, double lat, struct om_reverse_result *out,
               struct om_diag *d)
{
  *out = (struct om_reverse_result){.country = OM_GAZ_NONE, .place = OM_GAZ_NONE,
                                    .place_km = NAN};
  if (!isfinite(lon) || !isfinite(lat) || fabs(lat) > 90)
    return 0;
  int rc = om_country_at(r->countries, lon, lat, &out->country, &out->border_km, d);
  if (rc < 0)
    return rc;
  double q[3];
  unit_vector(lon, lat, q);
  struct best b = {.d2 = INFINITY, .i = SIZE_MAX};
  search(r->nodes, 0, r->n, 0, q, out->country, &b);
  if (b.i == SIZE_MAX && out->country != OM_GAZ_NONE) /* a country without places */
    search(r->nodes, 0, r->n, 0, q, OM_GAZ_NONE, &b);
  if (b.i == SIZE_MAX)
    return 0;
  struct om_gaz_entry e;
  if (om_gazetteer_entry(r->g, r->nodes[b.i].entry, &e) < 0)
    return 0;
  out->place = e.id;
  out->place_km = om_geodesic_distance_km(lon, lat, e.lon, e.lat);
  return 0;
}
