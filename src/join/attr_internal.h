/*
 * The attribute join's insides, shared by its files: attr.c (the spec,
 * keys, the hash, loading, lookups), attr_agg.c (types and aggregates) and
 * attr_unmatched.c (the unmatched-rows file).  Not for use outside join/.
 */
#ifndef OM_JOIN_ATTR_INTERNAL_H
#define OM_JOIN_ATTR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "join/attr.h"

#define MAX_DUPS_LISTED 5 /* duplicate keys named in the one-to-one error */
#define MAX_DUP_RECORDS 5 /* records named per duplicate key */
#define SAMPLE_BYTES 104  /* a value quoted in a warning, cut at a character */

enum { KEY_NONE = 0, KEY_OK = 1, KEY_NAN = 2 }; /* om_join_make_key's outcomes, or < 0 */

struct arena_block {
  struct arena_block *next; /* older block */
  size_t used, size;        /* bytes used and available in data */
  char data[];
};

/*
 * The rows of one key, in the arena with the key right behind it, so that
 * a lookup that hits touches the slot and this one cache line.
 */
struct group {
  long record;     /* the first row's record number, for messages */
  uint32_t keylen; /* bytes in key */
  uint32_t index;  /* in groups, and so in values */
  uint32_t first;  /* its first row in vals once sorted by group (sort_rows) */
  uint32_t nrows;  /* rows with this key */
  bool asked;      /* a layer record looked it up */
  char key[];      /* the comparison key */
};

/* A hash slot: the hash beside the pointer, so that probing past others reads no group. */
struct slot {
  uint64_t hash;       /* XXH3 of the key */
  struct group *group; /* NULL: empty */
};

/* A table column that some output reads. */
struct column {
  size_t src;              /* index among the table's fields */
  char *name;              /* its name, owned */
  bool fixed;              /* the source gives its type */
  enum om_field_type type; /* the source's type, or detected */
  bool all_int, all_real;  /* detection: every value canonical integer / real */
};

struct output {
  char *name;              /* output name with the prefix, owned */
  size_t col;              /* index in cols */
  enum om_join_agg agg;    /* how rows become one value */
  bool typed;              /* base was declared */
  enum om_field_type base; /* the type the column's values are read as */
  enum om_field_type type; /* the output's type */
  bool sum_real;           /* an integer sum overflowed: sum as doubles */
};

/* Where a key is built: reused across calls to spare allocations. */
struct keybuf {
  char *p;         /* the key */
  size_t len, cap; /* bytes used and allocated */
  char *part;      /* one normalised part */
  size_t part_cap; /* bytes allocated there */
};

/* A duplicate key of a one-to-one join, for the error message. */
struct dup {
  const struct group *group;      /* the group */
  int nrec;                       /* records listed */
  long rec[MAX_DUP_RECORDS];      /* their numbers */
  char key[96];                   /* the key as the table spells it */
};

struct om_join {
  char *where;                  /* "manifest: join 'table' onto layer 'x'" */
  char *path, *tlayer, *encoding;
  struct om_reader_opts ropts;  /* to read the table again (points at the copies) */
  struct om_join_key_policy policy;
  char decimal;                 /* the table's decimal separator, or 0 */
  bool one_to_many;             /* else a key twice is an error */
  char *separator;              /* for list, owned */
  size_t nkeys;
  char **left_keys;             /* nkeys, owned */
  size_t *right_src;            /* nkeys table field indices */
  const char **kv;              /* nkeys: one row's key values */
  size_t nout;
  struct output *outs;          /* nout */
  size_t ncols;
  struct column *cols;          /* ncols, the distinct sources of outs */
  struct group **groups;        /* in order of first appearance */
  size_t ngroups, groups_cap;
  struct slot *slots;           /* the hash, at most half full */
  size_t cap;                   /* slots, a power of two */
  const char **vals;            /* until open ends: ncols values per row, in table order,
                                   then (om_join_finish) in group order */
  uint32_t *row_group;          /* until open ends: each row's group index */
  size_t nrows, rows_cap;
  const char **values;          /* nout output values per group */
  struct arena_block *arena;
  struct keybuf kb;             /* for lookups */
  uint64_t digest;              /* of the table's keys in record order */
  long asked_rows;              /* rows in groups that were asked for */
  long key_warnings;            /* table keys reported as not numbers */
  struct om_join_report rep;
  struct dup dups[MAX_DUPS_LISTED];
  size_t ndups;                 /* entries in dups */
  long dup_keys;                /* keys found twice or more (one-to-one) */
};

/* ---- attr.c ---- */

/* Zeroed memory for a big array, on huge pages where possible; free() it. */
void *om_join_big_alloc(size_t n, size_t size);
/* n bytes of the join's arena, aligned to 'align' (a power of two, at most 16). */
void *om_join_arena_alloc(struct om_join *j, size_t n, size_t align);
/* A NUL-terminated copy of s[0..n) in the arena. */
char *om_join_arena_copy(struct om_join *j, const char *s, size_t n);
void om_join_keybuf_release(struct keybuf *kb);
/* A real number in canonical form, or as the table spells it with 'decimal'. */
bool om_join_parse_real(const char *v, char decimal, double *x);
/*
 * Build the key of one record's key values (nkeys of them) into kb:
 * KEY_OK, KEY_NONE (a part is null or empty), KEY_NAN (a part is not a
 * number; *bad, if not NULL, says which), or OM_ENOMEM.
 */
int om_join_make_key(const struct om_join *j, struct keybuf *kb, const char *const *vals,
                     char decimal, size_t *bad);
/* The slot of the group with this key, or the empty slot where it goes. */
size_t om_join_find_slot(const struct om_join *j, const char *key, size_t len, uint64_t h,
                         bool *found);
/* Mix one row into the digest of a table's keys in record order. */
uint64_t om_join_mix(uint64_t digest, long record, uint64_t key_hash);

/* ---- attr_agg.c ---- */

/* Settle the types and compute every group's output values (warnings in d). */
int om_join_finish(struct om_join *j, struct om_diag *d);

#endif
