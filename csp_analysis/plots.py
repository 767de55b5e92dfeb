"""House-style charts. Each takes aggregated data (never raw rows) and ``ax=``, and returns the Axes.

The house theme is seaborn's (whitegrid, colour-blind palette), applied through matplotlib's
own copies of the seaborn styles (see :func:`csp_analysis.report.setup`): importing seaborn
itself costs every notebook kernel over a second.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csp_analysis.periods import FinancialYear
from csp_analysis.stats import DECREASE, INCREASE

# seaborn's "colorblind" palette (Okabe-Ito based)
COLORBLIND = ["#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC", "#CA9161", "#FBAFE4", "#949494",
              "#ECE133", "#56B4E9"]
VERDICT_COLOURS = {INCREASE: "#D55E00", DECREASE: "#0072B2", "no significant change": "#999999"}
RAG_COLOURS = {"Green": "#009E73", "Amber": "#E69F00", "Red": "#D55E00"}


def _ax(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def monthly_trend(series: pd.DataFrame, *, title: str, ylabel: str = "per month",
                  current: FinancialYear | None = None, ax=None):
    """Monthly counts, one line per column; the current financial year shaded."""
    ax = _ax(ax)
    for col in series.columns:
        ax.plot(series.index, series[col], marker="o", markersize=3, linewidth=1.5, label=col)
    if current is not None:
        ax.axvspan(current.first_month - pd.Timedelta(days=15), current.last_month + pd.Timedelta(days=15),
                   color="#F0E442", alpha=0.25, lw=0, label=f"{current}")
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(4, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    ax.set_ylim(bottom=0)
    if len(series.columns) > 1 or current is not None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    return ax


def annual_totals(totals: pd.Series, *, title: str, ax=None):
    """Bar per financial year (index: year labels)."""
    ax = _ax(ax, (6.5, 3.2))
    bars = ax.bar(totals.index.astype(str), totals.to_numpy(), color=COLORBLIND[0])
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in totals], padding=2, fontsize=9)
    ax.set_title(title)
    ax.set_ylabel("recorded per year")
    ax.margins(y=0.15)
    return ax


def year_on_year(comp: pd.DataFrame, *, previous: str, current: str, title: str, ax=None):
    """Horizontal paired bars per category, the current bar coloured by its verdict."""
    comp = comp.sort_values("current")
    ax = _ax(ax, (8.5, 0.42 * len(comp) + 1.2))
    y = np.arange(len(comp))
    ax.barh(y + 0.2, comp["previous"], height=0.4, color="#BBBBBB", label=previous)
    ax.barh(y - 0.2, comp["current"], height=0.4,
            color=[VERDICT_COLOURS.get(v, "#999999") for v in comp["verdict"]], label=current)
    ax.set_yticks(y, comp.index)
    for yi, (cur, pct) in enumerate(zip(comp["current"], comp["pct_change"])):
        label = f"{cur:,.0f}" + ("" if pd.isna(pct) else f" ({pct:+.1f}%)")
        ax.text(cur, yi - 0.2, " " + label, va="center", fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color="#BBBBBB")] + [
        plt.Rectangle((0, 0), 1, 1, color=c) for c in VERDICT_COLOURS.values()
    ]
    ax.legend(handles, [previous] + [f"{current}: {v}" for v in VERDICT_COLOURS],
              loc="lower right", frameon=False, fontsize=8)
    ax.set_title(title)
    ax.set_xlabel("recorded in the year")
    ax.margins(x=0.18)
    return ax


def score_heatmap(scores: pd.DataFrame, *, title: str, ax=None):
    """Priorities × criteria, 1-5 (darker = higher); missing evidence left blank and labelled "–"."""
    ax = _ax(ax, (8.5, 0.45 * len(scores) + 1.5))
    data = scores.astype(float).to_numpy()
    cmap = plt.get_cmap("viridis_r").copy()
    cmap.set_bad("#f0f0f0")
    im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=1, vmax=5, aspect="auto")
    for (r, c), v in np.ndenumerate(data):
        ax.text(c, r, "–" if np.isnan(v) else f"{v:g}", ha="center", va="center", fontsize=9,
                color="white" if not np.isnan(v) and v >= 3.5 else "black")
    ax.set_xticks(range(data.shape[1]), scores.columns, rotation=30, ha="right")
    ax.set_yticks(range(data.shape[0]), scores.index)
    ax.grid(False)
    ax.figure.colorbar(im, ax=ax, label="score (1 low – 5 high)")
    ax.set_title(title)
    return ax


def rank_intervals(ranking: pd.DataFrame, *, title: str, ax=None):
    """Each priority's rank with its 90% interval under varied weights, and P(top 3)."""
    r = ranking.sort_values("rank")
    ax = _ax(ax, (8.5, 0.45 * len(r) + 1.3))
    y = np.arange(len(r))
    ax.hlines(y, r["rank_p05"], r["rank_p95"], color="#0072B2", linewidth=6, alpha=0.35,
              label="90% interval of rank")
    ax.plot(r["rank"], y, "o", color="#0072B2", label="rank")
    ax.set_yticks(y, [f"{n}  (top 3: {p:.0%})" for n, p in zip(r["priority"], r["p_top3"])])
    ax.invert_yaxis()
    ax.set_xticks(range(1, len(r) + 1))
    ax.set_xlim(0.5, len(r) + 0.5)
    ax.set_xlabel("rank (1 = highest priority)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return ax


def rag_bars(shares: pd.DataFrame, *, title: str, ax=None):
    """Stacked horizontal bars of Green/Amber/Red shares (rows: what is rated)."""
    ax = _ax(ax, (8.5, 0.5 * len(shares) + 1.2))
    left = np.zeros(len(shares))
    for rag in ("Green", "Amber", "Red"):
        vals = shares.get(rag, pd.Series(0, index=shares.index)).to_numpy(float)
        ax.barh(shares.index, vals, left=left, color=RAG_COLOURS[rag], label=rag)
        for i, (lft, v) in enumerate(zip(left, vals)):
            if v >= 0.06:
                ax.text(lft + v / 2, i, f"{v:.0%}", ha="center", va="center", color="white", fontsize=9)
        left += vals
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.invert_yaxis()
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return ax


def choropleth(values: pd.Series, boundaries: dict, *, title: str, label: str, missing_label: str = "no data",
               ax=None):
    """Map of one value per LSOA (index: LSOA code) in five quantile classes.

    LSOAs without a value are drawn grey with ``missing_label`` in the legend (e.g.
    suppressed small numbers). Coordinates are longitude/latitude, drawn with the
    aspect of their mean latitude.
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    ax = _ax(ax, (7.5, 6.0))
    vals = values.dropna()
    k = min(5, max(1, vals.nunique()))
    bins = np.unique(np.quantile(vals, np.linspace(0, 1, k + 1))) if len(vals) else np.array([0, 1])
    k = max(1, len(bins) - 1)
    colours = [plt.get_cmap("YlOrRd")(x) for x in np.linspace(0.15, 0.9, k)]
    polys, faces = [], []
    for code, rings in boundaries.items():
        v = values.get(code, np.nan)
        if pd.isna(v):
            colour = (0.85, 0.85, 0.85)
        else:
            colour = colours[min(int(np.searchsorted(bins, v, side="right")) - 1, len(colours) - 1)]
        for ring in rings:
            polys.append(ring)
            faces.append(colour)
    ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors="white", linewidths=0.4))
    ax.autoscale_view()
    lat = np.mean([pt[1] for ring in polys for pt in ring]) if polys else 51.5
    ax.set_aspect(1 / np.cos(np.radians(lat)))
    ax.set_axis_off()
    ax.set_title(title)
    handles = [Patch(color=colours[i], label=f"{bins[i]:,.1f} – {bins[i + 1]:,.1f}") for i in range(len(bins) - 1)]
    if values.isna().any() or set(boundaries) - set(vals.index):
        handles.append(Patch(color=(0.85, 0.85, 0.85), label=missing_label))
    ax.legend(handles=handles, title=label, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8,
              title_fontsize=9)
    return ax


def control_chart(limits: pd.DataFrame, exceptions: pd.DataFrame, forecast: pd.DataFrame | None = None, *,
                  title: str, ax=None):
    """Monthly values with centre line and control limits, exceptions marked, and the
    forecast with its 80% and 95% intervals (from :mod:`csp_analysis.stats`)."""
    ax = _ax(ax)
    blue, orange = "#0072B2", "#D55E00"
    ax.plot(limits.index, limits["value"], marker="o", markersize=3, linewidth=1.5, color=blue, label="monthly count")
    ax.plot(limits.index, limits["centre"], color="#555555", linewidth=1, linestyle="--", label="centre line")
    ax.plot(limits.index, limits["ucl"], color="#999999", linewidth=1, linestyle=":", label="control limits")
    ax.plot(limits.index, limits["lcl"], color="#999999", linewidth=1, linestyle=":")
    if len(exceptions):
        pts = limits.loc[limits.index.isin(exceptions["month"])]
        ax.plot(pts.index, pts["value"], "o", markersize=7, markerfacecolor="none", markeredgecolor=orange,
                markeredgewidth=1.5, label="signal (unusual month)")
    if forecast is not None and len(forecast):
        f = forecast
        ax.fill_between(f.index, f["lo95"].clip(lower=0), f["hi95"], color=blue, alpha=0.10, lw=0, label="forecast 95%")
        ax.fill_between(f.index, f["lo80"].clip(lower=0), f["hi80"], color=blue, alpha=0.20, lw=0, label="forecast 80%")
        ax.plot(f.index, f["forecast"], color=blue, linewidth=1.2, linestyle="--")
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(4, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("per month")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return ax


def funnel_plot(districts: pd.DataFrame, curve: pd.DataFrame, *, highlight: str, title: str, ax=None):
    """Rate per 1,000 against population for every district, with 95% and 99.8% limits."""
    ax = _ax(ax)
    ax.plot(curve["population"], curve["group_rate"], color="#555555", linewidth=1, label="force rate")
    ax.plot(curve["population"], curve["hi95"], color="#999999", linestyle="--", linewidth=1, label="95% limits")
    ax.plot(curve["population"], curve["lo95"], color="#999999", linestyle="--", linewidth=1)
    ax.plot(curve["population"], curve["hi998"], color="#999999", linestyle=":", linewidth=1, label="99.8% limits")
    ax.plot(curve["population"], curve["lo998"], color="#999999", linestyle=":", linewidth=1)
    others = districts.drop(index=highlight, errors="ignore")
    ax.scatter(others["population"], others["rate"], color="#BBBBBB", s=25, zorder=3, label="other districts")
    me = districts.loc[highlight]
    ax.scatter([me["population"]], [me["rate"]], color=COLORBLIND[3], s=60, zorder=4, label=str(me["la_name"]))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k"))
    ax.set_xlabel("residents")
    ax.set_ylabel("per 1,000 residents")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return ax
