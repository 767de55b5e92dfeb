"""LSOA boundaries (GeoJSON) for static maps; no GIS stack needed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from csp_analysis.sources import InputError


def read_boundaries(path: Path) -> dict[str, list[list[tuple[float, float]]]]:
    """LSOA code → outer rings of its polygon(s), as (longitude, latitude) points.

    Accepts a GeoJSON FeatureCollection of Polygon/MultiPolygon features in WGS84
    (CRS84) whose properties carry the LSOA code (``LSOA11CD``, ``LSOA21CD``, ``lsoa_code``…).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable GeoJSON file ({exc})") from None
    out: dict[str, list] = {}
    for i, feat in enumerate(data.get("features", [])):
        props = feat.get("properties") or {}
        key = next((k for k in props if re.fullmatch(r"(?i)lsoa(\d\d)?_?cd|lsoa_code", k)), None)
        if key is None:
            raise InputError(f"{path}: feature {i} has no LSOA code property (e.g. LSOA11CD)")
        geom = feat.get("geometry") or {}
        if geom.get("type") == "Polygon":
            polys = [geom["coordinates"]]
        elif geom.get("type") == "MultiPolygon":
            polys = geom["coordinates"]
        else:
            raise InputError(f"{path}: feature {i} ({props[key]}) is a {geom.get('type')}, expected a polygon")
        out[str(props[key])] = [[tuple(pt[:2]) for pt in poly[0]] for poly in polys]
    if not out:
        raise InputError(f"{path}: no features")
    return out
