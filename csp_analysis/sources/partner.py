"""Partner datasets exported to CSV (one template per dataset).

Each dataset has a :class:`Spec`: its required columns, its date or month column,
the allowed values of coded columns, and (for monthly aggregates) its count
column. Files may be UTF-8, UTF-8 with BOM or Windows-1252 (Excel exports); dates
may be ISO (2014-04-30) or UK (30/04/2014). Rows that break a rule are rejected
with the file, row, column, value and reason; the rest are kept.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from csp_analysis.sources import (
    InputError,
    ReadResult,
    concat_rejects,
    parse_dates,
    read_csv_text,
    rejects,
)

RAG = ("Green", "Amber", "Red")


@dataclass(frozen=True)
class Spec:
    columns: tuple[str, ...]
    date: str | None = None  # incident date column → month
    month: str | None = None  # YYYY-MM column (monthly aggregates)
    count: str | None = None  # count column (monthly aggregates)
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)


SPECS: dict[str, Spec] = {
    "domestic_abuse": Spec(
        ("incident_id", "date", "victim_id", "lsoa_code", "repeat_victim", "risk_level", "recorded_as"),
        date="date",
        allowed={
            "repeat_victim": ("Y", "N"),
            "risk_level": ("standard", "medium", "high"),
            "recorded_as": ("crime", "non-crime"),
        },
    ),
    "council_asb": Spec(("report_id", "date", "lsoa_code", "category"), date="date"),
    "business_crime": Spec(
        ("incident_id", "date", "lsoa_code", "business_type", "offence"), date="date"
    ),
    "youth_indicators": Spec(("month", "indicator", "count"), month="month", count="count"),
    "substance_misuse_indicators": Spec(
        ("month", "indicator", "count"), month="month", count="count"
    ),
    "public_concern_survey": Spec(
        ("respondent_id", "survey_year", "ward_code", "issue", "concerned"),
        allowed={"concerned": ("yes", "no")},
    ),
    "action_plan_tracker": Spec(
        (
            "action_id",
            "priority_id",
            "action",
            "lead_partner",
            "action_rag",
            "measure_id",
            "success_measure",
            "measure_rag",
        ),
        allowed={"action_rag": RAG, "measure_rag": RAG},
    ),
}


def read_partner(source: str, path: Path) -> ReadResult:
    """Read one partner CSV against its :data:`SPECS` entry.

    Returns
    -------
    ReadResult
        ``kept`` has the template's columns (coded values in their canonical
        spelling) plus ``month`` (month start) and ``count`` where the dataset is
        dated, and ``row`` (line number in the file).
    """
    spec = SPECS[source]
    path = Path(path)
    df = read_csv_text(path)
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in spec.columns if c not in df.columns]
    if missing:
        hints = []
        for c in missing:
            close = difflib.get_close_matches(c, list(df.columns), n=1, cutoff=0.6)
            hints.append(f"'{c}'" + (f" (found '{close[0]}': rename it)" if close else ""))
        raise InputError(
            f"{path}: missing column {', '.join(hints)}; see docs/data_formats.md for the template"
        )
    rows_read = len(df)
    df = df[list(spec.columns)].apply(lambda s: s.str.strip())
    df["row"] = range(2, len(df) + 2)
    bad = []
    ok = pd.Series(True, index=df.index)

    def reject(mask: pd.Series, column: str, reason: str) -> None:
        nonlocal ok
        mask = mask & ok
        if mask.any():
            bad.append(rejects(source, path, df.loc[mask, "row"], column, df.loc[mask, column], reason))
            ok &= ~mask

    for col in spec.columns:
        reject(df[col] == "", col, "empty value")
    for col, allowed in spec.allowed.items():
        canon = {a.lower(): a for a in allowed}
        lowered = df[col].str.lower()
        reject(~lowered.isin(list(canon)) & ok, col, f"expected one of: {', '.join(allowed)}")
        df[col] = lowered.map(canon).fillna(df[col])
    if spec.date:
        dates = parse_dates(df[spec.date])
        reject(dates.isna(), spec.date, "not a date (use YYYY-MM-DD or DD/MM/YYYY)")
        df["month"] = dates.dt.to_period("M").dt.to_timestamp()
        df["count"] = 1
    if spec.month:
        months = pd.to_datetime(df[spec.month], format="%Y-%m", errors="coerce")
        reject(months.isna(), spec.month, "not a month (use YYYY-MM)")
        df["month"] = months
    if spec.count:
        counts = pd.to_numeric(df[spec.count], errors="coerce")
        reject(counts.isna(), spec.count, "not a number")
        reject(counts < 0, spec.count, "negative count")
        reject(counts % 1 != 0, spec.count, "not a whole number")
        df["count"] = counts
    kept = df[ok].reset_index(drop=True)
    if "count" in kept:
        kept["count"] = kept["count"].astype("int64")
    return ReadResult(source, kept, concat_rejects(bad), rows_read, [path])
