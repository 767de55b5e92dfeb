"""Readers, one module per input format, and what they share.

Every reader returns a :class:`ReadResult`: the rows it kept, the rows it rejected
(each with the file, its row number in that file, the column, the bad value, a
reason and a kind), how many rows it read, and the problems that concern a whole
file. ``rows read = kept + rejected`` is asserted for every result, and per file.

A problem that makes an input unusable (no such column, an empty or undecodable
file, a damaged zip…) is raised as :class:`InputError`, whose message is one line
per problem: file, row, column, value and what is expected, never a traceback.

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2
(a value spanning several lines in quotes is one row, as in Excel).
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

REJECT_COLUMNS = ["source", "file", "row", "column", "value", "reason", "kind"]
"""Columns of every reject table. ``kind`` is ``invalid`` (a value breaks a rule),
``duplicate`` (a row or file supplied twice) or ``out of scope`` (a valid row outside
the area or the data window)."""

REJECT_KINDS = ("invalid", "duplicate", "out of scope")

# What each source is, in words partners read.
SOURCE_NAMES = {
    "police_uk": "police.uk street-level crime and ASB",
    "police_uk_outcomes": "police.uk outcomes",
    "domestic_abuse": "Domestic abuse incidents (police)",
    "council_asb": "ASB reports to the District Council",
    "business_crime": "Business crime reports",
    "youth_indicators": "Youth indicators",
    "substance_misuse_indicators": "Substance misuse indicators",
    "public_concern_survey": "Public concern survey",
    "action_plan_tracker": "Action-plan tracker",
    "road_casualties": "Road casualties (STATS19)",
    "road_collisions": "Road collisions (STATS19)",
    "police_uk_peers": "police.uk, whole force (peer comparison)",
    "lsoa_lookup": "LSOA → ward → district lookup",
    "population": "Population by LSOA",
}


@dataclass(frozen=True)
class Problem:
    """One problem with an input, in the words of the message the user reads.

    ``expected`` says what is wrong and what is expected; ``level`` is ``error``
    (the input cannot be used) or ``note`` (usable, but the user should know).
    """

    file: str
    expected: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    level: str = "error"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        if self.value is not None:
            text += f": {_short(self.value)!r}"
        return f"{text}: {self.expected}"


def _short(value: str, n: int = 60) -> str:
    value = str(value)
    return value if len(value) <= n else value[: n - 1] + "…"


class InputError(ValueError):
    """Input that cannot be used; the message is one line per problem.

    Raised with a message, a :class:`Problem` or a list of problems; ``problems``
    gives them back.
    """

    def __init__(self, problems: str | Problem | list[Problem]):
        if isinstance(problems, str):
            problems = [Problem(file="", expected=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(_line(p) for p in self.problems))


def _line(p: Problem) -> str:
    return p.expected if not p.file and p.row is None and not p.column else str(p)


_EMPTY_REJECTS = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "string") for c in REJECT_COLUMNS})


def empty_rejects() -> pd.DataFrame:
    return _EMPTY_REJECTS.copy()


@dataclass
class ReadResult:
    """What a reader kept, what it rejected and why, and how many rows it read.

    ``counts`` (police.uk only) holds rows kept as monthly counts, not as rows
    (other forces' districts in a multi-force archive); ``counted`` is how many rows
    those counts hold. ``rows_read = len(kept) + counted + len(rejected)``.
    """

    source: str
    kept: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=empty_rejects)
    rows_read: int = 0
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_stats: pd.DataFrame | None = None
    counts: pd.DataFrame | None = None
    counted: int = 0

    def __post_init__(self) -> None:
        if self.rows_read != len(self.kept) + self.counted + len(self.rejected):
            raise AssertionError(
                f"{self.source}: rows read {self.rows_read} != kept {len(self.kept)} "
                f"+ counted {self.counted} + rejected {len(self.rejected)}"
            )
        if self.file_stats is not None and len(self.file_stats):
            fs = self.file_stats
            if int(fs["rows_read"].sum()) != self.rows_read or not bool(
                (fs["rows_read"] == fs["kept"] + fs["rejected"]).all()
            ):
                raise AssertionError(f"{self.source}: per-file accounts do not add up")

    @property
    def n_kept(self) -> int:
        return len(self.kept) + self.counted

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def raise_errors(self) -> ReadResult:
        if self.errors:
            raise InputError(self.errors)
        return self


def rejects(
    source: str,
    file: Path | str,
    rows,
    column: str,
    values,
    reason: str,
    kind: str = "invalid",
) -> pd.DataFrame:
    """Build a reject table: ``rows`` are spreadsheet row numbers (header = 1)."""
    rows = np.asarray(rows, dtype="int64")
    values = pd.Series(values, dtype="object").astype("string").fillna("").to_numpy()
    if len(values) != len(rows):
        values = np.resize(values, len(rows)) if len(values) else np.full(len(rows), "")
    return pd.DataFrame(
        {
            "source": source,
            "file": str(Path(file).name),
            "row": rows,
            "column": column,
            "value": values,
            "reason": reason,
            "kind": kind,
        },
        columns=REJECT_COLUMNS,
    )


def concat_rejects(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_rejects()
    out = pd.concat(frames, ignore_index=True)
    out["row"] = out["row"].astype("int64")
    return out.astype({c: "string" for c in REJECT_COLUMNS if c != "row"})


# --------------------------------------------------------------------------- CSV

@dataclass
class Table:
    """A CSV read as text: every column a string, empty cells ``""``."""

    df: pd.DataFrame
    rows: np.ndarray  # spreadsheet row of each df row
    bad: pd.DataFrame  # row, text, reason: lines that could not be split into the header's columns
    encoding: str
    delimiter: str

    @property
    def rows_read(self) -> int:
        return len(self.df) + len(self.bad)


_MAGIC = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or a zip, not a CSV file: in Excel use "
    "File > Save As > 'CSV UTF-8 (Comma delimited)'",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls), not a CSV file: in Excel use "
    "File > Save As > 'CSV UTF-8 (Comma delimited)'",
}


def _sniff(path: str, data: bytes) -> None:
    """File-level problems visible in the first bytes: empty, a workbook, binary."""
    if not data[:65536].strip() and not data.strip():
        raise InputError(Problem(path, "file is empty; expected a header row and data"))
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(Problem(path, f"this is {what}"))
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data[:4096]:
        raise InputError(
            Problem(path, "binary data or UTF-16 without a byte-order mark, not a CSV file; "
                          "save it as 'CSV UTF-8 (Comma delimited)'")
        )


def _decode(path: str, data: bytes) -> tuple[str, str]:
    """(text, encoding) of CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1252."""
    _sniff(path, data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise InputError(Problem(path, "damaged UTF-16 text; save it as 'CSV UTF-8'")) from None
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            Problem(path, f"cannot decode as UTF-8 or Windows-1252 (byte 0x{data[exc.start]:02x} "
                          f"on line {line}); save it as 'CSV UTF-8 (Comma delimited)'")
        ) from None


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


@dataclass
class ArrowTable:
    """A CSV parsed by pyarrow, every column a string (see :func:`read_arrow`)."""

    table: pa.Table
    header: list[str]  # every column name of the file, stripped
    rows: np.ndarray  # spreadsheet row of each table row
    bad: pd.DataFrame  # row, text, reason
    encoding: str
    delimiter: str


def _header(path: str, text: str) -> tuple[list[str], str]:
    first = text.split("\n", 1)[0].rstrip("\r")
    delim = _delimiter(first)
    header = next(csv.reader([first], delimiter=delim), [])
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    seen = [n for i, n in enumerate(names) if n and n in names[:i]]
    if seen:
        raise InputError(Problem(path, f"column '{seen[0]}' appears twice in the header; rename one"))
    return names, delim


def read_arrow(
    path: Path | str,
    content: bytes | None = None,
    *,
    columns: list[str] | None = None,
    header: list[str] | None = None,
) -> ArrowTable:
    """Parse a CSV with pyarrow, every column as text (``""`` for empty cells).

    Fast path: UTF-8 bytes are parsed as they are (pyarrow checks the UTF-8);
    other encodings are decoded first (:func:`_decode`). ``columns`` parses only
    those columns (the header is still checked). Lines that do not split into the
    header's columns come back in ``bad`` with their row number.
    """
    name = str(path)
    data = content if content is not None else Path(path).read_bytes()
    _sniff(name, data)
    encoding = "UTF-8"
    raw = data
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        text, encoding = _decode(name, data)
        raw = text.encode("utf-8")
    head = raw[: raw.find(b"\n") if b"\n" in raw else len(raw)]
    try:
        names, delim = _header(name, head.decode("utf-8"))
    except UnicodeDecodeError:
        text, encoding = _decode(name, data)
        raw = text.encode("utf-8")
        names, delim = _header(name, text)
    return _parse(name, raw, names, delim, encoding, data, columns)


_NO_BAD = pd.DataFrame({"row": pd.Series(dtype="int64"), "text": pd.Series(dtype="str"),
                        "reason": pd.Series(dtype="str")})


def _parse(name, raw, names, delim, encoding, data, columns) -> ArrowTable:
    bad_rows: list[tuple[int | None, str, str]] = []

    def handler(row) -> str:
        more = row.actual_columns > row.expected_columns
        reason = (
            f"{row.actual_columns} values where the header has {row.expected_columns} "
            + ("(a comma inside a value without quotes?)" if more else "(a cut or incomplete line?)")
        )
        bad_rows.append((row.number, row.text, reason))
        return "skip"

    ids = [f"c{i}" for i in range(len(names))]
    wanted = [f"c{i}" for i, n in enumerate(names) if columns is None or n in columns]

    def parse(blob: bytes, threads: bool, newlines: bool) -> pa.Table:
        bad_rows.clear()
        return pacsv.read_csv(
            io.BytesIO(blob),
            read_options=pacsv.ReadOptions(
                use_threads=threads, column_names=ids, skip_rows=1, block_size=block,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, newlines_in_values=newlines, ignore_empty_lines=False,
                invalid_row_handler=handler,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in ids},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                include_columns=wanted,
            ),
        )

    # Fast attempt first (threads for big files, no line breaks inside quotes); a file with
    # lines that do not split, or that fails, is parsed again single-threaded with quoted
    # line breaks allowed, which also gives the row numbers of bad lines.
    cpus = os.cpu_count() or 1
    block = max(1 << 20, min(1 << 23, len(raw) // (2 * cpus) + 1))  # a few blocks per core
    attempts = [(len(raw) > (1 << 20) and cpus > 1, False), (False, True)]
    tbl = None
    error: Exception | None = None
    for threads, newlines in attempts:
        tbl = None
        try:
            tbl = parse(raw, threads, newlines)
        except pa.ArrowInvalid as exc:
            error = exc
            if "UTF8" in str(exc) and encoding == "UTF-8":
                text, encoding = _decode(name, data)  # not UTF-8 after all: Windows-1252
                raw = text.encode("utf-8")
                try:
                    tbl = parse(raw, threads, newlines)
                except pa.ArrowInvalid as exc2:
                    error = exc2
        if tbl is None or bad_rows:
            continue
        break
    if tbl is None:
        raise InputError(
            Problem(name, f"not a readable CSV file ({error}); check quotes and separators")
        ) from None
    tbl = tbl.rename_columns([names[int(c[1:])] for c in wanted])
    numbers = [n for n, _, _ in bad_rows]
    total = tbl.num_rows + len(bad_rows)
    if bad_rows and all(n is not None for n in numbers):
        taken = np.zeros(total + 2, dtype=bool)
        taken[numbers] = True  # pyarrow numbers rows as a spreadsheet does (header = 1)
        rows = np.flatnonzero(~taken[2:]) + 2
    else:
        rows = np.arange(2, tbl.num_rows + 2)
    bad = _NO_BAD if not bad_rows else pd.DataFrame(
        [(int(n) if n is not None else 0, t, r) for n, t, r in bad_rows],
        columns=["row", "text", "reason"],
    ).astype({"row": "int64"})
    return ArrowTable(tbl, names, rows.astype("int64"), bad, encoding, delim)


def read_table(
    path: Path | str,
    content: bytes | None = None,
    *,
    strip: bool = True,
    columns: list[str] | None = None,
) -> Table:
    """Read a CSV file (or the ``content`` of one inside a zip) as text.

    UTF-8 with or without BOM, UTF-16 with BOM and Windows-1252 are decoded; the
    delimiter is a comma, or a semicolon or tab when the header has no comma.
    Lines that cannot be split into the header's columns are returned in ``bad``
    with their row number, not dropped; rows with no value at all (Excel's empty
    rows) are skipped. ``strip`` trims spaces around values; ``columns`` reads only
    those columns (when present).
    """
    at = read_arrow(path, content, columns=columns)
    df = at.table.to_pandas()
    rows = at.rows
    if len(df.columns):
        if strip:
            df = df.apply(lambda s: s.str.strip())
        df = df.astype("str")
        blank = (df == "").all(axis=1).to_numpy()
        if blank.any():  # rows with no value at all: not data, not counted
            df, rows = df[~blank], rows[~blank]
    return Table(df.reset_index(drop=True), rows, at.bad, at.encoding, at.delimiter)


def read_csv_text(path: Path, content: bytes | None = None) -> pd.DataFrame:
    """Read a CSV as strings (see :func:`read_table`); lines that do not split into
    the header's columns are an error here."""
    t = read_table(path, content)
    if len(t.bad):
        b = t.bad.iloc[0]
        raise InputError(Problem(str(path), b["reason"], row=int(b["row"]), value=b["text"]))
    return t.df


def bad_line_rejects(source: str, file: str, table: Table) -> pd.DataFrame:
    """Rejects for the lines of a table that did not split into columns."""
    if table.bad.empty:
        return empty_rejects()
    return rejects(source, file, table.bad["row"], "(whole row)", table.bad["text"],
                   table.bad["reason"].iloc[0] if table.bad["reason"].nunique() == 1 else "wrong number of values")


# ------------------------------------------------------------------------- dates

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")
_UK = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}(?: \d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse ISO (2014-04-30) or UK (30/04/2014) dates, with an optional time
    (Excel exports add ``00:00``); anything else → NaT. Returns dates at midnight."""
    s = values.astype("string").str.strip()
    date_part = s.str.split(r"[ T]", n=1, regex=True).str[0]
    iso = pd.to_datetime(date_part.where(s.str.match(_ISO.pattern)), format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(date_part.where(s.str.match(_UK.pattern)), format="%d/%m/%Y", errors="coerce")
    out = iso.fillna(uk)
    return out.astype("datetime64[us]")


def date_problem(value: str) -> str:
    """What is wrong with a date that :func:`parse_dates` refused."""
    v = str(value).strip()
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})", v)
    if m and int(m.group(2)) > 12 and int(m.group(1)) <= 12:
        return "not a date: month first (US style)? use DD/MM/YYYY or YYYY-MM-DD"
    if re.match(r"^\d{1,2}/\d{1,2}/\d{2}$", v):
        return "not a date: two-digit year; use DD/MM/YYYY or YYYY-MM-DD"
    if re.match(r"^\d{5}(\.\d+)?$", v):
        return "not a date: an Excel serial number; format the column as a date before saving"
    return "not a date (use YYYY-MM-DD or DD/MM/YYYY)"


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_EXCEL_MONTH = re.compile(r"^(?:[A-Za-z]{3})-\d{2}$|^\d{2}-(?:[A-Za-z]{3})$")


def parse_months(values: pd.Series) -> pd.Series:
    """``YYYY-MM`` → month start; anything else → NaT."""
    s = values.astype("string").str.strip()
    return pd.to_datetime(s.where(s.str.match(_MONTH.pattern)), format="%Y-%m", errors="coerce").astype(
        "datetime64[us]"
    )


def month_problem(value: str) -> str:
    v = str(value).strip()
    if _EXCEL_MONTH.match(v):
        return "not a month: Excel reformatted it (like 'Apr-14'); use YYYY-MM and save the column as text"
    return "not a month (use YYYY-MM)"


# ------------------------------------------------------------------------- scope

@dataclass(frozen=True)
class Scope:
    """What belongs to the assessment: the data window and the area's places.

    Readers reject, as ``out of scope``, rows dated outside ``start``..``end``
    (month starts, inclusive) and rows placed outside the area; a place that is
    in no lookup at all is ``invalid``. ``None`` = no such check.
    """

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    assessed: str = ""  # the assessed year, for messages ("2014-15")
    lsoas: frozenset[str] | None = None  # the area's LSOAs
    known_lsoas: dict[str, str] | None = None  # every LSOA of the lookups → its district name
    wards: frozenset[str] | None = None  # the area's wards
    known_wards: frozenset[str] | None = None
    area_name: str = "the area"
    area_code: str | None = None  # ONS district code (STATS19 collisions with no LSOA)
    lookup_name: str = "the LSOA lookup"

    def window_reasons(self, months: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Masks of months before the window and after the assessed year."""
        before = months < self.start if self.start is not None else pd.Series(False, index=months.index)
        after = months > self.end if self.end is not None else pd.Series(False, index=months.index)
        return before.fillna(False).astype(bool), after.fillna(False).astype(bool)

    @property
    def before_reason(self) -> str:
        return f"dated before the data window (which starts {self.start:%b %Y}): check the year"

    @property
    def after_reason(self) -> str:
        year = f" {self.assessed}" if self.assessed else ""
        return f"dated after the assessed year{year} (which ends {self.end:%b %Y})"


class Sieve:
    """Rejects rows of one file, each once, with the first reason found.

    ``reject(mask, column, reason)`` rejects the rows of ``mask`` that are still
    kept; ``ok`` is the mask of rows kept so far.
    """

    def __init__(self, source: str, file: str, df: pd.DataFrame, rows: np.ndarray):
        self.source, self.file, self.df = source, file, df
        self.rows = np.asarray(rows, dtype="int64")
        self.ok = np.ones(len(df), dtype=bool)
        self.frames: list[pd.DataFrame] = []

    def reject(self, mask, column: str, reason, kind: str = "invalid", values=None) -> int:
        mask = np.asarray(pd.Series(mask).fillna(False), dtype=bool) & self.ok
        if not mask.any():
            return 0
        if values is None:
            values = self.df[column] if column in self.df.columns else pd.Series([""] * len(self.df))
        values = np.asarray(pd.Series(values, dtype="object").fillna("").astype(str))[mask]
        if not isinstance(reason, str):
            reason = np.asarray(pd.Series(reason, dtype="object").astype(str))[mask]
        self.frames.append(
            pd.DataFrame(
                {
                    "source": self.source, "file": Path(self.file).name, "row": self.rows[mask],
                    "column": column, "value": values, "reason": reason, "kind": kind,
                },
                columns=REJECT_COLUMNS,
            )
        )
        self.ok &= ~mask
        return int(mask.sum())

    def rejected(self) -> pd.DataFrame:
        return concat_rejects(self.frames)


def duplicate_of(df: pd.DataFrame, key: list[str], rows: np.ndarray, ok: np.ndarray) -> pd.Series:
    """For rows (among ``ok``) whose ``key`` repeats an earlier kept row: that row's number; else NA."""
    out = pd.Series(pd.NA, index=df.index, dtype="Int64")
    sub = df.loc[ok, key]
    if sub.empty:
        return out
    dup = sub.duplicated(keep="first")
    if not dup.any():
        return out
    first_rows = pd.Series(np.asarray(rows)[ok], index=sub.index)
    keys = sub.astype(str).agg("\x1f".join, axis=1) if len(key) > 1 else sub[key[0]].astype(str)
    first = first_rows.groupby(keys.to_numpy()).transform("first")
    out.loc[dup[dup].index] = first[dup].to_numpy()
    return out
