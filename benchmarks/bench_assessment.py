"""Benchmark: the full sample assessment, ours against the naive way.

``make bench`` runs this script. The issue's requirement: "`make bench` prints the wall
time and peak memory of the full sample run, and of the naive way (papermill CLI then
nbconvert CLI per notebook, one after another) measured in the same run, as a ratio.
Target: >= 3x faster than the naive way."

What is measured, both ways on the same params file and in the same invocation:

ours
    ``python -m csp_analysis.cli run --params P --out <tmpdir>`` as one subprocess, with
    ``--no-reuse`` when the CLI has it (so that every notebook is executed, none copied
    from the runner's cache of executed notebooks). The runner loads and ranks the data,
    executes every notebook with papermill's Python API (one kernel per notebook,
    ``--jobs`` at a time, default: the CPU cores), merges them and writes ONE
    self-contained HTML.
naive
    What an analyst would do by hand, one notebook after another: for every notebook
    execution the runner does (``csp_analysis.runner.plan``, in the runner's order), the
    papermill CLI (``papermill IN OUT -p name value ... -k <kernel> --cwd notebooks/``)
    then the nbconvert CLI (``jupyter nbconvert --to html --no-input OUT``), sequentially.
    Each CLI is a fresh Python process, each papermill starts a fresh kernel, and the
    result is one HTML per notebook instead of one document.

floor
    Issue 7: "within 1.3x of the floor (notebooks x bare-kernel-with-imports time / cores +
    compute)". For each notebook, a fresh kernel started the usual way
    (``jupyter_client.start_new_kernel``) runs that notebook's own import statements and is
    stopped (best of 2); summed over the executions and divided by the cores; plus the
    runner's own work (load, shared results, HTML, from ours' manifest) and the code cells'
    execution time summed over ours' executed notebooks, divided by the cores.
rerun
    The same ``csp-assess run`` again on ours' output, default flags, nothing changed (the
    scheduler's refresh with no new data). Target: >= 10x faster than ours' first run.

Wall time is ``time.perf_counter()`` around the subprocess(es). Peak memory is the
largest sum, over one sample, of the resident set size (``/proc/<pid>/statm``) of every
descendant of this script: the runner and its kernels, or papermill with its kernel and
then nbconvert. A thread walks the ``/proc/*/stat`` parent links every ~50 ms (no psutil,
which is not a dependency). Summed RSS counts shared pages (libraries) once per process,
so it is an upper bound on real memory use; it is the same measure both ways. A process
that lives less than one polling interval may be missed; a child caught between fork and
exec (same command line as its parent) is skipped, as it shares its parent's pages.

CPU time (user + system of the whole tree, from ``getrusage(RUSAGE_CHILDREN)``) is printed
too: it is the work each way does, and it hardly moves when other processes compete for
the cores, unlike wall time. "others busy" is the share of the cores that processes
outside the measured tree used meanwhile (from ``/proc/stat``): above ~10 % the figures
are contended, and the parallel runner loses more from that than the sequential naive way.

Before any timing the parquet data cache is warmed once (``load_dataset``), so both ways
read the same cache and neither pays for parsing the CSVs. ``--repeat N`` runs both ways
N times, interleaved, and keeps the fastest run of each. Temporary folders are removed;
nothing is written in the repository. No network is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent  # the venv's bin/ (not resolved: it may be a symlink)
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


def _busy_cpu() -> float:
    """CPU seconds spent by the whole machine (all processes, all cores) since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return (sum(v[:8]) - idle) / TICK


# ---------------------------------------------------------------- peak memory


def _descendants(root: int) -> list[tuple[int, int]]:
    """Every live descendant of ``root`` (not ``root`` itself) as (pid, ppid), from the
    parent links in /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                data = f.read()
        except OSError:  # the process ended meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = data[data.rfind(b")") + 2:].split()
        children[int(fields[1])].append(int(entry.name))
    out, stack = [], [root]
    while stack:
        parent = stack.pop()
        for child in children.get(parent, ()):
            out.append((child, parent))
            stack.append(child)
    return out


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class PeakRSS:
    """Context manager: peak summed RSS of this process's descendants while it is open,
    their CPU time (user + system, of the descendants reaped meanwhile), and the CPU time
    the rest of the machine used meanwhile."""

    def __init__(self, interval: float = 0.05):
        self.root = os.getpid()
        self.interval = interval
        self.peak = 0  # bytes
        self.peak_procs = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.cpu = self.others = 0.0

    def _sample(self) -> None:
        tree = _descendants(self.root)
        cmd = {p: _cmdline(p) for p in {self.root, *(x for pair in tree for x in pair)}}
        # A child caught between fork and exec is a copy of its parent sharing its pages:
        # skip it, or the parent's memory would be counted twice.
        # Warm kernels are forks of the runner's zygote (same command line) that never exec:
        # they are counted.
        pids = [p for p, parent in tree if cmd[p] != cmd[parent] or b"csp_analysis.kernels" in cmd[p]]
        total = sum(_rss(p) for p in pids)
        self.samples += 1
        if total > self.peak:
            self.peak, self.peak_procs = total, len(pids)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    @staticmethod
    def _children_cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    def __enter__(self) -> Self:
        self._cpu0 = self._children_cpu()
        self._busy0, self._self0 = _busy_cpu(), time.process_time()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = self._children_cpu() - self._cpu0
        # what the rest of the machine used meanwhile (other users, tests, ...)
        self.others = max(0.0, _busy_cpu() - self._busy0 - self.cpu
                          - (time.process_time() - self._self0))


# ---------------------------------------------------------------- the two ways


@dataclass
class Measure:
    wall: float  # seconds
    peak: int  # bytes
    peak_procs: int
    cpu: float = 0.0  # user + system seconds of the whole tree
    others: float = 0.0  # CPU seconds used meanwhile by processes outside the tree
    detail: dict[str, float] = field(default_factory=dict)
    per_notebook: dict[str, float] = field(default_factory=dict)  # seconds, by output name
    serial: float = 0.0  # ours: the runner's own work (load, shared results, HTML)
    cells: float = 0.0  # ours: code cells' execution time, summed over the notebooks
    rerun: float = 0.0  # ours: wall time of a second run with nothing changed


class BenchError(RuntimeError):
    pass


def _check(proc: subprocess.CompletedProcess, what: str) -> None:
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def _run_flags() -> list[str]:
    """Flags that make ``csp-assess run`` execute every notebook: the runner reuses
    unchanged executed notebooks from its cache by default, which would time a copy."""
    cmd = [sys.executable, "-m", "csp_analysis.cli", "run", "--help"]
    helptext = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False).stdout
    return ["--no-reuse"] if "--no-reuse" in helptext else []


def run_ours(params_path: Path, jobs: int | None, flags: list[str]) -> Measure:
    from csp_analysis.config import load_params
    from csp_analysis.runner import output_folder

    with tempfile.TemporaryDirectory(prefix="bench-ours-") as tmp:
        cmd = [sys.executable, "-m", "csp_analysis.cli", "run", "--params", str(params_path),
               "--out", tmp, *flags]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        with PeakRSS() as mem:
            t = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - t
        _check(proc, "csp-assess run")
        folder = output_folder(load_params(params_path), Path(tmp))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        timings = manifest.get("timings", {})
        detail = {k: timings[k] for k in ("load_and_rank", "notebooks", "html") if k in timings}
        detail["process start + imports + publish"] = wall - timings.get("total", wall)
        per = {nb["file"]: nb["seconds"] for nb in manifest.get("notebooks", [])}
        reused = [nb["file"] for nb in manifest.get("notebooks", []) if nb.get("reused")]
        if reused:
            raise BenchError(f"the runner reused {len(reused)} notebook(s) instead of executing "
                             f"them ({', '.join(reused[:3])}...): not a full run")
        serial = sum(timings.get(k, 0.0) for k in ("load", "shared_results", "html"))
        cells = sum(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
                    for f in (folder / "notebooks").glob("*.ipynb")
                    for c in json.loads(f.read_text(encoding="utf-8"))["cells"])
        # The same command again, nothing changed (the scheduler's monthly rerun), default flags
        t = time.perf_counter()
        again = subprocess.run(cmd[:cmd.index("--out") + 2], cwd=ROOT, capture_output=True, text=True, check=False)
        rerun = time.perf_counter() - t
        _check(again, "csp-assess run (rerun)")
    return Measure(wall, mem.peak, mem.peak_procs, mem.cpu, mem.others, detail, per, serial, cells, rerun)


def bare_kernel(kernel: str, code: str, repeat: int = 3) -> float:
    """Seconds to start a fresh kernel the usual way, run the notebooks' import statements
    in it and stop it (best of ``repeat``): the floor's cost per notebook."""
    from jupyter_client.manager import start_new_kernel

    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        km, kc = start_new_kernel(kernel_name=kernel, cwd=str(ROOT / "notebooks"), stderr=subprocess.DEVNULL)
        try:
            reply = kc.execute_interactive(code, timeout=120)
            if reply["content"]["status"] != "ok":
                raise BenchError(f"imports failed in a bare kernel: {reply['content'].get('evalue')}")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
        best = min(best, time.perf_counter() - t)
    return best


def run_naive(jobs: list, kernel: str) -> Measure:
    papermill, jupyter = BIN / "papermill", BIN / "jupyter"
    for exe in (papermill, jupyter):
        if not exe.exists():
            raise BenchError(f"{exe} not found (the CLIs are looked up next to {sys.executable})")
    pm_total = nbc_total = 0.0
    per: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-naive-") as tmp, PeakRSS() as mem:
        t0 = time.perf_counter()
        for job in jobs:
            out = Path(tmp) / job.name
            cmd = [str(papermill), str(job.notebook), str(out)]
            for name, value in job.parameters.items():
                cmd += ["-p", name, str(value)]
            cmd += ["-k", kernel, "--cwd", str(job.notebook.parent)]
            t = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
            pm_total += time.perf_counter() - t
            _check(proc, f"papermill {job.name}")
            t = time.perf_counter()
            cmd = [str(jupyter), "nbconvert", "--to", "html", "--no-input", str(out)]
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
            nbc_total += time.perf_counter() - t
            per[job.name] = time.perf_counter() - t0 - sum(per.values())
            _check(proc, f"nbconvert {job.name}")
            if not out.with_suffix(".html").exists():
                raise BenchError(f"nbconvert wrote no {out.with_suffix('.html').name}")
        wall = time.perf_counter() - t0
    return Measure(wall, mem.peak, mem.peak_procs, mem.cpu, mem.others,
                   {f"papermill CLI (x{len(jobs)})": pm_total,
                    f"nbconvert CLI (x{len(jobs)})": nbc_total}, per)


# ---------------------------------------------------------------- report


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _others(m: Measure) -> float:
    """Share of the machine's cores used by processes outside the measured tree."""
    return m.others / (m.wall * (os.cpu_count() or 1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", type=Path, default=ROOT / "params" / "sample.yaml",
                    help="params YAML file (default: params/sample.yaml)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each way; the best is kept")
    ap.add_argument("--skip-naive", action="store_true", help="time ours only (quick)")
    ap.add_argument("--jobs", type=int, help="passed to csp-assess run (default: CPU cores)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    params_path = args.params.resolve()

    from csp_analysis.config import load_params
    from csp_analysis.data import load_dataset
    from csp_analysis.matrix import priority_matrix
    from csp_analysis.runner import check_kernel, plan

    params = load_params(params_path)
    check_kernel(params.report.kernel_name)
    t = time.perf_counter()
    ds = load_dataset(params)  # warms the parquet cache that both ways read
    warm = time.perf_counter() - t
    try:  # the runner's order (profiles by rank); the count is the same either way
        order = list(priority_matrix(ds, params)["ranking"].index)
    except Exception as exc:  # noqa: BLE001 - only the order of the naive runs depends on it
        print(f"  (ranking failed, {type(exc).__name__}: {exc}; using the params order)")
        order = None
    jobs = plan(params, order=order)
    del ds

    flags = _run_flags()
    n = len(jobs)
    shown = params_path.relative_to(ROOT) if params_path.is_relative_to(ROOT) else params_path
    print(f"Benchmark of the full assessment: {shown}")
    print(f"  {dt.date.today().isoformat()}, {os.cpu_count()} CPU cores, Python "
          f"{platform.python_version()}, kernel '{params.report.kernel_name}', "
          f"{n} notebook executions, best of {args.repeat}")
    print(f"  data cache warmed once before timing ({Path(params.cache_dir)}, {warm:.1f} s): "
          f"both ways read the same parquet cache")
    if flags:
        print(f"  ours runs with {' '.join(flags)}: every notebook is executed, as in the naive way")
    print("  peak memory = largest summed RSS of the process tree (runner + kernels, or "
          "papermill + kernel / nbconvert), sampled every 50 ms")

    ours: list[Measure] = []
    naive: list[Measure] = []
    try:
        for i in range(args.repeat):
            tag = f" {i + 1}/{args.repeat}" if args.repeat > 1 else ""
            print(f"\nours{tag}: csp-assess run ...", flush=True)
            ours.append(run_ours(params_path, args.jobs, flags))
            m = ours[-1]
            print(f"  {m.wall:.1f} s, CPU {m.cpu:.1f} s, peak {_mb(m.peak)}; other processes "
                  f"used {_others(m):.0%} of the cores meanwhile", flush=True)
            if not args.skip_naive:
                print(f"naive{tag}: papermill CLI + nbconvert CLI x {n}, one after another ...",
                      flush=True)
                naive.append(run_naive(jobs, params.report.kernel_name))
                m = naive[-1]
                print(f"  {m.wall:.1f} s, CPU {m.cpu:.1f} s, peak {_mb(m.peak)}; other processes "
                      f"used {_others(m):.0%} of the cores meanwhile", flush=True)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1

    rows = [("ours (csp-assess run)", min(ours, key=lambda m: m.wall))]
    if naive:
        rows.append(("naive (papermill + nbconvert CLIs)", min(naive, key=lambda m: m.wall)))
    w = max(len(r[0]) for r in rows)
    print()
    print(f"{'':<{w}}  {'wall':>9}  {'per notebook':>12}  {'CPU time':>9}  {'peak RSS':>9}  "
          f"{'procs at peak':>13}  {'others busy':>11}")
    for label, m in rows:
        print(f"{label:<{w}}  {m.wall:>7.1f} s  {m.wall / n:>10.2f} s  {m.cpu:>7.1f} s  "
              f"{_mb(m.peak):>9}  {m.peak_procs:>13}  {_others(m):>11.0%}")
    for label, m in rows:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in m.detail.items())
        print(f"  {label.split()[0]}: {parts}")
        if m.per_notebook:
            lo, hi = min(m.per_notebook.values()), max(m.per_notebook.values())
            slowest = max(m.per_notebook, key=m.per_notebook.get)
            print(f"  {label.split()[0]}: each notebook {lo:.1f}-{hi:.1f} s, slowest {slowest}")
    if args.repeat > 1:
        print("  all runs (s): ours " + " ".join(f"{m.wall:.1f}" for m in ours)
              + ("; naive " + " ".join(f"{m.wall:.1f}" for m in naive) if naive else ""))
    busy = max(_others(m) for _, m in rows)
    if busy > 0.10:
        print(f"  caution: other processes kept up to {busy:.0%} of the cores busy during a "
              f"measured run; the parallel runner loses most from that. Rerun on an idle machine.")
    print()
    if naive:
        o, v = rows[0][1], rows[1][1]
        ratio = v.wall / o.wall
        print(f"peak memory: ours {_mb(o.peak)}, naive {_mb(v.peak)} "
              f"(ours / naive = {o.peak / v.peak:.1f}x)")
        print(f"CPU time: naive / ours = {v.cpu / o.cpu:.1f}x (work saved, whatever the load)")
        print(f"target >= 3x: {'met' if ratio >= 3 else 'NOT met'} ({ratio:.2f}x)")
        print(f"speed-up: {ratio:.1f}x (naive {v.wall:.1f} s / ours {o.wall:.1f} s)")
    else:
        print(f"speed-up: not measured (--skip-naive); ours {rows[0][1].wall:.1f} s")
    o = rows[0][1]
    from csp_analysis.kernels import notebook_import_code

    cores = os.cpu_count() or 1
    per_nb = {nb: bare_kernel(params.report.kernel_name, notebook_import_code([nb]), repeat=2)
              for nb in sorted({j.notebook for j in jobs})}
    kernels = sum(per_nb[j.notebook] for j in jobs)
    floor = kernels / cores + o.serial + o.cells / cores
    print()
    print("floor: a fresh kernel + the notebook's own imports, started and stopped the usual way "
          "(best of 2): " + ", ".join(f"{nb.stem} {t:.2f} s" for nb, t in per_nb.items()))
    print(f"floor = {n} notebooks' kernels {kernels:.1f} s / {cores} cores + the runner's own work "
          f"(load, shared results, HTML) {o.serial:.1f} s + the cells' compute {o.cells:.1f} s / {cores} cores "
          f"= {floor:.1f} s")
    print(f"target ours <= 1.3x floor: {'met' if o.wall <= 1.3 * floor else 'NOT met'} "
          f"(ours {o.wall:.1f} s = {o.wall / floor:.2f}x the floor)")
    print(f"rerun with nothing changed: {o.rerun:.2f} s, first run {o.wall:.1f} s: "
          f"{o.wall / o.rerun:.1f}x faster (target >= 10x: {'met' if o.wall >= 10 * o.rerun else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
