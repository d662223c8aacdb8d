/*
 * Resolving a structured query against the gazetteer (see geocode.h for
 * the rules).  The scores are products of factors in (0, 1], each for one
 * reason to doubt the answer, so that a reader can tell from gc_score how
 * much was assumed:
 *
 *   name      exact 1, ASCII spelling 0.98, alternate name or code 0.95,
 *             a generic word dropped ("Red Sea State" for "Red Sea") 0.97,
 *             fuzzy 0.9 x (1 - edits / length)
 *   context   each stated part that matched a unit: 0.5 + 0.5 x its name
 *             factor; each stated part that matched nothing: 0.8; each
 *             unit the place turned out not to lie in: 0.8
 *   ambiguity the best candidate ties with another of another place: 0.9
 *   fallback  the place itself was not found, its unit was: 0.6
 */
#include "geocode/geocode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/words.h"
#include "geocode/geocode_private.h"
#include "text/normalize.h"

#define MAX_HITS 256   /* candidates kept per part */
#define KEY_MAX 512    /* bytes of one normalised part */
#define FOLDED_UNSET (-3) /* gc_part.folded not made yet */

#define Q_ASCII 0.98
#define Q_ALTERNATE 0.95
#define Q_GENERIC 0.97
#define Q_FUZZY 0.9
#define F_UNMATCHED_PART 0.8
#define F_RELAXED 0.8
#define F_AMBIGUOUS 0.9
#define F_FALLBACK 0.6

OM_DEFINE_WORDS(om_gc_status_word, enum om_gc_status, OM_GC_STATUS_MAP)
OM_DEFINE_WORDS(om_gc_level_word, enum om_gc_level, OM_GC_LEVEL_MAP)
OM_DEFINE_WORDS(om_gc_match_word, enum om_gc_match, OM_GC_MATCH_MAP)
OM_DEFINE_WORDS(om_gc_field_name, enum om_gc_field, OM_GC_FIELD_MAP)

/*
 * Words that name the kind of a unit rather than the unit: "Navoi Region"
 * and "Red Sea State" are written with them, the gazetteer may have the
 * unit with another one ("Navoiy Province") or none ("Red Sea").
 */
static const char *const generic_words[] = {
    "region", "province", "state", "oblast", "viloyati", "viloyat", "vilayet", "il",
    "ili", "governorate", "wilayah", "wilaya", "district", "ilcesi", "department",
    "prefecture", "county", "municipality", "shtati", "tumani", "wilayat",
};
#define NGENERIC (sizeof generic_words / sizeof generic_words[0])

static bool is_generic(const char *w, size_t n)
{
  for (size_t i = 0; i < NGENERIC; i++)
    if (strlen(generic_words[i]) == n && memcmp(generic_words[i], w, n) == 0)
      return true;
  return false;
}

/* key without its generic words, into out; false when there were none or nothing else is left. */
static bool strip_generic(char *out, size_t size, const char *key)
{
  size_t n = 0;
  bool stripped = false;
  for (const char *p = key; *p;) {
    const char *e = strchr(p, ' ');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (is_generic(p, len)) {
      stripped = true;
    } else if (n + len + 2 < size) {
      if (n)
        out[n++] = ' ';
      memcpy(out + n, p, len);
      n += len;
    }
    p = e ? e + 1 : p + len;
  }
  out[n] = 0;
  return stripped && n > 0;
}

/* Feature class rank: capital, admin seat, other seat, populated place, other. */
static int class_rank(const struct om_gaz_entry *e)
{
  const char *f = e->fcode;
  if (e->level != OM_GAZ_PLACE)
    return (int)e->level; /* the country before a unit named alike ("Niger"), admin-1 before admin-2 */
  if (!strcmp(f, "PPLC"))
    return 0;
  if (!strcmp(f, "PPLA"))
    return 1;
  if (!strncmp(f, "PPLA", 4) || !strcmp(f, "PPLG"))
    return 2;
  if (!strncmp(f, "PPL", 3))
    return 3;
  return 4;
}

static int cmp_cand(const void *pa, const void *pb)
{
  const struct gc_cand *a = pa, *b = pb;
  if (a->q != b->q)
    return a->q > b->q ? -1 : 1;
  if (a->rank != b->rank)
    return a->rank - b->rank;
  if (a->population != b->population)
    return a->population > b->population ? -1 : 1;
  return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* Name factor and match word of one hit of a key variant with factor vq. */
static void rate_hit(struct gc_cand *c, const struct om_gaz_hit *h, double vq, size_t key_len)
{
  c->entry = h->entry;
  c->distance = h->distance;
  if (h->distance > 0) {
    c->match = OM_GC_MATCH_FUZZY;
    double len = key_len > h->distance ? (double)key_len : (double)h->distance + 1;
    c->q = vq * Q_FUZZY * (1.0 - h->distance / len);
  } else if (h->kind == OM_GAZ_NAME) {
    c->match = OM_GC_MATCH_EXACT;
    c->q = vq;
  } else if (h->kind == OM_GAZ_ASCII) {
    c->match = OM_GC_MATCH_ASCII;
    c->q = vq * Q_ASCII;
  } else {
    c->match = OM_GC_MATCH_ALTERNATE;
    c->q = vq * Q_ALTERNATE;
  }
}

/*
 * An exact key match on the entry's own name is "exact" only when the text
 * was written as the gazetteer writes it up to case and spacing; matching
 * only once marks are folded ("Kizilcaoren" for "Kızılcaören") is "ascii".
 * The text's folded form is made once per part (part->folded).
 */
static void refine_exact(struct gc_cand *c, struct gc_part *part, const char *text,
                         const struct om_gaz_entry *e)
{
  if (c->match != OM_GC_MATCH_EXACT || !strcmp(text, e->name))
    return;
  int flags = OM_NORM_CASE | OM_NORM_SPACE;
  if (part->folded_len == FOLDED_UNSET)
    part->folded_len = om_normalize_into(part->folded, sizeof part->folded, text, strlen(text),
                                         flags);
  char b[KEY_MAX];
  ssize_t nb = om_normalize_into(b, sizeof b, e->name, strlen(e->name), flags);
  if (part->folded_len < 0 || nb != part->folded_len ||
      memcmp(part->folded, b, (size_t)nb) != 0) {
    c->match = OM_GC_MATCH_ASCII;
    c->q *= Q_ASCII;
  }
}

/*
 * Add hits to the candidate list, keeping the best rating per entry; text
 * is what was looked up, to tell exact from ASCII spellings (NULL: a form
 * without generic words, which has no spelling of its own to compare).
 */
static void add_hits(struct gc_part *part, const struct om_gazetteer *g,
                     const struct om_gaz_hit *hits, size_t n, double vq, size_t key_len,
                     const char *text)
{
  for (size_t i = 0; i < n; i++) {
    struct gc_cand c = {0};
    rate_hit(&c, &hits[i], vq, key_len);
    struct om_gaz_entry e;
    if (om_gazetteer_entry(g, c.entry, &e) < 0 || isnan(e.lat))
      continue; /* an entry without a location cannot locate anything */
    if (text)
      refine_exact(&c, part, text, &e);
    c.rank = class_rank(&e);
    c.population = e.population;
    c.level = e.level;
    c.admin1 = e.admin1;
    c.admin2 = e.admin2;
    size_t k = 0;
    while (k < part->n && part->c[k].entry != c.entry)
      k++;
    if (k < part->n) {
      if (c.q > part->c[k].q)
        part->c[k] = c;
    } else if (part->n < MAX_HITS) {
      part->c[part->n++] = c;
    }
  }
}

/*
 * A place and a unit named alike, the place lying in the unit (the town
 * and the district named after it): drop the unit, the place is the
 * finer answer.
 */
static void collapse_units(struct gc_part *part)
{
  size_t out = 0;
  for (size_t i = 0; i < part->n; i++) {
    const struct gc_cand *u = &part->c[i];
    bool drop = false;
    for (size_t k = 0; k < part->n && !drop && u->level != OM_GAZ_PLACE; k++) {
      const struct gc_cand *p = &part->c[k];
      drop = p->level > u->level && p->q >= u->q &&
             (p->admin1 == u->entry || p->admin2 == u->entry);
    }
    if (!drop)
      part->c[out++] = *u;
  }
  part->n = out;
}

/*
 * The stem followed by each generic word, looked up among units in turn
 * until one gives candidates.  Few stems have any such form, so which
 * forms the index holds at all is asked first, in one batch: that costs
 * about one wait for memory where a lookup per form cost one each.
 */
static void match_generic_forms(struct om_geocoder *gc, struct gc_part *part, const char *stem,
                                const struct om_gaz_scope *unit_scope)
{
  char forms[NGENERIC][KEY_MAX];
  const char *keys[NGENERIC];
  size_t lens[NGENERIC], nforms = 0, slen = strlen(stem);
  bool known[NGENERIC];
  for (size_t i = 0; i < NGENERIC; i++) {
    size_t wlen = strlen(generic_words[i]);
    if (slen + 1 + wlen >= KEY_MAX)
      continue;
    memcpy(forms[nforms], stem, slen);
    forms[nforms][slen] = ' ';
    memcpy(forms[nforms] + slen + 1, generic_words[i], wlen + 1);
    keys[nforms] = forms[nforms];
    lens[nforms++] = slen + 1 + wlen;
  }
  if (om_gazetteer_known(known, gc->g, keys, lens, nforms) == 0)
    return;
  for (size_t i = 0; i < nforms && part->n == 0; i++) {
    if (!known[i])
      continue;
    size_t n = om_gazetteer_find(gc->g, keys[i], lens[i], unit_scope, gc->hits, MAX_HITS);
    part->total += n;
    add_hits(part, gc->g, gc->hits, n < MAX_HITS ? n : MAX_HITS, Q_GENERIC, lens[i], NULL);
  }
}

/*
 * The candidates for one part's text within scope: exact keys of the text
 * and of its forms without generic words first; fuzzy keys only when
 * none matched.  Returns the number of candidates (sorted best first).
 */
static size_t match_part(struct om_geocoder *gc, struct gc_part *part, const char *text,
                         const struct om_gaz_scope *scope, bool fuzzy)
{
  part->n = 0;
  part->total = 0;
  part->folded_len = FOLDED_UNSET;
  char key[KEY_MAX], bare[KEY_MAX];
  ssize_t klen = om_normalize_into(key, sizeof key, text, strlen(text), OM_NORM_KEY);
  if (klen <= 0)
    return 0;
  size_t n = om_gazetteer_find(gc->g, key, (size_t)klen, scope, gc->hits, MAX_HITS);
  part->total += n;
  add_hits(part, gc->g, gc->hits, n < MAX_HITS ? n : MAX_HITS, 1.0, (size_t)klen, text);

  /*
   * A text with a generic word names a unit ("Red Sea State" is the
   * state, not a town called Red Sea): its other forms are looked up among
   * units only, without the word and with each generic word ...
   */
  bool has_bare = strip_generic(bare, sizeof bare, key);
  unsigned units = OM_GAZ_LEVEL_BIT(OM_GAZ_ADMIN1) | OM_GAZ_LEVEL_BIT(OM_GAZ_ADMIN2);
  struct om_gaz_scope unit_scope = *scope;
  unit_scope.levels = (scope->levels ? scope->levels : OM_GAZ_ALL_LEVELS) & units;
  if (part->n == 0 && has_bare && unit_scope.levels) {
    n = om_gazetteer_find(gc->g, bare, strlen(bare), &unit_scope, gc->hits, MAX_HITS);
    part->total += n;
    add_hits(part, gc->g, gc->hits, n < MAX_HITS ? n : MAX_HITS, Q_GENERIC, strlen(bare), NULL);
  }
  /* ... and a unit the gazetteer names with a generic word ("Beylikova İlçesi") is found
   * by its name alone. */
  if (part->n == 0 && unit_scope.levels)
    match_generic_forms(gc, part, has_bare ? bare : key, &unit_scope);

  if (part->n == 0 && fuzzy) {
    unsigned maxd = klen < 4 ? 0 : klen < 8 ? 1 : 2;
    if (maxd > 0) {
      n = om_gazetteer_fuzzy(gc->g, key, (size_t)klen, maxd, scope, gc->hits, MAX_HITS);
      part->total += n;
      add_hits(part, gc->g, gc->hits, n, 1.0, (size_t)klen, text);
    }
    if (part->n == 0 && has_bare && strlen(bare) >= 4 && unit_scope.levels) {
      n = om_gazetteer_fuzzy(gc->g, bare, strlen(bare), 1, &unit_scope, gc->hits, MAX_HITS);
      part->total += n;
      add_hits(part, gc->g, gc->hits, n, Q_GENERIC, strlen(bare), NULL);
    }
  }
  collapse_units(part);
  qsort(part->c, part->n, sizeof part->c[0], cmp_cand);
  return part->n;
}

static struct om_gaz_scope scope_of(const struct gc_context *ctx, unsigned levels)
{
  return (struct om_gaz_scope){.levels = levels, .country = ctx->country,
                               .admin1 = ctx->admin1, .admin2 = ctx->admin2};
}

/* Levels a part may name below the finest unit matched so far. */
static unsigned levels_below(const struct gc_context *ctx, bool finest)
{
  unsigned m = 0;
  for (int l = ctx->level + 1; l <= OM_GAZ_PLACE; l++)
    m |= OM_GAZ_LEVEL_BIT(l);
  if (!finest)
    m &= ~OM_GAZ_LEVEL_BIT(OM_GAZ_PLACE);
  return m;
}

/* Narrow the context to a matched unit. */
static void enter(struct gc_context *ctx, const struct om_gazetteer *g, const struct gc_cand *c)
{
  struct om_gaz_entry e;
  if (om_gazetteer_entry(g, c->entry, &e) < 0)
    return;
  ctx->country = e.country_id;
  if (e.level >= OM_GAZ_ADMIN1)
    ctx->admin1 = e.admin1;
  if (e.level >= OM_GAZ_ADMIN2)
    ctx->admin2 = e.admin2;
  ctx->level = (int)e.level;
  if (isnan(e.lat)) /* a unit the gazetteer cannot place narrows the search, no more */
    return;
  ctx->unit = c->entry;
  ctx->unit_match = c->match;
}

/*
 * Candidates for the finest part: within every unit matched so far, then,
 * when that finds nothing, leaving out the finest unit, then the next,
 * each step costing F_RELAXED ("Kızılcaören, Sivrihisar" finds the village
 * in the next district, and says it doubted).  Outside the stated units
 * only exact names count: a name one typo off in another province is a
 * different place more often than not, and the stated unit is the honest
 * answer then.
 */
static size_t match_finest(struct om_geocoder *gc, const struct gc_context *ctx, const char *text,
                           double *relax)
{
  struct gc_context c = *ctx;
  *relax = 1.0;
  for (bool fuzzy = !gc->opts.no_fuzzy;; fuzzy = false) {
    struct om_gaz_scope s = scope_of(&c, levels_below(&c, true));
    size_t found = match_part(gc, &gc->finest, text, &s, fuzzy);
    if (found > 0 || c.level < 0)
      return found;
    if (c.admin2 != OM_GAZ_NONE) {
      c.admin2 = OM_GAZ_NONE;
      c.level = c.admin1 != OM_GAZ_NONE ? OM_GAZ_ADMIN1 : OM_GAZ_COUNTRY;
    } else if (c.admin1 != OM_GAZ_NONE) {
      c.admin1 = OM_GAZ_NONE;
      c.level = OM_GAZ_COUNTRY;
    } else {
      return 0; /* the country is what the record states most surely: keep it */
    }
    *relax *= F_RELAXED;
  }
}

/* Resolve every part but the finest, right to left; the context they give. */
static void resolve_context(struct om_geocoder *gc, const char *const *parts, size_t nparts,
                            struct gc_context *ctx)
{
  *ctx = (struct gc_context){.country = OM_GAZ_NONE, .admin1 = OM_GAZ_NONE,
                             .admin2 = OM_GAZ_NONE, .unit = OM_GAZ_NONE, .level = -1,
                             .factor = 1.0};
  for (size_t i = nparts; i-- > 1;) {
    unsigned levels = levels_below(ctx, false);
    if (!levels)
      break;
    struct om_gaz_scope s = scope_of(ctx, levels);
    if (match_part(gc, &gc->context, parts[i], &s, !gc->opts.no_fuzzy) == 0) {
      ctx->factor *= F_UNMATCHED_PART;
      continue;
    }
    const struct gc_cand *best = &gc->context.c[0];
    ctx->factor *= 0.5 + 0.5 * best->q;
    enter(ctx, gc->g, best);
  }
}

/* The non-blank parts of a query, trimmed copies kept in gc->buf. */
static size_t clean_parts(struct om_geocoder *gc, const char *const *parts, size_t nparts,
                          const char **out)
{
  size_t n = 0, used = 0;
  for (size_t i = 0; i < nparts && n < OM_GC_MAX_PARTS; i++) {
    const char *p = parts[i];
    if (!p)
      continue;
    while (*p == ' ' || *p == '\t')
      p++;
    size_t len = strlen(p);
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
      len--;
    if (!len || used + len + 1 > sizeof gc->buf)
      continue;
    memcpy(gc->buf + used, p, len);
    gc->buf[used + len] = 0;
    out[n++] = gc->buf + used;
    used += len + 1;
  }
  return n;
}

static enum om_gc_level level_of(enum om_gaz_level l)
{
  switch (l) {
  case OM_GAZ_COUNTRY: return OM_GC_LEVEL_COUNTRY;
  case OM_GAZ_ADMIN1: return OM_GC_LEVEL_ADMIN1;
  case OM_GAZ_ADMIN2: return OM_GC_LEVEL_ADMIN2;
  default: return OM_GC_LEVEL_LOCALITY;
  }
}

/* s into out[0..size), cut at a character boundary when it does not fit. */
static void copy(char *out, size_t size, const char *s)
{
  size_t n = strlen(s);
  if (n >= size) {
    n = size - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
      n--;
  }
  memcpy(out, s, n);
  out[n] = 0;
}

/* Fill the result's place fields from a gazetteer entry. */
void om_gc_fill_entry(struct om_gc_result *res, const struct om_gazetteer *g, uint32_t id)
{
  struct om_gaz_entry e;
  if (om_gazetteer_entry(g, id, &e) < 0)
    return;
  res->level = level_of(e.level);
  res->lat = e.lat;
  res->lon = e.lon;
  res->radius_km = e.radius_km;
  copy(res->name, sizeof res->name, e.name);
  res->geonameid = e.geonameid < OM_GAZ_LOCAL_ID_MIN ? e.geonameid : 0;
  memcpy(res->country, e.country, sizeof res->country);
  struct om_gaz_entry a;
  res->admin1[0] = 0;
  if (e.admin1 != OM_GAZ_NONE && om_gazetteer_entry(g, e.admin1, &a) == 0)
    copy(res->admin1, sizeof res->admin1, a.name);
}

static void result_init(struct om_gc_result *res)
{
  *res = (struct om_gc_result){.status = OM_GC_STATUS_UNMATCHED, .level = OM_GC_LEVEL_COUNTRY,
                               .match = OM_GC_MATCH_EXACT, .lat = NAN, .lon = NAN,
                               .radius_km = NAN};
}

/* Two different places tie for first: the answer is a guess between them. */
static bool ambiguous(const struct gc_part *p)
{
  return p->n > 1 && p->c[1].q == p->c[0].q && p->c[1].rank == p->c[0].rank &&
         p->c[1].population == p->c[0].population;
}

/* Say what was looked for and what came closest, for the rejects file. */
static void explain(struct om_geocoder *gc, struct om_gc_result *res, const char *const *parts,
                    size_t n, const struct gc_context *ctx)
{
  size_t at = 0;
  at += (size_t)snprintf(res->detail, sizeof res->detail, "query '");
  for (size_t i = 0; i < n && at < sizeof res->detail; i++)
    at += (size_t)snprintf(res->detail + at, sizeof res->detail - at, "%s%s", i ? ", " : "",
                           parts[i]);
  if (at < sizeof res->detail)
    at += (size_t)snprintf(res->detail + at, sizeof res->detail - at, "'");
  char key[KEY_MAX];
  ssize_t klen = n ? om_normalize_into(key, sizeof key, parts[0], strlen(parts[0]), OM_NORM_KEY) : -1;
  if (klen < 3)
    return;
  struct om_gaz_scope s = scope_of(ctx, 0);
  size_t k = om_gazetteer_fuzzy(gc->g, key, (size_t)klen, 3, &s, gc->hits, 3);
  for (size_t i = 0; i < k && at < sizeof res->detail; i++) {
    struct om_gaz_entry e;
    if (om_gazetteer_entry(gc->g, gc->hits[i].entry, &e) < 0)
      continue;
    at += (size_t)snprintf(res->detail + at, sizeof res->detail - at, "%s%s (%s, %u edits)",
                           i ? "; " : "; closest: ", e.name, e.country, gc->hits[i].distance);
  }
}

static int resolve(struct om_geocoder *gc, const char *const *parts, size_t n,
                   struct om_gc_result *res)
{
  struct gc_context ctx;
  resolve_context(gc, parts, n, &ctx);
  double relax = 1.0;
  size_t found = match_finest(gc, &ctx, parts[0], &relax);
  res->candidates = (long)gc->finest.total;
  if (found > 0) {
    const struct gc_cand *best = &gc->finest.c[0];
    om_gc_fill_entry(res, gc->g, best->entry);
    res->status = OM_GC_STATUS_MATCHED;
    res->match = best->match;
    res->score = best->q * ctx.factor * relax * (ambiguous(&gc->finest) ? F_AMBIGUOUS : 1.0);
  } else if (ctx.unit != OM_GAZ_NONE) {
    om_gc_fill_entry(res, gc->g, ctx.unit);
    res->status = OM_GC_STATUS_FALLBACK;
    res->match = ctx.unit_match;
    res->score = ctx.factor * F_FALLBACK;
  } else {
    explain(gc, res, parts, n, &ctx);
    return 0;
  }
  if (res->score < gc->opts.min_score) {
    double score = res->score;
    char name[256];
    snprintf(name, sizeof name, "%s", res->name);
    result_init(res);
    explain(gc, res, parts, n, &ctx);
    size_t at = strlen(res->detail);
    snprintf(res->detail + at, sizeof res->detail - at,
             "; best '%s' scored %.3f, below min_score %.3f", name, score, gc->opts.min_score);
  }
  return 0;
}

int om_geocoder_new(struct om_geocoder **out, const struct om_gazetteer *g,
                    const struct om_geocoder_opts *o, struct om_diag *d)
{
  *out = NULL;
  struct om_geocoder *gc = calloc(1, sizeof *gc);
  if (!gc)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  gc->g = g;
  if (o)
    gc->opts = *o;
  om_gc_cache_init(&gc->cache);
  *out = gc;
  return 0;
}

void om_geocoder_free(struct om_geocoder *gc)
{
  if (!gc)
    return;
  om_gc_cache_release(&gc->cache);
  free(gc);
}

int om_geocode(struct om_geocoder *gc, const char *const *parts, size_t nparts, const char *id,
               struct om_gc_result *res)
{
  result_init(res);
  const char *p[OM_GC_MAX_PARTS];
  size_t n = clean_parts(gc, parts, nparts, p);
  if (gc->opts.overrides && om_gc_overrides_apply(gc->opts.overrides, gc->g, id, p, n, res))
    return 0;
  if (n == 0) {
    snprintf(res->detail, sizeof res->detail, "empty query");
    return 0;
  }
  /* Keyed by case and spacing only: "Kizilcaoren" and "Kızılcaören" are one
   * place but not one answer (ascii and exact matches). */
  char key[KEY_MAX];
  bool cacheable = om_gc_query_key(key, sizeof key, p, n, OM_NORM_CASE | OM_NORM_SPACE);
  if (cacheable && om_gc_cache_get(&gc->cache, key, res))
    return 0;
  int rc = resolve(gc, p, n, res);
  if (rc == 0 && cacheable && om_gc_cache_put(&gc->cache, key, res) < 0)
    return OM_ENOMEM;
  return rc;
}

size_t om_geocode_candidates(struct om_geocoder *gc, const char *const *parts, size_t nparts,
                             struct om_gc_candidate *out, size_t max)
{
  const char *p[OM_GC_MAX_PARTS];
  size_t n = clean_parts(gc, parts, nparts, p);
  if (n == 0)
    return 0;
  struct gc_context ctx;
  resolve_context(gc, p, n, &ctx);
  double relax = 1.0;
  size_t found = match_finest(gc, &ctx, p[0], &relax);
  size_t k = 0;
  for (; k < found && k < max; k++) {
    const struct gc_cand *c = &gc->finest.c[k];
    out[k] = (struct om_gc_candidate){.entry = c->entry, .match = c->match,
                                      .distance = c->distance,
                                      .score = c->q * ctx.factor * relax};
  }
  return k;
}

size_t om_geocode_split(char *text, const char **parts, size_t max)
{
  size_t n = 0;
  for (char *p = text; p && n < max;) {
    char *comma = strchr(p, ',');
    if (comma)
      *comma = 0;
    parts[n++] = p;
    p = comma ? comma + 1 : NULL;
  }
  return n;
}
