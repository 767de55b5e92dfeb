"""The synthetic partner data: reproducible, and calibrated to the 2014-15 annual report.

Expected figures are typed from ``reference/sevenoaks-csp-annual-report-2014-15.txt``,
not taken from the generator, and recomputed here from the written CSVs with pandas.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csp_analysis.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
PARTNER = ROOT / "data" / "sample" / "partner"
LOOKUPS = ROOT / "data" / "sample" / "lookups"
DFT_STATS19 = ROOT / "tests" / "fixtures" / "stats19"  # real DfT format samples
OTHER_SEED = 7

CSV_NAMES = [
    "action_plan_tracker.csv",
    "business_crime.csv",
    "council_asb_reports.csv",
    "domestic_abuse_incidents.csv",
    "public_concern_survey.csv",
    "road_casualties.csv",
    "road_collisions.csv",
    "substance_misuse_indicators.csv",
    "youth_indicators.csv",
]
PRIORITIES = {
    "domestic_abuse",
    "young_people",
    "asb",
    "substance_misuse",
    "road_safety",
    "burglary",
    "vehicle_crime",
    "theft",
}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("default")
    generate(out, lookups_dir=LOOKUPS)
    return out


@pytest.fixture(scope="module")
def other_seed_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("other_seed")
    generate(out, lookups_dir=LOOKUPS, seed=OTHER_SEED)
    return out


def financial_year(dates: pd.Series) -> pd.Series:
    """'2014-15' for any date from 1 April 2014 to 31 March 2015."""
    start = dates.dt.year - (dates.dt.month < 4).astype(int)
    return start.astype(str) + "-" + ((start + 1) % 100).astype(str).str.zfill(2)


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def sevenoaks_lsoas() -> set[str]:
    census = pd.read_csv(LOOKUPS / "census2011_lsoa_population_kent_medway.csv", dtype=str)
    return set(census.loc[census["la_name"] == "Sevenoaks", "lsoa_code"])


# --------------------------------------------------------------------------- reproducibility


def test_committed_files_are_what_the_generator_writes(default_run):
    assert sorted(p.name for p in PARTNER.glob("*.csv")) == CSV_NAMES
    for name in CSV_NAMES + ["README.md"]:
        assert (PARTNER / name).read_bytes() == (default_run / name).read_bytes(), (
            f"{name} differs from the generator's output: run "
            "python -m csp_analysis.synthetic --out data/sample/partner "
            "--lookups data/sample/lookups"
        )


def test_same_seed_gives_same_bytes(default_run, tmp_path):
    written = generate(tmp_path, lookups_dir=LOOKUPS)
    assert sorted(p.name for p in written.values()) == sorted(CSV_NAMES + ["README.md"])
    for name in CSV_NAMES:
        assert (tmp_path / name).read_bytes() == (default_run / name).read_bytes(), name


def test_other_seed_gives_other_rows(default_run, other_seed_run):
    for name in CSV_NAMES:
        assert (other_seed_run / name).read_bytes() != (default_run / name).read_bytes(), name


def test_files_are_utf8_with_unix_line_ends():
    for name in CSV_NAMES:
        data = (PARTNER / name).read_bytes()
        data.decode("utf-8")
        assert b"\r\n" not in data and data.endswith(b"\n"), name


# --------------------------------------------------------------------------- calibration

CALIBRATED_FOLDERS = ["committed", "other_seed"]


@pytest.fixture(params=CALIBRATED_FOLDERS)
def folder(request, other_seed_run) -> Path:
    return PARTNER if request.param == "committed" else other_seed_run


def test_domestic_abuse_incidents_and_repeat_victims(folder):
    da = read(folder, "domestic_abuse_incidents.csv")
    da["fy"] = financial_year(pd.to_datetime(da["date"], format="%Y-%m-%d"))
    incidents = da.groupby("fy").size()
    # "1150 reports of Domestic Abuse to Police an increase of 189"
    assert incidents["2014-15"] == 1150
    assert incidents["2013-14"] == 961
    per_victim = da.groupby(["fy", "victim_id"]).size()
    repeat_victims = (per_victim >= 2).groupby(level="fy").sum()
    # "repeat victims have seen a decrease of 279 to 262"
    assert repeat_victims["2013-14"] == 279
    assert repeat_victims["2014-15"] == 262


def test_council_asb_reports(folder):
    asb = read(folder, "council_asb_reports.csv")
    counts = financial_year(pd.to_datetime(asb["date"])).value_counts()
    # "141 reports of anti social behaviour ... a decrease of 11"
    assert counts["2014-15"] == 141
    assert counts["2013-14"] == 152


def test_business_crime(folder):
    bc = read(folder, "business_crime.csv")
    counts = financial_year(pd.to_datetime(bc["date"])).value_counts()
    # "1451 reports of Business Crime to the Police. This is an increase of 111"
    assert counts["2014-15"] == 1451
    assert counts["2013-14"] == 1340


def test_kenward_trust_outreach(folder):
    youth = read(folder, "youth_indicators.csv")
    youth["count"] = youth["count"].astype(int)
    youth["fy"] = financial_year(pd.to_datetime(youth["month"], format="%Y-%m"))
    outreach = youth[youth["indicator"] == "young_people_engaged_outreach"]
    # "Kenward Trust has worked with 362 young people"
    assert outreach.groupby("fy")["count"].sum()["2014-15"] == 362


def test_action_plan_rag(folder):
    plan = read(folder, "action_plan_tracker.csv")
    actions = plan.drop_duplicates("action_id")
    # "93% of the success measures were green and 86% of the actions were green" (50 actions)
    assert len(actions) == 50
    assert (actions["action_rag"] == "Green").sum() == 43
    assert plan["measure_id"].is_unique and len(plan) == 72
    assert (plan["measure_rag"] == "Green").sum() == 67
    assert set(plan["action_rag"]) | set(plan["measure_rag"]) <= {"Green", "Amber", "Red"}
    assert set(plan["priority_id"]) == PRIORITIES
    # one action, one priority/text/lead/RAG; 1-2 measures each
    assert (
        (plan.groupby("action_id")[["priority_id", "action", "action_rag"]].nunique() == 1)
        .all()
        .all()
    )
    assert plan.groupby("action_id").size().between(1, 2).all()


# --------------------------------------------------------------------------- shape and codes

COLUMNS = {
    "domestic_abuse_incidents.csv": "incident_id,date,victim_id,lsoa_code,repeat_victim,"
    "risk_level,recorded_as",
    "council_asb_reports.csv": "report_id,date,lsoa_code,category",
    "business_crime.csv": "incident_id,date,lsoa_code,business_type,offence",
    "youth_indicators.csv": "month,indicator,count",
    "substance_misuse_indicators.csv": "month,indicator,count",
    "public_concern_survey.csv": "respondent_id,survey_year,ward_code,issue,concerned",
    "action_plan_tracker.csv": "action_id,priority_id,action,lead_partner,action_rag,measure_id,"
    "success_measure,measure_rag",
    "road_casualties.csv": "accident_index,accident_year,accident_reference,vehicle_reference,"
    "casualty_reference,casualty_class,sex_of_casualty,age_of_casualty,age_band_of_casualty,"
    "casualty_severity,pedestrian_location,pedestrian_movement,car_passenger,"
    "bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,"
    "casualty_home_area_type,casualty_imd_decile",
}


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_columns(name):
    header = (PARTNER / name).read_text("utf-8").split("\n", 1)[0]
    assert header == COLUMNS[name]


def test_collision_header_is_dft_2021_format():
    dft = (DFT_STATS19 / "ropensci_accidents_sample_raw.csv").read_text("utf-8")
    ours = (PARTNER / "road_collisions.csv").read_text("utf-8")
    assert ours.split("\n", 1)[0] == dft.splitlines()[0]


def test_all_places_are_sevenoaks():
    lsoas = sevenoaks_lsoas()
    assert len(lsoas) == 74
    for name, column in [
        ("domestic_abuse_incidents.csv", "lsoa_code"),
        ("council_asb_reports.csv", "lsoa_code"),
        ("business_crime.csv", "lsoa_code"),
        ("road_collisions.csv", "lsoa_of_accident_location"),
    ]:
        assert set(read(PARTNER, name)[column]) <= lsoas, name
    wards = pd.read_csv(LOOKUPS / "ons_lsoa11_to_wd15_sevenoaks.csv", dtype=str)
    assert set(read(PARTNER, "public_concern_survey.csv")["ward_code"]) <= set(wards["WD15CD"])


def test_dates_cover_three_financial_years():
    for name in ["domestic_abuse_incidents.csv", "council_asb_reports.csv", "business_crime.csv"]:
        dates = pd.to_datetime(read(PARTNER, name)["date"], format="%Y-%m-%d")
        assert dates.min() >= pd.Timestamp("2012-04-01") and dates.max() <= pd.Timestamp(
            "2015-03-31"
        )
        assert set(financial_year(dates)) == {"2012-13", "2013-14", "2014-15"}, name
    collisions = read(PARTNER, "road_collisions.csv")
    dates = pd.to_datetime(collisions["date"], format="%d/%m/%Y")
    assert dates.min() >= pd.Timestamp("2012-04-01") and dates.max() <= pd.Timestamp("2015-03-31")
    months = [p.strftime("%Y-%m") for p in pd.period_range("2012-04", "2015-03", freq="M")]
    for name in ["youth_indicators.csv", "substance_misuse_indicators.csv"]:
        table = read(PARTNER, name)
        for indicator, rows in table.groupby("indicator"):
            assert sorted(rows["month"]) == months, (name, indicator)


def test_repeat_victim_flag_means_incident_in_previous_365_days():
    da = read(PARTNER, "domestic_abuse_incidents.csv")
    da["date"] = pd.to_datetime(da["date"])
    da = da.sort_values(["victim_id", "date"])
    gap = da.groupby("victim_id")["date"].diff()
    expected = (gap <= pd.Timedelta(days=365)).map({True: "Y", False: "N"})
    assert (da["repeat_victim"] == expected).all()
    assert da["incident_id"].is_unique
    # some victims come back in a later year
    fy = financial_year(da["date"])
    assert (fy.groupby(da["victim_id"]).nunique() > 1).sum() > 50


def test_coded_values():
    da = read(PARTNER, "domestic_abuse_incidents.csv")
    assert set(da["risk_level"]) == {"standard", "medium", "high"}
    assert set(da["recorded_as"]) == {"crime", "non-crime"}
    asb = read(PARTNER, "council_asb_reports.csv")
    assert set(asb["category"]) == {
        "noise",
        "neighbour dispute",
        "youth nuisance",
        "environmental",
        "other",
    }
    bc = read(PARTNER, "business_crime.csv")
    assert set(bc["business_type"]) == {"retail", "licensed premises", "other commercial"}
    assert set(bc["offence"]) == {
        "shoplifting",
        "theft other",
        "criminal damage",
        "burglary non-dwelling",
        "fraud",
        "violence",
    }
    survey = read(PARTNER, "public_concern_survey.csv")
    assert set(survey["issue"]) == PRIORITIES
    assert set(survey["concerned"]) == {"yes", "no"}
    assert set(survey["survey_year"]) == {"2013-14", "2014-15"}
    assert (survey.groupby(["respondent_id"]).size() == 8).all()


def test_road_collisions_and_casualties_agree():
    collisions = read(PARTNER, "road_collisions.csv")
    casualties = read(PARTNER, "road_casualties.csv")
    assert collisions["accident_index"].is_unique
    assert (collisions["accident_index"].str[4:6] == "46").all()
    assert (
        collisions["accident_index"]
        == collisions["accident_year"] + collisions["accident_reference"]
    ).all()
    kent_sevenoaks = collisions[
        ["police_force", "local_authority_district", "local_authority_ons_district"]
    ].drop_duplicates()
    assert kent_sevenoaks.values.tolist() == [["46", "538", "E07000111"]]
    per_collision = casualties.groupby("accident_index").size()
    declared = collisions.set_index("accident_index")["number_of_casualties"].astype(int)
    assert per_collision.reindex(declared.index).eq(declared).all()
    # collision severity is its most severe casualty's
    worst = (
        casualties.assign(s=casualties["casualty_severity"].astype(int))
        .groupby("accident_index")["s"]
        .min()
    )
    assert (
        worst.reindex(declared.index)
        .eq(collisions.set_index("accident_index")["accident_severity"].astype(int))
        .all()
    )
    assert set(casualties["casualty_severity"]) <= {"1", "2", "3"}
