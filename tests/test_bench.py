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
