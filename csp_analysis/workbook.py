"""What the first cell of every notebook calls."""

from __future__ import annotations

from csp_analysis import report
from csp_analysis.config import Params, load_params
from csp_analysis.data import Dataset, load_dataset


def start(params_file: str) -> tuple[Params, Dataset]:
    """House style on, params validated, inputs loaded (from the cache when warm)."""
    report.setup()
    params = load_params(params_file)
    return params, load_dataset(params)
