"""National partition: one pass over a national police.uk archive, then N areas read their part.

Generates the synthetic national archive of ``bench_national.py`` (45 forces x 12 months,
~6 M rows at --scale 1; seeded, deterministic) and measures:

1. **partition**: ``csp_analysis.national.partition`` (``csp-assess partition``), one pass
   over every file, writing ``force=<force>/area=<district>/*.parquet``;
2. **N areas from the partition**: for each of N districts (spread over the forces),
   ``read_police_uk`` of its area folder (what the area's run reads as ``data.police_uk``),
   then of its force's folder (the peers, read when ``data.peers`` is not set);
3. **N areas from the national CSV archive**: for each of the same districts,
   ``read_police_uk(national archive, area LSOAs, force=the district's force)``, what each
   area's run does when ``data.police_uk`` is the national archive (its force's rows as
   rows, the rest as counts).

Every read has every check on (month = file month, crime types, duplicates, accounts).
Prints the times, the per-area means and the ratios; checks that each area's rows read
from the partition are the national read's rows of the area.

    python benchmarks/bench_partition.py                # --scale 0.1 (~600 k rows), 8 areas
    python benchmarks/bench_partition.py --scale 1 --areas 20
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _areas(out: Path, n: int) -> list[tuple[str, str]]:
    """(force slug, district code) of n districts, spread over the forces (none/unknown left out)."""
    found = sorted((p.parent.name.removeprefix("force="), p.name.removeprefix("area="))
                   for p in out.glob("force=*/area=E*"))
    step = max(1, len(found) // n)
    return found[::step][:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1, help="fraction of a national year (1 = ~6 M rows)")
    ap.add_argument("--areas", type=int, default=8, help="areas that read their data (default 8)")
    ap.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()), help="where to write the archive")
    ap.add_argument("--keep", type=Path, help="write the archive here and keep it (reused if present)")
    args = ap.parse_args(argv)

    import pandas as pd
    from bench_national import generate  # the same synthetic archive

    from csp_analysis.national import partition
    from csp_analysis.sources.police_uk import read_police_uk

    folder = args.keep or Path(tempfile.mkdtemp(prefix="police-uk-partition-", dir=args.tmp))
    try:
        if not (folder / "archive").exists():
            print(f"Generating a synthetic national archive at --scale {args.scale} in {folder} …", flush=True)
            gen = generate(folder, args.scale)
            print(f"  {gen['files']} files, {gen['rows']:,} rows, {gen['bytes'] / 2**20:,.0f} MB")
        archive, lookup_csv, out = folder / "archive", folder / "lsoa_lookup.csv", folder / "partition"
        lk = pd.read_csv(lookup_csv, dtype=str)
        districts = dict(zip(lk["LSOA11CD"], zip(lk["LAD15CD"], lk["LAD15NM"])))

        t = time.perf_counter()
        res = partition(archive, lookup_csv, out)
        t_part = time.perf_counter() - t
        n_files = sum(1 for _ in out.rglob("*.parquet"))
        mb = sum(f.stat().st_size for f in out.rglob("*.parquet")) / 2**20
        print(f"\npartition (one pass): {t_part:.2f} s; {res.rows_read:,} rows, {res.rows_read / t_part:,.0f} rows/s; "
              f"{n_files:,} parquet files, {mb:,.0f} MB; {sum(len(a) for a in res.areas.values())} areas")

        areas = _areas(out, args.areas)
        t_area = t_peers = t_csv = 0.0
        for force, code in areas:
            lsoas = set(lk.loc[lk["LAD15CD"] == code, "LSOA11CD"])
            name = f"{force.replace('-', ' ').title()} Police"
            t = time.perf_counter()
            a = read_police_uk(out / f"force={force}" / f"area={code}", lsoas, districts=districts, force=name)
            t_area += time.perf_counter() - t
            t = time.perf_counter()
            read_police_uk(out / f"force={force}", lsoas, districts=districts, force=name)
            t_peers += time.perf_counter() - t
            t = time.perf_counter()
            c = read_police_uk(archive, lsoas, districts=districts, force=name)
            t_csv += time.perf_counter() - t
            mine = c.kept[c.kept["in_area"]].reset_index(drop=True)
            if not a.kept.equals(mine):
                raise SystemExit(f"{code}: the partition's rows differ from the national read's")
        n = len(areas)
        both = t_area + t_peers
        print(f"\n{n} areas ({', '.join(c for _, c in areas)}):")
        print(f"  from the partition, area folder only:   {t_area:7.2f} s ({t_area / n:.3f} s an area)")
        print(f"  from the partition, area + force folder: {both:7.2f} s ({both / n:.3f} s an area)")
        print(f"  from the national CSV archive:          {t_csv:7.2f} s ({t_csv / n:.3f} s an area)")
        print(f"\nratio national CSV / partition (area folder): {t_csv / t_area:.1f}x; "
              f"(area + force folders): {t_csv / both:.1f}x")
        print(f"with the one-pass partition included: {t_csv:.2f} s vs {t_part + both:.2f} s "
              f"({t_csv / (t_part + both):.1f}x); the partition pays for itself after "
              f"{t_part / max(t_csv / n - both / n, 1e-9):.1f} areas")
        print("each area's rows from the partition = its rows from the national read: yes")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
