"""verno.scan: the background scan of ``verno scan``, from Python."""

import json
import shutil
import subprocess
import threading
import time

import pytest

import verno

from conftest import EXAMPLES, REPO, example

PODS = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: bad, namespace: a}
  spec: {containers: [{name: c, image: nginx, securityContext: {allowPrivilegeEscalation: true}}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: good, namespace: b}
  spec: {containers: [{name: c, image: nginx, securityContext: {allowPrivilegeEscalation: false}}]}
"""


def summaries(reports):
    return {(r["metadata"].get("namespace", ""), r["metadata"]["name"]): r["summary"] for r in reports}


def strip_time(reports):
    for r in reports:
        for row in r.get("results", []):
            row.pop("timestamp", None)
    return reports


def test_scan_counts_per_namespace_and_policy():
    reports = verno.scan(example("disallow-privileged.yaml"), PODS)
    got = summaries(reports)
    assert got[("a", "cpol-disallow-privileged")]["fail"] == 1
    assert got[("b", "cpol-disallow-privileged")]["pass"] == 1
    assert all(r["apiVersion"] == "wgpolicyk8s.io/v1alpha2" for r in reports)


def test_scan_accepts_dicts_lists_and_paths(tmp_path):
    import yaml

    policy = yaml.safe_load(example("disallow-privileged.yaml"))
    pods = yaml.safe_load(PODS)["items"]
    (tmp_path / "pods.yaml").write_text(PODS)
    from_dicts = verno.scan([policy], pods)
    from_paths = verno.scan(EXAMPLES / "disallow-privileged.yaml", tmp_path)
    assert summaries(from_dicts) == summaries(from_paths)


def verno_cli():
    built = REPO / "target" / "release" / "verno"
    cli = str(built) if built.exists() else shutil.which("verno")
    # A CLI built before `verno scan` existed cannot be compared against.
    if cli and subprocess.run([cli, "scan", "--help"], capture_output=True).returncode == 0:
        return cli
    return None


@pytest.mark.skipif(verno_cli() is None, reason="no verno CLI with `scan` (cargo build --release -p verno-cli)")
def test_scan_reports_equal_the_cli_json(tmp_path):
    pods = tmp_path / "pods.yaml"
    pods.write_text(PODS)
    policy = EXAMPLES / "disallow-privileged.yaml"
    cli = subprocess.run(
        [verno_cli(), "scan", str(policy), "--resources", str(pods), "-o", "json"],
        capture_output=True,
        text=True,
    )
    assert cli.returncode in (0, 1), cli.stderr
    want = strip_time(json.loads(cli.stdout)["items"])
    got = strip_time(verno.scan(policy, pods))
    # Results point at the input file by the name each was given.
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)


def test_scan_rejected_document_is_an_input_error_not_dropped():
    with pytest.raises(verno.InputError, match="rejected"):
        verno.scan(example("disallow-privileged.yaml"), PODS + "---\n[1, 2]\n")


def test_scan_bad_argument_type_is_an_input_error():
    with pytest.raises(verno.InputError, match="pathlib.Path"):
        verno.scan(example("disallow-privileged.yaml"), [3])


def test_scan_releases_the_gil():
    # A Python thread keeps ticking while a scan (about 0.3 s here) runs:
    # with the GIL held it could not tick during the call.
    ticks = []
    started = threading.Event()
    stop = threading.Event()

    def ticker():
        started.set()
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    big = "\n---\n".join([PODS] * 2000)
    t = threading.Thread(target=ticker)
    t.start()
    started.wait()
    before = len(ticks)
    verno.scan(example("disallow-privileged.yaml"), big)
    during = len(ticks) - before
    stop.set()
    t.join()
    assert during >= 10, during
