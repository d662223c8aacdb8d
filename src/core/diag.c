/*
 * Record-level rejects and run-level errors (see diag.h).  The rejects file
 * is RFC 4180 CSV so that spreadsheets and ogr2ogr read it back.
 */
#include "core/diag.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const reason_messages[] = {
  "",
#define XX(name, msg) msg,
  OM_REASON_MAP(XX)
#undef XX
};

static const char *const reason_names[] = {
  "none",
#define XX(name, msg) #name,
  OM_REASON_MAP(XX)
#undef XX
};

const char *om_reason_message(enum om_reason why)
{
  if (why < 0 || why >= OM_REASON__COUNT)
    return "unknown reason";
  return reason_messages[why];
}

static char reason_lower[OM_REASON__COUNT][32];
static pthread_once_t reason_lower_once = PTHREAD_ONCE_INIT;

static void make_lower_names(void)
{
  for (int r = 0; r < OM_REASON__COUNT; r++) {
    size_t i = 0;
    for (; reason_names[r][i] && i + 1 < sizeof reason_lower[r]; i++)
      reason_lower[r][i] = (char)tolower((unsigned char)reason_names[r][i]);
    reason_lower[r][i] = '\0';
  }
}

const char *om_reason_name(enum om_reason why)
{
  if (why < 0 || why >= OM_REASON__COUNT)
    return "unknown";
  pthread_once(&reason_lower_once, make_lower_names);
  return reason_lower[why];
}

void om_diag_init(struct om_diag *d)
{
  memset(d, 0, sizeof *d);
}

int om_diag_open_rejects(struct om_diag *d, FILE *f)
{
  d->rejects = f;
  if (fputs("source,record,line,field,reason,value\r\n", f) < 0)
    return OM_EIO;
  return 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
  size_t len;
  unsigned min;
  unsigned cp;
  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    len = 2, min = 0x80, cp = s[0] & 0x1F;
  else if (s[0] >= 0xE0 && s[0] <= 0xEF)
    len = 3, min = 0x800, cp = s[0] & 0x0F;
  else if (s[0] >= 0xF0 && s[0] <= 0xF4)
    len = 4, min = 0x10000, cp = s[0] & 0x07;
  else
    return 0;
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/*
 * Write s as text: invalid UTF-8 and control characters as \xNN.  A CSV
 * cell may keep its tabs and line breaks (it is quoted); a message line
 * may not, nor DEL and the C1 controls, which terminals obey.
 */
static void write_escaped(FILE *f, const char *s, size_t len, bool one_line)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    size_t n = utf8_seq_len(p + i, len - i);
    bool control = n == 1 && (p[i] < 0x20 || p[i] == 0x7F);
    bool kept = control && !one_line && (p[i] == '\t' || p[i] == '\n' || p[i] == '\r');
    bool c1 = n == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0;
    if (n == 0 || (control && !kept) || (c1 && one_line)) {
      for (size_t k = 0; k < (n ? n : 1); k++)
        fprintf(f, "\\x%02X", p[i + k]);
      i += n ? n : 1;
    } else {
      fwrite(p + i, 1, n, f);
      i += n;
    }
  }
}

void om_diag_write_escaped(FILE *f, const char *s, size_t len)
{
  write_escaped(f, s, len, false);
}

/* At most max bytes of s, cut where a UTF-8 character starts. */
static size_t cut_at_char(const char *s, size_t len, size_t max)
{
  if (len <= max)
    return len;
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
    max--;
  return max;
}

/* One CSV cell, quoted when it holds a delimiter, quote or line break. */
static void write_csv_cell(FILE *f, const char *s)
{
  if (!s)
    return;
  size_t len = strlen(s);
  bool quote = strpbrk(s, ",\"\r\n") != NULL;
  /* A cell a spreadsheet would run as a formula is quoted and prefixed. */
  bool formula = len > 0 && strchr("=+-@\t", s[0]) != NULL;
  if (formula)
    quote = true;
  if (quote)
    fputc('"', f);
  if (formula)
    fputc('\'', f);
  const char *start = s;
  for (const char *q = s; *q; q++) {
    if (*q == '"') {
      om_diag_write_escaped(f, start, (size_t)(q - start + 1));
      fputc('"', f);
      start = q + 1;
    }
  }
  om_diag_write_escaped(f, start, strlen(start));
  if (quote)
    fputc('"', f);
}

int om_diag_reject(struct om_diag *d, const struct om_pos *at, const char *field,
                   enum om_reason why, const char *detail, const char *value)
{
  d->rejected++;
  if (why > 0 && why < OM_REASON__COUNT)
    d->counts[why]++;

  char reason[512];
  if (detail && *detail)
    snprintf(reason, sizeof reason, "%s: %s", om_reason_message(why), detail);
  else
    snprintf(reason, sizeof reason, "%s", om_reason_message(why));

  if (d->rejects) {
    FILE *f = d->rejects;
    write_csv_cell(f, at->file);
    fprintf(f, ",%ld,", at->record);
    if (at->line > 0)
      fprintf(f, "%ld", at->line);
    fputc(',', f);
    write_csv_cell(f, field);
    fputc(',', f);
    write_csv_cell(f, reason);
    fputc(',', f);
    write_csv_cell(f, value);
    if (fputs("\r\n", f) < 0)
      return OM_EIO;
  }

  if (d->report) {
    char *line = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&line, &size);
    if (!m)
      return OM_ENOMEM;
    fprintf(m, "%s:", at->file ? at->file : "-");
    if (at->line > 0)
      fprintf(m, "%ld:", at->line);
    fprintf(m, " record %ld: ", at->record);
    if (field) {
      fputs("field '", m);
      write_escaped(m, field, strlen(field), true);
      fputs("': ", m);
    }
    write_escaped(m, reason, strlen(reason), true);
    if (value) {
      fputs(": '", m);
      size_t len = strlen(value);
      write_escaped(m, value, cut_at_char(value, len, 200), true);
      fputs(len > 200 ? "...'" : "'", m);
    }
    fclose(m);
    d->report(d->report_ctx, OM_LEVEL_REJECT, line);
    free(line);
  }
  return 0;
}

void om_diag_warn(struct om_diag *d, const char *fmt, ...)
{
  d->warnings++;
  if (!d->report)
    return;
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  d->report(d->report_ctx, OM_LEVEL_WARNING, line);
}

int om_diag_fail(struct om_diag *d, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
  return code;
}

void om_detail_set(char *buf, size_t size, const char *fmt, ...)
{
  if (!buf || size == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  if (n < 0) {
    buf[0] = '\0';
    return;
  }
  if ((size_t)n < size)
    return;
  /* Cut short: drop a partial multi-byte sequence at the end. */
  size_t len = strlen(buf);
  size_t i = len;
  while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
    i--;
  if (i > 0 && (unsigned char)buf[i - 1] >= 0xC0) {
    unsigned char lead = (unsigned char)buf[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (len - (i - 1) < need)
      buf[i - 1] = '\0';
  }
}
