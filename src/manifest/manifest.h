/*
 * The project on disk: oremap.yaml and the layer manifests it lists, parsed
 * into plain structs.  Errors name file:line:column; an unknown key gets a
 * "did you mean"; a wrong type names the expected one.  Only this module
 * includes libyaml.
 */
#ifndef OM_MANIFEST_MANIFEST_H
#define OM_MANIFEST_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/feature.h"

struct om_field_decl {
  char *name;              /* source field */
  enum om_field_type type; /* declared type, wins over detection */
};

struct om_source_def {
  char *path;               /* relative to the project dir, or a GDAL connection string */
  char *layer;              /* layer inside the source, or NULL */
  char *encoding;           /* "UTF-8" unless declared */
  char decimal;             /* '.' or ',' when declared; 0 when not declared */
  char *id;                 /* id field, or NULL */
  size_t nfields;           /* declared field types */
  struct om_field_decl *fields;
  size_t max_fields;        /* limit on fields per record (default 1,000) */
  size_t max_field_bytes;   /* limit on one field's bytes (default 65,536) */
};

enum om_locate_kind {
  OM_LOCATE_SOURCE, /* the source's own geometry (GeoPackage, GeoJSON, Shapefile) */
  OM_LOCATE_XY,     /* x and y columns */
  OM_LOCATE_DMS,    /* one text column with a coordinate pair */
  OM_LOCATE_WKT,    /* one WKT column */
  OM_LOCATE_GEOCODE,/* by place name only (locate.geocode without coordinates) */
};

/* locate.geocode: look the place up by name where coordinates are empty. */
struct om_geocode_def {
  char *query;      /* template over the source's fields; NULL: no geocoding */
  double min_score; /* results scoring lower are rejected (default 0) */
  char *overrides;  /* CSV of overrides, relative to the project, or NULL */
  char *gazetteer;  /* index file, relative to the project, or NULL for the project's */
  bool fuzzy;       /* fuzzy names when no exact name matches (default true) */
  int line;         /* where it was declared */
};

/* What to do with a record whose coordinates lie outside its stated country. */
enum om_check_policy {
  OM_CHECK_FLAG,   /* keep it as given; gc_check says what is wrong (default) */
  OM_CHECK_REJECT, /* reject it (outside, swapped) */
  OM_CHECK_FIX,    /* swap a swapped pair back and say so; flag the rest */
};

/* locate.check_country: coordinates against the country a field states. */
struct om_check_def {
  char *field;          /* the field naming the country; NULL: no check */
  enum om_check_policy policy;
  double tolerance_km;  /* nearer the border than this counts as inside (default 10) */
  int line;             /* where it was declared */
};

/* Reverse geocoding of given coordinates ('locate.reverse'). */
struct om_reverse_def {
  bool on;             /* add the rev_* fields */
  double tolerance_km; /* a point this near a country's border counts as in it (default 10) */
  int line;            /* where it was declared */
};

struct om_locate_def {
  enum om_locate_kind kind;
  char *x, *y;  /* OM_LOCATE_XY: field names */
  char *field;  /* OM_LOCATE_DMS / OM_LOCATE_WKT: field name */
  char *crs;    /* source CRS ("EPSG:4326" by default for XY/DMS/WKT) */
  struct om_geocode_def geocode; /* by name, where coordinates are empty */
  struct om_check_def check;     /* given coordinates against the stated country */
  struct om_reverse_def reverse; /* country, admin units, nearest place of given coordinates */
  bool make_valid; /* repair invalid geometries (reported) instead of rejecting them */
};

enum om_format {
  OM_FORMAT_GEOJSON,
  OM_FORMAT_GPKG,
  OM_FORMAT_CSV,
  OM_FORMAT_KML,        /* .kml */
  OM_FORMAT_SHAPEFILE,  /* .shp ("ESRI Shapefile") */
  OM_FORMAT_FLATGEOBUF, /* .fgb */
  OM_FORMAT_POSTGIS,    /* a "PG:" connection; 'layer' is the table */
};

struct om_output_def {
  char *path;         /* relative to the project dir */
  enum om_format format; /* from 'format' or the extension */
  char *layer;        /* layer name inside a GeoPackage, PostGIS table (default: the layer's name) */
  int precision;      /* GeoJSON coordinate decimals (default 6) */
  size_t nfields;     /* allow-list of fields, 0 = all */
  char **fields;
  char *crs;          /* GeoPackage: CRS of the coordinates written ("EPSG:5254"), or NULL for WGS 84 */
  int line;           /* where it was declared, for messages */
};

/* One output field of a join: a table column, maybe renamed and aggregated. */
struct om_join_field_def {
  char *source;            /* the table's column */
  char *as;                /* output name before the prefix, or NULL */
  char *aggregate;         /* "first" (default), "last", "count", "sum", "mean", "min", "max", "list" */
  bool typed;              /* type is declared */
  enum om_field_type type; /* declared type of the column */
};

/* joins: an attribute table joined onto the layer's records by key fields. */
struct om_join_def {
  char *table;        /* path of any table GDAL opens (relative to the project) */
  char *layer;        /* its layer or sheet, or NULL */
  char *encoding;     /* its encoding ("UTF-8" unless declared) */
  char decimal;       /* its decimal separator, 0 when not declared */
  size_t nkeys;       /* key fields */
  char **left_keys;   /* the layer's */
  char **right_keys;  /* the table's */
  bool trim;          /* keys: trim spaces */
  bool fold_case;     /* keys: case folded (Turkish-safe) */
  bool fold_marks;    /* keys: accents and marks dropped */
  bool strip_zeros;   /* keys: leading zeros dropped */
  bool numeric;       /* keys compare as numbers */
  bool one_to_many;   /* relation: one-to-many */
  size_t nfields;
  struct om_join_field_def *fields;
  char *prefix;       /* before every output name, or NULL */
  char *separator;    /* for list, or NULL */
  bool drop_unmatched;/* unmatched: drop (records without a match are rejected) */
  int line;           /* where it was declared */
  /* A join by location (join/spatial.h) when predicate is set; then nkeys is 0. */
  char *predicate;    /* "within", "intersects", "contains", "nearest", or NULL */
  char *from_layer;   /* 'layer' without 'table': a layer of the project, whose first
                         output is read; NULL when 'table' names the file */
  double max_km;      /* nearest: farthest match in km, 0 for no limit */
  char *distance_field; /* nearest: output field with the distance in km, or NULL */
};

/* transform: a geometry operation on every located record (manifest/transform.h). */
enum om_transform_kind {
  OM_TRANSFORM_NONE,      /* no transform */
  OM_TRANSFORM_BUFFER,    /* buffer_km: the area within buffer_km of the geometry */
  OM_TRANSFORM_FLOW_LINE, /* flow_line: a great-circle line from an origin to the record */
};

struct om_transform_def {
  enum om_transform_kind kind;
  double buffer_km;      /* BUFFER: the radius */
  char *from_layer;      /* FLOW_LINE: the layer holding the origin, or NULL for from_x/y */
  char *from_id;         /* its record's id */
  double from_x, from_y; /* the origin in WGS 84 degrees when from_layer is NULL */
  double step_km;        /* FLOW_LINE: most km between vertices */
  int line;              /* where it was declared */
};

/* aggregate: the layer's records grouped into one feature per group (manifest/aggregate.h). */
struct om_aggregate_def {
  size_t nby;         /* group-by fields; 0 when the layer has no aggregate */
  char **by;          /* their names */
  char *geometry;     /* "union" (default), "hull" or "collect" */
  size_t nfields;     /* aggregated fields, as a join declares them */
  struct om_join_field_def *fields;
  char *separator;    /* for list, or NULL */
  int line;           /* where it was declared */
};

struct om_layer_def {
  char *file;         /* the manifest's path, for messages */
  char *name;         /* unique layer name */
  char *title;        /* or NULL */
  char *description;  /* or NULL */
  struct om_source_def source;
  struct om_locate_def locate;
  size_t noutputs;
  struct om_output_def *outputs;
  char *style;        /* path of a style file, or NULL */
  size_t njoins;      /* attribute joins, applied in order */
  struct om_join_def *joins;
  struct om_transform_def transform; /* kind OM_TRANSFORM_NONE when not declared */
  struct om_aggregate_def aggregate; /* nby 0 when not declared */
};

/* One layer of the web bundle ('web.layers'), with where it was named. */
struct om_web_layer_def {
  char *name;         /* a layer of the project */
  long line, column;  /* for messages */
};

/* 'web': the web bundle (manifest/publish.h); dir is NULL when not declared. */
struct om_web_def {
  char *dir;          /* the bundle's folder, relative to the project */
  char *title;        /* the page's title, or NULL for the project's */
  char *library;      /* folder holding maplibre-gl.js and .css, or NULL (README.md, "Web bundle") */
  size_t nlayers;     /* layers shown (drawn in the order of om_publish_order); 0 = every layer */
  struct om_web_layer_def *layers;
  char *tiles_layer;  /* the layer served as vector tiles, or NULL */
  long tiles_line, tiles_column;
  int minzoom, maxzoom; /* the tiles' zoom levels */
  char *font;         /* labels' font: a file (relative to the project) or a fontconfig name; NULL = sans-serif */
  long flatgeobuf_min_features; /* a layer with at least this many features also goes out as .fgb */
};

struct om_project {
  char *qgis_project; /* 'qgis_project': the .qgz / .qgs written, relative to dir, or NULL */
  long qgis_line, qgis_column; /* where it was declared */
  struct om_web_def web; /* 'web' */
  char *dir;          /* project directory */
  char *file;         /* path of oremap.yaml */
  char *name;         /* project name */
  char *title;        /* or NULL */
  char *output_root;  /* relative to dir ("out" by default) */
  bool allow_outside_root; /* outputs may lie anywhere (allow_outputs_outside_root: true) */
  char *gazetteer;    /* default gazetteer index (relative to dir), or NULL for the built-in one */
  size_t nlayers;
  struct om_layer_def *layers;
};

/*
 * Load dir/oremap.yaml and the layer manifests its 'layers' list names
 * (paths or globs, default "layers/<name>.yaml" for every file there), in a stable order.  Every
 * problem found is reported with file:line:column; the first makes the
 * return OM_EMANIFEST with its message in d->msg.
 */
int om_project_load(struct om_project **out, const char *dir, struct om_diag *d);
void om_project_free(struct om_project *p);

/*
 * The gazetteer index a layer geocodes with, as a path usable from the
 * current folder (a new string): the layer's own, the project's, else the
 * built-in default (OREMAP_GAZETTEER in the environment overrides it).
 */
char *om_project_gazetteer(const struct om_project *p, const struct om_layer_def *l);

/* Parse one layer manifest on its own (used by tests and the loader). */
int om_layer_load(struct om_layer_def *out, const char *path, struct om_diag *d);
void om_layer_release(struct om_layer_def *l);

#endif
