from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PARAMS = ROOT / "params" / "sample.yaml"
TINY_PARAMS = ROOT / "tests" / "fixtures" / "tiny_area" / "params.yaml"


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode(encoding))
        return p

    return _write


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """The full assessment on the embedded sample, run once per test session."""
    from csp_analysis.runner import run

    return run(SAMPLE_PARAMS, tmp_path_factory.mktemp("sample"), log=lambda *_: None)
