"""SYNTHETIC areas for ``csp-assess batch``: N small, complete, invented areas.

Used by ``benchmarks/bench_batch.py`` and ``tests/test_batch.py``. **Every row is
invented**: the areas, their codes, their LSOAs and every crime. They exist so that a
batch of many areas can be timed and tested; their figures mean nothing.

Each area (``<root>/areas/<slug>/``) has what a real area needs, in the real formats:

- ``police_uk/YYYY-MM/YYYY-MM-synthetic-street.csv``: police.uk street-level files
  (police.uk's column names, :data:`~csp_analysis.sources.police_uk.COLUMNS`), one per
  month of the two financial years compared (default April 2013 - March 2015), with the
  crime types police.uk published in each month's era
  (:data:`~csp_analysis.sources.police_uk.TYPES_BY_ERA`: 11 types to April 2013, 14 since
  May 2013). Force "Synthetic Police" (file slug ``synthetic``). Crimes have a random
  64-hex Crime ID and an outcome; anti-social behaviour has neither, as on police.uk.
- ``lookups/lsoa_lookup.csv`` (ONS form: ``LSOA11CD, LSOA11NM, WD15CD, WD15NM, LAD15CD,
  LAD15NM``) and ``lookups/population.csv`` (2011 Census form: ``lsoa_code, lsoa_name,
  la_code, la_name, all_usual_residents`` and MSOA columns). Codes are well formed but
  made up, in ranges ONS does not use: district ``E07999nnn``, LSOAs ``E019nnnnn``, wards
  ``E059nnnnn``, MSOAs ``E029nnnnn``. LSOA names are "<area name> 00nX", like ONS names.
- ``partner/action_plan_tracker.csv``: a small action plan (three actions per priority,
  two success measures each), because the action-plan review needs one.

and a params file ``<root>/params/<slug>.yaml`` (paths relative to it) with three
priorities made of police.uk indicators only (anti-social behaviour, burglary, vehicle
crime), so that one area's full run is 9 notebook executions: about 15-20 s with one
notebook at a time on a 2-core machine. Every area's ``cache_dir`` is ``<root>/.cache``:
the areas of a batch share one cache, as the areas of one partnership's server would.

Deterministic: the same ``seed`` and arguments give byte-identical files. Each area has
its own generator, seeded by ``seed`` and the area's number, so area 3 is the same
whether 4 or 40 areas are generated. Volumes: ``rows_per_month`` crimes and ASB reports a
month on average (Poisson), spread over the LSOAs by population with one hotspot LSOA;
each crime type has its own year-on-year change (x0.75 to x1.3), so that the areas rank
their priorities differently.

    python benchmarks/synthetic_areas.py /tmp/areas --areas 8   # then: csp-assess batch /tmp/areas/params
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from csp_analysis import slug
from csp_analysis.periods import FinancialYear
from csp_analysis.sources.police_uk import (
    COLUMNS,
    ERA_11,
    ERA_14,
    TYPES_BY_ERA,
    force_slug,
)

DEFAULT_SEED = 20150501
FORCE = "Synthetic Police"
LSOAS_PER_WARD = 4
# Shares of the police.uk crime types (14-type era; earlier eras map onto them below).
TYPE_SHARES = {
    "Anti-social behaviour": 0.34, "Violence and sexual offences": 0.20, "Criminal damage and arson": 0.09,
    "Burglary": 0.07, "Vehicle crime": 0.07, "Other theft": 0.07, "Shoplifting": 0.05, "Public order": 0.03,
    "Drugs": 0.025, "Other crime": 0.015, "Bicycle theft": 0.01, "Theft from the person": 0.01,
    "Robbery": 0.005, "Possession of weapons": 0.005,
}
# A type of the 11-type era takes the shares of the 14-type types it later split into.
EARLIER_NAME = {"Violence and sexual offences": "Violent crime", "Public order": "Public disorder and weapons",
                "Possession of weapons": "Public disorder and weapons", "Bicycle theft": "Other theft",
                "Theft from the person": "Other theft"}
OUTCOMES = ("Investigation complete; no suspect identified", "Unable to prosecute suspect",
            "Under investigation", "Local resolution", "Offender given a caution", "Awaiting court outcome")
STREETS = [f"On or near {a} {b}" for a in ("High", "Church", "Station", "Mill", "Park", "London", "Manor")
           for b in ("Street", "Road", "Lane", "Close", "Way")]
PRIORITIES = [
    {"id": "asb", "name": "Anti-social behaviour and criminal damage", "last_year_rank": 1, "harm": 2,
     "vulnerability": 3, "strategic_alignment": 4, "influence": 5,
     "indicators": [
         {"id": "asb_police", "label": "ASB incidents recorded by police (police.uk)", "source": "police_uk",
          "where": {"category": "Anti-social behaviour"}, "headline": True},
         {"id": "criminal_damage", "label": "Criminal damage and arson (police.uk)", "source": "police_uk",
          "where": {"category": "Criminal damage and arson"}}]},
    {"id": "burglary", "name": "Burglary", "last_year_rank": 2, "harm": 4, "vulnerability": 3,
     "strategic_alignment": 4, "influence": 3,
     "indicators": [{"id": "burglary_police", "label": "Burglary (police.uk)", "source": "police_uk",
                     "where": {"category": "Burglary"}, "headline": True}]},
    {"id": "vehicle_crime", "name": "Vehicle crime", "last_year_rank": 3, "harm": 2, "vulnerability": 1,
     "strategic_alignment": 3, "influence": 3,
     "indicators": [{"id": "vehicle_police", "label": "Vehicle crime (police.uk)", "source": "police_uk",
                     "where": {"category": "Vehicle crime"}, "headline": True}]},
]
HEADER = """\
# SYNTHETIC area {number} of {total}: every row of its data is invented
# (benchmarks/synthetic_areas.py, seed {seed}). For batch benchmarks and tests only.
"""


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _geography(number: int, name: str, n_lsoas: int, rng: np.random.Generator) -> pd.DataFrame:
    """The area's LSOAs: made-up codes, ONS-style names, wards of four, populations ~1,500."""
    i = np.arange(n_lsoas)
    msoa = i // 4 + 1
    return pd.DataFrame({
        "lsoa_code": [f"E019{number:03d}{k:02d}" for k in i],
        "lsoa_name": [f"{name} {m:03d}{'ABCD'[k % 4]}" for k, m in zip(i, msoa)],
        "msoa_code": [f"E029{number:03d}{m:02d}" for m in msoa],
        "msoa_name": [f"{name} {m:03d}" for m in msoa],
        "ward_code": [f"E059{number:03d}{k // LSOAS_PER_WARD:02d}" for k in i],
        "ward_name": [f"{name} Ward {k // LSOAS_PER_WARD + 1}" for k in i],
        "population": rng.integers(1200, 2000, n_lsoas),
        "longitude": np.round(-2.5 + number * 0.05 + rng.random(n_lsoas) * 0.04, 6),
        "latitude": np.round(52.0 + rng.random(n_lsoas) * 0.04, 6),
    })


def _types(month: pd.Timestamp) -> tuple[list[str], np.ndarray]:
    """police.uk's crime types of the month's era, with their shares."""
    era = "14 types" if month >= ERA_14 else "11 types" if month >= ERA_11 else "6 types"
    names = list(TYPES_BY_ERA[era])
    shares = dict.fromkeys(names, 0.0)
    for t, s in TYPE_SHARES.items():
        shares[t if t in shares else EARLIER_NAME.get(t, "Other crime")] += s
    p = np.array([shares[t] for t in names])
    return names, p / p.sum()


def _police_month(month: pd.Timestamp, geo: pd.DataFrame, change: dict[str, float], rows_per_month: float,
                  rng: np.random.Generator, current: FinancialYear) -> pd.DataFrame:
    names, p = _types(month)
    n = int(rng.poisson(rows_per_month))
    ctype = np.array(names, dtype=object)[rng.choice(len(names), n, p=p)]
    if current.contains(month):  # each type's own change in the assessed year: thin or add rows
        keep = rng.random(n) < np.array([min(1.0, change.get(t, 1.0)) for t in ctype])
        extra = [t for t in ctype if change.get(t, 1.0) > 1 and rng.random() < change[t] - 1]
        ctype = np.concatenate([ctype[keep], np.array(extra, dtype=object)])
        n = len(ctype)
    weight = geo["population"].to_numpy(float)
    weight[0] *= 3  # one hotspot LSOA
    where = rng.choice(len(geo), n, p=weight / weight.sum())
    asb = ctype == "Anti-social behaviour"
    ids = np.array([rng.bytes(32).hex() for _ in range(n)], dtype=object)
    outcome = np.array(OUTCOMES, dtype=object)[rng.integers(0, len(OUTCOMES), n)]
    label = f"{month:%Y-%m}"
    return pd.DataFrame({
        "Crime ID": np.where(asb, "", ids),
        "Month": label,
        "Reported by": FORCE,
        "Falls within": FORCE,
        "Longitude": (geo["longitude"].to_numpy()[where] + rng.normal(0, 0.002, n)).round(6),
        "Latitude": (geo["latitude"].to_numpy()[where] + rng.normal(0, 0.002, n)).round(6),
        "Location": np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)],
        "LSOA code": geo["lsoa_code"].to_numpy()[where],
        "LSOA name": geo["lsoa_name"].to_numpy()[where],
        "Crime type": ctype,
        "Last outcome category": np.where(asb, "", outcome),
        "Context": "",
    })[COLUMNS]


def _tracker(rng: np.random.Generator) -> pd.DataFrame:
    rows, m = [], 0
    for pi, p in enumerate(PRIORITIES):
        for a in range(3):
            action_rag = ("Green", "Amber", "Red")[rng.choice(3, p=[0.7, 0.2, 0.1])]
            for k in range(2):
                m += 1
                rows.append({
                    "action_id": f"A{pi + 1}{a + 1}", "priority_id": p["id"],
                    "action": f"Synthetic action {a + 1} on {p['name'].lower()}",
                    "lead_partner": ("District Council", FORCE, "Fire and Rescue Service")[a],
                    "action_rag": action_rag, "measure_id": f"M{m:03d}",
                    "success_measure": f"Synthetic success measure {k + 1} of action A{pi + 1}{a + 1}",
                    "measure_rag": action_rag if rng.random() < 0.8 else "Green",
                })
    return pd.DataFrame(rows)


def generate_area(root: Path, number: int, *, total: int = 1, seed: int = DEFAULT_SEED,
                  period: str = "2014-15", n_lsoas: int = 12, rows_per_month: float = 150.0) -> Path:
    """Write synthetic area ``number`` under ``root``; return its params file.

    Parameters
    ----------
    root : Path
        Output root: the area's data goes to ``root/areas/<slug>/``, its params file to
        ``root/params/<slug>.yaml``.
    number : int
        1-based area number (names "Synthetic Area 01", codes ``E07999001``...).
    total : int
        How many areas the set has (only written in the params file's header).
    seed : int
        Master seed; the area's generator is seeded by ``(seed, number)``.
    period : str
        Financial year assessed; data covers it and the year before.
    n_lsoas, rows_per_month : int, float
        Size of the area: LSOAs, and police.uk rows a month on average.
    """
    rng = np.random.default_rng([seed, number])
    name = f"Synthetic Area {number:02d}"
    area_slug = slug(name)
    folder = Path(root) / "areas" / area_slug
    geo = _geography(number, name, n_lsoas, rng)
    code = f"E07999{number:03d}"
    _write_csv(pd.DataFrame({"LSOA11CD": geo["lsoa_code"], "LSOA11NM": geo["lsoa_name"],
                             "WD15CD": geo["ward_code"], "WD15NM": geo["ward_name"],
                             "LAD15CD": code, "LAD15NM": name}), folder / "lookups" / "lsoa_lookup.csv")
    _write_csv(pd.DataFrame({"region_code": "E12999999", "region_name": "SYNTHETIC", "la_code": code,
                             "la_name": name, "msoa_code": geo["msoa_code"], "msoa_name": geo["msoa_name"],
                             "lsoa_code": geo["lsoa_code"], "lsoa_name": geo["lsoa_name"],
                             "all_usual_residents": geo["population"]}), folder / "lookups" / "population.csv")
    current = FinancialYear.parse(period)
    previous = current.previous()
    change = {t: float(rng.uniform(0.75, 1.3)) for t in TYPE_SHARES}
    force = force_slug(FORCE)
    for month in previous.months.append(current.months):
        df = _police_month(month, geo, change, rows_per_month, rng, current)
        _write_csv(df, folder / "police_uk" / f"{month:%Y-%m}" / f"{month:%Y-%m}-{force}-street.csv")
    _write_csv(_tracker(rng), folder / "partner" / "action_plan_tracker.csv")
    params = {
        "area": {"name": name, "code": code, "csp_name": f"{name} Community Safety Partnership (SYNTHETIC)",
                 "force": FORCE, "lsoa_name_prefix": f"{name} "},
        "period": {"current": str(current), "previous": str(previous)},
        "data": {"police_uk": f"../areas/{area_slug}/police_uk",
                 "lsoa_lookup": f"../areas/{area_slug}/lookups/lsoa_lookup.csv",
                 "population": f"../areas/{area_slug}/lookups/population.csv",
                 "partner": {"action_plan_tracker": f"../areas/{area_slug}/partner/action_plan_tracker.csv"},
                 "synthetic": ["police_uk", "action_plan_tracker"]},
        "priorities": PRIORITIES,
        "matrix": {"sensitivity_draws": 1000, "seed": 2015},
        "report": {"title": f"Strategic assessment {current.start_year + 1}-{(current.start_year + 2) % 100:02d} "
                            "(SYNTHETIC)",
                   "output_dir": "../reports", "kernel_name": "csp-analysis"},
        "cache_dir": "../.cache",
    }
    path = Path(root) / "params" / f"{area_slug}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER.format(number=number, total=total, seed=seed) + yaml.safe_dump(params, sort_keys=False,
                                                                                 allow_unicode=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def generate_areas(root: Path, n: int, *, seed: int = DEFAULT_SEED, **kwargs) -> list[Path]:
    """Write ``n`` synthetic areas under ``root`` (see :func:`generate_area`); return their params files."""
    return [generate_area(root, i, total=n, seed=seed, **kwargs) for i in range(1, n + 1)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="output folder (params/, areas/ and .cache/ go under it)")
    ap.add_argument("--areas", type=int, default=8, help="how many areas (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="master seed (default: %(default)s)")
    ap.add_argument("--period", default="2014-15", help="financial year assessed (default: %(default)s)")
    args = ap.parse_args(argv)
    for p in generate_areas(args.root, args.areas, seed=args.seed, period=args.period):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
