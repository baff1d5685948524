/** Base class of every error verno throws. `message` is the full text. */
export class VernoError extends Error {
  /** "yaml" | "invalid" | "unsupported" | "input" | "host" */
  kind: string;
  /** The message without the location prefix. */
  detail: string;
  policy: string | null;
  rule: string | null;
  field: string | null;
  file: string | null;
  line: number | null;
  column: number | null;
  /** For InputError: which argument ("resource", "options", "policies", ...). */
  argument: string | null;
}
/** The policies could not be loaded or compiled. */
export class PolicyError extends VernoError {}
/** The policy text is not valid YAML/JSON. */
export class YamlError extends PolicyError {}
/** A policy is malformed. */
export class InvalidPolicyError extends PolicyError {}
/** A policy uses a Kyverno feature verno does not implement. */
export class UnsupportedError extends PolicyError {}
/** A resource, options object or AdmissionReview is not usable. */
export class InputError extends VernoError {}
/** A host callback threw or returned something unusable. */
export class HostError extends VernoError {
  /** "now" | "random" | "context" */
  callback: string;
  /** What the callback threw. */
  cause: unknown;
}
