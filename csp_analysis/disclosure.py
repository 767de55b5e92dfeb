"""Small-number suppression for indicators marked ``sensitive`` in the params.

A count below the threshold (default 5) is shown as "<5". Secondary suppression:
when either year of a comparison is suppressed, the change, the percentage and
the other year's count are withheld too, since together they would reveal it.
"""

from __future__ import annotations

import pandas as pd


def is_small(value, threshold: int) -> bool:
    return value is not None and not pd.isna(value) and 0 < value < threshold


def suppress_comparison(comp: pd.DataFrame, sensitive: set[str], threshold: int) -> pd.DataFrame:
    """Return a display copy of a comparison table (index: indicator id) with
    small sensitive counts replaced by "<N" and everything that would reveal them
    withheld. Non-sensitive rows are unchanged."""
    out = comp.astype(object).copy()
    for ind in comp.index:
        if ind not in sensitive:
            continue
        cur, prev = comp.at[ind, "current"], comp.at[ind, "previous"]
        if is_small(cur, threshold) or is_small(prev, threshold):
            for col in ("current", "previous"):
                out.at[ind, col] = f"<{threshold}" if is_small(comp.at[ind, col], threshold) else "suppressed"
            for col in ("change", "pct_change", "rate_ratio", "ci_low", "ci_high", "p_value"):
                if col in out.columns:
                    out.at[ind, col] = None
            out.at[ind, "verdict"] = "not shown (small numbers)"
    return out


def chartable(series: pd.Series, sensitive: bool, threshold: int) -> bool:
    """May this monthly series be drawn? Sensitive series only when no month is small."""
    return not sensitive or not any(is_small(v, threshold) for v in series.dropna())
