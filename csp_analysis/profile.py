"""The pieces of one priority's profile (chart, change table and its sentences)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
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


# ------------------------------------------------------------------ trend, limits, forecast


def analyse(ds, params: Params, priority: Priority, *, cache: bool = True) -> dict:
    """Every statistic of one priority's profile, computed once per assessment.

    Returns
    -------
    dict
        ``monthly`` (indicator series), ``comp`` (year-on-year tests), and for the
        headline: ``trend``, ``limits`` (XmR control limits), ``exceptions``,
        ``seasonal`` (summary) and ``forecast`` (None with fewer than 12 months), and
        ``places``: current-year ``lsoa`` and ``ward`` hotspot tables and the
        ``concentration`` (None when no headline source has an LSOA).
    """
    if cache:
        from csp_analysis.memo import memoized

        return memoized(params, f"profile-{priority.id}", lambda: analyse(ds, params, priority, cache=False))
    from csp_analysis import stats
    from csp_analysis.indicators import annual_comparison, priority_monthly

    monthly = priority_monthly(ds, priority)
    out = {"monthly": monthly,
           "comp": annual_comparison(monthly, params.period.current, params.period.previous),
           "trend": None, "limits": None, "exceptions": None, "seasonal": None, "forecast": None,
           "places": None, "funnel": None}
    rows = headline_rows(ds, priority, params)
    if rows is not None and not rows.empty:
        from csp_analysis import places

        lsoa = places.hotspots(rows, ds.lsoa, n=None, level="lsoa")
        out["places"] = {
            "lsoa": lsoa,
            "ward": places.hotspots(rows, ds.lsoa, n=None, level="ward"),
            "concentration": places.concentration(lsoa["count"], areas=ds.lsoa["lsoa_code"]),
        }
    out["funnel"] = _funnel(ds, params, priority)
    s = monthly["headline"].dropna()
    if len(s) >= 12:
        limits = stats.control_limits(s, kind="xmr")
        out.update(trend=stats.trend(s), limits=limits, exceptions=stats.exceptions(limits),
                   seasonal=stats.seasonal_summary(s), forecast=stats.forecast(s))
    return out


def _headline_sensitive(priority: Priority) -> bool:
    return any(i.headline and i.sensitive for i in priority.indicators)


def _funnel(ds, params: Params, priority: Priority) -> dict | None:
    """Every district's rate of the headline (from ``data.peers``) with funnel limits."""
    from csp_analysis.indicators import police_categories
    from csp_analysis.peers import funnel_curve, funnel_limits, peer_rates

    cats = police_categories(priority)
    if cats is None or ds.peers is None or ds.peers.empty or ds.population.empty:
        return None
    rates = peer_rates(ds.peers, ds.population, categories=cats)
    rates = rates[rates["population"] > 0]
    if params.area.code not in rates.index or len(rates) < 3:
        return None
    limits = funnel_limits(rates["count"], rates["population"])
    phi = float(limits["phi"].iloc[0]) if bool(limits["overdispersed"].iloc[0]) else 1.0
    curve = funnel_curve(float(limits["group_rate"].iloc[0]), np.geomspace(
        rates["population"].min() * 0.8, rates["population"].max() * 1.2, 120), phi=phi)
    months = pd.DatetimeIndex(sorted(ds.peers["month"].unique()))
    return {"districts": rates.join(limits[["verdict"]]), "curve": curve, "months": months}


def funnel_chart(a: dict, priority: Priority, params: Params):
    """Funnel plot of the headline rate per 1,000 against the force's other districts, or None."""
    f = a.get("funnel")
    if f is None:
        return None
    d = f["districts"]
    fig, ax = plt.subplots(figsize=(8.0, 3.8))
    me = d.loc[params.area.code]
    span = f"{f['months'].min():%b %Y} – {f['months'].max():%b %Y}"
    plots.funnel_plot(d, f["curve"], highlight=params.area.code, ax=ax,
                      title=f"{priority.name}: {params.area.name} is {me['verdict']} the funnel, {span}")
    alt = (
        f"Funnel plot of {indicator_labels(priority)['headline']} per 1,000 residents in the "
        f"{len(d)} districts of {params.area.force}, {span}, against population, with 95% and 99.8% limits "
        f"around the force rate of {f['curve']['group_rate'].iloc[0]:,.1f}. {params.area.name}: "
        f"{me['rate']:,.1f} per 1,000, {me['verdict']} the limits."
    )
    return fig, alt


def trend_chart(a: dict, priority: Priority, params: Params):
    """Headline monthly counts with XmR control limits, exceptions and a 12-month forecast.

    ``a`` is :func:`analyse`'s result. Returns (figure, alt text), or None when the
    headline may not be drawn (small sensitive numbers) or has fewer than 12 months.
    """
    s = a["monthly"]["headline"].dropna()
    thr = params.report.suppression_threshold
    if a["limits"] is None or not chartable(s, _headline_sensitive(priority), thr):
        return None
    limits, exc, fc = a["limits"], a["exceptions"], a["forecast"]
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    plots.control_chart(limits, exc, fc, ax=ax, title=_trend_title(a["trend"], priority))
    outside = exc[exc["rule"] == "outside the control limits"]
    alt = (
        f"Control chart of monthly {indicator_labels(priority)['headline']}, {s.index.min():%B %Y} to "
        f"{s.index.max():%B %Y}: centre line {limits['centre'].iloc[0]:,.0f} a month, control limits "
        f"{limits['lcl'].iloc[0]:,.0f} to {limits['ucl'].iloc[0]:,.0f}; "
        f"{len(outside)} month{'s' if len(outside) != 1 else ''} outside the limits; "
        f"forecast for the next 12 months about {fc['forecast'].mean():,.0f} a month ({fc['method'].iloc[0]})."
    )
    return fig, alt


def _sentence(text: str) -> str:
    text = str(text).strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


def _trend_title(t: dict, priority: Priority) -> str:
    if t["verdict"] in ("rising", "falling"):
        return f"{priority.name}: {t['verdict']} by {abs(t['annual_pct_change']):.1f}% a year"
    return f"{priority.name}: no significant trend over {t['months']} months"


def trend_findings(a: dict, priority: Priority, params: Params) -> str:
    """Bullets: long-term trend, unusual months, seasonality and the forecast (from :func:`analyse`)."""
    s = a["monthly"]["headline"].dropna()
    if a["trend"] is None:
        return f"- Fewer than 12 months of data ({len(s)}): no trend, seasonality or forecast."
    t = a["trend"]
    hidden = not chartable(s, _headline_sensitive(priority), params.report.suppression_threshold)
    span = f"{t['first_month']:%B %Y} to {t['last_month']:%B %Y}"
    model = "negative binomial" if "negative" in t["model"] else t["model"].replace("poisson", "Poisson")
    if t["verdict"] in ("rising", "falling"):
        lines = [
            f"- **Long-term trend ({span})**: {t['verdict']}, {narrative.fmt_pct(t['annual_pct_change'])} a year "
            f"(95% interval {narrative.fmt_pct(t['ci_low'])} to {narrative.fmt_pct(t['ci_high'])}; "
            f"{model} model, {narrative.fmt_p(t['p_value'])})."
        ]
    else:
        lines = [f"- **Long-term trend ({span})**: no significant trend ({model} model, {narrative.fmt_p(t['p_value'])})."]
    exc = a["exceptions"]
    if exc.empty:
        lines.append("- **Unusual months**: none; every month was within the control limits.")
    elif hidden:
        lines.append(f"- **Unusual months**: {len(exc)} signal(s) (values not shown: small numbers).")
    else:
        lines.append("- **Unusual months**: " + "; ".join(exc["description"].str.rstrip(".")) + ".")
    season = a["seasonal"]
    if season.get("seasonal") in (True, "yes"):
        lines.append(f"- **Seasonality**: {season['sentence']}")
    else:
        lines.append("- **Seasonality**: no clear seasonal pattern.")
    fc = a["forecast"]
    if not hidden:
        lines.append(
            f"- **Next 12 months**: about {fc['forecast'].mean():,.0f} a month expected "
            f"({fc['method'].iloc[0]}; a single month will fall between {max(fc['lo80'].min(), 0):,.0f} and "
            f"{fc['hi80'].max():,.0f} four times in five). {_sentence(fc['note'].iloc[0])}"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ places


LOCATED_SOURCES = ("police_uk", "domestic_abuse", "council_asb", "business_crime", "road_casualties")


def headline_rows(ds, priority: Priority, params: Params) -> pd.DataFrame | None:
    """Current-year rows of the headline indicators that carry an LSOA (None if none do)."""
    from csp_analysis.indicators import filter_rows

    cur = params.period.current
    frames = []
    for ind in priority.indicators:
        if ind.headline and ind.source in LOCATED_SOURCES:
            rows = filter_rows(ds.source(ind.source), ind)
            rows = rows[(rows["month"] >= cur.first_month) & (rows["month"] <= cur.last_month)]
            frames.append(rows[["lsoa_code", "month"]])
    return pd.concat(frames, ignore_index=True) if frames else None


def places_section(a: dict, priority: Priority, params: Params, boundaries: dict | None):
    """Map, ward table and concentration sentence for the current year (from
    :func:`analyse`), or None.

    Sensitive priorities: areas with fewer than the threshold are not shown (grey on
    the map, left out of the table), and no count is printed.
    """
    if a["places"] is None:
        return None
    thr = params.report.suppression_threshold
    sensitive = _headline_sensitive(priority)
    lsoa, ward, conc = a["places"]["lsoa"], a["places"]["ward"], a["places"]["concentration"]
    cur = str(params.period.current)
    top10 = conc.loc[0.10]
    sentence = (
        f"In {cur}, the busiest 10% of neighbourhoods ({int(top10['areas'])} of {int(top10['of_areas'])} LSOAs) "
        f"had {top10['share']:.0%} of the incidents, and the busiest 5% had {conc.loc[0.05, 'share']:.0%}. "
        "Locations are police.uk's anonymised map points or partners' LSOA codes."
    )
    fig = alt = None
    if boundaries:
        rate = lsoa["rate"].where(~(sensitive & lsoa["count"].between(1, thr - 1)))
        fig, ax = plt.subplots(figsize=(7.5, 6.0))
        plots.choropleth(rate, boundaries, ax=ax, label="per 1,000 residents",
                         title=f"{priority.name}: rate per 1,000 residents by LSOA, {cur}",
                         missing_label=f"fewer than {thr} (not shown)" if sensitive else "no data")
        top = lsoa.head(3)
        alt = (
            f"Map of {params.area.name} by neighbourhood (LSOA), shaded by the {cur} rate per 1,000 residents "
            f"of {indicator_labels(priority)['headline']}. Highest: "
            + "; ".join(f"{n} ({w})" for n, w in zip(top["lsoa_name"], top["ward_name"])) + "."
        )
    shown = ward[ward["count"] >= (thr if sensitive else 0)].head(10)
    table = pd.DataFrame(
        {
            "Ward": shown["ward_name"].to_numpy(),
            "Incidents": shown["count"].map("{:,}".format).to_numpy(),
            "Share of area": shown["share"].map("{:.1%}".format).to_numpy(),
            "Rate per 1,000": shown["rate"].map("{:,.1f}".format).to_numpy(),
            "Against the area rate": shown["verdict"].fillna("–").to_numpy(),
        }
    )
    return fig, alt, table, sentence


def repeat_victims_table(ds, priority: Priority, params: Params) -> pd.DataFrame | None:
    """Incidence, prevalence and concentration of repeat victimisation for both years,
    when a headline source identifies victims."""
    from csp_analysis import victims
    from csp_analysis.disclosure import is_small

    src = next((i.source for i in priority.indicators
                if i.headline and "victim_id" in ds.source(i.source).columns), None)
    if src is None:
        return None
    df = ds.source(src)
    population = params.area.population or ds.census_population
    thr = params.report.suppression_threshold
    rows = {}
    for fy in (params.period.previous, params.period.current):
        d = df[(df["month"] >= fy.first_month) & (df["month"] <= fy.last_month)]
        rv = victims.repeat_victimisation(d, population=population)
        rows[str(fy)] = rv
    out = pd.DataFrame(rows).T
    fmt = pd.DataFrame(index=out.index)
    for col, label in (("incidents", "Incidents"), ("victims", "Victims"), ("repeat_victims", "Repeat victims")):
        fmt[label] = [f"<{thr}" if is_small(v, thr) else f"{int(v):,}" for v in out[col]]
    fmt["Repeat victims, % of victims"] = out["repeat_share"].map("{:.1%}".format)
    fmt["Incidents per victim"] = out["concentration"].map("{:.2f}".format)
    fmt["Incidence per 1,000"] = out["incidence_per_1000"].map("{:.1f}".format)
    fmt["Prevalence per 1,000"] = out["prevalence_per_1000"].map("{:.1f}".format)
    fmt.index.name = "Year"
    return fmt.reset_index()


def peer_sentence(matrix: dict, priority: Priority, params: Params) -> str | None:
    """The headline against the force's other districts (funnel-plot verdict), or None."""
    m = matrix["measures"].loc[priority.id]
    if m.get("peer_verdict") is None or pd.isna(m.get("peer_verdict")):
        return None
    verdict = {"above": "above the range", "below": "below the range", "within": "within the range"}
    return (
        f"Against the {int(m['peer_of']) - 1} other districts of {params.area.force} (police.uk, the months "
        f"of the whole-force file), {params.area.name} ranks {narrative.ordinal(int(m['peer_rank']))} of "
        f"{int(m['peer_of'])} on the rate per resident and is **{verdict.get(m['peer_verdict'], m['peer_verdict'])}** "
        "expected from chance and the usual differences between districts (99.8% funnel limits, adjusted for "
        "over-dispersion)."
    )


def harm_sentence(matrix: dict, priority: Priority, params: Params) -> str | None:
    """The headline's harm under the two indices and where that puts the priority."""
    m = matrix["measures"].loc[priority.id]
    if pd.isna(m.get("cchi_per_1000")):
        return None
    ranks = matrix["measures"][["cchi_per_1000", "css_per_1000"]].rank(ascending=False, method="min")
    n = len(ranks)
    text = (
        f"Weighted by harm, this year's headline incidents come to {m['cchi_per_1000']:,.0f} Crime Harm Index "
        f"days and {m['css_per_1000']:,.0f} Crime Severity Score points per 1,000 residents: "
        f"{narrative.ordinal(int(ranks.loc[priority.id, 'cchi_per_1000']))} of {n} priorities on the first, "
        f"{narrative.ordinal(int(ranks.loc[priority.id, 'css_per_1000']))} on the second."
    )
    if pd.notna(m.get("harm_judgement")):
        text += f" The params file sets harm by judgement instead ({m['harm_judgement']:g}/5)."
    return text
