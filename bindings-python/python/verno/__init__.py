"""verno: Kyverno's policy engine without the cluster.

Compile Kyverno policies once with :class:`Engine`, then validate, mutate or
evaluate Kubernetes resources (dicts or YAML/JSON text), answer
AdmissionReviews and build PolicyReports, all in-process. Results are plain
dicts and lists, exactly as the Rust engine's JSON API builds them.

>>> import verno
>>> engine = verno.Engine(open("disallow-privileged.yaml").read())  # doctest: +SKIP
>>> engine.validate(pod)["allowed"]  # doctest: +SKIP
False
"""

from ._errors import (
    HostError,
    InputError,
    InvalidPolicyError,
    PolicyError,
    UnsupportedError,
    VernoError,
    YamlError,
)
from ._verno import Engine, Scanner, __version__, run_test, scan

__all__ = [
    "Engine",
    "Scanner",
    "run_test",
    "scan",
    "VernoError",
    "PolicyError",
    "YamlError",
    "InvalidPolicyError",
    "UnsupportedError",
    "InputError",
    "HostError",
    "__version__",
]
