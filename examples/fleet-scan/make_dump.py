"""Write a synthetic manifest lake for measuring the fleet scan.

The corpus's test resources (``**/resource*.yaml`` of the upstream
kyverno/policies suites), renamed ``<name>-<i>`` and spread over 50
namespaces (with their Namespace objects), cut into files of
``--per-file`` documents each, plus the ``best-practices`` and
``pod-security`` policy files the background scan runs. Generated data:
written outside the repository, never committed.

    python make_dump.py ../../../shared/corpus/kyverno-policies /tmp/lake --resources 20000
"""

import argparse
import copy
import pathlib
import shutil

import yaml

import verno

NAMESPACES = 50
POLICY_GROUPS = ("best-practices", "pod-security")

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def corpus_resources(corpus):
    """The corpus's resource documents that are Kubernetes objects."""
    out = []
    for path in sorted(corpus.glob("**/resource*.yaml")):
        try:
            docs = list(yaml.load_all(path.read_text(), Loader=Loader))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for doc in docs:
            items = doc.get("items", []) if isinstance(doc, dict) and doc.get("kind") == "List" else [doc]
            for d in items:
                meta = d.get("metadata") if isinstance(d, dict) else None
                if (
                    isinstance(meta, dict)
                    and isinstance(meta.get("name"), str)
                    and d.get("apiVersion")
                    and d.get("kind") not in (None, "Namespace")
                ):
                    out.append(d)
    return out


def corpus_policies(corpus):
    """The policy file at the top of each best-practices/pod-security suite,
    where ``verno.Scanner`` accepts it on its own."""
    out = []
    for group in POLICY_GROUPS:
        for path in sorted((corpus / group).glob("**/*.yaml")):
            if any(part.startswith(".") for part in path.relative_to(corpus).parts):
                continue
            try:
                verno.Scanner(path)
            except verno.VernoError:
                continue
            out.append(path)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=pathlib.Path)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--resources", type=int, default=20000)
    ap.add_argument("--per-file", type=int, default=100)
    args = ap.parse_args()

    base = corpus_resources(args.corpus)
    if args.out.exists():
        shutil.rmtree(args.out)
    manifests = args.out / "manifests"
    policies = args.out / "policies"
    manifests.mkdir(parents=True)
    policies.mkdir()
    for i, path in enumerate(corpus_policies(args.corpus)):
        shutil.copy(path, policies / f"{i:03d}-{path.name}")

    namespaces = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": f"ns-{n}", "labels": {"kubernetes.io/metadata.name": f"ns-{n}"}},
        }
        for n in range(NAMESPACES)
    ]
    (manifests / "namespaces.yaml").write_text(yaml.dump_all(namespaces, Dumper=Dumper))
    batch = []
    for i in range(args.resources):
        r = copy.deepcopy(base[i % len(base)])
        r["metadata"]["name"] = f"{r['metadata']['name']}-{i}"
        if "namespace" in r["metadata"]:
            r["metadata"]["namespace"] = f"ns-{i % NAMESPACES}"
        batch.append(r)
        if len(batch) == args.per_file or i == args.resources - 1:
            name = manifests / f"part-{i // args.per_file:05d}.yaml"
            name.write_text(yaml.dump_all(batch, Dumper=Dumper))
            batch = []
    print(f"{args.resources} resources in {manifests}, {len(list(policies.iterdir()))} policy files in {policies}")


if __name__ == "__main__":
    main()
