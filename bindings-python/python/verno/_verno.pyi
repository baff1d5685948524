"""Typed stubs of the compiled extension ``verno._verno``."""

from typing import Any, Dict, List, Mapping, Optional, Sequence, Union


__version__: str

Json = Any
"""A JSON-like value: dict, list, str, int, float, bool or None."""

Text = Union[str, bytes]
"""YAML or JSON text; bytes are decoded as UTF-8."""

Object = Dict[str, Json]

HostLike = Any
"""An object (or dict) with optional members ``context(request) -> Json | None``,
``now() -> int | float | datetime`` and ``random() -> int``."""

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

def run_test(
    files: Mapping[str, Text],
    *,
    strict: bool = False,
    file_name: str = "kyverno-test.yaml",
) -> List[Dict[str, Any]]:
    """Run a ``kyverno test`` suite given as ``{file name: text}``; one report
    per test document: ``{path, error, passed, failed, rows}``."""
    ...
