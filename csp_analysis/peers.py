"""How the area compares with its peers: rates per 1,000 and funnel-plot limits.

Peers are the other districts of the same force, counted from the same police.uk
files (LSOA -> local authority from the census population table), or any peer
list. A league table ranks them; a funnel plot (Spiegelhalter 2005) asks the
better question: is a district's rate further from the group rate than chance
allows for a district of its size? The limits are exact Poisson limits around
the group rate, widened for over-dispersion (districts differ by more than
Poisson noise, which is the rule for crime), and the verdict uses the 99.8%
limits so that, among a dozen districts and several crime types, a flag is rare
by chance.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

ABOVE, WITHIN, BELOW = "above", "within", "below"
LEVELS = (0.95, 0.998)
WINSOR = 0.10

FUNNEL_COLUMNS = ["count", "population", "rate", "expected", "group_rate", "z", "phi",
                  "overdispersed", "lo95", "hi95", "lo998", "hi998", "verdict", "verdict_95"]


def _population_table(populations: pd.DataFrame) -> pd.DataFrame:
    p = populations.copy()
    if "population" not in p.columns and "all_usual_residents" in p.columns:
        p = p.rename(columns={"all_usual_residents": "population"})
    need = {"lsoa_code", "la_code", "population"}
    missing = need - set(p.columns)
    if missing:
        raise ValueError(f"populations needs columns {sorted(need)}; missing {sorted(missing)}")
    if "la_name" not in p.columns:
        p["la_name"] = p["la_code"]
    return p.drop_duplicates("lsoa_code")


def district_populations(populations: pd.DataFrame) -> pd.DataFrame:
    """Residents per district from an LSOA population table.

    Parameters
    ----------
    populations : pandas.DataFrame
        One row per LSOA: ``lsoa_code, la_code, la_name`` and ``population`` (or
        the census column ``all_usual_residents``), e.g.
        ``data/sample/lookups/census2011_lsoa_population_kent_medway.csv``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``la_code``: ``la_name, lsoas, population``.
    """
    p = _population_table(populations)
    g = p.groupby("la_code", sort=True)
    out = pd.DataFrame({"la_name": g["la_name"].first(), "lsoas": g.size(),
                        "population": g["population"].sum().astype("int64")})
    out.index.name = "la_code"
    return out


def peer_rates(police_rows: pd.DataFrame, populations: pd.DataFrame, *, categories=None, months=None,
               per: float = 1000.0) -> pd.DataFrame:
    """Incidents and rate per 1,000 residents for every district in the population table.

    Parameters
    ----------
    police_rows : pandas.DataFrame
        police.uk rows (``lsoa_code, month, category``) for the whole force, e.g.
        from :func:`csp_analysis.sources.police_uk.read_police_uk`.
    populations : pandas.DataFrame
        LSOA population table (see :func:`district_populations`).
    categories : str or sequence of str, optional
        Stable categories to count (e.g. "Burglary"); omitted: all rows.
    months : sequence of Timestamps, optional
        Months to count; omitted: every month present in the rows.
    per : float, default 1000

    Returns
    -------
    pandas.DataFrame
        Indexed by ``la_code``: ``la_name, count, population, rate`` (per 1,000
        over the months counted), ``months`` (how many), ``annual_rate`` (rate x
        12 / months). Rows without an LSOA, or in an LSOA outside the table, are
        not counted.
    """
    rows = police_rows
    if categories is not None:
        cats = [categories] if isinstance(categories, str) else list(categories)
        rows = rows[rows["category"].isin(cats)]
    if months is not None:
        months = pd.DatetimeIndex(months)
        rows = rows[rows["month"].isin(months)]
        n_months = len(months)
    else:
        n_months = int(police_rows["month"].nunique())
    p = _population_table(populations)
    la = p.set_index("lsoa_code")["la_code"]
    district = rows["lsoa_code"].map(la)
    counts = district.value_counts()
    out = district_populations(p)
    out["count"] = counts.reindex(out.index, fill_value=0).astype("int64")
    out["rate"] = out["count"] / out["population"] * per
    out["months"] = n_months
    out["annual_rate"] = out["rate"] * 12 / n_months if n_months else math.nan
    return out[["la_name", "count", "population", "rate", "months", "annual_rate"]]


def poisson_limit(expected, p: float) -> np.ndarray:
    """The p-quantile of a Poisson count, interpolated so the funnel is smooth.

    Spiegelhalter (2005, appendix): with r the smallest count whose cumulative
    probability F(r) reaches p, the limit is r - a, a = (F(r) - p) / (F(r) - F(r-1)).
    """
    mu = np.asarray(expected, dtype=float)
    from scipy.stats import poisson

    r = poisson.ppf(p, mu)
    f_r = poisson.cdf(r, mu)
    f_r1 = poisson.cdf(r - 1, mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(f_r > f_r1, (f_r - p) / (f_r - f_r1), 0.0)
    return np.clip(r - a, 0.0, None)


def overdispersion(z, *, winsor: float = WINSOR) -> tuple[float, bool]:
    """Spiegelhalter's (2005) over-dispersion factor from z-scores, and whether it is significant.

    The z-scores are winsorised (the lowest and highest ``winsor`` share set to
    the 10th and 90th percentiles, so true outliers do not inflate the estimate);
    phi = mean of the squared winsorised z-scores. Over-dispersion is accepted
    when I * phi exceeds the 95th percentile of chi-square with I - 1 degrees of
    freedom (I units, one rate estimated).
    """
    z = np.asarray(z, dtype=float)
    z = z[np.isfinite(z)]
    n = len(z)
    if n < 2:
        return math.nan, False
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    zw = np.clip(z, lo, hi)
    phi = float(np.mean(zw * zw))
    from scipy.stats import chi2

    return phi, bool(n * phi > chi2.ppf(0.95, n - 1))


def _funnel(y: np.ndarray, e: np.ndarray, *, per, adjust, levels, winsor, group_rate) -> dict:
    """numpy core of :func:`funnel_limits` (arrays in, dict of arrays out)."""
    theta = float(y.sum() / e.sum()) if group_rate is None else group_rate / per
    mu = theta * e
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y - mu) / np.sqrt(mu)
    phi, significant = overdispersion(z, winsor=winsor)
    widen = bool(adjust and significant and phi > 1)
    scale = math.sqrt(phi) if widen else 1.0
    rate = y / e * per
    out = {"count": y, "population": e, "rate": rate, "expected": mu,
           "group_rate": np.full(len(y), theta * per), "z": z, "phi": np.full(len(y), phi),
           "overdispersed": np.full(len(y), widen)}
    names = ["95", "998"] if tuple(levels) == LEVELS else [f"{lv:g}" for lv in levels]
    for name, lv in zip(names, levels):
        tail = (1 - lv) / 2
        for side, p in (("lo", tail), ("hi", 1 - tail)):
            lim = poisson_limit(mu, p) / e
            out[f"{side}{name}"] = np.clip(theta + scale * (lim - theta), 0.0, None) * per
    for col, name in (("verdict", names[-1]), ("verdict_95", names[0])):
        out[col] = np.where(rate > out[f"hi{name}"], ABOVE,
                            np.where(rate < out[f"lo{name}"], BELOW, WITHIN))
    return out


def funnel_limits(counts, populations, *, per: float = 1000.0, overdispersion_adjust: bool = True,
                  levels=LEVELS, winsor: float = WINSOR, group_rate: float | None = None) -> pd.DataFrame:
    """Funnel-plot limits for each unit's rate, and its verdict against the group.

    The target is the group rate (all units' incidents over all their residents;
    the area itself included). For a unit of population E, the limits are the
    exact Poisson quantiles (:func:`poisson_limit`) of a count with mean
    target x E, divided by E: 95% (2.5% and 97.5%) and 99.8% (0.1% and 99.9%).
    With over-dispersion (:func:`overdispersion`), the limits are widened
    multiplicatively: target + sqrt(phi) x (limit - target) (Spiegelhalter 2005).
    The verdict uses the 99.8% limits: "above", "within" or "below".

    Parameters
    ----------
    counts : pandas.Series
        Incidents per unit.
    populations : pandas.Series
        Residents per unit (same index).
    per : float, default 1000
        Rates per this many residents.
    overdispersion_adjust : bool, default True
        Widen the limits when over-dispersion is significant.
    levels : tuple of float, default (0.95, 0.998)
        Two-sided coverage of the two pairs of limits (output columns are named
        for the defaults).
    winsor : float, default 0.10
    group_rate : float, optional
        Target rate per ``per`` residents (e.g. the national rate); omitted:
        the group's own.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``counts``: ``count, population, rate, expected`` (count at
        the target rate), ``group_rate``, ``z`` (Poisson z-score), ``phi``,
        ``overdispersed`` (limits widened), ``lo95, hi95, lo998, hi998`` (rates),
        ``verdict`` (99.8%) and ``verdict_95``.
    """
    y = pd.Series(counts, dtype=float)
    e = pd.Series(populations, dtype=float).reindex(y.index)
    if e.isna().any() or (e <= 0).any():
        raise ValueError("every unit needs a positive population")
    if (y < 0).any():
        raise ValueError("counts must be non-negative")
    res = _funnel(y.to_numpy(), e.to_numpy(), per=per, adjust=overdispersion_adjust, levels=levels,
                  winsor=winsor, group_rate=group_rate)
    return pd.DataFrame(res, index=y.index)


def funnel_curve(group_rate: float, populations, *, phi: float = 1.0, per: float = 1000.0,
                 levels=LEVELS) -> pd.DataFrame:
    """The funnel's limits over a range of populations, for drawing it.

    Parameters
    ----------
    group_rate : float
        Target rate per ``per`` residents (``funnel_limits(...)["group_rate"]``).
    populations : array-like
        Populations at which to evaluate the limits (e.g. ``np.geomspace(5e4, 3e5, 200)``).
    phi : float, default 1
        Over-dispersion factor to widen by (pass the ``phi`` of
        :func:`funnel_limits` when its ``overdispersed`` is True).

    Returns
    -------
    pandas.DataFrame
        ``population, group_rate, lo95, hi95, lo998, hi998``.
    """
    e = np.asarray(populations, dtype=float)
    theta = group_rate / per
    scale = math.sqrt(phi) if phi > 1 else 1.0
    out = pd.DataFrame({"population": e, "group_rate": group_rate})
    names = ["95", "998"] if tuple(levels) == LEVELS else [f"{lv:g}" for lv in levels]
    for name, lv in zip(names, levels):
        tail = (1 - lv) / 2
        for side, p in (("lo", tail), ("hi", 1 - tail)):
            lim = poisson_limit(theta * e, p) / e
            out[f"{side}{name}"] = np.clip(theta + scale * (lim - theta), 0.0, None) * per
    return out


def area_verdicts(police_rows: pd.DataFrame, populations: pd.DataFrame, *, area_code: str,
                  categories, months=None, per: float = 1000.0) -> pd.DataFrame:
    """The area against its peers, one row per crime category.

    Parameters
    ----------
    police_rows, populations, months, per
        As for :func:`peer_rates`.
    area_code : str
        The assessed district's code (e.g. "E07000111").
    categories : sequence of str
        Stable police.uk categories, each judged on its own.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``category``: ``count, rate, group_rate, rank`` (1 = highest
        rate), ``of`` (districts), ``lo998, hi998, phi, overdispersed, verdict``
        (99.8%) and ``verdict_95``.
    """
    p = _population_table(populations)
    dist = district_populations(p)
    dist = dist[dist["population"] > 0]
    if area_code not in dist.index:
        raise KeyError(f"area {area_code} is not among the districts of the population table")
    rows_ = police_rows
    if months is not None:
        rows_ = rows_[rows_["month"].isin(pd.DatetimeIndex(months))]
    district = rows_["lsoa_code"].map(p.set_index("lsoa_code")["la_code"])
    table = pd.crosstab(rows_["category"], district).reindex(columns=dist.index, fill_value=0)
    rows = []
    for cat in categories:
        counts = table.loc[cat] if cat in table.index else pd.Series(0, index=dist.index)
        fl = funnel_limits(counts, dist["population"], per=per)
        r = fl.loc[area_code]
        rows.append({"category": cat, "count": int(r["count"]), "rate": r["rate"],
                     "group_rate": r["group_rate"],
                     "rank": int(fl["rate"].rank(ascending=False, method="min")[area_code]),
                     "of": len(fl), "lo998": r["lo998"], "hi998": r["hi998"], "phi": r["phi"],
                     "overdispersed": bool(r["overdispersed"]), "verdict": r["verdict"],
                     "verdict_95": r["verdict_95"]})
    return pd.DataFrame(rows).set_index("category")
