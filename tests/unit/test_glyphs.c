/*
 * Label glyphs for the web bundle: the glyph files decode as MapLibre
 * reads them (one stack, its range, each glyph's metrics and a bitmap of
 * the size they give), and the distance field is high on the ink and low
 * away from it.  Uses DejaVu Sans (fonts-dejavu-core, scripts/setup.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publish/glyphs.h"

/* ---- a protocol-buffer reader, just enough for glyph files -------------- */

struct reader {
  const uint8_t *p, *end;
};

static uint64_t varint(struct reader *r)
{
  uint64_t v = 0;
  for (int shift = 0; r->p < r->end; shift += 7) {
    uint8_t b = *r->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
  fail_msg("truncated varint");
  return 0;
}

/* The next field: its number and wire type; a length-delimited one's bytes in *sub. */
static bool next_field(struct reader *r, unsigned *field, uint64_t *value, struct reader *sub)
{
  if (r->p >= r->end)
    return false;
  uint64_t key = varint(r);
  *field = (unsigned)(key >> 3);
  if ((key & 7) == 0) {
    *value = varint(r);
  } else {
    assert_int_equal(key & 7, 2);
    uint64_t n = varint(r);
    assert_true(n <= (uint64_t)(r->end - r->p));
    sub->p = r->p;
    sub->end = r->p + n;
    r->p += n;
    *value = n;
  }
  return true;
}

struct glyph {
  uint32_t id, width, height, advance;
  int32_t left, top;
  const uint8_t *bitmap;
  size_t bitmap_len;
};

struct stack {
  char name[128], range[32];
  size_t n;
  struct glyph glyphs[256];
  uint8_t *data; /* the file the bitmaps point into, owned */
};

static int32_t unzigzag(uint64_t v)
{
  return (int32_t)((v >> 1) ^ (~(v & 1) + 1));
}

static void decode(struct stack *s, const uint8_t *data, size_t len)
{
  memset(s, 0, sizeof *s);
  struct reader top = {data, data + len}, st, sub;
  unsigned field;
  uint64_t v;
  int stacks = 0;
  while (next_field(&top, &field, &v, &st)) {
    assert_int_equal(field, 1);
    stacks++;
    while (next_field(&st, &field, &v, &sub)) {
      if (field == 1)
        memcpy(s->name, sub.p, (size_t)v < sizeof s->name - 1 ? (size_t)v : sizeof s->name - 1);
      else if (field == 2)
        memcpy(s->range, sub.p, (size_t)v < sizeof s->range - 1 ? (size_t)v : sizeof s->range - 1);
      else if (field == 3) {
        assert_true(s->n < 256);
        struct glyph *g = &s->glyphs[s->n++];
        struct reader gr = sub, b;
        bool have_id = false;
        while (next_field(&gr, &field, &v, &b)) {
          switch (field) {
          case 1: g->id = (uint32_t)v, have_id = true; break;
          case 2: g->bitmap = b.p, g->bitmap_len = (size_t)v; break;
          case 3: g->width = (uint32_t)v; break;
          case 4: g->height = (uint32_t)v; break;
          case 5: g->left = unzigzag(v); break;
          case 6: g->top = unzigzag(v); break;
          case 7: g->advance = (uint32_t)v; break;
          default: fail_msg("unknown glyph field %u", field);
          }
        }
        assert_true(have_id);
      } else {
        fail_msg("unknown stack field %u", field);
      }
    }
  }
  assert_int_equal(stacks, 1);
}

static const struct glyph *find(const struct stack *s, uint32_t id)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->glyphs[i].id == id)
      return &s->glyphs[i];
  return NULL;
}

static struct om_glyphs *open_dejavu(void)
{
  struct om_diag d;
  om_diag_init(&d);
  struct om_glyphs *g = NULL;
  if (om_glyphs_open(&g, "DejaVu Sans", &d) != 0) {
    print_message("skipped: %s\n", d.msg);
    skip();
  }
  return g;
}

static struct stack *range_of(struct om_glyphs *g, unsigned range)
{
  struct om_diag d;
  om_diag_init(&d);
  uint8_t *data;
  size_t len;
  assert_int_equal(om_glyphs_range(&data, &len, g, range, &d), 0);
  struct stack *s = malloc(sizeof *s);
  assert_non_null(s);
  decode(s, data, len);
  s->data = data;
  return s;
}

static void free_stack(struct stack *s)
{
  free(s->data);
  free(s);
}

/* ---- tests -------------------------------------------------------------- */

/* Range 0-255: the stack's name and range, the space as metrics only, ids ascending. */
static void test_range_structure(void **state)
{
  (void)state;
  struct om_glyphs *g = open_dejavu();
  assert_string_equal(om_glyphs_stack(g), "DejaVu Sans Book");
  struct stack *s = range_of(g, 0);
  assert_string_equal(s->name, "DejaVu Sans Book");
  assert_string_equal(s->range, "0-255");
  assert_true(s->n > 180); /* Latin-1 is all there, control characters are not */
  for (size_t i = 1; i < s->n; i++)
    assert_true(s->glyphs[i - 1].id < s->glyphs[i].id);
  assert_null(find(s, 0x0a));
  const struct glyph *space = find(s, ' ');
  assert_non_null(space);
  assert_int_equal(space->width, 0);
  assert_null(space->bitmap);
  assert_true(space->advance >= 5 && space->advance <= 10);
  for (size_t i = 0; i < s->n; i++) {
    const struct glyph *x = &s->glyphs[i];
    if (x->width)
      assert_int_equal(x->bitmap_len, (size_t)(x->width + 2 * OM_GLYPHS_BUFFER) *
                                          (x->height + 2 * OM_GLYPHS_BUFFER));
  }
  /* 'O' at 24 px: about 15 x 18 pixels, standing on the baseline below the ascender. */
  const struct glyph *o = find(s, 'O');
  assert_non_null(o);
  assert_in_range(o->width, 12, 20);
  assert_in_range(o->height, 15, 21);
  assert_true(o->top < 0 && o->top > -10);
  assert_in_range(o->advance, 16, 22);
  free_stack(s);
  om_glyphs_free(g);
}

/* The field of 'O' across its middle row: low outside, high on the ring, low in the hole. */
static void test_sdf_of_a_known_glyph(void **state)
{
  (void)state;
  struct om_glyphs *g = open_dejavu();
  struct stack *s = range_of(g, 0);
  const struct glyph *o = find(s, 'O');
  assert_non_null(o);
  size_t W = o->width + 2 * OM_GLYPHS_BUFFER, H = o->height + 2 * OM_GLYPHS_BUFFER;
  const uint8_t *row = o->bitmap + (H / 2) * W;
  assert_true(row[0] < 128);          /* 3 px left of the ink */
  assert_true(o->bitmap[0] < 64);     /* the corner, farther from the round outline */
  assert_true(row[W / 2] < 64);       /* the hole, about 5 px from the ring */
  uint8_t left = 0, right = 0;
  for (size_t x = 0; x < W / 2; x++)
    left = row[x] > left ? row[x] : left;
  for (size_t x = W / 2; x < W; x++)
    right = row[x] > right ? row[x] : right;
  assert_true(left > 192);
  assert_true(right > 192);
  free_stack(s);
  om_glyphs_free(g);
}

/* A synthetic square: the field's values at known distances. */
static void test_sdf_of_a_square(void **state)
{
  (void)state;
  uint8_t ink[10 * 10], out[16 * 16];
  memset(ink, 255, sizeof ink);
  assert_int_equal(om_glyphs_sdf(out, ink, 10, 10, 10), 0);
  assert_int_equal(out[8 * 16 + 8], 255); /* 5 px deep */
  assert_int_equal(out[3 * 16 + 8], 223); /* ink 1 px from blank: 255 - 255 * (-1/8 + 1/4) */
  assert_int_equal(out[2 * 16 + 8], 159); /* blank 1 px from ink */
  assert_int_equal(out[0 * 16 + 8], 96);  /* 3 px out */
  assert_true(out[0] < 64);               /* the corner, 4.24 px out */
}

/* Turkish and Uzbek letters fall in ranges 256-511 and 512-767, which hold them. */
static void test_turkish_and_uzbek_ranges(void **state)
{
  (void)state;
  struct om_glyphs *g = open_dejavu();
  bool used[OM_GLYPHS_RANGES] = {false};
  uint32_t missing[4];
  size_t nmissing = 0;
  om_glyphs_mark(used, "Kızılcaören", g, missing, 4, &nmissing);
  om_glyphs_mark(used, "İğneada, Şereflikoçhisar", g, missing, 4, &nmissing);
  om_glyphs_mark(used, "Oʻzbekiston", g, missing, 4, &nmissing);
  assert_int_equal(nmissing, 0);
  assert_true(used[0] && used[1] && used[2]);
  for (size_t i = 3; i < OM_GLYPHS_RANGES; i++)
    assert_false(used[i]);
  struct stack *s = range_of(g, 1);
  assert_string_equal(s->range, "256-511");
  static const uint32_t turkish[] = {0x130, 0x131, 0x11e, 0x11f, 0x15e, 0x15f};
  for (size_t i = 0; i < sizeof turkish / sizeof *turkish; i++) {
    const struct glyph *x = find(s, turkish[i]);
    assert_non_null(x);
    assert_true(x->width > 0 && x->bitmap);
  }
  free_stack(s);
  s = range_of(g, 2);
  assert_string_equal(s->range, "512-767");
  const struct glyph *okina = find(s, 0x2bb); /* ʻ, the Uzbek apostrophe */
  assert_non_null(okina);
  assert_true(okina->width > 0 && okina->top < 0);
  free_stack(s);
  om_glyphs_free(g);
}

/* Code points the font lacks are listed once; invalid UTF-8 is skipped. */
static void test_missing_code_points(void **state)
{
  (void)state;
  struct om_glyphs *g = open_dejavu();
  bool used[OM_GLYPHS_RANGES] = {false};
  uint32_t missing[4];
  size_t nmissing = 0;
  om_glyphs_mark(used, "\xe4\xb8\x80 \xe4\xb8\x80 \xff A", g, missing, 4, &nmissing); /* 一 twice */
  assert_int_equal(nmissing, 1);
  assert_int_equal(missing[0], 0x4e00);
  assert_true(used[0] && used[0x4e]);
  om_glyphs_free(g);
}

/* A font that is not there says so, and how to get one. */
static void test_missing_font(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  struct om_glyphs *g = (struct om_glyphs *)1;
  assert_int_equal(om_glyphs_open(&g, "/nonexistent/Font.ttf", &d), OM_EDEP);
  assert_null(g);
  assert_non_null(strstr(d.msg, "cannot open font '/nonexistent/Font.ttf'"));
  assert_non_null(strstr(d.msg, "apt-get install fonts-dejavu-core"));
  om_diag_init(&d);
  assert_int_equal(om_glyphs_open(&g, "No Such Family Oremap", &d), OM_EDEP);
  assert_non_null(strstr(d.msg, "font 'No Such Family Oremap' is not installed"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_range_structure),
    cmocka_unit_test(test_sdf_of_a_known_glyph),
    cmocka_unit_test(test_sdf_of_a_square),
    cmocka_unit_test(test_turkish_and_uzbek_ranges),
    cmocka_unit_test(test_missing_code_points),
    cmocka_unit_test(test_missing_font),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
