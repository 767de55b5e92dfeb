"""police.uk archive: street-level crime and outcomes (a folder or a .zip).

Layout, as police.uk gives it: ``YYYY-MM/YYYY-MM-<force>-street.csv`` (and
``-outcomes.csv``), one file per force and month, one force or several. Street
files have the columns :data:`COLUMNS`; outcomes files :data:`OUTCOME_COLUMNS`.

What the reader does (see docs/assumptions.md and docs/data_formats.md):

* **Identical rows are separate incidents**: two anti-social behaviour reports at
  one anonymised map point in one month give two identical rows with no Crime ID.
  They are never de-duplicated. A *duplicate* is the same file supplied twice (the
  same month and force twice in the archive) or the same Crime ID twice for a crime
  (not ASB): the later copy is rejected with the row it repeats.
* **Three sets of crime types** (:data:`TYPES_BY_ERA`): 6 to August 2011, 11 to April
  2013, 14 since May 2013. Each row keeps its published ``crime_type`` and gains a
  ``category`` (:data:`CATEGORIES`, stable from September 2011) and a
  ``broad_category`` (:data:`BROAD_CATEGORIES`, stable across all three sets).
* **Area and peers**: ``in_area`` marks rows of the assessed area's LSOAs. Every
  other row of the area's force is kept too (peers: the force's other districts,
  with ``district_code``/``district_name``); other forces' rows (a national
  archive) are kept as monthly counts by district and category (``counts``), so a
  national year never has to fit in memory as rows.
* **Rows with no location** (no LSOA) are kept and counted; they belong to no
  district.
* **Partitions**: a folder of ``.parquet`` files written by ``csp-assess partition``
  (csp_analysis/national.py) is read like the archive it came from: each file
  holds the original CSV columns as text and ``_row``, the row's number in the
  original CSV, and names the original file in its metadata, so every check, reject
  and account names the original file and row. The parts of one original file
  (one per district, in a force's folder) are read together as that file.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csp_analysis.sources import (
    _NO_BAD,
    REJECT_COLUMNS,
    ArrowTable,
    InputError,
    Problem,
    ReadResult,
    Scope,
    Sieve,
    concat_rejects,
    read_arrow,
)
from csp_analysis.sources.partner import missing_columns_problem

SOURCE = "police_uk"
OUTCOMES = "police_uk_outcomes"

COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
OUTCOME_COLUMNS = [*COLUMNS[:COLUMNS.index("Crime type")], "Outcome type"]  # the same crime, then its outcome
COUNT_COLUMNS = ["Crime ID", "Month", "LSOA code", "Crime type"]  # + "LSOA name" when an LSOA is in no lookup

# ----------------------------------------------------------------- taxonomy

ASB = "Anti-social behaviour"
ERA_11 = pd.Timestamp("2011-09-01")  # 11 types from September 2011
ERA_14 = pd.Timestamp("2013-05-01")  # 14 types from May 2013

TYPES_BY_ERA = {
    "6 types": (ASB, "Burglary", "Robbery", "Vehicle crime", "Violent crime", "Other crime"),
    "11 types": (
        ASB, "Burglary", "Criminal damage and arson", "Drugs", "Other crime", "Other theft",
        "Public disorder and weapons", "Robbery", "Shoplifting", "Vehicle crime", "Violent crime",
    ),
    "14 types": (
        ASB, "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
        "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
        "Theft from the person", "Vehicle crime", "Violence and sexual offences",
    ),
}
"""police.uk's published crime types in each era (6 to Aug 2011, 11 to Apr 2013, 14 since)."""

# Published crime type → stable category. The stable set merges what later split:
# "Public order" + "Possession of weapons" (May 2013) back into one group, and
# "Bicycle theft" + "Theft from the person" (May 2013) back into "Other theft".
STABLE_CATEGORY = {
    "Anti-social behaviour": "Anti-social behaviour",
    "Burglary": "Burglary",
    "Criminal damage and arson": "Criminal damage and arson",
    "Drugs": "Drugs",
    "Other crime": "Other crime",
    "Other theft": "Other theft",
    "Bicycle theft": "Other theft",
    "Theft from the person": "Other theft",
    "Public order": "Public order and weapons",
    "Possession of weapons": "Public order and weapons",
    "Public disorder and weapons": "Public order and weapons",
    "Robbery": "Robbery",
    "Shoplifting": "Shoplifting",
    "Vehicle crime": "Vehicle crime",
    "Violence and sexual offences": "Violence and sexual offences",
    "Violent crime": "Violence and sexual offences",
}

MIXED_OTHER = "Other crime, all kinds (before Sep 2011)"
"""Category of the 6-type era's "Other crime" rows: before September 2011 police.uk
published criminal damage, drugs, other theft, shoplifting, public disorder and
weapons and other crime together as "Other crime". They get this category of their
own so that no finer category silently counts the mix."""

CATEGORIES = [
    "Anti-social behaviour",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Public order and weapons",
    "Robbery",
    "Shoplifting",
    "Vehicle crime",
    "Violence and sexual offences",
    MIXED_OTHER,
]
"""Stable categories (``category``): every category from Sep 2011, plus the 6-type mix."""

CATEGORY_FROM = {
    c: ERA_11
    for c in ("Criminal damage and arson", "Drugs", "Other crime", "Other theft",
              "Public order and weapons", "Shoplifting")
}
"""First month each category can be counted; categories not listed exist in every era.
Before September 2011 these were inside police.uk's "Other crime" (:data:`MIXED_OTHER`)."""

ALL_OTHER = "All other crime"
BROAD_CATEGORY = {c: c for c in ("Anti-social behaviour", "Burglary", "Robbery", "Vehicle crime",
                                 "Violence and sexual offences")}
BROAD_CATEGORY.update({c: ALL_OTHER for c in CATEGORIES if c not in BROAD_CATEGORY})
"""Category → broad category (``broad_category``): the 6 groups that exist in every era
since December 2010; use them for trends that reach back before September 2011."""
BROAD_CATEGORIES = sorted(set(BROAD_CATEGORY.values()))

ERAS = ("6 types", "11 types", "14 types")


def era(month: pd.Timestamp) -> str:
    """The crime-type set police.uk used for a month."""
    return "6 types" if month < ERA_11 else ("11 types" if month < ERA_14 else "14 types")


def category_of(crime_type: str, month: pd.Timestamp) -> str:
    """Stable category of a published crime type in a month."""
    if crime_type == "Other crime" and month < ERA_11:
        return MIXED_OTHER
    return STABLE_CATEGORY[crime_type]


def category_months(category: str, months: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The months of ``months`` in which ``category`` can be counted (see :data:`CATEGORY_FROM`)."""
    start = CATEGORY_FROM.get(category)
    if category == MIXED_OTHER:
        return months[months < ERA_11]
    return months if start is None else months[months >= start]


def taxonomy_table() -> pd.DataFrame:
    """Published crime type × era → category → broad category (for the docs and the report)."""
    rows = []
    for e, types in TYPES_BY_ERA.items():
        month = pd.Timestamp("2011-01-01") if e == "6 types" else (ERA_11 if e == "11 types" else ERA_14)
        for t in types:
            c = category_of(t, month)
            rows.append({"era": e, "crime_type": t, "category": c, "broad_category": BROAD_CATEGORY[c]})
    return pd.DataFrame(rows)


# -------------------------------------------------------------------- forces

_FORCE_WORDS = re.compile(r"\b(police|constabulary|service|of)\b")
_FORCE_SPECIAL = {
    "british transport police": "btp",
    "police service of northern ireland": "northern-ireland",
    "metropolitan police service": "metropolitan",
    "city of london police": "city-of-london",
}


def force_slug(name: str) -> str:
    """police.uk's file-name slug of a force: "Kent Police" → "kent"."""
    low = name.strip().lower()
    if low in _FORCE_SPECIAL:
        return _FORCE_SPECIAL[low]
    words = _FORCE_WORDS.sub(" ", low).replace("&", "and")
    return re.sub(r"[^a-z0-9]+", "-", words).strip("-")


# ------------------------------------------------------------------- archive

_FILE = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+?)-(street|outcomes|stop-and-search)\.csv$")
# A partition file (csp_analysis/national.py): the original name, .parquet; "-copy2"… for a second copy
_PART = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+?)-(street|outcomes|stop-and-search)(?:-copy\d+)?\.parquet$")
PART_META = {"source": b"csp_source", "sha256": b"csp_sha256", "encoding": b"csp_encoding"}
"""Metadata keys of a partition file: the original file's path in the archive, its SHA-256, its encoding."""


@dataclass
class Entry:
    """One police.uk file in a folder or zip."""

    name: str  # path inside the archive
    month: str  # YYYY-MM of the file name
    force: str  # force slug
    kind: str  # street | outcomes
    path: Path | None = None  # file on disk (folder archives)
    zip: Path | None = None  # zip holding it
    parts: tuple[Path, ...] = ()  # partition files holding its rows (then ``name`` is the original file)
    sha256: str | None = None  # of the original file (partitions)
    encoding: str | None = None  # of the original file (partitions)

    @property
    def label(self) -> str:
        return Path(self.name).name

    def read(self) -> bytes:
        if self.path is not None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.zip) as zf:
            return zf.read(self.name)

    def digest(self) -> str:
        """SHA-256 of the file (of the original CSV, for a partition)."""
        return self.sha256 or hashlib.sha256(self.read()).hexdigest()

    def parse(self, where: str, content: bytes | None = None, columns: list[str] | None = None) -> ArrowTable:
        """The file as text columns (:func:`read_arrow`); a partition's parts as the original file."""
        if self.parts:
            return _read_parts(self, columns)
        return read_arrow(where, self.read() if content is None else content, columns=columns)

    def where(self, root: Path) -> str:
        if self.parts:
            first = self.parts[0]
            return str(first) if len(self.parts) == 1 else f"{first.parent.parent}/area=*/{first.name}"
        return f"{root}/{self.name}" if self.zip else str(self.path)


def _read_parts(e: Entry, columns: list[str] | None) -> ArrowTable:
    """The rows of one original file from its partition files, in the original order."""
    import pyarrow.parquet as pq

    header = [n for n in pq.read_schema(e.parts[0]).names if n != "_row"]
    cols = None if columns is None else [c for c in header if c in columns] + ["_row"]
    tbl = pa.concat_tables([pq.ParquetFile(p).read(columns=cols) for p in e.parts])
    if len(e.parts) > 1:
        tbl = tbl.take(pc.sort_indices(tbl["_row"]))
    rows = tbl["_row"].to_numpy().astype("int64")
    return ArrowTable(tbl.drop_columns(["_row"]), header, rows, _NO_BAD, e.encoding or "parquet", ",")


def _partition_entries(paths: list[Path]) -> list[Entry]:
    """One entry per original file: its parts (one per district folder) share a file name."""
    import pyarrow.parquet as pq

    groups: dict[str, list[Path]] = {}
    for p in paths:
        groups.setdefault(p.name, []).append(p)
    out = []
    for name, parts in groups.items():
        month, force, kind = _PART.search(name).groups()
        if kind == "stop-and-search":
            continue
        schema = pq.read_schema(parts[0])
        meta = schema.metadata or {}
        if "_row" not in schema.names or PART_META["source"] not in meta:
            raise InputError(Problem(str(parts[0]), "not a file written by csp-assess partition (no '_row' column "
                                                    "or source metadata): partition the archive again"))
        out.append(Entry(meta[PART_META["source"]].decode(), month, force, kind, parts=tuple(sorted(parts)),
                         sha256=meta.get(PART_META["sha256"], b"").decode() or None,
                         encoding=meta.get(PART_META["encoding"], b"").decode() or None))
    return out


@dataclass
class Archive:
    root: Path
    entries: list[Entry]
    problems: list[Problem] = field(default_factory=list)

    def of(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]

    @property
    def forces(self) -> list[str]:
        return sorted({e.force for e in self.entries if e.kind == "street"})


def scan_archive(root: Path) -> Archive:
    """Every police.uk street and outcomes file of a folder or zip, sorted by force and month.

    Raises InputError when ``root`` is neither a folder nor a readable zip.
    """
    root = Path(root)
    problems: list[Problem] = []
    names: list[tuple[str, Path | None]] = []
    zpath = None
    parts: list[Path] = []
    if root.is_dir():
        names = [(p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*.csv"))]
        parts = [p for p in sorted(root.rglob("*.parquet")) if _PART.search(p.name)]
    elif root.is_file():
        head = root.read_bytes()[:4]
        if zipfile.is_zipfile(root):
            try:
                with zipfile.ZipFile(root) as zf:
                    names = [(n, None) for n in zf.namelist() if n.lower().endswith(".csv")]
            except (zipfile.BadZipFile, OSError) as exc:
                raise InputError(Problem(str(root), f"the zip is damaged ({exc}); download the archive again")) from None
            zpath = root
        elif head.startswith(b"PK") or root.suffix.lower() == ".zip":
            raise InputError(
                Problem(str(root), "the zip is damaged or incomplete (a cut download?); download the archive again")
            )
        else:
            raise InputError(Problem(
                str(root),
                "not a folder or a .zip of police.uk files (YYYY-MM/YYYY-MM-<force>-street.csv)"))
    else:
        raise InputError(Problem(str(root), "no such folder or zip"))
    entries = []
    other = 0
    for name, path in names:
        m = _FILE.search(name)
        if not m:
            other += 1
            problems.append(Problem(str(root), f"'{name}' is not a police.uk file name "
                                               "(YYYY-MM-<force>-street.csv): ignored", level="note"))
            continue
        month, force, kind = m.groups()
        if kind == "stop-and-search":
            continue
        folder = Path(name).parent.name
        if re.fullmatch(r"\d{4}-\d{2}", folder) and folder != month:
            problems.append(Problem(str(root), f"'{name}' is in the folder of another month ({folder}); "
                                               f"read as {month}", level="note"))
        entries.append(Entry(name, month, force, kind, path, zpath))
    entries.extend(_partition_entries(parts))
    entries.sort(key=lambda e: (e.kind, e.force, e.month, e.name))
    return Archive(root, entries, problems)


def _duplicate_files(archive: Archive) -> dict[int, str]:
    """Entry index → reason, for every second copy of a month and force."""
    out: dict[int, str] = {}
    seen: dict[tuple[str, str, str], int] = {}
    digests: dict[int, str] = {}

    def digest(i: int) -> str:
        if i not in digests:
            digests[i] = archive.entries[i].digest()
        return digests[i]

    for i, e in enumerate(archive.entries):
        key = (e.kind, e.force, e.month)
        if key not in seen:
            seen[key] = i
            continue
        first = archive.entries[seen[key]]
        if digest(i) == digest(seen[key]):
            out[i] = f"duplicate: the same file as {first.name} (supplied twice)"
        else:
            out[i] = (f"duplicate: another copy of {e.month} {e.force} {e.kind} (differs from {first.name}, "
                      "kept; a different download?)")
    return out


# --------------------------------------------------------------- reading


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
                dtype=np.uint64)


def _id64(ids: pa.Array) -> np.ndarray:
    """64-bit key of each Crime ID.

    police.uk ids are 64 characters (SHA-256 in hex). Their bytes are read as eight
    64-bit words, each multiplied by its own odd constant (a one-to-one map) and
    XOR-ed: two ids that differ in a single word never share a key, and random ids
    share one with odds of about 1 in 10^19 per pair. Ids of other lengths are hashed
    as text. Rows kept as rows are compared on the full id afterwards.
    """
    if len(ids) == 0:
        return np.zeros(0, dtype=np.uint64)
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset: ids.offset + len(ids) + 1]
    if ids.null_count == 0 and offsets[-1] - offsets[0] == 64 * len(ids) and (np.diff(offsets) == 64).all():
        words = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
        words = np.ascontiguousarray(words).view(np.uint64).reshape(-1, 8)
        with np.errstate(over="ignore"):
            out = words[:, 0] * _MIX[0]
            for k in range(1, 8):
                out ^= words[:, k] * _MIX[k]
        return out
    return pd.util.hash_array(np.asarray(ids.to_pylist(), dtype=object)).astype(np.uint64)


@dataclass
class _Districts:
    """LSOA → district index, learnt as files are read (lookup first, then the LSOA name)."""

    known: dict[str, tuple[str | None, str]]  # lsoa → (district code, district name)
    index: dict[tuple[str | None, str], int] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=dict)
    names: list[tuple[str | None, str]] = field(default_factory=list)

    def of(self, key: tuple[str | None, str]) -> int:
        if key not in self.index:
            self.index[key] = len(self.names)
            self.names.append(key)
        return self.index[key]

    def __post_init__(self) -> None:
        for code, district in self.known.items():  # every lookup LSOA, once
            self.cache[code] = self.of(district)

    def map(self, codes: pa.Array, names) -> np.ndarray:
        """District index of each row; -1 for rows with no LSOA. ``names``: the rows'
        LSOA names, or a function that reads them (only called for LSOAs in no lookup)."""
        enc = pc.dictionary_encode(codes)
        enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
        idx = enc.indices.to_numpy(zero_copy_only=False)
        values = enc.dictionary.to_pylist()
        if not values:
            return np.full(len(idx), -1, dtype=np.int32)
        get = self.cache.get
        out = np.fromiter((get(v, -2) for v in values), dtype=np.int32, count=len(values))
        miss = np.flatnonzero(out == -2)
        if len(miss):
            first_name: dict[int, str] | None = None
            for i in miss:
                code = values[i]
                if code == "":
                    out[i] = -1
                    continue
                if first_name is None:
                    vals, pos_first = np.unique(idx, return_index=True)
                    nm = pc.take(names() if callable(names) else names, pa.array(pos_first)).to_pylist()
                    first_name = dict(zip(vals.tolist(), nm))
                name = re.sub(r"\s+\d{3}[A-Z]$", "", first_name.get(int(i), "") or "").strip() \
                    or "Unknown district"
                out[i] = self.cache[code] = self.of((None, name))
        return out[idx]


_CAT_INDEX = {c: i for i, c in enumerate(CATEGORIES)}
_TYPE_CAT = {t: _CAT_INDEX[c] for t, c in STABLE_CATEGORY.items()}


def _categories(types: pa.Array, month: pd.Timestamp) -> np.ndarray:
    """Category index of each row; -1 for an unknown crime type."""
    enc = pc.dictionary_encode(types)
    enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
    lut = np.array(
        [_CAT_INDEX[category_of(t, month)] if t in STABLE_CATEGORY else -1 for t in enc.dictionary.to_pylist()]
        or [-1],
        dtype=np.int16,
    )
    return lut[enc.indices.to_numpy(zero_copy_only=False)]


def _names_reader(tbl: pa.Table, e: Entry, where: str, content: bytes | None):
    """The rows' LSOA names, read only if needed (the counts-only path does not parse them)."""
    if "LSOA name" in tbl.column_names:
        return _col(tbl, "LSOA name")
    return lambda: _col(e.parse(where, content).table, "LSOA name")


def read_entry(e: Entry, root: Path, columns: list[str] | None = None):
    """``(content, ArrowTable, problems)`` of one archive file; ``content`` is None for a partition.
    A file that cannot be read or parsed, or lacks a police.uk column, gives problems instead
    of a table."""
    try:
        content = None if e.parts else e.read()
    except (zipfile.BadZipFile, EOFError, OSError, zlib_error) as exc:
        return None, None, [Problem(e.where(root), f"cannot be read from the zip ({exc}); "
                                                   "download the archive again")]
    try:
        at = e.parse(e.where(root), content, columns)
        wrong = _columns_problem(e, root, at)
        return (content, at, []) if wrong is None else (content, None, [wrong])
    except InputError as exc:
        return content, None, exc.problems
    except (OSError, pa.ArrowException) as exc:  # a damaged partition file
        if not e.parts:
            raise
        return content, None, [Problem(e.where(root), f"cannot be read ({exc}); partition the archive again")]


def _columns_problem(e: Entry, root: Path, at: ArrowTable) -> Problem | None:
    """The problem of a file without police.uk's columns for its kind (street or outcomes), else None."""
    need = COLUMNS if e.kind == "street" else OUTCOME_COLUMNS
    missing = [c for c in need if c not in at.header]
    if not missing:
        return None
    return missing_columns_problem(e.where(root), missing, at.header,
                                   f"police.uk {e.kind} files have: {', '.join(need)}", "column(s)")


def _col(tbl: pa.Table, name: str) -> pa.Array:
    c = tbl.column(name)
    return c.combine_chunks() if c.num_chunks != 1 else c.chunk(0)


def _rejects(source: str, file: str, rows: np.ndarray, column: str, values, reason, kind: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"source": source, "file": file, "row": rows.astype("int64"), "column": column,
         "value": values, "reason": reason, "kind": kind},
        columns=REJECT_COLUMNS,
    )


def read_police_uk(
    root: Path,
    area_lsoas: set[str],
    *,
    scope: Scope | None = None,
    districts: dict[str, tuple[str | None, str]] | None = None,
    force: str | None = None,
    rows: bool = True,
    on_error: str = "raise",
) -> ReadResult:
    """Read every street-level file of a police.uk archive.

    Parameters
    ----------
    root : Path
        Folder or .zip in police.uk's archive layout.
    area_lsoas : set of str
        LSOA codes of the assessed area; rows in them get ``in_area = True``.
    scope : Scope, optional
        Data window: files of months outside it are rejected (out of scope).
    districts : dict, optional
        LSOA code → (district code, district name), from the lookups; LSOAs not in
        it get the district named by their ``LSOA name`` (code unknown).
    force : str, optional
        The area's force ("Kent Police"). Its rows are all kept as rows (the area
        and its peers); other forces' rows are kept as rows only inside the area,
        otherwise as monthly counts. None: every force's rows are kept as rows.
    rows : bool, default True
        False: keep nothing as rows, only counts (a national reduction).
    on_error : "raise" or "collect"
        What to do with files that cannot be read: raise :class:`InputError` with
        one line per problem, or report them in ``problems`` and go on.

    Returns
    -------
    ReadResult
        ``kept`` has columns ``crime_id, month (datetime64, month start),
        force_file, force, longitude, latitude, location, lsoa_code, lsoa_name,
        district_code, district_name, crime_type, category, broad_category, era,
        outcome, in_area, file, row``; ``counts`` has every kept row (rows and
        counted-only) as ``force_file, district_code, district_name, month,
        category, broad_category, count``. Rejected rows: month not the file's
        month, unknown crime type, a second copy of a file or of a Crime ID, a
        month outside the data window.
    """
    root = Path(root)
    scope = scope or Scope()
    archive = scan_archive(root)
    streets = archive.of("street")
    problems = list(archive.problems)
    if not streets:
        raise InputError(Problem(str(root), "no police.uk street files (YYYY-MM/YYYY-MM-<force>-street.csv) found"))
    row_forces = _row_forces(archive, force, rows, problems)
    dist = _Districts(dict(districts or {}))
    area = set(area_lsoas)
    dup_files = _duplicate_files(archive)
    index = {id(e): i for i, e in enumerate(archive.entries)}

    frames: list[pa.Table] = []  # row-level kept rows, per file
    bad: list[pd.DataFrame] = []
    counts: list[tuple[int, int, str, np.ndarray, np.ndarray]] = []  # file, month, force, keys, n
    stats: list[dict] = []
    files: list[Path] = []
    ncat = len(CATEGORIES)
    # Crime IDs of one force, to find the same crime twice: id64, file, row, key, row-level flag
    ids: list[tuple[np.ndarray, ...]] = []
    current_force = None
    dups: list[pd.DataFrame] = []

    def close_force() -> None:
        if not ids:
            return
        id64 = np.concatenate([x[0] for x in ids])
        fidx = np.concatenate([x[1] for x in ids])
        rown = np.concatenate([x[2] for x in ids])
        key = np.concatenate([x[3] for x in ids])
        ids.clear()
        codes, uniques = pd.factorize(id64)  # hashing: O(n)
        if len(uniques) == len(id64):
            return
        first = np.empty(len(uniques), dtype=np.int64)
        pos = np.arange(len(id64))
        first[codes[::-1]] = pos[::-1]  # the last write wins: the first occurrence
        f = first[codes]
        d = np.flatnonzero(f != pos)
        f = f[d]
        dups.append(pd.DataFrame({
            "id64": id64[d], "fidx": fidx[d], "row": rown[d], "key": key[d],
            "first_fidx": fidx[f], "first_row": rown[f],
        }))

    def load(e: Entry):
        """Read and parse one file (in a worker thread, while the previous one is counted)."""
        return read_entry(e, root, None if e.force in row_forces else COUNT_COLUMNS)

    for e, content, at, errs in _prefetch(streets, load):
        i = index[id(e)]
        if e.force != current_force:
            close_force()
            current_force = e.force
        label = e.label
        row_level = e.force in row_forces
        if errs:
            problems.extend(errs)
            continue
        files.extend(e.parts or [e.path or root])
        tbl, rown = at.table, at.rows
        n = tbl.num_rows
        read = n + len(at.bad)
        file_rej: list[pd.DataFrame] = []
        if len(at.bad):
            file_rej.append(_rejects(SOURCE, label, at.bad["row"].to_numpy(), "(whole row)",
                                     at.bad["text"].to_numpy(), at.bad["reason"].to_numpy(), "invalid"))
        month_ts = pd.Timestamp(e.month + "-01")
        ok = np.ones(n, dtype=bool)
        if i in dup_files:
            file_rej.append(_rejects(SOURCE, label, rown, "(file)", np.full(n, e.name), dup_files[i], "duplicate"))
            ok[:] = False
        month_col = _col(tbl, "Month")
        bad_month = ok & ~pc.equal(month_col, e.month).to_numpy(zero_copy_only=False)
        if bad_month.any():
            file_rej.append(_rejects(SOURCE, label, rown[bad_month], "Month",
                                     month_col.filter(pa.array(bad_month)).to_numpy(zero_copy_only=False),
                                     f"month is not {e.month}, the month of the file", "invalid"))
            ok &= ~bad_month
        types = _col(tbl, "Crime type")
        cat = _categories(types, month_ts)
        unknown = ok & (cat < 0)
        if unknown.any():
            file_rej.append(_rejects(SOURCE, label, rown[unknown], "Crime type",
                                     types.filter(pa.array(unknown)).to_numpy(zero_copy_only=False),
                                     "unknown police.uk crime type", "invalid"))
            ok &= ~unknown
        before = scope.start is not None and month_ts < scope.start
        after = scope.end is not None and month_ts > scope.end
        if (before or after) and ok.any():
            reason = scope.before_reason if before else scope.after_reason
            file_rej.append(_rejects(SOURCE, label, rown[ok], "Month", np.full(int(ok.sum()), e.month),
                                     reason, "out of scope"))
            ok[:] = False
        lsoa = _col(tbl, "LSOA code")
        district = dist.map(lsoa, _names_reader(tbl, e, e.where(root), content))
        in_area = pc.is_in(lsoa, value_set=pa.array(sorted(area), type=pa.string())).to_numpy(
            zero_copy_only=False) if area else np.zeros(n, dtype=bool)
        if row_level:
            keep_row = ok
        elif rows:
            keep_row = ok & in_area  # another force's rows inside the area
        else:
            keep_row = np.zeros(n, dtype=bool)
        if keep_row.any() and "Location" not in tbl.column_names:
            tbl = e.parse(e.where(root), content).table  # read every column of those rows
        key = (district.astype(np.int64) + 1) * ncat + np.maximum(cat, 0)
        # Crime IDs of crimes (not ASB), to find the same crime twice
        cid = _col(tbl, "Crime ID")
        has_id = ok & (cat != _CAT_INDEX[ASB]) & (pc.utf8_length(cid).to_numpy(zero_copy_only=False) > 0)
        if has_id.any():
            sel = pa.array(has_id)
            ids.append((_id64(cid.filter(sel)), np.full(int(has_id.sum()), i, dtype=np.int32),
                        rown[has_id].astype(np.int32), key[has_id]))
        if ok.any():
            c = np.bincount(key[ok])  # keys are small: (district + 1) * categories + category
            u = np.flatnonzero(c)
            counts.append((i, e.month, e.force, u, c[u]))
        if keep_row.any():
            frames.append(_rows(tbl, keep_row, rown, e, month_ts, cat, district, in_area, i))
        nrej = sum(len(r) for r in file_rej)
        bad.extend(file_rej)
        stats.append({
            "file": label, "force": e.force, "month": month_ts, "rows_read": read,
            "kept": read - nrej, "rejected": nrej,
            "no_location": int((ok & (district < 0)).sum()),
            "in_area": int((ok & in_area).sum()), "encoding": at.encoding, "fidx": i,
        })
    close_force()

    if problems and on_error == "raise" and any(p.level == "error" for p in problems):
        raise InputError([p for p in problems if p.level == "error"])
    if not stats and not any(p.level == "error" for p in problems):
        raise InputError(Problem(str(root), "no police.uk street files (YYYY-MM/YYYY-MM-<force>-street.csv) found"))

    stat_df = pd.DataFrame(stats, columns=["file", "force", "month", "rows_read", "kept", "rejected",
                                           "no_location", "in_area", "encoding", "fidx"])
    by_fidx = {e_i: e for e_i, e in enumerate(archive.entries)}
    kept = _to_pandas(frames) if frames else _empty_rows()
    count_df = _counts_frame(counts, dist, ncat)
    if dups:
        d = pd.concat(dups, ignore_index=True)
        d = d[d["fidx"].map(lambda f: f not in dup_files)]
        if len(d):
            kept, count_df, dup_rej = _drop_duplicate_ids(d, kept, count_df, stat_df, by_fidx, dist, ncat)
            bad.append(dup_rej)
    kept = _finish_rows(kept, dist)
    rejected = concat_rejects(bad)
    counted = int(count_df["count"].sum()) - len(kept)
    rows_read = int(stat_df["rows_read"].sum()) if len(stat_df) else 0
    stat_df = stat_df.drop(columns="fidx")
    return ReadResult(SOURCE, kept.reset_index(drop=True), rejected, rows_read, files or [root],
                      problems, stat_df, count_df, counted)


def _prefetch(entries: list[Entry], load, ahead: int = 2):
    """Yield ``(entry, *load(entry))`` in order, loading the next ``ahead`` entries in worker
    threads meanwhile (pyarrow parses without the GIL: reading overlaps counting, and two
    files parse at once)."""
    from collections import deque

    with ThreadPoolExecutor(max_workers=ahead) as pool:
        queue = deque(pool.submit(load, e) for e in entries[:ahead])
        for k, e in enumerate(entries):
            result = queue.popleft().result()
            if k + ahead < len(entries):
                queue.append(pool.submit(load, entries[k + ahead]))
            yield (e, *result)


class _NoError(Exception):
    pass


try:  # zlib errors from a damaged zip member
    import zlib

    zlib_error = zlib.error
except ImportError:  # pragma: no cover
    zlib_error = _NoError


def _row_forces(archive: Archive, force: str | None, rows: bool, problems: list[Problem]) -> set[str]:
    forces = archive.forces
    if not rows:
        return set()
    if force is None:
        return set(forces)
    slug = force_slug(force)
    if slug in forces:
        return {slug}
    if len(forces) == 1:
        problems.append(Problem(str(archive.root), f"area.force is '{force}' but the archive holds "
                                                   f"'{forces[0]}' only: read as the area's force", level="note"))
        return set(forces)
    problems.append(Problem(
        str(archive.root),
        f"no files of area.force '{force}' (file names '-{slug}-street.csv'); forces in the archive: "
        f"{', '.join(forces)}. Only the area's own rows are kept as rows; other districts as counts",
        level="note"))
    return set()


_RAW = ["Crime ID", "Falls within", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type",
        "Last outcome category"]


def _rows(tbl, keep, rown, e: Entry, month_ts, cat, district, in_area, fidx) -> pa.Table:
    """The kept rows of one file, as an arrow table (converted to pandas once, at the end)."""
    sel = pa.array(keep)
    t = tbl.select(_RAW).filter(sel)
    n = t.num_rows
    return t.append_column("_month", pa.array(np.full(n, e.month), type=pa.string())) \
        .append_column("_force", pa.array(np.full(n, e.force), type=pa.string())) \
        .append_column("_file", pa.array(np.full(n, e.label), type=pa.string())) \
        .append_column("_cat", pa.array(cat[keep].astype(np.int16))) \
        .append_column("_district", pa.array(district[keep].astype(np.int32))) \
        .append_column("in_area", pa.array(in_area[keep])) \
        .append_column("row", pa.array(rown[keep].astype(np.int64))) \
        .append_column("_fidx", pa.array(np.full(n, fidx, dtype=np.int32)))


def _to_pandas(tables: list[pa.Table]) -> pd.DataFrame:
    t = pa.concat_tables(tables)
    df = t.to_pandas()

    def s(name: str) -> pd.Series:
        return df[name].astype("string")

    month = pd.to_datetime(df["_month"] + "-01").astype("datetime64[us]")
    return pd.DataFrame(
        {
            "crime_id": s("Crime ID").replace("", pd.NA),
            "month": month,
            "force_file": s("_force"),
            "force": s("Falls within"),
            "longitude": pd.to_numeric(df["Longitude"], errors="coerce").astype("float64"),
            "latitude": pd.to_numeric(df["Latitude"], errors="coerce").astype("float64"),
            "location": s("Location"),
            "lsoa_code": s("LSOA code").replace("", pd.NA),
            "lsoa_name": s("LSOA name"),
            "_district": df["_district"].to_numpy(),
            "crime_type": s("Crime type"),
            "category": pd.Series(np.asarray(CATEGORIES, dtype=object)[df["_cat"].to_numpy()], dtype="string"),
            "outcome": s("Last outcome category"),
            "in_area": df["in_area"].astype(bool),
            "file": s("_file"),
            "row": df["row"].astype("int64"),
            "_fidx": df["_fidx"].to_numpy(),
        }
    )


_ROW_COLUMNS = ["crime_id", "month", "force_file", "force", "longitude", "latitude", "location", "lsoa_code",
                "lsoa_name", "district_code", "district_name", "crime_type", "category", "broad_category",
                "era", "outcome", "in_area", "file", "row"]


def _empty_rows() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="string") for c in _ROW_COLUMNS})
    return df.astype({"month": "datetime64[us]", "longitude": "float64", "latitude": "float64",
                      "in_area": "bool", "row": "int64"})


def _finish_rows(kept: pd.DataFrame, dist: _Districts) -> pd.DataFrame:
    if kept.empty or "_district" not in kept:
        return _empty_rows()
    names = dist.names + [(None, None)]
    d = kept["_district"].to_numpy()
    codes = np.array([n[0] for n in names], dtype=object)[d]  # -1 → the (None, None) sentinel
    dnames = np.array([n[1] for n in names], dtype=object)[d]
    kept = kept.assign(
        district_code=pd.Series(codes, index=kept.index, dtype="string"),
        district_name=pd.Series(dnames, index=kept.index, dtype="string"),
        broad_category=kept["category"].map(BROAD_CATEGORY).astype("string"),
        era=pd.Series(np.where(kept["month"] < ERA_11, "6 types",
                               np.where(kept["month"] < ERA_14, "11 types", "14 types")),
                      index=kept.index, dtype="string"),
    )
    return kept[_ROW_COLUMNS]


def _counts_frame(counts, dist: _Districts, ncat: int) -> pd.DataFrame:
    if not counts:
        return pd.DataFrame({
            "force_file": pd.Series(dtype="string"), "district_code": pd.Series(dtype="string"),
            "district_name": pd.Series(dtype="string"), "month": pd.Series(dtype="datetime64[us]"),
            "category": pd.Series(dtype="string"), "broad_category": pd.Series(dtype="string"),
            "count": pd.Series(dtype="int64")})
    keys = np.concatenate([c[3] for c in counts])
    n = np.concatenate([c[4] for c in counts])
    months = np.concatenate([np.full(len(c[3]), c[1]) for c in counts])
    forces = np.concatenate([np.full(len(c[3]), c[2], dtype=object) for c in counts])
    df = pd.DataFrame({"force_file": forces, "month": months, "key": keys, "count": n})
    df = df.groupby(["force_file", "month", "key"], as_index=False, sort=True)["count"].sum()
    return _decode_keys(df, dist, ncat)


def _decode_keys(df: pd.DataFrame, dist: _Districts, ncat: int) -> pd.DataFrame:
    names = [(None, None)] + dist.names  # key // ncat - 1 = district index; -1 → no location
    d = (df["key"].to_numpy() // ncat).astype(np.int64)
    c = (df["key"].to_numpy() % ncat).astype(np.int64)
    cats = np.asarray(CATEGORIES, dtype=object)[c]
    return pd.DataFrame({
        "force_file": df["force_file"].astype("string"),
        "district_code": pd.Series(np.array([x[0] for x in names], dtype=object)[d], dtype="string"),
        "district_name": pd.Series(np.array([x[1] for x in names], dtype=object)[d], dtype="string"),
        "month": pd.to_datetime(df["month"].astype(str) + "-01").astype("datetime64[us]"),
        "category": pd.Series(cats, dtype="string"),
        "broad_category": pd.Series(cats, dtype="object").map(BROAD_CATEGORY).astype("string"),
        "count": df["count"].astype("int64"),
    })


def _drop_duplicate_ids(d, kept, count_df, stat_df, by_fidx, dist, ncat):
    """Reject every second occurrence of a Crime ID; take it out of rows, counts and file accounts."""
    label = {i: e.label for i, e in by_fidx.items()}
    months = {i: e.month for i, e in by_fidx.items()}
    forces = {i: e.force for i, e in by_fidx.items()}
    value = kept.set_index(["_fidx", "row"])["crime_id"] if len(kept) and "_fidx" in kept else None
    if value is not None:  # rows kept as rows: compare the full Crime IDs (the key is a hash)
        a = [value.get((int(f), int(r))) for f, r in zip(d["fidx"], d["row"])]
        b = [value.get((int(f), int(r))) for f, r in zip(d["first_fidx"], d["first_row"])]
        same = [x is None or y is None or x == y for x, y in zip(a, b)]
        d = d[same]
        if d.empty:
            return kept, count_df, pd.DataFrame(columns=REJECT_COLUMNS)
    vals = []
    for f, r, x in zip(d["fidx"], d["row"], d["id64"]):
        v = None
        if value is not None:
            v = value.get((int(f), int(r)))
        vals.append(str(v) if isinstance(v, str) else f"{int(x):016x}…")
    reasons = [f"duplicate: Crime ID already in {label[int(ff)]} row {int(fr)} (the same crime twice)"
               for ff, fr in zip(d["first_fidx"], d["first_row"])]
    rej = pd.DataFrame({
        "source": SOURCE, "file": [label[int(f)] for f in d["fidx"]], "row": d["row"].astype("int64"),
        "column": "Crime ID", "value": vals, "reason": reasons, "kind": "duplicate",
    }, columns=REJECT_COLUMNS)
    if len(kept) and "_fidx" in kept:
        drop = pd.MultiIndex.from_arrays([d["fidx"].astype(np.int32), d["row"].astype("int64")])
        here = pd.MultiIndex.from_arrays([kept["_fidx"], kept["row"]])
        kept = kept[~here.isin(drop)]
    # take the rows out of the counts
    sub = pd.DataFrame({"force_file": [forces[int(f)] for f in d["fidx"]],
                        "month": [months[int(f)] for f in d["fidx"]], "key": d["key"], "count": 1})
    sub = sub.groupby(["force_file", "month", "key"], as_index=False)["count"].sum()
    minus = _decode_keys(sub, dist, ncat)
    k = ["force_file", "district_code", "district_name", "month", "category"]
    merged = count_df.merge(minus[k + ["count"]].rename(columns={"count": "minus"}), on=k, how="left")
    merged["count"] = merged["count"] - merged["minus"].fillna(0).astype("int64")
    count_df = merged.drop(columns="minus")
    count_df = count_df[count_df["count"] > 0].reset_index(drop=True)
    per_file = d.groupby("fidx").size()
    for f, n in per_file.items():
        m = stat_df["fidx"] == f
        stat_df.loc[m, "kept"] -= int(n)
        stat_df.loc[m, "rejected"] += int(n)
    return kept, count_df, rej


# ------------------------------------------------------------------ outcomes

def read_outcomes(
    root: Path,
    *,
    scope: Scope | None = None,
    forces: set[str] | None = None,
    on_error: str = "raise",
) -> ReadResult:
    """Read the outcomes files (``YYYY-MM-<force>-outcomes.csv``) of an archive.

    Only ``forces`` (slugs; None = all) are read; the others are listed in
    ``problems`` as notes. Returns every valid outcome row with ``latest`` marking
    the latest outcome of each Crime ID (by month, then file order).

    ``kept`` columns: ``crime_id, month, force_file, lsoa_code, outcome_type, latest,
    file, row``. Rejected: no Crime ID, month not the file's, no outcome type, a
    second copy of a file, a month outside the data window.
    """
    root = Path(root)
    scope = scope or Scope()
    archive = scan_archive(root)
    entries = archive.of("outcomes")
    problems: list[Problem] = []
    skipped = [e for e in entries if forces is not None and e.force not in forces]
    if skipped:
        problems.append(Problem(str(root), f"{len(skipped)} outcomes file(s) of other forces not read "
                                           f"({', '.join(sorted({e.force for e in skipped}))})", level="note"))
    entries = [e for e in entries if forces is None or e.force in forces]
    dup_files = _duplicate_files(Archive(root, entries))
    frames, bad, stats, files = [], [], [], []
    for i, e in enumerate(entries):
        _, at, errs = read_entry(e, root)
        if errs:
            problems.extend(errs)
            continue
        files.extend(e.parts or [e.path or root])
        df = at.table.to_pandas().astype("str")
        n = len(df)
        rown = at.rows
        label = e.label
        rej = []
        if len(at.bad):
            rej.append(_rejects(OUTCOMES, label, at.bad["row"].to_numpy(), "(whole row)",
                                at.bad["text"].to_numpy(), at.bad["reason"].to_numpy(), "invalid"))
        sieve = Sieve(OUTCOMES, label, df, rown)
        whole = np.ones(n, dtype=bool)
        if i in dup_files:
            sieve.reject(whole, "(file)", dup_files[i], "duplicate", values=np.full(n, e.name))
        sieve.reject(df["Crime ID"].to_numpy() == "", "Crime ID", "empty value: an outcome needs its Crime ID")
        sieve.reject(df["Month"].to_numpy() != e.month, "Month", f"month is not {e.month}, the month of the file")
        sieve.reject(df["Outcome type"].to_numpy() == "", "Outcome type", "empty value")
        month_ts = pd.Timestamp(e.month + "-01")
        if scope.start is not None and month_ts < scope.start:
            sieve.reject(whole, "Month", scope.before_reason, "out of scope")
        if scope.end is not None and month_ts > scope.end:
            sieve.reject(whole, "Month", scope.after_reason, "out of scope")
        rej.append(sieve.rejected())
        ok = sieve.ok
        k = df[ok]
        frames.append(pd.DataFrame({
            "crime_id": k["Crime ID"].astype("string"),
            "month": pd.Series(month_ts, index=k.index).astype("datetime64[us]"),
            "force_file": pd.Series(e.force, index=k.index, dtype="string"),
            "lsoa_code": k["LSOA code"].replace("", pd.NA).astype("string"),
            "outcome_type": k["Outcome type"].astype("string"),
            "file": pd.Series(label, index=k.index, dtype="string"),
            "row": rown[ok].astype("int64"),
            "_order": i,
        }))
        nrej = sum(len(r) for r in rej)
        bad.extend(rej)
        stats.append({"file": label, "force": e.force, "month": month_ts, "rows_read": n + len(at.bad),
                      "kept": n + len(at.bad) - nrej, "rejected": nrej, "encoding": at.encoding})
    if on_error == "raise" and any(p.level == "error" for p in problems):
        raise InputError([p for p in problems if p.level == "error"])
    if frames:
        kept = pd.concat(frames, ignore_index=True)
        kept = kept.sort_values(["month", "_order", "row"], kind="stable")
        kept["latest"] = ~kept.duplicated("crime_id", keep="last")
        kept = kept.drop(columns="_order").sort_index().reset_index(drop=True)
        kept = kept[["crime_id", "month", "force_file", "lsoa_code", "outcome_type", "latest", "file", "row"]]
    else:
        kept = pd.DataFrame({
            "crime_id": pd.Series(dtype="string"), "month": pd.Series(dtype="datetime64[us]"),
            "force_file": pd.Series(dtype="string"), "lsoa_code": pd.Series(dtype="string"),
            "outcome_type": pd.Series(dtype="string"), "latest": pd.Series(dtype="bool"),
            "file": pd.Series(dtype="string"), "row": pd.Series(dtype="int64")})
    stat_df = pd.DataFrame(stats, columns=["file", "force", "month", "rows_read", "kept", "rejected", "encoding"])
    rows_read = int(stat_df["rows_read"].sum()) if len(stat_df) else 0
    return ReadResult(OUTCOMES, kept, concat_rejects(bad), rows_read, files, problems, stat_df)


def taxonomy_markdown() -> str:
    """The taxonomy as a markdown table (docs/data_formats.md holds it verbatim)."""
    types = sorted({t for ts in TYPES_BY_ERA.values() for t in ts})
    head = ("| published crime type | to Aug 2011 (6) | Sep 2011 – Apr 2013 (11) | from May 2013 (14) "
            "| category | broad category |")
    lines = [head, "|---|---|---|---|---|---|"]
    for t in types:
        marks = ["yes" if t in TYPES_BY_ERA[e] else "" for e in ERAS]
        cats = sorted({category_of(t, m) for e, m in zip(ERAS, (pd.Timestamp("2011-01-01"), ERA_11, ERA_14))
                       if t in TYPES_BY_ERA[e]}, key=lambda c: c == MIXED_OTHER)
        cat = " / ".join(cats) if len(cats) > 1 else cats[0]
        if len(cats) > 1:
            cat = f"{cats[0]} (from Sep 2011); {cats[1]}"
        broad = " / ".join(sorted({BROAD_CATEGORY[c] for c in cats}))
        lines.append(f"| {t} | {' | '.join(marks)} | {cat} | {broad} |")
    return "\n".join(lines)
