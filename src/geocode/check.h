/*
 * Checking coordinates that records give against the country they state:
 * a point outside its country is flagged, and one that falls inside it
 * once latitude and longitude are swapped is reported as swapped.  The
 * outlines are the gazetteer's (Natural Earth 1:50m in the built-in one),
 * generalised by a few km, so a point within tolerance_km of the border
 * counts as inside ("near_border").
 */
#ifndef OM_GEOCODE_CHECK_H
#define OM_GEOCODE_CHECK_H

#include "core/diag.h"
#include "gazetteer/gazetteer.h"

/* XX(NAME, "word"): the values of gc_check. */
#define OM_CHECK_MAP(XX)                                                       \
  XX(INSIDE, "inside") XX(NEAR_BORDER, "near_border") XX(OUTSIDE, "outside")   \
  XX(SWAPPED, "swapped") XX(FIXED, "swapped_fixed")                           \
  XX(UNKNOWN_COUNTRY, "unknown_country") XX(NO_OUTLINE, "no_outline")         \
  XX(NOT_A_POINT, "not_a_point")

enum om_check {
#define XX(n, w) OM_CHECK_##n,
  OM_CHECK_MAP(XX)
#undef XX
};
const char *om_check_word(enum om_check c);

struct om_country_check;

/* Index the gazetteer's outlines ('g' must outlive the check). */
int om_country_check_new(struct om_country_check **out, const struct om_gazetteer *g,
                         double tolerance_km, struct om_diag *d);
void om_country_check_free(struct om_country_check *c);

/*
 * Where (lon, lat) lies relative to the country that 'country' names (ISO
 * alpha-2/alpha-3 code or a name, as the geocoder reads it).  *km is the
 * distance to the outline for OUTSIDE and NEAR_BORDER, else 0.  Returns 0
 * or OM_EDEP with the message in d.
 */
int om_country_check(struct om_country_check *c, const char *country, double lon, double lat,
                     enum om_check *out, double *km, struct om_diag *d);

/*
 * The country entry whose outline holds (lon, lat), else the one whose
 * border is nearest within tolerance_km (*km its distance, else 0), else
 * OM_GAZ_NONE.  0, or OM_EDEP with the message in d.
 */
int om_country_at(struct om_country_check *c, double lon, double lat, uint32_t *country,
                  double *km, struct om_diag *d);

#endif
