/* What the build needs to know of a GeoPackage layer without reading it. */
#ifndef OM_IO_GPKG_INFO_H
#define OM_IO_GPKG_INFO_H

#include <stdint.h>

/*
 * A fingerprint of one table of a GeoPackage: a hash of its
 * gpkg_contents.last_change, its largest fid and its row count: the first
 * changes whenever GDAL or QGIS edit the layer, the others when any tool
 * adds or deletes rows.  *out is 0 when the
 * file or the table is missing.  Returns 0, or -1 when the file exists but
 * cannot be read as a GeoPackage (then *out is 0 too).
 */
int om_gpkg_fingerprint(const char *path, const char *table, uint64_t *out);

#endif
