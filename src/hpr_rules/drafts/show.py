"""A rule as a lawyer reads it (``hpr rules show``)."""

from __future__ import annotations

import datetime as dt
import textwrap

_L = {
    "nl": {"status": "Status", "version": "versie", "in_force": "In werking vanaf", "until": "tot en met",
           "article": "Artikeltekst", "params": "Parameters in werking op", "from": "sinds", "scope": "Reikwijdte",
           "ex": "Uitzonderingen (in deze volgorde)", "norm": "Norm", "basis": "Juridische grondslag",
           "aim": "Doel", "prop": "Evenredigheid", "none": "geen waarde", "otherwise": "daarna"},
    "en": {"status": "Status", "version": "version", "in_force": "In force from", "until": "until",
           "article": "Article text", "params": "Parameters in force on", "from": "since", "scope": "Scope",
           "ex": "Exemptions (in this order)", "norm": "Norm", "basis": "Legal basis",
           "aim": "Aim", "prop": "Proportionality", "none": "no value", "otherwise": "later"},
}


def render_rule(rule, day: dt.date, lang: str = "nl") -> str:
    m = rule.model
    t = _L[lang]
    out = [f"{m.title.get(lang)} ({m.id})", "=" * len(f"{m.title.get(lang)} ({m.id})"),
           f"{t['status']}: {m.status}, {t['version']} {m.version}; {m.article.reference}",
           f"{t['in_force']} {m.effective_from}" + (f" {t['until']} {m.valid_until}" if m.valid_until else ""), "",
           f"{t['article']}:", textwrap.indent(m.article.text.rstrip(), "  "), "",
           f"{t['params']} {day.isoformat()}:"]
    for name, p in m.parameters.items():
        v = p.value_on(day)
        desc = p.description.get(lang) if p.description else ""
        val = f"{_v(v.value)} {p.unit}".strip() + f" ({t['from']} {v.from_})" if v else t["none"]
        later = [f"{_v(x.value)} {t['from']} {x.from_}" for x in p.values if x.from_ > day]
        ref = f" [{p.reference}]" if p.reference else ""
        out.append(f"  {name} = {val}{ref}" + (f"; {t['otherwise']}: {', '.join(later)}" if later else ""))
        if desc:
            out.append(f"      {desc}")
    out += ["", f"{t['scope']} ({m.scope.article}): {m.scope.condition}", "", f"{t['ex']}:"]
    for i, ex in enumerate(m.exemptions, 1):
        desc = ex.description.get(lang) if ex.description else ""
        out.append(f"  {i}. {ex.reason} ({ex.article}): {ex.condition}" + (f"\n      {desc}" if desc else ""))
    n = m.norm
    out += ["", f"{t['norm']} ({n.type}, {n.article}):"]
    if n.description:
        out.append(f"  {n.description.get(lang)}")
    for k, v in n.let.items():
        out.append(f"  {k} = {v}")
    if n.type == "deadline":
        out += [f"  due = {n.due}", f"  warn_months = {n.warn_months}"]
    else:
        out += [f"  required = {n.required}", f"  actual = {n.actual}", f"  pending = {n.pending}"]
    out += ["", f"{t['basis']}:"] + [f"  - {b.reference}" + (f": {b.note}" if b.note else "") for b in m.legal_basis]
    out += ["", f"{t['aim']}:", textwrap.indent(textwrap.fill(m.aim.get(lang), 96), "  "),
            "", f"{t['prop']}:", textwrap.indent(textwrap.fill(m.proportionality.get(lang), 96), "  ")]
    return "\n".join(out)


def _v(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
