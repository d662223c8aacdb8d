/*
 * KML 2.2 styles (style.h): a <Style> per class, which the KML writer's
 * placemarks name in their <styleUrl> by om_style_class_of.
 *
 * Every style carries an IconStyle, a LineStyle and a PolyStyle, so that a
 * layer mixing points, lines and polygons is drawn by one style per class
 * as QGIS draws it with one symbol.  KML colours are aabbggrr, the alpha
 * taken from the symbol's opacity.  Icons are Google's white shape icons,
 * which take the colour as a tint (the default yellow pushpin does not);
 * KML draws an icon 32 px wide at scale 1, and those shapes fill about
 * half of it, so the scale is the marker's size in pixels at 96 dpi over
 * 16.  Line widths are pixels at 96 dpi.  A LabelStyle is written only
 * when the style has a label: its colour, and a scale relative to the
 * style file's default size of 9 pt.
 */
#include "style/emit.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ICON_BASE "https://maps.google.com/mapfiles/kml/shapes/"

/* aabbggrr of "#rrggbb" at opacity; transparent for no colour. */
static void put_color(FILE *f, const char *hex, double opacity)
{
  if (!hex || !*hex) {
    fputs("00000000", f);
    return;
  }
  int rgb[3];
  om_style_rgb(hex, rgb);
  long alpha = lround(fmin(fmax(opacity, 0), 1) * 255);
  fprintf(f, "%02lx%02x%02x%02x", alpha, rgb[2], rgb[1], rgb[0]);
}

static const char *icon_of(enum om_style_marker m)
{
  switch (m) {
  case OM_STYLE_SQUARE: return "placemark_square.png";
  case OM_STYLE_TRIANGLE: return "triangle.png";
  case OM_STYLE_STAR: return "star.png";
  case OM_STYLE_DIAMOND: return "open-diamond.png";
  case OM_STYLE_CIRCLE: break;
  }
  return "placemark_circle.png";
}

static void put_style(FILE *f, const struct om_style *s, const struct om_style_class *c, size_t n)
{
  struct om_style_symbol sym = om_style_class_symbol(s, c);
  bool outline = *sym.stroke && sym.stroke_width > 0;
  fprintf(f, "<Style id=\"" OM_STYLE_KML_CLASS "%zu\">", n);
  fputs("<IconStyle><color>", f);
  put_color(f, *sym.fill ? sym.fill : sym.stroke, sym.opacity);
  fprintf(f, "</color><scale>%.4g</scale><Icon><href>" ICON_BASE "%s</href></Icon></IconStyle>",
          sym.size * OM_STYLE_PX_PER_MM / 16, icon_of(sym.marker));
  fputs("<LineStyle><color>", f);
  put_color(f, sym.stroke, sym.opacity);
  fprintf(f, "</color><width>%.4g</width></LineStyle>",
          *sym.stroke ? sym.stroke_width * OM_STYLE_PX_PER_MM : 0);
  fputs("<PolyStyle><color>", f);
  put_color(f, sym.fill, sym.opacity);
  fprintf(f, "</color><fill>%d</fill><outline>%d</outline></PolyStyle>", *sym.fill ? 1 : 0,
          outline ? 1 : 0);
  if (s->label_field) {
    fputs("<LabelStyle><color>", f);
    put_color(f, s->label_color, 1);
    fprintf(f, "</color><scale>%.4g</scale></LabelStyle>", s->label_size / 9);
  }
  fputs("</Style>\n", f);
}

char *om_style_kml(const struct om_style *s)
{
  char *buf;
  size_t len;
  FILE *f = om_style_open(&buf, &len);
  if (!f)
    return NULL;
  size_t n = om_style_nrules(s);
  for (size_t i = 0; i < n; i++)
    put_style(f, s, om_style_rule(s, i), i);
  bool partial = s->kind == OM_STYLE_GRADUATED || (s->kind == OM_STYLE_CATEGORIES && !s->has_other);
  if (partial)
    /* What QGIS leaves undrawn: the placemark keeps its data but shows nothing. */
    fputs("<Style id=\"" OM_STYLE_KML_HIDDEN "\"><IconStyle><color>00ffffff</color>"
          "<scale>0</scale></IconStyle><LineStyle><color>00000000</color><width>0</width>"
          "</LineStyle><PolyStyle><fill>0</fill><outline>0</outline></PolyStyle>"
          "<LabelStyle><scale>0</scale></LabelStyle></Style>\n", f);
  return om_style_close(f, &buf);
}
