/*
 * QML for QGIS 3.22 and later (style.h): the renderer-v2 element QGIS
 * writes for a single symbol, categories or graduated ranges, with the
 * SimpleMarker / SimpleLine / SimpleFill symbol layers in the Option-map
 * form 3.22 reads, and simple labelling.  QGIS reads any property left
 * out at its default, so only what the style decides is written, plus the
 * units (MM) that would otherwise depend on QGIS's settings.
 */
#include "style/emit.h"

#include <stdlib.h>
#include <string.h>

static void option(FILE *f, const char *name, const char *value)
{
  fprintf(f, "            <Option type=\"QString\" name=\"%s\" value=\"", name);
  om_style_put_xml(f, value);
  fputs("\"/>\n", f);
}

static void option_num(FILE *f, const char *name, double value)
{
  char text[64];
  snprintf(text, sizeof text, "%.10g", value);
  option(f, name, text);
}

/* "r,g,b,255", or fully transparent for no colour. */
static void option_color(FILE *f, const char *name, const char *hex)
{
  char text[32] = "0,0,0,0";
  if (hex && *hex) {
    int rgb[3];
    om_style_rgb(hex, rgb);
    snprintf(text, sizeof text, "%d,%d,%d,255", rgb[0], rgb[1], rgb[2]);
  }
  option(f, name, text);
}

static void put_marker(FILE *f, const struct om_style_symbol *sym)
{
  fputs("          <layer class=\"SimpleMarker\" enabled=\"1\" pass=\"0\" locked=\"0\">\n"
        "           <Option type=\"Map\">\n", f);
  option(f, "angle", "0");
  option_color(f, "color", sym->fill);
  option(f, "joinstyle", "bevel");
  option(f, "name", om_style_marker_name(sym->marker));
  option(f, "offset", "0,0");
  option(f, "offset_unit", "MM");
  option_color(f, "outline_color", sym->stroke);
  option(f, "outline_style", *sym->stroke && sym->stroke_width > 0 ? "solid" : "no");
  option_num(f, "outline_width", sym->stroke_width);
  option(f, "outline_width_unit", "MM");
  option(f, "scale_method", "diameter");
  option_num(f, "size", sym->size);
  option(f, "size_unit", "MM");
  fputs("           </Option>\n          </layer>\n", f);
}

static void put_line(FILE *f, const struct om_style_symbol *sym)
{
  fputs("          <layer class=\"SimpleLine\" enabled=\"1\" pass=\"0\" locked=\"0\">\n"
        "           <Option type=\"Map\">\n", f);
  option(f, "capstyle", "round");
  option(f, "joinstyle", "round");
  option_color(f, "line_color", sym->stroke);
  option(f, "line_style", "solid");
  option_num(f, "line_width", sym->stroke_width);
  option(f, "line_width_unit", "MM");
  option(f, "offset", "0");
  option(f, "offset_unit", "MM");
  fputs("           </Option>\n          </layer>\n", f);
}

static void put_fill(FILE *f, const struct om_style_symbol *sym)
{
  fputs("          <layer class=\"SimpleFill\" enabled=\"1\" pass=\"0\" locked=\"0\">\n"
        "           <Option type=\"Map\">\n", f);
  option_color(f, "color", sym->fill);
  option(f, "joinstyle", "bevel");
  option(f, "offset", "0,0");
  option(f, "offset_unit", "MM");
  option_color(f, "outline_color", sym->stroke);
  option(f, "outline_style", *sym->stroke && sym->stroke_width > 0 ? "solid" : "no");
  option_num(f, "outline_width", sym->stroke_width);
  option(f, "outline_width_unit", "MM");
  option(f, "style", *sym->fill ? "solid" : "no");
  fputs("           </Option>\n          </layer>\n", f);
}

static void put_symbol(FILE *f, const struct om_style *s, const struct om_style_class *c,
                       size_t name)
{
  static const char *const types[] = {"marker", "line", "fill"};
  struct om_style_symbol sym = om_style_class_symbol(s, c);
  fprintf(f, "      <symbol type=\"%s\" name=\"%zu\" alpha=\"%.10g\" clip_to_extent=\"1\" "
             "force_rhr=\"0\">\n", types[s->geometry], name, sym.opacity);
  if (s->geometry == OM_STYLE_POINT)
    put_marker(f, &sym);
  else if (s->geometry == OM_STYLE_LINE)
    put_line(f, &sym);
  else
    put_fill(f, &sym);
  fputs("      </symbol>\n", f);
}

static void put_symbols(FILE *f, const struct om_style *s)
{
  fputs("    <symbols>\n", f);
  size_t n = om_style_nrules(s);
  for (size_t i = 0; i < n; i++)
    put_symbol(f, s, om_style_rule(s, i), i);
  fputs("    </symbols>\n", f);
}

static void put_renderer(FILE *f, const struct om_style *s)
{
  const char *common = "symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\"";
  if (s->kind == OM_STYLE_SINGLE) {
    fprintf(f, "  <renderer-v2 type=\"singleSymbol\" %s>\n", common);
  } else if (s->kind == OM_STYLE_CATEGORIES) {
    fprintf(f, "  <renderer-v2 type=\"categorizedSymbol\" attr=\"");
    om_style_put_xml(f, s->field);
    fprintf(f, "\" %s>\n    <categories>\n", common);
    size_t n = om_style_nrules(s);
    for (size_t i = 0; i < n; i++) {
      const struct om_style_class *c = om_style_rule(s, i);
      /* The category of value "" is QGIS's "all other values". */
      fprintf(f, "      <category render=\"true\" symbol=\"%zu\" value=\"", i);
      om_style_put_xml(f, c->value ? c->value : "");
      fputs("\" label=\"", f);
      om_style_put_xml(f, c->label);
      fputs("\"/>\n", f);
    }
    fputs("    </categories>\n", f);
  } else {
    fprintf(f, "  <renderer-v2 type=\"graduatedSymbol\" attr=\"");
    om_style_put_xml(f, s->field);
    fprintf(f, "\" graduatedMethod=\"GraduatedColor\" %s>\n    <ranges>\n", common);
    for (size_t i = 0; i < s->nclasses; i++) {
      const struct om_style_class *c = &s->classes[i];
      fprintf(f, "      <range render=\"true\" symbol=\"%zu\" lower=\"%.17g\" upper=\"%.17g\" "
                 "label=\"", i, c->lower, c->upper);
      om_style_put_xml(f, c->label);
      fputs("\"/>\n", f);
    }
    fputs("    </ranges>\n", f);
  }
  put_symbols(f, s);
  if (s->kind == OM_STYLE_GRADUATED)
    fputs("    <classificationMethod id=\"Custom\">\n"
          "      <symmetricMode enabled=\"0\" symmetrypoint=\"0\" astride=\"0\"/>\n"
          "      <labelFormat format=\"%1 - %2\" trimtrailingzeroes=\"1\" labelprecision=\"4\"/>\n"
          "      <extraInformation/>\n"
          "    </classificationMethod>\n", f);
  fputs("    <rotation/>\n    <sizescale/>\n  </renderer-v2>\n", f);
}

static void put_labeling(FILE *f, const struct om_style *s)
{
  /* Around the point, along the line, over the polygon's centre. */
  static const int placement[] = {0, 2, 1};
  int rgb[3];
  om_style_rgb(s->label_color, rgb);
  fputs("  <labeling type=\"simple\">\n    <settings calloutType=\"simple\">\n"
        "      <text-style fieldName=\"", f);
  om_style_put_xml(f, s->label_field);
  fprintf(f, "\" isExpression=\"0\" fontSize=\"%.10g\" fontSizeUnit=\"Point\" "
             "textColor=\"%d,%d,%d,255\" textOpacity=\"1\" fontWeight=\"50\" "
             "namedStyle=\"Regular\">\n"
             "        <text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\" "
             "bufferColor=\"255,255,255,255\" bufferOpacity=\"0.8\" bufferNoFill=\"1\" "
             "bufferJoinStyle=\"128\"/>\n"
             "      </text-style>\n"
             "      <placement placement=\"%d\" dist=\"1.2\" distUnits=\"MM\"/>\n"
             "      <rendering obstacle=\"1\" scaleVisibility=\"0\"/>\n"
             "    </settings>\n  </labeling>\n",
          s->label_size, rgb[0], rgb[1], rgb[2], placement[s->geometry]);
}

char *om_style_qml(const struct om_style *s)
{
  char *buf;
  size_t len;
  FILE *f = om_style_open(&buf, &len);
  if (!f)
    return NULL;
  fputs("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n", f);
  fprintf(f, "<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling\" "
             "labelsEnabled=\"%d\">\n", s->label_field ? 1 : 0);
  put_renderer(f, s);
  if (s->label_field)
    put_labeling(f, s);
  fprintf(f, "  <layerGeometryType>%d</layerGeometryType>\n</qgis>\n", (int)s->geometry);
  return om_style_close(f, &buf);
}
