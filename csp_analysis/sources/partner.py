"""Partner datasets exported to CSV (one template per dataset).

The templates (columns, types, allowed values, examples) are in
:data:`csp_analysis.schemas.TEMPLATES`, documented in docs/data_formats.md, with an
empty file each in data/templates/. Files may be UTF-8 (with or without BOM),
UTF-16 with BOM or Windows-1252 (Excel exports), comma-, semicolon- or
tab-separated; dates may be ISO (2014-04-30) or UK (30/04/2014).

Every row is kept or rejected with a reason, checked in this order:

1. *invalid*: a line that does not split into the header's columns, an empty
   value, a value that breaks the template (pandera schema: not a date, not a
   month, not a whole number ≥ 0, not an allowed value, not an LSOA code…), an
   LSOA or ward that is in no lookup;
2. *duplicate*: the same key (``incident_id``, ``report_id``, month and
   indicator…) as an earlier row;
3. *out of scope*: dated outside the data window, or placed outside the area.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.schemas import REASONS, TEMPLATES, Template, first_failures, input_schema
from csp_analysis.sources import (
    InputError,
    Problem,
    ReadResult,
    Scope,
    Sieve,
    bad_line_rejects,
    concat_rejects,
    duplicate_of,
    parse_dates,
    parse_months,
    read_table,
)

SPECS: dict[str, Template] = TEMPLATES
"""Each dataset's template (``SPECS[source].allowed``: allowed values of coded columns)."""

RAG = ("Green", "Amber", "Red")


def missing_columns_problem(
    path: str, missing: list[str], found: list[str], where: str, word: str | None = None
) -> Problem:
    hints = []
    for c in missing:
        close = difflib.get_close_matches(c, found, n=1, cutoff=0.6) or [
            f for f in found if f.lower().replace(" ", "_") == c.lower()
        ]
        hints.append(f"'{c}'" + (f" (found '{close[0]}': rename it)" if close else ""))
    word = word or ("column" if len(missing) == 1 else "columns")
    return Problem(path, f"missing {word} {', '.join(hints)}; {where}")


def read_partner(source: str, path: Path, scope: Scope | None = None) -> ReadResult:
    """Read one partner CSV against its template.

    Parameters
    ----------
    source : str
        A key of :data:`SPECS` (``domestic_abuse``, ``council_asb``…).
    path : Path
        The CSV file.
    scope : Scope, optional
        Data window and area: rows outside them are rejected (out of scope);
        LSOAs and wards are checked against its lookups.

    Returns
    -------
    ReadResult
        ``kept`` has the template's columns (coded values in their canonical
        spelling, ``date`` as a datetime) plus ``month`` (month start) and
        ``count`` where the dataset is dated, and ``row`` (spreadsheet row).

    Raises
    ------
    InputError
        The file cannot be used at all: empty, undecodable, a workbook rather
        than a CSV, or a template column missing.
    """
    t = SPECS[source]
    path = Path(path)
    scope = scope or Scope()
    table = read_table(path)
    df = table.df
    missing = [c for c in t.names if c not in df.columns]
    if missing:
        raise InputError(missing_columns_problem(
            str(path), missing, list(df.columns),
            f"see docs/data_formats.md or data/templates/{t.file_name} for the template"))
    problems = [
        Problem(str(path), f"column '{c}' is not in the {t.title} template: ignored", level="note")
        for c in df.columns if c not in t.names and c
    ]
    df = df[list(t.names)].reset_index(drop=True)
    sieve = Sieve(source, str(path), df, table.rows)

    # 1. invalid values (pandera schema of the template), then places in no lookup
    fails = first_failures(input_schema(t), df)
    for (column, reason), g in fails.groupby(["column", "reason"], sort=False):
        mask = np.zeros(len(df), dtype=bool)
        mask[g["index"].to_numpy()] = True
        sieve.reject(mask, column, reason)
    for col, allowed in t.allowed.items():
        canon = {a.lower(): a for a in allowed}
        df[col] = df[col].str.lower().map(canon).fillna(df[col])
    lsoa_col = next((c.name for c in t.columns if c.kind == "lsoa"), None)
    ward_col = next((c.name for c in t.columns if c.kind == "ward"), None)
    if lsoa_col and scope.known_lsoas is not None:
        unknown = ~df[lsoa_col].isin(list(scope.known_lsoas))
        shape = df[lsoa_col].str.fullmatch(r"[EW]01\d{6}")
        sieve.reject(unknown & ~shape, lsoa_col, REASONS["lsoa"])
        sieve.reject(unknown, lsoa_col, f"LSOA code not in {scope.lookup_name} or the population table")
    if ward_col and scope.known_wards is not None:
        shape = df[ward_col].str.fullmatch(r"[EWSN]\d{8}")
        sieve.reject(~df[ward_col].isin(list(scope.known_wards)) & ~shape, ward_col, REASONS["ward"])

    # 2. duplicates of an earlier valid row
    if t.key:
        first = duplicate_of(df, list(t.key), table.rows, sieve.ok)
        key = " and ".join(t.key)
        reason = "duplicate: same " + key + " as row " + first.astype("string").fillna("")
        sieve.reject(first.notna(), t.key[-1] if len(t.key) > 1 else t.key[0], reason, kind="duplicate")

    # 3. out of scope: outside the data window or the area
    month = None
    if t.date:
        dates = parse_dates(df[t.date])
        month = dates.dt.to_period("M").dt.to_timestamp().astype("datetime64[us]")
    elif t.month:
        month = parse_months(df[t.month])
    if month is not None:
        before, after = scope.window_reasons(month)
        column = t.date or t.month
        sieve.reject(before, column, scope.before_reason if scope.start is not None else "", kind="out of scope")
        sieve.reject(after, column, scope.after_reason if scope.end is not None else "", kind="out of scope")
    if lsoa_col and scope.lsoas is not None:
        outside = ~df[lsoa_col].isin(list(scope.lsoas))
        where = df[lsoa_col].map(scope.known_lsoas or {}).fillna("another area")
        sieve.reject(outside, lsoa_col, "LSOA outside " + scope.area_name + " (in " + where + ")",
                     kind="out of scope")
    if ward_col and scope.wards is not None:
        sieve.reject(~df[ward_col].isin(list(scope.wards)), ward_col,
                     f"ward outside {scope.area_name} (not a ward of its LSOAs in {scope.lookup_name})",
                     kind="out of scope")

    ok = sieve.ok
    kept = df[ok].copy()
    for c in t.columns:
        if c.kind == "financial_year":
            kept[c.name] = kept[c.name].str.replace("/", "-", regex=False)
    if t.date:
        kept[t.date] = dates[ok]
    kept["row"] = table.rows[ok]
    if month is not None:
        kept["month"] = month[ok]
    if t.count:
        kept["count"] = pd.to_numeric(kept[t.count]).astype("int64")
    elif month is not None:
        kept["count"] = np.int64(1)
    kept = kept.astype({c: "string" for c in t.names if c not in (t.date, t.month, t.count)})
    if t.month:
        kept[t.month] = month[ok]
    kept = kept.reset_index(drop=True)
    if t.count:  # keep the template's column order: month, indicator, count, row
        kept = kept[[*t.names, "row"]]
    else:
        kept = kept[[*t.names, "row", *(["month", "count"] if month is not None else [])]]
    rejected = concat_rejects([bad_line_rejects(source, str(path), table), sieve.rejected()])
    stats = _file_stats(path.name, table.rows_read, len(kept), len(rejected), kept.get("month"), table.encoding)
    if table.rows_read == 0:
        problems.append(Problem(str(path), "no data rows (only a header)", level="note"))
    return ReadResult(source, kept, rejected, table.rows_read, [path], problems, stats)


def _file_stats(name: str, read: int, kept: int, rejected: int, months, encoding: str) -> pd.DataFrame:
    months = pd.Series(months).dropna() if months is not None else pd.Series(dtype="datetime64[us]")
    return pd.DataFrame(
        [{
            "file": name, "rows_read": read, "kept": kept, "rejected": rejected,
            "first_month": months.min() if len(months) else pd.NaT,
            "last_month": months.max() if len(months) else pd.NaT,
            "encoding": encoding,
        }]
    )
