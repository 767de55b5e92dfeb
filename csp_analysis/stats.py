"""Tests that tell a real change from noise.

Every change the report quotes carries its test and verdict: counts are compared
as Poisson rates (the E-test of Krishnamoorthy & Thomson, as implemented by
statsmodels ``test_poisson_2indep``), population-aware when exposures differ.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy.stats import beta
from statsmodels.stats.rates import test_poisson_2indep

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
    n = c1 + c2
    if n == 0:
        return (math.nan, math.nan)
    lo = 0.0 if c1 == 0 else beta.ppf(alpha / 2, c1, n - c1 + 1)
    hi = 1.0 if c1 == n else beta.ppf(1 - alpha / 2, c1 + 1, n - c1)
    scale = e2 / e1

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    return (to_ratio(lo), to_ratio(hi))


def _compare_one(current, previous, e_cur, e_prev, alpha) -> dict:
    c1, c2 = int(current), int(previous)
    if c1 < 0 or c2 < 0 or c1 != current or c2 != previous:
        raise ValueError(f"counts must be whole and non-negative, got {current!r} and {previous!r}")
    e1 = 1.0 if e_cur is None else float(e_cur)
    e2 = 1.0 if e_prev is None else float(e_prev)
    if c1 + c2 == 0:
        p = 1.0
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = float(test_poisson_2indep(c1, e1, c2, e2, method="etest").pvalue)
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
