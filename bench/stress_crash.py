#!/usr/bin/env python3
"""The long crash run: kill -9 builds of a 200,000-record layer N times.

    bench/stress_crash.py [N] [-j JOBS] [--oremap PATH] [--work DIR] [--seed S] [-v]

The same trials as tests/faults/test_crash.py (which runs 200 of them in
the test suite), for as many trials as asked, 2,000 by default: restore
version A's outputs, start `oremap build --force` on version B's sources,
SIGKILL it at a random moment, check that every output is complete A or
complete B (GeoJSON and rejects byte for byte, each GeoPackage layer by
its fingerprint, integrity_check, rtreecheck), then check that a normal
build leaves exactly B, that a dry run after it plans nothing, and that no
temporary file or journal is left.  JOBS workers (default 2) run trials
side by side, each in its own copy of the project.  See bench/README.md.

Exit status: 0 every trial passed; 1 some trial failed (each failure is
printed with its trial, mode and kill time); 2 usage error or a setup that
could not be made.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "faults"))
import common  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trials", nargs="?", type=int, default=2000,
                    help="number of trials (default 2000)")
    ap.add_argument("--oremap", default=os.path.join(os.path.dirname(HERE), "build", "oremap"),
                    help="the oremap binary (default build/oremap)")
    ap.add_argument("--work", default=os.path.join(os.path.dirname(HERE), "build", "stress-crash"),
                    help="work folder, emptied first (default build/stress-crash)")
    ap.add_argument("-j", "--jobs", type=int, default=2,
                    help="trials run side by side (default 2)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the kill times (default 1)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every trial's outcome and every stray")
    a = ap.parse_args()
    if a.trials < 1:
        ap.error("N must be at least 1")
    if a.jobs < 1:
        ap.error("JOBS must be at least 1")
    binary = os.path.abspath(a.oremap)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("stress_crash.py: oremap not found at %s; build it first" % binary, file=sys.stderr)
        return 2
    suite = common.CrashSuite(binary, os.path.abspath(a.work), "stress-crash", a.trials,
                              seed=a.seed, verbose=a.verbose, jobs=a.jobs)
    return suite.run()


if __name__ == "__main__":
    sys.exit(main())
