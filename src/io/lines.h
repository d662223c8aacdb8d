/*
 * Reading a text file line by line, plain or as a member of a .zip
 * archive (through GDAL's /vsizip/), in bounded memory: the GeoNames
 * dumps run to gigabytes and are often kept zipped.
 *
 * A path ending in ".zip" opens the member whose name is the archive's
 * name with ".txt" for ".zip" (allCountries.zip holds allCountries.txt),
 * else the archive's only or first file.  "archive.zip/member.txt" names
 * a member directly.
 */
#ifndef OM_IO_LINES_H
#define OM_IO_LINES_H

#include <stddef.h>

#include "core/diag.h"

struct om_lines;

/* Open a file or zip member; OM_EIO with the reason in d->msg. */
int om_lines_open(struct om_lines **out, const char *path, struct om_diag *d);
void om_lines_free(struct om_lines *l);

/*
 * The next line without its "\n" (or "\r\n"), NUL-terminated, borrowed
 * until the next call: 1, 0 at the end, or OM_EIO / OM_ENOMEM.  A line
 * longer than 16 MB is OM_EIO.
 */
int om_lines_next(struct om_lines *l, char **line, size_t *len, struct om_diag *d);

/* The 1-based number of the line last returned. */
long om_lines_number(const struct om_lines *l);

#endif
