"""Assessment parameters: one YAML file per area and year, validated with pydantic.

``load_params(path)`` is the only way the rest of the package reads settings. It
checks every key (unknown or misspelt keys are errors, with the closest valid key
suggested), every type, and that every input file exists. Relative paths resolve
against the folder of the params file, so a params file can be moved together
with its data.

All annotated keys are listed, with their defaults, in ``params/template.yaml``.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from csp_analysis.periods import FinancialYear

CRITERIA = (
    "volume",
    "change",
    "trend",
    "harm",
    "public_concern",
    "vulnerability",
    "peer_position",
    "strategic_alignment",
    "influence",
)
"""Criteria of the priority matrix, in the order the report shows them."""


class ParamsError(ValueError):
    """A params file that cannot be used; the message is one line per problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Model):
    name: str
    code: str = Field(description="ONS local authority code, e.g. E07000111")
    csp_name: str
    force: str = "Kent Police"
    lsoa_name_prefix: str = Field(
        description="police.uk 'LSOA name' prefix that marks the area's LSOAs, e.g. 'Sevenoaks '"
    )
    population: int | None = Field(
        None, gt=0, description="residents for rates per 1,000; empty = sum of the LSOA populations"
    )


class Period(_Model):
    current: FinancialYear
    previous: FinancialYear | None = None

    @model_validator(mode="after")
    def _default_previous(self) -> Period:
        if self.previous is None:
            object.__setattr__(self, "previous", self.current.previous())
        return self


class PartnerFiles(_Model):
    domestic_abuse: Path | None = None
    council_asb: Path | None = None
    business_crime: Path | None = None
    road_collisions: Path | None = None
    road_casualties: Path | None = None
    youth_indicators: Path | None = None
    substance_misuse_indicators: Path | None = None
    public_concern_survey: Path | None = None
    action_plan_tracker: Path | None = None


class DataFiles(_Model):
    police_uk: Path
    lsoa_lookup: Path
    population: Path
    partner: PartnerFiles = PartnerFiles()
    boundaries: Path | None = Field(None, description="GeoJSON of the area's LSOA polygons, for maps")
    peers: Path | None = Field(
        None, description="police.uk archive holding the force's other districts, for peer comparison"
    )
    synthetic: list[str] = Field(
        default_factory=list,
        description="sources whose data is synthetic; labelled as such wherever shown",
    )


class Indicator(_Model):
    id: str
    label: str
    source: Literal[
        "police_uk",
        "domestic_abuse",
        "council_asb",
        "business_crime",
        "road_casualties",
        "youth_indicators",
        "substance_misuse_indicators",
    ]
    where: dict[str, str | list[str]] = Field(default_factory=dict)
    headline: bool = False
    sensitive: bool = False


class Priority(_Model):
    id: str
    name: str
    indicators: list[Indicator]
    last_year_rank: int | None = None
    harm: float | None = Field(None, ge=1, le=5, description="judgement; overrides the harm indices")
    vulnerability: float | None = Field(
        None, ge=1, le=5, description="judgement; overrides the repeat-victim share where victims are identified"
    )
    strategic_alignment: float | None = Field(None, ge=1, le=5)
    influence: float | None = Field(None, ge=1, le=5)
    survey_issue: str | None = None

    @model_validator(mode="after")
    def _has_headline(self) -> Priority:
        if not any(i.headline for i in self.indicators):
            raise ValueError(f"priority '{self.id}' needs at least one indicator with headline: true")
        return self


class Thresholds(_Model):
    """Cut points mapping a measure to a 1-5 score (4 ascending values)."""

    volume_per_1000: list[float] = [1.0, 2.5, 5.0, 10.0]
    public_concern_share: list[float] = [0.15, 0.25, 0.35, 0.45]
    harm_cchi_days_per_1000: list[float] = [5.0, 20.0, 50.0, 200.0]
    harm_css_per_1000: list[float] = [10.0, 50.0, 150.0, 500.0]
    repeat_victim_share: list[float] = [0.05, 0.10, 0.20, 0.30]

    @field_validator("volume_per_1000", "public_concern_share", "harm_cchi_days_per_1000", "harm_css_per_1000",
                     "repeat_victim_share")
    @classmethod
    def _four_ascending(cls, v: list[float]) -> list[float]:
        if len(v) != 4 or sorted(v) != list(v):
            raise ValueError("needs 4 ascending cut points")
        return v


class MorileGroups(_Model):
    """MoRiLE-style scoring: which criteria make up harm, likelihood and organisational position."""

    harm: list[str] = ["harm", "vulnerability", "public_concern"]
    likelihood: list[str] = ["volume", "change", "trend", "peer_position"]
    position: list[str] = ["influence", "strategic_alignment"]
    position_effect: float = Field(
        0.2, ge=0, le=1, description="position 5 multiplies risk by 1 + effect, position 1 by 1 - effect"
    )

    @model_validator(mode="after")
    def _known_and_disjoint(self) -> MorileGroups:
        seen: set[str] = set()
        for group in (self.harm, self.likelihood, self.position):
            for c in group:
                if c not in CRITERIA:
                    raise ValueError(f"unknown criterion '{c}'{_suggest(c, CRITERIA)}")
                if c in seen:
                    raise ValueError(f"criterion '{c}' is in two MoRiLE groups")
                seen.add(c)
        return self


class Matrix(_Model):
    method: Literal["weighted_sum", "morile"] = "weighted_sum"
    morile: MorileGroups = MorileGroups()
    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "volume": 0.15,
            "change": 0.15,
            "trend": 0.10,
            "harm": 0.20,
            "public_concern": 0.10,
            "vulnerability": 0.10,
            "peer_position": 0.05,
            "strategic_alignment": 0.10,
            "influence": 0.05,
        }
    )
    thresholds: Thresholds = Thresholds()
    sensitivity_draws: int = Field(10_000, ge=100)
    sensitivity_concentration: float = Field(
        50.0, gt=0, description="Dirichlet concentration: higher = weights vary less"
    )
    seed: int = 2015

    @field_validator("weights")
    @classmethod
    def _known_criteria(cls, v: dict[str, float]) -> dict[str, float]:
        for k, w in v.items():
            if k not in CRITERIA:
                raise ValueError(f"unknown criterion '{k}'{_suggest(k, CRITERIA)}")
            if w < 0:
                raise ValueError(f"weight of '{k}' is negative")
        if sum(v.values()) <= 0:
            raise ValueError("weights must not all be zero")
        return v


class Report(_Model):
    title: str = "Strategic assessment"
    suppression_threshold: int = Field(5, ge=0)
    output_dir: Path = Path("../reports")
    kernel_name: str = "csp-analysis"
    cell_timeout_s: int = Field(600, gt=0)


PESTELO = ("political", "economic", "social", "technological", "environmental", "legal", "organisational")


class HorizonScanning(_Model):
    """PESTELO horizon scanning: what may change the picture in the next three years (free text)."""

    political: str = ""
    economic: str = ""
    social: str = ""
    technological: str = ""
    environmental: str = ""
    legal: str = ""
    organisational: str = ""


class Params(_Model):
    """A whole assessment's settings, paths resolved."""

    source_file: Path
    area: Area
    period: Period
    data: DataFiles
    priorities: list[Priority]
    matrix: Matrix = Matrix()
    report: Report = Report()
    horizon_scanning: HorizonScanning = HorizonScanning()
    cache_dir: Path = Path("../.cache")

    @model_validator(mode="after")
    def _unique_ids(self) -> Params:
        ids = [p.id for p in self.priorities]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"priority ids must be unique; repeated: {sorted(dup)}")
        return self

    def priority(self, priority_id: str) -> Priority:
        for p in self.priorities:
            if p.id == priority_id:
                return p
        ids = [p.id for p in self.priorities]
        raise ParamsError(
            f"{self.source_file}: no priority '{priority_id}'{_suggest(priority_id, ids)}; "
            f"valid: {', '.join(ids)}"
        )

    @property
    def is_synthetic(self) -> bool:
        return bool(self.data.synthetic)


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _valid_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names valid at ``loc`` (a pydantic error location) within ``model``."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        # unwrap list[Model] / Model | None
        for arg in (ann, *getattr(ann, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
                break
            for sub in getattr(arg, "__args__", ()):
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    current = sub
                    break
    return list(getattr(current, "model_fields", {}))


def _format_errors(path: Path, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(x for x in e["loc"] if x != "source_file")
        key = ".".join(str(x) for x in loc) or "(top level)"
        if e["type"] == "extra_forbidden":
            valid = [k for k in _valid_keys(Params, loc) if k != "source_file"]
            hint = _suggest(loc[-1], valid) or f" (valid keys here: {', '.join(valid)})"
            lines.append(f"{path}: unknown key '{key}'{hint}")
        elif e["type"] == "missing":
            lines.append(f"{path}: missing required key '{key}'")
        else:
            got = e.get("input")
            got_s = "" if isinstance(got, dict | list) else f" (got {got!r})"
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"{path}: key '{key}': {msg}{got_s}")
    return "\n".join(lines)


def _resolve(base: Path, p: Path | None) -> Path | None:
    if p is None:
        return None
    p = Path(p).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def load_params(path: str | Path) -> Params:
    """Read, validate and resolve a params YAML file.

    Parameters
    ----------
    path : str or Path
        The params file (see ``params/template.yaml`` for every key).

    Returns
    -------
    Params
        Validated settings; every path is absolute.

    Raises
    ------
    ParamsError
        One line per problem, each naming the file and the key (and the closest
        valid key for a misspelling), or a missing input file.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found (copy params/template.yaml to start one)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParamsError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping of keys at the top level")
    try:
        params = Params.model_validate({**raw, "source_file": path})
    except ValidationError as err:
        raise ParamsError(_format_errors(path, err)) from None

    base = path.parent
    partner = {k: _resolve(base, v) for k, v in params.data.partner.model_dump().items()}
    data = params.data.model_copy(
        update={
            "police_uk": _resolve(base, params.data.police_uk),
            "lsoa_lookup": _resolve(base, params.data.lsoa_lookup),
            "population": _resolve(base, params.data.population),
            "boundaries": _resolve(base, params.data.boundaries),
            "peers": _resolve(base, params.data.peers),
            "partner": PartnerFiles(**partner),
        }
    )
    report = params.report.model_copy(
        update={"output_dir": _resolve(base, params.report.output_dir)}
    )
    params = params.model_copy(
        update={"data": data, "report": report, "cache_dir": _resolve(base, params.cache_dir)}
    )
    try:
        paths = _input_paths(params)
    except ValueError as exc:  # data.police_uk is a partition without the area
        raise ParamsError(f"{path}: key 'data.police_uk': {exc}") from None
    missing = [
        f"{path}: key 'data.{name}': file not found: {p}"
        for name, p in paths.items()
        if not p.exists()
    ]
    unknown_synth = [
        f"{path}: key 'data.synthetic': unknown source '{s}'"
        f"{_suggest(s, ['police_uk', *PartnerFiles.model_fields])}"
        for s in params.data.synthetic
        if s not in ("police_uk", *PartnerFiles.model_fields)
    ]
    no_file = [
        f"{path}: key 'priorities.{p.id}.indicators.{i.id}': source '{i.source}' has no file "
        f"under data.partner"
        for p in params.priorities
        for i in p.indicators
        if i.source != "police_uk" and _source_path(params, i.source) is None
    ]
    problems = missing + unknown_synth + no_file
    if problems:
        raise ParamsError("\n".join(problems))
    return params


def _source_path(params: Params, source: str) -> Path | None:
    if source == "road_casualties":
        return params.data.partner.road_casualties
    return getattr(params.data.partner, source, None)


def police_uk_paths(params: Params) -> tuple[Path, Path | None]:
    """(the area's police.uk archive, the peers archive): ``data.police_uk`` and ``data.peers``.

    When ``data.police_uk`` is a national partition (a folder with partition.json,
    written by ``csp-assess partition``): its folder ``force=<area.force>/area=<area.code>``
    and, unless ``data.peers`` is set, ``force=<area.force>`` (every district of the
    force). Raises InputError (a ValueError) when the partition has no such area.
    """
    root, peers = params.data.police_uk, params.data.peers
    if root is None or not (Path(root) / "partition.json").is_file():
        return root, peers
    from csp_analysis.national import area_paths

    area, force = area_paths(root, params.area.force, params.area.code)
    return area, peers if peers is not None else force


def _input_paths(params: Params) -> dict[str, Path]:
    police, peers = police_uk_paths(params)
    out = {
        "police_uk": police,
        "lsoa_lookup": params.data.lsoa_lookup,
        "population": params.data.population,
    }
    if params.data.boundaries is not None:
        out["boundaries"] = params.data.boundaries
    if peers is not None:
        out["peers"] = peers
    for k, v in params.data.partner.model_dump().items():
        if v is not None:
            out[f"partner.{k}"] = v
    return out


def input_files(params: Params) -> list[Path]:
    """Every input file of the assessment (police.uk folders expanded), sorted; for a
    partition, only the area's and the force's files (:func:`police_uk_paths`)."""
    files: set[Path] = set()
    for p in _input_paths(params).values():
        if p.is_dir():
            files.update(f for f in p.rglob("*") if f.is_file())
        else:
            files.add(p)
    return sorted(files)
