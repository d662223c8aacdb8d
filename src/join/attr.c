/*
 * Attribute joins (attr.h): the spec, keys, the hash, loading and lookups;
 * aggregates are in attr_agg.c, the unmatched-rows file in
 * attr_unmatched.c.
 *
 * om_join_open reads the table once.  Each row with a usable key joins the
 * group of its key (a hash of groups, open addressing), and the values of
 * the columns the outputs use are copied into an arena.  Once every row is
 * in, the column types are settled, the rows are sorted by group, and each
 * group's output values are computed; the row arrays are then freed, and
 * what stays is the arena, the groups and one array of output values per
 * group.
 *
 * A key is the normalised text of its parts, each ending in NUL, so that
 * ("ab", "c") and ("a", "bc") differ (reader values never hold a NUL).
 *
 * The unmatched-rows file needs every column of the rows no layer record
 * asked for, which is known only after the last lookup: rather than hold
 * every column of every row, om_join_write_unmatched reads the table a
 * second time.  A digest of the keys in record order, taken on both
 * reads, tells whether the table changed in between.
 */
#include "join/attr_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include <xxhash.h>

#include "core/number.h"
#include "text/normalize.h"

#define ARENA_MIN_BYTES ((size_t)64 << 10) /* the first arena block; later ones double */
#define ARENA_MAX_BYTES ((size_t)8 << 20)
#define HUGE_PAGE ((size_t)2 << 20)
#define MAX_KEY_WARNINGS 20 /* table keys that are not numbers, reported one by one */
#define MAX_ROWS (UINT32_MAX - 1)

static const char *const agg_names[] = {"first", "last", "count", "sum",
                                        "mean",  "min",  "max",   "list"};

const char *om_join_agg_name(enum om_join_agg agg)
{
  return (unsigned)agg < sizeof agg_names / sizeof *agg_names ? agg_names[agg] : "?";
}

int om_join_agg_parse(enum om_join_agg *out, const char *name)
{
  for (size_t i = 0; i < sizeof agg_names / sizeof *agg_names; i++) {
    if (strcmp(name, agg_names[i]) == 0) {
      *out = (enum om_join_agg)i;
      return 0;
    }
  }
  return -1;
}

/* ---- memory ------------------------------------------------------------ */

/*
 * Memory for the big arrays that lookups hit at random (slots, values,
 * arena blocks), on transparent huge pages where the system allows it: a
 * lookup costs a few dependent cache misses, and on 4 KB pages most of
 * each is a TLB miss.  Measured here, 2 MB pages made a dependent random
 * read into 64 MB 2-3 times faster.  Freed with free().
 */
void *om_join_big_alloc(size_t n, size_t size)
{
  if (size && n > SIZE_MAX / size)
    return NULL;
  size_t bytes = n * size;
  if (bytes < HUGE_PAGE)
    return calloc(bytes ? bytes : 1, 1);
  void *p;
  if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
    return NULL;
  madvise(p, bytes, MADV_HUGEPAGE); /* advice: without it, ordinary pages */
  return memset(p, 0, bytes);
}

void *om_join_arena_alloc(struct om_join *j, size_t n, size_t align)
{
  struct arena_block *b = j->arena;
  size_t pad = b ? -b->used & (align - 1) : 0;
  if (!b || b->size - b->used < n + pad) {
    size_t size = b ? b->size * 2 : ARENA_MIN_BYTES;
    size = size > ARENA_MAX_BYTES ? ARENA_MAX_BYTES : size;
    size = size < n ? n : size;
    b = om_join_big_alloc(1, sizeof *b + size);
    if (!b)
      return NULL;
    b->used = 0;
    b->size = size;
    b->next = j->arena;
    j->arena = b;
    pad = 0;
  }
  char *p = b->data + b->used + pad;
  b->used += n + pad;
  return p;
}

char *om_join_arena_copy(struct om_join *j, const char *s, size_t n)
{
  char *p = om_join_arena_alloc(j, n + 1, 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

void om_join_keybuf_release(struct keybuf *kb)
{
  free(kb->p);
  free(kb->part);
}

static int keybuf_append(struct keybuf *kb, const char *s, size_t n)
{
  if (kb->cap - kb->len < n + 1) {
    size_t cap = kb->cap ? kb->cap : 64;
    while (cap - kb->len < n + 1)
      cap *= 2;
    char *p = realloc(kb->p, cap);
    if (!p)
      return OM_ENOMEM;
    kb->p = p;
    kb->cap = cap;
  }
  memcpy(kb->p + kb->len, s, n);
  kb->p[kb->len + n] = '\0';
  kb->len += n + 1;
  return 0;
}

/* ---- keys -------------------------------------------------------------- */

bool om_join_parse_real(const char *v, char decimal, double *x)
{
  if (om_is_canonical_real(v)) {
    *x = strtod(v, NULL);
    return isfinite(*x);
  }
  return om_number_parse(v, decimal, x, NULL, 0) == OM_REASON_NONE;
}

/* The canonical text of a number key: integers exactly, others as doubles. */
static bool number_key(const char *v, char decimal, char buf[32])
{
  long long i;
  double x;
  if (om_integer_parse(v, &i) == OM_REASON_NONE) {
    snprintf(buf, 32, "%lld", i);
    return true;
  }
  if (!om_join_parse_real(v, decimal, &x))
    return false;
  if (x == floor(x) && fabs(x) < 9.2e18)
    snprintf(buf, 32, "%lld", (long long)x); /* 7.0 meets 7; -0 meets 0 */
  else
    om_format_double(buf, x);
  return true;
}

/* Is s[0..n) one white-space character (ASCII, U+00A0, U+202F)? */
static bool is_space(const char *s, size_t n)
{
  return (n == 1 && (*s == ' ' || (*s >= '\t' && *s <= '\r'))) ||
         (n == 2 && !memcmp(s, "\xC2\xA0", 2)) || (n == 3 && !memcmp(s, "\xE2\x80\xAF", 3));
}

static void trim(const char **s, size_t *len)
{
  for (size_t k = 1; k <= 3 && k <= *len; k++)
    if (is_space(*s, k))
      *s += k, *len -= k, k = 0;
  for (size_t k = 1; k <= 3 && k <= *len; k++)
    if (is_space(*s + *len - k, k))
      *len -= k, k = 0;
}

/* Add one key value to kb under the policy: KEY_OK, KEY_NONE, KEY_NAN or < 0. */
static int key_part(struct keybuf *kb, const struct om_join_key_policy *p, const char *v,
                    char decimal)
{
  if (!v || !*v)
    return KEY_NONE;
  if (p->numeric) {
    char buf[32];
    if (!number_key(v, decimal, buf))
      return KEY_NAN;
    return keybuf_append(kb, buf, strlen(buf)) < 0 ? OM_ENOMEM : KEY_OK;
  }
  size_t len = strlen(v);
  if (p->trim)
    trim(&v, &len);
  if (len > 0 && (p->fold_case || p->fold_marks)) {
    int flags = (p->fold_case ? OM_NORM_CASE : 0) | (p->fold_marks ? OM_NORM_MARKS : 0);
    for (;;) {
      ssize_t n = kb->part ? om_normalize_into(kb->part, kb->part_cap, v, len, flags)
                           : OM_NORM_ENOSPACE;
      if (n >= 0) {
        v = kb->part;
        len = (size_t)n;
        break;
      }
      if (n == OM_NORM_EINVALID)
        return KEY_NONE;
      size_t cap = kb->part_cap ? kb->part_cap * 2 : 256;
      while (cap < 2 * len + 16)
        cap *= 2;
      char *q = realloc(kb->part, cap);
      if (!q)
        return OM_ENOMEM;
      kb->part = q;
      kb->part_cap = cap;
    }
  }
  if (p->strip_leading_zeros)
    while (len > 1 && v[0] == '0' && isdigit((unsigned char)v[1]))
      v++, len--;
  if (len == 0)
    return KEY_NONE;
  return keybuf_append(kb, v, len) < 0 ? OM_ENOMEM : KEY_OK;
}

int om_join_make_key(const struct om_join *j, struct keybuf *kb, const char *const *vals,
                     char decimal, size_t *bad)
{
  kb->len = 0;
  for (size_t i = 0; i < j->nkeys; i++) {
    int rc = key_part(kb, &j->policy, vals[i], decimal);
    if (rc != KEY_OK) {
      if (bad)
        *bad = i;
      return rc;
    }
  }
  return KEY_OK;
}

size_t om_join_find_slot(const struct om_join *j, const char *key, size_t len, uint64_t h,
                         bool *found)
{
  size_t mask = j->cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    const struct group *g = j->slots[i].group;
    if (!g || (j->slots[i].hash == h && g->keylen == len && !memcmp(g->key, key, len))) {
      *found = g != NULL;
      return i;
    }
  }
}

static int grow_slots(struct om_join *j)
{
  size_t cap = j->cap ? j->cap * 2 : 1024;
  struct slot *slots = om_join_big_alloc(cap, sizeof *slots);
  if (!slots)
    return OM_ENOMEM;
  for (size_t s = 0; s < j->cap; s++) {
    if (!j->slots[s].group)
      continue;
    size_t i = (size_t)j->slots[s].hash & (cap - 1);
    while (slots[i].group)
      i = (i + 1) & (cap - 1);
    slots[i] = j->slots[s];
  }
  free(j->slots);
  j->slots = slots;
  j->cap = cap;
  return 0;
}

uint64_t om_join_mix(uint64_t digest, long record, uint64_t key_hash)
{
  return (digest ^ (key_hash + (uint64_t)record * 0x9E3779B97F4A7C15ull)) * 0x100000001B3ull;
}

/* ---- messages ---------------------------------------------------------- */

/* "'a', 'b', 'c'" from n names, or of a join's key values. */
static void quoted_list(FILE *m, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    fprintf(m, "%s'%s'", i ? ", " : "", names[i] ? names[i] : "");
}

/* Fail with the text of a memory stream (or out of memory). */
static int fail_with(struct om_diag *d, int code, FILE *m, char **text)
{
  int rc;
  if (fclose(m) != 0 || !*text)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  else
    rc = om_diag_fail(d, code, "%s", *text);
  free(*text);
  return rc;
}

/* Note a row whose key a one-to-one join has seen already. */
static void note_duplicate(struct om_join *j, const struct group *g, long record)
{
  struct dup *dp = NULL;
  if (g->nrows == 1) {
    j->dup_keys++;
    if (j->ndups == MAX_DUPS_LISTED)
      return;
    dp = &j->dups[j->ndups++];
    dp->group = g;
    dp->nrec = 1;
    dp->rec[0] = g->record;
    char *text = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&text, &size);
    if (m) {
      fputs(j->nkeys > 1 ? "(" : "", m);
      quoted_list(m, j->kv, j->nkeys);
      fputs(j->nkeys > 1 ? ")" : "", m);
      fclose(m);
    }
    om_detail_set(dp->key, sizeof dp->key, "%s", text ? text : "?");
    free(text);
  } else {
    for (size_t i = 0; i < j->ndups && !dp; i++)
      if (j->dups[i].group == g)
        dp = &j->dups[i];
  }
  if (dp && dp->nrec < MAX_DUP_RECORDS)
    dp->rec[dp->nrec++] = record;
}

static int fail_duplicates(struct om_join *j, struct om_diag *d)
{
  char *text = NULL;
  size_t size = 0;
  FILE *m = open_memstream(&text, &size);
  if (!m)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  fprintf(m, "%s is one-to-one, but %ld key%s occur%s more than once: ", j->where, j->dup_keys,
          j->dup_keys == 1 ? "" : "s", j->dup_keys == 1 ? "s" : "");
  for (size_t i = 0; i < j->ndups; i++) {
    const struct dup *dp = &j->dups[i];
    fprintf(m, "%s%s in records ", i ? "; " : "", dp->key);
    for (int k = 0; k < dp->nrec; k++)
      fprintf(m, "%s%ld", k ? ", " : "", dp->rec[k]);
    if (dp->group->nrows > (uint32_t)dp->nrec)
      fprintf(m, " and %u more", dp->group->nrows - (uint32_t)dp->nrec);
  }
  if (j->dup_keys > (long)j->ndups)
    fprintf(m, "; and %ld more keys", j->dup_keys - (long)j->ndups);
  fputs("; declare the join one-to-many with aggregates, or remove the duplicates", m);
  return fail_with(d, OM_EMANIFEST, m, &text);
}

/* ---- opening ----------------------------------------------------------- */

static int check_outputs(struct om_join *j, struct om_diag *d)
{
  for (size_t i = 0; i < j->nout; i++) {
    const char *name = j->outs[i].name;
    if (!*name)
      return om_diag_fail(d, OM_EMANIFEST, "%s: output field %zu has an empty name", j->where,
                          i + 1);
    if (!strcasecmp(name, "fid") || !strcasecmp(name, "geom"))
      return om_diag_fail(d, OM_EMANIFEST,
                          "%s: output field '%s' is a name GeoPackage reserves; rename it",
                          j->where, name);
    for (size_t k = 0; k < i; k++)
      if (!strcasecmp(j->outs[k].name, name))
        return om_diag_fail(d, OM_EMANIFEST,
                            "%s: output fields %zu and %zu are both named '%s'%s; rename one",
                            j->where, k + 1, i + 1, name,
                            strcmp(j->outs[k].name, name) ? " (names ignore case)" : "");
  }
  return 0;
}

/* Copy the spec; check what needs no table. */
static int take_spec(struct om_join *j, const struct om_join_spec *s,
                     const struct om_reader_opts *t, struct om_diag *d)
{
  if (asprintf(&j->where, "%s%sjoin '%s' onto layer '%s'", s->manifest ? s->manifest : "",
               s->manifest ? ": " : "", t->path ? t->path : "", s->layer ? s->layer : "?") < 0) {
    j->where = NULL;
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  if (s->nkeys == 0)
    return om_diag_fail(d, OM_EMANIFEST, "%s: no key fields", j->where);
  for (size_t i = 0; i < s->nkeys; i++)
    if (!s->left_keys[i] || !*s->left_keys[i] || !s->right_keys[i] || !*s->right_keys[i])
      return om_diag_fail(d, OM_EMANIFEST, "%s: key %zu has no field name", j->where, i + 1);
  if (s->decimal && s->decimal != '.' && s->decimal != ',')
    return om_diag_fail(d, OM_EMANIFEST, "%s: the decimal separator must be '.' or ','",
                        j->where);

  j->policy = s->policy;
  j->decimal = s->decimal;
  j->one_to_many = s->one_to_many;
  j->nkeys = s->nkeys;
  bool ok = (j->separator = strdup(s->separator ? s->separator : "; ")) &&
            (j->left_keys = calloc(s->nkeys, sizeof *j->left_keys)) &&
            (j->right_src = calloc(s->nkeys, sizeof *j->right_src)) &&
            (j->kv = calloc(s->nkeys, sizeof *j->kv)) &&
            (j->outs = calloc(s->nfields + 1, sizeof *j->outs)) &&
            (j->cols = calloc(s->nfields + 1, sizeof *j->cols)) &&
            (!t->path || (j->path = strdup(t->path))) &&
            (!t->layer || (j->tlayer = strdup(t->layer))) &&
            (!t->encoding || (j->encoding = strdup(t->encoding)));
  for (size_t i = 0; ok && i < s->nkeys; i++)
    ok = (j->left_keys[i] = strdup(s->left_keys[i])) != NULL;
  if (!ok)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  j->ropts = *t;
  j->ropts.path = j->path;
  j->ropts.layer = j->tlayer;
  j->ropts.encoding = j->encoding;

  for (size_t i = 0; i < s->nfields; i++) {
    const struct om_join_field *f = &s->fields[i];
    struct output *o = &j->outs[i];
    if (!f->source || !*f->source)
      return om_diag_fail(d, OM_EMANIFEST, "%s: output field %zu has no source field", j->where,
                          i + 1);
    if ((unsigned)f->agg > OM_AGG_LIST)
      return om_diag_fail(d, OM_EMANIFEST, "%s: field '%s': unknown aggregate", j->where,
                          f->source);
    if (asprintf(&o->name, "%s%s", s->prefix ? s->prefix : "", f->as ? f->as : f->source) < 0) {
      o->name = NULL;
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
    j->nout = i + 1;
    o->agg = f->agg;
    o->typed = f->typed;
    o->base = f->type;
    size_t c = 0;
    while (c < j->ncols && strcmp(j->cols[c].name, f->source) != 0)
      c++;
    if (c == j->ncols) {
      if (!(j->cols[c].name = strdup(f->source)))
        return om_diag_fail(d, OM_ENOMEM, "out of memory");
      j->ncols++;
    }
    o->col = c;
  }
  return check_outputs(j, d);
}

/* Find the key and output columns in the table; name those it lacks. */
static int resolve_fields(struct om_join *j, const struct om_join_spec *s,
                          const struct om_reader *r, struct om_diag *d)
{
  size_t n = om_reader_field_count(r);
  const char **missing = calloc(s->nkeys + j->ncols, sizeof *missing);
  if (!missing)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  size_t nmissing = 0;
  for (size_t i = 0; i < s->nkeys + j->ncols; i++) {
    const char *name = i < s->nkeys ? s->right_keys[i] : j->cols[i - s->nkeys].name;
    size_t k = 0;
    while (k < n && strcmp(om_reader_field_name(r, k), name) != 0)
      k++;
    if (i < s->nkeys) {
      j->right_src[i] = k;
    } else {
      struct column *c = &j->cols[i - s->nkeys];
      int type = k < n ? om_reader_field_type(r, k) : -1;
      c->src = k;
      c->fixed = type >= 0;
      c->type = type >= 0 ? (enum om_field_type)type : OM_FIELD_STRING;
      c->all_int = c->all_real = true;
    }
    bool listed = false;
    for (size_t m = 0; m < nmissing && !listed; m++)
      listed = strcmp(missing[m], name) == 0;
    if (k == n && !listed)
      missing[nmissing++] = name;
  }
  if (nmissing == 0) {
    free(missing);
    return 0;
  }
  char *text = NULL;
  size_t size = 0;
  FILE *m = open_memstream(&text, &size);
  if (!m) {
    free(missing);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  fprintf(m, "%s: field%s ", j->where, nmissing == 1 ? "" : "s");
  quoted_list(m, missing, nmissing);
  fprintf(m, " %s not in the table; its fields are ", nmissing == 1 ? "is" : "are");
  for (size_t k = 0; k < n; k++)
    fprintf(m, "%s'%s'", k ? ", " : "", om_reader_field_name(r, k));
  if (n == 0)
    fputs("none", m);
  free(missing);
  return fail_with(d, OM_EMANIFEST, m, &text);
}

/* Warn about a table key that is not a number (the first few, then a count). */
static void warn_key(struct om_join *j, const struct om_reader *r, const struct om_record *rec,
                     size_t part, struct om_diag *d)
{
  if (++j->key_warnings > MAX_KEY_WARNINGS)
    return;
  char line[32] = "", detail[160], value[SAMPLE_BYTES];
  if (rec->pos.line > 0)
    snprintf(line, sizeof line, "%ld:", rec->pos.line);
  double x;
  om_number_parse(j->kv[part], j->decimal, &x, detail, sizeof detail);
  om_detail_set(value, sizeof value, "%s", j->kv[part]);
  om_diag_warn(d, "%s:%s record %ld: field '%s': join key is %s%s%s: '%s'", j->path, line,
               rec->pos.record, om_reader_field_name(r, j->right_src[part]),
               om_reason_message(OM_REASON_NOT_A_NUMBER), *detail ? ": " : "", detail, value);
}

/* Copy one row's used values into the arena and chain it to its group. */
static int add_row(struct om_join *j, const struct om_record *rec, struct group *g)
{
  if (j->nrows == j->rows_cap) {
    size_t cap = j->rows_cap ? j->rows_cap * 2 : 4096;
    uint32_t *row_group = realloc(j->row_group, cap * sizeof *row_group);
    if (row_group)
      j->row_group = row_group;
    const char **vals = j->ncols ? realloc(j->vals, cap * j->ncols * sizeof *vals) : NULL;
    if (vals)
      j->vals = vals;
    if (!row_group || (j->ncols && !vals))
      return OM_ENOMEM;
    j->rows_cap = cap;
  }
  uint32_t row = (uint32_t)j->nrows++;
  const char **out = j->ncols ? j->vals + (size_t)row * j->ncols : NULL;
  for (size_t c = 0; c < j->ncols; c++) {
    struct column *col = &j->cols[c];
    const char *v = col->src < rec->nvalues ? rec->values[col->src] : NULL;
    out[c] = NULL;
    if (!v || !*v)
      continue;
    char buf[32];
    double x;
    /* A declared decimal comma: "1,5" is 1.5, as the layer pipeline has it. */
    if (j->decimal == ',' && !col->fixed && strchr(v, ',') &&
        om_number_parse(v, ',', &x, NULL, 0) == OM_REASON_NONE) {
      om_format_double(buf, x);
      v = buf;
    }
    if (!(out[c] = om_join_arena_copy(j, v, strlen(v))))
      return OM_ENOMEM;
    if (!col->fixed) {
      col->all_int = col->all_int && om_is_canonical_integer(v);
      col->all_real = col->all_real && om_is_canonical_real(v);
    }
  }
  j->row_group[row] = g->index;
  g->nrows++;
  return 0;
}

/* Find or make the group of the key in j->kb. */
static int group_of(struct om_join *j, long record, struct group **out)
{
  uint64_t h = XXH3_64bits(j->kb.p, j->kb.len);
  if ((j->ngroups + 1) * 2 > j->cap && grow_slots(j) < 0)
    return OM_ENOMEM;
  bool found;
  size_t slot = om_join_find_slot(j, j->kb.p, j->kb.len, h, &found);
  if (found) {
    *out = j->slots[slot].group;
    if (!j->one_to_many)
      note_duplicate(j, *out, record);
    return 0;
  }
  if (j->ngroups == j->groups_cap) {
    size_t cap = j->groups_cap ? j->groups_cap * 2 : 4096;
    struct group **groups = realloc(j->groups, cap * sizeof *groups);
    if (!groups)
      return OM_ENOMEM;
    j->groups = groups;
    j->groups_cap = cap;
  }
  struct group *g = om_join_arena_alloc(j, sizeof *g + j->kb.len, _Alignof(struct group));
  if (!g)
    return OM_ENOMEM;
  *g = (struct group){.record = record, .keylen = (uint32_t)j->kb.len,
                      .index = (uint32_t)j->ngroups};
  memcpy(g->key, j->kb.p, j->kb.len);
  j->groups[j->ngroups++] = g;
  j->slots[slot] = (struct slot){h, g};
  *out = g;
  return 0;
}

static int load(struct om_join *j, const struct om_reader *r, struct om_diag *d)
{
  struct om_record rec;
  int rc;
  while ((rc = om_reader_next((struct om_reader *)r, &rec, d)) != OM_READ_END) {
    if (rc < 0)
      return rc;
    if (rc == OM_READ_REJECTED) {
      j->rep.right_rejected++;
      continue;
    }
    if (j->nrows >= MAX_ROWS)
      return om_diag_fail(d, OM_ENOMEM, "%s: the table has more than %lu rows", j->where,
                          (unsigned long)MAX_ROWS);
    j->rep.right_rows++;
    for (size_t i = 0; i < j->nkeys; i++)
      j->kv[i] = j->right_src[i] < rec.nvalues ? rec.values[j->right_src[i]] : NULL;
    size_t bad = 0;
    int k = om_join_make_key(j, &j->kb, j->kv, j->decimal, &bad);
    if (k < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    if (k != KEY_OK) {
      j->digest = om_join_mix(j->digest, rec.pos.record, 0);
      j->rep.right_no_key++;
      if (k == KEY_NAN)
        warn_key(j, r, &rec, bad, d);
      continue;
    }
    j->digest = om_join_mix(j->digest, rec.pos.record, XXH3_64bits(j->kb.p, j->kb.len));
    struct group *g;
    if (group_of(j, rec.pos.record, &g) < 0 || add_row(j, &rec, g) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  if (j->key_warnings > MAX_KEY_WARNINGS)
    om_diag_warn(d, "%s: %ld more join keys are not numbers (not shown)", j->path,
                 j->key_warnings - MAX_KEY_WARNINGS);
  j->rep.right_keys = (long)j->ngroups;
  return 0;
}

int om_join_open(struct om_join **out, const struct om_join_spec *spec,
                 const struct om_reader_opts *table, struct om_diag *d)
{
  *out = NULL;
  struct om_join *j = calloc(1, sizeof *j);
  if (!j)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  j->rep.left_dropped = spec->drop_unmatched;
  struct om_reader *r = NULL;
  int rc = take_spec(j, spec, table, d);
  if (rc == 0)
    rc = om_reader_open(&r, &j->ropts, d);
  if (rc == 0)
    rc = resolve_fields(j, spec, r, d);
  if (rc == 0)
    rc = grow_slots(j) < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
  if (rc == 0)
    rc = load(j, r, d);
  om_reader_free(r);
  if (rc == 0 && j->dup_keys > 0)
    rc = fail_duplicates(j, d);
  if (rc == 0)
    rc = om_join_finish(j, d);
  free(j->vals);
  free(j->row_group);
  j->vals = NULL;
  j->row_group = NULL;
  if (rc < 0) {
    om_join_free(j);
    return rc;
  }
  *out = j;
  return 0;
}

void om_join_free(struct om_join *j)
{
  if (!j)
    return;
  free(j->where);
  free(j->path);
  free(j->tlayer);
  free(j->encoding);
  free(j->separator);
  for (size_t i = 0; j->left_keys && i < j->nkeys; i++)
    free(j->left_keys[i]);
  free(j->left_keys);
  free(j->right_src);
  free(j->kv);
  for (size_t i = 0; i < j->nout; i++)
    free(j->outs[i].name);
  free(j->outs);
  for (size_t i = 0; i < j->ncols; i++)
    free(j->cols[i].name);
  free(j->cols);
  free(j->groups);
  free(j->slots);
  free(j->vals);
  free(j->row_group);
  free(j->values);
  while (j->arena) {
    struct arena_block *next = j->arena->next;
    free(j->arena);
    j->arena = next;
  }
  om_join_keybuf_release(&j->kb);
  free(j);
}

/* ---- use --------------------------------------------------------------- */

size_t om_join_nfields(const struct om_join *j) { return j->nout; }

const char *om_join_field_name(const struct om_join *j, size_t i)
{
  return i < j->nout ? j->outs[i].name : NULL;
}

enum om_field_type om_join_field_type(const struct om_join *j, size_t i)
{
  return i < j->nout ? j->outs[i].type : OM_FIELD_STRING;
}

size_t om_join_nkeys(const struct om_join *j) { return j->nkeys; }

const char *om_join_left_key(const struct om_join *j, size_t i)
{
  return i < j->nkeys ? j->left_keys[i] : NULL;
}

int om_join_check_names(const struct om_join *j, const char *const *taken, size_t ntaken,
                        struct om_diag *d)
{
  for (size_t i = 0; i < j->nout; i++)
    for (size_t k = 0; k < ntaken; k++)
      if (taken[k] && !strcasecmp(taken[k], j->outs[i].name))
        return om_diag_fail(d, OM_EMANIFEST,
                            "%s: output field '%s' clashes with the layer's field '%s'; "
                            "rename it or set a prefix",
                            j->where, j->outs[i].name, taken[k]);
  return 0;
}

int om_join_lookup(struct om_join *j, const char *const *left_key_values,
                   const char *const **values)
{
  *values = NULL;
  int k = om_join_make_key(j, &j->kb, left_key_values, '.', NULL);
  if (k < 0)
    return OM_ENOMEM;
  bool found = false;
  size_t slot = 0;
  if (k == KEY_OK)
    slot = om_join_find_slot(j, j->kb.p, j->kb.len, XXH3_64bits(j->kb.p, j->kb.len), &found);
  if (!found) {
    j->rep.unmatched_left++;
    j->rep.left_no_key += k != KEY_OK;
    return 0;
  }
  struct group *g = j->slots[slot].group;
  if (!g->asked) {
    g->asked = true;
    j->asked_rows += g->nrows;
  }
  j->rep.matched++;
  *values = j->values + (size_t)g->index * j->nout;
  return 1;
}

void om_join_report(const struct om_join *j, struct om_join_report *r)
{
  *r = j->rep;
  r->unmatched_right = j->rep.right_rows - j->asked_rows;
}
