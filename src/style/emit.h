/*
 * What the three style compilers share: the symbol each class draws with,
 * colour and unit conversions, and escaping.  Internal to src/style.
 */
#ifndef OM_STYLE_EMIT_H
#define OM_STYLE_EMIT_H

#include <stdio.h>

#include "style/style.h"

/* Pixels per millimetre at 96 dpi, the reference SLD and MapLibre sizes assume. */
#define OM_STYLE_PX_PER_MM (96.0 / 25.4)
/* Pixels per typographic point at 96 dpi. */
#define OM_STYLE_PX_PER_PT (96.0 / 72.0)

/*
 * The symbol a class draws with: the style's symbol with the class's
 * colour as the fill of points and polygons, the stroke of lines.
 */
struct om_style_symbol om_style_class_symbol(const struct om_style *s,
                                             const struct om_style_class *c);

/* The classes in drawing order, 'other' last when present: count and the i-th. */
size_t om_style_nrules(const struct om_style *s);
const struct om_style_class *om_style_rule(const struct om_style *s, size_t i);

/* "r,g,b" of a "#rrggbb" colour into rgb[3]. */
void om_style_rgb(const char *hex, int rgb[3]);

/*
 * Text (UTF-8) for XML element content or a quoted attribute: & < > " '
 * and carriage return escaped, the characters XML 1.0 cannot hold (the
 * controls other than tab and line feed, U+FFFE, U+FFFF) left out.
 */
void om_style_put_xml(FILE *f, const char *text);

/* A memory stream for a compiler to print into; NULL when out of memory. */
FILE *om_style_open(char **buf, size_t *len);
/* Close it: the text (owned), or NULL when something failed (then freed). */
char *om_style_close(FILE *f, char **buf);

#endif
