"""police.uk archive reader on tiny hand-written archives."""

import zipfile

import pytest

from csp_analysis.sources import InputError
from csp_analysis.sources.police_uk import read_police_uk

HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
ASB = ",{m},Kent Police,Kent Police,0.18,51.41,On or near Puddledock Lane,E01000001,Area 001A,Anti-social behaviour,,\n"


def _crime(cid, month, lsoa, name, ctype):
    return f"{cid},{month},Kent Police,Kent Police,0.18,51.41,On or near X,{lsoa},{name},{ctype},Under investigation,\n"


@pytest.fixture
def archive(write):
    # April 2013: old category set; two identical ASB rows (two incidents, not duplicates);
    # one row in another district (a peer); one row with a month that is not the file's.
    write(
        "arc/2013-04/2013-04-kent-street.csv",
        HEADER
        + ASB.format(m="2013-04") * 2
        + _crime("a1", "2013-04", "E01000001", "Area 001A", "Violent crime")
        + _crime("a2", "2013-04", "E01000001", "Area 001A", "Public disorder and weapons")
        + _crime("a3", "2013-04", "E01000009", "Other 001A", "Burglary")
        + _crime("a4", "2013-05", "E01000001", "Area 001A", "Burglary"),
    )
    # May 2013: new set; a row with no location; an unknown crime type.
    write(
        "arc/2013-05/2013-05-kent-street.csv",
        HEADER
        + _crime("b1", "2013-05", "E01000001", "Area 001A", "Violence and sexual offences")
        + _crime("b2", "2013-05", "E01000001", "Area 001A", "Possession of weapons")
        + _crime("b3", "2013-05", "E01000001", "Area 001A", "Bicycle theft")
        + _crime("b4", "2013-05", "", "", "Other theft")
        + _crime("b5", "2013-05", "E01000001", "Area 001A", "Fraud"),
    )
    return write("arc/README.txt", "not a street file").parent


def test_accounts_for_every_row(archive):
    r = read_police_uk(archive, {"E01000001"})
    assert r.rows_read == 11
    assert len(r.kept) == 9 and len(r.rejected) == 2
    reasons = dict(zip(r.rejected["value"], r.rejected["reason"]))
    assert reasons["2013-05"] == "month is not 2013-04, the month of the file"
    assert reasons["Fraud"] == "unknown police.uk crime type"
    bad_month = r.rejected[r.rejected["value"] == "2013-05"].iloc[0]
    assert (bad_month["file"], bad_month["row"], bad_month["column"]) == ("2013-04-kent-street.csv", 7, "Month")


def test_identical_asb_rows_are_two_incidents(archive):
    r = read_police_uk(archive, {"E01000001"})
    asb = r.kept[r.kept["category"] == "Anti-social behaviour"]
    assert len(asb) == 2
    assert asb["crime_id"].isna().all()


def test_stable_categories_across_the_may_2013_change(archive):
    k = read_police_uk(archive, {"E01000001"}).kept.set_index("crime_id")
    assert k.loc["a1", "category"] == k.loc["b1", "category"] == "Violence and sexual offences"
    assert k.loc["a2", "category"] == k.loc["b2", "category"] == "Public order and weapons"
    assert k.loc["b3", "category"] == "Other theft"
    assert k.loc["b3", "crime_type"] == "Bicycle theft"


def test_area_flag_keeps_peers_and_unlocated_rows(archive):
    k = read_police_uk(archive, {"E01000001"}).kept.set_index("crime_id")
    assert not k.loc["a3", "in_area"]  # another district: kept as a peer
    assert not k.loc["b4", "in_area"] and k["lsoa_code"].isna().sum() == 1  # no LSOA: kept, counted


def test_zip_gives_the_same_rows(archive, tmp_path):
    z = tmp_path / "kent.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in archive.rglob("*-street.csv"):
            zf.write(f, f.relative_to(archive).as_posix())
    a = read_police_uk(archive, {"E01000001"})
    b = read_police_uk(z, {"E01000001"})
    assert b.rows_read == a.rows_read and len(b.kept) == len(a.kept)
    assert b.kept["category"].tolist() == a.kept["category"].tolist()


def test_missing_column_is_one_clear_error(write):
    root = write("x/2014-01/2014-01-kent-street.csv", HEADER.replace("Crime type,", "Crime_type,")).parents[1]
    with pytest.raises(InputError, match=r"2014-01-kent-street\.csv: missing column\(s\) 'Crime type'"):
        read_police_uk(root, set())


def test_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no police.uk street files"):
        read_police_uk(tmp_path, set())


def test_truncated_zip(archive, tmp_path):
    z = tmp_path / "k.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in archive.rglob("*-street.csv"):
            zf.write(f, f.relative_to(archive).as_posix())
    data = z.read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.zip"):
        read_police_uk(tmp_path / "cut.zip", set())
