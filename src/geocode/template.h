/*
 * Query templates: "{name}, {province}, {country}" over a record's fields
 * gives the parts of a structured query, finest first.  A part is the text
 * between commas; literal text in a part stays ("{village} village"), and
 * a part whose fields are all empty is dropped, so a record without a
 * province still asks for "{name}, {country}".
 */
#ifndef OM_GEOCODE_TEMPLATE_H
#define OM_GEOCODE_TEMPLATE_H

#include <stddef.h>

#include "core/diag.h"
#include "geocode/geocode.h"

struct om_gc_template;

/*
 * Parse text and bind its {field} names to the source's fields
 * (names[0..n)).  An unknown field, an unclosed brace, a part without
 * any field or more than OM_GC_MAX_PARTS parts is OM_EMANIFEST with
 * 'where' (e.g. "layers/x.yaml:12") in front of the message.
 */
int om_gc_template_new(struct om_gc_template **out, const char *text, const char *const *names,
                       size_t n, const char *where, struct om_diag *d);
void om_gc_template_free(struct om_gc_template *t);

/* Is source field i named by the template? */
int om_gc_template_uses(const struct om_gc_template *t, size_t i);

/*
 * Render the parts for one record's values (NULL = null) into buf; parts
 * point into buf.  Returns the number of parts (0: every field empty).
 */
size_t om_gc_template_render(const struct om_gc_template *t, const char *const *values,
                             size_t nvalues, char *buf, size_t size,
                             const char *parts[OM_GC_MAX_PARTS]);

#endif
