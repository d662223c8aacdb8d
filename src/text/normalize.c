/*
 * Text normalisation for matching keys (see normalize.h).
 *
 * One pass over the text, one code point at a time, writing straight into
 * the caller's buffer: the hot path allocates nothing.  Each code point is
 * decomposed, case folded and stripped of marks by utf8proc_decompose_char
 * (the per-character step of utf8proc_map), then mapped through the
 * tables here for what utf8proc leaves alone (ı, ł, ø, æ, apostrophes,
 * punctuation, white space).
 *
 * NFKD also puts combining marks in canonical order.  utf8proc_map sorts a
 * whole buffer afterwards; here a mark whose combining class is lower than
 * the one before it is moved back on the spot, an insertion sort within
 * the run of marks after the last starter.  Runs are short and this is
 * rare (it needs two marks out of order), so the cost is nil in practice.
 *
 * When the buffer is too small the pass goes on counting bytes without
 * writing, so that om_normalize learns the size it needs in one go.
 *
 * ASCII bytes skip utf8proc: NFKD leaves them alone, so a 128-entry class
 * table gives the same answer in a few instructions.
 */
#include "text/normalize.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* utf8proc_decompose_char writes at most 18 code points (U+FDFA). */
#define DECOMP_MAX 32

/* Size of the first try in om_normalize; longer keys are counted, then made. */
#define STACK_KEY 256

/* What an ASCII byte is, for the fast path. */
enum ascii_class {
  A_KEEP,  /* lower-case letter, digit: always itself */
  A_UPPER, /* A-Z: lower case under OM_NORM_CASE */
  A_WHITE, /* TAB LF VT FF CR SPACE: White_Space */
  A_ELIDE, /* ' and `: removed under OM_NORM_PUNCT */
  A_PUNCT, /* other punctuation, symbols, controls: space under OM_NORM_PUNCT */
  A_NUL,   /* invalid */
};

/*
 * The class of each ASCII byte, built to agree with utf8proc's categories
 * (the tests compare the two paths on every byte and on random strings).
 */
#define K A_KEEP
#define U A_UPPER
#define W A_WHITE
#define E A_ELIDE
#define P A_PUNCT
#define Z A_NUL
static const unsigned char ascii_class[128] = {
  Z, P, P, P, P, P, P, P, P, W, W, W, W, W, P, P, /* controls, TAB LF VT FF CR */
  P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, /* controls */
  W, P, P, P, P, P, P, E, P, P, P, P, P, P, P, P, /* space !"#$%&'()*+,-./ */
  K, K, K, K, K, K, K, K, K, K, P, P, P, P, P, P, /* 0-9 :;<=>? */
  P, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U, /* @ A-O */
  U, U, U, U, U, U, U, U, U, U, U, P, P, P, P, P, /* P-Z [\]^_ */
  E, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, /* ` a-o */
  K, K, K, K, K, K, K, K, K, K, K, P, P, P, P, P, /* p-z {|}~ DEL */
};
#undef K
#undef U
#undef W
#undef E
#undef P
#undef Z

/* The state of one pass. */
struct norm {
  char *out;              /* the caller's buffer */
  size_t cap;             /* bytes of out usable before the NUL */
  size_t len;             /* bytes of the key so far, counted past cap too */
  bool overflow;          /* the key no longer fits: count only */
  int flags;              /* OM_NORM_* */
  utf8proc_option_t opts; /* what utf8proc_decompose_char does for the flags */
  bool space;             /* a space is due before the next character (OM_NORM_SPACE) */
  int32_t starter;        /* the last character of combining class 0 written, or -1 */
  bool above;             /* a mark of class 230 (above) written since 'starter' */
  int last_ccc;           /* combining class of the last character in out */
};

static int ccc_of(int32_t cp)
{
  return utf8proc_get_property(cp)->combining_class;
}

/* Where the character that ends at out[end) begins (out holds valid UTF-8). */
static size_t char_start(const char *out, size_t end)
{
  do
    end--;
  while (end > 0 && ((unsigned char)out[end] & 0xC0) == 0x80);
  return end;
}

/*
 * Append cp (combining class ccc), moving it back over marks of a higher
 * class so that the run of marks stays in canonical order.
 */
static void write_cp(struct norm *st, int32_t cp, int ccc)
{
  utf8proc_uint8_t bytes[4];
  size_t n = (size_t)utf8proc_encode_char(cp, bytes);
  if (!st->overflow && st->cap - st->len >= n) {
    size_t at = st->len;
    if (ccc > 0 && ccc < st->last_ccc) {
      while (at > 0) {
        size_t start = char_start(st->out, at);
        utf8proc_int32_t prev;
        utf8proc_iterate((const utf8proc_uint8_t *)st->out + start, (utf8proc_ssize_t)(at - start),
                         &prev);
        if (ccc_of(prev) <= ccc) /* a starter (0) stops it as well */
          break;
        at = start;
      }
      memmove(st->out + at + n, st->out + at, st->len - at);
    } else {
      st->last_ccc = ccc;
    }
    memcpy(st->out + at, bytes, n);
  } else {
    st->overflow = true;
  }
  st->len += n;
  if (ccc == 0) {
    st->starter = cp;
    st->above = false;
  } else if (ccc == 230) {
    st->above = true;
  }
}

/* Write the space that OM_NORM_SPACE holds back, unless it would lead. */
static inline void flush_space(struct norm *st)
{
  if (st->space) {
    st->space = false;
    if (st->len > 0)
      write_cp(st, ' ', 0);
  }
}

/* A space from white space or punctuation. */
static inline void put_space(struct norm *st, int32_t cp)
{
  if (st->flags & OM_NORM_SPACE) {
    st->space = true;
  } else {
    write_cp(st, cp, 0);
  }
}

/* An ASCII character that stays a character (class 0). */
static inline void write_ascii(struct norm *st, unsigned char c)
{
  flush_space(st);
  if (!st->overflow && st->len < st->cap) {
    st->out[st->len] = (char)c;
    st->last_ccc = 0;
  } else {
    st->overflow = true;
  }
  st->len++;
  st->starter = c;
  st->above = false;
}

/* The fast path: one ASCII byte (not NUL). */
static inline void put_ascii(struct norm *st, unsigned char c)
{
  switch (ascii_class[c]) {
  case A_UPPER:
    write_ascii(st, (st->flags & OM_NORM_CASE) ? (unsigned char)(c - 'A' + 'a') : c);
    break;
  case A_WHITE:
    if (st->flags & OM_NORM_SPACE)
      st->space = true;
    else
      write_ascii(st, c);
    break;
  case A_ELIDE:
    if (!(st->flags & OM_NORM_PUNCT))
      write_ascii(st, c);
    break;
  case A_PUNCT:
    if (st->flags & OM_NORM_PUNCT)
      put_space(st, ' ');
    else
      write_ascii(st, c);
    break;
  default:
    write_ascii(st, c);
    break;
  }
}

/* The Unicode White_Space property (PropList.txt). */
static bool is_white(int32_t cp)
{
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

/*
 * Apostrophes, the okina and their look-alikes, which sit inside a word
 * ("Oʻzbekiston", "N’Djamena"), and the Catalan middle dot (l·l): removed
 * rather than turned into a space.  Checked before decomposition too,
 * since NFKD turns ´ into a space and a combining acute.
 */
static bool is_elided(int32_t cp)
{
  switch (cp) {
  case 0x0027: /* ' apostrophe */
  case 0x0060: /* ` grave accent */
  case 0x00B4: /* ´ acute accent */
  case 0x00B7: /* · middle dot */
  case 0x02B9: /* ʹ modifier letter prime */
  case 0x02BB: /* ʻ turned comma (okina, Uzbek oʻ gʻ) */
  case 0x02BC: /* ʼ modifier letter apostrophe */
  case 0x02BD: /* ʽ reversed comma */
  case 0x02BE: /* ʾ right half ring (hamza in transliteration) */
  case 0x02BF: /* ʿ left half ring (ayn in transliteration) */
  case 0x2018: /* ‘ */
  case 0x2019: /* ’ */
  case 0x201B: /* ‛ */
  case 0x2032: /* ′ prime */
    return true;
  default:
    return false;
  }
}

/* Letters with no decomposition, spelt in plain Latin under OM_NORM_MARKS. */
static const char *latin_spelling(int32_t cp)
{
  switch (cp) {
  case 0x0131: return "i";  /* ı */
  case 0x0142: return "l";  /* ł */
  case 0x0141: return "L";  /* Ł */
  case 0x00F8: return "o";  /* ø */
  case 0x00D8: return "O";  /* Ø */
  case 0x0111: return "d";  /* đ */
  case 0x0110: return "D";  /* Đ */
  case 0x00F0: return "d";  /* ð */
  case 0x00D0: return "D";  /* Ð */
  case 0x0127: return "h";  /* ħ */
  case 0x0126: return "H";  /* Ħ */
  case 0x0167: return "t";  /* ŧ */
  case 0x0166: return "T";  /* Ŧ */
  case 0x00E6: return "ae"; /* æ */
  case 0x00C6: return "AE"; /* Æ */
  case 0x0153: return "oe"; /* œ */
  case 0x0152: return "OE"; /* Œ */
  case 0x00FE: return "th"; /* þ */
  case 0x00DE: return "TH"; /* Þ */
  case 0x00DF: return "ss"; /* ß (reached only without OM_NORM_CASE) */
  case 0x1E9E: return "SS"; /* ẞ */
  default: return NULL;
  }
}

/* One code point as utf8proc_decompose_char gave it. */
static void put_decomposed(struct norm *st, int32_t cp)
{
  if (st->flags & OM_NORM_MARKS) {
    const char *latin = latin_spelling(cp);
    if (latin) {
      for (; *latin; latin++)
        write_ascii(st, (unsigned char)*latin);
      return;
    }
  }
  if ((st->flags & OM_NORM_CASE) && cp == 0x0131) { /* ı: no Unicode fold, folded to i here */
    write_ascii(st, 'i');
    return;
  }
  if (is_white(cp)) {
    if (st->flags & OM_NORM_SPACE)
      st->space = true;
    else
      write_cp(st, cp, 0);
    return;
  }
  const utf8proc_property_t *p = utf8proc_get_property(cp);
  if (st->flags & OM_NORM_PUNCT) {
    if (is_elided(cp))
      return;
    switch (p->category) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_CC:
      put_space(st, ' ');
      return;
    default:
      break;
    }
  }
  /*
   * The fold of İ is i + U+0307; the dot is dropped so that İ meets I and
   * i.  Dropping every U+0307 that sits on an i (with no other mark above
   * in between) keeps "I\u0307", its canonical equivalent, in step.
   */
  if ((st->flags & OM_NORM_CASE) && cp == 0x0307 && st->starter == 'i' && !st->above)
    return;
  flush_space(st);
  write_cp(st, cp, p->combining_class);
}

/* The general path: one code point of the text. */
static void put_general(struct norm *st, int32_t cp)
{
  if ((st->flags & OM_NORM_PUNCT) && is_elided(cp))
    return;
  utf8proc_int32_t buf[DECOMP_MAX];
  int boundclass = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(cp, buf, DECOMP_MAX, st->opts, &boundclass);
  /* n < 0 only for a code point out of range, which decoding rules out */
  for (utf8proc_ssize_t i = 0; i < n && i < DECOMP_MAX; i++)
    put_decomposed(st, buf[i]);
}

/*
 * One pass over text[0..len) into out[0..out_size).  Returns the key's
 * length whether it fitted or not (st->overflow says), or OM_NORM_EINVALID.
 */
static ssize_t run(struct norm *st, char *out, size_t out_size, const char *text, size_t len,
                   int flags, bool fast)
{
  *st = (struct norm){
    .out = out,
    .cap = out_size > 0 ? out_size - 1 : 0,
    .overflow = out_size == 0,
    .flags = flags,
    .opts = UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_IGNORE |
            ((flags & OM_NORM_CASE) ? UTF8PROC_CASEFOLD : 0) |
            ((flags & OM_NORM_MARKS) ? UTF8PROC_STRIPMARK : 0),
    .starter = -1,
  };
  const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
  const utf8proc_uint8_t *end = s + len;
  while (s < end) {
    if (fast && *s < 0x80) {
      if (*s == 0)
        return OM_NORM_EINVALID;
      put_ascii(st, *s++);
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(s, end - s, &cp);
    if (n <= 0 || cp == 0)
      return OM_NORM_EINVALID;
    s += n;
    put_general(st, cp);
  }
  if (!st->overflow)
    out[st->len] = '\0';
  return (ssize_t)st->len;
}

static ssize_t normalize_into(char *out, size_t out_size, const char *text, size_t len, int flags,
                              bool fast)
{
  struct norm st;
  ssize_t n = run(&st, out, out_size, text, len, flags, fast);
  if (n >= 0 && st.overflow)
    return OM_NORM_ENOSPACE;
  return n;
}

ssize_t om_normalize_into(char *out, size_t out_size, const char *text, size_t len, int flags)
{
  return normalize_into(out, out_size, text, len, flags, true);
}

ssize_t om_normalize_into_slow(char *out, size_t out_size, const char *text, size_t len,
                               int flags)
{
  return normalize_into(out, out_size, text, len, flags, false);
}

char *om_normalize(const char *text, size_t len, int flags)
{
  char stack[STACK_KEY];
  struct norm st;
  ssize_t n = run(&st, stack, sizeof stack, text, len, flags, true);
  if (n < 0)
    return NULL;
  char *key = malloc((size_t)n + 1);
  if (!key)
    return NULL;
  if (!st.overflow) {
    memcpy(key, stack, (size_t)n + 1);
    return key;
  }
  if (run(&st, key, (size_t)n + 1, text, len, flags, true) != n || st.overflow) {
    free(key); /* cannot happen: the pass is deterministic */
    return NULL;
  }
  return key;
}
