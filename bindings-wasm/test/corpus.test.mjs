// A sample of the upstream Kyverno policy corpus through the binding: every
// expected (policy, rule, resource, result) of each suite's kyverno-test.yaml.
// The corpus is read in place (../shared/corpus relative to the repo).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { verno, repoDir } from "./helpers.mjs";

const CORPUS = join(repoDir, "..", "shared", "corpus", "kyverno-policies");

// Plain validate suites from conformance/passing.txt.
const SUITES = [
  "best-practices/disallow-latest-tag",
  "best-practices/require-labels",
  "best-practices/restrict-node-port",
  "best-practices/require-ro-rootfs",
  "best-practices/disallow-default-namespace",
  "best-practices/restrict-image-registries",
  "best-practices/disallow-cri-sock-mount",
  "other/require-non-root-groups",
  "other/require-annotations",
  "other/metadata-match-regex",
];

// Test-file fields that need more than plain validate of the listed files.
const NEEDS_MORE = ["variables", "values", "userinfo", "exceptions", "clusterResources", "context", "apiCallResponses"];

/** The YAML files a test names (files, or folders of them). */
function yamlFiles(base, paths) {
  const out = [];
  for (const p of paths || []) {
    const full = resolve(base, p);
    if (statSync(full).isDirectory()) {
      for (const f of readdirSync(full).sort()) if (/\.ya?ml$/.test(f)) out.push(join(full, f));
    } else {
      out.push(full);
    }
  }
  return out;
}

/** Resource documents as (text, name, namespace): the binding parses the text. */
function resourceDocs(files) {
  const docs = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      const value = doc.toJS();
      if (!value || typeof value !== "object") continue;
      docs.push({ text: doc.toString(), name: value.metadata?.name, namespace: value.metadata?.namespace });
    }
  }
  return docs;
}

const present = existsSync(CORPUS);

for (const suite of SUITES) {
  test(`corpus: ${suite}`, { skip: !present && "corpus not found at ../shared/corpus" }, () => {
    const testFile = join(CORPUS, suite, ".kyverno-test", "kyverno-test.yaml");
    const base = dirname(testFile);
    let checked = 0;
    for (const doc of parseAllDocuments(readFileSync(testFile, "utf8"))) {
      const spec = doc.toJS();
      if (!spec || NEEDS_MORE.some((k) => k in spec)) continue;
      const policyText = yamlFiles(base, spec.policies).map((f) => readFileSync(f, "utf8")).join("\n---\n");
      const engine = new verno.Engine(policyText);
      const resources = resourceDocs(yamlFiles(base, spec.resources));
      const outcomes = resources.map((r) => ({ ...r, out: engine.validate(r.text) }));
      for (const expected of spec.results || []) {
        for (const ref of expected.resources || []) {
          const [ns, name] = ref.includes("/") ? ref.split("/", 2) : [undefined, ref];
          const matching = outcomes.filter((o) => o.name === name && (ns === undefined || o.namespace === ns));
          assert.ok(matching.length > 0, `${suite}: resource ${ref} not found`);
          for (const o of matching) {
            // As kyverno test does, `rule` also names its autogen variants.
            const rules = [expected.rule, `autogen-${expected.rule}`, `autogen-cronjob-${expected.rule}`];
            const rows = o.out.results.filter(
              (r) => r.policy === expected.policy && (expected.rule === undefined || rules.includes(r.rule)),
            );
            const got = rows.length ? rows.map((r) => r.result) : ["skip"];
            assert.ok(
              got.includes(expected.result),
              `${suite}: ${expected.policy}/${expected.rule} on ${ref}: expected ${expected.result}, got ${got}`,
            );
            checked += 1;
          }
        }
      }
    }
    assert.ok(checked > 0, `${suite}: nothing checked`);
  });
}
