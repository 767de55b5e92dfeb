"""compare_periods against hand calculation and independent references (scipy's exact binomial test)."""

import math

import pandas as pd
import pytest
from scipy.stats import binomtest

from csp_analysis.stats import DECREASE, INCREASE, NO_CHANGE, compare_periods

# The seed report's own counts (previous → current) and % changes worked by hand:
# e.g. ASB (2066 − 2146) / 2146 = −3.728% → −3.7.
SEED = [
    ("ASB", 2146, 2066, -3.7),
    ("burglary dwelling", 421, 443, 5.2),
    ("burglary other than dwelling", 743, 566, -23.8),
    ("theft of motor vehicle", 179, 172, -3.9),
    ("theft from motor vehicle", 594, 510, -14.1),
    ("domestic abuse", 961, 1150, 19.7),
    ("business crime", 1340, 1451, 8.3),
    ("repeat DA victims", 279, 262, -6.1),
]


@pytest.mark.parametrize("name,prev,cur,pct", SEED)
def test_seed_report_changes(name, prev, cur, pct):
    r = compare_periods(cur, prev)
    assert r["change"] == cur - prev
    assert r["pct_change"] == pct
    # Independent reference: conditional on the total, the current count is binomial(n, 1/2)
    # when the rate has not changed (equal exposure). Its exact test gives the same verdict.
    ref_p = binomtest(cur, cur + prev, 0.5).pvalue
    expected = NO_CHANGE if ref_p >= 0.05 else (INCREASE if cur > prev else DECREASE)
    assert r["verdict"] == expected
    assert r["p_value"] == pytest.approx(ref_p, rel=0.25, abs=1e-4)


def test_which_seed_changes_are_significant():
    verdicts = {n: compare_periods(c, p)["verdict"] for n, p, c, _ in SEED}
    assert verdicts == {
        "ASB": NO_CHANGE,
        "burglary dwelling": NO_CHANGE,
        "burglary other than dwelling": DECREASE,
        "theft of motor vehicle": NO_CHANGE,
        "theft from motor vehicle": DECREASE,
        "domestic abuse": INCREASE,
        "business crime": INCREASE,
        "repeat DA victims": NO_CHANGE,
    }


def test_16_to_25_is_not_significant():
    # methodology notes: "A change from 16 to 25 is not significant (p ≈ 0.17)"
    r = compare_periods(25, 16)
    assert r["verdict"] == NO_CHANGE
    assert 0.15 < r["p_value"] < 0.19


def test_confidence_interval_is_the_exact_conditional_interval():
    r = compare_periods(1150, 961)
    ci = binomtest(1150, 2111, 0.5).proportion_ci(0.95, method="exact")
    assert r["rate_ratio"] == pytest.approx(1150 / 961)
    assert r["ci_low"] == pytest.approx(ci.low / (1 - ci.low))
    assert r["ci_high"] == pytest.approx(ci.high / (1 - ci.high))
    assert r["ci_low"] > 1  # significant rise: interval above 1


def test_population_aware():
    # twice the count in twice the population is the same rate
    r = compare_periods(200, 100, current_exposure=2.0, previous_exposure=1.0)
    assert r["rate_ratio"] == pytest.approx(1.0)
    assert r["verdict"] == NO_CHANGE
    assert compare_periods(200, 100)["verdict"] == INCREASE


def test_zero_counts():
    r = compare_periods(5, 0)
    assert math.isnan(r["pct_change"]) and r["rate_ratio"] == math.inf and r["ci_high"] == math.inf
    assert compare_periods(0, 0)["verdict"] == NO_CHANGE


def test_series_in_dataframe_out():
    cur = pd.Series({"a": 1150, "b": 172})
    prev = pd.Series({"b": 179, "a": 961})
    df = compare_periods(cur, prev)
    assert list(df.index) == ["a", "b"]
    assert df.loc["a", "verdict"] == INCREASE and df.loc["b", "previous"] == 179


def test_rejects_negative_or_fractional_counts():
    with pytest.raises(ValueError):
        compare_periods(-1, 3)
    with pytest.raises(ValueError):
        compare_periods(2.5, 3)
