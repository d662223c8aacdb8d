#include "core/number.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Digits, at most one separator, an exponent: the shape of a number. */
static bool looks_numeric(const char *s, size_t n, char sep)
{
  size_t i = 0;
  if (i < n && (s[i] == '-' || s[i] == '+'))
    i++;
  size_t digits = 0, seps = 0;
  for (; i < n && (isdigit((unsigned char)s[i]) || s[i] == sep); i++) {
    if (s[i] == sep)
      seps++;
    else
      digits++;
  }
  if (digits == 0 || seps > 1)
    return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '-' || s[i] == '+'))
      i++;
    size_t exp = 0;
    for (; i < n && isdigit((unsigned char)s[i]); i++)
      exp++;
    if (exp == 0)
      return false;
  }
  return i == n;
}

enum om_reason om_number_parse(const char *text, char decimal, double *out, char *detail,
                               size_t detail_size)
{
  if (detail_size)
    detail[0] = '\0';
  while (isspace((unsigned char)*text))
    text++;
  size_t n = strlen(text);
  while (n > 0 && isspace((unsigned char)text[n - 1]))
    n--;

  char word[16];
  if (n < sizeof word) {
    memcpy(word, text, n);
    word[n] = '\0';
    const char *w = word + (word[0] == '-' || word[0] == '+');
    if (!strcasecmp(w, "nan") || !strcasecmp(w, "inf") || !strcasecmp(w, "infinity"))
      return OM_REASON_NOT_FINITE;
  }

  bool has_comma = memchr(text, ',', n) != NULL;
  bool has_point = memchr(text, '.', n) != NULL;
  char sep = decimal ? decimal : '.';
  if (has_comma && has_point) {
    snprintf(detail, detail_size, "both '.' and ',' in one number");
    return strspn(text, "0123456789.,+-") == n ? OM_REASON_AMBIGUOUS_DECIMAL
                                                : OM_REASON_NOT_A_NUMBER;
  }
  if (has_comma && decimal != ',') {
    if (!looks_numeric(text, n, ','))
      return OM_REASON_NOT_A_NUMBER;
    if (decimal == '.') {
      snprintf(detail, detail_size, "',' is not the declared decimal separator '.'");
      return OM_REASON_NOT_A_NUMBER;
    }
    snprintf(detail, detail_size, "declare source.decimal as \",\" or \".\"");
    return OM_REASON_AMBIGUOUS_DECIMAL;
  }
  if (has_point && decimal == ',') {
    snprintf(detail, detail_size, "'.' in a source declared with decimal ','");
    return looks_numeric(text, n, '.') ? OM_REASON_AMBIGUOUS_DECIMAL
                                        : OM_REASON_NOT_A_NUMBER;
  }
  if (!looks_numeric(text, n, sep))
    return OM_REASON_NOT_A_NUMBER;

  char buf[64];
  if (n >= sizeof buf)
    return OM_REASON_NOT_A_NUMBER;
  memcpy(buf, text, n);
  buf[n] = '\0';
  char *comma = strchr(buf, ',');
  if (comma)
    *comma = '.';
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (*end != '\0')
    return OM_REASON_NOT_A_NUMBER;
  if (!isfinite(v))
    return OM_REASON_NOT_FINITE;
  *out = v;
  return OM_REASON_NONE;
}

bool om_is_canonical_integer(const char *s)
{
  if (*s == '-')
    s++;
  if (!isdigit((unsigned char)*s))
    return false;
  if (s[0] == '0' && s[1] != '\0')
    return false;
  size_t n = 0;
  for (; isdigit((unsigned char)*s); s++)
    n++;
  return *s == '\0' && n <= 18; /* 18 digits always fit an int64 */
}

enum om_reason om_integer_parse(const char *text, long long *out)
{
  while (isspace((unsigned char)*text))
    text++;
  const char *s = text + (*text == '-' || *text == '+');
  if (!isdigit((unsigned char)*s))
    return OM_REASON_NOT_AN_INTEGER;
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  while (isspace((unsigned char)*end))
    end++;
  if (*end != '\0' || errno == ERANGE)
    return OM_REASON_NOT_AN_INTEGER;
  *out = v;
  return OM_REASON_NONE;
}

bool om_is_canonical_real(const char *s)
{
  if (*s == '-')
    s++;
  if (!isdigit((unsigned char)*s))
    return false;
  if (s[0] == '0' && isdigit((unsigned char)s[1]))
    return false;
  while (isdigit((unsigned char)*s))
    s++;
  if (*s == '.') {
    s++;
    if (!isdigit((unsigned char)*s))
      return false;
    while (isdigit((unsigned char)*s))
      s++;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-')
      s++;
    if (!isdigit((unsigned char)*s))
      return false;
    while (isdigit((unsigned char)*s))
      s++;
  }
  return *s == '\0';
}

void om_format_double(char buf[32], double v)
{
  for (int precision = 15; precision <= 17; precision++) {
    snprintf(buf, 32, "%.*g", precision, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}
