/*
 * The layers as the publishers see them (internal.h): read back from the
 * output each is published from, so that the QGIS project and the web
 * bundle describe what is on disk (geometry type, extent, CRS), not what
 * the manifest expects.
 */
#include "publish/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/path.h"
#include "io/atomic.h"

static const struct om_output_def *published_output(const struct om_layer_def *l)
{
  for (size_t i = 0; i < l->noutputs; i++)
    if (l->outputs[i].format == OM_FORMAT_GPKG)
      return &l->outputs[i];
  for (size_t i = 0; i < l->noutputs; i++)
    if (l->outputs[i].format == OM_FORMAT_GEOJSON)
      return &l->outputs[i];
  return NULL;
}

static enum om_style_geometry geometry_of(OGRwkbGeometryType t)
{
  switch (wkbFlatten(t)) {
  case wkbPoint:
  case wkbMultiPoint: return OM_STYLE_POINT;
  case wkbLineString:
  case wkbMultiLineString:
  case wkbCircularString:
  case wkbCompoundCurve:
  case wkbMultiCurve: return OM_STYLE_LINE;
  default: return OM_STYLE_POLYGON;
  }
}

/* The layer's CRS in the three forms QGIS reads, and its extent in WGS 84. */
static int describe_srs(struct om_pub_layer *pl, OGRLayerH lyr, struct om_diag *d)
{
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
  OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(NULL);
  OGRSpatialReferenceH own = srs ? OSRClone(srs) : OSRNewSpatialReference(NULL);
  if (!wgs84 || !own)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  OSRImportFromEPSG(wgs84, 4326);
  OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
  if (!srs)
    OSRImportFromEPSG(own, 4326); /* GeoJSON without a crs member is WGS 84 */
  OSRSetAxisMappingStrategy(own, OAMS_TRADITIONAL_GIS_ORDER);
  const char *wkt_opts[] = {"FORMAT=WKT2_2019", NULL};
  char *wkt = NULL, *proj4 = NULL;
  OSRExportToWktEx(own, &wkt, wkt_opts);
  OSRExportToProj4(own, &proj4);
  const char *auth = OSRGetAuthorityName(own, NULL), *code = OSRGetAuthorityCode(own, NULL);
  char authid[64] = "";
  if (auth && code)
    snprintf(authid, sizeof authid, "%s:%s", auth, code);
  pl->srs_wkt = strdup(wkt ? wkt : "");
  pl->srs_proj4 = strdup(proj4 ? proj4 : "");
  pl->srs_authid = strdup(authid);
  CPLFree(wkt);
  CPLFree(proj4);

  OGREnvelope env;
  pl->west = 1, pl->east = -1;
  if (OGR_L_GetExtent(lyr, &env, 1) == OGRERR_NONE) {
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(own, wgs84);
    double x[4] = {env.MinX, env.MaxX, env.MinX, env.MaxX};
    double y[4] = {env.MinY, env.MinY, env.MaxY, env.MaxY};
    if (ct && OCTTransform(ct, 4, x, y, NULL)) {
      pl->west = fmin(fmin(x[0], x[1]), fmin(x[2], x[3]));
      pl->east = fmax(fmax(x[0], x[1]), fmax(x[2], x[3]));
      pl->south = fmin(fmin(y[0], y[1]), fmin(y[2], y[3]));
      pl->north = fmax(fmax(y[0], y[1]), fmax(y[2], y[3]));
    }
    OCTDestroyCoordinateTransformation(ct);
  }
  OSRDestroySpatialReference(wgs84);
  OSRDestroySpatialReference(own);
  return pl->srs_wkt && pl->srs_proj4 && pl->srs_authid
             ? 0
             : om_diag_fail(d, OM_ENOMEM, "out of memory");
}

static int read_layer(struct om_pub_layer *pl, const struct om_project *p, struct om_diag *d)
{
  pl->path = om_path_join(p->dir, pl->out->path);
  if (pl->out->format == OM_FORMAT_GPKG)
    pl->table = strdup(pl->out->layer ? pl->out->layer : pl->def->name);
  if (!pl->path || (pl->out->format == OM_FORMAT_GPKG && !pl->table))
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (pl->def->style) {
    char *style = om_path_join(p->dir, pl->def->style);
    int rc = style ? om_style_load(&pl->style, style, d) : OM_ENOMEM;
    free(style);
    if (rc < 0)
      return rc == OM_ENOMEM ? om_diag_fail(d, rc, "out of memory") : rc;
  }
  GDALDatasetH ds = GDALOpenEx(pl->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!ds)
    return om_diag_fail(d, OM_EIO, "cannot open '%s' to publish layer '%s': %s", pl->out->path,
                        pl->def->name, CPLGetLastErrorMsg());
  OGRLayerH lyr = pl->table ? GDALDatasetGetLayerByName(ds, pl->table) : GDALDatasetGetLayer(ds, 0);
  int rc = 0;
  if (!lyr) {
    rc = om_diag_fail(d, OM_EIO, "'%s' has no layer '%s' to publish", pl->out->path,
                      pl->table ? pl->table : pl->def->name);
  } else {
    pl->geometry = geometry_of(OGR_L_GetGeomType(lyr));
    pl->features = (long)OGR_L_GetFeatureCount(lyr, 1);
    rc = describe_srs(pl, lyr, d);
  }
  GDALClose(ds);
  return rc;
}

static double extent_area(const struct om_pub_layer *l)
{
  return l->west > l->east ? 0 : (l->east - l->west) * (l->north - l->south);
}

/* Drawing order, bottom first (internal.h). */
static int compare(const void *a, const void *b)
{
  const struct om_pub_layer *x = a, *y = b;
  static const int rank[] = {[OM_STYLE_POLYGON] = 0, [OM_STYLE_LINE] = 1, [OM_STYLE_POINT] = 2};
  if (rank[x->geometry] != rank[y->geometry])
    return rank[x->geometry] - rank[y->geometry];
  if (x->geometry == OM_STYLE_POLYGON && extent_area(x) != extent_area(y))
    return extent_area(x) > extent_area(y) ? -1 : 1;
  return x->def < y->def ? -1 : x->def > y->def; /* the project's order */
}

int om_pub_layers_load(struct om_pub_layer **out, size_t *n, const struct om_project *p,
                       struct om_diag *d)
{
  *out = NULL;
  *n = 0;
  struct om_pub_layer *l = calloc(p->nlayers ? p->nlayers : 1, sizeof *l);
  if (!l)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  GDALAllRegister();
  CPLPushErrorHandler(CPLQuietErrorHandler); /* failures are reported with their message */
  int rc = 0;
  size_t k = 0;
  for (size_t i = 0; rc == 0 && i < p->nlayers; i++) {
    const struct om_output_def *o = published_output(&p->layers[i]);
    if (!o)
      continue;
    l[k].def = &p->layers[i];
    l[k].out = o;
    rc = read_layer(&l[k++], p, d);
  }
  CPLPopErrorHandler();
  if (rc < 0) {
    om_pub_layers_free(l, k);
    return rc;
  }
  qsort(l, k, sizeof *l, compare);
  *out = l;
  *n = k;
  return 0;
}

void om_pub_layers_free(struct om_pub_layer *l, size_t n)
{
  for (size_t i = 0; l && i < n; i++) {
    free(l[i].path);
    free(l[i].table);
    free(l[i].srs_wkt);
    free(l[i].srs_authid);
    free(l[i].srs_proj4);
    om_style_free(l[i].style);
  }
  free(l);
}

/* The next path component of *s (skipping "." and slashes): its length, *s moved to it. */
static size_t component(const char **s)
{
  for (;;) {
    while (**s == '/')
      (*s)++;
    size_t n = strcspn(*s, "/");
    if (n == 1 && **s == '.') {
      *s += 1;
      continue;
    }
    return n;
  }
}

char *om_pub_relative(const char *from_dir, const char *to)
{
  const char *a = from_dir, *b = to;
  for (;;) {
    const char *a2 = a, *b2 = b;
    size_t na = component(&a2), nb = component(&b2);
    /* the last component of 'to' is the file itself: never common */
    if (!na || na != nb || strncmp(a2, b2, na) != 0 || !b2[nb + strspn(b2 + nb, "/")])
      break;
    a = a2 + na;
    b = b2 + nb;
  }
  size_t ups = 0;
  for (size_t n; (n = component(&a)); a += n)
    ups++;
  component(&b);
  size_t len = 2 + 3 * ups + strlen(b) + 1;
  char *r = malloc(len);
  if (!r)
    return NULL;
  strcpy(r, ups ? "" : "./");
  for (size_t i = 0; i < ups; i++)
    strcat(r, "../");
  strcat(r, b);
  return r;
}

void om_pub_put_xml(FILE *f, const char *text)
{
  for (const char *c = text ? text : ""; *c; c++) {
    switch (*c) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&apos;", f); break;
    default: fputc(*c, f);
    }
  }
}

void om_pub_put_json(FILE *f, const char *text)
{
  fputc('"', f);
  for (const unsigned char *c = (const unsigned char *)(text ? text : ""); *c; c++) {
    if (*c == '"' || *c == '\\')
      fprintf(f, "\\%c", *c);
    else if (*c == '<')
      fputs("\\u003c", f); /* safe inside an HTML <script> */
    else if (*c < 0x20)
      fprintf(f, "\\u%04x", *c);
    else
      fputc(*c, f);
  }
  fputc('"', f);
}

int om_pub_write_file(const char *path, const char *data, size_t len, struct om_diag *d)
{
  struct om_atomic a;
  int rc = om_atomic_open(&a, path, d);
  if (rc < 0)
    return rc;
  if (fwrite(data, 1, len, a.f) != len)
    rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", path, strerror(errno));
  if (rc == 0)
    rc = om_atomic_commit(&a, d);
  om_atomic_abort(&a);
  return rc;
}
