/*
 * The gazetteer index file, private to src/gazetteer.
 *
 * Layout (all integers little-endian, every section 8-byte aligned):
 *
 *   header      48 bytes: magic "OMGAZIDX", format version, section
 *               count, file size, and the content hash: XXH3-128 of every
 *               byte after the header (section table included).
 *   sections    nsections x {id, reserved, offset, size}
 *   ...         the sections themselves, in any order.
 *
 * Entries are numbered so that every unit's descendants follow it in one
 * run: sorted by country code, admin-1 code, admin-2 code, then level.
 * A unit entry records the length of that run (span), so limiting a
 * lookup to a country or an admin unit is an entry range, and the
 * postings of a key, sorted by entry, are cut to it by binary search.
 *
 * Keys live in a hash table (open addressing on XXH3-64 of the key,
 * linear probing, 3/4 full; a key's first slot is the low 32 bits of its
 * hash scaled to the table size, gaz_slot_home) for O(1) exact lookup.
 * A slot holds key number + 1 in its low KB bits, where KB is the bit
 * length of nkeys, and the top 32 - KB bits of the hash's upper half
 * above them as a fingerprint, so that probing past other keys seldom
 * reads their text (gaz_slot_bits).  Each key's postings are one run of
 * 32-bit words: entry << 2 | kind.
 *
 * Keys are numbered by length in code points (then in the order the
 * builder met them), so the keys of one length are one range of numbers
 * (LENSTART) and every sorted list of key numbers is grouped by length.
 *
 * Fuzzy lookup (fuzzy.c) uses a trigram index over the keys' code points
 * (a sorted table of trigram hashes, each with a varint delta list of key
 * numbers; TRIDIR points to the first trigram of each 16-bit hash prefix,
 * so that finding one reads a few neighbours, not a binary search's worth
 * of cache lines), a 64-bit signature per key for cheap filters (KEYMASK:
 * bit h % 32 set for each of the key's trigram hashes h, bit 32 + c % 32
 * for each of its code points c), and the postings transposed (FWD,
 * ESTART: each entry's keys) so that a lookup limited to a small unit
 * scans only that unit's keys.  FWDMASK repeats the code point half of
 * each FWD word's key signature beside it: such a scan reads two arrays in
 * order rather than one signature per key from anywhere in KEYMASK (a
 * cache miss each), and reads KEYMASK only for the few keys whose letters
 * pass (half a signature per posting keeps a 12-million-place index within
 * 1.5 GB).
 *
 * An entry whose location is unknown stores lat_e7 = lon_e7 = GAZ_NO_COORD.
 *
 * Entry records are 40 bytes: the country (ISO code and country entry)
 * and the feature code are numbers into small tables (CCODES, FCODES),
 * the level shares a 16-bit word with the feature code, and a GeoNames id
 * is stored in 32 bits; the rare id that needs more (a user layer's)
 * sets GAZ_REC_IDHI and has its upper half in IDHI.
 */
#ifndef OM_GAZETTEER_FORMAT_H
#define OM_GAZETTEER_FORMAT_H

#include <stdint.h>

#define GAZ_MAGIC "OMGAZIDX"
#define GAZ_VERSION 4u
#define GAZ_HEADER_BYTES 48u

struct gaz_header {
  char magic[8];      /* GAZ_MAGIC */
  uint32_t version;   /* GAZ_VERSION */
  uint32_t nsections; /* entries in the section table */
  uint64_t file_size; /* the whole file */
  uint64_t hash_lo;   /* XXH3-128 of bytes [GAZ_HEADER_BYTES, file_size) */
  uint64_t hash_hi;
  uint64_t reserved;
};

struct gaz_section {
  uint32_t id;       /* enum gaz_section_id */
  uint32_t reserved;
  uint64_t offset;   /* from the start of the file */
  uint64_t size;     /* bytes */
};

enum gaz_section_id {
  GAZ_SEC_ENTRIES = 1,  /* struct gaz_rec[nentries] */
  GAZ_SEC_STRINGS = 2,  /* NUL-terminated UTF-8 strings; offset 0 is "" */
  GAZ_SEC_KEYS = 3,     /* struct gaz_key[nkeys + 1] (the last one ends the runs) */
  GAZ_SEC_KEYTEXT = 4,  /* key strings, NUL-terminated */
  GAZ_SEC_POSTINGS = 5, /* uint32_t entry << 2 | kind, per key sorted by entry */
  GAZ_SEC_SLOTS = 6,    /* uint32_t fingerprint | key + 1 (0: empty) */
  GAZ_SEC_COUNTRIES = 7,/* struct gaz_country[n], sorted by alpha-2 */
  GAZ_SEC_OUTLINES = 8, /* WKB blobs, addressed by gaz_country */
  GAZ_SEC_TRIGRAMS = 9, /* struct gaz_trigram[ntrigrams + 1] sorted by hash */
  GAZ_SEC_TRIPOST = 10, /* varint deltas of key numbers */
  GAZ_SEC_LENSTART = 12,/* uint32_t [GAZ_MAX_LEN + 2]: the first key number of each length */
  GAZ_SEC_META = 13,    /* struct gaz_meta */
  GAZ_SEC_KEYMASK = 14, /* uint64_t signature per key (trigrams, code points) */
  GAZ_SEC_FWD = 15,     /* uint32_t key << 2 | kind, sorted by entry then key */
  GAZ_SEC_ESTART = 16,  /* uint32_t [nentries + 1]: each entry's first word in FWD */
  GAZ_SEC_CCODES = 17,  /* struct gaz_ccode[n]: the (country code, country entry) pairs */
  GAZ_SEC_FCODES = 18,  /* uint32_t [n]: offset in STRINGS of each feature code */
  GAZ_SEC_IDHI = 19,    /* struct gaz_idhi[n] sorted by entry */
  GAZ_SEC_FWDMASK = 20, /* uint32_t [npostings]: KEYMASK >> 32 of each FWD word's key */
  GAZ_SEC_TRIDIR = 21,  /* uint32_t [GAZ_TRIDIR + 1]: [d] the first trigram with hash >> 16 >= d */
  GAZ_SEC__MAX = 21,
};

/* Buckets of the trigram directory (TRIDIR): trigram hashes by their top 16 bits. */
#define GAZ_TRIDIR_SHIFT 16u
#define GAZ_TRIDIR (1u << (32u - GAZ_TRIDIR_SHIFT))

/* Key lengths in code points above this are counted as this long. */
#define GAZ_MAX_LEN 64u

/* lat_e7 and lon_e7 of an entry whose location is unknown. */
#define GAZ_NO_COORD INT32_MIN

/* gaz_rec.country: the CCODES number in the low bits, GAZ_REC_IDHI on top. */
#define GAZ_REC_IDHI 0x8000u
#define GAZ_MAX_CCODES 0x8000u
/* gaz_rec.fcode: the FCODES number in the low 14 bits, the level in the top 2. */
#define GAZ_FCODE_MASK 0x3fffu
#define GAZ_LEVEL_SHIFT 14
#define GAZ_MAX_FCODES 0x4000u

/* One entry; 40 bytes, 4-byte aligned. */
struct gaz_rec {
  uint32_t geonameid;      /* the id's low 32 bits (all of it unless GAZ_REC_IDHI) */
  int32_t lat_e7, lon_e7;  /* degrees x 1e7 */
  float radius_km;
  uint32_t population;
  uint32_t name;           /* offset in STRINGS */
  uint32_t admin1, admin2; /* entries, or OM_GAZ_NONE */
  uint32_t span;           /* entries from this one to the end of its unit's run */
  uint16_t country;        /* CCODES number | GAZ_REC_IDHI */
  uint16_t fcode;          /* FCODES number | level << GAZ_LEVEL_SHIFT */
};

/* A country code with the entry of its country (OM_GAZ_NONE: none). */
struct gaz_ccode {
  char iso2[2];            /* ISO alpha-2 or "\0\0" */
  uint16_t reserved;
  uint32_t entry;
};

/* The upper half of an entry's id (GAZ_REC_IDHI). */
struct gaz_idhi {
  uint32_t entry;
  uint32_t hi;
};

struct gaz_key {
  uint32_t text;     /* offset in KEYTEXT */
  uint32_t postings; /* first posting; the next key's is the end */
};

struct gaz_country {
  char iso2[2], iso3[3];
  char pad[3];
  uint32_t entry;
  uint32_t outline_len; /* 0: none */
  uint64_t outline;     /* offset in OUTLINES */
};

struct gaz_trigram {
  uint32_t hash;
  uint32_t count;  /* keys in the list */
  uint64_t offset; /* in TRIPOST; the next trigram's is the end */
};

struct gaz_meta {
  uint64_t counts[4];
  uint64_t nkeys, npostings, ntrigrams, outlines;
  uint32_t sources;     /* offset in STRINGS */
  uint32_t attribution; /* offset in STRINGS */
};

#endif
