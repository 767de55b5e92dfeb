"""DfT road safety data (STATS19): collisions and casualties.

Three column-name eras are read: pre-2021 (``Accident_Index``, ``Casualty_Severity``,
``LSOA_of_Accident_Location``, ``Local_Authority_(District)`` …), 2021+ lower case
(``accident_index`` …) and 2024+ (``collision_index``, ``collision_severity`` …).
All are mapped to the 2021 names. Severity: 1 fatal, 2 serious, 3 slight (the
words are accepted too); KSI = killed or seriously injured.

Both files are accounted: ``road_collisions`` (one row per collision) and
``road_casualties`` (one row per casualty, the table the indicators count). A
casualty whose collision is missing, or was rejected, is rejected with the reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.sources import (
    InputError,
    Problem,
    ReadResult,
    Scope,
    Sieve,
    bad_line_rejects,
    concat_rejects,
    date_problem,
    duplicate_of,
    parse_dates,
    read_table,
)

SEVERITY = {"1": "fatal", "2": "serious", "3": "slight"}
_SEVERITY_WORDS = {"fatal": "fatal", "serious": "serious", "slight": "slight"}
SOURCE = "road_casualties"
COLLISIONS = "road_collisions"
_ACCEPTED = "accepted spellings: Accident_Index / accident_index / collision_index …"


def _canonical(columns) -> dict[str, str]:
    out = {}
    for c in columns:
        name = c.strip().lower().replace("(", "").replace(")", "").replace(" ", "_")
        name = name.replace("collision_", "accident_")
        out[c] = name
    return out



def _check_index(sieve, idx) -> None:
    """An accident/collision index must be present and not mangled by Excel (2.01446E+12)."""
    sieve.reject(idx == "", "accident_index", "empty value")
    sieve.reject(idx.str.contains(r"\d[eE]\+\d", regex=True), "accident_index",
                 "collision index in scientific notation (Excel changed it): export the column as text")

def _need(df: pd.DataFrame, path: Path, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            Problem(str(path), f"missing STATS19 column(s) {', '.join(missing)} ({_ACCEPTED})")
        )


def _severity(values: pd.Series) -> pd.Series:
    v = values.str.strip().str.lower().str.removesuffix(".0")
    return v.map(SEVERITY).fillna(v.map(_SEVERITY_WORDS))


def read_collisions(collisions: Path, scope: Scope | None = None) -> ReadResult:
    """The collisions file (see :func:`_collisions`)."""
    return _collisions(collisions, scope)[0]


def _collisions(collisions: Path, scope: Scope | None = None) -> tuple[ReadResult, dict]:
    """The collisions file: ``accident_index, date, month, lsoa_code, district_code,
    severity, row``. Rejected: empty or Excel-mangled index, a repeated index, an
    unreadable date, a date outside the data window, a place outside the area."""
    scope = scope or Scope()
    path = Path(collisions)
    t = read_table(path)
    df = t.df.rename(columns=_canonical(t.df.columns))
    _need(df, path, ["accident_index", "date", "lsoa_of_accident_location"])
    sieve = Sieve(COLLISIONS, str(path), df, t.rows)
    idx = df["accident_index"]
    _check_index(sieve, idx)
    dates = parse_dates(df["date"])
    sieve.reject(dates.isna(), "date", df["date"].map(date_problem))
    first = duplicate_of(df, ["accident_index"], t.rows, sieve.ok)
    sieve.reject(first.notna(), "accident_index",
                 "duplicate: same accident_index as row " + first.astype("string").fillna(""), kind="duplicate")
    month = dates.dt.to_period("M").dt.to_timestamp().astype("datetime64[us]")
    before, after = scope.window_reasons(month)
    if scope.start is not None:
        sieve.reject(before, "date", scope.before_reason, kind="out of scope")
    if scope.end is not None:
        sieve.reject(after, "date", scope.after_reason, kind="out of scope")
    lsoa = df["lsoa_of_accident_location"].where(~df["lsoa_of_accident_location"].isin(["", "-1"]), "")
    district = df.get("local_authority_ons_district", pd.Series("", index=df.index))
    if scope.lsoas is not None:
        inside = lsoa.isin(list(scope.lsoas)) | ((lsoa == "") & (district == (scope.area_code or "\0")))
        sieve.reject(~inside, "lsoa_of_accident_location",
                     "collision outside " + scope.area_name, kind="out of scope")
    ok = sieve.ok
    sev = _severity(df["accident_severity"]) if "accident_severity" in df else pd.Series(pd.NA, index=df.index)
    kept = pd.DataFrame({
        "accident_index": idx[ok].astype("string"),
        "date": dates[ok],
        "month": month[ok],
        "lsoa_code": lsoa[ok].replace("", pd.NA).astype("string"),
        "district_code": district[ok].replace("", pd.NA).astype("string"),
        "severity": sev[ok].astype("string"),
        "row": t.rows[ok].astype("int64"),
    }).reset_index(drop=True)
    rejected = concat_rejects([bad_line_rejects(COLLISIONS, str(path), t), sieve.rejected()])
    stats = _stats(path.name, t.rows_read, len(kept), len(rejected), kept["month"], t.encoding)
    # why each rejected collision index was rejected (its first rejected row)
    why: dict[str, tuple[int, str, str]] = {}
    by_row = dict(zip(t.rows.tolist(), idx.tolist()))
    for r, reason, kind in zip(rejected["row"], rejected["reason"], rejected["kind"]):
        index = by_row.get(int(r))
        if index and kind != "duplicate" and index not in why:
            why[index] = (int(r), str(reason), str(kind))
    return ReadResult(COLLISIONS, kept, rejected, t.rows_read, [path], [], stats), why


def read_stats19_both(collisions: Path, casualties: Path, scope: Scope | None = None) -> tuple[ReadResult, ReadResult]:
    """(collisions, casualties): see :func:`read_collisions` and :func:`read_stats19`."""
    scope = scope or Scope()
    col_res, rejected_collision = _collisions(collisions, scope)
    cas_path = Path(casualties)
    t = read_table(cas_path)
    cas = t.df.rename(columns=_canonical(t.df.columns))
    _need(cas, cas_path, ["accident_index", "casualty_severity"])
    kept_col = col_res.kept.set_index("accident_index")
    sieve = Sieve(SOURCE, str(cas_path), cas, t.rows)
    idx = cas["accident_index"]
    _check_index(sieve, idx)
    sev = _severity(cas["casualty_severity"])
    known = idx.isin(kept_col.index)
    was_rejected = idx.map(lambda i: rejected_collision.get(i))
    for kind in ("invalid", "out of scope"):
        m = ~known & was_rejected.map(lambda x, k=kind: x is not None and x[2] == k)
        reason = was_rejected.map(
            lambda x: f"its collision is rejected ({Path(collisions).name} row {x[0]}: {x[1]})" if x else "")
        sieve.reject(m, "accident_index", reason, kind=kind)
    sieve.reject(~known, "accident_index", f"no such collision in {Path(collisions).name}")
    sieve.reject(sev.isna(), "casualty_severity", "expected 1, 2 or 3")
    key = [c for c in ("accident_index", "vehicle_reference", "casualty_reference") if c in cas.columns]
    if len(key) == 3:
        first = duplicate_of(cas, key, t.rows, sieve.ok)
        sieve.reject(first.notna(), "casualty_reference",
                     "duplicate: same accident_index, vehicle_reference and casualty_reference as row "
                     + first.astype("string").fillna(""), kind="duplicate")
    ok = sieve.ok
    col = kept_col.reindex(idx[ok])
    severity = sev[ok]
    kept = pd.DataFrame(
        {
            "accident_index": idx[ok].astype("string").to_numpy(),
            "date": col["date"].to_numpy(),
            "month": col["month"].to_numpy(),
            "lsoa_code": col["lsoa_code"].astype("string").to_numpy(),
            "severity": severity.astype("string").to_numpy(),
            "ksi": np.where(severity.isin(["fatal", "serious"]), "Y", "N"),
            "count": np.int64(1),
            "row": t.rows[ok].astype("int64"),
        }
    )
    kept = kept.astype({"accident_index": "string", "lsoa_code": "string", "severity": "string",
                        "ksi": "string", "date": "datetime64[us]", "month": "datetime64[us]"})
    rejected = concat_rejects([bad_line_rejects(SOURCE, str(cas_path), t), sieve.rejected()])
    stats = _stats(cas_path.name, t.rows_read, len(kept), len(rejected), kept["month"], t.encoding)
    cas_res = ReadResult(SOURCE, kept, rejected, t.rows_read, [Path(collisions), cas_path], [], stats)
    return col_res, cas_res


def read_stats19(collisions: Path, casualties: Path, scope: Scope | None = None) -> ReadResult:
    """Casualties joined to their collision's date and place.

    Returns
    -------
    ReadResult
        One kept row per casualty: ``accident_index, date, month, lsoa_code,
        severity (fatal/serious/slight), ksi (Y/N), count (1), row``. Casualties
        whose collision is missing or rejected, whose severity is unknown, or that
        repeat an earlier casualty are rejected.
    """
    return read_stats19_both(collisions, casualties, scope)[1]


def _stats(name, read, kept, rejected, months, encoding) -> pd.DataFrame:
    months = pd.Series(months).dropna()
    return pd.DataFrame([{
        "file": name, "rows_read": read, "kept": kept, "rejected": rejected,
        "first_month": months.min() if len(months) else pd.NaT,
        "last_month": months.max() if len(months) else pd.NaT, "encoding": encoding,
    }])
