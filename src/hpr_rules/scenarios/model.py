"""Scenario files (``scenarios/*.yaml``): what-if assumptions, validated with file:line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import HprError, ScenarioError
from ..yamlsource import YamlDoc, load_yaml, pydantic_error


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Synthetic(_M):
    n: int = Field(5000, ge=1, le=2_000_000)
    seed: int = 1
    gender: bool = False  # an extra gender column, for the burden per gender


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
    #: side tables of the starting population (relative to the scenario file; read with
    #: ``mapping``): documented absences and dispensations per rule. Without them nobody
    #: has any, and the result's assumptions say so (``absences: null``).
    absences: str | None = None
    dispensations: str | None = None
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


#: where a default comes from: a public figure (shared/spec/data.md) or an assumption of the model
MONITOR = "A&O fonds Gemeenten, Personeelsmonitor Gemeenten 2021/2022"
ASSUMPTION = "aanname"


def _d(default, source: str, **kw):
    """A scenario setting whose default names its source (shown in the report's assumptions)."""
    return Field(default, description=source, **kw)


AGE_BAND_LABELS = ("<25", "25-34", "35-44", "45-54", "55-59", "60+")


def _age_table(v: dict, what: str, labels=AGE_BAND_LABELS, band: str = "age band") -> dict:
    """A table with a value for every band (age bands unless ``labels`` says otherwise), in band order."""
    unknown = sorted(set(v) - set(labels))
    if unknown:
        raise ValueError(f"unknown {band} {unknown[0]!r} in {what}; use {', '.join(labels)}")
    missing = [b for b in labels if b not in v]
    if missing:
        raise ValueError(f"{what} needs a value for every {band}; missing {', '.join(missing)}")
    return {b: v[b] for b in labels}


class HoursDraw(_M):
    mean: float = Field(20.0, ge=0)
    sd: float = Field(12.0, ge=0)


class Attrition(_M):
    """Leaving for other reasons than retirement, contract end or long sickness, per year."""

    by_age: dict[str, float] = _d(
        {"<25": 0.10, "25-34": 0.06, "35-44": 0.035, "45-54": 0.022, "55-59": 0.015, "60+": 0.025},
        f"{ASSUMPTION}, gekalibreerd: met pensioen, contracteinde en ziekte samen een uitstroom van gemiddeld "
        f"8,4% per jaar in de wereld zonder de regels; gemeten: uitstroom 8,3% in 2022, 8,8% in 2021 ({MONITOR})")
    early_service_years: float = _d(3.0, f"{MONITOR}: ongeveer een derde van de nieuwe medewerkers vertrekt "
                                         "binnen drie jaar", ge=0)
    early_rate: float = _d(0.09, f"{MONITOR}: een derde binnen drie jaar, deels via contracteinde", ge=0, le=1)

    @field_validator("by_age")
    @classmethod
    def _bands(cls, v):
        if any(not 0 <= x <= 1 for x in v.values()):
            raise ValueError("attrition rates are shares per year between 0 and 1")
        return _age_table(v, "attrition.by_age")


class Hires(_M):
    """Replacement hires: they fill open positions (formatie) after a lag."""

    fill_rate: float = _d(0.98, f"{ASSUMPTION}; houdt de bezetting binnen 2% van de formatie", ge=0, le=1)
    lag_months: int = _d(1, f"{ASSUMPTION}: wervingstijd na onvoorzien vertrek (pensioen en contracteinde "
                            "worden vooraf geworven)", ge=0, le=24)
    age_profile: dict[str, float] = _d(
        {"<25": 0.20, "25-34": 0.34, "35-44": 0.22, "45-54": 0.16, "55-59": 0.06, "60+": 0.02},
        f"{ASSUMPTION}: weinig instroom van 55+; instroom 15,9% in 2022 ({MONITOR})")
    temporary_share: float = _d(0.35, f"{ASSUMPTION}: tijdelijk contract bij indiensttreding", ge=0, le=1)
    temporary_months: int = _d(12, ASSUMPTION, ge=1, le=60)

    @field_validator("age_profile")
    @classmethod
    def _profile(cls, v):
        v = _age_table(v, "hires.age_profile")
        if any(x < 0 for x in v.values()) or sum(v.values()) <= 0:
            raise ValueError("hires.age_profile holds non-negative weights, not all zero")
        return v


class Sickness(_M):
    """Long-term sickness (> 6 weeks) as persistence: who is sick often stays sick."""

    incidence_by_age: dict[str, float] = _d(
        {"<25": 0.012, "25-34": 0.015, "35-44": 0.022, "45-54": 0.03, "55-59": 0.04, "60+": 0.045},
        f"{ASSUMPTION}; verzuim 6,7% in 2022 ({MONITOR}), enkele procenten langdurig ziek op een peildatum")
    persistence_by_age: dict[str, float] = _d(
        {"<25": 0.2, "25-34": 0.25, "35-44": 0.3, "45-54": 0.35, "55-59": 0.4, "60+": 0.45},
        f"{ASSUMPTION}: kans dat wie langdurig ziek is een jaar later nog ziek is")
    exit_after_weeks: int = _d(104, "Wet verbetering poortwachter / WIA: na 104 weken ziekte uit dienst", ge=1)

    @field_validator("incidence_by_age", "persistence_by_age")
    @classmethod
    def _bands(cls, v, info):
        if any(not 0 <= x <= 1 for x in v.values()):
            raise ValueError(f"{info.field_name} holds probabilities between 0 and 1")
        return _age_table(v, f"sickness.{info.field_name}")


YEARS_IN_FUNCTION_LABELS = ("<2", "2-4", "5-9", "10+")
YEARS_IN_FUNCTION_LIMITS = (0, 2, 5, 10)  # lower bounds, in completed years in the function


class InternalMoves(_M):
    """Voluntary internal moves (doorstroom): people who change function of their own accord,
    in the world with and without the rules alike. A move needs an open position in the
    function it goes to and opens one in the function it leaves (so moves make chains); a
    move by someone the mobility rule obliges to move counts for that rule, as their time
    in the function starts again."""

    rate: float = _d(
        0.05, f"{ASSUMPTION}: deel van de medewerkers dat per jaar uit zichzelf een andere functie zoekt "
              "(gerealiseerd alleen waar een plaats open is). Gemeten: doorstroom (andere functie en/of afdeling) "
              f"8,4% in 2022, 7,3% in 2021 ({MONITOR}); van functie veranderd 4% in 2013 (Personeelsmonitor "
              "Gemeenten 2013); de ingebouwde populatie (hpr data generate) heeft 5% functiewisselingen per jaar",
        ge=0, le=1)
    by_age: dict[str, float] = _d(
        {"<25": 1.6, "25-34": 1.5, "35-44": 1.2, "45-54": 0.9, "55-59": 0.6, "60+": 0.3},
        f"{ASSUMPTION}: relatieve kans naar leeftijd (jongeren wisselen vaker); de monitor geeft geen doorstroom "
        "naar leeftijd. Het gemiddelde over de medewerkers is gelijk aan het aandeel (rate)")
    by_years_in_function: dict[str, float] = _d(
        {"<2": 0.5, "2-4": 1.0, "5-9": 1.0, "10+": 1.0},
        f"{ASSUMPTION}: relatieve kans naar jaren in de huidige functie (wie net begonnen is, wisselt minder)")
    targets: Literal["unit", "adjacent"] = _d(
        "unit", f"{ASSUMPTION}: unit = elke andere functie in het eigen organisatieonderdeel binnen de schaalstappen "
                "(ook een andere fysiek belastende functie: de conceptregel telt de tijd in dezelfde functie); "
                "adjacent = alleen de aanpalende functies van de functiecatalogus, in beide richtingen")
    max_scale_up: int = _d(2, f"{ASSUMPTION}: hoogste schaalsprong omhoog bij een vrijwillige wissel", ge=0, le=17)
    max_scale_down: int = _d(0, f"{ASSUMPTION}: niemand kiest zelf een lagere schaal (Cao Gemeenten art. 3.3: "
                                "de schaal volgt de functie, zonder salarisgarantie)", ge=0, le=17)

    @field_validator("by_age")
    @classmethod
    def _ages(cls, v):
        if any(x < 0 for x in v.values()):
            raise ValueError("internal_moves.by_age holds non-negative factors")
        return _age_table(v, "internal_moves.by_age")

    @field_validator("by_years_in_function")
    @classmethod
    def _years(cls, v):
        if any(x < 0 for x in v.values()):
            raise ValueError("internal_moves.by_years_in_function holds non-negative factors")
        return _age_table(v, "internal_moves.by_years_in_function", YEARS_IN_FUNCTION_LABELS, "band of years")


class Dynamics(_M):
    retire_at_state_pension_age: bool = _d(True, "AOW-leeftijd (rules/state_pension_age.yaml)")
    attrition: Attrition = Attrition()
    contract_conversion: float = _d(0.7, f"{ASSUMPTION}: deel van de tijdelijke contracten dat vast wordt",
                                    ge=0, le=1)
    hires: Hires = Hires()
    sickness: Sickness = Sickness()
    internal_moves: InternalMoves = InternalMoves()
    formation_file: str | None = _d(None, "formatie per functie (function_code, unit, positions); "
                                          "zonder bestand: de bezetting op de peildatum")
    growth_rate: float = _d(0.0, f"{ASSUMPTION}: groei van de formatie per jaar", ge=-0.2, le=0.2)


class Talks(_M):
    """Talks a rule asks for (POP): realised among those the rule obliges, costed in working hours."""

    rule: str | None = None
    field: str = "pop_date"
    realisation: float = _d(0.75, f"{ASSUMPTION}: deel van de verplichte gesprekken dat per jaar gevoerd wordt",
                            ge=0, le=1)
    hours_per_talk: float = _d(2.0, f"{ASSUMPTION}: medewerker en leidinggevende samen", ge=0)


class Development(_M):
    """Development hours a rule asks for: the extra over a world without the rule is what it costs."""

    rule: str | None = None
    field: str = "development_hours_12m"
    hours: HoursDraw = _d(HoursDraw(mean=24, sd=12), f"{ASSUMPTION}: gerealiseerde uren bij voltijd onder de regel")
    hours_without_rules: HoursDraw = _d(HoursDraw(mean=16, sd=12),
                                        f"{ASSUMPTION}; 1,5% van de loonsom gaat naar opleiding ({MONITOR})")


class Hours(_M):
    talks: Talks = Talks()
    development: Development = Development()


class External(_M):
    """The route outside (UWV / Den Haag Werkt) for who cannot move internally."""

    rate: float = _d(0.1, f"{ASSUMPTION}: deel van wie niet intern kan, dat per jaar extern uitstroomt",
                     ge=0, le=1)
    cost: float = _d(6000.0, f"{ASSUMPTION}: kosten van een extern traject (euro)", ge=0)


class Mobility(_M):
    rule: str | None = None  # the rule whose deadlines make people move (named in the scenario, never in code)
    lookahead_months: int = _d(12, f"{ASSUMPTION}: wie binnen een jaar de grens bereikt, wordt dit jaar begeleid",
                               ge=0, le=60)
    advisor_capacity: int = _d(250, f"{ASSUMPTION}: begeleide pogingen per jaar, ook als ze mislukken", ge=0)
    priority: Literal["due_date", "random", "lottery"] = _d(
        "due_date", f"{ASSUMPTION}: due_date = vroegste uiterste datum eerst; random = loting over iedereen; "
                    "lottery = eerst wie al in overtreding is, loting daarbinnen (leeftijdsneutraal)")
    priority_over_voluntary: bool = _d(
        True, f"{ASSUMPTION}: open plaatsen in aanpalende functies gaan eerst naar wie moet verschuiven (de werkgever "
              "moet een aanpalende functie aanbieden, zoals bij voorrang voor herplaatsing); wie vrijwillig wisselt, "
              "krijgt daar wat daarna nog open is")
    max_scale_up: int = _d(2, f"{ASSUMPTION}: hoogste schaalsprong omhoog (Cao Gemeenten art. 3.3: schaal volgt "
                              "de functie)", ge=0, le=17)
    max_scale_down: int = _d(1, f"{ASSUMPTION}: grootste stap omlaag; kost een salarisgarantie", ge=0, le=17)
    extra_positions_per_year: int = _d(0, f"{ASSUMPTION}: extra plaatsen per jaar in aanpalende functies", ge=0)
    vacancy_rate: float = _d(0.0, f"{ASSUMPTION}: extra vacatures per jaar in aanpalende functies, als deel van "
                                  "hun formatie (bovenop vertrek en doorstroom)", ge=0, le=1)
    dispensation_share: float = _d(0.0, f"{ASSUMPTION}: deel van wie niet verschuift en niet extern gaat, dat "
                                        "ontheffing krijgt", ge=0, le=1)
    dispensation_months: int = _d(12, ASSUMPTION, ge=1, le=120)
    external: External = External()


class Costs(_M):
    hourly_cost: float = _d(45.0, f"{ASSUMPTION}: loonkosten per uur (euro)", ge=0)
    training_cost_per_hour: float = _d(60.0, f"{ASSUMPTION}: opleidingskosten per ontwikkeluur", ge=0)
    replacement_share: float = _d(0.5, f"{ASSUMPTION}: deel van de ontwikkeluren in fysiek belastend werk dat "
                                       "vervangen moet worden (het werk gaat door)", ge=0, le=1)
    cost_per_move: float = _d(4000.0, f"{ASSUMPTION}: inwerken en omscholing per verschuiving", ge=0)
    advisor_fte_cost: float = _d(85000.0, f"{ASSUMPTION}: loonkosten per fte mobiliteitsadviseur", ge=0)
    attempts_per_advisor_fte: float = _d(40.0, f"{ASSUMPTION}: begeleide pogingen per fte per jaar", gt=0)
    recruitment_per_hire: float = _d(3000.0, f"{ASSUMPTION}: wervingskosten per aanname", ge=0)
    salary_step_per_year: float = _d(2000.0, f"{ASSUMPTION}: salarisgarantie per schaal omlaag per jaar", ge=0)


class Benefits(_M):
    """Benefits only where the scenario states an assumption; reported apart from the costs."""

    sickness_factor_after_move: float = _d(1.0, f"{ASSUMPTION}: kans op langdurig verzuim na een verschuiving, "
                                                "als factor (1 = geen effect)", ge=0, le=1)
    cost_per_sick_year: float = _d(60000.0, f"{ASSUMPTION}: kosten van een jaar langdurig verzuim", ge=0)


class Criteria(_M):
    after: dt.date | None = None  # criteria apply from this date (default: end of the longest transition)
    max_violation_share: dict[str, float] = {}
    moves_within_vacancies: bool = True
    advisor_capacity: bool = True  # the guided attempts needed fit the advisors' capacity every year
    budget_per_year: float | None = None  # euro per year, policy minus baseline
    min_share_of_runs: float = _d(0.8, f"{ASSUMPTION}: een criterium geldt als het in dit deel van de runs houdt",
                                  gt=0, le=1)


class Sensitivity(_M):
    """Settings to vary one at a time for the tornado chart (``hpr scenario run --tornado``)."""

    enabled: bool = False
    runs: int = _d(5, f"{ASSUMPTION}: replicaties per variant in de gevoeligheidsanalyse", ge=1, le=1000)
    settings: dict[str, tuple[float, float]] = {}  # key: [low, high]


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
    hours: Hours = Hours()
    costs: Costs = Costs()
    benefits: Benefits = Benefits()
    criteria: Criteria = Criteria()
    runs: int = _d(20, f"{ASSUMPTION}: replicaties met opeenvolgende seeds", ge=1, le=1000)
    sensitivity: Sensitivity = Sensitivity()

    def reference_dates(self) -> list[dt.date]:
        """The reference date of every simulated year, and the end of the horizon."""
        from ..calendar import add_months
        return [add_months(self.reference_date, 12 * y) for y in range(self.horizon_years + 1)]


def enumerated_settings(model: type[BaseModel] | None = None, prefix: str = "") -> dict[str, tuple]:
    """Every scenario setting with a fixed set of choices, by dotted key, with its choices
    (``{"dynamics.internal_moves.targets": ("unit", "adjacent"), ...}``); the reports name
    each choice in words (reports.text.LABELS, ``KEY=VALUE``)."""
    from typing import Union, get_args, get_origin
    model = model or Scenario
    out = {}
    for name, info in model.model_fields.items():
        ann = info.annotation
        kinds = get_args(ann) if get_origin(ann) in (Union, type(int | None)) else (ann,)
        for kind in kinds:
            if get_origin(kind) is Literal:
                out[prefix + name] = get_args(kind)
            elif isinstance(kind, type) and issubclass(kind, BaseModel):
                out.update(enumerated_settings(kind, f"{prefix}{name}."))
    return out


def simulated_years(m: Scenario) -> list[int]:
    """The years a scenario simulates (one per reference date)."""
    return [d.year for d in m.reference_dates()[:-1]]


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
