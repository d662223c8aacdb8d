/*
 * Inside the geocoder: candidates, the context a query's parts build up,
 * the result cache and overrides.  Only src/geocode includes this.
 */
#ifndef OM_GEOCODE_PRIVATE_H
#define OM_GEOCODE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "geocode/geocode.h"

/* One candidate entry for a part, rated. */
struct gc_cand {
  uint32_t entry;
  enum om_gc_match match; /* how its name matched */
  unsigned distance;      /* edits (fuzzy) */
  double q;               /* name factor */
  int rank;               /* feature class rank, smaller is more important */
  int64_t population;
  enum om_gaz_level level;
  uint32_t admin1, admin2; /* the entry's units, to collapse a unit into its namesake place */
};

/* The candidates of one part. */
struct gc_part {
  size_t n;               /* candidates in c */
  size_t total;           /* hits the lookups gave (gc_candidates) */
  struct gc_cand c[256];
  char folded[512];       /* the part's text folded for case and spacing, once needed */
  ssize_t folded_len;     /* its length, or < 0: not made yet or not valid text */
};

/* What the parts right of the finest have narrowed the search to. */
struct gc_context {
  uint32_t country, admin1, admin2; /* OM_GAZ_NONE where not known */
  int level;              /* finest level matched, -1 for none */
  uint32_t unit;          /* the finest unit matched, or OM_GAZ_NONE */
  enum om_gc_match unit_match;
  double factor;          /* product of the context factors */
};

/* Results by normalised query (the gazetteer is fixed for a geocoder's life). */
struct gc_cache_slot;
struct gc_cache {
  struct gc_cache_slot *slots; /* open addressing, NULL key = empty */
  size_t cap;                  /* a power of two, or 0 */
  size_t n;
};

void om_gc_cache_init(struct gc_cache *c);
void om_gc_cache_release(struct gc_cache *c);
bool om_gc_cache_get(const struct gc_cache *c, const char *key, struct om_gc_result *res);
/* 0, or OM_ENOMEM; a full cache keeps what it has and stops adding. */
int om_gc_cache_put(struct gc_cache *c, const char *key, const struct om_gc_result *res);

/*
 * The query's parts normalised with flags (text/normalize.h) and joined by
 * ", ".  false when it does not fit in out or a part is not valid text.
 */
bool om_gc_query_key(char *out, size_t size, const char *const *parts, size_t n, int flags);

/* Apply an override for the record id or the query; true when one applied. */
bool om_gc_overrides_apply(const struct om_gc_overrides *o, const struct om_gazetteer *g,
                           const char *id, const char *const *parts, size_t n,
                           struct om_gc_result *res);

/* Fill a result's place fields (level, point, radius, names, ids) from an entry. */
void om_gc_fill_entry(struct om_gc_result *res, const struct om_gazetteer *g, uint32_t id);

struct om_geocoder {
  const struct om_gazetteer *g;
  struct om_geocoder_opts opts;
  struct gc_cache cache;
  struct om_gaz_hit hits[256];  /* lookup scratch */
  struct gc_part context;       /* candidates of a context part */
  struct gc_part finest;        /* candidates of the finest part */
  char buf[2048];               /* the trimmed parts of the query at hand */
};

#endif
