"""Many areas' assessments at once: ``csp-assess batch PATH [PATH ...]``.

Each params file is one area's assessment, run by :func:`csp_analysis.runner.run` exactly
as ``csp-assess run`` would (its own output folder ``<out>/<area>/<period>/``, published
atomically, its own ``run.log``). The areas run

* **locally** (default): a pool of worker processes (``concurrent.futures``, spawn
  start method), ``workers`` areas at a time (default: the CPU cores), each area running
  ``jobs_per_area`` notebooks at a time; or
* **on a Dask cluster** (``scheduler="tcp://host:port"``, a ``distributed.Client`` or a
  ``LocalCluster``): one task per area. The cluster's workers must have this package
  installed (``pip install 'csp-analysis[dask]'`` in the same environment, with the
  ``csp-analysis`` Jupyter kernel registered) and must read the params files, the data
  and the output folder at the same paths as this machine (a shared file system). Give
  each worker one thread (``dask worker --nthreads 1``): the runner's lock and its
  clean-up of kernels are per process. Paths are passed to the workers as absolute paths.

Each local worker process keeps one warm-kernel process (:func:`csp_analysis.kernels.keep_warm`)
for all the areas it runs, and the areas with the largest inputs start first.

A failing area never stops the others: :func:`run_area` turns every exception into a
failed :class:`AreaResult` with the exit code ``csp-assess run`` would have given
(2 params, 3 data, 4 notebook, 5 busy, 6 output, 130 interrupted; 1 anything else, such
as a worker process that died). A local worker process that dies (out of memory, killed)
breaks the process pool: the areas that were running are run again one at a time in a
fresh process, so that only the one that kills its process gets a failed row, and the
rest go on in a fresh pool. Two params files that would write the same output folder
(same area name and period): the later one is not run (a failed row, exit 2).

At the end the results are written to ``batch.json`` in the output root (``out_dir``,
else the areas' common ``report.output_dir``, else the current folder) and the CLI
prints a summary table. Ctrl-C cancels the areas not started, interrupts the running
ones (their kernels are stopped; nothing partial is published) and still writes
``batch.json``. On a Dask cluster a running area is interrupted when its current
notebook ends.

Areas that share a ``cache_dir`` share its caches safely: the parquet data cache, the
shared results (``csp_analysis.memo``) and the executed notebooks are each written to a
temporary name and renamed into place, keyed by content, so concurrent runs never read a
partial file (see docs/performance.md, "Batch").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from csp_analysis.cli import (
    EXIT_BUSY,
    EXIT_CLUSTER,
    EXIT_DATA,
    EXIT_INTERRUPTED,
    EXIT_NOTEBOOK,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_PARAMS,
    EXIT_SOME_FAILED,
)

EXIT_UNEXPECTED = 1  # a bug, or a worker process that died: what Python itself exits with
SKIPPED_NAMES = {"template.yaml", "template.yml"}  # in a folder: the annotated template, not an area
SUMMARY = "batch.json"
STOP_TIMEOUT = 120.0  # seconds to wait, after Ctrl-C, for running areas to stop their kernels
CONNECT_TIMEOUT = 30  # seconds to wait for a Dask scheduler
CANCELLED = "cancelled: the batch was interrupted before this area started"
INTERRUPTED = "interrupted; nothing was published"


class BatchError(RuntimeError):
    """A batch that cannot start: a missing path, no params files, no usable Dask cluster."""

    def __init__(self, message: str, exit_code: int = EXIT_PARAMS):
        super().__init__(message)
        self.exit_code = exit_code


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch; ``results`` has a row for every area (interrupted or cancelled)."""

    def __init__(self, results: list[AreaResult]):
        super().__init__("batch interrupted")
        self.results = results


@dataclass
class AreaResult:
    """One area's outcome in a batch (a row of the summary and of ``batch.json``)."""

    params_file: str
    area: str  # the area's name, or the params file's name when the file cannot be read
    period: str | None  # the financial year assessed
    status: str  # "ok" or "failed"
    exit_code: int  # as ``csp-assess run`` would exit (see the module docstring)
    seconds: float
    html: str | None = None  # the published assessment
    message: str = ""  # one line: where the HTML is, or what went wrong
    detail: str = ""  # the whole error message (several lines for several problems)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# ------------------------------------------------------------------ inputs


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Params files of the batch, in order, each once.

    A file is taken as it is. A folder gives its ``*.yaml`` and ``*.yml`` files (not
    sub-folders), sorted by name, except ``template.yaml``/``template.yml`` (the annotated
    template of ``params/``, which describes the sample area again). A path with ``*``, ``?``
    or ``[`` that does not exist is a glob pattern (for a pattern the shell did not expand).

    Raises
    ------
    BatchError
        A path that does not exist (or a pattern that matches nothing), a folder without
        params files, or no paths at all.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    problems: list[str] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.exists():
            candidates = [p]
        elif glob.has_magic(str(raw)):
            candidates = [Path(x) for x in sorted(glob.glob(str(p)))]
            if not candidates:
                problems.append(f"{raw}: matches no file")
                continue
        else:
            problems.append(f"{raw}: no such file or folder")
            continue
        found: list[Path] = []
        for c in candidates:
            if c.is_dir():
                found.extend(sorted((f for f in c.iterdir() if f.is_file() and f.suffix in (".yaml", ".yml")
                                     and f.name not in SKIPPED_NAMES), key=lambda f: f.name))
            else:
                found.append(c)
        if not found:
            problems.append(f"{raw}: no params files (*.yaml, *.yml) in this folder"
                            + (" (template.yaml is skipped)" if any((c / n).exists() for c in candidates
                                                                    for n in SKIPPED_NAMES) else ""))
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    if problems:
        raise BatchError("\n".join(problems))
    if not out:
        raise BatchError("no params files given")
    return out


# ------------------------------------------------------------------ one area

_running: dict[int, str] = {}  # thread id -> params file of the area it runs (this process)
_running_lock = threading.Lock()
_stop = threading.Event()  # a local worker process was told to stop (Ctrl-C)
_started = None  # in a local worker: shared flags, one per area of the pool, set when it starts


def _one_line(text: str, limit: int = 300) -> str:
    line = "; ".join(s.strip() for s in str(text).splitlines() if s.strip())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _failure(exc: BaseException) -> tuple[int, str]:
    """Exit code and message of an exception, as ``csp-assess run`` reports them. Looks the
    exception classes up among the modules already imported (only they can have raised
    them), so that it never fails itself."""
    for module, name, code in (("config", "ParamsError", EXIT_PARAMS), ("sources", "InputError", EXIT_DATA),
                               ("runner", "RunBusy", EXIT_BUSY), ("runner", "OutputError", EXIT_OUTPUT),
                               ("runner", "RunError", EXIT_NOTEBOOK)):
        kind = getattr(sys.modules.get(f"csp_analysis.{module}"), name, None)
        if kind is not None and isinstance(exc, kind):
            return code, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, INTERRUPTED
    return EXIT_UNEXPECTED, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def run_area(params_file: str | Path, out_dir: str | Path | None, jobs: int, reuse: bool) -> AreaResult:
    """One area's assessment (:func:`csp_analysis.runner.run`); never raises.

    Every exception, Ctrl-C included, becomes a failed :class:`AreaResult` with the exit
    code ``csp-assess run`` would give. Top-level so that a process pool or a Dask
    worker can run it.
    """
    t0 = time.perf_counter()
    area, period = Path(params_file).name, None
    me = threading.get_ident()
    with _running_lock:
        _running[me] = str(params_file)
    try:
        try:
            from csp_analysis.config import load_params
            from csp_analysis.runner import run

            params = load_params(params_file)
            area, period = params.area.name, str(params.period.current)
            result = run(params_file, out_dir, workers=jobs, reuse=reuse, log=lambda *_: None)
        finally:
            with _running_lock:
                _running.pop(me, None)
        what = "up to date (nothing changed)" if getattr(result, "unchanged", False) else "published"
        return AreaResult(str(params_file), area, period, "ok", EXIT_OK, round(time.perf_counter() - t0, 2),
                          str(result.html), f"{what}: {result.html}")
    except BaseException as exc:  # noqa: BLE001 - one area's failure must never stop the others
        code, text = _failure(exc)
        return AreaResult(str(params_file), area, period, "failed", code, round(time.perf_counter() - t0, 2),
                          None, _one_line(text), text)


def _not_run(params_file: str | Path, code: int, message: str, detail: str = "") -> AreaResult:
    return AreaResult(str(params_file), Path(params_file).name, None, "failed", code, 0.0, None, message,
                      detail or message)


# ------------------------------------------------------------------ local process pool


def _worker_init(started) -> None:
    """In each local worker: Ctrl-C interrupts the area being run (once: the runner then
    stops its kernels undisturbed) and makes the worker start no other area."""
    global _started
    _started = started
    from csp_analysis.kernels import keep_warm

    keep_warm()  # one warm-kernel process for every area this worker runs

    def on_sigint(signum, frame):
        first = not _stop.is_set()
        _stop.set()
        if first and _running:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)


def _pool_task(index: int, fn: Callable, params_file: str, out_dir: str | None, jobs: int,
               reuse: bool) -> AreaResult:
    if _stop.is_set():
        return _not_run(params_file, EXIT_INTERRUPTED, CANCELLED)
    if _started is not None:
        _started[index] = 1
    return fn(params_file, out_dir, jobs, reuse)


def _died(params_file: str) -> AreaResult:
    return _not_run(params_file, EXIT_UNEXPECTED,
                    "the worker process running this area died (killed, out of memory, or a crash in native "
                    "code); nothing was published; run it alone with csp-assess run --params FILE to see why")


class _Round:
    """One process pool running some of the areas, until they are done or the pool breaks."""

    def __init__(self, ctx, indices: list[int], workers: int, files: list[str], args: tuple, fn: Callable,
                 on_result: Callable):
        self.indices, self.files, self.args, self.fn = indices, files, args, fn
        self.reported: set[int] = set()
        self._on_result = on_result
        self.started = ctx.Array("b", len(indices), lock=False)  # set by the worker that starts an area
        self.pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(indices))), mp_context=ctx,
                                        initializer=_worker_init, initargs=(self.started,))

    def report(self, i: int, result: AreaResult) -> None:
        if i not in self.reported:
            self.reported.add(i)
            self._on_result(i, result)

    def run(self) -> tuple[list[int], list[int]]:
        """Run the areas. Returns the areas a broken pool took with it: (started, not started)."""
        futures = {self.pool.submit(_pool_task, k, self.fn, self.files[i], *self.args): k
                   for k, i in enumerate(self.indices)}
        broken: list[int] = []
        try:
            for f in as_completed(futures):
                k = futures[f]
                try:
                    self.report(self.indices[k], f.result())
                except BrokenProcessPool:
                    broken.append(k)
        except KeyboardInterrupt:
            self.interrupt(futures)
            raise
        self.pool.shutdown(wait=True, cancel_futures=True)
        return ([self.indices[k] for k in broken if self.started[k]],
                [self.indices[k] for k in broken if not self.started[k]])

    def interrupt(self, futures: dict) -> None:
        """Ctrl-C: cancel what has not started, tell every worker to stop (SIGINT: the
        runner stops its kernels and publishes nothing), and collect a row per area."""
        for f in futures:
            f.cancel()
        processes = dict(getattr(self.pool, "_processes", None) or {})  # pid -> Process
        for pid in processes:
            try:
                os.kill(pid, signal.SIGINT)
            except OSError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT
        for f, k in futures.items():
            i = self.indices[k]
            if f.cancelled():
                self.report(i, _not_run(self.files[i], EXIT_INTERRUPTED, CANCELLED))
                continue
            try:
                self.report(i, f.result(timeout=max(0.0, deadline - time.monotonic())))
            except BaseException:  # noqa: BLE001 - timed out, pool broken, or Ctrl-C again
                self.report(i, _not_run(self.files[i], EXIT_INTERRUPTED, INTERRUPTED))
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in processes.values():
            p.join(timeout=max(0.0, min(5.0, deadline - time.monotonic())))
            if p.is_alive():  # its kernels exit by themselves once their parent is gone
                p.terminate()


def _run_local(files: list[str], out_dir: str | None, jobs: int, reuse: bool, workers: int,
               on_result: Callable, fn: Callable) -> None:
    ctx = multiprocessing.get_context("spawn")
    args = (out_dir, jobs, reuse)
    todo = list(range(len(files)))
    while todo:
        suspects, waiting = _Round(ctx, todo, workers, files, args, fn, on_result).run()
        # The pool broke: every area it was running failed with it. Run each of those again
        # alone in a fresh process, so that only an area that kills its process fails.
        for i in suspects:
            alone = _Round(ctx, [i], 1, files, args, fn, on_result)
            if any(alone.run()):
                alone.report(i, _died(files[i]))
        if waiting and not suspects and len(waiting) == len(todo):  # no worker could even start
            for i in waiting:
                on_result(i, _not_run(files[i], EXIT_UNEXPECTED, "no worker process could start"))
            return
        todo = waiting


# ------------------------------------------------------------------ Dask


def _interrupt_areas(params_files: list[str]) -> list[str]:
    """On a Dask worker: raise KeyboardInterrupt in the threads running these areas (the
    runner then stops its kernels and publishes nothing). Returns the areas interrupted."""
    import ctypes

    hit = []
    with _running_lock:
        for tid, pf in list(_running.items()):
            if pf in params_files:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(KeyboardInterrupt))
                hit.append(pf)
    return hit


def _worker_info() -> dict:
    """What a Dask worker runs: checks that it can import this package."""
    import csp_analysis

    return {"version": csp_analysis.__version__, "python": sys.version.split()[0],
            "package": str(Path(csp_analysis.__file__).resolve().parent)}


def _address(scheduler) -> str | None:
    """The scheduler's address, from an address, a LocalCluster or a Client."""
    if scheduler is None or isinstance(scheduler, str):
        return scheduler
    if hasattr(scheduler, "scheduler_address"):
        return scheduler.scheduler_address
    return getattr(getattr(scheduler, "scheduler", None), "address", None) or str(scheduler)


def _client(scheduler):
    try:
        import distributed
    except ImportError:
        raise BatchError("--scheduler needs the Dask 'distributed' package: pip install 'csp-analysis[dask]'",
                         EXIT_CLUSTER) from None
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    address = _address(scheduler)
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise BatchError(f"cannot connect to the Dask scheduler at {address}: {_one_line(str(exc))}",
                         EXIT_CLUSTER) from None


def _run_dask(files: list[str], out_dir: str | None, jobs: int, reuse: bool, scheduler, log,
              on_result: Callable, fn: Callable) -> None:
    client, own = _client(scheduler)
    from distributed import as_completed as dask_completed

    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise BatchError(f"the Dask cluster at {client.scheduler.address} has no workers", EXIT_CLUSTER) from None
        try:
            info = client.run(_worker_info)
        except Exception as exc:  # noqa: BLE001 - typically: csp_analysis is not installed there
            raise BatchError(f"the Dask workers cannot run csp_analysis ({_one_line(str(exc), 200)}): install "
                             "the package in the workers' environment (pip install 'csp-analysis[dask]')",
                             EXIT_CLUSTER) from None
        if not info:
            raise BatchError(f"the Dask cluster at {client.scheduler.address} has no workers", EXIT_CLUSTER)
        threads = client.nthreads()
        if any(n > 1 for n in threads.values()):
            log(f"batch: warning: some Dask workers run {max(threads.values())} threads; one thread per worker "
                "(dask worker --nthreads 1) keeps each area's kernels and lock to its own process")
        stamp = dt.datetime.now().strftime("%H%M%S")
        keys = [f"csp-area-{Path(f).stem}-{stamp}-{os.getpid()}-{i}" for i, f in enumerate(files)]
        futures = client.map(fn, files, [out_dir] * len(files), [jobs] * len(files), [reuse] * len(files),
                             key=keys, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for f in dask_completed(futures):
                i = index[f.key]
                if f.status == "finished":
                    on_result(i, f.result())
                elif f.status == "cancelled":
                    on_result(i, _not_run(files[i], EXIT_INTERRUPTED, "cancelled on the Dask cluster"))
                else:  # e.g. KilledWorker: the area's worker process died (the scheduler retried it)
                    exc = f.exception()
                    on_result(i, _not_run(files[i], EXIT_UNEXPECTED,
                                          _one_line(f"the Dask task failed: {type(exc).__name__}: {exc}")))
        except KeyboardInterrupt:
            pending = [f for f in futures if not f.done()]
            try:  # the running areas stop at their current notebook's end; kernels stopped by the runner
                by_worker = client.run(_interrupt_areas, [files[index[f.key]] for f in pending])
                hit = {pf for hits in by_worker.values() for pf in hits}
            except Exception:  # noqa: BLE001 - best effort: the cluster may be going away too
                hit = set()
            client.cancel(pending)
            for f in pending:
                i = index[f.key]
                on_result(i, _not_run(files[i], EXIT_INTERRUPTED, INTERRUPTED if files[i] in hit else CANCELLED))
            raise
    finally:
        if own:
            client.close()


# ------------------------------------------------------------------ the batch


def _params_or_none(load, path: str):
    try:
        return load(path)
    except Exception:  # noqa: BLE001 - any problem is the area's own run's to report
        return None


def _plan(files: list[str], out_dir: str | None) -> tuple[dict[int, AreaResult], dict[int, tuple], Path,
                                                         dict[int, int]]:
    """Areas that would write another area's output folder (failed rows, not run); each
    readable area's (name, period); where batch.json goes: out_dir, else the areas'
    common report.output_dir, else the current folder; and each area's input bytes."""
    from csp_analysis.config import input_files, load_params
    from csp_analysis.runner import output_folder

    first: dict[Path, str] = {}
    clashes: dict[int, AreaResult] = {}
    labels: dict[int, tuple] = {}
    sizes: dict[int, int] = {}
    roots = set()
    for i, f in enumerate(files):
        params = _params_or_none(load_params, f)
        if params is None:  # its own run reports why
            continue
        labels[i] = (params.area.name, str(params.period.current))
        sizes[i] = sum(p.stat().st_size for p in input_files(params))
        roots.add(Path(params.report.output_dir))
        folder = output_folder(params, Path(out_dir) if out_dir else None)
        if folder in first:
            clashes[i] = AreaResult(
                f, params.area.name, str(params.period.current), "failed", EXIT_PARAMS, 0.0, None,
                f"not run: it would write the same output folder ({folder}) as {first[folder]}; "
                "give each area its own area.name or period")
            clashes[i].detail = clashes[i].message
        else:
            first[folder] = f
    root = Path(out_dir) if out_dir else roots.pop() if len(roots) == 1 else Path.cwd()
    return clashes, labels, root, sizes


def write_summary(results: list[AreaResult], folder: Path, info: dict) -> Path:
    """``batch.json``: the batch's settings, counts and one row per area (atomic write)."""
    folder.mkdir(parents=True, exist_ok=True)
    ok = sum(r.ok for r in results)
    doc = {**info, "areas_ok": ok, "areas_failed": len(results) - ok,
           "exit_code": exit_code(results), "areas": [dataclasses.asdict(r) for r in results]}
    path = folder / SUMMARY
    tmp = folder / f".{SUMMARY}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def exit_code(results: list[AreaResult]) -> int:
    """0 when every area was published, 130 when the batch was interrupted, else 7."""
    if all(r.ok for r in results):
        return EXIT_OK
    if any(r.exit_code == EXIT_INTERRUPTED for r in results):
        return EXIT_INTERRUPTED
    return EXIT_SOME_FAILED


def run_batch(params_files: Iterable[str | Path], out_dir: str | Path | None = None, *,
              workers: int | None = None, scheduler=None, jobs_per_area: int = 1, reuse: bool = True,
              log: Callable[[str], None] = print, _fn: Callable = run_area) -> list[AreaResult]:
    """Run many areas' assessments; one failing area never stops the others.

    Parameters
    ----------
    params_files : iterable of path
        Params files (see :func:`expand` for files and folders).
    out_dir : path, optional
        Output root of every area (``<out>/<area>/<period>/``); default: each params
        file's ``report.output_dir``. ``batch.json`` is written here.
    workers : int, optional
        Areas at once in the local process pool; default: the CPU cores. Ignored with
        ``scheduler`` (the cluster's workers decide).
    scheduler : str, distributed.Client or LocalCluster, optional
        Run the areas on this Dask cluster instead of locally.
    jobs_per_area : int, default 1
        Notebooks each area executes at once (``csp-assess run --jobs``).
    reuse : bool, default True
        Reuse executed notebooks whose inputs are unchanged (``--no-reuse``: False).
    log : callable
        Receives a line as each area ends.

    Returns
    -------
    list of AreaResult
        One per params file, in the order given.

    Raises
    ------
    BatchError
        No params files, or (with ``scheduler``) no usable Dask cluster.
    BatchInterrupted
        Ctrl-C; ``.results`` has every area's row (``batch.json`` is written too).
    """
    files = [str(Path(f).expanduser().resolve()) for f in params_files]
    if not files:
        raise BatchError("no params files given")
    out = str(Path(out_dir).expanduser().resolve()) if out_dir else None
    jobs = max(1, int(jobs_per_area))
    n_workers = max(1, workers or os.cpu_count() or 1)
    clashes, labels, root, sizes = _plan(files, out)
    results: list[AreaResult | None] = [None] * len(files)
    done = 0

    def on_result(i: int, r: AreaResult) -> None:
        nonlocal done
        if r.period is None and i in labels:  # a row made here, not by run_area: name the area
            r = dataclasses.replace(r, area=labels[i][0], period=labels[i][1])
        done += results[i] is None
        results[i] = r
        where = r.html if r.ok else f"exit {r.exit_code}: {r.message}"
        log(f"[{done}/{len(files)}] {r.status:<6} {r.area} {r.period or ''}  {r.seconds:.1f} s  {where}")

    started = dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    info = {"started": started.isoformat(timespec="seconds"),
            "backend": "dask" if scheduler is not None else "local",
            "scheduler": _address(scheduler),
            "workers": None if scheduler is not None else min(n_workers, len(files)),
            "jobs_per_area": jobs, "reuse": reuse, "out_dir": out}
    how = (f"Dask cluster {info['scheduler']}" if scheduler is not None
           else f"{info['workers']} local worker process{'es' * (info['workers'] != 1)}")
    log(f"batch: {len(files)} area{'s' * (len(files) != 1)} on {how}, {jobs} notebook"
        f"{'s' * (jobs != 1)} at a time per area")
    for i, r in clashes.items():
        on_result(i, r)
    # Largest inputs first: the last areas still running are then small ones, so no worker
    # idles long at the end (results are reported in the order given all the same).
    todo = sorted((i for i in range(len(files)) if i not in clashes), key=lambda i: -sizes.get(i, 0))
    interrupted = False
    try:
        if scheduler is not None and todo:
            _run_dask([files[i] for i in todo], out, jobs, reuse, scheduler, log,
                      lambda k, r: on_result(todo[k], r), _fn)
        elif todo:
            _run_local([files[i] for i in todo], out, jobs, reuse, n_workers, lambda k, r: on_result(todo[k], r),
                       _fn)
    except KeyboardInterrupt:
        interrupted = True
    for i in range(len(files)):
        if results[i] is None:
            on_result(i, _not_run(files[i], EXIT_INTERRUPTED, CANCELLED))
    final = [r for r in results if r is not None]
    info["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    info["seconds"] = round(time.perf_counter() - t0, 2)
    path = write_summary(final, root, info)
    log(f"batch: summary written to {path}")
    if interrupted:
        raise BatchInterrupted(final)
    return final


# ------------------------------------------------------------------ CLI


def summary_table(results: list[AreaResult]) -> str:
    """The summary printed at the end: area, period, status, seconds, output or error."""
    import pandas as pd

    from csp_analysis.cli import _text_table

    rows = [{"area": r.area, "period": r.period or "–", "status": r.status, "seconds": f"{r.seconds:.1f}",
             "output or error": r.html if r.ok else f"exit {r.exit_code}: {_one_line(r.message, 120)}"}
            for r in results]
    return _text_table(pd.DataFrame(rows, columns=["area", "period", "status", "seconds", "output or error"]))



def main(args) -> int:
    """``csp-assess batch`` (arguments parsed by :mod:`csp_analysis.cli`)."""
    def err(msg: str) -> None:
        for line in str(msg).splitlines():
            print(f"csp-assess: error: {line}", file=sys.stderr)

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    try:
        files = expand(args.paths)
        results = run_batch(files, args.out, workers=args.workers, scheduler=args.scheduler,
                            jobs_per_area=args.jobs_per_area, reuse=not args.no_reuse, log=say)
    except BatchError as exc:
        err(str(exc))
        return exc.exit_code
    except BatchInterrupted as exc:
        print(summary_table(exc.results))
        err("interrupted: running areas were stopped (nothing partial published), the others not started")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        err("interrupted")
        return EXIT_INTERRUPTED
    print(summary_table(results))
    code = exit_code(results)
    failed = sum(not r.ok for r in results)
    if failed:
        err(f"{failed} of {len(results)} areas failed (exit {code}); the others were published")
    return code
