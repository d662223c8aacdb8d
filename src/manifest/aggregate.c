/*
 * 'aggregate' of a layer manifest (aggregate.h).  The fields use a join's
 * syntax and parser, so that an aggregate is spelt the same in both
 * places; whether the named columns exist is checked when the layer is
 * built or validated, against the layer's own fields.
 */
#include "manifest/aggregate.h"

#include <stdlib.h>
#include <string.h>

#include "geom/merge.h"
#include "manifest/joins.h"

static const char *const aggregate_keys[] = {"by", "geometry", "fields", "separator", NULL};
static const char *const aggregate_required[] = {"by", NULL};

void om_manifest_read_aggregate(struct om_yaml_file *f, yaml_node_t *v, struct om_layer_def *l)
{
  struct om_aggregate_def *a = &l->aggregate;
  a->line = (int)v->start_mark.line + 1;
  if (v->type != YAML_MAPPING_NODE) {
    char desc[96];
    om_yaml_error_at(f, v, "'aggregate' must be a mapping with 'by', not %s",
                     om_yaml_describe(v, desc, sizeof desc));
    return;
  }
  om_yaml_check_keys(f, v, "'aggregate'", aggregate_keys, aggregate_required);
  yaml_node_t *n;
  if ((n = om_yaml_get(f, v, "by")))
    om_manifest_read_names(f, n, "by", &a->by, &a->nby);
  if (om_yaml_string(f, v, "geometry", &a->geometry) == 0 && a->geometry) {
    enum om_geom_merge how;
    if (om_geom_merge_parse(&how, a->geometry) < 0)
      om_yaml_error_at(f, om_yaml_get(f, v, "geometry"),
                       "'geometry' must be one of union, hull, collect, not '%s'", a->geometry);
  }
  if ((n = om_yaml_get(f, v, "fields")))
    om_manifest_read_field_list(f, n, &a->fields, &a->nfields);
  om_yaml_string(f, v, "separator", &a->separator);
}

void om_manifest_release_aggregate(struct om_layer_def *l)
{
  struct om_aggregate_def *a = &l->aggregate;
  for (size_t i = 0; i < a->nby; i++)
    free(a->by[i]);
  free(a->by);
  for (size_t i = 0; i < a->nfields; i++) {
    free(a->fields[i].source);
    free(a->fields[i].as);
    free(a->fields[i].aggregate);
  }
  free(a->fields);
  free(a->geometry);
  free(a->separator);
  memset(a, 0, sizeof *a);
}
