"""Exception classes of verno, and the factories the Rust extension calls.

They live in Python (not in the extension) because ``InputError`` derives from
both ``VernoError`` and ``ValueError``, which the extension's exception macros
cannot express.
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "VernoError",
    "PolicyError",
    "YamlError",
    "InvalidPolicyError",
    "UnsupportedError",
    "InputError",
    "HostError",
]


class VernoError(Exception):
    """Base class of every error verno raises.

    ``str(err)`` is the full message. ``kind`` is one of ``"yaml"``,
    ``"invalid"``, ``"unsupported"``, ``"input"``, ``"host"``; ``detail`` is the
    message without its location prefix.
    """

    kind: str = ""
    message: str
    detail: Optional[str] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PolicyError(VernoError):
    """The policies could not be loaded or compiled.

    Attributes say where: ``policy``, ``rule``, ``field`` (a dotted path into
    the policy), ``file``, ``line``, ``column`` (1-based, for text input); any
    of them may be ``None``.
    """

    policy: Optional[str] = None
    rule: Optional[str] = None
    field: Optional[str] = None
    file: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None


class YamlError(PolicyError):
    """The policy text is not valid YAML/JSON."""


class InvalidPolicyError(PolicyError):
    """A policy does not follow Kyverno's schema or semantics."""


class UnsupportedError(PolicyError):
    """A policy uses a Kyverno feature verno does not implement."""


class InputError(VernoError, ValueError):
    """A resource, options dict or AdmissionReview is not usable.

    ``argument`` names the argument (``"resource"``, ``"options"``,
    ``"policies"``, ``"admission review"``, ``"resource 3"``...). Wrong types,
    malformed text, invalid UTF-8 and cyclic or too deeply nested objects all
    raise this.
    """

    argument: Optional[str] = None


class HostError(VernoError):
    """A host callback raised (or returned something unusable).

    ``callback`` names it (``"context"``, ``"now"``, ``"random"``); the original
    exception is ``__cause__`` (``raise ... from original``).
    """

    kind = "host"
    callback: Optional[str] = None


_BY_KIND = {
    "yaml": YamlError,
    "invalid": InvalidPolicyError,
    "unsupported": UnsupportedError,
    "input": InputError,
}

_FIELDS = ("detail", "policy", "rule", "field", "file", "line", "column", "argument")


def _api_error(info: dict[str, Any]) -> VernoError:
    """Build the exception for an engine error (``ApiError::to_value``)."""
    kind = info.get("kind") or ""
    cls = _BY_KIND.get(kind, VernoError)
    err = cls(info.get("message") or kind)
    err.kind = kind
    for name in _FIELDS:
        if name == "argument" and not isinstance(err, InputError):
            continue
        if name in ("policy", "rule", "field", "file", "line", "column") and not isinstance(
            err, PolicyError
        ):
            continue
        setattr(err, name, info.get(name))
    return err


def _host_error(callback: str, message: str, cause: BaseException) -> HostError:
    """Build the exception for a failed host callback, chained to its cause."""
    err = HostError(message)
    err.callback = callback
    err.detail = message
    err.__cause__ = cause
    return err
