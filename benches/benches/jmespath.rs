//! verno's JMESPath evaluator side by side with the `jmespath` crate (the
//! reference Rust implementation), on expressions taken from the Kyverno
//! policy corpus (`{{ }}` variables and `jmesPath:` context entries, with
//! `element.`/`request.object.` paths pointed at a Deployment), evaluated
//! over an admission request for a realistic Deployment.
//!
//! * search: each expression compiled once, then searched. The crate's
//!   `Expression::search` converts the whole document to its `Variable`
//!   type on every call (the `specialized` feature that avoids it needs
//!   nightly), so it is measured twice: as called, and with the document
//!   converted once and the compiled AST interpreted directly
//!   (`jmespath::interpret`), which is the crate's fastest path.
//! * compile: parsing the same expressions.
//!
//! Standard JMESPath functions only in the side-by-side set; a few
//! Kyverno-function expressions are timed for verno alone. Prints the
//! ratios verno / crate.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use serde_json::{json, Value};
use verno::unstable::jmespath::{compile, Dialect, Expression, Runtime};
use verno::NoHost;

/// From the corpus, standard functions only.
const STANDARD: &[&str] = &[
    "request.object.metadata.name",
    "request.object.metadata.name || ''",
    "request.object.spec.replicas || `1`",
    "request.object.spec.template.metadata.labels.app || ''",
    "request.object.metadata.annotations.\"pod.kubernetes.io/lifetime\" || '0s'",
    "request.object.spec.template.spec.containers[].image",
    "request.object.spec.template.spec.containers[] | length(@)",
    "request.object.spec.template.spec.containers[?resources.requests.memory!=resources.limits.memory] | length(@)",
    "request.object.spec.template.spec.containers[?readinessProbe==livenessProbe] | length(@)",
    "request.object.spec.template.spec.volumes[?contains(keys(@), 'emptyDir') && !contains(keys(emptyDir), 'sizeLimit')].name",
    "request.object.spec.template.spec.volumes[?hostPath] | length(@)",
    "request.object.spec.template.spec.[ephemeralContainers, initContainers, containers][].ports[].hostPort",
    "request.object.spec.template.spec.[ephemeralContainers, initContainers, containers][].securityContext.capabilities.add[]",
    "request.object.spec.template.spec.containers[].resources.keys(@)[]",
    "request.object.spec.template.spec.initContainers[] || `[]` | length(@)",
    "request.object.spec.template.spec.topologySpreadConstraints[?topologyKey=='kubernetes.io/hostname' || topologyKey=='topology.kubernetes.io/zone'] || `[]` | length(@)",
    "keys(request.object.spec.strategy) | contains(@, 'rollingUpdate')",
    "request.object.metadata.annotations.keys(@)[?contains(@, 'fluxcd.io/')]",
    "join(',', request.object.spec.template.spec.volumes[?persistentVolumeClaim].name)",
    "request.object.spec.template.spec.containers[].livenessProbe.exec.command[] || `[]`",
    "request.object.spec.template.spec.containers[].securityContext.to_string(runAsUser)",
    "request.object.spec.template.spec.containers[].securityContext.capabilities.drop[] || `[]`",
    "request.userInfo.groups[?contains(@,':') == `false`]",
    "{labels: request.object.metadata.labels, annotations: request.object.metadata.annotations}",
];

/// From the corpus, with Kyverno's functions (verno only).
const KYVERNO: &[&str] = &[
    "request.object.spec.template.spec.containers[].image.split(@, ':')[0]",
    "request.object.spec.template.spec.containers[].securityContext.capabilities.drop[].to_upper(@) || `[]`",
    "request.object.metadata.annotations.values(@)[].regex_match('/var/run/secrets', @)",
    "request.object.spec.template.spec.containers[].livenessProbe.exec.command[].regex_match('\\bjcmd\\b',@)",
    "request.object.metadata.name | truncate(@, `9`)",
    "divide(request.object.spec.template.spec.containers[0].resources.limits.memory, '2')",
    "items(request.object.metadata.labels, 'key', 'value')",
    "max([to_number(regex_replace_all('h.*', '2160h', '')), to_number('2400')])",
];

fn container(name: &str, image: &str, port: u32) -> Value {
    json!({
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/app"],
        "args": ["--port", port.to_string(), "--log-level=info"],
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "env": [
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "MODE", "value": "production"}
        ],
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"}
        },
        "livenessProbe": {
            "exec": {"command": ["sh", "-c", "jcmd 1 VM.uptime"]},
            "initialDelaySeconds": 10,
            "periodSeconds": 15
        },
        "readinessProbe": {
            "httpGet": {"path": "/ready", "port": port},
            "periodSeconds": 5
        },
        "securityContext": {
            "runAsNonRoot": true,
            "runAsUser": 10001,
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
        },
        "volumeMounts": [
            {"name": "cache", "mountPath": "/cache"},
            {"name": "config", "mountPath": "/etc/app", "readOnly": true}
        ]
    })
}

/// An admission request for a Deployment with three containers, an init
/// container and the usual volumes, labels and annotations (about 6 KiB
/// of JSON).
fn document() -> Value {
    let deployment = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "checkout-service",
            "namespace": "shop",
            "uid": "9a3c1a8e-2f7e-4c51-9a51-0e1c8a3b5d21",
            "labels": {
                "app": "checkout",
                "app.kubernetes.io/part-of": "shop",
                "app.kubernetes.io/version": "2.4.1",
                "team": "payments"
            },
            "annotations": {
                "pod.kubernetes.io/lifetime": "72h",
                "fluxcd.io/automated": "true",
                "fluxcd.io/tag.app": "semver:~2.4",
                "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\"}",
                "secret.reloader/path": "/var/run/secrets/app"
            }
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "checkout"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "checkout", "team": "payments"}},
                "spec": {
                    "serviceAccountName": "checkout",
                    "initContainers": [{
                        "name": "migrate",
                        "image": "ghcr.io/acme/checkout-migrate:2.4.1",
                        "command": ["/migrate", "up"],
                        "securityContext": {"runAsUser": 10001, "capabilities": {"drop": ["ALL"]}}
                    }],
                    "containers": [
                        container("app", "ghcr.io/acme/checkout:2.4.1", 8080),
                        container("envoy", "docker.io/envoyproxy/envoy:v1.29.1", 9901),
                        container("metrics", "quay.io/prometheus/statsd-exporter:v0.26.0", 9102)
                    ],
                    "volumes": [
                        {"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}},
                        {"name": "scratch", "emptyDir": {}},
                        {"name": "config", "configMap": {"name": "checkout-config"}},
                        {"name": "data", "persistentVolumeClaim": {"claimName": "checkout-data"}},
                        {"name": "logs", "persistentVolumeClaim": {"claimName": "checkout-logs"}},
                        {"name": "kube-api-access-x7k2p", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
                    ],
                    "topologySpreadConstraints": [
                        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"},
                        {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}
                    ],
                    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "shop", "effect": "NoSchedule"}]
                }
            }
        }
    });
    json!({
        "request": {
            "uid": "b5a1e6c2-6f0d-4c1a-8a8b-3f2d1c0e9a77",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "operation": "CREATE",
            "namespace": "shop",
            "userInfo": {
                "username": "system:serviceaccount:flux-system:kustomize-controller",
                "groups": ["system:serviceaccounts", "system:serviceaccounts:flux-system", "ci"]
            },
            "object": deployment
        },
        "serviceAccountName": "kustomize-controller",
        "images": {}
    })
}

/// Numbers as f64, so that verno's integers and the crate's floats compare.
fn normalize(v: Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

struct Setup {
    doc: Value,
    verno: Vec<Expression>,
    kyverno: Vec<Expression>,
    crate_exprs: Vec<jmespath::Expression<'static>>,
    crate_runtime: &'static jmespath::Runtime,
    /// Expressions compiled against `crate_runtime`, for the pre-converted
    /// path.
    crate_local: Vec<jmespath::Expression<'static>>,
    converted: jmespath::Rcvar,
}

fn setup() -> Setup {
    let doc = document();
    let verno: Vec<Expression> = STANDARD
        .iter()
        .map(|e| compile(e).expect("verno compiles"))
        .collect();
    let kyverno: Vec<Expression> = KYVERNO
        .iter()
        .map(|e| compile(e).expect("verno compiles"))
        .collect();
    let crate_exprs: Vec<_> = STANDARD
        .iter()
        .map(|e| jmespath::compile(e).expect("jmespath compiles"))
        .collect();
    let mut runtime = jmespath::Runtime::new();
    runtime.register_builtin_functions();
    let crate_runtime: &'static jmespath::Runtime = Box::leak(Box::new(runtime));
    let crate_local: Vec<_> = STANDARD
        .iter()
        .map(|e| crate_runtime.compile(e).expect("jmespath compiles"))
        .collect();
    let converted =
        jmespath::Rcvar::new(jmespath::Variable::try_from(&doc).expect("document converts"));
    let s = Setup {
        doc,
        verno,
        kyverno,
        crate_exprs,
        crate_runtime,
        crate_local,
        converted,
    };
    check_agreement(&s);
    s
}

/// The two implementations must give the same answers, or the comparison
/// means nothing; every expression must also find something.
fn check_agreement(s: &Setup) {
    let rt = Runtime {
        dialect: Dialect::Standard,
        host: &NoHost,
    };
    for ((text, ours), theirs) in STANDARD.iter().zip(&s.verno).zip(&s.crate_exprs) {
        let a = normalize(ours.search(&s.doc, &rt).expect("verno searches"));
        let b = theirs.search(&s.doc).expect("jmespath searches");
        let b = normalize(serde_json::to_value(&*b).expect("serialises"));
        assert_eq!(a, b, "{text}");
        assert!(!a.is_null(), "{text} finds nothing in the document");
    }
    let rt = Runtime {
        dialect: Dialect::Kyverno,
        host: &NoHost,
    };
    for (text, e) in KYVERNO.iter().zip(&s.kyverno) {
        let v = e.search(&s.doc, &rt).expect("verno searches");
        assert!(!v.is_null(), "{text} finds nothing in the document");
    }
}

fn verno_all(s: &Setup, exprs: &[Expression], dialect: Dialect) -> usize {
    let rt = Runtime {
        dialect,
        host: &NoHost,
    };
    exprs
        .iter()
        .filter(|e| e.search(&s.doc, &rt).is_ok_and(|v| !v.is_null()))
        .count()
}

fn crate_all(s: &Setup) -> usize {
    s.crate_exprs
        .iter()
        .filter(|e| e.search(&s.doc).is_ok_and(|v| !v.is_null()))
        .count()
}

fn crate_preconverted_all(s: &Setup) -> usize {
    s.crate_local
        .iter()
        .filter(|e| {
            let mut ctx = jmespath::Context::new(e.as_str(), s.crate_runtime);
            jmespath::interpret(&s.converted, e.as_ast(), &mut ctx).is_ok_and(|v| !v.is_null())
        })
        .count()
}

fn verno_compile_all() -> usize {
    STANDARD.iter().filter(|e| compile(e).is_ok()).count()
}

fn crate_compile_all() -> usize {
    STANDARD
        .iter()
        .filter(|e| jmespath::compile(e).is_ok())
        .count()
}

fn bench(c: &mut Criterion) {
    let s = setup();
    let mut g = c.benchmark_group("jmespath_search");
    g.bench_function("verno_standard", |b| {
        b.iter(|| black_box(verno_all(&s, &s.verno, Dialect::Standard)))
    });
    g.bench_function("verno_kyverno_dialect", |b| {
        b.iter(|| black_box(verno_all(&s, &s.verno, Dialect::Kyverno)))
    });
    g.bench_function("jmespath_crate_search", |b| {
        b.iter(|| black_box(crate_all(&s)))
    });
    g.bench_function("jmespath_crate_preconverted", |b| {
        b.iter(|| black_box(crate_preconverted_all(&s)))
    });
    g.bench_function("verno_kyverno_functions", |b| {
        b.iter(|| black_box(verno_all(&s, &s.kyverno, Dialect::Kyverno)))
    });
    g.finish();
    let mut g = c.benchmark_group("jmespath_compile");
    g.bench_function("verno", |b| b.iter(|| black_box(verno_compile_all())));
    g.bench_function("jmespath_crate", |b| {
        b.iter(|| black_box(crate_compile_all()))
    });
    g.finish();
}

/// Median of repeated timings (each of `batch` calls), for the ratios.
fn median_time(mut f: impl FnMut(), rounds: usize, batch: u32) -> Duration {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            t.elapsed() / batch
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn ratio() {
    let s = setup();
    let time = |f: &mut dyn FnMut()| median_time(f, 51, 200);
    let verno = time(&mut || {
        black_box(verno_all(&s, &s.verno, Dialect::Standard));
    });
    let verno_k = time(&mut || {
        black_box(verno_all(&s, &s.verno, Dialect::Kyverno));
    });
    let theirs = time(&mut || {
        black_box(crate_all(&s));
    });
    let theirs_pre = time(&mut || {
        black_box(crate_preconverted_all(&s));
    });
    let kyv = time(&mut || {
        black_box(verno_all(&s, &s.kyverno, Dialect::Kyverno));
    });
    let vc = time(&mut || {
        black_box(verno_compile_all());
    });
    let tc = time(&mut || {
        black_box(crate_compile_all());
    });
    let r = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-12);
    println!(
        "jmespath: {} expressions on a {}-byte Deployment request:\n  \
         search: verno {verno:?} (kyverno dialect {verno_k:?}), jmespath crate {theirs:?} (document converted once: {theirs_pre:?})\n  \
         ratio verno/crate = {:.3} (vs crate search), {:.3} (vs pre-converted)\n  \
         compile: verno {vc:?}, jmespath crate {tc:?}, ratio verno/crate = {:.3}\n  \
         {} Kyverno-function expressions, verno only: {kyv:?}",
        STANDARD.len(),
        serde_json::to_string(&s.doc).map_or(0, |t| t.len()),
        r(verno, theirs),
        r(verno, theirs_pre),
        r(vc, tc),
        KYVERNO.len(),
    );
}

/// Per-expression medians, to show where the two differ.
fn detail() {
    let s = setup();
    let rt = Runtime {
        dialect: Dialect::Standard,
        host: &NoHost,
    };
    println!("  per expression (verno / crate pre-converted):");
    for (i, text) in STANDARD.iter().enumerate() {
        let ours = &s.verno[i];
        let theirs = &s.crate_local[i];
        let a = median_time(
            || {
                black_box(ours.search(&s.doc, &rt).is_ok());
            },
            21,
            500,
        );
        let b = median_time(
            || {
                let mut ctx = jmespath::Context::new(theirs.as_str(), s.crate_runtime);
                black_box(jmespath::interpret(&s.converted, theirs.as_ast(), &mut ctx).is_ok());
            },
            21,
            500,
        );
        println!(
            "  {:>9.2?} {:>9.2?} {:>5.2}  {text}",
            a,
            b,
            a.as_secs_f64() / b.as_secs_f64().max(1e-12)
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    ratio();
    detail();
    Criterion::default().configure_from_args().final_summary();
}
