"""Unattended runs: every fault ends with a clear message, the previous assessment intact,
nothing partial published, and a rerun that works. Each test runs one or two small
notebooks on the fixture area to stay quick."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from csp_analysis import runner
from csp_analysis.runner import NOTEBOOK_DIR, OutputError, RunBusy, RunError, run
from tests.conftest import ROOT, TINY_PARAMS

QUIET = {"log": lambda *_: None}


@pytest.fixture
def small(monkeypatch, tmp_path):
    """Runs of two notebooks, a private notebook cache, and a previous published assessment."""
    nbdir = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, nbdir)
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", nbdir)
    monkeypatch.setattr(runner, "NOTEBOOKS", [("05_horizon_scanning.ipynb", False), ("06_data_quality.ipynb", False)])
    monkeypatch.setattr(runner, "notebook_cache", lambda params: tmp_path / "nbcache")
    out = tmp_path / "out"
    first = run(TINY_PARAMS, out, workers=2, **QUIET)
    return first, out, nbdir


def _break(nbdir: Path, code: str) -> None:
    p = nbdir / "05_horizon_scanning.ipynb"
    nb = nbformat.read(p, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(code))
    nbformat.write(nb, p)


def _intact(first, before: bytes) -> None:
    assert first.html.read_bytes() == before
    assert not list(first.folder.parent.glob(".build-*"))
    assert not list(first.folder.parent.glob(".*.lock"))


def test_unchanged_notebooks_are_reused_not_executed(small):
    first, out, _ = small
    assert [n["reused"] for n in first.manifest["notebooks"]] == [False, False]
    assert not first.unchanged
    before = first.html.read_bytes()
    # Nothing changed: the published assessment is already this run's result.
    again = run(TINY_PARAMS, out, workers=2, **QUIET)
    assert again.unchanged and again.html == first.html and again.html.read_bytes() == before
    # Published copy gone: the notebooks come from the cache, nothing is executed.
    shutil.rmtree(first.folder)
    rebuilt = run(TINY_PARAMS, out, workers=2, **QUIET)
    assert not rebuilt.unchanged
    assert [n["reused"] for n in rebuilt.manifest["notebooks"]] == [True, True]
    assert "2 of 2 notebooks unchanged and reused" in (rebuilt.folder / "run.log").read_text()
    forced = run(TINY_PARAMS, out, workers=2, reuse=False, **QUIET)
    assert not forced.unchanged
    assert [n["reused"] for n in forced.manifest["notebooks"]] == [False, False]


def test_a_changed_notebook_is_executed_again(small):
    first, out, nbdir = small
    _break(nbdir, "1 + 1")
    again = run(TINY_PARAMS, out, workers=2, **QUIET)
    assert {n["file"]: n["reused"] for n in again.manifest["notebooks"]} == {
        "05_horizon_scanning.ipynb": False, "06_data_quality.ipynb": True}


def test_cell_timeout(small):
    first, out, nbdir = small
    before = first.html.read_bytes()
    _break(nbdir, "import time\ntime.sleep(120)")
    t = time.perf_counter()
    with pytest.raises(RunError, match=r"05_horizon_scanning\.ipynb: .*(?i:timeout|timed out)"):
        run(TINY_PARAMS, out, workers=2, cell_timeout=3, **QUIET)
    assert time.perf_counter() - t < 90
    _intact(first, before)
    assert (out / "swanley-fixture" / "2014-15.failed" / "run.log").exists()


def test_kernel_that_dies(small):
    first, out, nbdir = small
    before = first.html.read_bytes()
    _break(nbdir, "import os\nos._exit(1)")
    with pytest.raises(RunError, match=r"05_horizon_scanning\.ipynb: .*(?i:dead|died)"):
        run(TINY_PARAMS, out, workers=2, **QUIET)
    _intact(first, before)


def test_full_disk(small, monkeypatch):
    first, out, _ = small
    before = first.html.read_bytes()

    def no_space(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runner, "write_matrix_exports", no_space)
    with pytest.raises(OutputError, match="the disk is full; nothing was published, the previous assessment is unchanged"):
        run(TINY_PARAMS, out, workers=2, reuse=False, **QUIET)
    _intact(first, before)


def test_two_runs_into_one_folder(small):
    first, out, _ = small
    before = first.html.read_bytes()
    lock = first.folder.parent / ".2014-15.lock"
    other = subprocess.Popen(["sleep", "60"])
    try:
        lock.write_text(str(other.pid))
        with pytest.raises(RunBusy, match=rf"another run \(pid {other.pid}\) is writing"):
            run(TINY_PARAMS, out, workers=2, **QUIET)
        assert first.html.read_bytes() == before and lock.exists()
    finally:
        other.kill()
        other.wait()
    # the other run is gone: its stale lock is taken over and the rerun succeeds
    again = run(TINY_PARAMS, out, workers=2, **QUIET)
    assert again.html.exists() and not lock.exists()


def test_ctrl_c_publishes_nothing_and_leaves_no_kernel(tmp_path):
    out = tmp_path / "out"
    old = out / "swanley-fixture" / "2014-15"
    old.mkdir(parents=True)
    (old / "assessment.html").write_text("previous assessment")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "csp_analysis.cli", "run", "--params", str(TINY_PARAMS), "--out", str(out),
         "--no-reuse", "--jobs", "2"],
        stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not _kernels_of(proc.pid):
        time.sleep(0.2)
    kernels = _kernels_of(proc.pid)
    assert kernels, "no kernel started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted; nothing was published" in err and "Traceback" not in err
    assert (old / "assessment.html").read_text() == "previous assessment"
    assert not list(old.parent.glob(".build-*")) and not list(old.parent.glob(".*.lock"))
    time.sleep(2)
    alive = [k for k in kernels if Path(f"/proc/{k}").exists() and Path(f"/proc/{k}/cmdline").read_bytes()]
    assert alive == [], "kernels left running after Ctrl-C"


def _kernels_of(pid: int) -> list[int]:
    """Kernels the run started: its ipykernel children, or the children of its warm-kernel
    process (forks of ``python -m csp_analysis.kernels``), and that process itself."""
    parent, cmd = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmd[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
    zygotes = {p for p, pp in parent.items() if pp == pid and b"csp_analysis.kernels" in cmd[p]}
    kernels = [p for p, pp in parent.items()
               if (pp == pid and b"ipykernel" in cmd[p]) or pp in zygotes]
    return kernels + sorted(zygotes) if kernels else []
