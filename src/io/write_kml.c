/*
 * KML 2.2, written by oremap itself (writer.h).
 *
 * GDAL's LIBKML driver builds the whole document in memory and slows down
 * quadratically with the placemarks of a layer (a minute for 5,000, six
 * for 10,000), and gives every feature one style.  This writer streams the
 * spool once, a placemark a line, and styles each placemark from the
 * layer's style file by the rule the style's QML uses
 * (om_style_class_of), so that Google Earth and QGIS show the same
 * classes in the same colours.
 *
 * The document: <Document> with the layer's name, the styles
 * (om_style_kml, or one default style for a layer without a style file),
 * a <Schema> typing the attribute fields, then the placemarks: <name>,
 * <description>, <styleUrl>, <ExtendedData> with <SchemaData> (null
 * values left out), and the geometry.  Every text goes through
 * om_style_put_xml, which also drops the characters XML cannot hold.
 * KML is always WGS 84 longitude,latitude, the CRS features travel in
 * (core/feature.h), so no transformation is needed.
 *
 * KML has no 64-bit integer type: an integer field is declared "int" when
 * every value fits 32 bits (checked in a first pass over the spool, made
 * only for layers with integer fields) and "string" otherwise, so that
 * readers never wrap large ids.
 */
#include "io/writer.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geom/geom.h"
#include "io/atomic.h"
#include "style/emit.h"
#include "style/style.h"

/* Coordinates and counts are copied out of the little-endian WKB as they are. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "write_kml.c reads WKB in the machine's byte order, which must be little-endian"
#endif

#define BUF_SIZE (1u << 20)
#define MAX_DEPTH 32
#define DEFAULT_PRECISION 6
#define MAX_PRECISION 15

/* The style of a layer without a style file: the colours oremap's KML always had. */
#define DEFAULT_STYLE_ID "oremap"
#define DEFAULT_STYLE                                                                          \
  "<Style id=\"" DEFAULT_STYLE_ID "\"><IconStyle><color>ff025fd9</color><scale>1.2</scale>"   \
  "</IconStyle><LineStyle><color>ff025fd9</color><width>2</width></LineStyle>"               \
  "<PolyStyle><color>66025fd9</color></PolyStyle></Style>\n"

/* What writing one layer needs. */
struct job {
  const struct om_layer_data *L;
  const struct om_output_opts *o;
  struct om_diag *d;
  FILE *f;              /* the temporary file */
  int prec;             /* decimals of coordinates */
  size_t nfields;       /* fields written */
  size_t *index;        /* their schema indices, owned */
  bool *data;           /* per written field: goes into ExtendedData (not name or description) */
  bool *wide;           /* per written field: an integer beyond 32 bits somewhere */
  long name_field;      /* schema index of the names, or -1 */
  long desc_field;      /* schema index of the descriptions, or -1 */
  long class_field;     /* schema index of the style's field, or -1 */
  bool bad_coord;       /* a coordinate was NaN or infinite */
};

static long schema_find(const struct om_schema *s, const char *name)
{
  for (size_t i = 0; name && i < s->n; i++)
    if (strcmp(s->fields[i].name, name) == 0)
      return (long)i;
  return -1;
}

/* Whether schema field k is among the written fields. */
static bool is_written(const struct job *j, long k)
{
  for (size_t i = 0; k >= 0 && i < j->nfields; i++)
    if (j->index[i] == (size_t)k)
      return true;
  return false;
}

/*
 * Where names come from: the style's label field (what QGIS labels with),
 * else 'name', else the first text field; only a written field, so that
 * an output's allow-list keeps what it leaves out.
 */
static long pick_name_field(const struct job *j)
{
  const struct om_schema *s = j->L->schema;
  long k = j->L->style ? schema_find(s, j->L->style->label_field) : -1;
  if (is_written(j, k))
    return k;
  if (is_written(j, k = schema_find(s, "name")))
    return k;
  for (size_t i = 0; i < j->nfields; i++)
    if (s->fields[j->index[i]].type == OM_FIELD_STRING)
      return (long)j->index[i];
  return -1;
}

/* The first pass: which integer fields hold a value beyond 32 bits.  0 or a negative code. */
static int find_wide(struct job *j)
{
  bool any = false;
  for (size_t i = 0; i < j->nfields; i++)
    any |= j->data[i] && j->L->schema->fields[j->index[i]].type == OM_FIELD_INTEGER;
  if (!any)
    return 0;
  struct om_spool_cursor c;
  struct om_feature f;
  int more;
  om_spool_cursor_init(&c, j->L->spool, OM_ORDER_SOURCE);
  while ((more = om_spool_cursor_next(&c, &f)) == 1) {
    for (size_t i = 0; i < j->nfields && f.nvalues == j->L->schema->n; i++) {
      const char *v = f.values[j->index[i]];
      if (v && j->L->schema->fields[j->index[i]].type == OM_FIELD_INTEGER && !j->wide[i]) {
        long long x = strtoll(v, NULL, 10);
        j->wide[i] = x < INT32_MIN || x > INT32_MAX;
      }
    }
  }
  om_spool_cursor_release(&c);
  return more < 0 ? om_diag_fail(j->d, more, "cannot write '%s': cannot read the layer's "
                                 "features back", j->o->path) : 0;
}

/* ---- Geometry ---------------------------------------------------------- */

/* v with j->prec decimals, trailing zeros trimmed, -0 as 0. */
static void put_number(struct job *j, double v)
{
  char text[400];
  if (!isfinite(v)) {
    j->bad_coord = true;
    fputc('0', j->f);
    return;
  }
  int n = snprintf(text, sizeof text, "%.*f", j->prec, v);
  if (n < 0 || (size_t)n >= sizeof text)
    n = snprintf(text, sizeof text, "%.17g", v);
  else if (memchr(text, '.', (size_t)n)) {
    while (text[n - 1] == '0')
      n--;
    if (text[n - 1] == '.')
      n--;
  }
  if (n == 2 && text[0] == '-' && text[1] == '0')
    fputc('0', j->f);
  else
    fwrite(text, 1, (size_t)n, j->f);
}

/* A little-endian WKB blob being read. */
struct wkb {
  const unsigned char *p; /* the blob */
  size_t len, pos;        /* its size, the next byte */
};

static bool take_u32(struct wkb *w, uint32_t *v)
{
  if (w->len - w->pos < 4)
    return false;
  memcpy(v, w->p + w->pos, 4);
  w->pos += 4;
  return true;
}

static bool take_xy(struct wkb *w, double xy[2])
{
  if (w->len - w->pos < 16)
    return false;
  memcpy(xy, w->p + w->pos, 16);
  w->pos += 16;
  return true;
}

/* "x,y" */
static void put_xy(struct job *j, const double xy[2])
{
  put_number(j, xy[0]);
  fputc(',', j->f);
  put_number(j, xy[1]);
}

/* <coordinates>x,y x,y ...</coordinates> from a point count and its pairs. */
static bool put_coordinates(struct job *j, struct wkb *w)
{
  uint32_t n;
  double xy[2];
  if (!take_u32(w, &n) || n > (w->len - w->pos) / 16)
    return false;
  fputs("<coordinates>", j->f);
  for (uint32_t i = 0; i < n && take_xy(w, xy); i++) {
    if (i)
      fputc(' ', j->f);
    put_xy(j, xy);
  }
  fputs("</coordinates>", j->f);
  return true;
}

static bool put_polygon(struct job *j, struct wkb *w)
{
  uint32_t n;
  if (!take_u32(w, &n) || n > (w->len - w->pos) / 4)
    return false;
  fputs("<Polygon>", j->f);
  for (uint32_t i = 0; i < n; i++) {
    fputs(i == 0 ? "<outerBoundaryIs><LinearRing>" : "<innerBoundaryIs><LinearRing>", j->f);
    if (!put_coordinates(j, w))
      return false;
    fputs(i == 0 ? "</LinearRing></outerBoundaryIs>" : "</LinearRing></innerBoundaryIs>", j->f);
  }
  fputs("</Polygon>", j->f);
  return true;
}

/* One geometry; an empty point (NaN, NaN) writes nothing.  False for malformed WKB. */
static bool put_geometry(struct job *j, struct wkb *w, int depth)
{
  uint32_t type, n;
  if (depth > MAX_DEPTH || w->len - w->pos < 5 || w->p[w->pos] != 1)
    return false;
  w->pos++;
  if (!take_u32(w, &type))
    return false;
  switch (type) {
  case OM_WKB_POINT: {
    double xy[2];
    if (!take_xy(w, xy))
      return false;
    if (isnan(xy[0]) && isnan(xy[1]))
      return true;
    fputs("<Point><coordinates>", j->f);
    put_xy(j, xy);
    fputs("</coordinates></Point>", j->f);
    return true;
  }
  case OM_WKB_LINESTRING:
    fputs("<LineString>", j->f);
    if (!put_coordinates(j, w))
      return false;
    fputs("</LineString>", j->f);
    return true;
  case OM_WKB_POLYGON:
    return put_polygon(j, w);
  case OM_WKB_MULTIPOINT:
  case OM_WKB_MULTILINESTRING:
  case OM_WKB_MULTIPOLYGON:
  case OM_WKB_GEOMETRYCOLLECTION:
    if (!take_u32(w, &n) || n > (w->len - w->pos) / 9)
      return false;
    fputs("<MultiGeometry>", j->f);
    for (uint32_t i = 0; i < n; i++)
      if (!put_geometry(j, w, depth + 1))
        return false;
    fputs("</MultiGeometry>", j->f);
    return true;
  default:
    return false;
  }
}

/* ---- The document ------------------------------------------------------ */

static void put_text_element(FILE *f, const char *tag, const char *text)
{
  fprintf(f, "<%s>", tag);
  om_style_put_xml(f, text);
  fprintf(f, "</%s>", tag);
}

static void put_head(struct job *j, const char *styles)
{
  FILE *f = j->f;
  const struct om_schema *s = j->L->schema;
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>", f);
  put_text_element(f, "name", j->o->layer ? j->o->layer : j->L->name);
  if (j->o->description)
    put_text_element(f, "description", j->o->description);
  fputs("\n", f);
  fputs(styles ? styles : DEFAULT_STYLE, f);
  fputs("<Schema name=\"", f);
  om_style_put_xml(f, j->o->layer ? j->o->layer : j->L->name);
  fputs("\" id=\"fields\">", f);
  for (size_t i = 0; i < j->nfields; i++) {
    if (!j->data[i])
      continue;
    enum om_field_type t = s->fields[j->index[i]].type;
    fprintf(f, "<SimpleField type=\"%s\" name=\"",
            t == OM_FIELD_REAL ? "double" : t == OM_FIELD_INTEGER && !j->wide[i] ? "int" : "string");
    om_style_put_xml(f, s->fields[j->index[i]].name);
    fputs("\"/>", f);
  }
  fputs("</Schema>\n", f);
}

static void put_style_url(struct job *j, const struct om_feature *feat)
{
  const struct om_style *s = j->L->style;
  if (!s) {
    fputs("<styleUrl>#" DEFAULT_STYLE_ID "</styleUrl>", j->f);
    return;
  }
  long c = om_style_class_of(s, j->class_field >= 0 ? feat->values[j->class_field] : NULL);
  /* QGIS does not draw a feature no class takes: its placemark stays, drawn with nothing. */
  if (c == OM_STYLE_UNDRAWN)
    fputs("<styleUrl>#" OM_STYLE_KML_HIDDEN "</styleUrl>", j->f);
  else
    fprintf(j->f, "<styleUrl>#" OM_STYLE_KML_CLASS "%ld</styleUrl>", c);
}

static int put_placemark(struct job *j, const struct om_feature *feat)
{
  FILE *f = j->f;
  const struct om_schema *s = j->L->schema;
  fputs("<Placemark>", f);
  if (j->name_field >= 0 && feat->values[j->name_field])
    put_text_element(f, "name", feat->values[j->name_field]);
  if (j->desc_field >= 0 && feat->values[j->desc_field])
    put_text_element(f, "description", feat->values[j->desc_field]);
  put_style_url(j, feat);
  bool open = false;
  for (size_t i = 0; i < j->nfields; i++) {
    const char *v = feat->values[j->index[i]];
    if (!j->data[i] || !v)
      continue;
    if (!open)
      fputs("<ExtendedData><SchemaData schemaUrl=\"#fields\">", f);
    open = true;
    fputs("<SimpleData name=\"", f);
    om_style_put_xml(f, s->fields[j->index[i]].name);
    fputs("\">", f);
    om_style_put_xml(f, v);
    fputs("</SimpleData>", f);
  }
  if (open)
    fputs("</SchemaData></ExtendedData>", f);
  if (feat->wkb_len > 0) {
    struct wkb w = {.p = feat->wkb, .len = feat->wkb_len};
    if (!put_geometry(j, &w, 0) || w.pos != w.len)
      return om_diag_fail(j->d, OM_EIO, "cannot write '%s': record %ld: malformed WKB",
                          j->o->path, feat->record);
    if (j->bad_coord)
      return om_diag_fail(j->d, OM_EIO, "cannot write '%s': record %ld: a coordinate is not a "
                          "finite number", j->o->path, feat->record);
  }
  fputs("</Placemark>\n", f);
  return 0;
}

static int put_placemarks(struct job *j)
{
  struct om_spool_cursor c;
  struct om_feature feat;
  int rc = 0, more;
  om_spool_cursor_init(&c, j->L->spool, OM_ORDER_SOURCE);
  while (rc == 0 && (more = om_spool_cursor_next(&c, &feat)) != 0) {
    if (more < 0)
      rc = om_diag_fail(j->d, more, "cannot write '%s': cannot read the layer's features back",
                        j->o->path);
    else if (feat.nvalues != j->L->schema->n)
      rc = om_diag_fail(j->d, OM_EIO, "cannot write '%s': record %ld has %zu values for %zu "
                        "fields", j->o->path, feat.record, feat.nvalues, j->L->schema->n);
    else
      rc = put_placemark(j, &feat);
    if (rc == 0 && ferror(j->f))
      rc = om_diag_fail(j->d, OM_EIO, "cannot write '%s': %s", j->o->path, strerror(errno));
  }
  om_spool_cursor_release(&c);
  return rc;
}

/* The job's field lists; 0 or OM_ENOMEM / OM_EMANIFEST. */
static int plan(struct job *j)
{
  const struct om_layer_data *L = j->L;
  const struct om_output_opts *o = j->o;
  j->nfields = o->field_index ? o->nfields : L->schema->n;
  size_t n = j->nfields ? j->nfields : 1;
  j->index = calloc(n, sizeof *j->index);
  j->data = calloc(n, sizeof *j->data);
  j->wide = calloc(n, sizeof *j->wide);
  if (!j->index || !j->data || !j->wide)
    return om_diag_fail(j->d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; i < j->nfields; i++) {
    j->index[i] = o->field_index ? o->field_index[i] : i;
    if (j->index[i] >= L->schema->n)
      return om_diag_fail(j->d, OM_EMANIFEST, "cannot write '%s': field %zu of %zu does not "
                          "exist", o->path, j->index[i], L->schema->n);
  }
  j->name_field = pick_name_field(j);
  j->desc_field = schema_find(L->schema, "description");
  if (!is_written(j, j->desc_field))
    j->desc_field = -1;
  j->class_field = L->style ? schema_find(L->schema, L->style->field) : -1;
  for (size_t i = 0; i < j->nfields; i++)
    j->data[i] = (long)j->index[i] != j->name_field && (long)j->index[i] != j->desc_field;
  return 0;
}

int om_write_kml(const struct om_layer_data *L, const struct om_output_opts *o,
                 struct om_diag *d)
{
  struct job j = {.L = L, .o = o, .d = d};
  j.prec = o->precision < 0 ? DEFAULT_PRECISION
           : o->precision > MAX_PRECISION ? MAX_PRECISION : o->precision;
  char *styles = NULL, *stdio_buf = NULL;
  struct om_atomic a = {.f = NULL};
  int rc = plan(&j);
  if (rc == 0)
    rc = find_wide(&j);
  if (rc == 0 && L->style && !(styles = om_style_kml(L->style)))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0 && !(stdio_buf = malloc(BUF_SIZE)))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0)
    rc = om_atomic_open(&a, o->path, d);
  if (rc == 0) {
    j.f = a.f;
    setvbuf(a.f, stdio_buf, _IOFBF, BUF_SIZE);
    put_head(&j, styles);
    rc = put_placemarks(&j);
    fputs("</Document>\n</kml>\n", a.f);
    if (rc == 0 && (fflush(a.f) != 0 || ferror(a.f)))
      rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", o->path, strerror(errno));
    if (rc == 0)
      rc = om_atomic_commit(&a, d); /* closes the file before its buffer goes */
  }
  om_atomic_abort(&a);
  free(stdio_buf);
  free(styles);
  free(j.index);
  free(j.data);
  free(j.wide);
  return rc;
}
