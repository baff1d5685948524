// verno's error classes. wasm-bindgen cannot declare Error subclasses, so they
// live here; the Rust side builds every error through makeError (registered
// with __setErrorFactory when the package loads). No logic beyond that.
// The build appends the module's export line (ESM for pkg/web, CommonJS for
// pkg/node), so one source serves both packages.

/** Base class of every error verno throws. */
class VernoError extends Error {
  constructor(message, props, cause) {
    super(message, cause === undefined ? undefined : { cause });
    for (const [key, value] of Object.entries(props || {})) {
      if (key !== "message") this[key] = value;
    }
  }
}
/** The policies could not be loaded or compiled. */
class PolicyError extends VernoError {}
/** The policy text is not valid YAML/JSON. */
class YamlError extends PolicyError {}
/** A policy is malformed (unknown field, wrong type, bad pattern...). */
class InvalidPolicyError extends PolicyError {}
/** A policy uses a Kyverno feature verno does not implement. */
class UnsupportedError extends PolicyError {}
/** A resource, options object or AdmissionReview is not usable. */
class InputError extends VernoError {}
/** A host callback threw or returned something unusable; `cause` is what it threw. */
class HostError extends VernoError {}

const classes = { VernoError, PolicyError, YamlError, InvalidPolicyError, UnsupportedError, InputError, HostError };
for (const [name, cls] of Object.entries(classes)) {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
}

function makeError(name, message, props, cause) {
  const cls = Object.prototype.hasOwnProperty.call(classes, name) ? classes[name] : VernoError;
  return new cls(message, props, cause);
}
