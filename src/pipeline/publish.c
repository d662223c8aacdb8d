/* Whether the QGIS project and the web bundle are due (publish.h). */
#include "pipeline/publish.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/path.h"
#include "io/atomic.h"
#include "publish/glyphs.h"

#define STAMP ".oremap-publish"

bool om_publish_wanted(const struct om_project *p)
{
  return p->qgis_project || p->web.dir;
}

char *om_publish_library_dir(const struct om_project *p)
{
  const char *env = getenv("OREMAP_MAPLIBRE");
  if (env && *env)
    return strdup(env);
  if (p->web.library)
    return om_path_join(p->dir, p->web.library);
  const char *home = getenv("HOME");
  char *dir = NULL;
  if (asprintf(&dir, "%s/.cache/oremap/web/node_modules/maplibre-gl/dist",
               home && *home ? home : "/root") < 0)
    return NULL;
  return dir;
}

static void hash_layer(struct om_hasher *h, const struct om_state_layer *l)
{
  om_hasher_str(h, l->name);
  for (size_t i = 0; i < l->ninputs; i++) {
    om_hasher_str(h, l->inputs[i].label);
    om_hasher_u64(h, l->inputs[i].hash);
  }
  for (size_t i = 0; i < l->noutputs; i++) {
    om_hasher_str(h, l->outputs[i].path);
    om_hasher_str(h, l->outputs[i].table ? l->outputs[i].table : "");
    om_hasher_u64(h, l->outputs[i].fingerprint);
  }
}

/* Hash a file's content (cached in st) under 'label'; a missing file hashes as missing. */
static int hash_file(struct om_hasher *h, struct om_state *st, const char *label, const char *path)
{
  uint64_t v = 0;
  int rc = path ? om_state_hash_file(st, label, path, &v) : -ENOMEM;
  if (rc == -ENOMEM)
    return OM_ENOMEM;
  om_hasher_str(h, label);
  om_hasher_str(h, rc == 0 ? "present" : "absent");
  om_hasher_u64(h, v);
  return 0;
}

/* The stamp the files were last made with; 0 when there is none. */
static uint64_t read_stamp(const char *root)
{
  char *path = om_path_join(root, STAMP);
  FILE *f = path ? fopen(path, "r") : NULL;
  uint64_t v = 0;
  if (f && fscanf(f, "%" SCNx64, &v) != 1)
    v = 0;
  if (f)
    fclose(f);
  free(path);
  return v;
}

static bool exists(const char *dir, const char *rel, const char *name)
{
  char *a = om_path_join(dir, rel);
  char *b = a && name ? om_path_join(a, name) : NULL;
  bool ok = (name ? b : a) && access(name ? b : a, F_OK) == 0;
  free(a);
  free(b);
  return ok;
}

int om_publish_due(bool *due, uint64_t *hash, const char **missing, char *reason, size_t size,
                   const struct om_project *p, struct om_state *st)
{
  *due = false;
  *hash = 0;
  *missing = NULL;
  snprintf(reason, size, "nothing to publish");
  if (!om_publish_wanted(p))
    return 0;
  struct om_hasher h;
  if (om_hasher_init(&h) < 0)
    return OM_ENOMEM;
  om_hasher_str(&h, "oremap " OREMAP_VERSION);
  int rc = hash_file(&h, st, "publish oremap.yaml", p->file);
  for (size_t i = 0; rc == 0 && i < p->nlayers; i++) {
    const struct om_state_layer *l = om_state_find(st, p->layers[i].name);
    if (l)
      hash_layer(&h, l);
    else if (!*missing)
      *missing = p->layers[i].name;
  }
  if (rc == 0 && p->web.dir) {
    char *lib = om_publish_library_dir(p);
    char *js = lib ? om_path_join(lib, "maplibre-gl.js") : NULL;
    rc = hash_file(&h, st, "publish maplibre-gl.js", js);
    free(js);
    free(lib);
  }
  if (rc == 0 && p->web.dir && p->web.font && om_glyphs_is_file(p->web.font)) {
    /* The glyphs are drawn from it; a font found by name is not followed. */
    char *font = p->web.font[0] == '/' ? strdup(p->web.font) : om_path_join(p->dir, p->web.font);
    rc = hash_file(&h, st, "publish font", font);
    free(font);
  }
  *hash = om_hasher_digest(&h);
  om_hasher_release(&h);
  if (rc < 0)
    return rc;

  char *root = om_path_join(p->dir, p->output_root);
  if (!root)
    return OM_ENOMEM;
  if (p->qgis_project && !exists(p->dir, p->qgis_project, NULL)) {
    *due = true;
    snprintf(reason, size, "'%s' is missing", p->qgis_project);
  } else if (p->web.dir && (!exists(p->dir, p->web.dir, "index.html") ||
                            !exists(p->dir, p->web.dir, "style.json"))) {
    *due = true;
    snprintf(reason, size, "the web bundle in '%s' is incomplete", p->web.dir);
  } else if (read_stamp(root) != *hash) {
    *due = true;
    snprintf(reason, size, "a layer, the project manifest, the viewer library or the font file changed");
  } else {
    snprintf(reason, size, "up to date");
  }
  free(root);
  return 0;
}

int om_publish_stamp(const struct om_project *p, uint64_t hash, struct om_diag *d)
{
  char *root = om_path_join(p->dir, p->output_root);
  char *path = root ? om_path_join(root, STAMP) : NULL;
  free(root);
  if (!path)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  struct om_atomic a;
  int rc = om_atomic_open(&a, path, d);
  free(path);
  if (rc < 0)
    return rc;
  fprintf(a.f, "%016" PRIx64 "\n", hash);
  rc = om_atomic_commit(&a, d);
  om_atomic_abort(&a);
  return rc;
}
