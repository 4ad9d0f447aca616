"""Words of the reports: labels in Dutch and English, verdict sentences, comparison tables."""

from __future__ import annotations

import re

LABELS = {
    "nl": {
        "title": "Impactanalyse HPR-interventies", "feasible": "Uitvoerbaar", "not_feasible": "Niet uitvoerbaar",
        "verdict": "Oordeel", "per_year": "Per jaar", "rules": "De regels zoals opgesteld", "unit": "Per organisatieonderdeel",
        "salary_scale": "Per salarisschaal", "age_band": "Per leeftijdsgroep (WGBL-toets)",
        "assumptions": "Aannames", "provenance": "Herkomst", "year": "Jaar", "population": "Bezetting",
        "in_scope": "Binnen reikwijdte", "exempt": "Uitgezonderd", "compliant": "Voldoet", "due_soon": "Termijn loopt af",
        "violation": "Overtreding", "moves_required": "Verschuivingen nodig", "vacancies": "Aanpalende vacatures",
        "moves_made": "Verschuivingen gerealiseerd", "moves_unmet": "Niet verschoven", "cost": "Kosten (euro)",
        "cost_pop": "POP-gesprekken", "cost_development": "Ontwikkeluren", "cost_moves": "Verschuivingen",
        "group": "Groep", "employees": "Medewerkers", "share_violation": "Aandeel overtreding",
        "share_affected": "Aandeel geraakt", "parameters": "Parameters", "article": "Artikeltekst",
        "suppressed": "x: niet getoond, omdat het een groep van minder dan 5 medewerkers is of zo'n groep anders uit de andere getallen (totalen, andere tabellen, andere jaren) af te leiden zou zijn. Geen verborgen getal is uit de gepubliceerde getallen nauwkeuriger te bepalen dan op 5 na; in de grafieken is een verborgen getal gearceerd, op het midden van wat de tabellen toelaten.",
        "generated": "Gemaakt op", "scenario": "Scenario", "compare": "Scenario's naast elkaar",
        "status_chart": "Status per regel per jaar", "moves_chart": "Verschuivingen en aanpalende vacatures",
        "cost_chart": "Kosten per jaar", "age_chart": "Aandeel geraakt per leeftijdsgroep",
        "hires": "Instroom", "leavers": "Uitstroom", "retirements": "Pensioen", "budget": "Budget",
        "worst": "slechtste waarde", "threshold": "norm", "year_shown": "Peiljaar in deze tabellen",
        "bands": "Bandbreedte over runs (min / mediaan / max)", "disabled": "uitgeschakeld in dit scenario",
        "findings_title": "Controle personeelsbestand", "rule": "Regel", "total": "Totaal",
        "not_applicable": "Niet van toepassing", "not_in_force": "Niet in werking", "invalid": "Ongeldig record",
        "exempt_by": "Uitgezonderd: {}", "by_reason": "Uitkomsten met een reden", "outcome": "Uitkomst",
        "violation_by": "Overtreding: {}", "due_soon_by": "Termijn loopt af: {}",
        # an outcome whose reason is the employer's failing (a norm reason with party: employer)
        "violation_employer": "Tekortkoming werkgever", "due_soon_employer": "Termijn loopt af, werkgever aan zet",
        # reasons every rule gives (the decision order); a rule's own reasons are labelled in its file
        "not_employed": "niet in dienst op de peildatum", "out_of_scope": "valt buiten de reikwijdte",
        # why a timeline changes (hpr rules timeline)
        "why_in_force": "de regel is niet in werking", "why_employment": "niet in dienst",
        "why_scope": "buiten de reikwijdte: {cond}", "why_exemption": "uitzondering '{reason}' geldt ({desc}): {cond}",
        "why_ended": "uitzondering '{reason}' geldt niet meer", "why_violation": "de uiterste datum {due} is verstreken",
        "why_due_soon": "de signaleringstermijn vóór {due} is begonnen", "why_compliant": "de norm is gehaald",
        "why_pending": "het jaar is nog niet vol", "why_hours_violation": "het jaar is vol en de uren zijn niet gehaald",
        "why_param": "parameter {name}: {old} → {new}", "why_start": "begin van de periode",
        "why_due": "uiterste datum {due}", "why_reason": "{reason}: {cond}",
        "status_tables": "Status per regel per jaar (aantallen)",
        "hours": "Uren per jaar", "hours_pop": "Uren POP-gesprekken", "hours_development": "Ontwikkeluren",
        "advisor_fte": "Fte mobiliteitsadviseurs", "hours_development_obliged": "Ontwikkeluren van wie verplicht is",
        "flows": "In- en uitstroom en verschuivingen", "population_start": "Bezetting op de peildatum",
        "date": "Peildatum", "findings_source": "Bevindingen", "findings_hash": "SHA-256 van de bevindingen",
        "data_source": "Personeelsbestand", "reference_dates": "Peildata", "cost_total": "Totaal",
        "contract_ends": "Einde contract", "attrition": "Overig vertrek", "sick_exits": "Uit dienst na ziekte",
        "external": "Extern uitgestroomd", "population_end": "Bezetting aan het eind van het jaar",
        "positions": "Formatie (plaatsen)", "long_term_sick_count": "Langdurig ziek",
        "distinct_must_move": "Verschillende personen die moeten verschuiven", "attempts": "Begeleide pogingen",
        "moves_external": "Extern geplaatst", "dispensation_count": "Ontheffing gekregen",
        "voluntary_made": "Vrijwillig van functie gewisseld (doorstroom)",
        "voluntary_for_rule": "waarvan wie moest verschuiven (telt mee voor de regel)",
        "voluntary_for_rule_demanding": "van hen naar een andere fysiek belastende functie",
        "scale_down": "Verschoven naar een lagere schaal", "scale_up": "Verschoven naar een hogere schaal",
        "model_note": "Kerncijfers, effecten en bandbreedtes zijn statistieken over gesimuleerde toekomsten (runs), geen tellingen van echte personen; de tabellen per jaar tonen één representatieve run, beschermd als hieronder.",
        "cost_talks": "Gesprekken", "cost_replacement": "Vervanging tijdens ontwikkeluren",
        "cost_advisors": "Mobiliteitsadviseurs", "cost_recruitment": "Werving",
        "cost_salary_guarantee": "Salarisgarantie", "cost_external": "Externe trajecten",
        "headline": "Kerncijfers (mediaan, P10–P90 over de runs)",
        "headline_note": "Totalen over de hele looptijd tellen personen één keer; pieken zijn het hoogste jaar.",
        "effects": "Effect van de regels: beleid min basis (geen regels), mediaan en P10–P90",
        "policy": "Beleid", "baseline": "Basis", "difference": "Verschil",
        "fte_band": "Per deeltijdfactor", "gender": "Per geslacht",
        "tornado": "Welke aanname bepaalt het oordeel (gevoeligheid)", "tornado_low": "lage waarde",
        "tornado_high": "hoge waarde", "tornado_axis": "gemiddeld aandeel runs waarin de criteria gelden",
        "tornado_margin": "gemiddelde marge tot de normen (0 = op de grens)",
        "tornado_note": "Elke aanname apart op de lage en de hoge waarde, de rest zoals in het scenario.",
        "burden": "Wie draagt de last (WGBL-toets)", "burden_year": "Eerste jaar met effect van de regel",
        "burden_none": "In geen enkel jaar heeft de regel effect (geen overtredingen, geen verschuivingen).",
        "moved": "Verschoven", "must_move": "Moet verschuiven", "share_of_runs": "in {} van de runs",
        "source": "Bron", "runs": "Runs", "priority": "Volgorde van begeleiding",
        "persons_must_move": "Personen die moeten verschuiven (looptijd)",
        "persons_moved": "Personen verschoven (looptijd)", "persons_external": "Personen extern uitgestroomd (looptijd)",
        "peak_moves_required": "Piek verschuivingen nodig in een jaar",
        "peak_moves_unmet": "Piek niet verschoven in een jaar", "peak_advisor_fte": "Piek fte mobiliteitsadviseurs",
        "extra_cost_horizon": "Extra kosten (looptijd, euro)",
        "extra_development_hours_horizon": "Extra ontwikkeluren (looptijd)",
        "headcount_change_end": "Verschil in bezetting aan het eind",
        "benefit_sickness_horizon": "Baat: minder langdurig verzuim (looptijd, euro; aanname)",
        "compare_verdict": "Oordeel per scenario", "criterion": "Criterium",
        "compare_verdict_note": "✓ het criterium geldt, ✗ het geldt niet; het percentage is het aandeel van de runs waarin het geldt. —: niet in dit scenario.",
        "crit_violation_share": "{}: aandeel overtreding onder {}", "from_year": "vanaf {}",
        "crit_moves_within_vacancies": "{}: genoeg aanpalende vacatures voor de verschuivingen",
        "crit_advisor_capacity": "{}: binnen de capaciteit van de mobiliteitsadviseurs",
        "crit_budget": "Kosten bovenop de wereld zonder de regels: hoogstens {} per jaar",
        "compare_per_year": "Per jaar, de scenario's naast elkaar",
        "extra_cost_year": "Kosten bovenop de wereld zonder de regels (euro; mediaan, P10–P90)",
        "compare_groups": "Per groep in {}", "compare_year_note": "Alle tabellen per groep tonen voor elk scenario hetzelfde jaar: {} (te kiezen met --year). Aantallen uit de representatieve run van elk scenario; verschuivingen per leeftijdsgroep zijn medianen over de runs.",
        "violation_share_chart": "Aandeel overtreding per regel in {} (%)",
        "extra_cost_chart": "Kosten bovenop de wereld zonder de regels (mediaan over de runs)",
        "compare_burden": "Moet verschuiven en verschoven per leeftijdsgroep in {} (mediaan over de runs)",
        "differences": "Waarin de scenario's verschillen", "setting": "Instelling", "rule_in_force": "Regel in werking",
        # where the records come from (the provenance's data source)
        "source_synthetic": "synthetische populatie (n={n}, seed {seed}, per {date})",
        "source_file": "{source} ({read} rijen, {rejected} afgekeurd)", "source_frame": "gegevenstabel ({n} rijen)",
        "source_records": "{source} ({read} rijen gelezen, {rejected} afgekeurd en buiten beschouwing)",
        # the values of a setting with a fixed set of choices, as SETTING=VALUE (scenarios/model.py)
        "dynamics.internal_moves.targets=unit": "elke functie in het eigen organisatieonderdeel",
        "dynamics.internal_moves.targets=adjacent": "alleen aanpalende functies",
        "mobility.priority=due_date": "vroegste uiterste datum eerst",
        "mobility.priority=random": "loting over iedereen",
        "mobility.priority=lottery": "eerst wie in overtreding is, loting daarbinnen",
        "engine=vector": "vectorieel (numpy)", "engine=durable": "regelsysteem (durable_rules)",
        "engine=reference": "referentie-interpreter",
    },
    "en": {
        "title": "Impact analysis of the HPR interventions", "feasible": "Feasible", "not_feasible": "Not feasible",
        "verdict": "Verdict", "per_year": "Per year", "rules": "The rules as drafted", "unit": "Per organisational unit",
        "salary_scale": "Per salary scale", "age_band": "Per age band (WGBL check)",
        "assumptions": "Assumptions", "provenance": "Provenance", "year": "Year", "population": "Workforce",
        "in_scope": "In scope", "exempt": "Exempt", "compliant": "Compliant", "due_soon": "Due soon",
        "violation": "Violation", "moves_required": "Moves required", "vacancies": "Adjacent vacancies",
        "moves_made": "Moves made", "moves_unmet": "Not moved", "cost": "Cost (euro)",
        "cost_pop": "POP talks", "cost_development": "Development hours", "cost_moves": "Moves",
        "group": "Group", "employees": "Employees", "share_violation": "Share in violation",
        "share_affected": "Share affected", "parameters": "Parameters", "article": "Article text",
        "suppressed": "x: not shown, because it is a group of fewer than 5 employees or such a group could otherwise be derived from the other numbers (totals, other tables, other years). No hidden number can be told from the published numbers more precisely than within 5; in the charts a hidden number is hatched, at the middle of what the tables allow.",
        "generated": "Generated", "scenario": "Scenario", "compare": "Scenarios side by side",
        "status_chart": "Status per rule per year", "moves_chart": "Moves and adjacent vacancies",
        "cost_chart": "Cost per year", "age_chart": "Share affected per age band",
        "hires": "Hires", "leavers": "Leavers", "retirements": "Retirements", "budget": "Budget",
        "worst": "worst value", "threshold": "threshold", "year_shown": "Year shown in these tables",
        "bands": "Band over runs (min / median / max)", "disabled": "switched off in this scenario",
        "findings_title": "Personnel file check", "rule": "Rule", "total": "Total",
        "not_applicable": "Not applicable", "not_in_force": "Not in force", "invalid": "Invalid record",
        "exempt_by": "Exempt: {}", "by_reason": "Outcomes with a reason", "outcome": "Outcome",
        "violation_by": "Violation: {}", "due_soon_by": "Due soon: {}",
        # an outcome whose reason is the employer's failing (a norm reason with party: employer)
        "violation_employer": "Employer's failing", "due_soon_employer": "Due soon, employer to act",
        # reasons every rule gives (the decision order); a rule's own reasons are labelled in its file
        "not_employed": "not employed on the reference date", "out_of_scope": "out of scope",
        # why a timeline changes (hpr rules timeline)
        "why_in_force": "the rule is not in force", "why_employment": "not employed",
        "why_scope": "out of scope: {cond}", "why_exemption": "exemption '{reason}' holds ({desc}): {cond}",
        "why_ended": "exemption '{reason}' no longer holds", "why_violation": "the due date {due} has passed",
        "why_due_soon": "the warning period before {due} has begun", "why_compliant": "the norm is met",
        "why_pending": "the year is not complete yet", "why_hours_violation": "the year is complete and the hours fall short",
        "why_param": "parameter {name}: {old} → {new}", "why_start": "start of the period",
        "why_due": "due date {due}", "why_reason": "{reason}: {cond}",
        "status_tables": "Status per rule per year (counts)",
        "hours": "Hours per year", "hours_pop": "Hours of POP talks", "hours_development": "Development hours",
        "advisor_fte": "Mobility advisor fte", "hours_development_obliged": "Development hours of those obliged",
        "flows": "Inflow, outflow and moves", "population_start": "Workforce on the reference date",
        "date": "Reference date", "findings_source": "Findings", "findings_hash": "SHA-256 of the findings",
        "data_source": "Personnel file", "reference_dates": "Reference dates", "cost_total": "Total",
        "contract_ends": "Contract ended", "attrition": "Other leavers", "sick_exits": "Left after sickness",
        "external": "Placed externally", "population_end": "Workforce at the end of the year",
        "positions": "Formation (positions)", "long_term_sick_count": "Long-term sick",
        "distinct_must_move": "Distinct persons who must move", "attempts": "Guided attempts",
        "moves_external": "Placed externally", "dispensation_count": "Dispensation granted",
        "voluntary_made": "Changed function of their own accord (internal moves)",
        "voluntary_for_rule": "of whom had to move (counts for the rule)",
        "voluntary_for_rule_demanding": "of those, to another physically demanding function",
        "scale_down": "Moved to a lower scale", "scale_up": "Moved to a higher scale",
        "model_note": "Key numbers, effects and bands are statistics over simulated futures (runs), not counts of real persons; the tables per year show one representative run, protected as below.",
        "cost_talks": "Talks", "cost_replacement": "Replacement during development hours",
        "cost_advisors": "Mobility advisors", "cost_recruitment": "Recruitment",
        "cost_salary_guarantee": "Salary guarantee", "cost_external": "External trajectories",
        "headline": "Key numbers (median, P10–P90 over the runs)",
        "headline_note": "Totals over the horizon count persons once; peaks are the highest year.",
        "effects": "Effect of the rules: policy minus baseline (no rules), median and P10–P90",
        "policy": "Policy", "baseline": "Baseline", "difference": "Difference",
        "fte_band": "Per part-time factor", "gender": "Per gender",
        "tornado": "Which assumption decides the verdict (sensitivity)", "tornado_low": "low value",
        "tornado_high": "high value", "tornado_axis": "mean share of runs in which the criteria hold",
        "tornado_margin": "mean margin to the thresholds (0 = on the line)",
        "tornado_note": "Each assumption alone at its low and its high value, the rest as in the scenario.",
        "burden": "Who carries the burden (WGBL check)", "burden_year": "First year in which the rule has effects",
        "burden_none": "The rule has no effect in any year (no violations, no moves).",
        "moved": "Moved", "must_move": "Must move", "share_of_runs": "in {} of the runs",
        "source": "Source", "runs": "Runs", "priority": "Order of guidance",
        "persons_must_move": "Persons who must move (horizon)",
        "persons_moved": "Persons moved (horizon)", "persons_external": "Persons leaving externally (horizon)",
        "peak_moves_required": "Peak moves required in a year",
        "peak_moves_unmet": "Peak not moved in a year", "peak_advisor_fte": "Peak mobility advisor fte",
        "extra_cost_horizon": "Extra cost (horizon, euro)",
        "extra_development_hours_horizon": "Extra development hours (horizon)",
        "headcount_change_end": "Difference in headcount at the end",
        "benefit_sickness_horizon": "Benefit: less long-term sickness (horizon, euro; assumption)",
        "compare_verdict": "Verdict per scenario", "criterion": "Criterion",
        "compare_verdict_note": "✓ the criterion holds, ✗ it does not; the percentage is the share of runs in which it holds. —: not in this scenario.",
        "crit_violation_share": "{}: share in violation below {}", "from_year": "from {}",
        "crit_moves_within_vacancies": "{}: enough adjacent vacancies for the moves",
        "crit_advisor_capacity": "{}: within the capacity of the mobility advisors",
        "crit_budget": "Cost beyond the world without the rules: at most {} per year",
        "compare_per_year": "Per year, the scenarios side by side",
        "extra_cost_year": "Cost beyond the world without the rules (euro; median, P10–P90)",
        "compare_groups": "Per group in {}", "compare_year_note": "Every table per group shows the same year for each scenario: {} (chosen with --year). Counts from each scenario's representative run; moves per age band are medians over the runs.",
        "violation_share_chart": "Share in violation per rule in {} (%)",
        "extra_cost_chart": "Cost beyond the world without the rules (median over the runs)",
        "compare_burden": "Must move and moved per age band in {} (median over the runs)",
        "differences": "How the scenarios differ", "setting": "Setting", "rule_in_force": "Rule in force",
        # where the records come from (the provenance's data source)
        "source_synthetic": "synthetic population (n={n}, seed {seed}, as of {date})",
        "source_file": "{source} ({read} rows, {rejected} rejected)", "source_frame": "data frame ({n} rows)",
        "source_records": "{source} ({read} rows read, {rejected} rejected and left out)",
        # the values of a setting with a fixed set of choices, as SETTING=VALUE (scenarios/model.py)
        "dynamics.internal_moves.targets=unit": "any function in the own unit",
        "dynamics.internal_moves.targets=adjacent": "adjacent functions only",
        "mobility.priority=due_date": "earliest due date first",
        "mobility.priority=random": "by lot among everyone",
        "mobility.priority=lottery": "violations first, by lot within",
        "engine=vector": "vector (numpy)", "engine=durable": "rule system (durable_rules)",
        "engine=reference": "reference interpreter",
    },
}


def short_title(result, rid, lang):
    """The rule's short label from its rule file (``short_title``, else its title)."""
    for r in result["rules"]:
        if r["id"] == rid:
            label = r.get("short_title") or r.get("title")
            if label:
                return label[lang]
    return rid


def reason_label(reason: str, lang: str = "nl", labels: dict | None = None) -> str:
    """A reason code as a reader reads it: the rule file's label (``labels``: code ->
    {nl, en}, see ``RuleFile.reason_labels``), else the catalogue's label of a reason every
    rule gives (``not_employed``, ``out_of_scope``), else the code as words; never the code.

    >>> reason_label("no_offer", "nl", {"no_offer": {"nl": "geen aanbod van de werkgever", "en": "no offer"}})
    'geen aanbod van de werkgever'
    >>> reason_label("out_of_scope", "en"), reason_label("some_new_reason", "en")
    ('out of scope', 'some new reason')
    """
    if labels and lang in labels.get(reason, {}):
        return labels[reason][lang]
    return LABELS[lang].get(reason) or words(reason)


def source_label(kind: str, **fields) -> dict[str, str]:
    """Where the records come from, in Dutch and English (``kind``: synthetic, file, frame,
    records: a file whose rejected rows are left out).

    >>> source_label("synthetic", n=200, seed=1, date="2026-01-01")["nl"]
    'synthetische populatie (n=200, seed 1, per 2026-01-01)'
    """
    return {lang: LABELS[lang][f"source_{kind}"].format(**fields) for lang in LABELS}


def status_word(status: str, reason: str, lang: str = "nl", labels: dict | None = None,
                plain: dict | None = None) -> str:
    """A status as a reader reads it: the catalogue's word (or ``plain``'s, a caller's own
    wording of the statuses), except that an outcome whose reason is the employer's failing
    (``party: employer`` in the rule file, see ``RuleFile.reason_labels``) is worded so.

    >>> labels = {"not_offered": {"nl": "geen aanbod", "en": "no offer", "party": "employer"}}
    >>> status_word("violation", "not_offered", "nl", labels), status_word("violation", "no_pop", "en", labels)
    ('Tekortkoming werkgever', 'Violation')
    """
    if party(status, reason, labels) == "employer":
        word = LABELS[lang][f"{status}_employer"]
        return word[:1].lower() + word[1:] if plain and plain.get(status, "")[:1].islower() else word
    return (plain or LABELS[lang]).get(status, status)


def party(status: str, reason: str | None, labels: dict | None = None) -> str | None:
    """Whose failing (or turn to act) an outcome is, as :func:`status_word` words it:
    ``employer`` for a status with an employer's wording (violation, due_soon) whose reason
    has ``party: employer``, ``employee`` for such a status otherwise, None for an outcome
    that asks nobody to act (compliant, exempt, ...).

    >>> labels = {"no_offer": {"nl": "geen aanbod", "en": "no offer", "party": "employer"}}
    >>> party("violation", "no_offer", labels), party("due_soon", None, labels), party("exempt", "no_offer", labels)
    ('employer', 'employee', None)
    """
    if f"{status}_employer" not in LABELS["en"]:
        return None
    employer = bool(reason) and (labels or {}).get(reason, {}).get("party") == "employer"
    return "employer" if employer else "employee"


def outcome_label(status: str, reason: str, lang: str = "nl", labels: dict | None = None) -> str:
    """A status with its reason, as the reports' tables name an outcome.

    >>> outcome_label("violation", "not_offered", "en", {"not_offered": {"nl": "-", "en": "no offer", "party": "employer"}})
    "Employer's failing: no offer"
    >>> outcome_label("violation", "no_pop", "nl", {"no_pop": {"nl": "nog geen POP", "en": "no POP yet"}})
    'Overtreding: nog geen POP'
    """
    if not reason:
        return LABELS[lang].get(status, status)
    word, label = status_word(status, reason, lang, labels), reason_label(reason, lang, labels)
    if word == LABELS[lang].get(status) and f"{status}_by" in LABELS[lang]:
        return LABELS[lang][f"{status}_by"].format(label)
    return f"{word}: {label}"


def result_reason_label(result, rid, reason, lang):
    """The label of ``reason`` of rule ``rid`` in a scenario result (from the rule file)."""
    for r in result["rules"]:
        if r["id"] == rid:
            return reason_label(reason, lang, r.get("reasons"))
    return reason_label(reason, lang)


def rule_title(result, rid, lang):
    for r in result["rules"]:
        if r["id"] == rid and r.get("title"):
            return r["title"][lang]
    return rid


def _count(x, lang="nl"):
    """A number of people as a reader writes it: whole (a median over runs may end in ,5),
    with a thousands separator."""
    s = f"{int(round(x)):,}"
    return s.replace(",", ".") if lang == "nl" else s


def _pct(x, lang="nl"):
    s = f"{100 * x:.1f}%"
    return s.replace(".", ",") if lang == "nl" else s


_UNSET = object()


def criterion_sentence(result, c, lang="nl", worst=_UNSET) -> str:
    """One sentence per criterion, with the share of runs in which it holds. ``worst`` None:
    the worst value rests on a cell the report hides, and the sentence quotes no number."""
    text = _criterion_text(result, c, lang, c["worst_value"] if worst is _UNSET else worst)
    if "share_passed" in c:
        share = _pct(c["share_passed"], lang)
        text += (f" Geldt in {share} van de {result['feasibility'].get('runs', 1)} runs." if lang == "nl" else
                 f" Holds in {share} of {result['feasibility'].get('runs', 1)} runs.")
    return text


def _criterion_text(result, c, lang, w) -> str:
    ok = c["passed"]
    year = c["first_failing_year"]
    nl = lang == "nl"
    if c["kind"] == "violation_share":
        name = rule_title(result, c["rule_id"], lang)
        if nl:
            return (f"{name}: het aandeel overtredingen blijft vanaf {c['from'][:4]} onder {_pct(c['threshold'], lang)}"
                    + (f" (hoogste {_pct(w, lang)})." if w is not None else ".") if ok else
                    f"{name}: vanaf {year} is " + (f"tot {_pct(w, lang)} " if w is not None else "een te groot deel ")
                    + f"van de medewerkers binnen de reikwijdte in overtreding, boven de norm van "
                    f"{_pct(c['threshold'], lang)}.")
        return (f"{name}: the share of violations stays below {_pct(c['threshold'], lang)} from {c['from'][:4]}"
                + (f" (highest {_pct(w, lang)})." if w is not None else ".") if ok else
                f"{name}: from {year} " + (f"up to {_pct(w, lang)} " if w is not None else "too large a share ")
                + f"of employees in scope are in violation, above the threshold of {_pct(c['threshold'], lang)}.")
    if c["kind"] == "moves_within_vacancies":
        name = rule_title(result, c["rule_id"], lang)
        if nl:
            return (f"{name}: er zijn elk jaar genoeg aanpalende vacatures voor de nodige verschuivingen." if ok else
                    f"{name}: vanaf {year} zijn er niet genoeg aanpalende vacatures voor de nodige verschuivingen"
                    + (f"; in het slechtste jaar ontbreken er {_count(w, lang)}." if w is not None else "."))
        return (f"{name}: every year there are enough adjacent vacancies for the moves required." if ok else
                f"{name}: from {year} there are not enough adjacent vacancies for the moves required"
                + (f"; {_count(w, lang)} short in the worst year." if w is not None else "."))
    if c["kind"] == "advisor_capacity":
        name = rule_title(result, c["rule_id"], lang)
        if nl:
            return (f"{name}: de mobiliteitsadviseurs kunnen elk jaar iedereen begeleiden die moet verschuiven." if ok
                    else f"{name}: vanaf {year} moeten meer mensen verschuiven dan de adviseurs kunnen begeleiden"
                    + (f"; in het slechtste jaar {_count(w, lang)} te veel." if w is not None else "."))
        return (f"{name}: every year the mobility advisors can guide everyone who must move." if ok else
                f"{name}: from {year} more people must move than the advisors can guide"
                + (f"; {_count(w, lang)} too many in the worst year." if w is not None else "."))
    if c["kind"] == "budget":
        highest_nl = f" (hoogste € {w:,.0f})" if w is not None else ""
        highest_en = f" (highest € {w:,.0f})" if w is not None else ""
        if nl:
            return (f"Kosten bovenop niets doen: elk jaar binnen het budget van € {c['threshold']:,.0f}."
                    .replace(",", ".") if ok else
                    f"Kosten: in {year} boven het budget van € {c['threshold']:,.0f}{highest_nl}.".replace(",", "."))
        return (f"Cost beyond doing nothing: within the budget of € {c['threshold']:,.0f} every year." if ok else
                f"Cost: above the budget of € {c['threshold']:,.0f} from {year}{highest_en}.")
    return str(c)


def verdict_sentences(result, lang="nl") -> list[str]:
    t = LABELS[lang]
    f = result["feasibility"]
    head = f"{result['scenario']['name']}: {t['feasible'] if f['feasible'] else t['not_feasible']}"
    if not f["criteria"]:
        head += " (geen criteria opgegeven)" if lang == "nl" else " (no criteria given)"
    return [head] + [("  ✓ " if c["passed"] else "  ✗ ") + criterion_sentence(result, c, lang) for c in f["criteria"]]


def comparison_table(results, lang="nl", year=None) -> str:
    """For a terminal: the verdict and key numbers of a comparison, scenarios as numbered
    columns, with the same cells hidden as in the comparison report."""
    import pandas as pd

    from .compare import prepare_comparison
    rep = prepare_comparison(results, lang, year, charts=False)
    refs = [f"[{i + 1}]" for i in range(len(results))]
    blocks = []
    for section in ("verdict", "headline"):
        for tb in rep["tables"][section]:
            head = tb["header"][0] or ""
            width = max([len(head)] + [len(label) for label, _ in tb["rows"]])
            rows = [[label.ljust(width)] + [text for text, _ in cells] for label, cells in tb["rows"]]
            blocks.append(pd.DataFrame(rows, columns=[head.ljust(width)] + refs).to_string(index=False))
    names = "\n".join(f"{ref} {name}" for ref, name in zip(refs, rep["names"]))
    return "\n\n".join(blocks) + "\n\n" + names


def year_table(result, lang="nl") -> str:
    """The projection year by year, for a terminal: the report's per-year table, with the
    same cells hidden."""
    import pandas as pd

    from .render import prepare
    rep = prepare(result, lang, charts=False)
    tb = rep["tables"]["per_year"][0]
    return pd.DataFrame([[label] + [text for text, _ in cells] for label, cells in tb["rows"]],
                        columns=tb["header"]).to_string(index=False)


# Labels for the keys of a scenario result (assumptions, provenance, settings), Dutch and English.
# A key the catalogue does not know is written as words, never as a code.

KEY_WORDS = {
    # groups
    "dynamics": ("Personeelsverloop", "Workforce dynamics"), "mobility": ("Mobiliteit", "Mobility"),
    "hours": ("Uren", "Hours"), "costs": ("Kosten", "Costs"), "benefits": ("Baten", "Benefits"),
    "criteria": ("Criteria", "Criteria"), "population": ("Populatie", "Population"),
    "overrides": ("Afwijkingen van de regels", "Rule overrides"),
    # dynamics
    "retire_at_state_pension_age": ("met pensioen op de AOW-leeftijd", "retire at state pension age"),
    "attrition": ("vertrek om andere redenen", "other leavers"), "by_age": ("per leeftijd", "by age"),
    "early_service_years": ("jaren met extra vroeg vertrek", "years of early leaving"),
    "early_rate": ("vertrek in de eerste jaren", "early leaving rate"),
    "contract_conversion": ("tijdelijk contract wordt vast", "temporary contracts made permanent"),
    "hires": ("instroom", "hires"), "fill_rate": ("deel van de open plaatsen vervuld", "share of open places filled"),
    "lag_months": ("wervingstijd (maanden)", "recruitment lag (months)"),
    "age_profile": ("leeftijd bij instroom", "age at hire"), "temporary_share": ("deel met tijdelijk contract", "share temporary"),
    "temporary_months": ("duur tijdelijk contract (maanden)", "temporary contract (months)"),
    "sickness": ("langdurig verzuim", "long-term sickness"), "incidence_by_age": ("nieuwe gevallen per leeftijd", "new cases by age"),
    "persistence_by_age": ("blijft ziek, per leeftijd", "stays sick, by age"),
    "exit_after_weeks": ("uit dienst na (weken ziekte)", "leaves after (weeks sick)"),
    "formation_file": ("formatiebestand", "formation file"), "growth_rate": ("groei van de formatie", "formation growth"),
    "internal_moves": ("vrijwillige doorstroom", "voluntary internal moves"),
    "by_years_in_function": ("per jaren in de functie", "by years in the function"),
    "targets": ("naar welke functies", "to which functions"),
    # mobility
    "rule": ("regel", "rule"), "lookahead_months": ("vooruitkijken (maanden)", "look ahead (months)"),
    "advisor_capacity": ("capaciteit mobiliteitsadviseurs", "mobility advisor capacity"),
    "priority": ("volgorde van begeleiding", "order of guidance"),
    "priority_over_voluntary": ("voorrang boven vrijwillige doorstroom", "priority over voluntary moves"), "max_scale_up": ("hoogstens schalen omhoog", "at most scales up"),
    "max_scale_down": ("hoogstens schalen omlaag", "at most scales down"),
    "extra_positions_per_year": ("extra plaatsen per jaar", "extra positions per year"),
    "vacancy_rate": ("extra vacatures (deel van de formatie)", "extra vacancies (share of formation)"),
    "extra_vacancies_per_year": ("extra vacatures per jaar", "extra vacancies per year"),
    "dispensation_share": ("deel met ontheffing", "share with dispensation"),
    "dispensation_months": ("duur ontheffing (maanden)", "dispensation (months)"),
    "external": ("externe trajecten", "external trajectories"), "rate": ("aandeel", "rate"), "cost": ("kosten", "cost"),
    # hours
    "talks": ("gesprekken", "talks"), "field": ("veld", "field"), "realisation": ("deel gevoerd", "share held"),
    "hours_per_talk": ("uren per gesprek", "hours per talk"), "pop_realisation": ("deel POP-gesprekken gevoerd", "share of POP talks held"),
    "development": ("ontwikkeling", "development"), "development_hours": ("ontwikkeluren", "development hours"),
    "hours_without_rules": ("uren zonder de regels", "hours without the rules"), "mean": ("gemiddeld", "mean"),
    "sd": ("spreiding", "sd"), "attrition_rate": ("vertrek per jaar", "attrition per year"),
    "hire_rate": ("instroom per jaar", "hires per year"), "long_term_sick_share": ("deel langdurig ziek", "share long-term sick"),
    # costs
    "hourly_cost": ("loonkosten per uur", "wage cost per hour"), "training_cost_per_hour": ("opleidingskosten per uur", "training cost per hour"),
    "replacement_share": ("deel vervangen tijdens ontwikkeluren", "share replaced during development hours"),
    "cost_per_move": ("kosten per verschuiving", "cost per move"), "advisor_fte_cost": ("kosten per fte adviseur", "cost per advisor fte"),
    "attempts_per_advisor_fte": ("pogingen per fte adviseur", "attempts per advisor fte"),
    "recruitment_per_hire": ("wervingskosten per aanname", "recruitment cost per hire"),
    "salary_step_per_year": ("salarisgarantie per stap per jaar", "salary guarantee per step per year"),
    "pop_talk_hours": ("uren per POP-gesprek", "hours per POP talk"),
    "sickness_factor_after_move": ("verzuimfactor na verschuiving", "sickness factor after a move"),
    "cost_per_sick_year": ("kosten per verzuimjaar", "cost per year of sickness"),
    # criteria
    "after": ("vanaf", "from"), "max_violation_share": ("hoogstens aandeel overtreding", "at most share in violation"),
    "moves_within_vacancies": ("verschuivingen binnen de vacatures", "moves within vacancies"),
    "budget_per_year": ("budget per jaar", "budget per year"), "min_share_of_runs": ("in ten minste dit deel van de runs", "in at least this share of runs"),
    # population
    "synthetic": ("synthetisch", "synthetic"), "n": ("aantal", "number"), "seed": ("startwaarde toeval", "random seed"),
    "file": ("bestand", "file"), "mapping": ("kolomindeling", "column mapping"), "filters": ("filters", "filters"),
    "absences": ("afwezigheid (bestand)", "absences (file)"),
    "dispensations": ("ontheffingen per regel (bestand)", "dispensations per rule (file)"),
    "unit": ("organisatieonderdeel", "unit"), "function_code": ("functiecode", "function code"),
    "max_salary_scale": ("hoogste schaal", "highest scale"), "min_salary_scale": ("laagste schaal", "lowest scale"),
    # scenario and provenance
    "name": ("naam", "name"), "description": ("omschrijving", "description"), "reference_date": ("peildatum", "reference date"),
    "horizon_years": ("jaren vooruit", "years ahead"), "runs": ("runs", "runs"),
    "tool_version": ("versie hpr-rules", "hpr-rules version"), "rules_version": ("versie van de regels", "rules version"),
    "rules_hash": ("SHA-256 van de regels", "SHA-256 of the rules"), "rules_source": ("map met regels", "rules directory"),
    "data_hash": ("SHA-256 van de gegevens", "SHA-256 of the data"), "data_source": ("gegevens", "data"),
    "engine": ("rekenwijze", "engine"), "generated_at": ("gemaakt op", "generated at"),
    "representative_seed": ("run in de tabellen per jaar", "run in the tables per year"),
}


def words(key: str) -> str:
    """A code as words: ``early_rate`` -> ``early rate``."""
    return re.sub(r"[_]+", " ", str(key)).strip()


def key_label(key: str, lang: str = "nl", extra: dict | None = None) -> str:
    """A dotted key of the result as a reader reads it: each part from the catalogue (or
    ``extra``: rule ids to titles), otherwise as words. First letter capital."""
    i = 0 if lang == "nl" else 1
    parts = []
    for part in str(key).split("."):
        if extra and part in extra:
            parts.append(extra[part])
        elif part in KEY_WORDS:
            parts.append(KEY_WORDS[part][i])
        else:
            parts.append(words(part))
    text = " — ".join(parts)
    return text[:1].upper() + text[1:]


def _identifiers(d) -> bool:
    return isinstance(d, dict) and bool(d) and all(re.fullmatch(r"[a-z][a-z0-9_]*", str(k)) for k in d)


def option_label(key: str, value, lang: str = "nl"):
    """The value of setting ``key`` (dotted) in words when the setting is one of a fixed set
    of choices (``dynamics.internal_moves.targets`` ``unit``), from the label catalogue;
    any other value as it is."""
    if isinstance(value, str) and not isinstance(value, bool):
        return LABELS[lang].get(f"{key}={value}", value)
    return value


def setting_rows(groups: dict, lang: str, val, extra: dict | None = None, prefix: str = "") -> list:
    """(label, value) rows of nested settings: a mapping of named settings is unfolded, a
    mapping of data (age bands) stays one value; a choice among fixed options is in words."""
    rows = []
    for k, v in groups.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if _identifiers(v):
            rows += setting_rows(v, lang, val, extra, key)
        else:  # a rule named by its id is named by its title
            v = option_label(key, v, lang)
            rows.append((key_label(key, lang, extra), val(extra.get(v, v) if extra and isinstance(v, str) else v)))
    return rows


def with_titles(text: str, titles: dict) -> str:
    """Rule ids in a text (a version line) replaced by the rules' titles."""
    for rid, title in titles.items():
        text = re.sub(rf"\b{re.escape(rid)}\b", title, text)
    return text
