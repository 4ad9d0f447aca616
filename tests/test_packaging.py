"""The package as installed from a wheel: drafts and scenarios inside it, usable from any directory.

The wheel test builds a wheel of this checkout, installs it (and only it) into a fresh venv
whose other dependencies are the ones already installed here (a ``.pth`` line, so nothing is
downloaded), and runs commands from an empty directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpr_cli.main import cli
from hpr_rules.errors import InputError, ScenarioError
from hpr_rules.shipped import default_rules_dir, find_scenario, init_folder, scenario_names, shipped_dir

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    """pyproject lists the packages explicitly (to map rules/ and scenarios/ into the wheel):
    a new package directory must be added there, or the wheel would lack it."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = set()
    for base in ("src", "cli"):
        for init in (ROOT / base).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(ROOT / base).parts))
    mapped = {pkg for pkg, d in conf["package-dir"].items() if d in ("rules", "scenarios")}
    assert mapped == {"hpr_rules.shipped.rules", "hpr_rules.shipped.scenarios"}
    assert set(conf["packages"]) == found | mapped


def test_shipped_trees_and_discovery(tmp_path, monkeypatch):
    assert (shipped_dir("rules") / "state_pension_age.yaml").is_file()
    assert (shipped_dir("scenarios") / "baseline.yaml").is_file()
    with pytest.raises(ValueError):
        shipped_dir("docs")
    monkeypatch.chdir(tmp_path)
    assert default_rules_dir() == shipped_dir("rules")
    (tmp_path / "rules").mkdir()  # an unrelated rules/ without a draft does not win
    assert default_rules_dir() == shipped_dir("rules")
    shutil.copy(shipped_dir("rules") / "state_pension_age.yaml", tmp_path / "rules")
    assert default_rules_dir() == tmp_path / "rules"


def test_find_scenario_by_name_path_and_local_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_scenario("baseline") == shipped_dir("scenarios") / "baseline.yaml"
    assert find_scenario("baseline.yaml") == shipped_dir("scenarios") / "baseline.yaml"
    assert {"baseline", "no_tenure_limit", "tenure_10_years", "development_40_hours"} <= set(scenario_names())
    with pytest.raises(ScenarioError, match="did you mean 'baseline'"):
        find_scenario("basline")
    with pytest.raises(ScenarioError, match="not found"):
        find_scenario("elsewhere/baseline.yaml")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.yaml").write_text("name: mine\n", encoding="utf-8")
    assert find_scenario("baseline") == tmp_path / "scenarios" / "baseline.yaml"  # the working folder wins
    (tmp_path / "own.yaml").write_text("name: own\n", encoding="utf-8")
    assert find_scenario("own.yaml") == Path("own.yaml")


def test_init_copies_drafts_and_scenarios_and_commands_there_use_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["init", "work"])
    assert r.exit_code == 0, r.output
    work = tmp_path / "work"
    for rel in ("rules/mandatory_pop.yaml", "rules/tests/mandatory_pop.yaml", "rules/drafts/alt/tests/alt.yaml",
                "scenarios/baseline.yaml"):
        assert (work / rel).is_file(), rel
    monkeypatch.chdir(work)
    # the copy is what commands read: a change to it shows
    rule = work / "rules" / "mandatory_pop.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("version:", "version: 9.9-local #", 1), encoding="utf-8")
    r = CliRunner().invoke(cli, ["rules", "validate", "--no-probe"])
    assert r.exit_code == 0, r.output
    assert str(work / "rules") in r.output
    (work / "scenarios" / "baseline.yaml").write_text("name: [broken\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["scenario", "run", "baseline"])
    assert r.exit_code == 2 and "scenarios/baseline.yaml" in r.output
    # never overwrites
    r = CliRunner().invoke(cli, ["init", "."])
    assert r.exit_code == 2 and "already exists" in r.output
    with pytest.raises(InputError):
        init_folder(work)


def test_scenario_run_unknown_name_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["scenario", "run", "no_tenure_limt"])
    assert r.exit_code == 2
    assert "did you mean 'no_tenure_limit'" in r.output and "Traceback" not in r.output


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    """A fresh venv holding the wheel of this checkout; dependencies come from this environment."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".hypothesis")
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("src", "cli", "rules", "scenarios"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(src)],
                   check=True, capture_output=True)
    wheel = next((tmp / "dist").glob("hpr_rules-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # a plain path line: this environment's packages, without running its .pth files (so not
    # the editable hpr_rules of this checkout)
    host = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    Path(purelib, "_host_dependencies.pth").write_text("\n".join(host) + "\n", encoding="utf-8")
    subprocess.run([*pip, "--python", str(py), "install", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    empty = tmp / "empty"
    empty.mkdir()
    return py, venv, empty


def _run(cmd, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_wheel_contains_drafts_and_scenarios(wheel_venv):
    py, venv, empty = wheel_venv
    r = _run([str(py), "-c", "import hpr_rules, hpr_rules.shipped as s; print(hpr_rules.__file__); "
              "print(s.shipped_dir('rules')); print(s.shipped_dir('scenarios'))"], empty)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert all(str(venv) in line and str(ROOT) not in line for line in lines), lines
    assert lines[1].endswith(os.path.join("hpr_rules", "shipped", "rules"))


def test_wheel_scenario_by_name_from_an_empty_directory(wheel_venv):
    py, venv, empty = wheel_venv
    hpr = py.parent / "hpr"
    r = _run([str(hpr), "scenario", "run", "baseline", "--out", "result.json"], empty)
    assert r.returncode == 0, r.stderr
    assert (empty / "result.json").is_file()
    r = _run([str(hpr), "rules", "show", "mandatory_pop", "--date", "2027-01-01"], empty)
    assert r.returncode == 0, r.stderr
    (empty / "result.json").unlink()


def test_wheel_readme_snippet_from_an_empty_directory(wheel_venv):
    from test_api import readme_snippet
    py, venv, empty = wheel_venv
    r = _run([str(py), "-c", readme_snippet()], empty)
    assert r.returncode == 0, r.stderr
    assert "E000001" in r.stdout and "Basis" in r.stdout
    r = _run([str(py), "-c", "import hpr_rules, pathlib; print((pathlib.Path(hpr_rules.__file__).parent / 'py.typed').is_file())"],
             empty)
    assert r.stdout.strip() == "True"
    assert list(empty.iterdir()) == []  # nothing written where it ran
