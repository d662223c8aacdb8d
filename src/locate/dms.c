/*
 * Coordinates as people type them (see dms.h).
 *
 * The text is cut into tokens: numbers (with their sign), unit marks
 * (degree, minute, second, in their ASCII, typographic and letter forms),
 * hemisphere letters, ':' and a ',' or ';' between the two coordinates.
 * Each number takes a role from the mark after it or its place in a
 * d:m:s group: degrees, minutes, seconds or unknown.
 *
 * A pair is then read by trying every cut of the token list into two
 * coordinates.  A cut is plausible when both halves have the shape of a
 * coordinate (marks in order, at most one letter at either end, a sign
 * and a fraction only where they can be).  Exactly one plausible cut is
 * the answer; more than one is DMS_AMBIGUOUS.  The values never choose
 * between cuts (e.g. "the other reading has minutes above 60"): a typo
 * would then silently become another place, and the caller could not
 * tell.  A ',' or ';' fixes the cut.
 */
#include "locate/dms.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* More tokens than any notation needs: six numbers with marks, letters, separator. */
#define MAX_TOKENS 48

enum tok_kind { TK_NUM, TK_MARK, TK_COLON, TK_HEMI, TK_SEP };

struct tok {
  enum tok_kind kind;
  size_t start, end;         /* bytes of the token in the text; a number's span grows over its mark */
  size_t num_end;            /* TK_NUM: end of the digits, before any mark */
  double value;              /* TK_NUM: absolute value */
  int sign;                  /* TK_NUM: -1 or +1 when written, 0 when not */
  bool frac;                 /* TK_NUM: has digits after a decimal point */
  char role;                 /* TK_NUM: 'd', 'm', 's' or '?'; TK_MARK: the mark's unit */
  bool letter_mark;          /* TK_MARK: written as the letter d, m or s */
  int chain;                 /* TK_NUM: place in a d:m:s group (1-3), 0 outside one */
  char hemi;                 /* TK_HEMI: 'N', 'S', 'E' or 'W' */
};

/* One coordinate read from a run of tokens, or why it cannot be one. */
struct reading {
  enum om_reason why; /* OM_REASON_NONE or the reason */
  int depth;          /* how far the shape checks got (SHAPE_OK: the shape is right) */
  double value;       /* signed decimal degrees */
  char axis;          /* 'y', 'x' or '?' */
  size_t start, end;  /* bytes of the text it was read from */
  char detail[192];   /* explanation when why is set */
};

#define SHAPE_OK 4


/*
 * Decode the UTF-8 sequence at s; returns its length and sets *cp, or
 * returns 0 for an invalid sequence.
 */
static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
  size_t len;
  unsigned min;
  unsigned c;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    len = 2, min = 0x80, c = s[0] & 0x1Fu;
  else if (s[0] >= 0xE0 && s[0] <= 0xEF)
    len = 3, min = 0x800, c = s[0] & 0x0Fu;
  else if (s[0] >= 0xF0 && s[0] <= 0xF4)
    len = 4, min = 0x10000, c = s[0] & 0x07u;
  else
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
      return 0;
    c = (c << 6) | (s[i] & 0x3Fu);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *cp = c;
  return len;
}

/* Unit of a mark character: 'd', 'm', 's', or 0 when it is none. */
static char mark_unit(unsigned cp)
{
  switch (cp) {
  case 0x00B0: /* ° degree sign */
  case 0x00BA: /* º masculine ordinal, on Spanish and Portuguese keyboards */
  case 0x02DA: /* ˚ ring above */
    return 'd';
  case '\'':
  case 0x2032: /* ′ prime */
  case 0x2019: /* ’ right single quotation mark, from word processors */
  case 0x2018: /* ‘ */
  case 0x00B4: /* ´ acute accent */
  case 0x02B9: /* ʹ modifier prime */
    return 'm';
  case '"':
  case 0x2033: /* ″ double prime */
  case 0x201D: /* ” right double quotation mark */
  case 0x201C: /* “ */
  case 0x02BA: /* ʺ modifier double prime */
    return 's';
  default:
    return 0;
  }
}

static bool is_space_cp(unsigned cp)
{
  return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x00A0 ||
         cp == 0x2007 || cp == 0x2009 || cp == 0x202F;
}

static bool is_ascii_alpha(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_hemi_letter(unsigned char c)
{
  c |= 0x20;
  return c == 'n' || c == 's' || c == 'e' || c == 'w';
}

static bool is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

static const char *unit_name(char role)
{
  return role == 'd' ? "degrees" : role == 'm' ? "minutes" : role == 's' ? "seconds" : "a number";
}

/*
 * Report the unexpected character at text[i], with the rest of the word
 * it starts ("Kuzey", "Doğu") so that the user recognises it.
 */
static enum om_reason unexpected(const char *text, size_t i, char *detail, size_t size)
{
  const unsigned char *s = (const unsigned char *)text;
  unsigned cp;
  size_t len = utf8_decode(s + i, &cp);
  if (len == 0) {
    om_detail_set(detail, size, "invalid UTF-8 at byte %zu", i + 1);
  } else if (cp < 0x20 || cp == 0x7F) {
    om_detail_set(detail, size, "unexpected control character 0x%02X", cp);
  } else {
    size_t b = i + len;
    if (is_ascii_alpha(s[i]) || cp >= 0x80) {
      for (;;) {
        size_t l2 = utf8_decode(s + b, &cp);
        if (l2 == 0 || !(is_ascii_alpha(s[b]) || cp >= 0x80) || is_space_cp(cp) || mark_unit(cp))
          break;
        b += l2;
      }
    }
    om_detail_set(detail, size, "unexpected '%.*s'", (int)(b - i), text + i);
  }
  return OM_REASON_DMS_SYNTAX;
}

/*
 * Read the number starting at text[i] (a digit) into t.  Digits are
 * converted here rather than with strtod so that the result does not
 * depend on the locale's decimal point.  Returns the index after it, or 0
 * with detail set.
 */
static size_t lex_number(const char *text, size_t i, struct tok *t, char *detail, size_t size)
{
  const unsigned char *s = (const unsigned char *)text;
  double mant = 0;
  int decimals = 0;
  size_t j = i;
  while (is_digit(s[j]))
    mant = mant * 10 + (s[j++] - '0');
  t->frac = false;
  if (s[j] == '.') {
    if (!is_digit(s[j + 1])) {
      om_detail_set(detail, size, "no digits after the point in '%.*s'", (int)(j + 1 - i), text + i);
      return 0;
    }
    j++;
    while (is_digit(s[j])) {
      mant = mant * 10 + (s[j++] - '0');
      decimals++;
    }
    t->frac = true;
  }
  /* Up to 15 significant digits this is correctly rounded, as strtod would be. */
  t->value = mant / pow(10.0, decimals);
  if (!isfinite(t->value)) {
    om_detail_set(detail, size, "number too long");
    return 0;
  }
  t->num_end = j;
  return j;
}

/*
 * Cut text into tokens.  Marks are still separate tokens in the result.
 * Returns OM_REASON_NONE or the reason, with detail set.
 */
static enum om_reason lex(const char *text, struct tok *toks, size_t *ntoks, char *detail,
                          size_t size)
{
  const unsigned char *s = (const unsigned char *)text;
  size_t n = 0;
  size_t i = 0;
  while (s[i]) {
    unsigned cp;
    size_t len = utf8_decode(s + i, &cp);
    if (len == 0)
      return unexpected(text, i, detail, size);
    if (is_space_cp(cp)) {
      i += len;
      continue;
    }
    if (n == MAX_TOKENS) {
      om_detail_set(detail, size, "too many parts");
      return OM_REASON_DMS_SYNTAX;
    }
    struct tok *t = &toks[n];
    struct tok *prev = n > 0 ? &toks[n - 1] : NULL;
    memset(t, 0, sizeof *t);
    t->start = i;

    if (cp == '+' || cp == '-' || cp == 0x2212 || is_digit(s[i])) {
      size_t at = i;
      if (!is_digit(s[i])) {
        at += len;
        if (!is_digit(s[at])) {
          om_detail_set(detail, size, "'%.*s' not followed by a number", (int)len, text + i);
          return OM_REASON_DMS_SYNTAX;
        }
        t->sign = cp == '+' ? 1 : -1;
      }
      t->kind = TK_NUM;
      t->role = '?';
      size_t next = lex_number(text, at, t, detail, size);
      if (next == 0)
        return OM_REASON_DMS_SYNTAX;
      t->end = next;
      i = next;
      n++;
      continue;
    }
    if (cp == ',' || cp == ';') {
      /*
       * "39,6869" with digits on both sides and no point before is most
       * likely a decimal comma, not two coordinates 39 and 6869.
       */
      if (cp == ',' && prev && prev->kind == TK_NUM && prev->end == i && !prev->frac &&
          is_digit(s[i + 1])) {
        size_t b = i + 1;
        while (is_digit(s[b]) || s[b] == '.')
          b++;
        om_detail_set(detail, size, "',' in '%.*s' may be a decimal comma",
                   (int)(b - prev->start), text + prev->start);
        return OM_REASON_DMS_AMBIGUOUS;
      }
      t->kind = TK_SEP;
      t->end = i + 1;
      i++;
      n++;
      continue;
    }
    if (cp == ':') {
      t->kind = TK_COLON;
      t->end = i + 1;
      i++;
      n++;
      continue;
    }
    char unit = mark_unit(cp);
    if (unit) {
      size_t next = i + len;
      if (unit == 'm') {
        /* Two minute marks in a row ('' or ’’) are a second mark. */
        unsigned cp2;
        size_t len2 = utf8_decode(s + next, &cp2);
        if (len2 > 0 && mark_unit(cp2) == 'm') {
          unit = 's';
          next += len2;
        }
      }
      t->kind = TK_MARK;
      t->role = unit;
      t->end = next;
      i = next;
      n++;
      continue;
    }
    if (is_ascii_alpha(s[i])) {
      char lc = (char)(s[i] | 0x20);
      /*
       * 39d41m12s: d, m and s written right after a number, and not
       * starting a word ("39deg"), are marks.  An s is a second mark only
       * after a letter m, so that 39.5s stays "south".
       */
      bool word = is_ascii_alpha(s[i + 1]) && !(is_hemi_letter(s[i + 1]) && !is_ascii_alpha(s[i + 2]));
      if (prev && prev->kind == TK_NUM && prev->end == i && !word &&
          (lc == 'd' || lc == 'm' ||
           (lc == 's' && n >= 2 && toks[n - 2].kind == TK_MARK && toks[n - 2].role == 'm' &&
            toks[n - 2].letter_mark))) {
        t->kind = TK_MARK;
        t->role = lc;
        t->letter_mark = true;
        t->end = i + 1;
        i++;
        n++;
        continue;
      }
      /* A hemisphere letter stands alone: "Nord" or "K" (Kuzey) are not letters we read. */
      if (is_hemi_letter(s[i]) && !is_ascii_alpha(s[i + 1])) {
        t->kind = TK_HEMI;
        t->hemi = (char)(lc - 'a' + 'A');
        t->end = i + 1;
        i++;
        n++;
        continue;
      }
    }
    return unexpected(text, i, detail, size);
  }
  *ntoks = n;
  return OM_REASON_NONE;
}

/*
 * Turn tokens into items: numbers with roles, letters and separators.
 * Marks join the number before them; ':' groups give d, m, s.
 */
static enum om_reason bind_marks(const char *text, struct tok *toks, size_t *ntoks, char *detail,
                                 size_t size)
{
  size_t n = 0;
  for (size_t i = 0; i < *ntoks; i++) {
    struct tok *t = &toks[i];
    if (t->kind != TK_MARK) {
      toks[n++] = *t;
      continue;
    }
    struct tok *num = n > 0 ? &toks[n - 1] : NULL;
    if (!num || num->kind != TK_NUM || num->role != '?') {
      om_detail_set(detail, size, "'%.*s' does not follow a number", (int)(t->end - t->start),
                 text + t->start);
      return OM_REASON_DMS_SYNTAX;
    }
    num->role = t->role;
    num->end = t->end;
  }
  *ntoks = n;

  n = 0;
  for (size_t i = 0; i < *ntoks; i++) {
    struct tok *t = &toks[i];
    if (t->kind != TK_COLON) {
      toks[n++] = *t;
      continue;
    }
    struct tok *left = n > 0 ? &toks[n - 1] : NULL;
    struct tok *right = i + 1 < *ntoks ? &toks[i + 1] : NULL;
    if (!left || left->kind != TK_NUM || !right || right->kind != TK_NUM) {
      om_detail_set(detail, size, "':' not between two numbers");
      return OM_REASON_DMS_SYNTAX;
    }
    if (left->chain == 0) {
      if (left->role != '?' && left->role != 'd')
        goto bad_group;
      left->chain = 1;
      left->role = 'd';
    }
    right->chain = left->chain + 1;
    char want = right->chain == 2 ? 'm' : 's';
    if (right->chain > 3 || (right->role != '?' && right->role != want))
      goto bad_group;
    right->role = want;
    continue;
  bad_group:
    om_detail_set(detail, size, "'%.*s' is not degrees:minutes:seconds",
               (int)(right->end - left->start), text + left->start);
    return OM_REASON_DMS_SYNTAX;
  }
  *ntoks = n;
  return OM_REASON_NONE;
}

static enum om_reason tokenize(const char *text, struct tok *toks, size_t *n, char *detail,
                               size_t size)
{
  enum om_reason why = lex(text, toks, n, detail, size);
  if (why == OM_REASON_NONE)
    why = bind_marks(text, toks, n, detail, size);
  return why;
}

/* Read items [a, b) as one coordinate into r. */
static void read_coord(const char *text, const struct tok *it, size_t a, size_t b,
                       struct reading *r)
{
  static const char order[3] = {'d', 'm', 's'};
  const struct tok *num[3];
  const struct tok *letter = NULL;
  size_t nn = 0;
  memset(r, 0, sizeof *r);
  r->why = OM_REASON_DMS_SYNTAX;
  r->axis = '?';
  r->start = a < b ? it[a].start : 0;
  r->end = a < b ? it[b - 1].end : 0;

  /* Shape: [letter] 1-3 numbers [letter], at most one letter. */
  for (size_t i = a; i < b; i++) {
    const struct tok *t = &it[i];
    if (t->kind == TK_SEP) {
      om_detail_set(r->detail, sizeof r->detail, "unexpected '%c'", text[t->start]);
      return;
    }
    if (t->kind == TK_HEMI) {
      if (letter) {
        om_detail_set(r->detail, sizeof r->detail, "two hemisphere letters '%c' and '%c'",
                   letter->hemi, t->hemi);
        return;
      }
      if (i != a && i != b - 1) {
        om_detail_set(r->detail, sizeof r->detail, "letter '%c' between numbers", t->hemi);
        return;
      }
      letter = t;
      continue;
    }
    if (nn == 3) {
      om_detail_set(r->detail, sizeof r->detail, "more than three numbers in '%.*s'",
                 (int)(r->end - r->start), text + r->start);
      return;
    }
    num[nn++] = t;
  }
  if (nn == 0) {
    om_detail_set(r->detail, sizeof r->detail, "no number");
    return;
  }
  r->depth = 1;

  /* Marks in the order degrees, minutes, seconds. */
  for (size_t i = 0; i < nn; i++) {
    if (num[i]->role != '?' && num[i]->role != order[i]) {
      om_detail_set(r->detail, sizeof r->detail, "'%.*s' is %s where %s belong",
                 (int)(num[i]->end - num[i]->start), text + num[i]->start,
                 unit_name(num[i]->role), unit_name(order[i]));
      return;
    }
  }
  r->depth = 2;

  for (size_t i = 1; i < nn; i++) {
    if (num[i]->sign != 0) {
      om_detail_set(r->detail, sizeof r->detail, "sign on the %s '%.*s'", unit_name(order[i]),
                 (int)(num[i]->end - num[i]->start), text + num[i]->start);
      return;
    }
  }
  r->depth = 3;

  /* Only the last number may have a fraction: 39.5°30' means nothing. */
  for (size_t i = 0; i + 1 < nn; i++) {
    if (num[i]->frac) {
      om_detail_set(r->detail, sizeof r->detail, "decimal %s '%.*s' followed by %s",
                 unit_name(order[i]), (int)(num[i]->end - num[i]->start), text + num[i]->start,
                 unit_name(order[i + 1]));
      return;
    }
  }
  r->depth = SHAPE_OK;

  /* The shape is right; now the values. */
  if (letter && num[0]->sign != 0) {
    r->why = OM_REASON_DMS_AMBIGUOUS;
    om_detail_set(r->detail, sizeof r->detail, "both a sign and the letter '%c'", letter->hemi);
    return;
  }
  for (size_t i = 1; i < nn; i++) {
    if (num[i]->value >= 60) {
      r->why = OM_REASON_DMS_RANGE;
      om_detail_set(r->detail, sizeof r->detail, "%s %.*s not below 60", unit_name(order[i]),
                 (int)(num[i]->num_end - num[i]->start), text + num[i]->start);
      return;
    }
  }
  double v = num[0]->value;
  if (nn > 1)
    v += num[1]->value / 60.0;
  if (nn > 2)
    v += num[2]->value / 3600.0;
  /* The sign applies to the whole angle: -0°30' is -0.5. */
  if (num[0]->sign < 0 || (letter && (letter->hemi == 'S' || letter->hemi == 'W')))
    v = -v;
  if (letter)
    r->axis = letter->hemi == 'N' || letter->hemi == 'S' ? 'y' : 'x';
  r->value = v;
  r->why = OM_REASON_NONE;
  r->detail[0] = '\0';
}

/* Tokenize text that must hold something: an empty text is a syntax error. */
static enum om_reason tokenize_some(const char *text, struct tok *toks, size_t *n, char *detail,
                                    size_t detail_size)
{
  om_detail_set(detail, detail_size, "%s", "");
  enum om_reason why = tokenize(text, toks, n, detail, detail_size);
  if (why == OM_REASON_NONE && *n == 0) {
    om_detail_set(detail, detail_size, "empty");
    why = OM_REASON_DMS_SYNTAX;
  }
  return why;
}

enum om_reason om_dms_parse_one(const char *text, double *value, char *axis, char *detail,
                                size_t detail_size)
{
  struct tok toks[MAX_TOKENS];
  size_t n = 0;
  enum om_reason why = tokenize_some(text, toks, &n, detail, detail_size);
  if (why != OM_REASON_NONE)
    return why;
  struct reading r;
  read_coord(text, toks, 0, n, &r);
  if (r.why != OM_REASON_NONE) {
    om_detail_set(detail, detail_size, "%s", r.detail);
    return r.why;
  }
  *value = r.value;
  *axis = r.axis;
  return OM_REASON_NONE;
}

/* Read the cut [0, k) / [k2, n) into l and r; true when both have the right shape. */
static bool read_cut(const char *text, const struct tok *it, size_t k, size_t k2, size_t n,
                     struct reading *l, struct reading *r)
{
  read_coord(text, it, 0, k, l);
  read_coord(text, it, k2, n, r);
  return l->depth == SHAPE_OK && r->depth == SHAPE_OK;
}

enum om_reason om_dms_parse_pair(const char *text, double *lat, double *lon, bool *lettered,
                                 char *detail, size_t detail_size)
{
  struct tok toks[MAX_TOKENS];
  size_t n = 0;
  enum om_reason why = tokenize_some(text, toks, &n, detail, detail_size);
  if (why != OM_REASON_NONE)
    return why;

  size_t sep = n;
  for (size_t i = 0; i < n; i++) {
    if (toks[i].kind != TK_SEP)
      continue;
    if (sep != n) {
      om_detail_set(detail, detail_size, "more than one separator");
      return OM_REASON_DMS_SYNTAX;
    }
    sep = i;
  }

  if (sep != n && (sep == 0 || sep == n - 1)) {
    om_detail_set(detail, detail_size, "nothing %s '%c'", sep == 0 ? "before" : "after",
               text[toks[sep].start]);
    return OM_REASON_DMS_SYNTAX;
  }

  struct reading l, r;         /* the plausible cut, once found */
  struct reading l2, r2;       /* a second plausible cut, for the message */
  struct reading bl, br;       /* the cut that got furthest, when none fits */
  struct reading tl, tr;
  int plausible = 0;
  int best = -1;
  size_t first = sep != n ? sep : 1;
  size_t last = sep != n ? sep : n - 1;
  for (size_t k = first; k <= last && k < n; k++) {
    size_t k2 = sep != n ? k + 1 : k;
    if (read_cut(text, toks, k, k2, n, &tl, &tr)) {
      if (plausible == 0)
        l = tl, r = tr;
      else if (plausible == 1)
        l2 = tl, r2 = tr;
      plausible++;
    } else if (tl.depth + tr.depth > best) {
      best = tl.depth + tr.depth;
      bl = tl, br = tr;
    }
  }

  if (plausible == 0) {
    struct reading whole;
    if (sep == n) {
      read_coord(text, toks, 0, n, &whole);
      if (whole.depth == SHAPE_OK) {
        om_detail_set(detail, detail_size, "only one coordinate");
        return OM_REASON_DMS_SYNTAX;
      }
    }
    if (best < 0) {
      om_detail_set(detail, detail_size, "only one coordinate");
      return OM_REASON_DMS_SYNTAX;
    }
    const struct reading *bad = bl.depth < SHAPE_OK ? &bl : &br;
    om_detail_set(detail, detail_size, "%s", bad->detail);
    return OM_REASON_DMS_SYNTAX;
  }
  if (plausible > 1) {
    om_detail_set(detail, detail_size, "can be split as '%.*s | %.*s' or '%.*s | %.*s'",
               (int)(l.end - l.start), text + l.start, (int)(r.end - r.start), text + r.start,
               (int)(l2.end - l2.start), text + l2.start, (int)(r2.end - r2.start),
               text + r2.start);
    return OM_REASON_DMS_AMBIGUOUS;
  }
  if (l.why != OM_REASON_NONE || r.why != OM_REASON_NONE) {
    const struct reading *bad = l.why != OM_REASON_NONE ? &l : &r;
    om_detail_set(detail, detail_size, "%s", bad->detail);
    return bad->why;
  }
  if (l.axis != '?' && l.axis == r.axis) {
    om_detail_set(detail, detail_size, "'%.*s' and '%.*s' are both %s", (int)(l.end - l.start),
               text + l.start, (int)(r.end - r.start), text + r.start,
               l.axis == 'y' ? "latitudes" : "longitudes");
    return OM_REASON_DMS_AMBIGUOUS;
  }
  if (lettered)
    *lettered = l.axis != '?' || r.axis != '?';
  /* Without letters the order is latitude, longitude (ISO 6709). */
  if (l.axis == 'x' || r.axis == 'y') {
    *lon = l.value;
    *lat = r.value;
  } else {
    *lat = l.value;
    *lon = r.value;
  }
  return OM_REASON_NONE;
}
