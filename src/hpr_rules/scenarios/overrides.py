"""Rule overrides of a scenario: change parameters, dates, or switch rules off, without editing files."""

from __future__ import annotations

import datetime as dt

from ..errors import ScenarioError, did_you_mean
from ..language.model import DatedValue, LoadedRule, Parameter, RuleBook


def with_overrides(book: RuleBook, overrides: dict, doc=None) -> RuleBook:
    """A new rule book with the scenario's overrides applied (the files stay untouched)."""
    rules = []
    known = {r.id for r in book.rules}
    for rid in overrides:
        if rid not in known:
            err = ScenarioError(f"rule override for unknown rule {rid!r}{did_you_mean(rid, known)}")
            if doc is not None:
                err.file = doc.file
                err.line, err.col = doc.where(("rules", "overrides", rid))
            raise err
    for r in book.rules:
        ov = overrides.get(r.id)
        if ov is None:
            rules.append(r)
            continue
        if not ov.enabled:
            continue
        m = r.model
        update = {}
        if ov.effective_from:
            update["effective_from"] = ov.effective_from
        if ov.valid_until:
            update["valid_until"] = ov.valid_until
        params = dict(m.parameters)
        for name, value in ov.parameters.items():
            if name not in params:
                err = ScenarioError(f"rule {r.id} has no parameter {name!r}{did_you_mean(name, params)}")
                if doc is not None:
                    err.file = doc.file
                    err.line, err.col = doc.where(("rules", "overrides", r.id, "parameters", name))
                raise err
            if isinstance(value, list):
                values = [DatedValue.model_validate(v) for v in value]
            else:
                start = ov.effective_from or m.effective_from
                values = [DatedValue.model_validate({"from": min(start, params[name].values[0].from_), "value": value})]
            params[name] = params[name].model_copy(update={"values": values})
        update["parameters"] = params
        rules.append(LoadedRule(m.model_copy(update=update), r.doc, r.text))
    if not rules:
        raise ScenarioError("the scenario switches every rule off")
    return RuleBook(rules, book.pension, book.source, book._pension_text)


def transition_end(book: RuleBook) -> dt.date:
    """The latest end of a transition period: from then on the norms bite fully."""
    from ..calendar import add_months
    end = max(r.model.effective_from for r in book.rules)
    for r in book.rules:
        p = r.model.parameters
        day = r.model.effective_from
        if "transition_years" in p:
            v = p["transition_years"].value_on(day) or p["transition_years"].values[0]
            end = max(end, add_months(day, int(12 * v.value)))
        if "transition_months" in p:
            v = p["transition_months"].value_on(day) or p["transition_months"].values[0]
            end = max(end, add_months(day, int(v.value)))
    return end
