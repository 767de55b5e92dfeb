"""Geography lookups and population.

* LSOA → ward → district: ONS best-fit lookup (``LSOA11CD, LSOA11NM, WD15CD, WD15NM,
  LAD15CD, LAD15NM``; other years' column suffixes are accepted).
* Population by LSOA: 2011 Census usual residents (``lsoa_code, la_code,
  all_usual_residents``), used for rates per 1,000 residents.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from csp_analysis.sources import InputError, read_csv_text


def _pick(df: pd.DataFrame, path: Path, pattern: str, what: str) -> str:
    for c in df.columns:
        if re.fullmatch(pattern, c, flags=re.IGNORECASE):
            return c
    raise InputError(f"{path}: no {what} column (expected a name like {pattern!r})")


def read_lsoa_lookup(path: Path) -> pd.DataFrame:
    """LSOA → ward → district: columns ``lsoa_code, lsoa_name, ward_code, ward_name, lad_code, lad_name``."""
    df = read_csv_text(Path(path))
    out = pd.DataFrame(
        {
            "lsoa_code": df[_pick(df, path, r"LSOA\d\dCD", "LSOA code")],
            "lsoa_name": df[_pick(df, path, r"LSOA\d\dNM", "LSOA name")],
            "ward_code": df[_pick(df, path, r"WD\d\dCD", "ward code")],
            "ward_name": df[_pick(df, path, r"WD\d\dNM", "ward name")],
            "lad_code": df[_pick(df, path, r"LAD\d\dCD", "district code")],
            "lad_name": df[_pick(df, path, r"LAD\d\dNM", "district name")],
        }
    )
    return out.astype("string").drop_duplicates("lsoa_code").reset_index(drop=True)


def read_population(path: Path) -> pd.DataFrame:
    """Residents by LSOA: columns ``lsoa_code, lsoa_name, la_code, la_name, population``."""
    df = read_csv_text(Path(path))
    need = ["lsoa_code", "lsoa_name", "la_code", "la_name", "all_usual_residents"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    pop = pd.to_numeric(df["all_usual_residents"], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        row = int(pop.isna().idxmax() if pop.isna().any() else (pop < 0).idxmax()) + 2
        raise InputError(
            f"{path}: row {row}, column all_usual_residents: not a non-negative number; fix the value"
        )
    out = df[need[:-1]].astype("string").assign(population=pop.astype("int64"))
    return out.reset_index(drop=True)
