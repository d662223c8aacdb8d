/*
 * A packed R-tree written straight into SQLite's R-tree shadow tables (see
 * gpkg_rtree.h for why).
 *
 * The format, as ext/rtree/rtree.c defines it for a 2-D tree:
 *   <name>_node(nodeno INTEGER PRIMARY KEY, data BLOB): one row per node,
 *     every blob as long as the root's.  Bytes 0-1: the tree depth (root,
 *     node 1, only; 0 when the root is a leaf), bytes 2-3: the number of
 *     cells, then 24-byte cells: an 8-byte rowid (leaf) or child node
 *     number (inner node) and four 4-byte floats minx, maxx, miny, maxy,
 *     all big-endian.  Unused bytes are zero.
 *   <name>_parent(nodeno INTEGER PRIMARY KEY, parentnode): a row per
 *     node except the root.
 *   <name>_rowid(rowid INTEGER PRIMARY KEY, nodeno): a row per entry,
 *     naming the leaf that holds it.
 * SQLite sizes the nodes when it creates the table: page size - 64 bytes,
 * but at most 51 cells (1,228 bytes for 4,096-byte pages); later
 * connections take the size from the root blob's length.
 *
 * Packing: with capacity C and k = ceil(n / C) nodes on a level, node i
 * takes entries [i*n/k, (i+1)*n/k): every node but a lone root holds at
 * least C/2 cells, so SQLite's own later inserts and deletes (minimum fill
 * C/3) find a normal tree.  Nodes are numbered from the root down, level
 * by level, so every shadow table is written in key order.
 */
#include "io/gpkg_rtree.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CELL_BYTES 24 /* 8-byte id + 4 floats */
#define MAX_LEVELS 40 /* SQLite's RTREE_MAX_DEPTH */

/* SQLite's rounding factors for double -> float (rtree.c, RNDTOWARDS / RNDAWAY). */
#define ROUND_TOWARDS (1.0 - 1.0 / 8388608.0)
#define ROUND_AWAY (1.0 + 1.0 / 8388608.0)

/* The largest float not above d, computed as SQLite's rtreeValueDown does. */
static float round_down(double d)
{
  float f = (float)d;
  if (f > d)
    f = (float)(d * (d < 0 ? ROUND_AWAY : ROUND_TOWARDS));
  return f;
}

/* The smallest float not below d, as SQLite's rtreeValueUp. */
static float round_up(double d)
{
  float f = (float)d;
  if (f < d)
    f = (float)(d * (d < 0 ? ROUND_TOWARDS : ROUND_AWAY));
  return f;
}

void om_gpkg_rtree_init(struct om_gpkg_rtree *t)
{
  memset(t, 0, sizeof *t);
}

void om_gpkg_rtree_release(struct om_gpkg_rtree *t)
{
  free(t->cells);
  memset(t, 0, sizeof *t);
}

int om_gpkg_rtree_add(struct om_gpkg_rtree *t, int64_t id, const double env[4])
{
  if (isnan(env[0]) || isnan(env[1]) || isnan(env[2]) || isnan(env[3]) ||
      env[0] > env[2] || env[1] > env[3])
    return SQLITE_CONSTRAINT;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 4096;
    struct om_gpkg_rtree_cell *grown = realloc(t->cells, cap * sizeof *grown);
    if (!grown)
      return SQLITE_NOMEM;
    t->cells = grown;
    t->cap = cap;
  }
  struct om_gpkg_rtree_cell *c = &t->cells[t->n++];
  c->id = id;
  c->box[0] = round_down(env[0]);
  c->box[1] = round_up(env[2]);
  c->box[2] = round_down(env[1]);
  c->box[3] = round_up(env[3]);
  return SQLITE_OK;
}

static void put_be16(unsigned char *p, unsigned v)
{
  p[0] = (unsigned char)(v >> 8);
  p[1] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (unsigned char)v;
}

static void put_cell(unsigned char *p, int64_t id, const float box[4])
{
  put_be64(p, (uint64_t)id);
  for (int i = 0; i < 4; i++) {
    uint32_t u;
    memcpy(&u, &box[i], sizeof u);
    p[8 + 4 * i] = (unsigned char)(u >> 24);
    p[9 + 4 * i] = (unsigned char)(u >> 16);
    p[10 + 4 * i] = (unsigned char)(u >> 8);
    p[11 + 4 * i] = (unsigned char)u;
  }
}

static void grow_box(float acc[4], const float box[4])
{
  if (box[0] < acc[0]) acc[0] = box[0];
  if (box[1] > acc[1]) acc[1] = box[1];
  if (box[2] < acc[2]) acc[2] = box[2];
  if (box[3] > acc[3]) acc[3] = box[3];
}

/* First of 'count' items that node i of k nodes takes. */
static size_t run_start(size_t i, size_t k, size_t count)
{
  return (size_t)((uint64_t)i * count / k);
}

/* The shape of the packed tree: nodes per level, leaves first. */
struct shape {
  int levels;                /* levels of nodes; the root is levels - 1 */
  size_t nodes[MAX_LEVELS];  /* nodes on each level */
  int64_t first[MAX_LEVELS]; /* number of each level's first node */
  float *boxes[MAX_LEVELS];  /* bounding box of every node (not the root) */
};

static void shape_release(struct shape *s)
{
  for (int l = 0; l < s->levels; l++)
    free(s->boxes[l]);
}

/* Lay out levels and node numbers, then compute node boxes bottom up. */
static int shape_build(struct shape *s, const struct om_gpkg_rtree *t, size_t capacity)
{
  memset(s, 0, sizeof *s);
  size_t count = t->n;
  do {
    if (s->levels == MAX_LEVELS)
      return SQLITE_TOOBIG;
    count = (count + capacity - 1) / capacity;
    s->nodes[s->levels++] = count;
  } while (count > 1);

  int64_t next = 1;
  for (int l = s->levels - 1; l >= 0; l--) {
    s->first[l] = next;
    next += (int64_t)s->nodes[l];
  }

  for (int l = 0; l < s->levels - 1; l++) {
    s->boxes[l] = malloc(s->nodes[l] * 4 * sizeof(float));
    if (!s->boxes[l])
      return SQLITE_NOMEM;
    size_t below = l == 0 ? t->n : s->nodes[l - 1];
    for (size_t i = 0; i < s->nodes[l]; i++) {
      size_t a = run_start(i, s->nodes[l], below);
      size_t b = run_start(i + 1, s->nodes[l], below);
      float *acc = &s->boxes[l][4 * i];
      const float *src = l == 0 ? t->cells[a].box : &s->boxes[l - 1][4 * a];
      memcpy(acc, src, 4 * sizeof(float));
      for (size_t j = a + 1; j < b; j++)
        grow_box(acc, l == 0 ? t->cells[j].box : &s->boxes[l - 1][4 * j]);
    }
  }
  return SQLITE_OK;
}

#define ROWID_BATCH 128 /* _rowid rows per INSERT: one statement per row costs twice as much */

/* Statements writing the shadow tables, and _rowid rows not yet written. */
struct writer {
  sqlite3_stmt *node;               /* INSERT OR REPLACE INTO _node */
  sqlite3_stmt *parent;             /* INSERT INTO _parent */
  sqlite3_stmt *rowid;              /* INSERT INTO _rowid, one row */
  sqlite3_stmt *rowids;             /* the same, ROWID_BATCH rows */
  int64_t pending[2 * ROWID_BATCH]; /* rowid, nodeno pairs */
  int npending;                     /* pairs in pending */
};

static int step_pair(sqlite3_stmt *st, int64_t a, int64_t b)
{
  sqlite3_bind_int64(st, 1, a);
  sqlite3_bind_int64(st, 2, b);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Write the pending _rowid rows: a full batch at once, a partial one row by row. */
static int flush_rowids(struct writer *w)
{
  int rc = SQLITE_OK;
  if (w->npending == ROWID_BATCH) {
    for (int i = 0; i < 2 * ROWID_BATCH; i++)
      sqlite3_bind_int64(w->rowids, i + 1, w->pending[i]);
    rc = sqlite3_step(w->rowids);
    sqlite3_reset(w->rowids);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  } else {
    for (int i = 0; i < w->npending && rc == SQLITE_OK; i++)
      rc = step_pair(w->rowid, w->pending[2 * i], w->pending[2 * i + 1]);
  }
  w->npending = 0;
  return rc;
}

static int add_rowid(struct writer *w, int64_t rowid, int64_t nodeno)
{
  w->pending[2 * w->npending] = rowid;
  w->pending[2 * w->npending + 1] = nodeno;
  return ++w->npending == ROWID_BATCH ? flush_rowids(w) : SQLITE_OK;
}

static int write_node(struct writer *w, int64_t nodeno, const unsigned char *blob, int size)
{
  sqlite3_bind_int64(w->node, 1, nodeno);
  sqlite3_bind_blob(w->node, 2, blob, size, SQLITE_STATIC);
  int rc = sqlite3_step(w->node);
  sqlite3_reset(w->node);
  sqlite3_clear_bindings(w->node);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Write every node, its _parent row and (for leaves) its entries' _rowid rows. */
static int write_levels(struct writer *w, const struct shape *s, const struct om_gpkg_rtree *t,
                        unsigned char *blob, int size)
{
  int root = s->levels - 1;
  for (int l = root; l >= 0; l--) {
    size_t below = l == 0 ? t->n : s->nodes[l - 1];
    for (size_t i = 0; i < s->nodes[l]; i++) {
      int64_t nodeno = s->first[l] + (int64_t)i;
      size_t a = run_start(i, s->nodes[l], below);
      size_t b = run_start(i + 1, s->nodes[l], below);
      memset(blob, 0, (size_t)size);
      if (l == root)
        put_be16(blob, (unsigned)root);
      put_be16(blob + 2, (unsigned)(b - a));
      int rc = SQLITE_OK;
      for (size_t j = a; j < b && rc == SQLITE_OK; j++) {
        unsigned char *p = blob + 4 + (j - a) * CELL_BYTES;
        if (l == 0) {
          put_cell(p, t->cells[j].id, t->cells[j].box);
          rc = add_rowid(w, t->cells[j].id, nodeno);
        } else {
          int64_t child = s->first[l - 1] + (int64_t)j;
          put_cell(p, child, &s->boxes[l - 1][4 * j]);
          rc = step_pair(w->parent, child, nodeno);
        }
      }
      if (rc == SQLITE_OK)
        rc = write_node(w, nodeno, blob, size);
      if (rc != SQLITE_OK)
        return rc;
    }
  }
  return flush_rowids(w);
}

/*
 * The node size of the empty, just created tree 'name': SQLITE_OK with
 * *size set, SQLITE_MISMATCH if the tree is not empty, or an error.
 */
static int empty_node_size(sqlite3 *db, const char *name, int *size)
{
  char *sql = sqlite3_mprintf("SELECT length(data), (SELECT count(*) FROM \"%w_node\"),"
                              " EXISTS (SELECT 1 FROM \"%w_rowid\"),"
                              " EXISTS (SELECT 1 FROM \"%w_parent\")"
                              " FROM \"%w_node\" WHERE nodeno = 1",
                              name, name, name, name);
  if (!sql)
    return SQLITE_NOMEM;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  sqlite3_free(sql);
  if (rc != SQLITE_OK)
    return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *size = sqlite3_column_int(st, 0);
    bool empty = sqlite3_column_int(st, 1) == 1 && sqlite3_column_int(st, 2) == 0 &&
                 sqlite3_column_int(st, 3) == 0;
    /* A root of a single cell would not be an R-tree SQLite can use. */
    rc = empty && *size >= 4 + 3 * CELL_BYTES && *size <= 65536 ? SQLITE_OK : SQLITE_MISMATCH;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_MISMATCH;
  }
  sqlite3_finalize(st);
  return rc;
}

static int prepare(sqlite3 *db, sqlite3_stmt **st, const char *fmt, const char *name)
{
  char *sql = sqlite3_mprintf(fmt, name);
  if (!sql)
    return SQLITE_NOMEM;
  int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
  sqlite3_free(sql);
  return rc;
}

int om_gpkg_rtree_write(const struct om_gpkg_rtree *t, sqlite3 *db, const char *name)
{
  int size = 0;
  int rc = empty_node_size(db, name, &size);
  if (rc != SQLITE_OK)
    return rc;
  if (t->n == 0)
    return SQLITE_OK; /* SQLite's own empty root is the whole tree */

  struct shape s;
  rc = shape_build(&s, t, (size_t)(size - 4) / CELL_BYTES);
  struct writer w = {.npending = 0};
  unsigned char *blob = malloc((size_t)size);
  if (rc == SQLITE_OK && !blob)
    rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK)
    rc = prepare(db, &w.node, "INSERT OR REPLACE INTO \"%w_node\"(nodeno, data) VALUES (?1, ?2)",
                 name);
  if (rc == SQLITE_OK)
    rc = prepare(db, &w.parent, "INSERT INTO \"%w_parent\"(nodeno, parentnode) VALUES (?1, ?2)",
                 name);
  if (rc == SQLITE_OK)
    rc = prepare(db, &w.rowid, "INSERT INTO \"%w_rowid\"(rowid, nodeno) VALUES (?, ?)", name);
  if (rc == SQLITE_OK) {
    char many[16 + 8 * ROWID_BATCH] = "";
    for (int i = 0; i < ROWID_BATCH; i++)
      strcat(many, i ? ", (?, ?)" : "(?, ?)");
    char *fmt = sqlite3_mprintf("INSERT INTO \"%%w_rowid\"(rowid, nodeno) VALUES %s", many);
    rc = fmt ? prepare(db, &w.rowids, fmt, name) : SQLITE_NOMEM;
    sqlite3_free(fmt);
  }
  if (rc == SQLITE_OK)
    rc = write_levels(&w, &s, t, blob, size);
  sqlite3_finalize(w.node);
  sqlite3_finalize(w.parent);
  sqlite3_finalize(w.rowid);
  sqlite3_finalize(w.rowids);
  free(blob);
  shape_release(&s);
  return rc;
}
