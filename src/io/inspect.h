/* Describing a vector file for people (oremap inspect). */
#ifndef OM_IO_INSPECT_H
#define OM_IO_INSPECT_H

#include <stdio.h>

#include "core/diag.h"

/*
 * Print to out the driver of path and, per layer, its geometry type,
 * feature count, CRS, extent and fields.  For a GeoPackage, also whether
 * SQLite's integrity check and each R-tree check pass.
 */
int om_inspect(FILE *out, const char *path, struct om_diag *d);

#endif
