"""Conventions every command follows: -o for --out, - for stdin/stdout, -q/-v, shell completion,
a default --seed."""

from __future__ import annotations

import io
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from hpr_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args, input=None, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env, catch_exceptions=False)


def all_commands(group=cli, path=()):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, path + (name,))
        else:
            yield path + (name,), cmd


def test_every_out_option_has_the_short_o():
    seen = 0
    for path, cmd in all_commands():
        for p in cmd.params:
            if isinstance(p, click.Option) and "--out" in p.opts:
                assert "-o" in p.opts, " ".join(path)
                seen += 1
    assert seen >= 5


def test_every_seed_option_is_optional():
    for path, cmd in all_commands():
        for p in cmd.params:
            if isinstance(p, click.Option) and "--seed" in p.opts:
                assert not p.required, " ".join(path)


def test_generate_to_stdout_with_default_seed_then_check_from_stdin(tmp_path):
    r = run("data", "generate", "--n", "20", "-o", "-")
    assert r.exit_code == 0, r.stderr
    assert "wrote 20 records (seed 1" in r.stderr and "stdout" in r.stderr
    csv = r.stdout
    same = run("data", "generate", "--n", "20", "--seed", "1", "-o", tmp_path / "s.csv")
    assert same.exit_code == 0
    assert (tmp_path / "s.csv").read_text(encoding="utf-8") == csv
    from_stdin = run("check", "-", "--date", "2027-03-01", "--rules", ROOT / "rules", input=csv)
    from_file = run("check", tmp_path / "s.csv", "--date", "2027-03-01", "--rules", ROOT / "rules", "-o", "-")
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout and len(pd.read_csv(io.StringIO(from_stdin.stdout))) == 60
    assert "\n-: 20 rows read" in "\n" + from_stdin.stderr  # named "-", not the temporary file
    r = run("explain", "-", "--employee", "E000003", "--date", "2027-03-01", "--rules", ROOT / "rules", input=csv)
    assert r.exit_code == 0 and "E000003" in r.stdout
    r = run("data", "validate", "-", input=csv + "E999,not-a-date\n")
    assert r.exit_code == 0 and "20 accepted, 1 rejected" in r.stdout
    r = run("rules", "diff", ROOT / "rules", ROOT / "rules" / "drafts" / "alt", "--data", "-", "--date",
            "2029-01-01", "--format", "csv", "-o", "-", input=csv)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("date,employee_id,rule_id,from,to,cause") and "diff written" not in r.stderr


def test_quiet_keeps_errors_and_verbose_adds_time(tmp_path):
    staff = tmp_path / "s.csv"
    assert run("-q", "data", "generate", "--n", "10", "-o", staff).stderr == ""
    q = run("-q", "check", staff, "--date", "2027-03-01", "--rules", ROOT / "rules", "-o", tmp_path / "f.csv")
    assert q.exit_code == 0 and q.stderr == "" and (tmp_path / "f.csv").is_file()
    q = run("-q", "check", tmp_path / "missing.csv", "--date", "2027-03-01")
    assert q.exit_code == 2 and "hpr: error:" in q.stderr and "missing.csv" in q.stderr
    v = run("-v", "check", staff, "--date", "2027-03-01", "--rules", ROOT / "rules", "-o", tmp_path / "f.csv")
    assert v.exit_code == 0 and "rows read" in v.stderr and "hpr: done in" in v.stderr
    v = run("-v", "check", tmp_path / "missing.csv", "--date", "2027-03-01")
    assert v.exit_code == 2 and "Traceback" in v.stderr


@pytest.mark.parametrize("words, expected", [
    ("hpr scenario run no", ["no_tenure_limit"]),
    ("hpr scenario compare baseline ten", ["tenure_10_years"]),
    ("hpr rules show mand", ["mandatory_pop"]),
    ("hpr sce", ["scenario"]),
])
def test_shell_completion(words, expected):
    env = {"_HPR_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    r = CliRunner().invoke(cli, [], env=env, prog_name="hpr")
    assert r.exit_code == 0
    plain = [line.split(",", 1)[1] for line in r.stdout.splitlines() if line.startswith("plain,")]
    assert plain == expected


def test_readme_documents_completion():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "_HPR_COMPLETE=bash_source hpr" in text and "_HPR_COMPLETE=zsh_source hpr" in text
