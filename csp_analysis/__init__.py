"""CSP strategic assessment workbook: the analysis library behind the notebooks."""

__version__ = "0.1.0"
