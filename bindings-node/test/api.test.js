'use strict'
// The binding's API on the repository's examples, every error class, hostile
// inputs and host callbacks.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const YAML = require('yaml')

const verno = require('..')
const { Engine, VernoError, PolicyError, YamlError, InvalidPolicyError, UnsupportedError, InputError, HostError } =
  verno

const EXAMPLES = path.join(__dirname, '..', '..', 'examples')
const read = (f) => fs.readFileSync(path.join(EXAMPLES, f), 'utf8')
const PRIVILEGED = read('disallow-privileged.yaml')
const REGISTRIES = read('restrict-image-registries.yaml')
const NGINX = read('nginx-privileged.yaml')
const NGINX_OK = read('nginx-unprivileged.yaml')

const DENIAL =
  '\n\nresource Pod/default/nginx was blocked due to the following policies \n\ndisallow-privileged:\n' +
  "  validate-allowPrivilegeEscalation: 'validation error: Privileged mode is not allowed. Set " +
  'allowPrivilegeEscalation to false. rule validate-allowPrivilegeEscalation failed at path ' +
  "/spec/containers/0/securityContext/allowPrivilegeEscalation/'\n"

const ADD_LABEL = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: add-label
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
`

const CONFIGMAP_POLICY = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: env-from-configmap
spec:
  validationFailureAction: Enforce
  rules:
    - name: check-env
      match:
        any:
          - resources:
              kinds: [Pod]
      context:
        - name: settings
          configMap:
            name: allowed-env
            namespace: default
      validate:
        message: "env must be {{ settings.data.env }}"
        deny:
          conditions:
            any:
              - key: "{{ request.object.metadata.labels.env || '' }}"
                operator: NotEquals
                value: "{{ settings.data.env }}"
`

const podWithEnv = (env) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { env } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
})

test('validate: Enforce denial with Kyverno text, path and rows', () => {
  const engine = new Engine(PRIVILEGED)
  const out = engine.validate(YAML.parse(NGINX))
  assert.equal(out.allowed, false)
  assert.equal(out.message, DENIAL)
  assert.equal(out.results.length, 1)
  assert.deepEqual(out.results[0], {
    policy: 'disallow-privileged',
    rule: 'validate-allowPrivilegeEscalation',
    type: 'validate',
    result: 'fail',
    message:
      'validation error: Privileged mode is not allowed. Set allowPrivilegeEscalation to false. ' +
      'rule validate-allowPrivilegeEscalation failed at path /spec/containers/0/securityContext/allowPrivilegeEscalation/',
    path: '/spec/containers/0/securityContext/allowPrivilegeEscalation/',
    enforced: true,
  })
  // Text and bytes give the same answer as the object.
  assert.deepEqual(engine.validate(NGINX), out)
  assert.deepEqual(engine.validate(Buffer.from(NGINX)), out)
  // The compliant pod is allowed.
  const ok = engine.validate(NGINX_OK)
  assert.equal(ok.allowed, true)
  assert.equal(ok.message, null)
  assert.equal(ok.results[0].result, 'pass')
})

test('validate: Audit registry policy allows with a fail row', () => {
  const engine = new Engine(REGISTRIES)
  const out = engine.validate(NGINX)
  assert.equal(out.allowed, true)
  assert.equal(out.message, null)
  const fails = out.results.filter((r) => r.result === 'fail')
  assert.equal(fails.length, 1)
  assert.equal(fails[0].enforced, false)
})

test('constructor accepts objects, arrays, Lists and multi-document text', () => {
  const p1 = YAML.parse(PRIVILEGED)
  const p2 = YAML.parse(REGISTRIES)
  const names = (e) => e.policies().map((p) => p.name)
  assert.deepEqual(names(new Engine(p1)), ['disallow-privileged'])
  assert.deepEqual(names(new Engine([p1, p2])).sort(), names(new Engine(PRIVILEGED + '\n---\n' + REGISTRIES)).sort())
  assert.equal(new Engine({ apiVersion: 'v1', kind: 'List', items: [p1, p2] }).policies().length, 2)
  assert.deepEqual(names(Engine.fromYaml(PRIVILEGED)), ['disallow-privileged'])
  assert.deepEqual(names(Engine.fromObject([p1])), ['disallow-privileged'])
  const info = new Engine(PRIVILEGED).policies()[0]
  assert.equal(info.kind, 'ClusterPolicy')
  assert.equal(info.namespace, null)
  assert.deepEqual(info.rules[0], { name: 'validate-allowPrivilegeEscalation', type: 'validate' })
})

test('mutate: patched resource and RFC 6902 patch', () => {
  const engine = new Engine(ADD_LABEL)
  const out = engine.mutate(NGINX)
  assert.equal(out.patched, true)
  assert.deepEqual(out.patch, [{ op: 'add', path: '/metadata/labels/team', value: 'platform' }])
  assert.deepEqual(out.resource.metadata.labels, { run: 'nginx', team: 'platform' })
  assert.equal(out.results[0].result, 'pass')
  assert.equal(out.results[0].type, 'mutate')
})

test('evaluate: mutate then validate', () => {
  const engine = new Engine(ADD_LABEL + '\n---\n' + PRIVILEGED)
  const out = engine.evaluate(NGINX)
  assert.equal(out.allowed, false)
  assert.equal(out.patched, true)
  assert.deepEqual(
    out.results.map((r) => [r.rule, r.result]),
    [
      ['add-team', 'pass'],
      ['validate-allowPrivilegeEscalation', 'fail'],
    ],
  )
  assert.deepEqual(out.generated, [])
})

test('admit: AdmissionReview denied with status.message', () => {
  const engine = new Engine(PRIVILEGED)
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'abc-123', operation: 'CREATE', object: YAML.parse(NGINX) },
  }
  const out = engine.admit(review)
  assert.equal(out.kind, 'AdmissionReview')
  assert.equal(out.response.uid, 'abc-123')
  assert.equal(out.response.allowed, false)
  assert.equal(out.response.status.message, DENIAL)
  assert.throws(() => engine.admit({ kind: 'AdmissionReview' }), (e) => e instanceof InputError && e.argument === 'admission review')
})

test('report: wgpolicyk8s.io/v1alpha2 with summary counts', () => {
  const engine = new Engine(PRIVILEGED)
  const reports = engine.report([NGINX, YAML.parse(NGINX_OK)])
  assert.equal(reports.length, 1)
  assert.equal(reports[0].apiVersion, 'wgpolicyk8s.io/v1alpha2')
  assert.equal(reports[0].summary.fail, 1)
  assert.equal(reports[0].summary.pass, 1)
  const open = engine.report([NGINX], { format: 'openreports' })
  assert.notEqual(open[0].apiVersion, 'wgpolicyk8s.io/v1alpha2')
  assert.throws(() => engine.report([NGINX], { format: 'xml' }), InputError)
  assert.throws(() => engine.report(NGINX), (e) => e instanceof InputError && e.argument === 'resources')
  assert.throws(() => engine.report([NGINX, 7]), (e) => e instanceof InputError && e.argument === 'resource 1')
})

test('request options reach the engine; unknown keys are an InputError', () => {
  const engine = new Engine(PRIVILEGED)
  const del = engine.validate(NGINX, { operation: 'DELETE' })
  assert.equal(typeof del.allowed, 'boolean')
  assert.throws(
    () => engine.validate(NGINX, { operaton: 'CREATE' }),
    (e) => e instanceof InputError && e.argument === 'options' && /operaton/.test(e.message),
  )
  assert.throws(() => engine.validate(NGINX, 'CREATE'), InputError)
})

test('YamlError carries kind, line and detail', () => {
  assert.throws(
    () => new Engine('a: [\n  b'),
    (e) => {
      assert.ok(e instanceof YamlError && e instanceof PolicyError && e instanceof VernoError && e instanceof Error)
      assert.equal(e.name, 'YamlError')
      assert.equal(e.kind, 'yaml')
      assert.equal(e.code, 'VERNO_YAML')
      assert.equal(typeof e.line, 'number')
      assert.ok(e.detail.length > 0)
      assert.ok(e.message.includes(e.detail))
      return true
    },
  )
})

test('InvalidPolicyError carries policy and field', () => {
  const bad = PRIVILEGED.replace('name: disallow-privileged', 'name: disallow-privileged\n  x: 1').replace(
    'kinds:\n                - Pod',
    'kinds: 5',
  )
  assert.throws(
    () => new Engine(bad),
    (e) => {
      assert.ok(e instanceof InvalidPolicyError && e instanceof PolicyError)
      assert.equal(e.kind, 'invalid')
      assert.equal(e.policy, 'disallow-privileged')
      assert.equal(e.rule, 'validate-allowPrivilegeEscalation')
      assert.ok(e.field.includes('kinds'), e.field)
      assert.ok(e.message.includes('disallow-privileged'))
      return true
    },
  )
  assert.throws(
    () => new Engine({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: {}, spec: { rules: [] } }),
    (e) => e instanceof InvalidPolicyError && e.field === 'metadata.name',
  )
})

test('UnsupportedError for a kind verno does not load', () => {
  assert.throws(
    () => new Engine({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
    (e) => e instanceof UnsupportedError && e.kind === 'unsupported' && e instanceof PolicyError,
  )
})

test('wrong types throw InputError, never crash', () => {
  const engine = new Engine(PRIVILEGED)
  const cases = [
    ['number as policies', () => new Engine(5), 'policies'],
    ['null as policies', () => new Engine(null), 'policies'],
    ['undefined as policies', () => new Engine(), 'policies'],
    ['function as policies', () => new Engine(() => 1), 'policies'],
    ['BigInt as policies', () => new Engine(5n), 'policies'],
    ['Symbol as policies', () => new Engine(Symbol('x')), 'policies'],
    ['array of numbers', () => new Engine([1, 2]), 'policies'],
    ['invalid UTF-8 policies', () => new Engine(Buffer.from([0x6b, 0xff, 0xfe])), 'policies'],
    ['Float64Array as policies', () => new Engine(new Float64Array(2)), 'policies'],
    ['number as resource', () => engine.validate(42), 'resource'],
    ['undefined resource', () => engine.validate(), 'resource'],
    ['resource without kind', () => engine.validate({ metadata: {} }), 'resource'],
    ['BigInt inside resource', () => engine.validate({ kind: 'Pod', spec: { n: 10n } }), 'resource'],
    ['function inside resource', () => engine.validate({ kind: 'Pod', spec: { f() {} } }), 'resource'],
    ['NaN inside resource', () => engine.validate({ kind: 'Pod', spec: { n: NaN } }), 'resource'],
    ['invalid UTF-8 resource', () => engine.mutate(Buffer.from([0xc3, 0x28])), 'resource'],
    ['YAML text that is a list', () => engine.validate('- a\n- b\n'), 'resource'],
    ['host that is a number', () => new Engine(PRIVILEGED, { host: 3 }), 'host'],
    ['host member not a function', () => new Engine(PRIVILEGED, { host: { now: 5 } }), 'host'],
    ['unknown engine option', () => new Engine(PRIVILEGED, { hots: {} }), 'engine options'],
  ]
  for (const [name, fn, argument] of cases) {
    assert.throws(fn, (e) => {
      assert.ok(e instanceof InputError, `${name}: ${e && e.stack}`)
      assert.equal(e.kind, 'input', name)
      assert.equal(e.argument, argument, name)
      return true
    })
  }
})

test('a cyclic object throws InputError naming the path', () => {
  const engine = new Engine(PRIVILEGED)
  const pod = YAML.parse(NGINX)
  pod.spec.containers[0].self = pod
  assert.throws(
    () => engine.validate(pod),
    (e) => e instanceof InputError && /cyclic/.test(e.message) && e.message.includes('spec.containers[0].self'),
  )
  const policy = YAML.parse(PRIVILEGED)
  policy.spec.loop = [policy]
  assert.throws(() => new Engine(policy), (e) => e instanceof InputError && /cyclic/.test(e.message))
  // Shared (acyclic) references are fine.
  const shared = { privileged: true }
  const ok = engine.validate({ ...pod, spec: { containers: [{ name: 'a', image: 'x', securityContext: shared }, { name: 'b', image: 'y', securityContext: shared }] } })
  assert.equal(typeof ok.allowed, 'boolean')
})

test('deep nesting and shared-reference explosions stop with InputError', () => {
  const engine = new Engine(PRIVILEGED)
  let deep = {}
  for (let i = 0; i < 100000; i++) deep = { d: deep }
  assert.throws(() => engine.validate({ kind: 'Pod', spec: deep }), (e) => e instanceof InputError && /deeper/.test(e.message))
  let wide = { leaf: 1 }
  for (let i = 0; i < 40; i++) wide = { a: wide, b: wide }
  assert.throws(() => engine.validate({ kind: 'Pod', spec: wide }), (e) => e instanceof InputError && /too large/.test(e.message))
})

test('a throwing getter becomes an InputError with the original as cause', () => {
  const engine = new Engine(PRIVILEGED)
  const boom = new Error('getter boom')
  const pod = { kind: 'Pod', get metadata() { throw boom } }
  assert.throws(
    () => engine.validate(pod),
    (e) => e instanceof InputError && e.cause === boom && /getter boom/.test(e.message),
  )
})

test('Dates and undefined convert as JSON.stringify would', () => {
  // No mutate rules: mutate returns the converted input unchanged.
  const engine = new Engine(REGISTRIES)
  const pod = YAML.parse(NGINX)
  pod.metadata.creationTimestamp = new Date('2024-01-02T03:04:05Z')
  pod.metadata.annotations = undefined
  pod.spec.containers.push(undefined)
  const out = engine.mutate(pod)
  assert.equal(out.resource.metadata.creationTimestamp, '2024-01-02T03:04:05.000Z')
  assert.equal('annotations' in out.resource.metadata, false)
  assert.equal(out.resource.spec.containers[1], null)
})

test('objects cross as JSON text: surrogates, depth 200 vs 300, integers, nested data errors', () => {
  const engine = new Engine(REGISTRIES)
  const pod = (spec) => ({ ...YAML.parse(NGINX), spec })
  // A lone surrogate becomes U+FFFD (JSON.stringify escapes it, serde_json
  // would refuse it).
  assert.equal(engine.mutate(pod({ x: 'a\ud800b' })).resource.spec.x, 'a\ufffdb')
  // Deeper than serde_json's default limit (128) is fine; deeper than 256 is not.
  const nest = (n) => {
    let d = {}
    for (let i = 0; i < n; i++) d = { d }
    return d
  }
  assert.equal(engine.mutate(pod({ d: nest(200) })).patched, false)
  assert.throws(() => engine.mutate(pod({ d: nest(300) })), (e) => e instanceof InputError && /deeper than 256/.test(e.message))
  // Integers stay integers; floats stay floats.
  const out = engine.mutate(pod({ a: 2 ** 53, b: -5, c: 1.5, e: 1e21 })).resource.spec
  assert.deepEqual([out.a, out.b, out.c, out.e], [2 ** 53, -5, 1.5, 1e21])
  // Errors name the path, in options too.
  assert.throws(
    () => engine.validate(pod({ f: [1, () => 1] })),
    (e) => e instanceof InputError && e.message === 'invalid resource: at spec.f[1]: a function is not JSON data',
  )
  assert.throws(
    () => engine.validate(NGINX, { variables: { x: Infinity } }),
    (e) => e instanceof InputError && e.argument === 'options' && /at variables\.x: Infinity/.test(e.message),
  )
  assert.throws(
    () => engine.validate(pod({ b: new Float64Array(2) })),
    (e) => e instanceof InputError && /at spec\.b: binary data/.test(e.message),
  )
})

test('host.context serves a configMap entry', () => {
  const seen = []
  const host = {
    context(req) {
      seen.push(req)
      if (req.entry.configMap && req.entry.configMap.name === 'allowed-env') {
        return { data: { env: 'prod' } }
      }
      return null
    },
  }
  const engine = new Engine(CONFIGMAP_POLICY, { host })
  const ok = engine.validate(podWithEnv('prod'))
  assert.equal(ok.allowed, true, JSON.stringify(ok))
  assert.equal(ok.results[0].result, 'pass')
  const bad = engine.validate(podWithEnv('dev'))
  assert.equal(bad.allowed, false)
  assert.equal(bad.results[0].result, 'fail')
  assert.match(bad.results[0].message, /env must be prod/)
  assert.equal(seen[0].policy, 'env-from-configmap')
  assert.equal(seen[0].rule, 'check-env')
  assert.equal(seen[0].name, 'settings')
  assert.deepEqual(seen[0].entry.configMap, { name: 'allowed-env', namespace: 'default' })
  // Without a host the entry is not loaded: an error row, not an exception.
  const none = new Engine(CONFIGMAP_POLICY).validate(podWithEnv('prod'))
  assert.equal(none.results[0].result, 'error')
})

test('a throwing callback re-raises the original as HostError.cause', () => {
  const boom = new TypeError('cluster unreachable')
  const engine = new Engine(CONFIGMAP_POLICY, {
    host: {
      context() {
        throw boom
      },
    },
  })
  assert.throws(
    () => engine.validate(podWithEnv('prod')),
    (e) => {
      assert.ok(e instanceof HostError && e instanceof VernoError)
      assert.equal(e.cause, boom)
      assert.equal(e.callback, 'context')
      assert.equal(e.kind, 'host')
      assert.match(e.message, /host callback context\(\) threw: cluster unreachable/)
      return true
    },
  )
  // Non-Error throwables survive as they are.
  const engine2 = new Engine(CONFIGMAP_POLICY, { host: { context: () => { throw 'plain string' } } })
  assert.throws(() => engine2.validate(podWithEnv('prod')), (e) => e instanceof HostError && e.cause === 'plain string')
})

test('a callback returning unusable data is a HostError', () => {
  const loop = {}
  loop.self = loop
  const engine = new Engine(CONFIGMAP_POLICY, { host: { context: () => loop } })
  assert.throws(
    () => engine.validate(podWithEnv('prod')),
    (e) => e instanceof HostError && e.callback === 'context' && /cyclic/.test(e.message),
  )
})

test('host.now feeds report timestamps; a throwing now is a HostError', () => {
  const pod = NGINX
  const at = (now) => JSON.stringify(new Engine(PRIVILEGED, { host: { now } }).report([pod]))
  const fromSeconds = at(() => 1700000000)
  const fromDate = at(() => new Date(1700000000 * 1000))
  assert.equal(fromSeconds, fromDate)
  assert.ok(fromSeconds.includes('"seconds":1700000000'), fromSeconds)
  const boom = new Error('no clock')
  assert.throws(
    () => new Engine(PRIVILEGED, { host: { now: () => { throw boom } } }).report([pod]),
    (e) => e instanceof HostError && e.callback === 'now' && e.cause === boom,
  )
})

test('host.random feeds random()', () => {
  const policy = ADD_LABEL.replace('team: platform', "team: \"{{ random('[0-9]{4}') }}\"")
  let calls = 0
  const engine = new Engine(policy, { host: { random: () => (calls++, 12345) } })
  const a = engine.mutate(NGINX).resource.metadata.labels.team
  assert.match(a, /^[0-9]{4}$/)
  assert.ok(calls > 0)
  const b = new Engine(policy, { host: { random: () => 12345n } }).mutate(NGINX).resource.metadata.labels.team
  assert.equal(a, b)
  assert.throws(
    () => new Engine(policy, { host: { random: () => -1 } }).mutate(NGINX),
    (e) => e instanceof HostError && e.callback === 'random',
  )
})

test('host callbacks get the host as this and may re-enter the engine', () => {
  const engine = new Engine(PRIVILEGED)
  const host = {
    env: 'prod',
    context() {
      // Re-entrancy: a callback may call another engine.
      assert.equal(engine.validate(NGINX).allowed, false)
      return { data: { env: this.env } }
    },
  }
  const out = new Engine(CONFIGMAP_POLICY, { host }).validate(podWithEnv('prod'))
  assert.equal(out.allowed, true)
})
