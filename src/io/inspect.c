#include "io/inspect.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <string.h>

/* GeoPackage only: PRAGMA integrity_check and rtreecheck() of every R-tree. */
static void check_gpkg(FILE *out, const char *path)
{
  sqlite3 *db;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    fprintf(out, "integrity: cannot open: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return;
  }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    fprintf(out, "integrity: %s\n", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(db,
                         "SELECT name, rtreecheck(name) FROM sqlite_master "
                         "WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%rtree%' "
                         "ORDER BY name",
                         -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW)
      fprintf(out, "%s: %s\n", (const char *)sqlite3_column_text(st, 0),
              (const char *)sqlite3_column_text(st, 1));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

int om_inspect(FILE *out, const char *path, struct om_diag *d)
{
  CPLPushErrorHandler(CPLQuietErrorHandler);
  GDALAllRegister();
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  CPLPopErrorHandler();
  if (!ds) {
    const char *why = CPLGetLastErrorMsg();
    return om_diag_fail(d, OM_EIO, "cannot open '%s': %s", path,
                        why && *why ? why : "not a vector file GDAL reads");
  }
  GDALDriverH drv = GDALGetDatasetDriver(ds);
  fprintf(out, "%s: %s\n", path, GDALGetDriverShortName(drv));
  int nlayers = GDALDatasetGetLayerCount(ds);
  for (int i = 0; i < nlayers; i++) {
    OGRLayerH layer = GDALDatasetGetLayer(ds, i);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    fprintf(out, "layer %s\n", OGR_L_GetName(layer));
    fprintf(out, "  geometry: %s\n", OGRGeometryTypeToName(OGR_L_GetGeomType(layer)));
    fprintf(out, "  features: %lld\n", (long long)OGR_L_GetFeatureCount(layer, 1));
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    if (srs) {
      const char *auth = OSRGetAuthorityName(srs, NULL);
      const char *code = OSRGetAuthorityCode(srs, NULL);
      fprintf(out, "  crs: %s:%s (%s)\n", auth ? auth : "?", code ? code : "?", OSRGetName(srs));
    } else {
      fprintf(out, "  crs: none\n");
    }
    OGREnvelope env;
    if (OGR_L_GetExtent(layer, &env, 1) == OGRERR_NONE)
      fprintf(out, "  extent: %.6f %.6f %.6f %.6f\n", env.MinX, env.MinY, env.MaxX, env.MaxY);
    for (int f = 0; f < OGR_FD_GetFieldCount(defn); f++) {
      OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, f);
      fprintf(out, "  field %s: %s\n", OGR_Fld_GetNameRef(fd),
              OGR_GetFieldTypeName(OGR_Fld_GetType(fd)));
    }
  }
  int is_gpkg = strcmp(GDALGetDriverShortName(drv), "GPKG") == 0;
  GDALClose(ds);
  if (is_gpkg)
    check_gpkg(out, path);
  return 0;
}
