/*
 * The build state: what each layer was last built from, so that `oremap
 * build` rebuilds exactly the layers whose inputs changed.  It lives in
 * <output root>/.oremap-state, is replaced atomically after every layer,
 * and caches the content hash of each file it hashed with the file's size
 * and modification time, so that an unchanged file is not read again and a
 * touched file whose bytes did not change rebuilds nothing.
 */
#ifndef OM_PIPELINE_STATE_H
#define OM_PIPELINE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"

struct om_state_file {
  char *path;       /* the cache key: a path relative to the project, maybe with a table */
  uint64_t hash;    /* content hash */
  int64_t size;     /* bytes, when hashed */
  int64_t mtime_ns; /* modification time, when hashed */
};

/* One thing a layer was built from: "manifest", "source data/sites.csv", ... */
struct om_state_input {
  char *label;   /* what it is, for the reason a layer is rebuilt */
  uint64_t hash; /* its content hash */
};

/* One thing a layer wrote, with the fingerprint it had after the build. */
struct om_state_output {
  char *path;           /* file */
  char *table;          /* GeoPackage table, or NULL for a whole file */
  uint64_t fingerprint; /* content hash (file) or table fingerprint */
};

struct om_state_layer {
  char *name;                       /* layer name */
  long rejected;                    /* records rejected by that build */
  size_t ninputs;
  struct om_state_input *inputs;
  size_t noutputs;
  struct om_state_output *outputs;
};

struct om_state {
  size_t nfiles;
  struct om_state_file *files;
  size_t nlayers;
  struct om_state_layer *layers;
};

/*
 * Read the state file.  A missing file gives an empty state; an unreadable
 * or damaged one gives an empty state and a warning (every layer is then
 * rebuilt, which is always safe).
 */
int om_state_load(struct om_state *s, const char *path, struct om_diag *d);
/* Replace the state file atomically. */
int om_state_save(const struct om_state *s, const char *path, struct om_diag *d);
void om_state_release(struct om_state *s);

/* The layer's entry, or NULL. */
const struct om_state_layer *om_state_find(const struct om_state *s, const char *name);
/* Replace (or add) a layer's entry; *l is moved in and zeroed. */
int om_state_put(struct om_state *s, struct om_state_layer *l);
/* Forget a layer (its last build failed or it is gone). */
void om_state_forget(struct om_state *s, const char *name);
void om_state_layer_release(struct om_state_layer *l);
/* A deep copy of src into *dst: 0 or OM_ENOMEM (then *dst is empty). */
int om_state_layer_copy(struct om_state_layer *dst, const struct om_state_layer *src);

/*
 * A value computed from the file at 'path' (its content hash, say), cached
 * under 'key' with the file's size and modification time: while those are
 * unchanged the value is taken from the cache and the file is not read.
 * A file with a non-empty SQLite "-wal" companion is always computed
 * afresh (its changes may not have reached the file yet).  compute returns
 * 0 or -errno; so does this.
 */
int om_state_cached(struct om_state *s, const char *key, const char *path,
                    int (*compute)(void *ctx, const char *path, uint64_t *out), void *ctx,
                    uint64_t *out);

/* The content hash of a file, cached as above under key (no such file: -ENOENT). */
int om_state_hash_file(struct om_state *s, const char *key, const char *path, uint64_t *out);

#endif
