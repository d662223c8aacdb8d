/*
 * Transforms at build time (transform.h).
 *
 * The origin of flow lines from another layer is read from that layer's
 * output, not its source: the output holds the located, checked record
 * (its id unique, its coordinates in WGS 84), which is what the map shows
 * and what the user named.
 */
#include "pipeline/transform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/number.h"
#include "core/path.h"
#include "crs/geodesic.h"
#include "geom/geom.h"
#include "io/reader.h"
#include "ops/buffer.h"
#include "pipeline/output_crs.h"

struct om_layer_transform {
  const struct om_transform_def *def; /* from the manifest */
  double lon0, lat0;                  /* FLOW_LINE: the origin */
  char length[32];                    /* FLOW_LINE: length_km of the last record, as text */
};

const struct om_layer_def *om_layer_transform_reads(const struct om_project *p,
                                                    const struct om_layer_def *layer)
{
  const char *name = layer->transform.kind == OM_TRANSFORM_FLOW_LINE
                         ? layer->transform.from_layer
                         : NULL;
  for (size_t i = 0; name && i < p->nlayers; i++)
    if (p->layers[i].name && strcmp(p->layers[i].name, name) == 0)
      return &p->layers[i];
  return NULL;
}

const struct om_output_def *om_layer_transform_source(const struct om_layer_def *from)
{
  for (size_t i = 0; i < from->noutputs; i++)
    if (!om_output_crs_wanted(&from->outputs[i]))
      return &from->outputs[i];
  return NULL;
}

/* The point of record 'id' in the first WGS 84 output of layer 'from'. */
static int find_origin(struct om_layer_transform *t, const struct om_project *p,
                       const struct om_layer_def *layer, const struct om_layer_def *from,
                       bool read_origin, struct om_diag *d)
{
  const struct om_transform_def *def = &layer->transform;
  const struct om_output_def *o = om_layer_transform_source(from);
  if (!o)
    return om_diag_fail(d, OM_EMANIFEST,
                        "%s:%d: flow_line: layer '%s' has no WGS 84 output to read '%s' from",
                        layer->file, def->line, from->name, def->from_id);
  if (!from->source.id)
    return om_diag_fail(d, OM_EMANIFEST,
                        "%s:%d: flow_line: layer '%s' has no 'source.id', so no record can be "
                        "named by id",
                        layer->file, def->line, from->name);
  if (!read_origin)
    return 0;
  char *path = om_path_join(p->dir, o->path);
  if (!path)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  struct om_diag rd; /* records the output's reader would reject are not this layer's */
  om_diag_init(&rd);
  struct om_reader_opts ro = {.path = path, .name = o->path,
                              .layer = o->format == OM_FORMAT_GPKG ? o->layer : NULL};
  struct om_reader *r = NULL;
  int rc = om_reader_open(&r, &ro, &rd);
  free(path);
  if (rc < 0) {
    om_reader_free(r);
    return om_diag_fail(d, OM_EMANIFEST,
                        "%s:%d: flow_line: cannot read layer '%s' (build it first): %.1800s",
                        layer->file, def->line, from->name, rd.msg);
  }
  size_t idf = SIZE_MAX;
  for (size_t i = 0; i < om_reader_field_count(r); i++)
    if (strcmp(om_reader_field_name(r, i), from->source.id) == 0)
      idf = i;
  bool found = false;
  struct om_record rec;
  while (idf != SIZE_MAX && !found && (rc = om_reader_next(r, &rec, &rd)) > 0) {
    if (rc != OM_READ_OK || !rec.values[idf] || strcmp(rec.values[idf], def->from_id) != 0)
      continue;
    found = true;
    if (om_wkb_type(rec.wkb, rec.wkb_len) != OM_WKB_POINT || rec.wkb_len < 21) {
      rc = om_diag_fail(d, OM_EMANIFEST,
                        "%s:%d: flow_line: record '%s' of layer '%s' is not a point",
                        layer->file, def->line, def->from_id, from->name);
      break;
    }
    double env[4];
    om_wkb_envelope(rec.wkb, rec.wkb_len, env);
    t->lon0 = env[0];
    t->lat0 = env[1];
    rc = 0;
  }
  om_reader_free(r);
  if (rc < 0 && found)
    return rc;
  if (rc < 0)
    return om_diag_fail(d, rc, "%s:%d: flow_line: cannot read layer '%s': %.1800s", layer->file,
                        def->line, from->name, rd.msg);
  if (!found)
    return om_diag_fail(d, OM_EMANIFEST, "%s:%d: flow_line: layer '%s' has no record '%s'%s",
                        layer->file, def->line, from->name, def->from_id,
                        idf == SIZE_MAX ? " (its output has no id field)" : "");
  return 0;
}

int om_layer_transform_open(struct om_layer_transform **out, const struct om_project *p,
                            const struct om_layer_def *layer, bool read_origin,
                            struct om_diag *d)
{
  *out = NULL;
  const struct om_transform_def *def = &layer->transform;
  if (def->kind == OM_TRANSFORM_NONE)
    return 0;
  struct om_layer_transform *t = calloc(1, sizeof *t);
  if (!t)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  t->def = def;
  int rc = 0;
  if (def->kind == OM_TRANSFORM_FLOW_LINE && def->from_layer) {
    const struct om_layer_def *from = om_layer_transform_reads(p, layer);
    if (!from)
      rc = om_diag_fail(d, OM_EMANIFEST, "%s:%d: flow_line: no layer '%s' in the project",
                        layer->file, def->line, def->from_layer);
    else if (from == layer)
      rc = om_diag_fail(d, OM_EMANIFEST, "%s:%d: flow_line: layer '%s' cannot start from itself",
                        layer->file, def->line, def->from_layer);
    else
      rc = find_origin(t, p, layer, from, read_origin, d);
  } else {
    t->lon0 = def->from_x;
    t->lat0 = def->from_y;
  }
  if (rc < 0) {
    free(t);
    return rc;
  }
  *out = t;
  return 0;
}

void om_layer_transform_free(struct om_layer_transform *t)
{
  free(t);
}

size_t om_layer_transform_nfields(const struct om_layer_transform *t)
{
  return t && t->def->kind == OM_TRANSFORM_FLOW_LINE ? 1 : 0;
}

const char *om_layer_transform_name(const struct om_layer_transform *t, size_t k)
{
  (void)t;
  (void)k;
  return "length_km";
}

enum om_field_type om_layer_transform_type(const struct om_layer_transform *t, size_t k)
{
  (void)t;
  (void)k;
  return OM_FIELD_REAL;
}

/* Put the new geometry (owned, malloc'd) into loc in place of the old one. */
static int adopt(struct om_location *loc, unsigned char *wkb, size_t len)
{
  free(loc->wkb);
  loc->wkb = wkb;
  loc->len = loc->cap = len;
  return om_wkb_envelope(wkb, len, loc->env) < 0 ? OM_REASON_GEOMETRY_EMPTY : 0;
}

/*
 * A flow line ends at the record's point; a record that is not a point
 * ends at the centre of its envelope, which is what a reader of the map
 * takes for "where it is" (and what a line across the antimeridian would
 * get wrong, so such a record is refused).
 */
static int flow_line(struct om_layer_transform *t, struct om_location *loc, const char **values,
                     char *detail, size_t detail_size, struct om_diag *d)
{
  double lon = (loc->env[0] + loc->env[2]) / 2, lat = (loc->env[1] + loc->env[3]) / 2;
  if (om_wkb_type(loc->wkb, loc->len) != OM_WKB_POINT && loc->env[2] - loc->env[0] > 180) {
    om_detail_set(detail, detail_size, "flow_line: the geometry spans the antimeridian");
    return OM_REASON_GEOMETRY_INVALID;
  }
  unsigned char *line = NULL;
  size_t len = 0;
  struct om_diag gd;
  om_diag_init(&gd);
  int rc = om_geodesic_line(&line, &len, t->lon0, t->lat0, lon, lat, t->def->step_km, &gd);
  if (rc != 0) {
    free(line);
    if (rc < 0)
      return om_diag_fail(d, rc, "flow_line: %s", gd.msg);
    om_detail_set(detail, detail_size, "flow_line: %s", gd.msg);
    return rc;
  }
  /* To the metre: more digits would only show the ellipsoid model's noise. */
  om_format_double(t->length, round(om_geodesic_distance_km(t->lon0, t->lat0, lon, lat) * 1000) / 1000);
  values[0] = t->length;
  return adopt(loc, line, len);
}

int om_layer_transform_apply(struct om_layer_transform *t, struct om_location *loc,
                             const char **values, char *detail, size_t detail_size,
                             struct om_diag *d)
{
  if (!t)
    return 0;
  if (t->def->kind == OM_TRANSFORM_FLOW_LINE)
    return flow_line(t, loc, values, detail, detail_size, d);
  unsigned char *out = NULL;
  size_t len = 0;
  struct om_diag gd;
  om_diag_init(&gd);
  int rc = om_buffer_km(&out, &len, loc->wkb, loc->len, t->def->buffer_km, &gd);
  if (rc != 0) {
    free(out);
    if (rc < 0)
      return om_diag_fail(d, rc, "buffer_km: %s", gd.msg);
    om_detail_set(detail, detail_size, "buffer_km: %s", gd.msg);
    return rc;
  }
  return adopt(loc, out, len);
}
