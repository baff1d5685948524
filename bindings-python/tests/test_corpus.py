"""A sample of upstream kyverno-policies suites (plain validate, all listed
in conformance/passing.txt) run through the binding: every expected
(policy, rule, resource, result) of the suite's kyverno-test.yaml must match.

Policy files are given to the engine as text; resource files are split into
documents and each document is validated as text, so the binding's YAML path
is what is tested. PyYAML only reads the test file and resource names."""

import pathlib
import re

import pytest
import yaml

import verno
from conftest import CORPUS

SUITES = [
    "best-practices/disallow-latest-tag",
    "best-practices/require-labels",
    "best-practices/restrict-node-port",
    "best-practices/require-ro-rootfs",
    "best-practices/disallow-default-namespace",
    "best-practices/restrict-image-registries",
    "other/require-annotations",
    "other/restrict-service-port-range",
    "pod-security/baseline/disallow-capabilities",
    "pod-security/restricted/require-run-as-nonroot",
]

DOC_SPLIT = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)


def documents(path: pathlib.Path):
    """(text, parsed) for each non-empty YAML document of a file."""
    for text in DOC_SPLIT.split(path.read_text()):
        parsed = yaml.safe_load(text)
        if isinstance(parsed, dict):
            yield text, parsed


@pytest.mark.parametrize("suite", SUITES)
def test_suite(suite):
    folder = CORPUS / suite / ".kyverno-test"
    test_file = folder / "kyverno-test.yaml"
    if not test_file.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    test = yaml.safe_load(test_file.read_text())
    policy_text = "\n---\n".join((folder / p).read_text() for p in test["policies"])
    engine = verno.Engine(policy_text)

    # Evaluate every resource once: {resource id: {(policy, rule): result}}.
    outcomes: dict = {}
    for rel in test["resources"]:
        for text, parsed in documents(folder / rel):
            meta = parsed.get("metadata") or {}
            name, ns = meta.get("name"), meta.get("namespace")
            rows = {(r["policy"], r["rule"]): r["result"] for r in engine.validate(text)["results"]}
            for key in filter(None, [name, ns and f"{ns}/{name}"]):
                outcomes.setdefault(key, {}).update(rows)

    checked = 0
    for expected in test["results"]:
        for resource in expected["resources"]:
            assert resource in outcomes, f"{suite}: no resource {resource}"
            # As `kyverno test` does: the rule, or its autogen form for controllers.
            rule = expected["rule"]
            names = [rule, f"autogen-{rule}", f"autogen-cronjob-{rule}"]
            found = [outcomes[resource].get((expected["policy"], n)) for n in names]
            got = next((r for r in found if r is not None), "skip")
            assert got == expected["result"], (
                f"{suite}: {expected['policy']}/{expected['rule']} on {resource}: "
                f"expected {expected['result']}, got {got}"
            )
            checked += 1
    assert checked > 0
