/*
 * The reader for everything GDAL opens as vector data: spreadsheets (XLSX,
 * ODS), GeoPackage, GeoJSON, Shapefile, and CSV through a connection
 * string.  Values leave as canonical text (integers as digits, reals in
 * the shortest form that reads back to the same double, dates in ISO
 * 8601) and geometries as 2D ISO WKB, little-endian, in the layer's data
 * axis order (GDAL gives layers the traditional longitude, latitude order).
 *
 * GDAL reports through a per-thread handler stack: while this reader calls
 * into GDAL, its handler sends warnings to the om_diag (a few per source,
 * not one per record) and keeps the first failure for the error message.
 *
 * Strings are checked as UTF-8 like any other source, since DBF files and
 * CSV often are not (see open_source for who converts a declared encoding).
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "io/read_internal.h"

#define MAX_GDAL_WARNINGS 10 /* per source; then one line says the rest are not shown */

struct ogr_reader {
  struct om_reader base;
  GDALDatasetH ds;          /* the open dataset */
  OGRLayerH layer;          /* the layer read, owned by ds */
  OGRFeatureH feat;         /* the current feature, or NULL */
  int *ogr_types;           /* OGRFieldType per field */
  long records;             /* features read */
  long long count;          /* features in the layer when cheap to know, else -1 */
  struct om_read_buf text;  /* formatted values of the current feature */
  size_t *offs;             /* offset in text per field, SIZE_MAX for null */
  char **values;            /* handed out in records */
  size_t *lens;             /* their lengths */
  unsigned char *wkb;       /* geometry of the current feature */
  size_t wkb_cap;           /* bytes allocated at wkb */
  int warnings;             /* GDAL warnings passed on */
};

/* What the GDAL error handler needs while one call into GDAL runs. */
struct gdal_errors {
  struct om_diag *d; /* where warnings go */
  const char *path;  /* the source, for messages */
  int *warnings;     /* warnings passed on for this source so far */
  bool failed;       /* a CE_Failure or CE_Fatal came */
  char msg[512];     /* the first of them */
};

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void init_once(void)
{
  GDALAllRegister();
  c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static void CPL_STDCALL on_gdal_error(CPLErr cls, CPLErrorNum no, const char *msg)
{
  (void)no;
  struct gdal_errors *e = CPLGetErrorHandlerUserData();
  if (!e || cls == CE_None || cls == CE_Debug)
    return;
  if (cls == CE_Warning) {
    int n = (*e->warnings)++;
    if (n < MAX_GDAL_WARNINGS)
      om_diag_warn(e->d, "'%s': GDAL: %s", e->path, msg);
    else if (n == MAX_GDAL_WARNINGS)
      om_diag_warn(e->d, "'%s': further GDAL warnings are not shown", e->path);
    return;
  }
  if (e->failed)
    return;
  e->failed = true;
  snprintf(e->msg, sizeof e->msg, "%s", msg);
  size_t n = strlen(e->msg);
  while (n > 0 && (e->msg[n - 1] == '.' || e->msg[n - 1] == '\n' || e->msg[n - 1] == ' '))
    e->msg[--n] = '\0';
}

/* GDAL's message without the path it starts with ("`x' not recognized", "x: No such"). */
static const char *without_path(const char *msg, const char *path)
{
  size_t n = strlen(path);
  if (msg[0] == '`' && strncmp(msg + 1, path, n) == 0 && msg[n + 1] == '\'' && msg[n + 2] == ' ')
    return msg + n + 3;
  if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
    return msg + n + 2;
  return msg;
}

static void errors_push(struct gdal_errors *e, struct ogr_reader *g, struct om_diag *d)
{
  memset(e, 0, sizeof *e);
  e->d = d;
  e->path = g->base.path;
  e->warnings = &g->warnings;
  CPLPushErrorHandlerEx(on_gdal_error, e);
}

/* "'a', 'b', 'c'": the layer names of ds, for messages. */
static void list_layers(GDALDatasetH ds, char *out, size_t size)
{
  size_t n = 0;
  out[0] = '\0';
  int count = GDALDatasetGetLayerCount(ds);
  for (int i = 0; i < count && n + 1 < size; i++) {
    const char *name = OGR_L_GetName(GDALDatasetGetLayer(ds, i));
    int k = snprintf(out + n, size - n, "%s'%s'", i ? ", " : "", name);
    n += k > 0 ? (size_t)k : 0;
  }
  if (n >= size && size > 4)
    strcpy(out + size - 4, "...");
}

/* Choose the layer: the one named, or the only one (a QGIS layer_styles table aside). */
static int choose_layer(struct ogr_reader *g, const char *name, struct om_diag *d)
{
  const char *path = g->base.path;
  char names[1024];
  if (name) {
    g->layer = GDALDatasetGetLayerByName(g->ds, name);
    if (g->layer)
      return 0;
    list_layers(g->ds, names, sizeof names);
    return om_diag_fail(d, OM_EMANIFEST, "'%s' has no layer '%s' (layers: %s)", path, name,
                        names);
  }
  int count = GDALDatasetGetLayerCount(g->ds);
  int data = 0;
  for (int i = 0; i < count; i++) {
    OGRLayerH l = GDALDatasetGetLayer(g->ds, i);
    if (count > 1 && strcmp(OGR_L_GetName(l), "layer_styles") == 0)
      continue;
    g->layer = l;
    data++;
  }
  if (data == 1)
    return 0;
  g->layer = NULL;
  if (count == 0)
    return om_diag_fail(d, OM_EMANIFEST, "'%s' has no layers", path);
  list_layers(g->ds, names, sizeof names);
  return om_diag_fail(d, OM_EMANIFEST, "'%s' has %d layers (%s): name one with source.layer",
                      path, count, names);
}

/* The field names and types of the chosen layer. */
static int read_schema(struct ogr_reader *g, bool csv_driver, struct om_diag *d)
{
  struct om_reader *r = &g->base;
  OGRFeatureDefnH fd = OGR_L_GetLayerDefn(g->layer);
  size_t n = (size_t)OGR_FD_GetFieldCount(fd);
  if (n > r->max_fields)
    return om_diag_fail(d, OM_EMANIFEST, "'%s': %zu columns, limit %zu (source.max_fields)",
                        r->path, n, r->max_fields);
  size_t alloc = n ? n : 1;
  r->names = calloc(alloc, sizeof *r->names);
  r->types = calloc(alloc, sizeof *r->types);
  g->ogr_types = calloc(alloc, sizeof *g->ogr_types);
  g->offs = calloc(alloc, sizeof *g->offs);
  g->values = calloc(alloc, sizeof *g->values);
  g->lens = calloc(alloc, sizeof *g->lens);
  if (!r->names || !r->types || !g->ogr_types || !g->offs || !g->values || !g->lens)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    OGRFieldDefnH f = OGR_FD_GetFieldDefn(fd, (int)i);
    r->names[i] = strdup(OGR_Fld_GetNameRef(f));
    if (!r->names[i])
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    r->nfields = i + 1;
    size_t bad;
    int rc = om_read_decode_name(r, &r->names[i], strlen(r->names[i]), &bad);
    if (rc < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    if (rc > 0)
      return om_diag_fail(d, OM_EMANIFEST,
                          "'%s': the name of field %zu is not %s at byte %zu; declare "
                          "source.encoding",
                          r->path, i + 1, om_encoding_name(r->encoding), bad + 1);
    OGRFieldType t = OGR_Fld_GetType(f);
    g->ogr_types[i] = (int)t;
    if (t == OFTInteger || t == OFTInteger64)
      r->types[i] = OM_FIELD_INTEGER;
    else if (t == OFTReal)
      r->types[i] = OM_FIELD_REAL;
    else if (t == OFTString && csv_driver)
      r->types[i] = -1; /* GDAL's CSV calls every column a string: no real type */
    else
      r->types[i] = OM_FIELD_STRING;
  }
  return 0;
}

/* The layer's CRS as "AUTH:CODE", else as WKT; NULL when it has none. */
static int read_crs(struct ogr_reader *g, struct om_diag *d)
{
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(g->layer);
  if (!srs)
    return 0;
  const char *auth = OSRGetAuthorityName(srs, NULL);
  const char *code = OSRGetAuthorityCode(srs, NULL);
  if (auth && code) {
    if (asprintf(&g->base.crs, "%s:%s", auth, code) < 0) {
      g->base.crs = NULL;
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
    return 0;
  }
  char *wkt = NULL;
  const char *const opts[] = {"FORMAT=WKT2_2019", NULL};
  if (OSRExportToWktEx(srs, &wkt, opts) != OGRERR_NONE || !wkt) {
    CPLFree(wkt);
    return 0;
  }
  g->base.crs = strdup(wkt);
  CPLFree(wkt);
  return g->base.crs ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
}

static GDALDatasetH open_dataset(const char *path, const char *const *options)
{
  return GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, NULL,
                    options, NULL);
}

/*
 * Open the source and settle who converts its text.  GDAL's Shapefile
 * driver recodes DBF text itself when it knows the code page; with a
 * declared encoding it is reopened to hand over the bytes as they are, to
 * be converted and checked here.  GDAL's CSV driver always hands over the
 * bytes as they are.  Other drivers give UTF-8, and a declaration is
 * ignored with a warning rather than applied twice.
 */
static int open_source(struct ogr_reader *g, const struct om_reader_opts *o,
                       struct gdal_errors *e, struct om_diag *d)
{
  struct om_reader *r = &g->base;
  g->ds = open_dataset(o->path, NULL);
  if (!g->ds)
    return om_diag_fail(d, OM_EIO, "cannot open '%s': %s", o->path,
                        e->failed ? without_path(e->msg, o->path)
                                  : "not a vector source GDAL can read");
  GDALDriverH drv = GDALGetDatasetDriver(g->ds);
  const char *driver = drv ? GDALGetDriverShortName(drv) : "?";
  bool csv_driver = strcmp(driver, "CSV") == 0;
  if (r->recoder && strcmp(driver, "ESRI Shapefile") == 0) {
    const char *const raw[] = {"ENCODING=", NULL};
    GDALClose(g->ds);
    g->ds = open_dataset(o->path, raw);
    if (!g->ds)
      return om_diag_fail(d, OM_EIO, "cannot open '%s': %s", o->path,
                          e->failed ? without_path(e->msg, o->path) : "reopening failed");
  } else if (r->recoder && !csv_driver) {
    om_diag_warn(d, "'%s': source.encoding %s is ignored: GDAL's %s driver reads text as UTF-8",
                 r->path, om_encoding_name(r->encoding), driver);
    om_recoder_free(r->recoder);
    r->recoder = NULL;
    r->encoding = OM_ENCODING_UTF8;
  }
  int rc = choose_layer(g, o->layer, d);
  if (rc == 0)
    rc = read_schema(g, csv_driver, d);
  if (rc == 0)
    rc = read_crs(g, d);
  if (rc == 0)
    OGR_L_ResetReading(g->layer);
  return rc;
}

/* Append a NUL-terminated value for field i to the text buffer. */
static int put_value(struct ogr_reader *g, size_t i, const char *s, size_t len)
{
  if (om_read_buf_reserve(&g->text, len + 1) < 0)
    return OM_ENOMEM;
  g->offs[i] = g->text.len;
  memcpy(g->text.p + g->text.len, s, len);
  g->text.len += len;
  g->text.p[g->text.len++] = '\0';
  g->lens[i] = len;
  return 0;
}

/* The shortest of %.15g, %.16g and %.17g that reads back to v. */
static void format_real(char buf[32], double v)
{
  if (isnan(v)) {
    strcpy(buf, "NaN");
    return;
  }
  if (isinf(v)) {
    strcpy(buf, v > 0 ? "Infinity" : "-Infinity");
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, 32, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

/* Date, time or date-time as ISO 8601; the time zone flag as GDAL keeps it. */
static void format_datetime(char buf[64], OGRFeatureH f, int i, int type)
{
  int y = 0, mo = 0, dd = 0, h = 0, mi = 0, tz = 0;
  float sec = 0;
  OGR_F_GetFieldAsDateTimeEx(f, i, &y, &mo, &dd, &h, &mi, &sec, &tz);
  char time[32];
  if (sec == floorf(sec))
    snprintf(time, sizeof time, "%02d:%02d:%02d", h, mi, (int)sec);
  else
    snprintf(time, sizeof time, "%02d:%02d:%06.3f", h, mi, (double)sec);
  if (type == OFTDate) {
    snprintf(buf, 64, "%04d-%02d-%02d", y, mo, dd);
    return;
  }
  if (type == OFTTime) {
    snprintf(buf, 64, "%s", time);
    return;
  }
  char zone[16] = "";
  if (tz == 100) {
    strcpy(zone, "Z");
  } else if (tz > 1) {
    int minutes = (tz - 100) * 15;
    int a = abs(minutes);
    snprintf(zone, sizeof zone, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
  }
  snprintf(buf, 64, "%04d-%02d-%02dT%s%s", y, mo, dd, time, zone);
}

/* Format every field of the current feature into text; NULL stays NULL. */
static int format_values(struct ogr_reader *g)
{
  OGRFeatureH f = g->feat;
  g->text.len = 0;
  char buf[64];
  for (size_t i = 0; i < g->base.nfields; i++) {
    int k = (int)i;
    g->offs[i] = SIZE_MAX;
    g->lens[i] = 0;
    if (!OGR_F_IsFieldSetAndNotNull(f, k))
      continue;
    int rc;
    switch (g->ogr_types[i]) {
    case OFTInteger:
    case OFTInteger64:
      snprintf(buf, sizeof buf, "%lld", (long long)OGR_F_GetFieldAsInteger64(f, k));
      rc = put_value(g, i, buf, strlen(buf));
      break;
    case OFTReal:
      format_real(buf, OGR_F_GetFieldAsDouble(f, k));
      rc = put_value(g, i, buf, strlen(buf));
      break;
    case OFTDate:
    case OFTTime:
    case OFTDateTime:
      format_datetime(buf, f, k, g->ogr_types[i]);
      rc = put_value(g, i, buf, strlen(buf));
      break;
    default: {
      const char *s = OGR_F_GetFieldAsString(f, k);
      rc = put_value(g, i, s, strlen(s));
      break;
    }
    }
    if (rc < 0)
      return rc;
  }
  for (size_t i = 0; i < g->base.nfields; i++)
    g->values[i] = g->offs[i] == SIZE_MAX ? NULL : g->text.p + g->offs[i];
  return 0;
}

/* The feature's geometry as 2D ISO WKB in g->wkb; *len 0 when it has none. */
static int export_geometry(struct ogr_reader *g, size_t *len)
{
  *len = 0;
  OGRGeometryH geom = OGR_F_GetGeometryRef(g->feat);
  if (!geom)
    return 0;
  OGRGeometryH linear = NULL;
  if (OGR_G_HasCurveGeometry(geom, TRUE)) {
    linear = OGR_G_GetLinearGeometry(geom, 0, NULL);
    if (linear)
      geom = linear;
  }
  OGR_G_FlattenTo2D(geom);
  OGR_G_SetMeasured(geom, FALSE);
  size_t n = OGR_G_WkbSizeEx(geom);
  int rc = 0;
  if (n > g->wkb_cap) {
    unsigned char *p = realloc(g->wkb, n);
    if (p) {
      g->wkb = p;
      g->wkb_cap = n;
    } else {
      rc = OM_ENOMEM;
    }
  }
  if (rc == 0 && OGR_G_ExportToIsoWkb(geom, wkbNDR, g->wkb) != OGRERR_NONE)
    rc = 1;
  if (rc == 0)
    *len = n;
  if (linear)
    OGR_G_DestroyGeometry(linear);
  return rc;
}

static int reject(struct om_diag *d, const struct om_pos *at, const char *field,
                  enum om_reason why, const char *detail, const char *value)
{
  int rc = om_diag_reject(d, at, field, why, detail, value);
  return rc < 0 ? rc : OM_READ_REJECTED;
}

/* Check the formatted feature: empty, too long, then encoding. */
static int check_feature(struct ogr_reader *g, struct om_record *rec, struct om_diag *d)
{
  struct om_reader *r = &g->base;
  bool empty = rec->wkb_len == 0;
  for (size_t i = 0; i < r->nfields && empty; i++)
    empty = !g->values[i] || !*g->values[i];
  if (empty)
    return reject(d, &rec->pos, NULL, OM_REASON_EMPTY_RECORD, NULL, NULL);
  for (size_t i = 0; i < r->nfields; i++) {
    if (!g->values[i] || g->lens[i] <= r->max_field_bytes || r->types[i] == OM_FIELD_INTEGER ||
        r->types[i] == OM_FIELD_REAL)
      continue;
    char detail[96];
    char sample[OM_READ_SAMPLE_BYTES + 1];
    size_t n = om_utf8_prefix(g->values[i], OM_READ_SAMPLE_BYTES);
    memcpy(sample, g->values[i], n);
    sample[n] = '\0';
    snprintf(detail, sizeof detail, "%zu bytes, limit %zu", g->lens[i], r->max_field_bytes);
    return reject(d, &rec->pos, r->names[i], OM_REASON_FIELD_TOO_LONG, detail, sample);
  }
  int rc = om_read_decode(r, g->values, g->lens, r->nfields, &rec->pos, d);
  if (rc != OM_READ_OK)
    return rc;
  rec->nvalues = r->nfields;
  rec->values = g->values;
  return OM_READ_OK;
}

static int ogr_next(struct om_reader *r, struct om_record *rec, struct om_diag *d)
{
  struct ogr_reader *g = (struct ogr_reader *)r;
  memset(rec, 0, sizeof *rec);
  struct gdal_errors e;
  errors_push(&e, g, d);
  if (g->feat)
    OGR_F_Destroy(g->feat);
  g->feat = OGR_L_GetNextFeature(g->layer);
  if (!g->feat) {
    CPLPopErrorHandler();
    if (e.failed)
      return om_diag_fail(d, OM_EIO, "cannot read '%s': %s", r->path, e.msg);
    return OM_READ_END;
  }
  g->records++;
  rec->pos.file = r->path;
  rec->pos.record = g->records;
  rec->pos.line = 0;
  locale_t old = uselocale(c_locale);
  int rc = format_values(g);
  uselocale(old);
  size_t wkb_len = 0;
  int grc = rc == 0 ? export_geometry(g, &wkb_len) : 0;
  CPLPopErrorHandler();
  if (e.failed)
    om_diag_warn(d, "'%s': record %ld: GDAL: %s", r->path, g->records, e.msg);
  if (rc < 0 || grc < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (grc > 0)
    return reject(d, &rec->pos, NULL, OM_REASON_GEOMETRY_INVALID,
                  "GDAL cannot write it as WKB", NULL);
  rec->wkb = wkb_len ? g->wkb : NULL;
  rec->wkb_len = wkb_len;
  return check_feature(g, rec, d);
}

static void ogr_close(struct om_reader *r)
{
  struct ogr_reader *g = (struct ogr_reader *)r;
  if (g->feat)
    OGR_F_Destroy(g->feat);
  if (g->ds) {
    CPLPushErrorHandler(CPLQuietErrorHandler); /* nowhere to report; never print */
    GDALClose(g->ds);
    CPLPopErrorHandler();
  }
  free(g->ogr_types);
  free(g->text.p);
  free(g->offs);
  free(g->values);
  free(g->lens);
  free(g->wkb);
}

static double ogr_progress(const struct om_reader *r)
{
  const struct ogr_reader *g = (const struct ogr_reader *)r;
  if (g->count <= 0)
    return -1;
  double done = (double)g->records / (double)g->count;
  return done > 1 ? 1 : done;
}

static const struct om_reader_ops ogr_ops = {ogr_next, ogr_close, ogr_progress};

int om_read_ogr_open(struct om_reader **out, const struct om_reader_opts *o, struct om_diag *d)
{
  *out = NULL;
  pthread_once(&gdal_once, init_once);
  if (!c_locale)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  struct ogr_reader *g = calloc(1, sizeof *g);
  if (!g)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  g->base.ops = &ogr_ops;
  int rc = om_read_base_init(&g->base, o, d);
  if (rc == 0) {
    struct gdal_errors e;
    errors_push(&e, g, d);
    rc = open_source(g, o, &e, d);
    /* Only a count the driver knows without a pass over the data. */
    g->count = rc == 0 && OGR_L_TestCapability(g->layer, OLCFastFeatureCount)
                   ? (long long)OGR_L_GetFeatureCount(g->layer, 0)
                   : -1;
    CPLPopErrorHandler();
  }
  if (rc < 0) {
    om_reader_free(&g->base);
    return rc;
  }
  *out = &g->base;
  return 0;
}
