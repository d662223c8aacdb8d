/*
 * The index builder's state, shared by build.c (entries, keys, hierarchy,
 * writing) and the readers of each source format (build_geonames.c,
 * build_ogr.c).
 *
 * While sources are read, entries are numbered in reading order ("tmp"
 * numbers); parents are noted by code and resolved once everything is
 * read, since a GeoNames dump lists places before or after their admin
 * units in any order.  build.c then sorts entries into the file's order
 * (format.h) and renumbers the postings.
 */
#ifndef OM_GAZETTEER_BUILD_INTERNAL_H
#define OM_GAZETTEER_BUILD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "gazetteer/gazetteer.h"

#define GB_NONE UINT32_MAX
#define GB_MAX_WARNINGS 10 /* bad rows reported one by one per file; the rest counted */

/* Interned strings: text -> dense number, in first-seen order. */
struct gb_smap {
  char *text;      /* the strings, NUL-terminated, back to back */
  size_t len, cap; /* bytes used / allocated in text */
  uint32_t *offs;  /* offset of string i in text */
  uint32_t n, ncap;
  uint32_t *slots; /* number + 1, 0 empty; linear probing on gaz_key_hash */
  size_t nslots;   /* a power of two, at least twice n */
};

/* Number of s[0..len), interning it when new; GB_NONE when out of memory. */
uint32_t gb_smap_intern(struct gb_smap *m, const char *s, size_t len);
/* Number of s or GB_NONE. */
uint32_t gb_smap_get(const struct gb_smap *m, const char *s, size_t len);
void gb_smap_release(struct gb_smap *m);

/*
 * One entry while building; kept to 64 bytes, since a 12-million-row
 * source holds this many of them in memory at once.
 */
struct gb_entry {
  int64_t geonameid;
  double lat, lon;      /* NaN until known */
  float radius_km;      /* < 0 until known (the file stores a float too) */
  uint32_t population;
  uint32_t name;        /* offset in the string pool */
  uint32_t fcode;       /* number in gb.fcodes */
  uint32_t country_t;   /* tmp number of the country, or GB_NONE */
  uint32_t a1code;      /* gb.codes number of "CC.A1" (units: own code), or GB_NONE */
  uint32_t a2code;      /* gb.codes number of "CC.A1.A2", or GB_NONE */
  uint32_t admin1_t;    /* resolved tmp numbers */
  uint32_t admin2_t;
  char country[2];      /* ISO alpha-2, or zeros */
  uint8_t level;
};

/* A country's area from countryInfo.txt (few: kept apart from the entries). */
struct gb_area {
  uint32_t t;           /* the country's tmp number */
  double km2;
};

struct gb_outline {
  uint32_t t;          /* the country's tmp number */
  unsigned char *wkb;  /* owned */
  size_t len;
};

struct gb {
  const struct om_gaz_build_opts *o;
  struct om_gaz_build_stats *stats;
  struct om_diag *d;
  struct gb_entry *e;   /* entries in reading order */
  size_t n, cap;
  char *pool;           /* display strings; offset 0 is "" */
  size_t pool_len, pool_cap;
  struct gb_smap keys;  /* normalised keys */
  uint64_t *post;       /* key << 32 | tmp << 2 | kind */
  size_t npost, post_cap;
  struct gb_smap codes; /* "CC", "CC.A1", "CC.A1.A2" */
  uint32_t *code_unit;  /* per codes number: the unit's tmp number or GB_NONE */
  size_t code_unit_cap;
  struct gb_smap fcodes;
  uint32_t *fcode_off;  /* per fcodes number: offset in the pool */
  size_t fcode_cap;
  struct gb_smap iso;   /* ISO alpha-2, alpha-3 and numeric codes */
  uint32_t *iso_unit;   /* per iso number: the country's tmp number */
  size_t iso_cap;
  struct gb_area *areas; /* countries with an area */
  size_t nareas, areas_cap;
  struct gb_outline *outlines; /* country outlines, at most one per country */
  size_t noutlines, outlines_cap;
  char *sources;        /* one line per source */
  size_t sources_len;
  bool geonames;        /* a GeoNames file was read */
  size_t unresolved;    /* places in the current file whose admin code names no unit */
  char norm[4096];      /* normalisation buffer */
};

/* Add an entry; its tmp number, or GB_NONE when out of memory. */
uint32_t gb_entry_add(struct gb *b, enum om_gaz_level level, const char *name, const char *fcode,
                      const char *country);
/* Note country t's area: 0 or OM_ENOMEM. */
int gb_area_add(struct gb *b, uint32_t t, double km2);
/* Copy a display string into the pool; offset, or GB_NONE. */
uint32_t gb_pool_add(struct gb *b, const char *s, size_t len);
/* Post a name of entry t under its normalised key: 0, 1 when the name is not valid UTF-8 or has an empty key, or OM_ENOMEM. */
int gb_name_add(struct gb *b, uint32_t t, const char *name, size_t len, enum om_gaz_kind kind);
/* The unit a code names: tmp number or GB_NONE. */
uint32_t gb_code_unit(struct gb *b, const char *code);
/* Make 'code' name unit t; OM_ENOMEM or 0.  *code_id gets the code's number. */
int gb_code_set(struct gb *b, const char *code, uint32_t t, uint32_t *code_id);
/* The code number (interning it), or GB_NONE when out of memory. */
uint32_t gb_code_id(struct gb *b, const char *code);
/* The country entry for ISO alpha-2/alpha-3/numeric text, or GB_NONE. */
uint32_t gb_country_find(struct gb *b, const char *iso);
/* Make an ISO code (any of the three kinds) name country t: 0 or OM_ENOMEM. */
int gb_country_alias(struct gb *b, uint32_t t, const char *iso);
/* The file name of a path without its folders (what the sources list shows). */
const char *gb_base_name(const char *path);
/* Append one line to the sources description. */
int gb_source_note(struct gb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a bad row (the first GB_MAX_WARNINGS per file one by one). */
void gb_bad_row(struct gb *b, const char *file, long line, size_t *count, const char *why);

/* Order, index and write everything collected (build_write.c). */
int gb_finish(struct gb *b);

/* Readers of the sources (build_geonames.c, build_ogr.c). */
int gb_read_country_info(struct gb *b, const char *path);
int gb_read_admin_codes(struct gb *b, const char *path, enum om_gaz_level level);
int gb_read_places(struct gb *b, const char *path);
int gb_read_alternate_names(struct gb *b, const char *path);
int gb_read_layer(struct gb *b, const struct om_gaz_layer_source *s);
int gb_read_outlines(struct gb *b, const char *path);

#endif
