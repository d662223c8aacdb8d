/*
 * Hilbert curve keys: points close on the curve are close on the map, so
 * writing features in key order makes R-tree nodes compact and reads local.
 */
#ifndef OM_CORE_HILBERT_H
#define OM_CORE_HILBERT_H

#include <stdint.h>

/* The key of (x, y) on a 65,536 × 65,536 grid laid over extent {minx, miny, maxx, maxy}. */
uint64_t om_hilbert_key(double x, double y, const double extent[4]);

#endif
