"""hpr check on a dask.distributed cluster: a LocalCluster of two worker processes, shared by the module."""

import io

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpr_cli.main import cli

distributed = pytest.importorskip("distributed")

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
DAY = "2027-03-01"


class Cluster:
    def __init__(self, client):
        self.client = client
        self.scheduler_address = client.scheduler.address


@pytest.fixture(scope="module")
def cluster():
    """The local cluster hpr starts without an address: two worker processes of one thread, on loopback."""
    from hpr_rules.cluster import LOCAL, connect
    with connect(LOCAL, n_workers=2, memory_limit="1GiB") as client:
        yield Cluster(client)


@pytest.fixture(scope="module")
def client(cluster):
    return cluster.client


def test_local_cluster_is_worker_processes_on_loopback(cluster, client):
    import os

    from hpr_rules.cluster import scheduler_address
    workers = client.scheduler_info()["workers"]
    assert len(workers) == 2 and all(w["nthreads"] == 1 for w in workers.values())
    assert all(a.startswith("tcp://127.0.0.1:") for a in [*workers, cluster.scheduler_address])
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    assert "MALLOC_TRIM_THRESHOLD_" not in client.run(lambda: dict(os.environ)).popitem()[1]
    # which cluster: --scheduler, else Dask's configuration, else (None) a local one
    import dask
    with dask.config.set({"scheduler-address": "tcp://10.0.0.5:8786"}):
        assert scheduler_address(None) == "tcp://10.0.0.5:8786"
        assert scheduler_address("tcp://10.0.0.6:8786") == "tcp://10.0.0.6:8786"
        assert scheduler_address("local") is None
    with dask.config.set({"scheduler-address": None}):
        assert scheduler_address(None) is None


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Four files: rows rejected by validation, an id twice in one file, ids in two and in three files."""
    from hpr_rules.records import write_records
    from hpr_rules.records.synthetic import generate_population
    pop = generate_population(400, seed=3).drop(columns=["row"])
    pop.loc[5, "salary_scale"] = 0  # out of range
    pop.loc[150, "fte"] = -1.0
    pop.loc[120, "employee_id"] = pop.loc[110, "employee_id"]  # twice in the second file
    pop.loc[230, "employee_id"] = pop.loc[10, "employee_id"]  # files a and c
    for i in (260, 350):  # files c and d share an id with file b
        pop.loc[i, "employee_id"] = pop.loc[140, "employee_id"]
    d = tmp_path_factory.mktemp("ds")
    for k, name in enumerate("abcd"):
        write_records(pop.iloc[k * 100:(k + 1) * 100].reset_index(drop=True), d / f"{name}.parquet")
    return d


def parts(out):
    return pd.concat([pd.read_parquet(p) for p in sorted(out.glob("part-*.parquet"))], ignore_index=True)


def test_cluster_findings_equal_single_process(tmp_path, dataset, cluster, client):
    local = run("check", dataset, "--date", DAY, "--out", tmp_path / "local", "--rejects", tmp_path / "lr.csv")
    assert local.exit_code == 0, local.output
    r = run("check", dataset, "--date", DAY, "--engine", "dask", "--scheduler", cluster.scheduler_address,
            "--out", tmp_path / "cluster", "--rejects", tmp_path / "cr.csv")
    assert r.exit_code == 0, r.output
    want, got = parts(tmp_path / "local"), parts(tmp_path / "cluster")
    pd.testing.assert_frame_equal(got, want)
    assert r.stderr.split("\n", 2)[2] == local.stderr.split("\n", 2)[2]  # same counts, same summary
    assert (tmp_path / "cr.csv").read_bytes() == (tmp_path / "lr.csv").read_bytes()  # the rejected rows too
    assert len(pd.read_csv(tmp_path / "cr.csv")) == 9
    assert "400 rows read, 391 accepted, 9 rejected" in r.stderr
    reasons = got.loc[got["status"] == "invalid", "reason"].astype(str)
    assert reasons.str.contains(r"occurs in more than one file of the dataset \(b.parquet, c.parquet, d.parquet\)").sum() == 9
    assert reasons.str.contains(r"\(a.parquet, c.parquet\)").sum() == 6
    assert reasons.str.contains("occurs 2 times").sum() == 6 and reasons.str.contains("salary_scale").sum() == 3
    assert sorted(p.name for p in (tmp_path / "cluster").iterdir()) == ["_SUCCESS"] + [f"part-0000{i}.parquet" for i in range(4)]
    # the tasks ran on the cluster, not in this process
    prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert {"check_part", "id_hashes", "add_hash_counts", "ids_behind"} <= set(prefixes)


def test_driver_gets_counts_only_from_the_configured_scheduler(tmp_path, dataset, cluster, client, book, monkeypatch):
    """No address given: Dask's configuration (DASK_SCHEDULER_ADDRESS) names the cluster."""
    import dask
    import datetime as dt

    from hpr_rules.scale import check_dataset
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    dask.config.refresh()
    try:
        with distributed.get_task_stream(client=client) as ts:
            res = check_dataset(dataset, book, dt.date(2027, 3, 1), tmp_path / "o", use_dask=True,
                                rules=["mandatory_pop"])
    finally:
        monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
        dask.config.refresh()
    # the four files were checked on this cluster (no local cluster was started)
    assert sum(t["key"].startswith("check_part") for t in ts.data) == 4
    assert set(res) == {"files", "rows_read", "rows_rejected", "summary", "counts", "dates"}
    assert (res["files"], res["rows_read"], res["rows_rejected"]) == (4, 400, 9)
    s = res["summary"]  # one row per rule: the only frame the driver holds
    assert s["rule_id"].tolist() == ["mandatory_pop"] and s["total"].tolist() == [400]
    assert "employee_id" not in s.columns
    assert (tmp_path / "o" / "_SUCCESS").exists() and len(list((tmp_path / "o").glob("part-*"))) == 4


def test_bad_file_on_the_cluster_is_one_line_and_no_marker(tmp_path, dataset, cluster):
    import shutil
    ds = tmp_path / "ds"
    shutil.copytree(dataset, ds)
    (ds / "e.parquet").write_bytes(b"PAR1 this is not parquet")
    out = tmp_path / "o"
    out.mkdir()
    (out / "_SUCCESS").write_bytes(b"")  # left by an earlier run
    r = run("check", ds, "--date", DAY, "--engine", "dask", "--scheduler", cluster.scheduler_address, "--out", out)
    assert r.exit_code == 2
    assert "e.parquet" in r.stderr and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (out / "_SUCCESS").exists()


def test_scheduler_needs_the_dask_engine(tmp_path, dataset):
    r = run("check", dataset, "--date", DAY, "--scheduler", "tcp://127.0.0.1:8786", "--out", tmp_path / "o")
    assert r.exit_code == 2 and "--engine dask" in r.stderr


def test_unreachable_scheduler_is_a_usage_error(tmp_path, dataset):
    import dask
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        r = run("check", dataset, "--date", DAY, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9",
                "--out", tmp_path / "o")
    assert r.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.stderr
    assert "Traceback" not in r.stderr


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from([f"E{i}" for i in range(12)] + [" E1 ", ""]), max_size=6),
                min_size=2, max_size=11))
def test_duplicates_counted_on_the_cluster_equal_one_process(tmp_path_factory, client, files):
    """The tree of reduce tasks (eight inputs each) finds exactly the ids the one-process pass finds."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hpr_rules import cluster as cl
    from hpr_rules.scale import cross_file_duplicates
    d = tmp_path_factory.mktemp("ids")
    paths = []
    for k, ids in enumerate(files):
        p = d / f"f{k:02d}.parquet"
        pq.write_table(pa.table({"employee_id": pa.array(ids, pa.string())}), p)
        paths.append(str(p))
    assert cl.cross_file_duplicates(client, paths, "employee_id") == cross_file_duplicates(paths)


def test_a_hash_shared_by_chance_rejects_nothing(tmp_path):
    """Pass two compares the ids themselves: a hash seen in two files is only a suspect."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hpr_rules import cluster as cl
    from hpr_rules.scale import cross_file_messages
    paths = []
    for name, ids in (("a", ["E1", "E2"]), ("b", ["E3", "E2"])):
        pq.write_table(pa.table({"employee_id": ids}), tmp_path / f"{name}.parquet")
        paths.append(str(tmp_path / f"{name}.parquet"))
    tallies = cl._add_hash_counts(*(cl._id_hashes(p, "employee_id") for p in paths))
    assert len(cl._repeated(tallies)) == 1
    # pretend E1 and E3 collided: both hashes are suspects, yet only E2 is in two files
    suspects = np.asarray(pd.util.hash_array(np.array(["E1", "E2", "E3"], dtype=object)))
    where = {}
    for i, p in enumerate(paths):
        for v in cl._ids_behind(p, "employee_id", suspects):
            where.setdefault(v, []).append(i)
    assert list(cross_file_messages(where, paths)) == ["E2"]


@pytest.fixture(scope="module")
def small_scenario(tmp_path_factory):
    import json
    d = tmp_path_factory.mktemp("sc")
    p = d / "small.yaml"
    base = json.dumps(str(ROOT / "scenarios" / "baseline.yaml"))
    p.write_text(f"extends: {base}\nname: small\nhorizon_years: 2\nruns: 3\n"
                 "population:\n  synthetic: {n: 400, seed: 4}\n", encoding="utf-8")
    return p


def test_scenario_runs_on_the_cluster_equal_local_runs(tmp_path, small_scenario, cluster, client):
    stamp = ["--timestamp", "2026-01-01T00:00:00"]
    local = run("scenario", "run", small_scenario, "--seed", 7, "--out", tmp_path / "local.json", *stamp)
    assert local.exit_code == 0, local.output
    with distributed.get_task_stream(client=client) as ts:
        r = run("scenario", "run", small_scenario, "--seed", 7, "--out", tmp_path / "cluster.json", *stamp,
                "--scheduler", cluster.scheduler_address)
    assert r.exit_code == 0, r.output
    assert r.stdout == local.stdout
    assert (tmp_path / "cluster.json").read_bytes() == (tmp_path / "local.json").read_bytes()
    assert sum(t["key"].startswith("_call") for t in ts.data) == 3  # one task per replication


def test_scenario_sweep_on_the_cluster_equals_local_sweep(tmp_path, small_scenario, cluster):
    args = ["scenario", "sweep", small_scenario, "--set", "mobility.advisor_capacity=5,500", "--runs", 2,
            "--timestamp", "2026-01-01T00:00:00"]
    local = run(*args, "--out", tmp_path / "local.json")
    assert local.exit_code == 0, local.output
    r = run(*args, "--out", tmp_path / "cluster.json", "--scheduler", cluster.scheduler_address)
    assert r.exit_code == 0, r.output
    assert r.stdout == local.stdout
    assert (tmp_path / "cluster.json").read_bytes() == (tmp_path / "local.json").read_bytes()


def test_cluster_benchmark_prints_both_paths(tmp_path, cluster, capsys):
    from hpr_rules.bench import main
    assert main(["--cluster", "--n", "600", "--dir", str(tmp_path), "--scheduler", cluster.scheduler_address]) == 0
    out = capsys.readouterr().out
    for label in ("10 Parquet files, 600 records", "one process, vector", "Dask, tcp://127.0.0.1:",
                  "driver peak resident", "ratio one process / cluster"):
        assert label in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset-600-1"]  # findings removed, dataset kept


def test_side_tables_on_the_cluster_equal_single_process(tmp_path, dataset, cluster):
    """Absences and dispensations travel to the workers loaded; their rows are checked
    against the whole dataset's accepted records, as in one process."""
    ids = pd.concat([pd.read_parquet(p, columns=["employee_id"]) for p in sorted(dataset.glob("*.parquet"))])
    ids = ids["employee_id"].astype(str).tolist()
    (tmp_path / "abs.csv").write_text("employee_id,start,end,kind\n" + "".join(
        f"{i},2025-0{1 + k % 9}-01,,{['sick', 'parental', 'unpaid'][k % 3]}\n" for k, i in enumerate(ids[::7]))
        + "NOBODY,2025-01-01,,sick\n")
    (tmp_path / "disp.csv").write_text("employee_id,rule_id,until,ground\n" + "".join(
        f"{i},mandatory_pop,2028-01-01,hardheidsclausule\n" for i in ids[3::11]))
    side = ["--absences", tmp_path / "abs.csv", "--dispensations", tmp_path / "disp.csv"]
    local = run("check", dataset, "--date", DAY, "--out", tmp_path / "local", *side)
    assert local.exit_code == 0, local.output
    r = run("check", dataset, "--date", DAY, "--engine", "dask", "--scheduler", cluster.scheduler_address,
            "--out", tmp_path / "cluster", *side)
    assert r.exit_code == 0, r.output
    pd.testing.assert_frame_equal(parts(tmp_path / "cluster"), parts(tmp_path / "local"))
    assert "hardship" in set(parts(tmp_path / "local")["reason"].astype(str))
    assert "abs.csv" in r.output and "'NOBODY'" in r.output
    plain = run("check", dataset, "--date", DAY, "--out", tmp_path / "plain")
    assert not parts(tmp_path / "plain").equals(parts(tmp_path / "local"))


def test_date_beyond_the_bounds_on_the_cluster_is_one_line(tmp_path, dataset, cluster):
    """Dask workers run the vector kernels: a computed date beyond 2200 stops the run with the
    message of one process, naming the file of the dataset."""
    import shutil
    d = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", d, ignore=shutil.ignore_patterns("tests", "drafts"))
    text = (d / "max_function_tenure.yaml").read_text(encoding="utf-8")
    (d / "max_function_tenure.yaml").write_text(text.replace("- {from: 2026-01-01, value: 7}",
                                                             "- {from: 2026-01-01, value: 100000}"), encoding="utf-8")
    single = tmp_path / "one"
    single.mkdir()
    shutil.copy(dataset / "a.parquet", single / "a.parquet")
    lines = []
    for engine in (["--engine", "vector"], ["--engine", "dask", "--scheduler", cluster.scheduler_address]):
        r = run("check", single, "--rules", d, "--date", DAY, *engine, "--out", tmp_path / engine[1])
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
        lines.append(r.stderr.strip())
    assert lines[0] == lines[1]
    assert lines[0].startswith("hpr: error: a.parquet: rule max_function_tenure, own_due: add_months(function_start_date, "
                               "12 * 100000) gives a date after 2200-12-31 for row 1 (employee ")
    assert not (tmp_path / "dask" / "_SUCCESS").exists()


def _compute_failed(client) -> int:
    return sum("Compute Failed" in msg for logs in client.get_worker_logs().values() for _, msg in logs)


def test_expected_error_on_a_worker_is_not_logged_as_a_crash(tmp_path, dataset, cluster, client):
    """A file the user must fix (a required column missing) stops the run with the project's one
    line; the worker does not log it with a traceback as it does a real crash."""
    import shutil
    ds = tmp_path / "ds"
    shutil.copytree(dataset, ds)
    pd.read_parquet(ds / "b.parquet").drop(columns=["unit"]).to_parquet(ds / "b.parquet")
    before = _compute_failed(client)
    r = run("check", ds, "--date", DAY, "--engine", "dask", "--scheduler", cluster.scheduler_address,
            "--out", tmp_path / "o")
    assert r.exit_code == 2 and "b.parquet" in r.stderr and "'unit'" in r.stderr
    assert _compute_failed(client) == before
    # a scenario replication that fails the same way
    from hpr_rules.cluster import ClusterMap
    from hpr_rules.errors import InputError
    with pytest.raises(InputError, match="bad replication"):
        ClusterMap(client).map(_fail_expected, [1, 2])
    assert _compute_failed(client) == before
    with pytest.raises(ZeroDivisionError):  # a real crash keeps its log entry
        ClusterMap(client).map(_crash, [1])
    assert _compute_failed(client) > before


def _fail_expected(x):
    from hpr_rules.errors import InputError
    raise InputError(f"bad replication {x}")


def _crash(x):
    return x / 0
