"""The priority matrix: criteria scores, a weighted ranking, its reasons and its sensitivity.

Each criterion is scored 1-5 by a documented rule (docs/methodology.md):

* ``volume``: headline rate per 1,000 residents in the current year, against the
  four cut points ``matrix.thresholds.volume_per_1000``;
* ``change``: the headline's year-on-year test: significant rise of 10% or more
  → 5, other significant rise → 4, no significant change → 3, significant fall
  → 2, significant fall of 10% or more → 1;
* ``public_concern``: share of survey respondents concerned, against
  ``matrix.thresholds.public_concern_share``;
* ``harm``, ``vulnerability``, ``strategic_alignment``, ``influence``: the
  analyst's judgement from the params file.

Missing evidence stays missing (NaN): that priority's score is the weighted mean
of the criteria it has (their weights re-shared), and its confidence grade drops.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_analysis.config import CRITERIA, MorileGroups, Params
from csp_analysis.data import Dataset
from csp_analysis.indicators import annual_comparison, priority_monthly
from csp_analysis.stats import DECREASE, INCREASE

CRITERION_LABELS = {
    "volume": "Volume",
    "change": "Change",
    "trend": "Long-term trend",
    "harm": "Harm",
    "public_concern": "Public concern",
    "vulnerability": "Vulnerability",
    "peer_position": "Against peers",
    "strategic_alignment": "Strategic alignment",
    "influence": "Ability to influence",
}
TIE_BREAK = ("harm", "volume")


def threshold_score(value: float, cuts: list[float]) -> float:
    """1 + the number of cut points at or below ``value`` (so 1-5 for 4 cuts); NaN stays NaN."""
    if value is None or pd.isna(value):
        return np.nan
    return float(1 + np.searchsorted(np.asarray(cuts), value, side="right"))


def change_score(verdict: str | None, pct_change: float | None) -> float:
    """Significance-aware change score (see module docstring)."""
    if verdict is None or (isinstance(verdict, float) and pd.isna(verdict)):
        return np.nan
    big = pct_change is not None and not pd.isna(pct_change) and abs(pct_change) >= 10
    if verdict == INCREASE:
        return 5.0 if big else 4.0
    if verdict == DECREASE:
        return 1.0 if big else 2.0
    return 3.0


def _peer_verdicts(ds: Dataset, params: Params) -> dict[str, dict]:
    """Funnel-plot verdict of each police.uk-based headline against the force's other districts."""
    from csp_analysis.indicators import police_categories
    from csp_analysis.peers import area_verdicts

    peers = ds.peers
    if peers is None or peers.empty or ds.population.empty:
        return {}
    out = {}
    for p in params.priorities:
        cats = police_categories(p)
        if cats is None:
            continue
        rows = peers[peers["category"].isin(cats)].assign(category=p.id)
        try:
            v = area_verdicts(rows, ds.population, area_code=params.area.code, categories=[p.id])
        except KeyError:
            return {}
        out[p.id] = v.loc[p.id].to_dict() | {"months": rows["month"].nunique()}
    return out


def measures(ds: Dataset, params: Params) -> pd.DataFrame:
    """The evidence behind each criterion, one row per priority (index: priority id)."""
    from csp_analysis import harm as harm_mod
    from csp_analysis import stats, victims

    population = params.area.population or ds.census_population
    survey = ds.partner.get("public_concern_survey")
    harm_tot = harm_mod.harm_totals(harm_mod.priority_harm_counts(ds, params), population=population)
    peer = _peer_verdicts(ds, params)
    cur = params.period.current
    rows = []
    for p in params.priorities:
        monthly = priority_monthly(ds, p)[["headline"]]
        comp = annual_comparison(monthly, cur, params.period.previous)
        head = comp.loc["headline"]
        months = int(head["months"])
        annual = head["current"] * 12 / months if months else np.nan
        concern = np.nan
        if survey is not None and p.survey_issue:
            s = survey[(survey["survey_year"] == str(cur)) & (survey["issue"] == p.survey_issue)]
            if len(s):
                concern = float((s["concerned"] == "yes").mean())
        tr = stats.trend(monthly["headline"].dropna())
        repeat_share = np.nan
        src = next((i.source for i in p.indicators if i.headline and "victim_id" in ds.source(i.source)), None)
        if src is not None:
            d = ds.source(src)
            d = d[(d["month"] >= cur.first_month) & (d["month"] <= cur.last_month)]
            if len(d):
                repeat_share = victims.repeat_victimisation(d)["repeat_share"]
        h = harm_tot.loc[p.id] if p.id in harm_tot.index else None
        pv = peer.get(p.id, {})
        rows.append(
            {
                "priority_id": p.id,
                "priority": p.name,
                "current": head["current"],
                "previous": head["previous"],
                "months": months,
                "rate_per_1000": 1000 * annual / population if months else np.nan,
                "pct_change": head["pct_change"],
                "p_value": head["p_value"],
                "verdict": head["verdict"] if months else None,
                "trend_pct": tr["annual_pct_change"],
                "trend_verdict": tr["verdict"],
                "cchi_per_1000": np.nan if h is None else 1000 * h["cchi_days"] / population,
                "css_per_1000": np.nan if h is None else h["css_per_1000"],
                "repeat_share": repeat_share,
                "peer_verdict": pv.get("verdict"),
                "peer_verdict_95": pv.get("verdict_95"),
                "peer_rank": pv.get("rank"),
                "peer_of": pv.get("of"),
                "concern_share": concern,
                "harm_judgement": p.harm,
                "vulnerability_judgement": p.vulnerability,
                "strategic_alignment": p.strategic_alignment,
                "influence": p.influence,
                "last_year_rank": p.last_year_rank,
            }
        )
    return pd.DataFrame(rows).set_index("priority_id")


def trend_score(verdict: str | None, pct: float | None) -> float:
    """Long-term trend: rising ≥ 10% a year → 5, rising → 4, none → 3, falling → 2, falling ≥ 10% → 1."""
    if verdict in (None, "not enough data") or (isinstance(verdict, float) and pd.isna(verdict)):
        return np.nan
    big = pct is not None and not pd.isna(pct) and abs(pct) >= 10
    if verdict == "rising":
        return 5.0 if big else 4.0
    if verdict == "falling":
        return 1.0 if big else 2.0
    return 3.0


def peer_score(verdict: str | None, verdict_95: str | None) -> float:
    """Above the force's other districts (99.8% funnel limit) → 5, above the 95% limit only → 4,
    within → 3, below the 95% limit only → 2, below the 99.8% limit → 1; no peers → missing."""
    if verdict is None or (isinstance(verdict, float) and pd.isna(verdict)):
        return np.nan
    if verdict == "above":
        return 5.0
    if verdict == "below":
        return 1.0
    return {"above": 4.0, "below": 2.0}.get(verdict_95, 3.0)


def criteria_scores(m: pd.DataFrame, params: Params) -> pd.DataFrame:
    """1-5 score per criterion (columns in :data:`CRITERIA` order), NaN = no evidence.

    Harm and vulnerability come from the data where they can (harm indices; repeat
    victims) and from the analyst's judgement in the params file otherwise; a
    judgement given in the params file overrides the data (stated in the report).
    """
    th = params.matrix.thresholds
    out = pd.DataFrame(index=m.index)
    out["volume"] = [threshold_score(v, th.volume_per_1000) for v in m["rate_per_1000"]]
    out["change"] = [change_score(v, c) for v, c in zip(m["verdict"], m["pct_change"])]
    out["trend"] = [trend_score(v, c) for v, c in zip(m["trend_verdict"], m["trend_pct"])]
    cchi = [threshold_score(v, th.harm_cchi_days_per_1000) for v in m["cchi_per_1000"]]
    css = [threshold_score(v, th.harm_css_per_1000) for v in m["css_per_1000"]]
    computed = pd.Series(np.nanmean(np.array([cchi, css], dtype=float), axis=0)
                         if len(m) else [], index=m.index, dtype=float)
    out["harm"] = m["harm_judgement"].astype(float).fillna(computed)
    out["public_concern"] = [threshold_score(v, th.public_concern_share) for v in m["concern_share"]]
    repeat = pd.Series([threshold_score(v, th.repeat_victim_share) for v in m["repeat_share"]], index=m.index)
    out["vulnerability"] = m["vulnerability_judgement"].astype(float).where(
        m["vulnerability_judgement"].notna(), repeat)
    out["peer_position"] = [peer_score(v, v95) for v, v95 in zip(m["peer_verdict"], m["peer_verdict_95"])]
    for c in ("strategic_alignment", "influence"):
        out[c] = m[c].astype(float)
    return out[list(CRITERIA)]


def _weights(weights: dict[str, float], columns) -> np.ndarray:
    w = np.array([float(weights.get(c, 0.0)) for c in columns])
    return w / w.sum()


def _group_mean(s: np.ndarray, W: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Weighted mean over the available criteria in ``cols``: (P×C), (D×C) → (P×D); NaN if none."""
    avail = ~np.isnan(s[:, cols])
    num = np.where(avail, s[:, cols], 0.0) @ W[:, cols].T
    den = avail.astype(float) @ W[:, cols].T
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _totals(s: np.ndarray, W: np.ndarray, columns: list[str], method: str = "weighted_sum",
            morile: MorileGroups | None = None) -> np.ndarray:
    """Scores of every priority (rows of ``s``) under every weight vector (rows of ``W``).

    ``weighted_sum``: the weighted mean of the available criteria. ``morile``: harm ×
    likelihood (each the weighted mean of its group's criteria; a dimension with no
    evidence takes the other's value), times the organisational-position factor
    ``1 + effect × (position − 3) / 2`` (position 1 → 1 − effect, 5 → 1 + effect).
    """
    if method == "weighted_sum":
        return _group_mean(s, W, np.arange(len(columns)))
    g = morile or MorileGroups()
    idx = {c: i for i, c in enumerate(columns)}

    def dim(names):
        return _group_mean(s, W, np.array([idx[n] for n in names if n in idx], dtype=int))

    harm, likelihood, position = dim(g.harm), dim(g.likelihood), dim(g.position)
    harm = np.where(np.isnan(harm), likelihood, harm)
    likelihood = np.where(np.isnan(likelihood), harm, likelihood)
    factor = np.where(np.isnan(position), 1.0, 1 + g.position_effect * (position - 3) / 2)
    return harm * likelihood * factor


def weighted_scores(scores: pd.DataFrame, weights: dict[str, float], *, method: str = "weighted_sum",
                    morile: MorileGroups | None = None) -> pd.Series:
    """Each priority's score (weights of missing criteria re-shared; see :func:`_totals`)."""
    W = _weights(weights, scores.columns)[None, :]
    t = _totals(scores.to_numpy(float), W, list(scores.columns), method, morile)[:, 0]
    return pd.Series(t, index=scores.index)


def _order(total: pd.Series, scores: pd.DataFrame) -> list:
    keys = pd.DataFrame({"total": total.round(9)})
    for c in TIE_BREAK:
        keys[c] = scores[c].fillna(-1) if c in scores else -1
    keys["id"] = keys.index
    keys = keys.sort_values(["total", *TIE_BREAK, "id"], ascending=[False] * (1 + len(TIE_BREAK)) + [True])
    return list(keys.index)


def rank(scores: pd.DataFrame, weights: dict[str, float], *, method: str = "weighted_sum",
         morile: MorileGroups | None = None) -> pd.DataFrame:
    """Rank priorities by score; ties broken by harm, then volume, then id.

    Parameters
    ----------
    scores : DataFrame
        1-5 per criterion (NaN = no evidence), one row per priority.
    weights : dict
        Criterion → weight (need not sum to 1; 0 = ignored).
    method : {"weighted_sum", "morile"}
        See :func:`_totals`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``scores``, sorted by rank: ``rank, score, missing, confidence``.
    """
    total = weighted_scores(scores, weights, method=method, morile=morile)
    order = _order(total, scores)
    weighted = [c for c in scores.columns if weights.get(c, 0) > 0]
    missing = scores[weighted].isna().sum(axis=1)
    grade = missing.map(lambda n: "A" if n == 0 else ("B" if n == 1 else "C"))
    out = pd.DataFrame({"score": total.round(2), "missing": missing, "confidence": grade})
    out = out.loc[order]
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def _describe(criterion: str, score: float, m: pd.Series, hidden: bool = False) -> str:
    """The evidence behind one criterion score, in words."""
    pts = f"({score:g}/5)"
    if hidden and criterion in ("volume", "change"):  # small sensitive counts: no rate, no change
        return f"{CRITERION_LABELS[criterion].lower()} {pts}"
    if criterion == "volume":
        return f"volume {m['rate_per_1000']:,.1f} per 1,000 residents {pts}"
    if criterion == "change":
        pct = m["pct_change"]
        if m["verdict"] in (INCREASE, DECREASE) and not pd.isna(pct):
            return f"{m['verdict']} of {abs(pct):.1f}% {pts}"
        return f"{m['verdict']} {pts}"
    if criterion == "trend":
        if m["trend_verdict"] in ("rising", "falling"):
            return f"long-term trend {m['trend_verdict']} {abs(m['trend_pct']):.1f}% a year {pts}"
        return f"no significant long-term trend {pts}"
    if criterion == "harm" and pd.isna(m["harm_judgement"]):
        return (f"harm {m['cchi_per_1000']:,.0f} Crime Harm Index days and {m['css_per_1000']:,.0f} "
                f"Crime Severity Score points per 1,000 residents {pts}")
    if criterion == "vulnerability" and pd.isna(m["vulnerability_judgement"]):
        return f"{m['repeat_share']:.0%} of victims were repeat victims {pts}"
    if criterion == "peer_position":
        return f"{m['peer_verdict']} the force's other districts (rank {m['peer_rank']:.0f} of {m['peer_of']:.0f}) {pts}"
    if criterion == "public_concern":
        return f"{m['concern_share']:.0%} of residents concerned {pts}"
    return f"{CRITERION_LABELS[criterion].lower()} judged {score:.0f}/5"


def reasons(scores: pd.DataFrame, ranking: pd.DataFrame, m: pd.DataFrame, weights, n: int = 3,
            hidden: set[str] = frozenset()) -> pd.Series:
    """Why each priority ranks where it does: the criteria that pushed it most.

    A criterion's push is its weight times how far the priority's score lies from
    the average of all priorities on that criterion. The top half of the ranking
    is explained by its largest upward pushes, the bottom half by the largest
    downward ones.
    """
    w = pd.Series(_weights(weights, scores.columns), index=scores.columns)
    push = (scores - scores.mean()) * w
    half = len(ranking) / 2
    out = {}
    for pid, r in ranking["rank"].items():
        row = push.loc[pid].dropna()
        upper = r <= half
        picks = row[row > 0].nlargest(n) if upper else row[row < 0].nsmallest(n)
        if picks.empty:
            picks = row.abs().nlargest(1)
        parts = [_describe(c, scores.loc[pid, c], m.loc[pid], pid in hidden) for c in picks.index]
        lead = "Driven up by " if upper else "Held back by "
        out[pid] = lead + "; ".join(parts) + "."
    return pd.Series(out)


def sensitivity(
    scores: pd.DataFrame,
    weights: dict[str, float],
    *,
    draws: int = 10_000,
    concentration: float = 50.0,
    seed: int = 0,
    method: str = "weighted_sum",
    morile: MorileGroups | None = None,
) -> pd.DataFrame:
    """How sure the ranking is when the weights move.

    Weights are drawn from a Dirichlet distribution centred on the chosen
    weights (``alpha = concentration × weight``; criteria weighted 0 stay 0),
    seeded; every draw ranks all priorities at once (vectorised). Also ranks
    with each criterion left out in turn.

    Returns
    -------
    pandas.DataFrame
        Per priority: ``p_top3``, ``rank_p05``, ``rank_p95`` (the 90% rank
        interval), ``loo_min``, ``loo_max`` (leave-one-criterion-out ranks).
    """
    cols = list(scores.columns)
    w = _weights(weights, cols)
    pos = w > 0
    rng = np.random.default_rng(seed)
    W = np.zeros((draws, len(cols)))
    W[:, pos] = rng.dirichlet(w[pos] * concentration, size=draws)
    total = _totals(scores.to_numpy(float), W, cols, method, morile)
    # deterministic tie-break, as in rank(): harm, then volume
    tb = np.zeros(len(scores))
    for k, c in enumerate(TIE_BREAK):
        if c in scores:
            tb += np.nan_to_num(scores[c].to_numpy(float), nan=-1) * 10.0 ** (-4 - 2 * k)
    total = np.round(np.nan_to_num(total, nan=-np.inf), 9) + tb[:, None]
    order = np.argsort(-total, axis=0, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, len(scores) + 1)[:, None], axis=0)
    base = rank(scores, weights, method=method, morile=morile)["rank"]
    loo = []
    for c in np.array(cols)[pos]:
        if pos.sum() == 1:
            break
        wl = {k: (0.0 if k == c else v) for k, v in zip(cols, w)}
        loo.append(rank(scores, wl, method=method, morile=morile)["rank"].reindex(scores.index))
    loo_df = pd.concat(loo, axis=1) if loo else pd.DataFrame({"r": base.reindex(scores.index)})
    out = pd.DataFrame(
        {
            "p_top3": (ranks <= 3).mean(axis=1),
            "rank_p05": np.percentile(ranks, 5, axis=1, method="lower"),
            "rank_p95": np.percentile(ranks, 95, axis=1, method="higher"),
            "loo_min": loo_df.min(axis=1).to_numpy(),
            "loo_max": loo_df.max(axis=1).to_numpy(),
        },
        index=scores.index,
    )
    return out


def robustness(ranking: pd.DataFrame, sens: pd.DataFrame) -> pd.Series:
    """'robust' when the 90% rank interval and every leave-one-out rank stay within
    one place of the rank; otherwise 'uncertain'."""
    r = ranking["rank"]
    s = sens.reindex(r.index)
    ok = (
        (s["rank_p05"] >= r - 1)
        & (s["rank_p95"] <= r + 1)
        & (s["loo_min"] >= r - 1)
        & (s["loo_max"] <= r + 1)
    )
    return ok.map({True: "robust", False: "uncertain"})


def movement(last_year_rank, this_rank) -> str:
    """'▲ 2' (up two places), '▼ 1', '=' or 'new'."""
    if last_year_rank is None or pd.isna(last_year_rank):
        return "new"
    d = int(last_year_rank) - int(this_rank)
    return "=" if d == 0 else (f"▲ {d}" if d > 0 else f"▼ {-d}")


def priority_matrix(ds: Dataset, params: Params, *, cache: bool = True) -> dict[str, pd.DataFrame]:
    """Everything the matrix notebook and the summary show.

    Returns
    -------
    dict
        ``measures`` (evidence), ``scores`` (1-5 per criterion), ``ranking``
        (rank, priority, score, confidence, movement, reason, p_top3, 90% rank
        interval, robustness), ``sensitivity``, and ``hidden``: the priorities whose
        sensitive headline is too small to show (disclosure control).

    With ``cache`` (default) the result is computed once per assessment and shared
    by every notebook through :mod:`csp_analysis.memo`.
    """
    if cache:
        from csp_analysis.memo import memoized

        return memoized(params, "priority_matrix", lambda: priority_matrix(ds, params, cache=False))
    mx = params.matrix
    weights = mx.weights
    m = measures(ds, params)
    scores = criteria_scores(m, params)
    ranking = rank(scores, weights, method=mx.method, morile=mx.morile)
    sens = sensitivity(
        scores,
        weights,
        draws=mx.sensitivity_draws,
        concentration=mx.sensitivity_concentration,
        seed=mx.seed,
        method=mx.method,
        morile=mx.morile,
    )
    ranking["priority"] = m.loc[ranking.index, "priority"]
    ranking["last_year_rank"] = m.loc[ranking.index, "last_year_rank"]
    ranking["movement"] = [movement(a, b) for a, b in zip(ranking["last_year_rank"], ranking["rank"])]
    from csp_analysis.disclosure import small_headlines

    hidden = small_headlines(params, m)
    ranking["reason"] = reasons(scores, ranking, m, weights, hidden=hidden)
    ranking = ranking.join(sens)
    ranking["robustness"] = robustness(ranking, sens)
    return {"measures": m, "scores": scores, "ranking": ranking, "sensitivity": sens, "hidden": hidden}


def export_table(result: dict[str, pd.DataFrame], params: Params) -> pd.DataFrame:
    """The matrix as one flat table for partners who work in Excel (CSV and XLSX).

    Headline counts of priorities whose headline is sensitive are suppressed below the
    threshold, like everywhere else.
    """
    from csp_analysis.disclosure import small_headlines

    r = result["ranking"].sort_values("rank")
    m = result["measures"].loc[r.index]
    s = result["scores"].loc[r.index].rename(columns=lambda c: f"score_{c}")
    thr = params.report.suppression_threshold
    small = small_headlines(params, m)
    cur, prev = str(params.period.current), str(params.period.previous)
    out = pd.DataFrame(
        {
            "rank": r["rank"],
            "priority": r["priority"],
            "score": r["score"],
            "method": params.matrix.method,
            "confidence": r["confidence"],
            "last_year_rank": r["last_year_rank"],
            "movement": r["movement"],
            "reason": r["reason"],
            "p_top3": r["p_top3"].round(3),
            "rank_90pc_low": r["rank_p05"],
            "rank_90pc_high": r["rank_p95"],
            "robustness": r["robustness"],
        }
    )
    for col, label in (("previous", f"headline_{prev}"), ("current", f"headline_{cur}")):
        out[label] = [f"<{thr}" if pid in small else int(m.at[pid, col]) for pid in m.index]
    hide = out.index.isin(small)
    out["pct_change"] = m["pct_change"].mask(hide)
    out["p_value"] = m["p_value"].round(4).mask(hide)
    out["verdict"] = m["verdict"].mask(hide, "not shown (small numbers)")
    out["rate_per_1000"] = m["rate_per_1000"].round(2).mask(hide)
    out = out.join(s)
    out.index.name = "priority_id"
    return out.reset_index()
