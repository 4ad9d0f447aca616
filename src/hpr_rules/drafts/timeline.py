"""One person's status per rule over time, and the day each change happens and why.

``hpr rules timeline`` evaluates the record on every day of a period: the data stay as
they are, only the reference date moves, so every change is caused by time (a deadline
that passes, an exemption that starts to hold, a parameter that changes on a date).
:func:`decide_over_dates` is the evaluation both this and the temporal checks of
``hpr rules validate`` use: records x dates in one vector pass per set of parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

MAX_DAYS = 366 * 40


@dataclass
class Segment:
    """Days ``start``..``end`` with the same outcome; ``why`` says what changed at ``start``."""

    start: dt.date
    end: dt.date
    status: str
    reason: str
    due_date: dt.date | None
    why: list[str] = field(default_factory=list)


def _param_key(rule, day):
    return tuple(id(p.value_on(day)) for p in rule.model.parameters.values())


def decide_over_dates(rule, frame, dates, pension):
    """Decisive step of every (date, record): returns (steps[len(dates), n], lets, compiled
    rule per date). ``lets`` maps a let name to (values, valid) of shape (len(dates), n)."""
    import numpy as np

    from ..calendar import to_daynum
    from ..engines.columns import frame_columns
    from ..engines.vector import run_rule
    from ..language.compile import compile_rule
    n, m = len(frame), len(dates)
    steps = np.full((m, n), -1, dtype=np.int64)
    lets: dict = {}
    compiled = [None] * m
    groups: dict = {}
    for j, d in enumerate(dates):
        groups.setdefault(_param_key(rule, d), []).append(j)
    cols_all = None
    for idx in groups.values():
        cr = compile_rule(rule, dates[idx[0]])
        for j in idx:
            compiled[j] = cr
        if cols_all is None or set(cols_all) < cr.fields:
            cols_all = frame_columns(frame, cr.fields | {"birth_date"}, pension)
        rep = np.repeat(np.arange(n)[None, :], len(idx), axis=0).ravel()
        cols = {k: (v[rep], ok[rep]) for k, (v, ok) in cols_all.items()}
        days = np.repeat(np.array([to_daynum(dates[j]) for j in idx], dtype=np.int64), n)
        step, lv = run_rule(cr, cols, len(rep), days)
        steps[idx] = step.reshape(len(idx), n)
        for name, (v, ok) in lv.items():
            if name not in lets:
                lets[name] = (np.zeros((m, n), dtype=v.dtype), np.zeros((m, n), dtype=bool))
            lets[name][0][idx] = v.reshape(len(idx), n)
            lets[name][1][idx] = ok.reshape(len(idx), n)
    return steps, lets, compiled


def _phrases(lang: str) -> dict:
    """The timeline's phrases (``why_*``) from the label catalogue, without the prefix."""
    from ..reports.text import LABELS
    return {k[4:]: v for k, v in LABELS[lang].items() if k.startswith("why_")}


def _why(rule, step, prev_step, due, day, prev_day, lang):
    from ..calendar import from_daynum
    from ..explain import reason_of
    w = _phrases(lang)
    out = []
    if prev_day is not None:
        for name, p in rule.model.parameters.items():
            old, new = p.value_on(prev_day), p.value_on(day)
            if old is not new and (old is None or new is None or old.value != new.value):
                out.append(w["param"].format(name=name, old=getattr(old, "value", None), new=getattr(new, "value", None)))
    s = step
    if prev_step is not None and prev_step.kind == "exemption" and prev_step.reason != s.reason:
        out.append(w["ended"].format(reason=reason_of(rule.model, prev_step.reason, lang)))
    due_txt = from_daynum(due).isoformat() if due is not None else "?"
    if s.kind in ("in_force", "employment"):
        out.append(w[s.kind])
    elif s.kind == "scope":
        out.append(w["scope"].format(cond=s.source))
    elif s.kind == "exemption":
        ex = next((e for e in rule.model.exemptions if e.reason == s.reason), None)
        desc = ex.description.get(lang) if ex is not None and ex.description else s.reason
        out.append(w["exemption"].format(reason=reason_of(rule.model, s.reason, lang), desc=desc, cond=s.source))
    elif prev_step is not None and prev_step.kind == "norm" and prev_step.status == s.status:
        pass  # the same outcome, only its reason changes (said below)
    elif rule.model.norm.type == "deadline":
        out.append(w.get(s.status, s.status).format(due=due_txt))
    else:
        out.append({"violation": w["hours_violation"], "due_soon": w["pending"]}.get(s.status, w["compliant"]))
    if s.kind == "norm" and s.reason:  # a reason of the norm (no POP yet, no offer by the employer)
        when = next((r.when for r in rule.model.norm.reasons if r.code == s.reason), "")
        out.append(w["reason"].format(reason=reason_of(rule.model, s.reason, lang), cond=when))
    return out


def timeline(records, book, employee_id: str, start: dt.date, end: dt.date, rules=None,
             lang: str = "nl") -> dict[str, list[Segment]]:
    """Per rule, the periods of ``start``..``end`` with one outcome each, and why each begins."""
    from ..calendar import from_daynum
    from ..errors import InputError
    from ..explain import employee_record
    if end < start:
        raise InputError(f"--to {end} lies before --from {start}", key="--to")
    if (end - start).days > MAX_DAYS:
        raise InputError(f"a timeline covers at most {MAX_DAYS // 366} years", key="--to")
    one = employee_record(records, employee_id)
    dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    out: dict[str, list[Segment]] = {}
    for rule in (book.select(rules) if rules else book).rules:
        steps, lets, compiled = decide_over_dates(rule, one, dates, book.pension)
        due_v, due_ok = lets.get("due", (None, None))
        segs: list[Segment] = []
        prev = None
        for j, day in enumerate(dates):
            k = int(steps[j, 0])
            cr = compiled[j]
            s = cr.steps[k]
            due = int(due_v[j, 0]) if due_v is not None and due_ok[j, 0] and s.kind == "norm" else None
            key = (s.status, s.reason, due)
            if segs and key == prev:
                segs[-1].end = day
                continue
            prev_step = compiled[j - 1].steps[int(steps[j - 1, 0])] if j else None
            why = _why(rule, s, prev_step, due, day, dates[j - 1] if j else None, lang) if j else \
                [_phrases(lang)["start"]] + _why(rule, s, None, due, day, None, lang)
            segs.append(Segment(day, day, s.status, s.reason, from_daynum(due) if due is not None else None, why))
            prev = key
        out[rule.id] = segs
    return out


def render_text(result: dict[str, list[Segment]], book, lang: str = "nl") -> str:
    from ..explain import reason_of, status_of
    w = _phrases(lang)
    lines = []
    for rule_id, segs in result.items():
        model = book.get(rule_id).model
        lines.append(f"{model.title.get(lang)} ({rule_id})")
        for s in segs:
            label = status_of(model, s.status, s.reason, lang) + (f" ({reason_of(model, s.reason, lang)})" if s.reason else "")
            due = f"; {w['due'].format(due=s.due_date.isoformat())}" if s.due_date else ""
            lines.append(f"  {s.start.isoformat()} … {s.end.isoformat()}  {label}{due}")
            for why in s.why:
                lines.append(f"      ← {why}")
        lines.append("")
    return "\n".join(lines)


def to_dict(result: dict[str, list[Segment]]) -> dict:
    return {rid: [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(s).items()} for s in segs]
            for rid, segs in result.items()}


__all__ = ["Segment", "decide_over_dates", "render_text", "timeline", "to_dict"]
