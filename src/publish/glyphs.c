/*
 * MapLibre glyph files from a local font (glyphs.h).
 *
 * Each glyph is rendered by FreeType at 24 px with anti-aliasing and no
 * hinting (MapLibre scales the field, so snapping outlines to the 24 px grid
 * would only distort other sizes), then turned into a signed distance field
 * by two exact Euclidean distance transforms (Felzenszwalb and
 * Huttenlocher's lower envelope of parabolas, run over columns then rows):
 * one to the nearest ink for the pixels outside, one to the nearest blank
 * for the pixels inside.  A partly covered pixel counts as lying
 * 0.5 - coverage pixels from the outline, which keeps the anti-aliased
 * edge's sub-pixel position.
 *
 * The protocol buffer is written by hand: three nested messages
 * (glyphs { stacks { name, range, glyphs { id, bitmap, width, height,
 * left, top, advance } } }), varints and length-prefixed fields only.
 */
#include "publish/glyphs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H

struct om_glyphs {
  FT_Library lib;  /* this font's own FreeType instance (one per thread) */
  FT_Face face;    /* the face, sized to OM_GLYPHS_SIZE */
  char *file;      /* the font file, owned */
  char *stack;     /* "<family> <style>", owned */
};

/* ---- the protocol buffer ------------------------------------------------ */

/* A growing byte buffer; 'oom' once an append failed (later appends do nothing). */
struct pbuf {
  uint8_t *p;
  size_t len, cap;
  bool oom;
};

static void pb_raw(struct pbuf *b, const void *data, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
      cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  if (n)
    memcpy(b->p + b->len, data, n);
  b->len += n;
}

static void pb_varint(struct pbuf *b, uint64_t v)
{
  uint8_t buf[10];
  size_t n = 0;
  do {
    buf[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    buf[n++] |= v ? 0x80 : 0;
  } while (v);
  pb_raw(b, buf, n);
}

/* Wire types: 0 varint, 2 length-delimited. */
static void pb_uint(struct pbuf *b, unsigned field, uint64_t v)
{
  pb_varint(b, (uint64_t)field << 3);
  pb_varint(b, v);
}

/* sint32: zigzag, so that small negative numbers stay one byte. */
static void pb_sint(struct pbuf *b, unsigned field, int32_t v)
{
  pb_uint(b, field, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

static void pb_bytes(struct pbuf *b, unsigned field, const void *data, size_t n)
{
  pb_varint(b, (uint64_t)field << 3 | 2);
  pb_varint(b, n);
  pb_raw(b, data, n);
}

/* ---- the distance field ------------------------------------------------- */

#define FAR 1e20 /* "no such pixel": a squared distance larger than any real one */

/*
 * Squared distances along one line of n cells, in place: f[i * stride]
 * becomes min over j of (i - j)^2 + f[j].  g, v and z are scratch space of
 * n, n and n + 1 elements.
 */
static void edt_line(double *f, size_t stride, int n, double *g, int *v, double *z)
{
  for (int i = 0; i < n; i++)
    g[i] = f[(size_t)i * stride];
  int k = 0;
  v[0] = 0;
  z[0] = -FAR;
  z[1] = FAR;
  for (int q = 1; q < n; q++) {
    double s;
    for (;;) {
      int r = v[k];
      s = ((g[q] + (double)q * q) - (g[r] + (double)r * r)) / (2.0 * (q - r));
      if (s > z[k] || k == 0)
        break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = FAR;
  }
  k = 0;
  for (int q = 0; q < n; q++) {
    while (z[k + 1] < q)
      k++;
    double dq = q - v[k];
    f[(size_t)q * stride] = dq * dq + g[v[k]];
  }
}

static void edt(double *grid, int w, int h, double *g, int *v, double *z)
{
  for (int x = 0; x < w; x++)
    edt_line(grid + x, (size_t)w, h, g, v, z);
  for (int y = 0; y < h; y++)
    edt_line(grid + (size_t)y * w, 1, w, g, v, z);
}

int om_glyphs_sdf(uint8_t *out, const uint8_t *coverage, int w, int h, int pitch)
{
  int W = w + 2 * OM_GLYPHS_BUFFER, H = h + 2 * OM_GLYPHS_BUFFER, longest = W > H ? W : H;
  size_t n = (size_t)W * H;
  double *outer = malloc(n * sizeof *outer), *inner = malloc(n * sizeof *inner);
  double *g = malloc((size_t)longest * sizeof *g), *z = malloc(((size_t)longest + 1) * sizeof *z);
  int *v = malloc((size_t)longest * sizeof *v);
  if (!outer || !inner || !g || !z || !v) {
    free(outer), free(inner), free(g), free(z), free(v);
    return OM_ENOMEM;
  }
  for (int y = 0; y < H; y++) {
    for (int x = 0; x < W; x++) {
      int bx = x - OM_GLYPHS_BUFFER, by = y - OM_GLYPHS_BUFFER;
      double a = bx >= 0 && bx < w && by >= 0 && by < h
                     ? coverage[(size_t)by * pitch + bx] / 255.0 : 0;
      size_t i = (size_t)y * W + x;
      if (a >= 1) {
        outer[i] = 0, inner[i] = FAR;
      } else if (a <= 0) {
        outer[i] = FAR, inner[i] = 0;
      } else {
        double e = 0.5 - a; /* distance to the outline, positive while mostly blank */
        outer[i] = e > 0 ? e * e : 0;
        inner[i] = e < 0 ? e * e : 0;
      }
    }
  }
  edt(outer, W, H, g, v, z);
  edt(inner, W, H, g, v, z);
  for (size_t i = 0; i < n; i++) {
    double dist = sqrt(outer[i]) - sqrt(inner[i]);
    double value = 255 - 255 * (dist / OM_GLYPHS_RADIUS + OM_GLYPHS_CUTOFF);
    out[i] = value <= 0 ? 0 : value >= 255 ? 255 : (uint8_t)lround(value);
  }
  free(outer), free(inner), free(g), free(z), free(v);
  return 0;
}

/* ---- the font ----------------------------------------------------------- */

static bool is_generic(const char *family)
{
  return strcasecmp(family, "sans-serif") == 0 || strcasecmp(family, "sans") == 0 ||
         strcasecmp(family, "serif") == 0 || strcasecmp(family, "monospace") == 0;
}

#define INSTALL_HINT "install one (apt-get install fonts-dejavu-core or fonts-noto-core) " \
                     "or name a font file in web.font"

/*
 * The file fontconfig picks for 'pattern' into *file (new string) and
 * *index.  fontconfig always offers its nearest font; a named family that
 * is not installed is an error rather than a silent substitute.  The
 * lookup loads a configuration of its own and frees it: the global one
 * (FcInit) would stay allocated, and partly unreachable, for the life of
 * the process.
 */
static int match_font(char **file, int *index, const char *pattern, struct om_diag *d)
{
  FcConfig *cfg = FcInitLoadConfigAndFonts();
  if (!cfg)
    return om_diag_fail(d, OM_EDEP, "cannot start fontconfig to find font '%s'", pattern);
  FcPattern *pat = FcNameParse((const FcChar8 *)pattern);
  if (!pat) {
    FcConfigDestroy(cfg);
    return om_diag_fail(d, OM_EDEP, "cannot read font pattern '%s'", pattern);
  }
  FcChar8 *asked = NULL;
  char *family = FcPatternGetString(pat, FC_FAMILY, 0, &asked) == FcResultMatch
                     ? strdup((const char *)asked) : NULL;
  FcConfigSubstitute(cfg, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcResult res;
  FcPattern *m = FcFontMatch(cfg, pat, &res);
  FcChar8 *path = NULL, *got = NULL;
  int rc = 0;
  if (!m || FcPatternGetString(m, FC_FILE, 0, &path) != FcResultMatch) {
    rc = om_diag_fail(d, OM_EDEP, "web: no font found for labels ('%s'); " INSTALL_HINT, pattern);
  } else if (family && !is_generic(family) &&
             (FcPatternGetString(m, FC_FAMILY, 0, &got) != FcResultMatch ||
              strcasecmp((const char *)got, family) != 0)) {
    rc = om_diag_fail(d, OM_EDEP, "web: font '%s' is not installed (the nearest is '%s'); "
                      INSTALL_HINT, family, got ? (const char *)got : "none");
  } else {
    *index = 0;
    FcPatternGetInteger(m, FC_INDEX, 0, index);
    *file = strdup((const char *)path);
    if (!*file)
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  if (m)
    FcPatternDestroy(m);
  FcPatternDestroy(pat);
  FcConfigDestroy(cfg);
  free(family);
  return rc;
}

int om_glyphs_open(struct om_glyphs **out, const char *font, struct om_diag *d)
{
  *out = NULL;
  struct om_glyphs *g = calloc(1, sizeof *g);
  if (!g)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  int index = 0, rc = 0;
  if (!font) {
    /* Debian's usual fonts first, where they are: no fontconfig needed. */
    static const char *const known[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"};
    font = "sans-serif";
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
      if (access(known[i], R_OK) == 0) {
        font = known[i];
        break;
      }
  }
  if (om_glyphs_is_file(font))
    rc = (g->file = strdup(font)) ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  else
    rc = match_font(&g->file, &index, font, d);
  if (rc == 0 && FT_Init_FreeType(&g->lib) != 0) {
    g->lib = NULL;
    rc = om_diag_fail(d, OM_EDEP, "cannot start FreeType");
  }
  FT_Error err = 0;
  if (rc == 0 && (err = FT_New_Face(g->lib, g->file, index, &g->face)) != 0) {
    g->face = NULL;
    rc = om_diag_fail(d, OM_EDEP, "web: cannot open font '%s' for labels: %s; " INSTALL_HINT,
                      g->file, err == FT_Err_Cannot_Open_Resource ? "no such file"
                                                                   : "not a font FreeType reads");
  }
  if (rc == 0 && !FT_IS_SCALABLE(g->face))
    rc = om_diag_fail(d, OM_EDEP, "web: font '%s' has no outlines to draw labels from", g->file);
  if (rc == 0 && FT_Set_Pixel_Sizes(g->face, 0, OM_GLYPHS_SIZE) != 0)
    rc = om_diag_fail(d, OM_EDEP, "web: cannot size font '%s' to %d px", g->file, OM_GLYPHS_SIZE);
  if (rc == 0) {
    const char *family = g->face->family_name ? g->face->family_name : "Unnamed";
    const char *style = g->face->style_name ? g->face->style_name : "Regular";
    if (asprintf(&g->stack, "%s %s", family, style) < 0) {
      g->stack = NULL;
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
  }
  if (rc < 0) {
    om_glyphs_free(g);
    return rc;
  }
  *out = g;
  return 0;
}

void om_glyphs_free(struct om_glyphs *g)
{
  if (!g)
    return;
  if (g->face)
    FT_Done_Face(g->face);
  if (g->lib)
    FT_Done_FreeType(g->lib);
  free(g->file);
  free(g->stack);
  free(g);
}

const char *om_glyphs_stack(const struct om_glyphs *g)
{
  return g->stack;
}

const char *om_glyphs_file(const struct om_glyphs *g)
{
  return g->file;
}

bool om_glyphs_covers(const struct om_glyphs *g, uint32_t cp)
{
  return FT_Get_Char_Index(g->face, cp) != 0;
}

/* ---- a range ------------------------------------------------------------ */

/* One glyph message into b; a glyph FreeType cannot render is left out. */
static void put_glyph(struct pbuf *b, struct om_glyphs *g, uint32_t cp, FT_UInt index, int ascender,
                      int *rc)
{
  if (FT_Load_Glyph(g->face, index, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP) != 0)
    return;
  FT_GlyphSlot slot = g->face->glyph;
  if (slot->format != FT_GLYPH_FORMAT_BITMAP && FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL) != 0)
    return;
  const FT_Bitmap *bm = &slot->bitmap;
  if (bm->rows && (bm->pixel_mode != FT_PIXEL_MODE_GRAY || bm->pitch < 0))
    return; /* rendered here as 8-bit rows top down; anything else is not ours */
  int w = (int)bm->width, h = (int)bm->rows;
  struct pbuf m = {0};
  pb_uint(&m, 1, cp);
  if (w > 0 && h > 0) {
    size_t n = (size_t)(w + 2 * OM_GLYPHS_BUFFER) * (size_t)(h + 2 * OM_GLYPHS_BUFFER);
    uint8_t *sdf = malloc(n);
    if (!sdf || om_glyphs_sdf(sdf, bm->buffer, w, h, bm->pitch) != 0)
      m.oom = true;
    else
      pb_bytes(&m, 2, sdf, n);
    free(sdf);
  } else {
    w = h = 0; /* a space: metrics only */
  }
  pb_uint(&m, 3, (uint32_t)w);
  pb_uint(&m, 4, (uint32_t)h);
  pb_sint(&m, 5, slot->bitmap_left);
  pb_sint(&m, 6, slot->bitmap_top - ascender);
  pb_uint(&m, 7, (uint32_t)((slot->advance.x + 32) >> 6));
  if (m.oom)
    *rc = OM_ENOMEM;
  else
    pb_bytes(b, 3, m.p, m.len);
  free(m.p);
}

int om_glyphs_range(uint8_t **out, size_t *len, struct om_glyphs *g, unsigned range,
                    struct om_diag *d)
{
  *out = NULL;
  *len = 0;
  uint32_t first = 256u * range, last = first + 255;
  char name[32];
  snprintf(name, sizeof name, "%u-%u", (unsigned)first, (unsigned)last);
  int ascender = (int)((g->face->size->metrics.ascender + 32) >> 6);
  struct pbuf stack = {0};
  pb_bytes(&stack, 1, g->stack, strlen(g->stack));
  pb_bytes(&stack, 2, name, strlen(name));
  int rc = 0;
  for (uint32_t cp = first; rc == 0 && cp <= last; cp++) {
    FT_UInt index = FT_Get_Char_Index(g->face, cp);
    if (index)
      put_glyph(&stack, g, cp, index, ascender, &rc);
  }
  struct pbuf all = {0};
  pb_bytes(&all, 1, stack.p, stack.len);
  if (stack.oom || all.oom)
    rc = OM_ENOMEM;
  free(stack.p);
  if (rc < 0) {
    free(all.p);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  *out = all.p;
  *len = all.len;
  return 0;
}

/* The code point at *s (advancing it), or UINT32_MAX for a byte that starts none. */
static uint32_t next_code_point(const unsigned char **s)
{
  const unsigned char *p = *s;
  int n = p[0] < 0x80 ? 0 : (p[0] & 0xe0) == 0xc0 ? 1 : (p[0] & 0xf0) == 0xe0 ? 2
        : (p[0] & 0xf8) == 0xf0 ? 3 : -1;
  *s = p + 1;
  if (n < 0)
    return UINT32_MAX;
  uint32_t cp = n == 0 ? p[0] : p[0] & (0x3f >> n);
  for (int i = 1; i <= n; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return UINT32_MAX;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  *s = p + n + 1;
  return cp;
}

void om_glyphs_mark(bool used[OM_GLYPHS_RANGES], const char *text, const struct om_glyphs *g,
                    uint32_t *missing, size_t nmissing, size_t *nmissing_out)
{
  const unsigned char *s = (const unsigned char *)text;
  while (*s) {
    uint32_t cp = next_code_point(&s);
    if (cp == UINT32_MAX || cp / 256 >= OM_GLYPHS_RANGES)
      continue;
    used[cp / 256] = true;
    if (!g || cp < 0x20 || !nmissing_out || om_glyphs_covers(g, cp))
      continue;
    bool seen = false;
    for (size_t i = 0; i < *nmissing_out && !seen; i++)
      seen = missing[i] == cp;
    if (!seen && *nmissing_out < nmissing)
      missing[(*nmissing_out)++] = cp;
  }
}
