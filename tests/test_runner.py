"""The runner end to end: every notebook executed with papermill, one HTML, a manifest,
and failures that publish nothing."""

import hashlib
import json
import re

import nbformat
import papermill
import pytest
import yaml

from csp_analysis.cli import EXIT_PARAMS, main
from csp_analysis.config import load_params
from csp_analysis.runner import NOTEBOOK_DIR, NOTEBOOKS, Job, RunError, check_parameters, run
from tests.conftest import ROOT, SAMPLE_PARAMS, TINY_PARAMS

PRIORITY_NAMES = [p.name for p in load_params(SAMPLE_PARAMS).priorities]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return run(TINY_PARAMS, out, workers=2, log=lambda *_: None), out


def _priority_headings(page: str) -> list[str]:
    return re.findall(r'<h1 id="priority-[^"]+">Priority \d+: (.*?)</h1>', page)


def _ranking_rows(page: str) -> list[str]:
    table = page.split("Recommended priorities", 1)[1].split("</table>", 1)[0]
    return [html_unescape(x) for x in re.findall(r"<tr>\s*<td>\d+(?:st|nd|rd|th)</td>\s*<td>(.*?)</td>", table)]


def html_unescape(s: str) -> str:
    import html

    return html.unescape(s)


def test_every_notebook_executed_on_the_fixture_area(tiny_run):
    result, _ = tiny_run
    files = sorted(p.name for p in (result.folder / "notebooks").glob("*.ipynb"))
    expected = sorted(
        [f"03_priority_profile-{pid}.ipynb" for pid in load_params(TINY_PARAMS).model_dump()["priorities"] and
         [p.id for p in load_params(TINY_PARAMS).priorities]]
        + [nb for nb, per in NOTEBOOKS if not per]
    )
    assert files == expected
    for f in files:
        nb = nbformat.read(result.folder / "notebooks" / f, as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert outputs, f
        assert not [o for o in outputs if o.output_type == "error"], f


def test_html_has_priorities_in_rank_order_and_no_code(tiny_run):
    result, _ = tiny_run
    page = result.html.read_text(encoding="utf-8")
    rows = _ranking_rows(page)
    assert sorted(rows) == sorted(PRIORITY_NAMES)
    assert _priority_headings(page) == rows  # profiles follow the ranking
    for bad in ("Traceback", "import csp_analysis", "params_file", 'class="input', "In&nbsp;[", "<script"):
        assert bad not in page


def test_matrix_exported_as_csv_and_xlsx_beside_the_html(tiny_run):
    import pandas as pd

    result, _ = tiny_run
    csv = pd.read_csv(result.folder / "priority_matrix.csv")
    xlsx = pd.read_excel(result.folder / "priority_matrix.xlsx")
    assert csv["rank"].tolist() == list(range(1, 9)) == xlsx["rank"].tolist()
    page = result.html.read_text(encoding="utf-8")
    assert csv["priority"].tolist() == _ranking_rows(page)
    assert {"score", "reason", "p_top3", "robustness", "score_harm", "verdict"} <= set(csv.columns)


def test_manifest_records_inputs_versions_and_timings(tiny_run):
    result, _ = tiny_run
    m = json.loads((result.folder / "manifest.json").read_text())
    assert m["area"] == "Swanley fixture" and m["period"] == "2014-15"
    assert {"pandas", "papermill", "nbconvert", "statsmodels"} <= set(m["packages"])
    entry = next(i for i in m["inputs"] if i["path"].endswith("council_asb_reports.csv"))
    path = TINY_PARAMS.parent / entry["path"]
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert m["timings"]["total"] > 0 and len(m["notebooks"]) == 14
    assert "/" not in m["params_file"] and not any(i["path"].startswith("/") for i in m["inputs"])


def test_failed_notebook_publishes_nothing_and_keeps_the_old_assessment(tiny_run, tmp_path, monkeypatch):
    import shutil

    from csp_analysis import runner

    result, out = tiny_run
    before = result.html.read_bytes()
    # a copy of the notebooks in which the data-quality notebook raises in its last cell
    nbdir = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, nbdir)
    nb = nbformat.read(nbdir / "06_data_quality.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('boom in the last cell')"))
    nbformat.write(nb, nbdir / "06_data_quality.ipynb")
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", nbdir)
    with pytest.raises(RunError) as e:
        run(TINY_PARAMS, out, workers=2, log=lambda *_: None)
    msg = str(e.value)
    assert re.search(r"06_data_quality\.ipynb: cell \d+: ValueError: boom in the last cell", msg)
    assert "nothing was published" in msg
    assert result.html.read_bytes() == before  # the previous assessment is intact
    failed = result.folder.parent / "2014-15.failed"
    assert (failed / "notebooks" / "06_data_quality.ipynb").exists()  # kept for debugging
    assert not (failed / "assessment.html").exists()
    assert not list(result.folder.parent.glob(".build-*"))


def test_bad_indicator_stops_the_run_before_any_notebook(tiny_run, tmp_path):
    from csp_analysis.sources import InputError

    result, out = tiny_run
    before = result.html.read_bytes()
    raw = yaml.safe_load(TINY_PARAMS.read_text())
    raw["priorities"][2]["indicators"][2]["where"] = {"category": "Criminal damages"}
    bad = TINY_PARAMS.parent / "params-broken.tmp.yaml"
    bad.write_text(yaml.safe_dump(raw, sort_keys=False))
    try:
        with pytest.raises(InputError, match=r"indicator 'criminal_damage': 'Criminal damages' is not a value "
                                             r"of police_uk\.category \(did you mean 'Criminal damage and arson'\?\)"):
            run(bad, out, workers=2, log=lambda *_: None)
    finally:
        bad.unlink()
    assert result.html.read_bytes() == before
    assert not list(result.folder.parent.glob(".build-*"))


def test_unknown_parameter_is_refused_before_running():
    job = Job("x.ipynb", NOTEBOOK_DIR / "06_data_quality.ipynb", {"params_file": "p", "priority": "x"})
    with pytest.raises(RunError, match=r"06_data_quality\.ipynb: no parameter\(s\) priority; it declares params_file"):
        check_parameters([job])


def test_notebooks_have_one_parameters_cell_first_and_no_outputs():
    for nb_name, per_priority in NOTEBOOKS:
        nb = nbformat.read(NOTEBOOK_DIR / nb_name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and tagged[0] is code[0], nb_name
        assert not any(c.outputs for c in code), f"{nb_name} committed with outputs"
        declared = set(papermill.inspect_notebook(str(NOTEBOOK_DIR / nb_name)))
        assert declared == ({"params_file", "priority_id"} if per_priority else {"params_file"})


def test_cli_bad_params_exits_2_with_one_line(capsys, write):
    p = write("p.yaml", "area: {name: X}\nperiod: {current: '2014-15'}\nbogus: 1\n")
    assert main(["run", "--params", str(p)]) == EXIT_PARAMS
    err = capsys.readouterr().err
    assert "unknown key 'bogus'" in err and "Traceback" not in err


@pytest.mark.slow
def test_full_sample_assessment(sample_run):
    """The README's `make assessment` on the embedded sample."""
    result = sample_run
    page = result.html.read_text(encoding="utf-8")
    assert result.html.stat().st_size < 5 * 1024 * 1024
    rows = _ranking_rows(page)
    assert sorted(rows) == sorted(PRIORITY_NAMES) and len(rows) == 8
    assert _priority_headings(page) == rows
    for bad in ("Traceback", "Warning", "import csp_analysis", 'class="input', str(ROOT), "<script"):
        assert bad not in page, bad
    assert not re.search(r'(?:src|href)="https?://', page)  # nothing fetched from outside
    assert "Open Government Licence v3.0" in page
    assert "synthetic" in page
    imgs = re.findall(r"<img [^>]*>", page)
    assert imgs and all(re.search(r'alt="[^"]{20,}"', i) for i in imgs)
    assert "No description has been provided" not in page


def test_default_parameters_run_on_the_sample(tmp_path):
    """A notebook opened in JupyterLab runs top to bottom with its defaults (the sample)."""
    out = tmp_path / "nb.ipynb"
    papermill.execute_notebook(str(NOTEBOOK_DIR / "06_data_quality.ipynb"), str(out), kernel_name="csp-analysis",
                               cwd=str(NOTEBOOK_DIR), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    text = json.dumps([o for c in nb.cells if c.cell_type == "code" for o in c.outputs])
    assert "police.uk street-level crime and ASB" in text and "22,922" in text


@pytest.mark.parametrize("synthetic, expected, absent", [
    ([], None, 'class="sample-banner"'),
    (["domestic_abuse"], "police.uk and ONS data are real; partner data is synthetic", "Synthetic assessment"),
    (["police_uk", "action_plan_tracker"], "Synthetic assessment: every figure comes from generated data",
     "data are real"),
])
def test_banners_say_what_is_synthetic(monkeypatch, synthetic, expected, absent):
    from csp_analysis import report
    from csp_analysis.runner import render_html

    params = load_params(SAMPLE_PARAMS)
    params = params.model_copy(update={"data": params.data.model_copy(update={"synthetic": synthetic})})
    page = render_html(nbformat.v4.new_notebook(), params, "today")
    if expected:
        assert expected in page
    assert absent not in page
    notes = []
    monkeypatch.setattr(report, "note", lambda text, **kw: notes.append(text))
    report.banner(params)
    if not synthetic:
        assert notes == []
    elif "police_uk" in synthetic:
        assert "**Synthetic data.**" in notes[0] and "real" not in notes[0].replace("real records", "")
    else:
        assert "(police.uk) and population and geography (ONS) are **real**" in notes[0]
