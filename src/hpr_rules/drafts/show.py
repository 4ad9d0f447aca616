"""A rule as a lawyer reads it (``hpr rules show``)."""

from __future__ import annotations

import datetime as dt
import textwrap

_L = {
    "nl": {"status": "Status", "version": "versie", "in_force": "In werking vanaf", "until": "tot en met",
           "article": "Artikeltekst", "params": "Parameters in werking op", "from": "sinds", "scope": "Reikwijdte",
           "ex": "Uitzonderingen (in deze volgorde)", "norm": "Norm", "basis": "Juridische grondslag",
           "aim": "Doel", "prop": "Evenredigheid", "none": "geen waarde", "otherwise": "daarna",
           "instrument": "Rechtsvorm", "evaluation": "Evaluatie uiterlijk", "aow": "AOW-leeftijd (gedeelde tabel)",
           "born_before": "geboren vóór", "born_from": "geboren vanaf", "everyone": "iedereen",
           "statutory": "wettelijk vastgesteld", "projection": "projectie", "unknown": "status onbekend",
           "years": "jaar", "months": "maanden", "reason": "reden"},
    "en": {"status": "Status", "version": "version", "in_force": "In force from", "until": "until",
           "article": "Article text", "params": "Parameters in force on", "from": "since", "scope": "Scope",
           "ex": "Exemptions (in this order)", "norm": "Norm", "basis": "Legal basis",
           "aim": "Aim", "prop": "Proportionality", "none": "no value", "otherwise": "later",
           "instrument": "Legal instrument", "evaluation": "Evaluation by", "aow": "State pension age (shared table)",
           "born_before": "born before", "born_from": "born from", "everyone": "everyone",
           "statutory": "statutory", "projection": "projection", "unknown": "status unknown",
           "years": "years", "months": "months", "reason": "reason"},
}


def render_rule(rule, day: dt.date, lang: str = "nl", pension=None) -> str:
    """The rule as text; with ``pension`` (the AOW table) its bands, status and source too."""
    m = rule.model
    t = _L[lang]
    out = [f"{m.title.get(lang)} ({m.id})", "=" * len(f"{m.title.get(lang)} ({m.id})"),
           f"{t['status']}: {m.status}, {t['version']} {m.version}; {m.article.reference}",
           f"{t['in_force']} {m.effective_from}" + (f" {t['until']} {m.valid_until}" if m.valid_until else "")
           + (f"; {t['evaluation']} {m.evaluation_date}" if m.evaluation_date else ""),
           f"{t['instrument']}: {m.legal_instrument or '-'}", "",
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
    from ..reports.text import reason_label
    labels = m.reason_labels()
    for i, ex in enumerate(m.exemptions, 1):
        desc = ex.description.get(lang) if ex.description else ""
        # the label as a reader reads it; the code as findings and test cases write it
        out.append(f"  {i}. {reason_label(ex.reason, lang, labels)} [{ex.reason}] ({ex.article}): {ex.condition}"
                   + (f"\n      {desc}" if desc else ""))
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
    from ..reports.text import status_word
    for r in n.reasons:
        art = f" ({r.article})" if r.article else ""
        party = f" — {status_word('violation', r.code, lang, labels)}" if r.party != "employee" else ""
        out.append(f"  {t['reason']}: {reason_label(r.code, lang, labels)} [{r.code}]{art}{party}: {r.when}")
    out += ["", f"{t['basis']}:"] + [f"  - {b.reference}" + (f": {b.note}" if b.note else "") for b in m.legal_basis]
    out += ["", f"{t['aim']}:", textwrap.indent(textwrap.fill(m.aim.get(lang), 96), "  "),
            "", f"{t['prop']}:", textwrap.indent(textwrap.fill(m.proportionality.get(lang), 96), "  ")]
    if pension is not None and "state_pension_date" in _names(m):
        out += ["", f"{t['aow']} — {pension.reference}:"]
        for i, b in enumerate(pension.bands):
            nxt = pension.bands[i + 1].born_from if i + 1 < len(pension.bands) else None
            parts = ([f"{t['born_from']} {b.born_from}"] if b.born_from else []) + \
                ([f"{t['born_before']} {nxt}"] if nxt else [])
            who = ", ".join(parts) or t["everyone"]
            status = t.get(b.status or "unknown")
            src = f"; {b.source}" if b.source else ""
            out.append(f"  {who}: {b.years} {t['years']} {b.months} {t['months']} ({status}{src})")
    return "\n".join(out)


def _names(m) -> str:
    return " ".join([m.scope.condition] + [e.condition for e in m.exemptions] + list(m.norm.let.values()))


def _v(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
