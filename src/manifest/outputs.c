/*
 * 'outputs' of a layer manifest (outputs.h): each output's path, format,
 * precision, fields and CRS, and the check that no two outputs write the
 * same file.
 */
#include "manifest/outputs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/path.h"

#define DEFAULT_PRECISION 6

static const char *const path_required[] = {"path", NULL};
static const char *const output_keys[] = {"path",   "layer", "format", "precision",
                                          "fields", "crs",   NULL};

/*
 * Check an output path against the rules in manifest.h; root may be NULL
 * (unknown).  A project that allows outputs outside its root ('anywhere')
 * takes any path.
 */
static void check_output_path(struct om_yaml_file *f, yaml_node_t *at, const char *path,
                              const char *root, bool anywhere)
{
  if (anywhere || strncmp(path, "PG:", 3) == 0) /* a database, not a file in the project */
    return;
  if (strncmp(path, "/vsi", 4) == 0) {
    om_yaml_error_at(f, at, "output '%s' must be a file in the project, not a GDAL virtual path",
                     path);
  } else if (path[0] == '/') {
    om_yaml_error_at(f, at, "output '%s' must be relative to the project folder, not absolute",
                     path);
  } else if (om_path_has_dotdot(path)) {
    om_yaml_error_at(f, at, "output '%s' must not go up with '..'", path);
  } else if (root) {
    const char *p = om_path_skip_dot(path);
    size_t n = strlen(root);
    if (strncmp(p, root, n) != 0 || p[n] != '/' || !p[n + strspn(p + n, "/")])
      om_yaml_error_at(f, at, "output '%s' is outside the output root '%s'", path, root);
  }
}

static bool has_ext(const char *path, const char *ext)
{
  size_t n = strlen(path), m = strlen(ext);
  return n > m && strcasecmp(path + n - m, ext) == 0;
}

static void read_output_format(struct om_yaml_file *f, yaml_node_t *item, yaml_node_t *path_node,
                               struct om_output_def *o)
{
  char *format = NULL;
  if (item->type == YAML_MAPPING_NODE && om_yaml_string(f, item, "format", &format) < 0)
    return;
  if (format) {
    if (strcasecmp(format, "GeoJSON") == 0)
      o->format = OM_FORMAT_GEOJSON;
    else if (strcasecmp(format, "GPKG") == 0)
      o->format = OM_FORMAT_GPKG;
    else if (strcasecmp(format, "CSV") == 0)
      o->format = OM_FORMAT_CSV;
    else if (strcasecmp(format, "KML") == 0 || strcasecmp(format, "LIBKML") == 0)
      o->format = OM_FORMAT_KML;
    else if (strcasecmp(format, "ESRI Shapefile") == 0 || strcasecmp(format, "Shapefile") == 0)
      o->format = OM_FORMAT_SHAPEFILE;
    else if (strcasecmp(format, "FlatGeobuf") == 0)
      o->format = OM_FORMAT_FLATGEOBUF;
    else if (strcasecmp(format, "PostGIS") == 0 || strcasecmp(format, "PostgreSQL") == 0)
      o->format = OM_FORMAT_POSTGIS;
    else
      om_yaml_error_at(f, om_yaml_get(f, item, "format"),
                       "'format' must be one of GeoJSON, GPKG, CSV, KML, ESRI Shapefile, "
                       "FlatGeobuf, PostGIS, not '%s'",
                       format);
    free(format);
    if (o->format == OM_FORMAT_POSTGIS && strncmp(o->path, "PG:", 3) != 0)
      om_yaml_error_at(f, path_node, "a PostGIS output's path must be a 'PG:' connection, not '%s'",
                       o->path);
    else if (o->format != OM_FORMAT_POSTGIS && strncmp(o->path, "PG:", 3) == 0)
      om_yaml_error_at(f, path_node, "output 'PG:...' is a PostGIS table: give no other 'format'");
  } else if (strncmp(o->path, "PG:", 3) == 0) {
    o->format = OM_FORMAT_POSTGIS;
  } else if (has_ext(o->path, ".kml")) {
    o->format = OM_FORMAT_KML;
  } else if (has_ext(o->path, ".shp")) {
    o->format = OM_FORMAT_SHAPEFILE;
  } else if (has_ext(o->path, ".fgb")) {
    o->format = OM_FORMAT_FLATGEOBUF;
  } else if (has_ext(o->path, ".geojson") || has_ext(o->path, ".json")) {
    o->format = OM_FORMAT_GEOJSON;
  } else if (has_ext(o->path, ".gpkg")) {
    o->format = OM_FORMAT_GPKG;
  } else if (has_ext(o->path, ".csv")) {
    o->format = OM_FORMAT_CSV;
  } else {
    om_yaml_error_at(f, path_node,
                     "cannot tell the format of output '%s' from its extension; use .geojson, "
                     ".json, .gpkg, .csv, .kml, .shp or .fgb, or give 'format' (GeoJSON, GPKG, "
                     "CSV, KML, ESRI Shapefile, FlatGeobuf)",
                     o->path);
  }
}

static void read_output_fields(struct om_yaml_file *f, yaml_node_t *v, struct om_output_def *o)
{
  char desc[96];
  if (v->type != YAML_SEQUENCE_NODE) {
    om_yaml_error_at(f, v, "'fields' must be a list of field names, not %s",
                     om_yaml_describe(v, desc, sizeof desc));
    return;
  }
  size_t n = om_yaml_length(v);
  if (n == 0) {
    om_yaml_error_at(f, v, "'fields' is empty; leave it out to write every field");
    return;
  }
  o->fields = calloc(n, sizeof *o->fields);
  if (!o->fields) {
    om_yaml_oom(f->e);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    yaml_node_t *item = om_yaml_node(f, v->data.sequence.items.start[i]);
    char *name = om_yaml_item(f, item, "fields", "a field name");
    if (!name)
      continue;
    bool twice = false;
    for (size_t j = 0; j < o->nfields && !twice; j++)
      twice = strcmp(o->fields[j], name) == 0;
    if (twice) {
      om_yaml_error_at(f, item, "field '%s' is listed twice in 'fields'", name);
      free(name);
      continue;
    }
    o->fields[o->nfields++] = name;
  }
}

/*
 * 'crs' of an output: any CRS PROJ knows, checked when the layer is built.
 * RFC 7946 fixes GeoJSON to WGS 84 longitude/latitude, and KML 2.2 fixes
 * KML to it, so those outputs take no other.
 */
static void read_output_crs(struct om_yaml_file *f, yaml_node_t *item, struct om_output_def *o)
{
  if (om_yaml_string(f, item, "crs", &o->crs) < 0 || !o->crs)
    return;
  yaml_node_t *at = om_yaml_get(f, item, "crs");
  if (!*o->crs)
    om_yaml_error_at(f, at, "'crs' must not be empty");
  else if (o->path && (o->format == OM_FORMAT_GEOJSON || o->format == OM_FORMAT_KML) &&
           strcasecmp(o->crs, "EPSG:4326") != 0 && strcasecmp(o->crs, "OGC:CRS84") != 0)
    om_yaml_error_at(f, at,
                     "output '%s': %s is always WGS 84 (%s), so 'crs' cannot be "
                     "'%s'; write a GeoPackage for other CRSs",
                     o->path, o->format == OM_FORMAT_KML ? "KML" : "GeoJSON",
                     o->format == OM_FORMAT_KML ? "KML 2.2" : "RFC 7946", o->crs);
}

/* One item of 'outputs': a path, or a mapping with 'path' and options. */
static void read_output(struct om_yaml_file *f, yaml_node_t *item, const char *root, bool anywhere,
                        struct om_output_def *o)
{
  o->precision = DEFAULT_PRECISION;
  o->line = (int)item->start_mark.line + 1;
  yaml_node_t *path_node = item;
  if (item->type == YAML_SCALAR_NODE) {
    o->path = om_yaml_item(f, item, "outputs", "a path or a mapping");
  } else if (item->type == YAML_MAPPING_NODE) {
    om_yaml_check_keys(f, item, "an output", output_keys, path_required);
    om_yaml_string(f, item, "path", &o->path);
    path_node = om_yaml_get(f, item, "path");
  } else {
    om_yaml_error_at(f, item, "each item of 'outputs' must be a path or a mapping, not a list");
  }
  if (o->path)
    check_output_path(f, path_node, o->path, root, anywhere);
  if (item->type == YAML_MAPPING_NODE) {
    om_yaml_string(f, item, "layer", &o->layer);
    yaml_node_t *v = om_yaml_get(f, item, "precision");
    long precision;
    if (v && om_yaml_integer(f, v, "precision", 0, 15, "an integer from 0 to 15", &precision) == 0)
      o->precision = (int)precision;
    if ((v = om_yaml_get(f, item, "fields")))
      read_output_fields(f, v, o);
  }
  if (o->path)
    read_output_format(f, item, path_node, o);
  if (item->type == YAML_MAPPING_NODE)
    read_output_crs(f, item, o);
}

void om_manifest_read_outputs(struct om_yaml_file *f, yaml_node_t *v, const char *root,
                              bool anywhere, struct om_layer_def *l)
{
  char desc[96];
  if (v->type != YAML_SEQUENCE_NODE) {
    om_yaml_error_at(f, v, "'outputs' must be a list, not %s",
                     om_yaml_describe(v, desc, sizeof desc));
    return;
  }
  size_t n = om_yaml_length(v);
  if (n == 0) {
    om_yaml_error_at(f, v, "'outputs' is empty; list at least one output");
    return;
  }
  l->outputs = calloc(n, sizeof *l->outputs);
  if (!l->outputs) {
    om_yaml_oom(f->e);
    return;
  }
  l->noutputs = n;
  for (size_t i = 0; i < n; i++)
    read_output(f, om_yaml_node(f, v->data.sequence.items.start[i]), root, anywhere,
                &l->outputs[i]);
}

/*
 * Two outputs clash when they write the same file, unless both are
 * GeoPackage layers with different names (a GeoPackage holds many).
 */
void om_manifest_check_output_clashes(struct om_yaml_errors *e, struct om_layer_def *layers,
                                      size_t n)
{
  for (size_t a = 0; a < n; a++) {
    for (size_t i = 0; i < layers[a].noutputs; i++) {
      const struct om_output_def *o = &layers[a].outputs[i];
      bool clash = false;
      for (size_t b = 0; b <= a && !clash; b++) {
        for (size_t j = 0; j < (b == a ? i : layers[b].noutputs) && !clash; j++) {
          const struct om_output_def *q = &layers[b].outputs[j];
          if (!o->path || !q->path || strcmp(om_path_skip_dot(o->path), om_path_skip_dot(q->path)) != 0)
            continue;
          if (o->format == OM_FORMAT_GPKG && q->format == OM_FORMAT_GPKG && o->layer && q->layer &&
              strcmp(o->layer, q->layer) != 0)
            continue;
          clash = true;
          om_yaml_error(e, layers[a].file, o->line, 0,
                        "output '%s' is also written by layer '%s' (%s:%d)", o->path,
                        layers[b].name ? layers[b].name : "?", layers[b].file, q->line);
        }
      }
    }
  }
}
