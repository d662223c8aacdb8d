/*
 * The geocoder's result cache: registers repeat their places ("Red Sea
 * State, Sudan" on every licence of the state), so a query resolved once
 * is answered from memory.  Keys are queries folded for case and spacing
 * (geocode.c says why not further); the gazetteer is
 * fixed for a geocoder's life, so its hash need not be part of the key.
 * The cache stops growing at CACHE_MAX results (about 20 MB).
 */
#include <stdlib.h>
#include <string.h>

#include "geocode/geocode_private.h"

#define CACHE_MAX 16384

struct gc_cache_slot {
  char *key;                 /* NULL = empty */
  struct om_gc_result *res;  /* owned */
};

static uint64_t fnv1a(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

void om_gc_cache_init(struct gc_cache *c)
{
  *c = (struct gc_cache){0};
}

void om_gc_cache_release(struct gc_cache *c)
{
  for (size_t i = 0; i < c->cap; i++) {
    free(c->slots[i].key);
    free(c->slots[i].res);
  }
  free(c->slots);
  *c = (struct gc_cache){0};
}

static struct gc_cache_slot *find(const struct gc_cache *c, const char *key)
{
  size_t mask = c->cap - 1;
  for (size_t i = fnv1a(key) & mask;; i = (i + 1) & mask)
    if (!c->slots[i].key || !strcmp(c->slots[i].key, key))
      return &c->slots[i];
}

bool om_gc_cache_get(const struct gc_cache *c, const char *key, struct om_gc_result *res)
{
  if (c->cap == 0)
    return false;
  const struct gc_cache_slot *s = find(c, key);
  if (!s->key)
    return false;
  *res = *s->res;
  return true;
}

static int grow(struct gc_cache *c)
{
  size_t cap = c->cap ? c->cap * 2 : 256;
  struct gc_cache_slot *old = c->slots;
  size_t oldcap = c->cap;
  c->slots = calloc(cap, sizeof *c->slots);
  if (!c->slots) {
    c->slots = old;
    return OM_ENOMEM;
  }
  c->cap = cap;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].key)
      *find(c, old[i].key) = old[i];
  free(old);
  return 0;
}

int om_gc_cache_put(struct gc_cache *c, const char *key, const struct om_gc_result *res)
{
  if (c->n >= CACHE_MAX)
    return 0;
  if ((c->n + 1) * 2 > c->cap && grow(c) < 0)
    return OM_ENOMEM;
  struct gc_cache_slot *s = find(c, key);
  if (s->key)
    return 0;
  s->key = strdup(key);
  s->res = malloc(sizeof *s->res);
  if (!s->key || !s->res) {
    free(s->key);
    free(s->res);
    *s = (struct gc_cache_slot){0};
    return OM_ENOMEM;
  }
  *s->res = *res;
  c->n++;
  return 0;
}
