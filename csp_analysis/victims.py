"""Repeat victimisation: incidence, prevalence and concentration.

Three numbers tell how victimisation is shared out (Home Office usage, e.g.
Crime Survey for England and Wales): *incidence*, incidents per 1,000 residents
(how much); *prevalence*, victims per 1,000 residents (how many people); and
*concentration*, incidents per victim (how often the same people). Incidence =
prevalence x concentration. A falling prevalence with a steady incidence means
fewer victims suffering more often. Counted within one period (a year) from a
partner table with one row per incident and a victim identifier.
"""

from __future__ import annotations

import math

import pandas as pd

FIELDS = ["incidents", "victims", "unidentified", "repeat_victims", "repeat_share",
          "repeat_incident_share", "incidence_per_1000", "prevalence_per_1000", "concentration",
          "max_incidents"]


def _one(d: pd.DataFrame, victim_col: str, population: float | None, per: float) -> dict:
    ids = d[victim_col]
    known = ids.dropna()
    per_victim = known.value_counts()
    victims = len(per_victim)
    repeat = per_victim[per_victim >= 2]
    n = len(d)
    return {
        "incidents": n,
        "victims": victims,
        "unidentified": int(ids.isna().sum()),
        "repeat_victims": len(repeat),
        "repeat_share": len(repeat) / victims if victims else math.nan,
        "repeat_incident_share": repeat.sum() / len(known) if len(known) else math.nan,
        "incidence_per_1000": n / population * per if population else math.nan,
        "prevalence_per_1000": victims / population * per if population else math.nan,
        "concentration": len(known) / victims if victims else math.nan,
        "max_incidents": int(per_victim.max()) if victims else 0,
    }


def repeat_victimisation(incidents: pd.DataFrame, *, population: float | None = None, by=None,
                         victim_col: str = "victim_id", per: float = 1000.0):
    """Incidence, prevalence and concentration of victimisation.

    Parameters
    ----------
    incidents : pandas.DataFrame
        One row per incident with a victim identifier (e.g. ``ds.partner
        ["domestic_abuse"]``), already limited to the period wanted unless ``by``
        splits it.
    population : float, optional
        Residents, for the rates per 1,000.
    by : str or pandas.Series, optional
        Split into periods, e.g. a financial-year label per row
        (``csp_analysis.periods.financial_year_of(df["month"])``). Victims are
        counted within each period: a victim with one incident in each of two
        years is not a repeat victim in either.
    victim_col : str, default "victim_id"
        Rows with no identifier count as incidents, not as victims (see
        ``unidentified``).
    per : float, default 1000

    Returns
    -------
    dict or pandas.DataFrame
        ``incidents, victims, unidentified`` (incidents with no victim id),
        ``repeat_victims`` (victims with 2+ incidents), ``repeat_share`` (of
        victims), ``repeat_incident_share`` (share of identified incidents
        suffered by repeat victims), ``incidence_per_1000``,
        ``prevalence_per_1000``, ``concentration`` (identified incidents per
        victim), ``max_incidents`` (most incidents of one victim). One row per
        period when ``by`` is given.
    """
    if victim_col not in incidents.columns:
        raise KeyError(f"no '{victim_col}' column: repeat victimisation needs a victim identifier")
    if by is None:
        return _one(incidents, victim_col, population, per)
    key = incidents[by] if isinstance(by, str) else pd.Series(by, index=incidents.index)
    rows = {k: _one(d, victim_col, population, per) for k, d in incidents.groupby(key, sort=True)}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=FIELDS)
    out.index.name = by if isinstance(by, str) else (key.name or "period")
    return out


def victim_frequency(incidents: pd.DataFrame, *, victim_col: str = "victim_id", top: int = 5) -> pd.DataFrame:
    """How many victims had 1, 2, ... incidents (the last band open: "5+").

    Returns
    -------
    pandas.DataFrame
        Indexed by ``incidents_per_victim`` ("1", "2", ..., "5+"): ``victims``,
        ``incidents`` and their shares ``victim_share, incident_share``.
    """
    per_victim = incidents[victim_col].dropna().value_counts()
    band = per_victim.clip(upper=top)
    labels = [str(i) for i in range(1, top)] + [f"{top}+"]
    victims = band.value_counts().reindex(range(1, top + 1), fill_value=0)
    inc = per_victim.groupby(band).sum().reindex(range(1, top + 1), fill_value=0)
    out = pd.DataFrame({"victims": victims.to_numpy(), "incidents": inc.to_numpy()},
                       index=pd.Index(labels, name="incidents_per_victim"))
    out["victim_share"] = out["victims"] / max(out["victims"].sum(), 1)
    out["incident_share"] = out["incidents"] / max(out["incidents"].sum(), 1)
    return out
