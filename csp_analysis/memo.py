"""Results computed once per assessment and shared by every notebook kernel.

The runner computes the priority matrix (and each priority's statistics) before it
starts the kernels; each kernel then reads them from disk instead of computing them
again (and without importing scipy and statsmodels). Results are pickled under
``cache_dir/results/``, keyed by the validated params, every input file and the
library code, so a change to any of them recomputes. Safe to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import threading
from pathlib import Path

from csp_analysis.config import Params

FRESH_ENV = "CSP_RESULTS_SINCE"
_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read once per process while its size and mtime are unchanged."""
    st = os.stat(path)
    stamp = (str(path), st.st_size, st.st_mtime_ns)
    if stamp not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[stamp] = h.hexdigest()
    return _HASHES[stamp]


def input_hashes(params: Params) -> dict[str, str]:
    """SHA-256 of every input file, keyed by its path."""
    from csp_analysis.config import input_files

    return {str(p): file_sha256(p) for p in input_files(params)}


def code_hash() -> str:
    """Hash of the package's code and templates: a change to the library recomputes everything."""
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent
    for f in sorted(list(pkg.rglob("*.py")) + list(pkg.rglob("templates/*"))):
        h.update(f.relative_to(pkg).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _key(params: Params, name: str) -> str:
    payload = {
        "name": name,
        "params": params.model_dump_json(exclude={"source_file"}),
        "inputs": sorted(input_hashes(params).values()),
        "code": code_hash(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def memoized(params: Params, name: str, compute):
    """``compute()``'s result, from ``cache_dir/results`` when this assessment computed it before.

    With the environment variable ``CSP_RESULTS_SINCE`` (a Unix time, set by
    ``csp-assess run --no-reuse`` for its kernels), results stored before then are
    computed again.
    """
    folder = Path(params.cache_dir) / "results"
    path = folder / f"{name}-{_key(params, name)}.pkl"
    since = float(os.environ.get(FRESH_ENV) or 0)
    if path.exists() and (not since or path.stat().st_mtime >= since):
        try:
            with open(path, "rb") as f:
                return pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError):
            pass  # unreadable: compute again
    result = compute()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(tmp, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result
