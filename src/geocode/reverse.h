/*
 * Reverse geocoding of coordinates that records give: the country whose
 * outline holds the point, and the nearest place of the gazetteer in that
 * country, with its admin-1 and admin-2 units.
 *
 * The gazetteer has outlines for countries only, so the admin units are
 * those of the nearest place in the country (the unit a nearest-place
 * partition puts the point in): right away from unit borders, a guess
 * near them, which is why the place and its distance are reported too.
 * A point that no outline holds takes the country whose border lies within
 * tolerance_km (coastal sites against generalised outlines); beyond that it
 * has no country, and the nearest place is searched among all countries.
 *
 * Places are searched in a k-d tree over unit vectors, so that the nearest
 * by chord is the nearest on the sphere, at any latitude and across the
 * antimeridian; the reported distance is geodesic on WGS 84.
 */
#ifndef OM_GEOCODE_REVERSE_H
#define OM_GEOCODE_REVERSE_H

#include "core/diag.h"
#include "gazetteer/gazetteer.h"

struct om_reverse;

/*
 * Index the places and country outlines of 'g', which must outlive the
 * result.  One per thread: it holds a GEOS probe.  0, OM_ENOMEM or OM_EDEP.
 */
int om_reverse_new(struct om_reverse **out, const struct om_gazetteer *g, double tolerance_km,
                   struct om_diag *d);
void om_reverse_free(struct om_reverse *r);

struct om_reverse_result {
  uint32_t country;   /* entry of the country holding the point, or OM_GAZ_NONE */
  double border_km;   /* 0 inside the outline, else how far outside (within tolerance) */
  uint32_t place;     /* nearest place (in that country when there is one), or OM_GAZ_NONE */
  double place_km;    /* geodesic distance to it */
};

/* Where (lon, lat) lies.  0, or OM_EDEP with the message in d. */
int om_reverse(struct om_reverse *r, double lon, double lat, struct om_reverse_result *out,
               struct om_diag *d);

#endif
