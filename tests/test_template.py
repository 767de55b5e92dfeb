"""params/template.yaml stays current: it loads, and it names every key the params model has."""

import re

from pydantic import BaseModel

from csp_analysis.config import Params, load_params
from tests.conftest import ROOT

TEMPLATE = ROOT / "params" / "template.yaml"


def _keys(model: type[BaseModel]) -> set[str]:
    out = set()
    for name, field in model.model_fields.items():
        out.add(name)
        for t in (field.annotation, *getattr(field.annotation, "__args__", ())):
            for sub in (t, *getattr(t, "__args__", ())):
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    out |= _keys(sub)
    return out


def test_template_loads():
    p = load_params(TEMPLATE)
    assert "domestic_abuse" in p.data.synthetic  # it runs on the sample, labelled as such


def test_template_documents_every_key():
    text = TEMPLATE.read_text()
    written = set(re.findall(r"^\s*(?:- )?([a-z_0-9]+):", text, flags=re.M))
    missing = _keys(Params) - {"source_file"} - written
    assert not missing, f"keys missing from params/template.yaml: {sorted(missing)}"
