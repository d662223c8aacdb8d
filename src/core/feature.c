/* Field type names as manifests spell them, and the schema's lifecycle (see feature.h). */
#include "core/feature.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[] = {
    [OM_FIELD_STRING] = "string",
    [OM_FIELD_INTEGER] = "integer",
    [OM_FIELD_REAL] = "real",
};

const char *om_field_type_name(enum om_field_type t)
{
  if ((unsigned)t >= sizeof type_names / sizeof *type_names)
    return "unknown";
  return type_names[t];
}

/* Case does not matter: "Integer" in a hand-written manifest means integer. */
int om_field_type_parse(enum om_field_type *out, const char *name)
{
  for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++) {
    if (name && strcasecmp(name, type_names[i]) == 0) {
      *out = (enum om_field_type)i;
      return 0;
    }
  }
  return -1;
}

void om_schema_release(struct om_schema *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->n; i++)
    free(s->fields[i].name);
  free(s->fields);
  s->fields = NULL;
  s->n = 0;
}
