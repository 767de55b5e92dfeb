"""Warm kernels (csp_analysis.kernels): a notebook executed in a kernel forked from the
zygote gives what it gives in a freshly started kernel, each kernel is its own process
and session, and nothing is left running afterwards."""

import json
import os
from pathlib import Path

import nbformat
import papermill
import pytest

from csp_analysis.kernels import notebook_imports, split_kernel_argv, warm_kernels

KERNEL = "csp-analysis"

CODE = [
    "import json, os, random, sys\nimport matplotlib.pyplot as plt\nfrom csp_analysis import report",
    "print(json.dumps({'cwd': os.getcwd(), 'flag': os.environ.get('CSP_TEST_FLAG'), "
    "'backend': plt.get_backend(), 'pid': os.getpid(), 'ppid': os.getppid(), 'sid': os.getsid(0), "
    "'path0': sys.path[0], 'argv0': os.path.basename(sys.argv[0]), 'draw': random.random()}))",
    "fig, ax = plt.subplots(figsize=(2, 1))\nax.plot([1, 3, 2])\nplt.show()",
    "report.setup()\nreport.text('Hello **partners**')",
]


@pytest.fixture
def notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CODE]
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "CSP analysis", "language": "python"}
    path = tmp_path / "nbdir" / "probe.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def _execute(path: Path, out: Path, manager=None) -> tuple[dict, list]:
    extra = {"kernel_manager_class": manager} if manager else {}
    nb = papermill.execute_notebook(str(path), str(out), kernel_name=KERNEL, cwd=str(path.parent),
                                    progress_bar=False, **extra)
    facts = json.loads(nb.cells[1].outputs[0]["text"])
    outputs = [[{k: v for k, v in o.items() if k != "execution_count"} for o in c.outputs]
               for c in nb.cells if c.cell_type == "code"]
    return facts, outputs


def test_split_kernel_argv():
    argv = ["/v/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert split_kernel_argv(argv) == (["/v/bin/python", "-Xfrozen_modules=off"], ["-f", "{connection_file}"])
    assert split_kernel_argv(["/usr/bin/R", "--slave", "-e", "IRkernel::main()"]) is None
    assert split_kernel_argv(["python", "-m", "other_launcher", "-f", "x"]) is None


def test_notebook_imports(notebook):
    assert notebook_imports([notebook]) == [
        "csp_analysis", "csp_analysis.report", "json", "matplotlib.pyplot", "os", "random", "sys"]


def test_warm_kernel_gives_what_a_fresh_kernel_gives(notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("CSP_TEST_FLAG", "from-the-runner")
    cold, cold_out = _execute(notebook, tmp_path / "cold.ipynb")
    with warm_kernels(KERNEL, [notebook]) as manager:
        assert manager is not None and manager.zygote.ready()
        zygote = manager.zygote.proc.pid
        one, one_out = _execute(notebook, tmp_path / "warm1.ipynb", manager)
        two, _ = _execute(notebook, tmp_path / "warm2.ipynb", manager)
    # the same environment, folder, backend, path and outputs (figure bytes included)
    for warm in (one, two):
        for key in ("cwd", "flag", "backend", "path0", "argv0"):
            assert warm[key] == cold[key], key
    assert one["flag"] == "from-the-runner" and one["cwd"] == str(notebook.parent)
    assert one["backend"] == "module://matplotlib_inline.backend_inline"
    drop = 1  # the cell printing pids and a random draw differs from run to run by design
    assert [o for i, o in enumerate(one_out) if i != drop] == [o for i, o in enumerate(cold_out) if i != drop]
    assert any("image/png" in o.get("data", {}) for o in one_out[2])
    # forks of the zygote, each in its own session, not sharing the zygote's random state
    assert one["ppid"] == zygote == two["ppid"]
    assert one["sid"] == one["pid"] and two["sid"] == two["pid"] and one["pid"] != two["pid"]
    assert one["draw"] != two["draw"]
    # nothing left running: kernels and zygote are gone
    for pid in (zygote, one["pid"], two["pid"]):
        assert not Path(f"/proc/{pid}/cmdline").exists() or not Path(f"/proc/{pid}/cmdline").read_bytes()


def test_leaving_with_an_error_kills_running_kernels(notebook, tmp_path):
    import time

    with pytest.raises(KeyboardInterrupt), warm_kernels(KERNEL, [notebook]) as manager:
        pid = manager.zygote.fork(["-f", str(tmp_path / "kernel.json")], str(tmp_path), dict(os.environ))
        assert Path(f"/proc/{pid}").exists()
        raise KeyboardInterrupt
    time.sleep(0.5)
    gone = not Path(f"/proc/{pid}/cmdline").exists() or not Path(f"/proc/{pid}/cmdline").read_bytes()
    assert gone, f"kernel {pid} still running"


def test_no_warm_kernels_when_disabled(notebook):
    with warm_kernels(KERNEL, [notebook], enabled=False) as manager:
        assert manager is None


def test_a_kept_zygote_serves_the_next_run(notebook, tmp_path, monkeypatch):
    from csp_analysis import kernels

    monkeypatch.setattr(kernels, "_keep", True)
    monkeypatch.setattr(kernels, "_KEPT", {})
    with warm_kernels(KERNEL, [notebook]) as first:
        one, _ = _execute(notebook, tmp_path / "a.ipynb", first)
    with warm_kernels(KERNEL, [notebook]) as second:
        two, _ = _execute(notebook, tmp_path / "b.ipynb", second)
    assert second.zygote is first.zygote and one["ppid"] == two["ppid"] == first.zygote.proc.pid
    # an error in a run stops the kept zygote; the next run starts a new one
    with pytest.raises(RuntimeError), warm_kernels(KERNEL, [notebook]):
        raise RuntimeError("a notebook failed")
    assert first.zygote.proc.poll() is not None and kernels._KEPT == {}
    with warm_kernels(KERNEL, [notebook]) as third:
        assert third.zygote is not first.zygote
    for z in kernels._KEPT.values():
        z.close()
