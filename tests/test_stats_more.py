"""Trend, control charts, seasonality and forecasts against hand calculations and
independent references (statsmodels fitted directly, scipy)."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as st
from statsmodels.stats import rates as sm_rates
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from csp_analysis import stats
from csp_analysis.stats import (
    ETS,
    FALLING,
    NAIVE,
    NO_TREND,
    RISING,
    RULE_LIMITS,
    RULE_RUN,
    SNAIVE,
    TOO_SHORT,
    compare_periods,
    control_limits,
    exceptions,
    forecast,
    seasonal_summary,
    seasonality,
    trend,
)

MONTHS = pd.date_range("2012-04-01", periods=36, freq="MS")


def _frame(y, index=MONTHS):
    """The same data laid out for a statsmodels formula fit, built independently."""
    index = pd.DatetimeIndex(index)
    return pd.DataFrame({
        "y": np.asarray(y, dtype=float),
        "t": np.arange(len(index)) / 12.0,
        "month": index.month,
    })


# --- compare_periods: the faster E-test gives statsmodels' own answer ------------------------

@pytest.mark.parametrize("c1,c2,e1,e2", [
    (1150, 961, 1, 1), (25, 16, 1, 1), (2033, 2130, 1, 1), (200, 100, 2.0, 1.0), (0, 7, 1, 1),
    (4, 0, 1, 1), (17, 30, 1.3, 1.0), (5000, 4800, 1, 1), (999, 1145, 1, 1),
])
def test_fast_etest_equals_statsmodels_default_grid(c1, c2, e1, e2):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm_rates.test_poisson_2indep(c1, e1, c2, e2, method="etest").pvalue
    got = compare_periods(c1, c2, current_exposure=e1, previous_exposure=e2)["p_value"]
    assert got == pytest.approx(min(max(ref, 0.0), 1.0), abs=1e-13)


# --- trend --------------------------------------------------------------------------------------

def test_trend_of_an_exactly_exponential_series_is_its_growth_rate():
    # 100 x 1.1^(t/12): a Poisson log-linear model fits it exactly, slope = ln 1.1 per year
    y = pd.Series([100 * 1.1 ** (i / 12) for i in range(36)], index=MONTHS)
    r = trend(y)
    assert r["annual_pct_change"] == pytest.approx(10.0, abs=1e-6)
    assert r["model"] == "poisson" and r["seasonal"] is True
    assert r["dispersion"] == pytest.approx(0.0, abs=1e-8)
    assert r["ci_low"] < 10.0 < r["ci_high"]
    assert r["verdict"] == RISING and r["months"] == 36


def test_trend_matches_a_poisson_glm_fitted_directly():
    rng = np.random.default_rng(7)
    mu = 80 * np.exp(-0.08 * np.arange(36) / 12 + 0.2 * np.sin(np.arange(36) * 2 * np.pi / 12))
    y = rng.poisson(mu)
    r = trend(pd.Series(y, index=MONTHS))
    ref = smf.glm("y ~ t + C(month)", _frame(y), family=sm.families.Poisson()).fit()
    disp = ref.pearson_chi2 / ref.df_resid
    assert disp <= 1.5 and r["model"] == "poisson"
    b, se = ref.params["t"], ref.bse["t"]
    assert r["annual_pct_change"] == pytest.approx(100 * (math.exp(b) - 1), rel=1e-8)
    assert r["ci_low"] == pytest.approx(100 * (math.exp(b - 1.959963984540054 * se) - 1), rel=1e-7)
    assert r["ci_high"] == pytest.approx(100 * (math.exp(b + 1.959963984540054 * se) - 1), rel=1e-7)
    assert r["p_value"] == pytest.approx(ref.pvalues["t"], rel=1e-6)
    assert r["dispersion"] == pytest.approx(disp, rel=1e-8)


def test_overdispersed_counts_switch_to_a_negative_binomial_fitted_directly():
    rng = np.random.default_rng(11)
    mu = 60 * np.exp(0.15 * np.arange(36) / 12)
    alpha = 0.15  # NB2: var = mu + alpha mu^2, far beyond Poisson
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    r = trend(pd.Series(y, index=MONTHS))
    pois = smf.glm("y ~ t + C(month)", _frame(y), family=sm.families.Poisson()).fit()
    assert pois.pearson_chi2 / pois.df_resid > 1.5
    assert r["model"] == "negative binomial"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = smf.negativebinomial("y ~ t + C(month)", _frame(y)).fit(disp=0, maxiter=500)
    assert r["annual_pct_change"] == pytest.approx(100 * (math.exp(nb.params["t"]) - 1), abs=0.05)
    assert r["nb_alpha"] == pytest.approx(nb.params["alpha"], rel=0.02)
    assert r["p_value"] == pytest.approx(nb.pvalues["t"], rel=0.02, abs=1e-6)


def test_exposure_turns_the_trend_into_a_trend_in_the_rate():
    pop = pd.Series([50_000 * 1.05 ** (i / 12) for i in range(36)], index=MONTHS)
    y = 2 / 1000 * pop  # a constant 2 per 1,000: counts grow 5% a year with the population
    assert trend(y)["annual_pct_change"] == pytest.approx(5.0, abs=1e-6)
    r = trend(y, exposure=pop)
    assert r["annual_pct_change"] == pytest.approx(0.0, abs=1e-6)
    assert r["verdict"] == NO_TREND


def test_trend_verdicts_and_short_series():
    up = pd.Series([100 * 1.3 ** (i / 12) for i in range(24)], index=MONTHS[:24])
    down = pd.Series([100 * 0.7 ** (i / 12) for i in range(24)], index=MONTHS[:24])
    assert trend(up)["verdict"] == RISING and trend(down)["verdict"] == FALLING
    short = trend(pd.Series(range(11), index=MONTHS[:11]))
    assert short["verdict"] == TOO_SHORT and math.isnan(short["annual_pct_change"])
    assert trend(up.iloc[:18])["seasonal"] is False  # under 24 months: no month-of-year terms


def test_trend_of_a_frame_gives_a_row_per_column_and_emits_no_warning():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.poisson(30, 36), "b": rng.negative_binomial(2, 0.05, 36)}, index=MONTHS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = trend(df)
    assert list(out.index) == ["a", "b"]
    assert list(out.columns) == stats.TREND_FIELDS


# --- control charts -------------------------------------------------------------------------------

def test_c_chart_limits_are_cbar_plus_minus_three_root_cbar():
    s = pd.Series([12, 20, 16, 14, 18, 16], index=MONTHS[:6])  # mean 16, sqrt 4
    cl = control_limits(s)
    assert (cl["centre"] == 16).all()
    assert (cl["ucl"] == 28).all() and (cl["lcl"] == 4).all()
    assert cl.index.equals(s.index)


def test_lower_limit_is_never_negative():
    cl = control_limits(pd.Series([3, 5, 4, 4], index=MONTHS[:4]))  # 4 - 3 x 2 < 0
    assert (cl["lcl"] == 0).all() and (cl["ucl"] == 10).all()


def test_u_chart_limits_by_hand():
    counts = pd.Series([10, 30, 20], index=MONTHS[:3])
    expo = pd.Series([1.0, 2.0, 2.0], index=MONTHS[:3])
    cl = control_limits(counts, exposure=expo, kind="u")
    u_bar = 60 / 5  # 12
    assert (cl["centre"] == u_bar).all()
    assert cl["value"].tolist() == [10, 15, 10]
    assert cl["ucl"].tolist() == pytest.approx([12 + 3 * math.sqrt(12 / 1), 12 + 3 * math.sqrt(6), 12 + 3 * math.sqrt(6)])
    assert cl["lcl"].tolist() == pytest.approx([max(0, 12 - 3 * math.sqrt(12)), 12 - 3 * math.sqrt(6), 12 - 3 * math.sqrt(6)])
    with pytest.raises(ValueError):
        control_limits(counts, kind="u")


def test_xmr_limits_use_the_mean_moving_range():
    s = pd.Series([10, 14, 12, 16], index=MONTHS[:4])  # mean 13, moving ranges 4, 2, 4 -> 10/3
    cl = control_limits(s, kind="xmr")
    assert cl["centre"].iloc[0] == 13
    assert cl["ucl"].iloc[0] == pytest.approx(13 + 3 / 1.128 * 10 / 3)
    assert cl["lcl"].iloc[0] == pytest.approx(13 - 3 / 1.128 * 10 / 3)


def test_baseline_months_set_the_limits():
    s = pd.Series([16] * 12 + [40] * 3, index=MONTHS[:15])
    cl = control_limits(s, baseline=slice(MONTHS[0], MONTHS[11]))
    assert (cl["centre"] == 16).all() and (cl["ucl"] == 28).all()
    ex = exceptions(cl)
    assert ex["month"].tolist() == list(MONTHS[12:15])
    assert set(ex["rule"]) == {RULE_LIMITS} and set(ex["side"]) == {"above"}


def test_months_outside_the_limits_are_listed_with_their_rule():
    s = pd.Series([16, 16, 30, 16, 2, 16], index=MONTHS[:6])
    cl = control_limits(s, baseline=[MONTHS[0], MONTHS[1], MONTHS[3], MONTHS[5]])  # centre 16: 4..28
    ex = exceptions(cl)
    assert ex[["month", "side"]].values.tolist() == [[MONTHS[2], "above"], [MONTHS[4], "below"]]
    assert "above the upper control limit" in ex["description"].iloc[0]


def test_runs_of_eight_on_one_side_signal_once_at_the_eighth_month():
    s = pd.Series([5] * 8 + [15] * 9, index=MONTHS[:17])  # centre ~9.7, limits ~0.4..19.1: none outside
    cl = control_limits(s)
    assert ((cl["value"] >= cl["lcl"]) & (cl["value"] <= cl["ucl"])).all()
    ex = exceptions(cl)
    assert ex["rule"].tolist() == [RULE_RUN, RULE_RUN]
    below, above = ex.iloc[0], ex.iloc[1]
    assert below["side"] == "below" and below["month"] == MONTHS[7]
    assert below["run_start"] == MONTHS[0] and below["run_end"] == MONTHS[7] and below["run_length"] == 8
    assert above["side"] == "above" and above["month"] == MONTHS[15] and above["run_length"] == 9
    assert above["run_end"] == MONTHS[16]


def test_seven_in_a_row_or_a_point_on_the_centre_line_does_not_signal():
    s = pd.Series([5] * 7 + [15] * 7, index=MONTHS[:14])  # centre 10
    assert exceptions(control_limits(s)).empty
    s = pd.Series([8] * 4 + [10] + [8] * 4 + [16, 15, 15], index=MONTHS[:12])  # centre 10: the 10 breaks the run
    cl = control_limits(s)
    assert cl["centre"].iloc[0] == 10
    assert exceptions(cl, run_length=8).empty
    assert len(exceptions(cl, run_length=4)) == 2


# --- seasonality ----------------------------------------------------------------------------------

def test_month_of_year_index_by_hand():
    y = np.full(24, 10.0)
    y[[3, 15]] = 20.0  # July (April start + 3) doubled in both years
    prof = seasonality(pd.Series(y, index=MONTHS[:24]))
    overall = (11 * 10 + 20) / 12
    assert list(prof.index) == list(range(1, 13))
    assert prof.loc[7, "index"] == pytest.approx(20 / overall)
    assert prof.loc[1, "index"] == pytest.approx(10 / overall)
    assert prof.loc[7, "month_name"] == "July" and (prof["years"] == 2).all()
    assert prof["index"].mean() == pytest.approx(1.0)


def test_only_complete_years_are_used():
    y = pd.Series(np.r_[np.full(6, 1000.0), np.full(24, 10.0)], index=MONTHS[:30])
    prof = seasonality(y)  # the last 24 months only: the six 1000s are left out
    assert (prof["mean"] == 10).all() and (prof["years"] == 2).all()
    assert seasonality(pd.Series(range(11), index=MONTHS[:11])).empty


def test_seasonality_test_matches_poisson_glms_fitted_directly():
    rng = np.random.default_rng(5)
    season = 1 + 0.3 * np.cos((np.arange(36) - 3) * 2 * np.pi / 12)
    y = rng.poisson(60 * season)
    r = seasonal_summary(pd.Series(y, index=MONTHS))
    d = _frame(y).assign(year=np.repeat([0, 1, 2], 12))
    full = smf.glm("y ~ C(year) + C(month)", d, family=sm.families.Poisson()).fit()
    reduced = smf.glm("y ~ C(year)", d, family=sm.families.Poisson()).fit()
    lr = reduced.deviance - full.deviance
    phi = full.pearson_chi2 / full.df_resid
    assert r["statistic"] == pytest.approx(lr, rel=1e-8)
    assert r["dispersion"] == pytest.approx(phi, rel=1e-8)
    expected_p = st.f.sf(lr / 11 / phi, 11, 22) if phi > 1 else st.chi2.sf(lr, 11)
    assert r["p_value"] == pytest.approx(expected_p, rel=1e-8)
    assert r["seasonal"] is True and r["years"] == 3
    prof = seasonality(pd.Series(y, index=MONTHS))
    assert r["peak_month"] == prof.loc[prof["index"].idxmax(), "month_name"]
    assert r["trough_month"] == prof.loc[prof["index"].idxmin(), "month_name"]
    assert r["sentence"].startswith(f"Counts peak in {r['peak_month']}")


def test_flat_series_has_no_seasonal_pattern():
    rng = np.random.default_rng(2)
    r = seasonal_summary(pd.Series(rng.poisson(50, 36), index=MONTHS))
    assert r["seasonal"] is False and r["sentence"].startswith("No clear seasonal pattern")


# --- forecast -------------------------------------------------------------------------------------

def _seasonal_series(seed=3, n=36, noise=5.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.Series(100 + 10 * np.sin(t * 2 * np.pi / 12) + rng.normal(0, noise, n), index=MONTHS[:n])


def test_ets_recursion_matches_statsmodels_with_the_same_states_and_parameters():
    s = _seasonal_series()
    y = s.to_numpy()
    l0, s0 = stats._ets_initial(y, 12)
    a, g = 0.3, 0.2
    cum, lev, sea = stats._ets_path(y, a, g, l0, s0, 12)
    hw = ExponentialSmoothing(s, trend=None, seasonal="add", seasonal_periods=12,
                              initialization_method="known", initial_level=l0,
                              initial_seasonal=s0).fit(smoothing_level=a, smoothing_seasonal=g,
                                                       optimized=False)
    assert cum[-1, 0] == pytest.approx(hw.sse, rel=1e-10)
    ets = ETSModel(s, error="add", trend=None, seasonal="add", seasonal_periods=12,
                   initialization_method="known", initial_level=l0, initial_seasonal=s0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ets.smooth([a, g])
    frame = res.get_prediction(start=36, end=36 + 13).summary_frame(alpha=0.05)
    fit = {"alpha": a, "gamma": g, "level": lev[-1, 0], "season": sea[-1, 0], "sse": cum[-1, 0],
           "n": 36, "m": 12}
    point, var = stats._ets_forecast(fit, 14)
    np.testing.assert_allclose(point, frame["mean"].to_numpy(), rtol=1e-10)
    # same shape of interval growth over the horizon (statsmodels' sigma^2 is SSE/n, ours SSE/(n-14))
    half = (frame["pi_upper"] - frame["mean"]).to_numpy()
    np.testing.assert_allclose(half / half[0], np.sqrt(var / var[0]), rtol=1e-10)
    assert var[0] == pytest.approx(cum[-1, 0] / (36 - 14))


def test_ets_parameters_are_as_good_as_statsmodels_optimiser():
    for seed in (3, 4, 5):
        s = _seasonal_series(seed=seed)
        y = s.to_numpy()
        l0, s0 = stats._ets_initial(y, 12)
        ref = ExponentialSmoothing(s, trend=None, seasonal="add", seasonal_periods=12,
                                   initialization_method="known", initial_level=l0,
                                   initial_seasonal=s0).fit()
        mine = stats._ets_fits(y, 12, [36])[36]
        assert mine["sse"] <= ref.sse * 1.01


def test_seasonal_naive_forecast_and_interval_by_hand():
    rng = np.random.default_rng(9)
    y = pd.Series(rng.poisson(40, 20).astype(float), index=MONTHS[:20])  # too short to backtest
    fc = forecast(y)
    assert (fc["method"] == SNAIVE).all() and "too few to backtest" in fc["note"].iloc[0]
    last_year = y.to_numpy()[8:20]
    np.testing.assert_allclose(fc["forecast"].to_numpy(), last_year)
    d = y.to_numpy()[12:] - y.to_numpy()[:8]
    sd = math.sqrt(np.mean(d ** 2))
    np.testing.assert_allclose(fc["hi95"].to_numpy(), last_year + 1.959963984540054 * sd)
    np.testing.assert_allclose(fc["hi80"].to_numpy(), last_year + 1.2815515655446004 * sd)
    np.testing.assert_allclose(fc["lo95"].to_numpy(), np.clip(last_year - 1.959963984540054 * sd, 0, None))
    assert fc.index[0] == pd.Timestamp("2013-12-01") and fc.index.name == "month"
    # beyond one season the variance doubles
    fc24 = forecast(y, horizon=24)
    assert fc24["hi95"].iloc[12] - fc24["forecast"].iloc[12] == pytest.approx(1.959963984540054 * sd * math.sqrt(2))


def test_very_short_series_falls_back_to_naive():
    fc = forecast(pd.Series([5.0, 7, 6, 8, 9, 7, 8, 10, 9, 11], index=MONTHS[:10]), horizon=3)
    assert (fc["method"] == NAIVE).all() and (fc["forecast"] == 11).all()
    sd = math.sqrt(np.mean(np.diff([5.0, 7, 6, 8, 9, 7, 8, 10, 9, 11]) ** 2))
    np.testing.assert_allclose(fc["hi95"] - fc["forecast"], 1.959963984540054 * sd * np.sqrt([1, 2, 3]))


def test_backtest_baseline_error_by_hand_and_the_method_rule():
    s = _seasonal_series(seed=8, noise=8.0)
    y = s.to_numpy()
    bt = stats.backtest(s)
    errs = [abs(y[k + h - 1] - y[k + h - 1 - 12]) for k in range(24, 36) for h in range(1, 37 - k)]
    assert bt.loc[SNAIVE, "errors"] == len(errs) == 78
    assert bt.loc[SNAIVE, "mae"] == pytest.approx(np.mean(errs))
    fc = forecast(s)
    expected = ETS if bt.loc[ETS, "mae"] < bt.loc[SNAIVE, "mae"] else SNAIVE
    assert (fc["method"] == expected).all()


def test_ets_wins_on_a_shifting_level_and_loses_to_nothing_it_should_not():
    # a level that steps up each year: last year's value lags behind, ETS tracks it
    rng = np.random.default_rng(0)
    lvl = np.repeat([100.0, 130.0, 160.0], 12) + np.tile([0, 5, 10, 5, 0, -5, -10, -5, 0, 5, 10, 5], 3)
    s = pd.Series(lvl + rng.normal(0, 2, 36), index=MONTHS)
    fc = forecast(s)
    assert (fc["method"] == ETS).all() and fc["note"].iloc[0].startswith("ETS chosen")
    # a pure repeating pattern: seasonal naive is exact, ETS cannot beat it
    rep = pd.Series(np.tile(np.arange(12) * 3.0 + 20, 3), index=MONTHS)
    assert (forecast(rep)["method"] == SNAIVE).all()


def test_forecast_frame_shape_and_order_of_limits():
    fc = forecast(_seasonal_series())
    assert list(fc.columns) == stats.FORECAST_COLUMNS and len(fc) == 12
    assert fc.index.equals(pd.date_range("2015-04-01", periods=12, freq="MS", name="month"))
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["forecast"]).all()
    assert (fc["forecast"] <= fc["hi80"]).all() and (fc["hi80"] <= fc["hi95"]).all()
    assert (fc[["forecast", "lo95"]] >= 0).all().all()


def test_forecasts_for_eight_series_are_fast():
    import time

    series = [_seasonal_series(seed=i) for i in range(8)]
    forecast(series[0])
    t = time.perf_counter()
    for s in series:
        forecast(s)
    assert time.perf_counter() - t < 1.0


def test_a_gap_leaves_out_the_months_before_it():
    s = _seasonal_series()
    gappy = s.drop(MONTHS[5])
    fc = forecast(gappy)
    assert "September 2012 (missing) not used" in fc["note"].iloc[0]
    assert (fc["method"] == SNAIVE).all()  # 30 months after the gap: too few to backtest
    np.testing.assert_allclose(fc["forecast"].to_numpy(), s.to_numpy()[24:])
