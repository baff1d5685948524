// The .d.ts files give precise result and option types, not `any`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bindingDir } from "./helpers.mjs";

for (const target of ["node", "web"]) {
  test(`pkg/${target} typings`, () => {
    const dts = readFileSync(join(bindingDir, "pkg", target, "verno_wasm.d.ts"), "utf8");
    for (const [method, type] of [
      ["validate", "ValidateResult"], ["mutate", "MutateResult"], ["evaluate", "EvaluateResult"],
      ["admit", "AdmissionReview"], ["report", "PolicyReport[]"], ["policies", "PolicyInfo[]"],
    ]) {
      assert.match(dts, new RegExp(`\\b${method}\\([^)]*\\): ${type.replace(/[[\]]/g, "\\$&")};`), method);
    }
    assert.match(dts, /validate\(resource: ResourceInput, options\?: RequestOptions \| null\)|validate\(resource: ResourceInput, options: RequestOptions\)/);
    assert.match(dts, /export interface Host \{/);
    assert.match(dts, /export function runTest\(files: TestFiles, options\?: RunTestOptions \| null\): TestReport\[\];/);
    assert.match(dts, /export interface TestReport \{/);
    const index = readFileSync(join(bindingDir, "pkg", target, "index.d.ts"), "utf8");
    assert.match(index, /errors/);
    assert.match(readFileSync(join(bindingDir, "pkg", target, "errors.d.ts"), "utf8"), /class HostError extends VernoError/);
  });
}
