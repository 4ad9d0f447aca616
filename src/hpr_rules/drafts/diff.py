"""Behavioural diff of two drafts: who changes status, from what to what, and why.

The cause of each change is found by evaluating the OLD draft with one difference of
the NEW draft applied at a time (a parameter, the scope, one exemption, the norm, the
dates): a flip is attributed to the single difference that reproduces it, or to
"combination" when none does alone. When several differences each reproduce it on their
own, the first in the listed order (rule id, then parameters, scope, exemptions, norm,
dates) is named. Wording-only differences (article text, descriptions) are listed but
never a cause.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import yaml

from ..engines import evaluate
from ..errors import RuleError
from ..language.model import LoadedRule, RuleBook

NORM_FIELDS = ("let", "due", "warn_months", "required", "actual", "pending", "reasons", "type")


@dataclass
class Change:
    rule_id: str
    kind: str  # parameter | scope | exemption | norm | dates | rule | text (wording only, no effect)
    name: str
    description: tuple[str, str]  # (English, Dutch)
    apply: object  # RuleBook -> RuleBook (OLD with this one change); None for wording-only changes

    def text(self, lang: str = "en") -> str:
        return self.description[1 if lang == "nl" else 0]

    @property
    def key(self) -> str:
        return f"{self.rule_id}: {self.kind} {self.name}".strip()


def _replace(book: RuleBook, rid: str, model) -> RuleBook:
    rules = []
    for r in book.rules:
        if r.id == rid:
            if model is not None:
                rules.append(LoadedRule(model, r.doc, r.text))
        else:
            rules.append(r)
    if model is not None and rid not in book.ids():
        rules.append(LoadedRule(model, None, ""))
    return RuleBook(rules, book.pension, book.source, book._pension_text)


def changes(old: RuleBook, new: RuleBook) -> list[Change]:
    out: list[Change] = []
    old_ids, new_ids = set(old.ids()), set(new.ids())
    for rid in sorted(old_ids | new_ids):
        if rid not in new_ids:
            out.append(Change(rid, "rule", "removed", (f"rule {rid} removed", f"regel {rid} vervalt"), lambda b, rid=rid: _replace(b, rid, None)))
            continue
        nm = new.get(rid).model
        if rid not in old_ids:
            out.append(Change(rid, "rule", "added", (f"rule {rid} added", f"regel {rid} is nieuw"), lambda b, rid=rid, nm=nm: _replace(b, rid, nm)))
            continue
        om = old.get(rid).model
        for name in sorted(set(om.parameters) | set(nm.parameters)):
            a, b_ = om.parameters.get(name), nm.parameters.get(name)
            if a != b_ and (a is None or b_ is None or a.values != b_.values):
                def ap(b, rid=rid, name=name, val=b_):
                    m = b.get(rid).model
                    params = dict(m.parameters)
                    if val is None:
                        params.pop(name, None)
                    else:
                        params[name] = val
                    return _replace(b, rid, m.model_copy(update={"parameters": params}))
                out.append(Change(rid, "parameter", name, (f"{name}: {_vals(a)} → {_vals(b_)}", f"{name}: {_vals(a, 'nl')} → {_vals(b_, 'nl')}"), ap))
            elif a != b_:
                out.append(Change(rid, "text", f"parameter {name}", (f"{name}: description", f"{name}: omschrijving"), None))
        if om.scope.condition != nm.scope.condition:
            out.append(Change(rid, "scope", "", (f"scope: {om.scope.condition} → {nm.scope.condition}",
                               f"reikwijdte: {om.scope.condition} → {nm.scope.condition}"),
                              lambda b, rid=rid, s=nm.scope: _replace(b, rid, b.get(rid).model.model_copy(update={"scope": s}))))
        oe = {e.reason: e for e in om.exemptions}
        ne = {e.reason: e for e in nm.exemptions}
        for reason in sorted(set(oe) | set(ne)):
            a_, b_ = oe.get(reason), ne.get(reason)
            if a_ is not None and b_ is not None and a_.condition == b_.condition:
                if a_ != b_:  # wording or article reference only; the order is part of the norm below
                    out.append(Change(rid, "text", f"exemption {reason}", (f"exemption {reason}: wording", f"uitzondering {reason}: formulering"), None))
                continue
            if a_ != b_:
                def ap(b, rid=rid, reason=reason, ex=ne.get(reason), order=[e.reason for e in nm.exemptions]):
                    m = b.get(rid).model
                    cur = [e for e in m.exemptions if e.reason != reason]
                    if ex is not None:
                        pos = sum(1 for r in order[:order.index(reason)] if any(e.reason == r for e in cur))
                        cur.insert(pos, ex)
                    return _replace(b, rid, m.model_copy(update={"exemptions": cur}))
                what = ("added" if reason not in oe else "removed" if reason not in ne else
                        f"{oe[reason].condition} → {ne[reason].condition}")
                wat = {"added": "toegevoegd", "removed": "geschrapt"}.get(what, what)
                out.append(Change(rid, "exemption", reason, (f"exemption {reason}: {what}", f"uitzondering {reason}: {wat}"),
                                  ap))
        if om.norm != nm.norm:
            diffs = [f for f in NORM_FIELDS if getattr(om.norm, f, None) != getattr(nm.norm, f, None)]
            if diffs:
                out.append(Change(rid, "norm", ",".join(diffs), ("norm: " + ", ".join(diffs) + " changed", "norm: " + ", ".join(diffs) + " gewijzigd"),
                                  lambda b, rid=rid, n=nm.norm: _replace(b, rid, b.get(rid).model.model_copy(
                                      update={"norm": n}))))
            else:
                out.append(Change(rid, "text", "norm", ("norm: wording", "norm: formulering"), None))
        order_o = [r for r in (e.reason for e in om.exemptions) if r in ne]
        order_n = [r for r in (e.reason for e in nm.exemptions) if r in oe]
        if order_o != order_n:
            out.append(Change(rid, "exemption", "order", (f"exemption order: {', '.join(order_o)} → {', '.join(order_n)}",
                               f"volgorde uitzonderingen: {', '.join(order_o)} → {', '.join(order_n)}"),
                              lambda b, rid=rid, nm=nm: _replace(b, rid, b.get(rid).model.model_copy(
                                  update={"exemptions": _reorder(b.get(rid).model.exemptions, nm.exemptions)}))))
        if (om.article, om.title) != (nm.article, nm.title):
            out.append(Change(rid, "text", "article", ("article text or title changed", "artikeltekst of titel gewijzigd"), None))
        if (om.effective_from, om.valid_until) != (nm.effective_from, nm.valid_until):
            out.append(Change(rid, "dates", "", (f"in force {om.effective_from}..{om.valid_until or ''} → {nm.effective_from}..{nm.valid_until or ''}",
                               f"in werking {om.effective_from}..{om.valid_until or ''} → "
                               f"{nm.effective_from}..{nm.valid_until or ''}"),
                              lambda b, rid=rid, nm=nm: _replace(b, rid, b.get(rid).model.model_copy(
                                  update={"effective_from": nm.effective_from, "valid_until": nm.valid_until}))))
    if old._pension_text != new._pension_text:
        out.append(Change("*", "parameter", "state_pension_age", ("state pension age table changed", "AOW-leeftijdstabel gewijzigd"),
                          lambda b: RuleBook(b.rules, new.pension, b.source, new._pension_text)))
    return out


def _reorder(cur, target):
    """``cur`` exemptions in the order of ``target`` (those not in ``target`` keep their place at the end)."""
    pos = {e.reason: i for i, e in enumerate(target)}
    return sorted(cur, key=lambda e: pos.get(e.reason, len(pos)))


def _vals(p, lang: str = "en") -> str:
    if p is None:
        return "(geen)" if lang == "nl" else "(none)"
    word = "vanaf" if lang == "nl" else "from"
    return ", ".join(f"{_v(v.value)} {word} {v.from_}" for v in p.values)


def _v(x):
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def text_diff(old: RuleBook, new: RuleBook) -> str:
    """A unified diff of article texts and parameters, per rule."""
    out = []
    for rid in sorted(set(old.ids()) | set(new.ids())):
        def doc(book):
            if rid not in book.ids():
                return []
            m = book.get(rid).model
            params = {k: [f"{_v(v.value)} from {v.from_}" for v in p.values] for k, p in m.parameters.items()}
            body = m.article.text + "\n" + yaml.safe_dump({"parameters": params}, allow_unicode=True, sort_keys=True)
            return body.splitlines()
        d = list(difflib.unified_diff(doc(old), doc(new), f"OLD/{rid}", f"NEW/{rid}", lineterm="", n=1))
        out.extend(d)
    return "\n".join(out)


def _key(f: pd.DataFrame) -> np.ndarray:
    """``status/reason`` per findings row (``status`` alone when there is no reason)."""
    st = f["status"].astype(str).to_numpy(dtype=object)
    rs = f["reason"].astype(str).to_numpy(dtype=object)
    return np.where(rs == "", st, st + "/" + rs).astype(object)


COLUMNS = ["date", "employee_id", "rule_id", "from", "to", "cause", "unit", "salary_scale", "age_band"]


def behavioural_diff(records, old: RuleBook, new: RuleBook, dates: list[dt.date]) -> dict:
    """Who changes, from → to, grouped by cause; with counts per unit, scale and age band.

    ``records`` is a RecordSet, a DataFrame (validated first) or a path; rejected rows are
    left out. Evaluation uses the vector engine, which is proven equal to the durable and
    reference engines.
    """
    from ..records import as_records
    from ..scenarios.projection import age_bands
    frame = as_records(records).frame
    rule_ids = sorted(set(old.ids()) | set(new.ids()))
    cands = changes(old, new)
    hybrids = []
    for c in cands:
        if c.apply is None:
            continue
        try:
            hybrids.append((c, c.apply(old)))
        except RuleError:
            continue  # a difference that cannot stand on its own (e.g. it needs a new parameter)
    attrs = frame.assign(employee_id=frame["employee_id"].astype(str)).set_index("employee_id")
    parts = []
    for day in dates:
        fo = _full(frame, old, day, rule_ids)
        fn = _full(frame, new, day, rule_ids)
        ko, kn = _key(fo), _key(fn)
        flipped = ko != kn
        if not flipped.any():
            continue
        cause = np.full(len(fo), None, dtype=object)
        for c, hybrid in hybrids:
            try:
                kc = _key(_full(frame, hybrid, day, rule_ids))
            except RuleError:
                continue
            hit = flipped & (kc == kn) & (kc != ko) & pd.isna(cause)
            cause[hit] = c.key
        cause[pd.isna(cause)] = "combination"
        idx = flipped.nonzero()[0]
        emp = fo["employee_id"].to_numpy(dtype=object)[idx]
        a = attrs.reindex(emp)
        parts.append(pd.DataFrame({
            "date": day.isoformat(), "employee_id": emp, "rule_id": fo["rule_id"].to_numpy(dtype=object)[idx],
            "from": ko[idx], "to": kn[idx], "cause": cause[idx],
            "unit": a["unit"].astype(str).to_numpy(), "salary_scale": a["salary_scale"].to_numpy(),
            "age_band": age_bands(a["birth_date"], day)}))
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    return {"changes": df[COLUMNS], "differences": [{"rule_id": c.rule_id, "kind": c.kind, "name": c.name, "key": c.key,
                             "en": c.text("en"), "nl": c.text("nl"), "behavioural": c.apply is not None}
                            for c in cands],
            "causes": {c.key: {"en": c.text("en"), "nl": c.text("nl")} for c in cands}, "text_diff": text_diff(old, new),
            "dates": [d.isoformat() for d in dates], "employees": int(frame["employee_id"].nunique()),
            "old": old.source, "new": new.source,
            # the reasons in words, from the rule files (the new draft's label wins)
            "reasons": {code: label for book in (old, new) for r in book.rules
                        for code, label in r.model.reason_labels().items()}}


def _full(records, book, day, rule_ids):
    """Findings for every rule id of either draft (a rule missing from a draft counts as not_in_force)."""
    present = [r for r in rule_ids if r in book.ids()]
    f = evaluate(records, book, day, rules=present) if present else None
    frame = getattr(records, "frame", records)
    parts = []
    for rid in rule_ids:
        if f is not None and rid in present:
            sub = f[f["rule_id"].astype(str) == rid]
            parts.append(pd.DataFrame({"employee_id": sub["employee_id"].astype(str).to_numpy(), "rule_id": rid,
                                       "status": sub["status"].astype(str).to_numpy(),
                                       "reason": sub["reason"].astype(str).to_numpy()}))
        else:
            n = len(frame)
            parts.append(pd.DataFrame({"employee_id": frame["employee_id"].astype(str).to_numpy(), "rule_id": rid,
                                       "status": ["not_in_force"] * n, "reason": [""] * n}))
    return pd.concat(parts, ignore_index=True)


def _label(key: str, lang: str, reasons: dict | None = None) -> str:
    """``status/reason`` in words: ``violation/no_pop`` -> ``Overtreding (nog geen POP)``."""
    from ..reports.text import reason_label, status_word
    status, _, reason = key.partition("/")
    word = status_word(status, reason, lang, reasons)
    return f"{word} ({reason_label(reason, lang, reasons)})" if reason else word


def render_markdown(d: dict, lang: str = "nl") -> str:
    from ..scenarios.projection import AGE_BANDS
    nl = lang == "nl"
    df = d["changes"]
    population = d.get("population", "")
    population = population.get(lang, "") if isinstance(population, dict) else population  # {nl, en} from the API
    out = [f"# {'Gedragsverschil tussen twee ontwerpen' if nl else 'Behavioural difference between two drafts'}", "",
           f"- {'oud' if nl else 'old'}: `{d['old']}`", f"- {'nieuw' if nl else 'new'}: `{d['new']}`",
           f"- {'peildata' if nl else 'dates'}: {', '.join(d['dates'])}",
           f"- {'bestand' if nl else 'population'}: {population} — {d['employees']} "
           f"{'medewerkers' if nl else 'employees'}", ""]
    out += [f"## {'Verschillen in de regels' if nl else 'Differences in the rules'}", ""]
    wording = " (alleen tekst)" if nl else " (wording only)"
    out += [f"- {x['rule_id']}: {x[lang]}{'' if x['behavioural'] else wording}" for x in d["differences"]] \
        or ["- (geen)" if nl else "- (none)"]
    out += ["", f"## {'Wie verandert, en waardoor' if nl else 'Who changes, and why'}", ""]
    if df.empty:
        out.append("Geen enkele medewerker verandert van status." if nl else "No employee changes status.")
    else:
        n_emp = df["employee_id"].nunique()
        out.append(f"{len(df)} {'statuswijzigingen bij' if nl else 'status changes for'} {n_emp} "
                   f"{'medewerkers' if nl else 'employees'}. "
                   + ("Elke wijziging is toegeschreven aan het ene verschil dat haar alleen al veroorzaakt; "
                      "'combination' betekent dat alleen verschillen samen haar veroorzaken."
                      if nl else "Each change is attributed to the one difference that causes it on its own; "
                      "'combination' means only differences together cause it."))
        out.append("")
        causes = d.get("causes", {})
        for (day, cause), sub in df.groupby(["date", "cause"], sort=True):
            why = causes.get(cause, {}).get(lang, "")
            out.append(f"### {day} — {cause}: {len(sub)} {'wijzigingen' if nl else 'changes'}")
            out.append("")
            if why:
                out += [f"{'Verschil' if nl else 'Difference'}: {why}", ""]
            for (frm, to), s2 in sub.groupby(["from", "to"], sort=True):
                ids = ", ".join(s2["employee_id"].head(12)) + (" …" if len(s2) > 12 else "")
                reasons = d.get("reasons")
                out.append(f"- {_label(frm, lang, reasons)} → {_label(to, lang, reasons)}: {len(s2)} ({ids})")
            out.append("")
        order = {lab: i for i, (_, _, lab) in enumerate(AGE_BANDS)}
        for key, title in (("unit", "Per organisatieonderdeel" if nl else "Per unit"),
                           ("salary_scale", "Per salarisschaal" if nl else "Per salary scale"),
                           ("age_band", "Per leeftijdsgroep" if nl else "Per age band")):
            t = pd.crosstab(df[key], [df["date"], df["rule_id"]])
            if key == "age_band":
                t = t.loc[sorted(t.index, key=lambda g: order.get(g, 99))]
            heads = [f"{r} ({day})" if len(d["dates"]) > 1 else str(r) for day, r in t.columns]
            out += [f"## {title}", "", "| | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
            for g, r in t.iterrows():
                out.append(f"| {g} | " + " | ".join(str(int(v)) for v in r) + " |")
            out.append("")
    if d["text_diff"]:
        out += [f"## {'Tekst en parameters' if nl else 'Text and parameters'}", "", "```diff", d["text_diff"], "```"]
    return "\n".join(out) + "\n"
