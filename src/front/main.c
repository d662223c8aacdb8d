/*
 * The front: the `oremap` program people run.  It answers `oremap build`
 * itself when nothing is stale, and hands everything else (a build with
 * work to do, --help, every other command) to the engine, `oremap-engine`
 * in the same folder, by exec() with the same arguments.  exec keeps the
 * pid, so exit codes, signals and kill -9 reach the engine as before.
 *
 * Why two programs: the engine links GDAL, whose ~110 shared libraries take
 * about 50 ms to load, the whole budget of a no-op build.  The front runs
 * the very same build command (cli/cmd_build.c over pipeline/build.c) with
 * no layer builder, so the plan, the dry-run text, the summary table,
 * --report and the exit codes come from one code path whichever program
 * prints them.
 *
 * What the front may call, and so what the code of the plan may call:
 * libc, pthreads, libyaml (manifests), xxHash (content hashes), SQLite
 * (GeoPackage fingerprints), utf8proc, and library functions built on them only: the
 * loading of manifests, pipeline/{build,plan,state}.c, the lock, the state
 * file, cli/{cli,cmd_build,build_output}.c.  Never GDAL, PROJ or GEOS, nor
 * a function that reaches them (readers, writers, crs/, geom/, locate/,
 * om_layer_build).  The front links the whole library, but with lld's
 * --gc-sections and --as-needed (CMakeLists.txt): a function it cannot
 * reach costs nothing, so a file may mix manifest parsing with GDAL calls,
 * while one call path from here into GDAL would quietly load it again;
 * ctest front.libraries fails when it does.  A plan that needs to know more
 * than manifests, file hashes and output fingerprints tell (a layer named by
 * a new manifest key is fine; a source's CRS or a geometry is not) must
 * mark the layer stale and let the engine look.
 *
 * The lock: the front takes the build lock to plan.  When a layer is stale
 * it saves only the state file's hash cache (atomically), releases the lock
 * and execs; the engine takes the lock again and plans afresh, so two
 * builds never interleave: one that slips in between leaves the engine less
 * or nothing to do.  A front killed at any moment leaves the outputs as
 * they were and the state file whole (replaced atomically, if at all).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/path.h"

#define ENGINE "oremap-engine"

/* Whether the front answers this command line: `build` without --help. */
static bool front_answers(int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "build") != 0)
    return false;
  for (int i = 2; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return false;
  return true;
}

/*
 * Replace this process with the engine in the folder of the front's own
 * file (wherever it was called from, through whatever symlink), passing
 * argv on.  Returns only when that fails, with the exit code.
 */
static int run_engine(char **argv)
{
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  char msg[PATH_MAX + 128];
  if (n < 0) {
    snprintf(msg, sizeof msg, "cannot find the oremap program: '/proc/self/exe': %s",
             strerror(errno));
    om_cli_error(msg);
    return OM_EXIT_FAILURE;
  }
  self[n] = '\0';
  char *dir = om_path_dirname(self);
  char *engine = dir ? om_path_join(dir, ENGINE) : NULL;
  free(dir);
  if (!engine) {
    om_cli_error("out of memory");
    return OM_EXIT_FAILURE;
  }
  fflush(NULL);
  execv(engine, argv);
  snprintf(msg, sizeof msg, "cannot run '%s': %s", engine, strerror(errno));
  om_cli_error(msg);
  free(engine);
  return OM_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
  if (front_answers(argc, argv)) {
    int code = om_cmd_build(argc - 1, argv + 1, NULL, NULL);
    if (code != OM_CMD_NEEDS_ENGINE)
      return code;
  }
  return run_engine(argv);
}
