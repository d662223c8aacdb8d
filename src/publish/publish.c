/* Publishing the QGIS project and the web bundle (publish.h). */
#include "publish/publish.h"

#include "publish/internal.h"

int om_publish_run(const struct om_project *p, struct om_diag *d)
{
  struct om_pub_layer *l;
  size_t n;
  int rc = om_pub_layers_load(&l, &n, p, d);
  if (rc < 0)
    return rc;
  if (p->qgis_project)
    rc = om_pub_qgis_project(p, l, n, d);
  if (rc == 0 && p->web.dir)
    rc = om_pub_web(p, l, n, d);
  om_pub_layers_free(l, n);
  return rc;
}
