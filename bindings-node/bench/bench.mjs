// Time `validate` through the Node binding: the disallow-privileged policy on
// the nginx-privileged pod, given as a JS object and as YAML text.
// Prints one JSON line: {"host":"node","validate_object_ns":..,"validate_text_ns":..}
//
//   npm run build && node bench/bench.mjs [iterations]

import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const require = createRequire(import.meta.url)
const { Engine } = require('../lib.js')
const YAML = require('yaml')

const here = path.dirname(fileURLToPath(import.meta.url))
const examples = path.join(here, '..', '..', 'examples')
const policy = readFileSync(path.join(examples, 'disallow-privileged.yaml'), 'utf8')
const podText = readFileSync(path.join(examples, 'nginx-privileged.yaml'), 'utf8')
const podObject = YAML.parse(podText)

const n = Number(process.argv[2] || 20000)
const engine = new Engine(policy)

function time(arg) {
  // Warm up (JIT, allocator), then take the best of three runs to damp noise
  // from other processes on the machine.
  for (let i = 0; i < Math.min(n, 2000); i++) engine.validate(arg)
  let best = Infinity
  for (let run = 0; run < 3; run++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) engine.validate(arg)
    const ns = Number(process.hrtime.bigint() - t0) / n
    best = Math.min(best, ns)
  }
  return Math.round(best)
}

// Sanity: both forms give the denial.
if (engine.validate(podObject).allowed !== false || engine.validate(podText).allowed !== false) {
  throw new Error('unexpected validate result')
}

console.log(
  JSON.stringify({
    host: 'node',
    validate_object_ns: time(podObject),
    validate_text_ns: time(podText),
  }),
)
