//! What the Kubernetes validator binds besides the objects: `request` (an
//! AdmissionRequest without its objects, converted as Go's JSON encoding
//! would, so empty `omitempty` fields are absent keys) and
//! `namespaceObject`.

use serde_json::{json, Map, Value};

use crate::model::resource::{Request, ResourceMeta};

/// The (group, version, kind) of `req`: the request's own, else the object's.
fn gvk<'r>(req: &'r Request<'_>, meta: &ResourceMeta<'r>) -> (&'r str, &'r str, &'r str) {
    match req.kind {
        Some(k) => (k.group.as_str(), k.version.as_str(), k.kind.as_str()),
        None => (meta.group, meta.version, meta.kind),
    }
}

/// The namespace the validator sees: the object's, or empty for a
/// Namespace (Kyverno unsets it: the namespace object is its own) and for
/// cluster-scoped objects. `resource` is the object (the old object on
/// DELETE).
pub fn namespace<'r>(req: &'r Request<'_>, resource: &'r Value) -> &'r str {
    let meta = ResourceMeta::of(resource);
    let (group, version, kind) = gvk(req, &meta);
    if kind == "Namespace" && version == "v1" && group.is_empty() {
        ""
    } else {
        meta.namespace
    }
}

/// `request`: `NewAttributesRecord` + `CreateAdmissionRequest` for `req`,
/// whose namespace is `namespace` ([`namespace`]). Offline the request
/// resource (GVR) is empty, and the subresource is never set.
pub fn request(req: &Request<'_>, resource: &Value, namespace: &str) -> Value {
    let meta = ResourceMeta::of(resource);
    let (group, version, kind) = gvk(req, &meta);
    let gvk = json!({"group": group, "version": version, "kind": kind});
    let gvr = json!({"group": "", "version": "", "resource": ""});
    let mut out = Map::new();
    out.insert("uid".into(), Value::String(String::new()));
    out.insert("kind".into(), gvk.clone());
    out.insert("resource".into(), gvr.clone());
    out.insert("requestKind".into(), gvk);
    out.insert("requestResource".into(), gvr);
    if !meta.name.is_empty() {
        out.insert("name".into(), Value::String(meta.name.to_string()));
    }
    if !namespace.is_empty() {
        out.insert("namespace".into(), Value::String(namespace.to_string()));
    }
    out.insert(
        "operation".into(),
        Value::String(req.operation.as_str().to_string()),
    );
    out.insert("userInfo".into(), user_info(req));
    out.insert("dryRun".into(), Value::Bool(false));
    out.insert("options".into(), Value::Null);
    Value::Object(out)
}

/// `authenticationv1.UserInfo` with its `omitempty` fields.
fn user_info(req: &Request<'_>) -> Value {
    let mut out = Map::new();
    if let Some(u) = req.user_info {
        if !u.username.is_empty() {
            out.insert("username".into(), Value::String(u.username.clone()));
        }
        if !u.uid.is_empty() {
            out.insert("uid".into(), Value::String(u.uid.clone()));
        }
        if !u.groups.is_empty() {
            out.insert("groups".into(), json!(u.groups));
        }
        if !u.extra.is_empty() {
            out.insert("extra".into(), json!(u.extra));
        }
    }
    Value::Object(out)
}

/// `namespaceObject` offline: a Namespace with only its name (Kyverno's CLI
/// has no cluster to read labels from), as Kubernetes converts it; `null`
/// when there is no namespace.
pub fn namespace_object(namespace: &str) -> Value {
    if namespace.is_empty() {
        return Value::Null;
    }
    json!({
        "metadata": {"name": namespace, "creationTimestamp": null},
        "spec": {},
        "status": {}
    })
}
