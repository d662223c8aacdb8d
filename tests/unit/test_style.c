/*
 * Style files: mistakes are reported at their line and column with a
 * suggestion, and the three compiled forms (QML, SLD, MapLibre) are read
 * back and must say the same as the style: the same categories in the
 * same order with the same colours, the same ranges, the same label field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "style/style.h"
#include "support.h"

/* ---- A small reading of the produced XML: attributes and element texts in order ---- */

/* Entities back to characters, in place; returns s. */
static char *xml_unescape(char *s)
{
  static const char *const ents[][2] = {
    {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
  char *o = s;
  for (const char *p = s; *p;) {
    size_t k = 0;
    while (k < 5 && strncmp(p, ents[k][0], strlen(ents[k][0])) != 0)
      k++;
    if (k < 5) {
      *o++ = ents[k][1][0];
      p += strlen(ents[k][0]);
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
  return s;
}

/* The value of attribute 'attr' of the element starting at tag (a copy), or NULL. */
static char *xml_attr(const char *tag, const char *attr)
{
  const char *end = strchr(tag, '>');
  char key[64];
  snprintf(key, sizeof key, " %s=\"", attr);
  const char *at = strstr(tag, key);
  if (!at || !end || at > end)
    return NULL;
  at += strlen(key);
  return xml_unescape(strndup(at, strcspn(at, "\"")));
}

/* The next element named 'name' at or after from, or NULL. */
static const char *xml_next(const char *from, const char *name)
{
  char open[64];
  snprintf(open, sizeof open, "<%s", name);
  for (const char *at = strstr(from, open); at; at = strstr(at + 1, open))
    if (at[strlen(open)] == ' ' || at[strlen(open)] == '>' || at[strlen(open)] == '/')
      return at;
  return NULL;
}

/* The text inside the element at 'at' (up to the next '<'), a copy. */
static char *xml_text(const char *at)
{
  const char *gt = strchr(at, '>');
  return xml_unescape(strndup(gt + 1, strcspn(gt + 1, "<")));
}

/* The QML Option value named 'name' inside the symbol starting at sym. */
static char *qml_option(const char *sym, const char *name)
{
  char key[96];
  snprintf(key, sizeof key, "name=\"%s\" value=\"", name);
  const char *end = strstr(sym, "</symbol>");
  const char *at = strstr(sym, key);
  if (!at || at > end)
    return NULL;
  at += strlen(key);
  return strndup(at, strcspn(at, "\""));
}

/* "#rrggbb" of QML's "r,g,b,a". */
static void qml_hex(const char *rgba, char out[8])
{
  int r, g, b, a;
  assert_int_equal(sscanf(rgba, "%d,%d,%d,%d", &r, &g, &b, &a), 4);
  snprintf(out, 8, "#%02x%02x%02x", r, g, b);
}

/* ---- A small JSON reader for the MapLibre output ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
struct jv {
  enum jtype t;
  double num;
  char *str;        /* J_STR; for object members, the key is in keys */
  size_t n;         /* items or members */
  struct jv *items;
  char **keys;      /* J_OBJ */
};

static void jskip(const char **p)
{
  while (isspace((unsigned char)**p))
    (*p)++;
}

static void jparse(const char **p, struct jv *v)
{
  jskip(p);
  memset(v, 0, sizeof *v);
  if (**p == '"') {
    char *out = malloc(strlen(*p) + 1), *o = out;
    for ((*p)++; **p != '"'; (*p)++) {
      assert_true(**p != '\0');
      if (**p == '\\')
        (*p)++;
      *o++ = **p;
    }
    (*p)++;
    *o = '\0';
    v->t = J_STR;
    v->str = out;
  } else if (**p == '[' || **p == '{') {
    bool obj = **p == '{';
    v->t = obj ? J_OBJ : J_ARR;
    (*p)++;
    jskip(p);
    while (**p != (obj ? '}' : ']')) {
      v->items = realloc(v->items, (v->n + 1) * sizeof *v->items);
      v->keys = realloc(v->keys, (v->n + 1) * sizeof *v->keys);
      v->keys[v->n] = NULL;
      if (obj) {
        struct jv key;
        jparse(p, &key);
        assert_int_equal(key.t, J_STR);
        v->keys[v->n] = key.str;
        jskip(p);
        assert_int_equal(**p, ':');
        (*p)++;
      }
      jparse(p, &v->items[v->n++]);
      jskip(p);
      if (**p == ',')
        (*p)++;
      jskip(p);
    }
    (*p)++;
  } else if (strncmp(*p, "true", 4) == 0 || strncmp(*p, "false", 5) == 0) {
    v->t = J_BOOL;
    v->num = **p == 't';
    *p += **p == 't' ? 4 : 5;
  } else if (strncmp(*p, "null", 4) == 0) {
    *p += 4;
  } else {
    char *end;
    v->t = J_NUM;
    v->num = strtod(*p, &end);
    assert_true(end != *p);
    *p = end;
  }
}

static const struct jv *jget(const struct jv *o, const char *key)
{
  for (size_t i = 0; o->t == J_OBJ && i < o->n; i++)
    if (strcmp(o->keys[i], key) == 0)
      return &o->items[i];
  return NULL;
}

static void jfree(struct jv *v)
{
  for (size_t i = 0; i < v->n; i++) {
    jfree(&v->items[i]);
    free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
}

/* ---- Tests ---- */

static struct om_style *load(const char *yaml, struct om_diag *d, int want)
{
  char *dir = test_tmpdir("style");
  char *path = test_write_file(dir, "s.yaml", yaml, strlen(yaml));
  struct om_style *s = NULL;
  om_diag_init(d);
  assert_int_equal(om_style_load(&s, path, d), want);
  free(path);
  free(dir);
  return s;
}

static void expect_error(const char *yaml, const char *want)
{
  struct om_diag d;
  struct om_style *s = load(yaml, &d, OM_EMANIFEST);
  assert_null(s);
  if (!strstr(d.msg, want))
    fail_msg("'%s' lacks '%s'", d.msg, want);
}

static void test_errors(void **state)
{
  (void)state;
  expect_error("geometry: point\nsymbol: { fil: \"#ff0000\" }\n",
               "s.yaml:2:11: unknown key 'fil' in 'symbol'; did you mean 'fill'?");
  expect_error("geometry: pont\n", "s.yaml:1:11: 'geometry' must be one of point, line, "
                                   "polygon, not 'pont'; did you mean 'point'?");
  expect_error("geometry: line\nsymbol: { stroke: red }\n",
               "s.yaml:2:19: 'stroke' must be a colour as \"#rrggbb\", not 'red'");
  expect_error("geometry: polygon\ngraduated: { field: n, breaks: [0, 2, 1], colors: [\"#000000\", "
               "\"#111111\"] }\n",
               "s.yaml:2:39: 'breaks' must ascend: 1 comes after 2");
  expect_error("geometry: polygon\ngraduated: { field: n, breaks: [0, 1, 2], colors: "
               "[\"#000000\"] }\n",
               "'colors' must be a list of 2 colours");
  expect_error("geometry: point\nsymbol: { marker: hexagon }\n",
               "'marker' must be one of circle, square, triangle, star, diamond");
  expect_error("symbol: { size: 3 }\n", "style file has no 'geometry'");
  expect_error("geometry: point\ncategories:\n  field: kind\n  values:\n"
               "    - { value: a, color: \"#000000\" }\n    - { value: a, color: \"#ffffff\" }\n",
               "s.yaml:6:16: category 'a' is listed twice");

  /* Fields the layer lacks, with the nearest one. */
  struct om_diag d;
  struct om_style *s = load("geometry: point\ncategories:\n  field: comodity\n  values:\n"
                            "    - { value: REE, color: \"#d7301f\" }\nlabel: { field: name }\n",
                            &d, 0);
  const char *names[] = {"site_id", "name", "commodity"};
  assert_int_equal(om_style_check_fields(s, "deposits", names, 3, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "s.yaml:3:10: field 'comodity' is not in layer 'deposits'; "
                                "did you mean 'commodity'?"));
  const char *right[] = {"site_id", "name", "comodity"};
  assert_int_equal(om_style_check_fields(s, "deposits", right, 3, &d), 0);
  const char *no_label[] = {"comodity"};
  assert_int_equal(om_style_check_fields(s, "deposits", no_label, 1, &d), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "s.yaml:6:17: field 'name' is not in layer 'deposits'"));
  om_style_free(s);
}

static const char *const categories_yaml =
  "geometry: point\n"
  "symbol: { stroke: \"#222222\", stroke_width: 0.4, size: 4, opacity: 0.9, marker: diamond }\n"
  "categories:\n"
  "  field: commodity\n"
  "  values:\n"
  "    - { value: REE, color: \"#D7301F\", label: Rare earths }\n"
  "    - { value: \"B & Th\", color: \"#2b8cbe\" }\n"
  "    - { value: 12, color: \"#31a354\", label: \"<twelve>\" }\n"
  "  other: { color: \"#969696\", label: Other }\n"
  "label: { field: name, size: 9, color: \"#252525\" }\n";

/* The QML says what the style says: categories, colours, labels, marker. */
static void check_qml(const struct om_style *s, const char *qml)
{
  const char *r = xml_next(qml, "renderer-v2");
  assert_non_null(r);
  char *type = xml_attr(r, "type"), *attr = xml_attr(r, "attr");
  assert_string_equal(type, "categorizedSymbol");
  assert_string_equal(attr, "commodity");
  free(type);
  free(attr);
  const char *at = qml;
  size_t n = 0;
  while ((at = xml_next(at + 1, "category"))) {
    char *value = xml_attr(at, "value"), *symbol = xml_attr(at, "symbol"), *label = xml_attr(at, "label");
    const struct om_style_class *c = n < s->nclasses ? &s->classes[n] : &s->other;
    assert_string_equal(value, n < s->nclasses ? c->value : "");
    /* Its symbol, by name. */
    char key[48];
    snprintf(key, sizeof key, "<symbol type=\"marker\" name=\"%s\"", symbol);
    const char *sym = strstr(qml, key);
    assert_non_null(sym);
    char *color = qml_option(sym, "color"), *name = qml_option(sym, "name"), hex[8];
    qml_hex(color, hex);
    assert_string_equal(hex, c->color);
    assert_string_equal(name, "diamond");
    assert_string_equal(label, c->label);
    free(value), free(symbol), free(label), free(color), free(name);
    n++;
  }
  assert_int_equal(n, s->nclasses + 1);
  const char *text = xml_next(qml, "text-style");
  assert_non_null(text);
  char *field = xml_attr(text, "fieldName");
  assert_string_equal(field, "name");
  free(field);
  assert_non_null(strstr(qml, "labelsEnabled=\"1\""));
}

/* The SLD's rules: one per category in order with its literal and fill, an ElseFilter last. */
static void check_sld(const struct om_style *s, const char *sld)
{
  const char *rule = sld;
  size_t n = 0;
  while ((rule = xml_next(rule + 1, "se:Rule"))) {
    const char *end = strstr(rule, "</se:Rule>");
    const char *text = xml_next(rule, "se:TextSymbolizer");
    if (text && text < end) {
      char *label = xml_text(xml_next(text, "ogc:PropertyName"));
      assert_string_equal(label, "name");
      free(label);
      continue;
    }
    const struct om_style_class *c = n < s->nclasses ? &s->classes[n] : &s->other;
    const char *lit = xml_next(rule, "ogc:Literal");
    if (n < s->nclasses) {
      assert_true(lit && lit < end);
      char *v = xml_text(lit);
      assert_string_equal(v, c->value);
      free(v);
      char *prop = xml_text(xml_next(rule, "ogc:PropertyName"));
      assert_string_equal(prop, "commodity");
      free(prop);
    } else {
      assert_true(!lit || lit > end);
      const char *other = xml_next(rule, "se:ElseFilter");
      assert_true(other && other < end);
    }
    const char *fill = strstr(rule, "<se:SvgParameter name=\"fill\">");
    assert_true(fill && fill < end);
    char *color = xml_text(fill);
    assert_string_equal(color, c->color);
    free(color);
    n++;
  }
  assert_int_equal(n, s->nclasses + 1);
}

/* The MapLibre layers: a circle layer whose match gives each category its colour, then labels. */
static void check_maplibre(const struct om_style *s, const char *json)
{
  struct jv root;
  const char *p = json;
  jparse(&p, &root);
  assert_int_equal(root.t, J_ARR);
  assert_int_equal(root.n, 2);
  const struct jv *layer = &root.items[0];
  assert_string_equal(jget(layer, "type")->str, "circle");
  assert_string_equal(jget(layer, "source")->str, "deposits-src");
  assert_null(jget(layer, "filter")); /* 'other' takes every feature */
  const struct jv *color = jget(jget(layer, "paint"), "circle-color");
  assert_int_equal(color->t, J_ARR);
  assert_string_equal(color->items[0].str, "match");
  assert_int_equal(color->n, 2 + 2 * s->nclasses + 1);
  for (size_t i = 0; i < s->nclasses; i++) {
    assert_string_equal(color->items[2 + 2 * i].str, s->classes[i].value);
    assert_string_equal(color->items[3 + 2 * i].str, s->classes[i].color);
  }
  assert_string_equal(color->items[color->n - 1].str, s->other.color);
  const struct jv *labels = &root.items[1];
  assert_string_equal(jget(labels, "type")->str, "symbol");
  const struct jv *field = jget(jget(labels, "layout"), "text-field");
  assert_string_equal(field->items[1].items[1].str, "name");
  jfree(&root);
}

static void test_categories_agree(void **state)
{
  (void)state;
  struct om_diag d;
  struct om_style *s = load(categories_yaml, &d, 0);
  assert_int_equal(s->kind, OM_STYLE_CATEGORIES);
  assert_int_equal(s->nclasses, 3);
  assert_string_equal(s->classes[0].color, "#d7301f"); /* lower-cased */
  assert_string_equal(s->classes[1].label, "B & Th");   /* the value when no label */
  char *qml = om_style_qml(s), *sld = om_style_sld(s, "deposits");
  char *ml = om_style_maplibre(s, "deposits", "deposits-src");
  assert_non_null(qml);
  check_qml(s, qml);
  check_sld(s, sld);
  check_maplibre(s, ml);
  assert_null(strstr(ml, "text-font")); /* MapLibre's default, from a glyph server */
  /* The web bundle's form names its own font stack and otherwise agrees. */
  char *web = om_style_maplibre_font(s, "deposits", "deposits-src", "DejaVu Sans Book");
  check_maplibre(s, web);
  assert_non_null(strstr(web, "\"text-font\": [\"DejaVu Sans Book\"]"));
  free(web);
  /* SE names no diamond: a square turned by 45 degrees. */
  assert_non_null(strstr(sld, "<se:WellKnownName>square</se:WellKnownName>"));
  assert_non_null(strstr(sld, "<se:Rotation>45</se:Rotation>"));
  free(qml), free(sld), free(ml);
  om_style_free(s);
}

static const char *const graduated_yaml =
  "geometry: polygon\n"
  "symbol: { stroke: \"#ffffff\", stroke_width: 0.2, opacity: 0.8 }\n"
  "graduated:\n"
  "  field: sites_count\n"
  "  breaks: [0, 1, 5, 100]\n"
  "  colors: [\"#fee8c8\", \"#fdbb84\", \"#e34a33\"]\n";

/* The colour MapLibre's expression gives value v (the negated step). */
static const char *maplibre_step(const struct jv *e, double v)
{
  assert_string_equal(e->items[0].str, "step");
  double x = -v;
  const char *out = e->items[2].str;
  for (size_t i = 3; i + 1 < e->n; i += 2)
    if (x >= e->items[i].num)
      out = e->items[i + 1].str;
  return out;
}

static void test_graduated_agree(void **state)
{
  (void)state;
  struct om_diag d;
  struct om_style *s = load(graduated_yaml, &d, 0);
  assert_int_equal(s->kind, OM_STYLE_GRADUATED);
  assert_int_equal(s->nclasses, 3);
  char *qml = om_style_qml(s), *sld = om_style_sld(s, "countries");
  char *ml = om_style_maplibre(s, "countries", "countries");

  /* QML: the ranges and each one's fill. */
  const char *at = qml;
  size_t n = 0;
  while ((at = xml_next(at + 1, "range"))) {
    char *lower = xml_attr(at, "lower"), *upper = xml_attr(at, "upper"), *sym = xml_attr(at, "symbol");
    assert_true(strtod(lower, NULL) == s->classes[n].lower);
    assert_true(strtod(upper, NULL) == s->classes[n].upper);
    char key[48], hex[8];
    snprintf(key, sizeof key, "<symbol type=\"fill\" name=\"%s\"", sym);
    char *color = qml_option(strstr(qml, key), "color");
    qml_hex(color, hex);
    assert_string_equal(hex, s->classes[n].color);
    free(lower), free(upper), free(sym), free(color);
    n++;
  }
  assert_int_equal(n, 3);
  assert_non_null(strstr(qml, "type=\"graduatedSymbol\" attr=\"sites_count\""));

  /* SLD: Between for the first range, then GreaterThan / LessThanOrEqualTo. */
  const char *rule = sld;
  n = 0;
  while ((rule = xml_next(rule + 1, "se:Rule"))) {
    const char *end = strstr(rule, "</se:Rule>");
    const struct om_style_class *c = &s->classes[n];
    double lo, hi;
    if (n == 0) {
      const char *between = xml_next(rule, "ogc:PropertyIsBetween");
      assert_true(between && between < end);
      char *a = xml_text(xml_next(between, "ogc:Literal"));
      char *b = xml_text(xml_next(xml_next(between, "ogc:UpperBoundary"), "ogc:Literal"));
      lo = strtod(a, NULL), hi = strtod(b, NULL);
      free(a), free(b);
    } else {
      const char *gt = xml_next(rule, "ogc:PropertyIsGreaterThan");
      const char *le = xml_next(rule, "ogc:PropertyIsLessThanOrEqualTo");
      assert_true(gt && gt < end && le && le < end);
      char *a = xml_text(xml_next(gt, "ogc:Literal")), *b = xml_text(xml_next(le, "ogc:Literal"));
      lo = strtod(a, NULL), hi = strtod(b, NULL);
      free(a), free(b);
    }
    assert_true(lo == c->lower && hi == c->upper);
    char *color = xml_text(strstr(rule, "<se:SvgParameter name=\"fill\">"));
    assert_string_equal(color, c->color);
    free(color);
    n++;
  }
  assert_int_equal(n, 3);

  /* MapLibre: the step puts values on a break in the class below, as QGIS does. */
  struct jv root;
  const char *p = ml;
  jparse(&p, &root);
  assert_int_equal(root.n, 2); /* fill, outline */
  const struct jv *fill = jget(jget(&root.items[0], "paint"), "fill-color");
  assert_string_equal(maplibre_step(fill, 0), "#fee8c8");
  assert_string_equal(maplibre_step(fill, 1), "#fee8c8");
  assert_string_equal(maplibre_step(fill, 1.5), "#fdbb84");
  assert_string_equal(maplibre_step(fill, 5), "#fdbb84");
  assert_string_equal(maplibre_step(fill, 6), "#e34a33");
  assert_string_equal(maplibre_step(fill, 100), "#e34a33");
  const struct jv *filter = jget(&root.items[0], "filter");
  assert_non_null(filter);
  assert_true(filter->items[2].items[2].num == 0 && filter->items[3].items[2].num == 100);
  assert_string_equal(jget(&root.items[1], "type")->str, "line");
  jfree(&root);
  free(qml), free(sld), free(ml);
  om_style_free(s);
}

static void test_single_line(void **state)
{
  (void)state;
  struct om_diag d;
  struct om_style *s = load("geometry: line\nsymbol: { stroke: \"#3182BD\", stroke_width: 0.8 }\n",
                            &d, 0);
  char *qml = om_style_qml(s), *sld = om_style_sld(s, "flows");
  char *ml = om_style_maplibre(s, "flows", "flows");
  assert_non_null(strstr(qml, "type=\"singleSymbol\""));
  char *color = qml_option(strstr(qml, "<symbol type=\"line\""), "line_color"), hex[8];
  qml_hex(color, hex);
  assert_string_equal(hex, "#3182bd");
  assert_non_null(strstr(sld, "<se:SvgParameter name=\"stroke\">#3182bd</se:SvgParameter>"));
  struct jv root;
  const char *p = ml;
  jparse(&p, &root);
  assert_int_equal(root.n, 1);
  assert_string_equal(jget(jget(&root.items[0], "paint"), "line-color")->str, "#3182bd");
  jfree(&root);
  free(color), free(qml), free(sld), free(ml);
  om_style_free(s);
}

/* Each feature's class: categories by text with 'other' for the rest, ranges by QGIS's rule. */
static void test_class_of(void **state)
{
  (void)state;
  struct om_diag d;
  struct om_style *s = load(categories_yaml, &d, 0);
  assert_int_equal(om_style_class_of(s, "REE"), 0);
  assert_int_equal(om_style_class_of(s, "B & Th"), 1);
  assert_int_equal(om_style_class_of(s, "12"), 2);   /* a number matches as text */
  assert_int_equal(om_style_class_of(s, "12.0"), 3); /* ... so another spelling is 'other' */
  assert_int_equal(om_style_class_of(s, "ree"), 3);  /* case counts, as in QGIS */
  assert_int_equal(om_style_class_of(s, NULL), 3);   /* null is among the other values */
  om_style_free(s);

  s = load("geometry: point\ncategories:\n  field: kind\n  values:\n"
           "    - { value: mine, color: \"#ff0000\" }\n", &d, 0);
  assert_int_equal(om_style_class_of(s, "mine"), 0);
  assert_int_equal(om_style_class_of(s, "port"), OM_STYLE_UNDRAWN); /* no 'other': not drawn */
  assert_int_equal(om_style_class_of(s, NULL), OM_STYLE_UNDRAWN);
  om_style_free(s);

  s = load(graduated_yaml, &d, 0); /* breaks 0, 1, 5, 100 */
  assert_int_equal(om_style_class_of(s, "0"), 0);   /* the first class includes its lower break */
  assert_int_equal(om_style_class_of(s, "1"), 0);   /* on a break: the class below */
  assert_int_equal(om_style_class_of(s, "1.5"), 1);
  assert_int_equal(om_style_class_of(s, "5"), 1);
  assert_int_equal(om_style_class_of(s, "5e1"), 2);
  assert_int_equal(om_style_class_of(s, "100"), 2); /* the last break is in */
  assert_int_equal(om_style_class_of(s, "100.5"), OM_STYLE_UNDRAWN);
  assert_int_equal(om_style_class_of(s, "-0.1"), OM_STYLE_UNDRAWN);
  assert_int_equal(om_style_class_of(s, NULL), OM_STYLE_UNDRAWN);
  assert_int_equal(om_style_class_of(s, "many"), OM_STYLE_UNDRAWN);
  assert_int_equal(om_style_class_of(s, "nan"), OM_STYLE_UNDRAWN);
  om_style_free(s);

  s = load("geometry: line\n", &d, 0);
  assert_int_equal(om_style_class_of(s, NULL), 0); /* a single symbol takes everything */
  om_style_free(s);
}

/* KML styles: one per class in aabbggrr with the opacity, and a hidden one for range styles. */
static void test_kml(void **state)
{
  (void)state;
  struct om_diag d;
  struct om_style *s = load(categories_yaml, &d, 0);
  char *kml = om_style_kml(s);
  assert_non_null(kml);
  /* #d7301f at opacity 0.9: alpha e6, then blue, green, red. */
  const char *c0 = strstr(kml, "<Style id=\"" OM_STYLE_KML_CLASS "0\">");
  assert_non_null(c0);
  assert_true(strstr(c0, "<IconStyle><color>e61f30d7</color>") == strchr(c0, '>') + 1);
  assert_non_null(strstr(kml, "<Style id=\"" OM_STYLE_KML_CLASS "3\">")); /* 'other' */
  assert_null(strstr(kml, "<Style id=\"" OM_STYLE_KML_CLASS "4\">"));
  assert_null(strstr(kml, OM_STYLE_KML_HIDDEN)); /* with 'other' every feature is drawn */
  assert_non_null(strstr(kml, "open-diamond.png"));
  assert_non_null(strstr(kml, "<LabelStyle><color>ff252525</color><scale>1</scale>"));
  free(kml);
  om_style_free(s);

  s = load(graduated_yaml, &d, 0);
  kml = om_style_kml(s);
  assert_non_null(strstr(kml, "<Style id=\"" OM_STYLE_KML_HIDDEN "\">"));
  /* #e34a33 at 0.8, outlined in white 0.2 mm = 0.756 px. */
  const char *c2 = strstr(kml, "<Style id=\"" OM_STYLE_KML_CLASS "2\">");
  assert_non_null(c2);
  assert_non_null(strstr(c2, "<PolyStyle><color>cc334ae3</color><fill>1</fill><outline>1</outline>"));
  assert_non_null(strstr(c2, "<LineStyle><color>ccffffff</color><width>0.7559</width>"));
  assert_null(strstr(kml, "<LabelStyle><color>")); /* no label in the style */
  free(kml);
  om_style_free(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_categories_agree),
    cmocka_unit_test(test_graduated_agree),
    cmocka_unit_test(test_single_line),
    cmocka_unit_test(test_class_of),
    cmocka_unit_test(test_kml),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
