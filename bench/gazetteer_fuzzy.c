/*
 * Fuzzy lookup speed: queries per second on an index, each query a key of
 * the index with one random edit (substitution, deletion, insertion or
 * swap), looked up with om_gazetteer_fuzzy at distance 1 and, for
 * comparison, exact lookup of the unedited key.  Built and run by
 * bench/gazetteer-fuzzy.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gazetteer/gazetteer.h"
#include "gazetteer/internal.h"

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: gazetteer_fuzzy INDEX [N]\n");
    return 2;
  }
  size_t nq = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g;
  if (om_gazetteer_open(&g, argv[1], &d) < 0) {
    fprintf(stderr, "%s\n", d.msg);
    return 3;
  }
  srand(42);
  char (*q)[128] = malloc(nq * sizeof *q);
  char (*orig)[128] = malloc(nq * sizeof *orig);
  size_t made = 0;
  while (made < nq) {
    /* A key of a place, chosen at random; ASCII keys of 4..40 bytes. */
    uint32_t k = (uint32_t)(((uint64_t)rand() * RAND_MAX + rand()) % g->nkeys);
    const char *t = g->keytext + g->keys[k].text;
    size_t n = strlen(t);
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
      ascii &= (unsigned char)t[i] < 0x80;
    if (!ascii || n < 4 || n > 40)
      continue;
    strcpy(orig[made], t);
    char *s = q[made];
    strcpy(s, t);
    size_t i = (size_t)rand() % (n - 1);
    switch (rand() % 4) {
    case 0: s[i] = s[i] == 'x' ? 'y' : 'x'; break;
    case 1: memmove(s + i, s + i + 1, n - i); break;
    case 2: memmove(s + i + 1, s + i, n - i + 1); s[i] = 'q'; break;
    default: { char c = s[i]; s[i] = s[i + 1]; s[i + 1] = c; }
    }
    made++;
  }
  struct om_gaz_hit hits[32];
  size_t found = 0, total_hits = 0;
  double t0 = now();
  for (size_t i = 0; i < nq; i++) {
    size_t n = om_gazetteer_fuzzy(g, q[i], strlen(q[i]), 1, NULL, hits, 32);
    total_hits += n;
    for (size_t j = 0; j < n; j++) {
      found += j == 0 && hits[j].distance <= 1;
    }
  }
  double t1 = now();
  for (size_t i = 0; i < nq; i++)
    total_hits += om_gazetteer_find(g, orig[i], strlen(orig[i]), NULL, hits, 32) > 0;
  double t2 = now();
  printf("index: %zu entries, %zu keys\n", om_gazetteer_count(g), g->nkeys);
  printf("fuzzy (distance 1): %zu queries in %.3f s = %.0f queries/s (%zu with a hit)\n", nq,
         t1 - t0, nq / (t1 - t0), found);
  printf("exact:              %zu queries in %.3f s = %.0f queries/s\n", nq, t2 - t1,
         nq / (t2 - t1));
  om_gazetteer_close(g);
  free(q);
  free(orig);
  return 0;
}
