"""Readers, one module per input format.

Every reader returns a :class:`ReadResult`: the rows it kept, the rows it rejected
(each with the file, its row number in that file, the column, the bad value and a
reason), and how many rows it read, so that ``rows read = kept + rejected`` can be
checked on every run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

REJECT_COLUMNS = ["source", "file", "row", "column", "value", "reason"]

# What each source is, in words partners read.
SOURCE_NAMES = {
    "police_uk": "police.uk street-level crime and ASB",
    "domestic_abuse": "Domestic abuse incidents (police)",
    "council_asb": "ASB reports to the District Council",
    "business_crime": "Business crime reports",
    "youth_indicators": "Youth indicators",
    "substance_misuse_indicators": "Substance misuse indicators",
    "public_concern_survey": "Public concern survey",
    "action_plan_tracker": "Action-plan tracker",
    "road_casualties": "Road casualties (STATS19)",
    "road_collisions": "Road collisions (STATS19)",
}


class InputError(ValueError):
    """An input file that cannot be read at all; the message names file and fix."""


@dataclass
class ReadResult:
    source: str
    kept: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    rows_read: int = 0
    files: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rows_read != len(self.kept) + len(self.rejected):
            raise AssertionError(
                f"{self.source}: rows read {self.rows_read} != kept {len(self.kept)} "
                f"+ rejected {len(self.rejected)}"
            )


def rejects(source: str, file: Path | str, rows: pd.Series, column: str, values, reason: str):
    """Build a reject table: ``rows`` are 1-based line numbers in the file (header = line 1)."""
    return pd.DataFrame(
        {
            "source": source,
            "file": str(Path(file).name),
            "row": rows.to_numpy(),
            "column": column,
            "value": pd.Series(values).astype("string").fillna("").to_numpy(),
            "reason": reason,
        },
        columns=REJECT_COLUMNS,
    )


def read_csv_text(path: Path, content: bytes | None = None) -> pd.DataFrame:
    """Read a CSV as strings, trying UTF-8 (with or without BOM) then Windows-1252.

    ``content`` gives the bytes when the file sits inside a zip (``path`` names it).
    """
    last: Exception | None = None
    for enc in ("utf-8-sig", "cp1252"):
        try:
            src = io.BytesIO(content) if content is not None else path
            return pd.read_csv(src, dtype=str, keep_default_na=False, encoding=enc)
        except UnicodeDecodeError as exc:
            last = exc
        except pd.errors.EmptyDataError:
            raise InputError(f"{path}: file is empty; expected a header row and data") from None
    raise InputError(f"{path}: cannot decode as UTF-8 or Windows-1252 ({last}); save it as UTF-8")


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse ISO (2014-04-30) or UK (30/04/2014) dates; unparseable → NaT."""
    iso = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(values, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk)


def concat_rejects(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    return pd.concat(frames, ignore_index=True)
