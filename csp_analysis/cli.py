"""The ``csp-assess`` command.

Exit codes of ``run``: 0 success; 2 bad params file; 3 unusable input data; 4 a
notebook failed, timed out or its kernel died (nothing published); 5 another run is
writing the same output folder; 6 the outputs could not be written (e.g. disk full;
nothing published); 130 interrupted (nothing published). ``validate`` checks every
input without running notebooks: 0 usable, 1 not usable (bad params included).
``batch`` runs many areas (each exactly as ``run``; see csp_analysis/batch.py): 0 every
area published; 7 some areas failed (the others were published; each area's own code
is in the summary table and batch.json); 2 a PATH is missing or holds no params file;
8 the Dask cluster (``--scheduler``) could not be used; 130 interrupted.
``partition`` splits a national police.uk archive by force and district, once, for
every area's run: 0 written; 3 unusable input (nothing written); 6 the partition
could not be written (nothing written); 130 interrupted (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_PARAMS, EXIT_DATA, EXIT_NOTEBOOK, EXIT_BUSY, EXIT_OUTPUT, EXIT_INTERRUPTED = 0, 2, 3, 4, 5, 6, 130
EXIT_SOME_FAILED, EXIT_CLUSTER = 7, 8  # batch: some areas failed; the Dask cluster could not be used


def _err(msg: str) -> None:
    print(f"csp-assess: error: {msg}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="csp-assess", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run the full assessment and publish one HTML")
    run_p.add_argument("--params", required=True, type=Path, help="params YAML file")
    run_p.add_argument("--out", type=Path, help="output root (default: report.output_dir)")
    run_p.add_argument("--jobs", type=int, help="notebooks at once (default: CPU cores)")
    run_p.add_argument("--only", help="comma-separated parts of notebook names to run (e.g. matrix,profile-asb); "
                                      "written to <period>.only/, never published")
    run_p.add_argument("--timeout", type=int, help="seconds a notebook cell may run (default: report.cell_timeout_s)")
    run_p.add_argument("--no-reuse", action="store_true",
                       help="execute every notebook, even those whose inputs, params and code are unchanged")
    val = sub.add_parser("validate", help="check every input without running notebooks; exit 0 usable, 1 not")
    val.add_argument("--params", required=True, type=Path, help="params YAML file")
    val.add_argument("--no-cache", action="store_true", help="parse every file again, ignoring the cache")
    val.add_argument("--strict", action="store_true",
                     help="also fail (exit 1) on any rejected row or month without data")
    val.add_argument("--all", action="store_true", help="list every kind of rejected row (default: first 50)")
    part = sub.add_parser("partition", help="split a national police.uk archive by force and district (LSOA "
                                            "lookup), once, into parquet that each area's run reads")
    part.add_argument("archive", type=Path, help="police.uk archive: folder or .zip (YYYY-MM/YYYY-MM-<force>-street.csv)")
    part.add_argument("--lookup", required=True, type=Path, help="ONS LSOA -> district lookup CSV (LSOAyyCD, LADyyCD)")
    part.add_argument("--out", required=True, type=Path, help="partition folder to write (an old partition is replaced)")
    bat = sub.add_parser("batch", help="run many areas' assessments: a local process pool, or a Dask cluster; "
                                       "exit 0 all published, 7 some failed")
    bat.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                     help="params files, or folders of them (*.yaml, *.yml; template.yaml skipped)")
    bat.add_argument("--out", type=Path, help="output root of every area, and of batch.json "
                                              "(default: each area's report.output_dir)")
    bat.add_argument("--workers", type=int, help="areas at once in the local pool (default: CPU cores)")
    bat.add_argument("--jobs-per-area", type=int, default=1, help="notebooks at once in each area (default: 1)")
    bat.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on this Dask cluster (tcp://host:port) instead of locally; its workers need "
                          "csp-analysis installed and the same paths")
    bat.add_argument("--no-reuse", action="store_true",
                     help="execute every notebook, even those whose inputs, params and code are unchanged")
    gen = sub.add_parser("generate-sample", help="regenerate the synthetic partner data")
    gen.add_argument("--out", type=Path, default=Path("data/sample/partner"))
    gen.add_argument("--lookups", type=Path, default=Path("data/sample/lookups"))
    args = parser.parse_args(argv)

    from csp_analysis.config import ParamsError

    if args.command == "batch":
        from csp_analysis.batch import main as batch

        return batch(args)
    if args.command == "validate":
        return validate(args.params, use_cache=not args.no_cache, strict=args.strict,
                        max_groups=10**9 if args.all else 50)
    try:
        if args.command == "partition":
            return partition(args.archive, args.lookup, args.out)
        if args.command == "generate-sample":
            from csp_analysis.synthetic import generate

            for name, path in generate(args.out, lookups_dir=args.lookups).items():
                print(f"{name}: {path}")
            return EXIT_OK
        from csp_analysis.runner import OutputError, RunBusy, RunError, run

        only = [t.strip() for t in args.only.split(",") if t.strip()] if args.only else None
        try:
            result = run(args.params, args.out, workers=args.jobs, only=only, reuse=not args.no_reuse,
                         cell_timeout=args.timeout,
                         progress=sys.stderr.isatty(), log=lambda m: print(m, file=sys.stderr))
        except RunBusy as exc:
            _err(str(exc))
            return EXIT_BUSY
        except OutputError as exc:
            _err(str(exc))
            return EXIT_OUTPUT
        except RunError as exc:
            _err(str(exc))
            return EXIT_NOTEBOOK
        print(f"Assessment {'up to date:' if result.unchanged else 'written to'} {result.html}")
        return EXIT_OK
    except ParamsError as exc:
        _err(str(exc))
        return EXIT_PARAMS
    except _input_error() as exc:
        _err(str(exc))
        return EXIT_DATA
    except KeyboardInterrupt:
        _err("interrupted; nothing was published")
        return EXIT_INTERRUPTED


def _input_error() -> tuple[type[BaseException], ...]:
    """InputError, if the readers were loaded (only they raise it). Resolved when an
    exception is handled, so that a run with nothing to do never imports pandas."""
    sources = sys.modules.get("csp_analysis.sources")
    return (sources.InputError,) if sources else ()


def partition(archive: Path, lookup: Path, out: Path) -> int:
    """``csp-assess partition``: write the partition, print a summary (InputError: the caller's exit 3)."""
    from csp_analysis.national import partition as split

    try:
        res = split(archive, lookup, out, log=lambda m: print(m, file=sys.stderr) if sys.stderr.isatty() else None)
    except OSError as exc:
        _err(f"the partition could not be written ({exc}); nothing was written to {out}")
        return EXIT_OUTPUT
    print(f"Partitioned {res.summary()}")
    print(f"Each area's params: data.police_uk: {out} (reads force=<area.force>/area=<area.code>)")
    return EXIT_OK


EXIT_VALID, EXIT_INVALID = 0, 1


def validate(params_path: Path, *, use_cache: bool = True, strict: bool = False, max_groups: int = 50,
             out=None) -> int:
    """``csp-assess validate``: read every input, print a table and the problems.

    Returns 0 when the inputs are usable (every file readable, each indicator's
    source has data in both years compared, no file mostly invalid), 1 otherwise.
    With ``strict``, any rejected row (not out of scope) or month without data is
    a failure too.
    """
    out = out or sys.stdout
    from csp_analysis.config import ParamsError, load_params
    from csp_analysis.sources import InputError

    try:
        params = load_params(params_path)
    except ParamsError as exc:
        for line in str(exc).splitlines():
            _err(line)
        print("NOT USABLE: fix the params file (exit 1)", file=out)
        return EXIT_INVALID
    from csp_analysis import quality
    from csp_analysis.data import data_window, load_dataset

    try:
        ds = load_dataset(params, use_cache=use_cache, collect=True)
    except InputError as exc:  # pragma: no cover - collect mode reports instead
        for line in str(exc).splitlines():
            _err(line)
        return EXIT_INVALID
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    start, end = data_window(params)
    print(f"Inputs of {params.source_file.name}: {params.area.name}, {params.period.current} compared with "
          f"{params.period.previous}; data window {start:%b %Y} – {end:%b %Y}", file=out)
    print(file=out)
    table = quality.validation_table(ds, params).drop(columns="source")
    for c in ("rows read", "kept", "rejected"):
        table[c] = table[c].map("{:,}".format)
    print(_text_table(table), file=out)
    lines = quality.validation_lines(ds, params, max_groups=max_groups)
    labels = {"error": "ERROR", "note": "note", "rejected": "rejected", "scope": "out of scope"}
    if lines:
        print(file=out)
        print("Problems:", file=out)
        for level, line in sorted(lines, key=lambda x: ("error", "note", "rejected", "scope").index(x[0])
                                  if x[0] in ("error", "note", "rejected", "scope") else 9):
            print(f"  {labels.get(level, level):<12} {line}", file=out)
    errors = sum(1 for level, _ in lines if level == "error")
    strict_fail = 0
    if strict:
        strict_fail = int((ds.rejects["kind"] != "out of scope").sum()) if len(ds.rejects) else 0
        strict_fail += int((~ds.coverage["covered"]).sum()) if len(ds.coverage) else 0
    a = ds.accounts
    balanced = bool((a["rows_read"] == a["kept"] + a["rejected"]).all())
    print(file=out)
    if errors or not balanced or strict_fail:
        why = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
        if strict_fail:
            why.append(f"{strict_fail} rejected rows or months without data (--strict)")
        if not balanced:
            why.append("rows read != kept + rejected")
        print(f"NOT USABLE: {', '.join(why)} (exit 1)", file=out)
        return EXIT_INVALID
    print(f"USABLE: {int(a['rows_read'].sum()):,} rows read = {int(a['kept'].sum()):,} kept + "
          f"{int(a['rejected'].sum()):,} rejected (exit 0)", file=out)
    return EXIT_VALID


def _text_table(df) -> str:
    cols = list(df.columns)
    cells = [[str(v) for v in row] for row in df.itertuples(index=False)]
    width = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]
    right = {"rows read", "kept", "rejected"}

    def fmt(values) -> str:
        return "  ".join(v.rjust(w) if c in right else v.ljust(w)
                         for v, w, c in zip(values, width, cols)).rstrip()

    return "\n".join([fmt(cols), fmt(["-" * w for w in width]), *[fmt(r) for r in cells]])


if __name__ == "__main__":
    sys.exit(main())
