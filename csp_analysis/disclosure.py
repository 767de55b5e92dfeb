"""Small-number suppression for indicators marked ``sensitive`` in the params.

A count below the threshold (default 5) is shown as "<5". Secondary suppression:
when either year of a comparison is suppressed, the change, the percentage and
the other year's count are withheld too, since together they would reveal it.
"""

from __future__ import annotations

import pandas as pd


def is_small(value, threshold: int) -> bool:
    return value is not None and not pd.isna(value) and 0 < value < threshold


def suppress_comparison(comp: pd.DataFrame, sensitive: set[str], threshold: int,
                        totals: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Return a display copy of a comparison table (index: indicator id) with
    small sensitive counts replaced by "<N" and everything that would reveal them
    withheld. Non-sensitive rows are unchanged.

    ``totals`` maps a total row to the rows it sums: a total is withheld too when
    any of its rows is, since total minus the others would reveal it.
    """
    out = comp.astype(object).copy()
    small = {
        ind for ind in comp.index
        if ind in sensitive and (is_small(comp.at[ind, "current"], threshold)
                                 or is_small(comp.at[ind, "previous"], threshold))
    }
    for total, parts in (totals or {}).items():
        if total in comp.index and small & set(parts):
            small.add(total)
    for ind in comp.index:
        if ind in small:
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


def small_headlines(params, measures: pd.DataFrame) -> set[str]:
    """Priorities whose headline is sensitive and small in either year: their counts, and
    the rates and changes that would reveal them, are not shown anywhere."""
    thr = params.report.suppression_threshold
    sensitive = {p.id for p in params.priorities if any(i.headline and i.sensitive for i in p.indicators)}
    return {
        pid for pid in measures.index
        if pid in sensitive and (is_small(measures.at[pid, "current"], thr) or is_small(measures.at[pid, "previous"], thr))
    }
