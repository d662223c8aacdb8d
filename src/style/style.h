/*
 * A layer's look, described once in styles/<name>.yaml and compiled for
 * each client: QML for QGIS 3.22+, SLD 1.1 (Symbology Encoding) for map
 * servers, and MapLibre GL style layers for the web.  The three are made
 * from the same classes so that they agree on categories, colours and
 * breaks; what one format cannot say (MapLibre's circle layer has only
 * circles) is left out there rather than approximated differently.
 *
 * The file format (README.md, "Styles"):
 *
 *   geometry: point                   # point | line | polygon
 *   symbol: { fill: "#2b8cbe", stroke: "#222222", stroke_width: 0.4,
 *             size: 3, opacity: 0.9, marker: circle }
 *   categories:                       # or graduated:, or neither
 *     field: kind
 *     values:
 *       - { value: deposit, color: "#d7301f", label: Deposit }
 *     other: { color: "#969696", label: Other }
 *   graduated: { field: grade, breaks: [0, 0.5, 1, 2],
 *                colors: ["#fee8c8", "#fdbb84", "#e34a33"] }
 *   label: { field: name, size: 9, color: "#252525" }
 *
 * Sizes and widths are millimetres on the map, as QGIS's defaults; the SLD
 * and MapLibre outputs convert them to pixels at 96 dpi.  A class's colour
 * is the fill of points and polygons and the stroke of lines.
 *
 * Graduated classes follow QGIS's rule: a value on a break belongs to the
 * class below it, the first class includes its lower break, and values
 * outside [first break, last break] are not drawn.
 */
#ifndef OM_STYLE_STYLE_H
#define OM_STYLE_STYLE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/feature.h"

enum om_style_geometry { OM_STYLE_POINT, OM_STYLE_LINE, OM_STYLE_POLYGON };

enum om_style_marker {
  OM_STYLE_CIRCLE, OM_STYLE_SQUARE, OM_STYLE_TRIANGLE, OM_STYLE_STAR, OM_STYLE_DIAMOND,
};

enum om_style_kind {
  OM_STYLE_SINGLE,     /* one symbol for every feature */
  OM_STYLE_CATEGORIES, /* a colour per value of a field */
  OM_STYLE_GRADUATED,  /* a colour per range of a numeric field */
};

/* "#rrggbb", lower case; "" for none. */
typedef char om_style_color[8];

struct om_style_symbol {
  om_style_color fill;   /* points and polygons */
  om_style_color stroke; /* outline; the line itself for lines */
  double stroke_width;   /* mm */
  double size;           /* marker diameter, mm */
  double opacity;        /* 0 to 1, of the whole symbol */
  enum om_style_marker marker;
};

/* One category or range. */
struct om_style_class {
  char *value;          /* categories: the field's value as text; NULL for 'other' */
  double lower, upper;  /* graduated: the range */
  char *label;          /* legend text, owned */
  om_style_color color; /* its colour */
};

struct om_style {
  char *file;                     /* path for messages, owned */
  enum om_style_geometry geometry;
  enum om_style_kind kind;
  struct om_style_symbol symbol;  /* the symbol; classes change its colour */
  char *field;                    /* categories / graduated: the field, owned */
  long field_line, field_column;  /* where it was named, for messages */
  size_t nclasses;                /* categories or ranges, in order */
  struct om_style_class *classes;
  bool has_other;                 /* categories: a class for every other value */
  struct om_style_class other;    /* that class (value NULL) */
  char *label_field;              /* labels from this field, or NULL */
  long label_line, label_column;  /* where it was named */
  double label_size;              /* points */
  om_style_color label_color;
};

/*
 * Read a style file.  Every problem is reported as file:line:column (an
 * unknown key with a "did you mean"), the first making the return
 * OM_EMANIFEST with the messages in d->msg (the path as given).
 */
int om_style_load(struct om_style **out, const char *path, struct om_diag *d);
void om_style_free(struct om_style *s);

/*
 * Check that the fields the style reads are among 'names' (n of them),
 * the fields of layer 'layer': OM_EMANIFEST naming the style's line and
 * the nearest name otherwise.
 */
int om_style_check_fields(const struct om_style *s, const char *layer, const char *const *names,
                          size_t n, struct om_diag *d);

/*
 * The compiled forms, each a new NUL-terminated string the caller frees,
 * or NULL when out of memory.  'name' is the layer's name (SLD's
 * NamedLayer, MapLibre's layer ids); 'source' the MapLibre source id.
 */
char *om_style_qml(const struct om_style *s);
char *om_style_sld(const struct om_style *s, const char *name);
/* A JSON array of MapLibre layers: the symbol layer, then a label layer if any. */
char *om_style_maplibre(const struct om_style *s, const char *name, const char *source);
/*
 * The same with the labels' "text-font" set to the one font stack 'font'
 * (the glyphs a web bundle ships); NULL leaves it out, which means
 * MapLibre's default fonts from the style's glyph server.
 */
char *om_style_maplibre_font(const struct om_style *s, const char *name, const char *source,
                             const char *font);
/* The label layer alone ("<name>-labels"), drawn from 'source'; "[]" without labels. */
char *om_style_maplibre_labels(const struct om_style *s, const char *name, const char *source,
                               const char *font);

/*
 * KML 2.2 <Style> elements (kml.c), one per class with the id
 * OM_STYLE_KML_CLASS followed by the class's number (om_style_class_of),
 * and, when some features may fall in no class, one with the id
 * OM_STYLE_KML_HIDDEN that draws nothing.  A new string the caller frees,
 * or NULL when out of memory.
 */
#define OM_STYLE_KML_CLASS "class-"
#define OM_STYLE_KML_HIDDEN "hidden"
char *om_style_kml(const struct om_style *s);

/* What om_style_class_of returns for a feature that no class takes. */
#define OM_STYLE_UNDRAWN (-1)

/*
 * The class a feature is drawn with, by the rule QML, SLD and MapLibre
 * share, so that writers which style each feature themselves (KML) agree
 * with them.  'value' is the feature's value of s->field as canonical text
 * (core/feature.h), NULL for null; a single symbol ignores it.  Returns
 * the class's number in the order the compiled forms list the classes
 * (0 for a single symbol; the categories, then 'other'; the ranges), or
 * OM_STYLE_UNDRAWN: a category style without 'other' given a value it
 * does not list, or a range style given null, text that is not a number,
 * or a value outside [first break, last break].
 */
long om_style_class_of(const struct om_style *s, const char *value);

/* The names used in style files, for messages and the compilers. */
const char *om_style_marker_name(enum om_style_marker m);

#endif
