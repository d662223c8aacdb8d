/*
 * UTF-8 checking and single-byte conversion to UTF-8 (see encoding.h).
 */
#include "text/encoding.h"

#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

struct encoding_spelling {
  const char *key; /* lower case without '-', '_', ' ', '.' */
  enum om_encoding e;
};

static const struct encoding_spelling spellings[] = {
  {"utf8", OM_ENCODING_UTF8},          {"cp65001", OM_ENCODING_UTF8},
  {"cp1254", OM_ENCODING_CP1254},      {"windows1254", OM_ENCODING_CP1254},
  {"win1254", OM_ENCODING_CP1254},     {"ms1254", OM_ENCODING_CP1254},
  {"iso88599", OM_ENCODING_ISO8859_9}, {"latin5", OM_ENCODING_ISO8859_9},
  {"l5", OM_ENCODING_ISO8859_9},       {"iso885991989", OM_ENCODING_ISO8859_9},
  {"iso88591", OM_ENCODING_ISO8859_1}, {"latin1", OM_ENCODING_ISO8859_1},
  {"l1", OM_ENCODING_ISO8859_1},       {"iso885911987", OM_ENCODING_ISO8859_1},
  {"cp1252", OM_ENCODING_CP1252},      {"windows1252", OM_ENCODING_CP1252},
  {"win1252", OM_ENCODING_CP1252},     {"ms1252", OM_ENCODING_CP1252},
};

/* Names as glibc's iconv spells them, by enum value. */
static const char *const canonical[] = {"UTF-8", "CP1254", "ISO-8859-9", "ISO-8859-1", "CP1252"};

int om_encoding_parse(enum om_encoding *out, const char *name)
{
  *out = OM_ENCODING_UTF8;
  if (!name || !*name)
    return 0;
  char key[32];
  size_t n = 0;
  for (const char *p = name; *p; p++) {
    char c = *p;
    if (c == '-' || c == '_' || c == ' ' || c == '.')
      continue;
    if (n + 1 >= sizeof key)
      return -1;
    key[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  key[n] = '\0';
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
    if (strcmp(key, spellings[i].key) == 0) {
      *out = spellings[i].e;
      return 0;
    }
  }
  return -1;
}

const char *om_encoding_name(enum om_encoding e)
{
  if ((unsigned)e >= sizeof canonical / sizeof canonical[0])
    return "?";
  return canonical[e];
}

const char *om_encoding_list(void)
{
  return "UTF-8, CP1254 (Windows-1254), ISO-8859-9 (Latin-5), ISO-8859-1 (Latin-1), "
         "CP1252 (Windows-1252)";
}

/* Length of the valid multi-byte sequence at s (n bytes left), or 0. */
static size_t utf8_multi(const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  if (c >= 0xC2 && c <= 0xDF)
    return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
      return 0;
    if (c == 0xE0 && s[1] < 0xA0) /* overlong */
      return 0;
    if (c == 0xED && s[1] >= 0xA0) /* surrogate */
      return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
      return 0;
    if (c == 0xF0 && s[1] < 0x90) /* overlong */
      return 0;
    if (c == 0xF4 && s[1] >= 0x90) /* above U+10FFFF */
      return 0;
    return 4;
  }
  return 0;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

size_t om_utf8_check(const char *s, size_t len)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    /* Plain ASCII without NUL, eight bytes at a time. */
    while (i + 8 <= len) {
      uint64_t w;
      memcpy(&w, p + i, 8);
      if ((w & HIGHS) || ((w - ONES) & ~w & HIGHS))
        break;
      i += 8;
    }
    if (i >= len)
      break;
    if (p[i] == 0)
      return i;
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    size_t n = utf8_multi(p + i, len - i);
    if (n == 0)
      return i;
    i += n;
  }
  return len;
}

size_t om_utf8_prefix(const char *s, size_t len)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = len;
  /* Step back over at most three continuation bytes to the last lead byte. */
  for (int k = 0; k < 3 && i > 0 && (p[i - 1] & 0xC0) == 0x80; k++)
    i--;
  unsigned char c = i > 0 ? p[i - 1] : 0;
  if (c < 0xC2 || c > 0xF4) /* no lead byte: nothing to cut */
    return len;
  size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  return len - (i - 1) >= need ? len : i - 1;
}

struct om_recoder {
  enum om_encoding from;
  unsigned char len[256];   /* UTF-8 bytes for each byte, 0 = no character */
  unsigned char utf8[256][4];
};

int om_recoder_new(struct om_recoder **out, enum om_encoding from)
{
  *out = NULL;
  if (from == OM_ENCODING_UTF8 || (unsigned)from >= sizeof canonical / sizeof canonical[0])
    return OM_EDEP;
  iconv_t cd = iconv_open("UTF-8", canonical[from]);
  if (cd == (iconv_t)-1)
    return OM_EDEP;
  struct om_recoder *rc = calloc(1, sizeof *rc);
  if (!rc) {
    iconv_close(cd);
    return OM_ENOMEM;
  }
  rc->from = from;
  bool c1_bad = from == OM_ENCODING_ISO8859_1 || from == OM_ENCODING_ISO8859_9;
  for (unsigned b = 1; b < 256; b++) {
    if (c1_bad && b >= 0x80 && b <= 0x9F)
      continue;
    char in = (char)b;
    char *ip = &in;
    size_t il = 1;
    char *op = (char *)rc->utf8[b];
    size_t ol = sizeof rc->utf8[b];
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0)
      continue; /* EILSEQ: no character for this byte */
    rc->len[b] = (unsigned char)(sizeof rc->utf8[b] - ol);
  }
  iconv_close(cd);
  *out = rc;
  return 0;
}

void om_recoder_free(struct om_recoder *rc)
{
  free(rc);
}

enum om_encoding om_recoder_encoding(const struct om_recoder *rc)
{
  return rc->from;
}

size_t om_recoder_convert(const struct om_recoder *rc, const char *in, size_t len, char *out,
                          size_t *bad)
{
  const unsigned char *p = (const unsigned char *)in;
  unsigned char *o = (unsigned char *)out;
  for (size_t i = 0; i < len; i++) {
    unsigned char b = p[i];
    if (b < 0x80 && b != 0) {
      *o++ = b;
      continue;
    }
    unsigned n = rc->len[b];
    if (n == 0) {
      *bad = i;
      *out = '\0';
      return (size_t)-1;
    }
    memcpy(o, rc->utf8[b], 4);
    o += n;
  }
  *o = '\0';
  return (size_t)(o - (unsigned char *)out);
}
