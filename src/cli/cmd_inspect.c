/* oremap inspect FILE: what a vector file holds, as GDAL reads it. */
#include <stdio.h>

#include "cli/cli.h"
#include "io/inspect.h"

int om_cmd_inspect(int argc, char **argv)
{
  if (argc != 2)
    return om_cli_usage("inspect", argc < 2 ? "no file given" : "one file at a time");
  struct om_diag d;
  om_diag_init(&d);
  int rc = om_inspect(stdout, argv[1], &d);
  if (rc < 0) {
    om_cli_error(d.msg);
    return om_cli_exit_code(rc);
  }
  return OM_EXIT_OK;
}
