"""Priority → indicator series, from the params' configuration.

An indicator is a filter on one source (``where: {column: value or [values]}``);
its series is the monthly count of matching rows (or the sum of ``count`` for
monthly aggregates). Months the source covers but where nothing matched are 0;
months the source does not cover are absent, never 0.
"""

from __future__ import annotations

import difflib

import pandas as pd

from csp_analysis.config import Indicator, Params, Priority
from csp_analysis.data import Dataset
from csp_analysis.periods import FinancialYear
from csp_analysis.sources import InputError
from csp_analysis.sources.partner import SPECS
from csp_analysis.sources.police_uk import STABLE_CATEGORY
from csp_analysis.stats import compare_periods

_VOCAB = {
    ("police_uk", "category"): set(STABLE_CATEGORY.values()),
    ("police_uk", "crime_type"): set(STABLE_CATEGORY),
    ("road_casualties", "severity"): {"fatal", "serious", "slight"},
    ("road_casualties", "ksi"): {"Y", "N"},
    **{(src, col): set(vals) for src, spec in SPECS.items() for col, vals in spec.allowed.items()},
}


def filter_rows(df: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The rows of a source table that an indicator counts (its ``where`` filter)."""
    mask = pd.Series(True, index=df.index)
    for col, val in ind.where.items():
        if col not in df.columns:
            raise InputError(
                f"indicator '{ind.id}': source '{ind.source}' has no column '{col}'"
                f"; columns: {', '.join(c for c in df.columns if c not in ('row', 'file'))}"
            )
        wanted = [val] if isinstance(val, str) else list(val)
        vocab = _VOCAB.get((ind.source, col))
        if vocab is None and col == "indicator":
            vocab = set(df[col].unique())
        for w in wanted:
            if vocab is not None and w not in vocab:
                close = difflib.get_close_matches(w, sorted(vocab), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise InputError(
                    f"indicator '{ind.id}': '{w}' is not a value of {ind.source}.{col}{hint}"
                )
        mask &= df[col].isin(wanted)
    return df[mask]


def coverage(ds: Dataset, source: str) -> pd.DatetimeIndex:
    """Months for which a source has any data."""
    months = ds.source(source)["month"].dropna().unique()
    return pd.DatetimeIndex(sorted(months), name="month")


def monthly(ds: Dataset, ind: Indicator) -> pd.Series:
    """Monthly counts of one indicator over the months its source covers."""
    df = filter_rows(ds.source(ind.source), ind)
    counts = df.groupby("month")["count"].sum() if "count" in df else df.groupby("month").size()
    s = counts.reindex(coverage(ds, ind.source), fill_value=0).astype("int64")
    s.name = ind.id
    return s


def priority_monthly(ds: Dataset, priority: Priority) -> pd.DataFrame:
    """One column per indicator, plus ``headline``: the sum of the headline indicators.

    Months outside an indicator's source coverage are NaN; ``headline`` is only
    given for months every headline indicator covers.
    """
    cols = {ind.id: monthly(ds, ind) for ind in priority.indicators}
    df = pd.DataFrame(cols)
    heads = [i.id for i in priority.indicators if i.headline]
    df["headline"] = df[heads].sum(axis=1, min_count=len(heads))
    df.index.name = "month"
    return df


def annual_comparison(monthly_df: pd.DataFrame, current: FinancialYear, previous: FinancialYear):
    """Like-for-like comparison of two financial years for every column.

    Only months of the year present in both years are summed (a partnership must
    not compare 11 months with 12 unknowingly); ``months`` says how many.
    """
    rows = []
    for col in monthly_df.columns:
        s = monthly_df[col].dropna()
        cur = s[(s.index >= current.first_month) & (s.index <= current.last_month)]
        prev = s[(s.index >= previous.first_month) & (s.index <= previous.last_month)]
        common = sorted(set(cur.index.month) & set(prev.index.month))
        cur = cur[cur.index.month.isin(common)]
        prev = prev[prev.index.month.isin(common)]
        rec = compare_periods(int(cur.sum()), int(prev.sum())) if common else None
        rows.append({"indicator": col, "months": len(common), **(rec or {})})
    return pd.DataFrame(rows).set_index("indicator")


def indicator_labels(priority: Priority) -> dict[str, str]:
    labels = {i.id: i.label for i in priority.indicators}
    heads = [i.label for i in priority.indicators if i.headline]
    labels["headline"] = heads[0] if len(heads) == 1 else "Headline total: " + " + ".join(heads)
    return labels


def police_categories(priority: Priority) -> list[str] | None:
    """The police.uk categories of a priority's headline, when every headline indicator
    is a police.uk category filter (the cases that can be compared with peers); else None."""
    heads = [i for i in priority.indicators if i.headline]
    if not heads or any(i.source != "police_uk" or set(i.where) != {"category"} for i in heads):
        return None
    return [c for i in heads for c in ([i.where["category"]] if isinstance(i.where["category"], str)
                                       else i.where["category"])]


def all_priority_monthly(ds: Dataset, params: Params) -> dict[str, pd.DataFrame]:
    return {p.id: priority_monthly(ds, p) for p in params.priorities}
