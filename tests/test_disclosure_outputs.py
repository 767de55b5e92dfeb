"""No suppressed value can be recovered from what partners receive.

The tiny fixture area is assessed with a suppression threshold above its domestic abuse
counts, so the sensitive domestic abuse headline must vanish from every output: the
counts, the change, the rate (rate × population would give the count back) and the
per-indicator rows and totals.
"""

import re

import pandas as pd
import pytest

from csp_analysis import narrative, tables
from csp_analysis.config import load_params
from csp_analysis.data import load_dataset
from csp_analysis.indicators import annual_comparison, priority_monthly
from csp_analysis.matrix import export_table, priority_matrix
from csp_analysis.profile import display_comparison
from tests.conftest import TINY_PARAMS


@pytest.fixture(scope="module")
def setup():
    base = load_params(TINY_PARAMS)
    params = base.model_copy(update={"report": base.report.model_copy(update={"suppression_threshold": 1000})})
    ds = load_dataset(params)
    # expected counts worked out independently from the fixture CSV
    da = pd.read_csv(TINY_PARAMS.parent / "partner" / "domestic_abuse_incidents.csv", parse_dates=["date"])
    cur = int(((da.date >= "2014-04-01") & (da.date <= "2015-03-31")).sum())
    prev = int(((da.date >= "2013-04-01") & (da.date <= "2014-03-31")).sum())
    assert 5 <= prev < 1000 and 5 <= cur < 1000
    return params, ds, priority_matrix(ds, params), cur, prev


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,]*(?:\.\d+)?", text))


def test_matrix_outputs_hide_the_small_sensitive_headline(setup):
    params, ds, m, cur, prev = setup
    assert "domestic_abuse" in m["hidden"]
    exp = export_table(m, params).set_index("priority_id").loc["domestic_abuse"]
    assert exp[f"headline_{params.period.current}"] == "<1000"
    assert exp[f"headline_{params.period.previous}"] == "<1000"
    assert pd.isna(exp["pct_change"]) and pd.isna(exp["rate_per_1000"]) and pd.isna(exp["p_value"])
    ev = tables.evidence_table(m["measures"], m["ranking"], current="c", previous="p",
                               hidden=m["hidden"], threshold=1000).set_index("Priority").loc["Domestic abuse"]
    shown = " ".join(map(str, ev.to_list()))
    assert str(cur) not in _numbers(shown) and str(prev) not in _numbers(shown)
    reason = m["ranking"].loc["domestic_abuse", "reason"]
    assert "per 1,000" not in reason and "%" not in reason
    findings = narrative.key_findings(ds, params, m)
    assert "Domestic abuse" not in findings
    intro = narrative.profile_intro(params.priority("domestic_abuse"), m, params)
    assert "per 1,000" not in intro


def test_profile_table_hides_rows_and_the_total_that_would_reveal_them(setup):
    params, ds, m, cur, prev = setup
    p = params.priority("domestic_abuse")
    comp = annual_comparison(priority_monthly(ds, p), params.period.current, params.period.previous)
    table, sentences = display_comparison(comp, p, params)
    text = table.to_string() + sentences
    for value in (cur, prev, cur - prev):
        assert f"{value:,}" not in _numbers(text) and str(value) not in _numbers(text)
    assert "numbers too small to publish" in sentences


def test_total_of_components_is_withheld_when_a_component_is(setup):
    from csp_analysis.disclosure import suppress_comparison
    from csp_analysis.stats import compare_periods

    comp = pd.DataFrame([compare_periods(3, 6), compare_periods(40, 38), compare_periods(43, 44)],
                        index=["small", "big", "headline"])
    out = suppress_comparison(comp, {"small"}, 5, totals={"headline": ["small", "big"]})
    assert out.loc["headline", "current"] == "suppressed"  # 43 − 40 would give 3 back
    assert out.loc["big", "current"] == 40
