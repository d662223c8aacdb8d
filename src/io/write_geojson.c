/*
 * RFC 7946 GeoJSON: one FeatureCollection, one feature per line.
 *
 * The writer streams the spool twice: the first pass computes the "bbox"
 * member over the geometries as they will be written (a polygon cut at the
 * antimeridian spans -180..180, which its source envelope does not say),
 * so that bbox can come before "features" where readers expect it; the
 * second pass writes.  Points, most of any layer, are read straight from
 * their 21 bytes of WKB and never reach GEOS.
 *
 * Speed comes from formatting into a private 1 MiB buffer, with keys
 * escaped once per layer and coordinates printed by a fixed-point routine
 * rather than printf: a million points with eight properties take about a
 * second.  A coordinate is rounded half away from zero at o->precision
 * decimals (default 6, about 11 cm), with trailing zeros trimmed and -0
 * written as 0.
 *
 * Features carry no "id": the source record number changes whenever rows
 * are inserted upstream, and a web map keying feature state on it would
 * silently attach state to the wrong site.  A stable id, where the layer
 * has one, is among the properties.
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

#define BUF_SIZE (1u << 20)
#define MAX_DEPTH 32
#define DEFAULT_PRECISION 6
#define MAX_PRECISION 15

/* The output stream: a private buffer in front of the temporary file. */
struct out {
  FILE *f;       /* the temporary file */
  char *buf;     /* BUF_SIZE bytes, owned */
  size_t len;    /* bytes waiting in buf */
  size_t flushed; /* bytes handed to f */
  int err;       /* errno of the first failed write, or 0 */
  int prec;      /* decimals for coordinates */
  double scale;  /* 10^prec */
  uint64_t p10;  /* 10^prec */
  bool nonfinite; /* a coordinate was NaN or infinite */
};

static void out_flush(struct out *o)
{
  if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
    o->err = errno ? errno : EIO;
  o->flushed += o->len;
  o->len = 0;
}

/* Room for n more bytes at o->buf + o->len (n <= BUF_SIZE). */
static inline char *out_room(struct out *o, size_t n)
{
  if (BUF_SIZE - o->len < n)
    out_flush(o);
  return o->buf + o->len;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
  if (n > BUF_SIZE / 2) {
    out_flush(o);
    if (!o->err && fwrite(s, 1, n, o->f) != n)
      o->err = errno ? errno : EIO;
    o->flushed += n;
    return;
  }
  memcpy(out_room(o, n), s, n);
  o->len += n;
}

#define OUT_LIT(o, lit) out_mem(o, lit, sizeof lit - 1)

static inline void out_char(struct out *o, char c)
{
  *out_room(o, 1) = c;
  o->len++;
}

static char *put_uint(char *p, uint64_t u)
{
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  while (n)
    *p++ = tmp[--n];
  return p;
}

/* Trim trailing zeros (and a bare point) of the decimal number in [start, end). */
static char *trim_zeros(char *start, char *end)
{
  char *dot = memchr(start, '.', (size_t)(end - start));
  if (!dot)
    return end;
  while (end > dot + 1 && end[-1] == '0')
    end--;
  return end == dot + 1 ? dot : end;
}

/* v with o->prec decimals, at most 48 bytes, at p; returns the end. */
static char *put_coord(struct out *o, char *p, double v)
{
  if (!isfinite(v)) {
    o->nonfinite = true;
    *p++ = '0';
    return p;
  }
  double s = v * o->scale;
  if (fabs(s) >= 9e15) { /* beyond exact int64 arithmetic: let printf round */
    char tmp[400];
    int n = snprintf(tmp, sizeof tmp, "%.*f", o->prec, v);
    if (n < 0 || n > 47) { /* only absurd magnitudes get here; keep 17 digits */
      n = snprintf(tmp, sizeof tmp, "%.17g", v);
      memcpy(p, tmp, (size_t)n);
      return p + n;
    }
    memcpy(p, tmp, (size_t)n);
    return trim_zeros(p, p + n);
  }
  long long n = llround(s);
  if (n == 0) {
    *p++ = '0';
    return p;
  }
  uint64_t u = n < 0 ? (uint64_t)-n : (uint64_t)n;
  if (n < 0)
    *p++ = '-';
  p = put_uint(p, u / o->p10);
  uint64_t frac = u % o->p10;
  if (frac == 0)
    return p;
  *p++ = '.';
  for (int i = o->prec - 1; i >= 0; i--) {
    p[i] = (char)('0' + frac % 10);
    frac /= 10;
  }
  p += o->prec;
  while (p[-1] == '0')
    p--;
  return p;
}

/* "[x,y]" */
static inline void out_position(struct out *o, double x, double y)
{
  char *p = out_room(o, 100), *start = p;
  *p++ = '[';
  p = put_coord(o, p, x);
  *p++ = ',';
  p = put_coord(o, p, y);
  *p++ = ']';
  o->len += (size_t)(p - start);
}

/*
 * A JSON string: quotes, backslash and controls escaped, and U+2028 and
 * U+2029 too, which JavaScript before ES2019 does not accept raw.  The
 * text is valid UTF-8 (checked when read).
 */
static void out_string(struct out *o, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s, *run = p;
  out_char(o, '"');
  for (;; p++) {
    unsigned char c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0xE2)
      continue;
    if (c == 0xE2 && !(p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)))
      continue;
    out_mem(o, (const char *)run, (size_t)(p - run));
    if (c == '\0')
      break;
    char esc[6] = {'\\', 0};
    size_t n = 2;
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case 0xE2: /* U+2028 or U+2029 */
      memcpy(esc + 1, p[2] == 0xA8 ? "u2028" : "u2029", 5);
      n = 6;
      p += 2;
      break;
    default:
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      n = 6;
    }
    out_mem(o, esc, n);
    run = p + 1;
  }
  out_char(o, '"');
}

/* True if s is a number in JSON's grammar. */
static bool is_json_number(const char *s)
{
#define DIGIT(c) ((c) >= '0' && (c) <= '9')
  if (*s == '-')
    s++;
  if (*s == '0')
    s++;
  else if (DIGIT(*s))
    while (DIGIT(*s))
      s++;
  else
    return false;
  if (*s == '.') {
    if (!DIGIT(s[1]))
      return false;
    for (s++; DIGIT(*s);)
      s++;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-')
      s++;
    if (!DIGIT(*s))
      return false;
    while (DIGIT(*s))
      s++;
  }
  return *s == '\0';
#undef DIGIT
}

/* ---- Geometry ---------------------------------------------------------- */

/* A little-endian WKB blob being read. */
struct rd {
  const unsigned char *p; /* the blob */
  size_t len, pos;        /* size, next byte */
};

static bool rd_u32(struct rd *r, uint32_t *v)
{
  if (r->len - r->pos < 4)
    return false;
  const unsigned char *p = r->p + r->pos;
  *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  r->pos += 4;
  return true;
}

static double get_f64(const unsigned char *p)
{
  uint64_t u = 0;
  for (int i = 0; i < 8; i++)
    u |= (uint64_t)p[i] << (8 * i);
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* Header of a geometry: its type; false when malformed or not little-endian. */
static bool rd_head(struct rd *r, uint32_t *type)
{
  if (r->len - r->pos < 5 || r->p[r->pos] != 1)
    return false;
  r->pos++;
  return rd_u32(r, type);
}

/* "[[x,y],...]" from a count and its pairs. */
static bool out_seq(struct out *o, struct rd *r)
{
  uint32_t n;
  if (!rd_u32(r, &n) || n > (r->len - r->pos) / 16)
    return false;
  out_char(o, '[');
  for (uint32_t i = 0; i < n; i++) {
    if (i)
      out_char(o, ',');
    const unsigned char *q = r->p + r->pos + 16 * (size_t)i;
    out_position(o, get_f64(q), get_f64(q + 8));
  }
  out_char(o, ']');
  r->pos += 16 * (size_t)n;
  return true;
}

static bool out_rings(struct out *o, struct rd *r)
{
  uint32_t n;
  if (!rd_u32(r, &n) || n > (r->len - r->pos) / 4)
    return false;
  out_char(o, '[');
  for (uint32_t i = 0; i < n; i++) {
    if (i)
      out_char(o, ',');
    if (!out_seq(o, r))
      return false;
  }
  out_char(o, ']');
  return true;
}

/* A point's coordinates at p: "[x,y]", or "[]" when empty (NaN, NaN). */
static void out_point(struct out *o, const unsigned char *p)
{
  double x = get_f64(p), y = get_f64(p + 8);
  if (isnan(x) && isnan(y))
    OUT_LIT(o, "[]");
  else
    out_position(o, x, y);
}

static bool out_geometry(struct out *o, struct rd *r, int depth)
{
  static const char *const names[] = {"", "Point", "LineString", "Polygon", "MultiPoint",
                                      "MultiLineString", "MultiPolygon", "GeometryCollection"};
  uint32_t type, n;
  if (depth > MAX_DEPTH || !rd_head(r, &type) || type < 1 || type > 7)
    return false;
  OUT_LIT(o, "{\"type\":\"");
  out_mem(o, names[type], strlen(names[type]));
  if (type == OM_WKB_GEOMETRYCOLLECTION) {
    OUT_LIT(o, "\",\"geometries\":[");
    if (!rd_u32(r, &n) || n > (r->len - r->pos) / 9)
      return false;
    for (uint32_t i = 0; i < n; i++) {
      if (i)
        out_char(o, ',');
      if (!out_geometry(o, r, depth + 1))
        return false;
    }
    OUT_LIT(o, "]}");
    return true;
  }
  OUT_LIT(o, "\",\"coordinates\":");
  switch (type) {
  case OM_WKB_POINT:
    if (r->len - r->pos < 16)
      return false;
    out_point(o, r->p + r->pos);
    r->pos += 16;
    break;
  case OM_WKB_LINESTRING:
    if (!out_seq(o, r))
      return false;
    break;
  case OM_WKB_POLYGON:
    if (!out_rings(o, r))
      return false;
    break;
  default: { /* the Multi types: members with headers of their own */
    if (!rd_u32(r, &n) || n > (r->len - r->pos) / 9)
      return false;
    out_char(o, '[');
    bool first = true;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t member;
      if (!rd_head(r, &member) || member != type - 3)
        return false;
      if (member == OM_WKB_POINT) {
        if (r->len - r->pos < 16)
          return false;
        const unsigned char *q = r->p + r->pos;
        r->pos += 16;
        if (isnan(get_f64(q)) && isnan(get_f64(q + 8)))
          continue; /* an empty point has no position to list */
      }
      if (!first)
        out_char(o, ',');
      first = false;
      if (member == OM_WKB_POINT)
        out_position(o, get_f64(r->p + r->pos - 16), get_f64(r->p + r->pos - 8));
      else if (!(member == OM_WKB_LINESTRING ? out_seq(o, r) : out_rings(o, r)))
        return false;
    }
    out_char(o, ']');
  }
  }
  out_char(o, '}');
  return true;
}

/* ---- The layer ---------------------------------------------------------- */

/* A little-endian 2D point, the case worth a shortcut. */
static inline bool is_plain_point(const unsigned char *wkb, size_t len)
{
  return len == 21 && wkb[0] == 1 && wkb[1] == 1 && wkb[2] == 0 && wkb[3] == 0 && wkb[4] == 0;
}

/* Keeps the last warning of a geometry step, to repeat it with the record. */
static void keep_line(void *ctx, enum om_level level, const char *line)
{
  (void)level;
  snprintf(ctx, 512, "%s", line);
}

/* What both passes share. */
struct job {
  const struct om_layer_data *L;
  const struct om_output_opts *o;
  struct om_diag *d;      /* the caller's */
  struct om_diag geo;     /* for om_geom_rfc7946, whose messages lack the record */
  char warning[512];      /* geo's last warning */
  size_t nfields;         /* fields written */
  const size_t *index;    /* their schema indices, or NULL for 0..nfields-1 */
  char *keys;             /* ',"name":' of every field, one after the other */
  size_t *key_off;        /* nfields + 1 offsets into keys */
};

/*
 * The geometry of f as it will be written: *wkb points at f's own blob
 * for a plain point, otherwise at *owned (free()).  0 or a negative code
 * with d's message naming the file and record.
 */
static int written_geometry(struct job *j, const struct om_feature *f, const unsigned char **wkb,
                            size_t *len, unsigned char **owned)
{
  *owned = NULL;
  if (f->wkb_len == 0 || is_plain_point(f->wkb, f->wkb_len)) {
    *wkb = f->wkb;
    *len = f->wkb_len;
    return 0;
  }
  long warnings = j->geo.warnings;
  int rc = om_geom_rfc7946(owned, len, f->wkb, f->wkb_len, &j->geo);
  if (rc < 0)
    return om_diag_fail(j->d, rc, "cannot write '%s': record %ld: %s", j->o->path, f->record,
                        j->geo.msg);
  if (j->geo.warnings != warnings)
    om_diag_warn(j->d, "%s: record %ld: %s", j->o->path, f->record, j->warning);
  *wkb = *owned;
  return 0;
}

/*
 * The envelope of the geometries as they will be written into env, with
 * *any false when there is none (an empty layer); 0 or a negative code.
 */
static int pass_bbox(struct job *j, double env[4], bool *any)
{
  struct om_spool_cursor c;
  struct om_feature f;
  int rc = 0, more;
  *any = false;
  struct om_diag quiet; /* the second pass repeats any warning */
  om_diag_init(&quiet);
  struct om_diag *d = j->d;
  j->d = &quiet;
  om_spool_cursor_init(&c, j->L->spool, OM_ORDER_SOURCE);
  while (rc == 0 && (more = om_spool_cursor_next(&c, &f)) != 0) {
    if (more < 0) {
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
      break;
    }
    const unsigned char *wkb;
    size_t len;
    unsigned char *owned;
    double e[4];
    bool have;
    if (is_plain_point(f.wkb, f.wkb_len)) {
      e[0] = e[2] = get_f64(f.wkb + 5);
      e[1] = e[3] = get_f64(f.wkb + 13);
      have = true;
      owned = NULL;
    } else {
      rc = written_geometry(j, &f, &wkb, &len, &owned);
      if (rc < 0) {
        om_diag_fail(d, rc, "%s", quiet.msg);
        break;
      }
      have = len > 0 && om_wkb_envelope(wkb, len, e) == 0;
    }
    /* NaN (an empty point) or infinity: the second pass reports the latter. */
    if (have && isfinite(e[0]) && isfinite(e[1]) && isfinite(e[2]) && isfinite(e[3])) {
      if (!*any) {
        memcpy(env, e, sizeof e);
        *any = true;
      }
      env[0] = fmin(env[0], e[0]);
      env[1] = fmin(env[1], e[1]);
      env[2] = fmax(env[2], e[2]);
      env[3] = fmax(env[3], e[3]);
    }
    free(owned);
  }
  om_spool_cursor_release(&c);
  j->d = d;
  return rc;
}

/*
 * ',"name":' for every written field, escaped once, into j->keys (one
 * block); field i's is j->keys[key_off[i] .. key_off[i + 1]).  0, or -1
 * when out of memory.
 */
static int make_keys(struct job *j)
{
  char *text = NULL;
  size_t size = 0;
  struct out o = {.buf = malloc(BUF_SIZE)};
  j->key_off = calloc(j->nfields + 1, sizeof *j->key_off);
  o.f = o.buf && j->key_off ? open_memstream(&text, &size) : NULL;
  if (!o.f) {
    free(o.buf);
    return -1;
  }
  for (size_t i = 0; i < j->nfields; i++) {
    j->key_off[i] = o.flushed + o.len;
    out_char(&o, ',');
    out_string(&o, j->L->schema->fields[j->index ? j->index[i] : i].name);
    out_char(&o, ':');
  }
  j->key_off[j->nfields] = o.flushed + o.len;
  out_flush(&o);
  int rc = fclose(o.f) != 0 || o.err ? -1 : 0;
  free(o.buf);
  j->keys = text;
  return rc;
}

static int pass_write(struct job *j, struct out *o)
{
  const struct om_schema *schema = j->L->schema;
  struct om_spool_cursor c;
  struct om_feature f;
  int rc = 0, more;
  bool first = true;
  om_spool_cursor_init(&c, j->L->spool, OM_ORDER_SOURCE);
  while (rc == 0 && !o->err && (more = om_spool_cursor_next(&c, &f)) != 0) {
    if (more < 0) {
      rc = om_diag_fail(j->d, OM_ENOMEM, "out of memory");
      break;
    }
    if (f.nvalues != schema->n) {
      rc = om_diag_fail(j->d, OM_EIO, "cannot write '%s': record %ld has %zu values for %zu fields",
                        j->o->path, f.record, f.nvalues, schema->n);
      break;
    }
    if (!first)
      out_char(o, ',');
    first = false;
    OUT_LIT(o, "\n{\"type\":\"Feature\",\"properties\":");
    out_char(o, '{');
    for (size_t i = 0; i < j->nfields; i++) {
      size_t k = j->index ? j->index[i] : i;
      const char *v = f.values[k];
      size_t skip = i == 0; /* no comma before the first */
      out_mem(o, j->keys + j->key_off[i] + skip, j->key_off[i + 1] - j->key_off[i] - skip);
      if (!v) {
        OUT_LIT(o, "null");
      } else if (schema->fields[k].type == OM_FIELD_STRING) {
        out_string(o, v);
      } else if (is_json_number(v)) {
        size_t n = strlen(v);
        out_mem(o, v, n);
        /* "3" in a real field: readers that guess types would make it an integer. */
        if (schema->fields[k].type == OM_FIELD_REAL && !memchr(v, '.', n) && !memchr(v, 'e', n) &&
            !memchr(v, 'E', n))
          OUT_LIT(o, ".0");
      } else {
        rc = om_diag_fail(j->d, OM_EIO, "cannot write '%s': record %ld: field '%s': '%s' is not a "
                          "number", j->o->path, f.record, schema->fields[k].name, v);
        break;
      }
    }
    if (rc < 0)
      break;
    OUT_LIT(o, "},\"geometry\":");

    if (is_plain_point(f.wkb, f.wkb_len)) {
      OUT_LIT(o, "{\"type\":\"Point\",\"coordinates\":");
      out_point(o, f.wkb + 5);
      OUT_LIT(o, "}}");
    } else if (f.wkb_len == 0) {
      OUT_LIT(o, "null}");
    } else {
      const unsigned char *wkb;
      size_t len;
      unsigned char *owned;
      rc = written_geometry(j, &f, &wkb, &len, &owned);
      if (rc < 0)
        break;
      struct rd r = {.p = wkb, .len = len};
      if (!out_geometry(o, &r, 0) || r.pos != len)
        rc = om_diag_fail(j->d, OM_EIO, "cannot write '%s': record %ld: malformed WKB",
                          j->o->path, f.record);
      free(owned);
      out_char(o, '}');
    }
    if (o->nonfinite && rc == 0)
      rc = om_diag_fail(j->d, OM_EIO, "cannot write '%s': record %ld: a coordinate is not a "
                        "finite number", j->o->path, f.record);
  }
  om_spool_cursor_release(&c);
  return rc;
}

/* The FeatureCollection's opening members up to '"features":['. */
static void out_head(struct job *j, struct out *o, const double env[4], bool any)
{
  const char *name = j->o->layer ? j->o->layer : j->L->name;
  OUT_LIT(o, "{\"type\":\"FeatureCollection\"");
  if (name) {
    OUT_LIT(o, ",\"name\":");
    out_string(o, name);
  }
  if (j->o->description) {
    OUT_LIT(o, ",\"description\":");
    out_string(o, j->o->description);
  }
  if (any) {
    char *p = out_room(o, 240), *start = p;
    memcpy(p, ",\"bbox\":[", 9);
    p += 9;
    for (int i = 0; i < 4; i++) {
      if (i)
        *p++ = ',';
      p = put_coord(o, p, env[i]);
    }
    *p++ = ']';
    o->len += (size_t)(p - start);
  }
  OUT_LIT(o, ",\"features\":[");
}

int om_write_geojson(const struct om_layer_data *L, const struct om_output_opts *o,
                     struct om_diag *d)
{
  struct job j = {.L = L, .o = o, .d = d};
  om_diag_init(&j.geo);
  j.geo.report = keep_line;
  j.geo.report_ctx = j.warning;
  j.nfields = o->field_index ? o->nfields : L->schema->n;
  j.index = o->field_index;
  for (size_t i = 0; j.index && i < j.nfields; i++)
    if (j.index[i] >= L->schema->n)
      return om_diag_fail(d, OM_EMANIFEST, "cannot write '%s': field %zu of %zu does not exist",
                          o->path, j.index[i], L->schema->n);

  struct out out = {.prec = o->precision < 0 ? DEFAULT_PRECISION : o->precision};
  if (out.prec > MAX_PRECISION)
    out.prec = MAX_PRECISION;
  out.p10 = 1;
  for (int i = 0; i < out.prec; i++)
    out.p10 *= 10;
  out.scale = (double)out.p10;

  double env[4] = {0, 0, 0, 0};
  bool any;
  int rc = pass_bbox(&j, env, &any);
  if (rc < 0)
    return rc;

  char *stdio_buf = malloc(BUF_SIZE);
  out.buf = malloc(BUF_SIZE);
  struct om_atomic a = {.f = NULL};
  if (make_keys(&j) < 0 || !stdio_buf || !out.buf) {
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
    goto done;
  }
  rc = om_atomic_open(&a, o->path, d);
  if (rc < 0)
    goto done;
  out.f = a.f;
  setvbuf(a.f, stdio_buf, _IOFBF, BUF_SIZE);

  out_head(&j, &out, env, any);
  rc = pass_write(&j, &out);
  OUT_LIT(&out, "\n]}\n");
  out_flush(&out);
  if (rc == 0 && out.err)
    rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", o->path, strerror(out.err));
  if (rc == 0)
    rc = om_atomic_commit(&a, d); /* closes the file before its buffer goes */
  else
    om_atomic_abort(&a);

done:
  free(j.keys);
  free(j.key_off);
  free(out.buf);
  free(stdio_buf);
  return rc;
}
