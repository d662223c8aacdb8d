/*
 * SLD 1.1 with Symbology Encoding (style.h): one se:Rule per class with
 * an ogc:Filter (PropertyIsEqualTo for a category, se:ElseFilter for
 * 'other', PropertyIsBetween for the first range and GreaterThan with
 * LessThanOrEqualTo for the next ones, QGIS's rule for values on a break),
 * and a rule with a TextSymbolizer for labels.  Sizes are pixels at 96 dpi.
 */
#include "style/emit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void param(FILE *f, const char *indent, const char *name, const char *value)
{
  fprintf(f, "%s<se:SvgParameter name=\"%s\">", indent, name);
  om_style_put_xml(f, value);
  fputs("</se:SvgParameter>\n", f);
}

static void param_num(FILE *f, const char *indent, const char *name, double value)
{
  char text[64];
  snprintf(text, sizeof text, "%.6g", value);
  param(f, indent, name, text);
}

static void put_fill(FILE *f, const char *indent, const struct om_style_symbol *sym)
{
  if (!*sym->fill)
    return;
  fprintf(f, "%s<se:Fill>\n", indent);
  char inner[32];
  snprintf(inner, sizeof inner, "%s  ", indent);
  param(f, inner, "fill", sym->fill);
  param_num(f, inner, "fill-opacity", sym->opacity);
  fprintf(f, "%s</se:Fill>\n", indent);
}

static void put_stroke(FILE *f, const char *indent, const struct om_style_symbol *sym)
{
  if (!*sym->stroke || sym->stroke_width <= 0)
    return;
  fprintf(f, "%s<se:Stroke>\n", indent);
  char inner[32];
  snprintf(inner, sizeof inner, "%s  ", indent);
  param(f, inner, "stroke", sym->stroke);
  param_num(f, inner, "stroke-opacity", sym->opacity);
  param_num(f, inner, "stroke-width", sym->stroke_width * OM_STYLE_PX_PER_MM);
  param(f, inner, "stroke-linejoin", "round");
  param(f, inner, "stroke-linecap", "round");
  fprintf(f, "%s</se:Stroke>\n", indent);
}

static void put_symbolizer(FILE *f, const struct om_style *s, const struct om_style_class *c)
{
  struct om_style_symbol sym = om_style_class_symbol(s, c);
  if (s->geometry == OM_STYLE_POINT) {
    /* SE names no diamond: a square turned by 45 degrees is one. */
    bool diamond = sym.marker == OM_STYLE_DIAMOND;
    fprintf(f, "          <se:PointSymbolizer>\n            <se:Graphic>\n"
               "              <se:Mark>\n"
               "                <se:WellKnownName>%s</se:WellKnownName>\n",
            diamond ? "square" : om_style_marker_name(sym.marker));
    put_fill(f, "                ", &sym);
    put_stroke(f, "                ", &sym);
    fprintf(f, "              </se:Mark>\n              <se:Size>%.6g</se:Size>\n",
            sym.size * OM_STYLE_PX_PER_MM);
    if (diamond)
      fputs("              <se:Rotation>45</se:Rotation>\n", f);
    fputs("            </se:Graphic>\n          </se:PointSymbolizer>\n", f);
  } else if (s->geometry == OM_STYLE_LINE) {
    fputs("          <se:LineSymbolizer>\n", f);
    put_stroke(f, "            ", &sym);
    fputs("          </se:LineSymbolizer>\n", f);
  } else {
    fputs("          <se:PolygonSymbolizer>\n", f);
    put_fill(f, "            ", &sym);
    put_stroke(f, "            ", &sym);
    fputs("          </se:PolygonSymbolizer>\n", f);
  }
}

static void put_property(FILE *f, const char *field)
{
  fputs("<ogc:PropertyName>", f);
  om_style_put_xml(f, field);
  fputs("</ogc:PropertyName>", f);
}

static void put_filter(FILE *f, const struct om_style *s, size_t i, const struct om_style_class *c)
{
  if (s->kind == OM_STYLE_CATEGORIES && !c->value) {
    fputs("          <se:ElseFilter/>\n", f);
    return;
  }
  fputs("          <ogc:Filter xmlns:ogc=\"http://www.opengis.net/ogc\">\n            ", f);
  if (s->kind == OM_STYLE_CATEGORIES) {
    fputs("<ogc:PropertyIsEqualTo>", f);
    put_property(f, s->field);
    fputs("<ogc:Literal>", f);
    om_style_put_xml(f, c->value);
    fputs("</ogc:Literal></ogc:PropertyIsEqualTo>\n", f);
  } else if (i == 0) {
    fputs("<ogc:PropertyIsBetween>", f);
    put_property(f, s->field);
    fprintf(f, "<ogc:LowerBoundary><ogc:Literal>%.17g</ogc:Literal></ogc:LowerBoundary>"
               "<ogc:UpperBoundary><ogc:Literal>%.17g</ogc:Literal></ogc:UpperBoundary>"
               "</ogc:PropertyIsBetween>\n", c->lower, c->upper);
  } else {
    fputs("<ogc:And><ogc:PropertyIsGreaterThan>", f);
    put_property(f, s->field);
    fprintf(f, "<ogc:Literal>%.17g</ogc:Literal></ogc:PropertyIsGreaterThan>"
               "<ogc:PropertyIsLessThanOrEqualTo>", c->lower);
    put_property(f, s->field);
    fprintf(f, "<ogc:Literal>%.17g</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And>\n",
            c->upper);
  }
  fputs("          </ogc:Filter>\n", f);
}

static void put_rule_name(FILE *f, const char *name, const char *title)
{
  fputs("          <se:Name>", f);
  om_style_put_xml(f, name);
  fputs("</se:Name>\n          <se:Description>\n            <se:Title>", f);
  om_style_put_xml(f, title);
  fputs("</se:Title>\n          </se:Description>\n", f);
}

static void put_label_rule(FILE *f, const struct om_style *s)
{
  fputs("        <se:Rule>\n", f);
  put_rule_name(f, "labels", s->label_field);
  fputs("          <se:TextSymbolizer>\n            <se:Label>", f);
  put_property(f, s->label_field);
  fputs("</se:Label>\n            <se:Font>\n", f);
  param(f, "              ", "font-family", "Sans-Serif");
  param_num(f, "              ", "font-size", s->label_size * OM_STYLE_PX_PER_PT);
  fputs("            </se:Font>\n            <se:Halo>\n              <se:Radius>2</se:Radius>\n"
        "              <se:Fill>\n", f);
  param(f, "                ", "fill", "#ffffff");
  fputs("              </se:Fill>\n            </se:Halo>\n            <se:Fill>\n", f);
  param(f, "              ", "fill", s->label_color);
  fputs("            </se:Fill>\n          </se:TextSymbolizer>\n        </se:Rule>\n", f);
}

char *om_style_sld(const struct om_style *s, const char *name)
{
  char *buf;
  size_t len;
  FILE *f = om_style_open(&buf, &len);
  if (!f)
    return NULL;
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<StyledLayerDescriptor version=\"1.1.0\" xmlns=\"http://www.opengis.net/sld\" "
        "xmlns:se=\"http://www.opengis.net/se\" xmlns:ogc=\"http://www.opengis.net/ogc\" "
        "xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:schemaLocation=\"http://www.opengis.net/sld "
        "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n"
        "  <NamedLayer>\n    <se:Name>", f);
  om_style_put_xml(f, name);
  fputs("</se:Name>\n    <UserStyle>\n      <se:Name>", f);
  om_style_put_xml(f, name);
  fputs("</se:Name>\n      <se:FeatureTypeStyle>\n", f);
  size_t n = om_style_nrules(s);
  for (size_t i = 0; i < n; i++) {
    const struct om_style_class *c = om_style_rule(s, i);
    fputs("        <se:Rule>\n", f);
    const char *rule = !c ? name : s->kind == OM_STYLE_GRADUATED ? c->label
                                 : c->value ? c->value : "other";
    put_rule_name(f, rule, c ? c->label : name);
    if (c)
      put_filter(f, s, i, c);
    put_symbolizer(f, s, c);
    fputs("        </se:Rule>\n", f);
  }
  if (s->label_field)
    put_label_rule(f, s);
  fputs("      </se:FeatureTypeStyle>\n    </UserStyle>\n  </NamedLayer>\n"
        "</StyledLayerDescriptor>\n", f);
  return om_style_close(f, &buf);
}
