/* What the publishers share: the layers as their outputs show them.  Internal to src/publish. */
#ifndef OM_PUBLISH_INTERNAL_H
#define OM_PUBLISH_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "core/diag.h"
#include "manifest/manifest.h"
#include "style/style.h"

/* One layer, read back from the output it is published from. */
struct om_pub_layer {
  const struct om_layer_def *def;   /* its manifest */
  const struct om_output_def *out;  /* the output read: its first GeoPackage, else first GeoJSON */
  char *path;                       /* that file, from the current folder; owned */
  char *table;                      /* the GeoPackage table, or NULL for GeoJSON; owned */
  enum om_style_geometry geometry;  /* from the data, not the style */
  double west, south, east, north;  /* extent in WGS 84 degrees; west > east when empty */
  long features;                    /* feature count */
  char *srs_wkt;                    /* the layer's CRS as WKT, owned */
  char *srs_authid;                 /* "EPSG:4326", owned */
  char *srs_proj4;                  /* owned */
  struct om_style *style;           /* its style, or NULL */
};

/*
 * Every layer of p that has a GeoPackage or GeoJSON output, in drawing
 * order, bottom first: polygons, then lines, then points; among
 * polygons the larger extent lower (country outlines at the bottom);
 * otherwise as the project lists them.
 */
int om_pub_layers_load(struct om_pub_layer **out, size_t *n, const struct om_project *p,
                       struct om_diag *d);
void om_pub_layers_free(struct om_pub_layer *l, size_t n);

/* The path of 'to' relative to the folder 'from_dir' (both relative to one folder): new string. */
char *om_pub_relative(const char *from_dir, const char *to);

/* Text escaped for XML / as a JSON string literal with its quotes. */
void om_pub_put_xml(FILE *f, const char *text);
void om_pub_put_json(FILE *f, const char *text);

/* Write 'len' bytes to 'path' atomically. */
int om_pub_write_file(const char *path, const char *data, size_t len, struct om_diag *d);
/* Remove a file or a folder with everything in it, as far as it goes. */
void om_pub_remove_tree(const char *path);

int om_pub_qgis_project(const struct om_project *p, const struct om_pub_layer *l, size_t n,
                        struct om_diag *d);
/* The viewer page (web_html.c): 'title' as text, 'config' a JSON object of its settings. */
void om_pub_web_page(FILE *f, const char *title, const char *config);

int om_pub_web(const struct om_project *p, const struct om_pub_layer *l, size_t n,
               struct om_diag *d);

/* One layer of the web bundle (web.c). */
struct om_pub_web_layer {
  const struct om_pub_layer *l; /* the layer */
  char *url;                    /* its GeoJSON, relative to the bundle; owned */
  bool tiled;                   /* served as vector tiles */
  char *fgb;                    /* its FlatGeobuf, relative to the bundle, or NULL; owned */
  char *labels;                 /* its label points, relative to the bundle, or NULL; owned */
};

/* 'path' (relative to the project) inside the bundle folder 'dir': the rest of it (borrowed), else NULL. */
const char *om_pub_inside(const char *dir, const char *path);

/*
 * Run GDAL's ogr2ogr (library form) from 'src' to 'dst' with 'args';
 * 0, or OM_EDEP with GDAL's message about 'what'.
 */
int om_pub_translate(const char *dst, const char *src, char **args, const char *what,
                     struct om_diag *d);

/*
 * The labels' glyphs (web_glyphs.c): when a shown layer has a labelled
 * style, fonts/<stack>/<first>-<last>.pbf in 'dir' for range 0-255 and every
 * range the label texts in the layers' GeoJSON use.  *stack gets the font
 * stack's name (a new string), or NULL when no layer has labels.
 */
int om_pub_web_glyphs(char **stack, const struct om_project *p, const struct om_pub_web_layer *w,
                      size_t n, const char *dir, struct om_diag *d);

/*
 * A FlatGeobuf copy of a layer with at least web.flatgeobuf_min_features
 * features (web_files.c): <layer>.fgb in 'dir' from its public GeoJSON,
 * so with the same fields, and a packed R-tree; w->fgb names it.  A
 * smaller layer's old copy is removed.
 */
int om_pub_web_flatgeobuf(struct om_pub_web_layer *w, const struct om_project *p, const char *dir,
                          struct om_diag *d);

/*
 * The label points of a tiled layer with labels (web_labels.c):
 * <layer>.labels.geojson in 'dir', a point on the surface of each feature
 * with its label field; w->labels names it.  Nothing for other layers.
 */
int om_pub_web_label_points(struct om_pub_web_layer *w, const char *dir, struct om_diag *d);

/* index.json in 'dir': every layer's files (GeoJSON, tiles, FlatGeobuf) and feature count. */
int om_pub_web_index(const struct om_project *p, const struct om_pub_web_layer *w, size_t n,
                     const char *stack, const char *dir, struct om_diag *d);

#endif
