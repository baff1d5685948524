'use strict'
// runTest: a kyverno-test.yaml suite given as file name -> text, judged in
// memory with the rows `verno test` prints; suites that cannot be judged are
// errors, never "0 tests".

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { runTest, InputError, VernoError } = require('..')

const POLICY = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label team is required"
      pattern: {metadata: {labels: {team: "?*"}}}
`

const PODS = `
apiVersion: v1
kind: Pod
metadata: {name: good, labels: {team: web}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec: {containers: [{name: c, image: busybox}]}
`

/** A test document expecting `badResult` for the unlabelled Pod. */
const testDoc = (badResult, bad = 'bad') => `
apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: team}
policies: [../policy.yaml]
resources: [../pods.yaml]
results:
- {policy: require-team, rule: check-team, resources: [good], result: pass}
- {policy: require-team, rule: check-team, resources: [${bad}], result: ${badResult}}
`

const suite = (badResult = 'fail') => ({
  '.kyverno-test/kyverno-test.yaml': testDoc(badResult),
  'policy.yaml': POLICY,
  'pods.yaml': PODS,
})

const table = (report) => report.rows.map((r) => [r.resource, r.result, r.reason, r.ok])

test('runTest passes a suite whose expectations hold', () => {
  const reports = runTest(suite('fail'))
  assert.equal(reports.length, 1)
  const [report] = reports
  assert.equal(report.path, '.kyverno-test/kyverno-test.yaml')
  assert.equal(report.error, null)
  assert.deepEqual([report.passed, report.failed], [2, 0])
  assert.deepEqual(table(report), [
    ['v1/Pod/default/good', 'Pass', 'Ok', true],
    // `result` is the row's verdict, as `kyverno test` prints it: the
    // expected failure happened, so the row passes.
    ['v1/Pod/default/bad', 'Pass', 'Ok', true],
  ])
  assert.deepEqual(Object.keys(report.rows[0]).sort(), ['message', 'ok', 'policy', 'reason', 'resource', 'result', 'rule'])
  assert.deepEqual(report.skipped, [])
})

test('runTest reports a row whose expectation does not hold as failed, with the reason', () => {
  const [report] = runTest(suite('pass'))
  assert.equal(report.error, null)
  assert.deepEqual([report.passed, report.failed], [1, 1])
  assert.deepEqual(table(report)[1], ['v1/Pod/default/bad', 'Fail', 'Want pass, got fail', false])
  assert.equal(
    report.rows[1].message,
    'validation error: label team is required. rule check-team failed at path /metadata/labels/',
  )
  assert.equal(report.rows[1].policy, 'require-team')
  assert.equal(report.rows[1].rule, 'check-team')
})

test('runTest reports a test file that is not YAML as an error that fails the report', () => {
  const files = suite()
  files['.kyverno-test/kyverno-test.yaml'] = 'apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\npolicies: [x.yaml\n'
  const [report] = runTest(files)
  assert.match(report.error, /^Test errors: line \d+: invalid YAML/)
  assert.deepEqual([report.rows, report.passed, report.failed], [[], 0, 1])
})

test('runTest reports a Test document with a field of the wrong type by its field', () => {
  const files = suite()
  files['.kyverno-test/kyverno-test.yaml'] = 'apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nresults: 3\n'
  const [report] = runTest(files)
  assert.equal(report.error, 'Test errors: Test.results: expected a list, got a number')
  assert.equal(report.failed, 1)
})

test('runTest reports a file the test names but the map lacks, by its path', () => {
  const files = suite()
  delete files['policy.yaml']
  const [report] = runTest(files)
  assert.equal(report.error, '.kyverno-test/../policy.yaml: no such file among the files given')
  assert.deepEqual([report.passed, report.failed], [0, 1])
})

test('runTest strict mode reports a misspelled resource name as not found', () => {
  const files = suite()
  files['.kyverno-test/kyverno-test.yaml'] = testDoc('fail', 'badd')
  const loose = runTest(files)[0].rows
  const strict = runTest(files, { strict: true })[0].rows
  assert.ok(strict.some((r) => r.resource === 'badd' && r.reason === 'Not found'), JSON.stringify(strict))
  assert.ok(!loose.some((r) => r.resource === 'badd'))
})

test('runTest takes a Map, UTF-8 bytes and another test file name', () => {
  const files = new Map([
    ['t/suite.yaml', Buffer.from(testDoc('fail'))],
    ['policy.yaml', new TextEncoder().encode(POLICY)],
    ['pods.yaml', PODS],
  ])
  const [report] = runTest(files, { fileName: 'suite.yaml' })
  assert.equal(report.path, 't/suite.yaml')
  assert.deepEqual([report.passed, report.failed], [2, 0])
})

test('runTest runs every test file of the map, in path order', () => {
  const files = suite()
  files['b/kyverno-test.yaml'] = testDoc('pass')
  const reports = runTest(files)
  assert.deepEqual(
    reports.map((r) => [r.path, r.failed]),
    [
      ['.kyverno-test/kyverno-test.yaml', 0],
      ['b/kyverno-test.yaml', 1],
    ],
  )
})

for (const [what, files, options, message] of [
  ['a map without a test file', { 'policy.yaml': POLICY }, undefined, 'invalid files: no file named kyverno-test.yaml among the files given'],
  ['a path above the top', { '../kyverno-test.yaml': testDoc('fail') }, undefined, 'invalid files: ../kyverno-test.yaml: climbs above the top of the files given'],
  ['an array', [['kyverno-test.yaml', 'x']], undefined, 'invalid files: expected an object or a Map of file name -> text'],
  ['a string', 'kyverno-test.yaml', undefined, 'invalid files: expected an object or a Map of file name -> text'],
  ['a number as a file', { 'kyverno-test.yaml': 3 }, undefined, 'invalid file kyverno-test.yaml: expected a string or UTF-8 bytes, got number'],
  ['bytes that are not UTF-8', { 'kyverno-test.yaml': Buffer.from([0xc3, 0x28]) }, undefined, 'invalid file kyverno-test.yaml: not valid UTF-8'],
  ['a Map with a non-string name', new Map([[1, 'x']]), undefined, 'invalid files: file names must be strings, got number'],
  ['an unknown option', suite(), { strict: true, file: 'x' }, 'invalid test options: unknown key "file", expected "strict" or "fileName"'],
  ['a non-boolean strict', suite(), { strict: 'yes' }, 'invalid test options: strict must be a boolean'],
]) {
  test(`runTest throws an InputError for ${what}`, () => {
    assert.throws(
      () => runTest(files, options),
      (e) => {
        assert.ok(e instanceof InputError && e instanceof VernoError, String(e))
        assert.equal(e.code, 'VERNO_INPUT')
        assert.equal(e.kind, 'input')
        assert.equal(e.message, message)
        return true
      },
    )
  })
}

test('runTest turns a getter that throws into an InputError with the thrown error as cause', () => {
  const boom = new Error('boom')
  const files = {}
  Object.defineProperty(files, 'kyverno-test.yaml', { enumerable: true, get: () => { throw boom } })
  assert.throws(
    () => runTest(files),
    (e) => e instanceof InputError && e.message === 'invalid files: reading the files threw: boom' && e.cause === boom,
  )
})

test('runTest passes an upstream suite read into a map', (t) => {
  const root = path.join(__dirname, '..', '..', '..', 'shared', 'corpus', 'kyverno-policies', 'best-practices', 'require-labels')
  if (!fs.existsSync(root)) return t.skip('corpus not present')
  const files = {}
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) walk(full)
      else if (/\.ya?ml$/.test(e.name)) files[path.relative(root, full)] = fs.readFileSync(full, 'utf8')
    }
  }
  walk(root)
  const reports = runTest(files, { strict: true })
  assert.ok(reports.length > 0)
  for (const r of reports) assert.equal(r.error, null, r.path)
  assert.ok(reports.reduce((n, r) => n + r.passed, 0) > 0)
  assert.equal(reports.reduce((n, r) => n + r.failed, 0), 0)
})

test("the README's runTest example runs and prints what it says", () => {
  const { execFileSync } = require('node:child_process')
  const root = path.join(__dirname, '..')
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('runTest('))
  assert.ok(block, 'README has a ```js block calling runTest')
  const expected = [...block.matchAll(/\/\/ => (.*)$/gm)].map((x) => x[1].trim())
  assert.ok(expected.length > 0, 'the example states its output')
  const runnable = block.replace("require('verno')", `require(${JSON.stringify(path.join(root, 'lib.js'))})`)
  assert.notEqual(runnable, block, "the example requires 'verno'")
  const out = execFileSync(process.execPath, ['-e', runnable], { encoding: 'utf8' })
  assert.deepEqual(out.trim().split('\n'), expected)
})
