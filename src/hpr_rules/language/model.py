"""Pydantic models of the rule files (``rules/*.yaml``) and their loading.

A rule file is the law as data: article text, legal basis, aim, dated parameters,
scope, ordered exemptions and the norm. See ``rules/mandatory_pop.yaml`` for a
commented example.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import RuleError, did_you_mean
from ..yamlsource import YamlDoc, load_yaml, pydantic_error


def _in_bounds(d):
    from ..calendar import check_bounds
    return d if not isinstance(d, dt.date) else check_bounds(d, "date")


#: a date a rule names: within the calendar's bounds (hpr_rules.calendar.DATE_MIN..DATE_MAX)
RuleDate = Annotated[dt.date, AfterValidator(_in_bounds)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Dutch (authoritative) and English (courtesy translation)."""

    nl: str
    en: str = ""

    def get(self, lang: str) -> str:
        return (self.en or self.nl) if lang == "en" else self.nl


class DatedValue(_Strict):
    from_: RuleDate = Field(alias="from")
    value: Annotated[Union[bool, float, dt.date, None], AfterValidator(_in_bounds)]
    note: str = ""

    @field_validator("value", mode="before")
    @classmethod
    def _no_str(cls, v):
        if isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if isinstance(v, str):
            raise ValueError("a parameter value is a number, a date (YYYY-MM-DD), true/false or null")
        return v


class Parameter(_Strict):
    """A named number (or date/boolean) that holds from a date on: dated like OpenFisca."""

    description: Text | None = None
    unit: str = ""
    reference: str = ""
    values: list[DatedValue]

    @field_validator("values")
    @classmethod
    def _sorted(cls, v):
        if not v:
            raise ValueError("a parameter needs at least one dated value")
        froms = [x.from_ for x in v]
        if len(set(froms)) != len(froms):
            dup = sorted({f for f in froms if froms.count(f) > 1})[0]
            raise ValueError(f"two values hold from the same date {dup} (overlapping periods)")
        if froms != sorted(froms):
            raise ValueError("dated values must be listed in date order")
        return v

    def value_on(self, day: dt.date):
        """The value in force on ``day`` (the latest ``from`` on or before it), else None."""
        found = None
        for v in self.values:
            if v.from_ <= day:
                found = v
        return found


class LegalBasis(_Strict):
    reference: str
    note: str = ""


class Article(_Strict):
    reference: str
    text: str


class Condition(_Strict):
    condition: str
    article: str = ""
    description: Text | None = None


class Exemption(_Strict):
    reason: str
    condition: str
    article: str = ""
    #: the reason in a few words, as reports and the command line show it
    label: Text | None = None
    description: Text | None = None

    @field_validator("reason")
    @classmethod
    def _code(cls, v):
        if not v.replace("_", "").isalnum() or v != v.lower():
            raise ValueError("a reason is a lower_case code such as long_term_sick")
        return v


class NormReason(_Strict):
    """A reason that qualifies a norm outcome where ``when`` holds (``no_pop``: there is no
    POP yet; ``no_offer``: the employer did not make the offer the article requires)."""

    code: str
    when: str
    article: str = ""
    #: the reason in a few words, as reports and the command line show it
    label: Text | None = None
    #: whose failing the outcome is: ``employer`` words a violation (or due_soon) with this
    #: reason as the employer's failing, not the employee's (phrases in reports/text.py LABELS)
    party: Literal["employee", "employer"] = "employee"


class _Norm(_Strict):
    article: str = ""
    description: Text | None = None
    let: dict[str, str] = {}
    reasons: list[NormReason] = []


class DeadlineNorm(_Norm):
    """A deadline: violation when D > due, due_soon from ``warn_months`` before."""

    type: Literal["deadline"]
    due: str
    warn_months: str


class HoursNorm(_Norm):
    """Hours over a window: compliant when actual >= required, due_soon while pending."""

    type: Literal["hours"]
    required: str
    actual: str
    pending: str


class RuleFile(_Strict):
    id: str
    title: Text
    #: a label for narrow table columns and charts (default: the title)
    short_title: Text | None = None
    status: Literal["concept", "vastgesteld"]
    version: str
    article: Article
    #: how the rule binds (e.g. employer's instruction under BW 7:660 with works-council consent)
    legal_instrument: str | None = None
    legal_basis: list[LegalBasis]
    aim: Text
    proportionality: Text
    effective_from: RuleDate
    valid_until: RuleDate | None = None
    #: when the rule is to be evaluated; unlike valid_until it does not end the rule
    evaluation_date: RuleDate | None = None
    parameters: dict[str, Parameter]
    scope: Condition
    exemptions: list[Exemption] = []
    norm: Union[DeadlineNorm, HoursNorm] = Field(discriminator="type")

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v):
        return str(v)

    def reason_labels(self) -> dict[str, dict[str, str]]:
        """The reasons this rule gives (its exemptions and norm reasons) in a few words, Dutch
        and English: ``label``, else ``description``; a reason without either is left out.
        A norm reason that is the employer's failing also has ``party: employer``."""
        out = {}
        for code, label in [(e.reason, e.label or e.description) for e in self.exemptions] + \
                [(r.code, r.label) for r in self.norm.reasons]:
            if label is not None:
                out[code] = {"nl": label.nl, "en": label.en or label.nl}
        for r in self.norm.reasons:
            if r.party != "employee":
                out[r.code] = {**out.get(r.code, {}), "party": r.party}
        return out

    @model_validator(mode="after")
    def _checks(self):
        if self.valid_until and self.valid_until < self.effective_from:
            raise ValueError("valid_until lies before effective_from")
        reasons = [e.reason for e in self.exemptions]
        if len(set(reasons)) != len(reasons):
            raise ValueError("two exemptions have the same reason code")
        return self


class AgeBand(_Strict):
    born_from: RuleDate | None = None
    years: int
    months: int = 0
    note: str = ""
    #: statutory: fixed by law; projection: expected, not yet fixed
    status: Literal["statutory", "projection"] | None = None
    source: str = ""


class StatePensionTable(_Strict):
    """AOW age by birth date (parameter ``state_pension_age``)."""

    id: Literal["state_pension_age"]
    title: Text
    reference: str
    bands: list[AgeBand]

    @field_validator("bands")
    @classmethod
    def _bands(cls, v):
        if not v or v[0].born_from is not None:
            raise ValueError("the first band has no born_from (it covers everyone born earlier)")
        froms = [b.born_from for b in v[1:]]
        if any(f is None for f in froms) or froms != sorted(froms):
            raise ValueError("later bands need born_from dates in increasing order")
        return v

    def months_for(self, birth: dt.date) -> int:
        band = self.bands[0]
        for b in self.bands[1:]:
            if b.born_from <= birth:
                band = b
        return band.years * 12 + band.months

    def months_for_v(self, birth_days):
        import numpy as np
        from ..calendar import to_daynum
        starts = np.array([to_daynum(b.born_from) for b in self.bands[1:]], dtype=np.int64)
        months = np.array([b.years * 12 + b.months for b in self.bands], dtype=np.int64)
        return months[np.searchsorted(starts, birth_days, side="right")]


class LoadedRule:
    """A validated rule file with its YAML positions (for error messages)."""

    def __init__(self, model: RuleFile, doc: YamlDoc, text: str):
        self.model = model
        self.doc = doc
        self.text = text

    @property
    def id(self) -> str:
        return self.model.id


class RuleBook:
    """All rules of one draft (a directory), plus the shared AOW table."""

    def __init__(self, rules: list[LoadedRule], pension: StatePensionTable, source: str,
                 pension_text: str = ""):
        self.rules = sorted(rules, key=lambda r: r.id)
        self.pension = pension
        self.source = source
        self._pension_text = pension_text

    def __iter__(self):
        return iter(self.rules)

    def ids(self) -> list[str]:
        return [r.id for r in self.rules]

    def get(self, rule_id: str) -> LoadedRule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        known = f"; rules: {', '.join(self.ids())}"
        raise RuleError(f"no rule {rule_id!r} in {self.source}{did_you_mean(rule_id, self.ids(), otherwise=known)}")

    def select(self, ids) -> "RuleBook":
        if not ids:
            return self
        return RuleBook([self.get(i) for i in ids], self.pension, self.source, self._pension_text)

    def fingerprint(self) -> str:
        """SHA-256 over the rule texts: the provenance of any result made with them."""
        h = hashlib.sha256()
        for r in self.rules:
            h.update(r.id.encode() + b"\0" + r.text.encode() + b"\0")
        h.update(self._pension_text.encode())
        return h.hexdigest()

    def version(self) -> str:
        return ", ".join(f"{r.id} {r.model.version} ({r.model.status})" for r in self.rules)

    def employer_reasons(self) -> frozenset[tuple[str, str]]:
        """(rule id, reason code) of every norm reason that is the employer's failing
        (``party: employer``): a violation with such a reason is counted apart."""
        return frozenset((r.id, x.code) for r in self.rules for x in r.model.norm.reasons if x.party == "employer")


PENSION_FILE = "state_pension_age.yaml"


def _validate(doc: YamlDoc, model):
    if not isinstance(doc.data, dict):
        raise doc.error(RuleError, "expected a mapping of keys (id, title, parameters, ...)")
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise pydantic_error(doc, exc, RuleError) from None


def load_rule_file(path: str | Path) -> LoadedRule:
    doc = _load(path)
    model = _validate(doc, RuleFile)
    return LoadedRule(model, doc, Path(path).read_text(encoding="utf-8-sig"))


def _load(path) -> YamlDoc:
    try:
        return load_yaml(path)
    except RuleError:
        raise
    except Exception as exc:  # HprError from yamlsource
        from ..errors import HprError
        if isinstance(exc, HprError):
            raise RuleError(exc.message, file=exc.file, line=exc.line, col=exc.col,
                            code=exc.code or "yaml") from None
        raise


def load_rulebook_from_texts(texts: dict[str, str], source: str) -> RuleBook:
    """Load a draft from file name -> text (used for ``git:REV`` drafts)."""
    from ..yamlsource import load_yaml_text
    rules, pension, ptext = [], None, ""
    for name, text in sorted(texts.items()):
        try:
            doc = load_yaml_text(text, name)
        except RuleError:
            raise
        except Exception as exc:
            raise RuleError(getattr(exc, "message", str(exc)), file=name,
                            line=getattr(exc, "line", None), col=getattr(exc, "col", None),
                            code=getattr(exc, "code", None) or "yaml") from None
        if Path(name).name == PENSION_FILE:
            pension, ptext = _validate(doc, StatePensionTable), text
        else:
            rules.append(LoadedRule(_validate(doc, RuleFile), doc, text))
    return _finish(rules, pension, source, ptext)


def _finish(rules, pension, source, ptext) -> RuleBook:
    if pension is None:
        raise RuleError(f"no {PENSION_FILE} (the AOW-age table) in the rules", file=source, code="missing-file")
    if not rules:
        raise RuleError("no rule files (*.yaml) found", file=source, code="missing-file")
    seen: dict[str, LoadedRule] = {}
    for r in rules:
        if r.id in seen:
            raise RuleError(f"rule id {r.id!r} is also defined in {seen[r.id].doc.file}", file=r.doc.file,
                            line=r.doc.where(("id",))[0], code="duplicate-id")
        seen[r.id] = r
    book = RuleBook(rules, pension, source, ptext)
    from .compile import check_rulebook
    check_rulebook(book)
    return book


def load_rulebook(directory: str | Path) -> RuleBook:
    """Load and check every ``*.yaml`` rule file directly in ``directory``.

    Sub-directories (``tests/``, ``drafts/``) are not part of the draft.
    """
    d = Path(directory)
    if not d.is_dir():
        raise RuleError("rules directory not found", file=str(d), code="missing-file")
    rules, pension, ptext = [], None, ""
    for p in sorted(d.glob("*.yaml")):
        if p.name == PENSION_FILE:
            pension, ptext = _validate(_load(p), StatePensionTable), p.read_text(encoding="utf-8-sig")
        else:
            rules.append(load_rule_file(p))
    return _finish(rules, pension, str(d), ptext)


