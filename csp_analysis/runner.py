"""Run the assessment: execute the notebooks with papermill, merge them into ONE HTML.

The run is built in a temporary folder beside the final one and renamed into
place only when every notebook succeeded and the HTML was written: a failed run
never leaves a partial or stale-looking ``assessment.html``, and the previously
published assessment stays as it was. The executed notebooks of a failed run are
kept in ``<period>.failed/`` for debugging.

Output (``<output_dir>/<area>/<period>/``)::

    assessment.html     the partners' document (no code, self-contained)
    notebooks/*.ipynb   the executed notebooks, for analysts and auditors
    run.log             what ran, how long it took, what was reused
    kernels.log         what the kernel processes themselves printed (start-up, shutdown)
    priority_matrix.csv the ranking and its criteria, for Excel users (also .xlsx)
    manifest.json       params, input files with SHA-256, package versions,
                        git commit, timings
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import html
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from csp_analysis import slug
from csp_analysis.config import Params, load_params
from csp_analysis.memo import FRESH_ENV, code_hash, input_hashes

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

# Reading order of the assessment. ``per_priority`` notebooks run once per priority.
NOTEBOOKS: list[tuple[str, bool]] = [
    ("00_executive_summary.ipynb", False),
    ("01_action_plan_review.ipynb", False),
    ("02_crime_overview.ipynb", False),
    ("03_priority_profile.ipynb", True),
    ("04_priority_matrix.ipynb", False),
    ("05_horizon_scanning.ipynb", False),
    ("06_data_quality.ipynb", False),
]
# Notebooks that read no result shared through the memo cache: they may start while the
# runner computes the matrix and the priorities' statistics.
INDEPENDENT = {"01_action_plan_review.ipynb", "05_horizon_scanning.ipynb", "06_data_quality.ipynb"}
PACKAGES = ["csp-analysis", "pandas", "numpy", "scipy", "statsmodels", "matplotlib",
            "papermill", "nbconvert", "nbformat", "ipykernel", "pydantic", "pyarrow", "pyyaml"]


class RunError(RuntimeError):
    """A run that failed; the message says which notebook, which cell, which error."""


class RunBusy(RunError):
    """Another run is writing the same output folder."""


class OutputError(RunError):
    """The outputs could not be written (disk full, permissions); nothing was published."""


@dataclass
class Job:
    name: str  # output file name, e.g. 03_priority_profile-burglary.ipynb
    notebook: Path
    parameters: dict
    seconds: float = 0.0
    error: str | None = None
    key: str = ""  # content hash of everything the executed notebook depends on
    cached: bool = False  # reused from the notebook cache instead of executed


@dataclass
class RunResult:
    html: Path
    folder: Path
    manifest: dict = field(default_factory=dict)
    unchanged: bool = False  # already up to date: nothing was run or written


def output_folder(params: Params, out_dir: Path | None = None) -> Path:
    root = Path(out_dir) if out_dir else Path(params.report.output_dir)
    return root / slug(params.area.name) / str(params.period.current)


def plan(params: Params, order: list[str] | None = None) -> list[Job]:
    """The notebook executions of one assessment, in reading order.

    ``order`` lists priority ids in the order their profiles should appear
    (the ranking); default: the params order.
    """
    jobs = []
    ids = order or [p.id for p in params.priorities]
    for nb, per_priority in NOTEBOOKS:
        path = NOTEBOOK_DIR / nb
        base = {"params_file": str(params.source_file)}
        if per_priority:
            for pid in ids:
                jobs.append(Job(f"{path.stem}-{pid}.ipynb", path, {**base, "priority_id": pid}))
        else:
            jobs.append(Job(nb, path, base))
    return jobs


def check_parameters(jobs: list[Job]) -> None:
    """Every parameter we pass must be declared in the notebook's 'parameters' cell
    (papermill itself only warns about unknown names)."""
    import nbformat
    import papermill

    seen: dict[Path, set[str]] = {}
    for job in jobs:
        if job.notebook not in seen:
            nb = nbformat.read(job.notebook, as_version=4)
            tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
            if len(tagged) != 1:
                raise RunError(f"{job.notebook.name}: needs exactly one cell tagged 'parameters', has {len(tagged)}")
            seen[job.notebook] = set(papermill.inspect_notebook(str(job.notebook)))
        unknown = set(job.parameters) - seen[job.notebook]
        if unknown:
            raise RunError(
                f"{job.notebook.name}: no parameter(s) {', '.join(sorted(unknown))}; "
                f"it declares {', '.join(sorted(seen[job.notebook]))}"
            )


def check_kernel(name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    if name not in KernelSpecManager().find_kernel_specs():
        raise RunError(
            f"Jupyter kernel '{name}' is not installed: run `make setup` (it registers the "
            f"project kernel), or set report.kernel_name in the params file"
        )


def _execute(job: Job, out: Path, kernel: str, timeout: int, manager=None) -> Job:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    extra = {"kernel_manager_class": manager} if manager is not None else {}
    try:
        papermill.execute_notebook(
            str(job.notebook),
            str(out / job.name),
            parameters=job.parameters,
            kernel_name=kernel,
            cwd=str(job.notebook.parent),
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,  # written once at the end, not after every cell
            **extra,
        )
    except PapermillExecutionError as exc:
        job.error = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}".strip()
    except Exception as exc:  # kernel died, timed out, could not start
        msg = str(exc).strip().splitlines()
        job.error = f"{type(exc).__name__}: {msg[-1] if msg else ''}"
    job.seconds = time.perf_counter() - start
    return job


def _kill_kernels() -> None:
    """Stop the kernel processes this process started (Linux /proc), so that an
    interrupted run does not wait for running notebooks to finish."""
    import signal

    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == me and b"ipykernel" in cmd:
            try:
                os.kill(int(stat.parent.name), signal.SIGTERM)
            except OSError:
                pass


def execute(jobs: list[Job], out: Path, *, kernel: str, timeout: int, workers: int, log=None,
            cache: Path | None = None, reuse: bool = True, progress: bool = False, prepare=None,
            manager=None) -> list[Job]:
    """Execute jobs in parallel (threads; each runs its own kernel process).

    ``manager``: the jupyter_client kernel manager class papermill uses (the warm
    kernels of :func:`csp_analysis.kernels.warm_kernels`); default, its own.

    With ``cache``, each success is stored there, and (``reuse``) a job whose key (see
    :func:`job_keys`) has an executed notebook there is copied instead of executed. With
    ``prepare``, the notebooks that need no shared results (:data:`INDEPENDENT`)
    start first, ``prepare()`` runs meanwhile in this thread, and the rest follow.
    """
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    todo = []
    for j in jobs:
        hit = cache / f"{j.key}.ipynb" if cache and j.key and reuse else None
        if hit is not None and hit.exists():
            shutil.copyfile(hit, out / j.name)
            j.cached = True
        else:
            todo.append(j)
    bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), unit="notebook", disable=not progress,
               desc="notebooks", leave=False)
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        first = [j for j in todo if prepare is None or j.notebook.name in INDEPENDENT]
        futures = {pool.submit(_execute, j, out, kernel, timeout, manager): j for j in first}
        if prepare is not None:
            prepare()
            futures.update({pool.submit(_execute, j, out, kernel, timeout, manager): j
                            for j in todo if j not in first})
        for f in as_completed(futures):
            j = f.result()
            bar.update(1)
            if not j.error and cache and j.key:
                cache.mkdir(parents=True, exist_ok=True)
                tmp = cache / f".{j.key}.{os.getpid()}.tmp"
                shutil.copyfile(out / j.name, tmp)
                os.replace(tmp, cache / f"{j.key}.ipynb")
            if log:
                log(f"{j.name:<48} {j.seconds:6.1f} s  {'FAILED: ' + j.error if j.error else 'ok'}")
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _kill_kernels()
        raise
    finally:
        bar.close()
    pool.shutdown(wait=True)
    if log:
        for j in jobs:
            if j.cached:
                log(f"{j.name:<48}    0.0 s  unchanged (reused)")
    return jobs


def notebook_cache(params: Params) -> Path:
    """Where executed notebooks are kept for reuse (safe to delete)."""
    return Path(params.cache_dir) / "notebooks"


def job_keys(jobs: list[Job], params: Params, input_hashes: dict[str, str], kernel: str) -> None:
    """Give each job the content hash of what its output depends on: the notebook's
    source, its parameters, the params file, every input file, the library code and the
    versions of Python and the main packages."""
    common = json.dumps(
        {
            "params": hashlib.sha256(Path(params.source_file).read_bytes()).hexdigest(),
            "inputs": sorted(input_hashes.values()),
            "code": code_hash(),
            "kernel": kernel,
            "packages": _versions(),  # an upgraded pandas or matplotlib may draw differently
        },
        sort_keys=True,
    )
    for j in jobs:
        nb = hashlib.sha256(j.notebook.read_bytes()).hexdigest()
        params_ = {k: v for k, v in j.parameters.items() if k != "params_file"}
        j.key = hashlib.sha256(json.dumps([common, nb, params_], sort_keys=True).encode()).hexdigest()[:32]


# ---------------------------------------------------------------- HTML assembly


def _clean_outputs(cell) -> list:
    keep = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            continue
        if o.get("output_type") == "error":
            continue
        keep.append(o)
    return keep


def merge_notebooks(paths: list[Path]):
    """One notebook of every executed notebook's cells, in order, with code inputs,
    stderr, errors and cells tagged 'remove' taken out."""
    import nbformat

    merged = nbformat.v4.new_notebook()
    for i, p in enumerate(paths):
        nb = nbformat.read(p, as_version=4)
        if i == 0:
            merged.metadata = nb.metadata
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if "remove" in tags or "parameters" in tags or "injected-parameters" in tags:
                continue
            if cell.cell_type == "code":
                cell.outputs = _clean_outputs(cell)
                if not cell.outputs:
                    continue
            cell["id"] = f"c{len(merged.cells):04d}"  # ids must be unique in the merged notebook
            merged.cells.append(cell)
    merged.metadata.pop("papermill", None)
    return merged


_HEADING = re.compile(r'<h([12])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def _toc(body: str) -> str:
    """Numbered sections (h1) with their subsections (h2) nested beneath."""
    parts, open_sub = [], False
    for level, anchor, inner in _HEADING.findall(body):
        label = re.sub(r"<[^>]+>", "", inner).replace("¶", "").strip()
        link = f'<a href="#{anchor}">{label}</a>'
        if level == "1":
            parts.append(("</ul></li>" if open_sub else ("</li>" if parts else "")) + f"<li>{link}")
            open_sub = False
        else:
            parts.append(("" if open_sub else "<ul>") + f"<li>{link}</li>")
            open_sub = True
    if parts:
        parts.append("</ul></li>" if open_sub else "</li>")
    return ('<nav class="toc" aria-label="Contents"><h2 id="contents">Contents</h2><ol>'
            + "".join(parts) + "</ol></nav>")


def render_html(nb, params: Params, generated: str) -> str:
    """The partners' HTML: nbconvert's body (no input, no prompts) in our own shell
    (inline CSS, table of contents, licence footer; no scripts, no external requests)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", body)
    css = (TEMPLATE_DIR / "assessment.css").read_text(encoding="utf-8")
    title = f"{params.area.csp_name}: {params.report.title}"
    sample = ""
    if "police_uk" in params.data.synthetic:
        sample = ('<div class="sample-banner" role="note">Synthetic assessment: every figure comes from '
                  "generated data (for demonstration and testing), not from real records.</div>")
    elif params.data.synthetic:
        sample = (
            '<div class="sample-banner" role="note">Sample assessment: police.uk and ONS data are real; '
            "partner data is synthetic (generated for demonstration).</div>"
        )
    body_class = ' class="sample"' if sample else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
{css}
</style>
</head>
<body{body_class}>
{sample}
<header class="doc-header">
<p class="kicker">{html.escape(params.area.csp_name)}</p>
<h1 class="doc-title">{html.escape(params.report.title)}</h1>
<p class="meta">Assessment year {params.period.current} (April to March), compared with {params.period.previous}.
Generated {html.escape(generated)}.</p>
</header>
{_toc(body)}
<main>
{body}
</main>
<footer>
<p>Contains public sector information licensed under the
Open Government Licence v3.0 (police.uk street-level crime data; ONS geography and population).
Produced with the CSP Strategic Assessment Workbook.</p>
</footer>
</body>
</html>
"""


def write_matrix_exports(table, folder: Path) -> None:
    """priority_matrix.csv and .xlsx beside the HTML, for partners who work in Excel."""
    table.to_csv(folder / "priority_matrix.csv", index=False, encoding="utf-8-sig")
    table.to_excel(folder / "priority_matrix.xlsx", index=False, sheet_name="Priority matrix")


# ---------------------------------------------------------------- manifest


def _git_commit() -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return out


def _relative(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return path.name


def build_manifest(params: Params, hashes: dict[str, str], jobs: list[Job], timings: dict) -> dict:
    base = params.source_file.parent
    return {
        "area": params.area.name,
        "period": str(params.period.current),
        "params_file": _relative(params.source_file, base),
        "params": json.loads(params.model_dump_json(exclude={"source_file"})),
        "inputs": [
            {"path": _relative(Path(p), base), "sha256": h, "bytes": Path(p).stat().st_size}
            for p, h in sorted(hashes.items())
        ],
        "packages": _versions(),
        "git_commit": _git_commit(),
        "notebooks": [{"file": j.name, "parameters": {k: v for k, v in j.parameters.items()
                                                       if k != "params_file"},
                       "seconds": round(j.seconds, 2), "reused": j.cached, "key": j.key} for j in jobs],
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }


# ---------------------------------------------------------------- the run


class _Lock:
    """One run at a time per output folder: ``.<period>.lock`` holds the owner's pid.
    A lock whose process is gone (a crashed run) is taken over."""

    def __init__(self, final: Path):
        self.path = final.parent / f".{final.name}.lock"

    def __enter__(self):
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                return self
            except FileExistsError:
                try:
                    pid = int(self.path.read_text().strip() or 0)
                except (OSError, ValueError):
                    pid = 0
                if pid and pid != os.getpid() and Path(f"/proc/{pid}").exists():
                    raise RunBusy(
                        f"another run (pid {pid}) is writing {self.path.parent / self.path.name[1:-5]}; "
                        f"wait for it to finish (or remove {self.path} if no run is going on)"
                    ) from None
                self.path.unlink(missing_ok=True)  # stale: its run is gone (killed), and its build too
                for build in self.path.parent.glob(f".build-{self.path.name[1:-5]}-*"):
                    shutil.rmtree(build, ignore_errors=True)
        raise RunError(f"could not take the lock {self.path}")

    def __exit__(self, *exc):
        self.path.unlink(missing_ok=True)


class _Log:
    """Timestamped lines to the run's log file (and to ``echo`` when given)."""

    def __init__(self, echo=None):
        self.lines: list[str] = []
        self.echo = echo

    def __call__(self, msg: str) -> None:
        line = f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S} {msg}"
        self.lines.append(line)
        if self.echo:
            self.echo(msg)

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "run.log").write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def _reading_order(jobs: list[Job], ranking: list[str]) -> list[Job]:
    """Jobs in the order of the assessment, the priority profiles in rank order."""
    rank = {pid: i for i, pid in enumerate(ranking)}
    position = {nb: i for i, (nb, _) in enumerate(NOTEBOOKS)}
    return sorted(jobs, key=lambda j: (position.get(j.notebook.name, 99),
                                       rank.get(j.parameters.get("priority_id"), -1)))


def _select(jobs: list[Job], only: list[str] | None) -> list[Job]:
    if not only:
        return jobs
    chosen = [j for j in jobs if any(tok in j.name for tok in only)]
    if not chosen:
        raise RunError(f"--only {','.join(only)} matches no notebook; names: {', '.join(j.name for j in jobs)}")
    return chosen


def run(params_path: str | Path, out_dir: str | Path | None = None, *, workers: int | None = None,
        log=print, only: list[str] | None = None, progress: bool = False, reuse: bool = True,
        cell_timeout: int | None = None) -> RunResult:
    """Run the whole assessment and publish it atomically.

    Parameters
    ----------
    params_path : path
        The params YAML file.
    out_dir : path, optional
        Root of the outputs; default ``report.output_dir`` from the params.
    workers : int, optional
        Notebooks executed at once; default: the number of CPU cores.
    log : callable, optional
        Receives each progress line (they also go to ``run.log`` beside the outputs).
    only : list of str, optional
        Run only the notebooks whose output name contains one of these (e.g.
        ``["matrix", "profile-asb"]``). The result goes to ``<period>.only/`` and is
        never published as the assessment.
    progress : bool
        Show a progress bar (tqdm) on stderr.
    reuse : bool, default True
        When the published assessment was made from exactly these notebooks, parameters,
        params file, inputs and library code, return it as it is (``unchanged``); else
        reuse each executed notebook whose own inputs are unchanged (cached under
        ``cache_dir/notebooks``). False: execute every notebook and compute the shared
        results again.
    cell_timeout : int, optional
        Seconds a cell may run; default ``report.cell_timeout_s``.

    Returns
    -------
    RunResult
        Paths of the published HTML and folder, and the manifest.

    Raises
    ------
    csp_analysis.config.ParamsError, csp_analysis.sources.InputError, RunError
    """
    t0 = time.perf_counter()
    started = dt.datetime.now().astimezone()
    say = _Log(log)
    params = load_params(params_path)
    final = output_folder(params, Path(out_dir) if out_dir else None)
    final.parent.mkdir(parents=True, exist_ok=True)
    kernel = params.report.kernel_name
    with _Lock(final):
        jobs = _select(plan(params), only)
        hashes = input_hashes(params)
        job_keys(jobs, params, hashes, kernel)
        if reuse and not only:
            published = _up_to_date(final, jobs)
            if published is not None:
                say(f"{params.area.name} {params.period.current}: up to date (params, inputs, notebooks "
                    f"and code unchanged since {published.get('finished', 'the last run')}); nothing re-run. "
                    "Use --no-reuse to run again anyway")
                return RunResult(final / "assessment.html", final, published, unchanged=True)
        check_kernel(kernel)
        check_parameters(jobs)
        cache = notebook_cache(params)
        todo = [j for j in jobs if not (reuse and (cache / f"{j.key}.ipynb").exists())]
        from csp_analysis.kernels import warm_kernels

        with contextlib.ExitStack() as stack:
            if not reuse:  # shared results are computed again too, by this run, for its kernels
                stack.enter_context(_environ(FRESH_ENV, str(time.time() - 1)))
            # The warm-kernel process imports while the data load (two cores at work).
            manager = stack.enter_context(warm_kernels(kernel, [j.notebook for j in todo], enabled=bool(todo)))
            return _run(params, jobs, final, hashes, say=say, started=started, t0=t0, only=only,
                        workers=workers, progress=progress, cache=cache, reuse=reuse, manager=manager,
                        timeout=cell_timeout or params.report.cell_timeout_s)


@contextlib.contextmanager
def _environ(name: str, value: str):
    """Set an environment variable (inherited by the kernels) for the duration."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _up_to_date(final: Path, jobs: list[Job]) -> dict | None:
    """The published manifest when the assessment in ``final`` was made from exactly
    these jobs (same keys: notebooks, parameters, params file, inputs, code)."""
    try:
        manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("only") or not (final / "assessment.html").exists():
        return None
    keys = sorted(n.get("key", "") for n in manifest.get("notebooks", []))
    return manifest if keys == sorted(j.key for j in jobs) else None


def _run(params: Params, jobs: list[Job], final: Path, hashes: dict[str, str], *, say, started, t0, only,
         workers, progress, cache, reuse, manager, timeout) -> RunResult:
    from csp_analysis import overview, profile
    from csp_analysis.data import load_dataset
    from csp_analysis.indicators import all_priority_monthly
    from csp_analysis.matrix import export_table, priority_matrix

    # Read and validate every input once; the kernels then read the parquet cache.
    t = time.perf_counter()
    ds = load_dataset(params)
    all_priority_monthly(ds, params)  # a bad indicator stops the run before any notebook
    timings = {"load": time.perf_counter() - t}
    shared: dict = {}

    def prepare() -> None:
        """Results every other notebook reads (memo cache), computed once."""
        t = time.perf_counter()
        shared["matrix"] = priority_matrix(ds, params)
        for p in params.priorities:
            profile.analyse(ds, params, p)
        overview.category_comparison(ds, params.period.current, params.period.previous, params=params)
        timings["shared_results"] = time.perf_counter() - t

    target = final.parent / f"{final.name}.only" if only else final
    build = Path(tempfile.mkdtemp(prefix=f".build-{final.name}-", dir=final.parent))
    if manager is not None:  # kernel start-up and shutdown messages: not the scheduler's console
        manager.kernel_log = str(build / "kernels.log")
    try:
        n = workers or os.cpu_count() or 1
        say(f"{params.area.name} {params.period.current}: {len(jobs)} notebooks, {n} at a time")
        t = time.perf_counter()
        execute(jobs, build / "notebooks", kernel=params.report.kernel_name, timeout=timeout, workers=n,
                log=say, cache=cache, reuse=reuse, progress=progress, prepare=prepare, manager=manager)
        timings["notebooks"] = time.perf_counter() - t
        matrix = shared["matrix"]
        jobs = _reading_order(jobs, list(matrix["ranking"].index))
        failed = [j for j in jobs if j.error]
        if failed:
            kept = final.parent / f"{final.name}.failed"
            shutil.rmtree(kept, ignore_errors=True)
            os.rename(build, kept)
            lines = [f"{j.name}: {j.error}" for j in failed]
            say(f"FAILED: {len(failed)} notebook(s); nothing published")
            say.write(kept)
            raise RunError(
                f"{len(failed)} notebook(s) failed; nothing was published "
                f"(executed notebooks and run.log kept in {kept}):\n  " + "\n  ".join(lines)
            )
        t = time.perf_counter()
        merged = merge_notebooks([build / "notebooks" / j.name for j in jobs])
        page = render_html(merged, params, started.strftime("%d %B %Y, %H:%M"))
        (build / "assessment.html").write_text(page, encoding="utf-8")
        write_matrix_exports(export_table(matrix, params), build)
        timings["html"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t0
        manifest = build_manifest(params, hashes, jobs, timings)
        manifest["started"] = started.isoformat(timespec="seconds")
        manifest["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        manifest["only"] = only or None
        (build / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        reused = sum(j.cached for j in jobs)
        say(f"done in {timings['total']:.1f} s ({reused} of {len(jobs)} notebooks unchanged and reused)")
        say.write(build)
        _publish(build, target)
    except KeyboardInterrupt:
        shutil.rmtree(build, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(build, ignore_errors=True)
        what = "the disk is full" if exc.errno == errno.ENOSPC else str(exc)
        raise OutputError(f"could not write the outputs in {final.parent}: {what}; nothing was published, "
                       f"the previous assessment is unchanged") from None
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return RunResult(target / "assessment.html", target, manifest)


def _publish(build: Path, final: Path) -> None:
    """Swap the new build into place; a failed run's folder goes (this one succeeded)."""
    replace_folder(build, final)
    shutil.rmtree(final.parent / f"{final.name}.failed", ignore_errors=True)


def replace_folder(build: Path, final: Path) -> None:
    """Rename ``build`` to ``final``; a previous ``final`` is removed only after the swap
    (restored if the swap fails), so ``final`` is never half-written."""
    old = None
    if final.exists():
        old = final.parent / f".old-{final.name}-{os.getpid()}"
        os.rename(final, old)
    try:
        os.rename(build, final)
    except OSError:
        if old is not None:
            os.rename(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: csp-assess run --params FILE")
