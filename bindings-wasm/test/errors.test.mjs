// Every error class, every wrong argument type, hostile input: a JS
// exception with a clear message, never a crash or a hang; the engine keeps
// working afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { verno, POLICY, POD, podObject } from "./helpers.mjs";

const { Engine, VernoError, PolicyError, YamlError, InvalidPolicyError, UnsupportedError, InputError, HostError } =
  verno;

/** assert.throws, returning the error for further checks. */
function thrown(fn, cls, pattern) {
  let caught;
  assert.throws(fn, (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof cls, `${caught && caught.name}: ${caught && caught.message} is not a ${cls.name}`);
  assert.ok(caught instanceof VernoError);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, cls.name);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

test("class hierarchy", () => {
  for (const cls of [YamlError, InvalidPolicyError, UnsupportedError]) {
    assert.ok(cls.prototype instanceof PolicyError);
  }
  for (const cls of [PolicyError, InputError, HostError]) {
    assert.ok(cls.prototype instanceof VernoError);
  }
});

test("YamlError: malformed YAML, with line and column", () => {
  const e = thrown(() => new Engine("a: [1, 2\nb: {"), YamlError);
  assert.equal(e.kind, "yaml");
  assert.equal(typeof e.line, "number");
  assert.equal(typeof e.detail, "string");
  assert.equal(e.argument, null);
  thrown(() => Engine.fromYaml("\tkey: : :\n- x"), YamlError);
});

test("InvalidPolicyError: policy, rule and field", () => {
  const bad = POLICY.replace("kinds:\n                - Pod", "kinds: 5");
  assert.notEqual(bad, POLICY);
  const e = thrown(() => new Engine(bad), InvalidPolicyError);
  assert.equal(e.rule, "validate-allowPrivilegeEscalation");
  assert.match(e.field, /spec\.rules\[0\]/);
  assert.equal(typeof e.line, "number");
  assert.equal(e.kind, "invalid");
  assert.equal(e.policy, "disallow-privileged");
  assert.match(e.message, /disallow-privileged/);
  for (const key of ["rule", "field", "file", "line", "column", "detail", "argument"]) {
    assert.ok(key in e, key);
  }
  const noName = thrown(
    () => new Engine({ apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: {}, spec: { rules: [] } }),
    InvalidPolicyError,
  );
  assert.equal(noName.field, "metadata.name");
});

test("UnsupportedError: an unknown policy apiVersion or kind", () => {
  const e = thrown(() => new Engine(POLICY.replace("kyverno.io/v1", "kyverno.io/v9")), UnsupportedError);
  assert.equal(e.kind, "unsupported");
  assert.equal(e.policy, "disallow-privileged");
  thrown(() => new Engine(POD), UnsupportedError, /Pod/);
});

test("InputError: wrong types for every argument", () => {
  const engine = new Engine(POLICY);
  const cases = [
    [() => new Engine(42), "policies"],
    [() => new Engine(true), "policies"],
    [() => new Engine([1, 2]), "policies"],
    [() => Engine.fromYaml({ kind: "ClusterPolicy" }), "policies"],
    [() => Engine.fromObject("kind: ClusterPolicy"), "policies"],
    [() => new Engine(POLICY, { hots: {} }), "engine options"],
    [() => new Engine(POLICY, 5), "engine options"],
    [() => new Engine(POLICY, { host: 5 }), "host"],
    [() => new Engine(POLICY, { host: { now: 5 } }), "host"],
    [() => engine.validate(42), "resource"],
    [() => engine.validate(undefined), "resource"],
    [() => engine.validate(null), "resource"],
    [() => engine.validate([podObject()]), "resource"],
    [() => engine.validate({ metadata: { name: "x" } }), "resource"],
    [() => engine.validate("just a string"), "resource"],
    [() => engine.validate("a: [1"), "resource"],
    [() => engine.mutate(7), "resource"],
    [() => engine.evaluate(false), "resource"],
    [() => engine.validate(POD, { operaton: "CREATE" }), "options"],
    [() => engine.validate(POD, { operation: "FROB" }), "options"],
    [() => engine.validate(POD, "CREATE"), "options"],
    [() => engine.validate(POD, { userInfo: 3 }), "options"],
    [() => engine.admit({ kind: "AdmissionReview" }), "admission review"],
    [() => engine.admit(12), "admission review"],
    [() => engine.admit({ request: { object: {} } }), "admission review"],
    [() => engine.report(5), "resources"],
    [() => engine.report([POD, 3]), "resource 1"],
    [() => engine.report([POD, "a: ["]), "resource 1"],
    [() => engine.report([POD], { format: "xml" }), "report options"],
    [() => engine.report([POD], { perResouce: true }), "report options"],
  ];
  for (const [fn, argument] of cases) {
    const e = thrown(fn, InputError);
    assert.equal(e.kind, "input", e.message);
    assert.equal(e.argument, argument, `${fn}: ${e.message}`);
    assert.ok(e.message.startsWith(`invalid ${argument}: `), e.message);
  }
});

test("cyclic objects throw InputError, they do not hang or crash", () => {
  const engine = new Engine(POLICY);
  const pod = podObject();
  pod.spec.self = pod.spec;
  thrown(() => engine.validate(pod), InputError, /nested deeper than 256 levels.*at \.spec\.self\.self/);
  const list = [];
  list.push(list);
  thrown(() => new Engine(list), InputError, /cyclic/);
  const opts = { variables: {} };
  opts.variables.loop = opts;
  thrown(() => engine.validate(POD, opts), InputError);
  // Wide fan-out on every level still stops at once (depth-first).
  const wide = podObject();
  wide.metadata.annotations = {};
  for (let i = 0; i < 50; i++) wide.metadata.annotations[`k${i}`] = wide;
  thrown(() => engine.validate(wide), InputError);
  // Deep but acyclic beyond the limit: same error.
  let deep = {};
  const root = { kind: "Pod", metadata: { name: "d" }, spec: deep };
  for (let i = 0; i < 300; i++) deep = deep.x = {};
  thrown(() => engine.validate(root), InputError, /256/);
});

test("values that are not JSON throw InputError naming the path", () => {
  const engine = new Engine(POLICY);
  const withValue = (v) => {
    const pod = podObject();
    pod.metadata.labels.bad = v;
    return pod;
  };
  thrown(() => engine.validate(withValue(() => 1)), InputError, /function.*at \.metadata\.labels\.bad/);
  thrown(() => engine.validate(withValue(Symbol("s"))), InputError, /symbol/);
  thrown(() => engine.validate(withValue(NaN)), InputError, /NaN/);
  thrown(() => engine.validate(withValue(Infinity)), InputError, /inf/i);
  thrown(() => engine.validate(withValue(2n ** 70n)), InputError, /64 bits/);
  thrown(() => engine.validate(withValue("\ud800x")), InputError, /lone surrogate/);
  thrown(() => engine.validate(withValue(new Date(NaN))), InputError, /Date/);
  const getter = podObject();
  Object.defineProperty(getter.metadata, "boom", { enumerable: true, get() { throw new Error("getter!"); } });
  thrown(() => engine.validate(getter), InputError, /getter!/);
  // Acceptable non-plain values: undefined members are dropped, bigint,
  // Date and Map convert.
  const ok = podObject();
  ok.metadata.labels.gone = undefined;
  ok.metadata.generation = 3n;
  ok.metadata.creationTimestamp = new Date(0);
  ok.metadata.annotations = new Map([["a", "b"]]);
  assert.equal(engine.validate(ok).allowed, false);
  const echoed = new Engine("apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: none}\nspec: {rules: []}\n");
  assert.deepEqual(echoed.mutate(ok).resource.metadata, {
    name: "nginx", namespace: "default", labels: { run: "nginx" }, generation: 3,
    creationTimestamp: "1970-01-01T00:00:00.000Z", annotations: { a: "b" },
  });
});

test("invalid UTF-8 bytes and lone surrogates in text throw InputError", () => {
  const engine = new Engine(POLICY);
  const bad = new Uint8Array([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0xfe]);
  thrown(() => engine.validate(bad), InputError, /UTF-8/);
  thrown(() => new Engine(bad), InputError, /UTF-8/);
  thrown(() => Engine.fromYaml("kind: \ud800"), InputError, /surrogate/);
});

test("a throwing callback: HostError naming it, original as cause", () => {
  const original = new RangeError("cluster unreachable");
  const policy = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: cm}
spec:
  rules:
    - name: r
      match: {any: [{resources: {kinds: [Pod]}}]}
      context:
        - name: settings
          configMap: {name: s, namespace: default}
      validate:
        message: "m"
        pattern: {metadata: {name: "{{ settings.data.x }}"}}
`;
  const engine = new Engine(policy, { host: { context() { throw original; } } });
  const e = thrown(() => engine.validate(POD), HostError, /context\(\).*cluster unreachable/);
  assert.equal(e.cause, original);
  assert.equal(e.callback, "context");
  assert.equal(e.kind, "host");
  // Non-Error throws and bad return values too.
  const e2 = thrown(() => engine.validate(POD, { host: { context() { throw "plain string"; } } }), HostError, /plain string/);
  assert.equal(e2.cause, "plain string");
  const cyclic = {};
  cyclic.self = cyclic;
  const e3 = thrown(() => engine.validate(POD, { host: { context: () => cyclic } }), HostError, /unusable/);
  assert.ok(e3.cause instanceof TypeError);
  thrown(() => engine.validate(POD, { host: { context: () => () => 1 } }), HostError);
  thrown(() => engine.report([POD], { host: { now() { throw new Error("no clock"); } } }), HostError, /now\(\)/);
  thrown(() => engine.report([POD], { host: { now: () => "noon" } }), HostError, /now\(\)/);
});

test("the engine keeps working after every kind of error", () => {
  const engine = new Engine(POLICY);
  for (let i = 0; i < 3; i++) {
    assert.throws(() => engine.validate(42));
    assert.throws(() => new Engine("a: ["));
    const pod = podObject();
    pod.spec.loop = pod;
    assert.throws(() => engine.validate(pod));
    assert.equal(engine.validate(POD).allowed, false);
  }
});

test("hostile YAML text: deep nesting and huge aliases fail cleanly", () => {
  const engine = new Engine(POLICY);
  const deep = "kind: Pod\nspec: " + "[".repeat(5000) + "]".repeat(5000) + "\n";
  assert.throws(() => engine.validate(deep), VernoError);
  const bombs = ["a: &a [x, x]"];
  for (let i = 0; i < 30; i++) bombs.push(`a${i}: &a${i} [*${i ? `a${i - 1}` : "a"}, *${i ? `a${i - 1}` : "a"}]`);
  const bomb = "kind: Pod\n" + bombs.join("\n") + "\n";
  assert.throws(() => engine.validate(bomb), VernoError);
  assert.equal(engine.validate(POD).allowed, false);
});
