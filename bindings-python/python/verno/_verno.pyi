"""Typed stubs of the compiled extension ``verno._verno``."""

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union


__version__: str

Json = Any
"""A JSON-like value: dict, list, str, int, float, bool or None."""

Text = Union[str, bytes]
"""YAML or JSON text; bytes are decoded as UTF-8."""

Object = Dict[str, Json]

HostLike = Any
"""An object (or dict) with optional members ``context(request) -> Json | None``,
``now() -> int | float | datetime``, ``random() -> int``,
``verify_image(request) -> ImageAnswer`` and ``image_data: Text | Object``
(the ``--image-data`` fixture format)."""

ImageRequest = Dict[str, Any]
"""What ``verify_image`` is called with: ``{image, repository?, attestor,
predicateType?, transparency}``, keys in camelCase: ``attestor`` is ``{type:
"keys", publicKeys, signatureAlgorithm}``, ``{type: "keyless", roots?}`` or
``{type: "certificates", cert?, certChain?}``."""

ImageAnswer = Dict[str, Any]
"""``{digest: "sha256:...", signatures: [{subjectAlternativeNames, issuer?,
extensions, annotations, statement?}]}`` or ``{error: {kind: "noMatch" |
"unavailable" | "timeout" | "invalidAttestor", message}}``. An exception or
any other shape is an ``error`` result, never a pass."""

ScanInput = Union[Text, Object, "os.PathLike[str]"]
"""YAML/JSON text (multi-document, ``kind: List`` dumps), a dict, or a path
(a file, or a directory walked recursively)."""

class Engine:
    """A compiled policy set; immutable and safe to share between threads."""

    def __init__(
        self,
        policies: Union[Text, Object, Sequence[Object]],
        host: Optional[HostLike] = None,
    ) -> None: ...
    @staticmethod
    def from_yaml(text: Text, host: Optional[HostLike] = None) -> "Engine": ...
    def policies(self) -> List[Dict[str, Any]]: ...
    def validate(
        self,
        resource: Union[Text, Object],
        options: Optional[Mapping[str, Json]] = None,
        *,
        host: Optional[HostLike] = None,
    ) -> Dict[str, Any]: ...
    def mutate(
        self,
        resource: Union[Text, Object],
        options: Optional[Mapping[str, Json]] = None,
        *,
        host: Optional[HostLike] = None,
    ) -> Dict[str, Any]: ...
    def evaluate(
        self,
        resource: Union[Text, Object],
        options: Optional[Mapping[str, Json]] = None,
        *,
        host: Optional[HostLike] = None,
    ) -> Dict[str, Any]: ...
    def admit(
        self,
        review: Union[Text, Object],
        options: Optional[Mapping[str, Json]] = None,
        *,
        host: Optional[HostLike] = None,
    ) -> Dict[str, Any]: ...
    def report(
        self,
        resources: Sequence[Union[Text, Object]],
        options: Optional[Mapping[str, Json]] = None,
        *,
        host: Optional[HostLike] = None,
    ) -> List[Dict[str, Any]]: ...

class Scanner:
    """Policies compiled for background scans, once; immutable and safe to
    share between threads. A worker of a distributed scan builds one and
    scans each partition it is given with it."""

    def __init__(self, policies: Union[ScanInput, Sequence[ScanInput]]) -> None: ...
    @property
    def uses_namespace_selector(self) -> bool:
        """Whether some policy selects namespaces by label: a partition's
        scan then needs the whole input's namespaces (:meth:`namespaces`)."""
        ...
    def scan(
        self,
        resources: Union[ScanInput, Sequence[ScanInput]],
        *,
        namespaces: Optional[Mapping[str, Mapping[str, str]]] = None,
        threads: int = 0,
        openreports: bool = False,
        audit_warn: bool = False,
    ) -> List[Dict[str, Any]]:
        """As :func:`scan`. ``namespaces`` (``{name: {label: value}}``),
        when given, are what ``namespaceSelector`` is judged by instead of
        the Namespace objects of ``resources``."""
        ...
    def namespaces(
        self,
        resources: Union[ScanInput, Sequence[ScanInput]],
        *,
        threads: int = 0,
    ) -> Dict[str, Dict[str, str]]:
        """The labels of the Namespace objects of ``resources``, by name."""
        ...

def run_test(
    files: Mapping[str, Text],
    *,
    strict: bool = False,
    file_name: str = "kyverno-test.yaml",
) -> List[Dict[str, Any]]:
    """Run a ``kyverno test`` suite given as ``{file name: text}``; one report
    per test document: ``{path, error, passed, failed, rows}``."""
    ...


def scan(
    policies: Union[ScanInput, Sequence[ScanInput]],
    resources: Union[ScanInput, Sequence[ScanInput]],
    *,
    threads: int = 0,
    openreports: bool = False,
    audit_warn: bool = False,
) -> List[Dict[str, Any]]:
    """Kyverno's background scan, as ``verno scan -o json``: one report per
    namespace and policy (the ``items`` of its List). Runs on every core
    (``threads=0``) with the GIL released. A document that is not a
    Kubernetes object raises ``InputError``."""
    ...
