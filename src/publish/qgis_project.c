/*
 * The QGIS project (publish.h): a .qgs document, zipped into a .qgz when
 * the name says so, listing every layer with its style and drawing order.
 *
 * Datasources are relative to the project file ("./deposit-map.gpkg|
 * layername=deposits") with <Absolute>false</Absolute>, so the output
 * folder can be moved or shared whole.  Each layer's CRS carries its WKT:
 * QGIS takes an authid alone only with its internal srsid, which differs
 * between installations.  The styles are the QML the GeoPackage's
 * layer_styles rows hold (style/qml.c), placed inside the maplayer
 * element, where QGIS reads a layer's symbology in a project.
 *
 * The project CRS is EPSG:3857, the web bundle's: both clients then show
 * the same map, and Web Mercator keeps the shapes of the example's
 * countries and sites (all between 40°S and 65°N) recognisable; areas are
 * not compared on this map, so its area distortion does not mislead.
 */
#include "publish/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_error.h>

#include "core/path.h"
#include "io/atomic.h"

/* EPSG:3857 as QGIS 3.22 writes it (its srsid is fixed: 3857). */
static const char web_mercator[] =
    "<spatialrefsys nativeFormat=\"Wkt\">\n"
    "      <wkt>PROJCRS[\"WGS 84 / Pseudo-Mercator\",BASEGEOGCRS[\"WGS 84\",DATUM[\"World Geodetic "
    "System 1984\",ELLIPSOID[\"WGS 84\",6378137,298.257223563,LENGTHUNIT[\"metre\",1]]],PRIMEM["
    "\"Greenwich\",0,ANGLEUNIT[\"degree\",0.0174532925199433]],ID[\"EPSG\",4326]],CONVERSION["
    "\"Popular Visualisation Pseudo-Mercator\",METHOD[\"Popular Visualisation Pseudo Mercator\","
    "ID[\"EPSG\",1024]],PARAMETER[\"Latitude of natural origin\",0,ANGLEUNIT[\"degree\","
    "0.0174532925199433],ID[\"EPSG\",8801]],PARAMETER[\"Longitude of natural origin\",0,ANGLEUNIT"
    "[\"degree\",0.0174532925199433],ID[\"EPSG\",8802]],PARAMETER[\"False easting\",0,LENGTHUNIT"
    "[\"metre\",1],ID[\"EPSG\",8806]],PARAMETER[\"False northing\",0,LENGTHUNIT[\"metre\",1],ID["
    "\"EPSG\",8807]]],CS[Cartesian,2],AXIS[\"easting (X)\",east,ORDER[1],LENGTHUNIT[\"metre\",1]],"
    "AXIS[\"northing (Y)\",north,ORDER[2],LENGTHUNIT[\"metre\",1]],ID[\"EPSG\",3857]]</wkt>\n"
    "      <proj4>+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m "
    "+nadgrids=@null +wktext +no_defs</proj4>\n"
    "      <srsid>3857</srsid>\n      <srid>3857</srid>\n      <authid>EPSG:3857</authid>\n"
    "      <description>WGS 84 / Pseudo-Mercator</description>\n"
    "      <projectionacronym>merc</projectionacronym>\n"
    "      <ellipsoidacronym>EPSG:7030</ellipsoidacronym>\n"
    "      <geographicflag>false</geographicflag>\n"
    "    </spatialrefsys>";

static const char *geometry_name(enum om_style_geometry g)
{
  return g == OM_STYLE_POINT ? "Point" : g == OM_STYLE_LINE ? "Line" : "Polygon";
}

/*
 * A layer id a reader recognises: the name and its position.  QGIS 3.22
 * ignores an id of 10 characters or fewer and makes up another, which the
 * layer tree then does not find: hence the prefix.
 */
static void layer_id(char *buf, size_t size, const struct om_pub_layer *l, size_t i)
{
  snprintf(buf, size, "oremap_%s_%zu", l->def->name, i);
}

/* The datasource, relative to the project file's folder. */
static char *datasource(const struct om_project *p, const struct om_pub_layer *l)
{
  char *dir = om_path_dirname(p->qgis_project);
  char *rel = dir ? om_pub_relative(dir, l->out->path) : NULL;
  char *src = NULL;
  if (rel && l->table && asprintf(&src, "%s|layername=%s", rel, l->table) < 0)
    src = NULL;
  else if (rel && !l->table)
    src = strdup(rel);
  free(dir);
  free(rel);
  return src;
}

/*
 * The QML's symbology and labelling, without the document around it:
 * the lines between "<qgis ...>" and "</qgis>", less layerGeometryType
 * (the maplayer element says the geometry itself).
 */
static void put_style(FILE *f, const char *qml)
{
  const char *start = strstr(qml, "<qgis ");
  start = start ? strchr(start, '\n') : NULL;
  const char *end = strstr(qml, "</qgis>");
  if (!start || !end || end < start)
    return;
  for (const char *line = start + 1; line < end;) {
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    size_t len = nl ? (size_t)(nl - line) + 1 : (size_t)(end - line);
    if (!memmem(line, len, "<layerGeometryType>", 19))
      fprintf(f, "  %.*s", (int)len, line);
    line += len;
  }
}

static void put_srs(FILE *f, const struct om_pub_layer *l)
{
  fputs("      <srs>\n        <spatialrefsys nativeFormat=\"Wkt\">\n          <wkt>", f);
  om_pub_put_xml(f, l->srs_wkt);
  fputs("</wkt>\n          <proj4>", f);
  om_pub_put_xml(f, l->srs_proj4);
  fputs("</proj4>\n          <authid>", f);
  om_pub_put_xml(f, l->srs_authid);
  fputs("</authid>\n        </spatialrefsys>\n      </srs>\n", f);
}

static int put_layer(FILE *f, const struct om_project *p, const struct om_pub_layer *l, size_t i)
{
  char id[300];
  layer_id(id, sizeof id, l, i);
  char *src = datasource(p, l);
  char *qml = l->style ? om_style_qml(l->style) : NULL;
  if (!src || (l->style && !qml)) {
    free(src);
    free(qml);
    return OM_ENOMEM;
  }
  fprintf(f, "    <maplayer type=\"vector\" geometry=\"%s\" labelsEnabled=\"%d\" "
             "autoRefreshEnabled=\"0\" refreshOnNotifyEnabled=\"0\">\n      <id>",
          geometry_name(l->geometry), l->style && l->style->label_field ? 1 : 0);
  om_pub_put_xml(f, id);
  fputs("</id>\n      <datasource>", f);
  om_pub_put_xml(f, src);
  fputs("</datasource>\n      <layername>", f);
  om_pub_put_xml(f, l->def->title ? l->def->title : l->def->name);
  fputs("</layername>\n", f);
  if (l->def->description) {
    fputs("      <abstract>", f);
    om_pub_put_xml(f, l->def->description);
    fputs("</abstract>\n", f);
  }
  put_srs(f, l);
  fputs("      <provider encoding=\"UTF-8\">ogr</provider>\n", f);
  if (qml)
    put_style(f, qml);
  fputs("    </maplayer>\n", f);
  free(src);
  free(qml);
  return 0;
}

/* The whole .qgs document, or NULL when out of memory. */
static char *project_xml(const struct om_project *p, const struct om_pub_layer *l, size_t n,
                         size_t *len)
{
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f)
    return NULL;
  fputs("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        "<qgis version=\"3.22.0-Białowieża\" projectname=\"", f);
  om_pub_put_xml(f, p->title ? p->title : p->name);
  fputs("\">\n  <title>", f);
  om_pub_put_xml(f, p->title ? p->title : p->name);
  fprintf(f, "</title>\n  <projectCrs>\n    %s\n  </projectCrs>\n", web_mercator);

  /* The layer tree lists the top layer first: the reverse of drawing order. */
  fputs("  <layer-tree-group>\n    <customproperties/>\n", f);
  for (size_t k = n; k-- > 0;) {
    char id[300];
    layer_id(id, sizeof id, &l[k], k);
    char *src = datasource(p, &l[k]);
    fputs("    <layer-tree-layer expanded=\"1\" checked=\"Qt::Checked\" providerKey=\"ogr\" id=\"", f);
    om_pub_put_xml(f, id);
    fputs("\" source=\"", f);
    om_pub_put_xml(f, src);
    fputs("\" name=\"", f);
    om_pub_put_xml(f, l[k].def->title ? l[k].def->title : l[k].def->name);
    fputs("\">\n      <customproperties/>\n    </layer-tree-layer>\n", f);
    free(src);
  }
  fputs("  </layer-tree-group>\n  <projectlayers>\n", f);
  int rc = 0;
  for (size_t k = n; rc == 0 && k-- > 0;)
    rc = put_layer(f, p, &l[k], k);
  fputs("  </projectlayers>\n"
        "  <properties>\n    <Paths>\n      <Absolute type=\"bool\">false</Absolute>\n"
        "    </Paths>\n"
        /* QGIS reads projectCrs only with this set */
        "    <SpatialRefSys>\n      <ProjectionsEnabled type=\"int\">1</ProjectionsEnabled>\n"
        "    </SpatialRefSys>\n  </properties>\n</qgis>\n", f);
  if (fclose(f) != 0 || rc < 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* A .qgz: the .qgs in a zip under the project's base name, as QGIS writes it. */
static int write_qgz(const char *path, const char *xml, size_t len, struct om_diag *d)
{
  struct om_atomic a;
  int rc = om_atomic_reserve(&a, path, d);
  if (rc < 0)
    return rc;
  char *base = strdup(CPLGetBasename(path));
  char *inner = base ? malloc(strlen(base) + 5) : NULL;
  if (!inner) {
    free(base);
    om_atomic_abort(&a);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  sprintf(inner, "%s.qgs", base);
  CPLPushErrorHandler(CPLQuietErrorHandler);
  void *zip = CPLCreateZip(a.tmp, NULL);
  bool ok = zip && CPLCreateFileInZip(zip, inner, NULL) == CE_None &&
            CPLWriteFileInZip(zip, xml, (int)len) == CE_None && CPLCloseFileInZip(zip) == CE_None;
  if (zip && CPLCloseZip(zip) != CE_None)
    ok = false;
  if (!ok)
    rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", path, CPLGetLastErrorMsg());
  CPLPopErrorHandler();
  if (rc == 0)
    rc = om_atomic_commit(&a, d);
  om_atomic_abort(&a);
  free(base);
  free(inner);
  return rc;
}

int om_pub_qgis_project(const struct om_project *p, const struct om_pub_layer *l, size_t n,
                        struct om_diag *d)
{
  size_t len = 0;
  char *xml = project_xml(p, l, n, &len);
  char *path = om_path_join(p->dir, p->qgis_project);
  char *dir = path ? om_path_dirname(path) : NULL;
  int rc = !xml || !dir ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
  if (rc == 0 && om_path_mkdirs(dir) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot create folder '%s': %s", dir, strerror(errno));
  size_t plen = path ? strlen(path) : 0;
  if (rc == 0 && plen > 4 && strcasecmp(path + plen - 4, ".qgz") == 0)
    rc = write_qgz(path, xml, len, d);
  else if (rc == 0)
    rc = om_pub_write_file(path, xml, len, d);
  free(xml);
  free(path);
  free(dir);
  return rc;
}
