"""load_params: valid files load with resolved paths; bad ones give one clear line per problem."""

import re
from pathlib import Path

import pytest
import yaml

from csp_analysis.config import ParamsError, load_params
from csp_analysis.periods import FinancialYear
from tests.conftest import SAMPLE_PARAMS


def _variant(tmp_path: Path, mutate) -> Path:
    """A copy of the sample params beside the sample (so relative paths still resolve)."""
    raw = yaml.safe_load(SAMPLE_PARAMS.read_text())
    mutate(raw)
    # keep relative paths valid: rewrite them against the sample's folder
    base = SAMPLE_PARAMS.parent
    for k in ("police_uk", "lsoa_lookup", "population", "boundaries", "peers"):
        if k in raw.get("data", {}):
            raw["data"][k] = str((base / raw["data"][k]).resolve())
    for k, v in raw.get("data", {}).get("partner", {}).items():
        if v:
            raw["data"]["partner"][k] = str((base / v).resolve())
    p = tmp_path / "p.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    return p


def test_sample_loads_with_paths_resolved_against_the_params_file():
    p = load_params(SAMPLE_PARAMS)
    root = SAMPLE_PARAMS.parent.parent
    assert p.data.police_uk == root / "data" / "sample" / "police_uk"
    assert p.data.partner.domestic_abuse == root / "data/sample/partner/domestic_abuse_incidents.csv"
    assert p.period.current == FinancialYear(2014)
    assert p.period.previous == FinancialYear(2013)
    assert [x.id for x in p.priorities] == [
        "domestic_abuse", "young_people", "asb", "substance_misuse",
        "road_safety", "burglary", "vehicle_crime", "theft",
    ]


def test_previous_year_defaults_to_the_year_before(tmp_path):
    p = load_params(_variant(tmp_path, lambda r: r["period"].pop("previous")))
    assert str(p.period.previous) == "2013-14"


def test_misspelt_top_level_key_names_file_key_and_suggestion(tmp_path):
    path = _variant(tmp_path, lambda r: r.update(priorites=r.pop("priorities")))
    with pytest.raises(ParamsError) as e:
        load_params(path)
    msg = str(e.value)
    assert str(path) in msg
    assert "unknown key 'priorites'" in msg and "did you mean 'priorities'" in msg
    assert "missing required key 'priorities'" in msg


def test_misspelt_nested_key_suggests_the_closest_valid_one(tmp_path):
    def mutate(r):
        r["area"]["nmae"] = r["area"].pop("name")

    with pytest.raises(ParamsError, match=r"unknown key 'area\.nmae' \(did you mean 'name'\?\)"):
        load_params(_variant(tmp_path, mutate))


def test_misspelt_key_inside_a_priority(tmp_path):
    def mutate(r):
        r["priorities"][0]["harmm"] = 5

    with pytest.raises(ParamsError, match=r"unknown key 'priorities\.0\.harmm' \(did you mean 'harm'\?\)"):
        load_params(_variant(tmp_path, mutate))


def test_wrong_type_names_key_and_value(tmp_path):
    def mutate(r):
        r["matrix"]["sensitivity_draws"] = "lots"

    with pytest.raises(ParamsError) as e:
        load_params(_variant(tmp_path, mutate))
    assert re.search(r"key 'matrix\.sensitivity_draws'.*integer.*got 'lots'", str(e.value))


def test_judgement_score_out_of_range(tmp_path):
    def mutate(r):
        r["priorities"][1]["harm"] = 7

    with pytest.raises(ParamsError, match=r"key 'priorities\.1\.harm'.*less than or equal to 5"):
        load_params(_variant(tmp_path, mutate))


def test_unknown_criterion_in_weights(tmp_path):
    def mutate(r):
        r["matrix"]["weights"]["volumes"] = 0.1

    with pytest.raises(ParamsError, match=r"unknown criterion 'volumes' \(did you mean 'volume'\?\)"):
        load_params(_variant(tmp_path, mutate))


def test_bad_financial_year(tmp_path):
    def mutate(r):
        r["period"]["current"] = "2014-16"

    with pytest.raises(ParamsError, match=r"key 'period\.current'.*consecutive"):
        load_params(_variant(tmp_path, mutate))


def test_missing_input_file_names_key_and_path(tmp_path):
    def mutate(r):
        r["data"]["partner"]["council_asb"] = "/nowhere/asb.csv"

    with pytest.raises(ParamsError, match=r"key 'data\.partner\.council_asb': file not found: /nowhere/asb\.csv"):
        load_params(_variant(tmp_path, mutate))


def test_indicator_source_without_a_file(tmp_path):
    def mutate(r):
        r["data"]["partner"].pop("youth_indicators")

    with pytest.raises(ParamsError, match=r"indicators\.youth_asb': source 'youth_indicators' has no file"):
        load_params(_variant(tmp_path, mutate))


def test_priority_without_headline_indicator(tmp_path):
    def mutate(r):
        for i in r["priorities"][6]["indicators"]:
            i["headline"] = False

    with pytest.raises(ParamsError, match=r"priority 'vehicle_crime' needs at least one indicator with headline"):
        load_params(_variant(tmp_path, mutate))


def test_missing_params_file():
    with pytest.raises(ParamsError, match=r"nope\.yaml: params file not found"):
        load_params("nope.yaml")


def test_invalid_yaml_gives_line(write):
    p = write("bad.yaml", "area:\n  name: [unclosed\n")
    with pytest.raises(ParamsError, match=r"bad\.yaml: not valid YAML at line \d+"):
        load_params(p)


def test_unknown_priority_id_suggests():
    p = load_params(SAMPLE_PARAMS)
    with pytest.raises(ParamsError, match=r"no priority 'burglery' \(did you mean 'burglary'\?\)"):
        p.priority("burglery")
