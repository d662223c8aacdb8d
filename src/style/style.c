/*
 * Reading a style file (style.h) with the manifest's YAML helpers, so that
 * a style's mistakes read like a manifest's: file:line:column, an unknown
 * key with a "did you mean", every problem of the file in one run.
 */
#include "style/style.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/yaml_util.h"

static const char *const top_keys[] = {"geometry", "symbol", "categories", "graduated", "label",
                                       NULL};
static const char *const top_required[] = {"geometry", NULL};
static const char *const symbol_keys[] = {"fill",    "stroke", "stroke_width", "size",
                                          "opacity", "marker", NULL};
static const char *const categories_keys[] = {"field", "values", "other", NULL};
static const char *const categories_required[] = {"field", "values", NULL};
static const char *const value_keys[] = {"value", "color", "label", NULL};
static const char *const value_required[] = {"value", "color", NULL};
static const char *const other_keys[] = {"color", "label", NULL};
static const char *const other_required[] = {"color", NULL};
static const char *const graduated_keys[] = {"field", "breaks", "colors", "labels", NULL};
static const char *const graduated_required[] = {"field", "breaks", "colors", NULL};
static const char *const label_keys[] = {"field", "size", "color", NULL};
static const char *const label_required[] = {"field", NULL};

static const char *const geometry_names[] = {"point", "line", "polygon"};
static const char *const marker_names[] = {"circle", "square", "triangle", "star", "diamond"};

const char *om_style_marker_name(enum om_style_marker m)
{
  return m <= OM_STYLE_DIAMOND ? marker_names[m] : "circle";
}

static void describe_error(struct om_yaml_file *f, yaml_node_t *v, const char *what)
{
  char desc[96];
  om_yaml_error_at(f, v, "%s, not %s", what, om_yaml_describe(v, desc, sizeof desc));
}

/* A finite number in [min, max] into *out; false after reporting. */
static bool read_number(struct om_yaml_file *f, yaml_node_t *v, const char *key, double min,
                        double max, const char *expect, double *out)
{
  char *text = v->type == YAML_SCALAR_NODE ? om_yaml_text(f, v, key) : NULL;
  char *end = NULL;
  double x = text ? strtod(text, &end) : NAN;
  bool ok = text && end != text && !*end && isfinite(x) && x >= min && x <= max;
  if (!ok) {
    char what[128];
    snprintf(what, sizeof what, "'%s' must be %s", key, expect);
    describe_error(f, v, what);
  } else {
    *out = x;
  }
  free(text);
  return ok;
}

/* "#rrggbb" (either case) into out, lower-cased; false after reporting. */
static bool read_color(struct om_yaml_file *f, yaml_node_t *v, const char *key,
                       om_style_color out)
{
  const char *t = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
  bool ok = strlen(t) == 7 && t[0] == '#';
  for (int i = 1; ok && i < 7; i++)
    ok = isxdigit((unsigned char)t[i]);
  if (!ok) {
    char what[128];
    snprintf(what, sizeof what, "'%s' must be a colour as \"#rrggbb\"", key);
    describe_error(f, v, what);
    return false;
  }
  for (int i = 0; i < 7; i++)
    out[i] = (char)tolower((unsigned char)t[i]);
  out[7] = '\0';
  return true;
}

/* A word of a fixed list into *out; false after reporting with a suggestion. */
static bool read_choice(struct om_yaml_file *f, yaml_node_t *v, const char *key,
                        const char *const *names, int n, int *out)
{
  const char *t = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : NULL;
  int best = -1, best_dist = 3;
  for (int i = 0; t && i < n; i++) {
    if (strcmp(t, names[i]) == 0) {
      *out = i;
      return true;
    }
    int dist = om_yaml_distance(t, names[i]);
    if (dist < best_dist)
      best = i, best_dist = dist;
  }
  char list[160] = "", desc[96];
  for (int i = 0; i < n; i++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
  if (best >= 0)
    om_yaml_error_at(f, v, "'%s' must be one of %s, not %s; did you mean '%s'?", key, list,
                     om_yaml_describe(v, desc, sizeof desc), names[best]);
  else
    om_yaml_error_at(f, v, "'%s' must be one of %s, not %s", key, list,
                     om_yaml_describe(v, desc, sizeof desc));
  return false;
}

static bool is_mapping(struct om_yaml_file *f, yaml_node_t *v, const char *what)
{
  if (v->type == YAML_MAPPING_NODE)
    return true;
  describe_error(f, v, what);
  return false;
}

static void read_symbol(struct om_yaml_file *f, yaml_node_t *v, struct om_style_symbol *sym)
{
  if (!is_mapping(f, v, "'symbol' must be a mapping of fill, stroke, stroke_width, size, "
                        "opacity and marker"))
    return;
  om_yaml_check_keys(f, v, "'symbol'", symbol_keys, NULL);
  yaml_node_t *n;
  if ((n = om_yaml_get(f, v, "fill")))
    read_color(f, n, "fill", sym->fill);
  if ((n = om_yaml_get(f, v, "stroke")))
    read_color(f, n, "stroke", sym->stroke);
  if ((n = om_yaml_get(f, v, "stroke_width")))
    read_number(f, n, "stroke_width", 0, 20, "a width in mm from 0 to 20", &sym->stroke_width);
  if ((n = om_yaml_get(f, v, "size")))
    read_number(f, n, "size", 0, 50, "a size in mm from 0 to 50", &sym->size);
  if ((n = om_yaml_get(f, v, "opacity")))
    read_number(f, n, "opacity", 0, 1, "a number from 0 to 1", &sym->opacity);
  int m;
  if ((n = om_yaml_get(f, v, "marker")) && read_choice(f, n, "marker", marker_names, 5, &m))
    sym->marker = (enum om_style_marker)m;
}

/* The field a classification reads, with where it was named. */
static void read_field(struct om_yaml_file *f, yaml_node_t *map, struct om_style *s)
{
  yaml_node_t *n = om_yaml_get(f, map, "field");
  if (n && om_yaml_string(f, map, "field", &s->field) == 0 && s->field) {
    s->field_line = (long)n->start_mark.line + 1;
    s->field_column = (long)n->start_mark.column + 1;
  }
}

/* An optional label: the given text (a new string) or a copy of fallback. */
static char *read_label(struct om_yaml_file *f, yaml_node_t *map, const char *fallback)
{
  char *label = NULL;
  if (om_yaml_string(f, map, "label", &label) == 0 && label)
    return label;
  return strdup(fallback ? fallback : "");
}

static void read_categories(struct om_yaml_file *f, yaml_node_t *v, struct om_style *s)
{
  s->kind = OM_STYLE_CATEGORIES;
  if (!is_mapping(f, v, "'categories' must be a mapping with 'field' and 'values'"))
    return;
  om_yaml_check_keys(f, v, "'categories'", categories_keys, categories_required);
  read_field(f, v, s);
  yaml_node_t *values = om_yaml_get(f, v, "values");
  if (values && values->type != YAML_SEQUENCE_NODE) {
    describe_error(f, values, "'values' must be a list of {value, color, label}");
  } else if (values) {
    size_t n = om_yaml_length(values);
    s->classes = calloc(n ? n : 1, sizeof *s->classes);
    if (!s->classes) {
      om_yaml_oom(f->e);
      return;
    }
    for (yaml_node_item_t *it = values->data.sequence.items.start;
         it < values->data.sequence.items.top; it++) {
      yaml_node_t *item = om_yaml_node(f, *it);
      if (!item || !is_mapping(f, item, "each item of 'values' must be a mapping with 'value' "
                                        "and 'color'"))
        continue;
      om_yaml_check_keys(f, item, "an item of 'values'", value_keys, value_required);
      struct om_style_class *c = &s->classes[s->nclasses];
      yaml_node_t *value = om_yaml_get(f, item, "value"), *color = om_yaml_get(f, item, "color");
      if (!value || !color)
        continue;
      c->value = om_yaml_text(f, value, "value");
      if (!c->value)
        continue;
      for (size_t k = 0; k < s->nclasses; k++)
        if (strcmp(s->classes[k].value, c->value) == 0)
          om_yaml_error_at(f, value, "category '%s' is listed twice", c->value);
      read_color(f, color, "color", c->color);
      c->label = read_label(f, item, c->value);
      s->nclasses++;
      if (!c->label)
        om_yaml_oom(f->e);
    }
    if (n == 0)
      om_yaml_error_at(f, values, "'values' lists no category");
  }
  yaml_node_t *other = om_yaml_get(f, v, "other");
  if (other && is_mapping(f, other, "'other' must be a mapping with 'color' and 'label'")) {
    om_yaml_check_keys(f, other, "'other'", other_keys, other_required);
    yaml_node_t *color = om_yaml_get(f, other, "color");
    s->has_other = true;
    if (color)
      read_color(f, color, "color", s->other.color);
    if (!(s->other.label = read_label(f, other, "Other")))
      om_yaml_oom(f->e);
  }
}

/* A list node's items as numbers (breaks) into a new array; NULL after reporting. */
static double *read_breaks(struct om_yaml_file *f, yaml_node_t *v, size_t *n)
{
  *n = 0;
  if (v->type != YAML_SEQUENCE_NODE || om_yaml_length(v) < 2) {
    describe_error(f, v, "'breaks' must be a list of at least two ascending numbers");
    return NULL;
  }
  double *b = calloc(om_yaml_length(v), sizeof *b);
  if (!b) {
    om_yaml_oom(f->e);
    return NULL;
  }
  bool ok = true;
  for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
       it++) {
    yaml_node_t *item = om_yaml_node(f, *it);
    if (!item || !read_number(f, item, "breaks", -HUGE_VAL, HUGE_VAL, "a list of numbers",
                              &b[*n])) {
      ok = false;
      continue;
    }
    if (*n > 0 && !(b[*n] > b[*n - 1])) {
      om_yaml_error_at(f, item, "'breaks' must ascend: %g comes after %g", b[*n], b[*n - 1]);
      ok = false;
    }
    (*n)++;
  }
  if (!ok) {
    free(b);
    return NULL;
  }
  return b;
}

static void read_graduated(struct om_yaml_file *f, yaml_node_t *v, struct om_style *s)
{
  s->kind = OM_STYLE_GRADUATED;
  if (!is_mapping(f, v, "'graduated' must be a mapping with 'field', 'breaks' and 'colors'"))
    return;
  om_yaml_check_keys(f, v, "'graduated'", graduated_keys, graduated_required);
  read_field(f, v, s);
  yaml_node_t *bnode = om_yaml_get(f, v, "breaks"), *cnode = om_yaml_get(f, v, "colors");
  yaml_node_t *lnode = om_yaml_get(f, v, "labels");
  size_t nbreaks = 0;
  double *breaks = bnode ? read_breaks(f, bnode, &nbreaks) : NULL;
  if (!breaks || !cnode) {
    free(breaks);
    return;
  }
  size_t want = nbreaks - 1;
  if (cnode->type != YAML_SEQUENCE_NODE || om_yaml_length(cnode) != want) {
    char what[128];
    snprintf(what, sizeof what, "'colors' must be a list of %zu colours, one per class "
             "between the %zu breaks", want, nbreaks);
    om_yaml_error_at(f, cnode, "%s", what);
    free(breaks);
    return;
  }
  if (lnode && (lnode->type != YAML_SEQUENCE_NODE || om_yaml_length(lnode) != want)) {
    om_yaml_error_at(f, lnode, "'labels' must be a list of %zu labels, one per class", want);
    lnode = NULL;
  }
  s->classes = calloc(want, sizeof *s->classes);
  if (!s->classes) {
    free(breaks);
    om_yaml_oom(f->e);
    return;
  }
  for (size_t i = 0; i < want; i++) {
    struct om_style_class *c = &s->classes[i];
    c->lower = breaks[i];
    c->upper = breaks[i + 1];
    read_color(f, om_yaml_node(f, cnode->data.sequence.items.start[i]), "colors", c->color);
    if (lnode) {
      c->label = om_yaml_item(f, om_yaml_node(f, lnode->data.sequence.items.start[i]), "labels",
                              "a label");
    } else {
      char text[96];
      snprintf(text, sizeof text, "%g - %g", c->lower, c->upper);
      c->label = strdup(text);
    }
    s->nclasses++;
    if (!c->label && !lnode)
      om_yaml_oom(f->e);
  }
  free(breaks);
}

static void read_label_def(struct om_yaml_file *f, yaml_node_t *v, struct om_style *s)
{
  if (!is_mapping(f, v, "'label' must be a mapping with 'field', 'size' and 'color'"))
    return;
  om_yaml_check_keys(f, v, "'label'", label_keys, label_required);
  yaml_node_t *n = om_yaml_get(f, v, "field");
  if (n && om_yaml_string(f, v, "field", &s->label_field) == 0 && s->label_field) {
    s->label_line = (long)n->start_mark.line + 1;
    s->label_column = (long)n->start_mark.column + 1;
  }
  if ((n = om_yaml_get(f, v, "size")))
    read_number(f, n, "size", 1, 72, "a font size in points from 1 to 72", &s->label_size);
  if ((n = om_yaml_get(f, v, "color")))
    read_color(f, n, "color", s->label_color);
}

/* The defaults QGIS gives a new layer's symbol, in this project's dark grey. */
static void set_defaults(struct om_style *s)
{
  struct om_style_symbol *sym = &s->symbol;
  strcpy(sym->fill, "#3182bd");
  strcpy(sym->stroke, "#252525");
  sym->stroke_width = s->geometry == OM_STYLE_LINE ? 0.6 : 0.26;
  sym->size = 2.5;
  sym->opacity = 1;
  sym->marker = OM_STYLE_CIRCLE;
  s->label_size = 9;
  strcpy(s->label_color, "#252525");
}

static void read_style(struct om_yaml_file *f, struct om_style *s)
{
  yaml_node_t *map = om_yaml_root(f);
  om_yaml_check_keys(f, map, "style file", top_keys, top_required);
  yaml_node_t *n;
  int g;
  if ((n = om_yaml_get(f, map, "geometry")) && read_choice(f, n, "geometry", geometry_names, 3, &g))
    s->geometry = (enum om_style_geometry)g;
  set_defaults(s);
  if ((n = om_yaml_get(f, map, "symbol")))
    read_symbol(f, n, &s->symbol);
  yaml_node_t *cat = om_yaml_get(f, map, "categories"), *grad = om_yaml_get(f, map, "graduated");
  if (cat && grad)
    om_yaml_error_at(f, grad, "a style has 'categories' or 'graduated', not both");
  else if (cat)
    read_categories(f, cat, s);
  else if (grad)
    read_graduated(f, grad, s);
  if ((n = om_yaml_get(f, map, "label")))
    read_label_def(f, n, s);
}

int om_style_load(struct om_style **out, const char *path, struct om_diag *d)
{
  *out = NULL;
  struct om_style *s = calloc(1, sizeof *s);
  if (!s || !(s->file = strdup(path))) {
    free(s);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  struct om_yaml_errors e;
  om_yaml_errors_init(&e, d);
  struct om_yaml_file f;
  if (om_yaml_open(&f, path, "style file", &e) == 0)
    read_style(&f, s);
  om_yaml_close(&f);
  int rc = om_yaml_errors_finish(&e);
  if (rc < 0) {
    om_style_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

static void release_class(struct om_style_class *c)
{
  free(c->value);
  free(c->label);
}

void om_style_free(struct om_style *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->nclasses; i++)
    release_class(&s->classes[i]);
  free(s->classes);
  release_class(&s->other);
  free(s->field);
  free(s->label_field);
  free(s->file);
  free(s);
}

/* 0 when 'field' is among names, else OM_EMANIFEST with the nearest name. */
static int check_field(const struct om_style *s, const char *layer, const char *field, long line,
                       long column, const char *const *names, size_t n, struct om_diag *d)
{
  const char *best = NULL;
  int best_dist = 4;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(names[i], field) == 0)
      return 0;
    int dist = om_yaml_distance(field, names[i]);
    if (dist < best_dist)
      best = names[i], best_dist = dist;
  }
  if (best)
    return om_diag_fail(d, OM_EMANIFEST,
                        "%s:%ld:%ld: field '%s' is not in layer '%s'; did you mean '%s'?",
                        s->file, line, column, field, layer, best);
  return om_diag_fail(d, OM_EMANIFEST, "%s:%ld:%ld: field '%s' is not in layer '%s'", s->file,
                      line, column, field, layer);
}

int om_style_check_fields(const struct om_style *s, const char *layer, const char *const *names,
                          size_t n, struct om_diag *d)
{
  int rc = 0;
  if (s->field)
    rc = check_field(s, layer, s->field, s->field_line, s->field_column, names, n, d);
  if (rc == 0 && s->label_field)
    rc = check_field(s, layer, s->label_field, s->label_line, s->label_column, names, n, d);
  return rc;
}

long om_style_class_of(const struct om_style *s, const char *value)
{
  if (s->kind == OM_STYLE_SINGLE)
    return 0;
  if (s->kind == OM_STYLE_CATEGORIES) {
    /* As text, as QGIS, SLD's PropertyIsEqualTo and MapLibre's to-string compare. */
    for (size_t i = 0; value && i < s->nclasses; i++)
      if (strcmp(s->classes[i].value, value) == 0)
        return (long)i;
    return s->has_other ? (long)s->nclasses : OM_STYLE_UNDRAWN;
  }
  char *end = NULL;
  double v = value ? strtod(value, &end) : NAN;
  if (!value || end == value || *end || !isfinite(v))
    return OM_STYLE_UNDRAWN;
  /* A value on a break belongs to the class below; the first class includes its lower break. */
  for (size_t i = 0; i < s->nclasses; i++) {
    const struct om_style_class *c = &s->classes[i];
    if ((v > c->lower || (i == 0 && v == c->lower)) && v <= c->upper)
      return (long)i;
  }
  return OM_STYLE_UNDRAWN;
}
