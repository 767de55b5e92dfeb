"""Indicator series on a hand-built dataset."""

import pandas as pd
import pytest

from csp_analysis.config import Indicator, Priority
from csp_analysis.data import Dataset
from csp_analysis.indicators import annual_comparison, monthly, priority_monthly
from csp_analysis.periods import FinancialYear
from csp_analysis.sources import InputError


def _ds():
    months = pd.to_datetime(["2013-04-01"] * 3 + ["2013-05-01"] + ["2014-04-01"] * 2 + ["2014-06-01"])
    police = pd.DataFrame(
        {
            "month": months,
            "category": ["Burglary", "Burglary", "Drugs", "Drugs", "Burglary", "Drugs", "Drugs"],
            "in_area": [True, True, True, True, True, True, False],
        }
    )
    youth = pd.DataFrame(
        {
            "month": pd.to_datetime(["2013-04-01", "2013-05-01", "2014-04-01", "2014-05-01"]),
            "indicator": ["fte", "fte", "fte", "fte"],
            "count": [3, 4, 7, 1],
        }
    )
    return Dataset(police=police, partner={"youth_indicators": youth}, lsoa=pd.DataFrame(),
                   accounts=pd.DataFrame(), rejects=pd.DataFrame())


def test_monthly_counts_rows_and_fills_covered_months_with_zero():
    s = monthly(_ds(), Indicator(id="b", label="B", source="police_uk", where={"category": "Burglary"}))
    # covered months are those of in-area police rows; 2014-06 is only out of area
    assert s.to_dict() == {
        pd.Timestamp("2013-04-01"): 2, pd.Timestamp("2013-05-01"): 0, pd.Timestamp("2014-04-01"): 1,
    }


def test_monthly_sums_counts_of_aggregates():
    s = monthly(_ds(), Indicator(id="f", label="F", source="youth_indicators", where={"indicator": "fte"}))
    assert s.tolist() == [3, 4, 7, 1]


def test_like_for_like_months_only():
    p = Priority(id="y", name="Y", indicators=[
        Indicator(id="f", label="F", source="youth_indicators", where={"indicator": "fte"}, headline=True)])
    comp = annual_comparison(priority_monthly(_ds(), p), FinancialYear(2014), FinancialYear(2013))
    # both years have April and May: 7+1 against 3+4
    assert comp.loc["headline", ["current", "previous", "months"]].tolist() == [8, 7, 2]


def test_unknown_filter_value_is_named():
    ind = Indicator(id="b", label="B", source="police_uk", where={"category": "Burglery"})
    with pytest.raises(InputError, match=r"indicator 'b': 'Burglery' is not a value of police_uk\.category \(did you mean 'Burglary'\?\)"):
        monthly(_ds(), ind)
