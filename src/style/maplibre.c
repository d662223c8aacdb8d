/*
 * MapLibre GL style layers (style.h), as a JSON array to put into a
 * style.json's "layers": a circle, line or fill layer (a fill gets a line
 * layer for its outline, since fill-outline-color is always one pixel
 * wide), then a symbol layer for labels.  Categories are a "match" on the
 * field's text, so that numbers and text compare as QGIS and SLD compare
 * them; ranges are a "step" over the negated value, which puts a value on
 * a break into the class below it as QGIS does.  Features no class takes
 * are filtered out, as QGIS and SLD leave them undrawn.  Every marker is
 * drawn as a circle: a circle layer has no other shape.
 */
#include "style/emit.h"

#include <stdlib.h>
#include <string.h>

#include "core/json.h"

static void put_num(FILE *f, double v)
{
  fprintf(f, "%.10g", v);
}

/* ["to-string", ["get", field]]: the category key. */
static void put_key(FILE *f, const struct om_style *s)
{
  fputs("[\"to-string\", [\"get\", ", f);
  om_json_put_string(f, s->field);
  fputs("]]", f);
}

/* The colour of the class a feature falls in (fill, or stroke for lines). */
static void put_color(FILE *f, const struct om_style *s)
{
  struct om_style_symbol base = om_style_class_symbol(s, NULL);
  const char *single = s->geometry == OM_STYLE_LINE ? base.stroke : base.fill;
  if (s->kind == OM_STYLE_SINGLE) {
    om_json_put_string(f, single);
  } else if (s->kind == OM_STYLE_CATEGORIES) {
    fputs("[\"match\", ", f);
    put_key(f, s);
    for (size_t i = 0; i < s->nclasses; i++) {
      fputs(", ", f);
      om_json_put_string(f, s->classes[i].value);
      fputs(", ", f);
      om_json_put_string(f, s->classes[i].color);
    }
    fputs(", ", f);
    om_json_put_string(f, s->has_other ? s->other.color : single);
    fputs("]", f);
  } else {
    fputs("[\"step\", [\"-\", [\"get\", ", f);
    om_json_put_string(f, s->field);
    fputs("]], ", f);
    om_json_put_string(f, s->classes[s->nclasses - 1].color);
    for (size_t i = s->nclasses - 1; i > 0; i--) {
      fputs(", ", f);
      put_num(f, -s->classes[i].lower);
      fputs(", ", f);
      om_json_put_string(f, s->classes[i - 1].color);
    }
    fputs("]", f);
  }
}

/* "filter": what no class takes is not drawn; nothing for a single symbol or 'other'. */
static void put_filter(FILE *f, const struct om_style *s)
{
  if (s->kind == OM_STYLE_CATEGORIES && !s->has_other) {
    fputs(",\n    \"filter\": [\"match\", ", f);
    put_key(f, s);
    fputs(", [", f);
    for (size_t i = 0; i < s->nclasses; i++) {
      fputs(i ? ", " : "", f);
      om_json_put_string(f, s->classes[i].value);
    }
    fputs("], true, false]", f);
  } else if (s->kind == OM_STYLE_GRADUATED) {
    fputs(",\n    \"filter\": [\"all\", [\"==\", [\"typeof\", [\"get\", ", f);
    om_json_put_string(f, s->field);
    fputs("]], \"number\"], [\">=\", [\"get\", ", f);
    om_json_put_string(f, s->field);
    fputs("], ", f);
    put_num(f, s->classes[0].lower);
    fputs("], [\"<=\", [\"get\", ", f);
    om_json_put_string(f, s->field);
    fputs("], ", f);
    put_num(f, s->classes[s->nclasses - 1].upper);
    fputs("]]", f);
  }
}

static void put_head(FILE *f, const char *name, const char *suffix, const char *type,
                     const char *source)
{
  fputs("  {\n    \"id\": ", f);
  char id[512];
  snprintf(id, sizeof id, "%s%s", name, suffix);
  om_json_put_string(f, id);
  fprintf(f, ",\n    \"type\": \"%s\",\n    \"source\": ", type);
  om_json_put_string(f, source);
}

static void put_stroke_color(FILE *f, const struct om_style_symbol *sym)
{
  om_json_put_string(f, *sym->stroke ? sym->stroke : "#000000");
}

static void put_main(FILE *f, const struct om_style *s, const char *name, const char *source)
{
  const struct om_style_symbol *sym = &s->symbol;
  double width = *sym->stroke ? sym->stroke_width * OM_STYLE_PX_PER_MM : 0;
  if (s->geometry == OM_STYLE_POINT) {
    put_head(f, name, "", "circle", source);
    put_filter(f, s);
    fputs(",\n    \"paint\": {\n      \"circle-color\": ", f);
    put_color(f, s);
    fprintf(f, ",\n      \"circle-radius\": %.6g,\n      \"circle-opacity\": %.6g,\n"
               "      \"circle-stroke-color\": ",
            sym->size / 2 * OM_STYLE_PX_PER_MM, sym->opacity);
    put_stroke_color(f, sym);
    fprintf(f, ",\n      \"circle-stroke-width\": %.6g,\n      \"circle-stroke-opacity\": %.6g\n"
               "    }\n  }", width, sym->opacity);
  } else if (s->geometry == OM_STYLE_LINE) {
    put_head(f, name, "", "line", source);
    put_filter(f, s);
    fputs(",\n    \"layout\": {\"line-cap\": \"round\", \"line-join\": \"round\"},\n"
          "    \"paint\": {\n      \"line-color\": ", f);
    put_color(f, s);
    fprintf(f, ",\n      \"line-width\": %.6g,\n      \"line-opacity\": %.6g\n    }\n  }",
            sym->stroke_width * OM_STYLE_PX_PER_MM, sym->opacity);
  } else {
    put_head(f, name, "", "fill", source);
    put_filter(f, s);
    fputs(",\n    \"paint\": {\n      \"fill-color\": ", f);
    put_color(f, s);
    fprintf(f, ",\n      \"fill-opacity\": %.6g\n    }\n  }", *sym->fill ? sym->opacity : 0);
    if (width > 0) {
      fputs(",\n", f);
      put_head(f, name, "-outline", "line", source);
      put_filter(f, s);
      fputs(",\n    \"paint\": {\n      \"line-color\": ", f);
      put_stroke_color(f, sym);
      fprintf(f, ",\n      \"line-width\": %.6g,\n      \"line-opacity\": %.6g\n    }\n  }",
              width, sym->opacity);
    }
  }
}

static void put_labels(FILE *f, const struct om_style *s, const char *name, const char *source,
                       const char *font)
{
  put_head(f, name, "-labels", "symbol", source);
  fputs(",\n    \"layout\": {\n      \"text-field\": [\"to-string\", [\"get\", ", f);
  om_json_put_string(f, s->label_field);
  fprintf(f, "]],\n      \"text-size\": %.6g", s->label_size * OM_STYLE_PX_PER_PT);
  if (font) {
    fputs(",\n      \"text-font\": [", f);
    om_json_put_string(f, font);
    fputs("]", f);
  }
  if (s->geometry == OM_STYLE_POINT)
    fputs(",\n      \"text-anchor\": \"top\",\n      \"text-offset\": [0, 0.8]", f);
  else if (s->geometry == OM_STYLE_LINE)
    fputs(",\n      \"symbol-placement\": \"line\"", f);
  fputs("\n    },\n    \"paint\": {\n      \"text-color\": ", f);
  om_json_put_string(f, s->label_color);
  fputs(",\n      \"text-halo-color\": \"#ffffff\",\n      \"text-halo-width\": 1.5\n"
        "    }\n  }", f);
}

char *om_style_maplibre(const struct om_style *s, const char *name, const char *source)
{
  return om_style_maplibre_font(s, name, source, NULL);
}

/* The layers as a JSON array: the symbol layers unless labels_only, then the label layer. */
static char *compile(const struct om_style *s, const char *name, const char *source,
                     const char *font, bool labels_only)
{
  char *buf;
  size_t len;
  FILE *f = om_style_open(&buf, &len);
  if (!f)
    return NULL;
  fputs("[\n", f);
  if (!labels_only)
    put_main(f, s, name, source);
  if (s->label_field) {
    if (!labels_only)
      fputs(",\n", f);
    put_labels(f, s, name, source, font);
  }
  fputs("\n]\n", f);
  return om_style_close(f, &buf);
}

char *om_style_maplibre_font(const struct om_style *s, const char *name, const char *source,
                             const char *font)
{
  return compile(s, name, source, font, false);
}

char *om_style_maplibre_labels(const struct om_style *s, const char *name, const char *source,
                               const char *font)
{
  return compile(s, name, source, font, true);
}
