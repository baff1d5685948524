// verifyImages with verification data supplied by the host (`imageData`).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { verno } from "./helpers.mjs";

const { Engine } = verno;
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "verify-images");
const read = (f) => fs.readFileSync(path.join(DIR, f), "utf8");
const SUBJECT = "krel-trust@k8s-releng-prod.iam.gserviceaccount.com";
const PROMOTER = "k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com";
const ETCD = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "etcd-controlplane", namespace: "kube-system" },
  spec: { containers: [{ name: "etcd", image: "registry.k8s.io/etcd:3.5.6-0" }] },
};
const MISMATCH =
  "failed to verify image registry.k8s.io/etcd:3.5.6-0: .attestors[0].entries[0].keyless: " +
  `subject mismatch: expected ${SUBJECT}, received ${PROMOTER}`;
const rows = (out) => out.results.filter((r) => r.type === "verifyImages");
const data = (subject) => ({
  images: [
    {
      image: "registry.k8s.io/*",
      digest: "sha256:" + "ab".repeat(32),
      signatures: [{ subjectAlternativeNames: [subject], issuer: "https://accounts.google.com" }],
    },
  ],
});

test("imageData object signed by the expected subject passes", () => {
  const out = new Engine(read("policy-stage1.yaml"), { host: { imageData: data(SUBJECT) } }).evaluate(ETCD);
  assert.deepEqual(rows(out).map((r) => r.result), ["pass"]);
});

test("imageData subject mismatch fails with Kyverno's message", () => {
  const engine = new Engine(read("policy-stage1.yaml"));
  const [row] = rows(engine.evaluate(ETCD, { host: { imageData: data(PROMOTER) } }));
  assert.equal(row.result, "fail");
  assert.equal(row.message, MISMATCH);
  const [fromText] = rows(engine.evaluate(ETCD, { host: { imageData: read("image-data.yaml") } }));
  assert.equal(fromText.message, MISMATCH);
});

test("imageData error entry is an error result, never a pass", () => {
  const down = { images: [{ image: "registry.k8s.io/*", error: { kind: "unavailable", message: "registry down" } }] };
  const [row] = rows(new Engine(read("policy-stage1.yaml")).evaluate(ETCD, { host: { imageData: down } }));
  assert.equal(row.result, "error");
  assert.match(row.message, /registry down/);
});

test("malformed imageData is an InputError naming the field", () => {
  const bad = { images: [{ image: "x", digest: "sha256:1" }] };
  assert.throws(
    () => new Engine(read("policy-stage1.yaml")).evaluate(ETCD, { host: { imageData: bad } }),
    (e) => e instanceof verno.InputError && /images\[0\]\.digest/.test(e.message),
  );
});
