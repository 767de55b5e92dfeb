"""Peer rates and funnel-plot limits: hand calculations and scipy cross-checks."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, poisson

from csp_analysis import peers
from tests.conftest import ROOT


def _cdf(k: int, mu: float) -> float:
    """Poisson cumulative probability by direct summation (no scipy)."""
    term, total = math.exp(-mu), 0.0
    for i in range(k + 1):
        total += term
        term *= mu / (i + 1)
    return total


@pytest.mark.parametrize("mu,p", [(10.0, 0.975), (10.0, 0.025), (50.0, 0.999), (50.0, 0.001), (3.2, 0.9)])
def test_poisson_limit_is_the_interpolated_quantile(mu, p):
    r = int(poisson.ppf(p, mu))
    # r is the smallest count with F(r) >= p, checked by hand
    assert _cdf(r, mu) >= p > (_cdf(r - 1, mu) if r > 0 else 0)
    a = (_cdf(r, mu) - p) / (_cdf(r, mu) - _cdf(r - 1, mu))
    got = peers.poisson_limit(mu, p)
    assert got == pytest.approx(r - a, rel=1e-9)
    assert r - 1 <= got <= r


def test_large_counts_approach_the_normal_limits():
    mu = 10_000.0
    assert peers.poisson_limit(mu, 0.975) == pytest.approx(mu + 1.96 * math.sqrt(mu), abs=1.0)
    assert peers.poisson_limit(mu, 0.001) == pytest.approx(mu - 3.09 * math.sqrt(mu), abs=1.0)


def test_overdispersion_factor_with_ten_percent_winsorising_by_hand():
    z = [-3, -1, -0.5, 0, 0, 0.5, 1, 1.5, 2, 6]
    # 10th percentile: -3 + 0.9 x 2 = -1.2; 90th: 2 + 0.1 x 4 = 2.4
    zw = [-1.2, -1, -0.5, 0, 0, 0.5, 1, 1.5, 2, 2.4]
    phi, significant = peers.overdispersion(z)
    assert phi == pytest.approx(np.mean(np.square(zw)))  # 1.595
    assert phi == pytest.approx(1.595)
    assert significant == (10 * 1.595 > chi2.ppf(0.95, 9))  # 15.95 < 16.92: not significant


def test_funnel_limits_without_overdispersion():
    pops = pd.Series({"a": 100_000, "b": 50_000, "c": 150_000, "d": 200_000})
    counts = pd.Series({"a": 500, "b": 250, "c": 750, "d": 1000})  # everyone at 5 per 1,000
    f = peers.funnel_limits(counts, pops)
    assert (f["group_rate"] == 5.0).all() and (f["verdict"] == "within").all()
    assert not f["overdispersed"].any()
    mu = 0.005 * 50_000
    assert f.loc["b", "hi998"] == pytest.approx(peers.poisson_limit(mu, 0.999) / 50_000 * 1000)
    assert f.loc["b", "lo95"] == pytest.approx(peers.poisson_limit(mu, 0.025) / 50_000 * 1000)
    # limits narrow as the population grows: the funnel
    assert f.loc["b", "hi998"] > f.loc["a", "hi998"] > f.loc["c", "hi998"] > f.loc["d", "hi998"]


def test_funnel_verdicts_and_the_multiplicative_widening():
    pops = pd.Series(100_000.0, index=[f"d{i}" for i in range(12)])
    counts = pd.Series([400, 450, 500, 520, 480, 610, 390, 550, 470, 530, 505, 900],
                       index=pops.index, dtype=float)
    plain = peers.funnel_limits(counts, pops, overdispersion_adjust=False)
    theta = counts.sum() / pops.sum()
    z = (counts - theta * pops) / np.sqrt(theta * pops)
    assert plain["z"].to_numpy() == pytest.approx(z.to_numpy())
    assert plain.loc["d11", "verdict"] == "above"
    adj = peers.funnel_limits(counts, pops)
    phi = adj["phi"].iloc[0]
    lo, hi = np.quantile(z, [0.1, 0.9])
    assert phi == pytest.approx(np.mean(np.clip(z, lo, hi) ** 2))
    assert adj["overdispersed"].all()
    g = theta * 1000
    for col in ("lo95", "hi95", "lo998", "hi998"):
        expected = g + math.sqrt(phi) * (plain[col] - g)
        assert adj[col].to_numpy() == pytest.approx(np.clip(expected, 0, None).to_numpy())
    # d11 is still far out once the limits are widened; the rest are within
    assert adj.loc["d11", "verdict"] == "above"
    assert (adj.drop(index="d11")["verdict"] == "within").all()


def test_funnel_curve_matches_the_unit_limits():
    pops = pd.Series({"a": 80_000.0, "b": 120_000.0})
    f = peers.funnel_limits(pd.Series({"a": 400.0, "b": 640.0}), pops, overdispersion_adjust=False)
    curve = peers.funnel_curve(f["group_rate"].iloc[0], [80_000, 120_000])
    assert curve["hi998"].to_numpy() == pytest.approx(f["hi998"].to_numpy())
    assert curve["lo95"].to_numpy() == pytest.approx(f["lo95"].to_numpy())


POP = pd.DataFrame({
    "lsoa_code": ["A1", "A2", "B1", "C1"],
    "la_code": ["LA_A", "LA_A", "LA_B", "LA_C"],
    "la_name": ["Alpha", "Alpha", "Beta", "Gamma"],
    "all_usual_residents": [1000, 1000, 4000, 500],
})


def test_peer_rates_by_hand():
    m1, m2 = pd.Timestamp("2014-01-01"), pd.Timestamp("2014-02-01")
    rows = pd.DataFrame({
        "lsoa_code": ["A1", "A2", "B1", "B1", "B1", "C1", None, "Z9"],
        "month": [m1, m2, m1, m1, m2, m2, m1, m1],
        "category": ["Burglary", "Burglary", "Burglary", "Drugs", "Burglary", "Burglary", "Burglary", "Burglary"],
    })
    r = peers.peer_rates(rows, POP, categories="Burglary")
    assert r["count"].to_dict() == {"LA_A": 2, "LA_B": 2, "LA_C": 1}  # no-LSOA and outside rows dropped
    assert r["population"].to_dict() == {"LA_A": 2000, "LA_B": 4000, "LA_C": 500}
    assert r.loc["LA_A", "rate"] == pytest.approx(1.0) and r.loc["LA_C", "rate"] == pytest.approx(2.0)
    assert (r["months"] == 2).all() and r.loc["LA_A", "annual_rate"] == pytest.approx(6.0)
    r1 = peers.peer_rates(rows, POP, months=[m1])
    assert r1["count"].to_dict() == {"LA_A": 1, "LA_B": 2, "LA_C": 0}
    assert r1.loc["LA_B", "annual_rate"] == pytest.approx(2 / 4000 * 1000 * 12)
    d = peers.district_populations(POP)
    assert d.loc["LA_A", "lsoas"] == 2 and d.loc["LA_A", "la_name"] == "Alpha"


def test_area_verdicts_agree_with_funnel_limits():
    rows = pd.DataFrame({"lsoa_code": ["A1"] * 4 + ["B1"] * 8 + ["C1"] * 1,
                         "month": pd.Timestamp("2014-01-01"), "category": "Burglary"})
    v = peers.area_verdicts(rows, POP, area_code="LA_A", categories=["Burglary", "Robbery"])
    f = peers.funnel_limits(pd.Series({"LA_A": 4, "LA_B": 8, "LA_C": 1}),
                            pd.Series({"LA_A": 2000, "LA_B": 4000, "LA_C": 500}))
    assert v.loc["Burglary", "rate"] == pytest.approx(2.0) and v.loc["Burglary", "of"] == 3
    assert v.loc["Burglary", "hi998"] == pytest.approx(f.loc["LA_A", "hi998"])
    assert v.loc["Burglary", "verdict"] == f.loc["LA_A", "verdict"]
    assert v.loc["Robbery", "count"] == 0
    with pytest.raises(KeyError):
        peers.area_verdicts(rows, POP, area_code="LA_Z", categories=["Burglary"])


def test_whole_force_file_agrees_with_the_sample_for_sevenoaks():
    """The Kent file (Jan-Nov 2014) and the sample come from the same police.uk download."""
    from csp_analysis.config import load_params
    from csp_analysis.data import load_dataset
    from csp_analysis.sources.lookups import read_population
    from csp_analysis.sources.police_uk import read_police_uk

    params = load_params(ROOT / "params" / "sample.yaml")
    ds = load_dataset(params)
    kent = read_police_uk(ROOT / "data/sample/police_uk_kent/kent-2014-01-to-2014-11.zip",
                          set(ds.lsoa["lsoa_code"])).kept
    months = pd.date_range("2014-01-01", "2014-11-01", freq="MS")
    pop = read_population(params.data.population)
    r = peers.peer_rates(kent, pop, months=months)
    assert len(r) == 13  # the 12 Kent districts and Medway
    area = ds.area_police[ds.area_police["month"].isin(months)]
    assert r.loc["E07000111", "count"] == len(area)
