/* Helpers shared by the style compilers (emit.h). */
#include "style/emit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct om_style_symbol om_style_class_symbol(const struct om_style *s,
                                             const struct om_style_class *c)
{
  struct om_style_symbol sym = s->symbol;
  if (c && s->geometry == OM_STYLE_LINE)
    memcpy(sym.stroke, c->color, sizeof sym.stroke);
  else if (c)
    memcpy(sym.fill, c->color, sizeof sym.fill);
  return sym;
}

size_t om_style_nrules(const struct om_style *s)
{
  if (s->kind == OM_STYLE_SINGLE)
    return 1;
  return s->nclasses + (s->kind == OM_STYLE_CATEGORIES && s->has_other);
}

const struct om_style_class *om_style_rule(const struct om_style *s, size_t i)
{
  if (s->kind == OM_STYLE_SINGLE)
    return NULL;
  return i < s->nclasses ? &s->classes[i] : &s->other;
}

void om_style_rgb(const char *hex, int rgb[3])
{
  for (int i = 0; i < 3; i++) {
    char part[3] = {hex[1 + 2 * i], hex[2 + 2 * i], '\0'};
    rgb[i] = (int)strtol(part, NULL, 16);
  }
}

void om_style_put_xml(FILE *f, const char *text)
{
  const unsigned char *p = (const unsigned char *)(text ? text : ""), *run = p;
  for (;; p++) {
    unsigned char c = *p;
    const char *esc;
    size_t skip = 1;
    if (c == '&')
      esc = "&amp;";
    else if (c == '<')
      esc = "&lt;";
    else if (c == '>')
      esc = "&gt;";
    else if (c == '"')
      esc = "&quot;";
    else if (c == '\'')
      esc = "&apos;";
    else if (c == '\r') /* a parser would turn a raw one into a line feed */
      esc = "&#13;";
    else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0)
      esc = ""; /* no XML 1.0 document may hold the other controls, even escaped */
    else if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
      esc = "", skip = 3; /* U+FFFE and U+FFFF, not characters in XML either */
    else
      continue;
    if (p > run)
      fwrite(run, 1, (size_t)(p - run), f);
    if (c == 0)
      break;
    fputs(esc, f);
    p += skip - 1;
    run = p + 1;
  }
}

FILE *om_style_open(char **buf, size_t *len)
{
  *buf = NULL;
  return open_memstream(buf, len);
}

char *om_style_close(FILE *f, char **buf)
{
  if (!f)
    return NULL;
  bool failed = ferror(f) != 0;
  if (fclose(f) != 0 || failed) {
    free(*buf);
    return NULL;
  }
  return *buf;
}
