"""The benchmark runs and prints every measure it promises (no timing is asserted)."""

import sys

import pytest

from hpr_rules.bench import main

LABELS = ("(a) bare pyarrow read + write", "(b) hpr check", "(c) DuckDB SQL", "hpr / bare read + write",
          "peak RSS of hpr / records table", "(d) vector", "ratio vector/durable",
          "(e) hpr --help", "(f) hpr scenario run baseline")


def test_bench_prints_every_measure(tmp_path, capsys):
    pytest.importorskip("duckdb")
    assert main(["--n", "3000", "--repeat", "1", "--sample", "200", "--dir", str(tmp_path), "--scenario-n", "300",
                 "--scenario-runs", "2"]) == 0
    out = capsys.readouterr().out
    for label in (*LABELS, "hpr / DuckDB"):
        assert label in out, out
    # the hand-written SQL implements the rule files: same counts per rule, status and reason
    assert "counts per rule, status and reason: identical" in out, out
    assert not list(tmp_path.glob("findings*")) and not list(tmp_path.glob("copy*"))  # temporary outputs removed


def test_bench_says_when_duckdb_is_missing(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb -> ImportError
    assert main(["--n", "500", "--repeat", "1", "--sample", "50", "--dir", str(tmp_path), "--scenario-n", "300",
                 "--scenario-runs", "2"]) == 0
    out = capsys.readouterr().out
    for label in LABELS:
        assert label in out, out
    assert "duckdb is not installed" in out and "hpr / DuckDB" not in out, out


def test_measured_processes_run_on_compiled_bytecode(tmp_path, monkeypatch):
    """As an installed package has it: where bytecode is not written (PYTHONDONTWRITEBYTECODE),
    it is compiled into the work folder and the measured processes read it from there."""
    import importlib.util
    from pathlib import Path

    import hpr_rules
    from hpr_rules import bench
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setattr(bench, "_ENV", None)
    line = bench.compiled_bytecode(tmp_path)
    assert str(tmp_path / "pycache") in line and "PYTHONDONTWRITEBYTECODE" in line, line
    env = bench._ENV
    assert env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache") and "PYTHONDONTWRITEBYTECODE" not in env
    source = Path(hpr_rules.__file__).with_name("scale.py")
    monkeypatch.setattr(sys, "pycache_prefix", env["PYTHONPYCACHEPREFIX"])
    assert Path(importlib.util.cache_from_source(str(source))).is_file()
