"""Data quality, sources, methods and glossary sections.

Everything here reads what the readers recorded (``ds.accounts``, ``ds.files``,
``ds.rejects``, ``ds.problems``, ``ds.coverage``): rows read, kept and rejected
for every source and file, the months each source covers in the assessment
window, and every problem found.
"""

from __future__ import annotations

import pandas as pd

from csp_analysis.config import Params
from csp_analysis.data import UNDATED, Dataset
from csp_analysis.sources import SOURCE_NAMES


def _fmt(n) -> str:
    return f"{int(n):,}"


def reconciliation_sentence(ds: Dataset) -> str:
    """Rows read, kept and rejected over every source, checked, with the notes a reader needs."""
    a = ds.accounts
    ok = bool((a["rows_read"] == a["kept"] + a["rejected"]).all())
    if ok and len(ds.files):
        f = ds.files
        ok = bool((f["rows_read"] == f["kept"] + f["rejected"]).all())
    total, kept, rej = int(a["rows_read"].sum()), int(a["kept"].sum()), int(a["rejected"].sum())
    verdict = "Every row is accounted for" if ok else "**Rows are missing from the accounts**"
    text = (
        f"{verdict}: {total:,} rows were read from {len(a)} sources, {kept:,} kept and "
        f"{rej:,} rejected with a reason. Identical police.uk rows are kept: they are separate "
        f"incidents at the same anonymised map point, not duplicates."
    )
    if "counted" in a and int(a["counted"].sum()):
        text += (f" {int(a['counted'].sum()):,} police.uk rows of other forces are kept as monthly counts "
                 "by district, not as rows.")
    r = ds.rejects
    if len(r) and "kind" in r:
        kinds = r["kind"].value_counts()
        parts = [f"{kinds[k]:,} {w}" for k, w in (("invalid", "invalid"), ("duplicate", "duplicates"),
                                                  ("out of scope", "outside the area or the data window"))
                 if k in kinds]
        text += " Rejected: " + ", ".join(parts) + "."
    notes = problem_lines(ds)
    if notes:
        text += "\n\n" + "\n".join(f"- {n}" for n in notes)
    return text


def problem_lines(ds: Dataset) -> list[str]:
    """One line per problem found (coverage gaps, rows with no location, files ignored…)."""
    p = ds.problems
    if p is None or p.empty:
        return []
    out = []
    for r in p.itertuples():
        name = SOURCE_NAMES.get(r.source, r.source)
        text = str(r.expected)
        if not text.startswith(name):
            text = f"{name}: {text}"
        out.append(("**Problem**: " if r.level == "error" else "") + text)
    return out


def _fy_months(ds: Dataset, source: str) -> list[tuple[str, int, int, list[pd.Timestamp]]]:
    """(year label, months covered, months in the year, missing months) per year of the assessment window."""
    cov = ds.coverage
    if cov is None or cov.empty or source not in set(cov["source"]):
        return []
    c = cov[cov["source"] == source].copy()
    start = c["month"].dt.year - (c["month"].dt.month < 4).astype(int)
    c["fy"] = start.map(lambda y: f"{y}-{(y + 1) % 100:02d}")
    out = []
    for fy, g in c.groupby("fy", sort=True):
        missing = list(g.loc[~g["covered"], "month"])
        out.append((fy, int(g["covered"].sum()), len(g), missing))
    return out


def months_covered(ds: Dataset, source: str) -> str:
    """Which months of the assessment window a source covers, e.g. "2013-14: 12 of 12; 2014-15: 11 of 12 (no Aug 2014)"."""
    if source in UNDATED:
        return _undated(ds, source)
    parts = []
    for fy, n, total, missing in _fy_months(ds, source):
        text = f"{fy}: {n} of {total}"
        if missing:
            text += " (no " + (", ".join(f"{m:%b %Y}" for m in missing) if len(missing) <= 3
                               else f"{missing[0]:%b %Y} … {missing[-1]:%b %Y}") + ")"
        parts.append(text)
    return "; ".join(parts) if parts else "none"


def _undated(ds: Dataset, source: str) -> str:
    if source == "public_concern_survey" and source in ds.partner:
        years = sorted(ds.partner[source]["survey_year"].dropna().unique())
        return "survey years " + ", ".join(years) if years else "none"
    return "–"


def accounts_table(ds: Dataset, params: Params) -> pd.DataFrame:
    """Every input: files, rows read, kept, rejected, and the months it covers."""
    a = ds.accounts
    synth = set(params.data.synthetic)
    return pd.DataFrame(
        {
            "Source": [SOURCE_NAMES.get(s, s) for s in a["source"]],
            "Data": ["synthetic" if s in synth else "real" for s in a["source"]],
            "Files": a["files"].to_numpy(),
            "Rows read": a["rows_read"].map(_fmt).to_numpy(),
            "Kept": a["kept"].map(_fmt).to_numpy(),
            "Rejected": a["rejected"].map(_fmt).to_numpy(),
            "Months covered": [months_covered(ds, s) for s in a["source"]],
        }
    )


def coverage_table(ds: Dataset) -> pd.DataFrame:
    """Months with data, per source and financial year of the assessment window."""
    rows = []
    for s in ds.coverage["source"].unique() if len(ds.coverage) else []:
        for fy, n, total, missing in _fy_months(ds, s):
            rows.append({
                "Source": SOURCE_NAMES.get(s, s), "Year": fy, "Months with data": f"{n} of {total}",
                "Months without": ", ".join(f"{m:%b %Y}" for m in missing) or "–",
            })
    return pd.DataFrame(rows, columns=["Source", "Year", "Months with data", "Months without"])


def figure_months(ds: Dataset, source: str, months: pd.DatetimeIndex | None = None) -> str:
    """The months a figure from ``source`` covers, for a footnote: "Apr 2014 – Mar 2015 (12 months)"."""
    cov = ds.coverage
    if cov is None or cov.empty:
        return ""
    c = cov[(cov["source"] == source) & cov["covered"]]
    m = pd.DatetimeIndex(c["month"])
    if months is not None:
        m = m.intersection(months)
    if len(m) == 0:
        return "no months"
    text = f"{m.min():%b %Y} – {m.max():%b %Y} ({len(m)} month{'s' if len(m) != 1 else ''})"
    full = pd.date_range(m.min(), m.max(), freq="MS")
    gap = full.difference(m)
    if len(gap):
        text += "; without " + ", ".join(f"{g:%b %Y}" for g in gap)
    return text


def rejects_summary(ds: Dataset) -> pd.DataFrame:
    """Rejected rows grouped by source, file, column and reason, with the first rows and an example."""
    r = ds.rejects
    if r.empty:
        return pd.DataFrame()
    if "kind" not in r:
        r = r.assign(kind="invalid")
    g = r.groupby(["source", "file", "column", "reason", "kind"], sort=False)
    out = g.agg(rows=("row", "size"), first_row=("row", "min"), example=("value", "first")).reset_index()
    out["source"] = out["source"].map(lambda s: SOURCE_NAMES.get(s, s))
    out["example"] = out["example"].map(lambda v: v if len(str(v)) <= 40 else str(v)[:39] + "…")
    out = out.sort_values(["source", "rows"], ascending=[True, False], kind="stable")
    out = out.rename(columns={"first_row": "First row", "kind": "Kind"}).rename(columns=str.capitalize)
    return out.reset_index(drop=True)


def sources_text(params: Params) -> str:
    synth = "; ".join(SOURCE_NAMES.get(s, s) for s in params.data.synthetic if s != "road_collisions")
    lines = [
        ("**Police recorded crime and anti-social behaviour**: police.uk street-level data for "
        f"{params.area.force}. Locations are anonymised to map points covering at least eight "
        "addresses, good for counts by neighbourhood (LSOA), not for street-level precision. "
        "Contains public sector information licensed under the Open Government Licence v3.0."),
        ("**Geography and population**: ONS LSOA-to-ward lookup and 2011 Census usual residents "
        "by LSOA (Open Government Licence v3.0); rates per 1,000 use the area population in the "
        "params file."),
    ]
    if synth:
        lines.append(
            f"**Synthetic data**: {synth}. These are generated by a documented, deterministic "
            "generator calibrated to the figures of the partnership's 2014-15 annual report; they "
            "stand in for partners' own data and must not be quoted as facts."
        )
    return "\n\n".join(lines)


def methods_text(params: Params) -> str:
    return "\n".join(
        [
            "**Methods and assumptions** (full list in the workbook's docs/assumptions.md):",
            "",
            (f"- Years are financial years (April to March); {params.period.current} is compared with "
            f"{params.period.previous}, using only months present in both years."),
            ("- Every input is checked row by row: rows read = rows kept + rows rejected, and each "
            "rejected row has its file, row, column, value and reason. Rows dated outside the data "
            f"window (the five years to March {params.period.current.start_year + 1}) or placed "
            "outside the area are set aside as out of scope."),
            ("- A change is tested as a ratio of two Poisson counts (E-test, 5% significance); the 95% "
            "interval of the rate ratio is the exact conditional (Clopper-Pearson) interval. Only a "
            "significant change is described as a rise or a fall."),
            ("- police.uk crime types are mapped to a taxonomy that stays the same across police.uk's "
            "changes of categories (September 2011 and May 2013); a crime published twice under one "
            "Crime ID is counted once."),
            (f"- Counts below {params.report.suppression_threshold} of indicators marked sensitive "
            "(such as domestic abuse and youth justice) are not shown, nor are figures that would reveal them."),
            ("- The priority ranking is a weighted sum of 1–5 criteria scores; its sensitivity to the "
            "weights is shown with the matrix."),
        ]
    )


GLOSSARY = {
    "ASB": "Anti-social behaviour",
    "BCRP": "Business Crime Reduction Partnership",
    "BOTD": "Burglary other than dwelling",
    "CSP": "Community Safety Partnership",
    "CSU": "Community Safety Unit",
    "DASH": "Domestic abuse, stalking and harassment risk assessment",
    "Data window": "The five financial years up to the end of the assessed year; rows dated outside it are set aside",
    "KSI": "Killed or seriously injured (road casualties)",
    "LSOA": "Lower layer super output area: an ONS neighbourhood of about 1,500 residents",
    "MARAC": "Multi Agency Risk Assessment Conference",
    "PCC": "Police & Crime Commissioner",
    "Poisson E-test": "A test of whether two counts differ by more than chance would explain",
    "RAG": "Red / amber / green status of an action",
    "Rejected row": "An input row not used, with its file, row number, column, value and the reason",
    "Robust rank": "A rank that stays within one place when the weights of the criteria vary",
    "STATS19": "The police record of road collisions and casualties published by the DfT",
    "TFMV / TOMV": "Theft from / of a motor vehicle",
    "Victim-based crime": "Recorded crime with a direct victim (excludes drugs, public order, other crime)",
}


def glossary() -> pd.DataFrame:
    return pd.DataFrame({"Term": list(GLOSSARY), "Meaning": list(GLOSSARY.values())})


# ---------------------------------------------------------------- validation

def _where(params: Params, source: str) -> str:
    from csp_analysis.data import _source_file

    p = _source_file(params, source)
    try:
        return str(p and __import__("os").path.relpath(p))
    except ValueError:  # another drive (Windows)
        return str(p)


def validation_table(ds: Dataset, params: Params) -> pd.DataFrame:
    """One row per input: file, rows read / kept / rejected, months covered, problems."""
    rows = []
    probs = ds.problems if ds.problems is not None else pd.DataFrame(columns=["source", "level"])
    for a in ds.accounts.itertuples():
        r = ds.rejects[ds.rejects["source"] == a.source]
        kinds = r["kind"].value_counts() if len(r) else pd.Series(dtype="int64")
        bits = [f"{kinds[k]:,} {w}" for k, w in (("invalid", "invalid"), ("duplicate", "duplicate"),
                                                 ("out of scope", "out of scope")) if k in kinds]
        p = probs[probs["source"] == a.source]
        if len(p):
            e = int((p["level"] == "error").sum())
            n = len(p) - e
            bits += ([f"{e} error{'s' * (e != 1)}"] if e else []) + ([f"{n} note{'s' * (n != 1)}"] if n else [])
        file = _where(params, a.source)
        if a.source == "road_casualties":
            file = _where(params, "road_casualties")
        if a.files > 1:
            file += f" ({a.files} files)"
        rows.append({
            "file": file, "source": a.source, "rows read": a.rows_read, "kept": a.kept, "rejected": a.rejected,
            "months covered": months_covered(ds, a.source), "problems": ", ".join(bits) or "–",
        })
    # inputs that could not be read at all
    seen = set(ds.accounts["source"])
    for s in sorted(set(probs["source"]) - seen) if len(probs) else []:
        p = probs[probs["source"] == s]
        e = int((p["level"] == "error").sum())
        rows.append({"file": _where(params, s), "source": s, "rows read": 0, "kept": 0, "rejected": 0,
                     "months covered": "–", "problems": f"{e} error{'s' * (e != 1)}" if e else "notes"})
    return pd.DataFrame(rows, columns=["file", "source", "rows read", "kept", "rejected", "months covered",
                                       "problems"])


def validation_lines(ds: Dataset, params: Params, *, max_groups: int = 50) -> list[tuple[str, str]]:
    """(level, line) for every problem: file-level problems first, then rejected rows
    grouped by file, column and reason (the first row in full, then the other rows' numbers)."""
    out: list[tuple[str, str]] = []
    p = ds.problems
    for r in (p.itertuples() if p is not None else []):
        where = [str(r.file)] if r.file else []
        if not pd.isna(r.row):
            where.append(f"row {int(r.row)}")
        if isinstance(r.column, str) and r.column:
            where.append(f"column '{r.column}'")
        line = ", ".join(where)
        if isinstance(r.value, str):
            line += f": {r.value!r}"
        out.append((str(r.level), f"{line}: {r.expected}" if line else str(r.expected)))
    rej = ds.rejects
    if len(rej):
        groups = rej.groupby(["source", "file", "column", "reason", "kind"], sort=False)
        for i, ((source, file, column, reason, kind), g) in enumerate(groups):
            if i >= max_groups:
                out.append(("note", (f"… and {groups.ngroups - max_groups} more kinds of rejected rows "
                                    "(see the data-quality section of the report)")))
                break
            first = g.iloc[0]
            value = str(first["value"])
            value = value if len(value) <= 60 else value[:59] + "…"
            line = f"{file}, row {int(first['row'])}, column '{column}': {value!r}: {reason}"
            if len(g) > 1:
                more = ", ".join(str(int(x)) for x in g["row"].iloc[1:6])
                line += f" (and {len(g) - 1:,} more row{'s' * (len(g) > 2)}: {more}{', …' if len(g) > 6 else ''})"
            out.append(("rejected" if kind != "out of scope" else "scope", line))
    return out
