/*
 * Attribute joins: tables written for each test (CSV by hand, GeoPackage
 * and XLSX with GDAL), joined through the public API and checked as the
 * pipeline would see them: values, types, report counts, warnings, error
 * messages and the unmatched-rows file byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>
#include <ogr_api.h>

#include "join/attr.h"
#include "support.h"

/* ---- Helpers ---- */

/* Warnings, one per line. */
struct warnings {
  char text[4096];
  int n;
};

static void collect(void *ctx, enum om_level level, const char *line)
{
  struct warnings *w = ctx;
  if (level != OM_LEVEL_WARNING)
    return;
  size_t len = strlen(w->text);
  snprintf(w->text + len, sizeof w->text - len, "%s\n", line);
  w->n++;
}

static void diag_start(struct om_diag *d, struct warnings *w)
{
  memset(w, 0, sizeof *w);
  om_diag_init(d);
  d->report = collect;
  d->report_ctx = w;
}

/* A one-key spec: layer key "site_id", table key 'right'. */
static struct om_join_spec spec_on(const char *const *left, const char *const *right,
                                   const struct om_join_field *fields, size_t nfields)
{
  return (struct om_join_spec){.manifest = "layers/deposits.yaml", .layer = "deposits",
                               .nkeys = 1, .left_keys = left, .right_keys = right,
                               .fields = fields, .nfields = nfields};
}

static const char *const site_id[] = {"site_id"};

/* Write csv as dir/name and open the join; returns the rc, *j set on success. */
static int open_csv(struct om_join **j, const char *dir, const char *name, const char *csv,
                    const struct om_join_spec *s, struct om_diag *d, char **path_out)
{
  char *path = test_write_file(dir, name, csv, strlen(csv));
  struct om_reader_opts o = {.path = path};
  int rc = om_join_open(j, s, &o, d);
  if (path_out)
    *path_out = path;
  else
    free(path);
  return rc;
}

/* Look up one key; the joined values or NULL for a miss. */
static const char *const *lookup1(struct om_join *j, const char *key)
{
  const char *const keys[] = {key};
  const char *const *v;
  int rc = om_join_lookup(j, keys, &v);
  assert_true(rc == 0 || rc == 1);
  assert_true((rc == 1) == (v != NULL));
  return v;
}

/* Compare a joined value, NULL meaning null. */
#define assert_value(got, want)                                                                \
  do {                                                                                         \
    const char *g_ = (got), *w_ = (want);                                                      \
    if (!w_)                                                                                   \
      assert_null(g_);                                                                         \
    else                                                                                       \
      assert_string_equal(g_ ? g_ : "(null)", w_);                                             \
  } while (0)

/* ---- Aggregates ---- */

static const char ASSAYS[] = "site_id,sample,reo_pct,nd_ppm,lab\n"
                             "S1,a,1.5,100,ALS\n"
                             "S1,b,2.25,300,SGS\n"
                             "S1,c,,200,ALS\n"
                             "S2,d,0.5,50,\n"
                             "S1,e,0.75,,Bureau\n";

static void test_each_aggregate(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_aggregates");
  struct om_join_field f[] = {
    {"sample", "n", OM_AGG_COUNT, false, 0},     {"nd_ppm", "nd_sum", OM_AGG_SUM, false, 0},
    {"reo_pct", "reo_mean", OM_AGG_MEAN, false, 0}, {"reo_pct", "reo_min", OM_AGG_MIN, false, 0},
    {"reo_pct", "reo_max", OM_AGG_MAX, false, 0}, {"lab", "lab_first", OM_AGG_FIRST, false, 0},
    {"lab", "lab_last", OM_AGG_LAST, false, 0},   {"lab", "labs", OM_AGG_LIST, false, 0},
    {"lab", "lab_min", OM_AGG_MIN, false, 0},     {"lab", "lab_max", OM_AGG_MAX, false, 0},
    {"nd_ppm", "nd_max", OM_AGG_MAX, false, 0},   {"reo_pct", "reo_sum", OM_AGG_SUM, false, 0},
  };
  struct om_join_spec s = spec_on(site_id, site_id, f, 12);
  s.one_to_many = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "assays.csv", ASSAYS, &s, &d, NULL), 0);
  assert_int_equal(w.n, 0);

  assert_int_equal(om_join_nfields(j), 12);
  const enum om_field_type types[] = {
    OM_FIELD_INTEGER, OM_FIELD_INTEGER, OM_FIELD_REAL,   OM_FIELD_REAL,
    OM_FIELD_REAL,    OM_FIELD_STRING,  OM_FIELD_STRING, OM_FIELD_STRING,
    OM_FIELD_STRING,  OM_FIELD_STRING,  OM_FIELD_INTEGER, OM_FIELD_REAL,
  };
  for (size_t i = 0; i < 12; i++) {
    assert_string_equal(om_join_field_name(j, i), f[i].as);
    assert_int_equal(om_join_field_type(j, i), types[i]);
  }

  const char *const *v = lookup1(j, "S1");
  assert_non_null(v);
  const char *const want1[] = {"4",   "600", "1.5", "0.75",   "2.25",
                               "ALS", "Bureau", "ALS; SGS; ALS; Bureau", "ALS", "SGS",
                               "300", "4.5"};
  for (size_t i = 0; i < 12; i++)
    assert_value(v[i], want1[i]);

  /* One row, with a null lab: null first/last/list/min/max, a count of one. */
  v = lookup1(j, "S2");
  assert_non_null(v);
  const char *const want2[] = {"1", "50", "0.5", "0.5", "0.5", NULL, NULL, NULL, NULL, NULL,
                               "50", "0.5"};
  for (size_t i = 0; i < 12; i++)
    assert_value(v[i], want2[i]);

  assert_null(lookup1(j, "S3"));
  om_join_free(j);
  free(dir);
}

static void test_sum_is_compensated_and_separator(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_sum");
  struct om_join_field f[] = {{"t", "total", OM_AGG_SUM, false, 0},
                              {"t", "all", OM_AGG_LIST, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 2);
  s.one_to_many = true;
  s.separator = " | ";
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "t.csv", "site_id,t\nA,0.1\nA,0.2\nA,0.3\n", &s, &d, NULL),
                   0);
  const char *const *v = lookup1(j, "A");
  assert_string_equal(v[0], "0.6"); /* naive summation gives 0.6000000000000001 */
  assert_string_equal(v[1], "0.1 | 0.2 | 0.3");
  om_join_free(j);
  free(dir);
}

static void test_integer_sum_overflow_becomes_real(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_overflow");
  struct om_join_field f[] = {{"t", "total", OM_AGG_SUM, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 1);
  s.one_to_many = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "t.csv",
                            "site_id,t\nA,1\nA,2\nB,9000000000000000000\nB,9000000000000000000\n",
                            &s, &d, NULL),
                   0);
  assert_int_equal(om_join_field_type(j, 0), OM_FIELD_REAL);
  assert_string_equal(lookup1(j, "A")[0], "3");
  assert_string_equal(lookup1(j, "B")[0], "1.8e+19");
  om_join_free(j);
  free(dir);
}

/* Sums of text fields and declared numeric fields leave the non-numbers out, with one warning. */
static void test_non_numbers_left_out(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_nan");
  struct om_join_field f[] = {
    {"reo_pct", "reo_max", OM_AGG_MAX, true, OM_FIELD_REAL},
    {"reo_pct", "reo_sum", OM_AGG_SUM, false, 0},
    {"reo_pct", "reo_first", OM_AGG_FIRST, true, OM_FIELD_REAL},
    {"reo_pct", "reo_text_max", OM_AGG_MAX, false, 0},
  };
  struct om_join_spec s = spec_on(site_id, site_id, f, 4);
  s.one_to_many = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  char *path;
  assert_int_equal(open_csv(&j, dir, "assays.csv",
                            "site_id,reo_pct\nA,<0.01\nA,9.5\nA,n/a\nA,10.25\nB,bdl\n", &s, &d,
                            &path),
                   0);
  char want[2048];
  snprintf(want, sizeof want,
           "%s: field 'reo_pct': 3 values are not numbers and were left out of 'max' "
           "(the first: '<0.01')\n"
           "%s: field 'reo_pct': 3 values are not numbers and were left out of 'sum' "
           "(the first: '<0.01')\n"
           "%s: field 'reo_pct': 3 values are not numbers and were left out of 'first' "
           "(the first: '<0.01')\n"
           "%s: field 'reo_pct': 'max' compares text, since 3 of its 5 values are not "
           "numbers; declare the field's type to compare numbers\n",
           path, path, path, path);
  assert_string_equal(w.text, want);
  assert_int_equal(om_join_field_type(j, 0), OM_FIELD_REAL);
  assert_int_equal(om_join_field_type(j, 3), OM_FIELD_STRING);
  const char *const *v = lookup1(j, "A");
  assert_string_equal(v[0], "10.25");
  assert_string_equal(v[1], "19.75");
  assert_string_equal(v[2], "9.5");
  assert_string_equal(v[3], "n/a"); /* text order, as warned */
  v = lookup1(j, "B");
  assert_null(v[0]);
  assert_null(v[1]);
  om_join_free(j);
  free(path);
  free(dir);
}

/* ---- One-to-one ---- */

static void test_one_to_one_duplicates(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_dups");
  struct om_join_field f[] = {{"grade", NULL, OM_AGG_FIRST, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 1);
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j = (struct om_join *)&w; /* not NULL: the failed open must clear it */
  char *path;
  int rc = open_csv(&j, dir, "reserves.csv",
                    "site_id,grade\nA-7,1\nB-2,2\nA-7,3\nB-2,4\nC,5\nB-2,6\n", &s, &d, &path);
  assert_int_equal(rc, OM_EMANIFEST);
  assert_null(j);
  char want[1024];
  snprintf(want, sizeof want,
           "layers/deposits.yaml: join '%s' onto layer 'deposits' is one-to-one, but 2 keys "
           "occur more than once: 'A-7' in records 1, 3; 'B-2' in records 2, 4, 6; declare "
           "the join one-to-many with aggregates, or remove the duplicates",
           path);
  assert_string_equal(d.msg, want);

  /* The same table one-to-one without duplicates works, and first is the value. */
  rc = open_csv(&j, dir, "ok.csv", "site_id,grade\nA-7,1.5\nB-2,\n", &s, &d, NULL);
  assert_int_equal(rc, 0);
  assert_string_equal(om_join_field_name(j, 0), "grade");
  assert_string_equal(lookup1(j, "A-7")[0], "1.5");
  assert_null(lookup1(j, "B-2")[0]);
  om_join_free(j);
  free(path);
  free(dir);
}

static void test_one_to_one_duplicates_two_keys(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_dups2");
  const char *const keys[] = {"hole_id", "from"};
  struct om_join_spec s = spec_on(keys, keys, NULL, 0);
  s.nkeys = 2;
  s.policy.numeric = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "t.csv", "hole_id,from\n1,0\n1,2\n01,2.0\n", &s, &d, NULL),
                   OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "is one-to-one, but 1 key occurs more than once: "
                                "('01', '2.0') in records 2, 3; declare"));
  free(dir);
}

/* ---- Keys ---- */

static void test_multiple_keys(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_keys");
  const char *const left[] = {"hole", "depth_from"};
  const char *const right[] = {"hole_id", "from"};
  struct om_join_field f[] = {{"au", NULL, OM_AGG_FIRST, false, 0}};
  struct om_join_spec s = spec_on(left, right, f, 1);
  s.nkeys = 2;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "intervals.csv",
                            "hole_id,from,au\nDH1,0,0.2\nDH1,2,0.9\nDH2,0,1.1\nDH1,,7\n", &s,
                            &d, NULL),
                   0);
  const char *const k1[] = {"DH1", "2"}, *const k2[] = {"DH2", "0"}, *const k3[] = {"DH2", "2"};
  const char *const k4[] = {"DH1", NULL}, *const k5[] = {"DH12", ""};
  const char *const *v;
  assert_int_equal(om_join_lookup(j, k1, &v), 1);
  assert_string_equal(v[0], "0.9");
  assert_int_equal(om_join_lookup(j, k2, &v), 1);
  assert_string_equal(v[0], "1.1");
  assert_int_equal(om_join_lookup(j, k3, &v), 0);
  assert_null(v);
  assert_int_equal(om_join_lookup(j, k4, &v), 0); /* a null part never matches */
  assert_int_equal(om_join_lookup(j, k5, &v), 0); /* "DH1"+"2" is not "DH12"+"" */
  struct om_join_report r;
  om_join_report(j, &r);
  assert_int_equal(r.matched, 2);
  assert_int_equal(r.unmatched_left, 3);
  assert_int_equal(r.left_no_key, 2);
  assert_int_equal(r.right_rows, 4);
  assert_int_equal(r.right_no_key, 1);
  assert_int_equal(r.right_keys, 3);
  om_join_free(j);
  free(dir);
}

/* Open a one-column join of 'csv' (key "k", value "v") under a policy. */
static struct om_join *open_policy(const char *dir, const char *csv,
                                   struct om_join_key_policy p, struct om_diag *d)
{
  static const char *const k[] = {"k"};
  static const struct om_join_field f[] = {{"v", NULL, OM_AGG_FIRST, false, 0}};
  struct om_join_spec s = spec_on(k, k, f, 1);
  s.policy = p;
  s.one_to_many = true;
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "t.csv", csv, &s, d, NULL), 0);
  return j;
}

static const char *value_for(struct om_join *j, const char *key)
{
  const char *const *v = lookup1(j, key);
  return v ? v[0] : "(miss)";
}

static void test_trim(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_trim");
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  const char *csv = "k,v\n  Beylikova ,1\n\xC2\xA0Okçu,2\n";
  struct om_join *j = open_policy(dir, csv, (struct om_join_key_policy){0}, &d);
  assert_string_equal(value_for(j, "Beylikova"), "(miss)");
  assert_string_equal(value_for(j, "  Beylikova "), "1");
  om_join_free(j);
  j = open_policy(dir, csv, (struct om_join_key_policy){.trim = true}, &d);
  assert_string_equal(value_for(j, "Beylikova"), "1");
  assert_string_equal(value_for(j, "\tBeylikova\r\n"), "1");
  assert_string_equal(value_for(j, "Okçu\xC2\xA0"), "2");
  assert_string_equal(value_for(j, "Bey likova"), "(miss)"); /* inside spaces stay */
  assert_string_equal(value_for(j, "   "), "(miss)");        /* blank is no key */
  struct om_join_report r;
  om_join_report(j, &r);
  assert_int_equal(r.left_no_key, 1);
  om_join_free(j);
  free(dir);
}

static void test_fold_case_turkish(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_fold");
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  const char *csv = "k,v\nESKİŞEHİR,1\nISPARTA,2\nKIZILCAÖREN,3\n";
  struct om_join *j = open_policy(dir, csv, (struct om_join_key_policy){0}, &d);
  assert_string_equal(value_for(j, "ESKİŞEHİR"), "1");
  assert_string_equal(value_for(j, "Eskişehir"), "(miss)");
  om_join_free(j);

  j = open_policy(dir, csv, (struct om_join_key_policy){.fold_case = true}, &d);
  assert_string_equal(value_for(j, "Eskişehir"), "1");
  assert_string_equal(value_for(j, "eskişehir"), "1");
  assert_string_equal(value_for(j, "Eski\xC5\x9F" "ehir"), "1"); /* precomposed ş */
  assert_string_equal(value_for(j, "Eskis\xCC\xA7" "ehir"), "1"); /* s + combining cedilla */
  assert_string_equal(value_for(j, "Isparta"), "2");
  assert_string_equal(value_for(j, "ısparta"), "2"); /* a Turkish lower-casing of ISPARTA */
  assert_string_equal(value_for(j, "Kızılcaören"), "3");
  assert_string_equal(value_for(j, "eskisehir"), "(miss)"); /* marks are not case */
  assert_string_equal(value_for(j, "Kizilcaoren"), "(miss)");
  om_join_free(j);

  j = open_policy(dir, csv, (struct om_join_key_policy){.fold_case = true, .fold_marks = true},
                  &d);
  assert_string_equal(value_for(j, "eskisehir"), "1");
  assert_string_equal(value_for(j, "Eskisehir"), "1");
  assert_string_equal(value_for(j, "Kizilcaoren"), "3");
  assert_string_equal(value_for(j, "KİZİLCAOREN"), "3");
  assert_string_equal(value_for(j, "Eskişehir Merkez"), "(miss)");
  om_join_free(j);
  free(dir);
}

static void test_leading_zeros(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_zeros");
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  const char *csv = "k,v\n007,seven\n0,zero\nA-01,a1\n0.5,half\n";
  struct om_join *j = open_policy(dir, csv, (struct om_join_key_policy){0}, &d);
  assert_string_equal(value_for(j, "007"), "seven");
  assert_string_equal(value_for(j, "7"), "(miss)");
  assert_string_equal(value_for(j, "07"), "(miss)");
  om_join_free(j);
  j = open_policy(dir, csv, (struct om_join_key_policy){.strip_leading_zeros = true}, &d);
  assert_string_equal(value_for(j, "7"), "seven");
  assert_string_equal(value_for(j, "0007"), "seven");
  assert_string_equal(value_for(j, "000"), "zero");
  assert_string_equal(value_for(j, "A-01"), "a1"); /* only zeros at the start go */
  assert_string_equal(value_for(j, "A-1"), "(miss)");
  assert_string_equal(value_for(j, "00.5"), "half"); /* a zero before a non-digit stays */
  assert_string_equal(value_for(j, ".5"), "(miss)");
  om_join_free(j);
  free(dir);
}

static void test_numeric_keys(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_numeric");
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  char *path = NULL;
  const char *csv = "k,v\n007,seven\n2.50,two and a half\nabc,x\n-0,zero\n"
                    "9007199254740993,big\n";
  static const char *const k[] = {"k"};
  struct om_join_field f[] = {{"v", NULL, OM_AGG_FIRST, false, 0}};
  struct om_join_spec s = spec_on(k, k, f, 1);
  s.policy.numeric = true;
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "t.csv", csv, &s, &d, &path), 0);
  char want[512];
  snprintf(want, sizeof want, "%s:4: record 3: field 'k': join key is not a number: 'abc'\n",
           path);
  assert_string_equal(w.text, want);
  assert_string_equal(value_for(j, "7"), "seven");
  assert_string_equal(value_for(j, "7.0"), "seven");
  assert_string_equal(value_for(j, "007"), "seven");
  assert_string_equal(value_for(j, " 7 "), "seven");
  assert_string_equal(value_for(j, "7e0"), "seven");
  assert_string_equal(value_for(j, "2.5"), "two and a half");
  assert_string_equal(value_for(j, "0"), "zero");
  assert_string_equal(value_for(j, "9007199254740993"), "big"); /* integers compare exactly */
  assert_string_equal(value_for(j, "9007199254740992"), "(miss)");
  assert_string_equal(value_for(j, "abc"), "(miss)");
  struct om_join_report r;
  om_join_report(j, &r);
  assert_int_equal(r.right_no_key, 1);
  assert_int_equal(r.left_no_key, 1);
  om_join_free(j);
  free(path);
  free(dir);
}

/* A table with many bad keys: the first 20 are reported, then a count. */
static void test_key_warnings_capped(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_cap");
  char csv[1024] = "k,v\n";
  for (int i = 0; i < 25; i++)
    snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "x%d,%d\n", i, i);
  static const char *const k[] = {"k"};
  struct om_join_spec s = spec_on(k, k, NULL, 0);
  s.policy.numeric = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  char *path;
  assert_int_equal(open_csv(&j, dir, "t.csv", csv, &s, &d, &path), 0);
  assert_int_equal(w.n, 21);
  char want[512];
  snprintf(want, sizeof want, "%s: 5 more join keys are not numbers (not shown)\n", path);
  assert_non_null(strstr(w.text, want));
  struct om_join_report r;
  om_join_report(j, &r);
  assert_int_equal(r.right_no_key, 25);
  assert_int_equal(r.unmatched_right, 25);
  om_join_free(j);
  free(path);
  free(dir);
}

static void test_decimal_comma_table(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_comma");
  struct om_join_field f[] = {{"t", "total", OM_AGG_SUM, false, 0},
                              {"t", "top", OM_AGG_MAX, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 2);
  s.one_to_many = true;
  s.decimal = ',';
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(
      open_csv(&j, dir, "t.csv", "site_id;t\nA;\"1,5\"\nA;\"2,25\"\n", &s, &d, NULL), 0);
  assert_int_equal(om_join_field_type(j, 1), OM_FIELD_REAL);
  assert_string_equal(lookup1(j, "A")[0], "3.75");
  assert_string_equal(lookup1(j, "A")[1], "2.25");
  om_join_free(j);
  free(dir);
}

/* ---- Report and the unmatched rows ---- */

static void test_report_and_unmatched_file(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_unmatched");
  struct om_join_field f[] = {{"grade", NULL, OM_AGG_MAX, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 1);
  s.one_to_many = true;
  s.drop_unmatched = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  const char *csv = "site_id,grade,note\n"
                    "A,1,first\n"
                    "B,2,\"has, comma\"\n"
                    ",3,no key\n"
                    "A,4,\n"
                    "C,5,\"say \"\"hi\"\"\"\n"
                    "B,6,Kızılcaören\n";
  assert_int_equal(open_csv(&j, dir, "t.csv", csv, &s, &d, NULL), 0);
  const char *const *v;
  assert_non_null(v = lookup1(j, "A"));
  assert_string_equal(v[0], "4");
  assert_non_null(lookup1(j, "A"));
  assert_null(lookup1(j, "Z"));
  assert_null(lookup1(j, NULL));
  assert_null(lookup1(j, ""));

  struct om_join_report r;
  om_join_report(j, &r);
  assert_int_equal(r.matched, 2);
  assert_int_equal(r.unmatched_left, 3);
  assert_int_equal(r.left_no_key, 2);
  assert_true(r.left_dropped);
  assert_int_equal(r.right_rows, 6);
  assert_int_equal(r.right_rejected, 0);
  assert_int_equal(r.right_keys, 3);
  assert_int_equal(r.right_no_key, 1);
  assert_int_equal(r.unmatched_right, 4); /* B twice, C, and the row with no key */

  char *out = NULL;
  assert_true(asprintf(&out, "%s/unmatched.csv", dir) > 0);
  assert_int_equal(om_join_write_unmatched(j, out, &d), 0);
  char *text = test_read_file(out, NULL);
  assert_string_equal(text, "site_id,grade,note,source_record\r\n"
                            "B,2,\"has, comma\",2\r\n"
                            ",3,no key,3\r\n"
                            "C,5,\"say \"\"hi\"\"\",5\r\n"
                            "B,6,Kızılcaören,6\r\n");
  free(text);

  /* A table changed between the reads gives an error and no file. */
  char *path = test_write_file(dir, "t.csv", "site_id,grade,note\nA,1,x\n", 24);
  char *out2 = NULL;
  assert_true(asprintf(&out2, "%s/unmatched2.csv", dir) > 0);
  assert_int_equal(om_join_write_unmatched(j, out2, &d), OM_EIO);
  char want[1024];
  snprintf(want, sizeof want, "'%s' changed while it was joined; build again", path);
  assert_string_equal(d.msg, want);
  assert_null(test_read_file(out2, NULL));
  om_join_free(j);
  free(out);
  free(out2);
  free(path);
  free(dir);
}

/* A row the reader rejects is counted as rejected, and is not an unmatched row. */
static void test_rejected_table_row(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_rejected");
  struct om_join_field f[] = {{"v", NULL, OM_AGG_FIRST, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 1);
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "t.csv", "site_id,v\nA,1\nB,bad \xFF byte\nC,3\n", &s,
                            &d, NULL),
                   0);
  assert_int_equal(d.rejected, 1);
  assert_null(lookup1(j, "B"));
  struct om_join_report r;
  om_join_report(j, &r);
  assert_int_equal(r.right_rows, 2);
  assert_int_equal(r.right_rejected, 1);
  assert_int_equal(r.unmatched_right, 2);
  char *out = NULL;
  assert_true(asprintf(&out, "%s/unmatched.csv", dir) > 0);
  assert_int_equal(om_join_write_unmatched(j, out, &d), 0);
  assert_int_equal(d.rejected, 1); /* not reported twice */
  char *text = test_read_file(out, NULL);
  assert_string_equal(text, "site_id,v,source_record\r\nA,1,1\r\nC,3,3\r\n");
  free(text);
  free(out);
  om_join_free(j);
  free(dir);
}

static void test_kept_unmatched_report(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_kept");
  struct om_join_spec s = spec_on(site_id, site_id, NULL, 0); /* no fields: a filter */
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "t.csv", "site_id\nA\nB\n", &s, &d, NULL), 0);
  assert_int_equal(om_join_nfields(j), 0);
  const char *const keys[] = {"A"};
  const char *const *v;
  assert_int_equal(om_join_lookup(j, keys, &v), 1);
  assert_non_null(v);
  assert_null(lookup1(j, "C"));
  struct om_join_report r;
  om_join_report(j, &r);
  assert_false(r.left_dropped);
  assert_int_equal(r.matched, 1);
  assert_int_equal(r.unmatched_left, 1);
  assert_int_equal(r.unmatched_right, 1);
  om_join_free(j);
  free(dir);
}

/* ---- Names ---- */

static void test_prefix_and_rename(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_names");
  struct om_join_field f[] = {{"reo_pct", "reo_max", OM_AGG_MAX, false, 0},
                              {"lab", NULL, OM_AGG_FIRST, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 2);
  s.one_to_many = true;
  s.prefix = "assay_";
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  assert_int_equal(open_csv(&j, dir, "assays.csv", ASSAYS, &s, &d, NULL), 0);
  assert_string_equal(om_join_field_name(j, 0), "assay_reo_max");
  assert_string_equal(om_join_field_name(j, 1), "assay_lab");
  assert_int_equal(om_join_nkeys(j), 1);
  assert_string_equal(om_join_left_key(j, 0), "site_id");

  const char *const layer_ok[] = {"site_id", "name", "reo_max"};
  assert_int_equal(om_join_check_names(j, layer_ok, 3, &d), 0);
  const char *const layer_clash[] = {"site_id", "Assay_Lab"};
  assert_int_equal(om_join_check_names(j, layer_clash, 2, &d), OM_EMANIFEST);
  char want[512];
  snprintf(want, sizeof want,
           "layers/deposits.yaml: join '%s/assays.csv' onto layer 'deposits': output field "
           "'assay_lab' clashes with the layer's field 'Assay_Lab'; rename it or set a prefix",
           dir);
  assert_string_equal(d.msg, want);
  om_join_free(j);
  free(dir);
}

static void test_clashing_outputs(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_clash");
  struct om_join_field f[] = {{"reo_pct", NULL, OM_AGG_MAX, false, 0},
                              {"reo_pct", NULL, OM_AGG_MIN, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 2);
  s.one_to_many = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  char *path;
  assert_int_equal(open_csv(&j, dir, "assays.csv", ASSAYS, &s, &d, &path), OM_EMANIFEST);
  char want[512];
  snprintf(want, sizeof want,
           "layers/deposits.yaml: join '%s' onto layer 'deposits': output fields 1 and 2 are "
           "both named 'reo_pct'; rename one",
           path);
  assert_string_equal(d.msg, want);

  f[1].as = "REO_pct";
  assert_int_equal(open_csv(&j, dir, "assays.csv", ASSAYS, &s, &d, NULL), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "both named 'REO_pct' (names ignore case)"));

  f[1].as = "fid";
  assert_int_equal(open_csv(&j, dir, "assays.csv", ASSAYS, &s, &d, NULL), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, "output field 'fid' is a name GeoPackage reserves"));
  free(path);
  free(dir);
}

static void test_missing_fields(void **state)
{
  (void)state;
  char *dir = test_tmpdir("join_missing");
  const char *const right[] = {"site"};
  struct om_join_field f[] = {{"reo_pct", NULL, OM_AGG_MAX, false, 0},
                              {"ree_pct", "a", OM_AGG_MAX, false, 0},
                              {"ree_pct", "b", OM_AGG_MIN, false, 0}};
  struct om_join_spec s = spec_on(site_id, right, f, 3);
  s.one_to_many = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_join *j;
  char *path;
  assert_int_equal(open_csv(&j, dir, "assays.csv", ASSAYS, &s, &d, &path), OM_EMANIFEST);
  char want[1024];
  snprintf(want, sizeof want,
           "layers/deposits.yaml: join '%s' onto layer 'deposits': fields 'site', 'ree_pct' "
           "are not in the table; its fields are 'site_id', 'sample', 'reo_pct', 'nd_ppm', "
           "'lab'",
           path);
  assert_string_equal(d.msg, want);

  s.right_keys = site_id;
  s.nfields = 1;
  f[0].source = "lab ";
  assert_int_equal(open_csv(&j, dir, "assays.csv", ASSAYS, &s, &d, NULL), OM_EMANIFEST);
  assert_non_null(strstr(d.msg, ": field 'lab ' is not in the table; its fields are "));

  /* A table that is not there: the reader's error, as it words it. */
  struct om_reader_opts o = {.path = "no/such/assays.csv"};
  assert_int_equal(om_join_open(&j, &s, &o, &d), OM_EIO);
  assert_null(j);
  assert_non_null(strstr(d.msg, "'no/such/assays.csv'"));
  free(path);
  free(dir);
}

/* ---- Tables GDAL opens ---- */

static void write_table(const char *driver, const char *path)
{
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName(driver);
  assert_non_null(drv);
  GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
  assert_non_null(ds);
  OGRLayerH l = GDALDatasetCreateLayer(ds, "assays", NULL, wkbNone, NULL);
  assert_non_null(l);
  const char *names[] = {"site_id", "grade", "tonnes"};
  const OGRFieldType types[] = {OFTString, OFTReal, OFTInteger64};
  for (int i = 0; i < 3; i++) {
    OGRFieldDefnH fd = OGR_Fld_Create(names[i], types[i]);
    assert_int_equal(OGR_L_CreateField(l, fd, TRUE), OGRERR_NONE);
    OGR_Fld_Destroy(fd);
  }
  const char *ids[] = {"Beylikova", "Beylikova", "Okçu", "Karkın"};
  const double grades[] = {1.25, 3.5, 0.5, 2};
  const long long tonnes[] = {1200, 800, 40, 7};
  for (int i = 0; i < 4; i++) {
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
    OGR_F_SetFieldString(f, 0, ids[i]);
    OGR_F_SetFieldDouble(f, 1, grades[i]);
    OGR_F_SetFieldInteger64(f, 2, tonnes[i]);
    assert_int_equal(OGR_L_CreateFeature(l, f), OGRERR_NONE);
    OGR_F_Destroy(f);
  }
  GDALClose(ds);
}

static void join_gdal_table(const char *driver, const char *file)
{
  char *dir = test_tmpdir(driver);
  char *path = NULL;
  assert_true(asprintf(&path, "%s/%s", dir, file) > 0);
  write_table(driver, path);
  struct om_join_field f[] = {{"grade", "grade_max", OM_AGG_MAX, false, 0},
                              {"tonnes", "tonnes", OM_AGG_SUM, false, 0},
                              {"grade", "grade_first", OM_AGG_FIRST, false, 0}};
  struct om_join_spec s = spec_on(site_id, site_id, f, 3);
  s.one_to_many = true;
  s.policy.fold_case = true;
  struct om_diag d;
  struct warnings w;
  diag_start(&d, &w);
  struct om_reader_opts o = {.path = path, .layer = "assays"};
  struct om_join *j;
  assert_int_equal(om_join_open(&j, &s, &o, &d), 0);
  assert_int_equal(om_join_field_type(j, 0), OM_FIELD_REAL);
  assert_int_equal(om_join_field_type(j, 1), OM_FIELD_INTEGER);
  assert_int_equal(om_join_field_type(j, 2), OM_FIELD_REAL);
  const char *const *v = lookup1(j, "BEYLİKOVA");
  assert_non_null(v);
  assert_string_equal(v[0], "3.5");
  assert_string_equal(v[1], "2000");
  assert_string_equal(v[2], "1.25");
  v = lookup1(j, "karkın");
  assert_non_null(v);
  assert_string_equal(v[0], "2");
  char *out = NULL;
  assert_true(asprintf(&out, "%s/unmatched.csv", dir) > 0);
  assert_int_equal(om_join_write_unmatched(j, out, &d), 0);
  char *text = test_read_file(out, NULL);
  assert_string_equal(text, "site_id,grade,tonnes,source_record\r\nOkçu,0.5,40,3\r\n");
  free(text);
  om_join_free(j);
  free(out);
  free(path);
  free(dir);
}

static void test_geopackage_table(void **state)
{
  (void)state;
  join_gdal_table("GPKG", "assays.gpkg");
}

static void test_xlsx_table(void **state)
{
  (void)state;
  join_gdal_table("XLSX", "assays.xlsx");
}

static void test_agg_names(void **state)
{
  (void)state;
  for (int a = OM_AGG_FIRST; a <= OM_AGG_LIST; a++) {
    enum om_join_agg back;
    assert_int_equal(om_join_agg_parse(&back, om_join_agg_name((enum om_join_agg)a)), 0);
    assert_int_equal(back, a);
  }
  enum om_join_agg x;
  assert_int_equal(om_join_agg_parse(&x, "median"), -1);
  om_join_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_each_aggregate),
    cmocka_unit_test(test_sum_is_compensated_and_separator),
    cmocka_unit_test(test_integer_sum_overflow_becomes_real),
    cmocka_unit_test(test_non_numbers_left_out),
    cmocka_unit_test(test_one_to_one_duplicates),
    cmocka_unit_test(test_one_to_one_duplicates_two_keys),
    cmocka_unit_test(test_multiple_keys),
    cmocka_unit_test(test_trim),
    cmocka_unit_test(test_fold_case_turkish),
    cmocka_unit_test(test_leading_zeros),
    cmocka_unit_test(test_numeric_keys),
    cmocka_unit_test(test_key_warnings_capped),
    cmocka_unit_test(test_decimal_comma_table),
    cmocka_unit_test(test_report_and_unmatched_file),
    cmocka_unit_test(test_rejected_table_row),
    cmocka_unit_test(test_kept_unmatched_report),
    cmocka_unit_test(test_prefix_and_rename),
    cmocka_unit_test(test_clashing_outputs),
    cmocka_unit_test(test_missing_fields),
    cmocka_unit_test(test_geopackage_table),
    cmocka_unit_test(test_xlsx_table),
    cmocka_unit_test(test_agg_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
