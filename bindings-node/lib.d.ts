// Types of the `verno` package (hand-written; index.d.ts types the addon).

/** A Kubernetes object (or any JSON object). */
export type KubeObject = { [key: string]: unknown }

/** YAML/JSON text, UTF-8 bytes of it, or the object itself. */
export type ResourceInput = string | Uint8Array | KubeObject

/** The admission request around the resource. Unknown keys are an InputError. */
export interface RequestOptions {
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT'
  oldObject?: KubeObject
  userInfo?: { username?: string; uid?: string; groups?: string[]; [key: string]: unknown }
  namespaceLabels?: Record<string, string>
  subresource?: string
  /** Extra context variables with dotted keys (`request.operation`). */
  variables?: Record<string, unknown>
}

export interface ReportOptions {
  /** `wgpolicy` (wgpolicyk8s.io/v1alpha2, default) or `openreports`. */
  format?: 'wgpolicy' | 'openreports'
  /** Report Audit failures as `warn`. */
  auditWarn?: boolean
  /** One report per resource instead of merged reports. */
  perResource?: boolean
  /** Namespace labels per namespace name, for namespaceSelector. */
  namespaceLabels?: Record<string, Record<string, string>>
}

/** One rule's outcome. */
export interface RuleResult {
  /** `ns/name` for a namespaced Policy. */
  policy: string
  rule: string
  type: 'validate' | 'mutate' | 'generate' | 'verifyImages'
  result: 'pass' | 'fail' | 'warn' | 'error' | 'skip'
  message: string
  path: string
  enforced: boolean
  generated?: KubeObject[]
}

export interface ValidateResult {
  allowed: boolean
  /** Kyverno's webhook denial text; null when allowed. */
  message: string | null
  results: RuleResult[]
}

export interface MutateResult {
  resource: KubeObject
  patched: boolean
  /** RFC 6902 JSON patch from the input to `resource`. */
  patch: Array<{ op: string; path: string; value?: unknown; from?: string }>
  results: RuleResult[]
}

export interface EvaluateResult extends ValidateResult {
  resource: KubeObject
  patched: boolean
  patch: MutateResult['patch']
  generated: KubeObject[]
}

export interface PolicyInfo {
  name: string
  namespace: string | null
  kind: 'ClusterPolicy' | 'Policy'
  rules: Array<{ name: string; type: string }>
}

/** What a `context` callback is asked for. */
export interface ContextRequest {
  policy: string
  rule: string
  /** The context entry's name. */
  name: string
  /** The entry after variable substitution, e.g. `{ name, configMap: { name, namespace } }`. */
  entry: KubeObject
}

/**
 * External data and the world outside the engine; every member is optional.
 * Callbacks run synchronously on the calling thread. If one throws, the call
 * throws a HostError whose `cause` is the original exception.
 */
export interface Host {
  /** Resolve a configMap/apiCall/globalReference/imageRegistry entry; null/undefined = not loaded. */
  context?(request: ContextRequest): unknown
  /** Seconds since the epoch, or a Date. */
  now?(): number | Date
  /** A non-negative integer (Number up to 2^53, or BigInt below 2^64). */
  random?(): number | bigint
  /**
   * Verify one image for a `verifyImages` rule: return the digest and the
   * signatures that verified with their identities, or `{error: {kind,
   * message}}`. Throwing (or any other answer) gives an `error` result, never a pass.
   */
  verifyImage?(request: ImageVerifyRequest): ImageVerifyAnswer
  /** `--image-data` fixtures (YAML/JSON text or an object), used when there is no `verifyImage`. */
  imageData?: string | { images: unknown[] }
}

export interface ImageVerifyRequest {
  /** The image, default registry explicit: `docker.io/nginx:latest`. */
  image: string
  repository?: string
  attestor:
    | { type: 'keys'; publicKeys: string; signatureAlgorithm: string }
    | { type: 'keyless'; roots?: string }
    | { type: 'certificates'; cert?: string; certChain?: string }
  /** Set for attestation checks. */
  predicateType?: string
  transparency: { ignoreTlog: boolean; ignoreSCT: boolean; rekorUrl?: string; rekorPubkey?: string; ctlogPubkey?: string }
}

export interface VerifiedSignature {
  subjectAlternativeNames?: string[]
  issuer?: string
  extensions?: Record<string, string>
  annotations?: Record<string, string>
  /** For attestations: the in-toto statement. */
  statement?: unknown
}

export type ImageVerifyAnswer =
  | { digest: string; signatures: VerifiedSignature[] }
  | { error: { kind: 'noMatch' | 'unavailable' | 'timeout' | 'invalidAttestor'; message: string } }

export interface EngineOptions {
  host?: Host | null
}

export declare class Engine {
  /** Compile YAML/JSON text (multi-document), a policy object, or an array of them. */
  constructor(policies: string | Uint8Array | KubeObject | KubeObject[], options?: EngineOptions)
  static fromYaml(text: string | Uint8Array, options?: EngineOptions): Engine
  static fromObject(policies: KubeObject | KubeObject[], options?: EngineOptions): Engine
  policies(): PolicyInfo[]
  validate(resource: ResourceInput, options?: RequestOptions | null): ValidateResult
  mutate(resource: ResourceInput, options?: RequestOptions | null): MutateResult
  evaluate(resource: ResourceInput, options?: RequestOptions | null): EvaluateResult
  /** The AdmissionReview with `response` ({uid, allowed, status, patch...}) set. */
  admit(review: ResourceInput, options?: RequestOptions | null): KubeObject
  report(resources: ResourceInput[], options?: ReportOptions | null): KubeObject[]
}

export declare class VernoError extends Error {
  /** VERNO_YAML, VERNO_INVALID, VERNO_UNSUPPORTED, VERNO_INPUT or VERNO_HOST. */
  code: string
  /** yaml, invalid, unsupported, input or host. */
  kind: string
  /** The message without its location prefix. */
  detail: string | null
  policy: string | null
  rule: string | null
  field: string | null
  file: string | null
  line: number | null
  column: number | null
  /** For InputError: which argument (resource, options, policies, host...). */
  argument: string | null
  /** For HostError: context, now or random. */
  callback: string | null
}
export declare class PolicyError extends VernoError {}
export declare class YamlError extends PolicyError {}
export declare class InvalidPolicyError extends PolicyError {}
export declare class UnsupportedError extends PolicyError {}
export declare class InputError extends VernoError {}
export declare class HostError extends VernoError {}

/** A `kyverno test` suite: file name (relative path) -> text or UTF-8 bytes. */
export type TestFiles = Record<string, string | Uint8Array> | Map<string, string | Uint8Array>

export interface RunTestOptions {
  /** `verno test --strict`: an `Excluded` row passes only `skip`, an unknown resource name is `Not found`. */
  strict?: boolean
  /** The test file name to look for, in any folder (default `kyverno-test.yaml`). */
  fileName?: string
}

/** One row of the results table, as `verno test` prints it. */
export interface TestRow {
  policy: string
  rule: string
  /** `apiVersion/Kind/namespace/name`. */
  resource: string
  /** What the engine gave: `Pass`, `Fail`, `Skip`, `Excluded`, ... */
  result: string
  /** `Ok`, or why the row failed (`Want pass, got fail`, `Not found`, ...). */
  reason: string
  message: string
  /** Whether the row matches the expectation. */
  ok: boolean
}

/** The verdict of one test document. */
export interface TestReport {
  /** The test file, as named in `files`. */
  path: string
  /** Why the whole document could not run (it then counts as failed), or null. */
  error: string | null
  passed: number
  failed: number
  rows: TestRow[]
  /** Policies Kyverno's policy validation refuses: left unjudged, each counted as failed. */
  skipped: Array<{ policy: string; file: string; error: string }>
}

/**
 * Run a `kyverno test` suite held in memory: one report per test document.
 * Throws an InputError (argument `files`) when nothing can be judged.
 */
export declare function runTest(files: TestFiles, options?: RunTestOptions | null): TestReport[]
