"""Schemas of every table the workbook reads or builds (pandera).

Two kinds of schema live here:

* **Input templates** (:data:`TEMPLATES`): the partner CSV templates, one per
  dataset, column by column (type, allowed values, example, meaning). They drive
  the partner reader's row checks (:func:`input_schema` builds the pandera schema
  that finds every bad value), ``docs/data_formats.md`` (:func:`markdown_table`,
  kept in step by a test) and the empty templates in ``data/templates/``
  (:func:`write_templates`).
* **Table contracts** (:data:`TABLES`): what each reader hands to the analysis
  (the kept tables, rejects, accounts). :func:`check_table` validates a table
  against its contract; a failure is a bug in the workbook, not in the user's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from csp_analysis.sources import (
    REJECT_KINDS,
    date_problem,
    month_problem,
    parse_dates,
    parse_months,
)

RAG = ("Green", "Amber", "Red")

KIND_TEXT = {
    "id": "text, unique in the file",
    "text": "text",
    "date": "date, YYYY-MM-DD or DD/MM/YYYY",
    "month": "month, YYYY-MM",
    "count": "whole number, 0 or more",
    "lsoa": "LSOA code of the area",
    "ward": "ward code of the area",
    "financial_year": "financial year, YYYY-YY",
    "code": "code (any case)",
}


@dataclass(frozen=True)
class Col:
    """One column of an input template."""

    name: str
    kind: str
    example: str
    meaning: str
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    """One partner dataset's CSV template."""

    source: str
    file_name: str
    title: str
    meaning: str
    columns: tuple[Col, ...]
    key: tuple[str, ...] = ()  # a repeated key is a duplicate row
    date: str | None = None  # incident date column → month
    month: str | None = None  # month column of monthly aggregates
    count: str | None = None  # count column of monthly aggregates

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def allowed(self) -> dict[str, tuple[str, ...]]:
        return {c.name: c.allowed for c in self.columns if c.allowed}

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


_LSOA = Col("lsoa_code", "lsoa", "E01024452", "LSOA (2011) where it happened; must be in the LSOA lookup and in the area")


def _monthly(source: str, file_name: str, title: str, example: str, indicators: str) -> Template:
    return Template(
        source, file_name, title,
        f"One row per month and indicator: {indicators}. A month not supplied is missing, not zero.",
        (
            Col("month", "month", "2014-04", "calendar month"),
            Col("indicator", "text", example, "indicator code; the params file's indicators filter on it"),
            Col("count", "count", "12", "how many in the month"),
        ),
        key=("month", "indicator"), month="month", count="count",
    )


TEMPLATES: dict[str, Template] = {
    t.source: t
    for t in (
        Template(
            "domestic_abuse", "domestic_abuse_incidents.csv", "Domestic abuse incidents (police)",
            "One row per domestic abuse incident reported to police (crimes and non-crime incidents).",
            (
                Col("incident_id", "id", "DA000001", "police incident reference"),
                Col("date", "date", "2014-04-30", "date of the incident"),
                Col("victim_id", "text", "V00027", "pseudonymous victim reference: the same victim, the same id"),
                _LSOA,
                Col("repeat_victim", "code", "N", "Y when the victim had another incident in the previous 12 months", ("Y", "N")),
                Col("risk_level", "code", "standard", "DASH risk assessment", ("standard", "medium", "high")),
                Col("recorded_as", "code", "crime", "recorded as a crime or a non-crime incident", ("crime", "non-crime")),
            ),
            key=("incident_id",), date="date",
        ),
        Template(
            "council_asb", "council_asb_reports.csv", "ASB reports to the council",
            "One row per anti-social behaviour report made to the council.",
            (
                Col("report_id", "id", "ASB00001", "council case reference"),
                Col("date", "date", "2014-04-02", "date reported"),
                _LSOA,
                Col("category", "text", "noise", "the council's ASB category (e.g. noise, neighbour dispute, environmental)"),
            ),
            key=("report_id",), date="date",
        ),
        Template(
            "business_crime", "business_crime.csv", "Business crime reports",
            "One row per crime against a business (Business Crime Reduction Partnership or police).",
            (
                Col("incident_id", "id", "BC000001", "incident reference"),
                Col("date", "date", "2014-04-01", "date of the incident"),
                _LSOA,
                Col("business_type", "text", "retail", "kind of business (e.g. retail, licensed premises)"),
                Col("offence", "text", "shoplifting", "offence (e.g. shoplifting, burglary non-dwelling, criminal damage)"),
            ),
            key=("incident_id",), date="date",
        ),
        _monthly("youth_indicators", "youth_indicators.csv", "Youth indicators", "first_time_entrants",
                 "first-time entrants to the youth justice system, youth ASB reports, young people engaged…"),
        _monthly("substance_misuse_indicators", "substance_misuse_indicators.csv", "Substance misuse indicators",
                 "alcohol_related_admissions",
                 "alcohol-related hospital admissions, new presentations to drug or alcohol treatment…"),
        Template(
            "public_concern_survey", "public_concern_survey.csv", "Public concern survey",
            "One row per respondent and issue: is the respondent concerned about it?",
            (
                Col("respondent_id", "text", "R1314-0001", "respondent reference"),
                Col("survey_year", "financial_year", "2014-15", "financial year of the survey (2014/15 is accepted)"),
                Col("ward_code", "ward", "E05009964", "respondent's ward; must be a ward of the area in the lookup"),
                Col("issue", "text", "burglary", "issue asked about: a priority's survey_issue in the params file"),
                Col("concerned", "code", "yes", "the answer", ("yes", "no")),
            ),
            key=("respondent_id", "survey_year", "issue"),
        ),
        Template(
            "action_plan_tracker", "action_plan_tracker.csv", "Action-plan tracker",
            "One row per success measure of last year's action plan, with the year-end RAG status.",
            (
                Col("action_id", "text", "A01", "action reference (repeated for each of its measures)"),
                Col("priority_id", "text", "domestic_abuse", "the priority's id in the params file"),
                Col("action", "text", "Deliver the Freedom Programme", "what the partnership committed to"),
                Col("lead_partner", "text", "Sevenoaks District Council", "who leads it"),
                Col("action_rag", "code", "Green", "year-end status of the action", RAG),
                Col("measure_id", "id", "M001", "success measure reference"),
                Col("success_measure", "text", "Run at least 4 courses", "how success is measured"),
                Col("measure_rag", "code", "Green", "year-end status of the measure", RAG),
            ),
            key=("measure_id",),
        ),
    )
}


# ----------------------------------------------------------- input row schemas

REASONS = {
    "not_nullable": "empty value",
    "number": "not a number",
    "negative": "negative count",
    "whole": "not a whole number",
    "lsoa": "not an LSOA code (like E01024435)",
    "ward": "not a ward code (like E05009964)",
    "financial_year": "not a financial year (use YYYY-YY, like 2014-15)",
}


def _reason(check: str, value: str) -> str:
    """The reject reason for a failed check of :func:`input_schema`."""
    if check == "date":
        return date_problem(value)
    if check == "month":
        return month_problem(value)
    return REASONS.get(check, check)


def _fy_ok(s: pd.Series) -> pd.Series:
    m = s.str.extract(r"^(\d{4})[-/](\d{2})$")
    return m[0].notna() & ((m[0].astype("float") + 1) % 100 == m[1].astype("float"))


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def input_schema(t: Template) -> pa.DataFrameSchema:
    """Pandera schema of one template's raw rows (every value a string, empty = NA).

    Each check's ``error`` is a key of :data:`REASONS` (or ``date``/``month``,
    whose reason depends on the value) so that every failure becomes a reject
    with a reason in the user's words.
    """
    cols = {}
    for c in t.columns:
        checks: list[pa.Check] = []
        if c.kind == "date":
            checks.append(pa.Check(lambda s: parse_dates(s).notna(), error="date"))
        elif c.kind == "month":
            checks.append(pa.Check(lambda s: parse_months(s).notna(), error="month"))
        elif c.kind == "count":
            checks += [
                pa.Check(lambda s: _num(s).notna(), error="number"),
                pa.Check(lambda s: ~(_num(s) < 0), error="negative"),
                pa.Check(lambda s: ~(_num(s) % 1 > 0), error="whole"),
            ]
        elif c.kind == "financial_year":
            checks.append(pa.Check(_fy_ok, error="financial_year"))
        if c.allowed:
            allowed = [a.lower() for a in c.allowed]
            checks.append(
                pa.Check(lambda s, a=allowed: s.str.lower().isin(a), error=f"expected one of: {', '.join(c.allowed)}")
            )
        cols[c.name] = pa.Column(str, checks, nullable=False, required=True, coerce=False)
    return pa.DataFrameSchema(cols, strict=False, name=t.source)


def first_failures(schema: pa.DataFrameSchema, df: pd.DataFrame) -> pd.DataFrame:
    """Every row's first failure: ``index, column, check, value`` (one row per failing row).

    Rows are validated lazily (every failure found in one pass); a row failing
    several checks is reported once, with its first failure in the column
    order: empty values first, then each column's checks in order.
    """
    data = df.replace({"": pd.NA})
    try:
        schema.validate(data, lazy=True)
        return pd.DataFrame(columns=["index", "column", "check", "value", "reason"])
    except SchemaErrors as err:
        fc = err.failure_cases
    fc = fc[fc["index"].notna() & fc["column"].isin(list(schema.columns))].copy()
    order = {c: i for i, c in enumerate(schema.columns)}
    fc["empty"] = fc["check"] != "not_nullable"
    fc["col_order"] = fc["column"].map(order)
    fc["check_number"] = pd.to_numeric(fc["check_number"], errors="coerce").fillna(-1)
    fc = fc.sort_values(["empty", "col_order", "check_number"], kind="stable")
    fc = fc.drop_duplicates("index")
    fc["index"] = fc["index"].astype("int64")
    fc["value"] = [df.at[i, c] for i, c in zip(fc["index"], fc["column"])]
    fc["reason"] = [_reason(k, v) for k, v in zip(fc["check"], fc["value"])]
    return fc[["index", "column", "check", "value", "reason"]]


# ------------------------------------------------------------- table contracts

def _str(nullable: bool = False, **kw) -> pa.Column:
    return pa.Column(str, nullable=nullable, **kw)


_DT = pa.Column(pa.dtypes.DateTime)
_ROW = pa.Column("int64", pa.Check.ge(0))


def _police_categories() -> tuple[list[str], list[str], list[str]]:
    from csp_analysis.sources.police_uk import BROAD_CATEGORY, CATEGORIES, STABLE_CATEGORY

    return list(STABLE_CATEGORY), list(CATEGORIES), sorted(set(BROAD_CATEGORY.values()))


def _tables() -> dict[str, pa.DataFrameSchema]:
    types, cats, broad = _police_categories()
    out = {
        "police_uk": pa.DataFrameSchema(
            {
                "crime_id": _str(True),
                "month": _DT,
                "force_file": _str(),
                "force": _str(),
                "longitude": pa.Column(float, nullable=True),
                "latitude": pa.Column(float, nullable=True),
                "location": _str(),
                "lsoa_code": _str(True),
                "lsoa_name": _str(),
                "district_code": _str(True),
                "district_name": _str(True),
                "crime_type": _str(checks=pa.Check.isin(types)),
                "category": _str(checks=pa.Check.isin(cats)),
                "broad_category": _str(checks=pa.Check.isin(broad)),
                "era": _str(checks=pa.Check.isin(["6 types", "11 types", "14 types"])),
                "outcome": _str(),
                "in_area": pa.Column(bool),
                "file": _str(),
                "row": _ROW,
            },
            strict=True, name="police_uk",
        ),
        "police_counts": pa.DataFrameSchema(
            {
                "force_file": _str(),
                "district_code": _str(True),
                "district_name": _str(True),
                "month": _DT,
                "category": _str(checks=pa.Check.isin(cats)),
                "broad_category": _str(checks=pa.Check.isin(broad)),
                "count": pa.Column("int64", pa.Check.gt(0)),
            },
            strict=True, name="police_counts",
        ),
        "police_uk_outcomes": pa.DataFrameSchema(
            {
                "crime_id": _str(),
                "month": _DT,
                "force_file": _str(),
                "lsoa_code": _str(True),
                "outcome_type": _str(),
                "latest": pa.Column(bool),
                "file": _str(),
                "row": _ROW,
            },
            strict=True, name="police_uk_outcomes",
        ),
        "road_casualties": pa.DataFrameSchema(
            {
                "accident_index": _str(),
                "date": _DT,
                "month": _DT,
                "lsoa_code": _str(True),
                "severity": _str(checks=pa.Check.isin(["fatal", "serious", "slight"])),
                "ksi": _str(checks=pa.Check.isin(["Y", "N"])),
                "count": pa.Column("int64", pa.Check.eq(1)),
                "row": _ROW,
            },
            strict=True, name="road_casualties",
        ),
        "lsoa": pa.DataFrameSchema(
            {
                "lsoa_code": _str(unique=True),
                "lsoa_name": _str(True),
                "ward_code": _str(True),
                "ward_name": _str(True),
                "lad_code": _str(True),
                "lad_name": _str(True),
                "population": pa.Column("int64", pa.Check.ge(0)),
            },
            strict=False, name="lsoa",
        ),
        "population": pa.DataFrameSchema(
            {
                "lsoa_code": _str(),
                "year": pa.Column("int64", nullable=True),
                "population": pa.Column("int64", pa.Check.ge(0)),
            },
            strict=False, name="population",
        ),
        "rejects": pa.DataFrameSchema(
            {
                "source": _str(),
                "file": _str(),
                "row": _ROW,
                "column": _str(),
                "value": _str(),
                "reason": _str(),
                "kind": _str(checks=pa.Check.isin(list(REJECT_KINDS))),
            },
            strict=True, name="rejects",
        ),
        "accounts": pa.DataFrameSchema(
            {
                "source": _str(unique=True),
                "files": pa.Column("int64", pa.Check.ge(0)),
                "rows_read": pa.Column("int64", pa.Check.ge(0)),
                "kept": pa.Column("int64", pa.Check.ge(0)),
                "rejected": pa.Column("int64", pa.Check.ge(0)),
            },
            checks=pa.Check(lambda d: d["rows_read"] == d["kept"] + d["rejected"],
                            error="rows read = kept + rejected"),
            strict=False, name="accounts",
        ),
    }
    for t in TEMPLATES.values():
        cols: dict[str, pa.Column] = {}
        for c in t.columns:
            if c.kind == "date" or c.kind == "month":
                cols[c.name] = _DT
            elif c.kind == "count":
                cols[c.name] = pa.Column("int64", pa.Check.ge(0))
            else:
                cols[c.name] = _str(checks=pa.Check.isin(list(c.allowed)) if c.allowed else None)
        if t.date or t.month:
            cols["month"] = _DT
            cols["count"] = pa.Column("int64", pa.Check.ge(0))
        cols["row"] = _ROW
        out[t.source] = pa.DataFrameSchema(cols, strict=True, name=t.source)
    return out


_TABLES: dict[str, pa.DataFrameSchema] | None = None


def tables() -> dict[str, pa.DataFrameSchema]:
    """Every table contract, by name (built on first use)."""
    global _TABLES
    if _TABLES is None:
        _TABLES = _tables()
    return _TABLES


def check_table(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Validate ``df`` against the contract ``name``; raise AssertionError (a bug) if it breaks it."""
    try:
        return tables()[name].validate(df, lazy=True)
    except (SchemaErrors, SchemaError) as err:
        raise AssertionError(f"table '{name}' breaks its schema: {err}") from None


# ------------------------------------------------------- docs and empty files

def markdown_table(t: Template) -> str:
    """The template as a markdown table (docs/data_formats.md holds it verbatim)."""
    lines = ["| column | type | allowed values | example | meaning |", "|---|---|---|---|---|"]
    for c in t.columns:
        allowed = ", ".join(f"`{a}`" for a in c.allowed) if c.allowed else ""
        kind = KIND_TEXT[c.kind]
        if c.name in t.key and c.kind != "id" and len(t.key) == 1:
            kind += ", unique in the file"
        lines.append(f"| `{c.name}` | {kind} | {allowed} | `{c.example}` | {c.meaning} |")
    return "\n".join(lines)


def template_header(t: Template) -> str:
    return ",".join(t.names) + "\n"


def write_templates(folder: Path) -> list[Path]:
    """Write one empty template (header row only, UTF-8) per partner dataset."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for t in TEMPLATES.values():
        p = folder / t.file_name
        p.write_text(template_header(t), encoding="utf-8")
        out.append(p)
    return out
