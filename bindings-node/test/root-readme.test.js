'use strict'
// The repository README's Node.js example runs from the repo root against
// this package (as `verno`) and prints what its `// =>` comments say.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const BINDING = path.join(__dirname, '..')
const REPO = path.join(BINDING, '..')

test('root README Node example runs from the repo root', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8')
  const code = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)]
    .map((m) => m[1])
    .find((c) => c.includes("require('verno')"))
  assert.ok(code, 'README has no Node example')
  const expected = code
    .split('\n')
    .filter((l) => l.startsWith('console.log(') && l.includes('// =>'))
    .map((l) => l.split('// =>')[1].trim())
  assert.ok(expected.length > 0)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verno-node-root-readme-'))
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(BINDING, path.join(dir, 'node_modules', 'verno'), 'dir')
    fs.writeFileSync(path.join(dir, 'example.js'), code)
    const out = execFileSync(process.execPath, [path.join(dir, 'example.js')], { cwd: REPO, encoding: 'utf8' })
    assert.deepEqual(out.trim().split('\n'), expected)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
