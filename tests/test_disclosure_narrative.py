import pandas as pd

from csp_analysis.disclosure import chartable, suppress_comparison
from csp_analysis.narrative import change_sentence, fmt_pct, ordinal, plural
from csp_analysis.stats import compare_periods


def test_small_sensitive_counts_are_suppressed_with_what_would_reveal_them():
    comp = pd.DataFrame(
        [compare_periods(3, 9), compare_periods(40, 30), compare_periods(2, 1)],
        index=["fte", "da", "open"],
    )
    out = suppress_comparison(comp, {"fte", "da"}, 5)
    assert out.loc["fte", "current"] == "<5"
    assert out.loc["fte", "previous"] == "suppressed"  # with the change it would reveal the 3
    assert out.loc["fte", "change"] is None and out.loc["fte", "pct_change"] is None
    assert out.loc["da", "current"] == 40  # sensitive but not small
    assert out.loc["open", "current"] == 2  # small but not sensitive
    rendered = out.loc["fte"].astype(str).tolist()
    assert "3" not in rendered and "9" not in rendered and "-6" not in rendered


def test_chartable():
    assert chartable(pd.Series([10, 7, 6]), True, 5)
    assert not chartable(pd.Series([10, 3, 6]), True, 5)
    assert chartable(pd.Series([10, 3, 6]), False, 5)


def test_sentences_say_rise_fall_or_no_change():
    up = change_sentence("Domestic abuse incidents", compare_periods(1150, 961), "2014-15", "2013-14")
    assert up == ("Domestic abuse incidents rose from 961 in 2013-14 to 1,150 in 2014-15 (+19.7%), "
                  "a significant increase (p < 0.001).")
    noise = change_sentence("Victim-based crime", compare_periods(5998, 6000), "2014-15", "2013-14")
    assert "no significant change" in noise and "fell" not in noise and "decreased" not in noise
    assert "6,000 in 2013-14 and 5,998 in 2014-15 (−0.0%)" in noise


def test_formatting_helpers():
    assert fmt_pct(-3.728) == "−3.7%" and fmt_pct(19.67) == "+19.7%"
    assert plural(1, "action") == "1 action" and plural(50, "action") == "50 actions"
    assert plural(1200, "victim") == "1,200 victims"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]
