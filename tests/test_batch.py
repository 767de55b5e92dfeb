"""``csp-assess batch``: many areas, locally or on a Dask cluster; one area's failure never
stops the others. One real area runs (the tiny fixture); the failing areas fail before any
notebook runs, so each batch takes about as long as one small assessment."""

import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from benchmarks.bench_assessment import _descendants
from benchmarks.synthetic_areas import generate_areas
from csp_analysis import batch
from csp_analysis.batch import AreaResult, BatchError, expand, run_area, run_batch
from csp_analysis.cli import EXIT_DATA, EXIT_NOTEBOOK, EXIT_PARAMS, EXIT_SOME_FAILED, main
from csp_analysis.config import load_params
from csp_analysis.sources.police_uk import COLUMNS, TYPES_BY_ERA
from tests.conftest import ROOT, TINY_PARAMS
from tests.test_runner_faults import _kernels_of

TINY = TINY_PARAMS.parent


# ------------------------------------------------------------------ expand


def test_expand_takes_files_and_the_params_of_folders(tmp_path):
    for name in ("b.yaml", "a.yml", "template.yaml", "notes.txt", "sub/c.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n")
    assert expand([tmp_path]) == [tmp_path / "a.yml", tmp_path / "b.yaml"]  # sorted, template skipped
    # a file named explicitly is taken as it is, and each file once
    assert expand([tmp_path / "template.yaml", tmp_path, tmp_path / "b.yaml"]) == [
        tmp_path / "template.yaml", tmp_path / "a.yml", tmp_path / "b.yaml"]
    assert expand([str(tmp_path / "*.yaml")]) == [tmp_path / "b.yaml", tmp_path / "template.yaml"]  # quoted glob


def test_expand_names_every_bad_path(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "only_template").mkdir()
    (tmp_path / "only_template" / "template.yaml").write_text("x: 1\n")
    with pytest.raises(BatchError) as err:
        expand([tmp_path / "missing.yaml", tmp_path / "empty", tmp_path / "only_template", str(tmp_path / "*.yml")])
    lines = str(err.value).splitlines()
    assert lines == [
        f"{tmp_path / 'missing.yaml'}: no such file or folder",
        f"{tmp_path / 'empty'}: no params files (*.yaml, *.yml) in this folder",
        f"{tmp_path / 'only_template'}: no params files (*.yaml, *.yml) in this folder (template.yaml is skipped)",
        f"{tmp_path / '*.yml'}: matches no file",
    ]
    assert err.value.exit_code == EXIT_PARAMS
    with pytest.raises(BatchError, match="no params files given"):
        expand([])


# ------------------------------------------------------------------ areas that fail


def _tiny_raw() -> dict:
    """The tiny fixture's params with absolute data paths, to write elsewhere."""
    raw = yaml.safe_load(TINY_PARAMS.read_text())
    for k in ("police_uk", "lsoa_lookup", "population"):
        raw["data"][k] = str(TINY / raw["data"][k])
    raw["data"]["partner"] = {k: str(TINY / v) for k, v in raw["data"]["partner"].items()}
    raw["cache_dir"] = str(TINY / raw["cache_dir"])
    return raw


def _failing_areas(folder: Path) -> dict[str, Path]:
    """Four areas that fail: a misspelt key, a population file without its columns, a
    kernel that is not installed (the notebooks cannot run), and the tiny area again (the
    same output folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    same = folder / "same_folder.yaml"
    same.write_text(yaml.safe_dump(_tiny_raw()))
    raw = _tiny_raw()
    broken = folder / "broken.yaml"
    broken.write_text(yaml.safe_dump({**{k: v for k, v in raw.items() if k != "period"}, "periode": raw["period"]}))
    pop = folder / "population.csv"
    pop.write_text("lsoa,people\nE01024472,1396\n")
    bad_data = folder / "bad_data.yaml"
    bad_data.write_text(yaml.safe_dump({**raw, "area": {**raw["area"], "name": "Bad data"},  # own output folder
                                        "data": {**raw["data"], "population": str(pop)}}))
    no_kernel = folder / "no_kernel.yaml"
    no_kernel.write_text(yaml.safe_dump({**raw, "area": {**raw["area"], "name": "No kernel"},
                                         "report": {**raw["report"], "kernel_name": "no-such-kernel"}}))
    return {"broken": broken, "bad_data": bad_data, "no_kernel": no_kernel, "same_folder": same}


@pytest.fixture(scope="module")
def local_batch(tmp_path_factory):
    """The CLI on the tiny area and three failing areas, in a local pool of 2 processes."""
    tmp = tmp_path_factory.mktemp("batch")
    bad = _failing_areas(tmp / "params")
    out = tmp / "out"
    files = [TINY_PARAMS, bad["broken"], bad["bad_data"], bad["no_kernel"], bad["same_folder"]]
    proc = subprocess.run([sys.executable, "-m", "csp_analysis.cli", "batch", *map(str, files), "--out", str(out),
                           "--workers", "2", "--jobs-per-area", "2"],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          check=False)
    return proc, out, files


def test_good_areas_publish_and_bad_ones_fail_with_their_exit_codes(local_batch):
    proc, out, files = local_batch
    assert proc.returncode == EXIT_SOME_FAILED, proc.stderr
    summary = json.loads((out / "batch.json").read_text())
    rows = summary["areas"]
    assert [r["params_file"] for r in rows] == [str(f.resolve()) for f in files]  # the order given
    assert [(r["status"], r["exit_code"]) for r in rows] == [
        ("ok", 0), ("failed", EXIT_PARAMS), ("failed", EXIT_DATA), ("failed", EXIT_NOTEBOOK), ("failed", EXIT_PARAMS)]
    good = rows[0]
    assert good["area"] == "Swanley fixture" and good["period"] == "2014-15"
    assert Path(good["html"]) == out / "swanley-fixture" / "2014-15" / "assessment.html"
    assert Path(good["html"]).stat().st_size > 10_000
    assert "did you mean 'period'?" in rows[1]["message"] and rows[1]["area"] == "broken.yaml"
    assert "population.csv: missing column(s) lsoa_code" in rows[2]["message"]
    assert "Jupyter kernel 'no-such-kernel' is not installed" in rows[3]["message"]
    assert rows[4]["message"] == (f"not run: it would write the same output folder ({out / 'swanley-fixture' / '2014-15'})"
                                  f" as {TINY_PARAMS}; give each area its own area.name or period")
    for r in rows[1:]:
        assert r["html"] is None and "\n" not in r["message"]
    assert (summary["areas_ok"], summary["areas_failed"], summary["exit_code"]) == (1, 4, EXIT_SOME_FAILED)
    assert (summary["backend"], summary["workers"], summary["jobs_per_area"]) == ("local", 2, 2)


def test_the_cli_prints_a_summary_table(local_batch):
    proc, out, _ = local_batch
    table = proc.stdout.splitlines()
    assert table[0].split() == ["area", "period", "status", "seconds", "output", "or", "error"]
    assert table[2].startswith("Swanley fixture") and str(out / "swanley-fixture") in table[2]
    assert [line.split()[0] for line in table[3:]] == ["broken.yaml", "Bad", "No", "Swanley"]
    assert "exit 2: " in table[3] and "exit 3: " in table[4] and "exit 4: " in table[5] and "exit 2: " in table[6]
    assert "4 of 5 areas failed (exit 7); the others were published" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_same_batch_on_a_dask_cluster(local_batch, tmp_path):
    distributed = pytest.importorskip("distributed")
    _, out, files = local_batch
    local = json.loads((out / "batch.json").read_text())["areas"]
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  silence_logs=40) as cluster:
        results = run_batch(files, tmp_path / "out", scheduler=cluster.scheduler_address, jobs_per_area=2,
                            log=lambda *_: None)
    assert [(r.status, r.exit_code, r.message.split(":")[0]) for r in results] == [
        (r["status"], r["exit_code"], r["message"].split(":")[0]) for r in local]
    assert Path(results[0].html).exists() and Path(results[0].html).is_relative_to(tmp_path)
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert summary["backend"] == "dask" and summary["scheduler"] == cluster.scheduler_address
    assert summary["areas"] == [dataclasses.asdict(r) for r in results]


def test_no_usable_cluster_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", 2)
    with pytest.raises(BatchError, match="cannot connect to the Dask scheduler at tcp://127.0.0.1:9") as err:
        run_batch([TINY_PARAMS], tmp_path, scheduler="tcp://127.0.0.1:9", log=lambda *_: None)
    assert err.value.exit_code == 8
    monkeypatch.setitem(sys.modules, "distributed", None)  # not installed
    with pytest.raises(BatchError, match=r"pip install 'csp-analysis\[dask\]'"):
        run_batch([TINY_PARAMS], tmp_path, scheduler="tcp://127.0.0.1:9", log=lambda *_: None)
    assert main(["batch", str(tmp_path / "nothing-here")]) == EXIT_PARAMS


# ------------------------------------------------------------------ run_area never raises


@pytest.mark.parametrize(("error", "code", "message"), [
    (ZeroDivisionError("division by zero"), 1, "ZeroDivisionError: division by zero"),
    (KeyboardInterrupt(), 130, "interrupted; nothing was published"),
    (MemoryError(), 1, "MemoryError"),
])
def test_run_area_turns_every_exception_into_a_failed_row(monkeypatch, tmp_path, error, code, message):
    from csp_analysis import runner

    def boom(*_a, **_k):
        raise error

    monkeypatch.setattr(runner, "run", boom)
    r = run_area(TINY_PARAMS, tmp_path, 1, True)
    assert (r.status, r.exit_code, r.message, r.area, r.period) == ("failed", code, message, "Swanley fixture",
                                                                    "2014-15")
    assert batch._running == {}


def test_run_area_on_paths_that_are_no_params(tmp_path):
    for p in (tmp_path / "missing.yaml", tmp_path):
        r = run_area(p, tmp_path, 1, True)
        assert (r.status, r.exit_code) == ("failed", EXIT_PARAMS) and "params file not found" in r.message


# ------------------------------------------------------------------ a worker process that dies


def fake_area(params_file, out_dir, jobs, reuse) -> AreaResult:
    """Stands in for run_area in the pool (top-level: the spawned workers import it):
    an area whose name contains "dies" kills its worker process."""
    time.sleep(0.3)
    if "dies" in Path(params_file).name:
        os._exit(9)
    return AreaResult(str(params_file), Path(params_file).stem, "2014-15", "ok", 0, 0.3, "x.html", "ok")


def test_a_worker_that_dies_fails_its_area_only(tmp_path):
    names = ["a.yaml", "b.yaml", "dies.yaml", "c.yaml", "d.yaml", "e.yaml"]
    lines = []
    results = run_batch([tmp_path / n for n in names], tmp_path / "out", workers=2, log=lines.append,
                        _fn=fake_area)
    assert [(Path(r.params_file).name, r.status) for r in results] == [
        (n, "failed" if n == "dies.yaml" else "ok") for n in names]
    dead = results[2]
    assert dead.exit_code == 1 and "the worker process running this area died" in dead.message
    assert json.loads((tmp_path / "out" / "batch.json").read_text())["exit_code"] == EXIT_SOME_FAILED
    assert len([x for x in lines if x.startswith("[")]) == len(names)  # one line per area, none twice


# ------------------------------------------------------------------ Ctrl-C


def test_ctrl_c_stops_the_running_area_and_cancels_the_others(tmp_path):
    out = tmp_path / "out"
    second = tmp_path / "second.yaml"
    shutil.copyfile(TINY_PARAMS, second)  # a second area that must not start (its paths don't matter)
    proc = subprocess.Popen(
        [sys.executable, "-m", "csp_analysis.cli", "batch", str(TINY_PARAMS), str(second), "--out", str(out),
         "--workers", "1", "--no-reuse"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.time() + 90
    kernels: list[int] = []
    while time.time() < deadline and not kernels:
        time.sleep(0.2)
        kernels = [k for p, _ in _descendants(proc.pid) for k in _kernels_of(p)]  # the workers' kernels
    assert kernels, "no kernel started"
    proc.send_signal(signal.SIGINT)  # to the CLI process only: it stops its workers itself
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    rows = json.loads((out / "batch.json").read_text())["areas"]
    assert [(r["exit_code"], r["message"]) for r in rows] == [
        (130, "interrupted; nothing was published"),
        (130, "cancelled: the batch was interrupted before this area started")]
    folder = out / "swanley-fixture"
    assert not (folder / "2014-15").exists()
    assert not list(folder.glob(".build-*")) and not list(folder.glob(".*.lock"))
    time.sleep(2)
    alive = [k for k in kernels if Path(f"/proc/{k}").exists() and Path(f"/proc/{k}/cmdline").read_bytes()]
    assert alive == [], "kernels left running after Ctrl-C"
    assert stdout.split()[:3] == ["area", "period", "status"] and "Swanley fixture" in stdout  # the summary


# ------------------------------------------------------------------ synthetic areas


def test_synthetic_areas_are_valid_deterministic_and_in_police_uk_layout(tmp_path):
    import pandas as pd

    from csp_analysis.cli import validate

    files = generate_areas(tmp_path / "one", 2)
    generate_areas(tmp_path / "two", 2)
    one, two = (sorted(p.relative_to(tmp_path / d) for p in (tmp_path / d).rglob("*.*")) for d in ("one", "two"))
    assert one == two and len(one) == 2 * (1 + 24 + 3)  # params; 24 police.uk months; lookups and tracker
    for rel in one:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel
    assert expand([tmp_path / "one" / "params"]) == files
    params = load_params(files[1])
    assert (params.area.name, params.area.code, str(params.period.current)) == ("Synthetic Area 02", "E07999002",
                                                                                "2014-15")
    months = sorted(p.name for p in params.data.police_uk.iterdir())
    assert months[0] == "2013-04" and months[-1] == "2015-03" and len(months) == 24
    april = pd.read_csv(params.data.police_uk / "2013-04" / "2013-04-synthetic-street.csv", dtype=str)
    may = pd.read_csv(params.data.police_uk / "2013-05" / "2013-05-synthetic-street.csv", dtype=str)
    assert list(april.columns) == COLUMNS
    assert set(april["Crime type"]) <= set(TYPES_BY_ERA["11 types"])  # the crime types of each era
    assert set(may["Crime type"]) <= set(TYPES_BY_ERA["14 types"])
    assert april["LSOA code"].str.fullmatch(r"E01\d{6}").all()
    report = io.StringIO()
    assert validate(files[0], out=report) == 0, report.getvalue()
