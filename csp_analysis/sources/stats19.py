"""DfT road safety data (STATS19): collisions and casualties.

Three column-name eras are read: pre-2021 (``Accident_Index``, ``Casualty_Severity``,
``LSOA_of_Accident_Location`` …), 2021+ lower case (``accident_index`` …) and 2024+
(``collision_index``, ``collision_severity`` …). All are mapped to the 2021 names.
Severity codes: 1 fatal, 2 serious, 3 slight; KSI = killed or seriously injured.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from csp_analysis.sources import InputError, ReadResult, concat_rejects, parse_dates, read_csv_text, rejects

SEVERITY = {"1": "fatal", "2": "serious", "3": "slight"}
SOURCE = "road_casualties"


def _canonical(df: pd.DataFrame) -> pd.DataFrame:
    cols = {}
    for c in df.columns:
        name = c.strip().lower().replace("(", "").replace(")", "")
        name = name.replace("collision_", "accident_")
        cols[c] = name
    return df.rename(columns=cols)


def _need(df: pd.DataFrame, path: Path, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{path}: missing STATS19 column(s) {', '.join(missing)} "
            "(accepted spellings: Accident_Index / accident_index / collision_index …)"
        )


def read_stats19(collisions: Path, casualties: Path) -> ReadResult:
    """Casualties joined to their collision's date and place.

    Returns
    -------
    ReadResult
        One kept row per casualty: ``accident_index, date, month, lsoa_code,
        severity (fatal/serious/slight), ksi (Y/N), count (1), row``. Casualties
        whose collision is missing, whose date is unreadable or whose severity code
        is unknown are rejected.
    """
    col = _canonical(read_csv_text(Path(collisions)))
    cas = _canonical(read_csv_text(Path(casualties)))
    _need(col, collisions, ["accident_index", "date", "lsoa_of_accident_location"])
    _need(cas, casualties, ["accident_index", "casualty_severity"])
    rows_read = len(cas)
    cas = cas.assign(row=range(2, len(cas) + 2))
    col = col.drop_duplicates("accident_index")[["accident_index", "date", "lsoa_of_accident_location"]]
    df = cas.merge(col, on="accident_index", how="left", indicator=True)
    bad = []
    ok = pd.Series(True, index=df.index)
    name = Path(casualties)

    def reject(mask, column, reason):
        nonlocal ok
        mask = mask & ok
        if mask.any():
            bad.append(rejects(SOURCE, name, df.loc[mask, "row"], column, df.loc[mask, column], reason))
            ok &= ~mask

    reject(df["_merge"] == "left_only", "accident_index", f"no such collision in {Path(collisions).name}")
    dates = parse_dates(df["date"])
    reject(dates.isna(), "date", "collision date not DD/MM/YYYY or YYYY-MM-DD")
    reject(~df["casualty_severity"].isin(list(SEVERITY)), "casualty_severity", "expected 1, 2 or 3")
    df = df.assign(date=dates)[ok]
    severity = df["casualty_severity"].map(SEVERITY)
    kept = pd.DataFrame(
        {
            "accident_index": df["accident_index"].astype("string"),
            "date": df["date"],
            "month": df["date"].dt.to_period("M").dt.to_timestamp(),
            "lsoa_code": df["lsoa_of_accident_location"].astype("string"),
            "severity": severity.astype("string"),
            "ksi": severity.isin(["fatal", "serious"]).map({True: "Y", False: "N"}).astype("string"),
            "count": 1,
            "row": df["row"].astype("int64"),
        }
    ).reset_index(drop=True)
    return ReadResult(SOURCE, kept, concat_rejects(bad), rows_read, [Path(collisions), Path(casualties)])
