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
