/* 'qgis_project' and 'web' in oremap.yaml (publish.h). */
#include "manifest/publish.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const web_keys[] = {"dir", "title", "library", "layers", "tiles", "font",
                                       "flatgeobuf_min_features", NULL};
static const char *const web_required[] = {"dir", NULL};
static const char *const tiles_keys[] = {"layer", "minzoom", "maxzoom", NULL};
static const char *const tiles_required[] = {"layer", NULL};

/* Deepest zoom the tiles may have: GDAL's MVT driver stops at 22. */
#define MAX_ZOOM 22

static bool has_ext(const char *path, const char *ext)
{
  size_t n = strlen(path), m = strlen(ext);
  return n > m && strcasecmp(path + n - m, ext) == 0;
}

/*
 * Whether 'path' is a relative path inside the output root that does not
 * go up with "..": generated files stay where `oremap build` may replace
 * them.  Reports the problem at 'at' otherwise.
 */
static bool inside_root(struct om_yaml_file *f, yaml_node_t *at, const char *key, const char *path,
                        const struct om_project *p)
{
  const char *s = path;
  while (s[0] == '.' && s[1] == '/')
    s += 2;
  bool dotdot = false;
  for (const char *c = s; *c;) {
    size_t n = strcspn(c, "/");
    dotdot |= n == 2 && c[0] == '.' && c[1] == '.';
    c += n + (c[n] == '/');
  }
  if (path[0] == '/' && !p->allow_outside_root) {
    om_yaml_error_at(f, at, "'%s' must be relative to the project folder, not '%s'", key, path);
    return false;
  }
  if (dotdot) {
    om_yaml_error_at(f, at, "'%s' must not go up with '..', as in '%s'", key, path);
    return false;
  }
  size_t n = p->output_root ? strlen(p->output_root) : 0;
  if (n && !p->allow_outside_root &&
      (strncmp(s, p->output_root, n) != 0 || s[n] != '/' || !s[n + 1])) {
    om_yaml_error_at(f, at, "'%s' is outside the output root '%s': '%s'", key, p->output_root,
                     path);
    return false;
  }
  return true;
}

static void read_tiles(struct om_yaml_file *f, yaml_node_t *map, struct om_web_def *w)
{
  yaml_node_t *t = om_yaml_mapping(f, map, "tiles");
  if (!t)
    return;
  om_yaml_check_keys(f, t, "'tiles'", tiles_keys, tiles_required);
  yaml_node_t *layer = om_yaml_get(f, t, "layer");
  if (om_yaml_string(f, t, "layer", &w->tiles_layer) == 0 && w->tiles_layer) {
    w->tiles_line = (long)layer->start_mark.line + 1;
    w->tiles_column = (long)layer->start_mark.column + 1;
  }
  long zoom;
  yaml_node_t *z = om_yaml_get(f, t, "minzoom");
  if (z && om_yaml_integer(f, z, "minzoom", 0, MAX_ZOOM, "a zoom level from 0 to 22", &zoom) == 0)
    w->minzoom = (int)zoom;
  if ((z = om_yaml_get(f, t, "maxzoom")) &&
      om_yaml_integer(f, z, "maxzoom", 0, MAX_ZOOM, "a zoom level from 0 to 22", &zoom) == 0)
    w->maxzoom = (int)zoom;
  if (w->minzoom > w->maxzoom)
    om_yaml_error_at(f, z ? z : t, "'maxzoom' (%d) must not be below 'minzoom' (%d)", w->maxzoom,
                     w->minzoom);
}

static void read_layers(struct om_yaml_file *f, yaml_node_t *map, struct om_web_def *w)
{
  yaml_node_t *v = om_yaml_get(f, map, "layers");
  if (!v)
    return;
  if (v->type != YAML_SEQUENCE_NODE) {
    char buf[64];
    om_yaml_error_at(f, v, "'layers' must be a list of layer names, not %s",
                     om_yaml_describe(v, buf, sizeof buf));
    return;
  }
  size_t n = om_yaml_length(v);
  w->layers = calloc(n ? n : 1, sizeof *w->layers);
  if (!w->layers) {
    om_yaml_oom(f->e);
    return;
  }
  for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
    yaml_node_t *item = om_yaml_node(f, *it);
    char *name = item ? om_yaml_item(f, item, "layers", "a layer name") : NULL;
    if (!name)
      continue;
    struct om_web_layer_def *l = &w->layers[w->nlayers++];
    l->name = name;
    l->line = (long)item->start_mark.line + 1;
    l->column = (long)item->start_mark.column + 1;
  }
}

void om_manifest_read_publish(struct om_yaml_file *f, yaml_node_t *map, struct om_project *p)
{
  yaml_node_t *q = om_yaml_get(f, map, "qgis_project");
  if (om_yaml_string(f, map, "qgis_project", &p->qgis_project) == 0 && p->qgis_project) {
    p->qgis_line = (long)q->start_mark.line + 1;
    p->qgis_column = (long)q->start_mark.column + 1;
    if (!has_ext(p->qgis_project, ".qgz") && !has_ext(p->qgis_project, ".qgs"))
      om_yaml_error_at(f, q, "'qgis_project' must end in .qgz or .qgs, not '%s'", p->qgis_project);
    else
      inside_root(f, q, "qgis_project", p->qgis_project, p);
  }

  yaml_node_t *web = om_yaml_mapping(f, map, "web");
  if (!web)
    return;
  struct om_web_def *w = &p->web;
  w->maxzoom = 6; /* countries stay sharp enough to zoom 8 or so, in ~1,400 tiles */
  /* Below this, GeoJSON loads in a browser in a second or so; above it, a
   * client that reads FlatGeobuf by bounding box fetches only what it shows. */
  w->flatgeobuf_min_features = 100000;
  om_yaml_check_keys(f, web, "'web'", web_keys, web_required);
  if (om_yaml_string(f, web, "dir", &w->dir) == 0 && w->dir &&
      !inside_root(f, om_yaml_get(f, web, "dir"), "dir", w->dir, p)) {
    free(w->dir);
    w->dir = NULL;
  }
  om_yaml_string(f, web, "title", &w->title);
  om_yaml_string(f, web, "library", &w->library);
  om_yaml_string(f, web, "font", &w->font);
  yaml_node_t *fgb = om_yaml_get(f, web, "flatgeobuf_min_features");
  long min;
  if (fgb && om_yaml_integer(f, fgb, "flatgeobuf_min_features", 0, 1000000000,
                             "a feature count (0 for every layer)", &min) == 0)
    w->flatgeobuf_min_features = min;
  read_layers(f, web, w);
  read_tiles(f, web, w);
}

/* The layer name nearest to 'name', for "did you mean", or NULL. */
static const char *nearest(const struct om_project *p, const char *name)
{
  const char *best = NULL;
  int best_d = 3; /* farther is not a typo */
  for (size_t i = 0; i < p->nlayers; i++) {
    if (!p->layers[i].name)
      continue;
    int d = om_yaml_distance(name, p->layers[i].name);
    if (d < best_d) {
      best_d = d;
      best = p->layers[i].name;
    }
  }
  return best;
}

static bool known(const struct om_project *p, const char *name)
{
  for (size_t i = 0; i < p->nlayers; i++)
    if (p->layers[i].name && strcmp(p->layers[i].name, name) == 0)
      return true;
  return false;
}

static void check_name(struct om_yaml_errors *e, const struct om_project *p, const char *name,
                       long line, long column)
{
  if (known(p, name))
    return;
  const char *near = nearest(p, name);
  if (near)
    om_yaml_error(e, p->file, line, column, "'web' names no layer '%s'; did you mean '%s'?", name,
                  near);
  else
    om_yaml_error(e, p->file, line, column, "'web' names no layer '%s'", name);
}

void om_manifest_check_publish(struct om_yaml_errors *e, const struct om_project *p)
{
  const struct om_web_def *w = &p->web;
  for (size_t i = 0; i < w->nlayers; i++)
    check_name(e, p, w->layers[i].name, w->layers[i].line, w->layers[i].column);
  if (w->tiles_layer)
    check_name(e, p, w->tiles_layer, w->tiles_line, w->tiles_column);
}

void om_manifest_release_publish(struct om_project *p)
{
  free(p->qgis_project);
  free(p->web.dir);
  free(p->web.title);
  free(p->web.library);
  free(p->web.font);
  for (size_t i = 0; i < p->web.nlayers; i++)
    free(p->web.layers[i].name);
  free(p->web.layers);
  free(p->web.tiles_layer);
}
