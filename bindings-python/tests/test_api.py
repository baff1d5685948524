"""The API on the repo's examples: validate, mutate, evaluate, admit, report,
policies, and the input forms (dict, str, bytes, list of policies)."""

import json

import verno
from conftest import DENIAL, PRIVILEGED_PATH, example

ADD_LABEL = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: add-team-label
spec:
  rules:
    - name: add-team
      match:
        any:
          - resources:
              kinds: [Pod]
      mutate:
        patchStrategicMerge:
          metadata:
            labels:
              team: platform
"""


def test_validate_enforce_denial_text(engine, pod_text):
    out = engine.validate(pod_text)
    assert out["allowed"] is False
    assert out["message"] == DENIAL
    assert out["results"] == [
        {
            "policy": "disallow-privileged",
            "rule": "validate-allowPrivilegeEscalation",
            "type": "validate",
            "result": "fail",
            "message": "validation error: Privileged mode is not allowed. Set "
            "allowPrivilegeEscalation to false. rule validate-allowPrivilegeEscalation "
            "failed at path " + PRIVILEGED_PATH,
            "path": PRIVILEGED_PATH,
            "enforced": True,
        }
    ]


def test_validate_object_text_and_bytes_agree(engine, pod, pod_text):
    by_object = engine.validate(pod)
    assert by_object == engine.validate(pod_text)
    assert by_object == engine.validate(pod_text.encode())
    assert by_object == engine.validate(json.dumps(pod))


def test_unprivileged_pod_is_allowed(engine):
    out = engine.validate(example("nginx-unprivileged.yaml"))
    assert out["allowed"] is True
    assert out["message"] is None
    assert [r["result"] for r in out["results"]] == ["pass"]


def test_audit_policy_allows_with_fail_row(pod):
    engine = verno.Engine(example("restrict-image-registries.yaml"))
    out = engine.validate(pod)
    assert out["allowed"] is True
    assert out["message"] is None
    (row,) = out["results"]
    assert row["policy"] == "restrict-image-registries"
    assert row["rule"] == "validate-registries"
    assert row["result"] == "fail"
    assert row["enforced"] is False


def test_policies_from_dict_and_list(policy_text, pod):
    import yaml

    policy = yaml.safe_load(policy_text)
    audit = yaml.safe_load(example("restrict-image-registries.yaml"))
    assert verno.Engine(policy).validate(pod)["message"] == DENIAL
    both = verno.Engine([policy, audit])
    names = [p["name"] for p in both.policies()]
    assert names == ["disallow-privileged", "restrict-image-registries"]
    assert len(both.validate(pod)["results"]) == 2
    # from_yaml is the same as the constructor for text; multi-document works.
    multi = verno.Engine.from_yaml(policy_text + "\n---\n" + example("restrict-image-registries.yaml"))
    assert [p["name"] for p in multi.policies()] == names


def test_policies_lists_rules(engine):
    (p,) = engine.policies()
    assert p["name"] == "disallow-privileged"
    assert p["kind"] == "ClusterPolicy"
    assert p["namespace"] is None
    assert {"name": "validate-allowPrivilegeEscalation", "type": "validate"} in p["rules"]
    assert "1 policies" in repr(engine)


def test_mutate_returns_patched_resource_and_patch(pod):
    engine = verno.Engine(ADD_LABEL)
    out = engine.mutate(pod)
    assert out["patched"] is True
    assert out["resource"]["metadata"]["labels"] == {"run": "nginx", "team": "platform"}
    assert out["patch"] == [{"op": "add", "path": "/metadata/labels/team", "value": "platform"}]
    assert [(r["rule"], r["type"], r["result"]) for r in out["results"]] == [
        ("add-team", "mutate", "pass")
    ]
    # The caller's dict is not modified.
    assert pod["metadata"]["labels"] == {"run": "nginx"}


def test_evaluate_runs_mutate_then_validate(pod, policy_text):
    engine = verno.Engine(policy_text + "\n---\n" + ADD_LABEL)
    out = engine.evaluate(pod)
    assert out["allowed"] is False
    assert out["message"] == DENIAL
    assert out["resource"]["metadata"]["labels"]["team"] == "platform"
    assert out["generated"] == []
    assert {r["type"] for r in out["results"]} == {"mutate", "validate"}


def test_options_operation_and_user_info(engine, pod):
    import yaml

    old = yaml.safe_load(example("nginx-unprivileged.yaml"))
    out = engine.validate(
        pod,
        options={
            "operation": "UPDATE",
            "oldObject": old,
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "namespaceLabels": {"env": "prod"},
        },
    )
    assert out["allowed"] is False
    # Kyverno skips an UPDATE whose old object already failed the same way.
    same = engine.validate(pod, options={"operation": "UPDATE", "oldObject": pod})
    assert same["allowed"] is True
    # positional options work too
    assert engine.validate(pod, {"operation": "CREATE"})["allowed"] is False


def test_admit_answers_admission_review(engine, pod):
    review = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {"uid": "abc-123", "operation": "CREATE", "object": pod},
    }
    out = engine.admit(review)
    assert out["apiVersion"] == "admission.k8s.io/v1"
    assert out["kind"] == "AdmissionReview"
    resp = out["response"]
    assert resp["uid"] == "abc-123"
    assert resp["allowed"] is False
    assert resp["status"]["message"] == DENIAL
    # text form
    assert engine.admit(json.dumps(review))["response"]["allowed"] is False


def test_report_counts(engine, pod):
    good = example("nginx-unprivileged.yaml")
    (report,) = engine.report([pod, good])
    assert report["apiVersion"] == "wgpolicyk8s.io/v1alpha2"
    assert report["kind"] == "ClusterPolicyReport"
    assert report["summary"] == {"pass": 1, "fail": 1, "warn": 0, "error": 0, "skip": 0}
    per = engine.report([pod, good], {"perResource": True})
    assert len(per) == 2
    assert engine.report([pod], {"format": "openreports"})[0]["apiVersion"].startswith(
        "openreports.io/"
    )
