/*
 * The viewer page of the web bundle: one file with no remote resources
 * (MapLibre from lib/, the data and style.json beside it), so it works
 * with no internet.  The build puts the page's settings (title, initial
 * bounds, legend, clickable layers) in as a JSON object.
 *
 * Sources and glyphs in style.json are relative to the bundle; the page
 * makes them absolute before MapLibre sees them, since MapLibre's workers
 * resolve URLs against their own blob: location.  The legend ends with
 * links to the FlatGeobuf copies of large layers, when there are any.  When every source has loaded
 * and the map is idle, #status gets data-state="ready" with the view
 * (centre, zoom), so that a test or a script can wait for a drawn map;
 * the map itself is window.oremapMap, for such a script to query.
 */
#include "publish/internal.h"

#include <stdio.h>

static const char head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<link rel=\"icon\" href=\"data:,\">\n"
    "<link rel=\"stylesheet\" href=\"lib/maplibre-gl.css\">\n<title>";

static const char style[] =
    "</title>\n<style>\n"
    "html, body { margin: 0; height: 100%; font: 13px/1.4 sans-serif; }\n"
    "#map { position: absolute; top: 0; bottom: 0; left: 0; right: 0; }\n"
    "#legend { position: absolute; top: 10px; left: 10px; max-height: 80%; overflow: auto;\n"
    "  background: rgba(255,255,255,0.92); padding: 8px 10px; border-radius: 4px;\n"
    "  box-shadow: 0 1px 4px rgba(0,0,0,0.3); }\n"
    "#legend h1 { font-size: 14px; margin: 0 0 4px; }\n"
    "#legend h2 { font-size: 12px; margin: 8px 0 2px; }\n"
    ".key { display: inline-block; width: 12px; height: 12px; margin-right: 6px;\n"
    "  vertical-align: middle; border: 1px solid #444; }\n"
    ".key.point { border-radius: 50%; }\n"
    ".key.line { height: 3px; border: none; }\n"
    ".maplibregl-popup-content table { border-collapse: collapse; }\n"
    ".maplibregl-popup-content th { text-align: left; padding-right: 8px; color: #555; }\n"
    "#status { position: absolute; bottom: 4px; right: 4px; font-size: 11px;\n"
    "  background: rgba(255,255,255,0.8); padding: 1px 4px; }\n"
    "</style>\n</head>\n<body>\n<div id=\"map\"></div>\n<div id=\"legend\"></div>\n"
    "<div id=\"status\" data-state=\"loading\">loading</div>\n"
    "<script src=\"lib/maplibre-gl.js\"></script>\n<script>\nconst OREMAP = ";

static const char script[] =
    ";\n(function () {\n"
    "  const status = document.getElementById('status');\n"
    "  function setState(state, text) { status.dataset.state = state; status.textContent = text; }\n"
    "  function fail(text) { console.error(text); setState('error', text); }\n"
    "  const legend = document.getElementById('legend');\n"
    "  const h1 = document.createElement('h1');\n"
    "  h1.textContent = OREMAP.title;\n"
    "  legend.appendChild(h1);\n"
    "  for (const layer of OREMAP.legend) {\n"
    "    const h2 = document.createElement('h2');\n"
    "    h2.textContent = layer.title;\n"
    "    legend.appendChild(h2);\n"
    "    for (const entry of layer.entries) {\n"
    "      const row = document.createElement('div');\n"
    "      const key = document.createElement('span');\n"
    "      key.className = 'key ' + layer.geometry;\n"
    "      key.style.background = entry.color;\n"
    "      row.appendChild(key);\n"
    "      row.appendChild(document.createTextNode(entry.label));\n"
    "      legend.appendChild(row);\n"
    "    }\n"
    "  }\n"
    "  if (OREMAP.downloads.length) {\n"
    "    const h2 = document.createElement('h2');\n"
    "    h2.textContent = 'FlatGeobuf downloads';\n"
    "    legend.appendChild(h2);\n"
    "    for (const file of OREMAP.downloads) {\n"
    "      const a = document.createElement('a');\n"
    "      a.href = file.href;\n"
    "      a.download = '';\n"
    "      a.textContent = file.title + ' (' + file.features.toLocaleString('en') + ' features)';\n"
    "      const row = document.createElement('div');\n"
    "      row.appendChild(a);\n"
    "      legend.appendChild(row);\n"
    "    }\n"
    "  }\n"
    "  if (typeof maplibregl === 'undefined') {\n"
    "    fail('lib/maplibre-gl.js is missing: run scripts/setup.sh, then oremap build');\n"
    "    return;\n"
    "  }\n"
    "  const base = new URL('.', location.href);\n"
    "  fetch('style.json').then(function (r) {\n"
    "    if (!r.ok) throw new Error('style.json: HTTP ' + r.status);\n"
    "    return r.json();\n"
    "  }).then(function (style) {\n"
    "    if (style.glyphs) style.glyphs = decodeURI(new URL(style.glyphs, base).href);\n"
    "    for (const source of Object.values(style.sources)) {\n"
    "      if (typeof source.data === 'string') source.data = new URL(source.data, base).href;\n"
    "      if (source.tiles)\n"
    "        source.tiles = source.tiles.map(function (t) { return decodeURI(new URL(t, base).href); });\n"
    "    }\n"
    "    const map = new maplibregl.Map({ container: 'map', style: style, bounds: OREMAP.bounds,\n"
    "      fitBoundsOptions: { padding: 40 }, fadeDuration: 0, attributionControl: false });\n"
    "    window.oremapMap = map;\n"
    "    map.addControl(new maplibregl.NavigationControl(), 'top-right');\n"
    "    map.on('error', function (e) { fail('map: ' + (e.error ? e.error.message : e)); });\n"
    "    map.on('click', function (e) {\n"
    "      const f = map.queryRenderedFeatures(e.point, { layers: OREMAP.clickable })[0];\n"
    "      if (!f) return;\n"
    "      const table = document.createElement('table');\n"
    "      for (const [name, value] of Object.entries(f.properties)) {\n"
    "        const tr = table.insertRow();\n"
    "        const th = document.createElement('th');\n"
    "        th.textContent = name;\n"
    "        tr.appendChild(th);\n"
    "        tr.insertCell().textContent = value;\n"
    "      }\n"
    "      new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(table).addTo(map);\n"
    "    });\n"
    "    map.on('mousemove', function (e) {\n"
    "      const hit = map.queryRenderedFeatures(e.point, { layers: OREMAP.clickable }).length;\n"
    "      map.getCanvas().style.cursor = hit ? 'pointer' : '';\n"
    "    });\n"
    "    map.on('idle', function () {\n"
    "      const ids = Object.keys(style.sources);\n"
    "      if (status.dataset.state === 'error' || !ids.every(function (id) { return map.isSourceLoaded(id); }))\n"
    "        return;\n"
    "      const c = map.getCenter();\n"
    "      status.dataset.lng = c.lng;\n"
    "      status.dataset.lat = c.lat;\n"
    "      status.dataset.zoom = map.getZoom();\n"
    "      status.dataset.sources = ids.join(',');\n"
    "      setState('ready', ids.length + ' sources loaded');\n"
    "    });\n"
    "  }).catch(function (e) { fail(String(e)); });\n"
    "})();\n"
    "</script>\n</body>\n</html>\n";

void om_pub_web_page(FILE *f, const char *title, const char *config)
{
  fputs(head, f);
  for (const char *c = title; *c; c++) {
    if (*c == '<')
      fputs("&lt;", f);
    else if (*c == '&')
      fputs("&amp;", f);
    else
      fputc(*c, f);
  }
  fputs(style, f);
  fputs(config, f);
  fputs(script, f);
}
