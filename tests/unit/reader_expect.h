/*
 * Expectations shared by the reader tests: a diag that keeps the report
 * lines, and checks of what the next record is.
 */
#ifndef OM_TEST_READER_EXPECT_H
#define OM_TEST_READER_EXPECT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/reader.h"

/* What the reader reported, as the user sees it. */
struct seen {
  struct om_diag d;
  int n;             /* report lines */
  char lines[16][1024];
};

static inline void on_report(void *ctx, enum om_level level, const char *line)
{
  struct seen *s = ctx;
  (void)level;
  if (s->n < 16)
    snprintf(s->lines[s->n], sizeof s->lines[0], "%s", line);
  s->n++;
}

static inline void seen_init(struct seen *s)
{
  memset(s, 0, sizeof *s);
  om_diag_init(&s->d);
  s->d.report = on_report;
  s->d.report_ctx = s;
}

static inline char *data_path(const char *rel)
{
  char *p;
  if (asprintf(&p, "%s/%s", TEST_DATA_DIR, rel) < 0)
    abort();
  return p;
}

static inline struct om_reader *open_opts(const struct om_reader_opts *o, struct seen *s)
{
  struct om_reader *r = NULL;
  int rc = om_reader_open(&r, o, &s->d);
  if (rc != 0)
    fail_msg("cannot open %s: %s", o->path, s->d.msg);
  return r;
}

static inline struct om_reader *open_path(const char *path, const char *encoding, struct seen *s)
{
  struct om_reader_opts o = {.path = path, .encoding = encoding};
  return open_opts(&o, s);
}

/* The next record must be OK, with this record and line number. */
static inline void next_ok(struct om_reader *r, struct seen *s, struct om_record *rec, long record,
                    long line)
{
  int rc = om_reader_next(r, rec, &s->d);
  if (rc != OM_READ_OK)
    fail_msg("record %ld: got %d, %d reports, last: %s", record, rc, s->n,
             s->n ? s->lines[s->n - 1] : "-");
  assert_int_equal(rec->pos.record, record);
  assert_int_equal(rec->pos.line, line);
}

/*
 * The next record must be rejected, reported as "<path><rest>" with the
 * path as given; with 'prefix', the report need only start so.
 */
static inline void next_rejected_as(struct om_reader *r, struct seen *s, const char *path,
                             enum om_reason why, const char *rest, bool prefix)
{
  struct om_record rec;
  int n = s->n;
  long count = s->d.counts[why];
  assert_int_equal(om_reader_next(r, &rec, &s->d), OM_READ_REJECTED);
  assert_int_equal(s->n, n + 1);
  assert_int_equal(s->d.counts[why], count + 1);
  const char *line = s->lines[n];
  size_t len = strlen(path);
  bool match = strncmp(line, path, len) == 0 &&
               (prefix ? strncmp(line + len, rest, strlen(rest)) : strcmp(line + len, rest)) == 0;
  if (!match)
    fail_msg("report '%s'\n  expected '%s%s'%s", line, path, rest, prefix ? "..." : "");
}

static inline void next_rejected(struct om_reader *r, struct seen *s, const char *path,
                          enum om_reason why, const char *rest)
{
  next_rejected_as(r, s, path, why, rest, false);
}

static inline void next_end(struct om_reader *r, struct seen *s)
{
  struct om_record rec;
  assert_int_equal(om_reader_next(r, &rec, &s->d), OM_READ_END);
  assert_int_equal(om_reader_next(r, &rec, &s->d), OM_READ_END);
}

#endif
