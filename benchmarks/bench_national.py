"""A national year of police.uk data reduced to per-district monthly counts by category.

Generates (deterministically, seeded) a synthetic police.uk archive in police.uk's own
layout: 45 forces x 12 months of street files, ~6 M rows, ~0.8-1 GB of CSV at --scale 1.
Then reduces it to counts per (district, month, stable category) twice, each in its own
process so that peak memory is measured separately:

* **ours**: ``csp_analysis.sources.police_uk.read_police_uk(..., rows=False)``, the
  workbook's streaming reader (pyarrow CSV, one file at a time, numpy counting), with
  every check on: month = file month, known crime type, the same Crime ID twice, the
  per-file accounts (rows read = kept + rejected);
* **duckdb**: one ``read_csv(...)`` GROUP BY over the same files, joined to the same
  LSOA -> district lookup and crime type -> category map (no checks).

Both results are compared cell by cell. Prints rows/s, MB/s, wall time, peak RSS (VmHWM
from /proc, no psutil) and the ratio. Also measures the parquet cache of
``load_dataset`` on the sample (cold parse vs warm load).

    python benchmarks/bench_national.py               # the full national year (~6 M rows)
    python benchmarks/bench_national.py --scale 0.05  # a quick run
    python benchmarks/bench_national.py --keep /tmp/national   # keep the archive

Needs duckdb (the ``dev`` extra). The archive is written to a temporary folder (checked
for free space first) and removed at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context\n")
N_FORCES, N_MONTHS, ROWS_PER_YEAR = 45, 12, 6_000_000
N_DISTRICTS, N_LSOAS = 330, 34_753
BYTES_PER_ROW = 175  # measured on real Kent files; the check of free space uses it

# police.uk's 14 crime types with roughly national shares (ASB about a third)
TYPES = [
    ("Anti-social behaviour", 0.31), ("Violence and sexual offences", 0.22), ("Other theft", 0.07),
    ("Criminal damage and arson", 0.09), ("Burglary", 0.07), ("Vehicle crime", 0.06),
    ("Shoplifting", 0.06), ("Public order", 0.04), ("Drugs", 0.025), ("Other crime", 0.015),
    ("Bicycle theft", 0.015), ("Theft from the person", 0.013), ("Robbery", 0.007),
    ("Possession of weapons", 0.005),
]
OUTCOMES = ["Investigation complete; no suspect identified", "Unable to prosecute suspect",
            "Under investigation", "Local resolution", "Offender given a caution",
            "Awaiting court outcome", "Status update unavailable", "Offender sent to prison"]


# ------------------------------------------------------------------ generation

def _geography(rng: np.random.Generator):
    """Synthetic forces, districts and LSOAs (codes in the ONS form, names 'District 001A')."""
    forces = [f"force-{i:02d}" for i in range(N_FORCES)]
    # force sizes vary like the real ones (the Met is ~10x a small force)
    size = rng.lognormal(0, 0.7, N_FORCES)
    size[0] *= 6
    size /= size.sum()
    district_force = np.sort(rng.integers(0, N_FORCES, N_DISTRICTS))
    district_force[:N_FORCES] = np.arange(N_FORCES)  # every force has a district
    district_force.sort()
    lsoa_district = np.sort(rng.integers(0, N_DISTRICTS, N_LSOAS))
    lsoa_district[:N_DISTRICTS] = np.arange(N_DISTRICTS)
    lsoa_district.sort()
    names = [f"District {d:03d}" for d in range(N_DISTRICTS)]
    codes = [f"E07{d:06d}" for d in range(N_DISTRICTS)]
    lsoa_codes = np.array([f"E01{i + 1:06d}" for i in range(N_LSOAS)], dtype=object)
    seq = np.zeros(N_LSOAS, dtype=int)
    counts: dict[int, int] = {}
    for i, d in enumerate(lsoa_district):
        seq[i] = counts.get(d, 0)
        counts[d] = seq[i] + 1
    lsoa_names = np.array([f"{names[d]} {s // 4 + 1:03d}{'ABCD'[s % 4]}"
                           for d, s in zip(lsoa_district, seq)], dtype=object)
    return forces, size, district_force, lsoa_district, lsoa_codes, lsoa_names, codes, names


def generate(folder: Path, scale: float, seed: int = 20150501) -> dict:
    """Write the archive and its LSOA lookup; return what was written."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    forces, size, district_force, lsoa_district, lsoa_codes, lsoa_names, dcodes, dnames = _geography(rng)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lsoa_lookup.csv", "w") as f:
        f.write("LSOA11CD,LSOA11NM,WD15CD,WD15NM,LAD15CD,LAD15NM\n")
        f.writelines(f"{c},{n},E05{d:06d},Ward {d},{dcodes[d]},{dnames[d]}\n" for c, n, d in zip(lsoa_codes, lsoa_names, lsoa_district))
    types = np.array([t for t, _ in TYPES], dtype=object)
    p_types = np.array([p for _, p in TYPES])
    p_types /= p_types.sum()
    hexchars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    streets = np.array([f"On or near {w} {k}" for w in ("High", "Church", "Station", "Mill", "Park", "London",
                                                         "Victoria", "Green", "Manor", "Kings", "Queens", "New")
                        for k in ("Street", "Road", "Lane", "Close", "Way", "Avenue", "Drive", "Gardens")]
                       + [f"On or near Parking Area {i}" for i in range(40)], dtype=object)
    total_rows = int(ROWS_PER_YEAR * scale)
    rows = files = nbytes = 0
    t0 = time.perf_counter()
    for fi, force in enumerate(forces):
        lsoas = np.flatnonzero(district_force[lsoa_district] == fi)
        for m in range(N_MONTHS):
            month = f"{2014 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}"  # Apr 2014 .. Mar 2015
            n = max(1, int(rng.poisson(total_rows * size[fi] / N_MONTHS)))
            ctype = types[rng.choice(len(types), n, p=p_types)]
            asb = ctype == "Anti-social behaviour"
            raw = rng.integers(0, 256, (n, 32), dtype=np.uint8)
            hexed = np.empty((n, 64), dtype=np.uint8)
            hexed[:, 0::2], hexed[:, 1::2] = hexchars[raw >> 4], hexchars[raw & 15]
            ids = pa.array(hexed.view("S64").ravel()).cast(pa.string())
            ids = pa.compute.if_else(pa.array(asb), "", ids)
            where = lsoas[rng.integers(0, len(lsoas), n)]
            no_loc = rng.random(n) < 0.01  # ~1% of rows have no location
            lsoa = np.where(no_loc, "", lsoa_codes[where])
            lname = np.where(no_loc, "", lsoa_names[where])
            lon = np.where(no_loc, np.nan, np.round(-2 + rng.random(n) * 3, 6))
            lat = np.where(no_loc, np.nan, np.round(51 + rng.random(n) * 3, 6))
            loc = np.where(no_loc, "No Location", streets[rng.integers(0, len(streets), n)])
            outcome = np.where(asb, "", np.array(OUTCOMES, dtype=object)[rng.integers(0, len(OUTCOMES), n)])
            name = f"{force.replace('-', ' ').title()} Police"
            table = pa.table({
                "Crime ID": ids, "Month": pa.array([month] * n), "Reported by": pa.array([name] * n),
                "Falls within": pa.array([name] * n), "Longitude": lon, "Latitude": lat,
                "Location": pa.array(loc, type=pa.string()), "LSOA code": pa.array(lsoa, type=pa.string()),
                "LSOA name": pa.array(lname, type=pa.string()), "Crime type": pa.array(ctype, type=pa.string()),
                "Last outcome category": pa.array(outcome, type=pa.string()), "Context": pa.array([""] * n),
            })
            d = folder / "archive" / month
            d.mkdir(parents=True, exist_ok=True)
            path = d / f"{month}-{force}-street.csv"
            with open(path, "wb") as f:
                f.write(HEADER.encode())
                pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))
            rows += n
            files += 1
            nbytes += path.stat().st_size
    return {"rows": rows, "files": files, "bytes": nbytes, "seconds": time.perf_counter() - t0}


# ------------------------------------------------------------------ contenders

def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_ours(folder: Path) -> dict:
    import pandas as pd

    from csp_analysis.sources.police_uk import read_police_uk

    lk = pd.read_csv(folder / "lsoa_lookup.csv", dtype=str)
    districts = dict(zip(lk["LSOA11CD"], zip(lk["LAD15CD"], lk["LAD15NM"])))
    t = time.perf_counter()
    r = read_police_uk(folder / "archive", set(), districts=districts, rows=False)
    wall = time.perf_counter() - t
    c = r.counts
    key = c["district_code"].fillna("") + "|" + c["month"].dt.strftime("%Y-%m") + "|" + c["category"]
    counts = {k: int(v) for k, v in c["count"].groupby(key.to_numpy()).sum().items()}  # forces summed
    return {"wall": wall, "rows_read": r.rows_read, "kept": r.n_kept, "rejected": len(r.rejected),
            "counts": counts}


def run_duckdb(folder: Path) -> dict:
    import duckdb
    import pandas as pd

    from csp_analysis.sources.police_uk import STABLE_CATEGORY

    con = duckdb.connect()
    con.execute(f"SET threads={os.cpu_count() or 1}")
    cats = pd.DataFrame({"crime_type": list(STABLE_CATEGORY), "category": list(STABLE_CATEGORY.values())})
    con.register("cats", cats)
    t = time.perf_counter()
    con.execute(f"CREATE TEMP TABLE lk AS SELECT LSOA11CD AS lsoa, LAD15CD AS district "
                f"FROM read_csv('{folder / 'lsoa_lookup.csv'}', all_varchar=true)")
    df = con.execute(f"""
        SELECT coalesce(lk.district, '') AS district, s.month, cats.category, sum(s.n)::BIGINT AS n
        FROM (SELECT "LSOA code" AS lsoa, "Month" AS month, "Crime type" AS crime_type, count(*) AS n
              FROM read_csv('{folder / 'archive'}/*/*-street.csv', header=true, all_varchar=true)
              GROUP BY ALL) s
        LEFT JOIN lk ON s.lsoa = lk.lsoa
        JOIN cats ON s.crime_type = cats.crime_type
        GROUP BY ALL
    """).df()
    wall = time.perf_counter() - t
    key = df["district"] + "|" + df["month"] + "|" + df["category"]
    return {"wall": wall, "rows_read": int(df["n"].sum()), "counts": dict(zip(key, df["n"].astype(int)))}


def _child(which: str, folder: str) -> None:
    res = (run_ours if which == "ours" else run_duckdb)(Path(folder))
    res["peak_kb"] = _peak_kb()
    print(json.dumps(res))


def measure(which: str, folder: Path) -> dict:
    """Run one contender in a fresh process; poll its RSS from /proc as it runs."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", which, str(folder)],
                            stdout=subprocess.PIPE, text=True)
    polled = [0]

    def poll() -> None:
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        polled[0] = max(polled[0], int(line.split()[1]))
            except OSError:
                break
            time.sleep(0.05)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    out, _ = proc.communicate()
    th.join()
    if proc.returncode:
        raise SystemExit(f"{which} failed (exit {proc.returncode})")
    res = json.loads(out.strip().splitlines()[-1])
    res["polled_kb"] = polled[0]
    return res


def bench_cache(params: Path) -> dict:
    """Cold parse vs warm parquet load of ``load_dataset`` (each the best of 3)."""
    from csp_analysis.config import load_params
    from csp_analysis.data import load_dataset

    p = load_params(params)
    with tempfile.TemporaryDirectory() as tmp:
        p = p.model_copy(update={"cache_dir": Path(tmp)})
        load_dataset(p, use_cache=False)  # imports, first-use costs
        cold, warm = [], []
        for _ in range(3):
            for d in Path(tmp).iterdir():
                shutil.rmtree(d)
            t = time.perf_counter()
            load_dataset(p)
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            load_dataset(p)
            warm.append(time.perf_counter() - t)
    return {"cold": min(cold), "warm": min(warm)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of a national year (default 1: ~6 M rows)")
    ap.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()), help="where to write the archive")
    ap.add_argument("--keep", type=Path, help="write the archive here and keep it (reused if present)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each contender; the best is kept")
    ap.add_argument("--no-duckdb", action="store_true", help="time ours only")
    ap.add_argument("--no-cache", action="store_true", help="skip the cache measurement")
    ap.add_argument("--params", type=Path, default=ROOT / "params" / "sample.yaml")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0

    need = ROWS_PER_YEAR * args.scale * BYTES_PER_ROW * 1.3
    base = args.keep or args.tmp
    base.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(base).free
    if free < need and not (args.keep and (args.keep / "archive").exists()):
        raise SystemExit(f"{base}: {free / 2**30:.1f} GB free, {need / 2**30:.1f} GB needed at --scale {args.scale}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="police-uk-national-", dir=args.tmp))
    try:
        if args.keep and (folder / "archive").exists():
            files = sorted((folder / "archive").rglob("*-street.csv"))
            gen = {"rows": None, "files": len(files), "bytes": sum(f.stat().st_size for f in files), "seconds": 0}
            print(f"Reusing {folder}: {gen['files']} files, {gen['bytes'] / 2**20:,.0f} MB")
        else:
            print(f"Generating a synthetic national archive at --scale {args.scale} in {folder} …", flush=True)
            gen = generate(folder, args.scale)
            print(f"  {gen['files']} files, {gen['rows']:,} rows, {gen['bytes'] / 2**20:,.0f} MB "
                  f"in {gen['seconds']:.0f} s")
        contenders = ["ours"] + ([] if args.no_duckdb else ["duckdb"])
        runs: dict[str, list[dict]] = {w: [] for w in contenders}
        for _ in range(args.repeat):  # interleaved, so that a busy machine slows both alike
            for which in contenders:
                runs[which].append(measure(which, folder))
        results = {}
        for which, rs in runs.items():
            results[which] = min(rs, key=lambda r: r["wall"])
            results[which]["peak_kb"] = max(r["peak_kb"] for r in rs)
            results[which]["walls"] = [round(r["wall"], 2) for r in rs]
        mb = gen["bytes"] / 2**20
        print()
        print(f"{'':8} {'wall s':>8} {'rows/s':>12} {'MB/s':>8} {'peak RSS MB':>12}   every run (s)")
        for which, r in results.items():
            print(f"{which:8} {r['wall']:8.2f} {r['rows_read'] / r['wall']:12,.0f} {mb / r['wall']:8.1f} "
                  f"{max(r['peak_kb'], r['polled_kb']) / 1024:12,.0f}   {r['walls']}")
        ours = results["ours"]
        print(f"\nours: {ours['rows_read']:,} rows read = {ours['kept']:,} kept + {ours['rejected']:,} rejected; "
              f"{len(ours['counts']):,} (district, month, category) cells")
        if "duckdb" in results:
            d = results["duckdb"]
            same = ours["counts"] == d["counts"]
            print(f"duckdb: {d['rows_read']:,} rows; the counts {'are identical' if same else 'DIFFER'}")
            print(f"ratio ours / duckdb wall time: {ours['wall'] / d['wall']:.2f} (target <= 1.3)")
            if not same:
                diff = {k for k in set(ours["counts"]) | set(d["counts"])
                        if ours["counts"].get(k) != d["counts"].get(k)}
                print(f"  {len(diff)} cells differ, e.g. {sorted(diff)[:5]}")
        peak = max(ours["peak_kb"], ours["polled_kb"]) / 1024
        print(f"ours peak RSS {peak:,.0f} MB (target <= 1,024 MB)")
        if not args.no_cache:
            c = bench_cache(args.params)
            print(f"\nparquet cache of load_dataset({args.params.name}): cold parse {c['cold']:.2f} s, "
                  f"warm {c['warm']:.3f} s: {c['cold'] / c['warm']:.0f}x faster")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
