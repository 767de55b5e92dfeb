"""Load every input of an assessment once, validated and accounted, and cache it.

``load_dataset(params)`` reads the police.uk archive (street and outcomes files),
the partner files, STATS19 and the lookups, and returns a :class:`Dataset`. Every
reader accounts for every row (rows read = kept + rejected, per file and per
source); problems that make an input unusable are raised together as one
:class:`~csp_analysis.sources.InputError`, one line per problem.

The parsed tables are cached as parquet under ``params.cache_dir``, keyed by the
SHA-256 of every input file, the reader code and the settings that change what
is kept (area, force, period), so a second kernel, and a second run, read
parquet instead of parsing CSV again. The cache is safe to delete.

The **data window** is the five financial years ending with the assessed year
(and at least the year compared with): rows dated before it or after the
assessed year are rejected as *out of scope* (see docs/data_formats.md). The
**assessment window** is the compared year and the assessed year: months missing
inside it are reported for every source.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from csp_analysis.config import Params, police_uk_paths
from csp_analysis.memo import input_hashes
from csp_analysis.sources import (
    REJECT_COLUMNS,
    SOURCE_NAMES,
    InputError,
    Problem,
    ReadResult,
    Scope,
    concat_rejects,
)
from csp_analysis.sources.lookups import (
    population_for_year,
    read_lsoa_lookup_result,
    read_population_result,
)

# The readers (pandera, the CSV machinery) are imported where inputs are parsed: a kernel
# that reads the parquet cache never needs them.

CACHE_VERSION = "3"  # bump when a reader's output changes shape (the code's hash is in the key too)
HISTORY_YEARS = 5  # financial years in the data window, ending with the assessed year

PROBLEM_COLUMNS = ["source", "file", "row", "column", "value", "expected", "level"]
FILE_COLUMNS = ["source", "file", "force", "rows_read", "kept", "rejected", "first_month", "last_month",
                "months", "no_location", "encoding"]
UNDATED = ("public_concern_survey", "action_plan_tracker", "lsoa_lookup", "population")


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass
class Dataset:
    """All inputs of one assessment, as tidy tables."""

    police: pd.DataFrame  # police.uk rows of the area's force; ``in_area`` marks the assessed area
    partner: dict[str, pd.DataFrame]  # by source name, incl. "road_casualties" and "road_collisions"
    lsoa: pd.DataFrame  # the area's LSOAs with ward, district, population
    accounts: pd.DataFrame  # source, files, rows_read, kept, rejected, counted, first_month, last_month
    rejects: pd.DataFrame  # source, file, row, column, value, reason, kind
    police_counts: pd.DataFrame = field(default_factory=pd.DataFrame)  # every kept police.uk row, counted
    outcome_history: pd.DataFrame = field(default_factory=pd.DataFrame)  # every kept outcome row
    population: pd.DataFrame = field(default_factory=pd.DataFrame)  # every LSOA of the population file
    files: pd.DataFrame = field(default_factory=lambda: _empty(FILE_COLUMNS))  # accounts per file
    problems: pd.DataFrame = field(default_factory=lambda: _empty(PROBLEM_COLUMNS))
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)  # source, month, rows (assessment window)
    meta: dict = field(default_factory=dict)  # window, assessment window, area
    peers: pd.DataFrame = field(default_factory=pd.DataFrame)  # police.uk rows of ``data.peers`` (the force's districts)

    @property
    def area_police(self) -> pd.DataFrame:
        return self.police[self.police["in_area"]]

    @property
    def outcomes(self) -> pd.DataFrame:
        """The latest outcome of each Crime ID (police.uk outcomes files)."""
        if self.outcome_history.empty:
            return self.outcome_history
        return self.outcome_history[self.outcome_history["latest"]].reset_index(drop=True)

    def source(self, name: str) -> pd.DataFrame:
        """Rows of one source inside the area (police.uk) or as supplied (partners)."""
        if name == "police_uk":
            return self.area_police
        try:
            return self.partner[name]
        except KeyError:
            raise InputError(f"no data loaded for source '{name}': add its file under data.partner") from None

    @property
    def census_population(self) -> int:
        return int(self.lsoa["population"].sum())

    def missing_months(self, source: str) -> list[pd.Timestamp]:
        """Months of the assessment window with no data from ``source``."""
        if self.coverage.empty:
            return []
        c = self.coverage[(self.coverage["source"] == source) & ~self.coverage["covered"]]
        return list(pd.DatetimeIndex(c["month"]))

    @property
    def usable(self) -> bool:
        return self.problems.empty or not (self.problems["level"] == "error").any()


# ------------------------------------------------------------------ windows

def data_window(params: Params) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first, last) month of the data window: five financial years ending with the assessed one."""
    from csp_analysis.periods import FinancialYear

    cur, prev = params.period.current, params.period.previous
    start = min(FinancialYear(cur.start_year - HISTORY_YEARS + 1).first_month, prev.first_month)
    return start, cur.last_month


def assessment_months(params: Params) -> pd.DatetimeIndex:
    """The months of the compared year and the assessed year."""
    cur, prev = params.period.current, params.period.previous
    return prev.months.append(cur.months).unique().sort_values()


# ------------------------------------------------------------------ hashing

def _code_hash() -> str:
    """Hash of the reader code: a changed reader never reads a stale cache."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for p in sorted([here / "data.py", here / "schemas.py", *(here / "sources").glob("*.py")]):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _cache_key(params: Params, hashes: dict[str, str]) -> str:
    from csp_analysis import __version__

    payload = {
        "v": [CACHE_VERSION, __version__, _code_hash()],
        "area": [params.area.code, params.area.lsoa_name_prefix, params.area.force],
        "period": [str(params.period.current), str(params.period.previous)],
        "files": sorted(hashes.values()),
        "names": sorted(Path(p).name for p in hashes),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


# ------------------------------------------------------------------ reading

def _area_lsoas(params: Params, lookup: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """The area's LSOAs: by district code (or CSP code) in the lookup, else by ``la_code``
    in the population table, else by the LSOA name prefix; with this year's population."""
    code = params.area.code
    area = lookup[lookup["lad_code"] == code]
    if area.empty and "csp_code" in lookup:
        area = lookup[lookup["csp_code"] == code]
    if area.empty and len(population):
        pop_area = population[population["la_code"] == code]
        if pop_area.empty:
            pop_area = population[population["lsoa_name"].fillna("").str.startswith(params.area.lsoa_name_prefix)]
        if pop_area.empty:
            raise InputError(Problem(
                str(params.source_file),
                f"no LSOA of area code {code} (or named '{params.area.lsoa_name_prefix}…') in "
                f"{params.data.lsoa_lookup.name} or {params.data.population.name}; check area.code",
                column="area.code", value=code))
        area = pop_area.drop_duplicates("lsoa_code")[["lsoa_code", "lsoa_name"]].assign(
            ward_code=pd.NA, ward_name=pd.NA, lad_code=code, lad_name=params.area.name
        )
    elif area.empty:
        raise InputError(Problem(
            str(params.source_file),
            f"no LSOA of area code {code} in {params.data.lsoa_lookup.name}; check area.code",
            column="area.code", value=code))
    pop = population_for_year(population, params.period.current.start_year).rename("population")
    out = area.drop(columns=[c for c in ("row",) if c in area]).merge(
        pop, left_on="lsoa_code", right_index=True, how="left")
    out["population"] = out["population"].fillna(0).astype("int64")
    out = out[["lsoa_code", "lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name", "population"]]
    return out.astype({c: "string" for c in out.columns if c != "population"}).reset_index(drop=True)


class _Collector:
    """Runs the readers, keeping what each returns and every problem on the way."""

    def __init__(self) -> None:
        self.results: list[ReadResult] = []
        self.problems: list[tuple[str, Problem]] = []

    def run(self, source: str, fn, *args, **kw) -> ReadResult | None:
        try:
            res = fn(*args, **kw)
        except InputError as exc:
            self.problems += [(source, p) for p in exc.problems]
            return None
        results = res if isinstance(res, tuple) else (res,)
        for r in results:
            self.results.append(r)
            self.problems += [(r.source, p) for p in r.problems]
        return res


def _read_all(params: Params, *, collect: bool = False) -> Dataset:
    """Read every input. ``collect``: return what could be read, with the problems,
    instead of raising InputError on the first unusable input."""
    from csp_analysis.sources.partner import SPECS, read_partner
    from csp_analysis.sources.police_uk import force_slug, read_outcomes, read_police_uk
    from csp_analysis.sources.stats19 import read_stats19_both

    c = _Collector()
    start, end = data_window(params)
    lookup_res = c.run("lsoa_lookup", read_lsoa_lookup_result, params.data.lsoa_lookup)
    pop_res = c.run("population", read_population_result, params.data.population)
    lookup = lookup_res.kept if lookup_res else pd.DataFrame(columns=["lsoa_code", "lad_code", "lad_name", "ward_code"])
    population = pop_res.kept if pop_res else pd.DataFrame(
        columns=["lsoa_code", "lsoa_name", "la_code", "la_name", "year", "population"])
    lsoa = pd.DataFrame(columns=["lsoa_code", "lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name",
                                 "population"])
    scope = Scope(start=start, end=end, assessed=str(params.period.current), area_name=params.area.name,
                  area_code=params.area.code, lookup_name=params.data.lsoa_lookup.name)
    if lookup_res is not None and pop_res is not None:
        try:
            lsoa = _area_lsoas(params, lookup, population)
        except InputError as exc:
            c.problems += [("lsoa_lookup", p) for p in exc.problems]
        districts = {
            **{r.lsoa_code: (r.la_code, r.la_name) for r in population[["lsoa_code", "la_code", "la_name"]]
               .drop_duplicates("lsoa_code").itertuples() if isinstance(r.la_code, str) and r.la_code},
            **{r.lsoa_code: (r.lad_code, r.lad_name) for r in lookup[["lsoa_code", "lad_code", "lad_name"]]
               .itertuples()},
        }
        if len(lsoa):
            wards = set(lsoa["ward_code"].dropna())
            scope = Scope(
                start=start, end=end, assessed=str(params.period.current),
                lsoas=frozenset(lsoa["lsoa_code"]),
                known_lsoas={k: v[1] for k, v in districts.items()},
                wards=frozenset(wards) if wards else None,
                known_wards=frozenset(lookup["ward_code"].dropna()) if wards else None,
                area_name=params.area.name, area_code=params.area.code,
                lookup_name=params.data.lsoa_lookup.name,
            )
    else:
        districts = {}
    police_path, peers_path = police_uk_paths(params)  # a partition: the area's and the force's folders
    police_res = c.run("police_uk", read_police_uk, police_path, set(lsoa["lsoa_code"]),
                       scope=scope, districts=districts, force=params.area.force, on_error="collect")
    forces = {force_slug(params.area.force)}
    if police_res is not None and len(police_res.kept):
        forces |= set(police_res.kept["force_file"].unique())
    peers_res = None
    if peers_path is not None:  # the force's other districts, for peer comparison
        peers_res = c.run("police_uk_peers", read_police_uk, peers_path, set(lsoa["lsoa_code"]),
                          scope=scope, districts=districts, force=params.area.force, on_error="collect")
        if peers_res is not None:  # accounted under its own name
            peers_res.source = "police_uk_peers"
            if len(peers_res.rejected):
                peers_res.rejected = peers_res.rejected.assign(source="police_uk_peers")
    outcomes_res = c.run("police_uk_outcomes", read_outcomes, police_path, scope=scope,
                         forces=forces, on_error="collect")
    if outcomes_res is not None and not outcomes_res.files and not outcomes_res.problems:
        c.results.remove(outcomes_res)  # the archive has no outcomes files: nothing to account
        outcomes_res = None
    files = params.data.partner
    for name in SPECS:
        path = getattr(files, name)
        if path is not None:
            c.run(name, read_partner, name, path, scope)
    if files.road_collisions is not None and files.road_casualties is not None:
        c.run("road_casualties", read_stats19_both, files.road_collisions, files.road_casualties, scope)
    elif files.road_collisions is not None or files.road_casualties is not None:
        given = "road_collisions" if files.road_collisions is not None else "road_casualties"
        other = "road_casualties" if given == "road_collisions" else "road_collisions"
        c.problems.append((given, Problem(str(params.source_file),
                                          f"STATS19 needs both files: data.partner.{other} is missing",
                                          column=f"data.partner.{other}", level="error")))

    results = [r for r in c.results if r.source not in ("lsoa_lookup", "population")]
    order = {r.source: r for r in results}
    police = order["police_uk"].kept if "police_uk" in order else _police_empty()
    partner = {r.source: r.kept for r in results
               if r.source not in ("police_uk", "police_uk_outcomes", "police_uk_peers")}
    all_results = [r for r in (lookup_res, pop_res) if r is not None] + results
    accounts = _accounts(all_results)
    rejected = concat_rejects([r.rejected for r in all_results])
    meta = {
        "window": [start.strftime("%Y-%m"), end.strftime("%Y-%m")],
        "assessment": [m.strftime("%Y-%m") for m in assessment_months(params)],
        "area": params.area.name, "area_code": params.area.code,
        "current": str(params.period.current), "previous": str(params.period.previous),
    }
    ds = Dataset(
        police=police,
        partner=partner,
        lsoa=lsoa,
        accounts=accounts,
        rejects=rejected,
        police_counts=police_res.counts if police_res is not None else pd.DataFrame(),
        outcome_history=outcomes_res.kept if outcomes_res is not None else pd.DataFrame(),
        population=population.drop(columns="row", errors="ignore"),
        files=_files(all_results),
        meta=meta,
        peers=peers_res.kept if peers_res is not None else pd.DataFrame(),
    )
    ds.coverage = _coverage(ds, params)
    ds.problems = _problems(c.problems, ds, params)
    if not collect and not ds.usable:
        errors = ds.problems[ds.problems["level"] == "error"]
        raise InputError([Problem(r.file, r.expected, None if pd.isna(r.row) else int(r.row),
                                  None if pd.isna(r.column) else r.column, None if pd.isna(r.value) else r.value)
                          for r in errors.itertuples()])
    if ds.usable:
        _check(ds)
    return ds


def _police_empty() -> pd.DataFrame:
    from csp_analysis.sources.police_uk import _empty_rows

    return _empty_rows()


def _accounts(results: list[ReadResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        months = _months_of(r)
        rows.append({
            "source": r.source,
            "files": len(r.file_stats) if r.file_stats is not None and len(r.file_stats) else len(r.files),
            "rows_read": r.rows_read,
            "kept": r.n_kept,
            "rejected": len(r.rejected),
            "counted": r.counted,
            "first_month": months.min() if len(months) else pd.NaT,
            "last_month": months.max() if len(months) else pd.NaT,
        })
    out = pd.DataFrame(rows, columns=["source", "files", "rows_read", "kept", "rejected", "counted",
                                      "first_month", "last_month"])
    out = out.astype({"files": "int64", "rows_read": "int64", "kept": "int64", "rejected": "int64",
                      "counted": "int64", "first_month": "datetime64[us]", "last_month": "datetime64[us]"})
    return out.astype({"source": "string"})


def _months_of(r: ReadResult) -> pd.Series:
    if "month" in r.kept.columns and len(r.kept):
        return pd.Series(r.kept["month"].dropna().unique())
    if r.counts is not None and len(r.counts):
        return pd.Series(r.counts["month"].unique())
    return pd.Series(dtype="datetime64[us]")


def _files(results: list[ReadResult]) -> pd.DataFrame:
    frames = []
    for r in results:
        fs = r.file_stats
        if fs is None or fs.empty:
            continue
        fs = fs.copy()
        fs["source"] = r.source
        if "month" in fs:  # police.uk: one file per force and month
            fs["first_month"] = fs["last_month"] = fs["month"]
        fs["months"] = 1 if "month" in fs else None
        for c in FILE_COLUMNS:
            if c not in fs:
                fs[c] = pd.NA
        frames.append(fs[FILE_COLUMNS])
    if not frames:
        return _empty(FILE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"source": "string", "file": "string", "force": "string", "rows_read": "int64",
                       "kept": "int64", "rejected": "int64", "first_month": "datetime64[us]",
                       "last_month": "datetime64[us]", "months": "Int64", "no_location": "Int64",
                       "encoding": "string"})


def _coverage(ds: Dataset, params: Params) -> pd.DataFrame:
    """Rows per source and month over the assessment window; ``covered`` = the source has data for it.

    police.uk: a month is covered when the area force's file for it was read
    (a month with no row in the area then counts 0). Monthly aggregates: when a
    row for the month was supplied. Incident lists: when any incident falls in it.
    """
    from csp_analysis.sources.partner import SPECS
    from csp_analysis.sources.police_uk import force_slug

    months = assessment_months(params)
    out = []
    for source, df in [("police_uk", ds.area_police), *ds.partner.items()]:
        if source in UNDATED or "month" not in df.columns:
            continue
        n = df.groupby("month").size() if len(df) else pd.Series(dtype="int64")
        if "count" in df.columns and source not in ("road_casualties",) and len(df):
            n = df.groupby("month")["count"].sum()
        n = n.reindex(months, fill_value=0)
        if source == "police_uk":
            fs = ds.files[(ds.files["source"] == "police_uk")]
            forces = {force_slug(params.area.force)} & set(fs["force"].dropna())
            fs = fs[fs["force"].isin(forces or set(fs["force"].dropna()))]
            kept_months = set(fs.loc[fs["kept"] > 0, "first_month"])
            covered = [m in kept_months for m in months]
        elif SPECS.get(source) is not None and SPECS[source].count:
            have = set(df["month"].unique())
            covered = [m in have for m in months]
        else:
            covered = [bool(v > 0) for v in n.to_numpy()]
        out.append(pd.DataFrame({"source": source, "month": months, "rows": n.to_numpy().astype("int64"),
                                 "covered": covered}))
    if not out:
        return pd.DataFrame({"source": pd.Series(dtype="string"), "month": pd.Series(dtype="datetime64[us]"),
                             "rows": pd.Series(dtype="int64"), "covered": pd.Series(dtype="bool")})
    cov = pd.concat(out, ignore_index=True)
    return cov.astype({"source": "string", "month": "datetime64[us]"})


def _indicator_sources(params: Params) -> set[str]:
    return {i.source for p in params.priorities for i in p.indicators}


def _problems(raw: list[tuple[str, Problem]], ds: Dataset, params: Params) -> pd.DataFrame:
    """Every problem: the readers' own, plus coverage and reject-rate findings."""
    from csp_analysis.sources.partner import SPECS

    rows = [(s, p) for s, p in raw]
    used = _indicator_sources(params)
    cur, prev = params.period.current, params.period.previous
    for source in ds.coverage["source"].unique() if len(ds.coverage) else []:
        cov = ds.coverage[ds.coverage["source"] == source]
        label = SOURCE_NAMES.get(source, source)
        where = _source_file(params, source)
        for fy in (prev, cur):
            part = cov[cov["month"].between(fy.first_month, fy.last_month)]
            missing = part.loc[~part["covered"], "month"]
            if len(missing) == len(part) and source in used:
                rows.append((source, Problem(where, f"{label}: no data for {fy} at all; its indicators "
                                                    f"cannot be compared", level="error")))
            elif len(missing):
                words = "missing" if source == "police_uk" or (SPECS.get(source) and SPECS[source].count) \
                    else "no rows"
                rows.append((source, Problem(
                    where, f"{label}: {words} for {len(missing)} of 12 months of {fy} "
                           f"({_month_list(missing)}); year-on-year comparisons use only months present in "
                           "both years", level="note")))
    a = ds.accounts
    for r in a.itertuples():
        rej = ds.rejects[(ds.rejects["source"] == r.source) & (ds.rejects["kind"] == "invalid")]
        if r.rows_read and len(rej) > 0.5 * r.rows_read:
            rows.append((r.source, Problem(_source_file(params, r.source),
                                           f"{len(rej):,} of {r.rows_read:,} rows are invalid: is it the right "
                                           "file, in the template of docs/data_formats.md?", level="error")))
        elif r.rows_read == 0 and r.source in used:
            rows.append((r.source, Problem(_source_file(params, r.source), "no data rows", level="error")))
    fs = ds.files
    if len(fs) and fs["no_location"].notna().any():
        for source, nl in fs.groupby("source")["no_location"].sum().items():
            if nl:
                where = _source_file(params, source)
                rows.append((source, Problem(str(where),
                                             f"{int(nl):,} police.uk rows have no location (no LSOA): kept "
                                             "and counted, but in no district", level="note")))
    start = pd.Timestamp(ds.meta["window"][0] + "-01")
    if len(ds.police) and (ds.police["month"] < pd.Timestamp("2011-09-01")).any() and start < pd.Timestamp("2011-09-01"):
        rows.append(("police_uk", Problem(
            _source_file(params, "police_uk"),
            "months before Sep 2011 use police.uk's 6 crime types: criminal damage, drugs, other theft, "
            "shoplifting, public order and other crime are counted from Sep 2011 only (before, they are "
            "'Other crime, all kinds'); use broad_category for longer trends", level="note")))
    out = pd.DataFrame(
        [{"source": s, "file": p.file, "row": p.row, "column": p.column, "value": p.value,
          "expected": p.expected, "level": p.level} for s, p in rows],
        columns=PROBLEM_COLUMNS,
    )
    return out.astype({"source": "string", "file": "string", "row": "Int64", "column": "string",
                       "value": "string", "expected": "string", "level": "string"})


def _month_list(months) -> str:
    months = list(pd.DatetimeIndex(months))
    if len(months) > 4:
        return f"{months[0]:%b %Y} … {months[-1]:%b %Y}"
    return ", ".join(f"{m:%b %Y}" for m in months)


def _source_file(params: Params, source: str) -> str:
    if source in ("police_uk", "police_uk_outcomes", "police_uk_peers"):
        police, peers = police_uk_paths(params)
        return str(peers if source == "police_uk_peers" else police)
    if source in ("lsoa_lookup", "population"):
        return str(getattr(params.data, source))
    p = getattr(params.data.partner, source, None)
    return str(p) if p is not None else source


def _check(ds: Dataset) -> None:
    """The tables honour their contracts (schemas.py); a failure is a bug, not a user error."""
    from csp_analysis.schemas import check_table

    check_table("police_uk", ds.police)
    if len(ds.police_counts):
        check_table("police_counts", ds.police_counts)
    if len(ds.outcome_history):
        check_table("police_uk_outcomes", ds.outcome_history)
    for name, df in ds.partner.items():
        if name != "road_collisions":
            check_table(name, df)
    check_table("lsoa", ds.lsoa)
    check_table("rejects", ds.rejects)
    check_table("accounts", ds.accounts)


# -------------------------------------------------------------------- cache

def load_dataset(params: Params, *, use_cache: bool = True, collect: bool = False) -> Dataset:
    """Read (or fetch from the cache) every input of the assessment.

    Parameters
    ----------
    params : Params
        From :func:`csp_analysis.config.load_params`.
    use_cache : bool, default True
        Read and write the parquet cache in ``params.cache_dir``.
    collect : bool, default False
        Return a dataset even when an input is unusable (``ds.usable`` is then
        False and ``ds.problems`` says why) instead of raising InputError. Used by
        ``csp-assess validate``. Unusable datasets are never cached.

    Returns
    -------
    Dataset

    Raises
    ------
    InputError
        An input cannot be used (one line per problem), unless ``collect``.
    """
    if not use_cache:
        return _read_all(params, collect=collect)
    key = _cache_key(params, input_hashes(params))
    folder = Path(params.cache_dir) / key
    if (folder / "done").exists():
        try:
            return _read_cache(folder)
        except (OSError, ValueError, KeyError):
            pass  # unreadable cache: rebuild it
    ds = _read_all(params, collect=collect)
    if ds.usable:
        _write_cache(ds, folder)
    return ds


_FRAMES = ("police", "police_counts", "outcome_history", "population", "lsoa", "accounts", "rejects",
           "files", "problems", "coverage")


def _write_cache(ds: Dataset, folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        for name in _FRAMES:
            df = getattr(ds, name)
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        if len(ds.peers.columns):
            ds.peers.to_parquet(tmp / "peers.parquet", index=False)
        for name, df in ds.partner.items():
            df.to_parquet(tmp / f"partner-{name}.parquet", index=False)
        (tmp / "meta.json").write_text(json.dumps(ds.meta))
        (tmp / "done").write_text("ok\n")
        try:
            os.rename(tmp, folder)  # atomic; another kernel may have won the race
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_cache(folder: Path) -> Dataset:
    partner = {
        p.stem.removeprefix("partner-"): pd.read_parquet(p)
        for p in sorted(folder.glob("partner-*.parquet"))
    }
    frames = {name: pd.read_parquet(folder / f"{name}.parquet") for name in _FRAMES}
    peers = pd.read_parquet(folder / "peers.parquet") if (folder / "peers.parquet").exists() else pd.DataFrame()
    return Dataset(partner=partner, meta=json.loads((folder / "meta.json").read_text()), peers=peers, **frames)


__all__ = ["REJECT_COLUMNS", "Dataset", "assessment_months", "data_window", "input_hashes", "load_dataset"]
