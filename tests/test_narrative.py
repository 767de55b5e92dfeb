"""Generated sentences, one by one (expected text written by hand)."""

import pandas as pd

from csp_analysis import narrative
from csp_analysis.config import load_params
from csp_analysis.stats import compare_periods
from tests.conftest import SAMPLE_PARAMS


def test_significant_fall_sentence():
    s = narrative.change_sentence("Burglary other than dwelling", compare_periods(566, 743), "2014-15", "2013-14")
    assert s == ("Burglary other than dwelling fell from 743 in 2013-14 to 566 in 2014-15 (−23.8%), "
                 "a significant decrease (p < 0.001).")


def test_noise_is_never_called_a_decrease():
    # the seed report: "Victim based crime decreased in 2014/15 by 2 crimes"
    s = narrative.change_sentence("Victim-based crime", compare_periods(5346, 5348), "2014-15", "2013-14")
    assert s.startswith("Victim-based crime: 5,348 in 2013-14 and 5,346 in 2014-15 (−0.0%), no significant change")
    assert "decrease" not in s and "fell" not in s


def test_p_value_formatting():
    s = narrative.change_sentence("Business crime", compare_periods(1451, 1340), "2014-15", "2013-14")
    assert s == ("Business crime rose from 1,340 in 2013-14 to 1,451 in 2014-15 (+8.3%), "
                 "a significant increase (p = 0.036).")


def test_rag_sentence_singular_and_plural():
    overall = pd.DataFrame(
        {"Green": [43, 67], "Amber": [1, 4], "Red": [6, 1], "total": [50, 72]},
        index=pd.Index(["Actions", "Success measures"], name="what"),
    )
    params = load_params(SAMPLE_PARAMS)
    assert narrative.rag_sentence(overall, params) == (
        "At the end of 2014-15, **86% of the 50 actions** and **93% of the 72 success measures** of "
        "last year's action plan were green (on target); 1 action was amber and 6 actions were red."
    )


def test_lists_read_as_english():
    assert narrative.and_list(["a"]) == "a"
    assert narrative.and_list(["a", "b"]) == "a and b"
    assert narrative.and_list(["a", "b", "c"]) == "a, b and c"


def test_horizon_table_skips_empty_factors():
    params = load_params(SAMPLE_PARAMS)
    t = narrative.horizon_table(params)
    assert t["Factor"].tolist() == ["Political", "Economic", "Social", "Technological", "Environmental", "Legal",
                                    "Organisational"]
    empty = params.model_copy(update={"horizon_scanning": type(params.horizon_scanning)()})
    assert narrative.horizon_table(empty).empty
    assert narrative.horizon_intro(empty).startswith("No horizon scanning")
