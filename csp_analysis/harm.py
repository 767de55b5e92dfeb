"""Harm-weighted counts: the Cambridge Crime Harm Index and the ONS Crime Severity Score.

A count treats a robbery and a shoplifting alike. A harm index weights each
incident: the Cambridge Crime Harm Index (CCHI, Sherman, Neyroud & Neyroud 2016)
by the days of imprisonment of the Sentencing Council starting point for a first
offender; the ONS Crime Severity Score (CSS, 2016) by the average sentence actually
given. The two rank offences differently (Ashby 2017), so the workbook shows both
and flags where they order the priorities differently.

The weights are in ``data/reference/harm_weights.csv`` with their basis and source
(``data/reference/README.md``): indicative group values, not the published
per-offence tables, and, for anti-social behaviour, road casualties and
non-crime domestic incidents, which have no sentence, stated assumptions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from csp_analysis.config import Params
from csp_analysis.data import Dataset
from csp_analysis.indicators import filter_rows

WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "data" / "reference" / "harm_weights.csv"

WEIGHT_COLUMNS = ["category", "applies_to", "cchi_days", "css_weight", "cchi_basis", "css_basis",
                  "cchi_source", "css_source", "note"]

# partner rows -> harm category (police.uk rows use their stable ``category``)
BUSINESS_OFFENCE = {
    "shoplifting": "Shoplifting",
    "theft other": "Other theft",
    "criminal damage": "Criminal damage and arson",
    "burglary non-dwelling": "Burglary (non-residential)",
    "violence": "Violence and sexual offences",
    "fraud": "Fraud",
}
YOUTH_INDICATOR = {"youth_asb_reports": "Anti-social behaviour"}

TOTAL_COLUMNS = ["count", "weighted_count", "unweighted_count", "cchi_days", "css_total",
                 "css_per_1000", "count_rank", "cchi_rank", "css_rank", "ranks_differ"]


def harm_weights(path: str | Path | None = None) -> pd.DataFrame:
    """The harm-weight table, indexed by category.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of ``data/reference/harm_weights.csv`` (at least
        ``category, cchi_days, css_weight``). Omitted: the workbook's table.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``category``: ``applies_to, cchi_days, css_weight, cchi_basis,
        css_basis`` ("published indicative", "secondary transcription" or
        "assumption"), ``cchi_source, css_source, note``.
    """
    p = Path(path) if path is not None else WEIGHTS_FILE
    df = pd.read_csv(p, dtype={"category": "string"})
    missing = {"category", "cchi_days", "css_weight"} - set(df.columns)
    if missing:
        raise ValueError(f"{p}: missing column(s) {', '.join(sorted(missing))}")
    if df["category"].duplicated().any():
        dup = sorted(df.loc[df["category"].duplicated(), "category"])
        raise ValueError(f"{p}: category listed twice: {', '.join(dup)}")
    for c in ("cchi_days", "css_weight"):
        df[c] = pd.to_numeric(df[c], errors="raise").astype(float)
        if (df[c] < 0).any():
            raise ValueError(f"{p}: negative {c}")
    for c in WEIGHT_COLUMNS:
        if c not in df.columns:
            df[c] = pd.NA
    return df[WEIGHT_COLUMNS].set_index("category")


def categorise(rows: pd.DataFrame, source: str) -> pd.Series:
    """Harm category of each row of one source (NaN where no weight applies).

    police.uk rows: their stable ``category``. Domestic abuse: "Domestic abuse
    (crime)" or "(non-crime)" from ``recorded_as``. Road casualties: "Road casualty
    (KSI)" or "(slight)" from ``ksi``. Council ASB: "Anti-social behaviour".
    Business crime: by ``offence`` (:data:`BUSINESS_OFFENCE`). Youth indicators:
    youth ASB reports count as ASB; other monthly indicators (first-time
    entrants, admissions, treatment) are not incidents and get no weight.
    """
    idx = rows.index
    if source == "police_uk":
        return rows["category"].astype("string")
    if source == "domestic_abuse":
        return rows["recorded_as"].map({"crime": "Domestic abuse (crime)",
                                        "non-crime": "Domestic abuse (non-crime)"}).astype("string")
    if source == "road_casualties":
        return rows["ksi"].map({"Y": "Road casualty (KSI)",
                                "N": "Road casualty (slight)"}).astype("string")
    if source == "council_asb":
        return pd.Series("Anti-social behaviour", index=idx, dtype="string")
    if source == "business_crime":
        return rows["offence"].map(BUSINESS_OFFENCE).astype("string")
    if source == "youth_indicators":
        return rows["indicator"].map(YOUTH_INDICATOR).astype("string")
    return pd.Series(pd.NA, index=idx, dtype="string")


def priority_harm_counts(ds: Dataset, params: Params, *, months=None) -> pd.DataFrame:
    """Counts of each priority's headline indicators by harm category.

    Parameters
    ----------
    ds : Dataset
    params : Params
    months : sequence of month-start Timestamps, optional
        Months to count (e.g. ``params.period.current.months``). Omitted: the
        current financial year.

    Returns
    -------
    pandas.DataFrame
        Long form: ``priority, category, count``; rows with no harm category
        have ``category`` NA (they are counted, not weighted).
    """
    months = pd.DatetimeIndex(params.period.current.months if months is None else months)
    frames = []
    for pr in params.priorities:
        for ind in pr.indicators:
            if not ind.headline:
                continue
            rows = filter_rows(ds.source(ind.source), ind)
            rows = rows[rows["month"].isin(months)]
            n = rows["count"] if "count" in rows else pd.Series(1, index=rows.index)
            cat = categorise(rows, ind.source)
            g = (pd.DataFrame({"category": cat, "count": n.astype("int64")})
                 .groupby("category", dropna=False)["count"].sum())
            frames.append(pd.DataFrame({"priority": pr.id, "category": g.index, "count": g.to_numpy()}))
    if not frames:
        return pd.DataFrame(columns=["priority", "category", "count"])
    out = pd.concat(frames, ignore_index=True)
    out["category"] = out["category"].astype("string")
    return out.groupby(["priority", "category"], dropna=False, sort=False, as_index=False)["count"].sum()


def _long(counts) -> pd.DataFrame:
    if isinstance(counts, pd.DataFrame) and {"priority", "category", "count"} <= set(counts.columns):
        return counts[["priority", "category", "count"]]
    if isinstance(counts, pd.DataFrame):  # wide: index = priority, columns = categories
        wide = counts.rename_axis(index="priority", columns="category")
        return wide.stack().rename("count").reset_index()
    raise TypeError("counts must be a long frame (priority, category, count) or a wide frame")


def harm_totals(counts, *, weights: pd.DataFrame | None = None, population: float | None = None):
    """Harm-weighted totals per priority under both indices, with their ranks.

    Parameters
    ----------
    counts : pandas.DataFrame
        Either long (``priority, category, count``, as from
        :func:`priority_harm_counts`) or wide (index = priority, one column per
        harm category).
    weights : pandas.DataFrame, optional
        From :func:`harm_weights`; omitted: the workbook's table.
    population : float, optional
        Residents, for ``css_per_1000`` (CSS points per 1,000 residents; ONS
        publishes per resident, i.e. this / 1,000).

    Returns
    -------
    pandas.DataFrame
        Indexed by priority (in the order first seen): ``count``;
        ``weighted_count`` and ``unweighted_count`` (incidents in a category with
        and without a weight; unweighted ones add nothing to the harm totals);
        ``cchi_days`` (sum of count x CCHI days); ``css_total`` (sum of count x CSS
        weight); ``css_per_1000``; ``count_rank, cchi_rank, css_rank`` (1 = most;
        ties share the lower rank); ``ranks_differ`` (CCHI and CSS rank differ).
    """
    w = harm_weights() if weights is None else weights
    df = _long(counts).copy()
    df["count"] = pd.to_numeric(df["count"]).fillna(0)
    known = df["category"].isin(w.index)
    unknown = df.loc[~known & df["category"].notna(), "category"].unique()
    if len(unknown):
        raise KeyError(f"no harm weight for categor{'y' if len(unknown) == 1 else 'ies'} "
                       f"{', '.join(map(repr, unknown))}; add it to the harm-weight table")
    cat = df["category"].where(known)
    df["cchi"] = df["count"] * cat.map(w["cchi_days"]).astype(float).fillna(0.0)
    df["css"] = df["count"] * cat.map(w["css_weight"]).astype(float).fillna(0.0)
    df["weighted"] = df["count"].where(known, 0)
    order = pd.unique(df["priority"])
    g = df.groupby("priority", sort=False)
    out = pd.DataFrame({
        "count": g["count"].sum(),
        "weighted_count": g["weighted"].sum(),
        "cchi_days": g["cchi"].sum(),
        "css_total": g["css"].sum(),
    }).reindex(order)
    out["unweighted_count"] = out["count"] - out["weighted_count"]
    out["css_per_1000"] = out["css_total"] / population * 1000 if population else float("nan")
    for col, rank in (("count", "count_rank"), ("cchi_days", "cchi_rank"), ("css_total", "css_rank")):
        out[rank] = out[col].rank(ascending=False, method="min").astype("int64")
    out["ranks_differ"] = out["cchi_rank"] != out["css_rank"]
    out.index.name = "priority"
    return out[TOTAL_COLUMNS]


def index_disagreement(totals: pd.DataFrame) -> pd.DataFrame:
    """Pairs of priorities the two harm indices put in opposite order.

    Parameters
    ----------
    totals : pandas.DataFrame
        From :func:`harm_totals` (``cchi_days`` and ``css_total`` by priority).

    Returns
    -------
    pandas.DataFrame
        One row per discordant pair: ``higher_on_cchi, higher_on_css`` (the
        priority each index puts first), their ``cchi_ratio`` and ``css_ratio``
        (first over second, on each index), and a ``sentence``. Empty when the
        indices agree. ``attrs["kendall_tau"]`` holds Kendall's tau between the two
        orderings (1 = same order) and ``attrs["agree"]`` whether they agree.
    """
    pr = list(totals.index)
    a, b = totals["cchi_days"], totals["css_total"]
    rows = []
    for i, p in enumerate(pr):
        for q in pr[i + 1:]:
            dc, ds = a[p] - a[q], b[p] - b[q]
            if dc * ds < 0:
                hi_c, hi_s = (p, q) if dc > 0 else (q, p)
                rows.append({
                    "higher_on_cchi": hi_c,
                    "higher_on_css": hi_s,
                    "cchi_ratio": a[hi_c] / a[hi_s] if a[hi_s] else float("inf"),
                    "css_ratio": b[hi_s] / b[hi_c] if b[hi_c] else float("inf"),
                    "sentence": f"The Crime Harm Index puts {hi_c} above {hi_s}; the Crime "
                                f"Severity Score puts {hi_s} above {hi_c}.",
                })
    out = pd.DataFrame(rows, columns=["higher_on_cchi", "higher_on_css", "cchi_ratio", "css_ratio",
                                      "sentence"])
    from scipy.stats import kendalltau

    tau = kendalltau(a.to_numpy(), b.to_numpy()).statistic if len(pr) > 1 else float("nan")
    out.attrs["kendall_tau"] = float(tau)
    out.attrs["agree"] = out.empty
    return out
