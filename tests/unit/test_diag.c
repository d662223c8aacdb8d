/*
 * Record-level diagnostics as a user meets them: the rejects file that a
 * spreadsheet or ogr2ogr reads back (RFC 4180, no formula runs, no raw
 * invalid bytes), the compiler-style line on the terminal, the counts in
 * the summary, and the words of every reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

#define HEADER "source,record,line,field,reason,value\r\n"

/* ---- Helpers ---- */

/* A diag whose rejects go to a memory stream. */
struct sink {
  struct om_diag d;
  FILE *f;
  char *buf;
  size_t size;
};

static void sink_open(struct sink *s)
{
  om_diag_init(&s->d);
  s->buf = NULL;
  s->size = 0;
  s->f = open_memstream(&s->buf, &s->size);
  assert_non_null(s->f);
  assert_int_equal(om_diag_open_rejects(&s->d, s->f), 0);
}

/* Everything written to the rejects file so far (borrowed until sink_close). */
static const char *sink_text(struct sink *s)
{
  assert_int_equal(fflush(s->f), 0);
  return s->buf;
}

static void sink_close(struct sink *s)
{
  fclose(s->f);
  free(s->buf);
}

static const struct om_pos AT = {"data/sites.csv", 41, 42};

/* The rejects row written for one value in field 'f', without the header. */
static void assert_row(const char *field, const char *value, const char *want_row)
{
  struct sink s;
  sink_open(&s);
  assert_int_equal(om_diag_reject(&s.d, &AT, field, OM_REASON_NOT_A_NUMBER, NULL, value), 0);
  const char *text = sink_text(&s);
  assert_true(strncmp(text, HEADER, strlen(HEADER)) == 0);
  assert_string_equal(text + strlen(HEADER), want_row);
  sink_close(&s);
}

/* Lines handed to the report callback. */
struct lines {
  size_t n;
  enum om_level level[8];
  char *text[8];
};

static void collect(void *ctx, enum om_level level, const char *line)
{
  struct lines *l = ctx;
  assert_true(l->n < 8);
  l->level[l->n] = level;
  l->text[l->n] = strdup(line);
  assert_non_null(l->text[l->n]);
  l->n++;
}

static void lines_free(struct lines *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->text[i]);
  l->n = 0;
}

/* The single report line for one reject. */
static char *report_of(const struct om_pos *at, const char *field, enum om_reason why,
                       const char *detail, const char *value)
{
  struct om_diag d;
  struct lines got = {0};
  om_diag_init(&d);
  d.report = collect;
  d.report_ctx = &got;
  assert_int_equal(om_diag_reject(&d, at, field, why, detail, value), 0);
  assert_int_equal(got.n, 1);
  assert_int_equal(got.level[0], OM_LEVEL_REJECT);
  return got.text[0];
}

static void assert_report(const struct om_pos *at, const char *field, enum om_reason why,
                          const char *detail, const char *value, const char *want)
{
  char *line = report_of(at, field, why, detail, value);
  assert_string_equal(line, want);
  free(line);
}

/* ---- The rejects file ---- */

static void test_header_and_plain_row(void **state)
{
  (void)state;
  struct sink s;
  sink_open(&s);
  assert_string_equal(sink_text(&s), HEADER);
  assert_int_equal(om_diag_reject(&s.d, &AT, "lat", OM_REASON_LAT_RANGE, NULL, "95.2"), 0);
  assert_int_equal(om_diag_reject(&s.d, &AT, "year", OM_REASON_NOT_AN_INTEGER, NULL, "20x4"), 0);
  assert_string_equal(sink_text(&s), HEADER
                      "data/sites.csv,41,42,lat,\"latitude outside [-90, 90]\",95.2\r\n"
                      "data/sites.csv,41,42,year,not an integer,20x4\r\n");
  sink_close(&s);
}

static void test_row_missing_parts(void **state)
{
  (void)state;
  struct sink s;
  sink_open(&s);
  /* No line (not a text format), no field, no value; a detail joins the reason. */
  struct om_pos at = {"sites.gpkg", 7, 0};
  om_diag_reject(&s.d, &at, NULL, OM_REASON_EMPTY_RECORD, NULL, NULL);
  om_diag_reject(&s.d, &at, "geom", OM_REASON_GEOMETRY_INVALID, "Self-intersection", NULL);
  struct om_pos nofile = {NULL, 3, 4};
  om_diag_reject(&s.d, &nofile, "x", OM_REASON_MISSING_COORDINATES, "", "");
  assert_string_equal(sink_text(&s), HEADER
                      "sites.gpkg,7,,,empty record,\r\n"
                      "sites.gpkg,7,,geom,invalid geometry: Self-intersection,\r\n"
                      ",3,4,x,no coordinates,\r\n");
  sink_close(&s);
}

static void test_quoting(void **state)
{
  (void)state;
  assert_row("name", "Okçu, Beylikova",
             "data/sites.csv,41,42,name,not a number,\"Okçu, Beylikova\"\r\n");
  assert_row("note", "said \"high grade\"",
             "data/sites.csv,41,42,note,not a number,\"said \"\"high grade\"\"\"\r\n");
  assert_row("note", "first line\nsecond", "data/sites.csv,41,42,note,not a number,"
                                           "\"first line\nsecond\"\r\n");
  assert_row("note", "a\r\nb", "data/sites.csv,41,42,note,not a number,\"a\r\nb\"\r\n");
  assert_row("note", "\"", "data/sites.csv,41,42,note,not a number,\"\"\"\"\r\n");
  /* The field name goes through the same rules. */
  assert_row("a,b", "1", "data/sites.csv,41,42,\"a,b\",not a number,1\r\n");
  /* A tab or a quote-free apostrophe inside needs no quotes. */
  assert_row("note", "a\tb'c", "data/sites.csv,41,42,note,not a number,a\tb'c\r\n");
}

static void test_formula_injection(void **state)
{
  (void)state;
  assert_row("v", "=HYPERLINK(\"x\")",
             "data/sites.csv,41,42,v,not a number,\"'=HYPERLINK(\"\"x\"\")\"\r\n");
  assert_row("v", "+1", "data/sites.csv,41,42,v,not a number,\"'+1\"\r\n");
  assert_row("v", "-31.2", "data/sites.csv,41,42,v,not a number,\"'-31.2\"\r\n");
  assert_row("v", "@SUM(A1)", "data/sites.csv,41,42,v,not a number,\"'@SUM(A1)\"\r\n");
  assert_row("v", "\tx", "data/sites.csv,41,42,v,not a number,\"'\tx\"\r\n");
  assert_row("=f", "1", "data/sites.csv,41,42,\"'=f\",not a number,1\r\n");
  /* Only the first character counts. */
  assert_row("v", "1=1", "data/sites.csv,41,42,v,not a number,1=1\r\n");
  assert_row("v", " =1", "data/sites.csv,41,42,v,not a number, =1\r\n");
}

static void test_invalid_bytes_escaped(void **state)
{
  (void)state;
  assert_row("v", "bad \xFE\xFF utf8",
             "data/sites.csv,41,42,v,not a number,bad \\xFE\\xFF utf8\r\n");
  /* Overlong, surrogate, cut at the end, stray continuation, above U+10FFFF. */
  assert_row("v", "\xC0\xAF", "data/sites.csv,41,42,v,not a number,\\xC0\\xAF\r\n");
  assert_row("v", "\xE0\x80\xAF", "data/sites.csv,41,42,v,not a number,\\xE0\\x80\\xAF\r\n");
  assert_row("v", "\xED\xA0\x80", "data/sites.csv,41,42,v,not a number,\\xED\\xA0\\x80\r\n");
  assert_row("v", "ab\xC4", "data/sites.csv,41,42,v,not a number,ab\\xC4\r\n");
  assert_row("v", "\xB1x", "data/sites.csv,41,42,v,not a number,\\xB1x\r\n");
  assert_row("v", "\xF4\x90\x80\x80", "data/sites.csv,41,42,v,not a number,\\xF4\\x90\\x80\\x80\r\n");
  /* Control characters other than tab and line breaks. */
  assert_row("v", "a\x01z\x1B[31m", "data/sites.csv,41,42,v,not a number,a\\x01z\\x1B[31m\r\n");
  /* Valid UTF-8 of every length passes as it is. */
  assert_row("v", "Kızılcaören €𝄞", "data/sites.csv,41,42,v,not a number,Kızılcaören €𝄞\r\n");
}

static void test_write_escaped_counts_bytes(void **state)
{
  (void)state;
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  assert_non_null(f);
  om_diag_write_escaped(f, "a\0b\xC3\xB6", 5);
  om_diag_write_escaped(f, "\xC3\xB6", 1); /* a sequence cut by len is invalid */
  fclose(f);
  assert_string_equal(buf, "a\\x00bö\\xC3");
  free(buf);
}

static void test_counts(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d); /* no rejects file, no callback: counting still works */
  om_diag_reject(&d, &AT, "lat", OM_REASON_LAT_RANGE, NULL, "95");
  om_diag_reject(&d, &AT, "lat", OM_REASON_LAT_RANGE, NULL, "96");
  om_diag_reject(&d, &AT, "lat", OM_REASON_SWAPPED, NULL, NULL);
  om_diag_reject(&d, &AT, NULL, OM_REASON_EMPTY_RECORD, NULL, NULL);
  assert_int_equal(d.rejected, 4);
  assert_int_equal(d.counts[OM_REASON_LAT_RANGE], 2);
  assert_int_equal(d.counts[OM_REASON_SWAPPED], 1);
  assert_int_equal(d.counts[OM_REASON_EMPTY_RECORD], 1);
  long sum = 0;
  for (int r = 0; r < OM_REASON__COUNT; r++)
    sum += d.counts[r];
  assert_int_equal(sum, 4);
  assert_int_equal(d.counts[OM_REASON_NONE], 0);
  assert_int_equal(d.warnings, 0);
}

/* ---- The report line ---- */

static void test_report_line(void **state)
{
  (void)state;
  assert_report(&AT, "lat", OM_REASON_LAT_RANGE, NULL, "95.2",
                "data/sites.csv:42: record 41: field 'lat': latitude outside [-90, 90]: '95.2'");
  assert_report(&AT, "lat", OM_REASON_AMBIGUOUS_DECIMAL, "declare source.decimal", "39,68",
                "data/sites.csv:42: record 41: field 'lat': ambiguous decimal separator: "
                "declare source.decimal: '39,68'");
  /* No line: file then record. */
  struct om_pos noline = {"sites.gpkg", 7, 0};
  assert_report(&noline, "geom", OM_REASON_GEOMETRY_INVALID, "Self-intersection[1 1]", NULL,
                "sites.gpkg: record 7: field 'geom': invalid geometry: Self-intersection[1 1]");
  /* No field, no detail, no value. */
  assert_report(&AT, NULL, OM_REASON_EMPTY_RECORD, NULL, NULL,
                "data/sites.csv:42: record 41: empty record");
  /* An empty detail adds nothing; an empty value is shown as ''. */
  assert_report(&AT, "id", OM_REASON_MISSING_ID, "", "",
                "data/sites.csv:42: record 41: field 'id': missing id: ''");
  struct om_pos nofile = {NULL, 3, 0};
  assert_report(&nofile, NULL, OM_REASON_EMPTY_RECORD, NULL, NULL, "-: record 3: empty record");
  /* The same escapes as the rejects file; no formula prefix on a terminal. */
  assert_report(&AT, "name", OM_REASON_INVALID_UTF8, NULL, "=bad \xFE",
                "data/sites.csv:42: record 41: field 'name': invalid UTF-8: '=bad \\xFE'");
}

static void test_report_long_value(void **state)
{
  (void)state;
  char value[251];
  memset(value, 'a', 250);
  value[250] = '\0';
  const char *prefix = "data/sites.csv:42: record 41: field 'note': not a number: '";

  /* Exactly 200 bytes: shown whole. */
  value[200] = '\0';
  char *line = report_of(&AT, "note", OM_REASON_NOT_A_NUMBER, NULL, value);
  assert_int_equal(strlen(line), strlen(prefix) + 200 + 1);
  assert_true(strncmp(line, prefix, strlen(prefix)) == 0);
  assert_string_equal(line + strlen(prefix) + 200, "'");
  free(line);

  /* 201 and 250 bytes: the first 200 and "...'". */
  for (size_t n = 201; n <= 250; n += 49) {
    memset(value, 'a', 250);
    value[n] = '\0';
    value[199] = 'Z'; /* the last byte shown */
    line = report_of(&AT, "note", OM_REASON_NOT_A_NUMBER, NULL, value);
    assert_int_equal(strlen(line), strlen(prefix) + 200 + 4);
    assert_int_equal(line[strlen(prefix) + 199], 'Z');
    assert_string_equal(line + strlen(prefix) + 200, "...'");
    free(line);
  }

  /* The rejects file keeps the whole value. */
  struct sink s;
  sink_open(&s);
  memset(value, 'a', 250);
  value[250] = '\0';
  om_diag_reject(&s.d, &AT, "note", OM_REASON_NOT_A_NUMBER, NULL, value);
  const char *row = sink_text(&s) + strlen(HEADER);
  assert_int_equal(strlen(row), strlen("data/sites.csv,41,42,note,not a number,") + 250 + 2);
  sink_close(&s);
}

/* The cut never splits a character, so valid text never shows as a bad byte. */
static void test_report_cut_keeps_characters(void **state)
{
  (void)state;
  char value[256];
  memset(value, 'a', 199);
  strcpy(value + 199, "\xc4\xb1" "bbbb"); /* 'ı' straddles byte 200 */
  char *line = report_of(&AT, "note", OM_REASON_NOT_A_NUMBER, NULL, value);
  assert_null(strstr(line, "\\x"));
  const char *end = line + strlen(line) - 6;
  assert_string_equal(end, "aa...'");
  free(line);
}

/* A value cannot forge a second report line or steer the terminal. */
static void test_report_line_has_no_controls(void **state)
{
  (void)state;
  char *line = report_of(&AT, "note", OM_REASON_NOT_A_NUMBER, NULL,
                         "line1\r\nx.csv:9: record 8: forged\x7f\xc2\x9b");
  assert_null(strchr(line, '\n'));
  assert_null(strchr(line, '\r'));
  assert_non_null(strstr(line, "line1\\x0D\\x0Ax.csv:9"));
  assert_non_null(strstr(line, "forged\\x7F\\xC2\\x9B'"));
  free(line);
}

static void test_warn(void **state)
{
  (void)state;
  struct om_diag d;
  struct lines got = {0};
  om_diag_init(&d);
  om_diag_warn(&d, "no callback: %d", 1); /* counted, not shown */
  d.report = collect;
  d.report_ctx = &got;
  om_diag_warn(&d, "field '%s' is written as '%s'", "fid", "fid_2");
  assert_int_equal(d.warnings, 2);
  assert_int_equal(d.rejected, 0);
  assert_int_equal(got.n, 1);
  assert_int_equal(got.level[0], OM_LEVEL_WARNING);
  assert_string_equal(got.text[0], "field 'fid' is written as 'fid_2'");
  lines_free(&got);
}

/* ---- Reasons ---- */

static void test_reason_words(void **state)
{
  (void)state;
  static const struct { enum om_reason r; const char *upper; const char *msg; } table[] = {
#define XX(name, msg) {OM_REASON_##name, #name, msg},
    OM_REASON_MAP(XX)
#undef XX
  };
  size_t n = sizeof table / sizeof table[0];
  assert_int_equal(n, OM_REASON__COUNT - 1);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(table[i].r, (enum om_reason)(i + 1));
    char lower[64];
    size_t k = 0;
    for (; table[i].upper[k]; k++)
      lower[k] = (char)tolower((unsigned char)table[i].upper[k]);
    lower[k] = '\0';
    assert_string_equal(om_reason_name(table[i].r), lower);
    const char *msg = om_reason_message(table[i].r);
    assert_string_equal(msg, table[i].msg);
    assert_true(strlen(msg) > 0);
    assert_true(islower((unsigned char)msg[0])); /* a message reads on after "field 'x': " */
    assert_true(msg[strlen(msg) - 1] != '.');
    for (size_t j = 0; j < i; j++) {
      assert_string_not_equal(om_reason_message(table[j].r), msg);
      char earlier[64];
      snprintf(earlier, sizeof earlier, "%s", om_reason_name(table[j].r));
      assert_string_not_equal(earlier, lower);
    }
  }
  /* Words the summary and the README rely on. */
  assert_string_equal(om_reason_name(OM_REASON_LAT_RANGE), "lat_range");
  assert_string_equal(om_reason_message(OM_REASON_LAT_RANGE), "latitude outside [-90, 90]");
  assert_string_equal(om_reason_name(OM_REASON_INVALID_UTF8), "invalid_utf8");
  assert_string_equal(om_reason_name(OM_REASON_GEOMETRY_EMPTY), "geometry_empty");

  assert_string_equal(om_reason_name(OM_REASON_NONE), "none");
  assert_string_equal(om_reason_message(OM_REASON_NONE), "");
  assert_string_equal(om_reason_name(OM_REASON__COUNT), "unknown");
  assert_string_equal(om_reason_message(OM_REASON__COUNT), "unknown reason");
  assert_string_equal(om_reason_name((enum om_reason)1000), "unknown");
  assert_string_equal(om_reason_message((enum om_reason)1000), "unknown reason");
}

/* Each call's name stays valid: no buffer shared between calls. */
static void test_reason_names_stay(void **state)
{
  (void)state;
  const char *a = om_reason_name(OM_REASON_LAT_RANGE);
  const char *b = om_reason_name(OM_REASON_SWAPPED);
  assert_string_equal(a, "lat_range");
  assert_string_equal(b, "swapped");
}

static void test_reject_unknown_reason(void **state)
{
  (void)state;
  struct sink s;
  sink_open(&s);
  assert_int_equal(om_diag_reject(&s.d, &AT, NULL, (enum om_reason)1000, NULL, NULL), 0);
  assert_int_equal(s.d.rejected, 1);
  assert_string_equal(sink_text(&s), HEADER "data/sites.csv,41,42,,unknown reason,\r\n");
  sink_close(&s);
}

/* ---- Run-level errors ---- */

static void test_fail(void **state)
{
  (void)state;
  struct om_diag d;
  om_diag_init(&d);
  assert_int_equal(om_diag_fail(&d, OM_EMANIFEST, "%s: layer '%s': bad", "layers/a.yaml", "a"),
                   OM_EMANIFEST);
  assert_string_equal(d.msg, "layers/a.yaml: layer 'a': bad");
  assert_int_equal(om_diag_fail(&d, OM_EIO, "cannot open '%s'", "x"), OM_EIO);
  assert_string_equal(d.msg, "cannot open 'x'"); /* the last failure wins */
  assert_int_equal(d.rejected, 0);

  /* A message longer than the buffer is cut and still terminated. */
  char big[3000];
  memset(big, 'm', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_int_equal(om_diag_fail(&d, OM_ENOMEM, "%s", big), OM_ENOMEM);
  assert_int_equal(strlen(d.msg), sizeof d.msg - 1);
}

/* ---- om_detail_set ---- */

/* Byte offsets where a character of s starts, and its length. */
static size_t char_starts(const char *s, size_t *starts)
{
  size_t n = 0;
  for (size_t i = 0; s[i]; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      starts[n++] = i;
  starts[n++] = strlen(s);
  return n;
}

/* For every buffer size: the longest whole-character prefix that fits. */
static void check_detail_sizes(const char *s, size_t max_size)
{
  size_t starts[64];
  size_t nstarts = char_starts(s, starts);
  for (size_t size = 1; size <= max_size; size++) {
    char buf[64];
    memset(buf, '#', sizeof buf);
    om_detail_set(buf, size, "%s", s);
    size_t want = 0;
    for (size_t k = 0; k < nstarts; k++)
      if (starts[k] <= size - 1)
        want = starts[k];
    if (strlen(buf) != want || strncmp(buf, s, want) != 0)
      fail_msg("size %zu: got '%s' (%zu bytes), want the first %zu bytes of '%s'", size, buf,
               strlen(buf), want, s);
    assert_int_equal(buf[size], '#'); /* nothing written past the buffer */
  }
}

static void test_detail_never_cuts_a_character(void **state)
{
  (void)state;
  check_detail_sizes("Kızılcaören", 20);
  check_detail_sizes("€1 €2 €3", 14);
  check_detail_sizes("a𝄞b𝄞", 12);

  /* A format's own output is cut the same way. */
  char buf[6];
  om_detail_set(buf, sizeof buf, "%s %d", "Kı", 12345);
  assert_string_equal(buf, "Kı 1");
  om_detail_set(buf, sizeof buf, "%sı", "ab");
  assert_string_equal(buf, "abı");
  om_detail_set(buf, sizeof buf, "%sı", "abcd");
  assert_string_equal(buf, "abcd");

  /* NULL or size 0: nothing written. */
  om_detail_set(NULL, 10, "%s", "x");
  buf[0] = '#';
  om_detail_set(buf, 0, "%s", "x");
  assert_int_equal(buf[0], '#');
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_header_and_plain_row),
    cmocka_unit_test(test_row_missing_parts),
    cmocka_unit_test(test_quoting),
    cmocka_unit_test(test_formula_injection),
    cmocka_unit_test(test_invalid_bytes_escaped),
    cmocka_unit_test(test_write_escaped_counts_bytes),
    cmocka_unit_test(test_counts),
    cmocka_unit_test(test_report_line),
    cmocka_unit_test(test_report_long_value),
    cmocka_unit_test(test_report_cut_keeps_characters),
    cmocka_unit_test(test_report_line_has_no_controls),
    cmocka_unit_test(test_warn),
    cmocka_unit_test(test_reason_words),
    cmocka_unit_test(test_reason_names_stay),
    cmocka_unit_test(test_reject_unknown_reason),
    cmocka_unit_test(test_fail),
    cmocka_unit_test(test_detail_never_cuts_a_character),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
