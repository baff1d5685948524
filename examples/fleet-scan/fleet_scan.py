"""verno's background scan of a manifest lake, partitioned over Dask workers.

The files of the inputs are cut into partitions (contiguous runs of files,
balanced by size); each Dask worker compiles the policies once
(``verno.Scanner``) and scans every partition it is given with them; the
partitions' reports are merged and printed as ``verno scan`` prints them:
the table ``kubectl get policyreports -A`` shows, or the reports as JSON.
Every verdict comes from verno; this file only moves files and adds
counts.

    python fleet_scan.py POLICY... --resources INPUT... [--workers 2]
    python fleet_scan.py POLICY... --resources INPUT... --scheduler tcp://scheduler:8786

The exit code is ``verno scan``'s: 1 when a fail or error was found (or a
document could not be judged), 0 otherwise.
"""

import argparse
import contextlib
import json
import os
import pathlib
import sys

from dask.distributed import Client, LocalCluster, WorkerPlugin, get_worker

import verno

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
COUNTS = ("pass", "fail", "warn", "error", "skip")
HEADER = ("NAMESPACE", "NAME", "PASS", "FAIL", "WARN", "ERROR", "SKIP", "AGE")
# An offline report has no creation time; kubectl prints this for none.
AGE = "<unknown>"


# --- inputs and partitions ---------------------------------------------------


def manifest_files(inputs):
    """The files ``verno scan`` reads for these inputs, in its order: a
    directory gives its ``.yaml``/``.yml``/``.json`` files, recursively,
    sorted by path, hidden entries skipped; a file is read as named."""
    out = []
    for given in inputs:
        path = pathlib.Path(given)
        if not path.is_dir():
            out.append(path)
            continue
        found = []
        for root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [
                pathlib.Path(root, f)
                for f in files
                if not f.startswith(".") and f.endswith(MANIFEST_SUFFIXES)
            ]
        # By path components, as verno sorts (so "a/b" comes before "a-b").
        out += sorted(found, key=lambda p: p.parts)
    return out


def partitions(files, count):
    """Cut ``files`` into at most ``count`` contiguous runs of about equal
    bytes (a file is never split: it may be a ``kind: List`` dump, one
    document). Contiguous, so that the merged reports list results in the
    order one scan over every file would."""
    if count >= len(files):
        return [[f] for f in files]
    sizes = [max(f.stat().st_size, 1) for f in files]
    total = sum(sizes)
    parts, current, filled = [], [], 0
    for f, size in zip(files, sizes):
        current.append(f)
        filled += size
        if filled * count >= total * (len(parts) + 1) and len(parts) < count - 1:
            parts.append(current)
            current = []
    if current:
        parts.append(current)
    return parts


# --- the work of one worker ---------------------------------------------------

PLUGIN = "verno-scanner"


class ScannerPlugin(WorkerPlugin):
    """Compiles the policies once per worker, when the worker joins: every
    partition the worker scans reuses them (compiling every corpus policy
    costs more than scanning a small partition)."""

    def __init__(self, policies):
        self.policies = list(policies)
        self.scanner = None

    def setup(self, worker):
        self.scanner = verno.Scanner(self.policies)


def _scanner():
    return get_worker().plugins[PLUGIN].scanner


def partition_namespaces(files):
    """The labels of the Namespace objects of one partition."""
    return _scanner().namespaces([pathlib.Path(f) for f in files], threads=1)


def scan_partition(files, namespaces, threads, results):
    """One partition's reports; without their ``results`` when only the
    counts are wanted (the table), so that little goes back over the wire."""
    reports = _scanner().scan([pathlib.Path(f) for f in files], namespaces=namespaces, threads=threads)
    if not results:
        for r in reports:
            r.pop("results", None)
    return reports


# --- merging and printing ------------------------------------------------------


def merge(partials):
    """One report per namespace and policy from the partitions' reports
    (given in partition order): results concatenated, summaries added,
    sorted as ``verno scan`` sorts them (cluster reports first)."""
    merged = {}
    for reports in partials:
        for r in reports:
            key = (r["metadata"].get("namespace", ""), r["metadata"]["name"])
            into = merged.get(key)
            if into is None:
                merged[key] = dict(r, summary=dict(r["summary"]))
                if "results" in r:
                    merged[key]["results"] = list(r["results"])
                continue
            for k in COUNTS:
                into["summary"][k] += r["summary"][k]
            if "results" in r:
                into.setdefault("results", []).extend(r["results"])
    return [merged[k] for k in sorted(merged)]


def table(reports):
    """``verno scan``'s default table, padded as kubectl pads columns."""
    rows = [HEADER] + [
        (r["metadata"].get("namespace", ""), r["metadata"]["name"])
        + tuple(str(r["summary"][k]) for k in COUNTS)
        + (AGE,)
        for r in reports
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for row in rows:
        cells = [c + " " * (w - len(c) + 3) for c, w in zip(row[:-1], widths)]
        lines.append(("".join(cells) + row[-1]).rstrip())
    return "\n".join(lines) + "\n"


def failed(reports):
    """Whether a fail or error was found: ``verno scan``'s exit code 1."""
    return any(r["summary"]["fail"] or r["summary"]["error"] for r in reports)


# --- the job --------------------------------------------------------------------


def fleet_scan(client, policies, inputs, *, partitions_per_worker=4, threads=1, results=True):
    """Scan ``inputs`` (files and directories) with ``policies`` (files and
    directories of policies) on the Dask cluster of ``client``; the merged
    reports. ``threads``: verno's threads per partition (one per core a
    worker has). A document verno cannot judge fails the job with
    ``verno.InputError``, as it fails ``verno scan``."""
    policy_files = manifest_files(policies)
    # Compiled here first: a policy verno refuses stops the job before any
    # worker starts, and the error names its file.
    local = verno.Scanner(policy_files)
    client.register_plugin(ScannerPlugin(f.read_text() for f in policy_files), name=PLUGIN)
    files = manifest_files(inputs)
    workers = max(len(client.scheduler_info()["workers"]), 1)
    parts = [[str(f) for f in p] for p in partitions(files, workers * partitions_per_worker)]
    namespaces = None
    if local.uses_namespace_selector:
        # A namespaceSelector needs the labels of Namespace objects that may
        # sit in any partition: gather them first (a later one wins, as in
        # one scan), then give them to every partition.
        namespaces = {}
        for found in client.gather(client.map(partition_namespaces, parts, pure=False)):
            namespaces.update(found)
    n = len(parts)
    futures = client.map(
        scan_partition, parts, [namespaces] * n, [threads] * n, [results] * n, pure=False
    )
    return merge(client.gather(futures))


def main(argv=None):
    ap = argparse.ArgumentParser(description="verno scan over Dask workers")
    ap.add_argument("policies", nargs="+", type=pathlib.Path)
    ap.add_argument("--resources", nargs="+", type=pathlib.Path, required=True)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="local worker processes (without --scheduler)")
    ap.add_argument("--scheduler", help="a running Dask scheduler, e.g. tcp://scheduler:8786")
    ap.add_argument("--threads", type=int, default=1, help="verno threads per worker")
    ap.add_argument("--partitions-per-worker", type=int, default=4)
    ap.add_argument("-o", "--output", choices=("table", "json"), default="table")
    args = ap.parse_args(argv)

    # Results cross the wire only when they are printed.
    want_results = args.output == "json"
    with contextlib.ExitStack() as stack:
        if args.scheduler:
            client = stack.enter_context(Client(args.scheduler))
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
                )
            )
            client = stack.enter_context(Client(cluster))
        try:
            reports = fleet_scan(
                client,
                args.policies,
                args.resources,
                partitions_per_worker=args.partitions_per_worker,
                threads=args.threads,
                results=want_results,
            )
        except verno.VernoError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    if args.output == "json":
        print(json.dumps({"apiVersion": "v1", "kind": "List", "items": reports}, indent=2))
    else:
        sys.stdout.write(table(reports))
    return 1 if failed(reports) else 0


if __name__ == "__main__":
    sys.exit(main())
