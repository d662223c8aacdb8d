/* A set of strings (open addressing): duplicate ids across a million records. */
#ifndef OM_CORE_STRSET_H
#define OM_CORE_STRSET_H

#include <stddef.h>

struct om_strset {
  char **slots; /* NULL = empty; each an owned copy */
  size_t cap;   /* a power of two */
  size_t n;     /* strings held */
};

void om_strset_init(struct om_strset *s);
void om_strset_release(struct om_strset *s);
/* Add a copy of str: 1 if added, 0 if it was there already, -1 out of memory. */
int om_strset_add(struct om_strset *s, const char *str);

#endif
