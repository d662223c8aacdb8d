/*
 * Label points of the tiled layer (internal.h, om_pub_web_label_points).
 *
 * A vector tile holds the part of each polygon inside the tile, and
 * MapLibre labels every part: a country cut by tile edges would be named
 * once per tile it spans.  Its labels are therefore drawn from one point
 * per feature instead, a point on its surface (GEOS, through OGR: inside
 * the polygon even when the centroid is not), in a small GeoJSON beside
 * the tiles that holds only the label field.
 */
#include "publish/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>
#include <ogr_api.h>

#include "core/path.h"

/* One feature as a GeoJSON point with its label, when it has both. */
static void put_point(FILE *f, OGRFeatureH feat, int field, const char *name, bool *first)
{
  OGRGeometryH g = OGR_F_GetGeometryRef(feat);
  if (!g || OGR_G_IsEmpty(g) || !OGR_F_IsFieldSetAndNotNull(feat, field))
    return;
  OGRGeometryH pt = OGR_G_PointOnSurface(g);
  if (!pt)
    return;
  if (!OGR_G_IsEmpty(pt)) {
    fputs(*first ? "\n" : ",\n", f);
    *first = false;
    fputs("{\"type\": \"Feature\", \"properties\": {", f);
    om_pub_put_json(f, name);
    fputs(": ", f);
    om_pub_put_json(f, OGR_F_GetFieldAsString(feat, field));
    fprintf(f, "}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [%.5f, %.5f]}}",
            OGR_G_GetX(pt, 0), OGR_G_GetY(pt, 0));
  }
  OGR_G_DestroyGeometry(pt);
}

int om_pub_web_label_points(struct om_pub_web_layer *w, const char *dir, struct om_diag *d)
{
  const struct om_style *s = w->l->style;
  if (!w->tiled || !s || !s->label_field)
    return 0;
  const char *name = w->l->def->name;
  char *src = om_path_join(dir, w->url), *rel = NULL, *path = NULL;
  if (!src || asprintf(&rel, "%s.labels.geojson", name) < 0 || !(path = om_path_join(dir, rel))) {
    free(src), free(rel);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  GDALDatasetH ds = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  OGRLayerH layer = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
  int field = layer ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), s->label_field) : -1;
  int rc = 0;
  if (field < 0) {
    rc = om_diag_fail(d, OM_EDEP, "web: cannot read the labels '%s' of layer '%s' from '%s'",
                      s->label_field, name, src);
  } else {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    bool first = true;
    if (f) {
      fputs("{\"type\": \"FeatureCollection\", \"features\": [", f);
      OGR_L_ResetReading(layer);
      for (OGRFeatureH feat; (feat = OGR_L_GetNextFeature(layer));) {
        put_point(f, feat, field, s->label_field, &first);
        OGR_F_Destroy(feat);
      }
      fputs("\n]}\n", f);
    }
    rc = f && fclose(f) == 0 ? om_pub_write_file(path, buf, len, d)
                             : om_diag_fail(d, OM_ENOMEM, "out of memory");
    free(buf);
  }
  if (ds)
    GDALClose(ds);
  if (rc == 0)
    w->labels = rel;
  else
    free(rel);
  free(src), free(path);
  return rc;
}
