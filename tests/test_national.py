"""National partition (csp-assess partition): one pass over a police.uk archive → per-area parquet.

The archive is written here by hand: two forces, four districts, four months, with rows
without an LSOA, an LSOA in no lookup, a line that does not split into columns, two
identical ASB rows, a file supplied twice, a month that is not the file's, an unknown
crime type, one Crime ID twice and a month after the assessed year. Expected values come
from reading those CSVs with the csv module and the test's own LSOA → district map.
"""

import csv
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from csp_analysis.cli import main
from csp_analysis.config import ParamsError, input_files, load_params
from csp_analysis.data import load_dataset
from csp_analysis.national import partition
from csp_analysis.sources import InputError
from csp_analysis.sources.police_uk import COLUMNS, read_police_uk
from tests.conftest import ROOT, TINY_PARAMS

HEADER = ",".join(COLUMNS) + "\n"
OUT_HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n"
DISTRICT = {"E01000001": "E07000111", "E01000002": "E07000111", "E01000003": "E07000105",
            "E01000004": "E07000209", "E01000005": "E07000217"}
NAMES = {"E01000001": "Sevenoaks 001A", "E01000002": "Sevenoaks 002A", "E01000003": "Ashford 001A",
         "E01000004": "Guildford 001A", "E01000005": "Woking 001A", "E01099999": "Elsewhere 001A", "": ""}
AREA = "E07000111"


def st(cid, month, lsoa, ctype, force="Kent Police"):
    loc = "No Location" if not lsoa else "On or near High Street"
    lon, lat = ("", "") if not lsoa else ("0.18", "51.41")
    outcome = "" if ctype == "Anti-social behaviour" else "Under investigation"
    return f"{cid},{month},{force},{force},{lon},{lat},{loc},{lsoa},{NAMES[lsoa]},{ctype},{outcome},\n"


def oc(cid, month, lsoa, outcome):
    return f"{cid},{month},Kent Police,Kent Police,0.18,51.41,On or near X,{lsoa},{NAMES[lsoa]},{outcome}\n"


ASB1 = st("", "2014-04", "E01000001", "Anti-social behaviour")
KENT_2014_05 = (HEADER + st("e1", "2014-05", "E01000001", "Criminal damage and arson")
                + st("e2", "2014-05", "E01000003", "Public order")
                + st("c9", "2014-05", "E01000001", "Robbery")  # the Crime ID of 2014-04 again
                + st("", "2014-05", "E01000002", "Anti-social behaviour"))
FILES = {
    "2013-05/2013-05-kent-street.csv": HEADER + st("", "2013-05", "E01000002", "Anti-social behaviour")
    + st("d1", "2013-05", "E01000001", "Burglary") + st("d2", "2013-05", "E01000003", "Drugs")
    + st("", "2013-05", "", "Anti-social behaviour"),
    "2014-04/2014-04-kent-street.csv": HEADER + ASB1 + ASB1  # two ASB incidents, identical rows
    + st("c1", "2014-04", "E01000001", "Burglary") + st("c2", "2014-04", "E01000002", "Violence and sexual offences")
    + st("c3", "2014-04", "E01000003", "Vehicle crime") + st("c4", "2014-04", "", "Other theft")
    + st("c5", "2014-04", "E01099999", "Shoplifting")
    + "c6,2014-04,Kent Police,Kent Police,0.18,51.41,On or near A, B,E01000001,Sevenoaks 001A,Drugs,,\n"  # 13 values
    + st("c7", "2014-03", "E01000001", "Drugs")  # not the file's month
    + st("c8", "2014-04", "E01000002", "Fraud")  # unknown crime type
    + st("c9", "2014-04", "E01000001", "Robbery"),
    "2014-05/2014-05-kent-street.csv": KENT_2014_05,
    "extra/2014-05/2014-05-kent-street.csv": KENT_2014_05,  # the same file supplied twice
    "2015-04/2015-04-kent-street.csv": HEADER + st("f1", "2015-04", "E01000001", "Burglary"),  # after 2014-15
    "2013-05/2013-05-surrey-street.csv": HEADER + st("s1", "2013-05", "E01000004", "Burglary", "Surrey Police")
    + st("", "2013-05", "E01000005", "Anti-social behaviour", "Surrey Police"),
    "2014-04/2014-04-surrey-street.csv": HEADER + st("s3", "2014-04", "E01000004", "Vehicle crime", "Surrey Police")
    + st("s4", "2014-04", "E01000005", "Bicycle theft", "Surrey Police")
    + st("s5", "2014-04", "", "Burglary", "Surrey Police"),
    "2014-04/2014-04-kent-outcomes.csv": OUT_HEADER + oc("c1", "2014-04", "E01000001", "Under investigation")
    + oc("c3", "2014-04", "E01000003", "Unable to prosecute suspect")
    + oc("", "2014-04", "E01000001", "Local resolution")  # no Crime ID: rejected
    + oc("c2", "2014-04", "E01000002", "Offender given a caution"),
}
BAD = ("2014-04/2014-04-kent-street.csv", 9)  # the line with 13 values: header = row 1


def _rows():
    """Every data line of FILES read with the csv module: (path, label, row, values)."""
    for path, text in FILES.items():
        lines = list(csv.reader(io.StringIO(text)))
        for row, values in enumerate(lines[1:], start=2):
            yield path, Path(path).name, row, values


def _area_of(lsoa: str) -> str:
    return "none" if lsoa == "" else DISTRICT.get(lsoa, "unknown")


def _expected() -> dict[tuple[str, str], Counter]:
    """(force, area) → multiset of (original file, row, values) the partition must hold."""
    out: dict[tuple[str, str], Counter] = {}
    for path, label, row, values in _rows():
        header = next(csv.reader(io.StringIO(FILES[path])))
        if len(values) != len(header):
            continue  # the bad line: in rejects.csv, in no area
        force = label.split("-")[2]
        area = _area_of(values[header.index("LSOA code")])
        out.setdefault((force, area), Counter())[(path, row, tuple(values))] += 1
    return out


@pytest.fixture
def national(tmp_path):
    root = tmp_path / "national"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    lookup = tmp_path / "lsoa_lookup.csv"
    lookup.write_text("LSOA11CD,LSOA11NM,WD15CD,WD15NM,LAD15CD,LAD15NM\n" + "".join(
        f"{c},{NAMES[c]},E0500000{i},Ward {i},{d},{NAMES[c].split()[0]}\n"
        for i, (c, d) in enumerate(DISTRICT.items())))
    pop = tmp_path / "population.csv"
    pop.write_text("lsoa_code,lsoa_name,la_code,la_name,all_usual_residents\n" + "".join(
        f"{c},{NAMES[c]},{d},{NAMES[c].split()[0]},1500\n" for c, d in DISTRICT.items()))
    return root, lookup, pop


@pytest.fixture
def parted(national, tmp_path):
    root, lookup, _ = national
    return partition(root, lookup, tmp_path / "part"), national


def test_every_row_is_accounted_per_file(parted):
    res, _ = parted
    n_lines = sum(1 for _ in _rows())
    assert (res.rows_read, res.written, res.bad) == (n_lines, n_lines - 1, 1)
    manifest = json.loads((res.out / "partition.json").read_text())
    assert manifest == res.manifest
    assert manifest["source"]["name"] == "national" and len(manifest["source"]["sha256"]) == 64
    assert manifest["lookup"]["name"] == "lsoa_lookup.csv" and manifest["lookup"]["lsoas"] == 5
    expected = _expected()
    for f in manifest["files"]:
        per_area = Counter()
        for (_, area), rows in expected.items():
            per_area[area] += sum(n for (path, _, _), n in rows.items() if path == f["file"])
        assert f["written"] == {a: n for a, n in per_area.items() if n}, f["file"]
        assert f["rows_read"] == sum(f["written"].values()) + f["bad"]
        assert f["rows_read"] == sum(1 for p, *_ in _rows() if p == f["file"])
    bad = pd.read_csv(res.out / "rejects.csv", dtype=str, keep_default_na=False)
    assert bad[["file", "row"]].values.tolist() == [[BAD[0], str(BAD[1])]]
    assert bad["text"].iloc[0].startswith("c6,2014-04") and "13 values" in bad["reason"].iloc[0]


def test_each_partition_holds_exactly_the_rows_of_its_district(parted):
    res, _ = parted
    expected = _expected()
    assert res.areas == {"kent": ["E07000105", "E07000111", "none", "unknown"],
                         "surrey": ["E07000209", "E07000217", "none"]}
    got: dict[tuple[str, str], Counter] = {}
    for f in res.out.glob("force=*/area=*/*.parquet"):
        force, area = f.parts[-3].removeprefix("force="), f.parts[-2].removeprefix("area=")
        t = pq.read_table(f)
        source = t.schema.metadata[b"csp_source"].decode()
        assert t.schema.field("_row").type == "int64"
        assert all(t.schema.field(c).type == "string" for c in t.column_names if c != "_row")
        cols = [c for c in t.column_names if c != "_row"]
        for rec in t.to_pylist():
            got.setdefault((force, area), Counter())[(source, rec["_row"], tuple(rec[c] for c in cols))] += 1
    assert got == expected
    # the second copy of 2014-05 is kept beside the first, not over it
    names = sorted(p.name for p in (res.out / "force=kent" / f"area={AREA}").iterdir())
    assert "2014-05-kent-street.parquet" in names and "2014-05-kent-street-copy2.parquet" in names


def test_the_reader_names_the_original_file_and_row(parted):
    res, _ = parted
    r = read_police_uk(res.out / "force=kent" / f"area={AREA}", {"E01000001", "E01000002"}, force="Kent Police")
    month = r.rejected[r.rejected["column"] == "Month"].iloc[0]
    assert (month["file"], month["row"], month["value"]) == ("2014-04-kent-street.csv", 10, "2014-03")
    crime_type = r.rejected[r.rejected["column"] == "Crime type"].iloc[0]
    assert (crime_type["file"], crime_type["row"]) == ("2014-04-kent-street.csv", 11)
    dup_file = r.rejected[r.rejected["column"] == "(file)"]
    assert set(dup_file["value"]) == {"extra/2014-05/2014-05-kent-street.csv"}
    assert dup_file["reason"].str.contains("the same file as 2014-05/2014-05-kent-street.csv").all()
    asb = r.kept[(r.kept["file"] == "2014-04-kent-street.csv") & (r.kept["crime_type"] == "Anti-social behaviour")]
    assert asb["row"].tolist() == [2, 3]  # identical rows, two incidents
    assert set(r.file_stats["encoding"]) == {"UTF-8"}  # the original file's


def _params(tmp_path, police_uk, lookup, pop, *, peers=None, code=AREA) -> Path:
    """The tiny fixture's params on this archive: police.uk indicators only (no partner data here)."""
    raw = yaml.safe_load(TINY_PARAMS.read_text())
    raw["area"]["code"] = code
    raw["data"] = {"police_uk": str(police_uk), "lsoa_lookup": str(lookup), "population": str(pop)}
    for pr in raw["priorities"]:
        pr["indicators"] = [i for i in pr["indicators"] if i["source"] == "police_uk"]
    raw["priorities"] = [pr for pr in raw["priorities"] if any(i.get("headline") for i in pr["indicators"])]
    if peers is not None:
        raw["data"]["peers"] = str(peers)
    raw["cache_dir"] = str(tmp_path / "cache")
    raw["report"]["output_dir"] = str(tmp_path / "reports")
    p = tmp_path / f"params-{len(list(tmp_path.glob('params-*')))}.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    return p


def _by_area_rows(df: pd.DataFrame, keys: set[tuple[str, int]]) -> pd.DataFrame:
    mask = [(f, int(r)) in keys for f, r in zip(df["file"], df["row"])]
    return df[mask].reset_index(drop=True)


def test_an_area_run_on_the_partition_equals_reading_the_csv_archive(parted, tmp_path):
    res, (root, lookup, pop) = parted
    part = load_dataset(load_params(_params(tmp_path, res.out, lookup, pop)), use_cache=False)
    csv_run = load_dataset(load_params(_params(tmp_path, root, lookup, pop, peers=root)), use_cache=False)
    # (file, row) of the area's rows: 'LSOA code' is the 8th column of street and outcomes files
    area_keys = {(label, row) for _, label, row, v in _rows() if len(v) in (10, 12) and DISTRICT.get(v[7]) == AREA}
    # police.uk rows: the area's rows of the CSV run, the same values, files and row numbers
    assert part.police["in_area"].all() and len(part.police) == 9  # 16 rows of the area, 7 rejected
    pd.testing.assert_frame_equal(part.police, csv_run.police[csv_run.police["in_area"]].reset_index(drop=True))
    # rejects: the CSV run's rejects of the area's rows (bad lines belong to no area)
    for source in ("police_uk", "police_uk_outcomes"):
        got = part.rejects[part.rejects["source"] == source].reset_index(drop=True)
        want = _by_area_rows(csv_run.rejects[csv_run.rejects["source"] == source], area_keys)
        pd.testing.assert_frame_equal(got, want)
    reasons = Counter(part.rejects.loc[part.rejects["source"] == "police_uk", "column"])
    assert reasons == {"(file)": 3, "Month": 2, "Crime type": 1, "Crime ID": 1}  # copy, 2014-03 + 2015-04, Fraud, c9
    # accounts: rows read = the area's rows of the CSVs, = kept + rejected
    acc = part.accounts.set_index("source").loc["police_uk"]
    n_area = sum(1 for k in area_keys if "street" in k[0]) + 3  # + the second copy of 2014-05
    assert n_area == 2 + 7 + 3 + 3 + 1
    assert acc["rows_read"] == n_area == acc["kept"] + acc["rejected"]
    assert acc["kept"] == len(part.police) and acc["counted"] == 0
    files = part.files[part.files["source"] == "police_uk"]
    assert sorted(zip(files["file"], files["rows_read"])) == sorted(
        [("2013-05-kent-street.csv", 2), ("2014-04-kent-street.csv", 7), ("2014-05-kent-street.csv", 3),
         ("2014-05-kent-street.csv", 3), ("2015-04-kent-street.csv", 1)])
    # peers (the force's folder) = the CSV archive read as peers, the force's rows
    pd.testing.assert_frame_equal(part.peers, csv_run.peers)
    peer_rej = csv_run.rejects[(csv_run.rejects["source"] == "police_uk_peers")
                               & csv_run.rejects["file"].str.contains("-kent-")
                               & (csv_run.rejects["column"] != "(whole row)")].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.rejects[part.rejects["source"] == "police_uk_peers"].reset_index(drop=True),
                                  peer_rej)
    # outcomes: those of the area's crimes
    want = csv_run.outcome_history[csv_run.outcome_history["lsoa_code"].isin(["E01000001", "E01000002"])]
    pd.testing.assert_frame_equal(part.outcome_history, want.reset_index(drop=True))
    pd.testing.assert_frame_equal(part.lsoa, csv_run.lsoa)


def test_input_files_are_the_forces_partition_files_only(parted, tmp_path):
    res, (_, lookup, pop) = parted
    files = input_files(load_params(_params(tmp_path, res.out, lookup, pop)))
    police = [f for f in files if res.out in f.parents]
    assert police == sorted((res.out / "force=kent").rglob("*.parquet"))  # no other force, no partition.json


def test_an_area_missing_from_the_partition_is_one_clear_line(parted, tmp_path):
    res, (_, lookup, pop) = parted
    with pytest.raises(ParamsError) as err:
        load_params(_params(tmp_path, res.out, lookup, pop, code="E07000999"))
    msg = str(err.value)
    assert len(msg.splitlines()) == 1
    assert str(res.out) in msg and "E07000999" in msg and "E07000105, E07000111, none, unknown" in msg


def test_cli_partition_summary_and_exit_codes(national, tmp_path, capsys):
    root, lookup, _ = national
    out = tmp_path / "cli"
    assert main(["partition", str(root), "--lookup", str(lookup), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    n = sum(1 for _ in _rows())
    assert f"8 files: {n} rows read = {n - 1} written + 1 bad lines" in printed
    assert "7 areas of 2 force(s)" in printed
    # again over the old partition: replaced
    assert main(["partition", str(root), "--lookup", str(lookup), "--out", str(out)]) == 0
    capsys.readouterr()
    # a lookup without the district code: exit 3, one line, nothing written, the old partition untouched
    bad_lookup = tmp_path / "lsoa_only.csv"
    bad_lookup.write_text("LSOA11CD,LSOA11NM\nE01000001,Sevenoaks 001A\n")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert main(["partition", str(root), "--lookup", str(bad_lookup), "--out", str(out)]) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "lsoa_only.csv: no district code column" in err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    # a damaged zip: exit 3
    cut = tmp_path / "cut.zip"
    cut.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["partition", str(cut), "--lookup", str(lookup), "--out", str(tmp_path / "z")]) == 3
    assert "cut.zip: the zip is damaged" in capsys.readouterr().err
    assert not (tmp_path / "z").exists()


def test_a_file_without_the_lsoa_column_stops_and_writes_nothing(national, tmp_path, capsys):
    root, lookup, _ = national
    f = root / "2014-04/2014-04-surrey-street.csv"
    f.write_text(f.read_text().replace("LSOA code,", "LSOA,", 1))
    out = tmp_path / "nothing"
    with pytest.raises(InputError, match=r"2014-04-surrey-street\.csv: missing column\(s\) 'LSOA code'"):
        partition(root, lookup, out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".nothing")]  # no temporary folder left
    assert main(["partition", str(root), "--lookup", str(lookup), "--out", str(out)]) == 3
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_lookup_row_without_a_district_code_is_one_clear_error(national, tmp_path):
    root, _, _ = national
    lk = tmp_path / "lk.csv"
    lk.write_text("LSOA11CD,LAD11CD\nE01000001,E07000111\nE01000002,\n")
    with pytest.raises(InputError, match=r"lk\.csv, row 3, column 'district code': '': not a district code"):
        partition(root, lk, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_a_zip_archive_gives_the_same_partition(parted, tmp_path):
    res, (root, lookup, _) = parted
    z = tmp_path / "national.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name in FILES:
            zf.write(root / name, name)
    from_zip = partition(z, lookup, tmp_path / "from_zip")
    assert [(f["file"], f["written"]) for f in from_zip.manifest["files"]] == \
        [(f["file"], f["written"]) for f in res.manifest["files"]]
    for f in res.out.rglob("*.parquet"):
        assert pq.read_table(f).equals(pq.read_table(from_zip.out / f.relative_to(res.out)))


# ------------------------------------------------------------------ real data

KENT = ROOT / "data" / "sample" / "police_uk_kent" / "kent-2014-01-to-2014-11.zip"


def test_real_kent_archive_sevenoaks_partition_is_the_sample_area_data(tmp_path):
    """The whole-force Kent zip, partitioned with a lookup derived from the Kent + Medway
    population file: the Sevenoaks partition holds the sample's Sevenoaks rows of the same
    download (data/sample/police_uk, 2014-01..2014-11; see PROVENANCE.md)."""
    pop = pd.read_csv(ROOT / "data/sample/lookups/census2011_lsoa_population_kent_medway.csv", dtype=str)
    lookup = tmp_path / "kent_lsoa_lad.csv"
    pop.rename(columns={"lsoa_code": "LSOA11CD", "la_code": "LAD11CD"})[["LSOA11CD", "LAD11CD"]].to_csv(
        lookup, index=False)
    res = partition(KENT, lookup, tmp_path / "kent")
    with zipfile.ZipFile(KENT) as zf:
        raw = pd.concat([pd.read_csv(zf.open(n), dtype=str, keep_default_na=False)
                         for n in zf.namelist() if n.endswith("-street.csv")], ignore_index=True)
    lad = dict(zip(pop["lsoa_code"], pop["la_code"]))
    area = raw["LSOA code"].map(lambda c: "none" if c == "" else lad.get(c, "unknown"))
    assert (res.rows_read, res.written, res.bad) == (len(raw), len(raw), 0)
    written = Counter()
    for f in res.manifest["files"]:
        written.update(f["written"])
    assert dict(written) == area.value_counts().to_dict()
    assert len(res.areas["kent"]) == 15  # 12 Kent districts + Medway + none + unknown

    part = read_police_uk(res.out / "force=kent" / "area=E07000111", set(), force="Kent Police")
    sample = read_police_uk(ROOT / "data/sample/police_uk", set(), force="Kent Police")
    sample_rows = sample.kept[sample.kept["month"].between("2014-01-01", "2014-11-01")]
    cols = [c for c in part.kept.columns if c != "row"]  # the sample files were cut: other row numbers
    a = part.kept[cols].sort_values(cols).reset_index(drop=True)
    b = sample_rows[cols].sort_values(cols).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert part.rows_read == len(part.kept) + len(part.rejected) == (area == "E07000111").sum()
