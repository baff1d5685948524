"""Every error class, every wrong type, cyclic and invalid input: each is a
Python exception with a clear message, never a crash."""

import pytest

import verno
from conftest import example


def test_hierarchy():
    assert issubclass(verno.VernoError, Exception)
    for cls in (verno.YamlError, verno.InvalidPolicyError, verno.UnsupportedError):
        assert issubclass(cls, verno.PolicyError)
    assert issubclass(verno.PolicyError, verno.VernoError)
    assert issubclass(verno.InputError, verno.VernoError)
    assert issubclass(verno.InputError, ValueError)
    assert issubclass(verno.HostError, verno.VernoError)


def test_yaml_error_has_location():
    with pytest.raises(verno.YamlError) as info:
        verno.Engine("apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: [unclosed\n")
    err = info.value
    assert err.kind == "yaml"
    assert err.line is not None
    assert str(err) == err.message
    assert err.detail


def test_invalid_policy_error_names_policy():
    bad = example("disallow-privileged.yaml").replace("kinds:", "kinds: 5\n        x:")
    with pytest.raises(verno.InvalidPolicyError) as info:
        verno.Engine(bad)
    err = info.value
    assert err.kind == "invalid"
    assert err.policy == "disallow-privileged"
    assert "disallow-privileged" in str(err)


def test_unsupported_error():
    # A CEL MutatingPolicy is a Kyverno kind verno does not implement yet.
    policy = """
apiVersion: policies.kyverno.io/v1alpha1
kind: MutatingPolicy
metadata: {name: cel-policy}
spec:
  mutations: []
"""
    with pytest.raises(verno.UnsupportedError) as info:
        verno.Engine(policy)
    err = info.value
    assert err.kind == "unsupported"
    assert err.policy == "cel-policy"
    assert err.line == 2
    assert "MutatingPolicy" in str(err)


@pytest.mark.parametrize("bad", [5, 3.5, None, True, object(), ["not a policy"], [1, 2]])
def test_policies_of_wrong_type(bad):
    with pytest.raises(verno.InputError) as info:
        verno.Engine(bad)
    assert info.value.argument == "policies"
    assert info.value.kind == "input"


def test_from_yaml_requires_text():
    with pytest.raises(verno.InputError, match="from_yaml expects str or bytes"):
        verno.Engine.from_yaml({"kind": "ClusterPolicy"})


def test_multi_document_resource_text_raises_instead_of_judging_the_first(engine, pod_text):
    unprivileged = example("nginx-unprivileged.yaml")
    for method in (engine.validate, engine.mutate, engine.evaluate):
        with pytest.raises(verno.InputError, match="2 YAML documents") as info:
            method(unprivileged + "\n---\n" + pod_text)
        assert info.value.argument == "resource"


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (5, "a number"),
        ("just a string", "a string"),
        ([], "a list"),
        ({"metadata": {}}, "kind"),
        (b"\xff\xfe not utf8", "UTF-8"),
        ("key: [unclosed", ""),
        ({"kind": "Pod", "x": {1, 2}}, "set"),
        ({"kind": "Pod", 1: "int key"}, "dict keys must be str"),
        ({"kind": "Pod", "n": float("nan")}, "NaN"),
        ({"kind": "Pod", "n": 2**70}, "64 bits"),
        ({"kind": "Pod", "s": "\ud800"}, "Unicode"),
        (object(), "object"),
    ],
)
def test_resource_of_wrong_type(engine, bad, fragment):
    with pytest.raises(verno.InputError) as info:
        engine.validate(bad)
    assert info.value.argument == "resource"
    assert fragment in str(info.value)
    # InputError is a ValueError, so generic handlers catch it too.
    with pytest.raises(ValueError):
        engine.mutate(bad)


def test_error_path_points_at_value(engine, pod):
    pod["spec"]["containers"][0]["image"] = b"nginx"
    with pytest.raises(verno.InputError, match=r"at /spec/containers/0/image: cannot convert bytes"):
        engine.validate(pod)


def test_cyclic_dict_and_list(engine, pod):
    pod["spec"]["self"] = pod
    with pytest.raises(verno.InputError, match="nested deeper than"):
        engine.validate(pod)
    loop: list = []
    loop.append(loop)
    with pytest.raises(verno.InputError, match="nested deeper than"):
        engine.validate({"kind": "Pod", "spec": loop})
    with pytest.raises(verno.InputError):
        verno.Engine(loop)


def test_deep_but_finite_nesting_is_fine(engine):
    deep: dict = {}
    node = deep
    for _ in range(200):
        node["a"] = {}
        node = node["a"]
    assert engine.validate({"kind": "ConfigMap", "metadata": {"name": "x"}, "data": deep})[
        "allowed"
    ]


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"operaton": "CREATE"}, "operaton"),
        ({"operation": "EXPLODE"}, "EXPLODE"),
        (5, "options"),
        ("CREATE", "options"),
    ],
)
def test_bad_options(engine, pod, options, fragment):
    with pytest.raises(verno.InputError) as info:
        engine.validate(pod, options)
    assert info.value.argument == "options"
    assert fragment in str(info.value)


def test_bad_report_arguments(engine, pod):
    with pytest.raises(verno.InputError, match="expected a list"):
        engine.report(pod)
    with pytest.raises(verno.InputError) as info:
        engine.report([pod, 7])
    assert info.value.argument == "resource 1"
    with pytest.raises(verno.InputError, match="unknown format"):
        engine.report([pod], {"format": "csv"})


def test_bad_admission_review(engine, pod):
    with pytest.raises(verno.InputError, match="no `request` object"):
        engine.admit({"kind": "AdmissionReview"})
    with pytest.raises(verno.InputError):
        engine.admit({"request": {"object": {"no": "kind"}}})
    with pytest.raises(verno.InputError):
        engine.admit(b"\xc3\x28")


def test_bad_host_member(policy_text):
    with pytest.raises(verno.InputError, match="host.now must be callable"):
        verno.Engine(policy_text, host={"now": 5})
