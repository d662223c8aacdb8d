/*
 * Shared between the files of src/gazetteer: the open index, and the key
 * arithmetic that the builder and the reader must agree on (key hash,
 * code points, trigrams).
 */
#ifndef OM_GAZETTEER_INTERNAL_H
#define OM_GAZETTEER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gazetteer/format.h"
#include "gazetteer/gazetteer.h"

struct om_gazetteer {
  const unsigned char *map; /* the whole file, mapped read-only */
  size_t size;              /* bytes mapped */
  char hash[33];            /* content hash in hex */
  const struct gaz_rec *recs;
  size_t nrecs;
  const char *strings;
  size_t strings_size;
  const struct gaz_key *keys; /* nkeys + 1 */
  size_t nkeys;
  const char *keytext;
  size_t keytext_size;
  const uint32_t *postings;
  size_t npostings;
  const uint32_t *slots;
  size_t nslots;              /* below 2^32, at least one empty */
  unsigned slot_bits;         /* gaz_slot_bits(nkeys): the key part of a slot */
  const struct gaz_ccode *ccodes;
  size_t nccodes;
  const uint32_t *fcodes;     /* offsets in strings */
  size_t nfcodes;
  const struct gaz_idhi *idhi; /* sorted by entry */
  size_t nidhi;
  const struct gaz_country *countries;
  size_t ncountries;
  const unsigned char *outlines;
  size_t outlines_size;
  const struct gaz_trigram *trigrams; /* ntrigrams + 1 */
  size_t ntrigrams;
  const uint32_t *tridir;             /* GAZ_TRIDIR + 1: first trigram of each hash prefix */
  const unsigned char *tripost;
  size_t tripost_size;
  const uint32_t *lenstart;           /* GAZ_MAX_LEN + 2: first key number of each length */
  const uint64_t *keymask;            /* nkeys trigram signatures */
  const uint32_t *fwd;                /* npostings: key << 2 | kind, by entry */
  const uint32_t *fwdmask;            /* npostings: the letters half of each fwd word's key's signature */
  const uint32_t *estart;             /* nrecs + 1: each entry's first word in fwd */
  const struct gaz_meta *meta;
};

/* The hash that places a key in the slot table. */
uint64_t gaz_key_hash(const char *key, size_t len);

/* Bits of a slot that hold key number + 1 for an index of nkeys keys (format.h). */
static inline unsigned gaz_slot_bits(uint64_t nkeys)
{
  unsigned b = 1;
  while (b < 32 && (nkeys >> b) != 0)
    b++;
  return b;
}

/* The first slot to probe for a key of hash h in a table of nslots (< 2^32) slots. */
static inline size_t gaz_slot_home(uint64_t h, size_t nslots)
{
  return (size_t)(((h & 0xffffffffu) * (uint64_t)nslots) >> 32);
}

/* The fingerprint part of a slot for a key of hash h (0 when the key part takes all bits). */
static inline uint32_t gaz_slot_fp(uint64_t h, unsigned bits)
{
  return bits >= 32 ? 0 : (uint32_t)((h >> 32) >> bits) << bits;
}

/*
 * Ask for the cache line at p ahead of reading it, so that several
 * independent reads wait for memory together rather than one by one.
 */
#if defined(__GNUC__) || defined(__clang__)
#define GAZ_PREFETCH(p) __builtin_prefetch(p)
#else
#define GAZ_PREFETCH(p) ((void)(p))
#endif

/* An entry record's level. */
static inline unsigned gaz_rec_level(const struct gaz_rec *r)
{
  return (unsigned)r->fcode >> GAZ_LEVEL_SHIFT;
}

/*
 * Decode UTF-8 into at most 'max' code points; returns how many there are
 * in all (possibly more than max).  Invalid bytes count as one each.
 */
size_t gaz_codepoints(uint32_t *out, size_t max, const char *s, size_t len);

/* The hash of the trigram (a, b, c); the ends are padded with GAZ_PAD. */
#define GAZ_PAD 1u
uint32_t gaz_trigram_hash(uint32_t a, uint32_t b, uint32_t c);

/*
 * The trigram hashes of a key given as n code points: n of them (the
 * key padded with one GAZ_PAD at each end), in order, duplicates kept.
 */
void gaz_trigrams(uint32_t *out, const uint32_t *cp, size_t n);

/* The signature bits (format.h, KEYMASK) of a trigram hash and of a code point. */
#define GAZ_MASK_BIT(h) (1ull << ((h) & 31u))
#define GAZ_CHAR_BIT(c) (1ull << (32u + ((c) & 31u)))

/* Key number for an exact key, or UINT32_MAX. */
uint32_t gaz_key_find(const struct om_gazetteer *g, const char *key, size_t len);

/* The entry range [*lo, *hi) a scope allows (the whole index without limits). */
void gaz_scope_range(const struct om_gazetteer *g, const struct om_gaz_scope *s, uint32_t *lo,
                     uint32_t *hi);

#endif
