/*
 * The attribute join's unmatched-rows file: the table rows that no layer
 * record asked for, and those whose key could never match, as CSV.  The
 * join holds only the joined fields, so the table is read again here; a
 * digest of its keys in record order, taken on both reads, tells whether
 * it changed in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <xxhash.h>

#include "io/atomic.h"
#include "io/writer.h"
#include "join/attr_internal.h"

/* The header: the table's names, then "source_record" (made unique). */
static int write_header(FILE *f, const struct om_reader *r)
{
  size_t n = om_reader_field_count(r);
  char name[64] = "source_record";
  for (bool clash = true; clash;) {
    clash = false;
    for (size_t i = 0; i < n && !clash; i++)
      clash = !strcasecmp(om_reader_field_name(r, i), name);
    if (clash && strlen(name) + 2 < sizeof name)
      memmove(name + 1, name, strlen(name) + 1), name[0] = '_';
    else if (clash)
      return OM_EMANIFEST;
  }
  for (size_t i = 0; i < n; i++) {
    om_csv_plain_cell(f, om_reader_field_name(r, i));
    fputc(',', f);
  }
  fprintf(f, "%s\r\n", name);
  return 0;
}

static int write_rows(const struct om_join *j, struct om_reader *r, FILE *f, struct om_diag *d)
{
  struct om_diag quiet; /* the first read reported the rejects already */
  om_diag_init(&quiet);
  struct keybuf kb = {0};
  const char **kv = calloc(j->nkeys, sizeof *kv);
  size_t n = om_reader_field_count(r);
  uint64_t digest = 0;
  long rows = 0;
  struct om_record rec;
  int rc = kv ? 0 : OM_ENOMEM;
  int got;
  while (rc == 0 && (got = om_reader_next(r, &rec, &quiet)) != OM_READ_END) {
    if (got < 0) {
      rc = got;
      break;
    }
    if (got == OM_READ_REJECTED)
      continue;
    rows++;
    for (size_t i = 0; i < j->nkeys; i++)
      kv[i] = j->right_src[i] < rec.nvalues ? rec.values[j->right_src[i]] : NULL;
    int k = om_join_make_key(j, &kb, kv, j->decimal, NULL);
    if (k < 0) {
      rc = OM_ENOMEM;
      break;
    }
    bool found = false;
    size_t slot = 0;
    uint64_t h = 0;
    if (k == KEY_OK) {
      h = XXH3_64bits(kb.p, kb.len);
      slot = om_join_find_slot(j, kb.p, kb.len, h, &found);
    }
    digest = om_join_mix(digest, rec.pos.record, h);
    if (found && j->slots[slot].group->asked)
      continue;
    for (size_t i = 0; i < n; i++) {
      om_csv_plain_cell(f, i < rec.nvalues ? rec.values[i] : NULL);
      fputc(',', f);
    }
    fprintf(f, "%ld\r\n", rec.pos.record);
  }
  free(kv);
  om_join_keybuf_release(&kb);
  if (rc == OM_ENOMEM)
    return om_diag_fail(d, rc, "out of memory");
  if (rc < 0)
    return om_diag_fail(d, rc, "%s", quiet.msg);
  if (rows != j->rep.right_rows || digest != j->digest)
    return om_diag_fail(d, OM_EIO, "'%s' changed while it was joined; build again", j->path);
  if (ferror(f))
    return om_diag_fail(d, OM_EIO, "cannot write the unmatched rows of '%s'", j->path);
  return 0;
}

int om_join_write_unmatched(const struct om_join *j, const char *path, struct om_diag *d)
{
  struct om_diag quiet;
  om_diag_init(&quiet);
  struct om_reader *r;
  int rc = om_reader_open(&r, &j->ropts, &quiet);
  if (rc < 0)
    return om_diag_fail(d, rc, "%s", quiet.msg);
  struct om_atomic a;
  rc = om_atomic_open(&a, path, d);
  if (rc < 0) {
    om_reader_free(r);
    return rc;
  }
  rc = write_header(a.f, r);
  if (rc < 0)
    rc = om_diag_fail(d, rc, "'%s': no name is left for the record number column", j->path);
  if (rc == 0)
    rc = write_rows(j, r, a.f, d);
  om_reader_free(r);
  if (rc == 0)
    rc = om_atomic_commit(&a, d);
  om_atomic_abort(&a);
  return rc;
}
