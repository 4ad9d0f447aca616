"""Rule test cases a lawyer writes in YAML (OpenFisca tests and DMN tables as models).

A file holds ``cases`` (one mapping each) and/or ``tables`` (one row per case)::

    defaults:                      # optional: changes the default employee of this file
      salary_scale: 5
    cases:
      - name: Zittend personeel zonder POP, laatste dag van de overgangstermijn
        date: 2026-07-01
        employee: {pop_date: null}
        expect:
          mandatory_pop: {status: due_soon, reason: no_pop, due_date: 2026-07-01}
      - name: Ontheffing van alleen deze regel op grond van de hardheidsclausule
        date: 2027-03-01
        dispensations: [{rule_id: mandatory_pop, until: 2027-12-31, ground: hardheidsclausule}]
        expect:
          mandatory_pop: {status: exempt, reason: hardship}
    tables:
      - rule: max_function_tenure
        columns: [name, date, function_start_date, status, due_date]
        rows:
          - [Deadline day itself, 2028-01-01, 2015-01-01, due_soon, 2028-01-01]

Fields not given take the values of :data:`DEFAULT_EMPLOYEE` (a valid employee in
scope: scale 5, physically demanding, full time, in service since 2010, in the same
function since 2020-03-01, born 1980-05-05, no POP, no development hours).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..errors import RuleError, did_you_mean
from ..yamlsource import YamlDoc, load_yaml, pydantic_error

DEFAULT_EMPLOYEE: dict[str, Any] = {
    "employee_id": "T1", "birth_date": "1980-05-05", "hire_date": "2010-01-01", "employment_end_date": None,
    "function_code": "HHO-BEL", "function_title": "Belader", "function_start_date": "2020-03-01",
    "salary_scale": 5, "physically_demanding": True, "unit": "DSB-HHO", "department": None, "fte": 1.0,
    "pop_date": None, "development_hours_12m": 0.0, "sick_leave_start": None, "exemption_until": None,
    "contract_type": "vast", "development_offered": None, "move_offered": None,
}
EXPECT_KEYS = ("status", "reason", "due_date", "days_overdue", "required_hours", "actual_hours", "shortfall_hours")


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str
    reason: str | None = None
    due_date: dt.date | None = None
    days_overdue: int | None = None
    required_hours: float | None = None
    actual_hours: float | None = None
    shortfall_hours: float | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, v):
        from ..language.compile import STATUSES
        if v not in STATUSES:
            raise ValueError(f"unknown status {v!r}; one of {', '.join(STATUSES)}")
        return v


class CaseDispensation(BaseModel):
    """A dispensation for one rule (a row of the dispensations table, data.md)."""
    model_config = ConfigDict(extra="forbid")
    rule_id: str
    until: dt.date
    ground: str


class CaseAbsence(BaseModel):
    """A documented absence period (a row of the absences table, data.md); no end = going on."""
    model_config = ConfigDict(extra="forbid")
    start: dt.date
    end: dt.date | None = None
    kind: str

    @field_validator("kind")
    @classmethod
    def _kind(cls, v):
        from ..absence import KINDS
        if v not in KINDS:
            raise ValueError(f"unknown absence kind {v!r}{did_you_mean(v, KINDS)}; kinds: {', '.join(KINDS)}")
        return v


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    date: dt.date
    employee: dict[str, Any] = {}
    dispensations: list[CaseDispensation] = []
    absences: list[CaseAbsence] = []
    expect: dict[str, Expectation]

    @field_validator("employee")
    @classmethod
    def _fields(cls, v):
        for k in v:
            if k not in DEFAULT_EMPLOYEE:
                raise ValueError(f"unknown record field {k!r}{did_you_mean(k, DEFAULT_EMPLOYEE)}")
        return v


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str
    columns: list[str]
    rows: list[list[Any]]

    @model_validator(mode="after")
    def _shape(self):
        for c in ("name", "date", "status"):
            if c not in self.columns:
                raise ValueError(f"a table needs a {c!r} column")
        for i, r in enumerate(self.rows):
            if len(r) != len(self.columns):
                raise ValueError(f"row {i + 1} has {len(r)} cells, the table has {len(self.columns)} columns")
        return self


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: dict[str, Any] = {}
    cases: list[Case] = []
    tables: list[Table] = []


@dataclass
class LoadedCase:
    case: Case
    file: str
    line: int | None
    employee: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def load_cases(path: str | Path) -> list[LoadedCase]:
    """Every case of a file or of all ``*.yaml`` files in a directory."""
    p = Path(path)
    files = sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    if not files:
        raise RuleError("no test case files (*.yaml)", file=str(p))
    out = []
    for f in files:
        out.extend(_load_file(f))
    return out


def _load_file(path: Path) -> list[LoadedCase]:
    try:
        doc: YamlDoc = load_yaml(path)
    except Exception as exc:
        raise RuleError(getattr(exc, "message", str(exc)), file=str(path),
                        line=getattr(exc, "line", None), col=getattr(exc, "col", None)) from None
    try:
        cf = CaseFile.model_validate(doc.data or {})
    except ValidationError as exc:
        raise pydantic_error(doc, exc, RuleError) from None
    base = {**DEFAULT_EMPLOYEE, **cf.defaults}
    out = [LoadedCase(c, str(path), doc.where(("cases", i))[0], {**base, **c.employee}) for i, c in enumerate(cf.cases)]
    for t, table in enumerate(cf.tables):
        for i, row in enumerate(table.rows):
            values = dict(zip(table.columns, row))
            expect = {k: values.pop(k) for k in list(values) if k in EXPECT_KEYS}
            name, day = values.pop("name"), values.pop("date")
            try:
                case = Case(name=str(name), date=day, employee=values, expect={table.rule: expect})
            except ValidationError as exc:
                line, col = doc.where(("tables", t, "rows", i))
                raise RuleError(f"table row {i + 1}: {exc.errors()[0]['msg']}", file=str(path), line=line, col=col) from None
            out.append(LoadedCase(case, str(path), doc.where(("tables", t, "rows", i))[0], {**base, **values}))
    return out


def case_frame(employee: dict[str, Any]) -> pd.DataFrame:
    """One validated record from a case's fields (rejected fields are an error of the case)."""
    from ..records import validate_frame
    raw = pd.DataFrame([{k: ("" if v is None else ("true" if v is True else "false" if v is False else str(v)))
                         for k, v in employee.items()}])
    rs = validate_frame(raw, source="test case")
    if len(rs.rejects):
        r = rs.rejects.iloc[0]
        raise RuleError(f"the employee of this case is not a valid record: {r['column']}: {r['message']}")
    return rs.frame


def case_records(lc: LoadedCase) -> pd.DataFrame:
    """The record of a case with its side tables (dispensations, absences) attached."""
    df = case_frame(lc.employee)
    if lc.case.absences:
        from ..records.sidetables import attach_absences
        df = attach_absences(df, pd.DataFrame([{"employee_id": str(df["employee_id"].iloc[0]),
                                                "start": pd.Timestamp(a.start), "kind": a.kind,
                                                "end": pd.Timestamp(a.end) if a.end else pd.NaT}
                                               for a in lc.case.absences]))
    if lc.case.dispensations:
        from ..records.sidetables import attach_dispensations
        table = pd.DataFrame([{"employee_id": str(df["employee_id"].iloc[0]), "rule_id": d.rule_id,
                               "until": pd.Timestamp(d.until), "ground": d.ground} for d in lc.case.dispensations])
        df = attach_dispensations(df, table)
    return df


@dataclass
class CaseResult:
    case: LoadedCase
    rule_id: str
    engine: str
    expected: dict
    actual: dict
    ok: bool
    error: str = ""


def _actual(row) -> dict:
    def clean(v):
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
            return None
        return v
    return {k: clean(row[k]) for k in EXPECT_KEYS}


def _matches(exp: Expectation, act: dict) -> bool:
    for k in EXPECT_KEYS:
        want = getattr(exp, k)
        if want is None and k != "reason":
            continue
        got = act.get(k)
        if k == "reason":
            if want is None:
                continue
            if (got or "") != want:
                return False
        elif k == "due_date":
            if got != want.isoformat():
                return False
        elif k in ("required_hours", "actual_hours", "shortfall_hours"):
            if got is None or round(float(got), 2) != round(float(want), 2):
                return False
        elif k == "days_overdue":
            if got is None or int(got) != int(want):
                return False
        elif got != want:
            return False
    return True


def run_cases(cases: list[LoadedCase], book, engines=("vector", "durable", "reference")) -> list[CaseResult]:
    """Evaluate every case with every engine; one result per (case, rule, engine)."""
    from ..engines import evaluate
    from ..engines.durable import DurableEngine
    results = []
    with DurableEngine() as durable:
        for lc in cases:
            try:
                df = case_records(lc)
                for rid in list(lc.case.expect) + [d.rule_id for d in lc.case.dispensations]:
                    book.get(rid)
            except RuleError as exc:
                for rid, exp in lc.case.expect.items():
                    results.append(CaseResult(lc, rid, "-", exp.model_dump(), {}, False, str(exc.message)))
                continue
            for engine in engines:
                f = evaluate(df, book, lc.case.date, engine=engine, rules=list(lc.case.expect), durable=durable)
                for _, row in f.iterrows():
                    exp = lc.case.expect[row["rule_id"]]
                    act = _actual(row)
                    results.append(CaseResult(lc, row["rule_id"], engine,
                                              {k: v for k, v in exp.model_dump().items() if v is not None}, act,
                                              _matches(exp, act)))
    return results


def format_failure(res: CaseResult, book, lang: str = "nl") -> str:
    """Expected vs actual side by side, then the explain trace of the case."""
    lines = [f"FAIL {res.case.where}: {res.case.case.name} [{res.rule_id}, engine {res.engine}, "
             f"date {res.case.case.date.isoformat()}]"]
    if res.error:
        lines.append(f"  {res.error}")
        return "\n".join(lines)
    lines.append(f"  {'':16} {'expected':>14}   {'actual':<14}")
    for k in EXPECT_KEYS:
        if k in res.expected or (res.actual.get(k) not in (None, "") and k in ("status", "reason")):
            e = res.expected.get(k, "")
            a = res.actual.get(k)
            mark = "" if str(e if not isinstance(e, dt.date) else e.isoformat()) == str("" if a is None else a) else "  <-"
            lines.append(f"  {k:16} {str(e):>14}   {str('' if a is None else a):<14}{mark}")
    from ..explain import explain, render_text
    df = case_records(res.case)
    trace = render_text(explain(df, book, res.case.case.date, str(df['employee_id'].iloc[0]), [res.rule_id]), lang)
    lines.extend("  " + t for t in trace.rstrip().splitlines())
    return "\n".join(lines)
