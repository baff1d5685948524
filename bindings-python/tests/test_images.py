"""verifyImages through the host: a ``verify_image`` callback and ``image_data`` fixtures."""

import pytest

import verno

from conftest import example

SUBJECT = "krel-trust@k8s-releng-prod.iam.gserviceaccount.com"
PROMOTER = "k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com"
DIGEST = "sha256:" + "ab" * 32
ETCD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "etcd-controlplane", "namespace": "kube-system"},
    "spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.6-0"}]},
}
MISMATCH = (
    "failed to verify image registry.k8s.io/etcd:3.5.6-0: .attestors[0].entries[0].keyless: "
    f"subject mismatch: expected {SUBJECT}, received {PROMOTER}"
)


def engine():
    return verno.Engine(example("verify-images/policy-stage1.yaml"))


def rows(out):
    return [r for r in out["results"] if r["rule"] == "verify-k8s-images"]


def signed_by(subject):
    def verify_image(request):
        verify_image.requests.append(request)
        return {
            "digest": DIGEST,
            "signatures": [
                {"subjectAlternativeNames": [subject], "issuer": "https://accounts.google.com"}
            ],
        }

    verify_image.requests = []
    return verify_image


def test_verify_image_callback_signed_by_the_expected_subject_passes():
    cb = signed_by(SUBJECT)
    out = engine().evaluate(ETCD, host={"verify_image": cb})
    assert [r["result"] for r in rows(out)] == ["pass"]
    req = cb.requests[0]
    assert req["image"] == "registry.k8s.io/etcd:3.5.6-0"
    assert req["attestor"]["type"] == "keyless"


def test_verify_image_callback_subject_mismatch_fails_with_kyverno_message():
    out = engine().evaluate(ETCD, host={"verify_image": signed_by(PROMOTER)})
    [row] = rows(out)
    assert row["result"] == "fail"
    assert row["message"] == MISMATCH


def test_verify_image_callback_exception_is_an_error_result_never_a_pass():
    def boom(request):
        raise RuntimeError("registry down")

    out = engine().evaluate(ETCD, host={"verify_image": boom})
    [row] = rows(out)
    assert row["result"] == "error"
    assert "registry down" in row["message"]


@pytest.mark.parametrize("answer", [None, 3, {"signatures": []}, {"digest": 1}])
def test_unusable_verify_image_answer_is_an_error_result(answer):
    out = engine().evaluate(ETCD, host={"verify_image": lambda r: answer})
    [row] = rows(out)
    assert row["result"] == "error"


def test_verify_image_error_answer_no_match_fails():
    err = {"error": {"kind": "noMatch", "message": "no matching signatures"}}
    out = engine().evaluate(ETCD, host={"verify_image": lambda r: err})
    [row] = rows(out)
    assert row["result"] == "fail"
    assert "no matching signatures" in row["message"]


def test_image_data_fixture_text_answers_like_the_cli():
    data = example("verify-images/image-data.yaml")
    out = engine().evaluate(ETCD, host={"image_data": data})
    [row] = rows(out)
    assert row["result"] == "fail"
    assert row["message"] == MISMATCH
    stage2 = verno.Engine(example("verify-images/policy-stage2.yaml"))
    out = stage2.evaluate(ETCD, host={"image_data": data})
    statuses = [r["result"] for r in out["results"]]
    assert "pass" in statuses and "fail" not in statuses and "error" not in statuses


def test_image_data_fixture_dict_on_a_host_object():
    class Host:
        image_data = {
            "images": [
                {
                    "image": "registry.k8s.io/*",
                    "digest": DIGEST,
                    "signatures": [
                        {"subjectAlternativeNames": [SUBJECT], "issuer": "https://accounts.google.com"}
                    ],
                }
            ]
        }

    out = engine().evaluate(ETCD, host=Host())
    assert [r["result"] for r in rows(out)] == ["pass"]


def test_malformed_image_data_is_an_input_error_naming_the_field():
    with pytest.raises(verno.InputError, match=r"images\[0\]\.digest"):
        engine().evaluate(ETCD, host={"image_data": {"images": [{"image": "x", "digest": "sha256:1"}]}})


def test_mutate_digest_comes_back_in_the_patched_resource():
    policy = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: digests}
spec:
  validationFailureAction: Enforce
  rules:
  - name: verify
    match: {any: [{resources: {kinds: [Pod]}}]}
    verifyImages:
    - imageReferences: ["registry.k8s.io/*"]
      attestors:
      - entries:
        - keyless: {subject: "%s", issuer: "https://accounts.google.com", rekor: {url: "https://rekor.sigstore.dev"}}
""" % SUBJECT
    out = verno.Engine(policy).evaluate(ETCD, host={"verify_image": signed_by(SUBJECT)})
    image = out["resource"]["spec"]["containers"][0]["image"]
    assert image == "registry.k8s.io/etcd:3.5.6-0@" + DIGEST or image == "registry.k8s.io/etcd@" + DIGEST


KEYED_POLICY = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: keyed}\nspec:\n  rules:\n  - name: keyed\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    verifyImages:\n    - imageReferences: ['*']\n      mutateDigest: false\n      attestors:\n      - entries:\n        - keys: {publicKeys: \"-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE05et+jrNFWOceh9KTfeYy4FSwV1E\\nmVxMUXC9IZQlyMn2oahthQa4AEg0mOrbtXMnlA7zm7D7OB4As8RKVcy+Yg==\\n-----END PUBLIC KEY-----\"}\n"


def test_verify_image_request_spells_attestor_fields_in_camel_case():
    cb = signed_by(SUBJECT)
    verno.Engine(KEYED_POLICY).evaluate(ETCD, host={"verify_image": cb})
    attestor = cb.requests[0]["attestor"]
    assert attestor["type"] == "keys"
    assert attestor["publicKeys"].startswith("-----BEGIN PUBLIC KEY-----")
    assert attestor["signatureAlgorithm"] == "sha256"
    assert "public_keys" not in attestor
    assert "ignoreSCT" in cb.requests[0]["transparency"]
