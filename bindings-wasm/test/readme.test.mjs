// The README's first fenced code block is a runnable example: run it against
// pkg/node (as the package `verno-wasm`) and compare with the block that
// follows it, which shows what it prints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindingDir } from "./helpers.mjs";

test("README example prints what the README says", () => {
  const readme = readFileSync(join(bindingDir, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  assert.ok(blocks.length >= 2, "README needs the example and its output");
  const [code, expected] = blocks;
  assert.match(code, /require\("verno-wasm"\)/);
  const dir = mkdtempSync(join(tmpdir(), "verno-readme-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(bindingDir, "pkg", "node"), join(dir, "node_modules", "verno-wasm"), "dir");
    writeFileSync(join(dir, "example.js"), code);
    const out = execFileSync(process.execPath, [join(dir, "example.js")], { cwd: dir, encoding: "utf8" });
    assert.equal(out, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
