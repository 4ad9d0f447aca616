"""Benchmark: ``python -m hpr_rules.bench [--n 1000000] [--sample 2000]``.

Prints, measured in one run on this machine:

(a) bare pyarrow read + write of the synthetic Parquet file;
(b) the ``hpr check`` path: read, validate, evaluate all rules (vector), write findings;
(c) the ratio b / a (target <= 3 at 1M records);
(d) vector vs durable_rules records per second on a sample, and their ratio (target >= 100);
(e) peak memory of (b) against the size of the in-memory records frame (target <= 3): traced by
    tracemalloc, and the resident set of a fresh process that runs only (b);
(f) start-up of ``hpr --help`` above a bare ``python -c pass`` (target <= 0.25 s).

``--cluster``: instead, a dataset of 10 Parquet files of --n records in all, checked file by file
in one process (vector) and on a Dask cluster (a local one of 2 worker processes, or
--scheduler ADDRESS), each driven by a fresh process: both times and each driver's peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import tempfile
import time
import tracemalloc
from pathlib import Path


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


_CHILD = """
import datetime as dt, sys
def hwm():
    # VmHWM: this process's peak resident set (ru_maxrss would include the parent's, kept over fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
from hpr_rules.engines import evaluate
from hpr_rules.language import default_rules_dir, load_rulebook
from hpr_rules.outputs import write_table
from hpr_rules.records import load_records
import pyarrow.parquet, pandas, numpy
book = load_rulebook(default_rules_dir())
base = hwm()
write_table(evaluate(load_records(sys.argv[1]), book, dt.date.fromisoformat(sys.argv[3])), sys.argv[2])
print(base, hwm())
"""


def _child_peak_rss(data, out, day) -> tuple[int, int]:
    """Peak resident set (bytes) of a fresh process that runs only the check path, and the
    part of it taken by the interpreter and imported libraries before reading. (0, 0) where
    the platform cannot tell (no /proc)."""
    import subprocess
    import sys
    if not Path("/proc/self/status").exists():
        return 0, 0
    res = subprocess.run([sys.executable, "-c", _CHILD, str(data), str(out), day.isoformat()],
                         capture_output=True, text=True, check=True)
    base, peak = (int(x) for x in res.stdout.split())
    return peak, base


def cli_startup(repeat: int = 5) -> tuple[float, float]:
    """Best-of-``repeat`` wall time of a bare interpreter and of ``hpr --help``, each a fresh process."""
    import subprocess
    import sys

    def best(code):
        return min(_timed(lambda: subprocess.run([sys.executable, "-c", code], check=True,
                                                 stdout=subprocess.DEVNULL))[0] for _ in range(repeat))
    return best("pass"), best("from hpr_cli.main import cli; cli(['--help'], prog_name='hpr')")


def scenario_vs_check(data: Path, out_dir: Path, runs: int, day: dt.date) -> dict:
    """Wall and CPU time of ``hpr check`` and of ``hpr scenario run baseline --runs RUNS`` on the
    same records, each a fresh process (imports included, as a user waits for them)."""
    import resource
    import subprocess
    import sys

    def proc(args):
        code = f"from hpr_cli.main import cli; cli({args!r}, prog_name='hpr')"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, _ = _timed(lambda: subprocess.run([sys.executable, "-c", code], check=True,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    check = proc(["check", str(data), "--date", day.isoformat(), "--out", str(out_dir / "sc-findings.csv")])
    scen = proc(["scenario", "run", "baseline", "--data", str(data), "--runs", str(runs),
                 "--out", str(out_dir / "sc-result.json")])
    for name in ("sc-findings.csv", "sc-result.json"):
        if (out_dir / name).exists():
            os.unlink(out_dir / name)
    return {"check": check, "scenario": scen}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hpr_rules.bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="records (default 1,000,000)")
    ap.add_argument("--sample", type=int, default=2000, help="records for the vector/durable comparison")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2027, 3, 1))
    ap.add_argument("--dir", type=Path, default=None, help="where to keep the generated file (reused)")
    ap.add_argument("--scenario-n", type=int, default=5000, help="records for the scenario case (g)")
    ap.add_argument("--scenario-runs", type=int, default=20, help="replications for the scenario case (g)")
    ap.add_argument("--cluster", action="store_true", help="the Dask case: a 10-file dataset, one process vs a cluster")
    ap.add_argument("--scheduler", default=None, help="with --cluster: this cluster instead of 2 local workers")
    args = ap.parse_args(argv)
    if args.cluster:
        return cluster_bench(args)

    import pyarrow.parquet as pq

    from .engines import evaluate
    from .language import default_rules_dir, load_rulebook
    from .outputs import write_table
    from .records import generate_population, load_records, write_records

    work = args.dir or Path(tempfile.gettempdir()) / "hpr-bench"
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"staff-{args.n}-{args.seed}.parquet"
    if not data.exists():
        t, frame = _timed(lambda: generate_population(args.n, args.seed))
        write_records(frame, data)
        print(f"generated {args.n:,} records in {t:.1f} s -> {data}")
    book = load_rulebook(default_rules_dir())
    out = work / "findings.parquet"
    copy = work / "copy.parquet"

    def bare():
        write_table_ = pq.write_table
        write_table_(pq.read_table(data), copy)

    def check():
        rs = load_records(data)
        findings = evaluate(rs, book, args.date)
        write_table(findings, out)
        return rs, findings

    bare()  # warm the page cache, so both timings read from memory
    ta = min(_timed(bare)[0] for _ in range(3))
    check()  # warm up as for (a): first-call costs (imports, compute kernels) are not the steady state
    tb, (rs, findings) = min((_timed(check) for _ in range(2)), key=lambda r: r[0])
    stages = {}
    stages["read + validate"], rs = _timed(lambda: load_records(data))
    stages["evaluate (vector)"], findings = _timed(lambda: evaluate(rs, book, args.date))
    stages["write findings"], _ = _timed(lambda: write_table(findings, out))
    # memory in a separate, traced run: tracing slows allocation-heavy code, so it is not timed
    tracemalloc.start()
    check()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    frame_bytes = int(rs.frame.memory_usage(deep=True).sum())

    sample = rs.frame.head(args.sample)
    td, _ = _timed(lambda: evaluate(sample, book, args.date, engine="durable"))
    tvs, _ = _timed(lambda: evaluate(sample, book, args.date, engine="vector"))
    n_rules = len(book.rules)
    vec_rate = len(rs.frame) / stages["evaluate (vector)"]
    dur_rate = len(sample) / td

    print(f"records: {rs.rows_read:,} ({len(rs.frame):,} accepted), rules: {n_rules}, findings rows: {len(findings):,}")
    print(f"(a) bare pyarrow read + write:                   {ta:8.2f} s   (best of 3)")
    print(f"(b) hpr check (read, validate, evaluate, write): {tb:8.2f} s   (best of 2; stages of a third run:) "
          + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
    print(f"(c) ratio b/a:                                   {tb / ta:8.2f}   (target <= 3)")
    print(f"(d) vector:  {vec_rate:12,.0f} records/s (all {n_rules} rules, full population)")
    print(f"    durable: {dur_rate:12,.0f} records/s ({len(sample):,}-record sample; vector on the same sample "
          f"{len(sample) / tvs:,.0f}/s)")
    print(f"    ratio vector/durable:                        {vec_rate / dur_rate:8.1f}   (target >= 100)")
    rss, base = _child_peak_rss(data, out, args.date)
    print(f"(e) peak traced memory of (b): {peak / 2**20:,.0f} MiB; records frame {frame_bytes / 2**20:,.0f} MiB; "
          f"ratio {peak / frame_bytes:.2f}   (target <= 3)")
    if rss:
        print(f"    peak resident memory of a process doing only (b): {rss / 2**20:,.0f} MiB, of which "
              f"{base / 2**20:,.0f} MiB interpreter and libraries; (peak - those) / frame = "
              f"{(rss - base) / frame_bytes:.2f}   (tracemalloc does not see Arrow's own buffers)")
    bare_py, help_py = cli_startup()
    print(f"(f) hpr --help: {help_py:.3f} s, python -c pass: {bare_py:.3f} s; above bare Python "
          f"{help_py - bare_py:.3f} s   (target <= 0.25 s)")
    sc_data = work / f"staff-{args.scenario_n}-{args.seed}.csv"
    if not sc_data.exists():
        write_records(generate_population(args.scenario_n, args.seed, reference_date=dt.date(2026, 1, 1)), sc_data)
    t = scenario_vs_check(sc_data, work, args.scenario_runs, dt.date(2026, 1, 1))
    (cw, cc), (sw, scpu) = t["check"], t["scenario"]
    print(f"(g) hpr scenario run baseline ({args.scenario_runs} runs, {args.scenario_n:,} records): {sw:.2f} s "
          f"wall, {scpu:.2f} s cpu; hpr check of the same file: {cw:.2f} s wall, {cc:.2f} s cpu; "
          f"ratio {sw / cw:.1f} wall, {scpu / cc:.1f} cpu   (target <= 5)")
    for p in (copy, out):
        if p.exists():
            os.unlink(p)
    return 0


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
        t, frame = _timed(lambda: generate_population(args.n, args.seed))
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
