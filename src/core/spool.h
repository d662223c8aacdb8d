/*
 * A layer's features between reading and writing.
 *
 * Writers need the whole layer before they start (field types are decided
 * over every record, GeoJSON wants the layer's bbox, GeoPackage wants its
 * features in Hilbert order), but memory must stay bounded.  So features
 * are appended to an unlinked temporary file, which is mapped read-only
 * once complete; only a 16-byte index entry per feature stays on the heap.
 * After om_spool_finish the spool is read-only and any number of threads
 * may read it through their own cursors.
 */
#ifndef OM_CORE_SPOOL_H
#define OM_CORE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/feature.h"

struct om_spool;

enum om_spool_order {
  OM_ORDER_SOURCE,  /* the order features were added in */
  OM_ORDER_HILBERT, /* by the Hilbert key of the envelope centre */
};

/* Create an empty spool whose file lives in tmpdir (NULL: $TMPDIR or /tmp). */
int om_spool_new(struct om_spool **out, const char *tmpdir, struct om_diag *d);
void om_spool_free(struct om_spool *s);

/* Copy one feature in; its pointers need not outlive the call. */
int om_spool_add(struct om_spool *s, const struct om_feature *f, struct om_diag *d);

/* End adding; map the file and compute the Hilbert order. */
int om_spool_finish(struct om_spool *s, struct om_diag *d);

size_t om_spool_count(const struct om_spool *s);
/* The union of all envelopes; all zero when the spool is empty. */
void om_spool_extent(const struct om_spool *s, double env[4]);

struct om_spool_cursor {
  const struct om_spool *spool; /* read from */
  enum om_spool_order order;    /* which order */
  size_t pos;                   /* next feature to return */
  uint64_t next;                /* file offset of the next feature in source order */
  uint64_t read;                /* bytes read since pages were last released */
  unsigned char *buf;           /* Hilbert order: the feature read last, owned */
  size_t buf_cap;               /* bytes allocated in buf */
  const char **values;          /* value pointers handed out, owned */
  size_t cap;                   /* entries in values */
};

void om_spool_cursor_init(struct om_spool_cursor *c, const struct om_spool *s,
                          enum om_spool_order order);
/*
 * Fill *f with the next feature: 1, or 0 at the end, or OM_ENOMEM / OM_EIO.  The
 * feature's pointers stay valid until the next call or the cursor's release.
 */
int om_spool_cursor_next(struct om_spool_cursor *c, struct om_feature *f);
void om_spool_cursor_release(struct om_spool_cursor *c);

/*
 * Random access, for a reader that visits features in an order of its own
 * (a layer's aggregate reads them group by group): the file offset of the
 * feature that om_spool_cursor_next returns next in source order, and
 * reading the feature at such an offset into the cursor's own buffer
 * (1, or OM_ENOMEM / OM_EIO; pointers valid as for om_spool_cursor_next).
 * Reads go through pread, as Hilbert order's do, so that jumping about
 * does not make the whole mapping resident.
 */
uint64_t om_spool_cursor_offset(const struct om_spool_cursor *c);
int om_spool_read_at(struct om_spool_cursor *c, uint64_t offset, struct om_feature *f);

#endif
