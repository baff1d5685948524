//! WebAssembly binding of verno, Kyverno's policy engine, for browsers and
//! Node.js.
//!
//! A thin layer over [`verno::api::Engine`]: it converts JS values to JSON
//! and back, implements [`verno::Host`] with JS callbacks, and turns errors
//! into JS `Error`s. No policy logic lives here.

mod convert;
mod error;
mod host;
mod testrun;

use js_sys::{Array, Object, Reflect};
use serde_json::Value;
use verno::api::{parse_resource, ReportRequest, RequestOptions};
use wasm_bindgen::prelude::*;

use crate::convert::{as_text, from_js, from_js_skipping, to_js, Text};
use crate::error::{input, Failure};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A Kubernetes object: a map with a string `kind`. */
export interface KubeObject { apiVersion?: string; kind: string; metadata?: Record<string, any>; [key: string]: any }
/** A resource: an object, or YAML/JSON text (a string or UTF-8 bytes). */
export type ResourceInput = KubeObject | string | Uint8Array;
/** Policies: YAML/JSON text (multi-document), one policy object, a list of them, or a `List`. */
export type PolicyInput = string | Uint8Array | Record<string, any> | Record<string, any>[];

/** What `context(request)` receives. */
export interface ContextRequest {
  /** Policy name (`ns/name` for a namespaced Policy). */
  policy: string;
  /** Rule name as written in the policy. */
  rule: string;
  /** The context entry's name. */
  name: string;
  /** The entry after variable substitution, e.g. `{name, configMap: {name, namespace}}`. */
  entry: Record<string, any>;
}

/** Callbacks the engine may use; every member is optional. */
export interface Host {
  /** Resolve a configMap / apiCall / globalReference / imageRegistry entry; null or undefined = not loaded. */
  context?(request: ContextRequest): any;
  /** The current time: seconds since the epoch, or a Date. */
  now?(): number | Date;
  /** A random non-negative integer (`random()` in JMESPath). */
  random?(): number | bigint;
  /**
   * Image verification answers for `verifyImages` rules, in the CLI's
   * `--image-data` format: YAML/JSON text or `{images: [{image, attestor?,
   * publicKey?, digest, signatures?, attestations?} | {image, error: {kind, message}}]}`.
   * An image no entry matches has no signatures (a `fail` result).
   */
  imageData?: string | { images: ImageDataEntry[] };
}

/** One `imageData` entry: the first whose `image` pattern (Kyverno wildcards) matches answers. */
export interface ImageDataEntry {
  image: string;
  attestor?: "keyless" | "keys" | "certificates";
  publicKey?: string;
  digest?: string;
  signatures?: VerifiedSignature[];
  attestations?: VerifiedSignature[];
  error?: { kind: "noMatch" | "unavailable" | "timeout" | "invalidAttestor"; message: string };
}

/** A signature (or attestation) that verified, with its identity. */
export interface VerifiedSignature {
  subjectAlternativeNames?: string[];
  issuer?: string;
  extensions?: Record<string, string>;
  annotations?: Record<string, string>;
  statement?: any;
}

export interface EngineOptions { host?: Host }

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface UserInfo {
  username?: string; uid?: string; groups?: string[];
  extra?: Record<string, string[]>; roles?: string[]; clusterRoles?: string[];
}

/** The admission request around the resource. Unknown keys are an InputError. */
export interface RequestOptions {
  operation?: Operation;
  oldObject?: KubeObject | null;
  userInfo?: UserInfo | null;
  namespaceLabels?: Record<string, string> | null;
  subresource?: string;
  /** Top-level kind of a subresource request (`{version: "v1", kind: "Pod"}`
   *  for a PodExecOptions object on pods/exec); default: the object's kind. */
  kind?: { group?: string; version?: string; kind?: string } | null;
  /** Extra context variables with dotted keys, e.g. `{"request.operation": "UPDATE"}`. */
  variables?: Record<string, any> | null;
  /** Host for this call only (overrides the engine's). */
  host?: Host;
}

export interface ReportOptions {
  format?: "wgpolicy" | "openreports";
  auditWarn?: boolean;
  perResource?: boolean;
  /** Labels per namespace name, for namespaceSelector. */
  namespaceLabels?: Record<string, Record<string, string>> | null;
  host?: Host;
}

export type RuleResult = "pass" | "fail" | "warn" | "error" | "skip";

/** One row per rule response. */
export interface ResultRow {
  policy: string;
  rule: string;
  type: "validate" | "mutate" | "generate" | "verifyImages";
  result: RuleResult;
  message: string;
  /** Where a pattern failed (null when it does not apply). */
  path: string | null;
  enforced: boolean;
  generated?: KubeObject[];
}

/** An RFC 6902 operation. */
export interface PatchOperation { op: "add" | "remove" | "replace" | "move" | "copy" | "test"; path: string; value?: any; from?: string }

export interface ValidateResult {
  allowed: boolean;
  /** Kyverno's webhook denial text, null when allowed. */
  message: string | null;
  results: ResultRow[];
}

export interface MutateResult {
  /** The resource after every mutation (the input when nothing changed). */
  resource: KubeObject;
  patched: boolean;
  patch: PatchOperation[];
  results: ResultRow[];
}

export interface EvaluateResult extends ValidateResult {
  resource: KubeObject;
  patched: boolean;
  patch: PatchOperation[];
  generated: KubeObject[];
}

export interface PolicyInfo {
  name: string;
  namespace: string | null;
  kind: "ClusterPolicy" | "Policy";
  rules: { name: string; type: "validate" | "mutate" | "generate" | "verifyImages" | "none" }[];
}

export interface AdmissionReview {
  apiVersion?: string;
  kind: "AdmissionReview";
  request?: Record<string, any>;
  response?: {
    uid: string; allowed: boolean;
    status?: { status?: string; message?: string; [key: string]: any };
    patch?: string; patchType?: string; warnings?: string[]; [key: string]: any;
  };
  [key: string]: any;
}

/** A wgpolicyk8s.io/v1alpha2 PolicyReport / ClusterPolicyReport (or openreports.io). */
export interface PolicyReport {
  apiVersion: string;
  kind: string;
  metadata: Record<string, any>;
  results?: Record<string, any>[];
  summary: { pass: number; fail: number; warn: number; error: number; skip: number };
  [key: string]: any;
}

/** A `kyverno test` suite: file name (relative path) -> text or UTF-8 bytes. */
export type TestFiles = Record<string, string | Uint8Array> | Map<string, string | Uint8Array>;

export interface RunTestOptions {
  /** `verno test --strict`: an `Excluded` row passes only `skip`, an unknown resource name is `Not found`. */
  strict?: boolean;
  /** The test file name to look for, in any folder (default `kyverno-test.yaml`). */
  fileName?: string;
}

/** One row of the results table, as `verno test` prints it. */
export interface TestRow {
  policy: string;
  rule: string;
  /** `apiVersion/Kind/namespace/name`. */
  resource: string;
  /** The row's verdict: `Pass`, `Fail`, ... */
  result: string;
  /** `Ok`, or why the row failed (`Want pass, got fail`, `Not found`, ...). */
  reason: string;
  message: string;
  /** Whether the row matches the expectation. */
  ok: boolean;
}

/** The verdict of one test document. */
export interface TestReport {
  /** The test file, as named in `files`. */
  path: string;
  /** Why the whole document could not run (it then counts as failed), or null. */
  error: string | null;
  passed: number;
  failed: number;
  rows: TestRow[];
  /** Policies Kyverno's policy validation refuses: left unjudged, each counted as failed. */
  skipped: { policy: string; file: string; error: string }[];
}
"#;

/// A compiled policy set. Immutable: compile once, call many times.
#[wasm_bindgen]
pub struct Engine {
    inner: verno::api::Engine,
    host: JsValue,
}

type JsResult<T> = Result<T, JsValue>;

fn throw<T>(r: Result<T, Failure>) -> JsResult<T> {
    r.map_err(Failure::into_js)
}

/// Read `{host}` engine options; other keys are an error (typos must not
/// pass silently).
fn engine_host(options: &JsValue) -> Result<JsValue, Failure> {
    if options.is_undefined() || options.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    if !options.is_object() || Array::is_array(options) {
        return Err(input("engine options", "expected an object like {host}"));
    }
    for key in Object::keys(options.unchecked_ref::<Object>()).iter() {
        if key.as_string().as_deref() != Some("host") {
            return Err(input(
                "engine options",
                format!(
                    "unknown option {:?}: expected only `host`",
                    key.as_string().unwrap_or_default()
                ),
            ));
        }
    }
    let host = Reflect::get(options, &"host".into())
        .map_err(|e| input("engine options", error::describe(&e)))?;
    host::check(&host)
}

/// Split per-call options into (options JSON, host for this call).
fn call_options(
    options: &JsValue,
    what: &str,
    default_host: &JsValue,
) -> Result<(Value, JsValue), Failure> {
    if options.is_undefined() || options.is_null() {
        return Ok((Value::Null, default_host.clone()));
    }
    if !options.is_object() || Array::is_array(options) {
        return Err(input(what, "expected an object"));
    }
    let host =
        Reflect::get(options, &"host".into()).map_err(|e| input(what, error::describe(&e)))?;
    let host = match host.is_undefined() {
        true => default_host.clone(),
        false => host::check(&host)?,
    };
    let value = from_js_skipping(options, Some("host")).map_err(|e| input(what, e))?;
    Ok((value, host))
}

/// A resource argument: text is parsed as one YAML/JSON document.
fn resource_arg(value: &JsValue, what: &str) -> Result<Value, Failure> {
    match as_text(value).map_err(|e| input(what, e))? {
        Text::Str(text) => parse_resource(&text).map_err(|e| match e {
            verno::api::ApiError::Input { message, .. } => input(what, message),
            other => Failure::Api(other),
        }),
        Text::NotText => from_js(value).map_err(|e| input(what, e)),
    }
}

fn output(value: &Value) -> Result<JsValue, Failure> {
    to_js(value).map_err(|e| input("result", format!("cannot convert the result: {e}")))
}

impl Engine {
    fn build(
        policies: &JsValue,
        options: &JsValue,
        text_only: Option<bool>,
    ) -> Result<Engine, Failure> {
        let host = engine_host(options)?;
        let inner =
            match (
                as_text(policies).map_err(|e| input("policies", e))?,
                text_only,
            ) {
                (Text::Str(text), None | Some(true)) => verno::api::Engine::from_yaml(&text)?,
                (Text::NotText, Some(true)) => {
                    return Err(input(
                        "policies",
                        "expected YAML or JSON text (a string or UTF-8 bytes)",
                    ))
                }
                (Text::Str(_), Some(false)) => return Err(input(
                    "policies",
                    "expected a policy object or a list of them, got text (use Engine.fromYaml)",
                )),
                (Text::NotText, _) => {
                    let value = from_js(policies).map_err(|e| input("policies", e))?;
                    verno::api::Engine::from_value(value)?
                }
            };
        Ok(Engine { inner, host })
    }

    fn run(
        &self,
        resource: &JsValue,
        options: &JsValue,
        call: fn(
            &verno::api::Engine,
            &Value,
            &RequestOptions,
            &dyn verno::Host,
        ) -> Result<Value, verno::api::ApiError>,
    ) -> Result<JsValue, Failure> {
        let resource = resource_arg(resource, "resource")?;
        let (opts, host) = call_options(options, "options", &self.host)?;
        let opts = RequestOptions::from_value(&opts)?;
        let out = host::with_host(&host, |h| call(&self.inner, &resource, &opts, h))?;
        output(&out)
    }
}

#[wasm_bindgen]
impl Engine {
    /// Compile policies from YAML/JSON text, a policy object or a list of
    /// them. `options.host` is the default host for every call.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "PolicyInput")] policies: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EngineOptions")] options: Option<JsValue>,
    ) -> JsResult<Engine> {
        throw(Engine::build(&policies, &options.unwrap_or_default(), None))
    }

    /// Compile policies from YAML or JSON text (multi-document).
    #[wasm_bindgen(js_name = fromYaml)]
    pub fn from_yaml(
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] text: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EngineOptions")] options: Option<JsValue>,
    ) -> JsResult<Engine> {
        throw(Engine::build(
            &text,
            &options.unwrap_or_default(),
            Some(true),
        ))
    }

    /// Compile policies from objects: one policy, a list, or a `List`.
    #[wasm_bindgen(js_name = fromObject)]
    pub fn from_object(
        #[wasm_bindgen(unchecked_param_type = "Record<string, any> | Record<string, any>[]")] value: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EngineOptions")] options: Option<JsValue>,
    ) -> JsResult<Engine> {
        throw(Engine::build(
            &value,
            &options.unwrap_or_default(),
            Some(false),
        ))
    }

    /// The loaded policies and their rules (autogen rules included).
    #[wasm_bindgen(unchecked_return_type = "PolicyInfo[]")]
    pub fn policies(&self) -> JsResult<JsValue> {
        throw(output(&self.inner.policies()))
    }

    /// Validate rules only: `{allowed, message, results}`.
    #[wasm_bindgen(unchecked_return_type = "ValidateResult")]
    pub fn validate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResourceInput")] resource: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        throw(self.run(
            &resource,
            &options.unwrap_or_default(),
            verno::api::Engine::validate,
        ))
    }

    /// Mutate rules only: `{resource, patched, patch, results}`.
    #[wasm_bindgen(unchecked_return_type = "MutateResult")]
    pub fn mutate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResourceInput")] resource: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        throw(self.run(
            &resource,
            &options.unwrap_or_default(),
            verno::api::Engine::mutate,
        ))
    }

    /// The admission pipeline (mutate, validate, generate):
    /// `{allowed, message, resource, patched, patch, results, generated}`.
    #[wasm_bindgen(unchecked_return_type = "EvaluateResult")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResourceInput")] resource: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        throw(self.run(
            &resource,
            &options.unwrap_or_default(),
            verno::api::Engine::evaluate,
        ))
    }

    /// Answer an `admission.k8s.io/v1` AdmissionReview: the review with its
    /// `response` set.
    #[wasm_bindgen(unchecked_return_type = "AdmissionReview")]
    pub fn admit(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AdmissionReview | string | Uint8Array")]
        review: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        throw((|| {
            const WHAT: &str = "admission review";
            let review = match as_text(&review).map_err(|e| input(WHAT, e))? {
                Text::Str(text) => verno::unstable::yaml::parse_value(&text)
                    .map_err(|e| input(WHAT, e.to_string()))?,
                Text::NotText => from_js(&review).map_err(|e| input(WHAT, e))?,
            };
            let (opts, host) = call_options(&options.unwrap_or_default(), "options", &self.host)?;
            let opts = RequestOptions::from_value(&opts)?;
            let out = host::with_host(&host, |h| self.inner.admit(&review, &opts, h))?;
            output(&out)
        })())
    }

    /// Policy reports for existing resources, as Kyverno's background scan
    /// writes them. `resources`: a list of objects or texts, or one
    /// multi-document YAML text.
    #[wasm_bindgen(unchecked_return_type = "PolicyReport[]")]
    pub fn report(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResourceInput[] | string | Uint8Array")]
        resources: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ReportOptions")] options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        throw((|| {
            const WHAT: &str = "resources";
            let list: Vec<Value> = if Array::is_array(&resources) {
                let array: &Array = resources.unchecked_ref();
                array
                    .iter()
                    .enumerate()
                    .map(|(i, r)| resource_arg(&r, &format!("resource {i}")))
                    .collect::<Result<_, _>>()?
            } else {
                match as_text(&resources).map_err(|e| input(WHAT, e))? {
                    Text::Str(text) => verno::unstable::yaml::parse_documents(&text)
                        .map_err(|e| input(WHAT, e.to_string()))?
                        .into_iter()
                        .map(|d| d.value)
                        .collect(),
                    Text::NotText => {
                        return Err(input(
                            WHAT,
                            "expected a list of resources or multi-document YAML text",
                        ))
                    }
                }
            };
            let (opts, host) =
                call_options(&options.unwrap_or_default(), "report options", &self.host)?;
            let opts = ReportRequest::from_value(&opts)?;
            let out = host::with_host(&host, |h| self.inner.report(&list, &opts, h))?;
            output(&Value::Array(out))
        })())
    }
}

/// Run a `kyverno test` suite held in memory. `files` maps each file name
/// (a relative path) to its text (a string or UTF-8 bytes): every test file
/// and the policy, resource and values files it names. One report per test
/// document; one that cannot run has `error` set and counts as failed. A
/// suite that cannot be judged at all is an `InputError`.
#[wasm_bindgen(js_name = runTest, unchecked_return_type = "TestReport[]")]
pub fn run_test(
    #[wasm_bindgen(unchecked_param_type = "TestFiles")] files: JsValue,
    options: Option<RunTestOptionsArg>,
) -> JsResult<JsValue> {
    let options: JsValue = options.map(Into::into).unwrap_or_default();
    throw(testrun::run(&files, &options))
}

#[wasm_bindgen]
extern "C" {
    /// `runTest`'s options, typed so that TypeScript sees them as optional
    /// (`unchecked_param_type` would make the parameter required).
    #[wasm_bindgen(typescript_type = "RunTestOptions")]
    pub type RunTestOptionsArg;
}

/// Render a value as YAML (Kubernetes style), for showing results.
#[wasm_bindgen(js_name = toYaml)]
pub fn to_yaml(value: JsValue) -> JsResult<String> {
    let value = throw(from_js(&value).map_err(|e| input("value", e)))?;
    Ok(verno::unstable::yaml::to_yaml_string(&value))
}
