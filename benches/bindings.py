#!/usr/bin/env python3
"""Per-call overhead of each binding against the Rust call, in one run.

Runs the Rust timer (`api-call`) and each binding's own bench script on the
same policy and resource (examples/disallow-privileged.yaml, the privileged
nginx Pod), then prints a Markdown table of nanoseconds per `validate` call
and the ratio to Rust. Bindings that are not built are reported as such.

Build first: `bash bindings-python/ci.sh`, `bash bindings-node/ci.sh`,
`bash bindings-wasm/ci.sh` (or their build steps). Usage:
    python3 benches/bindings.py [N]
"""

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(cmd, cwd=ROOT):
    try:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return None, str(e)
    lines = [l for l in out.splitlines() if l.startswith("{")]
    return (json.loads(lines[-1]), None) if lines else (None, "no JSON line in output")


def main() -> None:
    n = sys.argv[1] if len(sys.argv) > 1 else "20000"
    hosts = [
        ("rust", ["cargo", "run", "-q", "--release", "-p", "verno-benches", "--bin", "api-call", n]),
        ("python", [str(ROOT / "bindings-python/.venv/bin/python"), "bindings-python/bench/bench.py", n]),
        ("node", ["node", "bindings-node/bench/bench.mjs", n]),
        ("wasm-node", ["node", "bindings-wasm/bench/bench.mjs", n]),
    ]
    results = {}
    for name, cmd in hosts:
        res, err = run(cmd)
        results[name] = res
        if err:
            print(f"<!-- {name}: not measured ({err.splitlines()[0] if err else ''}) -->")
    rust = results.get("rust")
    print("| host | validate(object) | ratio to Rust | validate(YAML text) | ratio to Rust |")
    print("|---|---:|---:|---:|---:|")
    for name, _ in hosts:
        r = results.get(name)
        if not r:
            print(f"| {name} | not built | | | |")
            continue
        cells = []
        for key in ("validate_object_ns", "validate_text_ns"):
            ns = r[key]
            ratio = f"{ns / rust[key]:.2f}x" if rust else "n/a"
            cells += [f"{ns / 1000:.1f} µs", ratio]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
