"""Partner CSV reader: encodings, date forms, per-row rejects with file/row/column/value/reason."""

import pytest

from csp_analysis.sources import InputError
from csp_analysis.sources.partner import read_partner

ASB_HEADER = "report_id,date,lsoa_code,category\n"


def test_uk_and_iso_dates_and_bom(write):
    p = write("asb.csv", "\ufeff" + ASB_HEADER + "r1,2014-04-30,E1,noise\nr2,01/05/2014,E1,noise\n")
    r = read_partner("council_asb", p)
    assert r.kept["month"].dt.strftime("%Y-%m").tolist() == ["2014-04", "2014-05"]
    assert r.kept["count"].tolist() == [1, 1]


def test_windows_1252_export(write):
    p = write("asb.csv", ASB_HEADER + "r1,2014-04-30,E1,caf\u00e9 noise\n", encoding="cp1252")
    r = read_partner("council_asb", p)
    assert r.kept["category"].iloc[0] == "caf\u00e9 noise"


def test_bad_rows_rejected_with_reasons(write):
    p = write(
        "da.csv",
        "incident_id,date,victim_id,lsoa_code,repeat_victim,risk_level,recorded_as\n"
        "1,2014-04-01,v1,E1,Y,high,crime\n"
        "2,31/02/2014,v2,E1,N,standard,crime\n"
        "3,2014-04-02,v3,E1,maybe,standard,crime\n"
        "4,2014-04-03,,E1,N,standard,crime\n"
        "5,2014-04-04,v5,E1,n,MEDIUM,non-crime\n",
    )
    r = read_partner("domestic_abuse", p)
    assert r.rows_read == 5 and len(r.kept) == 2 and len(r.rejected) == 3
    rej = r.rejected.set_index("row")
    assert rej.loc[3, "column"] == "date" and "not a date" in rej.loc[3, "reason"]
    assert rej.loc[4, "column"] == "repeat_victim" and rej.loc[4, "value"] == "maybe"
    assert rej.loc[5, "column"] == "victim_id" and rej.loc[5, "reason"] == "empty value"
    # coded values are case-insensitive and come out in their canonical spelling
    assert r.kept["repeat_victim"].tolist() == ["Y", "N"]
    assert r.kept["risk_level"].tolist() == ["high", "medium"]


def test_monthly_counts_must_be_whole_non_negative_numbers(write):
    p = write("y.csv", "month,indicator,count\n2014-04,fte,3\n2014-05,fte,-1\n2014-06,fte,two\n2014-13,fte,1\n2014-07,fte,2.5\n")
    r = read_partner("youth_indicators", p)
    assert r.kept["count"].tolist() == [3]
    assert sorted(r.rejected["reason"]) == sorted(
        ["negative count", "not a number", "not a month (use YYYY-MM)", "not a whole number"]
    )


def test_renamed_column_suggests_the_template_name(write):
    p = write("asb.csv", "report_id,Date,lsoa_code,category\nr1,2014-04-30,E1,noise\n")
    with pytest.raises(InputError, match=r"asb\.csv: missing column 'date' \(found 'Date': rename it\)"):
        read_partner("council_asb", p)


def test_empty_file(write):
    with pytest.raises(InputError, match=r"asb\.csv: file is empty"):
        read_partner("council_asb", write("asb.csv", ""))
