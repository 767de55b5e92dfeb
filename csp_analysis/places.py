"""Where incidents concentrate: top-LSOA shares, concentration curve, hotspots, repeat locations.

Crime concentrates in few places (Weisburd's law of crime concentration: about
half of crime on 2-6% of street segments). police.uk gives each incident an LSOA
and an *anonymised* map point (a ``location`` such as "On or near Parking Area"
with longitude and latitude, snapped to one of about 750,000 points, each
covering at least eight addresses): right for counting by LSOA and for finding
busy points, never for naming an address.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DEFAULT_TOP = (0.05, 0.10)


def _counts(counts_by_lsoa, areas) -> pd.Series:
    s = pd.Series(counts_by_lsoa, dtype=float).fillna(0)
    if (s.to_numpy() < 0).any():
        raise ValueError("counts must be non-negative")
    if areas is not None:
        idx = pd.Index(pd.unique(np.asarray(list(areas), dtype=object)))
        pos = idx.get_indexer(s.index.to_numpy(dtype=object))
        if (pos < 0).any():
            extra = s.index[pos < 0]
            raise ValueError(f"{len(extra)} count(s) for areas not in the area list, e.g. "
                             f"{min(map(str, extra))}")
        values = np.zeros(len(idx))
        np.add.at(values, pos, s.to_numpy())
        s = pd.Series(values, index=idx)
    return s


def concentration(counts_by_lsoa, *, areas=None, top=DEFAULT_TOP) -> pd.DataFrame:
    """Share of incidents in the busiest 5% and 10% of areas.

    The number of areas in the top p is ``ceil(p * N)``, N counting every area
    including those with no incident (pass ``areas`` to add them): with 74 LSOAs
    the top 5% is 4 LSOAs, the top 10% 8. Ties at the cut do not change the share.

    Parameters
    ----------
    counts_by_lsoa : pandas.Series
        Incidents per area (index = LSOA code).
    areas : sequence, optional
        Every area of the district (e.g. ``ds.lsoa["lsoa_code"]``); areas missing
        from the counts count 0.
    top : sequence of float, default (0.05, 0.10)
        Shares of areas.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``top_share`` (0.05, 0.10): ``areas`` (how many are in the
        top), ``of_areas`` (N), ``incidents`` (in them), ``total``, ``share`` (of
        all incidents, 0-1), ``gini`` (the same for every row).
    """
    s = _counts(counts_by_lsoa, areas)
    n, total = len(s), float(s.sum())
    desc = np.sort(s.to_numpy())[::-1]
    g = gini(s)
    rows = []
    for p in top:
        k = min(n, math.ceil(p * n - 1e-9))
        inc = float(desc[:k].sum())
        rows.append({"top_share": p, "areas": k, "of_areas": n, "incidents": inc, "total": total,
                     "share": inc / total if total else math.nan, "gini": g})
    return pd.DataFrame(rows).set_index("top_share")


def concentration_curve(counts_by_lsoa, *, areas=None) -> pd.DataFrame:
    """Points of the crime concentration curve, busiest area first.

    Returns
    -------
    pandas.DataFrame
        ``area_share`` (cumulative share of areas, 0 to 1) and
        ``incident_share`` (cumulative share of incidents), starting at (0, 0);
        the busiest areas first, so the curve rises steeply where crime
        concentrates. (The Lorenz curve is the same points read from the other
        end: 1 - incident_share against 1 - area_share.) Also ``area`` and
        ``incidents`` of each step (NaN at the origin).
    """
    s = _counts(counts_by_lsoa, areas).sort_values(ascending=False, kind="stable")
    n, total = len(s), float(s.sum())
    cum = s.cumsum().to_numpy()
    return pd.DataFrame({
        "area": [None, *s.index],
        "incidents": [math.nan, *s.to_numpy()],
        "area_share": np.arange(n + 1) / n if n else [0.0],
        "incident_share": np.concatenate([[0.0], cum / total]) if total else np.nan,
    })


def gini(counts_by_lsoa, *, areas=None) -> float:
    """Gini coefficient of incidents across areas (0 = even, near 1 = all in one).

    G = 2 Σ i x_(i) / (N Σ x) - (N + 1) / N, with x_(i) sorted ascending and i = 1..N
    (the area under the Lorenz curve by the trapezium rule). Zero-count areas count.
    """
    x = np.sort(_counts(counts_by_lsoa, areas).to_numpy())
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return math.nan
    i = np.arange(1, n + 1)
    return float(2 * np.sum(i * x) / (n * total) - (n + 1) / n)


def hotspots(df: pd.DataFrame, lsoa_table: pd.DataFrame, *, n: int | None = 10, level: str = "lsoa",
             per: float = 1000.0) -> pd.DataFrame:
    """Areas with the most incidents, with their rate per 1,000 residents.

    Parameters
    ----------
    df : pandas.DataFrame
        Incident rows with ``lsoa_code`` (and a ``count`` column for aggregates),
        already filtered to the period and crime type wanted.
    lsoa_table : pandas.DataFrame
        The area's LSOAs: ``lsoa_code, lsoa_name, ward_code, ward_name,
        population`` (``Dataset.lsoa``). Rows of other LSOAs are ignored.
    n : int or None, default 10
        How many to list (None: all, zero-count areas included).
    level : {"lsoa", "ward"}, default "lsoa"
    per : float, default 1000

    Returns
    -------
    pandas.DataFrame
        Busiest first, indexed by ``lsoa_code`` (with ``lsoa_name, ward_name``) or
        ``ward_code`` (with ``ward_name, lsoas``): ``count``, ``share`` (of the
        area's incidents), ``population``, ``rate`` (per 1,000 residents), ``rank``
        and ``verdict`` ("above" / "within" / "below" the area-wide rate, judged
        against 99.8% funnel limits with the over-dispersion adjustment of
        :func:`csp_analysis.peers.funnel_limits`).
    """
    from csp_analysis.peers import _funnel

    if level not in ("lsoa", "ward"):
        raise ValueError(f"level must be 'lsoa' or 'ward', got {level!r}")
    lt = lsoa_table.drop_duplicates("lsoa_code")
    codes = lt["lsoa_code"].to_numpy(dtype=object)
    pos = pd.Index(codes).get_indexer(df["lsoa_code"].to_numpy(dtype=object))
    w = df["count"].to_numpy(dtype=float) if "count" in df else np.ones(len(df))
    keep = pos >= 0
    counts = np.bincount(pos[keep], weights=w[keep], minlength=len(codes))
    pop = lt["population"].to_numpy(dtype=float)
    if level == "lsoa":
        out = pd.DataFrame({"lsoa_name": lt["lsoa_name"].to_numpy(dtype=object),
                            "ward_name": lt["ward_name"].to_numpy(dtype=object),
                            "count": counts, "population": pop},
                           index=pd.Index(codes, name="lsoa_code"))
    else:
        wards, inv = np.unique(lt["ward_code"].astype(str).to_numpy(dtype=object), return_inverse=True)
        first = np.unique(inv, return_index=True)[1]
        out = pd.DataFrame({"ward_name": lt["ward_name"].to_numpy(dtype=object)[first],
                            "lsoas": np.bincount(inv, minlength=len(wards)),
                            "count": np.bincount(inv, weights=counts, minlength=len(wards)),
                            "population": np.bincount(inv, weights=pop, minlength=len(wards))},
                           index=pd.Index(wards, name="ward_code"))
    c, e = out["count"].to_numpy(), out["population"].to_numpy()
    total = c.sum()
    out["share"] = c / total if total else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(e > 0, c / e * per, np.nan)
    verdict = np.full(len(out), None, dtype=object)
    ok = e > 0
    if ok.sum() >= 2 and total > 0:
        verdict[ok] = _funnel(c[ok], e[ok], per=per, adjust=True, levels=(0.95, 0.998), winsor=0.10,
                              group_rate=None)["verdict"]
    out["verdict"] = verdict
    out["count"] = out["count"].round().astype("int64")
    out["population"] = out["population"].round().astype("int64")
    out = out.sort_values(["count", "rate"], ascending=False, kind="stable")
    out["rank"] = out["count"].rank(ascending=False, method="min").astype("int64")
    cols = (["lsoa_name", "ward_name"] if level == "lsoa" else ["ward_name", "lsoas"]) + [
        "count", "share", "population", "rate", "rank", "verdict"]
    out = out[cols]
    return out if n is None else out.head(n)


def repeat_locations(df: pd.DataFrame, *, min_count: int = 10) -> pd.DataFrame:
    """Map points with ``min_count`` or more incidents within the rows given.

    A map point is police.uk's anonymised ``location`` with its ``longitude`` and
    ``latitude`` (the same street name can be many points, and "On or near
    Supermarket" names hundreds: the coordinates tell them apart). Each point
    covers at least eight addresses, so a repeat location is a small area to look
    at, not an address. Pass the rows of one period (e.g. the current year).

    Parameters
    ----------
    df : pandas.DataFrame
        police.uk rows: ``location, longitude, latitude, lsoa_code, month,
        category``.
    min_count : int, default 10
        Fewest incidents for a point to be listed (10: nearly one a month over a
        year; lower it for a rarer crime type or a shorter period).

    Returns
    -------
    pandas.DataFrame
        Busiest first: ``location, longitude, latitude, lsoa_code, count, months``
        (months with at least one incident), ``top_category`` and its
        ``top_category_count``, and ``share`` of all incidents of the rows given.
        Rows without coordinates are left out.
    """
    cols = ["location", "longitude", "latitude", "lsoa_code", "count", "months",
            "top_category", "top_category_count", "share"]
    total = len(df)
    lon = df["longitude"].to_numpy(dtype=float)
    lat = df["latitude"].to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return pd.DataFrame(columns=cols)
    d = df[ok]
    loc_code = pd.factorize(d["location"].to_numpy(dtype=object), use_na_sentinel=False)[0]
    key = np.column_stack([loc_code, lon[ok], lat[ok]])
    _, first, inv, n = np.unique(key, axis=0, return_index=True, return_inverse=True,
                                 return_counts=True)
    inv = inv.ravel()
    busy = np.flatnonzero(n >= min_count)
    if len(busy) == 0:
        return pd.DataFrame(columns=cols)
    sub = d[np.isin(inv, busy)].assign(_point=inv[np.isin(inv, busy)])
    g = sub.groupby("_point", sort=False)
    pc = sub.groupby(["_point", "category"], sort=False).size().sort_values(ascending=False,
                                                                          kind="stable")
    pc = pc[~pc.index.get_level_values("_point").duplicated()]  # the commonest category per point
    point = pc.index.get_level_values("_point")
    top_cat = pd.Series(pc.index.get_level_values("category"), index=point)
    top_n = pd.Series(pc.to_numpy(), index=point)
    rows = d.iloc[first[busy]]
    out = pd.DataFrame({
        "location": rows["location"].to_numpy(dtype=object),
        "longitude": rows["longitude"].to_numpy(dtype=float),
        "latitude": rows["latitude"].to_numpy(dtype=float),
        "lsoa_code": rows["lsoa_code"].to_numpy(dtype=object),
        "count": n[busy].astype("int64"),
        "months": g["month"].nunique().reindex(busy).to_numpy(),
        "top_category": top_cat.reindex(busy).to_numpy(dtype=object),
        "top_category_count": top_n.reindex(busy).to_numpy().astype("int64"),
    })
    out["share"] = out["count"] / total
    out = out.sort_values(["count", "location"], ascending=[False, True], kind="stable")
    return out[cols].reset_index(drop=True)
