/*
 * The web bundle's files for other clients than its own viewer
 * (internal.h): FlatGeobuf copies of the large layers, and index.json
 * listing what the bundle holds.
 *
 * MapLibre reads GeoJSON and vector tiles only.  A layer of some hundred
 * thousand features is a GeoJSON of tens of megabytes that a browser must
 * load whole; its FlatGeobuf copy carries a packed R-tree, so QGIS,
 * OpenLayers or flatgeobuf.js fetch only the features inside the view
 * (HTTP range requests).  The copy is made from the layer's public GeoJSON,
 * so it holds the same fields and nothing the allow-list left out.
 *
 * The copy is written as write_ogr.c writes FlatGeobuf outputs: under a
 * temporary name that keeps the .fgb extension (the driver makes a folder
 * of a name without it), with SPATIAL_INDEX=YES, fsynced, then renamed
 * over the old copy, so a server hands out the old file or the new one.
 */
#include "publish/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/path.h"

/* Whether some layer of the project writes 'rel' (relative to the bundle) itself. */
static bool owned_by_an_output(const struct om_project *p, const char *rel)
{
  for (size_t i = 0; i < p->nlayers; i++)
    for (size_t j = 0; j < p->layers[i].noutputs; j++) {
      const char *rest = om_pub_inside(p->web.dir, p->layers[i].outputs[j].path);
      if (rest && strcmp(rest, rel) == 0)
        return true;
    }
  return false;
}

static int sync_path(const char *path, int flags)
{
  int fd = open(path, flags | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/* Write the FlatGeobuf copy of w's GeoJSON to dir/rel through a temporary file. */
static int write_copy(const struct om_pub_web_layer *w, const char *dir, const char *rel,
                      struct om_diag *d)
{
  const char *name = w->l->def->name;
  char *target = om_path_join(dir, rel), *src = om_path_join(dir, w->url), *tmp = NULL;
  if (!target || !src ||
      asprintf(&tmp, "%s/.%s.oremap-tmp-%ld.fgb", dir, rel, (long)getpid()) < 0) {
    free(target), free(src);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  char *args[] = {"-f", "FlatGeobuf", "-lco", "SPATIAL_INDEX=YES", "-nln", (char *)name, NULL};
  char what[512];
  snprintf(what, sizeof what, "'%s'", target);
  unlink(tmp);
  int rc = om_pub_translate(tmp, src, args, what, d);
  if (rc == 0 && sync_path(tmp, O_RDONLY) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", target, strerror(errno));
  if (rc == 0 && rename(tmp, target) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot replace '%s': %s", target, strerror(errno));
  if (rc == 0 && sync_path(dir, O_RDONLY | O_DIRECTORY) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot sync folder '%s': %s", dir, strerror(errno));
  if (rc < 0)
    unlink(tmp);
  free(target), free(src), free(tmp);
  return rc;
}

int om_pub_web_flatgeobuf(struct om_pub_web_layer *w, const struct om_project *p, const char *dir,
                          struct om_diag *d)
{
  const struct om_layer_def *def = w->l->def;
  /* A FlatGeobuf output of the layer's own in the bundle is the copy already. */
  for (size_t i = 0; i < def->noutputs; i++) {
    const char *rest = om_pub_inside(p->web.dir, def->outputs[i].path);
    if (rest && def->outputs[i].format == OM_FORMAT_FLATGEOBUF)
      return (w->fgb = strdup(rest)) ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  char *rel = NULL;
  if (asprintf(&rel, "%s.fgb", def->name) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  int rc = 0;
  if (owned_by_an_output(p, rel)) {
    /* another layer's output of that name: neither replace nor remove it */
  } else if (w->l->features < p->web.flatgeobuf_min_features) {
    char *old = om_path_join(dir, rel);
    if (!old)
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
    else if (unlink(old) != 0 && errno != ENOENT)
      rc = om_diag_fail(d, OM_EIO, "cannot remove '%s': %s", old, strerror(errno));
    free(old);
  } else {
    rc = write_copy(w, dir, rel, d);
    if (rc == 0) {
      w->fgb = rel;
      rel = NULL;
    }
  }
  free(rel);
  return rc;
}

int om_pub_web_index(const struct om_project *p, const struct om_pub_web_layer *w, size_t n,
                     const char *stack, const char *dir, struct om_diag *d)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  fputs("{\n\"title\": ", f);
  om_pub_put_json(f, p->web.title ? p->web.title : p->title ? p->title : p->name);
  fputs(",\n\"style\": \"style.json\",\n\"glyphs\": ", f);
  fputs(stack ? "\"fonts/{fontstack}/{range}.pbf\",\n\"font\": " : "null,\n\"font\": ", f);
  if (stack)
    om_pub_put_json(f, stack);
  else
    fputs("null", f);
  fputs(",\n\"layers\": [", f);
  for (size_t i = 0; i < n; i++) {
    const struct om_layer_def *def = w[i].l->def;
    fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
    om_pub_put_json(f, def->name);
    fputs(", \"title\": ", f);
    om_pub_put_json(f, def->title ? def->title : def->name);
    fprintf(f, ", \"features\": %ld, \"geojson\": ", w[i].l->features);
    om_pub_put_json(f, w[i].url);
    if (w[i].tiled) {
      char url[600];
      snprintf(url, sizeof url, "tiles/%s/{z}/{x}/{y}.pbf", def->name);
      fputs(", \"tiles\": ", f);
      om_pub_put_json(f, url);
    }
    if (w[i].fgb) {
      fputs(", \"flatgeobuf\": ", f);
      om_pub_put_json(f, w[i].fgb);
    }
    fputs("}", f);
  }
  fputs("\n]\n}\n", f);
  if (fclose(f) != 0) {
    free(buf);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  char *path = om_path_join(dir, "index.json");
  int rc = path ? om_pub_write_file(path, buf, len, d) : om_diag_fail(d, OM_ENOMEM, "out of memory");
  free(path);
  free(buf);
  return rc;
}
