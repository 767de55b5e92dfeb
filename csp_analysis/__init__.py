"""CSP strategic assessment workbook: the analysis library behind the notebooks."""

__version__ = "0.1.0"


def slug(text: str) -> str:
    """A file- and anchor-safe name: "Sevenoaks District" → "sevenoaks-district"."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
