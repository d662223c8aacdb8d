/*
 * The gazetteer index: every country, admin-1 unit, admin-2 unit and place
 * the geocoder can name, with their names, alternate names and codes under
 * normalised keys (text/normalize.h, OM_NORM_KEY), in one versioned file
 * that is opened by memory mapping and carries a content hash.
 *
 * Entries are numbered 0..n-1 and refer to each other by number: a place
 * knows its country, admin-1 and admin-2 entries, so the geocoder can walk
 * a structured query right to left (country, then admin-1 within it ...).
 *
 * An open gazetteer is read-only and may be shared by any number of
 * threads.  Every string it returns is borrowed from the mapping and lives
 * until om_gazetteer_close.
 */
#ifndef OM_GAZETTEER_GAZETTEER_H
#define OM_GAZETTEER_GAZETTEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"

#define OM_GAZ_NONE UINT32_MAX /* no entry */

/*
 * Ids from this value up are local to an index: data/gazetteer gives them
 * to countries and places that its open sources list without a GeoNames
 * id (GeoNames' own ids are below 20 million).  They work as ids inside
 * oremap but are never reported as GeoNames ids.
 */
#define OM_GAZ_LOCAL_ID_MIN 900000000LL

enum om_gaz_level {
  OM_GAZ_COUNTRY = 0,
  OM_GAZ_ADMIN1 = 1,
  OM_GAZ_ADMIN2 = 2,
  OM_GAZ_PLACE = 3, /* a populated place or any other named point */
};
#define OM_GAZ_LEVEL_BIT(l) (1u << (l))
#define OM_GAZ_ALL_LEVELS 0xfu

/* How a name key reached an entry. */
enum om_gaz_kind {
  OM_GAZ_NAME = 0,      /* the entry's own name */
  OM_GAZ_ASCII = 1,     /* its ASCII spelling (GeoNames asciiname) */
  OM_GAZ_ALTERNATE = 2, /* an alternate name, exonym or translation */
  OM_GAZ_CODE = 3,      /* a code: ISO 3166-1 alpha-2 / alpha-3 of a country */
};

struct om_gaz_entry {
  uint32_t id;             /* this entry's number */
  enum om_gaz_level level;
  int64_t geonameid;       /* GeoNames id, 0 when the source has none */
  const char *name;        /* display name, UTF-8 */
  const char *fcode;       /* GeoNames feature code (PPLC, PPLA, PPLA2, PPL, ADM1, PCLI ...), or "" */
  char country[3];         /* ISO 3166-1 alpha-2, "" when none */
  uint32_t country_id;     /* entry of its country (a country: itself), or OM_GAZ_NONE */
  uint32_t admin1;         /* entry of its admin-1 (an admin-1: itself), or OM_GAZ_NONE */
  uint32_t admin2;         /* entry of its admin-2 (an admin-2: itself), or OM_GAZ_NONE */
  double lat, lon;         /* representative point, WGS 84; both NaN: location unknown */
  double radius_km;        /* the whole unit / place lies within this distance of the point */
  int64_t population;      /* 0 when unknown */
};

/* One entry a key led to. */
struct om_gaz_hit {
  uint32_t entry;          /* entry number */
  enum om_gaz_kind kind;   /* the best way the key reached it */
  unsigned distance;       /* Damerau-Levenshtein distance of the key (0: exact) */
};

/* Which entries a lookup may return. */
struct om_gaz_scope {
  unsigned levels;  /* OM_GAZ_LEVEL_BIT mask; 0 means all */
  uint32_t country; /* only entries of this country entry, or OM_GAZ_NONE */
  uint32_t admin1;  /* only entries within this admin-1 entry, or OM_GAZ_NONE */
  uint32_t admin2;  /* only entries within this admin-2 entry, or OM_GAZ_NONE */
};

struct om_gaz_info {
  unsigned version;        /* index format version */
  char hash[33];           /* content hash, 32 hex digits */
  size_t counts[4];        /* entries per om_gaz_level */
  size_t nkeys;            /* distinct name keys */
  size_t nnames;           /* (key, entry) postings */
  size_t outlines;         /* countries with an outline */
  size_t file_bytes;       /* size of the index file */
  const char *sources;     /* what it was built from, one line per source */
  const char *attribution; /* e.g. GeoNames' CC-BY 4.0 notice, or "" */
};

struct om_gazetteer;

/*
 * Open and map an index file.  A file that is not an index, has another
 * format version or fails its checks gives OM_EIO with the reason in d->msg.
 */
int om_gazetteer_open(struct om_gazetteer **out, const char *path, struct om_diag *d);
void om_gazetteer_close(struct om_gazetteer *g);

void om_gazetteer_info(const struct om_gazetteer *g, struct om_gaz_info *out);
/* The content hash (32 hex digits), borrowed. */
const char *om_gazetteer_hash(const struct om_gazetteer *g);
size_t om_gazetteer_count(const struct om_gazetteer *g);

/* Read entry 'id' (< om_gazetteer_count); 0, or -1 for an id out of range. */
int om_gazetteer_entry(const struct om_gazetteer *g, uint32_t id, struct om_gaz_entry *out);

/* The country entry for an ISO alpha-2 or alpha-3 code (any case), or OM_GAZ_NONE. */
uint32_t om_gazetteer_country(const struct om_gazetteer *g, const char *iso);

/*
 * The entries of 'scope' that a normalised key (OM_NORM_KEY) names exactly,
 * each once with its best kind, in entry order.  Stores at most 'max' hits
 * and returns how many there are in all (more than max when cut).
 */
size_t om_gazetteer_find(const struct om_gazetteer *g, const char *key, size_t key_len,
                         const struct om_gaz_scope *scope, struct om_gaz_hit *hits, size_t max);

/*
 * Which of n normalised keys the index holds at all, whatever their
 * entries and scope: known[i] for keys[i] of lens[i] bytes.  Returns how
 * many it holds.  For trying many spellings of one text: the lookups wait
 * for memory together, about as long as one om_gazetteer_find does.
 */
size_t om_gazetteer_known(bool *known, const struct om_gazetteer *g, const char *const *keys,
                          const size_t *lens, size_t n);

/*
 * The entries of 'scope' whose names lie within 'max_distance' edits
 * (Damerau-Levenshtein, on keys) of the normalised key, nearest first,
 * each once.  Stores at most 'max' hits, returns how many were stored.
 */
size_t om_gazetteer_fuzzy(const struct om_gazetteer *g, const char *key, size_t key_len,
                          unsigned max_distance, const struct om_gaz_scope *scope,
                          struct om_gaz_hit *hits, size_t max);

/*
 * A country's outline as ISO WKB (lon/lat WGS 84), borrowed, or NULL with
 * *len = 0 when the index has none for it.
 */
const unsigned char *om_gazetteer_outline(const struct om_gazetteer *g, uint32_t country,
                                          size_t *len);

/* A point layer of the user's own (any format GDAL opens) to import. */
struct om_gaz_layer_source {
  const char *path;        /* file or connection */
  const char *layer;       /* layer name, or NULL for the first */
  const char *name;        /* field with the name */
  const char *alternates;  /* field with alternate names separated by ',' or ';', or NULL */
  const char *id;          /* field with an id (written as geonameid when numeric), or NULL */
  const char *country;     /* field with ISO alpha-2/alpha-3 country, or NULL */
  const char *admin1;      /* field with the admin-1 name or code, or NULL */
  const char *fcode;       /* feature code for every entry ("MINE", "PPL" ...), or NULL for "PPL" */
};

struct om_gaz_build_opts {
  const char *output;          /* index file to write (replaced atomically) */
  size_t nplaces;              /* GeoNames allCountries.txt / cities*.txt, plain or .zip */
  const char *const *places;
  const char *alternate_names; /* alternateNamesV2.txt (plain or .zip), or NULL */
  const char *admin1;          /* admin1CodesASCII.txt, or NULL */
  const char *admin2;          /* admin2Codes.txt, or NULL */
  const char *country_info;    /* countryInfo.txt, or NULL */
  const char *outlines;        /* polygon layer of countries with ISO codes, or NULL */
  size_t nlayers;              /* the user's own point layers */
  const struct om_gaz_layer_source *layers;
  const char *attribution;     /* stored in the index, or NULL for the GeoNames notice when GeoNames files are read */
};

struct om_gaz_build_stats {
  size_t rows;       /* source rows read */
  size_t skipped;    /* rows skipped (reported through d as warnings) */
  size_t entries;    /* entries written */
  size_t names;      /* name postings written */
};

/* Build an index; 0, or a negative code with the message in d->msg. */
int om_gazetteer_build(const struct om_gaz_build_opts *o, struct om_gaz_build_stats *stats,
                       struct om_diag *d);

#endif
