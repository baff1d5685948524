'use strict'
// The README's first code block must run as written and print what its
// `// =>` comments say.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')

test('README example runs and prints what it says', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const m = readme.match(/```js\n([\s\S]*?)```/)
  assert.ok(m, 'README has a ```js block')
  const code = m[1]
  const expected = [...code.matchAll(/\/\/ => (.*)$/gm)].map((x) => x[1].trim())
  assert.ok(expected.length > 0, 'the example states its output')
  // Resolve the package to this checkout rather than an installed copy.
  const runnable = code.replace("require('verno')", `require(${JSON.stringify(path.join(ROOT, 'lib.js'))})`)
  assert.notEqual(runnable, code, "the example requires 'verno'")
  const out = execFileSync(process.execPath, ['-e', runnable], { encoding: 'utf8' })
  assert.deepEqual(out.trim().split('\n'), expected)
})
