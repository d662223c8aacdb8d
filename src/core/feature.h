/*
 * The shape of a layer between the stages: a schema of typed attribute
 * fields and features that carry text values and an ISO WKB geometry in
 * WGS 84 longitude/latitude.
 *
 * Values travel as canonical text: an INTEGER value is an optional '-' and
 * digits without leading zeros; a REAL value is a JSON-compatible number
 * (the pipeline has already turned decimal commas into points).  Writers
 * print them as they are or parse them for binary formats.
 */
#ifndef OM_CORE_FEATURE_H
#define OM_CORE_FEATURE_H

#include <stddef.h>

enum om_field_type {
  OM_FIELD_STRING,
  OM_FIELD_INTEGER, /* 64-bit signed */
  OM_FIELD_REAL,    /* double */
};

/* "string", "integer", "real". */
const char *om_field_type_name(enum om_field_type t);
/* Parse a type name; returns 0, or -1 for an unknown name. */
int om_field_type_parse(enum om_field_type *out, const char *name);

struct om_field_def {
  char *name;              /* UTF-8, owned */
  enum om_field_type type; /* how writers store the values */
};

struct om_schema {
  size_t n;                    /* number of fields */
  struct om_field_def *fields; /* n entries, owned */
};

void om_schema_release(struct om_schema *s);

struct om_feature {
  long record;                /* source record number (1-based) */
  long line;                  /* source line, 0 when the format has none */
  size_t nvalues;             /* equals the schema's n */
  const char *const *values;  /* canonical text per field, NULL = null */
  const unsigned char *wkb;   /* ISO WKB, little-endian, lon/lat WGS 84 */
  size_t wkb_len;             /* bytes in wkb */
  double env[4];              /* minx, miny, maxx, maxy of the geometry */
};

/*
 * Per output: which schema fields go out and how.  field_index lists
 * schema indices in output order; NULL with nfields == 0 means all fields.
 */
/* A GeoPackage output's CRS, as gpkg_spatial_ref_sys registers it. */
struct om_output_srs {
  const char *organization; /* "EPSG", or "NONE" */
  long organization_id;     /* code within the organization, or -1 */
  const char *name;         /* srs_name */
  const char *definition;   /* WKT */
};

struct om_spool;
struct om_gpkg_batch;

struct om_output_opts {
  const char *path;          /* file to write */
  const char *layer;         /* layer (table) name inside it */
  const char *title;         /* human title, or NULL */
  const char *description;   /* or NULL */
  int precision;             /* decimals for GeoJSON coordinates */
  size_t nfields;            /* entries in field_index */
  const size_t *field_index; /* schema indices, or NULL for all */
  const struct om_output_srs *srs; /* GeoPackage: the features' CRS, or NULL for WGS 84 */
  const struct om_spool *spool;    /* features in that CRS, or NULL for the layer's own */
  struct om_gpkg_batch *batch;     /* GeoPackage: the build's copies (io/gpkg_batch.h), or
                                      NULL to replace the file before returning */
};

#endif
