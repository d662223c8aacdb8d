/*
 * Content hashes (XXH3, 64 bits) of files and of build inputs: a layer is
 * rebuilt when the bytes of what it depends on changed, not when a file's
 * time stamp did.
 */
#ifndef OM_CORE_HASH_H
#define OM_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

struct om_hasher {
  void *state; /* XXH3 streaming state, owned */
};

int om_hasher_init(struct om_hasher *h);
void om_hasher_release(struct om_hasher *h);
void om_hasher_bytes(struct om_hasher *h, const void *p, size_t n);
/* A string and its terminating NUL, so that ("ab","c") and ("a","bc") differ; NULL counts too. */
void om_hasher_str(struct om_hasher *h, const char *s);
void om_hasher_u64(struct om_hasher *h, uint64_t v);
uint64_t om_hasher_digest(const struct om_hasher *h);

/* The hash of a whole file's bytes: 0, or -errno. */
int om_hash_file(uint64_t *out, const char *path);

#endif
