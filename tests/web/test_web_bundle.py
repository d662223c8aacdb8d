#!/usr/bin/env python3
"""The example's web bundle works in a browser, offline.

Builds the example project into a temporary folder, serves out/web/ with
python3 -m http.server on a free loopback port and loads index.html in
headless Chromium (software WebGL through SwiftShader), driven over the
DevTools protocol.  Checks: no console message (the page
logs only errors), every source of style.json loaded (the page marks
#status ready once the map is idle with all sources loaded), a
screenshot with a deposit symbol's colour at each site's pixel, worked
out from the view the page reports, and the labels: every glyph file the
map asked for (fonts/<stack>/<range>.pbf, from the bundle, made by
oremap) answered 200, the Turkish range among them, and the deposits'
symbol layer placed at least one label with a deposit's name, with dark
text pixels under its site in the screenshot.

Usage: test_web_bundle.py OREMAP SOURCE_DIR WORK_DIR
Exits 77 (ctest's SKIP_RETURN_CODE) with a message when Chromium or the
viewer library is missing.
"""
import json
import math
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import urllib.parse
import zlib

SKIP = 77
SIZE = (1000, 700)
SITE_COLOURS = [(0xd7, 0x30, 0x1f), (0xfc, 0x8d, 0x59), (0x96, 0x96, 0x96), (0x25, 0x25, 0x25)]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    print("SKIPPED: Chromium is not installed (apt-get install chromium); "
          "the web bundle was not opened in a browser")
    sys.exit(SKIP)


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe
    (--remote-debugging-pipe: JSON messages ending in NUL on fds 3 and 4),
    so the test waits for the map in real time and hears every console
    message and exception."""

    def __init__(self, path, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        args = [path, "--headless", "--no-sandbox", "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader", "--window-size=%d,%d" % SIZE,
                "--hide-scrollbars", "--remote-debugging-pipe", "--user-data-dir=" + profile,
                "about:blank"]
        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)
        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf, self.next_id, self.events = b"", 0, []

    def send(self, method, session=None, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def close(self):
        self.proc.kill()
        self.proc.wait()


def browse(path, url, work):
    """Load url; (status attributes, status text, console messages, PNG bytes)."""
    import base64
    import time
    b = Browser(path, os.path.join(work, "chromium-profile"))
    try:
        target = b.send("Target.createTarget", url="about:blank")["targetId"]
        session = b.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            b.send(domain + ".enable", session)
        b.send("Page.navigate", session, url=url)
        state, deadline = None, time.time() + 120
        while time.time() < deadline:
            state = b.send("Runtime.evaluate", session, returnByValue=True, expression=
                           "(function(){var s=document.getElementById('status');"
                           "return s ? [Object.assign({}, s.dataset), s.textContent] : null})()"
                           )["result"].get("value")
            if state and state[0].get("state") in ("ready", "error"):
                break
            time.sleep(0.5)
        shot = b.send("Page.captureScreenshot", session, format="png")["data"]
        labels = b.send("Runtime.evaluate", session, returnByValue=True, expression=
                        "window.oremapMap ? oremapMap.queryRenderedFeatures("
                        "{layers: ['deposits-labels']}).map(function (f) { return "
                        "[f.properties.name, f.geometry.coordinates]; }) : null"
                        )["result"].get("value")
        # The tiled countries are labelled from one point each, not per tile.
        countries = b.send("Runtime.evaluate", session, returnByValue=True, expression=
                           "window.oremapMap ? oremapMap.queryRenderedFeatures("
                           "{layers: ['countries-labels']}).map(function (f) { return "
                           "f.properties.name; }) : null")["result"].get("value")
        messages, requests = [], {}
        for e in b.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Network.requestWillBeSent":
                requests[p["requestId"]] = [p["request"]["url"], None]
            elif m == "Network.responseReceived" and p["requestId"] in requests:
                requests[p["requestId"]][1] = p["response"]["status"]
            elif m == "Network.loadingFailed" and p["requestId"] in requests:
                requests[p["requestId"]][1] = p.get("errorText", "failed")
            elif m == "Runtime.consoleAPICalled":
                messages.append("%s: %s" % (p["type"], " ".join(
                    str(a.get("value", a.get("description"))) for a in p["args"])))
            elif m == "Runtime.exceptionThrown":
                messages.append("exception: %s" % p["exceptionDetails"].get("text"))
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                messages.append("%s: %s" % (p["entry"]["level"], p["entry"]["text"]))
        attrs, text = state if state else ({}, "no #status")
        return (attrs, text, messages, base64.b64decode(shot), labels, countries,
                list(requests.values()))
    finally:
        b.close()


def read_png(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = {2: 3, 6: 4}[ctype]
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w * bpp)
    stride = w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def mercator(lon, lat):
    """Web Mercator in [0, 1] world units, as MapLibre projects."""
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360, (1 - y / math.pi) / 2


def check_glyphs(requests, web):
    """Failures about the glyph files: each request answered 200 from the bundle."""
    fonts = [(url, status) for url, status in requests if "/fonts/" in url]
    print("glyph requests:", ", ".join("%s %s" % (url.rsplit("/fonts/", 1)[1], status)
                                       for url, status in fonts))
    failures = ["%s: %s" % (url, status) for url, status in fonts if status != 200]
    got = {url.rsplit("/", 1)[1] for url, status in fonts}
    # The deposits' names hold Kızılcaören: Latin-1 and Latin Extended-A.
    failures += ["the map never asked for glyphs %s" % r for r in ("0-255.pbf", "256-511.pbf")
                 if r not in got]
    for url, _ in fonts:
        rel = urllib.parse.unquote(url.rsplit("/fonts/", 1)[1])
        if not os.path.exists(os.path.join(web, "fonts", rel)):
            failures.append("the map asked for %s, which the bundle lacks" % rel)
    return failures


def check_text_pixels(rows, w, h, name, site):
    """Failures unless the label's text (#252525, 'text-anchor: top') has dark
    pixels in a box under its site, below the site's symbol."""
    px, py = site
    dark = 0
    for y in range(py + 9, min(h, py + 30)):
        for x in range(max(0, px - 60), min(w, px + 60)):
            r, g, b = rows[y][x]
            dark += r < 90 and g < 90 and b < 90
    print("label %r: %d dark pixels under its site" % (name, dark))
    # About 100 here; a missing or blank glyph set leaves none (the box is below the circle).
    return [] if dark >= 40 else ["no label text under the site of %r (%d dark pixels)" % (name, dark)]


def main():
    oremap, source, work = (os.path.abspath(a) for a in sys.argv[1:4])
    browser = chromium()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for name in ("oremap.yaml", "layers", "styles", "data"):
        src = os.path.join(source, name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, name))
    run = subprocess.run([oremap, "build"], cwd=work, capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout, run.stderr)
        sys.exit("FAIL: oremap build exited %d" % run.returncode)
    web = os.path.join(work, "out", "web")
    if not os.path.exists(os.path.join(web, "lib", "maplibre-gl.js")):
        print(run.stderr)
        print("SKIPPED: the build found no maplibre-gl.js (run scripts/setup.sh)")
        sys.exit(SKIP)
    with open(os.path.join(web, "deposits.geojson"), encoding="utf-8") as f:
        deposits = json.load(f)["features"]
    sites = [ft["geometry"]["coordinates"] for ft in deposits]
    with open(os.path.join(web, "style.json"), encoding="utf-8") as f:
        sources = sorted(json.load(f)["sources"])

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", web],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failures = []
    try:
        url = "http://127.0.0.1:%d/index.html" % port
        for _ in range(50):  # until the server answers
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                __import__("time").sleep(0.1)
        attrs, text, messages, shot, labels, countries, requests = browse(browser, url, work)
        print("status:", text, attrs)
        failures += ["console: %s" % m for m in messages]
        failures += check_glyphs(requests, web)
        names = {ft["properties"]["name"] for ft in deposits}
        placed = [name for name, _ in labels or []]
        print("deposit labels placed:", placed)
        if not placed:
            failures.append("the map placed no label of layer 'deposits' (%s)" % labels)
        failures += ["label %r is no deposit's name" % n for n in placed if n not in names]
        print("country labels placed:", len(countries or []))
        if not countries:
            failures.append("the map placed no country label (%s)" % countries)
        twice = sorted({n for n in countries or [] if countries.count(n) > 1})
        if twice:
            failures.append("countries labelled more than once: %s" % ", ".join(twice))
        if attrs.get("state") != "ready":
            failures.append("the map never became ready with all sources loaded: %s" % text)
        elif sorted(attrs.get("sources", "").split(",")) != sources:
            failures.append("sources loaded %s, style.json has %s" % (attrs["sources"], sources))
        png = os.path.join(work, "web.png")
        with open(png, "wb") as f:
            f.write(shot)
        if attrs.get("state") == "ready" and os.path.exists(png):
            w, h, rows = read_png(png)
            scale = 512 * 2 ** float(attrs["zoom"])
            cx, cy = mercator(float(attrs["lng"]), float(attrs["lat"]))

            def pixel(lon, lat):
                x, y = mercator(lon, lat)
                return int(round(w / 2 + (x - cx) * scale)), int(round(h / 2 + (y - cy) * scale))
            for lon, lat in sites:
                px, py = pixel(lon, lat)
                colour = rows[py][px] if 0 <= px < w and 0 <= py < h else None
                if colour is None or not any(sum(abs(a - b) for a, b in zip(colour, c)) <= 60
                                             for c in SITE_COLOURS):
                    failures.append("site %.4f, %.4f at pixel (%d, %d) is %s, no deposit "
                                    "symbol colour" % (lon, lat, px, py, colour))
            for name, (lon, lat) in labels or []:
                failures += check_text_pixels(rows, w, h, name, pixel(lon, lat))
            print("screenshot", png)
    finally:
        server.terminate()
        server.wait()
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok: %d sources loaded, sites drawn, no console messages" % len(sources))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
