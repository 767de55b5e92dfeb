"""Display-ready tables: computed frames turned into what partners read
(labels, thousands separators, one decimal for percentages)."""

from __future__ import annotations

import math

import pandas as pd

from csp_analysis.matrix import CRITERION_LABELS
from csp_analysis.narrative import fmt_pct, fmt_signed, ordinal


def _count(v) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{int(v):,}"


def _p(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def ranking_table(ranking: pd.DataFrame) -> pd.DataFrame:
    r = ranking.sort_values("rank")
    return pd.DataFrame(
        {
            "Rank": r["rank"].map(ordinal),
            "Priority": r["priority"],
            "Last year": r["last_year_rank"].map(lambda v: "–" if pd.isna(v) else ordinal(v)),
            "Movement": r["movement"],
            "Score (1–5)": r["score"].map(lambda v: f"{v:.2f}"),
            "Why": r["reason"],
            "Certainty": [
                f"{rob} (rank {lo}–{hi} in 90% of weightings)"
                for rob, lo, hi in zip(r["robustness"], r["rank_p05"], r["rank_p95"])
            ],
        }
    )


def comparison_table(comp: pd.DataFrame, labels: dict[str, str], *, current: str, previous: str) -> pd.DataFrame:
    """Rows of a (possibly suppressed) comparison, labelled."""
    return pd.DataFrame(
        {
            "Indicator": [labels.get(i, i) for i in comp.index],
            previous: comp["previous"].map(_count),
            current: comp["current"].map(_count),
            "Change": comp["change"].map(lambda v: "–" if v is None or pd.isna(v) else fmt_signed(v)),
            "% change": comp["pct_change"].map(lambda v: "–" if v is None else fmt_pct(v)),
            "p-value": comp["p_value"].map(_p),
            "Verdict": comp["verdict"].fillna("–"),
            "Months compared": comp["months"].map(_count) if "months" in comp else "12",
        }
    )


def scores_table(scores: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    r = ranking.sort_values("rank")
    s = scores.loc[r.index].rename(columns=CRITERION_LABELS)
    s = s.map(lambda v: "missing" if pd.isna(v) else f"{v:g}")
    s.insert(0, "Priority", r["priority"])
    s.insert(0, "Rank", r["rank"].map(ordinal))
    s["Score"] = r["score"].map(lambda v: f"{v:.2f}")
    s["Confidence"] = r["confidence"]
    return s


def evidence_table(measures: pd.DataFrame, ranking: pd.DataFrame, *, current: str, previous: str,
                   hidden: set[str] = frozenset(), threshold: int = 5) -> pd.DataFrame:
    """Headline evidence per priority; ``hidden`` priorities (small sensitive counts) show
    "<threshold" and no rate, change or test."""
    m = measures.loc[ranking.sort_values("rank").index].copy()
    if hidden:
        m = m.astype(object)
        for pid in set(hidden) & set(m.index):
            m.loc[pid, ["previous", "current"]] = f"<{threshold}"
            m.loc[pid, ["rate_per_1000", "pct_change", "p_value"]] = float("nan")
            m.loc[pid, "verdict"] = "not shown (small numbers)"
    return pd.DataFrame(
        {
            "Priority": m["priority"],
            f"Headline {previous}": m["previous"].map(_count),
            f"Headline {current}": m["current"].map(_count),
            "Rate per 1,000": m["rate_per_1000"].map(lambda v: "–" if pd.isna(v) else f"{v:,.1f}"),
            "% change": m["pct_change"].map(fmt_pct),
            "p-value": m["p_value"].map(_p),
            "Verdict": m["verdict"].fillna("–"),
            "Residents concerned": m["concern_share"].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}"),
        }
    )


def sensitivity_table(ranking: pd.DataFrame) -> pd.DataFrame:
    r = ranking.sort_values("rank")
    return pd.DataFrame(
        {
            "Rank": r["rank"].map(ordinal),
            "Priority": r["priority"],
            "Chance of a top-3 place": r["p_top3"].map(lambda v: f"{v:.0%}"),
            "90% rank interval": [f"{a}–{b}" for a, b in zip(r["rank_p05"], r["rank_p95"])],
            "Ranks leaving one criterion out": [f"{a}–{b}" for a, b in zip(r["loo_min"], r["loo_max"])],
            "Verdict": r["robustness"],
        }
    )


def weights_table(weights: dict[str, float]) -> pd.DataFrame:
    total = sum(weights.values())
    return pd.DataFrame(
        {
            "Criterion": [CRITERION_LABELS[k] for k in weights],
            "Weight": [f"{v / total:.0%}" for v in weights.values()],
        }
    )


def heatmap_frame(scores: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """Scores in rank order, labelled for the heatmap (NaN = missing evidence)."""
    r = ranking.sort_values("rank")
    out = scores.loc[r.index].rename(columns=CRITERION_LABELS)
    out.index = [f"{k}. {n}" for k, n in zip(r["rank"], r["priority"])]
    return out


def harm_table(totals: pd.DataFrame, params) -> pd.DataFrame:
    """Harm of each priority's headline under the two indices, most harmful (CCHI) first."""
    names = {p.id: p.name for p in params.priorities}
    t = totals.sort_values("cchi_rank")
    population = params.area.population
    return pd.DataFrame(
        {
            "Priority": [names.get(i, i) for i in t.index],
            "Crime Harm Index (days)": t["cchi_days"].map("{:,.0f}".format),
            "CHI rank": t["cchi_rank"],
            "Crime Severity Score": t["css_total"].map("{:,.0f}".format),
            "CSS rank": t["css_rank"],
            "Per 1,000 residents (CHI / CSS)": [
                f"{c / population * 1000:,.0f} / {s:,.0f}" if population else "–"
                for c, s in zip(t["cchi_days"], t["css_per_1000"])
            ],
            "Indices disagree": t["ranks_differ"].map({True: "yes", False: ""}),
        }
    )
