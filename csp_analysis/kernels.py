"""Warm kernels: each notebook's kernel is forked from a process that has already
imported what the notebooks import.

A fresh Jupyter kernel costs about 2.5 CPU-seconds before a notebook computes
anything: the interpreter and ipykernel start (~1.2 s), then pandas, matplotlib and
the library are imported (~1.3 s). The assessment runs 14 kernels, so that fixed cost
was most of its time. The runner therefore starts one *zygote* per run: a process of
the kernel's own interpreter (the kernelspec's ``argv``) that imports ipykernel and
every module the notebooks import (read from their code cells) and nothing else; it
runs no notebook code. Each kernel is then ``fork()`` of the zygote: its own process
(own memory, copy-on-write; own session, so signals reach it alone), which runs
exactly what ``python -m ipykernel_launcher -f CONNECTION_FILE`` runs, in the
notebook's folder with the environment jupyter_client gives it. It starts in the
state a fresh kernel reaches after its imports, a few hundred milliseconds later
instead of seconds. ``tests/test_kernels.py`` checks that a notebook executed in a
warm kernel gives the same outputs as in a fresh one.

Used by :func:`csp_analysis.runner.run` through :func:`warm_kernels`, which yields a
jupyter_client kernel manager class for papermill (``kernel_manager_class``). Linux
only (``fork``, ``pidfd_open``, ``prctl``); elsewhere, or when the kernelspec is not
``python -m ipykernel_launcher -f {connection_file}``, or the zygote cannot start,
kernels start the usual way. JupyterLab and the naive papermill CLI never use it.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import default

_PR_SET_PDEATHSIG = 1
_LAUNCHER = "ipykernel_launcher"


def _die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent ends."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _import_nodes(notebooks: list[Path]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of the notebooks' code cells (absolute imports only)."""
    import nbformat

    nodes = []
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:  # magics: not our business
                continue
            nodes += [n for n in ast.walk(tree)
                      if isinstance(n, ast.Import) or (isinstance(n, ast.ImportFrom) and n.module and not n.level)]
    return nodes


def notebook_imports(notebooks: list[Path]) -> list[str]:
    """Modules the notebooks' code cells import (and ``module.name`` for each name
    imported from a module, in case it is a submodule), sorted."""
    names: set[str] = set()
    for node in _import_nodes(notebooks):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        else:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return sorted(names)


def notebook_import_code(notebooks: list[Path]) -> str:
    """The notebooks' import statements, once each, as code."""
    return "\n".join(dict.fromkeys(ast.unparse(n) for n in _import_nodes(notebooks)))


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def split_kernel_argv(argv: list[str]) -> tuple[list[str], list[str]] | None:
    """``(interpreter with its options, launcher arguments)`` of an ipykernel kernelspec
    ``[python, *options, "-m", "ipykernel_launcher", *args]``; None for any other kernel."""
    for i in range(1, len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] == _LAUNCHER:
            return argv[:i], argv[i + 2:]
    return None


# ---------------------------------------------------------------- the runner's side


class Zygote:
    """The process kernels are forked from. Requests and replies are JSON lines on two
    pipes; the zygote's stdout/stderr are the runner's, and a kernel's too unless its
    request names a log file."""

    def __init__(self, interpreter: list[str], modules: list[str]):
        req_r, self._req = os.pipe()
        self._rep, rep_w = os.pipe()
        self.proc = subprocess.Popen(
            [*interpreter, "-m", "csp_analysis.kernels", str(req_r), str(rep_w), *modules],
            stdin=subprocess.DEVNULL, pass_fds=(req_r, rep_w),
        )
        os.close(req_r)
        os.close(rep_w)
        self.interpreter = interpreter
        self.modules = set(modules)
        self.pids: list[int] = []
        self._lock = threading.Lock()
        self._ready: bool | None = None

    def _read_line(self, timeout: float) -> str | None:
        buf = b""
        while not buf.endswith(b"\n"):
            ready, _, _ = select.select([self._rep], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self._rep, 4096)
            if not chunk:
                return None
            buf += chunk
        return buf.decode()

    def ready(self, timeout: float = 60) -> bool:
        """Wait (once) for the zygote's imports; False if it failed to start."""
        with self._lock:
            if self._ready is None:
                self._ready = self._read_line(timeout) == "ready\n"
            return self._ready

    def fork(self, args: list[str], cwd: str | None, env: dict[str, str], log: str | None = None) -> int:
        """A new kernel running ``ipykernel_launcher *args``; returns its pid. ``log``: a file
        the kernel's stdout and stderr are appended to (else the zygote's, i.e. ours)."""
        if not self.ready():
            raise OSError("the warm-kernel process did not start")
        with self._lock:
            os.write(self._req, (json.dumps({"args": args, "cwd": cwd, "env": env, "log": log}) + "\n").encode())
            line = self._read_line(60)
            if not line:
                raise OSError("the warm-kernel process did not answer")
            pid = int(line)
            # the kernels still running (a kept zygote serves run after run)
            self.pids = [p for p in self.pids if _parent_of(p) == self.proc.pid] + [pid]
            return pid

    def close(self, kill: bool = False) -> None:
        """Stop the zygote; with ``kill``, SIGKILL every kernel it forked first."""
        if kill:
            for pid in self.pids:
                if _parent_of(pid) == self.proc.pid:  # still ours: a pid may have been reused
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self._req)  # end of requests: the zygote exits
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(OSError):
            os.close(self._rep)


class _Forked:
    """The subset of ``subprocess.Popen`` jupyter_client's LocalProvisioner uses, for a
    kernel that is the zygote's child, not ours: liveness from a pidfd."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already gone (and reaped by the zygote)
            self._fd, self.returncode = None, -1

    def _ended(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._fd], [], [], timeout)
        return bool(ready)

    def poll(self) -> int | None:
        if self.returncode is None and self._ended(0):
            self._done()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not self._ended(timeout):
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self._done()
        return self.returncode

    def _done(self) -> None:
        # The exit status belongs to the zygote (the parent); ours is only "ended".
        self.returncode = -1
        os.close(self._fd)
        self._fd = None

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            signal.pidfd_send_signal(self._fd, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class WarmProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels are forked from the manager's zygote."""

    async def wait(self) -> int | None:
        if isinstance(self.process, _Forked):  # the pidfd says when it ended: no 100 ms polls
            while self.process.poll() is None:
                await asyncio.sleep(0.01)
        return await super().wait()

    async def launch_kernel(self, cmd: list[str], **kwargs):
        zygote: Zygote | None = getattr(self.parent, "zygote", None)
        split = split_kernel_argv(cmd)
        if zygote is None or split is None or split[0] != zygote.interpreter or not zygote.ready():
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())  # Popen's default: our cwd (papermill chdirs)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as launch_kernel sets it
        pid = zygote.fork(split[1], cwd, env, getattr(self.parent, "kernel_log", None))
        self.process = _Forked(pid)
        self.pid = self.pgid = pid  # the kernel leads its own session and group
        self.cwd = cwd
        return self.connection_info


class WarmKernelManager(AsyncKernelManager):
    """AsyncKernelManager using :class:`WarmProvisioner`; ``zygote`` is set on the
    subclass :func:`warm_kernels` makes."""

    zygote: Zygote | None = None
    kernel_log: str | None = None  # where the kernels' own stdout/stderr go (set by the runner)

    @default("transport_encryption")
    def _encrypt_when_possible(self) -> str:
        # CurveZMQ keys when the kernel supports them, as jupyter_client recommends: the
        # kernel then does not warn on the runner's stderr about plain-text TCP.
        import zmq

        return "auto" if zmq.has("curve") else "disabled"

    async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
        # A forked kernel's end is one pidfd poll away: look every 10 ms, not every 100 ms
        # (with one notebook at a time, the wait is on every notebook's critical path).
        await super()._async_finish_shutdown(waittime=waittime, pollinterval=min(pollinterval, 0.01),
                                             restart=restart)

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                               parent=self)
        return await super()._async_pre_start_kernel(**kw)


_KEPT: dict[tuple[str, ...], Zygote] = {}
_keep = False


def keep_warm() -> None:
    """Keep each zygote for the next runs of this process instead of stopping it after
    a run (a batch worker running area after area pays for the imports once). Call it
    only where runs happen in the main thread of a long-lived process: Linux stops the
    zygote when the thread that started it ends."""
    global _keep
    if not _keep:
        _keep = True
        import atexit

        atexit.register(lambda: [z.close() for z in _KEPT.values()])


@contextlib.contextmanager
def warm_kernels(kernel_name: str, notebooks: list[Path], *, enabled: bool = True):
    """Start a zygote for ``kernel_name`` that imports what ``notebooks`` import; yield a
    kernel manager class for papermill (``kernel_manager_class=``), or None when warm
    kernels cannot be used (then papermill starts kernels the usual way). On leaving
    the zygote stops (unless :func:`keep_warm`), and on an error or Ctrl-C every kernel
    it forked is killed."""
    zygote = None
    if enabled and sys.platform == "linux" and hasattr(os, "pidfd_open"):
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        try:
            argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
        except NoSuchKernel:
            argv = []
        split = split_kernel_argv(argv)
        if split is not None:
            modules = notebook_imports(notebooks)
            kept = _KEPT.pop(tuple(split[0]), None)
            if kept is not None and kept.proc.poll() is None and set(modules) <= kept.modules:
                zygote = kept
            else:
                if kept is not None:
                    kept.close()
                zygote = Zygote(split[0], modules)
    if zygote is None:
        yield None
        return
    ok = False
    try:
        yield type("BoundWarmKernelManager", (WarmKernelManager,), {"zygote": zygote})
        ok = True
    finally:
        if ok and _keep:
            _KEPT[tuple(zygote.interpreter)] = zygote
        else:
            zygote.close(kill=not ok)


# ---------------------------------------------------------------- the zygote's side


def _reap(*_) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _kernel(req: dict, fds: tuple[int, ...], started: int) -> None:
    """In the forked child: become what ``python -m ipykernel_launcher ARGS`` would be."""
    os.setsid()  # own session and process group, as launch_kernel's start_new_session
    os.write(started, b"1")
    for fd in (*fds, started):
        os.close(fd)
    _die_with_parent(signal.SIGTERM)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if req.get("log"):
        out = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
    if req.get("cwd"):
        os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    import random

    random.seed()  # not the zygote's state, shared by every fork
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    import importlib.util

    sys.argv = [importlib.util.find_spec(_LAUNCHER).origin, *req["args"]]  # as ``-m`` sets it
    # No IPython history database: a batch kernel's inputs are the notebook, and concurrent
    # kernels would otherwise queue on one SQLite file (~/.ipython) at start and exit.
    sys.argv.append("--HistoryManager.enabled=False")
    # ipykernel reads these at import time (class defaults), so in the zygote: pass them on
    for trait, var in (("parent_handle", "JPY_PARENT_PID"), ("interrupt", "JPY_INTERRUPT_EVENT")):
        if os.environ.get(var):
            sys.argv.append(f"--IPKernelApp.{trait}={int(os.environ[var])}")
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the shell adds the cwd back
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


def _serve(req_fd: int, rep_fd: int, modules: list[str]) -> None:
    import importlib

    _die_with_parent()
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    import ipykernel.kernelapp  # noqa: F401

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # not a module (a name imported from one), or broken: the kernel will say
            pass
    # The inline backend hooks into the IPython shell when imported; the shell exists
    # only in the kernel, so the kernel must import it itself.
    for name in [m for m in sys.modules if m.startswith("matplotlib_inline")]:
        del sys.modules[name]
    signal.signal(signal.SIGCHLD, _reap)
    os.write(rep_fd, b"ready\n")
    with os.fdopen(req_fd, "rb", buffering=0) as requests:
        for line in iter(requests.readline, b""):
            req = json.loads(line)
            started_r, started_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    os.close(started_r)
                    _kernel(req, (req_fd, rep_fd), started_w)
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                except BaseException:
                    import traceback

                    traceback.print_exc()
                    code = 1
                finally:
                    os._exit(code)
            os.close(started_w)
            os.read(started_r, 1)  # the kernel has its own session: signals reach it alone
            os.close(started_r)
            os.write(rep_fd, f"{pid}\n".encode())


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])
