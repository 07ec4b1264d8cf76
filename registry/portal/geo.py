"""The map's shapes: the shipped Europe geometry as SVG paths, projected once per process.

``static/geo/europe.geo.json`` holds the countries of CL_GEO (Natural Earth,
public domain; see ``static/geo/LICENSE`` and ``tools/dashboard_assets.py``).
They are drawn in the Lambert azimuthal equal-area projection centred on
10°E 52°N, the projection of EPSG:3035 that European statistical maps use, so
that each country's area on the map is true to its size. The map is an SVG
the server writes: it shows without JavaScript and links every country.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GEOMETRY = Path(__file__).parent / "static" / "geo" / "europe.geo.json"
WIDTH = 800.0
_CENTRE = (np.radians(10.0), np.radians(52.0))


@dataclass(frozen=True, slots=True)
class Shape:
    code: str
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class Shapes:
    width: float
    height: float
    by_code: dict[str, Shape]


def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lambert azimuthal equal-area (unit sphere) from degrees."""
    lam, phi = np.radians(lon), np.radians(lat)
    lam0, phi0 = _CENTRE
    k = np.sqrt(
        2 / (1 + np.sin(phi0) * np.sin(phi) + np.cos(phi0) * np.cos(phi) * np.cos(lam - lam0))
    )
    x = k * np.cos(phi) * np.sin(lam - lam0)
    y = k * (np.cos(phi0) * np.sin(phi) - np.sin(phi0) * np.cos(phi) * np.cos(lam - lam0))
    return x, y


@functools.cache
def europe_shapes() -> Shapes:
    """Every shipped country as an SVG path in a WIDTH-wide box."""
    features = json.loads(GEOMETRY.read_text(encoding="utf-8"))["features"]
    projected: dict[str, list[list[np.ndarray]]] = {}
    names = {}
    for feature in features:
        code = feature["id"]
        names[code] = feature["properties"]["name"]
        rings = []
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                points = np.asarray(ring, dtype=float)
                x, y = project(points[:, 0], points[:, 1])
                rings.append(np.column_stack([x, y]))
        projected[code] = rings
    every = np.vstack([r for rings in projected.values() for r in rings])
    (x0, y0), (x1, y1) = every.min(axis=0), every.max(axis=0)
    scale = WIDTH / (x1 - x0)
    height = float(np.ceil((y1 - y0) * scale))
    by_code = {}
    for code, rings in projected.items():
        parts = []
        for ring in rings:
            xs = (ring[:, 0] - x0) * scale
            ys = (y1 - ring[:, 1]) * scale  # SVG's y runs down
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
            parts.append(f"M{points}Z")
        by_code[code] = Shape(code, names[code], "".join(parts))
    return Shapes(WIDTH, height, by_code)
