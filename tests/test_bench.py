"""The benchmark runs and prints every measure it promises (no timing is asserted)."""

from hpr_rules.bench import main


def test_bench_prints_every_measure(tmp_path, capsys):
    assert main(["--n", "3000", "--sample", "200", "--dir", str(tmp_path), "--scenario-n", "300",
                 "--scenario-runs", "2"]) == 0
    out = capsys.readouterr().out
    for label in ("(a) bare pyarrow read + write", "(b) hpr check", "(c) ratio b/a", "(d) vector",
                  "ratio vector/durable", "(e) peak traced memory", "(f) hpr --help",
                  "(g) hpr scenario run baseline"):
        assert label in out, out
    assert not list(tmp_path.glob("findings*")) and not list(tmp_path.glob("copy*"))  # temporary outputs removed
