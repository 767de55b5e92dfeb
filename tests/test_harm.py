"""Harm weights and harm-weighted totals, on hand-made counts."""

import math

import pandas as pd
import pytest

from csp_analysis import harm
from csp_analysis.config import Indicator, Params, Priority
from csp_analysis.data import Dataset
from csp_analysis.sources.police_uk import STABLE_CATEGORY
from tests.conftest import ROOT

BASES = {"published indicative", "secondary transcription", "assumption"}


def test_table_covers_every_police_uk_category_and_partner_kind():
    w = harm.harm_weights()
    assert set(STABLE_CATEGORY.values()) <= set(w.index)
    assert {"Domestic abuse (crime)", "Domestic abuse (non-crime)", "Road casualty (KSI)",
            "Road casualty (slight)", "Burglary (residential)", "Burglary (non-residential)"} <= set(w.index)
    assert set(harm.BUSINESS_OFFENCE.values()) <= set(w.index)
    assert (w["cchi_days"] >= 0).all() and (w["css_weight"] >= 0).all()
    assert set(w["cchi_basis"]) <= BASES and set(w["css_basis"]) <= BASES
    assert w["cchi_source"].notna().all() and w["css_source"].notna().all()


def test_published_indicative_cchi_values_are_those_of_the_methodology_notes():
    # Sherman, Neyroud & Neyroud (2016) group values as quoted in the reference notes
    w = harm.harm_weights()
    notes = {"Burglary (residential)": 274, "Burglary (non-residential)": 184, "Robbery": 365,
             "Vehicle crime": 5, "Criminal damage and arson": 2, "Shoplifting": 2}
    for cat, days in notes.items():
        assert w.loc[cat, "cchi_days"] == days
        assert w.loc[cat, "cchi_basis"] == "published indicative"


def test_no_sentence_kinds_are_labelled_assumptions():
    w = harm.harm_weights()
    for cat in ("Anti-social behaviour", "Road casualty (KSI)", "Road casualty (slight)",
                "Domestic abuse (non-crime)"):
        assert w.loc[cat, "cchi_basis"] == "assumption" and w.loc[cat, "css_basis"] == "assumption"


def test_blended_burglary_weight_is_the_stated_blend():
    # police.uk Burglary = 443 dwelling : 566 other (seed report 2014-15) of the two rows
    w = harm.harm_weights()
    share = 443 / (443 + 566)
    for col in ("cchi_days", "css_weight"):
        blend = share * w.loc["Burglary (residential)", col] + (1 - share) * w.loc["Burglary (non-residential)", col]
        assert w.loc["Burglary", col] == round(blend)


def test_reference_readme_names_the_sources():
    text = (ROOT / "data" / "reference" / "README.md").read_text()
    for phrase in ("Sherman", "Crime Severity Score", "assumption", "harm_weights.csv"):
        assert phrase in text


WEIGHTS = pd.DataFrame(
    {"cchi_days": [100.0, 2.0, 10.0], "css_weight": [50.0, 20.0, 5.0]},
    index=pd.Index(["Big", "Small", "Mid"], name="category"),
)


def test_harm_totals_by_hand():
    counts = pd.DataFrame({
        "priority": ["a", "a", "b", "c"],
        "category": ["Big", "Small", "Small", "Mid"],
        "count": [3, 10, 100, 30],
    })
    t = harm.harm_totals(counts, weights=WEIGHTS, population=10_000)
    # a: 3x100 + 10x2 = 320 days; 3x50 + 10x20 = 350.  b: 200; 2000.  c: 300; 150.
    assert t["cchi_days"].to_dict() == {"a": 320, "b": 200, "c": 300}
    assert t["css_total"].to_dict() == {"a": 350, "b": 2000, "c": 150}
    assert t["count"].to_dict() == {"a": 13, "b": 100, "c": 30}
    assert t["cchi_rank"].to_dict() == {"a": 1, "b": 3, "c": 2}
    assert t["css_rank"].to_dict() == {"a": 2, "b": 1, "c": 3}
    assert t["count_rank"].to_dict() == {"a": 3, "b": 1, "c": 2}
    assert t["css_per_1000"]["b"] == pytest.approx(2000 / 10_000 * 1000)
    assert t["ranks_differ"].to_dict() == {"a": True, "b": True, "c": True}


def test_wide_counts_are_accepted():
    wide = pd.DataFrame({"Big": [1, 0], "Small": [0, 5]}, index=["x", "y"])
    t = harm.harm_totals(wide, weights=WEIGHTS)
    assert t["cchi_days"].to_dict() == {"x": 100, "y": 10}
    assert math.isnan(t["css_per_1000"]["x"])


def test_uncategorised_rows_count_but_carry_no_weight_and_unknown_categories_fail():
    counts = pd.DataFrame({"priority": ["a", "a"], "category": ["Big", pd.NA], "count": [1, 4]})
    t = harm.harm_totals(counts, weights=WEIGHTS)
    assert t.loc["a", "count"] == 5 and t.loc["a", "unweighted_count"] == 4
    assert t.loc["a", "cchi_days"] == 100
    with pytest.raises(KeyError, match="Huge"):
        harm.harm_totals(pd.DataFrame({"priority": ["a"], "category": ["Huge"], "count": [1]}), weights=WEIGHTS)


def test_index_disagreement_lists_discordant_pairs_and_kendall_tau():
    totals = pd.DataFrame({"cchi_days": [320.0, 200.0, 300.0], "css_total": [350.0, 2000.0, 150.0]},
                          index=["a", "b", "c"])
    d = harm.index_disagreement(totals)
    # pairs: (a,b): cchi a>b, css b>a -> discordant; (a,c): a>c on both -> concordant;
    # (b,c): cchi c>b, css b>c -> discordant.  tau = (1 - 2) / 3
    assert set(zip(d["higher_on_cchi"], d["higher_on_css"])) == {("a", "b"), ("c", "b")}
    assert d.attrs["kendall_tau"] == pytest.approx(-1 / 3)
    assert d.attrs["agree"] is False
    row = d[d["higher_on_cchi"] == "a"].iloc[0]
    assert row["cchi_ratio"] == pytest.approx(320 / 200) and row["css_ratio"] == pytest.approx(2000 / 350)
    same = harm.index_disagreement(pd.DataFrame({"cchi_days": [3.0, 2.0], "css_total": [30.0, 1.0]},
                                                index=["a", "b"]))
    assert same.empty and same.attrs["agree"] is True


def test_priority_harm_counts_from_a_hand_built_dataset():
    from csp_analysis.periods import FinancialYear

    m_cur, m_prev = pd.Timestamp("2014-05-01"), pd.Timestamp("2013-05-01")
    police = pd.DataFrame({
        "month": [m_cur, m_cur, m_cur, m_prev],
        "category": ["Burglary", "Burglary", "Robbery", "Burglary"],
        "in_area": [True, True, True, True],
    })
    da = pd.DataFrame({"month": [m_cur] * 3, "recorded_as": ["crime", "non-crime", "non-crime"],
                       "victim_id": ["v1", "v1", "v2"]})
    road = pd.DataFrame({"month": [m_cur] * 2, "ksi": ["Y", "N"], "count": [1, 1]})
    ds = Dataset(police=police, partner={"domestic_abuse": da, "road_casualties": road},
                 lsoa=pd.DataFrame(), accounts=pd.DataFrame(), rejects=pd.DataFrame())
    pr = [
        Priority(id="acq", name="Acquisitive", indicators=[
            Indicator(id="b", label="B", source="police_uk", where={"category": "Burglary"}, headline=True),
            Indicator(id="r", label="R", source="police_uk", where={"category": "Robbery"}),
        ]),
        Priority(id="da", name="DA", indicators=[
            Indicator(id="d", label="D", source="domestic_abuse", headline=True)]),
        Priority(id="road", name="Road", indicators=[
            Indicator(id="c", label="C", source="road_casualties", headline=True)]),
    ]
    params = Params.model_construct(priorities=pr, period=type("P", (), {"current": FinancialYear(2014)})())
    hc = harm.priority_harm_counts(ds, params)
    got = {(r.priority, r.category): r.count for r in hc.itertuples()}
    # only headline indicators, only the current year: Robbery (not headline) and 2013 left out
    assert got == {("acq", "Burglary"): 2, ("da", "Domestic abuse (crime)"): 1,
                   ("da", "Domestic abuse (non-crime)"): 2, ("road", "Road casualty (KSI)"): 1,
                   ("road", "Road casualty (slight)"): 1}
    w = harm.harm_weights()
    t = harm.harm_totals(hc)
    assert t.loc["da", "cchi_days"] == w.loc["Domestic abuse (crime)", "cchi_days"] + 2 * w.loc[
        "Domestic abuse (non-crime)", "cchi_days"]
