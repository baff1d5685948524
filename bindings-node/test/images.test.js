'use strict'
// verifyImages through the host: a verifyImage callback and imageData fixtures.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { Engine, InputError } = require('..')

const EXAMPLES = path.join(__dirname, '..', '..', 'examples', 'verify-images')
const read = (f) => fs.readFileSync(path.join(EXAMPLES, f), 'utf8')
const SUBJECT = 'krel-trust@k8s-releng-prod.iam.gserviceaccount.com'
const PROMOTER = 'k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com'
const DIGEST = 'sha256:' + 'ab'.repeat(32)
const ETCD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'etcd-controlplane', namespace: 'kube-system' },
  spec: { containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.6-0' }] },
}
const MISMATCH =
  'failed to verify image registry.k8s.io/etcd:3.5.6-0: .attestors[0].entries[0].keyless: ' +
  `subject mismatch: expected ${SUBJECT}, received ${PROMOTER}`

const engine = (host) => new Engine(read('policy-stage1.yaml'), { host })
const rows = (out) => out.results.filter((r) => r.rule === 'verify-k8s-images')
const signedBy = (subject, seen = []) =>
  function verifyImage(request) {
    seen.push(request)
    return { digest: DIGEST, signatures: [{ subjectAlternativeNames: [subject], issuer: 'https://accounts.google.com' }] }
  }

test('verifyImage callback signed by the expected subject passes', () => {
  const seen = []
  const out = engine({ verifyImage: signedBy(SUBJECT, seen) }).evaluate(ETCD)
  assert.deepEqual(rows(out).map((r) => r.result), ['pass'])
  assert.equal(seen[0].image, 'registry.k8s.io/etcd:3.5.6-0')
  assert.equal(seen[0].attestor.type, 'keyless')
})

test('verifyImage subject mismatch fails with Kyverno message', () => {
  const [row] = rows(engine({ verifyImage: signedBy(PROMOTER) }).evaluate(ETCD))
  assert.equal(row.result, 'fail')
  assert.equal(row.message, MISMATCH)
})

test('verifyImage that throws is an error result, never a pass', () => {
  const [row] = rows(
    engine({
      verifyImage() {
        throw new Error('registry down')
      },
    }).evaluate(ETCD),
  )
  assert.equal(row.result, 'error')
  assert.match(row.message, /registry down/)
})

test('unusable verifyImage answers are error results', () => {
  for (const answer of [null, 3, { signatures: [] }, { digest: 1 }]) {
    const [row] = rows(engine({ verifyImage: () => answer }).evaluate(ETCD))
    assert.equal(row.result, 'error', JSON.stringify(answer))
  }
})

test('imageData fixture text and object answer like the CLI', () => {
  const text = read('image-data.yaml')
  const [row] = rows(engine({ imageData: text }).evaluate(ETCD))
  assert.equal(row.message, MISMATCH)
  const obj = { images: [{ image: 'registry.k8s.io/*', digest: DIGEST, signatures: [{ subjectAlternativeNames: [SUBJECT], issuer: 'https://accounts.google.com' }] }] }
  assert.deepEqual(rows(engine({ imageData: obj }).evaluate(ETCD)).map((r) => r.result), ['pass'])
  const stage2 = new Engine(read('policy-stage2.yaml'), { host: { imageData: text } })
  const statuses = stage2.evaluate(ETCD).results.map((r) => r.result)
  assert.ok(statuses.includes('pass') && !statuses.includes('fail') && !statuses.includes('error'), statuses)
})

test('malformed imageData is an InputError naming the field', () => {
  assert.throws(
    () => engine({ imageData: { images: [{ image: 'x', digest: 'sha256:1' }] } }).evaluate(ETCD),
    (e) => e instanceof InputError && /images\[0\]\.digest/.test(e.message),
  )
})

const KEYED_POLICY = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: keyed}\nspec:\n  rules:\n  - name: keyed\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    verifyImages:\n    - imageReferences: ['*']\n      mutateDigest: false\n      attestors:\n      - entries:\n        - keys: {publicKeys: \"-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE05et+jrNFWOceh9KTfeYy4FSwV1E\\nmVxMUXC9IZQlyMn2oahthQa4AEg0mOrbtXMnlA7zm7D7OB4As8RKVcy+Yg==\\n-----END PUBLIC KEY-----\"}\n"

test('verifyImage request spells attestor fields in camelCase', () => {
  const seen = []
  new Engine(KEYED_POLICY, { host: { verifyImage: signedBy(SUBJECT, seen) } }).evaluate(ETCD)
  const { attestor, transparency } = seen[0]
  assert.equal(attestor.type, 'keys')
  assert.ok(attestor.publicKeys.startsWith('-----BEGIN PUBLIC KEY-----'))
  assert.equal(attestor.signatureAlgorithm, 'sha256')
  assert.equal(attestor.public_keys, undefined)
  assert.ok('ignoreSCT' in transparency)
})
