"""Readers beyond the basics: the three police.uk eras, outcomes, several forces, the cache,
the schemas and the templates."""

from __future__ import annotations

import time
import zipfile

import pandas as pd
import pytest

from csp_analysis.schemas import TEMPLATES, check_table, markdown_table, template_header
from csp_analysis.sources import Scope
from csp_analysis.sources.police_uk import (
    BROAD_CATEGORY,
    CATEGORIES,
    MIXED_OTHER,
    category_months,
    force_slug,
    read_outcomes,
    read_police_uk,
    taxonomy_markdown,
)
from tests.conftest import ROOT, SAMPLE_PARAMS, TINY_PARAMS

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context\n")


def _row(cid, month, ctype, lsoa="E01000001", name="Area 001A", force="Kent Police"):
    return f"{cid},{month},{force},{force},0.18,51.41,On or near X,{lsoa},{name},{ctype},,\n"


def _id(n: int) -> str:
    return f"{n:x}".rjust(64, "a")


# ------------------------------------------------------------------ eras

@pytest.fixture
def eras(write):
    write("e/2011-06/2011-06-kent-street.csv", HEADER + "".join([
        _row(_id(1), "2011-06", "Violent crime"), _row(_id(2), "2011-06", "Other crime"),
        _row("", "2011-06", "Anti-social behaviour"), _row(_id(3), "2011-06", "Burglary")]))
    write("e/2012-01/2012-01-kent-street.csv", HEADER + "".join([
        _row(_id(4), "2012-01", "Violent crime"), _row(_id(5), "2012-01", "Other crime"),
        _row(_id(6), "2012-01", "Drugs"), _row(_id(7), "2012-01", "Public disorder and weapons")]))
    return write("e/2013-06/2013-06-kent-street.csv", HEADER + "".join([
        _row(_id(8), "2013-06", "Violence and sexual offences"), _row(_id(9), "2013-06", "Other crime"),
        _row(_id(10), "2013-06", "Drugs"), _row(_id(11), "2013-06", "Possession of weapons"),
        _row(_id(12), "2013-06", "Theft from the person")])).parents[1]


def test_six_type_other_crime_is_not_counted_as_a_finer_category(eras):
    k = read_police_uk(eras, {"E01000001"}).kept.set_index("crime_id")
    assert k.loc[_id(2), "category"] == MIXED_OTHER  # the mix before Sep 2011
    assert k.loc[_id(5), "category"] == k.loc[_id(9), "category"] == "Other crime"
    assert k.loc[_id(1), "category"] == k.loc[_id(4), "category"] == k.loc[_id(8), "category"] \
        == "Violence and sexual offences"
    assert k.loc[_id(7), "category"] == k.loc[_id(11), "category"] == "Public order and weapons"
    assert k.loc[_id(12), "category"] == "Other theft"
    assert k["era"].tolist() == ["6 types"] * 4 + ["11 types"] * 4 + ["14 types"] * 5
    # the broad categories are the same in every era: 6-type "Other crime" = drugs + other crime + ...
    broad = k.groupby(["era", "broad_category"]).size()
    assert broad.loc[("6 types", "All other crime")] == 1
    assert broad.loc[("11 types", "All other crime")] == 3 and broad.loc[("14 types", "All other crime")] == 4
    assert set(k["broad_category"]) <= set(BROAD_CATEGORY.values())


def test_category_months_start_finer_categories_in_september_2011():
    months = pd.date_range("2011-06-01", "2011-11-01", freq="MS")
    assert list(category_months("Drugs", months).strftime("%Y-%m")) == ["2011-09", "2011-10", "2011-11"]
    assert len(category_months("Burglary", months)) == 6
    assert list(category_months(MIXED_OTHER, months).strftime("%Y-%m")) == ["2011-06", "2011-07", "2011-08"]


def test_taxonomy_and_templates_are_documented_verbatim():
    doc = (ROOT / "docs" / "data_formats.md").read_text()
    assert taxonomy_markdown() in doc
    for t in TEMPLATES.values():
        assert markdown_table(t) in doc, t.source
        assert (ROOT / "data" / "templates" / t.file_name).read_text() == template_header(t), t.file_name


def test_force_slugs():
    assert force_slug("Kent Police") == "kent"
    assert force_slug("Metropolitan Police Service") == "metropolitan"
    assert force_slug("Avon and Somerset Constabulary") == "avon-and-somerset"
    assert force_slug("British Transport Police") == "btp"
    assert force_slug("Dyfed-Powys Police") == "dyfed-powys"


# ---------------------------------------------------- several forces, zip

@pytest.fixture
def national(write):
    for m in ("2014-04", "2014-05"):
        write(f"n/{m}/{m}-kent-street.csv", HEADER + "".join([
            _row(_id(1 if m == "2014-04" else 2), m, "Burglary"),  # in the area
            _row(_id(3 if m == "2014-04" else 4), m, "Drugs", "E01000009", "Other 001A"),  # a peer district
            _row("", m, "Anti-social behaviour", "", "")]))  # no location
        write(f"n/{m}/{m}-essex-street.csv", HEADER + "".join([
            _row(_id(5 if m == "2014-04" else 6), m, "Burglary", "E01021000", "Basildon 001A", "Essex Police"),
            _row("", m, "Anti-social behaviour", "E01021000", "Basildon 001A", "Essex Police")]))
        write(f"n/{m}/{m}-btp-street.csv", HEADER + _row(
            _id(7 if m == "2014-04" else 8), m, "Robbery", "E01000001", "Area 001A", "British Transport Police"))
    return write("n/2014-04/2014-04-kent-stop-and-search.csv", "x\n").parents[1]


def test_several_forces_area_force_as_rows_others_as_counts(national):
    districts = {"E01000001": ("E07000111", "Sevenoaks"), "E01000009": ("E07000115", "Tonbridge and Malling")}
    r = read_police_uk(national, {"E01000001"}, force="Kent Police", districts=districts)
    assert r.rows_read == 12 and len(r.rejected) == 0
    assert len(r.kept) == 8 and r.counted == 4  # kent 6 + 2 BTP rows in the area; essex counted
    assert set(r.kept["force_file"]) == {"kent", "btp"}
    assert r.kept.loc[r.kept["force_file"] == "btp", "in_area"].all()
    c = r.counts.groupby(["force_file", "district_name"], dropna=False)["count"].sum()
    assert c[("essex", "Basildon")] == 4  # no lookup: the district is named from the LSOA name
    assert c[("kent", "Tonbridge and Malling")] == 2 and c[("kent", "Sevenoaks")] == 2
    assert int(r.counts["count"].sum()) == 12
    assert r.file_stats["no_location"].sum() == 2
    check_table("police_uk", r.kept)
    check_table("police_counts", r.counts)


def test_counts_only_reduction_matches_the_rows(national):
    full = read_police_uk(national, set())  # every force as rows
    counts = read_police_uk(national, set(), rows=False)
    assert len(counts.kept) == 0 and counts.counted == full.rows_read == 12
    by_rows = full.kept.groupby(["force_file", "category"]).size().sort_index()
    by_counts = counts.counts.groupby(["force_file", "category"])["count"].sum().sort_index()
    assert by_rows.tolist() == by_counts.tolist()


def test_zip_of_several_forces(national, tmp_path):
    z = tmp_path / "national.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in national.rglob("*.csv"):
            zf.write(f, f.relative_to(national).as_posix())
    a = read_police_uk(national, {"E01000001"}, force="Kent Police")
    b = read_police_uk(z, {"E01000001"}, force="Kent Police")
    assert (b.rows_read, len(b.kept), b.counted) == (a.rows_read, len(a.kept), a.counted)


def test_unknown_force_keeps_the_area_rows_and_says_so(national):
    r = read_police_uk(national, {"E01000001"}, force="Kent Polce")
    assert r.kept["in_area"].all() and len(r.kept) == 4
    assert any("no files of area.force 'Kent Polce'" in str(p) for p in r.problems)


# ------------------------------------------------------------------ outcomes

def test_latest_outcome_per_crime(write):
    head = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
            "Outcome type\n")
    out = ",Kent Police,Kent Police,0.1,51.4,On or near X,E01000001,Area 001A,"
    write("o/2014-04/2014-04-kent-outcomes.csv", head + f"{_id(1)},2014-04{out}Under investigation\n"
          + f"{_id(2)},2014-04{out}Local resolution\n")
    root = write("o/2014-06/2014-06-kent-outcomes.csv", head + f"{_id(1)},2014-06{out}Offender sent to prison\n"
                 ).parents[1]
    r = read_outcomes(root)
    assert r.rows_read == 3 and len(r.kept) == 3
    latest = r.kept[r.kept["latest"]].set_index("crime_id")["outcome_type"].to_dict()
    assert latest == {_id(1): "Offender sent to prison", _id(2): "Local resolution"}
    check_table("police_uk_outcomes", r.kept)


# --------------------------------------------------------------- the dataset

def test_sample_tables_honour_their_schemas_and_accounts_add_up():
    from csp_analysis.config import load_params
    from csp_analysis.data import load_dataset

    ds = load_dataset(load_params(SAMPLE_PARAMS), use_cache=False)
    a = ds.accounts.set_index("source")
    assert (a["rows_read"] == a["kept"] + a["rejected"]).all()
    assert a.loc["police_uk", "rows_read"] == 22922  # the sample, every row read
    assert a.loc["police_uk", "rejected"] == 1  # one crime published in two months
    f = ds.files
    assert (f["rows_read"] == f["kept"] + f["rejected"]).all()
    for source, df in f.groupby("source"):
        assert df["rows_read"].sum() == a.loc[source, "rows_read"], source
    assert len(ds.area_police) == 22921 and ds.police["district_name"].eq("Sevenoaks").all()
    assert ds.coverage["covered"].all() and ds.usable
    assert int(ds.police_counts["count"].sum()) == len(ds.police)
    assert set(ds.partner) >= {"road_casualties", "road_collisions", "domestic_abuse"}
    assert str(ds.partner["domestic_abuse"]["date"].dtype).startswith("datetime64")


@pytest.mark.skipif(not (ROOT / "data/sample/police_uk_kent").exists(), reason="whole-force Kent zip not present")
def test_whole_force_zip_gives_the_sample_area_rows():
    """The sample's Sevenoaks rows were cut from Kent downloads by LSOA name; reading the whole
    force's zip and picking the area by the ONS lookup gives the same rows."""
    lookup = pd.read_csv(ROOT / "data/sample/lookups/ons_lsoa11_to_wd15_sevenoaks.csv", dtype=str)
    area = set(lookup["LSOA11CD"])
    z = read_police_uk(next((ROOT / "data/sample/police_uk_kent").glob("*.zip")), area, force="Kent Police")
    s = read_police_uk(ROOT / "data/sample/police_uk", area, force="Kent Police")
    a = z.kept[z.kept["in_area"]]
    b = s.kept[s.kept["month"].between("2014-01-01", "2014-11-01")]
    cols = ["crime_id", "month", "lsoa_code", "crime_type", "outcome", "location"]
    assert a[cols].sort_values(cols).reset_index(drop=True).equals(b[cols].sort_values(cols).reset_index(drop=True))
    assert z.rows_read == len(z.kept) + len(z.rejected) and z.kept["district_name"].nunique() >= 13


def test_cache_second_load_does_not_parse_and_is_10x_faster(tmp_path, monkeypatch):
    from csp_analysis import data
    from csp_analysis.config import load_params

    params = load_params(SAMPLE_PARAMS).model_copy(update={"cache_dir": tmp_path})
    t = time.perf_counter()
    first = data.load_dataset(params)
    cold = time.perf_counter() - t

    def no_parsing(*a, **k):
        raise AssertionError("parsed again")

    monkeypatch.setattr(data, "_read_all", no_parsing)
    t = time.perf_counter()
    second = data.load_dataset(params)
    warm = time.perf_counter() - t
    assert len(second.police) == len(first.police) and second.accounts.equals(first.accounts)
    assert second.rejects.equals(first.rejects) and second.problems.equals(first.problems)
    assert second.meta == first.meta
    assert cold / warm >= 5, (cold, warm)  # ≥ 10× when the machine is quiet (docs/performance.md)


def test_cache_is_rebuilt_when_an_input_changes(tmp_path):
    import shutil

    import yaml

    from csp_analysis.config import load_params
    from csp_analysis.data import load_dataset

    tiny = TINY_PARAMS.parent
    for d in ("police_uk", "lookups", "partner"):
        shutil.copytree(tiny / d, tmp_path / d)
    raw = yaml.safe_load(TINY_PARAMS.read_text())
    raw["cache_dir"] = str(tmp_path / "cache")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    params = load_params(tmp_path / "params.yaml")
    a = load_dataset(params)
    asb = tmp_path / "partner" / "council_asb_reports.csv"
    asb.write_text(asb.read_text() + "ASB99999,2014-05-01,E01024472,noise\n")
    b = load_dataset(params)
    n = b.accounts.set_index("source").loc["council_asb", "rows_read"]
    assert n == a.accounts.set_index("source").loc["council_asb", "rows_read"] + 1
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_population_in_long_form_by_year(write):
    from csp_analysis.sources.lookups import population_for_year, read_population_result

    p = write("pop.csv", "lsoa_code,year,population\nE1,2013,100\nE1,2014,110\nE2,2012,50\nE1,2014,111\n")
    r = read_population_result(p)
    assert len(r.kept) == 3 and r.rejected["reason"].str.startswith("duplicate").all()
    assert population_for_year(r.kept, 2014).to_dict() == {"E1": 110, "E2": 50}
    assert population_for_year(r.kept, 2013).to_dict() == {"E1": 100, "E2": 50}


def test_area_can_be_a_csp_of_several_districts(write, tmp_path):
    from csp_analysis.config import load_params
    from csp_analysis.data import _area_lsoas
    from csp_analysis.sources.lookups import read_lsoa_lookup_result

    lk = write("lk.csv", "LSOA11CD,LSOA11NM,WD15CD,WD15NM,LAD15CD,LAD15NM,CSP15CD,CSP15NM\n"
               "E1,A 001A,W1,Ward 1,L1,A,C1,West Kent\nE2,B 001A,W2,Ward 2,L2,B,C1,West Kent\n"
               "E3,C 001A,W3,Ward 3,L3,C,C2,East Kent\n")
    params = load_params(TINY_PARAMS)
    params = params.model_copy(update={"area": params.area.model_copy(update={"code": "C1"})})
    lookup = read_lsoa_lookup_result(lk).kept
    pop = pd.DataFrame({"lsoa_code": ["E1", "E2"], "lsoa_name": ["A", "B"], "la_code": ["L1", "L2"],
                        "la_name": ["A", "B"], "year": [2011, 2011], "population": [10, 20]})
    area = _area_lsoas(params, lookup, pop)
    assert area["lsoa_code"].tolist() == ["E1", "E2"] and area["population"].sum() == 30


def test_scope_window_messages():
    s = Scope(start=pd.Timestamp("2010-04-01"), end=pd.Timestamp("2015-03-01"), assessed="2014-15")
    assert s.after_reason == "dated after the assessed year 2014-15 (which ends Mar 2015)"
    assert s.before_reason == "dated before the data window (which starts Apr 2010): check the year"
    assert CATEGORIES[-1] == MIXED_OTHER


def test_data_reaching_before_september_2011_is_flagged(eras, tmp_path):
    import yaml

    from csp_analysis.config import load_params
    from csp_analysis.data import load_dataset

    raw = yaml.safe_load(TINY_PARAMS.read_text())
    base = TINY_PARAMS.parent
    raw["data"]["police_uk"] = str(eras)
    raw["data"]["lsoa_lookup"] = str(base / raw["data"]["lsoa_lookup"])
    raw["data"]["population"] = str(base / raw["data"]["population"])
    raw["data"]["partner"] = {}
    raw["data"]["synthetic"] = []
    raw["priorities"] = [{"id": "burglary", "name": "Burglary", "indicators": [
        {"id": "b", "label": "Burglary", "source": "police_uk", "where": {"category": "Burglary"}, "headline": True}]}]
    raw["period"] = {"current": "2011-12", "previous": "2010-11"}
    raw["area"]["lsoa_name_prefix"] = "Area "
    raw["cache_dir"] = str(tmp_path / "cache")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(raw))
    ds = load_dataset(load_params(tmp_path / "p.yaml"), use_cache=False, collect=True)
    notes = " ".join(ds.problems["expected"])
    assert "months before Sep 2011 use police.uk's 6 crime types" in notes
    assert "missing for 10 of 12 months of 2011-12" in notes  # files for Jun 2011 and Jan 2012 only
