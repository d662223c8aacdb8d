/*
 * Releasing a layer's build result (layer.h).  Kept apart from layer.c so
 * that a build that plans without building (the front, src/front/main.c)
 * can release its results without linking the layer pipeline, which pulls
 * in GDAL, PROJ and GEOS.
 */
#include "pipeline/layer.h"

#include <stdlib.h>
#include <string.h>

void om_layer_result_release(struct om_layer_result *r)
{
  for (size_t i = 0; i < r->njoins; i++) {
    free(r->joins[i].table);
    free(r->joins[i].unmatched_path);
  }
  free(r->joins);
  free(r->rejects_path);
  memset(r, 0, sizeof *r);
}
