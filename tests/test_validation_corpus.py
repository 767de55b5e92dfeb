"""The bad-input corpus (tests/fixtures/bad): each case gives its specific message, and
nothing else is lost (every other row kept, every other input still read)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from csp_analysis.sources import InputError, Scope
from csp_analysis.sources.lookups import read_lsoa_lookup_result, read_population_result
from csp_analysis.sources.partner import read_partner
from csp_analysis.sources.police_uk import read_outcomes, read_police_uk
from csp_analysis.sources.stats19 import read_stats19_both
from tests.conftest import TINY_PARAMS
from tests.fixtures.bad.corpus import CASES, HERE, Case, all_files

BAD = [c for c in CASES if not c.accepted]


def test_the_corpus_has_at_least_30_bad_inputs():
    assert len(BAD) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


def test_corpus_files_match_the_generator():
    for name, content in all_files().items():
        assert (HERE / name).read_bytes() == content, f"{name}: run python tests/fixtures/bad/corpus.py"


@pytest.fixture(scope="module")
def scope() -> tuple[Scope, dict]:
    lookup = pd.read_csv(HERE / "lookups/lsoa_lookup.csv", dtype=str)
    pop = pd.read_csv(HERE / "lookups/population.csv", dtype=str)
    districts = {r.lsoa_code: (r.la_code, r.la_name) for r in pop.itertuples()}
    return Scope(
        start=pd.Timestamp("2010-04-01"), end=pd.Timestamp("2015-03-01"), assessed="2014-15",
        lsoas=frozenset(lookup["LSOA11CD"]), known_lsoas={k: v[1] for k, v in districts.items()},
        wards=frozenset(lookup["WD15CD"]), known_wards=frozenset(lookup["WD15CD"]),
        area_name="Sevenoaks", area_code="E07000111", lookup_name="lsoa_lookup.csv",
    ), districts


def _police_root(case: Case) -> Path:
    first = Path(next(iter(case.files)))
    return HERE / (first if first.suffix == ".zip" else Path(*first.parts[:2]))


def _read(case: Case, scope: Scope, districts: dict):
    """(result for the counts, every rejected row) of the case's reader."""
    kind = case.reader
    if kind.startswith("partner:"):
        r = read_partner(kind.split(":", 1)[1], case.path, scope)
        return r, r.rejected, r.problems
    if kind == "police":
        r = read_police_uk(_police_root(case), set(scope.lsoas), scope=scope, districts=districts,
                           force="Kent Police", on_error="raise" if case.read is None else "collect")
        return r, r.rejected, r.problems
    if kind == "outcomes":
        r = read_outcomes(_police_root(case), scope=scope)
        return r, r.rejected, r.problems
    if kind == "stats19":
        folder = case.path.parent
        col, cas = read_stats19_both(folder / "collisions.csv", folder / "casualties.csv", scope)
        return cas, pd.concat([col.rejected, cas.rejected]), []
    if kind == "lookup":
        r = read_lsoa_lookup_result(case.path)
        return r, r.rejected, []
    if kind == "population":
        r = read_population_result(case.path)
        return r, r.rejected, []
    raise AssertionError(kind)


@pytest.mark.parametrize("case", [c for c in CASES if c.reader != "params"], ids=lambda c: c.id)
def test_case(case: Case, scope):
    sc, districts = scope
    if case.error and case.read is None:
        with pytest.raises(InputError) as e:
            _read(case, sc, districts)
        msg = str(e.value)
        assert re.search(case.error, msg), msg
        assert "Traceback" not in msg and len(msg.splitlines()) == 1
        return
    result, rejected, problems = _read(case, sc, districts)
    if case.error:  # a file-level problem in one file of several: the others are still read
        assert any(re.search(case.error, str(p)) for p in problems), problems
    # exactly the expected rejects, with their file, row, column, reason and kind
    got = sorted(zip(rejected["file"], rejected["row"].astype(int), rejected["column"], rejected["reason"],
                     rejected["kind"]))
    want = sorted(case.rejects, key=lambda r: (r[0], r[1]))
    assert len(got) == len(want), got
    for g, (file, row, column, reason, kind) in zip(got, want):
        assert g[:3] == (file, row, column) and g[4] == kind, g
        assert re.search(reason, g[3]), g
    # nothing else is lost
    assert result.rows_read == case.read
    assert result.n_kept == case.kept
    assert result.rows_read == result.n_kept + len(result.rejected)
    for note in case.notes:
        assert any(re.search(note, str(p)) for p in problems), problems
    if case.reader.startswith("partner:"):
        rows = set(result.kept["row"]) | set(result.rejected["row"])
        assert rows == set(range(2, case.read + 2))


# ------------------------------------------------ end to end: csp-assess validate

@pytest.fixture(scope="module")
def baseline():
    from csp_analysis.config import load_params
    from csp_analysis.data import load_dataset

    ds = load_dataset(load_params(TINY_PARAMS), use_cache=False)
    return ds.accounts.set_index("source")


def _params_with(tmp_path: Path, key: str | None = None, file: Path | None = None, mutate=None) -> Path:
    raw = yaml.safe_load(TINY_PARAMS.read_text())
    base = TINY_PARAMS.parent
    d = raw["data"]
    for k in ("police_uk", "lsoa_lookup", "population"):
        d[k] = str((base / d[k]).resolve())
    d["partner"] = {k: str((base / v).resolve()) for k, v in d["partner"].items()}
    if key:
        d["partner"][key] = str(file)
    raw["cache_dir"] = str(tmp_path / "cache")
    if mutate:
        mutate(raw)
    p = tmp_path / "params.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    return p


FILE_LEVEL = [c for c in CASES if c.error and c.read is None and c.reader in
              ("partner:council_asb", "partner:domestic_abuse")]


@pytest.mark.parametrize("case", FILE_LEVEL, ids=lambda c: c.id)
def test_a_bad_file_loses_nothing_else(case: Case, tmp_path, baseline):
    from csp_analysis import quality
    from csp_analysis.config import load_params
    from csp_analysis.data import load_dataset

    source = case.reader.split(":", 1)[1]
    params = load_params(_params_with(tmp_path, source, case.path))
    ds = load_dataset(params, use_cache=False, collect=True)
    assert not ds.usable
    lines = quality.validation_lines(ds, params)
    assert any(level == "error" and re.search(case.error, line) for level, line in lines), lines
    acc = ds.accounts.set_index("source")
    assert source not in acc.index  # the bad file could not be read…
    for other in baseline.index.drop(source):  # …and every other input is read in full
        assert acc.loc[other, ["rows_read", "kept", "rejected"]].tolist() == \
            baseline.loc[other, ["rows_read", "kept", "rejected"]].tolist(), other
    table = quality.validation_table(ds, params).set_index("source")
    assert table.loc[source, "problems"].startswith("1 error")


def test_validate_and_run_refuse_a_bad_file_with_one_line_each(tmp_path, capsys):
    from csp_analysis.cli import EXIT_DATA, main

    case = next(c for c in FILE_LEVEL if c.id == "renamed_column")
    params = _params_with(tmp_path, "domestic_abuse", case.path)
    assert main(["validate", "--params", str(params)]) == 1
    out, err = capsys.readouterr()
    assert re.search(case.error, out) and "NOT USABLE" in out and "Traceback" not in out + err
    from csp_analysis import runner

    def no_notebooks(*a, **k):
        raise AssertionError("notebooks must not run")

    runner_execute = runner.execute
    runner.execute = no_notebooks
    try:
        assert main(["run", "--params", str(params), "--out", str(tmp_path / "out")]) == EXIT_DATA
    finally:
        runner.execute = runner_execute
    out, err = capsys.readouterr()
    assert re.search(case.error, err) and "Traceback" not in out + err


@pytest.mark.parametrize("case", [c for c in CASES if c.reader == "params"], ids=lambda c: c.id)
def test_params_mistakes_exit_1_with_one_line(case: Case, capsys):
    from csp_analysis.cli import main

    assert main(["validate", "--params", str(case.path), "--no-cache"]) == 1
    out, err = capsys.readouterr()
    assert re.search(case.error, out + err), out + err
    assert "Traceback" not in out + err


def test_validate_prints_the_table_and_exits_0_when_usable(capsys):
    from csp_analysis.cli import main

    assert main(["validate", "--params", str(HERE / "params/good.yaml"), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"file\s+rows read\s+kept\s+rejected\s+months covered\s+problems", out)
    assert re.search(r"police_uk \(24 files\)\s+3,334\s+3,334\s+0\s+2013-14: 12 of 12; 2014-15: 12 of 12", out)
    assert "USABLE" in out and "NOT USABLE" not in out


def test_a_missing_month_is_reported_and_fails_strict(tmp_path, capsys):
    from csp_analysis.cli import main

    police = tmp_path / "police_uk"
    shutil.copytree(TINY_PARAMS.parent / "police_uk", police)
    shutil.rmtree(police / "2014-08")
    params = _params_with(tmp_path, mutate=lambda r: r["data"].update(police_uk=str(police)))
    assert main(["validate", "--params", str(params)]) == 0
    out = capsys.readouterr().out
    assert "police.uk street-level crime and ASB: missing for 1 of 12 months of 2014-15 (Aug 2014)" in out
    assert "2014-15: 11 of 12 (no Aug 2014)" in out
    assert main(["validate", "--params", str(params), "--strict"]) == 1


def test_a_partner_file_with_no_current_year_is_not_usable(tmp_path, capsys, write):
    from csp_analysis.cli import main

    youth = write("youth.csv", "month,indicator,count\n" + "".join(
        f"2013-{m:02d},youth_asb_reports,{m}\n" for m in range(4, 13)))
    params = _params_with(tmp_path, "youth_indicators", youth)
    assert main(["validate", "--params", str(params)]) == 1
    out = capsys.readouterr().out
    assert "Youth indicators: no data for 2014-15 at all; its indicators cannot be compared" in out
