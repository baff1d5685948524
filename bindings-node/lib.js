'use strict'
// The public API of the `verno` package: an `Engine` class and the error
// classes, over the napi-rs addon that `index.js` (generated) loads. Objects
// cross to the addon as JSON text (JSON.stringify here, serde_json there) and
// results come back as JSON text (JSON.parse here): V8 does both far faster
// than one N-API call per property. All policy work happens in Rust.

const { NativeEngine, runTest: nativeRunTest } = require('./index.js')

/** Every error verno throws. */
class VernoError extends Error {
  constructor(message, fields, options) {
    super(message, options)
    this.name = new.target.name
    for (const k of FIELDS) {
      this[k] = fields && fields[k] !== undefined ? fields[k] : null
    }
  }
}

/** The policies could not be loaded or compiled. */
class PolicyError extends VernoError {}
/** The policy text is not valid YAML/JSON. */
class YamlError extends PolicyError {}
/** A policy is not a valid Kyverno policy. */
class InvalidPolicyError extends PolicyError {}
/** A policy uses a feature verno does not implement. */
class UnsupportedError extends PolicyError {}
/** A resource, options object, review or host argument is not usable. */
class InputError extends VernoError {}
/** A host callback threw (the original is `cause`) or returned unusable data. */
class HostError extends VernoError {}

// Properties copied from the addon's error; absent ones are null.
const FIELDS = [
  'code',
  'kind',
  'detail',
  'policy',
  'rule',
  'field',
  'file',
  'line',
  'column',
  'argument',
  'callback',
]

const CLASSES = {
  VERNO_YAML: YamlError,
  VERNO_INVALID: InvalidPolicyError,
  VERNO_UNSUPPORTED: UnsupportedError,
  VERNO_INPUT: InputError,
  VERNO_HOST: HostError,
}

/** Turn the addon's coded Error into its class; anything else passes through. */
function wrap(e) {
  const C = e !== null && typeof e === 'object' ? CLASSES[e.code] : undefined
  if (C === undefined) return e
  const w = new C(e.message, e, 'cause' in e ? { cause: e.cause } : undefined)
  if (typeof e.stack === 'string') w.stack = e.stack.replace(/^Error/, w.name)
  return w
}

// ---- JS values -> JSON text ------------------------------------------------

/** Deepest nesting accepted (the addon parses with the same limit). */
const MAX_DEPTH = 256
/** Most values one conversion visits: depth alone does not bound the work
 * (`a = {x: s, y: s}` repeated 60 times is acyclic but has 2^60 paths). */
const MAX_VALUES = 1 << 20

// Thrown by the replacer; `locate` then finds what and where.
const STOP = Symbol('verno: not JSON data')
let budget = MAX_VALUES

/**
 * The `JSON.stringify` replacer: it sees every value (after `toJSON`, so Dates
 * are already ISO strings) and stops on what JSON would silently drop or
 * change. It only counts and checks types, to stay cheap; paths, cycles and
 * depth are worked out by `locate` on the error path.
 */
function replacer(key, v) {
  if (--budget < 0) throw STOP
  switch (typeof v) {
    case 'object':
      // Typed arrays would become `{"0": ..}` (a Buffer's toJSON has already
      // turned it into `{type, data}` by now: that one passes).
      if (v !== null && ArrayBuffer.isView(v)) throw STOP
      return v
    case 'number':
      if (v - v !== 0) throw STOP // NaN, Infinity
      return v
    case 'string':
    case 'boolean':
    case 'undefined':
      return v
    default: // function, symbol, bigint
      throw STOP
  }
}

/**
 * `value` as JSON text, or an InputError naming `what` (the argument) and the
 * path of the first value JSON cannot represent faithfully: functions,
 * Symbols, BigInts, NaN/Infinity, typed arrays, cycles, nesting deeper than
 * 256, more than 2^20 values, or a getter/toJSON that throws (kept as cause).
 * `undefined` properties are dropped and `undefined` array items become null,
 * as JSON.stringify does.
 */
function toJson(value, what) {
  const saved = budget // re-entrancy: a getter may call the engine
  budget = MAX_VALUES
  let text
  try {
    text = JSON.stringify(value, replacer)
  } catch (e) {
    budget = saved
    throw notJson(value, what, e === STOP ? undefined : e)
  }
  budget = saved
  if (text === undefined) throw inputError(what, 'got undefined')
  // Nesting deeper than 256 that did not exhaust V8's stack is refused by
  // the addon's parser (an InputError without a path).
  return text
}

function inputError(what, detail, cause) {
  return new InputError(
    `invalid ${what}: ${detail}`,
    { code: 'VERNO_INPUT', kind: 'input', detail, argument: what },
    cause === undefined ? undefined : { cause },
  )
}

/** The InputError for a value JSON.stringify stopped on (`thrown`: what it
 * threw, when that was not our replacer). */
function notJson(value, what, thrown) {
  const found = locate(value)
  if (found !== null) {
    // A getter that threw during stringify is the cause, not its re-run.
    const cause = found.cause !== undefined && thrown !== undefined ? thrown : found.cause
    return inputError(what, found.detail, cause)
  }
  if (thrown !== undefined) return inputError(what, `conversion to JSON threw: ${describeThrown(thrown)}`, thrown)
  return inputError(what, 'the value changed while it was converted to JSON')
}

function describeThrown(e) {
  try {
    return String(e instanceof Error ? e.message : e)
  } catch {
    return '<unprintable>'
  }
}

class Found {
  constructor(message, path, cause) {
    let p = ''
    for (const seg of path) p += seg[0] === '[' || p === '' ? seg : '.' + seg
    this.detail = p === '' ? message : `at ${p}: ${message}`
    this.cause = cause
  }
}

/**
 * Walk `root` as JSON.stringify does and return the first problem as
 * `{detail, cause}` (`at spec.containers[0].self: cyclic object ...`), or
 * null. Only runs when the fast path failed, so reading properties again
 * costs nothing on the common path.
 */
function locate(root) {
  const ancestors = []
  const path = []
  let count = MAX_VALUES
  const stop = (message, cause, keep) => {
    throw new Found(message, keep === undefined ? path : path.slice(0, keep), cause)
  }
  const read = (fn, what) => {
    try {
      return fn()
    } catch (e) {
      return stop(`${what} threw: ${describeThrown(e)}`, e)
    }
  }
  function visit(v, key) {
    if (--count < 0) stop(`more than ${MAX_VALUES} values: too large (or a shared-reference explosion)`, undefined, 0)
    if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') {
      const toJSON = read(() => v.toJSON, 'reading a property')
      if (typeof toJSON === 'function') v = read(() => toJSON.call(v, key), 'toJSON')
    }
    switch (typeof v) {
      case 'undefined':
      case 'boolean':
      case 'string':
        return
      case 'number':
        if (!Number.isFinite(v)) stop(`${v} is not a JSON number`)
        return
      case 'function':
        return stop('a function is not JSON data')
      case 'symbol':
        return stop('a Symbol is not JSON data')
      case 'bigint':
        return stop('a BigInt is not JSON data (convert it to a Number or a string)')
    }
    if (v === null) return
    if (ancestors.length >= MAX_DEPTH) tooDeep(v)
    if (ArrayBuffer.isView(v)) stop('binary data (Buffer, typed array) is not JSON data')
    ancestors.push(v)
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(`[${i}]`)
        visit(read(() => v[i], 'reading an element'), String(i))
        path.pop()
      }
    } else {
      for (const k of read(() => Object.keys(v), 'listing properties')) {
        path.push(k)
        visit(read(() => v[k], 'reading a property'), k)
        path.pop()
      }
    }
    ancestors.pop()
  }
  // At the depth limit: a cycle (cut at the first object that repeats, so
  // the path shows the loop once) or plain deep nesting.
  function tooDeep(v) {
    const chain = [...ancestors, v]
    for (let k = 1; k < chain.length; k++) {
      for (let j = 0; j < k; j++) {
        if (chain[j] === chain[k]) stop('cyclic object (it contains itself)', undefined, k)
      }
    }
    stop(`nested deeper than ${MAX_DEPTH} levels`, undefined, 0)
  }
  try {
    visit(root, '')
  } catch (e) {
    if (e instanceof Found) return e
    // Our own recursion ran out of stack: report it as too deep.
    if (e instanceof RangeError) return new Found(`nested too deeply to convert (${e.message})`, [])
    throw e
  }
  return null
}

/** Is `v` text for the engine's YAML reader (a string, or bytes)? */
function isText(v) {
  return typeof v === 'string' || (ArrayBuffer.isView(v) && !(v instanceof DataView))
}

/** Options: null for defaults, else JSON text (an InputError for a non-object). */
function optionsJson(options, what) {
  if (options === undefined || options === null) return null
  if (typeof options !== 'object') throw inputError(what, 'expected an object')
  return toJson(options, what)
}

/**
 * What the addon calls for a `context` lookup, with `this` = the host: the
 * request arrives as JSON text, the answer leaves as JSON text (or null for
 * "not loaded"). If the callback throws, that propagates (the addon keeps it
 * as the HostError's cause); if its answer is not JSON data, `{detail,
 * cause}` tells the addon why.
 */
function contextBridge(f, request) {
  const r = f.call(this, JSON.parse(request))
  if (r === undefined || r === null) return null
  try {
    return toJson(r, 'context data')
  } catch (e) {
    if (!(e instanceof InputError)) throw e
    return { detail: e.detail, cause: e.cause }
  }
}

const HOST_MEMBERS = ['context', 'now', 'random', 'verifyImage']

function checkHost(host) {
  if (host === undefined || host === null) return null
  if (typeof host !== 'object') {
    throw new InputError('invalid host: expected an object with optional context/now/random methods', {
      code: 'VERNO_INPUT',
      kind: 'input',
      argument: 'host',
    })
  }
  for (const m of HOST_MEMBERS) {
    const f = host[m]
    if (f !== undefined && f !== null && typeof f !== 'function') {
      throw new InputError(`invalid host: host.${m} must be a function`, {
        code: 'VERNO_INPUT',
        kind: 'input',
        argument: 'host',
      })
    }
  }
  return host
}

/**
 * A compiled policy set. Compile once, call many times; calls are synchronous
 * and host callbacks run on the calling thread.
 */
class Engine {
  #native
  #host

  /**
   * @param policies YAML/JSON text (string or UTF-8 Buffer, multi-document),
   *   one policy object, or an array of them.
   * @param options `{ host }`: optional callbacks `context`, `now`, `random`.
   */
  constructor(policies, options) {
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') {
        throw new InputError('invalid engine options: expected an object like { host }', {
          code: 'VERNO_INPUT',
          kind: 'input',
          argument: 'engine options',
        })
      }
      for (const k of Object.keys(options)) {
        if (k !== 'host') {
          throw new InputError(`invalid engine options: unknown key ${JSON.stringify(k)}, expected "host"`, {
            code: 'VERNO_INPUT',
            kind: 'input',
            argument: 'engine options',
          })
        }
      }
    }
    this.#host = checkHost(options ? options.host : undefined)
    try {
      const json = !isText(policies)
      this.#native = new NativeEngine(json ? toJson(policies, 'policies') : policies, json)
    } catch (e) {
      throw wrap(e)
    }
  }

  /** Compile from YAML/JSON text. */
  static fromYaml(text, options) {
    if (typeof text !== 'string' && !(text instanceof Uint8Array)) {
      throw new InputError('invalid policies: fromYaml expects a string or a Buffer', {
        code: 'VERNO_INPUT',
        kind: 'input',
        argument: 'policies',
      })
    }
    return new Engine(text, options)
  }

  /** Compile from a policy object or an array of them. */
  static fromObject(policies, options) {
    if (policies === null || typeof policies !== 'object' || policies instanceof Uint8Array) {
      throw new InputError('invalid policies: fromObject expects an object or an array', {
        code: 'VERNO_INPUT',
        kind: 'input',
        argument: 'policies',
      })
    }
    return new Engine(policies, options)
  }

  /** The loaded policies and their rules (autogen rules included). */
  policies() {
    return JSON.parse(this.#native.policies())
  }

  /** Validate rules only: `{allowed, message, results}`. */
  validate(resource, options) {
    const json = !isText(resource)
    const input = json ? toJson(resource, 'resource') : resource
    const opts = optionsJson(options, 'options')
    let out
    try {
      out = this.#native.validate(input, json, opts, this.#host, contextBridge)
    } catch (e) {
      throw wrap(e)
    }
    return JSON.parse(out)
  }

  /** Mutate rules only: `{resource, patched, patch, results}`. */
  mutate(resource, options) {
    const json = !isText(resource)
    const input = json ? toJson(resource, 'resource') : resource
    const opts = optionsJson(options, 'options')
    let out
    try {
      out = this.#native.mutate(input, json, opts, this.#host, contextBridge)
    } catch (e) {
      throw wrap(e)
    }
    return JSON.parse(out)
  }

  /** Mutate, validate the result, generate: `{allowed, message, resource, patched, patch, results, generated}`. */
  evaluate(resource, options) {
    const json = !isText(resource)
    const input = json ? toJson(resource, 'resource') : resource
    const opts = optionsJson(options, 'options')
    let out
    try {
      out = this.#native.evaluate(input, json, opts, this.#host, contextBridge)
    } catch (e) {
      throw wrap(e)
    }
    return JSON.parse(out)
  }

  /** Answer an admission.k8s.io/v1 AdmissionReview: the review with `response` set. */
  admit(review, options) {
    const json = !isText(review)
    const input = json ? toJson(review, 'admission review') : review
    const opts = optionsJson(options, 'options')
    let out
    try {
      out = this.#native.admit(input, json, opts, this.#host, contextBridge)
    } catch (e) {
      throw wrap(e)
    }
    return JSON.parse(out)
  }

  /** Policy reports (wgpolicyk8s.io/v1alpha2 by default) for existing resources. */
  report(resources, options) {
    if (!Array.isArray(resources)) throw inputError('resources', 'expected an array of resources')
    const n = resources.length
    const items = new Array(n)
    const json = new Array(n)
    for (let i = 0; i < n; i++) {
      const r = resources[i]
      json[i] = !isText(r)
      items[i] = json[i] ? toJson(r, `resource ${i}`) : r
    }
    const opts = optionsJson(options, 'report options')
    let out
    try {
      out = this.#native.report(items, json, opts, this.#host, contextBridge)
    } catch (e) {
      throw wrap(e)
    }
    return JSON.parse(out)
  }
}

// ---- kyverno test suites ---------------------------------------------------

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const RUN_TEST_OPTIONS = ['strict', 'fileName']

/** `[names, texts]` of a suite given as an object or a Map of name -> text. */
function suiteFiles(files) {
  const isMap = files instanceof Map
  if (!isMap && (files === null || typeof files !== 'object' || Array.isArray(files) || isText(files))) {
    throw inputError('files', 'expected an object or a Map of file name -> text')
  }
  let entries
  try {
    entries = isMap ? [...files] : Object.entries(files)
  } catch (e) {
    // A getter or Proxy trap that throws: the InputError keeps it as cause.
    throw inputError('files', `reading the files threw: ${describeThrown(e)}`, e)
  }
  const names = new Array(entries.length)
  const texts = new Array(entries.length)
  entries.forEach(([name, text], i) => {
    if (typeof name !== 'string') throw inputError('files', `file names must be strings, got ${typeof name}`)
    if (typeof text === 'string') {
      texts[i] = text
    } else if (isText(text)) {
      try {
        texts[i] = UTF8.decode(text)
      } catch (e) {
        throw inputError(`file ${name}`, 'not valid UTF-8', e)
      }
    } else {
      throw inputError(`file ${name}`, `expected a string or UTF-8 bytes, got ${text === null ? 'null' : typeof text}`)
    }
    names[i] = name
  })
  return [names, texts]
}

/** `{strict, fileName}` with defaults; unknown keys and wrong types are an InputError. */
function runTestOptions(options) {
  if (options === undefined || options === null) return { strict: false, fileName: 'kyverno-test.yaml' }
  if (typeof options !== 'object' || Array.isArray(options)) throw inputError('test options', 'expected an object')
  for (const k of Object.keys(options)) {
    if (!RUN_TEST_OPTIONS.includes(k)) {
      throw inputError('test options', `unknown key ${JSON.stringify(k)}, expected "strict" or "fileName"`)
    }
  }
  const { strict = false, fileName = 'kyverno-test.yaml' } = options
  if (typeof strict !== 'boolean') throw inputError('test options', 'strict must be a boolean')
  if (typeof fileName !== 'string' || fileName === '') {
    throw inputError('test options', 'fileName must be a non-empty string')
  }
  return { strict, fileName }
}

/**
 * Run a `kyverno test` suite given as an object or a Map of file name -> text
 * (string or UTF-8 bytes): every test file in it, with the policy, resource
 * and values files they name by their relative paths. The disk is never
 * read. One report per test document: `{path, error, passed, failed, rows,
 * skipped}`; a test that cannot run has `error` set and counts as failed.
 * A suite that cannot be judged at all (no test file, a path above the
 * top, a non-text file) is an InputError.
 */
function runTest(files, options) {
  const [names, texts] = suiteFiles(files)
  const { strict, fileName } = runTestOptions(options)
  let out
  try {
    out = nativeRunTest(names, texts, strict, fileName)
  } catch (e) {
    throw wrap(e)
  }
  return JSON.parse(out)
}

module.exports = {
  Engine,
  runTest,
  VernoError,
  PolicyError,
  YamlError,
  InvalidPolicyError,
  UnsupportedError,
  InputError,
  HostError,
}
