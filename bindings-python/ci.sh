#!/usr/bin/env bash
# CI for the Python binding. Run from the repo root: `bash bindings-python/ci.sh`.
# From a clean clone it installs what it needs (idempotent), lints the crate,
# builds the release wheel the way `pip install ./bindings-python` does (PEP 517,
# maturin backend), installs it into bindings-python/.venv and runs pytest.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

# Our own target dir: the root workspace's target/ belongs to the lead's builds,
# and maturin, cargo clippy and pip's PEP 517 build all honour this variable.
export CARGO_TARGET_DIR="$HERE/target"
export CARGO_TERM_COLOR=never
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
PYTHON="${PYTHON:-python3}"
"$PYTHON" --version
cargo --version
if command -v rustup >/dev/null 2>&1; then
    # Captured first: `grep -q` closing the pipe early would fail it under pipefail.
    installed="$(rustup component list --installed 2>/dev/null || true)"
    for c in clippy rustfmt; do
        grep -q "^$c" <<<"$installed" || rustup component add "$c"
    done
fi

step "rustfmt + clippy"
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings

step "venv (bindings-python/.venv)"
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        # Debian's python3 splits venv/ensurepip into python3-venv.
        rm -rf .venv
        if command -v apt-get >/dev/null 2>&1; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        fi
        "$PYTHON" -m venv .venv
    fi
fi
VPY="$HERE/.venv/bin/python"
"$VPY" -m pip install -q --upgrade pip
# Dask (scheduler + workers, no extras): examples/fleet-scan's test runs the scan as a Dask job.
"$VPY" -m pip install -q pytest pyyaml 'dask==2026.8.0' 'distributed==2026.8.0'

step "build the release wheel (pip wheel ./bindings-python, maturin backend)"
rm -rf dist
"$VPY" -m pip wheel --no-deps -w dist "$HERE"
WHEEL="$(ls dist/verno-*.whl)"
echo "wheel: $(basename "$WHEEL")"
case "$(basename "$WHEEL")" in
    *-cp39-abi3-*) ;;
    *) echo "expected a cp39-abi3 wheel" >&2; exit 1 ;;
esac
"$VPY" -m pip install -q --force-reinstall --no-deps "$WHEEL"

step "pytest"
# Run from tests/ so `import verno` can only be the installed wheel, never python/verno.
cd "$HERE/tests"
"$VPY" -c 'import verno, sys; print("verno", verno.__version__, "from", verno.__file__)'
"$VPY" -m pytest -q -p no:cacheprovider .
