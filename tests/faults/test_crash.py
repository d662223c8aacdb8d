#!/usr/bin/env python3
"""Crash test: kill -9 at random moments while a 200,000-record layer builds.

    python3 tests/faults/test_crash.py OREMAP_BINARY WORK_DIR

Builds version A of a project (a 200,000-record site register written to
out/sites.geojson and to layer "sites" of out/map.gpkg, plus a small WKT
layer "zones" in the same GeoPackage) and records A's outputs; builds
version B (records edited, removed, added, other rejects) in a scratch
copy and records B's.  Then, per trial: restore A's outputs, put B's
sources in place, start `oremap build --force`, SIGKILL it after a random
delay (mostly while outputs are written, some before, some after, within
the measured build time), and check

  - each output is complete A or complete B: the GeoJSON and rejects files
    byte for byte; each GeoPackage layer row for row (its fingerprint), with
    PRAGMA integrity_check ok, rtreecheck ok and the R-tree agreeing with
    its table; no half-written layer;
  - a normal build afterwards exits as a clean build of B does and leaves
    exactly B's outputs, and a dry run after it plans nothing;
  - nothing is left behind: no "*.oremap-tmp-*", no "*-journal" anywhere in
    the project, no spool file in TMPDIR (".oremap-state*" and
    ".oremap.lock" are not strays).

Half the trials run with a reader holding the GeoPackage open in WAL mode
(-wal/-shm present: oremap changes it in place in one transaction); the
other half without companions (oremap replaces it through a temporary copy
and a rename), the file being in rollback-journal mode or in WAL mode with
nobody reading it (as QGIS leaves it).  A normal build follows each kill,
and a dry run after it must plan nothing (the build state agrees with the
outputs).  The summary says how many kills found the outputs all old, some
new, or all new.

Two workers run trials side by side, each in its own copy of the project
(the time per build is calibrated with both building).

OREMAP_CRASH_TRIALS sets the number of trials (default 200),
OREMAP_CRASH_JOBS the workers (default 2), OREMAP_CRASH_SEED the seed of
the kill times (default 1).  The longer run is bench/stress_crash.py.
"""
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    binary, work = common.parse_args(sys.argv, "test_crash.py")
    trials = int(os.environ.get("OREMAP_CRASH_TRIALS", "200"))
    return common.CrashSuite(binary, work, "crash", trials).run()


if __name__ == "__main__":
    sys.exit(main())
