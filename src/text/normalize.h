/*
 * Text normalisation for matching keys: gazetteer place names and join keys.
 *
 * Two spellings of one name must give one key whatever the keyboard, the
 * locale or the Unicode form they were typed in: "Kızılcaören",
 * "KIZILCAÖREN", "Kizilcaoren" and "KİZİLCAOREN" all give "kizilcaoren".
 * The flags say what to fold; every flag set starts from the same base:
 *
 *   base  Unicode NFKD (compatibility decomposition, canonical order), so
 *         precomposed and decomposed input, full-width "Ｔｏｋｙｏ" and
 *         ligatures meet; default-ignorable code points (soft hyphen,
 *         zero-width joiners, BOM, variation selectors) are dropped.
 *   CASE  Unicode full case folding, with no locale.  A Turkish-locale
 *         lower-casing would turn ASCII "ISPARTA" into "ısparta"; instead
 *         the four Turkish and Latin i's, I İ ı i, all fold to i: dotless
 *         ı becomes i, and the dot above that Unicode leaves after the
 *         fold of İ (i + U+0307) is dropped, as is any U+0307 directly
 *         on an i.  This holds with or without MARKS, so "İSTANBUL",
 *         "Istanbul" and "ıstanbul" meet even in a case-only join key.
 *         The price is that Turkish ı/i pairs (kır, kir) meet as well;
 *         data typed on non-Turkish keyboards writes them alike anyway.
 *   MARKS Combining marks (categories Mn, Mc, Me) are removed, and letters
 *         with no decomposition are spelt in plain Latin: ı ł ø đ ð ħ ŧ
 *         become i l o d d h t, æ œ þ ß become ae oe th ss (capitals
 *         likewise when CASE is not set: Æ gives AE).
 *   PUNCT Apostrophes and the okina (' ` ´ ʹ ʻ ʼ ʽ ʾ ʿ ‘ ’ ‛ ′ and the
 *         Catalan middle dot ·) are removed, so "Oʻzbekiston",
 *         "O'zbekiston" and "Ozbekiston" meet; any other punctuation
 *         (P*), hyphen, dash, symbol (S*) or control character becomes a
 *         space.
 *   SPACE Runs of white space (the Unicode White_Space set, with the spaces
 *         PUNCT makes) become one space; leading and trailing space goes.
 *
 * Digits stay.  Other scripts (Cyrillic, Greek, Arabic, CJK ...) are case
 * folded and decomposed like any text, never transliterated.  A key is in
 * NFKD: compare keys with each other, do not show them to people.
 * Normalising a key again gives the same key.
 *
 * Pure ASCII runs take a table path with no utf8proc call: the gazetteer
 * imports millions of names and most are ASCII.  It gives the same bytes
 * as the general path (the tests check it with om_normalize_into_slow).
 *
 * No state is kept between calls: every function is safe in any thread.
 */
#ifndef OM_TEXT_NORMALIZE_H
#define OM_TEXT_NORMALIZE_H

#include <stddef.h>
#include <sys/types.h>

/* What to fold (see above); OM_NORM_KEY is the gazetteer key. */
enum {
  OM_NORM_CASE = 1,  /* case folding, Turkish-safe */
  OM_NORM_MARKS = 2, /* strip marks, spell ł ø æ ... in plain Latin */
  OM_NORM_PUNCT = 4, /* drop apostrophes, punctuation and symbols to space */
  OM_NORM_SPACE = 8, /* collapse and trim white space */
  OM_NORM_KEY = OM_NORM_CASE | OM_NORM_MARKS | OM_NORM_PUNCT | OM_NORM_SPACE,
};

/* om_normalize_into's errors. */
#define OM_NORM_ENOSPACE -1 /* the result and its NUL do not fit in out */
#define OM_NORM_EINVALID -2 /* text is not valid UTF-8 (NUL counts as invalid) */

/*
 * Normalise text[0..len) (UTF-8, need not be NUL-terminated; text may be
 * NULL when len is 0) into a newly allocated NUL-terminated string, which
 * the caller frees.  Returns NULL when text is not valid UTF-8 or memory
 * runs out; a caller that has checked the text already (om_utf8_check)
 * can read NULL as out of memory.
 */
char *om_normalize(const char *text, size_t len, int flags);

/*
 * The same into out[0..out_size), with no allocation: for hot loops.
 * Returns the key's length (out is NUL-terminated), OM_NORM_ENOSPACE when
 * it does not fit (out then holds garbage; om_normalize has no limit), or
 * OM_NORM_EINVALID.  The key can be up to 11 times as long as the text
 * (U+FDFA spells a whole phrase), though names rarely grow at all.
 */
ssize_t om_normalize_into(char *out, size_t out_size, const char *text, size_t len, int flags);

/*
 * om_normalize_into without the ASCII fast path: every character goes
 * through utf8proc.  Slower and otherwise identical; the tests use it to
 * check that both paths give the same bytes.
 */
ssize_t om_normalize_into_slow(char *out, size_t out_size, const char *text, size_t len,
                               int flags);

#endif
