/*
 * Fuzzy lookup: the keys within a few Damerau-Levenshtein edits (optimal
 * string alignment: insertions, deletions, substitutions and swaps of two
 * neighbours, on code points) of a query key.
 *
 * Each key is padded with one marker at either end and has one trigram per
 * code point (the point and its two neighbours).  One edit changes at most
 * four of them (a swap touches the trigrams round both points), so a key
 * within d edits of an L-point query shares the trigram of at least L - 4d
 * of the query's positions, and the same holds from the key's side.  Three
 * cheap filters follow from that before any distance is computed:
 *
 *   length     keys are numbered by length (format.h), so the keys within
 *              d of the query's length are one range of numbers;
 *   count      each key's trigram signature (32 bits) must share at least
 *              max(bits of query, bits of key) - 4d bits with the query's
 *              (a bit stands for every trigram hashing to it, so sharing is
 *              over-counted, never under-counted: no match is lost);
 *   letters    an edit removes at most one code point from either side (a
 *              swap none), so at most d bits of the query's code point
 *              signature (32 bits) may be missing from the key's, and the
 *              other way round;
 *   candidates taking the 4d + 1 query positions whose trigram lists are
 *              shortest, every match is in one of those lists.
 *
 * A lookup limited to a unit whose entries hold few keys, for the
 * lists' length, scans the unit's own keys instead (entries of a unit are
 * one run, and the index keeps each entry's keys, each beside its
 * signature, so the scan reads memory in order).  Queries of 4d points or
 * fewer, where the candidate bound says nothing, take every key in the
 * length range.  Candidates that pass are verified with the exact
 * distance.
 *
 * Time goes to waiting for memory: a key's signature, record and text lie
 * in three places of a file too large for the caches.  So scans read in
 * order, and where reads must jump (trigram list candidates, the few keys
 * a scan lets through) they are asked for in batches before any is used.
 */
#include <stdlib.h>
#include <string.h>

#include "gazetteer/internal.h"

#define FZ_MAX_CP 256u  /* longer queries and keys are not matched fuzzily */
#define FZ_MAX_D 3u

/*
 * OSA distance of a and b, or max + 1 when it exceeds max.  Only the band
 * of cells within max of the diagonal is computed: a cell further out
 * costs more than max edits, and every cell is capped at max + 1, which
 * leaves the values up to max exact.  The cells just outside the band are
 * kept at the cap, since the next rows read them.
 */
static unsigned osa(const uint32_t *a, size_t n, const uint32_t *b, size_t m, unsigned max)
{
  if ((n > m ? n - m : m - n) > max)
    return max + 1;
  const unsigned cap = max + 1;
  unsigned rows[3][FZ_MAX_CP + 2];
  unsigned *pp = rows[0], *p = rows[1], *c = rows[2];
  for (size_t j = 0; j <= m + 1; j++) {
    p[j] = j < cap ? (unsigned)j : cap;
    pp[j] = c[j] = cap;
  }
  for (size_t i = 1; i <= n; i++) {
    size_t lo = i > max ? i - max : 1, hi = i + max < m ? i + max : m;
    c[lo - 1] = lo == 1 && i < cap ? (unsigned)i : cap;
    unsigned best = c[lo - 1];
    for (size_t j = lo; j <= hi; j++) {
      unsigned cost = a[i - 1] != b[j - 1];
      unsigned v = p[j - 1] + cost;
      if (p[j] + 1 < v)
        v = p[j] + 1;
      if (c[j - 1] + 1 < v)
        v = c[j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      if (v > cap)
        v = cap;
      c[j] = v;
      if (v < best)
        best = v;
    }
    c[hi + 1] = cap;
    if (best > max)
      return cap;
    unsigned *t = pp;
    pp = p;
    p = c;
    c = t;
  }
  return p[m] <= max ? p[m] : cap;
}

struct fz_hits {
  struct om_gaz_hit *v;
  size_t n, cap;
  int oom;
};

static void hits_push(struct fz_hits *h, uint32_t e, unsigned kind, unsigned dist)
{
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 64;
    struct om_gaz_hit *nv = realloc(h->v, cap * sizeof *nv);
    if (!nv) {
      h->oom = 1;
      return;
    }
    h->v = nv;
    h->cap = cap;
  }
  h->v[h->n++] = (struct om_gaz_hit){e, (enum om_gaz_kind)kind, dist};
}

struct fz_query {
  const struct om_gazetteer *g;
  uint32_t q[FZ_MAX_CP];
  size_t nq;
  unsigned maxd;
  uint32_t lo, hi;   /* scope's entry range */
  unsigned levels;
  uint32_t klo, khi; /* key numbers whose length is within maxd of the query's */
  uint64_t qmask;    /* the query's signature (trigrams, code points) */
  int qbits;         /* trigram bits set in qmask */
  struct fz_hits hits;
};

/* Bits set in x (portable: no popcount instruction is assumed). */
static inline int pop64(uint64_t x)
{
  x -= (x >> 1) & 0x5555555555555555ull;
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (int)((x * 0x0101010101010101ull) >> 56);
}

/* Whether x has more than d bits set (d is small: clearing d bits is cheaper than counting). */
static inline int over(uint64_t x, unsigned d)
{
  for (; d > 0 && x; d--)
    x &= x - 1;
  return x != 0;
}

/*
 * What the signature filters compare keys with, copied out of the query
 * by value so that a scan keeps it in registers.
 */
struct fz_filter {
  uint64_t qmask; /* the query's signature */
  int qbits;      /* trigram bits set in qmask */
  unsigned maxd;  /* edits allowed */
};

static inline struct fz_filter filter_of(const struct fz_query *z)
{
  return (struct fz_filter){z->qmask, z->qbits, z->maxd};
}

/* The letters filter on the code point half of a key's signature (see the top of the file). */
static inline int letters_ok(struct fz_filter f, uint32_t kc)
{
  uint32_t qc = (uint32_t)(f.qmask >> 32);
  return !over(qc & ~kc, f.maxd) && !over(kc & ~qc, f.maxd);
}

/* The count filter on the trigram half of a key's signature km. */
static inline int trigrams_ok(struct fz_filter f, uint64_t km)
{
  int kbits = pop64(km & 0xffffffffu);
  int need = (f.qbits > kbits ? f.qbits : kbits) - 4 * (int)f.maxd;
  return need <= 0 || pop64(km & f.qmask & 0xffffffffu) >= need;
}

/* Both filters on a key's signature km; most keys fail on the letters. */
static inline int mask_ok(struct fz_filter f, uint64_t km)
{
  return letters_ok(f, (uint32_t)(km >> 32)) && trigrams_ok(f, km);
}

/* Distance of key k to the query, or maxd + 1. */
static unsigned key_distance(const struct fz_query *z, uint32_t k)
{
  const char *t = z->g->keytext + z->g->keys[k].text;
  uint32_t cp[FZ_MAX_CP];
  size_t n = gaz_codepoints(cp, FZ_MAX_CP, t, strlen(t));
  if (n > FZ_MAX_CP)
    return z->maxd + 1;
  return osa(z->q, z->nq, cp, n, z->maxd);
}

/* Verify key k and add its postings in scope when it is near enough. */
static void try_key(struct fz_query *z, uint32_t k)
{
  const struct om_gazetteer *g = z->g;
  unsigned dist = key_distance(z, k);
  if (dist > z->maxd)
    return;
  const uint32_t *p = g->postings + g->keys[k].postings;
  const uint32_t *end = g->postings + g->keys[k + 1].postings;
  const uint32_t *a = p, *b = end;
  while (a < b) {
    const uint32_t *m = a + (b - a) / 2;
    if ((*m >> 2) < z->lo)
      a = m + 1;
    else
      b = m;
  }
  for (p = a; p < end && (*p >> 2) < z->hi; p++) {
    uint32_t e = *p >> 2;
    if (z->levels & OM_GAZ_LEVEL_BIT(gaz_rec_level(&g->recs[e])))
      hits_push(&z->hits, e, *p & 3, dist);
  }
}

/* Index of trigram hash h in the table, or ntrigrams; searched within its bucket (TRIDIR). */
static size_t trigram_find(const struct om_gazetteer *g, uint32_t h)
{
  uint32_t d = h >> GAZ_TRIDIR_SHIFT;
  size_t a = g->tridir[d], end = g->tridir[d + 1], b = end;
  while (a < b) {
    size_t m = (a + b) / 2;
    if (g->trigrams[m].hash < h)
      a = m + 1;
    else
      b = m;
  }
  return a < end && g->trigrams[a].hash == h ? a : g->ntrigrams;
}

static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/*
 * The 4d + 1 query positions with the shortest trigram lists, as trigram
 * table indexes (ntrigrams: no key has it) into pick; the sum of their
 * lengths.
 */
static size_t pick_lists(const struct fz_query *z, const uint32_t *tri, size_t *pick)
{
  const struct om_gazetteer *g = z->g;
  size_t idx[FZ_MAX_CP];
  for (size_t i = 0; i < z->nq; i++)
    GAZ_PREFETCH(&g->tridir[tri[i] >> GAZ_TRIDIR_SHIFT]);
  for (size_t i = 0; i < z->nq; i++)
    idx[i] = trigram_find(g, tri[i]);
  size_t want = 4 * z->maxd + 1, total = 0;
  unsigned char used[FZ_MAX_CP] = {0};
  for (size_t w = 0; w < want; w++) {
    size_t best = SIZE_MAX;
    uint32_t best_count = UINT32_MAX;
    for (size_t i = 0; i < z->nq; i++) {
      uint32_t c = idx[i] < g->ntrigrams ? g->trigrams[idx[i]].count : 0;
      if (!used[i] && (best == SIZE_MAX || c < best_count)) {
        best = i;
        best_count = c;
      }
    }
    used[best] = 1;
    pick[w] = idx[best];
    total += best_count;
  }
  return total;
}

/* Candidates from the picked lists that pass the length and count filters; -1 out of memory. */
static int by_trigrams(struct fz_query *z, const size_t *pick, size_t total)
{
  const struct om_gazetteer *g = z->g;
  size_t want = 4 * z->maxd + 1;
  uint32_t *cand = malloc((total ? total : 1) * sizeof *cand);
  if (!cand)
    return -1;
  size_t nc = 0, seen = 0;
  for (size_t w = 0; w < want; w++) {
    if (pick[w] >= g->ntrigrams)
      continue;
    size_t dup = 0;
    for (size_t v = 0; v < w; v++)
      dup |= pick[v] == pick[w];
    if (dup)
      continue;
    const unsigned char *p = g->tripost + g->trigrams[pick[w]].offset;
    const unsigned char *end = g->tripost + g->trigrams[pick[w] + 1].offset;
    uint32_t prev = 0;
    /* Lists are sorted by key number, hence by length: stop past the range. */
    while (p < end && seen < total) {
      uint32_t delta = 0;
      for (int shift = 0; p < end && shift < 35; shift += 7) {
        unsigned char byte = *p++;
        delta |= (uint32_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
          break;
      }
      prev += delta;
      seen++;
      if (prev >= z->khi)
        break;
      if (prev >= z->klo) {
        GAZ_PREFETCH(&g->keymask[prev]);
        cand[nc++] = prev;
      }
    }
  }
  /*
   * The candidates' signatures, then their key records, then their text
   * and postings are each asked for all at once before any is read: they
   * lie all over the file, and waiting for them one at a time would be
   * most of the time the lookup takes.
   */
  size_t m = 0;
  struct fz_filter f = filter_of(z);
  for (size_t i = 0; i < nc; i++)
    if (mask_ok(f, g->keymask[cand[i]]))
      cand[m++] = cand[i];
  nc = m;
  if (nc > 1)
    qsort(cand, nc, sizeof *cand, cmp_u32);
  m = 0;
  for (size_t i = 0; i < nc; i++)
    if (i == 0 || cand[i] != cand[i - 1]) {
      cand[m++] = cand[i];
      GAZ_PREFETCH(&g->keys[cand[i]]);
    }
  for (size_t i = 0; i < m; i++) {
    GAZ_PREFETCH(g->keytext + g->keys[cand[i]].text);
    GAZ_PREFETCH(g->postings + g->keys[cand[i]].postings);
  }
  for (size_t i = 0; i < m; i++)
    try_key(z, cand[i]);
  free(cand);
  return 0;
}

/* Every key whose length is within maxd of the query's. */
static void by_length(struct fz_query *z)
{
  const struct fz_filter f = filter_of(z);
  for (uint32_t k = z->klo; k < z->khi; k++)
    if (mask_ok(f, z->g->keymask[k]))
      try_key(z, k);
}

/* Verify the keys of FWD words idx[0..n), asking for all their texts before reading any. */
static void scan_verify(struct fz_query *z, uint32_t *e, uint32_t *idx, size_t n)
{
  const struct om_gazetteer *g = z->g;
  const struct fz_filter f = filter_of(z);
  for (size_t j = 0; j < n; j++) {
    uint32_t k = g->fwd[idx[j]] >> 2;
    if (trigrams_ok(f, g->keymask[k]))
      GAZ_PREFETCH(g->keytext + g->keys[k].text);
    else
      idx[j] = UINT32_MAX;
  }
  for (size_t j = 0; j < n; j++) {
    uint32_t i = idx[j];
    if (i == UINT32_MAX)
      continue;
    unsigned dist = key_distance(z, g->fwd[i] >> 2);
    if (dist > z->maxd)
      continue;
    while (g->estart[*e + 1] <= i)
      ++*e;
    hits_push(&z->hits, *e, g->fwd[i] & 3, dist);
  }
}

/*
 * The keys of FWD words [i, end), which belong to entries [e, ...), each
 * read beside the letters half of its signature (FWDMASK) so that the scan
 * reads memory in order.  The few that pass are checked on the trigram
 * half (KEYMASK) and verified in batches, and the entry of a word is found
 * (in ESTART) only for a key near enough.
 */
static void scan_keys(struct fz_query *z, uint32_t e, uint32_t i, uint32_t end)
{
  enum { BATCH = 32 };
  const struct om_gazetteer *g = z->g;
  const uint32_t *fwd = g->fwd;
  const uint32_t *fwdmask = g->fwdmask;
  const uint32_t klo = z->klo, nlen = z->khi - z->klo;
  const struct fz_filter f = filter_of(z);
  uint32_t near[BATCH];
  size_t n = 0;
  for (; i < end; i++) {
    uint32_t k = fwd[i] >> 2;
    /* k - klo wraps round for keys below the length range. */
    if (k - klo >= nlen || !letters_ok(f, fwdmask[i]))
      continue;
    GAZ_PREFETCH(&g->keys[k]);
    GAZ_PREFETCH(&g->keymask[k]);
    near[n++] = i;
    if (n == BATCH) {
      scan_verify(z, &e, near, n);
      n = 0;
    }
  }
  scan_verify(z, &e, near, n);
}

/*
 * The keys of the entries in scope.  A unit's run holds its descendants,
 * all of deeper levels: when the query takes every deeper level, the
 * whole run is one stretch of FWD, scanned without reading its entries.
 */
static void by_scope(struct fz_query *z)
{
  const struct om_gazetteer *g = z->g;
  for (uint32_t e = z->lo; e < z->hi;) {
    unsigned level = gaz_rec_level(&g->recs[e]);
    if (z->levels & OM_GAZ_LEVEL_BIT(level))
      scan_keys(z, e, g->estart[e], g->estart[e + 1]);
    unsigned deeper = OM_GAZ_ALL_LEVELS & ~(OM_GAZ_LEVEL_BIT(level + 1) - 1);
    uint32_t run_end = g->recs[e].span < z->hi - e ? e + g->recs[e].span : z->hi;
    if (run_end > e + 1 && deeper && (z->levels & deeper) == deeper) {
      scan_keys(z, e + 1, g->estart[e + 1], g->estart[run_end]);
      e = run_end;
    } else {
      e++;
    }
  }
}

static int cmp_entry(const void *a, const void *b)
{
  const struct om_gaz_hit *x = a, *y = b;
  if (x->entry != y->entry)
    return x->entry < y->entry ? -1 : 1;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return (int)x->kind - (int)y->kind;
}

static int cmp_near(const void *a, const void *b)
{
  const struct om_gaz_hit *x = a, *y = b;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  if (x->kind != y->kind)
    return (int)x->kind - (int)y->kind;
  return x->entry < y->entry ? -1 : x->entry > y->entry;
}

size_t om_gazetteer_fuzzy(const struct om_gazetteer *g, const char *key, size_t key_len,
                          unsigned max_distance, const struct om_gaz_scope *scope,
                          struct om_gaz_hit *hits, size_t max)
{
  struct fz_query *z = calloc(1, sizeof *z);
  if (!z)
    return 0;
  z->g = g;
  z->maxd = max_distance > FZ_MAX_D ? FZ_MAX_D : max_distance;
  z->nq = gaz_codepoints(z->q, FZ_MAX_CP, key, key_len);
  z->levels = scope && scope->levels ? scope->levels : OM_GAZ_ALL_LEVELS;
  gaz_scope_range(g, scope, &z->lo, &z->hi);
  size_t n = 0;
  if (z->nq == 0 || z->nq > FZ_MAX_CP || z->lo >= z->hi)
    goto done;
  size_t lmin = z->nq > z->maxd ? z->nq - z->maxd : 0, lmax = z->nq + z->maxd;
  z->klo = g->lenstart[lmin > GAZ_MAX_LEN ? GAZ_MAX_LEN : lmin];
  z->khi = g->lenstart[(lmax > GAZ_MAX_LEN ? GAZ_MAX_LEN : lmax) + 1];
  uint32_t tri[FZ_MAX_CP];
  gaz_trigrams(tri, z->q, z->nq);
  for (size_t i = 0; i < z->nq; i++)
    z->qmask |= GAZ_MASK_BIT(tri[i]);
  z->qbits = pop64(z->qmask);
  for (size_t i = 0; i < z->nq; i++)
    z->qmask |= GAZ_CHAR_BIT(z->q[i]);
  /*
   * The cheapest way in: the scope's own keys, the rarest trigram lists or
   * the length range, counted in keys scanned.  The scope and the length
   * range are read in order; a list word costs about four keys scanned
   * (its signature lies elsewhere).  Finding the lists costs a few cache
   * misses a query position, about what scanning 64 keys costs: a scope
   * that small goes first.
   */
  size_t scan = g->estart[z->hi] - g->estart[z->lo];
  size_t pick[4 * FZ_MAX_D + 1], lists = 0, other = SIZE_MAX;
  if (scan > 64 * z->nq && z->nq > 4 * z->maxd) {
    lists = pick_lists(z, tri, pick);
    other = lists < SIZE_MAX / 4 ? 4 * lists : SIZE_MAX;
  } else if (scan > 64 * z->nq) {
    other = z->khi - z->klo;
  }
  if (scan <= other)
    by_scope(z);
  else if (z->nq > 4 * z->maxd) {
    if (by_trigrams(z, pick, lists) < 0)
      goto done;
  } else {
    by_length(z);
  }
  if (z->hits.oom)
    goto done;
  /* Each entry once, with its nearest key and best kind; then nearest first. */
  if (z->hits.n > 1)
    qsort(z->hits.v, z->hits.n, sizeof *z->hits.v, cmp_entry);
  size_t u = 0;
  for (size_t i = 0; i < z->hits.n; i++)
    if (u == 0 || z->hits.v[u - 1].entry != z->hits.v[i].entry)
      z->hits.v[u++] = z->hits.v[i];
  if (u > 1)
    qsort(z->hits.v, u, sizeof *z->hits.v, cmp_near);
  n = u < max ? u : max;
  if (n > 0)
    memcpy(hits, z->hits.v, n * sizeof *hits);
done:
  free(z->hits.v);
  free(z);
  return n;
}
