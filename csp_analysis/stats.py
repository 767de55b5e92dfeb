"""Statistics that tell a real change from noise.

Every figure the report quotes carries its test and verdict:

* :func:`compare_periods`: this year against last, counts compared as Poisson rates
  (the E-test of Krishnamoorthy & Thomson, as implemented by statsmodels
  ``test_poisson_2indep``), population-aware when exposures differ;
* :func:`trend`: annual % change from a Poisson (or, when over-dispersed, negative
  binomial) regression of monthly counts with month-of-year terms;
* :func:`control_limits` and :func:`exceptions`: c-, u- and XmR control charts with
  the limit and run rules;
* :func:`seasonality` and :func:`seasonal_summary`: month-of-year profile, peak and
  trough, and a test of whether the pattern is more than noise;
* :func:`forecast` and :func:`backtest`: 12 months ahead with 80/95% intervals, ETS or
  the seasonal-naive baseline, whichever forecast better in a rolling-origin backtest.

Methods, rules and references: docs/statistics.md.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pandas as pd

# scipy and statsmodels are imported inside the functions that use them: they cost a
# notebook kernel over a second to import, and kernels that read cached results need neither.

INCREASE = "significant increase"
DECREASE = "significant decrease"
NO_CHANGE = "no significant change"

FIELDS = [
    "current",
    "previous",
    "change",
    "pct_change",
    "rate_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "verdict",
]


def _ratio_ci(c1: int, e1: float, c2: int, e2: float, alpha: float) -> tuple[float, float]:
    """Exact conditional (Clopper-Pearson) interval for the rate ratio (c1/e1)/(c2/e2).

    Given the total n = c1 + c2, c1 is binomial with p = R·e1 / (R·e1 + e2); the
    Clopper-Pearson limits of p map to limits of R. Zeros give 0 or infinity.
    """
    from scipy.stats import beta

    n = c1 + c2
    if n == 0:
        return (math.nan, math.nan)
    lo = 0.0 if c1 == 0 else beta.ppf(alpha / 2, c1, n - c1 + 1)
    hi = 1.0 if c1 == n else beta.ppf(1 - alpha / 2, c1 + 1, n - c1)
    scale = e2 / e1

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    return (to_ratio(lo), to_ratio(hi))


@functools.lru_cache(maxsize=4096)
def _etest_pvalue(c1: int, e1: float, c2: int, e2: float) -> float:
    """Two-sided E-test p-value (statsmodels ``test_poisson_2indep``, ``method="etest"``).

    statsmodels sums the null probabilities over the grid 0..T of both counts, T the
    upper 1e-13 tail point of the larger null mean (at least 100): for counts in the
    thousands that is millions of cells, nearly all with probability below 1e-20. The
    grid passed here keeps the same upper end and starts where the lower tail of both
    null Poisson distributions falls below 1e-20, so the p-value is the same to
    rounding (tested to 1e-13) and the test runs 10-20 times faster. Results are cached.
    """
    from scipy.stats import poisson
    from statsmodels.stats.rates import test_poisson_2indep

    rate = (c1 + c2) / (e1 + e2)
    m1, m2 = e1 * rate, e2 * rate
    top = max(poisson.isf(1e-13, max(m1, m2)), 100)
    bottom = max(0.0, min(poisson.ppf(1e-20, m1), poisson.ppf(1e-20, m2)) - 1)
    grid = np.arange(bottom, top + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = test_poisson_2indep(c1, e1, c2, e2, method="etest", etest_kwds={"y_grid": grid})
    return float(res.pvalue)


def _compare_one(current, previous, e_cur, e_prev, alpha) -> dict:
    c1, c2 = int(current), int(previous)
    if c1 < 0 or c2 < 0 or c1 != current or c2 != previous:
        raise ValueError(f"counts must be whole and non-negative, got {current!r} and {previous!r}")
    e1 = 1.0 if e_cur is None else float(e_cur)
    e2 = 1.0 if e_prev is None else float(e_prev)
    p = 1.0 if c1 + c2 == 0 else _etest_pvalue(c1, e1, c2, e2)
    p = min(max(p, 0.0), 1.0)
    ratio = (c1 / e1) / (c2 / e2) if c2 > 0 else (math.inf if c1 > 0 else math.nan)
    lo, hi = _ratio_ci(c1, e1, c2, e2, alpha)
    if p < alpha:
        verdict = INCREASE if c1 / e1 > c2 / e2 else DECREASE
    else:
        verdict = NO_CHANGE
    return {
        "current": c1,
        "previous": c2,
        "change": c1 - c2,
        "pct_change": round(100 * (c1 - c2) / c2, 1) if c2 > 0 else math.nan,
        "rate_ratio": ratio,
        "ci_low": lo,
        "ci_high": hi,
        "p_value": p,
        "verdict": verdict,
    }


def compare_periods(
    current,
    previous,
    *,
    current_exposure=None,
    previous_exposure=None,
    alpha: float = 0.05,
):
    """Compare two periods' counts as Poisson rates.

    Parameters
    ----------
    current, previous : int or pandas.Series
        Counts of this period and the one before. Series must share an index;
        the result then has one row per index value.
    current_exposure, previous_exposure : float or Series, optional
        Exposure of each period (population, months covered). Omitted: equal.
    alpha : float, default 0.05
        Significance level of the test and of the (1 - alpha) interval.

    Returns
    -------
    dict or pandas.DataFrame
        ``current, previous, change, pct_change`` (one decimal, NaN when the
        previous count is 0), ``rate_ratio`` with its exact conditional
        ``ci_low``/``ci_high``, the E-test ``p_value`` and a ``verdict``:
        "significant increase", "significant decrease" or "no significant change".

    Examples
    --------
    >>> compare_periods(25, 16)["verdict"]
    'no significant change'
    """
    if isinstance(current, pd.Series) or isinstance(previous, pd.Series):
        cur = pd.Series(current)
        prev = pd.Series(previous).reindex(cur.index)
        if prev.isna().any():
            raise ValueError("current and previous must share an index")

        def at(x, key):
            return x.loc[key] if isinstance(x, pd.Series) else x

        rows = [
            _compare_one(cur.loc[k], prev.loc[k], at(current_exposure, k), at(previous_exposure, k), alpha)
            for k in cur.index
        ]
        return pd.DataFrame(rows, index=cur.index, columns=FIELDS)
    return _compare_one(current, previous, current_exposure, previous_exposure, alpha)


def wheeler_z(current: float, previous: float) -> float:
    """Wheeler's quick screen for two counts: z = 2(√current − √previous)."""
    return 2 * (np.sqrt(current) - np.sqrt(previous))


# ---------------------------------------------------------------------------
# Trend: Poisson / negative binomial regression of monthly counts
# ---------------------------------------------------------------------------

RISING = "rising"
FALLING = "falling"
NO_TREND = "no significant trend"
TOO_SHORT = "not enough data"

TREND_FIELDS = [
    "months",
    "first_month",
    "last_month",
    "model",
    "seasonal",
    "dispersion",
    "nb_alpha",
    "annual_pct_change",
    "ci_low",
    "ci_high",
    "p_value",
    "verdict",
]

DISPERSION_THRESHOLD = 1.5
"""Pearson chi-square / df of the Poisson fit above which the negative binomial is used."""

MIN_TREND_MONTHS = 12
MIN_SEASONAL_MONTHS = 24


def _month_number(index: pd.DatetimeIndex) -> np.ndarray:
    """Months since the first month of the index (gaps kept as gaps)."""
    return np.asarray((index.year - index[0].year) * 12 + (index.month - index[0].month), dtype=float)


def _as_monthly(series: pd.Series, name: str = "series") -> pd.Series:
    s = pd.Series(series).dropna()
    if not isinstance(s.index, pd.DatetimeIndex):
        raise TypeError(f"{name} needs a DatetimeIndex of month starts, got {type(s.index).__name__}")
    s = s.sort_index().astype(float)
    if (s < 0).any():
        raise ValueError(f"{name} has negative counts")
    return s


def _trend_design(index: pd.DatetimeIndex, seasonal: bool) -> tuple[np.ndarray, list[str]]:
    t = _month_number(index) / 12.0
    cols, names = [np.ones(len(index)), t], ["const", "year"]
    if seasonal:
        months = np.asarray(index.month)
        first = months[0]
        for m in sorted(set(months) - {first}):
            cols.append((months == m).astype(float))
            names.append(f"month_{m}")
    return np.column_stack(cols), names


def _trend_one(series, exposure, alpha, seasonal, threshold) -> dict:
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    s = _as_monthly(series)
    n = len(s)
    rec = dict.fromkeys(TREND_FIELDS, math.nan)
    rec.update(months=n, model=None, seasonal=False, verdict=TOO_SHORT,
               first_month=s.index[0] if n else pd.NaT, last_month=s.index[-1] if n else pd.NaT)
    if n < MIN_TREND_MONTHS or s.sum() == 0:
        return rec
    if exposure is None:
        exp = None
    else:
        exp = pd.Series(exposure, index=s.index) if np.ndim(exposure) == 0 else pd.Series(exposure)
        exp = exp.reindex(s.index).astype(float)
        if exp.isna().any() or (exp <= 0).any():
            raise ValueError("exposure must be positive for every month of the series")
        exp = exp.to_numpy()
    use_season = (n >= MIN_SEASONAL_MONTHS) if seasonal == "auto" else bool(seasonal)
    X, _ = _trend_design(s.index, use_season)
    y = s.to_numpy()
    z = float(_norm_ppf(1 - alpha / 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = GLM(y, X, family=families.Poisson(), exposure=exp).fit()
        dispersion = float(pois.pearson_chi2 / pois.df_resid) if pois.df_resid > 0 else math.nan
        model, beta1, se, p, nb_alpha = "poisson", pois.params[1], pois.bse[1], pois.pvalues[1], math.nan
        if dispersion > threshold:
            try:
                nb = NegativeBinomial(y, X, exposure=exp).fit(
                    start_params=np.append(pois.params, 0.1), method="bfgs", maxiter=300, disp=0
                )
                ok = (bool(nb.mle_retvals.get("converged", False))
                      and np.all(np.isfinite(nb.params)) and np.all(np.isfinite(nb.bse)))
            except Exception:  # noqa: BLE001 - any numerical failure falls back to quasi-Poisson
                ok = False
            if ok:
                model, beta1, se, p = "negative binomial", nb.params[1], nb.bse[1], nb.pvalues[1]
                nb_alpha = float(nb.params[-1])
            else:  # quasi-Poisson: Poisson estimates, standard errors scaled by sqrt(dispersion)
                se = pois.bse[1] * math.sqrt(dispersion)
                p = float(2 * _norm_sf(abs(beta1 / se)))
                model = "quasi-poisson"
    beta1, se, p = float(beta1), float(se), float(p)
    if p < alpha:
        verdict = RISING if beta1 > 0 else FALLING
    else:
        verdict = NO_TREND
    rec.update(
        model=model,
        seasonal=use_season,
        dispersion=dispersion,
        nb_alpha=nb_alpha,
        annual_pct_change=100 * math.expm1(beta1),
        ci_low=100 * math.expm1(beta1 - z * se),
        ci_high=100 * math.expm1(beta1 + z * se),
        p_value=p,
        verdict=verdict,
    )
    return rec


def _norm_ppf(q):
    from scipy.stats import norm

    return norm.ppf(q)


def _norm_sf(x):
    from scipy.stats import norm

    return norm.sf(x)


def trend(
    series,
    *,
    exposure=None,
    alpha: float = 0.05,
    seasonal="auto",
    dispersion_threshold: float = DISPERSION_THRESHOLD,
):
    """Underlying trend of monthly counts, as an annual percentage change with its interval.

    A log-linear regression of the monthly counts on time (in years) and, by default,
    month of year: ``log E[y_t] = b0 + b1 * t/12 + month effect (+ log exposure)``.
    It is first fitted as a Poisson GLM; when the Pearson chi-square per residual
    degree of freedom (the *dispersion*) exceeds ``dispersion_threshold`` the counts
    vary more than Poisson allows and the model is refitted as a negative binomial
    (NB2, dispersion estimated by maximum likelihood). Should that fail to converge,
    the Poisson estimate is kept with standard errors scaled by the square root of
    the dispersion (quasi-Poisson). The annual change is ``100 (exp(b1) - 1)``, its
    interval ``100 (exp(b1 +/- z se) - 1)``, the p-value the Wald test of ``b1 = 0``.

    Parameters
    ----------
    series : pandas.Series or pandas.DataFrame
        Monthly counts indexed by month-start dates (e.g. a column of
        :func:`csp_analysis.indicators.priority_monthly`). NaN months are left out
        (gaps stay gaps in time). A DataFrame gives one result row per column.
    exposure : float or pandas.Series, optional
        Population (or other exposure) per month, used as an offset: the trend is
        then in the rate. Omitted: the trend is in the counts.
    alpha : float, default 0.05
        Significance level; the interval is (1 - alpha).
    seasonal : {"auto", True, False}, default "auto"
        Month-of-year terms: "auto" includes them from 24 months of data (each
        calendar month seen at least twice), below that fits the trend alone.
    dispersion_threshold : float, default 1.5
        Switch to the negative binomial above this Pearson chi-square / df.

    Returns
    -------
    dict or pandas.DataFrame
        ``months, first_month, last_month``; ``model`` ("poisson", "negative
        binomial" or "quasi-poisson"); ``seasonal`` (bool); ``dispersion`` (of the
        Poisson fit); ``nb_alpha`` (NB2 dispersion, NaN unless NB);
        ``annual_pct_change, ci_low, ci_high`` (percent per year); ``p_value``;
        ``verdict``: "rising", "falling", "no significant trend", or "not enough
        data" (fewer than 12 months, or all zero).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2012-04-01", periods=36, freq="MS")
    >>> s = pd.Series([100 * 1.1 ** (i / 12) for i in range(36)], index=idx)
    >>> round(trend(s)["annual_pct_change"], 6)
    10.0
    """
    if isinstance(series, pd.DataFrame):
        rows = {
            c: _trend_one(series[c], exposure, alpha, seasonal, dispersion_threshold)
            for c in series.columns
        }
        return pd.DataFrame.from_dict(rows, orient="index", columns=TREND_FIELDS)
    return _trend_one(series, exposure, alpha, seasonal, dispersion_threshold)


# ---------------------------------------------------------------------------
# Control charts (statistical process control)
# ---------------------------------------------------------------------------

CHART_KINDS = ("c", "u", "xmr")
RULE_LIMITS = "outside the control limits"
RULE_RUN = "run on one side of the centre line"


def control_limits(series, *, exposure=None, kind: str = "c", baseline=None, sigma: float = 3.0):
    """Centre line and control limits of a monthly control chart.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month (NaN months are left out).
    exposure : float or pandas.Series, optional
        Exposure per month (e.g. population in thousands, or days): required for
        ``kind="u"``, where the plotted value is the rate ``count / exposure``.
    kind : {"c", "u", "xmr"}, default "c"
        ``"c"``: counts with constant opportunity; centre c̄ (mean count), limits
        c̄ ± sigma·√c̄. ``"u"``: rates with varying exposure; centre ū = Σc / Σn,
        limits ū ± sigma·√(ū / n_i) month by month. ``"xmr"``: individuals chart,
        centre x̄, limits x̄ ± 2.66 · mean moving range (sigma = 3); it makes no
        Poisson assumption, so use it when counts are over-dispersed.
    baseline : indexer, optional
        Months (anything ``Series.loc`` accepts: a slice of dates, a boolean mask,
        a list) from which the centre and limits are computed; the chart then
        judges every month against that baseline. Omitted: all months.
    sigma : float, default 3.0
        Width of the limits in standard deviations.

    Returns
    -------
    pandas.DataFrame
        Indexed like the series: ``value`` (count, or rate for "u"), ``centre``,
        ``lcl`` (never below 0), ``ucl``, ``kind``; for "u" also ``count`` and
        ``exposure``.
    """
    if kind not in CHART_KINDS:
        raise ValueError(f"kind must be one of {CHART_KINDS}, got {kind!r}")
    s = _as_monthly(series)
    base = s if baseline is None else s.loc[baseline]
    if len(base) == 0:
        raise ValueError("the baseline selects no month")
    out = pd.DataFrame(index=s.index)
    if kind == "c":
        c_bar = float(base.mean())
        half = sigma * math.sqrt(c_bar)
        out["value"] = s
        out["centre"] = c_bar
        out["lcl"] = max(0.0, c_bar - half)
        out["ucl"] = c_bar + half
    elif kind == "u":
        if exposure is None:
            raise ValueError('kind="u" needs an exposure per month')
        n = pd.Series(exposure, index=s.index) if np.ndim(exposure) == 0 else pd.Series(exposure)
        n = n.reindex(s.index).astype(float)
        if n.isna().any() or (n <= 0).any():
            raise ValueError("exposure must be positive for every month of the series")
        u_bar = float(base.sum() / n.loc[base.index].sum())
        half = sigma * np.sqrt(u_bar / n)
        out["count"] = s
        out["exposure"] = n
        out["value"] = s / n
        out["centre"] = u_bar
        out["lcl"] = (u_bar - half).clip(lower=0.0)
        out["ucl"] = u_bar + half
    else:
        x_bar = float(base.mean())
        mr_bar = float(base.diff().abs().mean()) if len(base) > 1 else math.nan
        half = sigma / 1.128 * mr_bar  # 3 / d2(2) = 2.66
        out["value"] = s
        out["centre"] = x_bar
        out["lcl"] = max(0.0, x_bar - half)
        out["ucl"] = x_bar + half
    out["kind"] = kind
    return out


def exceptions(limits: pd.DataFrame, *, run_length: int = 8) -> pd.DataFrame:
    """Months a control chart flags, and the rule behind each flag.

    Two rules (Western Electric / Wheeler): (1) a month above the upper or below
    the lower control limit; (2) a run of ``run_length`` (default 8) or more
    consecutive months on the same side of the centre line. A month exactly on the
    centre line ends a run. A run is listed once, at the month it reaches
    ``run_length`` (when the signal would first be seen), with its first and last
    months and full length.

    Parameters
    ----------
    limits : pandas.DataFrame
        Output of :func:`control_limits`.
    run_length : int, default 8
        Length of run that signals a shift.

    Returns
    -------
    pandas.DataFrame
        One row per signal, in month order: ``month, rule, side`` ("above" or
        "below"), ``value, centre, lcl, ucl, run_start, run_end, run_length`` (run
        fields NaT/0 for rule 1) and ``description``, a sentence a partner can read.
    """
    cols = ["month", "rule", "side", "value", "centre", "lcl", "ucl",
            "run_start", "run_end", "run_length", "description"]
    months = list(limits.index)
    val = limits["value"].to_numpy(dtype=float)
    centre = limits["centre"].to_numpy(dtype=float)
    lcl = limits["lcl"].to_numpy(dtype=float)
    ucl = limits["ucl"].to_numpy(dtype=float)
    fmt = "{:,.0f}" if limits["kind"].iloc[0] != "u" else "{:,.3g}"
    rows = []
    for i in np.flatnonzero((val > ucl) | (val < lcl)):
        m, side = months[i], ("above" if val[i] > ucl[i] else "below")
        limit, word = (ucl[i], "upper") if side == "above" else (lcl[i], "lower")
        rows.append({
            "month": m, "rule": RULE_LIMITS, "side": side, "value": val[i], "centre": centre[i],
            "lcl": lcl[i], "ucl": ucl[i], "run_start": pd.NaT, "run_end": pd.NaT, "run_length": 0,
            "description": f"{m:%B %Y}: {fmt.format(val[i])}, {side} the {word} control limit "
                           f"({fmt.format(limit)})",
        })
    sign = np.sign(val - centre)
    i = 0
    while i < len(sign):
        if sign[i] == 0:
            i += 1
            continue
        j = i
        while j + 1 < len(sign) and sign[j + 1] == sign[i]:
            j += 1
        length = j - i + 1
        if length >= run_length:
            side = "above" if sign[i] > 0 else "below"
            k = i + run_length - 1
            rows.append({
                "month": months[k], "rule": RULE_RUN, "side": side, "value": val[k],
                "centre": centre[k], "lcl": lcl[k], "ucl": ucl[k], "run_start": months[i],
                "run_end": months[j], "run_length": length,
                "description": f"{months[i]:%B %Y} to {months[j]:%B %Y}: {length} months in a row "
                               f"{side} the average ({fmt.format(centre[k])}), a sustained shift",
            })
        i = j + 1
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out = out.sort_values(["month", "rule"], kind="stable").reset_index(drop=True)
    out["run_length"] = out["run_length"].astype("int64")
    return out


# ---------------------------------------------------------------------------
# Seasonality
# ---------------------------------------------------------------------------

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December"]


def _complete_years(series, period: int = 12) -> pd.Series:
    """The latest whole number of consecutive 12-month spans of a monthly series."""
    s = _as_monthly(series)
    if len(s) == 0:
        return s
    pos = _month_number(s.index)
    breaks = np.flatnonzero(np.diff(pos) != 1)  # a missing month ends a stretch
    if len(breaks):
        s = s.iloc[breaks[-1] + 1:]
    k = len(s) // period
    return s.iloc[len(s) - k * period:] if k else s.iloc[0:0]


def _profile(s: pd.Series, period: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(calendar months, year x month table in calendar order) of complete years."""
    years = len(s) // period
    table = s.to_numpy().reshape(years, period)
    cal = (s.index[:period].month.to_numpy() - 1) % 12 + 1
    order = np.argsort(cal, kind="stable")
    return cal[order], table[:, order], order


def seasonality(series, *, period: int = 12) -> pd.DataFrame:
    """Month-of-year profile: each calendar month's average relative to the overall average.

    Computed over complete years only (the latest run of whole 12-month spans,
    so every calendar month is counted the same number of times): the index of
    month m is mean(m) / overall mean; 1.20 reads "20% above an average month".

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month-start dates.
    period : int, default 12
        Months in a cycle (only 12 is meaningful for calendar months).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month_of_year`` (1-12, in calendar order): ``month_name``,
        ``mean`` (average count), ``index`` (mean / overall mean),
        ``pct_vs_average`` (100 (index - 1)), ``years`` (how many of that month
        were averaged). Empty when there is less than one complete year.
    """
    s = _complete_years(series, period)
    cols = ["month_name", "mean", "index", "pct_vs_average", "years"]
    if len(s) == 0:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="month_of_year"))
    cal, table, _ = _profile(s, period)
    mean = table.mean(axis=0)
    overall = float(table.mean())
    index = mean / overall if overall > 0 else np.full(period, np.nan)
    return pd.DataFrame({
        "month_name": [MONTH_NAMES[m - 1] for m in cal],
        "mean": mean,
        "index": index,
        "pct_vs_average": 100 * (index - 1),
        "years": np.full(period, table.shape[0]),
    }, index=pd.Index(cal, name="month_of_year"))[cols]


def seasonal_summary(series, *, alpha: float = 0.05, period: int = 12) -> dict:
    """Peak and trough months, and whether the month-of-year pattern is more than noise.

    The test compares a Poisson log-linear model with year and month-of-year terms
    against one with year alone, over complete years: the likelihood-ratio
    statistic is G = 2 Σ C_m log(C_m / (N/12)) on the month totals C_m (N the
    total). The year-by-month table's Pearson chi-square per degree of freedom,
    φ = X² / ((Y-1)·11), measures over-dispersion; when φ > 1 the statistic is
    divided by it and referred to F(11, (Y-1)·11) (quasi-Poisson), otherwise to
    chi-square(11). With one complete year φ cannot be estimated and the Poisson
    test is used (say so: it overstates significance for over-dispersed counts).

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month-start dates.
    alpha : float, default 0.05
        Significance level of the test.
    period : int, default 12

    Returns
    -------
    dict
        ``years`` (complete years used), ``peak_month``, ``peak_index``,
        ``trough_month``, ``trough_index``, ``range_pct`` (peak minus trough, in
        points of an average month), ``statistic``, ``dispersion`` (φ, NaN with one
        year), ``p_value``, ``seasonal`` (bool) and ``sentence``, e.g. "Counts peak
        in July (18% above an average month) and are lowest in February (21% below)."
    """
    from scipy.stats import chi2
    from scipy.stats import f as f_dist

    prof = seasonality(series, period=period)
    rec = {"years": 0, "peak_month": None, "peak_index": math.nan, "trough_month": None,
           "trough_index": math.nan, "range_pct": math.nan, "statistic": math.nan,
           "dispersion": math.nan, "p_value": math.nan, "seasonal": False,
           "sentence": "Fewer than 12 complete months: no seasonal profile."}
    if prof.empty or not np.isfinite(prof["index"]).all():
        return rec
    s = _complete_years(series, period)
    _, table, _ = _profile(s, period)
    years = table.shape[0]
    col = table.sum(axis=0)
    total = table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2 * np.nansum(np.where(col > 0, col * np.log(col / (total / period)), 0.0))
    df1 = period - 1
    if years >= 2:
        expected = np.outer(table.sum(axis=1), col) / total
        with np.errstate(divide="ignore", invalid="ignore"):
            x2 = np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected, 0.0))
        df2 = (years - 1) * df1
        phi = x2 / df2
        if phi > 1:
            p = float(f_dist.sf(g / df1 / phi, df1, df2))
        else:
            p = float(chi2.sf(g, df1))
    else:
        phi = math.nan
        p = float(chi2.sf(g, df1))
    peak = prof["index"].idxmax()
    trough = prof["index"].idxmin()
    seasonal = p < alpha
    pk, tr = prof.loc[peak], prof.loc[trough]

    def _pct(x):
        return f"{abs(x):.0f}% {'above' if x >= 0 else 'below'}"

    if seasonal:
        sentence = (f"Counts peak in {pk['month_name']} ({_pct(pk['pct_vs_average'])} an average "
                    f"month) and are lowest in {tr['month_name']} ({_pct(tr['pct_vs_average'])}).")
    else:
        sentence = (f"No clear seasonal pattern: the month-to-month differences (highest in "
                    f"{pk['month_name']}, lowest in {tr['month_name']}) are within what chance "
                    f"would give.")
    rec.update(years=years, peak_month=pk["month_name"], peak_index=float(pk["index"]),
               trough_month=tr["month_name"], trough_index=float(tr["index"]),
               range_pct=float(pk["pct_vs_average"] - tr["pct_vs_average"]), statistic=float(g),
               dispersion=float(phi), p_value=p, seasonal=bool(seasonal), sentence=sentence)
    return rec


# ---------------------------------------------------------------------------
# Forecast: ETS(A,N,A) against the seasonal-naive baseline, by rolling origin
# ---------------------------------------------------------------------------

ETS = "ETS(A,N,A)"
SNAIVE = "seasonal naive"
NAIVE = "naive"

_A_GRID = np.arange(0.01, 1.0, 0.02)  # 0.01, 0.03, ..., 0.99
_G_GRID = np.arange(0.0, 0.99, 0.02)  # 0, 0.02, ..., 0.98


def _param_grid() -> tuple[np.ndarray, np.ndarray]:
    a, g = np.meshgrid(_A_GRID, _G_GRID, indexing="ij")
    ok = g < 1 - a  # the usual admissible region: 0 < alpha < 1, 0 <= gamma < 1 - alpha
    return a[ok], g[ok]


def _ets_initial(y: np.ndarray, m: int) -> tuple[float, np.ndarray]:
    """Heuristic initial states from the first (up to) two complete seasons.

    Level: the mean of the first season. Seasonal state of month i: the average,
    over those seasons, of the month's deviation from its own season's mean (so
    the states sum to zero and a trend across the two years does not leak in).
    """
    k = min(2, len(y) // m)
    block = y[: k * m].reshape(k, m)
    season = (block - block.mean(axis=1, keepdims=True)).mean(axis=0)
    return float(block[0].mean()), season


def _ets_path(y, alpha, gamma, level0, season0, m):
    """Run ETS(A,N,A) over y for arrays of (alpha, gamma), keeping every step.

    Error-correction form (Hyndman et al. 2008): yhat_t = l_{t-1} + s_{t-m};
    e_t = y_t - yhat_t; l_t = l_{t-1} + alpha e_t; s_t = s_{t-m} + gamma e_t.
    Slot ``t % m`` of the seasonal state holds s_{t-m} before step t and s_t
    after it.

    Returns
    -------
    cum_sse : (n + 1, G) array, sum of squared one-step errors of the first k months
    levels : (n + 1, G) array, level after k months (row 0: the initial level)
    seasons : (n + 1, G, m) array, seasonal states after k months
    """
    alpha = np.atleast_1d(np.asarray(alpha, dtype=float))
    gamma = np.atleast_1d(np.asarray(gamma, dtype=float))
    n, size = len(y), alpha.size
    levels = np.empty((n + 1, size))
    seasons = np.empty((n + 1, size, m))
    cum_sse = np.zeros((n + 1, size))
    levels[0] = level0
    seasons[0] = np.asarray(season0, dtype=float)
    for t, yt in enumerate(y):
        j = t % m
        season = seasons[t].copy()
        e = yt - (levels[t] + season[:, j])
        cum_sse[t + 1] = cum_sse[t] + e * e
        levels[t + 1] = levels[t] + alpha * e
        season[:, j] += gamma * e
        seasons[t + 1] = season
    return cum_sse, levels, seasons


def _ets_fits(y: np.ndarray, m: int, origins) -> dict[int, dict]:
    """Least-squares ETS(A,N,A) fits on y[:k] for every k in ``origins``.

    The smoothing parameters minimise the one-step sum of squared errors over a
    grid (alpha 0.01-0.99 and gamma 0-0.98 in steps of 0.02, gamma < 1 - alpha).
    Initial states come from the first two seasons (:func:`_ets_initial`), which
    every training window of at least two seasons shares, so one vectorised pass
    over the series gives the fit at every origin: re-estimation at each origin
    costs an argmin, not a new optimisation.
    """
    level0, season0 = _ets_initial(y, m)
    a, g = _param_grid()
    cum_sse, levels, seasons = _ets_path(y, a, g, level0, season0, m)
    fits = {}
    for k in origins:
        i = int(np.argmin(cum_sse[k]))
        fits[k] = {"alpha": float(a[i]), "gamma": float(g[i]), "level0": level0,
                   "season0": season0, "sse": float(cum_sse[k, i]), "level": float(levels[k, i]),
                   "season": seasons[k, i].copy(), "n": int(k), "m": m}
    return fits


def _ets_forecast(fit: dict, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Point forecasts and forecast variances for h = 1..horizon.

    Variance (Hyndman et al. 2008, class 1 models): v_h = sigma^2 (1 + sum_{j<h}
    c_j^2), c_j = alpha + gamma [j divisible by m]; sigma^2 = SSE / (n - p) with
    p = m + 2 parameters (alpha, gamma, level and m - 1 free seasonal states).
    """
    m, n = fit["m"], fit["n"]
    h = np.arange(1, horizon + 1)
    point = fit["level"] + fit["season"][(n + h - 1) % m]
    c = fit["alpha"] + fit["gamma"] * ((np.arange(1, horizon) % m) == 0)
    csum = np.concatenate([[0.0], np.cumsum(c * c)])
    sigma2 = fit["sse"] / max(n - (m + 2), 1)
    return point, sigma2 * (1 + csum)


def _snaive_forecast(y: np.ndarray, m: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Seasonal naive: the same month a year earlier; variance from seasonal differences.

    sigma^2 is the mean square of the observed seasonal differences y_t - y_{t-m}
    (not centred: a drift the baseline ignores widens its intervals); beyond one
    season the variance grows as (k + 1) sigma^2, k = floor((h - 1) / m).
    """
    n = len(y)
    h = np.arange(1, horizon + 1)
    k = (h - 1) // m
    point = y[n - m + (h - 1) % m]
    d = y[m:] - y[:-m]
    sigma2 = float(np.mean(d * d)) if len(d) else math.nan
    return point, sigma2 * (k + 1)


def _naive_forecast(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    h = np.arange(1, horizon + 1)
    d = np.diff(y)
    sigma2 = float(np.mean(d * d)) if len(d) else math.nan
    return np.full(horizon, y[-1], dtype=float), sigma2 * h


def backtest(series, *, horizon: int = 12, seasonal_periods: int = 12, test: int = 12) -> pd.DataFrame:
    """Rolling-origin evaluation of ETS(A,N,A) and the seasonal-naive baseline.

    Each of the last ``test`` months is in turn the forecast origin: both methods
    are fitted on the months before it (ETS smoothing parameters re-estimated at
    every origin) and forecast up to ``horizon`` months ahead, as far as the data
    go. Errors are pooled over all origins and horizons (Hyndman & Athanasopoulos,
    *Forecasting: principles and practice*, time-series cross-validation).

    Parameters
    ----------
    series : pandas.Series
        Monthly counts (no gaps in the last ``2 * seasonal_periods + test`` months).
    horizon : int, default 12
    seasonal_periods : int, default 12
    test : int, default 12
        Number of forecast origins.

    Returns
    -------
    pandas.DataFrame
        Indexed by method ("ETS(A,N,A)", "seasonal naive"): ``mae`` (mean absolute
        error), ``rmse``, ``errors`` (how many forecasts were scored), ``origins``.
        Empty when the series is shorter than ``2 * seasonal_periods + test``.
    """
    y = _as_monthly(series).to_numpy()
    m, n = seasonal_periods, len(y)
    if n < 2 * m + test:
        return pd.DataFrame(columns=_BACKTEST_COLUMNS, index=pd.Index([], name="method"))
    return _backtest(y, m, horizon, test, _ets_fits(y, m, range(n - test, n)))


_BACKTEST_COLUMNS = ["mae", "rmse", "errors", "origins"]


def _backtest(y, m, horizon, test, fits) -> pd.DataFrame:
    n = len(y)
    err = {ETS: [], SNAIVE: []}
    for k in range(n - test, n):
        h = min(horizon, n - k)
        actual = y[k:k + h]
        err[ETS].append(actual - _ets_forecast(fits[k], h)[0])
        err[SNAIVE].append(actual - _snaive_forecast(y[:k], m, h)[0])
    rows = {}
    for name, e in err.items():
        e = np.concatenate(e)
        rows[name] = {"mae": float(np.mean(np.abs(e))), "rmse": float(np.sqrt(np.mean(e * e))),
                      "errors": len(e), "origins": test}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=_BACKTEST_COLUMNS)
    out.index.name = "method"
    return out


FORECAST_COLUMNS = ["forecast", "lo80", "hi80", "lo95", "hi95", "method", "note"]


def forecast(series, *, horizon: int = 12, seasonal_periods: int = 12, test: int = 12) -> pd.DataFrame:
    """Forecast the next ``horizon`` months with 80% and 95% prediction intervals.

    The method is chosen by a rolling-origin backtest (:func:`backtest`, mean
    absolute error): an additive-error, no-trend, additive-season exponential
    smoothing model, ETS(A,N,A), is used only when it beats the seasonal-naive
    baseline (each month forecast by the same month a year earlier); otherwise the
    baseline is reported. A series shorter than two seasons plus the backtest
    (36 months by default) cannot be backtested and gets the seasonal-naive
    forecast (or, with under 14 months, the naive last-value forecast), and the
    ``note`` says so. Intervals assume normal errors: ETS from its analytic
    forecast variance, the baselines from the spread of their own past errors
    (seasonal or monthly differences). Forecasts and lower limits are floored at 0.

    ETS(A,N,A) is fitted by this module (vectorised least squares, about 100 times
    faster than a statsmodels fit; tests check it against statsmodels'
    ``ExponentialSmoothing`` and ``ETSModel``), so no convergence warning can
    arise.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month-start dates. With a missing month, only the
        months after the last gap are used (the note says so).
    horizon : int, default 12
        Months ahead.
    seasonal_periods : int, default 12
    test : int, default 12
        Forecast origins in the backtest.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` (the next ``horizon`` month starts): ``forecast,
        lo80, hi80, lo95, hi95``, ``method`` ("ETS(A,N,A)", "seasonal naive" or
        "naive") and ``note`` (why that method: the backtest MAEs, or too short).
    """
    s = _as_monthly(series)
    m = seasonal_periods
    if len(s) == 0:
        raise ValueError("cannot forecast an empty series")
    full = pd.date_range(s.index[0], s.index[-1], freq="MS")
    gap_note = ""
    if len(full) != len(s):  # use the months after the last gap
        s = s.reindex(full)
        last_gap = np.flatnonzero(s.isna().to_numpy())[-1]
        gap_note = f"; months before {s.index[last_gap]:%B %Y} (missing) not used"
        s = s.iloc[last_gap + 1:]
    y = s.to_numpy()
    n = len(y)
    if n >= 2 * m + test:
        fits = _ets_fits(y, m, range(n - test, n + 1))
        bt = _backtest(y, m, horizon, test, fits)
        mae_e, mae_s = bt.loc[ETS, "mae"], bt.loc[SNAIVE, "mae"]
        if mae_e < mae_s:
            method = ETS
            point, var = _ets_forecast(fits[n], horizon)
            note = (f"ETS chosen: backtest mean absolute error {mae_e:.1f} against "
                    f"{mae_s:.1f} for the seasonal-naive baseline ({int(bt.loc[ETS, 'errors'])} "
                    f"forecasts from {test} origins)")
        else:
            method = SNAIVE
            point, var = _snaive_forecast(y, m, horizon)
            note = (f"seasonal-naive baseline kept: ETS did not beat it in the backtest (mean "
                    f"absolute error {mae_e:.1f} against {mae_s:.1f})")
    elif n >= m + 2:
        method = SNAIVE
        point, var = _snaive_forecast(y, m, horizon)
        note = (f"seasonal naive: {n} months are too few to backtest a model "
                f"({2 * m + test} needed)")
    else:
        method = NAIVE
        point, var = _naive_forecast(y, horizon)
        note = f"naive (last month carried forward): {n} months are too few for a seasonal method"
    note += gap_note
    sd = np.sqrt(var)
    z80, z95 = _norm_ppf(0.90), _norm_ppf(0.975)
    idx = pd.date_range(s.index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS", name="month")
    out = pd.DataFrame({
        "forecast": np.clip(point, 0, None),
        "lo80": np.clip(point - z80 * sd, 0, None),
        "hi80": np.clip(point + z80 * sd, 0, None),
        "lo95": np.clip(point - z95 * sd, 0, None),
        "hi95": np.clip(point + z95 * sd, 0, None),
        "method": method,
        "note": note,
    }, index=idx)
    return out[FORECAST_COLUMNS]
