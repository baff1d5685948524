"""examples/fleet-scan: verno's scan partitioned over Dask workers (local
mode, two worker processes) gives what one scan over everything gives."""

import subprocess
import sys

import pytest
from dask.distributed import Client, LocalCluster

import verno

from conftest import EXAMPLES
from test_scan import strip_time, verno_cli

FLEET = EXAMPLES / "fleet-scan"
sys.path.insert(0, str(FLEET))
import fleet_scan  # noqa: E402  (the example, imported from its directory)

MANIFESTS = FLEET / "manifests"
POLICIES = [FLEET / "policies", EXAMPLES / "disallow-privileged.yaml", EXAMPLES / "disallow-latest-tag.yaml"]


@pytest.fixture(scope="module")
def client():
    # Worker processes, as on a cluster: what a partition gets and gives
    # back is pickled across processes.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as c:
            yield c


def whole_scan():
    return verno.scan(POLICIES, MANIFESTS)


def test_every_manifest_file_is_its_own_partition_here():
    # The cases below rely on the Namespace objects and the pods in them
    # being scanned by different partitions.
    files = fleet_scan.manifest_files([MANIFESTS])
    assert [f.name for f in files] == ["kubectl-dump.json", "namespaces.yaml", "sandbox.yaml", "shop.yaml"]
    assert fleet_scan.partitions(files, 8) == [[f] for f in files]


def test_partitions_are_contiguous_runs_covering_every_file(tmp_path):
    for i, size in enumerate([5, 1, 1, 1, 9, 1, 1, 30, 2]):
        (tmp_path / f"{i}.yaml").write_text("x" * size)
    files = fleet_scan.manifest_files([tmp_path])
    for count in range(1, 12):
        parts = fleet_scan.partitions(files, count)
        assert [f for p in parts for f in p] == files
        assert 1 <= len(parts) <= count
        assert all(parts)


def test_merged_table_equals_one_scan_over_everything(client):
    merged = fleet_scan.fleet_scan(client, POLICIES, [MANIFESTS], results=False)
    want = fleet_scan.table(whole_scan())
    assert fleet_scan.table(merged) == want
    # Not a table of nothing: every policy has a row, and some fail.
    assert {"cpol-require-team-in-prod", "cpol-require-namespace-owner", "vpol-disallow-latest-tag"} <= {
        r["metadata"]["name"] for r in merged
    }
    assert fleet_scan.failed(merged)


def test_merged_reports_equal_one_scan_result_for_result(client):
    merged = fleet_scan.fleet_scan(client, POLICIES, [MANIFESTS], results=True)
    assert strip_time(merged) == strip_time(whole_scan())


@pytest.mark.skipif(verno_cli() is None, reason="no verno CLI with `scan` (cargo build --release -p verno-cli)")
def test_merged_table_is_the_table_verno_scan_prints(client):
    cli = subprocess.run(
        [verno_cli(), "scan", *map(str, POLICIES), "--resources", str(MANIFESTS)],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 1, cli.stderr
    merged = fleet_scan.fleet_scan(client, POLICIES, [MANIFESTS], results=False)
    assert fleet_scan.table(merged) == cli.stdout


def test_namespace_selector_sees_namespaces_of_other_partitions(client):
    policy = [FLEET / "policies" / "require-team-in-prod.yaml"]
    merged = fleet_scan.fleet_scan(client, policy, [MANIFESTS], results=False)
    counts = {r["metadata"]["namespace"]: r["summary"] for r in merged}
    # shop is labelled env=prod in namespaces.yaml, a partition of its own:
    # its pods (one in the kubectl dump, two in workloads/shop.yaml) are judged.
    assert counts["shop"]["pass"] == 2 and counts["shop"]["fail"] == 1
    assert "sandbox" not in counts
    assert fleet_scan.table(merged) == fleet_scan.table(verno.scan(policy, MANIFESTS))


def test_a_partition_alone_would_miss_its_namespace_labels():
    # Why the job gathers namespaces first: without them, the pods of
    # workloads/shop.yaml match no prod namespace.
    scanner = verno.Scanner(FLEET / "policies" / "require-team-in-prod.yaml")
    assert scanner.uses_namespace_selector
    alone = scanner.scan(MANIFESTS / "workloads" / "shop.yaml")
    assert alone == []
    labels = scanner.namespaces(MANIFESTS)
    assert labels["shop"] == {"env": "prod", "owner": "shop-team"}
    given = scanner.scan(MANIFESTS / "workloads" / "shop.yaml", namespaces=labels)
    assert [r["summary"]["fail"] for r in given] == [1]


def _count_scanners():
    """Run in each worker: count the ``verno.Scanner``s built from now on."""
    real = verno.Scanner
    built = []

    class Counting:
        def __new__(cls, *args, **kwargs):
            built.append(1)
            return real(*args, **kwargs)

    verno._real_scanner = real
    verno.Scanner = Counting
    verno._built = built


def _scanners_built():
    verno.Scanner = verno._real_scanner
    return len(verno._built)


def test_each_worker_compiles_the_policies_once_not_per_partition(client):
    client.run(_count_scanners)
    try:
        fleet_scan.fleet_scan(client, POLICIES, [MANIFESTS], partitions_per_worker=4, results=False)
    finally:
        built = client.run(_scanners_built)
    assert len(fleet_scan.manifest_files([MANIFESTS])) == 4
    assert sorted(built.values()) == [1, 1], built


def test_a_document_verno_cannot_judge_fails_the_job(client, tmp_path):
    (tmp_path / "a.yaml").write_text((MANIFESTS / "workloads" / "shop.yaml").read_text())
    (tmp_path / "b.yaml").write_text("[1, 2]\n")
    with pytest.raises(verno.InputError, match="rejected"):
        fleet_scan.fleet_scan(client, POLICIES, [tmp_path])


def test_the_example_command_prints_the_table_and_exits_as_verno_scan(capsys):
    code = fleet_scan.main(
        [*map(str, POLICIES), "--resources", str(MANIFESTS), "--workers", "2"]
    )
    assert code == 1
    assert capsys.readouterr().out == fleet_scan.table(whole_scan())
