"""Why one employee gets the outcome they get: the decision path as short reasoning.

``explain`` runs the reference interpreter with a trace; ``render_text`` turns the
traces into a readable tree (Dutch by default) with the article at every step;
``to_dict`` gives the same for machines.
"""

from __future__ import annotations

import datetime as dt

from .calendar import to_daynum
from .errors import DateRangeError, InputError, did_you_mean
from .language import RuleBook, compile_book
from .engines.columns import frame_columns, row_env
from .engines.reference import Trace, decide

STATUS_LABEL = {
    "nl": {"not_in_force": "niet in werking", "not_applicable": "niet van toepassing", "exempt": "uitgezonderd",
           "compliant": "voldoet", "due_soon": "termijn verstrijkt binnenkort", "violation": "overtreding",
           "invalid": "ongeldig record"},
    "en": {"not_in_force": "not in force", "not_applicable": "not applicable", "exempt": "exempt",
           "compliant": "compliant", "due_soon": "due soon", "violation": "violation", "invalid": "invalid record"},
}
_Q = {
    "nl": {"in_force": "Buiten werking op de peildatum?", "employment": "Niet in dienst op de peildatum?",
           "scope": "Buiten de reikwijdte?", "exemption": "Uitzondering: {what}?", "norm": "Norm: {what}?",
           "yes": "ja", "no": "nee", "date": "peildatum", "params": "Parameters in werking op",
           "params_before": "Regel nog niet in werking; parameters vanaf {day}",
           "calc": "Berekening", "outcome": "Uitkomst", "values": "waarden", "due": "uiterste datum",
           "overdue": "dagen te laat", "required": "vereist", "actual": "gerealiseerd", "short": "tekort",
           "hours": "uur", "employee": "Medewerker", "otherwise": "anders (geen van de vorige stappen)"},
    "en": {"in_force": "Not in force on the reference date?", "employment": "Not employed on the reference date?",
           "scope": "Out of scope?", "exemption": "Exemption: {what}?", "norm": "Norm: {what}?",
           "yes": "yes", "no": "no", "date": "reference date", "params": "Parameters in force on",
           "params_before": "Rule not yet in force; parameters from {day}",
           "calc": "Computation", "outcome": "Outcome", "values": "values", "due": "due date",
           "overdue": "days overdue", "required": "required", "actual": "actual", "short": "shortfall",
           "hours": "h", "employee": "Employee", "otherwise": "otherwise (none of the steps before)"},
}


def reason_of(model, reason: str, lang: str = "nl") -> str:
    """A reason of one rule in words: its label in the rule file, else the catalogue's."""
    from .reports.text import reason_label
    return reason_label(reason, lang, model.reason_labels())


def status_of(model, status: str, reason: str, lang: str = "nl") -> str:
    """A status of one rule in words; the employer's failing where the reason says so."""
    from .reports.text import status_word
    return status_word(status, reason, lang, model.reason_labels(), STATUS_LABEL[lang])


def party_of(model, status: str, reason: str | None) -> str | None:
    """Whose failing (or turn to act) an outcome of one rule is (see
    :func:`hpr_rules.reports.text.party`)."""
    from .reports.text import party
    return party(status, reason, model.reason_labels())


def _fmt(v, lang="nl"):
    if v is None:
        return "leeg" if lang == "nl" else "empty"
    if isinstance(v, bool):
        return _Q[lang]["yes"] if v else _Q[lang]["no"]
    if isinstance(v, float):
        s = f"{v:.2f}".rstrip("0").rstrip(".") if not v.is_integer() else str(int(v))
        return s.replace(".", ",") if lang == "nl" else s
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def explain(records, book: RuleBook, day: dt.date, employee_id: str, rules=None) -> list[Trace]:
    """Decision traces of one employee under each rule (reference interpreter).

    ``records``: a RecordSet, a DataFrame (validated first) or a path."""
    one = employee_record(records, employee_id)
    compiled = compile_book(book, day, rules)
    cols = frame_columns(one, compiled.fields() | {"birth_date"}, book.pension)
    env = row_env(cols, 0)
    out = []
    for rule in compiled.rules:
        try:
            _, _, tr = decide(rule, env, to_daynum(day), trace=True)
        except DateRangeError as exc:
            raise exc.update(rule=rule.id, row=int(one["row"].iloc[0]) if "row" in one.columns else None,
                             employee=employee_id) from None
        tr.employee_id = str(employee_id)
        out.append(tr)
    return out


def employee_record(records, employee_id: str):
    """The one accepted record of ``employee_id`` as a one-row frame; a clear error when it
    was rejected or is not there (with a did-you-mean)."""
    from .records import as_records
    records = as_records(records)
    frame = records.frame
    hit = frame.index[frame["employee_id"].astype(str) == str(employee_id)]
    if len(hit) == 0:
        rejected = getattr(records, "rejected_rows", None)
        if rejected is not None and (rejected["employee_id"].astype(str) == str(employee_id)).any():
            msg = rejected.loc[rejected["employee_id"].astype(str) == str(employee_id), "message"].iloc[0]
            raise InputError(f"employee {employee_id} was rejected by validation: {msg}", key="--employee")
        ids = frame["employee_id"].astype(str).tolist()
        raise InputError(f"employee {employee_id!r} not found{did_you_mean(employee_id, ids)}", key="--employee")
    return frame.loc[hit[:1]].reset_index(drop=True)


def _outcome(tr: Trace, lang: str) -> tuple[str, dict]:
    step = tr.rule.steps[tr.decided]
    q = _Q[lang]
    label = status_of(tr.rule.rule.model, step.status, step.reason, lang)
    extra = {}
    if step.reason:
        label += f" ({reason_of(tr.rule.rule.model, step.reason, lang)})"
    lets = {n: v for n, _, v in tr.lets}
    if step.kind == "norm":
        if tr.rule.norm_type == "deadline" and lets.get("due") is not None:
            extra[q["due"]] = lets["due"]
            if step.status == "violation":
                extra[q["overdue"]] = (tr.env["D"] - to_daynum(lets["due"]))
        elif tr.rule.norm_type == "hours":
            req, act = lets.get("required"), lets.get("actual")
            extra[q["required"]] = round(req, 2)
            extra[q["actual"]] = round(act, 2)
            if act < req:
                extra[q["short"]] = round(req - act, 2)
    return label, extra


_UNITS_EN = {"schaal": "scale", "uur": "h", "uren": "h", "maand": "month", "maanden": "months", "jaar": "year",
             "jaren": "years", "dag": "day", "dagen": "days", "euro": "euro"}


def _unit(unit: str, lang: str) -> str:
    """Parameter units are written in Dutch in the rule files; English for --lang en."""
    return _UNITS_EN.get(unit.strip().lower(), unit) if lang == "en" else unit


def render_text(traces: list[Trace], lang: str = "nl") -> str:
    """The traces as an indented tree, one block per rule."""
    q = _Q[lang]
    lines = []
    for tr in traces:
        r = tr.rule
        m = r.rule.model
        lines.append(f"{m.title.get(lang)} — {m.article.reference} [{m.status} {m.version}]")
        lines.append(f"│ {q['employee']} {tr.employee_id}, {q['date']} {r.date.isoformat()}")
        if r.params:
            ps = []
            for name, v in r.params.items():
                p = m.parameters[name]
                unit = f" {_unit(p.unit, lang)}" if p.unit else ""
                ps.append(f"{name} = {_fmt(v if not isinstance(v, float) else float(v), lang)}{unit}")
            if r.date < m.effective_from:
                note = q["params_before"].format(day=m.effective_from.isoformat())
                lines.append(f"│ {note}: " + "; ".join(ps))
            else:
                lines.append(f"│ {q['params']} {r.date.isoformat()}: " + "; ".join(ps))
        shown_calc = False
        for s in tr.steps:
            step = r.steps[s.index]
            if s.kind == "norm" and not shown_calc:
                lines.append(f"├─ {q['calc']} ({m.norm.article}):")
                for name, expr, v in tr.lets:
                    if name == "warn_from" and r.norm_type != "deadline":
                        continue
                    reads = tr.used.get(name, {})
                    vals = ", ".join(f"{k}={_fmt(x, lang)}" for k, x in reads.items())
                    lines.append(f"│    {name} = {expr} = {_fmt(v, lang)}" + (f"   [{vals}]" if vals else ""))
                shown_calc = True
            if s.kind == "exemption":
                ex = next(e for e in m.exemptions if e.reason == s.reason)
                what = ex.description.get(lang) if ex.description else s.reason
                question = q["exemption"].format(what=what)
            elif s.kind == "norm":
                what = status_of(m, s.status, s.reason, lang) + \
                    (f", {reason_of(m, s.reason, lang)}" if s.reason else "")
                question = q["norm"].format(what=what)
            else:
                question = q[s.kind]
            vals = ", ".join(f"{k}={_fmt(v, lang)}" for k, v in s.values.items())
            art = f" ({s.article})" if s.article and s.kind != "in_force" else ""
            lines.append(f"├─ {s.index + 1}. {question}{art} {q['yes'] if s.result else q['no']}")
            source = step.source if step.source != "true" else q["otherwise"]
            lines.append(f"│    {source}" + (f"   [{vals}]" if vals else ""))
        label, extra = _outcome(tr, lang)
        hours = {q["required"], q["actual"], q["short"]}
        detail = "; ".join(f"{k} {_fmt(v, lang)}" + (f" {q['hours']}" if k in hours else "")
                           for k, v in extra.items())
        step = r.steps[tr.decided]
        lines.append(f"└─ {q['outcome']}: {label}" + (f" — {detail}" if detail else "") +
                     (f" ({step.article})" if step.article else ""))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_dict(traces: list[Trace]) -> dict:
    """The traces as plain data (``hpr explain --format json``)."""
    def j(v):
        return v.isoformat() if isinstance(v, dt.date) else v
    out = []
    for tr in traces:
        r = tr.rule
        model = r.rule.model
        step = r.steps[tr.decided]
        label, extra = _outcome(tr, "en")
        out.append({
            "rule_id": r.id, "article": r.rule.model.article.reference, "reference_date": r.date.isoformat(),
            "parameters": {k: j(v) for k, v in r.params.items()},
            "computed": {n: j(v) for n, _, v in tr.lets},
            "steps": [{"step": s.index + 1, "kind": s.kind, "status": s.status, "reason": s.reason,
                       **({"party": party_of(model, s.status, s.reason)} if s.kind == "norm" else {}),
                       "article": s.article, "condition": s.condition, "bound": s.bound,
                       "values": {k: j(v) for k, v in s.values.items()}, "holds": s.result} for s in tr.steps],
            "outcome": {"status": step.status, "reason": step.reason,
                        "party": party_of(model, step.status, step.reason), "article": step.article,
                        **{k.replace(" ", "_"): j(v) for k, v in extra.items()}},
        })
    return {"employee_id": traces[0].employee_id if traces else None, "rules": out}
