/*
 * Text encodings of sources: checking UTF-8 and converting the single-byte
 * encodings that Turkish and Western European spreadsheets are saved in
 * (Windows-1254, ISO-8859-9, ISO-8859-1, Windows-1252) to UTF-8.
 *
 * A conversion is a 256-entry table that glibc's iconv fills once, when the
 * recoder is made: converting a field is then a table walk that knows the
 * exact offset of a byte with no character, which a per-field iconv() call
 * would make slow and vague.
 *
 * NUL counts as invalid everywhere here: values are C strings, and a NUL
 * inside one would cut it short without a word.
 */
#ifndef OM_TEXT_ENCODING_H
#define OM_TEXT_ENCODING_H

#include <stddef.h>

enum om_encoding {
  OM_ENCODING_UTF8,
  OM_ENCODING_CP1254,    /* Windows-1254, Turkish */
  OM_ENCODING_ISO8859_9, /* Latin-5, Turkish */
  OM_ENCODING_ISO8859_1, /* Latin-1 */
  OM_ENCODING_CP1252,    /* Windows-1252, Western European */
};

/*
 * Parse an encoding name, case-insensitively and ignoring '-', '_', ' ' and
 * '.': "utf8", "CP1254", "windows-1254", "ISO-8859-9", "iso8859_9",
 * "latin5", "Latin-1", "l1", "cp1252" ...  NULL or "" is UTF-8.
 * Returns 0, or -1 for a name it does not know.
 */
int om_encoding_parse(enum om_encoding *out, const char *name);

/* The canonical name: "UTF-8", "CP1254", "ISO-8859-9", "ISO-8859-1", "CP1252". */
const char *om_encoding_name(enum om_encoding e);

/* The accepted names, for error messages ("UTF-8, CP1254 (Windows-1254), ..."). */
const char *om_encoding_list(void);

/*
 * The offset (0-based) of the first byte of s[0..len) that is not part of
 * a valid UTF-8 sequence (overlong forms, surrogates, code points above
 * U+10FFFF and NUL are invalid), or len when all of it is valid.
 */
size_t om_utf8_check(const char *s, size_t len);

/* The length of the longest prefix of s[0..len) that ends on a character boundary. */
size_t om_utf8_prefix(const char *s, size_t len);

struct om_recoder;

/*
 * Make a converter from 'from' (not UTF-8) to UTF-8.  Returns 0, OM_ENOMEM,
 * or OM_EDEP when iconv cannot convert from that encoding.
 */
int om_recoder_new(struct om_recoder **out, enum om_encoding from);
void om_recoder_free(struct om_recoder *rc);

/* The most bytes of UTF-8 that converting len bytes can give (plus no NUL). */
#define OM_RECODE_MAX(len) ((len) * 3)

/*
 * Convert in[0..len) to UTF-8 at out, which has room for OM_RECODE_MAX(len)
 * bytes and a NUL.  Returns the bytes written (out is NUL-terminated), or
 * (size_t)-1 with *bad set to the 0-based offset of the first byte that
 * has no character in the encoding.  In ISO-8859-1 and ISO-8859-9 the
 * bytes 0x80-0x9F are C1 control codes, which real text never holds: they
 * count as bad, since such a file is almost always Windows-1252 or -1254.
 */
size_t om_recoder_convert(const struct om_recoder *rc, const char *in, size_t len, char *out,
                          size_t *bad);

/* The encoding rc converts from. */
enum om_encoding om_recoder_encoding(const struct om_recoder *rc);

#endif
