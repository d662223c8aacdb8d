/*
 * The web bundle (publish.h) in web.dir:
 *   <layer>.geojson    RFC 7946, one per public layer: the layer's own output
 *                      in this folder when it has one (with that output's
 *                      field allow-list), else written here from its
 *                      published output with all its fields (and a warning)
 *   tiles/<layer>/     vector tiles of web.tiles.layer, {z}/{x}/{y}.pbf
 *                      uncompressed (GDAL's MVT driver), from its GeoJSON
 *   <layer>.labels.geojson  the tiled layer's labels, a point on each
 *                      feature's surface (web_labels.c), so that a feature
 *                      cut by tile edges is named once
 *   lib/               maplibre-gl.js and .css, copied from the library folder
 *   fonts/<stack>/     the labels' glyphs, <first>-<last>.pbf per 256 code
 *                      points the label texts use (web_glyphs.c, glyphs.h)
 *   <layer>.fgb        FlatGeobuf with a spatial index, for a layer with at
 *                      least web.flatgeobuf_min_features features (web_files.c)
 *   style.json         MapLibre style from the layers' style files, labels
 *                      included, "glyphs" pointing at fonts/
 *   index.json         every layer's files and feature count (web_files.c)
 *   index.html         the viewer (web_html.c)
 * MapLibre draws only the GeoJSON and the tiles; the FlatGeobuf copies are
 * downloads for clients that read the format by bounding box (QGIS,
 * OpenLayers, flatgeobuf.js).  The glyphs are made here from a local font
 * because MapLibre cannot draw text without glyph files and the bundle
 * must work with no internet.
 */
#include "publish/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <gdal_utils.h>

#include "core/path.h"
#include "io/atomic.h"
#include "pipeline/publish.h"

static bool shown(const struct om_project *p, const char *name)
{
  if (!p->web.nlayers)
    return true;
  for (size_t i = 0; i < p->web.nlayers; i++)
    if (strcmp(p->web.layers[i].name, name) == 0)
      return true;
  return false;
}

const char *om_pub_inside(const char *dir, const char *path)
{
  while (path[0] == '.' && path[1] == '/')
    path += 2;
  while (dir[0] == '.' && dir[1] == '/')
    dir += 2;
  size_t n = strlen(dir);
  while (n && dir[n - 1] == '/')
    n--;
  if (strncmp(path, dir, n) != 0 || path[n] != '/')
    return NULL;
  return path + n + 1;
}

int om_pub_translate(const char *dst, const char *src, char **args, const char *what,
                     struct om_diag *d)
{
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();
  GDALVectorTranslateOptions *opts = GDALVectorTranslateOptionsNew(args, NULL);
  GDALDatasetH in = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  int usage = 0;
  GDALDatasetH out = opts && in ? GDALVectorTranslate(dst, NULL, 1, &in, opts, &usage) : NULL;
  int rc = 0;
  if (!out || usage)
    rc = om_diag_fail(d, OM_EDEP, "cannot write %s: %s", what,
                      *CPLGetLastErrorMsg() ? CPLGetLastErrorMsg() : "GDAL failed");
  if (out)
    GDALClose(out);
  if (in)
    GDALClose(in);
  GDALVectorTranslateOptionsFree(opts);
  CPLPopErrorHandler();
  return rc;
}

/* The layer's public GeoJSON: its own output in the bundle, else one written there. */
static int public_geojson(struct om_pub_web_layer *w, const struct om_project *p, const char *dir,
                          struct om_diag *d)
{
  const struct om_layer_def *def = w->l->def;
  for (size_t i = 0; i < def->noutputs; i++) {
    const char *rest = om_pub_inside(p->web.dir, def->outputs[i].path);
    if (rest && def->outputs[i].format == OM_FORMAT_GEOJSON)
      return (w->url = strdup(rest)) ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  om_diag_warn(d, "web: layer '%s' has no output in '%s', so all its fields are published; "
               "give it one with 'fields:' to choose them", def->name, p->web.dir);
  char *name = NULL;
  if (asprintf(&name, "%s.geojson", def->name) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  w->url = name;
  char *path = om_path_join(dir, name);
  struct om_atomic a;
  int rc = path ? om_atomic_reserve(&a, path, d) : om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0) {
    char *table = w->l->table ? w->l->table : NULL;
    char *args[] = {"-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco", "RFC7946=YES",
                    "-lco", "COORDINATE_PRECISION=6", "-nln", (char *)def->name, table, NULL};
    char what[512];
    snprintf(what, sizeof what, "'%s'", path);
    rc = om_pub_translate(a.tmp, w->l->path, args, what, d);
    if (rc == 0)
      rc = om_atomic_commit(&a, d);
    om_atomic_abort(&a);
  }
  free(path);
  return rc;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st, (void)type, (void)ftw;
  return remove(path);
}

void om_pub_remove_tree(const char *path)
{
  nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The tiles of the tiled layer, made in a temporary folder beside the
 * old one and swapped with it in one rename (RENAME_EXCHANGE), so that a
 * server never sees a half-made tile set.
 */
static int make_tiles(const struct om_pub_web_layer *w, const struct om_project *p, const char *dir,
                      struct om_diag *d)
{
  const char *name = w->l->def->name;
  char *tiles = om_path_join(dir, "tiles");
  char *final = tiles ? om_path_join(tiles, name) : NULL;
  char *src = om_path_join(dir, w->url);
  char *tmp = NULL, minz[32], maxz[32];
  if (!final || !src || asprintf(&tmp, "%s/.%s.oremap-tmp-%ld", tiles, name, (long)getpid()) < 0) {
    free(tiles), free(final), free(src);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  snprintf(minz, sizeof minz, "MINZOOM=%d", p->web.minzoom);
  snprintf(maxz, sizeof maxz, "MAXZOOM=%d", p->web.maxzoom);
  char *args[] = {"-f", "MVT", "-dsco", minz, "-dsco", maxz, "-dsco", "COMPRESS=NO",
                  "-dsco", "FORMAT=DIRECTORY", "-nln", (char *)name, NULL};
  om_pub_remove_tree(tmp);
  int rc = 0;
  if (om_path_mkdirs(tiles) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot create folder '%s': %s", tiles, strerror(errno));
  char what[512];
  snprintf(what, sizeof what, "the vector tiles of layer '%s'", name);
  if (rc == 0)
    rc = om_pub_translate(tmp, src, args, what, d);
  if (rc == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) != 0) {
    if (errno != ENOENT || rename(tmp, final) != 0)
      rc = om_diag_fail(d, OM_EIO, "cannot replace '%s': %s", final, strerror(errno));
  }
  om_pub_remove_tree(tmp); /* the old tiles after the exchange, or what a failure left */
  free(tiles), free(final), free(src), free(tmp);
  return rc;
}

/* Copy lib/maplibre-gl.{js,css} from the library folder; a warning when it has none. */
static int copy_library(const struct om_project *p, const char *dir, struct om_diag *d)
{
  static const char *const files[] = {"maplibre-gl.js", "maplibre-gl.css"};
  char *lib = om_publish_library_dir(p);
  char *dst_dir = om_path_join(dir, "lib");
  int rc = lib && dst_dir ? 0 : om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0 && om_path_mkdirs(dst_dir) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot create folder '%s': %s", dst_dir, strerror(errno));
  for (size_t i = 0; rc == 0 && i < 2; i++) {
    char *src = om_path_join(lib, files[i]), *dst = om_path_join(dst_dir, files[i]);
    char *data = NULL;
    size_t len = 0;
    FILE *f = src ? fopen(src, "rb") : NULL;
    if (!f) {
      om_diag_warn(d, "web: cannot read '%s': %s; the viewer needs it (run scripts/setup.sh, "
                   "or set OREMAP_MAPLIBRE or web.library to the folder holding it)",
                   src ? src : files[i], strerror(errno));
    } else {
      FILE *m = open_memstream(&data, &len);
      char buf[65536];
      size_t got;
      while (m && (got = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, got, m);
      bool bad = ferror(f) || !m || fclose(m) != 0;
      fclose(f);
      rc = bad ? om_diag_fail(d, OM_EIO, "cannot read '%s'", src)
               : om_pub_write_file(dst, data, len, d);
    }
    free(data), free(src), free(dst);
  }
  free(lib);
  free(dst_dir);
  return rc;
}

/* The source id of a tiled layer's label points, "<layer>.labels", in id. */
static const char *labels_source(char id[static 600], const char *name)
{
  snprintf(id, 600, "%s.labels", name);
  return id;
}

/* The items of a JSON array of style layers, with "source-layer" added after each "source" when given. */
static void put_items(FILE *f, const char *json, const char *source_layer)
{
  const char *s = strchr(json, '[');
  const char *end = strrchr(json, ']');
  s = s ? s + 1 : json;
  while (*s == '\n')
    s++;
  size_t len = end && end > s ? (size_t)(end - s) : 0;
  while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
    len--;
  static const char key[] = "\"source\": ";
  for (size_t i = 0; i < len;) {
    const char *hit = source_layer ? memmem(s + i, len - i, key, strlen(key)) : NULL;
    if (!hit) {
      fwrite(s + i, 1, len - i, f);
      break;
    }
    const char *after = strchr(hit + strlen(key) + 1, '"') + 1; /* past the source id */
    fwrite(s + i, 1, (size_t)(after - (s + i)), f);
    fputs(",\n    \"source-layer\": ", f);
    om_pub_put_json(f, source_layer);
    i = (size_t)(after - s);
  }
}

/*
 * The style layers of one layer: om_style_maplibre_font's array without
 * its brackets, labels in the bundle's font stack 'stack' (NULL: no
 * glyphs, so no labels), with "source-layer" added after each "source"
 * for a tiled layer, whose labels come from its label points
 * (web_labels.c); or a plain grey symbol for a layer without a style.
 */
static int put_style_layers(FILE *f, const struct om_pub_web_layer *w, const char *stack,
                            bool *first)
{
  const char *name = w->l->def->name;
  char *json = NULL, *labels = NULL;
  if (w->l->style) {
    struct om_style plain = *w->l->style;
    bool apart = w->labels && stack;
    if (!stack || apart)
      plain.label_field = NULL;
    json = om_style_maplibre_font(&plain, name, name, stack);
    if (json && apart) {
      char id[600];
      labels = om_style_maplibre_labels(w->l->style, name, labels_source(id, name), stack);
    }
    if (!json || (apart && !labels)) {
      free(json);
      return OM_ENOMEM;
    }
  }
  fputs(*first ? "\n" : ",\n", f);
  *first = false;
  if (!json) {
    static const char *const types[] = {"circle", "line", "fill"};
    static const char *const paints[] = {"\"circle-color\": \"#636363\", \"circle-radius\": 4",
                                         "\"line-color\": \"#636363\", \"line-width\": 1.5",
                                         "\"fill-color\": \"#bdbdbd\", \"fill-opacity\": 0.6"};
    int g = w->l->geometry == OM_STYLE_POINT ? 0 : w->l->geometry == OM_STYLE_LINE ? 1 : 2;
    fputs("  {\"id\": ", f);
    om_pub_put_json(f, name);
    fprintf(f, ", \"type\": \"%s\", \"source\": ", types[g]);
    om_pub_put_json(f, name);
    if (w->tiled) {
      fputs(", \"source-layer\": ", f);
      om_pub_put_json(f, name);
    }
    fprintf(f, ", \"paint\": {%s}}", paints[g]);
    return 0;
  }
  put_items(f, json, w->tiled ? name : NULL);
  if (labels) {
    fputs(",\n", f);
    put_items(f, labels, NULL);
  }
  free(json);
  free(labels);
  return 0;
}

static char *style_json(const struct om_project *p, const struct om_pub_web_layer *w, size_t n,
                        const char *stack, size_t *len)
{
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f)
    return NULL;
  fputs("{\n\"version\": 8,\n\"name\": ", f);
  om_pub_put_json(f, p->web.title ? p->web.title : p->title ? p->title : p->name);
  if (stack)
    fputs(",\n\"glyphs\": \"fonts/{fontstack}/{range}.pbf\"", f);
  fputs(",\n\"sources\": {", f);
  for (size_t i = 0; i < n; i++) {
    fputs(i ? ",\n  " : "\n  ", f);
    om_pub_put_json(f, w[i].l->def->name);
    if (w[i].tiled) {
      fputs(": {\"type\": \"vector\", \"tiles\": [", f);
      char url[600];
      snprintf(url, sizeof url, "tiles/%s/{z}/{x}/{y}.pbf", w[i].l->def->name);
      om_pub_put_json(f, url);
      fprintf(f, "], \"minzoom\": %d, \"maxzoom\": %d}", p->web.minzoom, p->web.maxzoom);
      if (w[i].labels && stack) {
        char id[600];
        fputs(",\n  ", f);
        om_pub_put_json(f, labels_source(id, w[i].l->def->name));
        fputs(": {\"type\": \"geojson\", \"data\": ", f);
        om_pub_put_json(f, w[i].labels);
        fputs("}", f);
      }
    } else {
      fputs(": {\"type\": \"geojson\", \"data\": ", f);
      om_pub_put_json(f, w[i].url);
      fputs("}", f);
    }
  }
  fputs("\n},\n\"layers\": [\n  {\"id\": \"background\", \"type\": \"background\", "
        "\"paint\": {\"background-color\": \"#dbe9f4\"}}", f);
  /* The tiled layer (the country outlines) is also the base map: every
   * feature in a neutral fill, whatever its own style leaves undrawn. */
  for (size_t i = 0; i < n; i++) {
    if (!w[i].tiled)
      continue;
    const char *name = w[i].l->def->name;
    fputs(",\n  {\"id\": \"oremap-base\", \"type\": \"fill\", \"source\": ", f);
    om_pub_put_json(f, name);
    fputs(", \"source-layer\": ", f);
    om_pub_put_json(f, name);
    fputs(", \"paint\": {\"fill-color\": \"#f7f7f7\", "
          "\"fill-outline-color\": \"#bdbdbd\"}}",
          f);
  }
  bool first = false;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = put_style_layers(f, &w[i], stack, &first);
  fputs("\n]\n}\n", f);
  if (fclose(f) != 0 || rc < 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

static void put_entry(FILE *f, const char *label, const char *color, bool *first)
{
  fputs(*first ? "{\"label\": " : ", {\"label\": ", f);
  *first = false;
  om_pub_put_json(f, label);
  fputs(", \"color\": ", f);
  om_pub_put_json(f, color && *color ? color : "#636363");
  fputs("}", f);
}

/* The page's settings: title, bounds, legend (top layer first), clickable layer ids. */
static char *page_config(const struct om_project *p, const struct om_pub_web_layer *w, size_t n)
{
  char *buf = NULL;
  size_t len;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return NULL;
  double west = 180, south = 85, east = -180, north = -85;
  for (size_t i = 0; i < n; i++) {
    const struct om_pub_layer *l = w[i].l;
    if (w[i].tiled || l->west > l->east)
      continue; /* the base layer would zoom the map out to the world */
    west = l->west < west ? l->west : west;
    east = l->east > east ? l->east : east;
    south = l->south < south ? l->south : south;
    north = l->north > north ? l->north : north;
  }
  if (west > east)
    west = -180, south = -60, east = 180, north = 75;
  fputs("{\"title\": ", f);
  om_pub_put_json(f, p->web.title ? p->web.title : p->title ? p->title : p->name);
  fprintf(f, ", \"bounds\": [[%.6f, %.6f], [%.6f, %.6f]],\n\"legend\": [", west,
          south < -85 ? -85 : south, east, north > 85 ? 85 : north);
  static const char *const geometry[] = {"point", "line", "polygon"};
  for (size_t k = n; k-- > 0;) {
    const struct om_pub_layer *l = w[k].l;
    fputs(k + 1 < n ? ",\n  {\"title\": " : "\n  {\"title\": ", f);
    om_pub_put_json(f, l->def->title ? l->def->title : l->def->name);
    fprintf(f, ", \"geometry\": \"%s\", \"entries\": [", geometry[l->geometry]);
    bool first = true;
    const struct om_style *s = l->style;
    for (size_t c = 0; s && c < s->nclasses; c++)
      put_entry(f, s->classes[c].label ? s->classes[c].label : s->classes[c].value,
                s->classes[c].color, &first);
    if (s && s->has_other)
      put_entry(f, s->other.label ? s->other.label : "other", s->other.color, &first);
    if (first) {
      const char *color = !s ? NULL : l->geometry == OM_STYLE_LINE ? s->symbol.stroke : s->symbol.fill;
      put_entry(f, l->def->title ? l->def->title : l->def->name, color, &first);
    }
    fputs("]}", f);
  }
  fputs("],\n\"downloads\": [", f);
  bool none = true;
  for (size_t i = n; i-- > 0;) {
    if (!w[i].fgb)
      continue;
    fputs(none ? "{\"title\": " : ", {\"title\": ", f);
    none = false;
    om_pub_put_json(f, w[i].l->def->title ? w[i].l->def->title : w[i].l->def->name);
    fputs(", \"href\": ", f);
    om_pub_put_json(f, w[i].fgb);
    fprintf(f, ", \"features\": %ld}", w[i].l->features);
  }
  fputs("],\n\"clickable\": [", f);
  for (size_t i = 0; i < n; i++) {
    fputs(i ? ", " : "", f);
    om_pub_put_json(f, w[i].l->def->name);
  }
  fputs("]}", f);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

static int write_page(const struct om_project *p, const char *dir, const struct om_pub_web_layer *w,
                      size_t n, struct om_diag *d)
{
  char *config = page_config(p, w, n);
  char *html = NULL, *path = om_path_join(dir, "index.html");
  size_t len = 0;
  FILE *f = config ? open_memstream(&html, &len) : NULL;
  if (f) {
    om_pub_web_page(f, p->web.title ? p->web.title : p->title ? p->title : p->name, config);
    if (fclose(f) != 0) {
      free(html);
      html = NULL;
    }
  }
  int rc = html && path ? om_pub_write_file(path, html, len, d)
                        : om_diag_fail(d, OM_ENOMEM, "out of memory");
  free(config), free(html), free(path);
  return rc;
}

int om_pub_web(const struct om_project *p, const struct om_pub_layer *l, size_t n,
               struct om_diag *d)
{
  char *dir = om_path_join(p->dir, p->web.dir);
  struct om_pub_web_layer *w = calloc(n ? n : 1, sizeof *w);
  if (!dir || !w) {
    free(dir), free(w);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  int rc = 0;
  if (om_path_mkdirs(dir) != 0)
    rc = om_diag_fail(d, OM_EIO, "cannot create folder '%s': %s", dir, strerror(errno));
  size_t k = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if (!shown(p, l[i].def->name))
      continue;
    w[k].l = &l[i];
    w[k].tiled = p->web.tiles_layer && strcmp(p->web.tiles_layer, l[i].def->name) == 0;
    rc = public_geojson(&w[k], p, dir, d);
    if (rc == 0 && w[k].tiled)
      rc = make_tiles(&w[k], p, dir, d);
    if (rc == 0)
      rc = om_pub_web_label_points(&w[k], dir, d);
    if (rc == 0)
      rc = om_pub_web_flatgeobuf(&w[k], p, dir, d);
    k++;
  }
  if (rc == 0)
    rc = copy_library(p, dir, d);
  char *stack = NULL;
  if (rc == 0)
    rc = om_pub_web_glyphs(&stack, p, w, k, dir, d);
  size_t len = 0;
  char *style = rc == 0 ? style_json(p, w, k, stack, &len) : NULL;
  char *path = om_path_join(dir, "style.json");
  if (rc == 0)
    rc = style && path ? om_pub_write_file(path, style, len, d)
                       : om_diag_fail(d, OM_ENOMEM, "out of memory");
  if (rc == 0)
    rc = om_pub_web_index(p, w, k, stack, dir, d);
  if (rc == 0)
    rc = write_page(p, dir, w, k, d);
  for (size_t i = 0; i < k; i++)
    free(w[i].url), free(w[i].fgb), free(w[i].labels);
  free(w), free(style), free(path), free(dir), free(stack);
  return rc;
}
