"""One pass over a national police.uk archive → per-area parquet that each area's run reads.

A national police.uk download holds every force's files. Read by N areas, it would be
parsed N times; ``csp-assess partition`` (:func:`partition`) reads it once and writes::

    out/partition.json                                  what was read and written (below)
    out/rejects.csv                                     lines that did not split into columns
    out/force=<force>/area=<LAD code>/<original file stem>.parquet

one parquet file per original file and district: the original CSV columns, as text
exactly as in the CSV, and ``_row`` (int64), the row's spreadsheet row number in the
original CSV. A row's district (LAD) comes from its ``LSOA code`` through an ONS
LSOA → district lookup; rows with no LSOA go to ``area=none``, rows whose LSOA is in
no lookup to ``area=unknown``. A second copy of the same force and month (two folders
of the archive) is kept, as ``…-street-copy2.parquet``, so that the reader still
rejects it as a duplicate. Each parquet file names its original file (path in the
archive, SHA-256, encoding) in its metadata: the readers (sources/police_uk.py) read
a partition folder as the archive it came from, and every reject names the original
file and row.

An area's run reads ``force=<force>/area=<area.code>/`` as its police.uk data and
``force=<force>/`` as its peers (:func:`area_paths`, used by the params' ``data``
section when ``data.police_uk`` is a partition).

The partition is built in a temporary folder beside ``out`` and renamed into place:
a failed partition leaves no ``out`` (or the previous one, untouched).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from csp_analysis.memo import file_sha256 as _sha256
from csp_analysis.runner import replace_folder
from csp_analysis.sources import InputError, Problem
from csp_analysis.sources.lookups import read_lsoa_lookup_result
from csp_analysis.sources.police_uk import (
    PART_META,
    _col,
    _prefetch,
    force_slug,
    read_entry,
    scan_archive,
)

PARTITION_FILE = "partition.json"
REJECTS_FILE = "rejects.csv"
NO_LSOA = "none"  # area of rows with no LSOA code
NOT_IN_LOOKUP = "unknown"  # area of rows whose LSOA is in no lookup
FORMAT = 1
_CODE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class PartitionResult:
    """What :func:`partition` read and wrote."""

    out: Path
    files: int  # original files read
    rows_read: int  # data rows of those files (bad lines included)
    written: int  # rows written to the parquet files
    bad: int  # lines that did not split into columns (in rejects.csv)
    areas: dict[str, list[str]] = field(default_factory=dict)  # force → area codes
    seconds: float = 0.0
    manifest: dict = field(default_factory=dict)  # partition.json

    def summary(self) -> str:
        n_areas = sum(len(a) for a in self.areas.values())
        return (f"{self.files:,} files: {self.rows_read:,} rows read = {self.written:,} written + {self.bad:,} "
                f"bad lines ({REJECTS_FILE}); {n_areas:,} areas of {len(self.areas):,} force(s); "
                f"{self.seconds:.1f} s → {self.out}")


def _lookup(path: Path) -> dict[str, str]:
    """LSOA code → district code, from an ONS lookup (``LSOAyyCD``, ``LADyyCD``)."""
    kept = read_lsoa_lookup_result(path, codes_only=True).kept
    bad = kept[~kept["lad_code"].fillna("").str.fullmatch(_CODE.pattern)]
    if len(bad):
        r = bad.iloc[0]
        raise InputError(Problem(str(path), "not a district code (letters, digits, '-' or '_'; e.g. E07000111): "
                                            "fix the lookup", row=int(r["row"]), column="district code",
                                 value=str(r["lad_code"])))
    return dict(zip(kept["lsoa_code"], kept["lad_code"]))


def _areas_of(codes: pa.Array, lad: dict[str, str]) -> tuple[list[str], np.ndarray]:
    """(area names, area index of each row): the LSOA's district, ``none``, or ``unknown``."""
    enc = pc.dictionary_encode(codes)
    enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
    per_value = [NO_LSOA if v == "" else lad.get(v, NOT_IN_LOOKUP) for v in enc.dictionary.to_pylist()]
    names = sorted(set(per_value))
    pos = {a: i for i, a in enumerate(names)}
    lut = np.array([pos[a] for a in per_value] or [0], dtype=np.int32)
    return names, lut[enc.indices.to_numpy(zero_copy_only=False)]


def partition(archive: Path, lookup: Path, out: Path, *, log=None) -> PartitionResult:
    """Split a police.uk archive by force and district, reading every file once.

    Parameters
    ----------
    archive : Path
        police.uk archive, folder or .zip (``YYYY-MM/YYYY-MM-<force>-street.csv`` and
        ``-outcomes.csv``), one force or all of them.
    lookup : Path
        ONS LSOA → district lookup CSV: ``LSOAyyCD`` and ``LADyyCD`` columns (any year
        suffix; the format of ``data.lsoa_lookup``).
    out : Path
        Partition folder to write (see the module docstring). An existing partition
        there is replaced; any other existing, non-empty folder is refused.
    log : callable, optional
        Called with one line of progress per file.

    Returns
    -------
    PartitionResult

    Raises
    ------
    InputError
        The archive, a file of it or the lookup cannot be used: one line per problem
        (file, row, column, what to do). Nothing is written then.
    """
    t0 = time.perf_counter()
    archive, lookup, out = Path(archive), Path(lookup), Path(out)
    say = log or (lambda _msg: None)
    lad = _lookup(lookup)
    scan = scan_archive(archive)
    entries = scan.entries
    if not entries:
        raise InputError(Problem(str(archive), "no police.uk street or outcomes files "
                                               "(YYYY-MM/YYYY-MM-<force>-street.csv) found"))
    if any(e.parts for e in entries):
        raise InputError(Problem(str(archive), "this is a partition already (parquet files); give the police.uk "
                                               "archive (CSV files, folder or .zip)"))
    if archive.is_dir() and out.resolve().is_relative_to(archive.resolve()):
        raise InputError(Problem(str(out), f"is inside the archive {archive}: write the partition elsewhere"))
    if out.exists() and not (out / PARTITION_FILE).is_file() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(Problem(str(out), "exists and is not a partition (no partition.json): choose another "
                                           "--out or remove it"))
    for p in scan.problems:
        say(str(p))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        manifest = _write(archive, lookup, scan, lad, tmp, say)
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    areas: dict[str, set[str]] = {}
    for f in manifest["files"]:
        areas.setdefault(f["force"], set()).update(f["written"])
    return PartitionResult(out, len(manifest["files"]), manifest["rows_read"], manifest["written"], manifest["bad"],
                           {k: sorted(v) for k, v in sorted(areas.items())}, time.perf_counter() - t0, manifest)


def _write(archive: Path, lookup: Path, scan, lad: dict[str, str], tmp: Path, say) -> dict:
    """Write every file's parts, rejects.csv and partition.json into ``tmp``; return the manifest."""
    from csp_analysis import __version__

    root = scan.root
    problems: list[Problem] = []
    records: list[dict] = []
    copies: dict[str, int] = {}
    bad_lines: list[tuple[str, int, str, str]] = []

    def load(e):
        content, at, errs = read_entry(e, root)
        return (hashlib.sha256(content).hexdigest() if content is not None else None), at, errs

    for k, (e, sha, at, errs) in enumerate(_prefetch(scan.entries, load), start=1):
        if errs:
            problems.extend(errs)
            continue
        if problems:  # an error already: check the other files, write nothing more
            continue
        copies[e.label] = copy = copies.get(e.label, 0) + 1
        stem = Path(e.label).stem + (f"-copy{copy}" if copy > 1 else "")
        tbl = at.table.append_column("_row", pa.array(at.rows, type=pa.int64()))
        tbl = tbl.replace_schema_metadata({PART_META["source"]: e.name.encode(), PART_META["sha256"]: sha.encode(),
                                           PART_META["encoding"]: at.encoding.encode()})
        names, area = _areas_of(_col(tbl, "LSOA code"), lad)
        tbl = tbl.take(np.argsort(area, kind="stable"))  # rows of each area together, in file order
        ends = np.cumsum(np.bincount(area, minlength=len(names)))
        written, footers = {}, []
        for a, name in enumerate(names):
            start = int(ends[a - 1]) if a else 0
            if ends[a] == start:
                continue
            folder = tmp / f"force={e.force}" / f"area={name}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(tbl.slice(start, ends[a] - start), folder / f"{stem}.parquet",
                           metadata_collector=footers)
            written[name] = int(ends[a] - start)
        if len(at.bad):
            bad_lines.extend((e.name, int(r.row), r.text, r.reason) for r in at.bad.itertuples())
        records.append({"file": e.name, "output": f"{stem}.parquet", "force": e.force, "month": e.month,
                        "kind": e.kind, "sha256": sha, "encoding": at.encoding,
                        "rows_read": tbl.num_rows + len(at.bad), "bad": len(at.bad), "written": written})
        _check(records[-1], sum(f.num_rows for f in footers))
        say(f"{k}/{len(scan.entries)} {e.name}: {tbl.num_rows + len(at.bad):,} rows → {len(written)} area(s)"
            + (f", {len(at.bad)} bad line(s)" if len(at.bad) else ""))
    if problems:
        raise InputError(problems)
    with open(tmp / REJECTS_FILE, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "row", "text", "reason"])
        w.writerows(bad_lines)
    if archive.is_dir():  # a folder: the SHA-256 of its files' SHA-256 and paths (as sha256sum lists them)
        listing = "".join(f"{r['sha256']}  {r['file']}\n" for r in records)
        size = sum(e.path.stat().st_size for e in scan.entries)
        digest = hashlib.sha256(listing.encode()).hexdigest()
    else:
        size, digest = archive.stat().st_size, _sha256(archive)
    manifest = {
        "format": FORMAT,
        "source": {"name": archive.name, "bytes": size, "sha256": digest,
                   "kind": "folder" if archive.is_dir() else "zip"},
        "lookup": {"name": lookup.name, "sha256": _sha256(lookup), "lsoas": len(lad)},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": __version__,
        "rows_read": sum(r["rows_read"] for r in records),
        "written": sum(sum(r["written"].values()) for r in records),
        "bad": len(bad_lines),
        "notes": [str(p) for p in scan.problems],
        "files": records,
    }
    (tmp / PARTITION_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _check(r: dict, on_disk: int) -> None:
    """Rows read = rows written (as the parquet footers written count them) + bad lines."""
    if on_disk != sum(r["written"].values()) or r["rows_read"] != on_disk + r["bad"]:
        raise AssertionError(f"{r['file']}: rows read {r['rows_read']:,} != written {on_disk:,} "
                             f"+ bad lines {r['bad']:,}")


# ------------------------------------------------------------------ reading

def area_paths(root: Path, force: str, code: str) -> tuple[Path, Path]:
    """(the area's folder, the force's folder) of a partition: ``force=<slug>/area=<code>`` and ``force=<slug>``.

    Raises InputError (one line naming the partition, the area and the areas in it)
    when the partition has no such force or area.
    """
    root = Path(root)
    slug = force_slug(force)
    forces = sorted(p.name.removeprefix("force=") for p in root.glob("force=*") if p.is_dir())
    folder = root / f"force={slug}"
    if not folder.is_dir():
        raise InputError(f"{root}: the partition has no force '{slug}' (area.force '{force}'); forces in it: "
                         f"{', '.join(forces) or 'none'}")
    area = folder / f"area={code}"
    if not area.is_dir():
        have = sorted(p.name.removeprefix("area=") for p in folder.glob("area=*") if p.is_dir())
        raise InputError(f"{root}: the partition has no area {code} (area.code) in force={slug}; areas in it: "
                         f"{', '.join(have) or 'none'}. Check area.code (a district code: the partition is "
                         "by district) or partition an archive that covers the area")
    return area, folder


__all__ = ["PartitionResult", "area_paths", "partition"]
