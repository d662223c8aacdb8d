#!/usr/bin/env python3
"""A PostGIS output against a real PostgreSQL 15 + PostGIS 3 server.

The test starts its own server in a temporary folder (initdb, pg_ctl; a
unix socket in that folder and TCP on 127.0.0.1 only), builds a small
project whose layer goes to `PG:${DATABASE_URL}` as table "Deposits", and
checks what a database user sees: row count, SRID and geometry type,
the points, the odd column names ("Grade %") quoted, the table comment.
Then it rebuilds with one more record while another connection reads the
table in a loop, and asserts that every read saw the old rows or the new
ones, never an empty, missing or half-filled table.

PostgreSQL refuses to run as root: as root the server runs as 'nobody',
which then owns the data folder.  Without the packages the test says so
and exits 77 (ctest SKIP_RETURN_CODE).

usage: test_pg.py OREMAP WORK_DIR
"""
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

PGBIN = "/usr/lib/postgresql/15/bin"
SKIP = 77


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A throw-away PostgreSQL cluster; as root it runs as 'nobody'."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="oremap-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
            os.chmod(self.root, 0o755)  # root's psql reaches the socket in it
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self.user = "nobody" if self.as_user else pwd.getpwuid(os.geteuid()).pw_name

    def run(self, *args):
        return subprocess.run(self.as_user + list(args), capture_output=True, text=True,
                              timeout=120, cwd=self.root)

    def start(self):
        r = self.run(f"{PGBIN}/initdb", "-D", self.data, "-A", "trust", "-U", self.user,
                     "-E", "UTF8", "--locale=C.UTF-8")
        if r.returncode != 0:
            fail("initdb: " + r.stderr)
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.root} -c fsync=off")
        r = self.run(f"{PGBIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "log"),
                     "-o", opts, "-w", "start")
        if r.returncode != 0:
            fail("pg_ctl start: " + r.stderr + open(os.path.join(self.root, "log")).read())
        self.sql("CREATE EXTENSION postgis")

    def stop(self):
        self.run(f"{PGBIN}/pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def conninfo(self):
        return f"host={self.root} port={self.port} dbname=postgres user={self.user}"

    def psql(self):
        return [f"{PGBIN}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", self.conninfo()]

    def sql(self, query):
        r = subprocess.run(self.psql() + ["-c", query], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            fail(f"psql {query!r}: {r.stderr}")
        return r.stdout.strip()


def write_project(work, n):
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(os.path.join(work, "data"))
    os.makedirs(os.path.join(work, "layers"))
    with open(os.path.join(work, "oremap.yaml"), "w") as f:
        f.write("name: pg\n")
    with open(os.path.join(work, "layers", "deposits.yaml"), "w") as f:
        f.write("name: deposits\n"
                "source: { path: data/deposits.csv, id: site_id }\n"
                "locate:\n  coordinates: { x: lon, y: lat }\n"
                "outputs:\n"
                "  - out/deposits.geojson\n"
                "  - { path: \"PG:${DATABASE_URL}\", layer: Deposits }\n")
    write_rows(work, n)


def write_rows(work, n):
    with open(os.path.join(work, "data", "deposits.csv"), "w", encoding="utf-8") as f:
        f.write('site_id,name,Grade %,"quote""d",lat,lon\n')
        for i in range(n):
            f.write(f"D{i},Site {i} İzmir,{i % 7}.5,{i},{36 + (i % 500) / 100},{26 + i // 500 / 10}\n")


def build(oremap, work, env, *args):
    r = subprocess.run([oremap, "build", *args], cwd=work, env=env, capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        fail(f"oremap build {' '.join(args)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r


def main():
    oremap, work = (os.path.abspath(a) for a in sys.argv[1:3])
    if not os.path.exists(f"{PGBIN}/initdb"):
        print("SKIP: PostgreSQL 15 is not installed (apt-get install postgresql-15 "
              "postgresql-15-postgis-3)")
        return SKIP
    if not os.path.exists("/usr/share/postgresql/15/extension/postgis.control"):
        print("SKIP: PostGIS 3 for PostgreSQL 15 is not installed "
              "(apt-get install postgresql-15-postgis-3)")
        return SKIP
    server = Server()
    try:
        server.start()
        return run_checks(server, oremap, work)
    finally:
        server.stop()


def run_checks(server, oremap, work):
    env = dict(os.environ, LC_ALL="C.UTF-8", DATABASE_URL=server.conninfo())
    n = 20000
    write_project(work, n)
    r = build(oremap, work, env)
    if server.conninfo() in r.stdout + r.stderr:
        fail("the connection string was printed")

    # What a database user sees.
    q = server.sql
    if q('SELECT count(*) FROM "Deposits"') != str(n):
        fail("row count " + q('SELECT count(*) FROM "Deposits"'))
    if q("SELECT count(*) FROM pg_class WHERE relname = 'deposits'") != "0":
        fail("the table name lost its capital")
    geo = q("SELECT srid, type FROM geometry_columns WHERE f_table_name = 'Deposits'")
    if geo != "4326|POINT":
        fail("geometry_columns: " + geo)
    row = q('SELECT "name", "Grade %", "quote""d", ST_AsText(geom) FROM "Deposits" '
            "WHERE site_id = 'D501'")
    if row != "Site 501 İzmir|4.5|501|POINT(26.1 36.01)":
        fail("row D501: " + row)
    types = q("SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) "
              "FROM information_schema.columns WHERE table_name = 'Deposits'")
    want = ("fid:integer,site_id:character varying,name:character varying,"
            "Grade %:double precision,quote\"d:bigint,geom:USER-DEFINED")
    if types != want:
        fail("columns: " + types)
    if q("SELECT count(*) FROM pg_indexes WHERE tablename = 'Deposits' "
         "AND indexdef LIKE '%USING gist (geom)%'") != "1":
        fail("no spatial index: " + q("SELECT indexdef FROM pg_indexes WHERE tablename = 'Deposits'"))
    comment = q("SELECT obj_description('\"Deposits\"'::regclass)")
    if not comment.startswith(f"oremap: {n} rows, content "):
        fail("comment: " + comment)
    if q("SELECT count(*) FROM pg_class WHERE relname LIKE '%oremap_new%'") != "0":
        fail("a temporary table, index or sequence is left over")

    # Nothing changed: the PostGIS output counts as up to date.
    r = build(oremap, work, env)
    if "up to date" not in r.stdout:
        fail("second build was not a no-op:\n" + r.stdout)

    # A reader in another connection while the table is replaced.
    write_rows(work, n + 1)
    seen, errors, stop = {}, [], threading.Event()
    reader = subprocess.Popen(server.psql(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, bufsize=1)

    def read_loop():
        while not stop.is_set():
            reader.stdin.write('SELECT count(*), count(DISTINCT site_id) FROM "Deposits";\n')
            reader.stdin.flush()
            line = reader.stdout.readline().strip()
            if not line:
                errors.append(reader.stderr.read())
                return
            seen[line] = seen.get(line, 0) + 1

    t = threading.Thread(target=read_loop)
    t.start()
    time.sleep(0.3)
    build(oremap, work, env)
    time.sleep(0.3)
    stop.set()
    t.join()
    reader.stdin.close()
    reader.wait(timeout=30)
    if errors:
        fail("the reader failed: " + "".join(errors))
    old, new = f"{n}|{n}", f"{n + 1}|{n + 1}"
    if set(seen) - {old, new} or old not in seen or new not in seen:
        fail(f"the reader saw {seen}; expected only {old} then {new}")
    if q('SELECT count(*) FROM "Deposits"') != str(n + 1):
        fail("rebuilt table has " + q('SELECT count(*) FROM "Deposits"') + " rows")
    if q("SELECT count(*) FROM pg_class WHERE relname LIKE '%oremap_new%'") != "0":
        fail("a temporary table, index or sequence is left over after the rebuild")
    print(f"ok: reads during the rebuild: {seen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
