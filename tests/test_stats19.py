"""STATS19 in its three column-name eras gives the same casualties."""

import pytest

from csp_analysis.sources.stats19 import read_stats19

ERAS = {
    "pre2021": (
        "Accident_Index,Date,LSOA_of_Accident_Location,Accident_Severity\n",
        "Accident_Index,Vehicle_Reference,Casualty_Reference,Casualty_Severity\n",
    ),
    "2021": (
        "accident_index,date,lsoa_of_accident_location,accident_severity\n",
        "accident_index,vehicle_reference,casualty_reference,casualty_severity\n",
    ),
    "2024": (
        "collision_index,date,lsoa_of_accident_location,collision_severity\n",
        "collision_index,vehicle_reference,casualty_reference,casualty_severity\n",
    ),
}


@pytest.mark.parametrize("era", ERAS)
def test_eras(write, era):
    col_h, cas_h = ERAS[era]
    col = write(f"{era}/col.csv", col_h + "201446A1,26/12/2014,E01024435,2\n201446A2,2015-01-03,E01024436,3\n")
    cas = write(
        f"{era}/cas.csv",
        cas_h + "201446A1,1,1,1\n201446A1,1,2,3\n201446A2,1,1,2\n201446ZZ,1,1,3\n201446A2,2,1,9\n",
    )
    r = read_stats19(col, cas)
    assert r.rows_read == 5 and len(r.kept) == 3 and len(r.rejected) == 2
    assert r.kept["severity"].tolist() == ["fatal", "slight", "serious"]
    assert r.kept["ksi"].tolist() == ["Y", "N", "Y"]
    assert r.kept["month"].dt.strftime("%Y-%m").tolist() == ["2014-12", "2014-12", "2015-01"]
    assert set(r.rejected["reason"]) == {"no such collision in col.csv", "expected 1, 2 or 3"}
