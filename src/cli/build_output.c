/* The face of `oremap build` (see build_output.h). */
#include "cli/build_output.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "geocode/geocode.h"
#include "io/atomic.h"

#define SHOWN_REJECTS 20 /* rejects printed per layer; the rest are in the rejects file */

struct layer_view {
  double start;       /* when it started */
  const char *phase;  /* "reading", "writing", or NULL when not running */
  long records;       /* records read so far */
  double fraction;    /* share of the source read, -1 unknown */
  long shown;         /* rejects printed */
  long rejects;       /* rejects reported */
};

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static struct layer_view *view_of(struct om_build_view *v, const struct om_build_layer *l)
{
  return &v->layers[l->def - v->b->p->layers];
}

static void clear_line(struct om_build_view *v)
{
  if (v->line_shown) {
    fputs("\r\033[K", v->log);
    v->line_shown = false;
  }
}

/* The status line: every running layer with its records, rate and time left. */
static void draw_line(struct om_build_view *v)
{
  static double last;
  double t = now();
  if (t - last < 0.1)
    return;
  last = t;
  char line[512];
  size_t used = 0;
  for (size_t i = 0; i < v->n && used + 1 < sizeof line; i++) {
    const struct layer_view *lv = &v->layers[i];
    if (!lv->phase)
      continue;
    double secs = t - lv->start;
    double rate = secs > 0 ? lv->records / secs : 0;
    used += (size_t)snprintf(line + used, sizeof line - used, "%s%s: %s %ld", used ? " | " : "",
                             v->b->p->layers[i].name, lv->phase, lv->records);
    if (lv->fraction > 0 && lv->fraction < 1 && strcmp(lv->phase, "reading") == 0)
      used += (size_t)snprintf(line + used, sizeof line - used, " (%.0f%%, %.0f/s, %.0f s left)",
                               lv->fraction * 100, rate, secs * (1 - lv->fraction) / lv->fraction);
  }
  if (used >= sizeof line)
    used = sizeof line - 1;
  fprintf(v->log, "\r\033[K%s", line);
  fflush(v->log);
  v->line_shown = true;
}

static void on_start(void *ctx, struct om_build_layer *l)
{
  struct om_build_view *v = ctx;
  struct layer_view *lv = view_of(v, l);
  lv->start = now();
  lv->phase = "reading";
  lv->fraction = -1;
  if (v->live)
    draw_line(v);
  else if (v->verbosity >= 0)
    fprintf(v->log, "%s: building (%s)\n", l->def->name, l->reason);
}

static void on_progress(void *ctx, struct om_build_layer *l, const char *phase, long records,
                        double fraction)
{
  struct om_build_view *v = ctx;
  struct layer_view *lv = view_of(v, l);
  lv->phase = phase;
  lv->records = records;
  lv->fraction = fraction;
  if (v->live && v->verbosity >= 0)
    draw_line(v);
}

static void on_done(void *ctx, struct om_build_layer *l)
{
  struct om_build_view *v = ctx;
  struct layer_view *lv = view_of(v, l);
  lv->phase = NULL;
  clear_line(v);
  if (l->status == OM_STATUS_FAILED)
    fprintf(v->log, "oremap: error: %s\n", l->d.msg);
  if (lv->shown > SHOWN_REJECTS && v->verbosity >= 0)
    fprintf(v->log, "%s: %ld more rejects not shown (all are in the rejects file)\n",
            l->def->name, lv->shown - SHOWN_REJECTS);
}

static void on_message(void *ctx, struct om_build_layer *l, enum om_level level, const char *line)
{
  struct om_build_view *v = ctx;
  struct layer_view *lv = view_of(v, l);
  if (level == OM_LEVEL_REJECT) {
    lv->shown++;
    if (!(v->verbosity >= 1 || (v->verbosity == 0 && lv->shown <= SHOWN_REJECTS)))
      return;
    clear_line(v);
    fprintf(v->log, "%s\n", line);
  } else if (v->verbosity >= 0) {
    clear_line(v);
    fprintf(v->log, "warning: %s\n", line);
  }
}

int om_build_view_init(struct om_build_view *v, const struct om_project *p, FILE *log,
                       int verbosity, struct om_build_events *events)
{
  memset(v, 0, sizeof *v);
  v->log = log;
  v->live = isatty(fileno(log)) && verbosity >= 0;
  v->verbosity = verbosity;
  v->n = p->nlayers;
  v->layers = calloc(v->n ? v->n : 1, sizeof *v->layers);
  *events = (struct om_build_events){on_start, on_progress, on_done, on_message, v};
  return v->layers ? 0 : OM_ENOMEM;
}

void om_build_view_release(struct om_build_view *v)
{
  free(v->layers);
  v->layers = NULL;
}

static const char *status_name(enum om_layer_status s)
{
  switch (s) {
  case OM_STATUS_BUILT: return "built";
  case OM_STATUS_SKIPPED: return "skipped";
  case OM_STATUS_FAILED: return "failed";
  case OM_STATUS_NONE: break;
  }
  return "-";
}

void om_build_print_plan(FILE *out, const struct om_build *b)
{
  for (size_t k = 0; k < b->n; k++) {
    size_t i = b->plan.order[k];
    const struct om_plan_layer *pl = &b->plan.layers[i];
    if (pl->action != OM_PLAN_NONE)
      fprintf(out, "%s: %s (%s)\n", pl->def->name,
              pl->action == OM_PLAN_BUILD ? "build" : "skip", pl->reason);
  }
}

/* The finest level first, as the gc_level field names them. */
static const enum om_gc_level levels[] = {OM_GC_LEVEL_SITE, OM_GC_LEVEL_LOCALITY,
                                          OM_GC_LEVEL_ADMIN2, OM_GC_LEVEL_ADMIN1,
                                          OM_GC_LEVEL_COUNTRY};

/* "  located: site 2, locality 1, admin2 0, admin1 1, country 3" for a geocoding layer. */
static void print_located(FILE *out, const struct om_layer_result *res)
{
  fprintf(out, "  located:");
  for (size_t i = 0; i < 5; i++)
    fprintf(out, "%s %s %ld", i ? "," : "", om_gc_level_word(levels[i]), res->located[levels[i]]);
  fputc('\n', out);
}

void om_build_print_summary(FILE *out, const struct om_build *b, const struct om_project *p)
{
  int width = 5;
  for (size_t i = 0; i < b->n; i++)
    if (b->layers[i].status != OM_STATUS_NONE && (int)strlen(b->layers[i].def->name) > width)
      width = (int)strlen(b->layers[i].def->name);
  fprintf(out, "%-*s  %-7s  %9s  %9s  %9s  %8s  %s\n", width, "layer", "status", "read",
          "written", "rejected", "time", "why");
  for (size_t i = 0; i < b->n; i++) {
    const struct om_build_layer *l = &b->layers[i];
    if (l->status == OM_STATUS_NONE)
      continue;
    if (l->status == OM_STATUS_BUILT)
      fprintf(out, "%-*s  %-7s  %9ld  %9ld  %9ld  %6.2f s  %s\n", width, l->def->name,
              status_name(l->status), l->res.read, l->res.written, l->res.rejected,
              l->res.seconds, l->reason);
    else
      fprintf(out, "%-*s  %-7s  %9s  %9s  %9s  %8s  %s\n", width, l->def->name,
              status_name(l->status), "-", "-", "-", "-",
              l->status == OM_STATUS_FAILED ? "see the error above" : l->reason);
    const char *sep = "  rejected: ";
    for (int r = 1; l->status == OM_STATUS_BUILT && r < OM_REASON__COUNT; r++) {
      if (l->res.counts[r]) {
        fprintf(out, "%s%s %ld", sep, om_reason_message((enum om_reason)r), l->res.counts[r]);
        sep = "; ";
      }
    }
    if (*sep == ';')
      fputc('\n', out);
    if (l->status == OM_STATUS_BUILT && l->res.geocoded)
      print_located(out, &l->res);
    if (l->status == OM_STATUS_BUILT && l->res.aggregated)
      fprintf(out, "  aggregate: %ld records grouped into %ld features\n", l->res.grouped,
              l->res.written);
    for (size_t k = 0; l->status == OM_STATUS_BUILT && k < l->res.njoins; k++) {
      const struct om_join_result *jr = &l->res.joins[k];
      fprintf(out, "  join %s: %ld matched, %ld without a match (%s); %ld of %ld table rows "
                   "unmatched",
              jr->table, jr->matched, jr->unmatched, jr->dropped ? "rejected" : "kept",
              jr->unmatched_rows, jr->table_rows);
      if (jr->unmatched_rows && jr->unmatched_path)
        fprintf(out, " (%s)", jr->unmatched_path);
      fputc('\n', out);
    }
    if (l->rejected && l->status != OM_STATUS_FAILED)
      fprintf(out, "  %s%ld rejects listed in %s/rejects/%s.csv\n",
              l->status == OM_STATUS_SKIPPED ? "from its last build: " : "", l->rejected,
              p->output_root, l->def->name);
  }
}

static void json_layer(FILE *f, const struct om_build_layer *l)
{
  fprintf(f, "    {\"name\": ");
  om_json_put_string(f, l->def->name);
  fprintf(f, ", \"status\": \"%s\", \"reason\": ", status_name(l->status));
  om_json_put_string(f, l->reason);
  if (l->status == OM_STATUS_FAILED) {
    fprintf(f, ", \"error\": ");
    om_json_put_string(f, l->d.msg);
  }
  if (l->status == OM_STATUS_BUILT) {
    fprintf(f, ", \"read\": %ld, \"written\": %ld, \"rejected\": %ld, \"seconds\": %.3f",
            l->res.read, l->res.written, l->res.rejected, l->res.seconds);
    fprintf(f, ", \"reasons\": {");
    const char *sep = "";
    for (int r = 1; r < OM_REASON__COUNT; r++) {
      if (l->res.counts[r]) {
        fprintf(f, "%s\"%s\": %ld", sep, om_reason_name((enum om_reason)r), l->res.counts[r]);
        sep = ", ";
      }
    }
    fputc('}', f);
    if (l->res.aggregated)
      fprintf(f, ", \"grouped\": %ld", l->res.grouped);
    if (l->res.geocoded) {
      fprintf(f, ", \"located\": {");
      for (size_t i = 0; i < 5; i++)
        fprintf(f, "%s\"%s\": %ld", i ? ", " : "", om_gc_level_word(levels[i]),
                l->res.located[levels[i]]);
      fputc('}', f);
    }
    fprintf(f, ", \"joins\": [");
    for (size_t k = 0; k < l->res.njoins; k++) {
      const struct om_join_result *jr = &l->res.joins[k];
      fprintf(f, "%s{\"table\": ", k ? ", " : "");
      om_json_put_string(f, jr->table);
      fprintf(f, ", \"matched\": %ld, \"unmatched\": %ld, \"unmatched_dropped\": %s, "
                 "\"table_rows\": %ld, \"table_rows_unmatched\": %ld, \"unmatched_file\": ",
              jr->matched, jr->unmatched, jr->dropped ? "true" : "false", jr->table_rows,
              jr->unmatched_rows);
      om_json_put_string(f, jr->unmatched_path);
      fputc('}', f);
    }
    fputc(']', f);
  }
  fprintf(f, ", \"inputs\": [");
  for (size_t k = 0; k < l->last.ninputs; k++) {
    fprintf(f, "%s{\"input\": ", k ? ", " : "");
    om_json_put_string(f, l->last.inputs[k].label);
    fprintf(f, ", \"xxh3\": \"%016llx\"}", (unsigned long long)l->last.inputs[k].hash);
  }
  fprintf(f, "], \"outputs\": [");
  for (size_t k = 0; k < l->last.noutputs; k++) {
    fprintf(f, "%s{\"path\": ", k ? ", " : "");
    om_json_put_string(f, l->last.outputs[k].path);
    if (l->last.outputs[k].table) {
      fprintf(f, ", \"table\": ");
      om_json_put_string(f, l->last.outputs[k].table);
    }
    fputc('}', f);
  }
  fprintf(f, "]}");
}

int om_build_write_report(const char *path, const struct om_build *b,
                          const struct om_project *p, struct om_diag *d)
{
  struct om_atomic a;
  int rc = om_atomic_open(&a, path, d);
  if (rc < 0)
    return rc;
  fprintf(a.f, "{\n  \"oremap_version\": \"%s\",\n  \"project\": ", OREMAP_VERSION);
  om_json_put_string(a.f, p->name);
  fprintf(a.f, ",\n  \"layers\": [");
  const char *sep = "\n";
  for (size_t i = 0; i < b->n; i++) {
    if (b->layers[i].status == OM_STATUS_NONE)
      continue;
    fputs(sep, a.f);
    json_layer(a.f, &b->layers[i]);
    sep = ",\n";
  }
  fprintf(a.f, "\n  ]\n}\n");
  return om_atomic_commit(&a, d);
}
