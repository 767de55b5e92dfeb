"""police.uk street-level crime archive (a folder or a .zip in police.uk's layout).

Layout: ``YYYY-MM/YYYY-MM-<force>-street.csv``, one file per force and month, with
columns ``Crime ID, Month, Reported by, Falls within, Longitude, Latitude, Location,
LSOA code, LSOA name, Crime type, Last outcome category, Context``.

Quirks handled here (see docs/assumptions.md):

* Identical rows are separate incidents: two anti-social behaviour reports at one
  anonymised map point in one month give two identical rows with no Crime ID.
  Nothing is de-duplicated.
* The set of crime types changed in September 2011 and May 2013. Each row keeps its
  published ``crime_type`` and gains a ``category`` from :data:`STABLE_CATEGORY`, a
  taxonomy that stays the same across the changes so trends do not break.
* Rows are kept for the whole force; ``in_area`` marks the assessed area's LSOAs,
  the rest are the area's peers (other districts of the same force).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from csp_analysis.sources import InputError, ReadResult, concat_rejects, read_csv_text, rejects

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

_STREET_FILE = re.compile(r"(?:^|/)(\d{4}-\d{2})/\1-([a-z0-9-]+)-street\.csv$")
SOURCE = "police_uk"


def _street_files(root: Path) -> list[tuple[str, bytes | Path]]:
    """(name, content-or-path) for every street file under a folder or inside a zip."""
    if root.is_dir():
        files = sorted(p for p in root.rglob("*-street.csv"))
        return [(p.relative_to(root).as_posix(), p) for p in files]
    if zipfile.is_zipfile(root):
        with zipfile.ZipFile(root) as zf:
            names = sorted(n for n in zf.namelist() if n.endswith("-street.csv"))
            try:
                return [(n, zf.read(n)) for n in names]
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise InputError(
                    f"{root}: the zip is damaged ({exc}); download the archive again"
                ) from None
    raise InputError(
        f"{root}: not a folder or a .zip of police.uk street files (YYYY-MM/YYYY-MM-force-street.csv)"
    )


def read_police_uk(root: Path, area_lsoas: set[str]) -> ReadResult:
    """Read every street-level file of a police.uk archive.

    Parameters
    ----------
    root : Path
        Folder or .zip in police.uk's archive layout.
    area_lsoas : set of str
        LSOA codes of the assessed area; rows in them get ``in_area = True``.

    Returns
    -------
    ReadResult
        ``kept`` has columns ``crime_id, month (datetime64, month start), force_file,
        longitude, latitude, location, lsoa_code, lsoa_name, crime_type, category,
        outcome, in_area, file, row``. Rejected rows: month not YYYY-MM or not the
        file's month, unknown crime type.
    """
    root = Path(root)
    entries = _street_files(root)
    if not entries:
        raise InputError(f"{root}: no police.uk street files (YYYY-MM/YYYY-MM-<force>-street.csv) found")
    frames, bad, rows_read, files = [], [], 0, []
    for name, content in entries:
        m = _STREET_FILE.search(name)
        if not m:
            continue
        file_month, force = m.groups()
        label = Path(name).name
        if isinstance(content, Path):
            df = read_csv_text(content)
            files.append(content)
        else:
            df = read_csv_text(root / name, content)
        missing = [c for c in COLUMNS if c not in df.columns]
        if missing:
            raise InputError(
                f"{root}/{name}: missing column(s) {', '.join(repr(c) for c in missing)}; "
                f"police.uk street files have: {', '.join(COLUMNS)}"
            )
        rows_read += len(df)
        df["row"] = range(2, len(df) + 2)
        df["file"] = label
        bad_month = df["Month"] != file_month
        unknown = ~df["Crime type"].isin(list(STABLE_CATEGORY)) & ~bad_month
        if bad_month.any():
            bad.append(
                rejects(SOURCE, label, df.loc[bad_month, "row"], "Month", df.loc[bad_month, "Month"],
                        f"month is not {file_month}, the month of the file")
            )
        if unknown.any():
            bad.append(
                rejects(SOURCE, label, df.loc[unknown, "row"], "Crime type",
                        df.loc[unknown, "Crime type"], "unknown police.uk crime type")
            )
        df = df[~bad_month & ~unknown]
        frames.append(df.assign(force_file=force))
    if not frames:
        raise InputError(f"{root}: no police.uk street files (YYYY-MM/YYYY-MM-<force>-street.csv) found")
    raw = pd.concat(frames, ignore_index=True)
    kept = pd.DataFrame(
        {
            "crime_id": raw["Crime ID"].replace("", pd.NA).astype("string"),
            "month": pd.to_datetime(raw["Month"], format="%Y-%m"),
            "force_file": raw["force_file"].astype("string"),
            "longitude": pd.to_numeric(raw["Longitude"], errors="coerce"),
            "latitude": pd.to_numeric(raw["Latitude"], errors="coerce"),
            "location": raw["Location"].astype("string"),
            "lsoa_code": raw["LSOA code"].replace("", pd.NA).astype("string"),
            "lsoa_name": raw["LSOA name"].astype("string"),
            "crime_type": raw["Crime type"].astype("string"),
            "category": raw["Crime type"].map(STABLE_CATEGORY).astype("string"),
            "outcome": raw["Last outcome category"].astype("string"),
            "in_area": raw["LSOA code"].isin(area_lsoas),
            "file": raw["file"].astype("string"),
            "row": raw["row"].astype("int64"),
        }
    )
    return ReadResult(SOURCE, kept, concat_rejects(bad), rows_read, files or [root])
