"""Shared paths and fixtures. The repo's examples and the upstream corpus are
read in place, via paths relative to this file (the corpus is ../shared/corpus
next to the repo), never copied."""

import pathlib

import pytest

import verno

HERE = pathlib.Path(__file__).resolve().parent
BINDING = HERE.parent
REPO = BINDING.parent
EXAMPLES = REPO / "examples"
CORPUS = REPO.parent / "shared" / "corpus" / "kyverno-policies"

DENIAL = (
    "\n\nresource Pod/default/nginx was blocked due to the following policies \n\n"
    "disallow-privileged:\n  validate-allowPrivilegeEscalation: 'validation error: "
    "Privileged mode is not allowed. Set allowPrivilegeEscalation to false. rule "
    "validate-allowPrivilegeEscalation failed at path "
    "/spec/containers/0/securityContext/allowPrivilegeEscalation/'\n"
)

PRIVILEGED_PATH = "/spec/containers/0/securityContext/allowPrivilegeEscalation/"


def example(name: str) -> str:
    return (EXAMPLES / name).read_text()


@pytest.fixture(scope="session")
def policy_text() -> str:
    return example("disallow-privileged.yaml")


@pytest.fixture(scope="session")
def pod_text() -> str:
    return example("nginx-privileged.yaml")


@pytest.fixture(scope="session")
def engine(policy_text) -> verno.Engine:
    return verno.Engine(policy_text)


@pytest.fixture()
def pod() -> dict:
    """The privileged nginx Pod as a native dict (a fresh copy per test)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "nginx", "namespace": "default", "labels": {"run": "nginx"}},
        "spec": {
            "containers": [
                {"name": "nginx", "image": "nginx", "securityContext": {"privileged": True}}
            ]
        },
    }
