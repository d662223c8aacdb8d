/*
 * Writing a built layer to every output its manifest lists (write_outputs.h).
 */
#include "pipeline/write_outputs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "io/writer.h"
#include "pipeline/output_crs.h"
#include "pipeline/style.h"

/* The outputs that one writer thread handles, one after the other. */
struct writer_job {
  const struct om_layer_data *L;
  struct om_output_opts *opts; /* outputs of one format */
  const enum om_format *formats;
  size_t n;
  struct om_diag d;            /* the job's own: threads share nothing mutable */
  int rc;
  char **warnings;             /* lines the writers warned, owned */
  size_t nwarnings;
};

/* A writer's warning, kept by its job and reported after the join (threads share no callback). */
static void keep_warning(void *ctx, enum om_level level, const char *line)
{
  struct writer_job *job = ctx;
  if (level != OM_LEVEL_WARNING)
    return;
  char **grown = realloc(job->warnings, (job->nwarnings + 1) * sizeof *grown);
  if (grown && (grown[job->nwarnings] = strdup(line)) != NULL)
    job->nwarnings++;
  if (grown)
    job->warnings = grown;
}

static void *run_writer_job(void *arg)
{
  struct writer_job *job = arg;
  job->d.report = keep_warning;
  job->d.report_ctx = job;
  for (size_t i = 0; i < job->n && job->rc == 0; i++) {
    const struct om_output_opts *o = &job->opts[i];
    switch (job->formats[i]) {
    case OM_FORMAT_GPKG: job->rc = om_write_gpkg(job->L, o, &job->d); break;
    case OM_FORMAT_CSV: job->rc = om_write_csv(job->L, o, &job->d); break;
    case OM_FORMAT_KML: job->rc = om_write_kml(job->L, o, &job->d); break;
    case OM_FORMAT_SHAPEFILE: job->rc = om_write_shapefile(job->L, o, &job->d); break;
    case OM_FORMAT_FLATGEOBUF: job->rc = om_write_flatgeobuf(job->L, o, &job->d); break;
    case OM_FORMAT_POSTGIS: job->rc = om_write_pg(job->L, o, &job->d); break;
    case OM_FORMAT_GEOJSON: job->rc = om_write_geojson(job->L, o, &job->d); break;
    }
  }
  return NULL;
}

int om_layer_resolve_fields(size_t **out, const struct om_schema *schema,
                            const struct om_layer_def *layer, const struct om_output_def *o,
                            struct om_diag *d)
{
  *out = NULL;
  if (o->nfields == 0)
    return 0;
  size_t *idx = calloc(o->nfields, sizeof *idx);
  if (!idx)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; i < o->nfields; i++) {
    size_t j = 0;
    while (j < schema->n && strcmp(schema->fields[j].name, o->fields[i]) != 0)
      j++;
    if (j == schema->n) {
      free(idx);
      return om_diag_fail(d, OM_EMANIFEST,
                          "%s:%d: output '%s': field '%s' is not in layer '%s'",
                          layer->file, o->line, o->path, o->fields[i], layer->name);
    }
    idx[i] = j;
  }
  *out = idx;
  return 0;
}

/*
 * Write every output: GeoPackages in one thread, one after the other
 * (several layers may share a file), the text formats (GeoJSON, CSV) in
 * another, so that the two kinds of work overlap on two cores.
 */
int om_layer_write_outputs(const struct om_layer_write *b)
{
  const struct om_layer_def *layer = b->layer;
  size_t n = layer->noutputs;
  struct om_output_opts *opts = calloc(n ? n : 1, sizeof *opts);
  enum om_format *formats = calloc(n ? n : 1, sizeof *formats);
  size_t **fields = calloc(n ? n : 1, sizeof *fields);
  char **paths = calloc(n ? n : 1, sizeof *paths);
  struct om_output_crs *crs = calloc(n ? n : 1, sizeof *crs); /* outputs in a CRS of their own */
  int rc = opts && formats && fields && paths && crs
               ? 0
               : om_diag_fail(b->d, OM_ENOMEM, "out of memory");

  /* A geocoded layer carries its gazetteer's attribution (GeoNames' CC BY). */
  const char *own = layer->description ? layer->description : "";
  const char *credit = b->geocoder ? om_layer_geocoder_attribution(b->geocoder) : "";
  char *description = NULL;
  if (rc == 0 && asprintf(&description, "%s%s%s", own, *own && *credit ? " " : "", credit) < 0) {
    description = NULL;
    rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
  }

  /* GeoPackages first, then the text outputs. */
  size_t k = 0;
  for (int pass = 0; pass < 2 && rc == 0; pass++) {
    for (size_t i = 0; i < n && rc == 0; i++) {
      const struct om_output_def *o = &layer->outputs[i];
      if ((o->format == OM_FORMAT_GPKG) != (pass == 0))
        continue;
      rc = om_layer_resolve_fields(&fields[k], b->schema, layer, o, b->d);
      paths[k] = om_path_join(b->p->dir, o->path);
      char *dir = paths[k] ? om_path_dirname(paths[k]) : NULL;
      if (rc == 0 && !dir)
        rc = om_diag_fail(b->d, OM_ENOMEM, "out of memory");
      if (rc == 0 && o->format != OM_FORMAT_POSTGIS && om_path_mkdirs(dir) != 0)
        rc = om_diag_fail(b->d, OM_EIO, "cannot create folder '%s': %m", dir);
      free(dir);
      opts[k] = (struct om_output_opts){
        .path = paths[k], .layer = o->layer ? o->layer : layer->name, .title = layer->title,
        .description = *description ? description : NULL, .precision = o->precision,
        .nfields = o->nfields, .field_index = fields[k], .batch = b->gpkg,
      };
      if (rc == 0 && o->format == OM_FORMAT_GPKG && om_output_crs_wanted(o)) {
        rc = om_output_crs_make(&crs[k], b->spool, layer, o, b->d);
        opts[k].srs = rc == 0 ? &crs[k].srs : NULL;
        opts[k].spool = rc == 0 ? crs[k].spool : NULL;
      }
      formats[k++] = o->format;
    }
  }

  size_t ngpkg = 0, nkml = 0;
  while (ngpkg < k && formats[ngpkg] == OM_FORMAT_GPKG)
    ngpkg++;
  for (size_t i = ngpkg; i < k; i++)
    nkml += formats[i] == OM_FORMAT_KML;
  /* The style and provenance GeoPackages carry, against the fields really written; KML's style. */
  struct om_layer_extras extras = {0};
  if (rc == 0 && (ngpkg > 0 || nkml > 0))
    rc = om_layer_extras_make(&extras, b->p, layer, b->schema, *credit ? credit : NULL, b->d);
  struct om_layer_data L = {.name = layer->name, .schema = b->schema, .spool = b->spool,
                            .provenance = extras.provenance,
                            .provenance_type = "application/json",
                            .style_qml = extras.qml, .style_sld = extras.sld,
                            .style = extras.style};
  struct writer_job jobs[2] = {
    {.L = &L, .opts = opts, .formats = formats, .n = ngpkg},
    {.L = &L, .opts = opts + ngpkg, .formats = formats + ngpkg, .n = k - ngpkg},
  };
  if (rc == 0) {
    pthread_t thread;
    bool threaded = jobs[0].n > 0 && jobs[1].n > 0 &&
                    pthread_create(&thread, NULL, run_writer_job, &jobs[0]) == 0;
    if (!threaded)
      run_writer_job(&jobs[0]);
    run_writer_job(&jobs[1]);
    if (threaded)
      pthread_join(thread, NULL);
    for (int i = 0; i < 2; i++)
      for (size_t w = 0; w < jobs[i].nwarnings; w++)
        om_diag_warn(b->d, "%s", jobs[i].warnings[w]);
    for (int i = 0; i < 2 && rc == 0; i++) {
      if (jobs[i].rc < 0) {
        rc = jobs[i].rc;
        om_diag_fail(b->d, rc, "%s", jobs[i].d.msg);
      }
    }
  }

  for (int i = 0; i < 2; i++) {
    for (size_t w = 0; w < jobs[i].nwarnings; w++)
      free(jobs[i].warnings[w]);
    free(jobs[i].warnings);
  }
  for (size_t i = 0; i < n && fields && paths && crs; i++) {
    free(fields[i]);
    free(paths[i]);
    om_output_crs_release(&crs[i]);
  }
  free(crs);
  free(fields);
  free(paths);
  free(opts);
  free(formats);
  free(description);
  om_layer_extras_release(&extras);
  return rc;
}
