"""Benchmark: ``python -m hpr_rules.bench [--n 1000000] [--repeat 2] [--sample 2000]``.

Measures whole processes, side by side in one run, on the same synthetic Parquet file
(generated once and kept in ``--dir``):

(a) a bare pyarrow read + write of the records file;
(b) ``hpr check FILE --out findings.parquet``: the real command line in a fresh process;
(c) the same three rules as one hand-written DuckDB SQL statement (``bench_duckdb.sql``, its
    numbers filled in from the rule files), needs the optional extra ``[bench]``;

each with its wall time and peak resident memory. (b) and (c) must give the same counts
per rule, status and reason; both are printed. Then the ratios and their goals:
hpr / DuckDB <= 1.25, hpr / bare <= 3, peak memory of (b) / records table <= 3; and
(d) vector vs durable_rules records per second on a sample (goal >= 100); (e) start-up of
``hpr --help`` above a bare ``python -c pass`` (goal <= 0.25 s); (f) a 20-run scenario against
one ``hpr check`` of the same file (goal <= 5).

The processes are run interleaved, ``--repeat`` times each, and the best time of each is
kept (the machine is shared: the best run is the least disturbed one).

``--cluster``: instead, a dataset of 10 Parquet files of --n records in all, checked file by file
in one process (vector) and on a Dask cluster (a local one of 2 worker processes, or
--scheduler ADDRESS), each driven by a fresh process: both times and each driver's peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

GOALS = {"hpr/duckdb": 1.25, "hpr/bare": 3.0, "memory": 3.0, "vector/durable": 100.0, "start-up": 0.25}

_BARE = "import sys, pyarrow.parquet as pq; pq.write_table(pq.read_table(sys.argv[1]), sys.argv[2])"
_DUCKDB = "import sys, duckdb; duckdb.connect().execute(open(sys.argv[1], encoding='utf-8').read())"


_HPR = "import sys; from hpr_cli.main import main; sys.exit(main())"  # as the hpr script does
# Put before the measured code: takes the first argument as a file and writes the process's own
# peak resident set (VmHWM, KiB) there at exit, so the code sees its own arguments as ``python -c``
# would. (The rusage of a child would also count the parent's peak, which a forked child inherits.)
_PEAK = (
    "import atexit as _atexit, sys as _sys\n"
    "_peak_out = _sys.argv.pop(1)\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as fh:\n"
    "        kb = next((line.split()[1] for line in fh if line.startswith('VmHWM:')), '0')\n"
    "    with open(_peak_out, 'w') as fh:\n"
    "        fh.write(kb)\n"
    "_atexit.register(_peak)\n"
)


# The environment of the measured processes (None: this one's); see :func:`compiled_bytecode`.
_ENV: dict | None = None


def compiled_bytecode(work: Path) -> str:
    """Compile hpr_rules and hpr_cli to bytecode before measuring, as ``pip install`` does for an
    installed package: an editable checkout run with PYTHONDONTWRITEBYTECODE would otherwise
    compile its modules from source in every measured process, which no installed hpr does
    (pyarrow, numpy and duckdb come with their bytecode). Where writing bytecode is off, the
    measured processes read it from ``work/pycache`` (PYTHONPYCACHEPREFIX). Returns a line
    saying what was done."""
    global _ENV
    import hpr_cli
    import hpr_rules
    env = dict(os.environ)
    dirs = [str(Path(m.__file__).parent) for m in (hpr_rules, hpr_cli)]
    where = "beside the sources"
    off = env.get("PYTHONDONTWRITEBYTECODE") or sys.flags.dont_write_bytecode
    if off or not all(os.access(d, os.W_OK) for d in dirs):
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        where = f"in {work / 'pycache'} (" + ("PYTHONDONTWRITEBYTECODE is set here" if off else
                                              "the packages' folders are read-only") + ")"
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", *dirs], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    _ENV = env
    if not done:
        return f"bytecode of hpr_rules and hpr_cli could not all be compiled {where}: their first run compiles them"
    return f"bytecode of hpr_rules and hpr_cli compiled first, as pip install does, {where}"


def _run(code: str, *args: str) -> tuple[float, int, float]:
    """Wall time (s), own peak resident set (bytes) and CPU time (user + system, s) of a fresh
    ``python -c CODE ARGS`` process; raises on a non-zero exit."""
    fd, peak_file = tempfile.mkstemp(prefix="hpr-bench-peak-")
    os.close(fd)
    cmd = [sys.executable, "-c", _PEAK + code, peak_file, *args] if Path("/proc/self/status").exists() \
        else [sys.executable, "-c", code, *args]
    try:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_ENV)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stderr.close()
        if proc.returncode != 0:
            raise RuntimeError(f"python -c {code[:60]!r} {' '.join(args[:2])} ... exited {proc.returncode}: "
                               f"{err.decode(errors='replace')[-2000:]}")
        own = Path(peak_file).read_text().strip()
        peak = int(own) * 1024 if own else usage.ru_maxrss * 1024  # Linux reports KiB
    finally:
        os.unlink(peak_file)
    return elapsed, peak, usage.ru_utime + usage.ru_stime


def scenario_vs_check(data: Path, out_dir: Path, runs: int, day: dt.date) -> dict:
    """(wall, cpu) of ``hpr check`` and of ``hpr scenario run baseline --runs RUNS`` on the same
    records, each a fresh process (imports included, as a user waits for them)."""
    def proc(args):
        wall, _, cpu = _run(_HPR, *args)
        return wall, cpu
    check = proc(["check", str(data), "--date", day.isoformat(), "--out", str(out_dir / "sc-findings.csv")])
    scen = proc(["scenario", "run", "baseline", "--data", str(data), "--runs", str(runs),
                 "--out", str(out_dir / "sc-result.json")])
    for name in ("sc-findings.csv", "sc-result.json"):
        if (out_dir / name).exists():
            os.unlink(out_dir / name)
    return {"check": check, "scenario": scen}


def cli_startup(repeat: int = 5) -> tuple[float, float]:
    """Best-of-``repeat`` wall time of a bare interpreter and of ``hpr --help``, each a fresh process."""
    def best(code):
        return min(_run(code)[0] for _ in range(repeat))
    return best("pass"), best("from hpr_cli.main import cli; cli(['--help'], prog_name='hpr')")


# ----------------------------------------------------------------------------- DuckDB SQL

def _sql_literal(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.date):
        return f"DATE '{v.isoformat()}'"
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def _pension_case(table) -> str:
    """The AOW date as SQL: birth_date plus the months of its band of the AOW table."""
    bands = list(table.bands)
    expr = str(bands[0].years * 12 + bands[0].months)
    for b in bands[1:]:
        expr = f"CASE WHEN birth_date >= {_sql_literal(b.born_from)} THEN {b.years * 12 + b.months} ELSE {expr} END"
    return f"add_months(birth_date, {expr})"


def duckdb_sql(book, day: dt.date, data: Path, out: Path) -> str:
    """``bench_duckdb.sql`` with the parameters in force on ``day`` from the rule files."""
    rules = {}
    for r in book.rules:
        m = r.model
        values = {name: _sql_literal(getattr(p.value_on(day), "value", None)) for name, p in m.parameters.items()}
        values["effective_from"] = _sql_literal(m.effective_from)
        values["valid_until"] = _sql_literal(m.valid_until)
        rules[r.id] = SimpleNamespace(**values)
    text = Path(__file__).with_name("bench_duckdb.sql").read_text(encoding="utf-8")
    template = "\n".join(line for line in text.splitlines() if not line.startswith("--"))  # comments name placeholders
    return template.format_map({**rules, "D": _sql_literal(day), "state_pension_date": _pension_case(book.pension),
                                "data": str(data).replace("'", "''"), "out": str(out).replace("'", "''")})


# ----------------------------------------------------------------------------- counts

def status_counts(path: Path) -> dict[tuple[str, str, str], int]:
    """Rows per (rule_id, status, reason) of a findings Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    t = pq.read_table(path, columns=["rule_id", "status", "reason"])
    t = pa.table({c: t.column(c).cast(pa.string()).fill_null("") for c in t.column_names})
    g = t.group_by(["rule_id", "status", "reason"]).aggregate([([], "count_all")])
    return {(a, b, c): n for a, b, c, n in zip(*(g.column(i).to_pylist() for i in range(4)))}


def _print_counts(hpr: dict, duck: dict | None) -> None:
    from .language.compile import STATUSES
    by = {}
    for (rule, status, _), n in hpr.items():
        by.setdefault(rule, {}).setdefault(status, [0, 0])[0] += n
    for (rule, status, _), n in (duck or {}).items():
        by.setdefault(rule, {}).setdefault(status, [0, 0])[1] += n
    width = max((len(r) for r in by), default=4)
    print(f"    {'rule':<{width}}  " + "  ".join(f"{s:>14}" for s in STATUSES[:-1]) + "   (hpr / duckdb)")
    for rule in sorted(by):
        cells = []
        for s in STATUSES[:-1]:
            a, b = by[rule].get(s, [0, 0])
            cells.append(f"{a:>14,}" if duck is None else f"{f'{a:,}/{b:,}':>14}" if a != b else f"{a:>14,}")
        print(f"    {rule:<{width}}  " + "  ".join(cells))


# ----------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hpr_rules.bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="records (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each process; the best is kept (default 2)")
    ap.add_argument("--sample", type=int, default=2000, help="records for the vector/durable comparison")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2027, 3, 1))
    ap.add_argument("--dir", type=Path, default=None, help="where to keep the generated file (reused)")
    ap.add_argument("--scenario-n", type=int, default=5000, help="records for the scenario case (f)")
    ap.add_argument("--scenario-runs", type=int, default=20, help="replications for the scenario case (f)")
    ap.add_argument("--cluster", action="store_true", help="the Dask case: a 10-file dataset, one process vs a cluster")
    ap.add_argument("--scheduler", default=None, help="with --cluster: this cluster instead of 2 local workers")
    args = ap.parse_args(argv)
    if args.cluster:
        return cluster_bench(args)

    import pyarrow.parquet as pq

    from .engines import evaluate
    from .language import default_rules_dir, load_rulebook
    from .records import generate_population, load_records, write_records

    work = args.dir or Path(tempfile.gettempdir()) / "hpr-bench"
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"staff-{args.n}-{args.seed}.parquet"
    if not data.exists():
        t = time.perf_counter()
        write_records(generate_population(args.n, args.seed), data)
        print(f"generated {args.n:,} records in {time.perf_counter() - t:.1f} s -> {data}")
    book = load_rulebook(default_rules_dir())
    copy, out, out_sql, sql_file = (work / name for name in
                                    ("copy.parquet", "findings.parquet", "findings-duckdb.parquet", "bench.sql"))
    small = work / "staff-1000.parquet"  # the memory of interpreter and libraries: hpr check on 1,000 records
    pq.write_table(pq.read_table(data).slice(0, 1000), small)
    try:
        import duckdb  # noqa: F401
        have_duckdb = True
        sql_file.write_text(duckdb_sql(book, args.date, data, out_sql), encoding="utf-8")
    except ImportError:
        have_duckdb = False

    print(compiled_bytecode(work))
    check = [_HPR, "check", str(data), "--date", args.date.isoformat(), "--out", str(out)]
    procs = {"bare": [_BARE, str(data), str(copy)], "hpr": check}
    if have_duckdb:
        procs["duckdb"] = [_DUCKDB, str(sql_file)]
    best: dict[str, tuple[float, int, float]] = {}
    try:
        for _ in range(max(args.repeat, 1)):
            for name, cmd in procs.items():
                t, rss, cpu = _run(*cmd)
                old = best.get(name)
                best[name] = (min(t, old[0]), max(rss, old[1]), min(cpu, old[2])) if old else (t, rss, cpu)
        base_rss = _run(_HPR, "check", str(small), "--date", args.date.isoformat(),
                        "--out", str(work / "findings-small.parquet"))[1]
        hpr_counts = status_counts(out)
        duck_counts = status_counts(out_sql) if have_duckdb else None
        table_bytes = pq.read_table(data).nbytes

        # (d) in process, on a sample: the engines alone
        rs = load_records(data)
        sample = rs.frame.head(args.sample)
        t = time.perf_counter()
        evaluate(sample, book, args.date, engine="durable")
        t_durable = time.perf_counter() - t
        t = time.perf_counter()
        evaluate(rs.frame, book, args.date, engine="vector")
        t_vector = time.perf_counter() - t
    finally:
        for p in (copy, out, out_sql, sql_file, small, work / "findings-small.parquet"):
            if p.exists():
                os.unlink(p)

    n_rules = len(book.rules)
    print(f"records: {args.n:,} ({data.name}, {data.stat().st_size / 2**20:,.0f} MiB on disk, "
          f"{table_bytes / 2**20:,.0f} MiB as an Arrow table); rules: {n_rules}; findings rows: "
          f"{sum(hpr_counts.values()):,}; {os.cpu_count()} cores; best of {max(args.repeat, 1)} runs each")
    ta, ra, ca = best["bare"]
    tb, rb, cb = best["hpr"]
    print(f"(a) bare pyarrow read + write:                 {ta:7.2f} s   cpu {ca:6.2f} s   peak RSS {ra / 2**20:7,.0f} MiB")
    print(f"(b) hpr check (whole process, Parquet out):    {tb:7.2f} s   cpu {cb:6.2f} s   peak RSS {rb / 2**20:7,.0f} MiB")
    if have_duckdb:
        tc, rc, cc = best["duckdb"]
        print(f"(c) DuckDB SQL of the same rules:              {tc:7.2f} s   cpu {cc:6.2f} s   peak RSS {rc / 2**20:7,.0f} MiB")
    else:
        print("(c) DuckDB SQL of the same rules:              not run: duckdb is not installed "
              "(pip install 'hpr-rules[bench]')")
    print("    findings per rule and status, hpr" + (" = DuckDB" if have_duckdb else "") + ":")
    _print_counts(hpr_counts, duck_counts)
    if have_duckdb:
        same = hpr_counts == duck_counts
        print("    counts per rule, status and reason: " + ("identical" if same else
              "DIFFERENT: the SQL does not implement the rule files as they are now"))
    print("ratios (wall time; cpu time in brackets, steadier on a busy machine):")
    if have_duckdb:
        print(f"    hpr / DuckDB:                               {tb / tc:7.2f}   [{cb / cc:.2f}]   "
              f"(goal <= {GOALS['hpr/duckdb']})")
    print(f"    hpr / bare read + write:                    {tb / ta:7.2f}   [{cb / ca:.2f}]   "
          f"(goal <= {GOALS['hpr/bare']})")
    net = max(rb - base_rss, 0)
    print(f"    peak RSS of hpr / records table:            {rb / table_bytes:7.2f}   (goal <= {GOALS['memory']}); "
          f"less the {base_rss / 2**20:,.0f} MiB of interpreter and libraries (hpr check on 1,000 records): "
          f"{net / table_bytes:.2f}")
    vec_rate, dur_rate = len(rs.frame) / t_vector, len(sample) / t_durable
    print(f"(d) vector {vec_rate:,.0f} records/s (all {n_rules} rules, in process) / durable_rules "
          f"{dur_rate:,.0f} records/s ({len(sample):,}-record sample):")
    print(f"    ratio vector/durable:                       {vec_rate / dur_rate:7.1f}   "
          f"(goal >= {GOALS['vector/durable']:.0f})")
    bare_py, help_py = cli_startup()
    print(f"(e) hpr --help: {help_py:.3f} s, python -c pass: {bare_py:.3f} s; above bare Python "
          f"{help_py - bare_py:.3f} s   (goal <= {GOALS['start-up']} s)")
    sc_data = work / f"staff-{args.scenario_n}-{args.seed}.csv"
    if not sc_data.exists():
        write_records(generate_population(args.scenario_n, args.seed, reference_date=dt.date(2026, 1, 1)), sc_data)
    t = scenario_vs_check(sc_data, work, args.scenario_runs, dt.date(2026, 1, 1))
    (cw, ccpu), (sw, scpu) = t["check"], t["scenario"]
    print(f"(f) hpr scenario run baseline ({args.scenario_runs} runs, {args.scenario_n:,} records): {sw:.2f} s "
          f"wall, {scpu:.2f} s cpu; hpr check of the same file: {cw:.2f} s wall, {ccpu:.2f} s cpu; "
          f"ratio {sw / cw:.1f} wall, {scpu / ccpu:.1f} cpu   (goal <= 5)")
    return 0 if (not have_duckdb or hpr_counts == duck_counts) else 1


_DATASET_CHILD = """
import datetime as dt, sys, time
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0
from hpr_rules.language import default_rules_dir, load_rulebook
from hpr_rules.scale import check_dataset
import pyarrow.parquet, pandas, numpy, hpr_rules.engines.vector, hpr_rules.records.validate
scheduler = sys.argv[4] if sys.argv[4] != "-" else None
if scheduler:
    import distributed
book = load_rulebook(default_rules_dir())
base = hwm()
t = time.perf_counter()
res = check_dataset(sys.argv[1], book, dt.date.fromisoformat(sys.argv[3]), sys.argv[2], use_dask=bool(scheduler),
                    scheduler=scheduler)
print(time.perf_counter() - t, base, hwm(), res["rows_read"])
"""


def _dataset_run(data: Path, out: Path, day: dt.date, scheduler: str | None) -> tuple[float, int, int]:
    """(seconds, peak resident bytes, of which libraries) of a fresh driver process checking ``data``."""
    import shutil
    import subprocess
    import sys
    res = subprocess.run([sys.executable, "-c", _DATASET_CHILD, str(data), str(out), day.isoformat(), scheduler or "-"],
                         capture_output=True, text=True, check=True)
    shutil.rmtree(out, ignore_errors=True)
    t, base, peak, _ = res.stdout.split()
    return float(t), int(peak), int(base)


def cluster_bench(args, files: int = 10) -> int:
    """The Dask case (``--cluster``): see the module docstring."""
    import numpy as np

    from .cluster import LOCAL, connect
    from .records import generate_population, write_records
    work = args.dir or Path(tempfile.gettempdir()) / "hpr-bench"
    data = work / f"dataset-{args.n}-{args.seed}"
    if not (data / f"part-{files - 1:02d}.parquet").exists():
        data.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        frame = generate_population(args.n, args.seed)
        t = time.perf_counter() - start
        for i, rows in enumerate(np.array_split(np.arange(len(frame)), files)):
            write_records(frame.iloc[rows].drop(columns=["row"]), data / f"part-{i:02d}.parquet")
        print(f"generated {args.n:,} records in {t:.1f} s -> {data} ({files} files)")
        del frame
    out = work / "findings-dataset"
    t1, peak1, base1 = _dataset_run(data, out, args.date, None)
    start = time.perf_counter()
    with connect(args.scheduler or LOCAL, n_workers=2) as client:
        for module in ("hpr_rules.scale", "hpr_rules.engines.vector", "hpr_rules.records.validate"):
            client.run(importlib.import_module, module)  # imported once per worker: start-up, not checking
        ts = time.perf_counter() - start
        where = args.scheduler or f"local cluster of {len(client.scheduler_info()['workers'])} worker processes"
        t2, peak2, base2 = _dataset_run(data, out, args.date, client.scheduler.address)
    print(f"dataset: {files} Parquet files, {args.n:,} records, {args.date}")
    print(f"one process, vector, file by file:  {t1:8.2f} s; driver peak resident {peak1 / 2**20:,.0f} MiB "
          f"({(peak1 - base1) / 2**20:,.0f} MiB above interpreter and libraries)")
    print(f"Dask, {where}: {t2:8.2f} s; driver peak resident {peak2 / 2**20:,.0f} MiB "
          f"({(peak2 - base2) / 2**20:,.0f} MiB above interpreter and libraries); cluster start {ts:.1f} s")
    print(f"    ratio one process / cluster: {t1 / t2:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
