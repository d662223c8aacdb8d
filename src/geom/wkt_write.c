/*
 * ISO WKB to WKT, for text outputs (a CSV's wkt column).  The WKB is the
 * pipeline's own (little-endian, 2D, as src/geom writes it), so this is a
 * plain walk of the structure; coordinates are printed with 'precision'
 * decimals and trailing zeros dropped.
 */
#include "geom/geom.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wkt {
  char *s;
  size_t n, cap;
  const unsigned char *p, *end;
  int precision;
  bool bad;
};

static void put(struct wkt *w, const char *text, size_t len)
{
  if (w->n + len + 1 > w->cap) {
    size_t cap = (w->n + len + 1) * 2;
    char *s = realloc(w->s, cap);
    if (!s) {
      w->bad = true;
      return;
    }
    w->s = s;
    w->cap = cap;
  }
  memcpy(w->s + w->n, text, len);
  w->n += len;
  w->s[w->n] = 0;
}

static void puts_(struct wkt *w, const char *text) { put(w, text, strlen(text)); }

static uint32_t u32(struct wkt *w)
{
  uint32_t v = 0;
  if (w->end - w->p < 4) {
    w->bad = true;
    return 0;
  }
  for (int i = 3; i >= 0; i--)
    v = v << 8 | w->p[i];
  w->p += 4;
  return v;
}

static double f64(struct wkt *w)
{
  double v = 0;
  if (w->end - w->p < 8) {
    w->bad = true;
    return 0;
  }
  memcpy(&v, w->p, 8); /* little-endian hosts only, as the rest of src/geom */
  w->p += 8;
  return v;
}

static void number(struct wkt *w, double v)
{
  char buf[48];
  int n = snprintf(buf, sizeof buf, "%.*f", w->precision, v);
  if (strchr(buf, '.')) {
    while (n > 0 && buf[n - 1] == '0')
      n--;
    if (n > 0 && buf[n - 1] == '.')
      n--;
  }
  if (n == 2 && !memcmp(buf, "-0", 2))
    memmove(buf, buf + 1, (size_t)n--);
  put(w, buf, (size_t)n);
}

static void coords(struct wkt *w)
{
  number(w, f64(w));
  puts_(w, " ");
  number(w, f64(w));
}

/* A count, then that many items written by item: "(a, b, ...)" or "EMPTY". */
static void list(struct wkt *w, void (*item)(struct wkt *w))
{
  uint32_t n = u32(w);
  if (n == 0) {
    puts_(w, "EMPTY");
    return;
  }
  puts_(w, "(");
  for (uint32_t i = 0; i < n && !w->bad; i++) {
    if (i)
      puts_(w, ", ");
    item(w);
  }
  puts_(w, ")");
}

static void points(struct wkt *w) { list(w, coords); }
static void geometry(struct wkt *w, bool with_name);
static void unnamed(struct wkt *w) { geometry(w, false); }
static void named(struct wkt *w) { geometry(w, true); }

/* A geometry; with_name: its type name first (not inside MULTI*). */
static void geometry(struct wkt *w, bool with_name)
{
  if (w->end - w->p < 5 || w->p[0] != 1) {
    w->bad = true;
    return;
  }
  w->p++;
  uint32_t type = u32(w);
  static const char *const names[] = {"", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT",
                                      "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};
  if (type < 1 || type > 7) {
    w->bad = true;
    return;
  }
  if (with_name) {
    puts_(w, names[type]);
    puts_(w, " ");
  }
  switch (type) {
  case 1: {
    double x = f64(w), y = f64(w);
    if (x != x && y != y) { /* NaN NaN: the empty point */
      puts_(w, "EMPTY");
      return;
    }
    puts_(w, "(");
    number(w, x);
    puts_(w, " ");
    number(w, y);
    puts_(w, ")");
    return;
  }
  case 2: list(w, coords); return;
  case 3: list(w, points); return;                   /* rings */
  case 7: list(w, named); return;                    /* members name their types */
  default: list(w, unnamed); return;                 /* MULTI*: members unnamed */
  }
}

char *om_wkb_to_wkt(const unsigned char *wkb, size_t len, int precision)
{
  struct wkt w = {.p = wkb, .end = wkb + len, .precision = precision};
  geometry(&w, true);
  if (w.bad) {
    free(w.s);
    return NULL;
  }
  return w.s;
}
