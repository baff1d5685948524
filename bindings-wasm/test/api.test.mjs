// The API on the repo's examples: validate, mutate, evaluate, admit, report,
// policies, and host callbacks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { verno, POLICY, POD, GOOD_POD, REGISTRIES, DENIAL, podObject } from "./helpers.mjs";

const { Engine } = verno;

const ADD_LABEL = `
apiVersion: kyverno.io/v1
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
`;

test("validate: Kyverno's exact Enforce denial text, path and rows", () => {
  const engine = new Engine(POLICY);
  for (const resource of [POD, podObject(), new TextEncoder().encode(POD)]) {
    const out = engine.validate(resource);
    assert.equal(out.allowed, false);
    assert.equal(out.message, DENIAL);
    assert.deepEqual(out.results, [
      {
        policy: "disallow-privileged",
        rule: "validate-allowPrivilegeEscalation",
        type: "validate",
        result: "fail",
        message:
          "validation error: Privileged mode is not allowed. Set allowPrivilegeEscalation to false. " +
          "rule validate-allowPrivilegeEscalation failed at path /spec/containers/0/securityContext/allowPrivilegeEscalation/",
        path: "/spec/containers/0/securityContext/allowPrivilegeEscalation/",
        enforced: true,
      },
    ]);
  }
  const ok = engine.validate(GOOD_POD);
  assert.equal(ok.allowed, true);
  assert.equal(ok.message, null);
  assert.equal(ok.results[0].result, "pass");
});

test("results are plain objects and arrays (maps serialized as objects)", () => {
  const out = new Engine(POLICY).validate(POD);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.ok(Array.isArray(out.results));
  assert.equal(Object.getPrototypeOf(out.results[0]), Object.prototype);
});

test("validate: Audit registry policy allows but reports a fail row", () => {
  const out = new Engine(REGISTRIES).validate(POD);
  assert.equal(out.allowed, true);
  assert.equal(out.message, null);
  assert.equal(out.results.length, 1);
  assert.equal(out.results[0].policy, "restrict-image-registries");
  assert.equal(out.results[0].rule, "validate-registries");
  assert.equal(out.results[0].result, "fail");
  assert.equal(out.results[0].enforced, false);
  assert.match(out.results[0].message, /Unknown image registry/);
});

test("engine from objects, a list, a List, and fromYaml/fromObject", async () => {
  const { parse } = await import("yaml");
  const policy = parse(POLICY);
  for (const engine of [
    new Engine(policy),
    new Engine([policy, parse(REGISTRIES)]),
    new Engine({ apiVersion: "v1", kind: "List", items: [policy] }),
    Engine.fromYaml(POLICY),
    Engine.fromObject(policy),
  ]) {
    assert.equal(engine.validate(POD).allowed, false);
  }
  const both = new Engine(POLICY + "\n---\n" + REGISTRIES);
  assert.deepEqual(
    both.policies().map((p) => [p.name, p.kind, p.namespace]),
    [["disallow-privileged", "ClusterPolicy", null], ["restrict-image-registries", "ClusterPolicy", null]],
  );
  const rules = both.policies()[0].rules.map((r) => r.name);
  assert.ok(rules.includes("validate-allowPrivilegeEscalation"));
  assert.ok(rules.includes("autogen-validate-allowPrivilegeEscalation"), rules.join());
});

test("mutate: patched resource and RFC 6902 patch", () => {
  const engine = new Engine(ADD_LABEL);
  const pod = podObject();
  const out = engine.mutate(pod);
  assert.equal(out.patched, true);
  assert.deepEqual(out.resource.metadata.labels, { run: "nginx", team: "platform" });
  assert.deepEqual(out.patch, [{ op: "add", path: "/metadata/labels/team", value: "platform" }]);
  assert.equal(out.results[0].result, "pass");
  assert.equal(out.results[0].type, "mutate");
  // The input object is not modified.
  assert.deepEqual(pod.metadata.labels, { run: "nginx" });
  // Nothing to do: the resource comes back unchanged with an empty patch.
  const again = engine.mutate(out.resource);
  assert.equal(again.patched, false);
  assert.deepEqual(again.patch, []);
});

test("evaluate: mutate then validate, with patch and verdict", () => {
  const engine = new Engine(ADD_LABEL + "\n---\n" + POLICY);
  const out = engine.evaluate(POD);
  assert.equal(out.allowed, false);
  assert.match(out.message, /resource Pod\/default\/nginx was blocked/);
  assert.equal(out.resource.metadata.labels.team, "platform");
  assert.deepEqual(out.patch, [{ op: "add", path: "/metadata/labels/team", value: "platform" }]);
  assert.deepEqual(out.results.map((r) => [r.type, r.result]), [["mutate", "pass"], ["validate", "fail"]]);
  assert.deepEqual(out.generated, []);
});

test("options: operation, userInfo, namespaceLabels", () => {
  const engine = new Engine(POLICY);
  const del = engine.validate(POD, { operation: "DELETE" });
  assert.equal(typeof del.allowed, "boolean");
  // The old object passed, so the UPDATE brings a new violation: blocked.
  const good = podObject();
  good.spec.containers[0].securityContext = { allowPrivilegeEscalation: false };
  const upd = engine.validate(POD, {
    operation: "UPDATE",
    oldObject: good,
    userInfo: { username: "alice", groups: ["dev"] },
    namespaceLabels: { env: "prod" },
    subresource: "",
    variables: { "request.operation": "UPDATE" },
  });
  assert.equal(upd.allowed, false);
});

test("admit: AdmissionReview with allowed=false and status.message", () => {
  const engine = new Engine(POLICY);
  const review = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: { uid: "abc-123", operation: "CREATE", object: podObject() },
  };
  for (const input of [review, JSON.stringify(review)]) {
    const out = engine.admit(input);
    assert.equal(out.kind, "AdmissionReview");
    assert.equal(out.apiVersion, "admission.k8s.io/v1");
    assert.equal(out.response.uid, "abc-123");
    assert.equal(out.response.allowed, false);
    assert.equal(out.response.status.message, DENIAL);
  }
});

test("report: wgpolicyk8s.io/v1alpha2 with summary counts", () => {
  const engine = new Engine(POLICY);
  const reports = engine.report([POD, GOOD_POD.replace("name: nginx", "name: nginx2")]);
  assert.equal(reports.length, 1);
  const [r] = reports;
  assert.equal(r.apiVersion, "wgpolicyk8s.io/v1alpha2");
  // Merged, as `kyverno apply --policy-report` prints it.
  assert.equal(r.kind, "ClusterPolicyReport");
  assert.equal(r.results[0].resources[0].name, "nginx");
  assert.deepEqual(r.summary, { pass: 1, fail: 1, warn: 0, error: 0, skip: 0 });
  // Multi-document text works too, and openreports format.
  const open = engine.report(POD + "\n---\n" + GOOD_POD.replace("name: nginx", "name: nginx2"), { format: "openreports" });
  assert.match(open[0].apiVersion, /openreports/);
  assert.equal(open[0].summary.fail, 1);
  const per = engine.report([podObject()], { perResource: true, auditWarn: true });
  assert.equal(per.length, 1);
});

test("host.now stamps reports; now/random reach JMESPath", () => {
  const clock = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: clock}
spec:
  validationFailureAction: Enforce
  rules:
    - name: stamp
      match: {any: [{resources: {kinds: [Pod]}}]}
      validate:
        message: "now={{ time_now_utc() }} r={{ random('[a-z]{8}') }}"
        deny: {}
`;
  let calls = 0;
  const host = { now: () => 1700000000, random: () => { calls += 1; return 42; } };
  const engine = new Engine(clock, { host });
  const out = engine.validate(POD);
  assert.equal(out.results[0].result, "fail", JSON.stringify(out));
  assert.match(out.results[0].message, /now=2023-11-14T22:13:20Z r=[a-z]{8}/);
  assert.ok(calls >= 1);
  // A Date works as well as seconds; per-call host overrides the engine's.
  const out2 = engine.validate(POD, { host: { now: () => new Date(1700000000500), random: () => 7n } });
  assert.match(out2.results[0].message, /now=2023-11-14T22:13:20/);
  const rep = new Engine(POLICY, { host }).report([POD]);
  assert.equal(rep[0].results[0].timestamp.seconds, 1700000000);
  // No clock: time_now_utc() fails inside the engine (the message cannot be
  // substituted), which is not a throw.
  const none = new Engine(clock).validate(POD);
  assert.equal(none.results[0].result, "fail");
  assert.doesNotMatch(none.results[0].message, /now=/);
});

const CONFIGMAP_POLICY = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: cm-registry}
spec:
  validationFailureAction: Enforce
  rules:
    - name: check-registry
      match: {any: [{resources: {kinds: [Pod]}}]}
      context:
        - name: settings
          configMap: {name: registry-settings, namespace: platform}
      validate:
        message: "images must come from {{ settings.data.registry }}"
        pattern:
          spec:
            containers:
              - image: "{{ settings.data.registry }}/*"
`;

test("host.context serves a configMap context entry", () => {
  const seen = [];
  const host = {
    context(request) {
      seen.push(request);
      return { data: { registry: "ghcr.io" } };
    },
  };
  const engine = new Engine(CONFIGMAP_POLICY, { host });
  const bad = engine.validate(POD);
  assert.equal(bad.allowed, false);
  assert.match(bad.results[0].message, /images must come from ghcr.io/);
  const pod = podObject();
  pod.spec.containers[0].image = "ghcr.io/nginx";
  assert.equal(engine.validate(pod).allowed, true);
  assert.equal(seen[0].policy, "cm-registry");
  assert.equal(seen[0].rule, "check-registry");
  assert.equal(seen[0].name, "settings");
  assert.deepEqual(seen[0].entry.configMap, { name: "registry-settings", namespace: "platform" });
  // Not loaded (undefined / null / no host): the rule errors, the call does not throw.
  for (const h of [{ context: () => undefined }, { context: () => null }, {}]) {
    const out = new Engine(CONFIGMAP_POLICY, { host: h }).validate(POD);
    assert.equal(out.results[0].result, "error", JSON.stringify(out.results));
  }
});

test("a callback may call the engine again (re-entrancy)", () => {
  const inner = new Engine(POLICY);
  const host = {
    context() {
      const nested = inner.validate(POD);
      return { data: { registry: nested.allowed ? "yes" : "ghcr.io" } };
    },
  };
  const out = new Engine(CONFIGMAP_POLICY, { host }).validate(POD);
  assert.match(out.results[0].message, /ghcr.io/);
});

test("toYaml renders values as YAML", () => {
  const text = verno.toYaml({ a: 1, b: ["x"] });
  assert.match(text, /a: 1/);
  assert.match(text, /- x/);
});
