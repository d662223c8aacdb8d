/*
 * The delimited-text reader: what a user sees for each record of a messy
 * CSV (values, record and line numbers, reasons and details of rejects),
 * and that reading goes on after every reject.  The OGR reader has its own
 * tests in test_reader_ogr.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/reader.h"
#include "reader_expect.h"
#include "support.h"

static void test_csv_bom_crlf_and_empty_values(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("read/sites.csv");
  struct om_reader *r = open_path(path, NULL, &s);
  assert_int_equal(om_reader_field_count(r), 5);
  assert_string_equal(om_reader_field_name(r, 0), "site_id"); /* the BOM is not in the name */
  assert_string_equal(om_reader_field_name(r, 4), "lon");
  assert_int_equal(om_reader_field_type(r, 0), -1);
  assert_null(om_reader_crs(r));

  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.pos.file, path);
  assert_int_equal(rec.nvalues, 5);
  assert_string_equal(rec.values[0], "BEY-1");
  assert_string_equal(rec.values[4], "31.2056"); /* no CR left at the end */
  assert_null(rec.wkb);
  next_ok(r, &s, &rec, 2, 3);
  assert_string_equal(rec.values[1], "Kızılcaören");
  next_ok(r, &s, &rec, 3, 4);
  assert_string_equal(rec.values[2], "İzmir");
  assert_non_null(rec.values[3]);
  assert_string_equal(rec.values[3], ""); /* empty is "", not NULL */
  assert_string_equal(rec.values[4], "");
  next_end(r, &s);
  assert_int_equal(s.d.rejected, 0);
  om_reader_free(r);
  free(path);
}

static void test_tsv_and_pipe_delimiters(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("read/sites.tsv");
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  assert_int_equal(om_reader_field_count(r), 3);
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[2], "REE, pilot plant 2023");
  next_ok(r, &s, &rec, 2, 3);
  assert_string_equal(rec.values[2], "quoted\ttab");
  next_end(r, &s);
  om_reader_free(r);
  free(path);

  path = data_path("read/sites_pipe.txt");
  r = open_path(path, NULL, &s);
  assert_int_equal(om_reader_field_count(r), 3);
  assert_string_equal(om_reader_field_name(r, 2), "lat");
  next_ok(r, &s, &rec, 1, 2);
  next_ok(r, &s, &rec, 2, 3);
  assert_string_equal(rec.values[1], "Koulbaga 1");
  assert_string_equal(rec.values[2], "");
  next_end(r, &s);
  om_reader_free(r);
  free(path);
}

static void test_quotes_and_embedded_newlines(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/quotes_newlines.csv");
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[1], "Beylikova \"REE\" deposit");
  assert_string_equal(rec.values[2], "line one\r\nline two");
  next_ok(r, &s, &rec, 2, 4); /* the line after the two-line record */
  assert_string_equal(rec.values[1], "Okçu");
  assert_string_equal(rec.values[2], "a\nb\nc");
  next_ok(r, &s, &rec, 3, 7);
  assert_string_equal(rec.values[1], "Karkın, Beylikova");
  next_ok(r, &s, &rec, 4, 8);
  assert_string_equal(rec.values[1], "");
  assert_string_equal(rec.values[2], "\"");
  next_end(r, &s);
  om_reader_free(r);
  free(path);
}

static void test_decimal_commas_stay_text(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/decimal_comma.csv");
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  assert_int_equal(om_reader_field_count(r), 4);
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[1], "39,6869");
  assert_string_equal(rec.values[3], "1,2");
  next_ok(r, &s, &rec, 2, 3);
  assert_string_equal(rec.values[2], "31,3833");
  assert_string_equal(rec.values[3], "");
  next_end(r, &s);
  om_reader_free(r);
  free(path);

  path = data_path("bad/decimal_comma_semicolon.csv"); /* ';' found from the header */
  r = open_path(path, NULL, &s);
  assert_int_equal(om_reader_field_count(r), 3);
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[1], "39,6869");
  next_ok(r, &s, &rec, 2, 3);
  assert_string_equal(rec.values[0], "Kızılcaören; Beylikova");
  assert_string_equal(rec.values[2], "31,3833");
  next_end(r, &s);
  assert_int_equal(s.d.rejected, 0);
  om_reader_free(r);
  free(path);
}

static void test_blank_and_empty_rows(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/empty_rows.csv");
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 3); /* line 2 is blank: not a record, still a line */
  assert_string_equal(rec.values[1], "Beylikova");
  next_rejected(r, &s, path, OM_REASON_EMPTY_RECORD, ":5: record 2: empty record");
  next_ok(r, &s, &rec, 3, 6);
  assert_string_equal(rec.values[1], "Okcu");
  next_rejected(r, &s, path, OM_REASON_EMPTY_RECORD, ":7: record 4: empty record");
  next_rejected(r, &s, path, OM_REASON_EMPTY_RECORD, ":9: record 5: empty record");
  next_ok(r, &s, &rec, 6, 10);
  assert_string_equal(rec.values[1], "Karkin");
  next_end(r, &s);
  assert_int_equal(s.d.rejected, 3);
  om_reader_free(r);
  free(path);
}

static void test_wrong_field_count(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/field_count.csv");
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  next_rejected(r, &s, path, OM_REASON_FIELD_COUNT,
                ":3: record 2: wrong number of fields: 5 fields, header has 4: "
                "'2,Okcu,39.62,31.40,extra'");
  next_rejected(r, &s, path, OM_REASON_FIELD_COUNT,
                ":4: record 3: wrong number of fields: 3 fields, header has 4: "
                "'3,Karkin,39.64'");
  next_ok(r, &s, &rec, 4, 5);
  assert_string_equal(rec.values[1], "Kizilcaoren");
  next_end(r, &s);
  om_reader_free(r);
  free(path);
}

static void test_unterminated_quote(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/unterminated.csv");
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  next_rejected(r, &s, path, OM_REASON_UNTERMINATED_QUOTE,
                ":3: record 2: field 'name': unterminated quoted field: the quote opened on "
                "line 3 is never closed: 'Okcu,39.62\\x0A3,Karkin,39.64\\x0A4,Kizilcaoren,39.6333\\x0A'");
  /* One stray quote costs one record: reading goes on with line 4. */
  next_ok(r, &s, &rec, 3, 4);
  assert_string_equal(rec.values[1], "Karkin");
  next_ok(r, &s, &rec, 4, 5);
  next_end(r, &s);
  om_reader_free(r);
  free(path);

  path = data_path("bad/unterminated_eof.csv");
  r = open_path(path, NULL, &s);
  next_ok(r, &s, &rec, 1, 2);
  next_rejected(r, &s, path, OM_REASON_UNTERMINATED_QUOTE,
                ":3: record 2: field 'name': unterminated quoted field: the quote opened on "
                "line 3 is never closed: 'Okcu\\x0A'");
  next_end(r, &s);
  om_reader_free(r);
  free(path);
}

static void test_cp1254_without_declaration(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/cp1254.csv");
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8,
                ":2: record 1: field 'name': invalid UTF-8: byte 2; declare source.encoding if "
                "the file is not UTF-8: 'K\\xFDz\\xFDlca\\xF6ren'");
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8,
                ":3: record 2: field 'province': invalid UTF-8: byte 5; declare "
                "source.encoding if the file is not UTF-8: 'Eski\\xFEehir'");
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8,
                ":4: record 3: field 'name': invalid UTF-8: byte 1; declare source.encoding if "
                "the file is not UTF-8: '\\xDDzmir'");
  next_ok(r, &s, &rec, 4, 5);
  assert_string_equal(rec.values[1], "Okcu");
  next_end(r, &s);
  assert_int_equal(s.d.counts[OM_REASON_INVALID_UTF8], 3);
  om_reader_free(r);
  free(path);
}

static void read_turkish(const char *rel, const char *encoding)
{
  struct seen s;
  seen_init(&s);
  char *path = data_path(rel);
  struct om_reader *r = open_path(path, encoding, &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[1], "Kızılcaören");
  assert_string_equal(rec.values[2], "Eskişehir");
  next_ok(r, &s, &rec, 2, 3);
  next_ok(r, &s, &rec, 3, 4);
  assert_string_equal(rec.values[1], "İzmir");
  next_ok(r, &s, &rec, 4, 5);
  next_end(r, &s);
  assert_int_equal(s.d.rejected, 0);
  om_reader_free(r);
  free(path);
}

static void test_declared_turkish_encodings(void **state)
{
  (void)state;
  read_turkish("bad/cp1254.csv", "CP1254");
  read_turkish("bad/cp1254.csv", "windows-1254");
  read_turkish("bad/cp1254.csv", "Win1254");
  read_turkish("bad/iso8859-9.csv", "ISO-8859-9");
  read_turkish("bad/iso8859-9.csv", "latin5");
}

static void test_latin1(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/latin1.csv");
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8,
                ":2: record 1: field 'name': invalid UTF-8: byte 8; declare source.encoding if "
                "the file is not UTF-8: 'Kizilca\\xF6ren'");
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8,
                ":3: record 2: field 'name': invalid UTF-8: byte 1; declare source.encoding if "
                "the file is not UTF-8: '\\xC7orum'");
  next_ok(r, &s, &rec, 3, 4);
  next_end(r, &s);
  om_reader_free(r);

  r = open_path(path, "Latin-1", &s);
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[1], "Kizilcaören");
  next_ok(r, &s, &rec, 2, 3);
  assert_string_equal(rec.values[2], "Çorum");
  next_ok(r, &s, &rec, 3, 4);
  next_end(r, &s);
  om_reader_free(r);
  free(path);
}

static void test_bytes_without_a_character(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/cp1254_undefined.csv");
  struct om_reader *r = open_path(path, "cp1254", &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[1], "Eskişehir");
  next_rejected(r, &s, path, OM_REASON_BAD_ENCODING,
                ":3: record 2: field 'name': cannot convert from the declared encoding: byte 3 "
                "(0x81) is not a character in CP1254: 'ab\\x81cd'");
  next_ok(r, &s, &rec, 3, 4);
  assert_string_equal(rec.values[1], "İzmir");
  next_end(r, &s);
  om_reader_free(r);
  free(path);

  path = data_path("bad/cp1252_quotes.csv");
  r = open_path(path, "CP1252", &s);
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[1], "\u201cBeylikova\u201d pilot plant");
  om_reader_free(r);
  /* Latin-1 has only control codes there: the file is Windows-1252. */
  r = open_path(path, "ISO-8859-1", &s);
  next_rejected(r, &s, path, OM_REASON_BAD_ENCODING,
                ":2: record 1: field 'note': cannot convert from the declared encoding: byte 1 "
                "(0x93) is a control code in ISO-8859-1; is the file CP1252?: "
                "'\\x93Beylikova\\x94 pilot plant'");
  next_ok(r, &s, &rec, 2, 3);
  next_end(r, &s);
  om_reader_free(r);
  free(path);
}

static void test_invalid_utf8_kinds(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *path = data_path("bad/invalid_utf8.csv");
  struct om_reader *r = open_path(path, "UTF-8", &s);
  struct om_record rec;
  const char *hint = "; declare source.encoding if the file is not UTF-8";
  char want[256];
  next_ok(r, &s, &rec, 1, 2);
  snprintf(want, sizeof want, ":3: record 2: field 'name': invalid UTF-8: byte 3%s: 'Kz\\xC4'",
           hint);
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8, want);
  snprintf(want, sizeof want,
           ":4: record 3: field 'name': invalid UTF-8: byte 1%s: '\\xC0\\xAFx'", hint);
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8, want);
  snprintf(want, sizeof want,
           ":5: record 4: field 'name': invalid UTF-8: byte 3%s: 'ab\\xED\\xA0\\x80'", hint);
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8, want);
  next_ok(r, &s, &rec, 5, 6);
  assert_string_equal(rec.values[1], "İzmir");
  /* The value of a reject is a C string: a NUL ends it there. */
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8,
                ":7: record 6: field 'name': invalid UTF-8: byte 2 is NUL: 'a'");
  snprintf(want, sizeof want,
           ":8: record 7: field 'name': invalid UTF-8: byte 5%s: 'Eski\\xFEehir'", hint);
  next_rejected(r, &s, path, OM_REASON_INVALID_UTF8, want);
  next_end(r, &s);
  om_reader_free(r);
  free(path);
}

/* Write a generated file of 'rows' under the test folder; owned path. */
static char *write_generated(const char *name, const char *header, const char *const *rows,
                             size_t nrows)
{
  char *dir = test_tmpdir(name);
  char *path;
  if (asprintf(&path, "%s/%s.csv", dir, name) < 0)
    abort();
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(header, f);
  for (size_t i = 0; i < nrows; i++)
    fputs(rows[i], f);
  assert_int_equal(fclose(f), 0);
  free(dir);
  return path;
}

/* n comma-separated cells "c1".."cn" and a newline; owned. */
static char *many_cells(size_t n)
{
  char *s = malloc(n * 8 + 2);
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (size_t)sprintf(s + len, "%sc%zu", i ? "," : "", i + 1);
  strcpy(s + len, "\n");
  return s;
}

static void test_too_many_columns(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  char *header = many_cells(2500);
  char *path = write_generated("wide_header", header, NULL, 0);
  struct om_reader *r = NULL;
  struct om_reader_opts o = {.path = path};
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EMANIFEST);
  assert_null(r);
  char want[512];
  snprintf(want, sizeof want, "'%s': 2500 columns, limit 1000 (source.max_fields)", path);
  assert_string_equal(s.d.msg, want);
  o.max_fields = 2500; /* the limit is the user's to raise */
  r = open_opts(&o, &s);
  assert_int_equal(om_reader_field_count(r), 2500);
  assert_string_equal(om_reader_field_name(r, 2499), "c2500");
  om_reader_free(r);
  free(path);

  const char *rows[] = {"1,Beylikova,39.6869,31.2056\n", header, "3,Okcu,39.62,31.40\n"};
  path = write_generated("wide_row", "id,name,lat,lon\n", rows, 3);
  r = open_path(path, NULL, &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  next_rejected_as(r, &s, path, OM_REASON_TOO_MANY_FIELDS,
                   ":3: record 2: more fields than the limit: 2500 fields, limit 1000: "
                   "'c1,c2,c3,", true);
  next_ok(r, &s, &rec, 3, 4);
  assert_string_equal(rec.values[1], "Okcu");
  next_end(r, &s);
  om_reader_free(r);
  free(path);
  free(header);
}

static void test_field_too_long(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  size_t big = 2097152;
  char *unquoted = malloc(big + 16);
  strcpy(unquoted, "2,");
  memset(unquoted + 2, 'x', big);
  strcpy(unquoted + 2 + big, "\n");
  /* The same size in quotes, over 1,000 lines. */
  char *quoted = malloc(big + 16);
  strcpy(quoted, "3,\"");
  memset(quoted + 3, 'y', big);
  for (size_t i = 1; i <= 1000; i++)
    quoted[3 + i * 2000] = '\n';
  strcpy(quoted + 3 + big, "\"\n");
  const char *rows[] = {"1,Beylikova\n", unquoted, quoted, "4,Okcu\n"};
  char *path = write_generated("long_field", "id,note\n", rows, 4);

  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  next_rejected_as(r, &s, path, OM_REASON_FIELD_TOO_LONG,
                   ":3: record 2: field 'note': field longer than the limit: 2097152 bytes, "
                   "limit 65536: 'xxxx", true);
  next_rejected_as(r, &s, path, OM_REASON_FIELD_TOO_LONG,
                   ":4: record 3: field 'note': field longer than the limit: 2097152 bytes, "
                   "limit 65536: 'yyy", true);
  next_ok(r, &s, &rec, 4, 1005); /* the 1,000 line ends inside quotes count */
  assert_string_equal(rec.values[1], "Okcu");
  next_end(r, &s);
  om_reader_free(r);

  struct om_reader_opts o = {.path = path, .max_field_bytes = 4 << 20};
  r = open_opts(&o, &s);
  next_ok(r, &s, &rec, 1, 2);
  next_ok(r, &s, &rec, 2, 3);
  assert_int_equal(strlen(rec.values[1]), big); /* never cut */
  next_ok(r, &s, &rec, 3, 4);
  assert_int_equal(strlen(rec.values[1]), big);
  next_ok(r, &s, &rec, 4, 1005);
  next_end(r, &s);
  om_reader_free(r);
  free(path);
  free(unquoted);
  free(quoted);
}

static void test_run_level_errors(void **state)
{
  (void)state;
  struct seen s;
  seen_init(&s);
  struct om_reader *r = NULL;
  char want[512];
  char *dir = test_tmpdir("run_errors");

  char *path = data_path("bad/no_such_file.csv");
  struct om_reader_opts o = {.path = path};
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EIO);
  snprintf(want, sizeof want, "cannot open '%s': No such file or directory", path);
  assert_string_equal(s.d.msg, want);
  free(path);

  path = test_write_file(dir, "empty.csv", "", 0);
  o.path = path;
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EMANIFEST);
  snprintf(want, sizeof want, "'%s' is empty: the first row must name the fields", path);
  assert_string_equal(s.d.msg, want);
  free(path);

  path = test_write_file(dir, "utf16.csv", "\xff\xfei\0d\0", 6);
  o.path = path;
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EIO);
  assert_non_null(strstr(s.d.msg, "UTF-16 text; save it as UTF-8"));
  free(path);

  path = test_write_file(dir, "header.csv", "id,\xddl\n1,x\n", 10);
  o.path = path;
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EMANIFEST);
  snprintf(want, sizeof want, "'%s': line 1: column 2 of the header is not valid UTF-8 at byte 1; "
           "declare source.encoding if the file is not UTF-8", path);
  assert_string_equal(s.d.msg, want);
  o.encoding = "cp-1254";
  r = open_opts(&o, &s);
  assert_string_equal(om_reader_field_name(r, 1), "İl");
  om_reader_free(r);
  o.encoding = "EBCDIC";
  assert_int_equal(om_reader_open(&r, &o, &s.d), OM_EMANIFEST);
  assert_non_null(strstr(s.d.msg, "unknown source.encoding 'EBCDIC' (known: UTF-8, CP1254"));
  free(path);

  /* A UTF-8 byte-order mark on a file declared CP1254: skipped, with a warning. */
  path = test_write_file(dir, "bom.csv", "\xef\xbb\xbfid,ad\n1,\xdd" "zmir\n", 17);
  r = open_path(path, "CP1254", &s);
  assert_string_equal(om_reader_field_name(r, 0), "id");
  assert_int_equal(s.d.warnings, 1);
  assert_non_null(strstr(s.lines[s.n - 1], "starts with a UTF-8 byte order mark, but "
                                           "source.encoding is CP1254"));
  struct om_record rec;
  next_ok(r, &s, &rec, 1, 2);
  assert_string_equal(rec.values[1], "İzmir");
  om_reader_free(r);
  free(path);

  /* A header alone: no records, and that is fine. */
  path = test_write_file(dir, "header_only.csv", "id,name\r\n", 9);
  r = open_path(path, NULL, &s);
  assert_int_equal(om_reader_field_count(r), 2);
  next_end(r, &s);
  om_reader_free(r);
  free(path);
  free(dir);
}

/*
 * Time reading rows x 8 fields when OM_BENCH_ROWS is set (the number of
 * rows); otherwise read 100,000 rows and check the count and last line.
 */
static void test_many_rows(void **state)
{
  (void)state;
  const char *env = getenv("OM_BENCH_ROWS");
  long rows = env ? atol(env) : 100000;
  char *dir = test_tmpdir("many_rows");
  char *path;
  if (asprintf(&path, "%s/rows.csv", dir) < 0)
    abort();
  FILE *f = fopen(path, "wb");
  fputs("site_id,name,province,country,lat,lon,commodity,status\n", f);
  for (long i = 1; i <= rows; i++)
    fprintf(f, "S-%ld,\"Site %ld, north\",Eskişehir,TR,%.4f,%.4f,REE,active\n", i, i,
            39 + (double)(i % 10000) / 10000, 31 + (double)(i % 7000) / 10000);
  assert_int_equal(fclose(f), 0);

  struct seen s;
  seen_init(&s);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct om_reader *r = open_path(path, NULL, &s);
  struct om_record rec;
  long n = 0, last_line = 0;
  int rc;
  while ((rc = om_reader_next(r, &rec, &s.d)) == OM_READ_OK) {
    n++;
    last_line = rec.pos.line;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_int_equal(rc, OM_READ_END);
  assert_int_equal(n, rows);
  assert_int_equal(last_line, rows + 1);
  if (env)
    print_message("read %ld rows x 8 fields in %.3f s\n", n,
                  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  om_reader_free(r);
  free(path);
  free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_csv_bom_crlf_and_empty_values),
    cmocka_unit_test(test_tsv_and_pipe_delimiters),
    cmocka_unit_test(test_quotes_and_embedded_newlines),
    cmocka_unit_test(test_decimal_commas_stay_text),
    cmocka_unit_test(test_blank_and_empty_rows),
    cmocka_unit_test(test_wrong_field_count),
    cmocka_unit_test(test_unterminated_quote),
    cmocka_unit_test(test_cp1254_without_declaration),
    cmocka_unit_test(test_declared_turkish_encodings),
    cmocka_unit_test(test_latin1),
    cmocka_unit_test(test_bytes_without_a_character),
    cmocka_unit_test(test_invalid_utf8_kinds),
    cmocka_unit_test(test_too_many_columns),
    cmocka_unit_test(test_field_too_long),
    cmocka_unit_test(test_run_level_errors),
    cmocka_unit_test(test_many_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
