'use strict'
// A sample of the upstream kyverno/policies suites run through the binding:
// every expected (policy, rule, resource, result) of each suite's
// kyverno-test.yaml must come back from `validate`.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const YAML = require('yaml')

const { Engine } = require('..')

// The corpus sits beside the repository (../shared/corpus from the repo root).
const CORPUS = path.join(__dirname, '..', '..', '..', 'shared', 'corpus', 'kyverno-policies')

// Plain validate suites from conformance/passing.txt: no values files, user
// info, exceptions or cluster resources.
const SUITES = [
  'best-practices/disallow-latest-tag',
  'best-practices/require-labels',
  'best-practices/restrict-node-port',
  'best-practices/require-ro-rootfs',
  'best-practices/disallow-default-namespace',
  'best-practices/restrict-image-registries',
  'other/check-env-vars',
  'other/deny-commands-in-exec-probe',
  'other/limit-containers-per-pod',
  'other/metadata-match-regex',
  'other/disallow-secrets-from-env-vars',
]

/** Every non-empty YAML document of a file, as plain objects. */
function documents(file) {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter((d) => d !== null && typeof d === 'object')
}

for (const suite of SUITES) {
  test(`corpus ${suite}`, () => {
    const dir = path.join(CORPUS, suite, '.kyverno-test')
    const testFile = path.join(dir, 'kyverno-test.yaml')
    assert.ok(fs.existsSync(testFile), `corpus not found at ${testFile}`)
    const spec = YAML.parse(fs.readFileSync(testFile, 'utf8'))
    // Policies as text (the loader's own path), resources as objects.
    const policyText = spec.policies.map((p) => fs.readFileSync(path.resolve(dir, p), 'utf8')).join('\n---\n')
    const engine = new Engine(policyText)
    const resources = spec.resources.flatMap((r) => documents(path.resolve(dir, r)))
    let checked = 0
    for (const want of spec.results) {
      for (const ref of want.resources) {
        const [ns, name] = ref.includes('/') ? ref.split('/') : [null, ref]
        // Namespaced resources without a namespace count as `default`, as
        // the CLI loads them.
        let found = resources.filter(
          (r) => r.metadata && r.metadata.name === name && (ns === null || (r.metadata.namespace || 'default') === ns),
        )
        if (found.length > 1 && want.kind) found = found.filter((r) => r.kind === want.kind)
        assert.equal(found.length, 1, `${suite}: resource ${ref} (${want.kind})`)
        const out = engine.validate(found[0])
        // As `kyverno test` does: a Deployment answers with `autogen-<rule>`,
        // a CronJob with `autogen-cronjob-<rule>`.
        const names = [want.rule, `autogen-${want.rule}`, `autogen-cronjob-${want.rule}`]
        const rows = out.results.filter((r) => r.policy === want.policy && names.includes(r.rule))
        const got = rows.length ? rows.map((r) => r.result) : ['skip']
        assert.deepEqual(
          got,
          [want.result],
          `${suite}: ${want.policy}/${want.rule} on ${ref}: ${JSON.stringify(rows)}`,
        )
        checked++
      }
    }
    assert.ok(checked > 0, `${suite}: no expectations checked`)
  })
}
