#!/usr/bin/env bash
# Build the wasm module and assemble pkg/web, pkg/node and playground/dist.
# Needs: the wasm32-unknown-unknown target, wasm-bindgen (the Cargo.lock
# version) on PATH, and `npm install` done here (for wasm-opt from binaryen).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="$PWD/target"

cargo build --release --target wasm32-unknown-unknown
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/verno_wasm.wasm"

rm -rf pkg
# wasm-opt (below) shrinks the module once; both packages share the result.
wasm-bindgen --target web --out-dir pkg/web "$wasm"
wasm-bindgen --target nodejs --out-dir pkg/node "$wasm"

# wasm-opt from the npm package binaryen (a devDependency, so one pinned
# version everywhere); without it the packages ship the unoptimized module.
# Both targets get byte-identical modules, so optimize once and copy.
if [ -x node_modules/.bin/wasm-opt ]; then
  node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    pkg/web/verno_wasm_bg.wasm -o pkg/web/verno_wasm_bg.opt.wasm
  mv pkg/web/verno_wasm_bg.opt.wasm pkg/web/verno_wasm_bg.wasm
  cp pkg/web/verno_wasm_bg.wasm pkg/node/verno_wasm_bg.wasm
else
  echo "build.sh: wasm-opt not found (run npm install); the module is not optimized" >&2
fi
for dir in pkg/web pkg/node; do
  cp js/errors.d.ts "$dir/errors.d.ts"
done

# One error-class source, two module formats.
exports="VernoError, PolicyError, YamlError, InvalidPolicyError, UnsupportedError, InputError, HostError, makeError"
{ cat js/errors.js; echo "export { $exports };"; } > pkg/web/errors.js
{ cat js/errors.js; echo "module.exports = { $exports };"; } > pkg/node/errors.js
cp js/web.js pkg/web/index.js
cp js/web.d.ts pkg/web/index.d.ts
cp js/node.js pkg/node/index.js
cp js/node.d.ts pkg/node/index.d.ts
files='"index.js", "index.d.ts", "errors.js", "errors.d.ts", "verno_wasm.js", "verno_wasm.d.ts", "verno_wasm_bg.wasm"'
cat > pkg/web/package.json <<JSON
{
  "name": "verno-wasm-web",
  "version": "0.1.0",
  "description": "verno (Kyverno's policy engine) as WebAssembly, for browsers (ES module).",
  "license": "Apache-2.0",
  "type": "module",
  "main": "index.js",
  "types": "index.d.ts",
  "files": [$files],
  "sideEffects": ["./index.js"]
}
JSON
cat > pkg/node/package.json <<JSON
{
  "name": "verno-wasm",
  "version": "0.1.0",
  "description": "verno (Kyverno's policy engine) as WebAssembly, for Node.js (CommonJS).",
  "license": "Apache-2.0",
  "main": "index.js",
  "types": "index.d.ts",
  "files": [$files]
}
JSON
if [ "${1:-}" = "--no-playground" ]; then exit 0; fi

# The playground: static files + pkg/web + the repo's examples + the Test
# view's example suite.
rm -rf playground/dist
mkdir -p playground/dist/pkg playground/dist/examples playground/dist/test-example
cp playground/index.html playground/app.js playground/test-view.js playground/style.css playground/dist/
cp pkg/web/*.js pkg/web/*.wasm playground/dist/pkg/
cp ../examples/*.yaml playground/dist/examples/
# The PSS and verifyImages examples: the playground's own files, and the
# walkthrough's stage-one policy and verification data from examples/verify-images.
cp playground/examples/*.yaml playground/dist/examples/
cp ../examples/verify-images/policy-stage1.yaml playground/dist/examples/verify-images-policy.yaml
cp ../examples/verify-images/image-data.yaml playground/dist/examples/verify-images-data.yaml
cp playground/test-example/*.yaml playground/dist/test-example/
