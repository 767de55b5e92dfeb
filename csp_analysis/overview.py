"""Area-wide views: recorded crime by year and by category, action-plan delivery."""

from __future__ import annotations

import pandas as pd

from csp_analysis.data import Dataset
from csp_analysis.periods import FinancialYear, financial_year_of
from csp_analysis.stats import compare_periods

# police.uk categories left out of "victim-based crime", as in the seed report
# (drug offences and other offences are crimes against society, not victims).
NOT_VICTIM_BASED = ("Anti-social behaviour", "Drugs", "Public order and weapons", "Other crime")


def victim_based(police: pd.DataFrame) -> pd.DataFrame:
    return police[~police["category"].isin(NOT_VICTIM_BASED)]


def annual_totals(ds: Dataset) -> pd.DataFrame:
    """Victim-based crime and ASB per financial year, with the months each year covers."""
    df = ds.area_police
    fy = financial_year_of(df["month"])
    out = pd.DataFrame(
        {
            "victim_based_crime": victim_based(df).groupby(fy).size(),
            "anti_social_behaviour": df[df["category"] == "Anti-social behaviour"].groupby(fy).size(),
            "months": df.groupby(fy)["month"].nunique(),
        }
    ).fillna(0).astype("int64")
    out.index.name = "financial_year"
    return out


def category_comparison(ds: Dataset, current: FinancialYear, previous: FinancialYear, *,
                        params=None) -> pd.DataFrame:
    """Year-on-year test for every police.uk category (stable taxonomy) in the area.

    Only months present in both years are compared (like for like). With ``params``
    the result is computed once per assessment (:mod:`csp_analysis.memo`).
    """
    if params is not None:
        from csp_analysis.memo import memoized

        return memoized(params, f"categories-{current}-{previous}",
                        lambda: category_comparison(ds, current, previous))
    df = ds.area_police
    cur = df[(df["month"] >= current.first_month) & (df["month"] <= current.last_month)]
    prev = df[(df["month"] >= previous.first_month) & (df["month"] <= previous.last_month)]
    common = set(cur["month"].dt.month) & set(prev["month"].dt.month)
    cur = cur[cur["month"].dt.month.isin(common)]
    prev = prev[prev["month"].dt.month.isin(common)]
    cats = sorted(set(df["category"]))
    c = cur.groupby("category").size().reindex(cats, fill_value=0)
    p = prev.groupby("category").size().reindex(cats, fill_value=0)
    out = compare_periods(c, p)
    out.index.name = "category"
    out["months"] = len(common)
    # victim-based crime as a whole, same months (attrs travel with the cached frame)
    out.attrs["Victim-based crime"] = compare_periods(len(victim_based(cur)), len(victim_based(prev)))
    return out


def rag_summary(tracker: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Shares of Green/Amber/Red for actions and success measures, overall and by priority.

    The tracker has one row per success measure; an action's RAG is counted once.
    """
    actions = tracker.drop_duplicates("action_id")
    rags = ["Green", "Amber", "Red"]

    def shares(df: pd.DataFrame, col: str, by: str | None = None) -> pd.DataFrame:
        if by is None:
            counts = df[col].value_counts().reindex(rags, fill_value=0).to_frame().T
        else:
            counts = df.groupby(by)[col].value_counts().unstack(fill_value=0).reindex(columns=rags, fill_value=0)
        counts["total"] = counts[rags].sum(axis=1)
        return counts

    overall = pd.concat(
        [shares(actions, "action_rag").assign(what="Actions"),
         shares(tracker, "measure_rag").assign(what="Success measures")]
    ).set_index("what")
    return {
        "overall": overall,
        "actions_by_priority": shares(actions, "action_rag", "priority_id"),
        "measures_by_priority": shares(tracker, "measure_rag", "priority_id"),
    }


def _names(params) -> dict[str, str]:
    return {p.id: p.name for p in params.priorities}


def rag_shares_by_priority(counts: pd.DataFrame, params) -> pd.DataFrame:
    """Green/Amber/Red shares per priority (rows labelled with priority names)."""
    shares = counts[["Green", "Amber", "Red"]].div(counts["total"], axis=0)
    shares.index = [_names(params).get(i, i) for i in shares.index]
    return shares


def rag_table(rag: dict[str, pd.DataFrame], params) -> pd.DataFrame:
    a, m = rag["actions_by_priority"], rag["measures_by_priority"]
    names = _names(params)
    out = pd.DataFrame(
        {
            "Priority": [names.get(i, i) for i in a.index],
            "Actions": a["total"].to_numpy(),
            "Actions green": a["Green"].to_numpy(),
            "Actions amber": a["Amber"].to_numpy(),
            "Actions red": a["Red"].to_numpy(),
            "Success measures": m.reindex(a.index)["total"].to_numpy(),
            "Measures green": m.reindex(a.index)["Green"].to_numpy(),
        }
    )
    total = out.drop(columns="Priority").sum()
    out.loc[len(out)] = ["All priorities", *total.to_list()]
    return out
