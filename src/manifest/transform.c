/*
 * 'transform' of a layer manifest (transform.h).  Distances are checked
 * here against the limits of src/ops/buffer.h and src/crs/geodesic.h, so
 * that a radius no record could be buffered by is a manifest error at
 * its line rather than one reject per record.
 */
#include "manifest/transform.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crs/geodesic.h"
#include "ops/buffer.h"

static const char *const transform_keys[] = {"buffer_km", "flow_line", NULL};
static const char *const flow_keys[] = {"from", "step_km", NULL};
static const char *const from_keys[] = {"layer", "id", "x", "y", NULL};

/* A finite number in [min, max] (min excluded when open_min) into *out; false after reporting. */
static bool read_number(struct om_yaml_file *f, yaml_node_t *v, const char *key, double min,
                        bool open_min, double max, const char *expect, double *out)
{
  char *text = v->type == YAML_SCALAR_NODE ? om_yaml_text(f, v, key) : NULL;
  char *end = NULL;
  double x = text ? strtod(text, &end) : NAN;
  bool ok = text && end != text && !*end && isfinite(x) && (open_min ? x > min : x >= min) &&
            x <= max;
  if (!ok)
    om_yaml_error_at(f, v, "'%s' must be %s", key, expect);
  else
    *out = x;
  free(text);
  return ok;
}

static void read_from(struct om_yaml_file *f, yaml_node_t *v, struct om_transform_def *t)
{
  if (v->type != YAML_MAPPING_NODE) {
    char desc[96];
    om_yaml_error_at(f, v,
                     "'from' must be a mapping with 'layer' and 'id', or with 'x' and 'y', not %s",
                     om_yaml_describe(v, desc, sizeof desc));
    return;
  }
  om_yaml_check_keys(f, v, "'transform.flow_line.from'", from_keys, NULL);
  yaml_node_t *layer = om_yaml_get(f, v, "layer"), *id = om_yaml_get(f, v, "id");
  yaml_node_t *x = om_yaml_get(f, v, "x"), *y = om_yaml_get(f, v, "y");
  if ((layer || id) && (x || y)) {
    om_yaml_error_at(f, v, "'from' has both a layer record and coordinates; give one of them");
  } else if (layer || id) {
    if (!layer || !id)
      om_yaml_error_at(f, v, "'from' needs both 'layer' and 'id'");
    om_yaml_string(f, v, "layer", &t->from_layer);
    om_yaml_string(f, v, "id", &t->from_id);
  } else if (x && y) {
    read_number(f, x, "x", -180, false, 180, "a longitude in [-180, 180]", &t->from_x);
    read_number(f, y, "y", -90, false, 90, "a latitude in [-90, 90]", &t->from_y);
  } else {
    om_yaml_error_at(f, v, "'from' needs 'layer' and 'id', or 'x' and 'y' (WGS 84 degrees)");
  }
}

static void read_flow_line(struct om_yaml_file *f, yaml_node_t *v, struct om_transform_def *t)
{
  t->kind = OM_TRANSFORM_FLOW_LINE;
  t->step_km = OM_TRANSFORM_DEFAULT_STEP_KM;
  if (v->type != YAML_MAPPING_NODE) {
    char desc[96];
    om_yaml_error_at(f, v, "'flow_line' must be a mapping with 'from', not %s",
                     om_yaml_describe(v, desc, sizeof desc));
    return;
  }
  static const char *const required[] = {"from", NULL};
  om_yaml_check_keys(f, v, "'transform.flow_line'", flow_keys, required);
  yaml_node_t *n;
  if ((n = om_yaml_get(f, v, "from")))
    read_from(f, n, t);
  if ((n = om_yaml_get(f, v, "step_km")))
    read_number(f, n, "step_km", 1, false, 1000, "a distance in km from 1 to 1,000", &t->step_km);
}

void om_manifest_read_transform(struct om_yaml_file *f, yaml_node_t *v, struct om_layer_def *l)
{
  struct om_transform_def *t = &l->transform;
  t->line = (int)v->start_mark.line + 1;
  if (v->type != YAML_MAPPING_NODE) {
    char desc[96];
    om_yaml_error_at(f, v, "'transform' must be a mapping with 'buffer_km' or 'flow_line', not %s",
                     om_yaml_describe(v, desc, sizeof desc));
    return;
  }
  om_yaml_check_keys(f, v, "'transform'", transform_keys, NULL);
  yaml_node_t *buffer = om_yaml_get(f, v, "buffer_km"), *flow = om_yaml_get(f, v, "flow_line");
  if (buffer && flow) {
    om_yaml_error_at(f, flow, "'transform' has both 'buffer_km' and 'flow_line'; give one of them");
  } else if (buffer) {
    t->kind = OM_TRANSFORM_BUFFER;
    char expect[96];
    snprintf(expect, sizeof expect, "a distance in km above 0 and at most %g",
             OM_BUFFER_MAX_EXTENT_KM);
    read_number(f, buffer, "buffer_km", 0, true, OM_BUFFER_MAX_EXTENT_KM, expect, &t->buffer_km);
  } else if (flow) {
    read_flow_line(f, flow, t);
  } else {
    om_yaml_error_at(f, v, "'transform' needs 'buffer_km' or 'flow_line'");
  }
}

void om_manifest_release_transform(struct om_layer_def *l)
{
  free(l->transform.from_layer);
  free(l->transform.from_id);
  memset(&l->transform, 0, sizeof l->transform);
}
