"""verno.run_test: a kyverno-test.yaml suite given as {file name: text},
judged in memory with the same rows `verno test` prints."""

import pytest

import verno
from conftest import CORPUS

POLICY = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label team is required"
      pattern: {metadata: {labels: {team: "?*"}}}
"""

PODS = """
apiVersion: v1
kind: Pod
metadata: {name: good, labels: {team: web}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec: {containers: [{name: c, image: busybox}]}
"""

TEST = """
apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: team}
policies: [../policy.yaml]
resources: [../pods.yaml]
results:
- {policy: require-team, rule: check-team, resources: [good], result: pass}
- {policy: require-team, rule: check-team, resources: [bad], result: pass}
"""


def suite():
    return {
        ".kyverno-test/kyverno-test.yaml": TEST,
        "policy.yaml": POLICY,
        "pods.yaml": PODS.encode(),
    }


def test_run_test_returns_the_rows_of_each_test_document():
    (report,) = verno.run_test(suite())
    assert report["path"] == ".kyverno-test/kyverno-test.yaml"
    assert report["error"] is None
    assert (report["passed"], report["failed"]) == (1, 1)
    assert [(r["resource"], r["result"], r["reason"], r["ok"]) for r in report["rows"]] == [
        ("v1/Pod/default/good", "Pass", "Ok", True),
        ("v1/Pod/default/bad", "Fail", "Want pass, got fail", False),
    ]
    assert report["rows"][1]["message"].startswith("validation error: label team is required.")


def test_run_test_strict_reports_a_misspelled_resource_as_not_found():
    files = suite()
    files[".kyverno-test/kyverno-test.yaml"] = TEST.replace("[bad]", "[badd]")
    loose = verno.run_test(files)[0]["rows"]
    strict = verno.run_test(files, strict=True)[0]["rows"]
    assert ("badd", "Not found") in [(r["resource"], r["reason"]) for r in strict]
    assert "badd" not in [r["resource"] for r in loose]


def test_run_test_missing_file_is_a_test_error_naming_it():
    files = suite()
    del files["policy.yaml"]
    (report,) = verno.run_test(files)
    assert report["error"] == ".kyverno-test/../policy.yaml: no such file among the files given"
    assert report["failed"] == 1 and report["passed"] == 0


@pytest.mark.parametrize(
    "files, message",
    [
        ([("kyverno-test.yaml", TEST)], "expected a dict"),
        ({"policy.yaml": POLICY}, "no file named kyverno-test.yaml"),
        ({"kyverno-test.yaml": 3}, "expected str or bytes"),
        ({"../kyverno-test.yaml": TEST}, "climbs above the top"),
    ],
)
def test_run_test_bad_input_is_an_input_error(files, message):
    with pytest.raises(verno.InputError, match=message):
        verno.run_test(files)


def test_run_test_passes_a_corpus_suite_read_into_a_dict():
    root = CORPUS / "argo" / "application-field-validation"
    if not root.is_dir():
        pytest.skip("corpus not present")
    files = {str(p.relative_to(root)): p.read_text() for p in root.rglob("*.yaml")}
    reports = verno.run_test(files, strict=True)
    assert reports and all(r["error"] is None for r in reports)
    assert sum(r["passed"] for r in reports) > 0
    assert sum(r["failed"] for r in reports) == 0
