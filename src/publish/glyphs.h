/*
 * Glyphs for MapLibre labels, made from a font on this machine, so that a
 * web bundle draws text with no glyph server.
 *
 * MapLibre asks for "{fontstack}/{range}.pbf": one protocol-buffer file per
 * block of 256 code points (0-255, 256-511, ...), each glyph a signed
 * distance field (SDF) of the glyph rendered at 24 px, 8 bits a pixel, with
 * a 3-pixel border around it.  The field stores 255 - 255 * (d / 8 + 0.25)
 * for a signed distance d in pixels (negative inside the outline): the
 * outline itself is about 192, and MapLibre's shader draws from there.
 * Metrics are whole pixels at 24 px: left and top of the glyph's bitmap
 * (top measured from the font's ascender, as MapLibre's own glyph tools
 * measure it) and the advance.
 *
 * The font is FreeType's; a name rather than a file is resolved through
 * fontconfig.
 */
#ifndef OM_PUBLISH_GLYPHS_H
#define OM_PUBLISH_GLYPHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/diag.h"

/* Glyph bitmap conventions MapLibre assumes. */
#define OM_GLYPHS_SIZE 24      /* pixels per em */
#define OM_GLYPHS_BUFFER 3     /* border around each bitmap, pixels */
#define OM_GLYPHS_RADIUS 8     /* distance that spans the whole 8-bit scale, pixels */
#define OM_GLYPHS_CUTOFF 0.25  /* share of the scale given to distances inside */
/* Highest code point MapLibre asks glyph files for: it draws no glyph beyond the BMP. */
#define OM_GLYPHS_RANGES 256

struct om_glyphs; /* an open font */

/*
 * Open a font: 'font' is a font file (a path with a '/', or ending in
 * .ttf, .otf or .ttc) or a fontconfig pattern ("Noto Sans", "DejaVu
 * Sans:style=Book"); NULL means DejaVu Sans or Noto Sans where Debian
 * installs them, else fontconfig's "sans-serif".  OM_EDEP with a message
 * that says how to install a font when none is found.
 */
int om_glyphs_open(struct om_glyphs **out, const char *font, struct om_diag *d);
/*
 * Whether om_glyphs_open reads 'font' as a file rather than a fontconfig
 * pattern.  Inline: the build planner, which links no FreeType, asks it too.
 */
static inline bool om_glyphs_is_file(const char *font)
{
  size_t n = strlen(font);
  return strchr(font, '/') ||
         (n > 4 && (strcasecmp(font + n - 4, ".ttf") == 0 || strcasecmp(font + n - 4, ".otf") == 0 ||
                    strcasecmp(font + n - 4, ".ttc") == 0));
}
void om_glyphs_free(struct om_glyphs *g);

/* The font stack's name ("DejaVu Sans Book"), and the file; valid while g is open. */
const char *om_glyphs_stack(const struct om_glyphs *g);
const char *om_glyphs_file(const struct om_glyphs *g);

/* Whether the font has a glyph for code point cp. */
bool om_glyphs_covers(const struct om_glyphs *g, uint32_t cp);

/*
 * The glyph file of range 'range' (code points 256 * range to
 * 256 * range + 255), every glyph of the font in it: a new buffer of *len
 * bytes in *out that the caller frees.  0, or OM_ENOMEM / OM_EDEP.
 */
int om_glyphs_range(uint8_t **out, size_t *len, struct om_glyphs *g, unsigned range,
                    struct om_diag *d);

/*
 * Mark in used[] the ranges the code points of UTF-8 'text' fall in
 * (invalid bytes are skipped); when 'g' is given, the first code points
 * the font lacks (at most nmissing, no repeats) are added to missing[],
 * *nmissing_out counting them.
 */
void om_glyphs_mark(bool used[OM_GLYPHS_RANGES], const char *text, const struct om_glyphs *g,
                    uint32_t *missing, size_t nmissing, size_t *nmissing_out);

/*
 * The signed distance field of an 8-bit coverage bitmap (w x h, 'pitch'
 * bytes a row; 255 is ink) into out, (w + 2 * OM_GLYPHS_BUFFER) x
 * (h + 2 * OM_GLYPHS_BUFFER) bytes.  0, or OM_ENOMEM.
 */
int om_glyphs_sdf(uint8_t *out, const uint8_t *coverage, int w, int h, int pitch);

#endif
