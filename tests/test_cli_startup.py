"""The command line starts fast: commands that need no data do not import the data stack.

Checked in a fresh interpreter (``sys.modules`` after the command ran), never by timing.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "pyarrow", "durable", "matplotlib")

PROBE = """
import json, sys
from hpr_cli.main import cli
try:
    cli(sys.argv[1:], prog_name="hpr")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "heavy": [m for m in %r if m in sys.modules]}), file=sys.stderr)
""" % (HEAVY,)


def run_probe(*args):
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [
    ("--help",),
    ("--version",),
    ("rules", "show", "mandatory_pop", "--date", "2027-01-01"),
    ("rules", "validate", "--no-probe"),
    ("check", "--help"),
    ("scenario", "run", "--help"),
])
def test_light_commands_do_not_import_the_data_stack(args):
    out = run_probe(*args)
    assert out["code"] in (0, None)
    assert out["heavy"] == []


def test_a_data_command_does_import_pandas(tmp_path):
    """The probe itself can fail: a command that reads data shows up."""
    out = run_probe("data", "generate", "--n", "3", "--seed", "1", "--out", str(tmp_path / "s.csv"))
    assert out["code"] in (0, None)
    assert "pandas" in out["heavy"]
