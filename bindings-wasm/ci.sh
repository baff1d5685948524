#!/usr/bin/env bash
# CI for the WebAssembly binding. From the repo root: `bash bindings-wasm/ci.sh`.
# Installs what is missing (idempotent), lints, builds pkg/web, pkg/node and
# the playground in release, runs the Node tests (API, errors, corpus sample,
# README example, playground end-to-end in Chromium) and prints the sizes.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="$PWD/target"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
rustup target add wasm32-unknown-unknown
# The CLI must be exactly the wasm-bindgen version of Cargo.lock.
wb_version=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;q}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  # --locked first; its lockfile has pinned crate versions that a registry
  # mirror may lack, then the same CLI version with fresh dependencies.
  cargo install wasm-bindgen-cli --version "$wb_version" --locked ||
    cargo install wasm-bindgen-cli --version "$wb_version"
fi
wasm-bindgen --version

if [ ! -x /usr/bin/chromium ]; then
  step "chromium (Debian) for the playground test"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium
fi

step "npm dependencies (playwright-core, yaml, binaryen)"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi

step "fmt + clippy (wasm32)"
cargo fmt --check
cargo clippy --release --target wasm32-unknown-unknown --all-targets -- -D warnings

step "build"
bash build.sh

step "tests"
node --test test/*.test.mjs

step "sizes"
for f in target/wasm32-unknown-unknown/release/verno_wasm.wasm pkg/web/verno_wasm_bg.wasm; do
  printf '%-55s raw %8d bytes  gzip -9 %8d bytes\n' "$f" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
