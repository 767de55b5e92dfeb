import pandas as pd
import pytest

from csp_analysis.periods import FinancialYear, financial_year_of


@pytest.mark.parametrize("text", ["2014-15", "2014/15", "2014-2015", " 2014-15 "])
def test_parse_forms(text):
    assert FinancialYear.parse(text) == FinancialYear(2014)


@pytest.mark.parametrize("text", ["2014", "2014-16", "14-15", "2014-1"])
def test_parse_rejects(text):
    with pytest.raises(ValueError):
        FinancialYear.parse(text)


def test_months_run_april_to_march():
    fy = FinancialYear(2014)
    assert str(fy) == "2014-15"
    assert fy.months[0] == pd.Timestamp("2014-04-01")
    assert fy.months[-1] == pd.Timestamp("2015-03-01")
    assert len(fy.months) == 12
    assert str(FinancialYear(1999)) == "1999-00"


def test_financial_year_of_months():
    m = pd.Series(pd.to_datetime(["2014-03-01", "2014-04-01", "2015-03-01"]))
    assert financial_year_of(m).tolist() == ["2013-14", "2014-15", "2014-15"]
