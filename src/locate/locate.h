/*
 * Locating a record: turning its coordinate fields, coordinate text, WKT
 * or own geometry into WGS 84 longitude/latitude WKB, or saying exactly
 * why not.  One locator per layer and thread (it owns a PROJ context).
 */
#ifndef OM_LOCATE_LOCATE_H
#define OM_LOCATE_LOCATE_H

#include <stddef.h>

#include "core/diag.h"
#include "io/reader.h"
#include "manifest/manifest.h"

struct om_locator;

/* Why a record could not be located: which field, what is wrong, the value. */
struct om_locate_error {
  enum om_reason reason; /* OM_REASON_NONE when located */
  const char *field;     /* field name (borrowed from the locator), or NULL */
  const char *value;     /* offending value (borrowed from the record), or NULL */
  char detail[256];      /* more about the reason, or "" */
};

/* The located geometry; reuse one across records to keep its buffer. */
struct om_location {
  unsigned char *wkb; /* ISO WKB lon/lat, owned */
  size_t len;         /* bytes used */
  size_t cap;         /* bytes allocated */
  double env[4];      /* envelope */
  char repaired[512]; /* locate.make_valid repaired the geometry: what was wrong and what
                         changed ("" when nothing was repaired) */
};

/*
 * Prepare to locate records of a source whose fields are named by the
 * reader: the fields the definition names must exist (OM_EMANIFEST naming
 * the manifest, the field and the fields there are) and its CRS must be
 * known.  source_crs is the reader's own CRS for OM_LOCATE_SOURCE.
 */
int om_locator_new(struct om_locator **out, const struct om_layer_def *layer,
                   const struct om_reader *reader, struct om_diag *d);
void om_locator_free(struct om_locator *l);

/* Is schema field i consumed by locating (a coordinate, DMS or WKT column)? */
int om_locator_uses_field(const struct om_locator *l, size_t i);

/* Locate one record; returns err->reason (OM_REASON_NONE on success). */
enum om_reason om_locate(struct om_locator *l, const struct om_record *rec,
                         struct om_location *loc, struct om_locate_error *err);

void om_location_release(struct om_location *loc);

/* Make loc a point (lon/lat WGS 84); OM_REASON_NONE, or GEOMETRY_INVALID when out of memory. */
enum om_reason om_location_set_point(struct om_location *loc, double lon, double lat);

#endif
