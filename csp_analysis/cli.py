"""The ``csp-assess`` command.

Exit codes: 0 success; 2 bad params file; 3 unusable input data; 4 a notebook
failed (nothing published); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_PARAMS, EXIT_DATA, EXIT_NOTEBOOK, EXIT_INTERRUPTED = 0, 2, 3, 4, 130


def _err(msg: str) -> None:
    print(f"csp-assess: error: {msg}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="csp-assess", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run the full assessment and publish one HTML")
    run_p.add_argument("--params", required=True, type=Path, help="params YAML file")
    run_p.add_argument("--out", type=Path, help="output root (default: report.output_dir)")
    run_p.add_argument("--jobs", type=int, help="notebooks at once (default: CPU cores)")
    gen = sub.add_parser("generate-sample", help="regenerate the synthetic partner data")
    gen.add_argument("--out", type=Path, default=Path("data/sample/partner"))
    gen.add_argument("--lookups", type=Path, default=Path("data/sample/lookups"))
    args = parser.parse_args(argv)

    from csp_analysis.config import ParamsError
    from csp_analysis.sources import InputError

    try:
        if args.command == "generate-sample":
            from csp_analysis.synthetic import generate

            for name, path in generate(args.out, lookups_dir=args.lookups).items():
                print(f"{name}: {path}")
            return EXIT_OK
        from csp_analysis.runner import RunError, run

        try:
            result = run(args.params, args.out, workers=args.jobs)
        except RunError as exc:
            _err(str(exc))
            return EXIT_NOTEBOOK
        print(f"Assessment written to {result.html}")
        return EXIT_OK
    except ParamsError as exc:
        _err(str(exc))
        return EXIT_PARAMS
    except InputError as exc:
        _err(str(exc))
        return EXIT_DATA
    except KeyboardInterrupt:
        _err("interrupted; nothing was published")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
