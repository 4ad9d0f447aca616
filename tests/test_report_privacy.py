"""Disclosure control: an intruder with a linear-programming solver attacks the numbers read
back out of rendered reports (HTML, Markdown, Excel) and must not narrow any hidden cell to
an interval narrower than 5."""

import datetime as dt
import html.parser
import io
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hpr_rules.reports.privacy import (HIDDEN, MIN_WIDTH, Constraint, Linked, attack, audit, protect,
                                       ratio_bounds)
from hpr_rules.reports.tables import Band, Num, Share, Sum


# --- reading a report back ---------------------------------------------------------------

class _Tables(html.parser.HTMLParser):
    """Every <table data-table=...> of a page: its rows of cell texts (header row dropped)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cur, self._row, self._cell = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-table" in a:
            self._cur = []
            self.tables.append((a["data-table"], self._cur))
        elif self._cur is not None and tag == "tr":
            self._row = []
        elif self._cur is not None and tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._cur = None
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._cur is not None and self._row is not None:
            self._cur.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def html_tables(text):
    p = _Tables()
    p.feed(text)
    return [rows[1:] for _, rows in p.tables]


def md_tables(text):
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if cur is None:
                cur = []
                out.append(cur)
            cur.append(cells)
        else:
            cur = None
    return [rows[2:] for rows in out]  # header and alignment rows dropped


def xlsx_tables(data, skip_first=1):
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [[[c for c in row] for row in ws.iter_rows(min_row=2, values_only=True)]
            for ws in wb.worksheets[skip_first:]]


def number(cell):
    """(value, half a printing step) of a printed cell; None for "x"."""
    if isinstance(cell, (int, float)):
        return float(cell), 0.0
    s = str(cell).strip()
    if s == HIDDEN:
        return None
    pct = s.endswith("%")
    s = s.rstrip("%").replace(".", "").replace(",", ".")
    digits = len(s.split(".")[1]) if "." in s else 0
    v = float(s)
    step = 10 ** -digits / 2
    return (v / 100, step / 100) if pct else (v, step)


def read_back(layout, parsed, linked):
    """Map every printed cell to its place in the linked model: the published values, the
    hidden cells and what printed shares and sums say."""
    published, hidden, extra, bands = {}, set(), [], []
    assert len(parsed) >= len(layout), (len(parsed), len(layout))
    for tb, rows in zip(layout, parsed):
        assert len(rows) == len(tb.rows), tb.id
        for (label, specs), cells in zip(tb.rows, rows):
            cells = list(cells)[1:]
            assert len(cells) >= len(specs), (tb.id, label)
            for spec, cell in zip(specs, cells):
                if isinstance(spec, Num):
                    got = number(cell)
                    if got is None:
                        hidden.add(spec.key)
                        assert spec.key not in published, spec.key
                        continue
                    v, step = got
                    assert abs(v - linked.values[spec.key]) <= max(step, 0.5 if spec.fmt != "count" else 0) + 1e-9, \
                        (spec.key, v, linked.values[spec.key])
                    assert spec.key not in hidden, spec.key
                    if abs(v - linked.values[spec.key]) > 1e-9:
                        # printed rounded (a median over runs of 15.5 as 16): the reader knows
                        # the interval the printed number stands for, not the number
                        assert not linked.sensitive(spec.key), (spec.key, v)
                        extra.append(Constraint({spec.key: 1.0}, v - step, v + step))
                        continue
                    published[spec.key] = v
                elif isinstance(spec, Share):
                    got = number(cell)
                    if got is not None:
                        extra += ratio_bounds(spec.nums, spec.den, got[0], max(got[1], 1e-9))
                elif isinstance(spec, Sum):
                    got = number(cell)
                    if got is not None:
                        extra.append(Constraint({k: 1.0 for k in spec.keys}, got[0], got[0]))
                elif isinstance(spec, Band) and cell != HIDDEN:
                    bands.append(spec)
    for spec in bands:  # a statistic over runs is printed only where its cells may be known
        for k in spec.cells():
            assert k not in hidden, (spec, k)
            published[k] = linked.values[k]
    return published, hidden, extra


def assert_protected(linked, published, hidden, extra):
    unknown = [k for k in linked.values if k not in published]
    whole = linked.revealing()
    targets = [k for k in unknown if k in hidden or linked.sensitive(k) or k in whole]
    iv = audit(linked, published, targets, extra, width=MIN_WIDTH)  # a cell seen to vary by 5 is safe
    narrow = {k: v for k, v in iv.items() if v[1] - v[0] < MIN_WIDTH - 1e-6}
    assert not narrow, narrow
    for k, v in published.items():  # nothing small was printed, no group shown to be all in violation
        assert not linked.sensitive(k) and k not in whole, (k, v)


# --- the attack itself ---------------------------------------------------------------------

def test_a_row_total_gives_away_a_single_hidden_cell():
    L = Linked()
    for i, v in enumerate([0, 8, 3, 0]):
        L.cell(("c", i), v)
    L.cell("total", 11)
    L.total("total", [("c", i) for i in range(4)])
    iv = attack(L, {k: v for k, v in L.values.items() if k != ("c", 2)})
    assert iv[("c", 2)] == pytest.approx((3.0, 3.0))  # the unit of 11
    p = protect(L)
    assert ("c", 2) in p.hidden and len(p.hidden) >= 2 and not p.too_narrow()
    assert all(p.value(k) == HIDDEN for k in p.hidden)


def test_the_verdict_is_knowledge_too():
    """'stays below 10%' bounds a hidden violation count by 10% of a published total."""
    L = Linked()
    L.cell("viol", 2)
    L.cell("ok", 28)
    L.cell("in", 30)
    L.total("in", ["viol", "ok"])
    L.relate({"viol": 1.0, "in": -0.1}, -math.inf, 0.0)
    p = protect(L)
    assert {"viol", "ok", "in"} <= p.hidden  # with 30 published, viol would be in [0, 3]


def test_a_zero_is_published_unless_it_shows_that_a_whole_group_has_the_attribute():
    """0 is no small group; but "0 compliant" next to "7 in scope, 7 in violation" says of
    each of the 7 that they are in violation, and the 7 is then protected like a small count."""
    def unit(in_scope, violation, exempt=0):
        L = Linked()
        L.cell("in", in_scope)
        L.cell("viol", violation, attribute=True)
        L.cell("exempt", exempt, attribute=True)
        L.cell("ok", in_scope - violation - exempt)
        L.total("in", ["viol", "exempt", "ok"])
        return L
    L = unit(7, 7)
    assert L.revealing() == {"viol"}
    p = protect(L)
    assert "viol" in p.hidden and not p.too_narrow()
    assert p.value("exempt") == 0  # the zeros themselves need not go
    iv = attack(L, p.published())
    assert iv["viol"][1] - iv["viol"][0] >= MIN_WIDTH  # nobody can tell that all 7 are in violation
    for L in (unit(12, 0), unit(12, 6, 0), unit(0, 0)):  # a 0 that reveals nothing is printed
        p = protect(L)
        assert not L.revealing() and not p.hidden and p.value("viol") == L.values["viol"]
    L = unit(9, 0, 9)  # exempt (for sickness, say) is such an attribute too
    assert L.revealing() == {"exempt"} and "exempt" in protect(L).hidden


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=4), min_size=2, max_size=4))
def test_protected_two_way_tables_withstand_the_attack(grid):
    width = min(len(r) for r in grid)
    grid = [r[:width] for r in grid]
    L = Linked()
    for i, r in enumerate(grid):
        for j, v in enumerate(r):
            L.cell((i, j), v)
        L.cell((i, "T"), sum(r))
        L.total((i, "T"), [(i, j) for j in range(width)])
    for j in range(width):
        L.cell(("T", j), sum(r[j] for r in grid))
        L.total(("T", j), [(i, j) for i in range(len(grid))])
    L.cell(("T", "T"), sum(map(sum, grid)))
    L.total(("T", "T"), [("T", j) for j in range(width)])
    p = protect(L)
    assert_protected(L, p.published(), set(p.hidden), [])
    for k in L.values:
        if L.sensitive(k):
            assert k in p.hidden


# --- whole reports ------------------------------------------------------------------------

def _population(n, units, seed):
    from hpr_rules.records import generate_population
    frame = generate_population(n, seed)
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(units) * 0.7)
    frame["unit"] = [f"Unit {chr(65 + i)}" for i in rng.choice(units, size=n, p=weights)]
    frame["salary_scale"] = rng.choice([3, 5, 7, 9], size=n, p=[0.3, 0.4, 0.2, 0.1])
    return frame


NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]  # a whole report per example: too slow to shrink
POPULATIONS = st.tuples(st.integers(12, 60), st.integers(1, 4), st.integers(0, 10_000))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(POPULATIONS)
def test_scenario_report_withstands_the_attack_in_every_format(pop):
    from hpr_rules.reports.render import prepare, render
    from hpr_rules.scenarios import load_scenario, run_scenario
    from pathlib import Path
    n, units, seed = pop
    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    sc.model.horizon_years = 2
    sc.model.criteria.after = dt.date(2027, 1, 1)  # a verdict over both years
    sc.model.runs = 2  # statistics over runs next to the representative run's tables
    result = run_scenario(sc, population=(_population(n, units, seed), "test"), timestamp="2026-01-01T00:00:00")
    rep = prepare(result, charts=False)
    linked = rep["prot"].linked
    layout = [tb for tabs in rep["table_specs"].values() for tb in tabs]
    for fmt, parse in (("html", html_tables), ("md", md_tables), ("xlsx", xlsx_tables)):
        out = render(result, fmt)
        text = out if fmt == "xlsx" else out.decode()
        published, hidden, extra = read_back(layout, parse(text), linked)
        assert_protected(linked, published, hidden, extra)
        if fmt != "xlsx":  # the verdict quotes no share the tables hide
            for passed, sentence in rep["verdicts"]:
                for m in re.findall(r"(\d+,\d)%", sentence):
                    assert m + "%" in text


def _scenarios(frame, names=("baseline.yaml", "no_tenure_limit.yaml", "tenure_10_years.yaml"), horizon=2, runs=2):
    from pathlib import Path
    from hpr_rules.scenarios import load_scenario, run_scenario
    out = []
    for name in names:
        sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / name)
        sc.model.horizon_years = horizon
        sc.model.runs = runs
        out.append(run_scenario(sc, population=(frame, "test"), timestamp="2026-01-01T00:00:00"))
    return out


def _verdict_sheet_first(data):
    """The workbook's tables; the first sheet ends with notes below its table."""
    tables = xlsx_tables(data, 0)
    first = tables[0]
    end = next((i for i, row in enumerate(first) if all(c is None for c in row)), len(first))
    return [first[:end]] + tables[1:]


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(POPULATIONS)
def test_compare_report_withstands_the_attack_in_every_format(pop):
    """The scenarios of a comparison share their starting population: one set of linked cells."""
    from hpr_rules.reports.compare import prepare_comparison
    from hpr_rules.reports.render import render
    n, units, seed = pop
    results = _scenarios(_population(n, units, seed))
    rep = prepare_comparison(results, charts=False)
    linked = rep["prot"].linked
    layout = [tb for tabs in rep["table_specs"].values() for tb in tabs]
    assert {tb.id for tb in layout} >= {"verdict", "headline", "per_year_moves", "per_year_extra_cost"}
    for fmt, parse in (("html", html_tables), ("md", md_tables), ("xlsx", _verdict_sheet_first)):
        out = render(results, fmt)
        text = out if fmt == "xlsx" else out.decode()
        published, hidden, extra = read_back(layout, parse(text), linked)
        assert_protected(linked, published, hidden, extra)


def test_a_cell_the_scenarios_share_is_hidden_in_all_of_them_or_in_none():
    from hpr_rules.reports.compare import compare_cells
    from hpr_rules.reports.tables import year_shown
    results = _scenarios(_population(30, 3, 5), names=("baseline.yaml", "tenure_10_years.yaml"), runs=1)
    year = results[0]["years"][0]["year"]
    L = compare_cells(results, year)
    same = [k for k in L.values if k[0] == 0 and (1,) + k[1:] in L.values
            and L.values[k] == L.values[(1,) + k[1:]] and k[1:3] == ("bd", "unit")]
    assert same  # the head count of a unit on the reference date is the same number in both
    p = protect(L)
    for k in same:
        assert (k in p.hidden) == ((1,) + k[1:] in p.hidden), k
    assert year_shown(results[0]) >= year


def test_tornado_is_a_table_of_the_report_and_hides_margins_of_small_groups():
    """The sensitivity table is declared like every other table (the audit reads it in each
    format); a margin computed from a group of 1..4 people is printed as x."""
    import copy
    from hpr_rules.reports.render import prepare, render
    result = copy.deepcopy(_scenarios(_population(40, 2, 3), names=("baseline.yaml",), runs=2)[0])
    row = {"key": "mobility.advisor_capacity", "low": 0, "high": 2000, "score_base": 0.5, "margin_base": 0.1,
           "score_low": 0.25, "score_high": 0.75, "margin_low": -0.4, "margin_high": 0.6, "feasible_low": False,
           "feasible_high": True, "swing": 0.5, "margin_swing": 1.0}
    result["tornado"] = [{**row, "smallest_count_low": 2, "smallest_count_high": 40},
                         {**row, "key": "costs.hourly_cost"}]  # saved before smallest counts were kept
    for name, rows in result["bands"].items():  # no small count behind the base result's margin
        for r in rows:
            for k in ("p10", "median", "p90"):
                r[k] = 0 if 0 < r[k] < 5 else r[k]
    rep = prepare(result, charts=False)
    layout = [tb for tabs in rep["table_specs"].values() for tb in tabs]
    assert [tb.id for tb in layout][:2] == ["headline", "tornado"]
    md = render(result, "md").decode()
    tables = md_tables(md)
    published, hidden, extra = read_back(layout, tables, rep["prot"].linked)
    assert_protected(rep["prot"].linked, published, hidden, extra)
    capacity, hourly = tables[1]
    assert capacity[0] == "Mobiliteit — capaciteit mobiliteitsadviseurs"  # a label, not the setting's code
    assert capacity[1] == "0: 25,0%, x" and capacity[2] == "2000: 75,0%, 0,60 ✓"
    assert hourly[1].endswith(", x") and hourly[2] == "2000: 75,0%, x ✓"
    assert "mobility.advisor_capacity" not in render(result, "html").decode()


def _attack_compliance(tmp, df):
    """The compliance report of ``tmp / "f.csv"`` (whose findings, read and attached, are
    ``df``) in every format withstands the attack."""
    from hpr_rules.reports.compliance import compliance_cells, compliance_tables, findings_report
    from hpr_rules.reports.text import LABELS
    linked = compliance_cells(df)
    layout = compliance_tables(df, linked, LABELS["nl"], {})
    for fmt, parse in (("html", html_tables), ("md", md_tables), ("xlsx", lambda b: xlsx_tables(b, 0))):
        out = tmp / f"c.{fmt}"
        findings_report(tmp / "f.csv", out, data=tmp / "staff.csv")
        text = out.read_bytes() if fmt == "xlsx" else out.read_text()
        published, hidden, extra = read_back(layout, parse(text), linked)
        assert_protected(linked, published, hidden, extra)


def _findings(frame, dates):
    from hpr_rules.engines import evaluate
    from hpr_rules.language import default_rules_dir, load_rulebook
    from hpr_rules.records import validate_frame
    book = load_rulebook(default_rules_dir())
    rs = validate_frame(frame.drop(columns=["row"], errors="ignore"), source="test")
    return pd.concat([evaluate(rs, book, d) for d in dates], ignore_index=True)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(POPULATIONS, st.booleans())
def test_compliance_report_withstands_the_attack_in_every_format(tmp_path_factory, pop, two_dates):
    from hpr_rules.outputs import write_table
    from hpr_rules.reports.compliance import _attach
    from hpr_rules.reports.text import LABELS
    n, units, seed = pop
    tmp = tmp_path_factory.mktemp("c")
    frame = _population(n, units, seed)
    frame.drop(columns=["row"], errors="ignore").to_csv(tmp / "staff.csv", index=False)
    dates = [dt.date(2027, 3, 1)] + ([dt.date(2028, 3, 1)] if two_dates else [])
    write_table(_findings(frame, dates), tmp / "f.csv")
    from hpr_rules.reports.compliance import _read
    df = _attach(_read(tmp / "f.csv"), tmp / "staff.csv", None, tmp / "f.csv", LABELS["nl"])
    _attack_compliance(tmp, df)


# --- output that cannot run -----------------------------------------------------------------

EVIL = '=HYPERLINK("http://x.example","klik")'


def test_findings_outputs_never_hold_a_formula(tmp_path):
    """hpr check: an id like =HYPERLINK(..) is text in Excel and defused in CSV; the compliance
    report reads the defused CSV back as the same id."""
    import openpyxl
    from hpr_rules.outputs import table_bytes, unescape_text
    df = pd.DataFrame({"employee_id": [EVIL, "+31", "-1", "@x", "\tq", "E1"], "n": [1, 2, 3, 4, 5, 6]})
    csv = table_bytes(df, "csv").decode()
    lines = csv.splitlines()[1:]
    assert all(not line.strip('"').startswith(("=", "+", "-", "@", "\t")) for line in lines), lines
    back = pd.read_csv(io.StringIO(csv), dtype=str)["employee_id"].map(unescape_text)
    assert list(back) == list(df["employee_id"])
    ws = openpyxl.load_workbook(io.BytesIO(table_bytes(df, "xlsx"))).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type != "f" for c in cells) and ws["A2"].value == EVIL and ws["A2"].quotePrefix


def test_reports_escape_names_in_every_format():
    import copy
    import openpyxl
    from hpr_rules.reports.render import render
    from pathlib import Path
    from hpr_rules.scenarios import load_scenario, run_scenario
    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    sc.model.horizon_years = 2
    sc.model.runs = 1
    frame = _population(40, 2, 7)
    frame["unit"] = np.where(frame["unit"] == "Unit A", EVIL, "<img src=x onerror=alert(1)> | [a](b) *c*")
    result = run_scenario(sc, population=(frame, "test"), timestamp="2026-01-01T00:00:00")
    result = copy.deepcopy(result)
    result["scenario"]["name"] = "<script>alert(1)</script> | x"
    html = render(result, "html").decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "&lt;img src=x" in html
    md = render(result, "md").decode()
    assert "<script" not in md and "<img" not in md and "&lt;img" in md and "\\| \\[a\\](b) \\*c\\*" in md
    for rows in md_tables(md):  # a | in a name does not add a column
        assert len({len(r) for r in rows}) <= 1
    wb = openpyxl.load_workbook(io.BytesIO(render(result, "xlsx")))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value == EVIL for c in cells) and all(c.data_type != "f" for c in cells)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(POPULATIONS, st.integers(2, 4))
def test_the_employers_failing_in_the_compliance_report_withstands_the_attack(tmp_path_factory, pop, every):
    """Violations whose reason is the employer's failing (no_offer) in a column of their own:
    the status cells still add up to the records, and no group of 1..4 can be derived."""
    from hpr_rules.outputs import write_table
    from hpr_rules.reports.compliance import EMPLOYER, _attach, _read
    from hpr_rules.reports.text import LABELS
    n, units, seed = pop
    tmp = tmp_path_factory.mktemp("e")
    frame = _population(n, units, seed)
    frame.drop(columns=["row"], errors="ignore").to_csv(tmp / "staff.csv", index=False)
    f = _findings(frame, [dt.date(2028, 3, 1)])
    f = f.astype({"reason": str, "status": str, "rule_id": str})
    hit = (f["status"] == "violation") & f["rule_id"].isin(["max_function_tenure", "development_obligation"])
    pick = hit & (hit.cumsum() % every == 0)
    assert pick.any()
    f.loc[pick, "reason"] = "no_offer"
    write_table(f, tmp / "f.csv")
    df = _attach(_read(tmp / "f.csv"), tmp / "staff.csv", None, tmp / "f.csv", LABELS["nl"])
    assert (df["status"] == EMPLOYER).sum() == pick.sum()
    _attack_compliance(tmp, df)
