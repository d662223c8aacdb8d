#!/usr/bin/env python3
"""Generate a synthetic mineral-site register and an oremap project around it.

    bench/gen_sites.py [-n N] [--seed S] [-o DIR]

writes, in DIR (default: build/bench/project):

    sites.csv           the register: N sites, UTF-8, LF, RFC 4180 quoting
    sites.csvt          column types for GDAL's CSV driver (oremap ignores it)
    oremap.yaml         the project manifest
    layers/sites.yaml   one layer: sites.csv located by lon/lat, written to
                        out/sites.geojson and out/sites.gpkg

The output depends only on N and the seed: the same arguments give the same
bytes on every machine (random.Random is specified to be reproducible for a
given seed, and every float is formatted with a fixed number of decimals).

Columns: site_id (text with leading zeros, "TR-0000001"), name (Turkish and
Uzbek diacritics, and now and then a name that needs CSV quoting: a comma
and embedded double quotes), commodity, status, country (ISO 3166-1
alpha-2), lon, lat (WGS 84, six decimals, clustered around mining regions
with a uniform background), reo_pct (real, empty for about 8% of sites),
year (integer).
"""

import argparse
import os
import random
import sys
import time

# (country, centre lon, centre lat, spread in degrees, weight, places)
REGIONS = [
    ("TR", 31.0, 39.5, 3.0, 20, ["Kızılcaören", "Eskişehir", "Beylikova", "Sivrihisar",
                                 "Divriği", "Çanakkale", "Ağrı", "Muğla", "Kütahya",
                                 "Şile", "Gümüşhane", "Artvin", "Ödemiş"]),
    ("UZ", 66.5, 41.0, 2.5, 14, ["Toshkent", "Olmaliq", "Zarafshon", "Muruntov",
                                 "Qo'ng'irot", "Navoiy", "Angren", "Chodak",
                                 "Qizilqum", "Ko'kpatas", "Samarqand"]),
    ("NE", 8.5, 17.5, 2.5, 8, ["Arlit", "Agadez", "Akouta", "Imouraren", "Tahoua",
                               "Aïr", "Ténéré", "Dasa"]),
    ("SD", 33.0, 19.5, 3.0, 8, ["Ariab", "Hassai", "Jebel Moya", "Kordofan",
                                "Wadi Halfa", "Port Sudan", "Red Sea Hills"]),
    ("US", -114.0, 38.0, 5.0, 10, ["Mountain Pass", "Bear Lodge", "Round Top",
                                   "Elk Creek", "Bokan Mountain", "La Paz"]),
    ("CN", 109.9, 41.7, 4.0, 12, ["Bayan Obo", "Baotou", "Ganzhou", "Weishan",
                                  "Maoniuping", "Xunwu", "Longnan"]),
    ("RU", 60.0, 67.5, 6.0, 7, ["Lovozero", "Khibiny", "Tomtor", "Kovdor",
                                "Chuktukon", "Zashikhinskoye"]),
    ("CA", -100.0, 58.0, 8.0, 7, ["Nechalacho", "Strange Lake", "Kipawa", "Eldor",
                                  "Hoidas Lake", "Ashram"]),
    ("CH", 8.2, 46.7, 0.8, 2, ["Gonzen", "Binn", "Val Ferrera", "Goppenstein"]),
    ("AU", 124.0, -26.0, 7.0, 8, ["Mount Weld", "Nolans", "Browns Range",
                                  "Yangibana", "Dubbo", "Kalgoorlie"]),
    ("BR", -47.0, -16.0, 5.0, 4, ["Araxá", "Catalão", "Serra Verde", "Poços de Caldas"]),
]
BACKGROUND_WEIGHT = 6  # uniformly over the world, for the long tail
BACKGROUND_COUNTRIES = ["KZ", "MN", "ZA", "CD", "CL", "PE", "GL", "SE", "FI", "IN",
                        "VN", "MG", "TZ", "NA", "AR", "MX", "NO", "KG", "TJ", "IR"]
BACKGROUND_PLACES = ["Kvanefjeld", "Norra Kärr", "Steenkampskraal", "Ngualla",
                     "Tantalus", "Lofdal", "Songwe Hill", "Sokli", "Bürenhayrhan",
                     "Khalzan Buregtei", "Kuttessay", "Dong Pao", "Cerro Manomó"]

KINDS = ["prospect", "deposit", "mine", "licence", "occurrence", "block", "pit"]
QUOTED_SUFFIXES = [' "North", Block ', ' "Eski Ocak", Pit ', ', Shaft ', ' "Yangi", Zone ']
COMMODITIES = (["REE"] * 8 + ["Au"] * 6 + ["Cu"] * 5 + ["W"] * 3 + ["U"] * 2 +
               ["Li", "Mo", "Nb", "Ta", "Sn", "Fe", "Zn", "Pb", "Ag", "Co", "Ni",
                "Th", "Sb", "Fluorite", "Barite"])
STATUSES = (["prospect"] * 5 + ["exploration"] * 4 + ["development"] * 2 +
            ["producing"] * 2 + ["care and maintenance", "closed"])

HEADER = "site_id,name,commodity,status,country,lon,lat,reo_pct,year\n"
CSVT = "String,String,String,String,String,Real,Real,Real,Integer\n"

OREMAP_YAML = """\
name: bench
output: out
layers: [layers/*.yaml]
"""

LAYER_YAML = """\
name: sites
source: { path: sites.csv, id: site_id, fields: { site_id: string } }
locate: { coordinates: { x: lon, y: lat, crs: "EPSG:4326" } }
outputs: [ out/sites.geojson, out/sites.gpkg ]
"""


def csv_field(s):
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def region_slots():
    """One entry per unit of weight, so that a uniform index picks by weight."""
    slots = []
    for country, lon, lat, spread, weight, places in REGIONS:
        slots.extend([(country, lon, lat, spread, places)] * weight)
    slots.extend([(None, None, None, None, BACKGROUND_PLACES)] * BACKGROUND_WEIGHT)
    return slots


def generate(out, n, seed):
    rng = random.Random(seed)
    rand = rng.random
    gauss = rng.gauss
    slots = region_slots()
    nslots = len(slots)
    ncomm, nstat, nkind = len(COMMODITIES), len(STATUSES), len(KINDS)
    nquoted, nbgc = len(QUOTED_SUFFIXES), len(BACKGROUND_COUNTRIES)

    write = out.write
    write(HEADER)
    buf = []
    append = buf.append
    for i in range(1, n + 1):
        country, clon, clat, spread, places = slots[int(rand() * nslots)]
        if country is None:
            country = BACKGROUND_COUNTRIES[int(rand() * nbgc)]
            lon = rand() * 360.0 - 180.0
            lat = rand() * 160.0 - 75.0
        else:
            lon = clon + gauss(0.0, spread)
            lat = clat + gauss(0.0, spread * 0.6)
            if lon < -180.0:
                lon += 360.0
            elif lon > 180.0:
                lon -= 360.0
            if lat > 89.9:
                lat = 89.9
            elif lat < -89.9:
                lat = -89.9
        place = places[int(rand() * len(places))]
        r = rand()
        if r < 0.02:
            # Needs quoting: a comma, and embedded quotes for most of them.
            name = csv_field(place + QUOTED_SUFFIXES[int(r * 50 * nquoted)] + str(i % 97 + 1))
        else:
            name = place + " " + KINDS[int(r * nkind)] + " " + str(i % 251 + 1)
        commodity = COMMODITIES[int(rand() * ncomm)]
        status = STATUSES[int(rand() * nstat)]
        r = rand()
        if r < 0.08:
            reo = ""
        elif commodity == "REE":
            reo = "%.2f" % (0.5 + r * 9.5)
        else:
            reo = "%.3f" % (r * 0.4)
        year = 1950 + int(rand() * 75)
        append("%s-%07d,%s,%s,%s,%s,%.6f,%.6f,%s,%d\n"
               % (country, i, name, commodity, status, country, lon, lat, reo, year))
        if len(buf) >= 20000:
            write("".join(buf))
            buf.clear()
    write("".join(buf))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--sites", type=int, default=1_000_000,
                    help="number of sites (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=20240601, help="random seed")
    ap.add_argument("-o", "--out", default="build/bench/project",
                    help="project folder to write (default build/bench/project)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    if a.sites < 1:
        ap.error("N must be at least 1")

    os.makedirs(os.path.join(a.out, "layers"), exist_ok=True)
    t0 = time.monotonic()
    csv_path = os.path.join(a.out, "sites.csv")
    tmp = csv_path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        generate(f, a.sites, a.seed)
    os.replace(tmp, csv_path)
    with open(os.path.join(a.out, "sites.csvt"), "w", encoding="ascii") as f:
        f.write(CSVT)
    with open(os.path.join(a.out, "oremap.yaml"), "w", encoding="utf-8") as f:
        f.write(OREMAP_YAML)
    with open(os.path.join(a.out, "layers", "sites.yaml"), "w", encoding="utf-8") as f:
        f.write(LAYER_YAML)
    if not a.quiet:
        dt = time.monotonic() - t0
        size = os.path.getsize(csv_path)
        print("wrote %s: %d sites, %.1f MB in %.2f s"
              % (csv_path, a.sites, size / 1e6, dt), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
