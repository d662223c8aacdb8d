/* Query templates (see template.h). */
#include "geocode/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A piece of a part: literal text, or a field's value. */
struct seg {
  char *text;   /* literal, owned, or NULL */
  size_t field; /* source field index when text is NULL */
};

struct tpart {
  size_t n;
  struct seg *segs;
};

struct om_gc_template {
  size_t n;
  struct tpart parts[OM_GC_MAX_PARTS];
};

void om_gc_template_free(struct om_gc_template *t)
{
  if (!t)
    return;
  for (size_t i = 0; i < t->n; i++) {
    for (size_t k = 0; k < t->parts[i].n; k++)
      free(t->parts[i].segs[k].text);
    free(t->parts[i].segs);
  }
  free(t);
}

static int add_seg(struct tpart *p, const char *text, size_t len, size_t field)
{
  struct seg *s = realloc(p->segs, (p->n + 1) * sizeof *s);
  if (!s)
    return OM_ENOMEM;
  p->segs = s;
  s[p->n] = (struct seg){.field = field};
  if (text && !(s[p->n].text = strndup(text, len)))
    return OM_ENOMEM;
  p->n++;
  return 0;
}

static size_t field_index(const char *name, size_t len, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strlen(names[i]) == len && !memcmp(names[i], name, len))
      return i;
  return SIZE_MAX;
}

/* Parse one comma-free part text[0..len) into p. */
static int parse_part(struct tpart *p, const char *text, size_t len, const char *const *names,
                      size_t n, const char *where, const char *whole, struct om_diag *d)
{
  bool any_field = false;
  for (size_t i = 0; i < len;) {
    const char *open = memchr(text + i, '{', len - i);
    size_t lit = open ? (size_t)(open - text) - i : len - i;
    if (lit && add_seg(p, text + i, lit, 0) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    if (!open)
      break;
    const char *close = memchr(open, '}', (size_t)(text + len - open));
    if (!close)
      return om_diag_fail(d, OM_EMANIFEST, "%s: query '%s': '{' without '}'", where, whole);
    size_t flen = (size_t)(close - open - 1);
    size_t f = field_index(open + 1, flen, names, n);
    if (f == SIZE_MAX)
      return om_diag_fail(d, OM_EMANIFEST,
                          "%s: query '%s': no field '%.*s' in the source", where, whole,
                          (int)flen, open + 1);
    if (add_seg(p, NULL, 0, f) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    any_field = true;
    i = (size_t)(close - text) + 1;
  }
  if (!any_field)
    return om_diag_fail(d, OM_EMANIFEST, "%s: query '%s': the part '%.*s' names no {field}",
                        where, whole, (int)len, text);
  return 0;
}

int om_gc_template_new(struct om_gc_template **out, const char *text, const char *const *names,
                       size_t n, const char *where, struct om_diag *d)
{
  *out = NULL;
  struct om_gc_template *t = calloc(1, sizeof *t);
  if (!t)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  int rc = 0;
  for (const char *p = text; p && rc == 0;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (t->n == OM_GC_MAX_PARTS)
      rc = om_diag_fail(d, OM_EMANIFEST, "%s: query '%s': more than %d parts", where, text,
                        OM_GC_MAX_PARTS);
    else
      rc = parse_part(&t->parts[t->n++], p, len, names, n, where, text, d);
    p = comma ? comma + 1 : NULL;
  }
  if (rc < 0) {
    om_gc_template_free(t);
    return rc;
  }
  *out = t;
  return 0;
}

int om_gc_template_uses(const struct om_gc_template *t, size_t i)
{
  for (size_t k = 0; k < t->n; k++)
    for (size_t s = 0; s < t->parts[k].n; s++)
      if (!t->parts[k].segs[s].text && t->parts[k].segs[s].field == i)
        return 1;
  return 0;
}

size_t om_gc_template_render(const struct om_gc_template *t, const char *const *values,
                             size_t nvalues, char *buf, size_t size,
                             const char *parts[OM_GC_MAX_PARTS])
{
  size_t np = 0, at = 0;
  for (size_t k = 0; k < t->n; k++) {
    size_t start = at;
    bool filled = false;
    for (size_t s = 0; s < t->parts[k].n; s++) {
      const struct seg *g = &t->parts[k].segs[s];
      const char *v = g->text;
      if (!v) {
        v = g->field < nvalues ? values[g->field] : NULL;
        filled = filled || (v && strspn(v, " \t") < strlen(v));
      }
      /* a comma inside a value must not start a new part */
      for (; v && *v && at + 1 < size; v++)
        buf[at++] = *v == ',' ? ' ' : *v;
    }
    while (at > start && (buf[at - 1] == ' ' || buf[at - 1] == '\t'))
      at--;
    size_t lead = start;
    while (lead < at && (buf[lead] == ' ' || buf[lead] == '\t'))
      lead++;
    if (!filled || at + 1 >= size) {
      at = start;
      continue;
    }
    buf[at++] = 0;
    parts[np++] = buf + lead;
  }
  return np;
}
