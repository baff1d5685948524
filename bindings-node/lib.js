'use strict'
// The public API of the `verno` package: an `Engine` class and the error
// classes, over the napi-rs addon that `index.js` (generated) loads. This file
// only holds the host object and turns the addon's coded errors into classes;
// all conversion and policy work happens in Rust.

const { NativeEngine } = require('./index.js')

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
      this.#native = new NativeEngine(policies)
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
    return this.#native.policies()
  }

  /** Validate rules only: `{allowed, message, results}`. */
  validate(resource, options) {
    try {
      return this.#native.validate(resource, options, this.#host)
    } catch (e) {
      throw wrap(e)
    }
  }

  /** Mutate rules only: `{resource, patched, patch, results}`. */
  mutate(resource, options) {
    try {
      return this.#native.mutate(resource, options, this.#host)
    } catch (e) {
      throw wrap(e)
    }
  }

  /** Mutate, validate the result, generate: `{allowed, message, resource, patched, patch, results, generated}`. */
  evaluate(resource, options) {
    try {
      return this.#native.evaluate(resource, options, this.#host)
    } catch (e) {
      throw wrap(e)
    }
  }

  /** Answer an admission.k8s.io/v1 AdmissionReview: the review with `response` set. */
  admit(review, options) {
    try {
      return this.#native.admit(review, options, this.#host)
    } catch (e) {
      throw wrap(e)
    }
  }

  /** Policy reports (wgpolicyk8s.io/v1alpha2 by default) for existing resources. */
  report(resources, options) {
    try {
      return this.#native.report(resources, options, this.#host)
    } catch (e) {
      throw wrap(e)
    }
  }
}

module.exports = {
  Engine,
  VernoError,
  PolicyError,
  YamlError,
  InvalidPolicyError,
  UnsupportedError,
  InputError,
  HostError,
}
