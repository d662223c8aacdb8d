/*
 * A layer's geocoding inside the pipeline: records whose coordinates are
 * empty (or every record, when the layer gives no coordinates) are located
 * by name through the gazetteer, and every record gets the gc_* fields
 * that say how it was located.  With locate.check_country, records that
 * give coordinates are tested against the country they state, and get
 * gc_check and gc_check_km.  With locate.reverse, records that give a
 * point get the rev_* fields: country, admin-1, admin-2, nearest place,
 * its GeoNames id and distance (geocode/reverse.h).
 */
#ifndef OM_PIPELINE_GEOCODE_H
#define OM_PIPELINE_GEOCODE_H

#include "core/diag.h"
#include "core/feature.h"
#include "geocode/geocode.h"
#include "io/reader.h"
#include "locate/locate.h"
#include "manifest/manifest.h"

struct om_layer_geocoder;

/*
 * Open the gazetteer, overrides, query template and country outlines of a
 * layer with locate.geocode, locate.check_country or locate.reverse; *out
 * is NULL for a layer with none of them.  Errors name the manifest and the file at fault.
 */
int om_layer_geocoder_open(struct om_layer_geocoder **out, const struct om_project *p,
                           const struct om_layer_def *layer, const struct om_reader *reader,
                           struct om_diag *d);
void om_layer_geocoder_free(struct om_layer_geocoder *g);

/* The fields it adds (gc_*, then gc_check and gc_check_km, then rev_*), their names and types. */
size_t om_layer_geocoder_nfields(const struct om_layer_geocoder *g);
const char *om_layer_geocoder_name(const struct om_layer_geocoder *g, size_t i);
enum om_field_type om_layer_geocoder_type(const struct om_layer_geocoder *g, size_t i);

/* The gazetteer's attribution notice, for output metadata (borrowed), or "". */
const char *om_layer_geocoder_attribution(const struct om_layer_geocoder *g);

/*
 * Locate rec by name into loc and fill values[0..nfields) (text owned by
 * g until the next call).  Returns OM_REASON_NONE, OM_REASON_GEOCODE_UNMATCHED
 * (err says what was asked and what came closest), or OM_REASON_MISSING_COORDINATES
 * for a layer that does not geocode.  *level gets the result's level.
 */
enum om_reason om_layer_geocode(struct om_layer_geocoder *g, const struct om_record *rec,
                                const char *id, struct om_location *loc, const char **values,
                                enum om_gc_level *level, struct om_locate_error *err);

/*
 * A record located by its own coordinates: fill its values (gc_status
 * given ...) and check it against its stated country, which under the
 * layer's policy may swap loc back (fix) or reject it (OM_REASON_SWAPPED,
 * OM_REASON_OUTSIDE_COUNTRY with err filled).  *warning gets a message
 * when the record is kept but flagged, else "".  OM_REASON_NONE when kept;
 * a negative code is a run-level failure (message in d).
 */
int om_layer_geocode_given(struct om_layer_geocoder *g, const struct om_record *rec,
                           struct om_location *loc, const char **values,
                           struct om_locate_error *err, char *warning, size_t size,
                           struct om_diag *d);

#endif
