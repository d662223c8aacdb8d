/*
 * A set of strings (open addressing): duplicate ids across a million
 * records.  The strings are copied into large blocks rather than one
 * allocation each, which keeps a million ids in about a third of the memory.
 */
#ifndef OM_CORE_STRSET_H
#define OM_CORE_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct om_strset_block;

struct om_strset {
  const char **slots;             /* NULL = empty; each points into a block */
  size_t cap;                     /* a power of two */
  size_t n;                       /* strings held */
  struct om_strset_block *blocks; /* the copies, newest first */
};

void om_strset_init(struct om_strset *s);
void om_strset_release(struct om_strset *s);
/* Is str in the set? */
bool om_strset_contains(const struct om_strset *s, const char *str);
/* Add a copy of str: 1 if added, 0 if it was there already, -1 out of memory. */
int om_strset_add(struct om_strset *s, const char *str);

#endif
