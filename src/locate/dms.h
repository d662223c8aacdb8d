/*
 * Degrees-minutes-seconds and hemisphere-lettered coordinates as people
 * type them: 39°41′12″N 31°12′20″E, 39 41 12 N, 31 12 20 E,
 * N39.6869 E31.2056, 39.6869N 31.2056E, 39:41:12.5N, with ASCII ' and "
 * as well as primes.  Pure text parsing: range checks beyond minutes and
 * seconds, and swap detection, belong to the caller.
 */
#ifndef OM_LOCATE_DMS_H
#define OM_LOCATE_DMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"

/*
 * Parse a pair "latitude longitude" (either order when both carry
 * hemisphere letters) into decimal degrees.  *lettered (may be NULL) says
 * whether a hemisphere letter named an axis, in which case the caller
 * cannot take a value out of range for a swapped pair.  Returns
 * OM_REASON_NONE, or OM_REASON_DMS_SYNTAX, OM_REASON_DMS_AMBIGUOUS,
 * OM_REASON_DMS_RANGE with a short explanation in detail.
 */
enum om_reason om_dms_parse_pair(const char *text, double *lat, double *lon, bool *lettered,
                                 char *detail, size_t detail_size);

/*
 * Parse one coordinate ("39°41′12″N", "-31.2056", "31 12 20 E").  *axis is
 * set to 'y' for N/S, 'x' for E/W, '?' when no letter says.
 */
enum om_reason om_dms_parse_one(const char *text, double *value, char *axis, char *detail,
                                size_t detail_size);

#endif
