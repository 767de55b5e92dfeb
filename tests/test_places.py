"""Concentration, hotspots and repeat locations on hand-made data."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from csp_analysis import places


def test_top_shares_by_hand_with_ceiling_rounding():
    counts = pd.Series({f"L{i:02d}": c for i, c in enumerate([50, 30, 10, 5, 5] + [0] * 15)})  # 20 areas
    c = places.concentration(counts)
    # 5% of 20 = 1 area (50 of 100); 10% = 2 areas (80 of 100)
    assert c.loc[0.05, "areas"] == 1 and c.loc[0.05, "share"] == pytest.approx(0.50)
    assert c.loc[0.10, "areas"] == 2 and c.loc[0.10, "share"] == pytest.approx(0.80)
    assert (c["of_areas"] == 20).all() and (c["total"] == 100).all()


def test_zero_count_areas_are_counted_through_the_area_list():
    counts = pd.Series({"A": 10, "B": 5})
    areas = [f"L{i}" for i in range(72)] + ["A", "B"]  # 74 areas, as Sevenoaks
    c = places.concentration(counts, areas=areas)
    assert c["areas"].tolist() == [4, 8]  # ceil(3.7), ceil(7.4)
    assert c["share"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError):
        places.concentration(pd.Series({"Z": 1}), areas=["A"])


def test_exact_multiples_are_not_rounded_up():
    c = places.concentration(pd.Series(range(100), index=[f"L{i}" for i in range(100)]))
    assert c["areas"].tolist() == [5, 10]


def test_gini_by_hand():
    assert places.gini(pd.Series([0, 0, 0, 10])) == pytest.approx(0.75)  # 2*4*10/(4*10) - 5/4
    assert places.gini(pd.Series([3, 3, 3])) == pytest.approx(0.0)
    assert places.gini(pd.Series([1, 2, 3, 4])) == pytest.approx(2 * 30 / (4 * 10) - 5 / 4)  # 0.25
    assert math.isnan(places.gini(pd.Series([0, 0])))


def test_gini_equals_one_minus_twice_the_area_under_the_lorenz_curve():
    rng = np.random.default_rng(4)
    x = pd.Series(rng.poisson(3, 50) ** 2)
    lor = np.concatenate([[0], np.cumsum(np.sort(x.to_numpy())) / x.sum()])
    area = np.sum((lor[1:] + lor[:-1]) / 2) / len(x)  # trapezium rule
    assert places.gini(x) == pytest.approx(1 - 2 * area)


def test_concentration_curve_points():
    cur = places.concentration_curve(pd.Series({"A": 1, "B": 3, "C": 0, "D": 4}))
    assert pd.isna(cur["area"].iloc[0]) and cur["area"].iloc[1:].tolist() == ["D", "B", "A", "C"]
    assert cur["area_share"].tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert cur["incident_share"].tolist() == pytest.approx([0, 0.5, 0.875, 1.0, 1.0])


LSOAS = pd.DataFrame({
    "lsoa_code": ["E1", "E2", "E3", "E4"],
    "lsoa_name": ["Town 001A", "Town 001B", "Town 002A", "Town 002B"],
    "ward_code": ["W1", "W1", "W2", "W2"],
    "ward_name": ["North", "North", "South", "South"],
    "population": [1000, 2000, 1500, 500],
})


def test_hotspots_by_lsoa_and_ward_by_hand():
    rows = pd.DataFrame({"lsoa_code": ["E1"] * 6 + ["E2"] * 2 + ["E4"] * 2 + ["X9"] * 3})  # X9: not ours
    h = places.hotspots(rows, LSOAS, n=None)
    assert h.index.tolist() == ["E1", "E4", "E2", "E3"]  # E4 before E2: same count, higher rate
    assert h["count"].tolist() == [6, 2, 2, 0]
    assert h.loc["E1", "rate"] == pytest.approx(6 / 1000 * 1000)
    assert h.loc["E4", "rate"] == pytest.approx(2 / 500 * 1000)
    assert h.loc["E1", "share"] == pytest.approx(0.6) and h.loc["E1", "ward_name"] == "North"
    assert h["rank"].tolist() == [1, 2, 2, 4]
    assert set(h["verdict"]) <= {"above", "within", "below"}
    w = places.hotspots(rows, LSOAS, level="ward")
    assert w.index.tolist() == ["W1", "W2"]
    assert w.loc["W1", "count"] == 8 and w.loc["W1", "population"] == 3000 and w.loc["W1", "lsoas"] == 2
    assert w.loc["W2", "rate"] == pytest.approx(2 / 2000 * 1000)
    assert len(places.hotspots(rows, LSOAS, n=2)) == 2


def test_hotspot_verdict_flags_a_clear_outlier():
    lsoas = pd.DataFrame({"lsoa_code": [f"E{i}" for i in range(10)], "lsoa_name": list("abcdefghij"),
                          "ward_code": "W", "ward_name": "W", "population": 1500})
    counts = [30, 31, 29, 30, 32, 28, 30, 31, 29, 150]
    rows = pd.DataFrame({"lsoa_code": np.repeat([f"E{i}" for i in range(10)], counts)})
    h = places.hotspots(rows, lsoas)
    assert h.index[0] == "E9" and h.loc["E9", "verdict"] == "above"
    assert (h.drop(index="E9")["verdict"] == "within").all()


def test_repeat_locations_tell_same_named_points_apart():
    m1, m2 = pd.Timestamp("2014-04-01"), pd.Timestamp("2014-05-01")
    rows = pd.DataFrame({
        "location": ["On or near Supermarket"] * 5 + ["On or near Supermarket"] * 3 + ["On or near High St"] * 4,
        "longitude": [0.1] * 5 + [0.2] * 3 + [0.3] * 4,
        "latitude": [51.0] * 5 + [51.1] * 3 + [51.2] * 4,
        "lsoa_code": ["E1"] * 5 + ["E2"] * 3 + ["E3"] * 4,
        "month": [m1, m1, m2, m2, m2, m1, m1, m1, m1, m2, m2, m2],
        "category": ["Shoplifting"] * 4 + ["Other theft"] + ["Shoplifting"] * 3
                    + ["Anti-social behaviour"] * 4,
    })
    r = places.repeat_locations(rows, min_count=4)
    assert r[["location", "longitude", "count"]].values.tolist() == [
        ["On or near Supermarket", 0.1, 5], ["On or near High St", 0.3, 4]]
    first = r.iloc[0]
    assert first["months"] == 2 and first["top_category"] == "Shoplifting" and first["top_category_count"] == 4
    assert first["share"] == pytest.approx(5 / 12) and first["lsoa_code"] == "E1"
    assert len(places.repeat_locations(rows, min_count=3)) == 3
    assert places.repeat_locations(rows, min_count=6).empty



@settings(max_examples=60, deadline=None)
@given(hst.lists(hst.integers(0, 500), min_size=1, max_size=120))
def test_concentration_invariants(counts):
    s = pd.Series(counts, index=[f"L{i}" for i in range(len(counts))])
    c = places.concentration(s)
    g = places.gini(s)
    if sum(counts) == 0:
        assert math.isnan(g)
        return
    assert 0 <= g < 1
    for p, row in c.iterrows():
        # the busiest ceil(pN) areas hold at least their share of areas, and at most everything
        assert row["areas"] == math.ceil(p * len(counts) - 1e-9)
        assert row["areas"] / len(counts) - 1e-12 <= row["share"] <= 1
    curve = places.concentration_curve(s)
    assert np.all(np.diff(curve["incident_share"]) >= -1e-12)
    assert curve["incident_share"].iloc[-1] == pytest.approx(1.0)
