"""Scenario files (``scenarios/*.yaml``): what-if assumptions, validated with file:line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import HprError, ScenarioError
from ..yamlsource import YamlDoc, load_yaml, pydantic_error


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Synthetic(_M):
    n: int = Field(5000, ge=1, le=2_000_000)
    seed: int = 1


class Filters(_M):
    unit: list[str] = []
    function_code: list[str] = []
    max_salary_scale: int | None = None
    min_salary_scale: int | None = None


class Population(_M):
    """The embedded synthetic population (default) or a data file with an optional mapping."""

    synthetic: Synthetic | None = None
    file: str | None = None
    mapping: str | None = None
    filters: Filters = Filters()

    @model_validator(mode="after")
    def _one(self):
        if self.synthetic and self.file:
            raise ValueError("give either synthetic or file, not both")
        return self


class RuleOverride(_M):
    enabled: bool = True
    effective_from: dt.date | None = None
    valid_until: dt.date | None = None
    parameters: dict[str, float | int | bool | dt.date | list[dict[str, Any]]] = {}


class Rules(_M):
    directory: str | None = None  # relative to the scenario file; default: the shipped drafts
    overrides: dict[str, RuleOverride] = {}


class HoursDraw(_M):
    mean: float = Field(20.0, ge=0)
    sd: float = Field(12.0, ge=0)


class Dynamics(_M):
    retire_at_state_pension_age: bool = True
    attrition_rate: float = Field(0.08, ge=0, le=1)
    hire_rate: float = Field(0.08, ge=0, le=1)
    long_term_sick_share: float = Field(0.03, ge=0, le=1)
    pop_realisation: float = Field(0.7, ge=0, le=1)
    development_hours: HoursDraw = HoursDraw()


class Mobility(_M):
    vacancy_rate: float = Field(0.08, ge=0, le=1)
    extra_vacancies_per_year: int = Field(0, ge=0)
    advisor_capacity: int = Field(200, ge=0)
    lookahead_months: int = Field(12, ge=0, le=60)


class Costs(_M):
    hourly_cost: float = Field(45.0, ge=0)
    pop_talk_hours: float = Field(2.0, ge=0)
    training_cost_per_hour: float = Field(60.0, ge=0)
    cost_per_move: float = Field(4000.0, ge=0)


class Criteria(_M):
    after: dt.date | None = None  # criteria apply from this date (default: end of the longest transition)
    max_violation_share: dict[str, float] = {}
    moves_within_vacancies: bool = True
    budget_per_year: float | None = None


class Scenario(_M):
    extends: str | None = None  # another scenario file whose settings this one changes
    name: str
    description: str = ""
    reference_date: dt.date
    horizon_years: int = Field(6, ge=1, le=30)
    seed: int = 1
    engine: Literal["vector", "durable", "reference"] = "vector"
    population: Population = Population()
    rules: Rules = Rules()
    dynamics: Dynamics = Dynamics()
    mobility: Mobility = Mobility()
    costs: Costs = Costs()
    criteria: Criteria = Criteria()


class LoadedScenario:
    def __init__(self, model: Scenario, doc: YamlDoc | None, path: Path | None, text: str = ""):
        self.model = model
        self.doc = doc
        self.path = path
        self.text = text

    def resolve(self, rel: str | None) -> Path | None:
        if rel is None:
            return None
        p = Path(rel)
        if p.is_absolute() or self.path is None:
            return p
        here = self.path.parent / p
        return here if here.exists() or not p.exists() else p


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_scenario(path: str | Path, _seen: tuple = ()) -> LoadedScenario:
    """Load and validate a scenario file; ``extends: base.yaml`` starts from another scenario."""
    p = Path(path)
    try:
        doc = load_yaml(p)
    except HprError as exc:
        raise ScenarioError(exc.message, file=exc.file or str(p), line=exc.line, col=exc.col) from None
    if not isinstance(doc.data, dict):
        raise doc.error(ScenarioError, "a scenario is a mapping with name, reference_date, ...")
    data = doc.data
    if data.get("extends"):
        base_path = p.parent / str(data["extends"])
        if not base_path.exists() or p.resolve() in _seen:
            raise doc.error(ScenarioError, f"cannot extend {data['extends']!r}: "
                            + ("file not found" if not base_path.exists() else "circular extends"), ("extends",))
        base = load_scenario(base_path, _seen + (p.resolve(),))
        inherited = {k: v for k, v in base.data.items() if k != "extends"}
        bpop, opop = inherited.get("population"), data.get("population")
        if isinstance(bpop, dict) and isinstance(opop, dict):
            # naming the other kind of population replaces the inherited one, it does not add to it
            if "file" in opop and "synthetic" not in opop:
                inherited["population"] = {k: v for k, v in bpop.items() if k != "synthetic"}
            elif "synthetic" in opop and "file" not in opop:
                inherited["population"] = {k: v for k, v in bpop.items() if k not in ("file", "mapping")}
        data = _merge(inherited, data)
    try:
        model = Scenario.model_validate(data)
    except ValidationError as exc:
        raise pydantic_error(doc, exc, ScenarioError) from None
    loaded = LoadedScenario(model, doc, p, p.read_text(encoding="utf-8-sig"))
    loaded.data = data  # merged with what it extends, for scenarios that extend this one
    return loaded
