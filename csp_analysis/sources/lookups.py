"""Geography lookups and population.

* LSOA → ward → district: ONS best-fit lookup (``LSOA11CD, LSOA11NM, WD15CD, WD15NM,
  LAD15CD, LAD15NM``; other years' suffixes are accepted, and a ``CSPyyCD`` /
  ``CSPyyNM`` pair when the lookup has one, so that an area can be a CSP of
  several districts).
* Population by LSOA, for rates per 1,000 residents, in either form:
  the 2011 Census table (``lsoa_code, lsoa_name, la_code, la_name,
  all_usual_residents``) or ONS mid-year estimates in long form (``lsoa_code,
  year, population``, optional ``lsoa_name, la_code, la_name``), one row per LSOA
  and year.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from csp_analysis.sources import (
    InputError,
    Problem,
    ReadResult,
    Sieve,
    bad_line_rejects,
    concat_rejects,
    duplicate_of,
    read_table,
)


def _pick(df: pd.DataFrame, path: Path, pattern: str, what: str, required: bool = True) -> str | None:
    for c in df.columns:
        if re.fullmatch(pattern, c, flags=re.IGNORECASE):
            return c
    if not required:
        return None
    raise InputError(Problem(str(path), f"no {what} column (expected a name like {pattern!r}, e.g. "
                                        f"{pattern.replace(chr(92) + 'd' + chr(92) + 'd', '11')})"))


def read_lsoa_lookup_result(path: Path, *, codes_only: bool = False) -> ReadResult:
    """The lookup, accounted: ``kept`` has ``lsoa_code, lsoa_name, ward_code, ward_name,
    lad_code, lad_name`` (+ ``csp_code, csp_name`` when present, + ``row``).
    Rejected: an empty LSOA code, an LSOA listed twice. ``codes_only``: only the LSOA
    and district codes are required (an LSOA → district lookup; missing columns are empty)."""
    path = Path(path)
    t = read_table(path)
    df = t.df
    cols = {
        "lsoa_code": _pick(df, path, r"LSOA\d\dCD", "LSOA code"),
        "lsoa_name": _pick(df, path, r"LSOA\d\dNM", "LSOA name", required=not codes_only),
        "ward_code": _pick(df, path, r"WD\d\dCD", "ward code", required=not codes_only),
        "ward_name": _pick(df, path, r"WD\d\dNM", "ward name", required=not codes_only),
        "lad_code": _pick(df, path, r"LAD\d\dCD", "district code"),
        "lad_name": _pick(df, path, r"LAD\d\dNM", "district name", required=not codes_only),
    }
    csp = _pick(df, path, r"CSP\d\dCD", "CSP code", required=False)
    if csp:
        cols["csp_code"] = csp
        cols["csp_name"] = _pick(df, path, r"CSP\d\dNM", "CSP name", required=False) or csp
    out = pd.DataFrame({k: df[v] if v else pd.Series("", index=df.index) for k, v in cols.items()})
    sieve = Sieve("lsoa_lookup", str(path), out, t.rows)
    sieve.reject(out["lsoa_code"] == "", cols["lsoa_code"], "empty value", values=out["lsoa_code"])
    first = duplicate_of(out, ["lsoa_code"], t.rows, sieve.ok)
    sieve.reject(first.notna(), cols["lsoa_code"], "duplicate: LSOA already listed in row "
                 + first.astype("string").fillna(""), kind="duplicate", values=out["lsoa_code"])
    kept = out[sieve.ok].astype("string").assign(row=t.rows[sieve.ok]).reset_index(drop=True)
    rejected = concat_rejects([bad_line_rejects("lsoa_lookup", str(path), t), sieve.rejected()])
    return ReadResult("lsoa_lookup", kept, rejected, t.rows_read, [path], [], _stats(path, t, kept, rejected))


def read_lsoa_lookup(path: Path) -> pd.DataFrame:
    """LSOA → ward → district: columns ``lsoa_code, lsoa_name, ward_code, ward_name, lad_code, lad_name``."""
    return read_lsoa_lookup_result(path).kept.drop(columns="row")


def read_population_result(path: Path) -> ReadResult:
    """Population, accounted: ``kept`` has ``lsoa_code, lsoa_name, la_code, la_name,
    year, population, row``. Rejected: a population that is not a whole number
    ≥ 0, an empty LSOA code, an LSOA (and year) listed twice."""
    path = Path(path)
    t = read_table(path)
    df = t.df
    if "all_usual_residents" in df.columns:
        need = ["lsoa_code", "lsoa_name", "la_code", "la_name", "all_usual_residents"]
        value_col, year = "all_usual_residents", pd.Series(2011, index=df.index)
    elif {"lsoa_code", "year", "population"} <= set(df.columns):
        need = ["lsoa_code", "year", "population"]
        value_col = "population"
        year = pd.to_numeric(df["year"], errors="coerce")
    else:
        need = ["lsoa_code", "lsoa_name", "la_code", "la_name", "all_usual_residents"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(Problem(str(path), f"missing column(s) {', '.join(missing)} "
                                            "(or use the long form: lsoa_code, year, population)"))
    sieve = Sieve("population", str(path), df, t.rows)
    pop = pd.to_numeric(df[value_col], errors="coerce")
    sieve.reject(df["lsoa_code"] == "", "lsoa_code", "empty value")
    if "year" in df.columns and value_col == "population":
        sieve.reject(year.isna() | (year % 1 != 0), "year", "not a year (like 2014)")
    sieve.reject(pop.isna(), value_col, "not a number")
    sieve.reject(pop < 0, value_col, "negative count")
    sieve.reject(pop % 1 != 0, value_col, "not a whole number")
    key = ["lsoa_code"] + (["year"] if value_col == "population" else [])
    first = duplicate_of(df, key, t.rows, sieve.ok)
    sieve.reject(first.notna(), "lsoa_code", "duplicate: LSOA (and year) already in row "
                 + first.astype("string").fillna(""), kind="duplicate")
    ok = sieve.ok
    kept = pd.DataFrame({
        "lsoa_code": df["lsoa_code"][ok].astype("string"),
        "lsoa_name": (df["lsoa_name"] if "lsoa_name" in df else pd.Series(pd.NA, index=df.index))[ok].astype("string"),
        "la_code": (df["la_code"] if "la_code" in df else pd.Series(pd.NA, index=df.index))[ok].astype("string"),
        "la_name": (df["la_name"] if "la_name" in df else pd.Series(pd.NA, index=df.index))[ok].astype("string"),
        "year": year[ok].astype("int64"),
        "population": pop[ok].astype("int64"),
        "row": t.rows[ok],
    }).reset_index(drop=True)
    rejected = concat_rejects([bad_line_rejects("population", str(path), t), sieve.rejected()])
    return ReadResult("population", kept, rejected, t.rows_read, [path], [], _stats(path, t, kept, rejected))


def read_population(path: Path) -> pd.DataFrame:
    """Residents by LSOA: columns ``lsoa_code, lsoa_name, la_code, la_name, population``
    (the latest year when the file has several)."""
    res = read_population_result(path)
    if len(res.rejected):
        r = res.rejected.iloc[0]
        raise InputError(Problem(str(path), f"{r['reason']}; fix the value", row=int(r["row"]),
                                 column=str(r["column"]), value=str(r["value"])))
    k = res.kept.sort_values("year").drop_duplicates("lsoa_code", keep="last")
    return k[["lsoa_code", "lsoa_name", "la_code", "la_name", "population"]].reset_index(drop=True)


def _stats(path: Path, t, kept, rejected) -> pd.DataFrame:
    return pd.DataFrame([{"file": path.name, "rows_read": t.rows_read, "kept": len(kept),
                          "rejected": len(rejected), "first_month": pd.NaT, "last_month": pd.NaT,
                          "encoding": t.encoding}])


def population_for_year(pop: pd.DataFrame, year: int) -> pd.Series:
    """Population by LSOA for ``year``: that year's figure, else the nearest year's."""
    if pop.empty:
        return pd.Series(dtype="int64")
    dist = (pop["year"] - year).abs() * 2 + (pop["year"] > year)  # on a tie, the earlier year
    best = pop.assign(_d=dist).sort_values(["lsoa_code", "_d"]).drop_duplicates("lsoa_code")
    return best.set_index("lsoa_code")["population"].astype("int64")


__all__ = [
    "population_for_year",
    "read_lsoa_lookup",
    "read_lsoa_lookup_result",
    "read_population",
    "read_population_result",
]
