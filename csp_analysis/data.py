"""Load every input of an assessment once, validated, and cache it on disk.

``load_dataset(params)`` reads the police.uk archive, the partner files and the
lookups, and returns a :class:`Dataset`. The parsed tables are cached as parquet
under ``params.cache_dir``, keyed by the SHA-256 of every input file (and of the
reader code's version), so the second notebook kernel, and the second run, read
parquet instead of parsing CSV again. The cache is safe to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from csp_analysis.config import Params, input_files
from csp_analysis.sources import REJECT_COLUMNS, InputError, ReadResult
from csp_analysis.sources.lookups import read_lsoa_lookup, read_population
from csp_analysis.sources.partner import SPECS, read_partner
from csp_analysis.sources.police_uk import read_police_uk
from csp_analysis.sources.stats19 import read_stats19

CACHE_VERSION = "1"  # bump when a reader's output changes shape


@dataclass
class Dataset:
    """All inputs of one assessment, as tidy tables."""

    police: pd.DataFrame  # the whole archive; ``in_area`` marks the assessed area
    partner: dict[str, pd.DataFrame]  # by source name, incl. "road_casualties"
    lsoa: pd.DataFrame  # the area's LSOAs with ward, population
    accounts: pd.DataFrame  # source, files, rows_read, kept, rejected
    rejects: pd.DataFrame  # source, file, row, column, value, reason

    @property
    def area_police(self) -> pd.DataFrame:
        return self.police[self.police["in_area"]]

    def source(self, name: str) -> pd.DataFrame:
        """Rows of one source inside the area (police.uk) or as supplied (partners)."""
        if name == "police_uk":
            return self.area_police
        try:
            return self.partner[name]
        except KeyError:
            raise InputError(f"no data loaded for source '{name}': add its file under data.partner") from None

    @property
    def census_population(self) -> int:
        return int(self.lsoa["population"].sum())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_hashes(params: Params) -> dict[str, str]:
    """SHA-256 of every input file, keyed by its path."""
    return {str(p): _sha256(p) for p in input_files(params)}


def _cache_key(params: Params, hashes: dict[str, str]) -> str:
    from csp_analysis import __version__

    payload = {
        "v": [CACHE_VERSION, __version__],
        "area": [params.area.code, params.area.lsoa_name_prefix],
        "files": sorted(hashes.values()),
        "names": sorted(Path(p).name for p in hashes),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _area_lsoas(params: Params, lookup: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    area = lookup[lookup["lad_code"] == params.area.code]
    pop = population[["lsoa_code", "population"]]
    if area.empty:
        pop_area = population[population["la_code"] == params.area.code]
        if pop_area.empty:
            pop_area = population[population["lsoa_name"].str.startswith(params.area.lsoa_name_prefix)]
        if pop_area.empty:
            raise InputError(
                f"{params.source_file}: no LSOA of area code {params.area.code} (or named "
                f"'{params.area.lsoa_name_prefix}…') in {params.data.lsoa_lookup.name} or "
                f"{params.data.population.name}; check area.code"
            )
        area = pop_area[["lsoa_code", "lsoa_name"]].assign(
            ward_code=pd.NA, ward_name=pd.NA, lad_code=params.area.code, lad_name=params.area.name
        )
    out = area.merge(pop, on="lsoa_code", how="left")
    out["population"] = out["population"].fillna(0).astype("int64")
    return out.reset_index(drop=True)


def _read_all(params: Params) -> Dataset:
    lookup = read_lsoa_lookup(params.data.lsoa_lookup)
    population = read_population(params.data.population)
    lsoa = _area_lsoas(params, lookup, population)
    results: list[ReadResult] = [read_police_uk(params.data.police_uk, set(lsoa["lsoa_code"]))]
    files = params.data.partner
    for name in SPECS:
        path = getattr(files, name)
        if path is not None:
            results.append(read_partner(name, path))
    if files.road_collisions is not None and files.road_casualties is not None:
        results.append(read_stats19(files.road_collisions, files.road_casualties))
    accounts = pd.DataFrame(
        [
            {
                "source": r.source,
                "files": len(r.files),
                "rows_read": r.rows_read,
                "kept": len(r.kept),
                "rejected": len(r.rejected),
            }
            for r in results
        ]
    )
    rejected = pd.concat([r.rejected for r in results if len(r.rejected)] or
                         [pd.DataFrame(columns=REJECT_COLUMNS)], ignore_index=True)
    rejected = rejected.astype({"row": "int64"}).astype({c: "string" for c in REJECT_COLUMNS if c != "row"})
    return Dataset(
        police=results[0].kept,
        partner={r.source: r.kept for r in results[1:]},
        lsoa=lsoa,
        accounts=accounts,
        rejects=rejected,
    )


def load_dataset(params: Params, *, use_cache: bool = True) -> Dataset:
    """Read (or fetch from the cache) every input of the assessment.

    Parameters
    ----------
    params : Params
        From :func:`csp_analysis.config.load_params`.
    use_cache : bool, default True
        Read and write the parquet cache in ``params.cache_dir``.

    Returns
    -------
    Dataset
    """
    if not use_cache:
        return _read_all(params)
    key = _cache_key(params, input_hashes(params))
    folder = Path(params.cache_dir) / key
    if (folder / "done").exists():
        try:
            return _read_cache(folder)
        except (OSError, ValueError):
            pass  # unreadable cache: rebuild it
    ds = _read_all(params)
    _write_cache(ds, folder)
    return ds


def _write_cache(ds: Dataset, folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        ds.police.to_parquet(tmp / "police_uk.parquet", index=False)
        for name, df in ds.partner.items():
            df.to_parquet(tmp / f"partner-{name}.parquet", index=False)
        ds.lsoa.to_parquet(tmp / "lsoa.parquet", index=False)
        ds.accounts.to_parquet(tmp / "accounts.parquet", index=False)
        ds.rejects.to_parquet(tmp / "rejects.parquet", index=False)
        (tmp / "done").write_text("ok\n")
        try:
            os.rename(tmp, folder)  # atomic; another kernel may have won the race
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_cache(folder: Path) -> Dataset:
    partner = {
        p.stem.removeprefix("partner-"): pd.read_parquet(p)
        for p in sorted(folder.glob("partner-*.parquet"))
    }
    return Dataset(
        police=pd.read_parquet(folder / "police_uk.parquet"),
        partner=partner,
        lsoa=pd.read_parquet(folder / "lsoa.parquet"),
        accounts=pd.read_parquet(folder / "accounts.parquet"),
        rejects=pd.read_parquet(folder / "rejects.parquet"),
    )
