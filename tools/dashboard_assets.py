"""Refresh the dashboard's shipped assets from the npm packages they come from.

    npm pack echarts@6.1.0 world-atlas@2.0.2
    python tools/dashboard_assets.py echarts-6.1.0.tgz world-atlas-2.0.2.tgz

Writes, under ``registry/portal/static/``:

- ``vendor/echarts/``: ECharts' minified build with its LICENSE and NOTICE
  (Apache-2.0), unchanged;
- ``geo/europe.geo.json``: the countries of CL_GEO as GeoJSON, keyed by their
  CL_GEO code, from world-atlas's ``countries-50m.json`` (Natural Earth 1:50m
  admin 0 countries, public domain; world-atlas itself ISC). Parts of a
  country far from Europe (overseas departments, the Canaries, Svalbard) are
  left out so that the map frames Europe; coordinates rounded to 0.01 degree.

Nothing is fetched at run time: the registry serves these files as they are.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "registry" / "portal" / "static"
#: ISO 3166-1 numeric code (world-atlas ids) of each CL_GEO country; Kosovo has none there.
NUMERIC = {
    "BE": "056", "BG": "100", "CZ": "203", "DK": "208", "DE": "276", "EE": "233", "IE": "372",
    "EL": "300", "ES": "724", "FR": "250", "HR": "191", "IT": "380", "CY": "196", "LV": "428",
    "LT": "440", "LU": "442", "HU": "348", "MT": "470", "NL": "528", "AT": "040", "PL": "616",
    "PT": "620", "RO": "642", "SI": "705", "SK": "703", "FI": "246", "SE": "752", "IS": "352",
    "LI": "438", "NO": "578", "CH": "756", "BA": "070", "ME": "499", "MD": "498", "MK": "807",
    "GE": "268", "AL": "008", "RS": "688", "TR": "792", "UA": "804", "UK": "826",
}  # fmt: skip
BY_NAME = {"XK": "Kosovo"}
#: The window a polygon's first point must fall in to be drawn (lon, lat).
WINDOW = (-25.0, 33.0, 50.0, 72.0)


def member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        handle = tar.extractfile(f"package/{name}")
        assert handle is not None, name
        return handle.read()


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs (quantised, delta-encoded) as lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list, indexes: list[int]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return [[round(x, 2), round(y, 2)] for x, y in points]


def polygons(geometry: dict, arcs: list) -> list[list[list[list[float]]]]:
    shapes = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    out = []
    for shape in shapes:
        rings = [ring(arcs, r) for r in shape]
        lon, lat = rings[0][0]
        west, south, east, north = WINDOW
        if west <= lon <= east and south <= lat <= north:
            out.append(rings)
    return out


def europe(topology: dict, names: dict[str, str]) -> dict:
    arcs = decode_arcs(topology)
    geometries = topology["objects"]["countries"]["geometries"]
    by_id = {g.get("id"): g for g in geometries}
    by_name = {g["properties"]["name"]: g for g in geometries}
    features = []
    for code in sorted({*NUMERIC, *BY_NAME}):
        geometry = by_id.get(NUMERIC[code]) if code in NUMERIC else by_name.get(BY_NAME[code])
        assert geometry is not None, code
        shapes = polygons(geometry, arcs)
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"name": names.get(code, code)},
                "geometry": {"type": "MultiPolygon", "coordinates": shapes},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("echarts", type=Path, help="the echarts package tarball (npm pack)")
    parser.add_argument("world_atlas", type=Path, help="the world-atlas package tarball")
    args = parser.parse_args()
    vendor = STATIC / "vendor" / "echarts"
    vendor.mkdir(parents=True, exist_ok=True)
    for name, target in (("dist/echarts.min.js", "echarts.min.js"), ("LICENSE", "LICENSE"),
                         ("NOTICE", "NOTICE")):  # fmt: skip
        (vendor / target).write_bytes(member(args.echarts, name))
    version = json.loads(member(args.echarts, "package.json"))["version"]
    (vendor / "VERSION").write_text(version + "\n")
    with (ROOT / "codelists" / "CL_GEO.csv").open(encoding="utf-8") as handle:
        names = {row["id"]: row["name_en"] for row in csv.DictReader(handle)}
    topology = json.loads(member(args.world_atlas, "countries-50m.json"))
    geo = STATIC / "geo"
    geo.mkdir(parents=True, exist_ok=True)
    text = json.dumps(europe(topology, names), separators=(",", ":"))
    (geo / "europe.geo.json").write_text(text + "\n")
    atlas = json.loads(member(args.world_atlas, "package.json"))
    licence = io.StringIO()
    licence.write(
        f"europe.geo.json: countries of CL_GEO from world-atlas {atlas['version']} "
        "(countries-50m.json), written by tools/dashboard_assets.py.\n"
        "Geometry: Natural Earth 1:50m Cultural Vectors, admin 0 countries, public domain "
        "(naturalearthdata.com).\n\nworld-atlas licence (ISC):\n\n"
    )
    licence.write(member(args.world_atlas, "LICENSE").decode())
    (geo / "LICENSE").write_text(licence.getvalue())
    print(f"echarts {version}, {len(text) // 1024} KiB of Europe geometry written to {STATIC}")


if __name__ == "__main__":
    main()
