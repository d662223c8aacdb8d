#!/usr/bin/env python3
"""The front `oremap` (src/front/main.c): a no-op build is answered without
loading GDAL, PROJ or GEOS; a build with work to do, and every other
command, runs in the engine beside it.

usage: test_front.py OREMAP WORK_DIR [--any-libraries]
Builds a copy of tests/front/project/ in WORK_DIR; exit 0 when every check
passed, 1 with the failed checks on stderr.  --any-libraries (sanitizer
builds) leaves out the checks of which libraries the front loads.
"""
import os
import re
import shutil
import subprocess
import sys

HEAVY = re.compile(r"lib(gdal|proj|geos)[^/\s]*\.so")

failures = []


def check(ok, what, detail=""):
    if not ok:
        failures.append(what + (":\n" + detail if detail else ""))


def run(oremap, *args, trace=False):
    """Run oremap; return (exit code, stdout, stderr, libraries it loaded)."""
    env = dict(os.environ, LC_ALL="C.UTF-8")
    if trace:
        env["LD_DEBUG"] = "libs"
    proc = subprocess.run([oremap, *args], capture_output=True, text=True, env=env, timeout=300)
    loaded = set(m.group(1) for m in HEAVY.finditer(proc.stderr)) if trace else set()
    stderr = "\n".join(l for l in proc.stderr.splitlines() if not re.match(r"^\s*\d+:", l))
    return proc.returncode, proc.stdout, stderr, loaded


def main():
    oremap, work = os.path.abspath(sys.argv[1]), sys.argv[2]
    light = "--any-libraries" not in sys.argv[3:]  # the front must not load GDAL
    project = os.path.join(work, "project")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(os.path.join(os.path.dirname(os.path.abspath(__file__)), "project"), project)

    # First build: every layer is stale, so the engine builds (and loads GDAL).
    code, out, err, loaded = run(oremap, "build", "-C", project, trace=True)
    check(code == 0, "first build exits 0", err)
    check(re.search(r"^\S+ +built ", out, re.M) is not None, "first build builds layers", out)
    check("gdal" in loaded, "the engine loads GDAL (else this test could not tell)", str(loaded))

    # No-op build: the front answers, loading none of the heavy libraries.
    code, out, err, loaded = run(oremap, "build", "-C", project, "--report",
                                 os.path.join(work, "report.json"), trace=True)
    check(code == 0, "no-op build exits 0", err)
    check(not (light and loaded), "no-op build loads no GDAL, PROJ or GEOS",
          " ".join(sorted(loaded)))
    rows = re.findall(r"^(\S+) +(built|skipped|failed) ", out, re.M)
    check(rows and all(s == "skipped" for _, s in rows), "no-op build skips every layer", out)
    check(os.path.exists(os.path.join(work, "report.json")), "no-op build writes --report")

    # The engine, run directly, says the same about the same no-op build.
    engine = os.path.join(os.path.dirname(oremap), "oremap-engine")
    for args in (["build", "-C", project], ["build", "-C", project, "--dry-run"],
                 ["build", "-C", project, "--only", "copy", "-v"]):
        front_says, engine_says = run(oremap, *args)[:3], run(engine, *args)[:3]
        check(front_says == engine_says, "front and engine agree on build " + " ".join(args[3:]),
              f"front: {front_says}\nengine: {engine_says}")
    run(engine, "build", "-C", project, "--report", os.path.join(work, "engine.json"))
    with open(os.path.join(work, "report.json"), "rb") as f, \
         open(os.path.join(work, "engine.json"), "rb") as g:
        check(f.read() == g.read(), "front and engine write the same --report")

    # A changed source: the dry run is the front's; the build is the engine's.
    with open(os.path.join(project, "data", "sites.csv"), "a", encoding="utf-8") as f:
        f.write("Okcu,39.62,31.45\n")
    code, out, err, loaded = run(oremap, "build", "-C", project, "--dry-run", trace=True)
    check(code == 0 and ": build (" in out, "dry run after a change plans a build", out + err)
    check(not (light and loaded), "dry run loads no GDAL, PROJ or GEOS", " ".join(sorted(loaded)))
    code, out, err, loaded = run(oremap, "build", "-C", project, trace=True)
    check(code == 0 and re.search(r"^\S+ +built ", out, re.M), "changed source is rebuilt", out + err)
    check("gdal" in loaded, "a build with work to do runs the engine", str(loaded))

    # Other commands run in the engine.
    code, out, err, _ = run(oremap, "--version")
    check(code == 0 and out.startswith("oremap "), "--version is answered", out + err)
    code, out, err, _ = run(oremap, "build", "--help")
    check(code == 0 and out.startswith("usage: oremap build"), "build --help is answered", out + err)

    # Without its engine, the front says so when it needs it, and still
    # answers a no-op build.
    alone = os.path.join(work, "alone")
    os.makedirs(alone)
    shutil.copy(oremap, alone)
    lone = os.path.join(alone, os.path.basename(oremap))
    code, out, err, _ = run(lone, "build", "-C", project)
    check(code == 0, "front without engine answers a no-op build", out + err)
    code, out, err, _ = run(lone, "validate", "-C", project)
    check(code == 3 and "oremap: error: cannot run '" + os.path.join(alone, "oremap-engine") + "'"
          in err, "front without engine exits 3 naming it", f"exit {code}\n{err}")

    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
