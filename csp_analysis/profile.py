"""The pieces of one priority's profile (chart, change table and its sentences)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from csp_analysis import narrative, plots, tables
from csp_analysis.config import Params, Priority
from csp_analysis.disclosure import chartable, suppress_comparison
from csp_analysis.indicators import indicator_labels


def headline_chart(monthly: pd.DataFrame, priority: Priority, params: Params):
    """Monthly chart of the headline indicators that may be shown; returns (figure, alt text)."""
    thr = params.report.suppression_threshold
    heads = [i for i in priority.indicators if i.headline]
    show = [i for i in heads if chartable(monthly[i.id], i.sensitive, thr)]
    fig, ax = plt.subplots(figsize=(8.5, 3.4))
    if not show:
        ax.text(0.5, 0.5, "Monthly counts not shown: small numbers (disclosure control)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig, f"{priority.name}: monthly chart withheld because some monthly counts are small."
    data = monthly[[i.id for i in show]].dropna(how="all").rename(columns={i.id: i.label for i in show})
    cur = params.period.current
    total_cur = monthly.loc[(monthly.index >= cur.first_month) & (monthly.index <= cur.last_month), "headline"]
    peak = data.sum(axis=1).idxmax()
    title = f"{priority.name}: monthly counts, highest in {peak:%B %Y}"
    plots.monthly_trend(data, title=title, current=cur, ax=ax)
    alt = (
        f"Line chart of monthly {narrative.and_list([i.label for i in show])}, "
        f"{data.index.min():%B %Y} to {data.index.max():%B %Y}; {params.period.current} shaded, "
        f"total {int(total_cur.sum()):,} in {params.period.current}; peak month {peak:%B %Y}."
    )
    return fig, alt


def display_comparison(comp: pd.DataFrame, priority: Priority, params: Params):
    """The suppressed, labelled change table and one sentence per indicator."""
    thr = params.report.suppression_threshold
    sensitive = {i.id for i in priority.indicators if i.sensitive}
    if any(i.headline and i.sensitive for i in priority.indicators):
        sensitive.add("headline")
    labels = indicator_labels(priority)
    rows = [i.id for i in priority.indicators]
    heads = [i for i in priority.indicators if i.headline]
    if len(heads) > 1:
        rows.append("headline")
    totals = {"headline": [i.id for i in heads]} if len(heads) > 1 else {}
    shown = suppress_comparison(comp.loc[rows], sensitive, thr, totals)
    cur, prev = str(params.period.current), str(params.period.previous)
    table = tables.comparison_table(shown, labels, current=cur, previous=prev)
    synth = set(params.data.synthetic)
    sources = {i.id: i.source for i in priority.indicators}
    table.insert(1, "Source", [
        ("synthetic " if sources.get(r) in synth else "") + source_label(sources.get(r, ""))
        for r in rows
    ])
    sentences = []
    for r in rows:
        rec = shown.loc[r]
        if isinstance(rec["current"], str):
            sentences.append(f"- {labels[r]}: numbers too small to publish (fewer than {thr}).")
        elif pd.notna(rec.get("verdict")) and rec["months"]:
            sentences.append("- " + narrative.change_sentence(labels[r], rec, cur, prev))
    return table, "\n".join(sentences)


SOURCE_LABELS = {
    "police_uk": "police.uk",
    "domestic_abuse": "police DA records",
    "council_asb": "District Council",
    "business_crime": "BCRP",
    "road_casualties": "STATS19",
    "youth_indicators": "youth services",
    "substance_misuse_indicators": "health / treatment",
    "": "",
}


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source)
