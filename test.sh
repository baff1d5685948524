#!/usr/bin/env bash
# The whole test suite: the Rust workspace (engine, CLI, conformance ratchet
# against ../shared/corpus), then each binding's own build-and-test script
# (Python wheel + pytest, Node addon + node --test, WebAssembly packages +
# node --test + the playground in headless Chromium). Each binding script
# installs what it needs from PyPI, npm, crates.io or apt on first run.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --workspace --release
for b in bindings-python bindings-node bindings-wasm; do
    printf '\n==== %s\n' "$b"
    bash "$b/ci.sh"
done
