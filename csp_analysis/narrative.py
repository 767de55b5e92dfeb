"""Plain-English sentences generated from the measures.

Rules: thousands separators; one decimal for percentages; a change is only
described as a rise or a fall when its test says it is significant, otherwise
"no significant change" (never "decreased by 2 crimes" when that is noise).
"""

from __future__ import annotations

import math

from csp_analysis.stats import DECREASE, INCREASE


def fmt_count(n) -> str:
    return f"{int(n):,}"


def fmt_pct(x) -> str:
    """'+19.7%' / '−3.7%' (true minus sign) / 'n/a'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:+.1f}%".replace("-", "−")


def fmt_signed(n) -> str:
    """'+1,234' / '−97' (true minus sign)."""
    return f"{int(n):+,}".replace("-", "−")


def fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    return f"{fmt_count(n)} {word if int(n) == 1 else (plural_word or word + 's')}"


def change_sentence(label: str, rec, current: str, previous: str) -> str:
    """One sentence for one comparison record from :func:`csp_analysis.stats.compare_periods`.

    Examples
    --------
    >>> change_sentence("Burglary", {"current": 566, "previous": 743, "pct_change": -23.8,
    ...     "p_value": 1e-6, "verdict": "significant decrease"}, "2014-15", "2013-14")
    'Burglary fell from 743 in 2013-14 to 566 in 2014-15 (−23.8%), a significant decrease (p < 0.001).'
    """
    cur, prev = fmt_count(rec["current"]), fmt_count(rec["previous"])
    pct = fmt_pct(rec["pct_change"])
    if rec["verdict"] == INCREASE:
        return (
            f"{label} rose from {prev} in {previous} to {cur} in {current} ({pct}), "
            f"a significant increase ({fmt_p(rec['p_value'])})."
        )
    if rec["verdict"] == DECREASE:
        return (
            f"{label} fell from {prev} in {previous} to {cur} in {current} ({pct}), "
            f"a significant decrease ({fmt_p(rec['p_value'])})."
        )
    return (
        f"{label}: {prev} in {previous} and {cur} in {current} ({pct}), "
        f"no significant change ({fmt_p(rec['p_value'])}); the difference is within normal variation."
    )


def ordinal(n: int) -> str:
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ------------------------------------------------------------ section texts


def _next_year(params) -> str:
    y = params.period.current.start_year + 1
    return f"{y}-{(y + 1) % 100:02d}"


def summary_intro(params, ranking) -> str:
    """Opening paragraph of the executive summary."""
    from csp_analysis.matrix import CRITERION_LABELS

    r = ranking.sort_values("rank")
    top3 = ", ".join(r["priority"].head(3))
    used = [CRITERION_LABELS[c].lower() for c, w in params.matrix.weights.items() if w > 0]
    robust = int((r["robustness"] == "robust").sum())
    return (
        f"This strategic assessment looks at crime, anti-social behaviour and substance misuse in "
        f"{params.area.name} in {params.period.current} (April to March), compared with "
        f"{params.period.previous}, and recommends the order of the partnership's "
        f"{len(r)} priorities for {_next_year(params)}. Each priority is scored on "
        f"{len(used)} criteria ({and_list(used)}) and ranked by a "
        f"{'weighted score' if params.matrix.method == 'weighted_sum' else 'MoRiLE-style risk score'}; "
        f"every change quoted has been tested, so only real changes are called rises or falls.\n\n"
        f"The three highest priorities are **{top3}**. {robust} of the {len(r)} ranks are robust "
        f"(they stay within one place however the weights are varied); the others could swap with "
        f"a neighbour and should be read as a group."
    )


def key_findings(ds, params, matrix) -> str:
    """Bullets: significant changes in headline indicators, then the stable ones."""
    from csp_analysis.indicators import indicator_labels

    m = matrix["measures"]
    cur, prev = str(params.period.current), str(params.period.previous)
    labels = {p.id: indicator_labels(p)["headline"] for p in params.priorities}
    lines = []
    for pid, row in m.iterrows():
        if row["verdict"] not in (INCREASE, DECREASE) or pid in matrix.get("hidden", set()):
            continue
        lines.append(f"- **{row['priority']}**: " + change_sentence(labels[pid], row, cur, prev))
    stable = [row["priority"] for pid, row in m.iterrows()
              if row["verdict"] not in (INCREASE, DECREASE) and pid not in matrix.get("hidden", set())]
    if stable:
        lines.append(
            "- No significant change in " + and_list(stable) + ": differences from last year are "
            "within the normal variation of counts of this size."
        )
    return "\n".join(lines)


def and_list(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def rag_sentence(overall, params) -> str:
    a, s = overall.loc["Actions"], overall.loc["Success measures"]
    return (
        f"At the end of {params.period.current}, **{a['Green'] / a['total']:.0%} of the "
        f"{plural(a['total'], 'action')}** and **{s['Green'] / s['total']:.0%} of the "
        f"{plural(s['total'], 'success measure')}** of last year's action plan were green "
        f"(on target); {plural(a['Amber'], 'action')} {'was' if a['Amber'] == 1 else 'were'} amber "
        f"and {plural(a['Red'], 'action')} {'was' if a['Red'] == 1 else 'were'} red."
    )


def rag_title(shares) -> str:
    full = int((shares["Green"] >= 1).sum())
    lo = shares["Green"].min()
    return (f"{full} of {len(shares)} priorities had every action on target; "
            f"the lowest green share was {lo:.0%}")


def rag_alt(shares) -> str:
    parts = [f"{idx}: {row['Green']:.0%} green" for idx, row in shares.iterrows()]
    return "Bar chart of the share of actions green, amber and red by priority. " + "; ".join(parts) + "."


def overview_intro(totals, comp, params) -> str:
    cur, prev = str(params.period.current), str(params.period.previous)
    vb = totals["victim_based_crime"]
    rec = None
    if "Victim-based crime" in comp.attrs:
        rec = comp.attrs["Victim-based crime"]
    elif cur in vb.index and prev in vb.index:
        from csp_analysis.stats import compare_periods

        rec = compare_periods(int(vb[cur]), int(vb[prev]))
    up = comp.index[comp["verdict"] == INCREASE].tolist()
    down = comp.index[comp["verdict"] == DECREASE].tolist()
    text = [
        f"Police recorded crime comes from police.uk (street-level data for {params.area.force}, "
        f"{and_list([str(y) for y in totals.index])})."
    ]
    if rec is not None:
        text.append(change_sentence("Victim-based crime", rec, cur, prev))
    if up:
        text.append(f"Significant increases: {and_list([u.lower() for u in up])}.")
    if down:
        text.append(f"Significant decreases: {and_list([d.lower() for d in down])}.")
    partial = totals.index[totals["months"] < 12].tolist()
    if partial:
        text.append(
            "Years with fewer than 12 months of data: "
            + and_list([f"{y} ({totals.loc[y, 'months']} months)" for y in partial]) + "."
        )
    return " ".join(text)


def annual_title(totals, what: str) -> str:
    s = totals[totals["months"] == 12]
    if len(s) < 2:
        return f"Recorded {what} by financial year"
    first, last = s.index[0], s.index[-1]
    a, b = s.loc[first, "victim_based_crime"], s.loc[last, "victim_based_crime"]
    word = "higher" if b > a else "lower"
    return f"Recorded {what} was {abs(b - a) / a:.0%} {word} in {last} than in {first}"


def annual_alt(totals, column: str, what: str) -> str:
    parts = [f"{y}: {v:,}" for y, v in totals[column].items()]
    return f"Bar chart. {what} per financial year: " + "; ".join(parts) + "."


def yoy_title(comp) -> str:
    n_up = int((comp["verdict"] == INCREASE).sum())
    n_down = int((comp["verdict"] == DECREASE).sum())
    return (f"{n_up} crime type{'s' if n_up != 1 else ''} rose significantly, "
            f"{n_down} fell significantly; the rest did not change beyond normal variation")


def yoy_alt(comp, prev: str, cur: str) -> str:
    parts = [f"{c}: {r['previous']:,} to {r['current']:,} ({r['verdict']})" for c, r in comp.iterrows()]
    return f"Paired bar chart of recorded crime by type, {prev} and {cur}. " + "; ".join(parts) + "."


def category_note() -> str:
    return (
        "police.uk changed its crime types in May 2013. To compare years across the change, "
        "*Public order* and *Possession of weapons* are shown together (as before May 2013), and "
        "*Bicycle theft* and *Theft from the person* are counted within *Other theft*. "
        "Victim-based crime excludes anti-social behaviour, drugs, public order and weapons, and "
        "other crime. Each change is tested as a Poisson rate (E-test, 5% level)."
    )


def profile_intro(priority, matrix, params) -> str:
    r = matrix["ranking"].loc[priority.id]
    m = matrix["measures"].loc[priority.id]
    heads = [i.label for i in priority.indicators if i.headline]
    last = "" if r["last_year_rank"] is None or r["last_year_rank"] != r["last_year_rank"] else (
        f" (last year {ordinal(r['last_year_rank'])}, {r['movement']})")
    hidden = priority.id in matrix.get("hidden", set())
    rate = "" if hidden or m["rate_per_1000"] != m["rate_per_1000"] else (
        f" The headline indicator ({and_list(heads)}) ran at "
        f"{m['rate_per_1000']:,.1f} per 1,000 residents in {params.period.current}.")
    return (
        f"Ranked **{ordinal(r['rank'])} of {len(matrix['ranking'])}**{last}, score {r['score']:.2f}; "
        f"the rank is {r['robustness']} (rank {r['rank_p05']}–{r['rank_p95']} in 90% of weightings). "
        f"{r['reason']}{rate}"
    )


def matrix_method(params) -> str:
    return (
        "Each priority is scored from 1 (low) to 5 (high) on each criterion. *Volume* scores the "
        "headline rate per 1,000 residents against fixed cut points; *change* scores the tested "
        "year-on-year change (a significant rise of 10% or more scores 5, any other significant rise 4, "
        "no significant change 3, a significant fall 2, a significant fall of 10% or more 1); "
        "*public concern* scores the share of survey respondents concerned; *harm*, *vulnerability*, "
        "*strategic alignment* and *ability to influence* are the analyst's judgement, recorded in the "
        "params file with their reasons. The score is the weighted mean of the criteria; where evidence "
        "is missing, that criterion's weight is shared among the others and the confidence grade "
        "drops (A: complete, B: one criterion missing, C: more). Ties are broken by harm, then volume."
    )


def heatmap_alt(scores, ranking) -> str:
    r = ranking.sort_values("rank")
    parts = []
    for pid in r.index:
        s = scores.loc[pid]
        parts.append(f"{r.loc[pid, 'priority']}: " + ", ".join(
            f"{c.replace('_', ' ')} {'missing' if v != v else int(v)}" for c, v in s.items()))
    return "Heatmap of criteria scores (1 to 5) by priority. " + "; ".join(parts) + "."


def sensitivity_intro(params, ranking) -> str:
    return (
        f"The weights are a judgement, so the ranking was recomputed "
        f"{params.matrix.sensitivity_draws:,} times with weights drawn at random around the chosen "
        f"ones (Dirichlet, concentration {params.matrix.sensitivity_concentration:g}, seed "
        f"{params.matrix.seed}), and once with each criterion left out. A rank is **robust** when "
        f"its 90% interval and every leave-one-out rank stay within one place of it; otherwise it "
        f"is **uncertain**."
    )


def sensitivity_title(ranking) -> str:
    sure = ranking[ranking["p_top3"] >= 0.95].sort_values("rank")["priority"].tolist()
    if sure:
        return f"{and_list(sure)} stay{'s' if len(sure) == 1 else ''} in the top three under 95% of weightings"
    return "No priority is sure of a top-three place when the weights vary"


def sensitivity_alt(ranking) -> str:
    r = ranking.sort_values("rank")
    parts = [f"{n}: rank {k}, interval {a} to {b}, top-3 chance {p:.0%}"
             for n, k, a, b, p in zip(r["priority"], r["rank"], r["rank_p05"], r["rank_p95"], r["p_top3"])]
    return "Chart of each priority's rank with its 90% interval under varied weights. " + "; ".join(parts) + "."


def horizon_intro(params) -> str:
    filled = [k for k, v in params.horizon_scanning.model_dump().items() if v.strip()]
    if not filled:
        return "No horizon scanning was recorded for this assessment (params `horizon_scanning`)."
    return (
        "Horizon scanning looks three years ahead at what may change the levels and patterns of "
        "crime, disorder and substance misuse, or the partnership's ability to respond. It is the "
        "partners' judgement, not a measurement."
    )


def horizon_table(params):
    import pandas as pd

    items = [(k.capitalize(), v.strip()) for k, v in params.horizon_scanning.model_dump().items() if v.strip()]
    return pd.DataFrame(items, columns=["Factor", "What may change"])


def harm_sentence(totals, disagreement, params) -> str:
    """How the two harm indices order the priorities, and where they disagree."""
    names = {p.id: p.name for p in params.priorities}
    top_c = names.get(totals["cchi_rank"].idxmin(), "")
    top_s = names.get(totals["css_rank"].idxmin(), "")
    head = (
        "Harm is measured two ways: the Cambridge Crime Harm Index (days of imprisonment at the "
        "sentencing starting point) and an ONS-style Crime Severity Score (average sentences), each "
        "applied to the headline incidents of the current year (weights and their sources: "
        "data/reference/harm_weights.csv). "
    )
    if disagreement.empty:
        return head + f"Both indices put the priorities in the same order, {top_c} first."
    pairs = [f"{names.get(a, a)} above {names.get(b, b)}" for a, b in
             zip(disagreement["higher_on_cchi"], disagreement["higher_on_css"])][:4]
    return (
        head + f"The indices disagree on {plural(len(disagreement), 'pair')} of priorities "
        f"(Kendall's τ {disagreement.attrs.get('kendall_tau', float('nan')):.2f}): the Crime Harm Index puts "
        f"{and_list(pairs)}, the Crime Severity Score the other way round. The matrix scores harm as the "
        f"mean of the two, so neither index decides alone. Most harmful: {top_c} (CHI), {top_s} (CSS)."
    )
