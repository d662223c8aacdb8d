/*
 * The last steps of a build: ordering entries so that every unit's
 * descendants follow it (format.h), renumbering and collapsing postings,
 * building the fuzzy tables, and writing the file atomically with its
 * content hash.  Everything here is deterministic: the same inputs give
 * the same bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "gazetteer/build_internal.h"
#include "gazetteer/internal.h"
#include "io/atomic.h"

/* One entry's sort key (24 bytes: a 12-million-entry build sorts them all at once). */
struct order {
  int64_t gid;
  uint32_t a1, a2;
  uint32_t t;
  uint16_t cc;
  uint8_t level;
};

static int cmp_order(const void *pa, const void *pb)
{
  const struct order *a = pa, *b = pb;
  if (a->cc != b->cc)
    return a->cc < b->cc ? -1 : 1;
  if (a->a1 != b->a1)
    return a->a1 < b->a1 ? -1 : 1;
  if (a->a2 != b->a2)
    return a->a2 < b->a2 ? -1 : 1;
  if (a->level != b->level)
    return a->level < b->level ? -1 : 1;
  if (a->gid != b->gid)
    return a->gid < b->gid ? -1 : 1;
  return a->t < b->t ? -1 : a->t > b->t;
}

static int cmp_u64(const void *pa, const void *pb)
{
  uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
  return a < b ? -1 : a > b;
}

/* The file's entry order: *final[tmp] = number; 0 or -1 out of memory. */
static int order_entries(struct gb *b, uint32_t **final_out, uint32_t **byfinal_out)
{
  size_t n = b->n;
  struct order *o = malloc((n ? n : 1) * sizeof *o);
  uint32_t *final = malloc((n ? n : 1) * sizeof *final);
  if (!o || !final) {
    free(o);
    free(final);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    const struct gb_entry *e = &b->e[i];
    struct order *r = &o[i];
    r->cc = e->country[0] ? (uint16_t)((uint8_t)e->country[0] << 8 | (uint8_t)e->country[1])
                          : 0xffff;
    r->level = e->level;
    r->gid = e->geonameid;
    r->t = (uint32_t)i;
    /* The unit itself sorts first in its run: 0; members: unit + 1; none: last. */
    switch (e->level) {
    case OM_GAZ_COUNTRY:
      r->a1 = r->a2 = 0;
      break;
    case OM_GAZ_ADMIN1:
      r->a1 = (uint32_t)i + 1;
      r->a2 = 0;
      break;
    default:
      r->a1 = e->admin1_t == GB_NONE ? UINT32_MAX : e->admin1_t + 1;
      r->a2 = e->level == OM_GAZ_ADMIN2 ? (uint32_t)i + 1
              : e->admin2_t == GB_NONE  ? UINT32_MAX
                                        : e->admin2_t + 1;
    }
  }
  qsort(o, n, sizeof *o, cmp_order);
  /* The inverse permutation gets its own small array so that the sort keys can go now. */
  uint32_t *byfinal = malloc((n ? n : 1) * sizeof *byfinal);
  if (!byfinal) {
    free(o);
    free(final);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    final[o[i].t] = (uint32_t)i;
    byfinal[i] = o[i].t;
  }
  free(o);
  *final_out = final;
  *byfinal_out = byfinal;
  return 0;
}

struct outbuf {
  unsigned char *p;
  size_t len, cap;
};

static int out_put(struct outbuf *o, const void *p, size_t n)
{
  if (o->len + n > o->cap) {
    size_t c = o->cap ? o->cap : 4096;
    while (c < o->len + n)
      c *= 2;
    unsigned char *np = realloc(o->p, c);
    if (!np)
      return -1;
    o->p = np;
    o->cap = c;
  }
  memcpy(o->p + o->len, p, n);
  o->len += n;
  return 0;
}

struct fuzzy_tables {
  struct gaz_trigram *tri; /* ntri + 1 */
  size_t ntri;
  struct outbuf post;      /* varint lists */
  uint64_t *mask;          /* per key (file numbering): trigram signature */
  uint32_t *fwd;           /* per posting, by entry: key << 2 | kind */
  uint32_t *fwdmask;       /* per posting, by entry: the letters half of the fwd word's key's mask[] */
  uint32_t *tridir;        /* GAZ_TRIDIR + 1: first trigram of each hash prefix */
  uint32_t *estart;        /* nentries + 1 */
};

/*
 * The file's key numbering: keys by length in code points (clamped to
 * GAZ_MAX_LEN), stably, so the same inputs give the same numbers.
 * *order_out[new] = builder's number, *num_out[builder's] = new; lenstart
 * gets the first number of each length.  0 or -1 out of memory.
 */
static int order_keys(const struct gb_smap *keys, uint32_t **order_out, uint32_t **num_out,
                      uint32_t *lenstart)
{
  uint32_t nk = keys->n;
  uint32_t *order = malloc(((size_t)nk + 1) * sizeof *order);
  uint32_t *num = malloc(((size_t)nk + 1) * sizeof *num);
  uint8_t *len = malloc((size_t)nk + 1);
  if (!order || !num || !len) {
    free(order);
    free(num);
    free(len);
    return -1;
  }
  memset(lenstart, 0, (GAZ_MAX_LEN + 2) * sizeof *lenstart);
  for (uint32_t k = 0; k < nk; k++) {
    const char *t = keys->text + keys->offs[k];
    size_t n = gaz_codepoints(NULL, 0, t, strlen(t));
    len[k] = (uint8_t)(n > GAZ_MAX_LEN ? GAZ_MAX_LEN : n);
    lenstart[len[k] + 1]++;
  }
  for (size_t l = 1; l <= GAZ_MAX_LEN + 1; l++)
    lenstart[l] += lenstart[l - 1];
  uint32_t pos[GAZ_MAX_LEN + 1];
  memcpy(pos, lenstart, sizeof pos);
  for (uint32_t k = 0; k < nk; k++) {
    uint32_t at = pos[len[k]]++;
    order[at] = k;
    num[k] = at;
  }
  free(len);
  *order_out = order;
  *num_out = num;
  return 0;
}

struct tri_map {
  uint32_t *hash, *id; /* open addressing; id UINT32_MAX: empty */
  size_t mask;
  uint32_t n;
};

static uint32_t tri_get(struct tri_map *m, uint32_t h)
{
  for (size_t i = (h * 0x9E3779B1u) & m->mask;; i = (i + 1) & m->mask) {
    if (m->id[i] == UINT32_MAX) {
      m->hash[i] = h;
      m->id[i] = m->n++;
      return m->id[i];
    }
    if (m->hash[i] == h)
      return m->id[i];
  }
}

/* Double the map; -1 when out of memory. */
static int tri_grow(struct tri_map *m)
{
  size_t slots = (m->mask + 1) * 2;
  uint32_t *h = malloc(slots * 4), *id = malloc(slots * 4);
  if (!h || !id) {
    free(h);
    free(id);
    return -1;
  }
  memset(id, 0xff, slots * 4);
  for (size_t i = 0; i <= m->mask; i++) {
    if (m->id[i] == UINT32_MAX)
      continue;
    size_t s = (m->hash[i] * 0x9E3779B1u) & (slots - 1);
    while (id[s] != UINT32_MAX)
      s = (s + 1) & (slots - 1);
    h[s] = m->hash[i];
    id[s] = m->id[i];
  }
  free(m->hash);
  free(m->id);
  m->hash = h;
  m->id = id;
  m->mask = slots - 1;
  return 0;
}

/* The distinct trigrams of key k into out; their number. */
static size_t key_trigrams(const struct gb_smap *keys, uint32_t k, uint32_t *cp, uint32_t *out,
                           size_t *ncp)
{
  const char *t = keys->text + keys->offs[k];
  size_t n = gaz_codepoints(cp, 256, t, strlen(t));
  *ncp = n;
  if (n > 256)
    return 0;
  gaz_trigrams(out, cp, n);
  /* Drop repeats (keys are short: quadratic is fine). */
  size_t u = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < u && out[j] != out[i])
      j++;
    if (j == u)
      out[u++] = out[i];
  }
  return u;
}

static int cmp_tri(const void *pa, const void *pb)
{
  const uint32_t *a = pa, *b = pb;
  return a[0] < b[0] ? -1 : a[0] > b[0];
}

static size_t varint_len(uint32_t v)
{
  size_t n = 1;
  for (; v >= 0x80; v >>= 7)
    n++;
  return n;
}

static size_t varint_put(unsigned char *p, uint32_t v)
{
  size_t n = 0;
  for (; v >= 0x80; v >>= 7)
    p[n++] = (unsigned char)(v & 0x7f) | 0x80;
  p[n++] = (unsigned char)v;
  return n;
}

/* The map's number of trigram hash h, which it holds. */
static uint32_t tri_id(const struct tri_map *m, uint32_t h)
{
  size_t s = (h * 0x9E3779B1u) & m->mask;
  while (m->id[s] != UINT32_MAX && m->hash[s] != h)
    s = (s + 1) & m->mask;
  return m->id[s];
}

/*
 * Trigram lists and signatures, keys taken in file order (order[new] =
 * builder's number).  Two passes over the keys: the first counts each
 * list's keys and its varint bytes, the second writes every delta in its
 * place, so the lists never exist in memory but as the section's bytes.
 */
static int build_fuzzy(struct gb *b, const uint32_t *order, struct fuzzy_tables *f)
{
  const struct gb_smap *keys = &b->keys;
  uint32_t nk = keys->n;
  uint32_t cp[256], tr[256];
  size_t ncp;
  size_t slots = 1 << 16;
  struct tri_map m = {malloc(slots * 4), malloc(slots * 4), slots - 1, 0};
  uint32_t *count = NULL, *last = NULL, *kid = NULL;
  uint64_t *pos = NULL; /* per list: its bytes (first pass), then where the next delta goes */
  f->mask = calloc((size_t)nk + 1, sizeof *f->mask);
  int rc = -1;
  if (!m.hash || !m.id || !f->mask)
    goto out;
  memset(m.id, 0xff, slots * 4);
  size_t cap = 0;
  for (uint32_t k = 0; k < nk; k++) {
    size_t u = key_trigrams(keys, order[k], cp, tr, &ncp);
    for (size_t i = 0; u > 0 && i < ncp; i++)
      f->mask[k] |= GAZ_CHAR_BIT(cp[i]);
    for (size_t i = 0; i < u; i++) {
      f->mask[k] |= GAZ_MASK_BIT(tr[i]);
      if ((size_t)m.n * 2 >= m.mask + 1 && tri_grow(&m) < 0)
        goto out;
      uint32_t id = tri_get(&m, tr[i]);
      if (id >= cap) {
        size_t nc = cap ? cap * 2 : 4096;
        uint32_t *c = realloc(count, nc * sizeof *c), *l = c ? realloc(last, nc * sizeof *l) : NULL;
        uint64_t *p = l ? realloc(pos, nc * sizeof *p) : NULL;
        count = c ? c : count;
        last = l ? l : last;
        pos = p ? p : pos;
        if (!p)
          goto out;
        memset(c + cap, 0, (nc - cap) * sizeof *c);
        memset(l + cap, 0, (nc - cap) * sizeof *l);
        memset(p + cap, 0, (nc - cap) * sizeof *p);
        cap = nc;
      }
      count[id]++;
      pos[id] += varint_len(k - last[id]);
      last[id] = k;
    }
  }
  /* Lists in the order of their hashes, each starting where the one before ends. */
  kid = malloc(((size_t)m.n + 1) * 2 * sizeof *kid);
  f->ntri = m.n;
  f->tri = malloc(((size_t)m.n + 1) * sizeof *f->tri);
  if (!kid || !f->tri)
    goto out;
  for (size_t s = 0, j = 0; s <= m.mask; s++)
    if (m.id[s] != UINT32_MAX) {
      kid[j * 2] = m.hash[s];
      kid[j * 2 + 1] = m.id[s];
      j++;
    }
  qsort(kid, m.n, 2 * sizeof *kid, cmp_tri);
  uint64_t total = 0;
  for (uint32_t j = 0; j < m.n; j++) {
    uint32_t id = kid[j * 2 + 1];
    uint64_t bytes = pos[id];
    f->tri[j] = (struct gaz_trigram){kid[j * 2], count[id], total};
    pos[id] = total;
    last[id] = 0;
    total += bytes;
  }
  f->tri[m.n] = (struct gaz_trigram){UINT32_MAX, 0, total};
  f->tridir = malloc((GAZ_TRIDIR + 1) * sizeof *f->tridir);
  if (!f->tridir)
    goto out;
  for (uint32_t d = 0, j = 0; d <= GAZ_TRIDIR; d++) {
    while (j < m.n && (f->tri[j].hash >> GAZ_TRIDIR_SHIFT) < d)
      j++;
    f->tridir[d] = j;
  }
  f->post.p = malloc(total ? total : 1);
  if (!f->post.p)
    goto out;
  f->post.len = f->post.cap = total;
  for (uint32_t k = 0; k < nk && total > 0; k++) {
    size_t u = key_trigrams(keys, order[k], cp, tr, &ncp);
    for (size_t i = 0; i < u; i++) {
      uint32_t id = tri_id(&m, tr[i]);
      pos[id] += varint_put(f->post.p + pos[id], k - last[id]);
      last[id] = k;
    }
  }
  rc = 0;
out:
  free(m.hash);
  free(m.id);
  free(count);
  free(last);
  free(pos);
  free(kid);
  return rc;
}

/*
 * The file's key hash table (format.h): 3/4 full.  A fuller table makes
 * the probes for absent keys (the geocoder asks for many) longer; at 3/4
 * they stay within a cache line or two (16 slots a line, fingerprints
 * spare reading the keys), and a 12-million-place index within 1.5 GB.
 * Keys go in in file order, so the same inputs give the same table.
 * 0 or -1 out of memory.
 */
static int build_slots(const struct gb_smap *keys, const uint32_t *order, uint32_t **out,
                       size_t *nslots_out)
{
  uint32_t nk = keys->n;
  size_t nslots = (size_t)nk / 3 * 4 + nk % 3 * 2 + 1;
  if (nslots < 1024)
    nslots = 1024;
  uint32_t *slots = nslots <= UINT32_MAX ? calloc(nslots, sizeof *slots) : NULL;
  if (!slots)
    return -1;
  unsigned bits = gaz_slot_bits(nk);
  for (uint32_t k = 0; k < nk; k++) {
    const char *t = keys->text + keys->offs[order[k]];
    uint64_t h = gaz_key_hash(t, strlen(t));
    size_t i = gaz_slot_home(h, nslots);
    while (slots[i] != 0)
      i = i + 1 == nslots ? 0 : i + 1;
    slots[i] = gaz_slot_fp(h, bits) | (k + 1);
  }
  *out = slots;
  *nslots_out = nslots;
  return 0;
}

/*
 * The country codes of the entries: each distinct (code, country entry)
 * pair once, numbered in entry order, with a chain per code for lookup.
 */
struct ccode_tab {
  uint16_t head[65536]; /* per code (two bytes): first pair + 1, 0: none */
  uint16_t next[GAZ_MAX_CCODES]; /* next pair of the same code + 1 */
  struct gaz_ccode v[GAZ_MAX_CCODES];
  size_t n;
};

/* The pair's number, adding it when new; GB_NONE when the table is full. */
static uint32_t ccode_get(struct ccode_tab *c, const char iso2[2], uint32_t entry)
{
  unsigned code = (unsigned)(uint8_t)iso2[0] << 8 | (uint8_t)iso2[1];
  for (unsigned i = c->head[code]; i != 0; i = c->next[i - 1])
    if (c->v[i - 1].entry == entry)
      return i - 1;
  if (c->n >= GAZ_MAX_CCODES - 1)
    return GB_NONE;
  c->v[c->n] = (struct gaz_ccode){{iso2[0], iso2[1]}, 0, entry};
  c->next[c->n] = c->head[code];
  c->head[code] = (uint16_t)(c->n + 1);
  return (uint32_t)c->n++;
}

/* The file being written: bytes go to the temporary file and the hash. */
struct wr {
  struct om_atomic a;
  XXH3_state_t *h;
  uint64_t pos;
  int err;
};

static void wr_put(struct wr *w, const void *p, size_t n)
{
  if (w->err || n == 0)
    return;
  if (fwrite(p, 1, n, w->a.f) != n)
    w->err = 1;
  XXH3_128bits_update(w->h, p, n);
  w->pos += n;
}

static void wr_pad(struct wr *w)
{
  static const unsigned char zeros[8];
  wr_put(w, zeros, (8 - w->pos % 8) % 8);
}

/* Entry 'self' of the file (e in the builder); every table it refers to is complete. */
static void make_rec(struct ccode_tab *ct, const struct gb_entry *e, const uint32_t *final,
                     const uint32_t *span, uint32_t self, struct gaz_rec *r)
{
  memset(r, 0, sizeof *r);
  uint64_t gid = (uint64_t)e->geonameid;
  uint32_t country = e->country_t == GB_NONE ? OM_GAZ_NONE : final[e->country_t];
  r->geonameid = (uint32_t)gid;
  r->country = (uint16_t)(ccode_get(ct, e->country, country) | (gid >> 32 ? GAZ_REC_IDHI : 0));
  r->fcode = (uint16_t)(e->fcode | (uint32_t)e->level << GAZ_LEVEL_SHIFT);
  if (!isnan(e->lat)) {
    r->lat_e7 = (int32_t)lround(e->lat * 1e7);
    r->lon_e7 = (int32_t)lround(e->lon * 1e7);
  } else {
    r->lat_e7 = r->lon_e7 = GAZ_NO_COORD;
  }
  r->radius_km = (float)(e->radius_km > 0 ? e->radius_km : 0);
  r->population = e->population;
  r->name = e->name;
  r->admin1 = e->admin1_t == GB_NONE ? OM_GAZ_NONE : final[e->admin1_t];
  r->admin2 = e->admin2_t == GB_NONE ? OM_GAZ_NONE : final[e->admin2_t];
  r->span = span[self];
}

static int cmp_country(const void *pa, const void *pb)
{
  return memcmp(((const struct gaz_country *)pa)->iso2, ((const struct gaz_country *)pb)->iso2,
                2);
}

int gb_finish(struct gb *b)
{
  struct om_diag *d = b->d;
  uint32_t *final = NULL, *byfinal = NULL, *span = NULL, *korder = NULL, *knum = NULL;
  uint32_t *slots = NULL;
  size_t nslots = 0;
  struct ccode_tab *ct = NULL;
  struct gaz_idhi *idhi = NULL;
  size_t nidhi = 0, idhi_cap = 0;
  uint32_t lenstart[GAZ_MAX_LEN + 2];
  struct fuzzy_tables f = {0};
  struct gaz_key *keys = NULL;
  struct gaz_country *countries = NULL;
  struct outbuf outl = {0};
  struct wr w = {0};
  int rc = OM_ENOMEM;
  size_t nc = 0;
  if (order_entries(b, &final, &byfinal) < 0)
    goto fail;
  /* Spans: one for the entry itself and one per descendant. */
  span = malloc((b->n ? b->n : 1) * sizeof *span);
  if (!span)
    goto fail;
  for (size_t i = 0; i < b->n; i++)
    span[i] = 1;
  for (size_t i = 0; i < b->n; i++) {
    const struct gb_entry *e = &b->e[i];
    uint32_t up[3] = {e->country_t, e->admin1_t, e->admin2_t};
    for (int k = 0; k < 3; k++)
      if (up[k] != GB_NONE && up[k] != i)
        span[final[up[k]]]++;
  }
  /* Postings: renumber keys and entries, sort by key then entry then kind, keep the best kind. */
  if (order_keys(&b->keys, &korder, &knum, lenstart) < 0)
    goto fail;
  /* The builder's key table is done with (the file gets a tighter one). */
  free(b->keys.slots);
  b->keys.slots = NULL;
  b->keys.nslots = 0;
  for (size_t i = 0; i < b->npost; i++) {
    uint64_t p = b->post[i];
    uint32_t t = (uint32_t)(p & 0xffffffffu) >> 2;
    b->post[i] = (uint64_t)knum[p >> 32] << 32 | (uint64_t)final[t] << 2 | (p & 3);
  }
  free(knum);
  knum = NULL;
  qsort(b->post, b->npost, sizeof *b->post, cmp_u64);
  size_t np = 0;
  for (size_t i = 0; i < b->npost; i++)
    if (np == 0 || (b->post[np - 1] >> 2) != (b->post[i] >> 2))
      b->post[np++] = b->post[i];
  keys = malloc(((size_t)b->keys.n + 1) * sizeof *keys);
  if (!keys)
    goto fail;
  for (size_t k = 0, i = 0; k <= b->keys.n; k++) {
    while (i < np && (b->post[i] >> 32) < k)
      i++;
    keys[k].text = k < b->keys.n ? b->keys.offs[korder[k]] : 0;
    keys[k].postings = (uint32_t)i;
  }
  /* The postings' words in place: entry << 2 | kind. */
  uint32_t *words = (uint32_t *)b->post;
  for (size_t i = 0; i < np; i++)
    words[i] = (uint32_t)b->post[i];
  /* Give back the half the words no longer need (the array stays b->post). */
  uint64_t *half = realloc(b->post, (np ? np : 1) * sizeof *words);
  if (half) {
    b->post = half;
    b->post_cap = (np ? np : 1) * sizeof *words / sizeof *b->post;
    words = (uint32_t *)half;
  }
  /* The same postings by entry (counting sort: keys stay ascending within an entry). */
  f.estart = calloc(b->n + 1, sizeof *f.estart);
  f.fwd = malloc((np ? np : 1) * sizeof *f.fwd);
  if (!f.estart || !f.fwd)
    goto fail;
  for (size_t i = 0; i < np; i++)
    f.estart[(words[i] >> 2) + 1]++;
  for (size_t i = 1; i <= b->n; i++)
    f.estart[i] += f.estart[i - 1];
  for (size_t k = 0, i = 0; k < b->keys.n; k++)
    for (; i < keys[k + 1].postings; i++) {
      uint32_t e = words[i] >> 2;
      f.fwd[f.estart[e]++] = (uint32_t)k << 2 | (words[i] & 3);
    }
  for (size_t i = b->n; i > 0; i--)
    f.estart[i] = f.estart[i - 1];
  f.estart[0] = 0;
  if (build_fuzzy(b, korder, &f) < 0)
    goto fail;
  f.fwdmask = malloc((np ? np : 1) * sizeof *f.fwdmask);
  if (!f.fwdmask)
    goto fail;
  for (size_t i = 0; i < np; i++)
    f.fwdmask[i] = (uint32_t)(f.mask[f.fwd[i] >> 2] >> 32);
  /* Countries, with their alpha-3 codes and outlines. */
  size_t ncountry = 0;
  for (size_t i = 0; i < b->n; i++)
    ncountry += b->e[i].level == OM_GAZ_COUNTRY;
  countries = calloc(ncountry ? ncountry : 1, sizeof *countries);
  if (!countries)
    goto fail;
  for (size_t i = 0; i < b->n; i++) {
    const struct gb_entry *e = &b->e[i];
    if (e->level == OM_GAZ_COUNTRY && e->country[0]) {
      struct gaz_country *c = &countries[nc++];
      memcpy(c->iso2, e->country, 2);
      c->entry = final[i];
      for (uint32_t j = 0; j < b->iso.n; j++) {
        const char *iso = b->iso.text + b->iso.offs[j];
        if (b->iso_unit[j] == i && strlen(iso) == 3 && iso[0] >= 'A')
          memcpy(c->iso3, iso, 3);
      }
      for (size_t j = 0; j < b->noutlines; j++)
        if (b->outlines[j].t == i) {
          c->outline = outl.len;
          c->outline_len = (uint32_t)b->outlines[j].len;
          if (out_put(&outl, b->outlines[j].wkb, b->outlines[j].len) < 0)
            goto fail;
          while (outl.len % 8)
            if (out_put(&outl, "", 1) < 0)
              goto fail;
        }
    }
  }
  qsort(countries, nc, sizeof *countries, cmp_country);
  struct gaz_meta meta = {0};
  for (size_t i = 0; i < b->n; i++)
    meta.counts[b->e[i].level]++;
  meta.nkeys = b->keys.n;
  meta.npostings = np;
  meta.ntrigrams = f.ntri;
  meta.outlines = b->noutlines;
  const char *attribution = b->o->attribution ? b->o->attribution
                            : b->geonames
                                ? "Contains data from GeoNames (https://www.geonames.org), "
                                  "licensed under CC BY 4.0"
                                : "";
  uint32_t src_off = gb_pool_add(b, b->sources ? b->sources : "",
                                 b->sources ? strlen(b->sources) : 0);
  uint32_t attr_off = gb_pool_add(b, attribution, strlen(attribution));
  if (src_off == GB_NONE || attr_off == GB_NONE)
    goto fail;
  meta.sources = src_off;
  meta.attribution = attr_off;
  if (build_slots(&b->keys, korder, &slots, &nslots) < 0)
    goto fail;
  /* Key numbers and the builder's key offsets have served (the key table holds the offsets). */
  free(korder);
  korder = NULL;
  free(b->keys.offs);
  b->keys.offs = NULL;
  /* The small tables entry records point into: feature codes, country codes, long ids. */
  if (b->fcodes.n > GAZ_MAX_FCODES) {
    rc = om_diag_fail(d, OM_EUSAGE, "more than %u distinct feature codes", GAZ_MAX_FCODES);
    goto fail_quiet;
  }
  ct = calloc(1, sizeof *ct);
  if (!ct)
    goto fail;
  for (size_t i = 0; i < b->n; i++) {
    const struct gb_entry *e = &b->e[byfinal[i]];
    uint32_t country = e->country_t == GB_NONE ? OM_GAZ_NONE : final[e->country_t];
    if (ccode_get(ct, e->country, country) == GB_NONE) {
      rc = om_diag_fail(d, OM_EUSAGE, "more than %u distinct country codes",
                        GAZ_MAX_CCODES - 1);
      goto fail_quiet;
    }
    uint64_t gid = (uint64_t)e->geonameid;
    if (gid >> 32) {
      if (nidhi == idhi_cap) {
        size_t cap2 = idhi_cap ? idhi_cap * 2 : 64;
        struct gaz_idhi *ni = realloc(idhi, cap2 * sizeof *ni);
        if (!ni)
          goto fail;
        idhi = ni;
        idhi_cap = cap2;
      }
      idhi[nidhi++] = (struct gaz_idhi){(uint32_t)i, (uint32_t)(gid >> 32)};
    }
  }

  /* Sections in file order; ENTRIES is generated while writing. */
  struct {
    uint32_t id;
    const void *p;
    uint64_t size;
  } sec[] = {
      {GAZ_SEC_META, &meta, sizeof meta},
      {GAZ_SEC_ENTRIES, NULL, (uint64_t)b->n * sizeof(struct gaz_rec)},
      {GAZ_SEC_STRINGS, b->pool, b->pool_len},
      {GAZ_SEC_KEYS, keys, ((uint64_t)b->keys.n + 1) * sizeof *keys},
      {GAZ_SEC_KEYTEXT, b->keys.text ? (const void *)b->keys.text : "", b->keys.len ? b->keys.len : 1},
      {GAZ_SEC_POSTINGS, words, np * 4},
      {GAZ_SEC_SLOTS, slots, nslots * 4},
      {GAZ_SEC_COUNTRIES, countries, nc * sizeof *countries},
      {GAZ_SEC_OUTLINES, outl.p, outl.len},
      {GAZ_SEC_TRIGRAMS, f.tri, (f.ntri + 1) * sizeof *f.tri},
      {GAZ_SEC_TRIPOST, f.post.p, f.post.len},
      {GAZ_SEC_LENSTART, lenstart, sizeof lenstart},
      {GAZ_SEC_KEYMASK, f.mask, (uint64_t)b->keys.n * 8},
      {GAZ_SEC_FWD, f.fwd, np * 4},
      {GAZ_SEC_FWDMASK, f.fwdmask, np * 4},
      {GAZ_SEC_TRIDIR, f.tridir, (GAZ_TRIDIR + 1) * 4},
      {GAZ_SEC_ESTART, f.estart, ((uint64_t)b->n + 1) * 4},
      {GAZ_SEC_CCODES, ct->v, ct->n * sizeof *ct->v},
      {GAZ_SEC_FCODES, b->fcode_off, (uint64_t)b->fcodes.n * 4},
      {GAZ_SEC_IDHI, idhi, nidhi * sizeof *idhi},
  };
  enum { NSEC = sizeof sec / sizeof sec[0] };
  struct gaz_section tab[NSEC];
  uint64_t off = GAZ_HEADER_BYTES + sizeof tab;
  for (size_t i = 0; i < NSEC; i++) {
    off = (off + 7) / 8 * 8;
    tab[i] = (struct gaz_section){sec[i].id, 0, off, sec[i].size};
    off += sec[i].size;
  }
  struct gaz_header h = {.version = GAZ_VERSION, .nsections = NSEC, .file_size = off};
  memcpy(h.magic, GAZ_MAGIC, 8);

  rc = om_atomic_open(&w.a, b->o->output, d);
  if (rc < 0)
    goto fail_quiet;
  w.h = XXH3_createState();
  if (!w.h || XXH3_128bits_reset(w.h) != XXH_OK) {
    rc = OM_ENOMEM;
    goto fail;
  }
  if (fwrite(&h, sizeof h, 1, w.a.f) != 1)
    w.err = 1;
  w.pos = GAZ_HEADER_BYTES;
  wr_put(&w, tab, sizeof tab);
  for (size_t i = 0; i < NSEC; i++) {
    wr_pad(&w);
    if (sec[i].id == GAZ_SEC_ENTRIES) {
      struct gaz_rec chunk[1024];
      for (size_t j = 0; j < b->n; j += 1024) {
        size_t m = b->n - j < 1024 ? b->n - j : 1024;
        for (size_t k = 0; k < m; k++)
          make_rec(ct, &b->e[byfinal[j + k]], final, span, (uint32_t)(j + k), &chunk[k]);
        wr_put(&w, chunk, m * sizeof *chunk);
      }
    } else {
      wr_put(&w, sec[i].p, sec[i].size);
    }
  }
  XXH128_hash_t hash = XXH3_128bits_digest(w.h);
  h.hash_lo = hash.low64;
  h.hash_hi = hash.high64;
  if (w.err || fseek(w.a.f, 0, SEEK_SET) != 0 || fwrite(&h, sizeof h, 1, w.a.f) != 1) {
    rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", b->o->output, "write failed");
    goto fail_quiet;
  }
  rc = om_atomic_commit(&w.a, d);
  if (rc < 0)
    goto fail_quiet;
  b->stats->entries = b->n;
  b->stats->names = np;
  goto done;
fail:
  if (rc == OM_ENOMEM)
    om_diag_fail(d, OM_ENOMEM, "out of memory");
fail_quiet:
  om_atomic_abort(&w.a);
done:
  if (w.h)
    XXH3_freeState(w.h);
  free(final);
  free(byfinal);
  free(span);
  free(keys);
  free(countries);
  free(outl.p);
  free(f.tri);
  free(f.post.p);
  free(f.mask);
  free(f.fwd);
  free(f.fwdmask);
  free(f.tridir);
  free(f.estart);
  free(korder);
  free(knum);
  free(slots);
  free(ct);
  free(idhi);
  return rc;
}
