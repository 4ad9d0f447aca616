"""Every rule test case under rules/tests is a test of the suite, on every engine."""

from pathlib import Path

import pytest

from hpr_rules.drafts.testcases import format_failure, load_cases, run_cases

ROOT = Path(__file__).resolve().parents[1]
CASES = load_cases(ROOT / "rules" / "tests")


def test_enough_cases_cover_every_status_and_reason():
    seen = {(r, e.status, e.reason or "") for c in CASES for r, e in c.case.expect.items()}
    statuses = {s for _, s, _ in seen}
    assert len(CASES) >= 40
    assert statuses >= {"not_in_force", "not_applicable", "exempt", "compliant", "due_soon", "violation"}
    reasons = {r for _, _, r in seen}
    assert reasons >= {"not_employed", "out_of_scope", "dispensation", "long_term_sick", "near_retirement", "no_pop"}


@pytest.mark.parametrize("case", CASES, ids=[f"{Path(c.file).stem}:{c.line}" for c in CASES])
def test_rule_case(book, case):
    failed = [r for r in run_cases([case], book) if not r.ok]
    assert not failed, format_failure(failed[0], book)
