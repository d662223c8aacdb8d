/* oremap validate: check the whole project, write nothing. */
#include <getopt.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "manifest/manifest.h"
#include "pipeline/layer.h"

int om_cmd_validate(int argc, char **argv)
{
  const char *dir = ".";
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt(argc, argv, "+C:")) != -1) {
    if (c != 'C')
      return om_cli_usage("validate", "unknown option");
    dir = optarg;
  }
  if (optind < argc)
    return om_cli_usage("validate", "unexpected argument");

  struct om_diag d;
  om_diag_init(&d);
  d.report = om_cli_report;
  struct om_project *p = NULL;
  int rc = om_project_load(&p, dir, &d);
  if (rc < 0) {
    om_cli_error(d.msg);
    return om_cli_exit_code(rc);
  }
  int code = OM_EXIT_OK;
  for (size_t i = 0; i < p->nlayers; i++) {
    rc = om_layer_validate(p, &p->layers[i], &d);
    if (rc < 0) {
      om_cli_error(d.msg);
      /* Whatever a layer names and cannot be had is a problem of the project. */
      int layer_code = rc == OM_ENOMEM ? OM_EXIT_FAILURE : OM_EXIT_USAGE;
      if (layer_code > code)
        code = layer_code;
    }
  }
  if (code == OM_EXIT_OK)
    printf("%s: %zu layer%s valid\n", p->file, p->nlayers, p->nlayers == 1 ? "" : "s");
  om_project_free(p);
  return code;
}
