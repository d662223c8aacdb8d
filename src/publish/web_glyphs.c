/*
 * The web bundle's label glyphs (internal.h, om_pub_web_glyphs).
 *
 * MapLibre asks for the glyph file of every 256-code-point range that the
 * text it draws uses, and shows no label at all when one is missing, so
 * the label texts are read back from the layers' public GeoJSON (what the
 * browser will read) and every range they touch is written, 0-255 always.
 * A character the font lacks is warned about once: MapLibre leaves it out
 * of the label.  What an earlier publish wrote and no label needs now
 * (another font's stack, a range no text touches) is removed.
 */
#include "publish/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>

#include "core/path.h"
#include "publish/glyphs.h"

#define MAX_MISSING 8 /* characters named in the warning about a layer */

/* Mark the ranges the label texts of one layer use; warn about characters the font lacks. */
static int mark_layer(bool used[OM_GLYPHS_RANGES], const struct om_pub_web_layer *w,
                      const struct om_glyphs *g, const char *dir, struct om_diag *d)
{
  const char *field = w->l->style->label_field;
  char *path = om_path_join(dir, w->url);
  if (!path)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  CPLPushErrorHandler(CPLQuietErrorHandler);
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
  int rc = 0;
  if (!lyr) {
    rc = om_diag_fail(d, OM_EDEP, "cannot read the labels of layer '%s' from '%s': %s",
                      w->l->def->name, path,
                      *CPLGetLastErrorMsg() ? CPLGetLastErrorMsg() : "GDAL cannot open it");
  } else {
    int index = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), field);
    uint32_t missing[MAX_MISSING];
    size_t nmissing = 0;
    OGRFeatureH ft;
    OGR_L_ResetReading(lyr);
    while (index >= 0 && (ft = OGR_L_GetNextFeature(lyr)) != NULL) {
      if (OGR_F_IsFieldSetAndNotNull(ft, index))
        om_glyphs_mark(used, OGR_F_GetFieldAsString(ft, index), g, missing, MAX_MISSING,
                       &nmissing);
      OGR_F_Destroy(ft);
    }
    if (nmissing) {
      char list[MAX_MISSING * 10] = "";
      for (size_t i = 0; i < nmissing; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%sU+%04X", i ? ", " : "",
                 (unsigned)missing[i]);
      om_diag_warn(d, "web: font '%s' has no glyph for %s%s in the labels of layer '%s'; "
                   "those characters are left out (set web.font to a font that has them)",
                   om_glyphs_stack(g), list, nmissing == MAX_MISSING ? " and more" : "",
                   w->l->def->name);
    }
  }
  if (ds)
    GDALClose(ds);
  CPLPopErrorHandler();
  free(path);
  return rc;
}

/* The font web.font names, a file relative to the project, or a fontconfig pattern, or the default. */
static int open_font(struct om_glyphs **g, const struct om_project *p, struct om_diag *d)
{
  const char *font = p->web.font;
  if (!font || !om_glyphs_is_file(font) || font[0] == '/')
    return om_glyphs_open(g, font, d);
  char *path = om_path_join(p->dir, font);
  if (!path)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  int rc = om_glyphs_open(g, path, d);
  free(path);
  return rc;
}

/* Remove what an earlier publish left in fonts/: other fonts' stacks, ranges no label uses now. */
static void drop_stale(const char *fonts, const char *stack, const bool *used)
{
  DIR *dir = opendir(fonts);
  for (struct dirent *e; dir && (e = readdir(dir));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, stack) == 0)
      continue;
    char *path = om_path_join(fonts, e->d_name);
    if (path)
      om_pub_remove_tree(path);
    free(path);
  }
  if (dir)
    closedir(dir);
  for (unsigned r = 0; r < OM_GLYPHS_RANGES; r++) {
    if (used[r])
      continue;
    char name[64];
    snprintf(name, sizeof name, "%s/%u-%u.pbf", stack, r * 256, r * 256 + 255);
    char *path = om_path_join(fonts, name);
    if (path)
      unlink(path);
    free(path);
  }
}

int om_pub_web_glyphs(char **stack, const struct om_project *p, const struct om_pub_web_layer *w,
                      size_t n, const char *dir, struct om_diag *d)
{
  *stack = NULL;
  bool labelled = false;
  for (size_t i = 0; i < n; i++)
    labelled |= w[i].l->style && w[i].l->style->label_field;
  if (!labelled) {
    char *fonts = om_path_join(dir, "fonts");
    if (fonts)
      om_pub_remove_tree(fonts);
    free(fonts);
    return 0;
  }
  struct om_glyphs *g;
  int rc = open_font(&g, p, d);
  if (rc < 0)
    return rc;
  bool used[OM_GLYPHS_RANGES] = {true}; /* 0-255 always: digits, and MapLibre's own fallbacks */
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (w[i].l->style && w[i].l->style->label_field)
      rc = mark_layer(used, &w[i], g, dir, d);
  char *fonts = om_path_join(dir, "fonts");
  char *folder = fonts ? om_path_join(fonts, om_glyphs_stack(g)) : NULL;
  if (rc == 0 && !folder)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0 && om_path_mkdirs(folder) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot create folder '%s': %s", folder, strerror(errno));
  for (unsigned r = 0; rc == 0 && r < OM_GLYPHS_RANGES; r++) {
    if (!used[r])
      continue;
    uint8_t *data;
    size_t len;
    rc = om_glyphs_range(&data, &len, g, r, d);
    char name[32];
    snprintf(name, sizeof name, "%u-%u.pbf", r * 256, r * 256 + 255);
    char *path = rc == 0 ? om_path_join(folder, name) : NULL;
    if (rc == 0)
      rc = path ? om_pub_write_file(path, (const char *)data, len, d)
                : om_diag_fail(d, OM_ENOMEM, "out of memory");
    free(data);
    free(path);
  }
  if (rc == 0 && !(*stack = strdup(om_glyphs_stack(g))))
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0)
    drop_stale(fonts, *stack, used);
  free(fonts);
  free(folder);
  om_glyphs_free(g);
  return rc;
}
