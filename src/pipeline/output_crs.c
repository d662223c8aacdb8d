/*
 * Features transformed for an output in a CRS of its own (output_crs.h).
 *
 * The writer takes a second spool rather than transforming as it writes:
 * the GeoPackage writer reads the features twice (extent, then rows in
 * Hilbert order), and the Hilbert order and envelopes must be those of
 * the target CRS, which the spool computes once when it is finished.
 */
#include "pipeline/output_crs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geom/geom.h"

bool om_output_crs_wanted(const struct om_output_def *o)
{
  return o->crs && strcasecmp(o->crs, "EPSG:4326") != 0 && strcasecmp(o->crs, "OGC:CRS84") != 0;
}

/* What om_wkb_map_coords needs to transform each vertex and keep the first failure. */
struct walk {
  struct om_crs *crs; /* the output's CRS */
  char detail[256];   /* why the first vertex failed */
};

static enum om_reason to_output(void *ctx, double *x, double *y)
{
  struct walk *w = ctx;
  return om_crs_from_wgs84(w->crs, x, y, w->detail, sizeof w->detail);
}

/* Report one record left out of the output (the first few, one by one). */
static void left_out(struct om_output_crs *out, const struct om_layer_def *layer,
                     const struct om_output_def *o, const struct om_feature *f,
                     enum om_reason why, const char *detail, struct om_diag *d)
{
  if (++out->left_out > OM_OUTPUT_CRS_MAX_WARNINGS)
    return;
  om_diag_warn(d, "%s:%d: layer '%s': record %ld is left out of output '%s' (%s): %s%s%s",
               layer->file, o->line, layer->name, f->record, o->path, o->crs,
               om_reason_message(why), *detail ? ": " : "", detail);
}

/* Transform every feature of 'in' into out->spool; the caller finishes it. */
static int transform_all(struct om_output_crs *out, struct om_crs *crs, const struct om_spool *in,
                         const struct om_layer_def *layer, const struct om_output_def *o,
                         struct om_diag *d)
{
  struct walk w = {.crs = crs};
  unsigned char *buf = NULL;
  size_t cap = 0;
  struct om_spool_cursor c;
  struct om_feature f;
  int rc, more;
  om_spool_cursor_init(&c, in, OM_ORDER_SOURCE);
  while ((more = om_spool_cursor_next(&c, &f)) == 1) {
    if (f.wkb && f.wkb_len > 0) {
      if (f.wkb_len > cap) {
        unsigned char *grown = realloc(buf, f.wkb_len);
        if (!grown) {
          rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
          goto done;
        }
        buf = grown;
        cap = f.wkb_len;
      }
      memcpy(buf, f.wkb, f.wkb_len);
      w.detail[0] = '\0';
      enum om_reason why = om_wkb_map_coords(buf, f.wkb_len, to_output, &w);
      if (why != OM_REASON_NONE) {
        left_out(out, layer, o, &f, why, w.detail, d);
        continue;
      }
      f.wkb = buf;
      if (om_wkb_envelope(buf, f.wkb_len, f.env) != 0)
        continue; /* empty: the envelope stays as it was (none) */
    }
    if ((rc = om_spool_add(out->spool, &f, d)) < 0)
      goto done;
  }
  rc = more < 0 ? om_diag_fail(d, OM_ENOMEM, "out of memory") : 0;
done:
  om_spool_cursor_release(&c);
  free(buf);
  return rc;
}

int om_output_crs_make(struct om_output_crs *out, const struct om_spool *in,
                       const struct om_layer_def *layer, const struct om_output_def *o,
                       struct om_diag *d)
{
  memset(out, 0, sizeof *out);
  struct om_crs *crs = NULL;
  int rc = om_crs_new(&crs, o->crs, d);
  if (rc < 0) {
    char msg[sizeof d->msg];
    snprintf(msg, sizeof msg, "%s", d->msg);
    return om_diag_fail(d, rc, "%s:%d: output '%s': %.1900s", layer->file, o->line, o->path,
                        msg);
  }
  rc = om_crs_srs_get(&out->info, crs, d);
  if (rc == 0)
    rc = om_spool_new(&out->spool, NULL, d);
  if (rc == 0)
    rc = transform_all(out, crs, in, layer, o, d);
  if (rc == 0)
    rc = om_spool_finish(out->spool, d);
  om_crs_free(crs);
  if (rc == 0 && out->left_out > OM_OUTPUT_CRS_MAX_WARNINGS)
    om_diag_warn(d, "%s:%d: layer '%s': %ld records in all are left out of output '%s' (%s)",
                 layer->file, o->line, layer->name, out->left_out, o->path, o->crs);
  if (rc < 0) {
    om_output_crs_release(out);
    return rc;
  }
  out->srs = (struct om_output_srs){
    .organization = out->info.organization, .organization_id = out->info.organization_id,
    .name = out->info.name, .definition = out->info.definition,
  };
  return 0;
}

void om_output_crs_release(struct om_output_crs *c)
{
  om_spool_free(c->spool);
  om_crs_srs_release(&c->info);
  memset(c, 0, sizeof *c);
}

int om_output_crs_check(const struct om_layer_def *layer, const struct om_output_def *o,
                        struct om_diag *d)
{
  if (!om_output_crs_wanted(o))
    return 0;
  struct om_crs *crs = NULL;
  int rc = om_crs_new(&crs, o->crs, d);
  om_crs_free(crs);
  if (rc < 0) {
    char msg[sizeof d->msg];
    snprintf(msg, sizeof msg, "%s", d->msg);
    return om_diag_fail(d, rc, "%s:%d: output '%s': %.1900s", layer->file, o->line, o->path,
                        msg);
  }
  return 0;
}
