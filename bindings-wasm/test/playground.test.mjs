// End-to-end: the playground in Debian's Chromium (playwright-core), served
// from playground/dist by a tiny local server. Needs `bash build.sh` first.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve, DIST } from "../playground/serve.mjs";
import { bindingDir, DENIAL } from "./helpers.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const OUT = join(bindingDir, "playground", "test-output");
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

let browser, server, url;

before(async () => {
  assert.ok(existsSync(join(DIST, "index.html")), "playground/dist is missing: run bash build.sh");
  ({ server, url } = await serve(DIST, 0));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function newPage(width = 1400, height = 1000) {
  const context = await browser.newContext({ viewport: { width, height } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url.replace(/\/$/, "") });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  return { page, problems };
}

const evaluations = (page) => page.evaluate(() => Number(document.body.dataset.evaluations || 0));

/** Run `action`, then wait until the page has evaluated again. */
async function andWait(page, action) {
  const before = await evaluations(page);
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.evaluations || 0) > n, before, { timeout: 10000 });
}

const text = (page, id) => page.locator(`[data-testid=${id}]`).textContent();
const rows = (page) =>
  page.$$eval("[data-testid=results] tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));

test("playground: default example, registry example, edits, shareable URL", async () => {
  const { page, problems } = await newPage();
  await page.goto(url);
  await page.waitForFunction(() => Number(document.body.dataset.evaluations || 0) >= 1, null, { timeout: 20000 });

  // Default: disallow-privileged + the privileged nginx Pod is blocked with Kyverno's text.
  assert.equal(await text(page, "verdict"), "BLOCKED");
  const message = await text(page, "message");
  assert.ok(message.includes("resource Pod/default/nginx was blocked due to the following policies"), message);
  assert.ok(
    message.includes(
      "validate-allowPrivilegeEscalation: 'validation error: Privileged mode is not allowed. Set allowPrivilegeEscalation to false. " +
        "rule validate-allowPrivilegeEscalation failed at path /spec/containers/0/securityContext/allowPrivilegeEscalation/'",
    ),
    message,
  );
  assert.equal(await page.getAttribute("[data-testid=message]", "data-raw"), DENIAL);
  assert.deepEqual(await rows(page), [[
    "disallow-privileged", "validate-allowPrivilegeEscalation", "fail",
    "validation error: Privileged mode is not allowed. Set allowPrivilegeEscalation to false. rule validate-allowPrivilegeEscalation failed at path /spec/containers/0/securityContext/allowPrivilegeEscalation/",
    "/spec/containers/0/securityContext/allowPrivilegeEscalation/",
  ]]);
  const report = await text(page, "report");
  assert.match(report, /apiVersion: wgpolicyk8s.io\/v1alpha2/);
  assert.match(report, /fail: 1/);
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, "playground.png"), fullPage: true });

  // The registry example: Audit, so allowed with a failing row.
  await andWait(page, () => page.selectOption("[data-testid=example]", "registries"));
  assert.equal(await text(page, "verdict"), "ALLOWED (1 audit failure)");
  let r = await rows(page);
  assert.equal(r.length, 1);
  assert.deepEqual(r[0].slice(0, 3), ["restrict-image-registries", "validate-registries", "fail (audit)"]);
  assert.match(r[0][3], /Unknown image registry/);

  // Edit the resource to an allowed registry: the rule passes.
  const resource = await page.inputValue("[data-testid=resource]");
  await andWait(page, () => page.fill("[data-testid=resource]", resource.replace("image: nginx", "image: k8s.gcr.io/nginx")));
  assert.equal(await text(page, "verdict"), "ALLOWED");
  r = await rows(page);
  assert.deepEqual(r[0].slice(0, 3), ["restrict-image-registries", "validate-registries", "pass"]);

  // The ValidatingPolicy example: CEL, evaluated in the browser; the
  // messageExpression names the untagged container.
  await andWait(page, () => page.selectOption("[data-testid=example]", "vpol"));
  r = await rows(page);
  assert.equal(r.length, 1);
  assert.equal(r[0][0], "disallow-latest-tag");
  assert.match(r[0][2], /^fail/);
  assert.match(r[0][3], /every container needs an image tag other than latest: nginx/);
  const vpolPod = await page.inputValue("[data-testid=resource]");
  await andWait(page, () => page.fill("[data-testid=resource]", vpolPod.replace("image: nginx", "image: nginx:1.27")));
  r = await rows(page);
  assert.match(r[0][2], /^pass/);

  // Pod Security Standards, baseline: the privileged Pod is blocked with
  // Kyverno's podSecurity text.
  await andWait(page, () => page.selectOption("[data-testid=example]", "pss"));
  assert.equal(await text(page, "verdict"), "BLOCKED");
  r = await rows(page);
  assert.deepEqual(r[0].slice(0, 3), ["podsecurity-baseline", "baseline", "fail"]);
  assert.equal(
    r[0][3],
    'Validation rule \'baseline\' failed. It violates PodSecurity "baseline:latest": (Forbidden reason: privileged, ' +
      "field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])",
  );

  // verifyImages, with the verification data on the page: the walkthrough's
  // subject mismatch, then fixed by editing the data pane.
  await andWait(page, () => page.selectOption("[data-testid=example]", "images"));
  r = await rows(page);
  assert.deepEqual(r[0].slice(0, 3), ["kube-system/verify-k8s-images", "verify-k8s-images", "fail"]);
  assert.equal(
    r[0][3],
    "failed to verify image registry.k8s.io/etcd:3.5.6-0: .attestors[0].entries[0].keyless: subject mismatch: " +
      "expected krel-trust@k8s-releng-prod.iam.gserviceaccount.com, received k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com",
  );
  const data = await page.inputValue("[data-testid=image-data]");
  await andWait(page, () =>
    page.fill("[data-testid=image-data]", data.replace("k8s-infra-gcr-promoter@k8s-artifacts-prod", "krel-trust@k8s-releng-prod")),
  );
  r = await rows(page);
  assert.deepEqual(r[0].slice(0, 3), ["kube-system/verify-k8s-images", "verify-k8s-images", "pass"]);
  // Without data there is no verifier: an error, never a pass.
  await andWait(page, () => page.fill("[data-testid=image-data]", ""));
  r = await rows(page);
  assert.notEqual(r[0][2], "pass");

  // Back to the default example, fixed by hand: allowed.
  await andWait(page, () => page.selectOption("[data-testid=example]", "privileged"));
  assert.equal(await text(page, "verdict"), "BLOCKED");
  const pod = await page.inputValue("[data-testid=resource]");
  await andWait(page, () => page.fill("[data-testid=resource]", pod.replace("privileged: true", "allowPrivilegeEscalation: false")));
  assert.equal(await text(page, "verdict"), "ALLOWED");
  assert.equal(await page.isHidden("#message-box"), true);

  // A mutate policy: the patched resource and the JSON patch show up.
  const policy = await page.inputValue("[data-testid=policy]");
  const mutate = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: add-team-label
spec:
  rules:
    - name: add-team
      match:
        any:
          - resources:
              kinds: [Pod]
      mutate:
        patchStrategicMerge:
          metadata:
            labels:
              team: platform
---
`;
  await andWait(page, () => page.fill("[data-testid=policy]", mutate + policy));
  assert.match(await text(page, "patched"), /team: platform/);
  assert.deepEqual(JSON.parse(await text(page, "patch")), [{ op: "add", path: "/metadata/labels/team", value: "platform" }]);

  // A broken policy shows the error, not a stale verdict.
  await andWait(page, () => page.fill("[data-testid=policy]", "a: [1, 2"));
  assert.equal(await text(page, "verdict"), "ERROR");
  assert.match(await text(page, "error"), /YamlError/);
  await andWait(page, () => page.fill("[data-testid=policy]", mutate + policy));

  // Shareable URL: copy it, open it in a new page, same state.
  await andWait(page, () => page.selectOption("[data-testid=operation]", "UPDATE"));
  await page.click("[data-testid=copy-link]");
  await page.waitForFunction(() => document.getElementById("share-url").value.includes("#s="));
  let link = await page.inputValue("[data-testid=share-url]");
  const copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
  if (copied) assert.equal(copied, link);
  assert.match(link, /#s=z[A-Za-z0-9_-]+$/);
  const state = {
    policy: await page.inputValue("[data-testid=policy]"),
    resource: await page.inputValue("[data-testid=resource]"),
    operation: await page.inputValue("[data-testid=operation]"),
    verdict: await text(page, "verdict"),
    rows: await rows(page),
  };
  const { page: second, problems: problems2 } = await newPage();
  await second.goto(link);
  await second.waitForFunction(() => Number(document.body.dataset.evaluations || 0) >= 1, null, { timeout: 20000 });
  assert.deepEqual(
    {
      policy: await second.inputValue("[data-testid=policy]"),
      resource: await second.inputValue("[data-testid=resource]"),
      operation: await second.inputValue("[data-testid=operation]"),
      verdict: await text(second, "verdict"),
      rows: await rows(second),
    },
    state,
  );
  assert.equal(state.operation, "UPDATE");
  await second.screenshot({ path: join(OUT, "playground-shared.png"), fullPage: true });
  assert.deepEqual(problems, []);
  assert.deepEqual(problems2, []);
});

const testRuns = (page) => page.evaluate(() => Number(document.body.dataset.testRuns || 0));

/** Run `action`, then wait until the Test view has run the suite again. */
async function andRun(page, action) {
  const before = await testRuns(page);
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.testRuns || 0) > n, before, { timeout: 10000 });
}

const testRows = (page) =>
  page.$$eval("[data-testid=test-results] tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
/** The file editor whose name field holds `name`. */
async function fileIndex(page, name) {
  const names = await page.$$eval("[data-testid=file-name]", (inputs) => inputs.map((i) => i.value));
  const i = names.indexOf(name);
  assert.ok(i >= 0, `no file named ${name} among ${names}`);
  return i;
}
const fileText = async (page, name) => page.locator("[data-testid=file-text]").nth(await fileIndex(page, name));

test("playground Test view: the preloaded suite, a failing row, a missing file, an added file, a malformed test", async () => {
  const { page, problems } = await newPage();
  await page.goto(url);
  await page.waitForFunction(() => Number(document.body.dataset.testRuns || 0) >= 1, null, { timeout: 20000 });

  // The Evaluate view is the default; the Test tab swaps the panels.
  assert.equal(await page.isHidden("#test-view"), true);
  await page.click("[data-testid=view-test]");
  assert.equal(await page.isVisible("#test-view"), true);
  assert.equal(await page.isHidden("#evaluate-view"), true);
  assert.equal(await page.isHidden("[data-testid=example]"), true);
  assert.equal(await page.getAttribute("[data-testid=view-test]", "aria-selected"), "true");

  // The preloaded example: three files, four rows, all as expected.
  assert.deepEqual(
    await page.$$eval("[data-testid=file-name]", (inputs) => inputs.map((i) => i.value)),
    ["kyverno-test.yaml", "policy.yaml", "resources.yaml"],
  );
  assert.equal(await text(page, "test-verdict"), "PASS: 4 passed");
  assert.equal(await text(page, "test-reports"), "kyverno-test.yaml: 4 passed, 0 failed");
  const P = "require-owner-and-limits";
  assert.deepEqual(await testRows(page), [
    [P, "require-team-label", "v1/Pod/shop/checkout", "Pass", "Ok"],
    [P, "require-team-label", "v1/Pod/shop/scratch", "Pass", "Ok"],
    [P, "require-memory-limit", "v1/Pod/shop/checkout", "Pass", "Ok"],
    [P, "require-memory-limit", "v1/Pod/shop/scratch", "Pass", "Ok"],
  ]);
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, "playground-test.png"), fullPage: true });

  // Label the scratch Pod: the entry expecting a failure no longer holds.
  const resources = await fileText(page, "resources.yaml");
  const pods = await resources.inputValue();
  await andRun(page, () => resources.fill(pods.replace("  name: scratch\n", "  name: scratch\n  labels:\n    team: tools\n")));
  assert.equal(await text(page, "test-verdict"), "FAIL: 1 failed, 3 passed");
  assert.deepEqual((await testRows(page))[1], [P, "require-team-label", "v1/Pod/shop/scratch", "Fail", "Want fail, got pass"]);
  assert.match(await page.getAttribute("[data-testid=test-results] tbody tr >> nth=1", "title"), /validation rule 'require-team-label' passed/);
  await andRun(page, () => resources.fill(pods));
  assert.equal(await text(page, "test-verdict"), "PASS: 4 passed");

  // Remove the policy file: the test names it, so the report is an error, not "0 tests".
  const policy = await (await fileText(page, "policy.yaml")).inputValue();
  await andRun(page, async () => page.locator("[data-testid=file-remove]").nth(await fileIndex(page, "policy.yaml")).click());
  assert.equal(await page.locator("[data-testid=file]").count(), 2);
  assert.equal(await text(page, "test-verdict"), "FAIL: 1 failed, 0 passed");
  assert.equal(
    await text(page, "test-reports"),
    "kyverno-test.yaml: 0 passed, 1 failedpolicy.yaml: no such file among the files given",
  );
  assert.deepEqual(await testRows(page), [["No result entry was checked."]]);

  // Add it back as a new file, in a folder the test does not name first.
  await page.click("[data-testid=add-file]");
  assert.equal(await page.locator("[data-testid=file]").count(), 3);
  await andRun(page, () => page.locator("[data-testid=file-text]").nth(2).fill(policy));
  assert.equal(await text(page, "test-verdict"), "ERROR");
  assert.equal(await text(page, "test-error"), "Files: a file has no name");
  await andRun(page, () => page.locator("[data-testid=file-name]").nth(2).fill("policies/policy.yaml"));
  assert.match(await text(page, "test-reports"), /policy\.yaml: no such file among the files given/);
  await andRun(page, () => page.locator("[data-testid=file-name]").nth(2).fill("policy.yaml"));
  assert.equal(await text(page, "test-verdict"), "PASS: 4 passed");

  // Two files with one name cannot be a suite.
  await andRun(page, () => page.locator("[data-testid=file-name]").nth(2).fill("resources.yaml"));
  assert.equal(await text(page, "test-error"), "Files: two files are named resources.yaml");
  await andRun(page, () => page.locator("[data-testid=file-name]").nth(2).fill("policy.yaml"));

  // A malformed test file fails its report with the parser's message.
  const testFile = await fileText(page, "kyverno-test.yaml");
  const suite = await testFile.inputValue();
  await andRun(page, () => testFile.fill("apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nresults: [1, 2\n"));
  assert.equal(await text(page, "test-verdict"), "FAIL: 1 failed, 0 passed");
  assert.match(await text(page, "test-reports"), /^kyverno-test\.yaml: 0 passed, 1 failedTest errors: line \d+: invalid YAML/);

  // No test file at all: the suite cannot be judged (an InputError).
  await andRun(page, () => testFile.fill(suite));
  await andRun(page, () => page.locator("[data-testid=file-name]").nth(0).fill("suite.yaml"));
  assert.equal(await text(page, "test-verdict"), "ERROR");
  assert.match(await text(page, "test-error"), /^Suite: InputError: invalid files: no file named kyverno-test\.yaml among the files given/);

  // Reset brings the example back; strict mode runs the same rows here.
  await andRun(page, () => page.click("[data-testid=reset-test]"));
  assert.equal(await text(page, "test-verdict"), "PASS: 4 passed");
  await andRun(page, () => page.check("[data-testid=test-strict]"));
  assert.equal(await text(page, "test-verdict"), "PASS: 4 passed");

  // Back to the Evaluate view: it still works.
  await page.click("[data-testid=view-evaluate]");
  assert.equal(await page.isVisible("#evaluate-view"), true);
  assert.equal(await page.isHidden("#test-view"), true);
  assert.equal(await text(page, "verdict"), "BLOCKED");
  assert.deepEqual(problems, []);
});
