"""Repeat victimisation on a hand-made incident table."""

import math

import pandas as pd
import pytest

from csp_analysis.victims import repeat_victimisation, victim_frequency

# v1: 3 incidents, v2: 2, v3: 1, v4: 1, plus one incident with no victim id -> 8 incidents
TABLE = pd.DataFrame({
    "victim_id": ["v1", "v1", "v1", "v2", "v2", "v3", "v4", None],
    "year": ["2013-14", "2013-14", "2014-15", "2014-15", "2014-15", "2013-14", "2014-15", "2014-15"],
})


def test_incidence_prevalence_concentration_by_hand():
    r = repeat_victimisation(TABLE, population=2000)
    assert r["incidents"] == 8 and r["victims"] == 4 and r["unidentified"] == 1
    assert r["incidence_per_1000"] == pytest.approx(8 / 2000 * 1000)  # 4.0
    assert r["prevalence_per_1000"] == pytest.approx(4 / 2000 * 1000)  # 2.0
    assert r["concentration"] == pytest.approx(7 / 4)  # identified incidents per victim
    assert r["repeat_victims"] == 2 and r["repeat_share"] == pytest.approx(0.5)
    assert r["repeat_incident_share"] == pytest.approx(5 / 7)
    assert r["max_incidents"] == 3


def test_victims_are_counted_within_each_period():
    df = repeat_victimisation(TABLE, population=1000, by="year")
    assert list(df.index) == ["2013-14", "2014-15"]
    # 2013-14: v1 x2, v3 x1 -> 3 incidents, 2 victims, 1 repeat
    assert df.loc["2013-14", ["incidents", "victims", "repeat_victims"]].tolist() == [3, 2, 1]
    # 2014-15: v1 x1, v2 x2, v4 x1, one unidentified -> 5 incidents, 3 victims, 1 repeat (v2)
    assert df.loc["2014-15", ["incidents", "victims", "repeat_victims", "unidentified"]].tolist() == [5, 3, 1, 1]
    assert df.loc["2014-15", "repeat_share"] == pytest.approx(1 / 3)
    assert df.loc["2014-15", "concentration"] == pytest.approx(4 / 3)


def test_without_population_rates_are_missing_and_missing_column_fails():
    r = repeat_victimisation(TABLE)
    assert math.isnan(r["incidence_per_1000"]) and r["victims"] == 4
    with pytest.raises(KeyError, match="victim"):
        repeat_victimisation(TABLE.drop(columns="victim_id"))


def test_victim_frequency_bands():
    f = victim_frequency(TABLE, top=3)
    assert list(f.index) == ["1", "2", "3+"]
    assert f["victims"].tolist() == [2, 1, 1] and f["incidents"].tolist() == [2, 2, 3]
    assert f["victim_share"].sum() == pytest.approx(1.0)
