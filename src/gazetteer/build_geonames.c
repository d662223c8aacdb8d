/*
 * Readers of the GeoNames dumps (https://download.geonames.org/export/dump/):
 * countryInfo.txt, admin1CodesASCII.txt, admin2Codes.txt, the main table
 * (allCountries.txt, cities*.txt: 19 tab-separated columns) and
 * alternateNamesV2.txt, each plain or zipped (io/lines.h).
 *
 * Rows of feature class A with codes PCL* (PCLI, PCLD ...), ADM1 or ADM2 in
 * the main table are the units themselves: they give the country or admin
 * unit its GeoNames id, point and population (creating the unit when no
 * codes file named it) and are not made places too.
 *
 * Alternate names: the pseudo-languages that hold codes or links, not
 * names (post, iata, icao, faac, tcid, link, wkdt, unlc, abbr) and
 * historic (isHistoric) or colloquial (isColloquial) names are skipped:
 * they would make a lookup find a place by a postcode, an airport code, a
 * URL, a name it no longer bears or a nickname.  Preferred and short
 * names are kept.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gazetteer/build_internal.h"
#include "io/lines.h"
#include "text/encoding.h"

#define MAX_COLS 24

struct cols {
  const char *p[MAX_COLS];
  size_t len[MAX_COLS];
  size_t n; /* columns in the row (may exceed MAX_COLS) */
};

/* Split a row on tabs, NUL-terminating each column in place. */
static void split(char *line, size_t len, struct cols *c)
{
  c->n = 0;
  char *s = line, *end = line + len;
  for (;;) {
    char *t = memchr(s, '\t', (size_t)(end - s));
    if (c->n < MAX_COLS) {
      c->p[c->n] = s;
      c->len[c->n] = (size_t)((t ? t : end) - s);
    }
    c->n++;
    if (!t)
      break;
    *t = '\0';
    s = t + 1;
  }
}

static int parse_i64(const char *s, int64_t *out)
{
  char *end;
  if (!*s)
    return -1;
  long long v = strtoll(s, &end, 10);
  if (*end)
    return -1;
  *out = v;
  return 0;
}

static uint32_t parse_pop(const char *s)
{
  int64_t v;
  if (parse_i64(s, &v) < 0 || v < 0)
    return 0;
  return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Open a file and note it among the sources. */
static int open_lines(struct gb *b, const char *path, struct om_lines **l)
{
  int rc = om_lines_open(l, path, b->d);
  if (rc < 0)
    return rc;
  b->geonames = true;
  return 0;
}

/* Finish reading a file: the skipped-rows summary and the sources line. */
static int close_lines(struct gb *b, struct om_lines *l, const char *path, const char *what,
                       size_t rows, size_t bad)
{
  om_lines_free(l);
  if (bad > GB_MAX_WARNINGS)
    om_diag_warn(b->d, "%s: %zu rows skipped in all", path, bad);
  return gb_source_note(b, "%s: %s, %zu rows", gb_base_name(path), what, rows);
}

/* The next row of a file that is not empty (nor a '#' comment when comments is set), counted,
 * valid UTF-8 and split into c: 1, 0 at the end or < 0 on error; invalid rows are reported. */
static int next_row(struct gb *b, struct om_lines *l, const char *path, int comments,
                    struct cols *c, size_t *rows, size_t *bad)
{
  char *line;
  size_t len;
  int rc;
  while ((rc = om_lines_next(l, &line, &len, b->d)) == 1) {
    if (len == 0 || (comments && line[0] == '#'))
      continue;
    (*rows)++;
    b->stats->rows++;
    if (om_utf8_check(line, len) != len) {
      gb_bad_row(b, path, om_lines_number(l), bad, "invalid UTF-8");
      continue;
    }
    split(line, len, c);
    return 1;
  }
  return rc;
}

int gb_read_country_info(struct gb *b, const char *path)
{
  struct om_lines *l;
  int rc = open_lines(b, path, &l);
  if (rc < 0)
    return rc;
  size_t rows = 0, bad = 0;
  struct cols c;
  while ((rc = next_row(b, l, path, 1, &c, &rows, &bad)) == 1) {
    if (c.n < 17 || c.len[0] != 2 || c.len[4] == 0) {
      gb_bad_row(b, path, om_lines_number(l), &bad, "wrong number of fields");
      continue;
    }
    if (gb_code_unit(b, c.p[0]) != GB_NONE)
      continue; /* the first row of a country wins */
    uint32_t t = gb_entry_add(b, OM_GAZ_COUNTRY, c.p[4], "PCLI", c.p[0]);
    if (t == GB_NONE)
      return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
    struct gb_entry *e = &b->e[t];
    int64_t gid;
    if (parse_i64(c.p[16], &gid) == 0)
      e->geonameid = gid;
    e->population = parse_pop(c.p[7]);
    char *aend;
    double area = strtod(c.p[6], &aend);
    if (c.len[6] > 0 && !*aend && isfinite(area) && area > 0 && gb_area_add(b, t, area) < 0)
      return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
    e->country_t = t;
    if ((rc = gb_code_set(b, c.p[0], t, NULL)) < 0 || (rc = gb_country_alias(b, t, c.p[0])) < 0 ||
        (rc = gb_country_alias(b, t, c.p[1])) < 0 || (rc = gb_country_alias(b, t, c.p[2])) < 0 ||
        (rc = gb_name_add(b, t, c.p[4], c.len[4], OM_GAZ_NAME)) < 0 ||
        (rc = gb_name_add(b, t, c.p[0], c.len[0], OM_GAZ_CODE)) < 0 ||
        (c.len[1] == 3 && (rc = gb_name_add(b, t, c.p[1], 3, OM_GAZ_CODE)) < 0))
      break;
  }
  if (rc < 0) {
    om_lines_free(l);
    return rc;
  }
  return close_lines(b, l, path, "countries", rows, bad);
}

/* Create an admin unit for "CC.A1" or "CC.A1.A2"; its tmp number or GB_NONE (out of memory). */
static uint32_t admin_unit(struct gb *b, enum om_gaz_level level, const char *code,
                           const char *name)
{
  char cc[3] = {code[0], code[1], 0};
  uint32_t t = gb_entry_add(b, level, name, level == OM_GAZ_ADMIN1 ? "ADM1" : "ADM2", cc);
  if (t == GB_NONE)
    return GB_NONE;
  uint32_t id;
  if (gb_code_set(b, code, t, &id) < 0)
    return GB_NONE;
  struct gb_entry *e = &b->e[t];
  if (level == OM_GAZ_ADMIN1) {
    e->a1code = id;
    e->admin1_t = t;
  } else {
    e->a2code = id;
    e->admin2_t = t;
    const char *dot = strchr(code + 3, '.');
    char a1[64];
    size_t n = dot ? (size_t)(dot - code) : 0;
    if (n > 0 && n < sizeof a1) {
      memcpy(a1, code, n);
      a1[n] = '\0';
      e->a1code = gb_code_id(b, a1);
      if (e->a1code == GB_NONE)
        return GB_NONE;
    }
  }
  return t;
}

int gb_read_admin_codes(struct gb *b, const char *path, enum om_gaz_level level)
{
  struct om_lines *l;
  int rc = open_lines(b, path, &l);
  if (rc < 0)
    return rc;
  size_t rows = 0, bad = 0;
  struct cols c;
  while ((rc = next_row(b, l, path, 0, &c, &rows, &bad)) == 1) {
    size_t dots = 0;
    for (size_t i = 0; c.n >= 1 && i < c.len[0]; i++)
      dots += c.p[0][i] == '.';
    if (c.n != 4 || c.len[0] < 4 || c.len[0] > 60 || c.p[0][2] != '.' ||
        dots != (level == OM_GAZ_ADMIN1 ? 1u : 2u) || c.len[1] == 0) {
      gb_bad_row(b, path, om_lines_number(l), &bad,
                 c.n != 4 ? "wrong number of fields" : "malformed admin code");
      continue;
    }
    if (gb_code_unit(b, c.p[0]) != GB_NONE)
      continue;
    uint32_t t = admin_unit(b, level, c.p[0], c.p[1]);
    if (t == GB_NONE)
      return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
    int64_t gid;
    if (parse_i64(c.p[3], &gid) == 0)
      b->e[t].geonameid = gid;
    if ((rc = gb_name_add(b, t, c.p[1], c.len[1], OM_GAZ_NAME)) < 0 ||
        (rc = gb_name_add(b, t, c.p[2], c.len[2], OM_GAZ_ASCII)) < 0)
      break;
  }
  if (rc < 0) {
    om_lines_free(l);
    return rc;
  }
  return close_lines(b, l, path, level == OM_GAZ_ADMIN1 ? "admin-1 units" : "admin-2 units", rows,
                     bad);
}

/* Names of a main-table row: name, asciiname and the alternatenames column. */
static int row_names(struct gb *b, uint32_t t, const struct cols *c)
{
  int rc;
  if ((rc = gb_name_add(b, t, c->p[1], c->len[1], OM_GAZ_NAME)) < 0 ||
      (rc = gb_name_add(b, t, c->p[2], c->len[2], OM_GAZ_ASCII)) < 0)
    return rc;
  const char *s = c->p[3], *end = s + c->len[3];
  while (s < end) {
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *stop = comma ? comma : end;
    if (stop > s && (rc = gb_name_add(b, t, s, (size_t)(stop - s), OM_GAZ_ALTERNATE)) < 0)
      return rc;
    s = stop + 1;
  }
  return 0;
}

/* The unit a PCL / ADM1 / ADM2 row stands for (created when missing), or GB_NONE. */
static uint32_t row_unit(struct gb *b, const struct cols *c, int *rc)
{
  const char *fc = c->p[7];
  char code[160];
  enum om_gaz_level level;
  if (strncmp(fc, "PCL", 3) == 0 && c->len[8] == 2) {
    level = OM_GAZ_COUNTRY;
    snprintf(code, sizeof code, "%s", c->p[8]);
  } else if (strcmp(fc, "ADM1") == 0 && c->len[8] == 2 && c->len[10] > 0 && c->len[10] < 60) {
    level = OM_GAZ_ADMIN1;
    snprintf(code, sizeof code, "%s.%s", c->p[8], c->p[10]);
  } else if (strcmp(fc, "ADM2") == 0 && c->len[8] == 2 && c->len[10] > 0 && c->len[10] < 60 &&
             c->len[11] > 0 && c->len[11] < 60) {
    level = OM_GAZ_ADMIN2;
    snprintf(code, sizeof code, "%s.%s.%s", c->p[8], c->p[10], c->p[11]);
  } else {
    return GB_NONE;
  }
  uint32_t t = gb_code_unit(b, code);
  int64_t gid = strtoll(c->p[0], NULL, 10);
  if (t != GB_NONE) /* a second row for one unit is a place */
    return b->e[t].level == level && (b->e[t].geonameid == 0 || b->e[t].geonameid == gid)
               ? t
               : GB_NONE;
  if (level == OM_GAZ_COUNTRY) {
    t = gb_entry_add(b, OM_GAZ_COUNTRY, c->p[1], fc, c->p[8]);
    if (t == GB_NONE || gb_code_set(b, code, t, NULL) < 0 || gb_country_alias(b, t, code) < 0 ||
        gb_name_add(b, t, code, 2, OM_GAZ_CODE) < 0) {
      *rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
      return GB_NONE;
    }
    b->e[t].country_t = t;
  } else {
    t = admin_unit(b, level, code, c->p[1]);
    if (t == GB_NONE) {
      *rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
      return GB_NONE;
    }
  }
  return t;
}

int gb_read_places(struct gb *b, const char *path)
{
  struct om_lines *l;
  int rc = open_lines(b, path, &l);
  if (rc < 0)
    return rc;
  size_t rows = 0, bad = 0;
  size_t first = b->n;
  struct cols c;
  char code[160];
  while ((rc = next_row(b, l, path, 0, &c, &rows, &bad)) == 1) {
    if (c.n != 19) {
      gb_bad_row(b, path, om_lines_number(l), &bad, "wrong number of fields (19 expected)");
      continue;
    }
    int64_t gid;
    char *end1, *end2;
    double lat = strtod(c.p[4], &end1), lon = strtod(c.p[5], &end2);
    if (parse_i64(c.p[0], &gid) < 0 || gid <= 0 || c.len[1] == 0) {
      gb_bad_row(b, path, om_lines_number(l), &bad, "missing geonameid or name");
      continue;
    }
    if (*end1 || *end2 || c.len[4] == 0 || c.len[5] == 0 || !isfinite(lat) || !isfinite(lon) ||
        fabs(lat) > 90 || fabs(lon) > 180) {
      gb_bad_row(b, path, om_lines_number(l), &bad, "bad coordinates");
      continue;
    }
    uint32_t t = GB_NONE;
    if (c.p[6][0] == 'A' && c.len[6] == 1) {
      t = row_unit(b, &c, &rc);
      if (rc < 0)
        break;
    }
    if (t == GB_NONE) {
      t = gb_entry_add(b, OM_GAZ_PLACE, c.p[1], c.p[7], c.len[8] == 2 ? c.p[8] : NULL);
      if (t == GB_NONE) {
        rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
        break;
      }
      struct gb_entry *e = &b->e[t];
      if (c.len[8] == 2 && c.len[10] > 0 && c.len[10] < 60) {
        snprintf(code, sizeof code, "%s.%s", c.p[8], c.p[10]);
        e->a1code = gb_code_id(b, code);
        if (c.len[11] > 0 && c.len[11] < 60) {
          snprintf(code, sizeof code, "%s.%s.%s", c.p[8], c.p[10], c.p[11]);
          e->a2code = gb_code_id(b, code);
        }
        if (e->a1code == GB_NONE || (c.len[11] > 0 && e->a2code == GB_NONE)) {
          rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
          break;
        }
      }
    }
    struct gb_entry *e = &b->e[t];
    e->geonameid = gid;
    e->lat = lat;
    e->lon = lon;
    uint32_t pop = parse_pop(c.p[14]);
    if (pop > e->population)
      e->population = pop;
    if ((rc = row_names(b, t, &c)) < 0)
      break;
  }
  if (rc < 0) {
    om_lines_free(l);
    return rc;
  }
  /* Places whose admin codes name no unit keep OM_GAZ_NONE there: one warning per file. */
  size_t unresolved = 0;
  for (size_t i = first; i < b->n; i++) {
    struct gb_entry *e = &b->e[i];
    if (e->level != OM_GAZ_PLACE)
      continue;
    if (e->a1code != GB_NONE)
      e->admin1_t = b->code_unit[e->a1code];
    if (e->a2code != GB_NONE)
      e->admin2_t = b->code_unit[e->a2code];
    if ((e->a1code != GB_NONE && e->admin1_t == GB_NONE) ||
        (e->a2code != GB_NONE && e->admin2_t == GB_NONE))
      unresolved++;
  }
  if (unresolved > 0)
    om_diag_warn(b->d, "%s: %zu places have an admin code that names no admin unit", path,
                 unresolved);
  return close_lines(b, l, path, "places", rows, bad);
}

static const char *const skip_langs[] = {"post", "iata", "icao", "faac", "tcid",
                                         "link", "wkdt", "unlc", "abbr"};

struct gid_pair {
  int64_t gid;
  uint32_t t;
};

static int cmp_gid(const void *pa, const void *pb)
{
  const struct gid_pair *a = pa, *b = pb;
  if (a->gid != b->gid)
    return a->gid < b->gid ? -1 : 1;
  return a->t < b->t ? -1 : a->t > b->t;
}

int gb_read_alternate_names(struct gb *b, const char *path)
{
  /* geonameid -> entry: a sorted array (entries from the dump are nearly in order). */
  struct gid_pair *ids = malloc((b->n ? b->n : 1) * sizeof *ids);
  if (!ids)
    return om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  size_t nids = 0;
  int sorted = 1;
  for (size_t i = 0; i < b->n; i++)
    if (b->e[i].geonameid > 0) {
      ids[nids] = (struct gid_pair){b->e[i].geonameid, (uint32_t)i};
      if (nids > 0 && cmp_gid(&ids[nids - 1], &ids[nids]) > 0)
        sorted = 0;
      nids++;
    }
  if (!sorted)
    qsort(ids, nids, sizeof *ids, cmp_gid);
  struct om_lines *l;
  int rc = open_lines(b, path, &l);
  if (rc < 0) {
    free(ids);
    return rc;
  }
  size_t rows = 0, bad = 0, kept = 0;
  struct cols c;
  while ((rc = next_row(b, l, path, 0, &c, &rows, &bad)) == 1) {
    int64_t gid;
    if ((c.n != 10 && c.n != 8) || parse_i64(c.p[1], &gid) < 0) {
      gb_bad_row(b, path, om_lines_number(l), &bad, "wrong number of fields (10 expected)");
      continue;
    }
    int skip = (c.p[6][0] == '1') || (c.p[7][0] == '1') || c.len[3] == 0;
    for (size_t i = 0; !skip && i < sizeof skip_langs / sizeof *skip_langs; i++)
      skip = strcmp(c.p[2], skip_langs[i]) == 0;
    if (skip)
      continue;
    size_t lo = 0, hi = nids;
    while (lo < hi) {
      size_t m = (lo + hi) / 2;
      if (ids[m].gid < gid)
        lo = m + 1;
      else
        hi = m;
    }
    for (; lo < nids && ids[lo].gid == gid; lo++) {
      if ((rc = gb_name_add(b, ids[lo].t, c.p[3], c.len[3], OM_GAZ_ALTERNATE)) < 0)
        break;
      kept++;
    }
    if (rc < 0)
      break;
  }
  free(ids);
  if (rc < 0) {
    om_lines_free(l);
    return rc;
  }
  (void)kept;
  return close_lines(b, l, path, "alternate names", rows, bad);
}
