/*
 * The geocoder: a structured place name ("Beylikova, Eskişehir, Türkiye")
 * to a point that says how it was found and how far off it may be.
 *
 * A query is a list of parts, finest first, as a template over record
 * fields gives them ("{name}, {province}, {country}" with empty parts
 * dropped) or as free text split at commas.  Parts are resolved right to
 * left: the last part is tried as a country (names, alternate names, ISO
 * alpha-2 and alpha-3 codes), the next as an admin-1 unit within it, then
 * an admin-2 unit within that, and the first part as the place itself
 * within everything matched so far.  A context part that names no unit
 * (a district the gazetteer does not know) narrows nothing and lowers the
 * score; a part may skip levels ("Tashkent, Uzbekistan").
 *
 * Exact keys first (text/normalize.h), fuzzy keys only when no exact key
 * matches.  Candidates for a part are ranked by how well their name
 * matched, then feature class (capital, admin seat, populated place,
 * other), then population; a place and the admin unit named after it
 * (Beylikova the town and Beylikova the district) collapse into the place,
 * which is the more precise answer.
 *
 * When the place itself is not found the record is located at the finest
 * unit that did match (admin-2, admin-1, country), at the unit's
 * representative point with a radius that covers the unit, and the result
 * says so (status fallback).  Nothing is placed more precisely than the
 * name allows.
 *
 * A geocoder is used by one thread at a time; several geocoders may share
 * one gazetteer.
 */
#ifndef OM_GEOCODE_GEOCODE_H
#define OM_GEOCODE_GEOCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "gazetteer/gazetteer.h"

/* XX(NAME, "word"): the values of gc_status, gc_level and gc_match. */
#define OM_GC_STATUS_MAP(XX)                                                   \
  XX(GIVEN, "given") XX(MATCHED, "matched") XX(FALLBACK, "fallback")          \
  XX(OVERRIDE, "override") XX(UNMATCHED, "unmatched")
#define OM_GC_LEVEL_MAP(XX)                                                    \
  XX(SITE, "site") XX(LOCALITY, "locality") XX(ADMIN2, "admin2")              \
  XX(ADMIN1, "admin1") XX(COUNTRY, "country")
#define OM_GC_MATCH_MAP(XX)                                                    \
  XX(COORDS, "coords") XX(EXACT, "exact") XX(ASCII, "ascii")                  \
  XX(ALTERNATE, "alternate") XX(FUZZY, "fuzzy") XX(OVERRIDE, "override")

enum om_gc_status {
#define XX(n, w) OM_GC_STATUS_##n,
  OM_GC_STATUS_MAP(XX)
#undef XX
};
enum om_gc_level {
#define XX(n, w) OM_GC_LEVEL_##n,
  OM_GC_LEVEL_MAP(XX)
#undef XX
};
enum om_gc_match {
#define XX(n, w) OM_GC_MATCH_##n,
  OM_GC_MATCH_MAP(XX)
#undef XX
};

const char *om_gc_status_word(enum om_gc_status s);
const char *om_gc_level_word(enum om_gc_level l);
const char *om_gc_match_word(enum om_gc_match m);

/* The gc_* fields every located record carries, in output order. */
#define OM_GC_FIELD_MAP(XX)                                                    \
  XX(STATUS, "gc_status") XX(LEVEL, "gc_level") XX(MATCH, "gc_match")         \
  XX(SCORE, "gc_score") XX(RADIUS_KM, "gc_radius_km") XX(NAME, "gc_name")     \
  XX(GEONAMEID, "gc_geonameid") XX(COUNTRY, "gc_country")                     \
  XX(ADMIN1, "gc_admin1") XX(CANDIDATES, "gc_candidates")
enum om_gc_field {
#define XX(n, w) OM_GC_FIELD_##n,
  OM_GC_FIELD_MAP(XX)
#undef XX
  OM_GC_FIELD__COUNT
};
/* "gc_status", "gc_level" ...: the name of a gc_* field. */
const char *om_gc_field_name(enum om_gc_field f);

#define OM_GC_MAX_PARTS 8 /* parts of one query */

struct om_gc_result {
  enum om_gc_status status;
  enum om_gc_level level;
  enum om_gc_match match;
  double score;           /* 0..1 */
  double lat, lon;        /* the point, WGS 84 (NaN when unmatched) */
  double radius_km;       /* the true place should lie within this distance */
  char name[256];         /* the gazetteer name used, "" when none */
  int64_t geonameid;      /* 0 when none */
  char country[3];        /* ISO alpha-2, "" when none */
  char admin1[256];       /* admin-1 name, "" when none */
  long candidates;        /* candidates considered for the finest part */
  char detail[512];       /* unmatched: the query and the closest candidates */
};

/* One ranked candidate, as `oremap gazetteer lookup` prints them. */
struct om_gc_candidate {
  uint32_t entry;         /* gazetteer entry */
  enum om_gc_match match; /* how its name matched */
  unsigned distance;      /* edit distance of the name (fuzzy) */
  double score;           /* 0..1, as a result would carry */
};

struct om_gc_overrides;

struct om_geocoder_opts {
  double min_score;                    /* results below it are unmatched (default 0) */
  const struct om_gc_overrides *overrides; /* or NULL */
  bool no_fuzzy;                       /* exact keys only */
};

struct om_geocoder;

/* A geocoder over 'g', which must outlive it. */
int om_geocoder_new(struct om_geocoder **out, const struct om_gazetteer *g,
                    const struct om_geocoder_opts *o, struct om_diag *d);
void om_geocoder_free(struct om_geocoder *gc);

/*
 * Geocode one query of nparts parts (finest first; NULL or blank parts are
 * skipped).  id is the record's id for overrides, or NULL.  Fills *res
 * (status unmatched with res->detail when nothing matched or the score is
 * below min_score).  Returns 0, or OM_ENOMEM.
 */
int om_geocode(struct om_geocoder *gc, const char *const *parts, size_t nparts, const char *id,
               struct om_gc_result *res);

/*
 * The ranked candidates for the finest part of a query (after resolving
 * the others as om_geocode does), best first: at most max stored, the
 * number stored returned.
 */
size_t om_geocode_candidates(struct om_geocoder *gc, const char *const *parts, size_t nparts,
                             struct om_gc_candidate *out, size_t max);

/* Split free text at commas into parts (finest first); returns the count. */
size_t om_geocode_split(char *text, const char **parts, size_t max);

/*
 * Overrides: a CSV file with the columns key, lat, lon, geonameid, note.
 * key is a record id or a query, compared normalised (so "Koulbaga 1,
 * Niger" and "KOULBAGA 1 , niger" are one key); lat/lon or a geonameid
 * of the gazetteer say where.  Every bad row is a run-level error naming
 * file, line and field: an override file is small and hand-written.
 */
int om_gc_overrides_load(struct om_gc_overrides **out, const char *path,
                         const struct om_gazetteer *g, struct om_diag *d);
void om_gc_overrides_free(struct om_gc_overrides *o);

#endif
