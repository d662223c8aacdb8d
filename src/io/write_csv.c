/*
 * CSV for spreadsheets and scripts: the layer's fields, then its location
 * as lat/lon columns when every feature is a point (gc_lat/gc_lon for a
 * geocoded layer, whose fields already say how the point was found) or as
 * a wkt column otherwise.  RFC 4180 quoting, UTF-8 without a byte order
 * mark, features in source order.
 *
 * Text cells that a spreadsheet would run as a formula (starting with
 * = + - @, a tab or a carriage return) get a leading apostrophe, which
 * spreadsheets show as text; numbers are written as they are, so "-12.5"
 * in a real field stays a number.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geom/geom.h"
#include "io/atomic.h"
#include "io/writer.h"

void om_csv_plain_cell(FILE *f, const char *s)
{
  if (!s)
    return;
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static bool needs_quotes(const char *s)
{
  return strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || (s[0] && s[strlen(s) - 1] == ' ');
}

static bool looks_like_formula(const char *s)
{
  return s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

static void cell(FILE *f, const char *s, bool text)
{
  if (!s)
    return;
  bool guard = text && looks_like_formula(s);
  if (!guard && !needs_quotes(s)) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  if (guard)
    fputc('\'', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* Are all features points?  0/1, or a negative code from the spool. */
static int all_points(const struct om_spool *s)
{
  struct om_spool_cursor c;
  struct om_feature f;
  int more = 0, points = 1;
  om_spool_cursor_init(&c, s, OM_ORDER_SOURCE);
  while (points && (more = om_spool_cursor_next(&c, &f)) > 0)
    points = om_wkb_type(f.wkb, f.wkb_len) == OM_WKB_POINT;
  om_spool_cursor_release(&c);
  return more < 0 ? more : points;
}

static bool has_field(const struct om_schema *s, const char *name)
{
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->fields[i].name, name))
      return true;
  return false;
}

static void coord(FILE *f, double v, int precision)
{
  char buf[48];
  int n = snprintf(buf, sizeof buf, "%.*f", precision, v);
  while (n > 0 && strchr(buf, '.') && buf[n - 1] == '0')
    buf[--n] = 0;
  if (n > 0 && buf[n - 1] == '.')
    buf[--n] = 0;
  fputs(buf, f);
}

int om_write_csv(const struct om_layer_data *L, const struct om_output_opts *o,
                 struct om_diag *d)
{
  const struct om_schema *s = L->schema;
  size_t n = o->field_index ? o->nfields : s->n;
  int points = all_points(L->spool);
  if (points < 0)
    return om_diag_fail(d, points, "cannot read the features of layer '%s'", L->name);
  bool geocoded = has_field(s, "gc_status");
  struct om_atomic a = {0};
  int rc = om_atomic_open(&a, o->path, d);
  if (rc < 0)
    return rc;
  FILE *f = a.f;
  for (size_t k = 0; k < n; k++) {
    cell(f, s->fields[o->field_index ? o->field_index[k] : k].name, false);
    fputc(',', f);
  }
  fputs(points ? (geocoded ? "gc_lat,gc_lon\r\n" : "lat,lon\r\n") : "wkt\r\n", f);

  struct om_spool_cursor c;
  struct om_feature feat;
  int more = 0;
  om_spool_cursor_init(&c, L->spool, OM_ORDER_SOURCE);
  while (rc == 0 && (more = om_spool_cursor_next(&c, &feat)) > 0) {
    for (size_t k = 0; k < n; k++) {
      size_t j = o->field_index ? o->field_index[k] : k;
      cell(f, feat.values[j], s->fields[j].type == OM_FIELD_STRING);
      fputc(',', f);
    }
    if (points) {
      coord(f, feat.env[1], o->precision);
      fputc(',', f);
      coord(f, feat.env[0], o->precision);
    } else {
      char *wkt = om_wkb_to_wkt(feat.wkb, feat.wkb_len, o->precision);
      if (!wkt)
        rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
      cell(f, wkt, false);
      free(wkt);
    }
    fputs("\r\n", f);
  }
  om_spool_cursor_release(&c);
  if (rc == 0 && more < 0)
    rc = om_diag_fail(d, more, "cannot read the features of layer '%s'", L->name);
  if (rc == 0 && ferror(f))
    rc = om_diag_fail(d, OM_EIO, "cannot write '%s'", o->path);
  if (rc == 0)
    return om_atomic_commit(&a, d);
  om_atomic_abort(&a);
  return rc;
}
