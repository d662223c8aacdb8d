/*
 * The state file, one record a line, fields separated by tabs, a path
 * always last (it may hold spaces):
 *   oremap-state <TAB> 1
 *   file   <hash> <size> <mtime_ns> <path>
 *   layer  <name> <rejected>
 *   input  <hash> <label>                 (belongs to the layer above)
 *   output <fingerprint> <table or -> <path>
 * Text rather than binary so that a curious user can read it.
 */
#include "pipeline/state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "io/atomic.h"

#define MAGIC "oremap-state\t1"

void om_state_layer_release(struct om_state_layer *l)
{
  for (size_t i = 0; i < l->ninputs; i++)
    free(l->inputs[i].label);
  for (size_t i = 0; i < l->noutputs; i++) {
    free(l->outputs[i].path);
    free(l->outputs[i].table);
  }
  free(l->inputs);
  free(l->outputs);
  free(l->name);
  memset(l, 0, sizeof *l);
}

int om_state_layer_copy(struct om_state_layer *dst, const struct om_state_layer *src)
{
  memset(dst, 0, sizeof *dst);
  dst->rejected = src->rejected;
  dst->name = strdup(src->name);
  dst->inputs = calloc(src->ninputs + 1, sizeof *dst->inputs);
  dst->outputs = calloc(src->noutputs + 1, sizeof *dst->outputs);
  bool ok = dst->name && dst->inputs && dst->outputs;
  for (size_t i = 0; ok && i < src->ninputs; i++, dst->ninputs++) {
    dst->inputs[i].hash = src->inputs[i].hash;
    ok = (dst->inputs[i].label = strdup(src->inputs[i].label)) != NULL;
  }
  for (size_t i = 0; ok && i < src->noutputs; i++, dst->noutputs++) {
    const struct om_state_output *o = &src->outputs[i];
    dst->outputs[i].fingerprint = o->fingerprint;
    dst->outputs[i].path = strdup(o->path);
    dst->outputs[i].table = o->table ? strdup(o->table) : NULL;
    ok = dst->outputs[i].path && (!o->table || dst->outputs[i].table);
  }
  if (!ok) {
    om_state_layer_release(dst);
    return OM_ENOMEM;
  }
  return 0;
}

void om_state_release(struct om_state *s)
{
  for (size_t i = 0; i < s->nfiles; i++)
    free(s->files[i].path);
  for (size_t i = 0; i < s->nlayers; i++)
    om_state_layer_release(&s->layers[i]);
  free(s->files);
  free(s->layers);
  memset(s, 0, sizeof *s);
}

/* Grow *v (of *n elements of size 'size') by one zeroed element; NULL when out of memory. */
static void *push(void **v, size_t *n, size_t size)
{
  char *grown = realloc(*v, (*n + 1) * size);
  if (!grown)
    return NULL;
  *v = grown;
  memset(grown + *n * size, 0, size);
  return grown + (*n)++ * size;
}

/* Split line at tabs into at most max fields (the last takes the rest). */
static size_t split(char *line, char **fields, size_t max)
{
  size_t n = 0;
  while (n + 1 < max) {
    fields[n++] = line;
    char *tab = strchr(line, '\t');
    if (!tab)
      return n;
    *tab = '\0';
    line = tab + 1;
  }
  fields[n++] = line;
  return n;
}

static int parse_u64(const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  *out = strtoull(s, &end, 16);
  return *s && !*end && errno == 0 ? 0 : -1;
}

/* One line into s; -1 when it does not make sense. */
static int parse_line(struct om_state *s, char *line)
{
  char *f[5] = {0};
  size_t n = split(line, f, 5);
  uint64_t h;
  if (!strcmp(f[0], "file") && n == 5 && parse_u64(f[1], &h) == 0) {
    struct om_state_file *e = push((void **)&s->files, &s->nfiles, sizeof *e);
    if (!e || !(e->path = strdup(f[4])))
      return -1;
    e->hash = h;
    e->size = strtoll(f[2], NULL, 10);
    e->mtime_ns = strtoll(f[3], NULL, 10);
    return 0;
  }
  if (!strcmp(f[0], "layer") && n == 3) {
    struct om_state_layer *l = push((void **)&s->layers, &s->nlayers, sizeof *l);
    if (!l || !(l->name = strdup(f[1])))
      return -1;
    l->rejected = strtol(f[2], NULL, 10);
    return 0;
  }
  struct om_state_layer *l = s->nlayers ? &s->layers[s->nlayers - 1] : NULL;
  if (l && !strcmp(f[0], "input") && n >= 3 && parse_u64(f[1], &h) == 0) {
    struct om_state_input *in = push((void **)&l->inputs, &l->ninputs, sizeof *in);
    if (!in || !(in->label = strdup(f[2])))
      return -1;
    in->hash = h;
    return 0;
  }
  if (l && !strcmp(f[0], "output") && n == 4 && parse_u64(f[1], &h) == 0) {
    struct om_state_output *o = push((void **)&l->outputs, &l->noutputs, sizeof *o);
    if (!o || !(o->path = strdup(f[3])))
      return -1;
    if (strcmp(f[2], "-") != 0 && !(o->table = strdup(f[2])))
      return -1;
    o->fingerprint = h;
    return 0;
  }
  return -1;
}

int om_state_load(struct om_state *s, const char *path, struct om_diag *d)
{
  memset(s, 0, sizeof *s);
  FILE *f = fopen(path, "r");
  if (!f) {
    if (errno != ENOENT)
      om_diag_warn(d, "cannot read the build state '%s': %s; every layer is rebuilt", path,
                   strerror(errno));
    return 0;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long lineno = 0;
  int bad = 0;
  while (!bad && (len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    if (len > 0 && line[len - 1] == '\n')
      line[--len] = '\0';
    if (lineno == 1)
      bad = strcmp(line, MAGIC) != 0;
    else
      bad = parse_line(s, line) < 0;
  }
  free(line);
  fclose(f);
  if (bad || lineno == 0) {
    om_state_release(s);
    om_diag_warn(d, "%s:%ld: the build state is damaged; every layer is rebuilt", path, lineno);
  }
  return 0;
}

int om_state_save(const struct om_state *s, const char *path, struct om_diag *d)
{
  struct om_atomic a;
  int rc = om_atomic_open(&a, path, d);
  if (rc < 0)
    return rc;
  fprintf(a.f, "%s\n", MAGIC);
  for (size_t i = 0; i < s->nfiles; i++) {
    const struct om_state_file *e = &s->files[i];
    fprintf(a.f, "file\t%016" PRIx64 "\t%" PRId64 "\t%" PRId64 "\t%s\n", e->hash, e->size,
            e->mtime_ns, e->path);
  }
  for (size_t i = 0; i < s->nlayers; i++) {
    const struct om_state_layer *l = &s->layers[i];
    fprintf(a.f, "layer\t%s\t%ld\n", l->name, l->rejected);
    for (size_t k = 0; k < l->ninputs; k++)
      fprintf(a.f, "input\t%016" PRIx64 "\t%s\n", l->inputs[k].hash, l->inputs[k].label);
    for (size_t k = 0; k < l->noutputs; k++)
      fprintf(a.f, "output\t%016" PRIx64 "\t%s\t%s\n", l->outputs[k].fingerprint,
              l->outputs[k].table ? l->outputs[k].table : "-", l->outputs[k].path);
  }
  return om_atomic_commit(&a, d);
}

const struct om_state_layer *om_state_find(const struct om_state *s, const char *name)
{
  for (size_t i = 0; i < s->nlayers; i++)
    if (strcmp(s->layers[i].name, name) == 0)
      return &s->layers[i];
  return NULL;
}

void om_state_forget(struct om_state *s, const char *name)
{
  for (size_t i = 0; i < s->nlayers; i++) {
    if (strcmp(s->layers[i].name, name) == 0) {
      om_state_layer_release(&s->layers[i]);
      memmove(&s->layers[i], &s->layers[i + 1], (s->nlayers - i - 1) * sizeof *s->layers);
      s->nlayers--;
      return;
    }
  }
}

int om_state_put(struct om_state *s, struct om_state_layer *l)
{
  om_state_forget(s, l->name);
  struct om_state_layer *slot = push((void **)&s->layers, &s->nlayers, sizeof *slot);
  if (!slot)
    return OM_ENOMEM;
  *slot = *l;
  memset(l, 0, sizeof *l);
  return 0;
}

/* Size and time of path, and whether a -wal companion holds changes. */
static int stat_file(const char *path, int64_t *size, int64_t *mtime, bool *wal)
{
  struct stat st;
  if (stat(path, &st) != 0)
    return -errno;
  *size = (int64_t)st.st_size;
  *mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  char *wal_path = NULL;
  *wal = false;
  if (asprintf(&wal_path, "%s-wal", path) >= 0) {
    *wal = stat(wal_path, &st) == 0 && st.st_size > 0;
    free(wal_path);
  }
  return 0;
}

int om_state_cached(struct om_state *s, const char *key, const char *path,
                    int (*compute)(void *ctx, const char *path, uint64_t *out), void *ctx,
                    uint64_t *out)
{
  int64_t size = 0, mtime = 0;
  bool wal = false;
  int rc = stat_file(path, &size, &mtime, &wal);
  if (rc < 0)
    return rc;
  struct om_state_file *e = NULL;
  for (size_t i = 0; i < s->nfiles && !e; i++)
    if (strcmp(s->files[i].path, key) == 0)
      e = &s->files[i];
  if (e && !wal && e->size == size && e->mtime_ns == mtime) {
    *out = e->hash;
    return 0;
  }
  rc = compute(ctx, path, out);
  if (rc < 0)
    return rc;
  if (!e) {
    e = push((void **)&s->files, &s->nfiles, sizeof *e);
    if (!e || !(e->path = strdup(key)))
      return -ENOMEM;
  }
  e->hash = *out;
  e->size = size;
  e->mtime_ns = mtime;
  return 0;
}

static int hash_content(void *ctx, const char *path, uint64_t *out)
{
  (void)ctx;
  return om_hash_file(out, path);
}

int om_state_hash_file(struct om_state *s, const char *key, const char *path, uint64_t *out)
{
  return om_state_cached(s, key, path, hash_content, NULL, out);
}
