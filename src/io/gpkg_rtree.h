/*
 * Bulk loading of an SQLite R-tree (the GeoPackage spatial index).
 *
 * Inserting into an R-tree virtual table one row at a time costs about
 * 13 s per million entries, because every insert walks, splits and
 * rewrites nodes.  When all entries are known up front the tree can be
 * packed instead: the entries, already in a spatially coherent order
 * (Hilbert), are cut into runs that fill the leaves, the leaves into runs
 * that fill the next level, and so on up to the root.  The nodes are then
 * written straight into the virtual table's shadow tables (<name>_node,
 * <name>_parent, <name>_rowid) in SQLite's own on-disk format, so SQLite
 * reads, checks (rtreecheck) and later edits the result like any R-tree it
 * built itself.
 *
 * Coordinates are stored as 32-bit floats rounded outwards exactly as
 * SQLite rounds them, so a bulk-loaded tree answers every window query
 * like a tree built with INSERTs.
 */
#ifndef OM_IO_GPKG_RTREE_H
#define OM_IO_GPKG_RTREE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* One entry: its rowid and box as stored (minx, maxx, miny, maxy). */
struct om_gpkg_rtree_cell {
  int64_t id;   /* rowid of the indexed row */
  float box[4]; /* minx, maxx, miny, maxy, rounded outwards */
};

/* The entries of a tree being built, in the order they will be packed. */
struct om_gpkg_rtree {
  struct om_gpkg_rtree_cell *cells; /* n entries, owned */
  size_t n;                         /* entries added */
  size_t cap;                       /* entries allocated */
};

void om_gpkg_rtree_init(struct om_gpkg_rtree *t);
void om_gpkg_rtree_release(struct om_gpkg_rtree *t);

/*
 * Append an entry with envelope env = {minx, miny, maxx, maxy}.  Entries
 * are packed in the order they are added, so add them in Hilbert (or
 * another spatially coherent) order for a good tree.  Returns SQLITE_OK,
 * SQLITE_NOMEM, or SQLITE_CONSTRAINT for a NaN or inverted envelope.
 */
int om_gpkg_rtree_add(struct om_gpkg_rtree *t, int64_t id, const double env[4]);

/*
 * Write the entries into the two-dimensional R-tree virtual table 'name'
 * of db's main schema, which must have just been created and be empty
 * (CREATE VIRTUAL TABLE "name" USING rtree(id, minx, maxx, miny, maxy)).
 * The node size is the one SQLite chose for the table (the length of its
 * root node).  Call it inside a transaction.  Returns an SQLite result
 * code; on failure sqlite3_errmsg(db) says why, or the code alone does
 * (SQLITE_NOMEM, SQLITE_MISMATCH for a table that is not empty).
 */
int om_gpkg_rtree_write(const struct om_gpkg_rtree *t, sqlite3 *db, const char *name);

#endif
