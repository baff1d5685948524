"""Time Engine.validate from Python on the repo's example.

Loads examples/disallow-privileged.yaml (Enforce) and the nginx-privileged Pod
(pre-converted to a dict once), warms up, then times N calls of
validate(dict) and N calls of validate(yaml_text). Prints one JSON line:
{"host": "python", "validate_object_ns": <ns per call>, "validate_text_ns": <ns>}

Usage: python bench/bench.py [N]   (default N = 20000; needs verno installed)
"""

import json
import pathlib
import sys
import time

import verno

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def per_call_ns(fn, arg, n: int) -> float:
    # Best of 3 rounds: the least disturbed by other processes on the machine.
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter_ns()
        for _ in range(n):
            fn(arg)
        best = min(best, (time.perf_counter_ns() - start) / n)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    engine = verno.Engine((EXAMPLES / "disallow-privileged.yaml").read_text())
    text = (EXAMPLES / "nginx-privileged.yaml").read_text()
    # The dict as the engine itself parses it (not via a third-party YAML reader).
    obj = engine.mutate(text)["resource"]
    expected = engine.validate(text)
    assert engine.validate(obj) == expected and expected["allowed"] is False

    for _ in range(max(n // 10, 100)):  # warm-up
        engine.validate(obj)
        engine.validate(text)

    print(
        json.dumps(
            {
                "host": "python",
                "validate_object_ns": round(per_call_ns(engine.validate, obj, n)),
                "validate_text_ns": round(per_call_ns(engine.validate, text, n)),
            }
        )
    )


if __name__ == "__main__":
    main()
