/*
 * Opening an index file and exact lookup.
 *
 * The file is mapped read-only and checked once at open: magic, format
 * version, file size, every section inside the file and of a whole number
 * of records, and the cross references a lookup follows without further
 * checks (key runs, slot and entry numbers, string offsets).  A file that
 * passes cannot make a lookup read outside the mapping; a truncated or
 * foreign file is an OM_EIO with the reason, never a crash.  The content
 * hash is not recomputed at open (that would read every page of a
 * gigabyte index); it names the content for rebuild decisions.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gazetteer/internal.h"

/* Point *p at section 'id' of n records of 'rec' bytes each; NULL p is allowed. */
static const char *section(struct om_gazetteer *g, const struct gaz_section *tab, uint32_t ns,
                           uint32_t id, size_t rec, const void **p, size_t *n)
{
  for (uint32_t i = 0; i < ns; i++) {
    if (tab[i].id != id)
      continue;
    if (tab[i].offset > g->size || tab[i].size > g->size - tab[i].offset)
      return "a section runs past the end of the file (truncated?)";
    if (tab[i].offset % 8 != 0 || tab[i].size % rec != 0)
      return "a section is misaligned";
    *p = g->map + tab[i].offset;
    *n = tab[i].size / rec;
    return NULL;
  }
  return "a section is missing";
}

/* Check the cross references lookups rely on; NULL or the problem. */
static const char *check_refs(const struct om_gazetteer *g)
{
  if (g->keytext_size == 0 || g->keytext[g->keytext_size - 1] != '\0' ||
      g->strings_size == 0 || g->strings[g->strings_size - 1] != '\0')
    return "a string table is not terminated";
  if (g->nkeys == 0 ? g->keys[0].postings != 0 : g->keys[g->nkeys].postings != g->npostings)
    return "the key table does not match the postings";
  for (size_t i = 0; i < g->nkeys; i++)
    if (g->keys[i].postings > g->keys[i + 1].postings || g->keys[i].text >= g->keytext_size)
      return "the key table is corrupt";
  for (size_t i = 0; i < g->npostings; i++)
    if ((g->postings[i] >> 2) >= g->nrecs)
      return "a posting names no entry";
  if (g->nslots == 0 || g->nslots > UINT32_MAX)
    return "the key hash table is corrupt";
  size_t empty = 0;
  uint32_t kmask = (uint32_t)((1ull << g->slot_bits) - 1);
  for (size_t i = 0; i < g->nslots; i++) {
    if ((g->slots[i] & kmask) > g->nkeys || (g->slots[i] != 0 && (g->slots[i] & kmask) == 0))
      return "the key hash table is corrupt";
    empty += g->slots[i] == 0;
  }
  if (empty == 0)
    return "the key hash table is corrupt";
  for (size_t i = 0; i < g->nrecs; i++) {
    const struct gaz_rec *r = &g->recs[i];
    if (r->name >= g->strings_size || (r->fcode & GAZ_FCODE_MASK) >= g->nfcodes ||
        (r->country & ~GAZ_REC_IDHI) >= g->nccodes || r->span == 0 || r->span > g->nrecs - i)
      return "an entry is corrupt";
    if ((r->admin1 != OM_GAZ_NONE && r->admin1 >= g->nrecs) ||
        (r->admin2 != OM_GAZ_NONE && r->admin2 >= g->nrecs))
      return "an entry refers to no entry";
  }
  for (size_t i = 0; i < g->nccodes; i++)
    if (g->ccodes[i].entry != OM_GAZ_NONE && g->ccodes[i].entry >= g->nrecs)
      return "the country code table is corrupt";
  for (size_t i = 0; i < g->nfcodes; i++)
    if (g->fcodes[i] >= g->strings_size)
      return "the feature code table is corrupt";
  for (size_t i = 0; i < g->nidhi; i++)
    if (g->idhi[i].entry >= g->nrecs || (i > 0 && g->idhi[i].entry <= g->idhi[i - 1].entry))
      return "the id table is corrupt";
  for (size_t i = 0; i < g->ncountries; i++) {
    const struct gaz_country *c = &g->countries[i];
    if (c->entry >= g->nrecs || c->outline > g->outlines_size ||
        c->outline_len > g->outlines_size - c->outline)
      return "the country table is corrupt";
  }
  if (g->trigrams[g->ntrigrams].offset != g->tripost_size)
    return "the trigram table does not match its lists";
  for (size_t i = 0; i < g->ntrigrams; i++)
    if (g->trigrams[i].offset > g->trigrams[i + 1].offset)
      return "the trigram table is corrupt";
  /* A bucket is the run of trigrams with its hash prefix, no more and no less. */
  if (g->tridir[GAZ_TRIDIR] != g->ntrigrams)
    return "the trigram directory is corrupt";
  for (size_t i = 0; i < GAZ_TRIDIR; i++) {
    uint32_t a = g->tridir[i], b = g->tridir[i + 1];
    if (a > b || b > g->ntrigrams || (a < b && (g->trigrams[a].hash >> GAZ_TRIDIR_SHIFT != i ||
                                                g->trigrams[b - 1].hash >> GAZ_TRIDIR_SHIFT != i)))
      return "the trigram directory is corrupt";
  }
  for (size_t i = 0; i <= GAZ_MAX_LEN; i++)
    if (g->lenstart[i] > g->lenstart[i + 1])
      return "the length table is corrupt";
  if (g->lenstart[GAZ_MAX_LEN + 1] != g->nkeys)
    return "the length table is corrupt";
  if (g->estart[0] != 0 || g->estart[g->nrecs] != g->npostings)
    return "the entry key table does not match the postings";
  for (size_t i = 0; i < g->nrecs; i++)
    if (g->estart[i] > g->estart[i + 1])
      return "the entry key table is corrupt";
  for (size_t i = 0; i < g->npostings; i++)
    if ((g->fwd[i] >> 2) >= g->nkeys)
      return "the entry key table names no key";
  if (g->meta->sources >= g->strings_size || g->meta->attribution >= g->strings_size)
    return "the metadata is corrupt";
  return NULL;
}

static const char *check(struct om_gazetteer *g)
{
  if (g->size < GAZ_HEADER_BYTES || memcmp(g->map, GAZ_MAGIC, 8) != 0)
    return "not an oremap gazetteer index";
  struct gaz_header h;
  memcpy(&h, g->map, sizeof h);
  if (h.version != GAZ_VERSION) {
    return h.version > GAZ_VERSION ? "made by a newer oremap (format version too new)"
                                   : "an older index format (rebuild it)";
  }
  if (h.file_size != g->size)
    return h.file_size > g->size ? "the file is truncated" : "the file has trailing bytes";
  if (h.nsections == 0 || h.nsections > 64 ||
      GAZ_HEADER_BYTES + (uint64_t)h.nsections * sizeof(struct gaz_section) > g->size)
    return "the section table is corrupt";
  const struct gaz_section *tab = (const void *)(g->map + GAZ_HEADER_BYTES);
  uint32_t ns = h.nsections;
  const char *why;
  size_t nkeys1, ntri1, ndir, nmask, nfwd, nfwdmask, nestart, nmeta;
  if ((why = section(g, tab, ns, GAZ_SEC_ENTRIES, sizeof(struct gaz_rec), (const void **)&g->recs,
                     &g->nrecs)) ||
      (why = section(g, tab, ns, GAZ_SEC_STRINGS, 1, (const void **)&g->strings,
                     &g->strings_size)) ||
      (why = section(g, tab, ns, GAZ_SEC_KEYS, sizeof(struct gaz_key), (const void **)&g->keys,
                     &nkeys1)) ||
      (why = section(g, tab, ns, GAZ_SEC_KEYTEXT, 1, (const void **)&g->keytext,
                     &g->keytext_size)) ||
      (why = section(g, tab, ns, GAZ_SEC_POSTINGS, 4, (const void **)&g->postings,
                     &g->npostings)) ||
      (why = section(g, tab, ns, GAZ_SEC_SLOTS, 4, (const void **)&g->slots, &g->nslots)) ||
      (why = section(g, tab, ns, GAZ_SEC_COUNTRIES, sizeof(struct gaz_country),
                     (const void **)&g->countries, &g->ncountries)) ||
      (why = section(g, tab, ns, GAZ_SEC_OUTLINES, 1, (const void **)&g->outlines,
                     &g->outlines_size)) ||
      (why = section(g, tab, ns, GAZ_SEC_TRIGRAMS, sizeof(struct gaz_trigram),
                     (const void **)&g->trigrams, &ntri1)) ||
      (why = section(g, tab, ns, GAZ_SEC_TRIPOST, 1, (const void **)&g->tripost,
                     &g->tripost_size)) ||
      (why = section(g, tab, ns, GAZ_SEC_TRIDIR, 4, (const void **)&g->tridir, &ndir)) ||
      (why = (ndir == GAZ_TRIDIR + 1 ? NULL : "the trigram directory is corrupt")) ||
      (why = section(g, tab, ns, GAZ_SEC_KEYMASK, 8, (const void **)&g->keymask, &nmask)) ||
      (why = section(g, tab, ns, GAZ_SEC_FWD, 4, (const void **)&g->fwd, &nfwd)) ||
      (why = section(g, tab, ns, GAZ_SEC_FWDMASK, 4, (const void **)&g->fwdmask, &nfwdmask)) ||
      (why = section(g, tab, ns, GAZ_SEC_ESTART, 4, (const void **)&g->estart, &nestart)) ||
      (why = section(g, tab, ns, GAZ_SEC_CCODES, sizeof(struct gaz_ccode),
                     (const void **)&g->ccodes, &g->nccodes)) ||
      (why = section(g, tab, ns, GAZ_SEC_FCODES, 4, (const void **)&g->fcodes, &g->nfcodes)) ||
      (why = section(g, tab, ns, GAZ_SEC_IDHI, sizeof(struct gaz_idhi), (const void **)&g->idhi,
                     &g->nidhi)) ||
      (why = section(g, tab, ns, GAZ_SEC_LENSTART, 4, (const void **)&g->lenstart, &nmeta)) ||
      (why = (nmeta == GAZ_MAX_LEN + 2 ? NULL : "the length table is corrupt")) ||
      (why = section(g, tab, ns, GAZ_SEC_META, sizeof(struct gaz_meta), (const void **)&g->meta,
                     &nmeta)))
    return why;
  if (nkeys1 == 0 || ntri1 == 0 || nmeta != 1)
    return "a table is empty";
  g->nkeys = nkeys1 - 1;
  g->ntrigrams = ntri1 - 1;
  g->slot_bits = gaz_slot_bits(g->nkeys);
  if (nmask != g->nkeys)
    return "the key signature table is corrupt";
  if (nfwd != g->npostings || nfwdmask != g->npostings || nestart != g->nrecs + 1)
    return "the entry key table is corrupt";
  snprintf(g->hash, sizeof g->hash, "%016" PRIx64 "%016" PRIx64, h.hash_hi, h.hash_lo);
  return check_refs(g);
}

int om_gazetteer_open(struct om_gazetteer **out, const char *path, struct om_diag *d)
{
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return om_diag_fail(d, OM_EIO, "cannot open gazetteer '%s': %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return om_diag_fail(d, OM_EIO, "cannot open gazetteer '%s': not a regular file", path);
  }
  struct om_gazetteer *g = calloc(1, sizeof *g);
  if (!g) {
    close(fd);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  g->size = (size_t)st.st_size;
  if (g->size > 0) {
    void *m = mmap(NULL, g->size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      close(fd);
      free(g);
      return om_diag_fail(d, OM_EIO, "cannot map gazetteer '%s': %s", path, strerror(e));
    }
    g->map = m;
  }
  close(fd);
  const char *why = check(g);
  if (why) {
    om_gazetteer_close(g);
    return om_diag_fail(d, OM_EIO, "cannot open gazetteer '%s': %s", path, why);
  }
  *out = g;
  return 0;
}

void om_gazetteer_close(struct om_gazetteer *g)
{
  if (!g)
    return;
  if (g->map)
    munmap((void *)g->map, g->size);
  free(g);
}

void om_gazetteer_info(const struct om_gazetteer *g, struct om_gaz_info *out)
{
  memset(out, 0, sizeof *out);
  out->version = GAZ_VERSION;
  memcpy(out->hash, g->hash, sizeof out->hash);
  for (int i = 0; i < 4; i++)
    out->counts[i] = (size_t)g->meta->counts[i];
  out->nkeys = g->nkeys;
  out->nnames = g->npostings;
  out->outlines = (size_t)g->meta->outlines;
  out->file_bytes = g->size;
  out->sources = g->strings + g->meta->sources;
  out->attribution = g->strings + g->meta->attribution;
}

const char *om_gazetteer_hash(const struct om_gazetteer *g) { return g->hash; }

size_t om_gazetteer_count(const struct om_gazetteer *g) { return g->nrecs; }

int om_gazetteer_entry(const struct om_gazetteer *g, uint32_t id, struct om_gaz_entry *out)
{
  if (id >= g->nrecs)
    return -1;
  const struct gaz_rec *r = &g->recs[id];
  const struct gaz_ccode *cc = &g->ccodes[r->country & ~GAZ_REC_IDHI];
  out->id = id;
  out->level = (enum om_gaz_level)gaz_rec_level(r);
  uint64_t gid = r->geonameid;
  if (r->country & GAZ_REC_IDHI) {
    size_t a = 0, b = g->nidhi;
    while (a < b) {
      size_t m = (a + b) / 2;
      if (g->idhi[m].entry < id)
        a = m + 1;
      else
        b = m;
    }
    if (a < g->nidhi && g->idhi[a].entry == id)
      gid |= (uint64_t)g->idhi[a].hi << 32;
  }
  out->geonameid = (int64_t)gid;
  out->name = g->strings + r->name;
  out->fcode = g->strings + g->fcodes[r->fcode & GAZ_FCODE_MASK];
  out->country[0] = cc->iso2[0];
  out->country[1] = cc->iso2[1];
  out->country[2] = '\0';
  out->country_id = cc->entry;
  out->admin1 = r->admin1;
  out->admin2 = r->admin2;
  /* GAZ_NO_COORD: the location is unknown, which NaN says to the caller. */
  out->lat = r->lat_e7 == GAZ_NO_COORD ? NAN : r->lat_e7 / 1e7;
  out->lon = r->lon_e7 == GAZ_NO_COORD ? NAN : r->lon_e7 / 1e7;
  out->radius_km = r->radius_km;
  out->population = r->population;
  return 0;
}

/* Key number for an exact key of hash h, or UINT32_MAX. */
static uint32_t key_probe(const struct om_gazetteer *g, uint64_t h, const char *key, size_t len)
{
  uint32_t fp = gaz_slot_fp(h, g->slot_bits);
  uint32_t kmask = (uint32_t)((1ull << g->slot_bits) - 1);
  for (size_t i = gaz_slot_home(h, g->nslots);; i = i + 1 == g->nslots ? 0 : i + 1) {
    uint32_t v = g->slots[i];
    if (v == 0)
      return UINT32_MAX;
    /* Only a slot with the key's fingerprint can be it: other keys' text stays unread. */
    if ((v & ~kmask) != fp)
      continue;
    uint32_t k = v & kmask;
    const char *t = g->keytext + g->keys[k - 1].text;
    if (strncmp(t, key, len) == 0 && t[len] == '\0')
      return k - 1;
  }
}

uint32_t gaz_key_find(const struct om_gazetteer *g, const char *key, size_t len)
{
  return key_probe(g, gaz_key_hash(key, len), key, len);
}

size_t om_gazetteer_known(bool *known, const struct om_gazetteer *g, const char *const *keys,
                          const size_t *lens, size_t n)
{
  enum { BATCH = 32 };
  uint64_t h[BATCH];
  size_t found = 0;
  for (size_t at = 0; at < n; at += BATCH) {
    size_t m = n - at < BATCH ? n - at : BATCH;
    /* Every home slot is requested before the first is read. */
    for (size_t i = 0; i < m; i++) {
      h[i] = gaz_key_hash(keys[at + i], lens[at + i]);
      GAZ_PREFETCH(&g->slots[gaz_slot_home(h[i], g->nslots)]);
    }
    for (size_t i = 0; i < m; i++) {
      known[at + i] = key_probe(g, h[i], keys[at + i], lens[at + i]) != UINT32_MAX;
      found += known[at + i];
    }
  }
  return found;
}

void gaz_scope_range(const struct om_gazetteer *g, const struct om_gaz_scope *s, uint32_t *lo,
                     uint32_t *hi)
{
  *lo = 0;
  *hi = (uint32_t)g->nrecs;
  if (!s)
    return;
  uint32_t units[3] = {s->country, s->admin1, s->admin2};
  for (int i = 0; i < 3; i++) {
    uint32_t u = units[i];
    if (u == OM_GAZ_NONE)
      continue;
    uint32_t a = u < g->nrecs ? u : (uint32_t)g->nrecs;
    uint32_t b = u < g->nrecs ? u + g->recs[u].span : a;
    if (a > *lo)
      *lo = a;
    if (b < *hi)
      *hi = b;
  }
  if (*lo > *hi)
    *lo = *hi;
}

uint32_t om_gazetteer_country(const struct om_gazetteer *g, const char *iso)
{
  size_t n = iso ? strlen(iso) : 0;
  if (n != 2 && n != 3)
    return OM_GAZ_NONE;
  char up[3];
  for (size_t i = 0; i < n; i++)
    up[i] = (iso[i] >= 'a' && iso[i] <= 'z') ? (char)(iso[i] - 32) : iso[i];
  if (n == 2) {
    size_t a = 0, b = g->ncountries;
    while (a < b) {
      size_t m = (a + b) / 2;
      int c = memcmp(g->countries[m].iso2, up, 2);
      if (c == 0)
        return g->countries[m].entry;
      if (c < 0)
        a = m + 1;
      else
        b = m;
    }
    return OM_GAZ_NONE;
  }
  for (size_t i = 0; i < g->ncountries; i++)
    if (memcmp(g->countries[i].iso3, up, 3) == 0)
      return g->countries[i].entry;
  return OM_GAZ_NONE;
}

size_t om_gazetteer_find(const struct om_gazetteer *g, const char *key, size_t key_len,
                         const struct om_gaz_scope *scope, struct om_gaz_hit *hits, size_t max)
{
  uint32_t k = gaz_key_find(g, key, key_len);
  if (k == UINT32_MAX)
    return 0;
  uint32_t lo, hi;
  gaz_scope_range(g, scope, &lo, &hi);
  unsigned levels = scope && scope->levels ? scope->levels : OM_GAZ_ALL_LEVELS;
  const uint32_t *p = g->postings + g->keys[k].postings;
  const uint32_t *end = g->postings + g->keys[k + 1].postings;
  /* Postings are sorted by entry: skip to the scope's range. */
  const uint32_t *a = p, *b = end;
  while (a < b) {
    const uint32_t *m = a + (b - a) / 2;
    if ((*m >> 2) < lo)
      a = m + 1;
    else
      b = m;
  }
  size_t n = 0;
  for (p = a; p < end && (*p >> 2) < hi; p++) {
    uint32_t e = *p >> 2;
    if (!(levels & OM_GAZ_LEVEL_BIT(gaz_rec_level(&g->recs[e]))))
      continue;
    if (n < max)
      hits[n] = (struct om_gaz_hit){e, (enum om_gaz_kind)(*p & 3), 0};
    n++;
  }
  return n;
}

const unsigned char *om_gazetteer_outline(const struct om_gazetteer *g, uint32_t country,
                                          size_t *len)
{
  *len = 0;
  for (size_t i = 0; i < g->ncountries; i++) {
    const struct gaz_country *c = &g->countries[i];
    if (c->entry == country && c->outline_len > 0) {
      *len = c->outline_len;
      return g->outlines + c->outline;
    }
  }
  return NULL;
}
