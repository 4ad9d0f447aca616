"""The one YAML loader: plain YAML only, bounded in size, nodes, aliases and depth."""

import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from hpr_cli.main import cli
from hpr_rules import yamlsource
from hpr_rules.errors import HprError
from hpr_rules.yamlsource import load_yaml, load_yaml_text

ROOT = Path(__file__).resolve().parents[1]

# "billion laughs": nine levels of nine aliases, 9**9 strings once expanded (~350 bytes)
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi"))
# the same as nested mappings in block style, the form a scenario or mapping file has
BOMB_BLOCK = "".join(
    f"k{n}: &k{n}\n" + "".join(f"  v{i}: {f'*k{n - 1}' if n else 'lol'}\n" for i in range(9))
    for n in range(9))

def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def error(text: str) -> str:
    with pytest.raises(HprError) as info:
        load_yaml_text(text, "f.yaml")
    return str(info.value)


def test_bomb_fails_fast_and_small():
    assert len(BOMB.encode()) < 500 and len(BOMB_BLOCK.encode()) < 1500
    for bomb in (BOMB, BOMB_BLOCK):
        tracemalloc.start()
        t0 = time.perf_counter()
        with pytest.raises(HprError, match=r"f\.yaml:\d+:\d+: aliases expand to more than"):
            load_yaml_text(bomb, "f.yaml")
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # loose bounds (the fix makes it milliseconds and a few MB; unbounded it was 45 s and GBs)
        assert elapsed < 5 and peak < 100 * 2**20


@pytest.mark.parametrize("text, message", [
    ("a: !!python/object:os.system x", "f.yaml:1:4: YAML tags are not allowed (!!python/object:os.system)"),
    ("a: !!python/object/apply:os.system [ls]", "f.yaml:1:4: YAML tags are not allowed"),
    ("a: !!python/object:x {b: 1}", "f.yaml:1:4: YAML tags are not allowed"),
    ("a:\n  - !!str 1", "f.yaml:2:5: YAML tags are not allowed (!!str)"),
    ("a: !custom 1", "f.yaml:1:4: YAML tags are not allowed (!custom)"),
    ("a: ! 1", "f.yaml:1:4: YAML tags are not allowed (!)"),
    ("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2", "f.yaml:3:3: merge keys ('<<') are not allowed"),
    ("{[1]: 2}", "f.yaml:1:2: a key must be a plain value"),
    ("a: 1\na: 2", "f.yaml:2:1: duplicate key 'a'"),
    ("é: x\nb: \x00", "f.yaml:2:4: not valid YAML: control characters are not allowed"),
    ("a: [1", "f.yaml:2:1: not valid YAML"),
    ("a: 2026-13-01", "f.yaml:1:4: '2026-13-01' is not a valid value"),
    ("a: &a [*a]", "f.yaml:1:4: nested more than 64 levels deep (through an alias)"),
    ("[" * 100_000 + "]" * 100_000, "f.yaml:1:65: nested more than 64 levels deep"),
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)), "nested more than 64 levels deep"),
    ("[" + ", ".join(["1"] * 60_000) + "]", "more than 50,000 values"),
    ("x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(1_100)), "more than 1,000 YAML aliases"),
])
def test_refused_with_place(text, message):
    assert message in error(text)


def test_plain_yaml_and_positions():
    doc = load_yaml_text("a:\n  - 1\n  - {b: 2026-01-01, 2027-01-01: x}\nc: =\nd: &d [1]\ne: *d\n")
    assert doc.data == {"a": [1, {"b": __import__("datetime").date(2026, 1, 1), "2027-01-01": "x"}],
                        "c": "=", "d": [1], "e": [1]}
    assert doc.where(("a", 1, "b")) == (3, 9) and doc.where(("a", "__key__")) == (1, 1)
    assert doc.where(("e", 0)) == (5, 8)  # an alias keeps the anchored value's place
    assert load_yaml_text("").data is None and load_yaml_text("# only a comment\n").data is None


def test_shipped_yaml_loads_within_the_bounds():
    files = [p for p in ROOT.rglob("*.yaml") if ".venv" not in p.parts]
    assert len(files) >= 15
    for p in files:
        assert p.stat().st_size < yamlsource.MAX_BYTES / 10
        load_yaml(p)


def test_file_size_cap(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("a: " + "x" * yamlsource.MAX_BYTES, encoding="utf-8")
    with pytest.raises(HprError, match=r"big\.yaml: larger than 256 KiB"):
        load_yaml(p)
    with pytest.raises(HprError, match="larger than 256 KiB"):
        load_yaml_text(p.read_text(encoding="utf-8"), "git:HEAD:big.yaml")
    with pytest.raises(HprError, match="cannot read"):
        load_yaml(tmp_path)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab:-[]{}&*!<>|'\"\n #,?0123", max_size=80))
def test_any_text_is_data_or_one_hpr_error(text):
    try:
        load_yaml_text(text, "f.yaml")
    except HprError as exc:
        assert str(exc).startswith("f.yaml")


def _bomb_everywhere(tmp_path):
    """The bomb as a rule file, a rule-test file, a scenario and a mapping."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for p in (ROOT / "rules").glob("*.yaml"):
        shutil.copy(p, rules / p.name)
    (rules / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    return rules, bomb


def test_bomb_through_every_command(tmp_path):
    rules, bomb = _bomb_everywhere(tmp_path)
    staff = ROOT / "examples" / "youforce_export.csv"
    for args in (("rules", "validate", rules),
                 ("rules", "test", bomb),
                 ("scenario", "run", bomb, "--out", tmp_path / "r.json"),
                 ("data", "validate", staff, "--mapping", bomb)):
        t0 = time.perf_counter()
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "bomb.yaml:" in r.stderr and "aliases expand to more than" in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.output
        assert time.perf_counter() - t0 < 30  # loose: the bomb alone took 45 s before


def test_tagged_rule_file_is_an_error(tmp_path):
    rules, _ = _bomb_everywhere(tmp_path)
    (rules / "bomb.yaml").unlink()
    p = rules / "mandatory_pop.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("status: ", "status: !!python/object:builtins.str ", 1),
                 encoding="utf-8")
    r = run("rules", "validate", rules)
    assert r.exit_code == 2 and "mandatory_pop.yaml:" in r.stderr and "YAML tags are not allowed" in r.stderr
