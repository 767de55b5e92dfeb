"""What a notebook cell shows: headings, text, tables and figures in the house style.

Every figure is shown as a PNG at a fixed resolution with real alt text (nbconvert
puts it in the ``alt`` attribute); tables are plain HTML. The runner drops any
stderr output, so warnings never reach partners.
"""

from __future__ import annotations

import base64
import html
import io
import warnings

import pandas as pd

from csp_analysis import slug
from csp_analysis.config import Params

DPI = 96


def setup() -> None:
    """House style and quiet output for a notebook kernel."""
    import matplotlib
    import matplotlib.pyplot as plt

    warnings.filterwarnings("ignore")
    # seaborn's whitegrid / notebook / colorblind theme, as shipped with matplotlib
    plt.style.use(["seaborn-v0_8-whitegrid", "seaborn-v0_8-notebook", "seaborn-v0_8-colorblind"])
    matplotlib.rcParams.update(
        {
            "figure.figsize": (8.5, 3.6),
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
        }
    )


def _display(data: dict, metadata: dict | None = None) -> None:
    from IPython.display import publish_display_data

    publish_display_data(data, metadata=metadata or {})


def heading(text: str, level: int = 2, anchor: str | None = None) -> None:
    """A section heading with a stable anchor (the table of contents links to h1/h2)."""
    a = anchor or slug(text)
    _display({"text/html": f'<h{level} id="{a}">{html.escape(text)}</h{level}>', "text/plain": text})


def text(markdown: str) -> None:
    """A paragraph of Markdown."""
    _display({"text/markdown": markdown, "text/plain": markdown})


def note(markdown: str, kind: str = "note") -> None:
    """A highlighted box (kind: note, synthetic, caveat)."""
    import mistune  # nbconvert's own Markdown renderer

    body = mistune.html(markdown)
    _display({"text/html": f'<div class="callout {kind}">{body}</div>', "text/plain": markdown})


def table(df: pd.DataFrame, caption: str | None = None, *, index: bool = False, css: str = "") -> None:
    """An HTML table (numbers formatted by the caller)."""
    body = df.to_html(index=index, escape=True, border=0, classes=f"data {css}".strip(), na_rep="–")
    if caption:
        body = body.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    _display({"text/html": body, "text/plain": df.to_string()})


def figure(fig, alt: str) -> None:
    """Show a matplotlib figure as a PNG with alt text, then close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    b64 = base64.b64encode(buf.getvalue()).decode("ascii")
    _display({"image/png": b64, "text/plain": alt}, {"image/png": {"alt": alt}})


def banner(params: Params) -> None:
    """Say which data is real and which synthetic, when any is synthetic."""
    if not params.data.synthetic:
        return
    from csp_analysis.sources import SOURCE_NAMES

    synth = "; ".join(SOURCE_NAMES.get(s, s) for s in params.data.synthetic if s != "road_collisions")
    if "police_uk" in params.data.synthetic:
        note(f"**Synthetic data.** Every source of this assessment ({synth}) is **synthetic**: "
             "generated for demonstration and testing, not real records of any area.", kind="synthetic")
        return
    note(
        "**Sample data.** Police recorded crime and anti-social behaviour (police.uk) and "
        "population and geography (ONS) are **real**. The partner data "
        f"({synth}) is **synthetic**: generated to match the figures of the partnership's "
        "2014-15 annual report, for demonstration only.",
        kind="synthetic",
    )
