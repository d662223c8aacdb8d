#include "core/strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES (1u << 20)

struct om_strset_block {
  struct om_strset_block *next; /* older block */
  size_t used, size;            /* bytes of data used and available */
  char data[];
};

void om_strset_init(struct om_strset *s) { memset(s, 0, sizeof *s); }

void om_strset_release(struct om_strset *s)
{
  while (s->blocks) {
    struct om_strset_block *next = s->blocks->next;
    free(s->blocks);
    s->blocks = next;
  }
  free(s->slots);
  memset(s, 0, sizeof *s);
}

static uint64_t hash(const char *str)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)str; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  return h;
}

/* The slot holding str, or the empty slot where it belongs. */
static size_t find(const char **slots, size_t cap, const char *str)
{
  size_t i = (size_t)hash(str) & (cap - 1);
  while (slots[i] && strcmp(slots[i], str) != 0)
    i = (i + 1) & (cap - 1);
  return i;
}

static int grow(struct om_strset *s)
{
  size_t cap = s->cap ? s->cap * 2 : 1024;
  const char **slots = calloc(cap, sizeof *slots);
  if (!slots)
    return -1;
  /* Write to every page first.  A large calloc is fresh mmap memory that
   * probing reads before it writes: the read maps the shared zero page,
   * and the later write replaces it and flushes the TLB of every core
   * that runs a thread of the process (an IPI each; -j 2 builds paid a
   * tenth of a second for it).  A volatile store, as the compiler would
   * fold a memset into the calloc. */
  for (size_t off = 0; off < cap * sizeof *slots; off += 4096)
    ((volatile char *)slots)[off] = 0;
  for (size_t i = 0; i < s->cap; i++)
    if (s->slots[i])
      slots[find(slots, cap, s->slots[i])] = s->slots[i];
  free(s->slots);
  s->slots = slots;
  s->cap = cap;
  return 0;
}

/* A copy of str in the newest block (or a new one), or NULL. */
static const char *copy(struct om_strset *s, const char *str)
{
  size_t len = strlen(str) + 1;
  struct om_strset_block *b = s->blocks;
  if (!b || b->size - b->used < len) {
    size_t size = len > BLOCK_BYTES ? len : BLOCK_BYTES;
    b = malloc(sizeof *b + size);
    if (!b)
      return NULL;
    b->next = s->blocks;
    b->used = 0;
    b->size = size;
    s->blocks = b;
  }
  char *out = b->data + b->used;
  memcpy(out, str, len);
  b->used += len;
  return out;
}

bool om_strset_contains(const struct om_strset *s, const char *str)
{
  return s->cap > 0 && s->slots[find(s->slots, s->cap, str)] != NULL;
}

int om_strset_add(struct om_strset *s, const char *str)
{
  if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
    return -1;
  size_t i = find(s->slots, s->cap, str);
  if (s->slots[i])
    return 0;
  s->slots[i] = copy(s, str);
  if (!s->slots[i])
    return -1;
  s->n++;
  return 1;
}
