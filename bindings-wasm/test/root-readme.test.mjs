// The repository README's WebAssembly example runs from the repo root against
// pkg/node (as the package `verno-wasm`) and prints what its `// =>` comments say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindingDir } from "./helpers.mjs";

test("root README WebAssembly example prints what it says", () => {
  const root = join(bindingDir, "..");
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const code = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)]
    .map((m) => m[1])
    .find((c) => c.includes("require('verno-wasm')"));
  assert.ok(code, "README has no verno-wasm example");
  const expected = code
    .split("\n")
    .filter((l) => l.startsWith("console.log(") && l.includes("// =>"))
    .map((l) => l.split("// =>")[1].trim());
  assert.ok(expected.length > 0);
  const dir = mkdtempSync(join(tmpdir(), "verno-root-readme-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(bindingDir, "pkg", "node"), join(dir, "node_modules", "verno-wasm"), "dir");
    writeFileSync(join(dir, "example.js"), code);
    const out = execFileSync(process.execPath, [join(dir, "example.js")], { cwd: root, encoding: "utf8" });
    assert.deepEqual(out.trim().split("\n"), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
