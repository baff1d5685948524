//! What the Kubernetes validator binds besides the objects: `request` (an
//! AdmissionRequest without its objects, converted as Go's JSON encoding
//! would, so empty `omitempty` fields are absent keys) and
//! `namespaceObject`.

use serde_json::{json, Map, Value};

use std::collections::BTreeMap;

use crate::model::resource::{Request, ResourceMeta, UserInfo};

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
    admission_request(&AdmissionRequest {
        kind: gvk(req, &meta),
        resource: ("", "", ""),
        name: meta.name,
        namespace,
        operation: req.operation.as_str(),
        user_info: user_info(req.user_info),
    })
}

/// What `CreateAdmissionRequest` reads of the admission attributes.
pub struct AdmissionRequest<'a> {
    /// Group, version, kind (also the request kind).
    pub kind: (&'a str, &'a str, &'a str),
    /// Group, version, resource (also the request resource).
    pub resource: (&'a str, &'a str, &'a str),
    /// The object's name (absent when empty).
    pub name: &'a str,
    /// The namespace (absent when empty).
    pub namespace: &'a str,
    /// `CREATE`, `UPDATE`, …
    pub operation: &'a str,
    /// `userInfo`, already in its JSON form.
    pub user_info: Value,
}

/// `CreateAdmissionRequest`, converted as Go's JSON encoding would: the
/// objects are left out and empty `omitempty` fields are absent keys.
pub fn admission_request(r: &AdmissionRequest<'_>) -> Value {
    let (group, version, kind) = r.kind;
    let gvk = json!({"group": group, "version": version, "kind": kind});
    let (group, version, resource) = r.resource;
    let gvr = json!({"group": group, "version": version, "resource": resource});
    let mut out = Map::new();
    out.insert("uid".into(), Value::String(String::new()));
    out.insert("kind".into(), gvk.clone());
    out.insert("resource".into(), gvr.clone());
    out.insert("requestKind".into(), gvk);
    out.insert("requestResource".into(), gvr);
    if !r.name.is_empty() {
        out.insert("name".into(), Value::String(r.name.to_string()));
    }
    if !r.namespace.is_empty() {
        out.insert("namespace".into(), Value::String(r.namespace.to_string()));
    }
    out.insert("operation".into(), Value::String(r.operation.to_string()));
    out.insert("userInfo".into(), r.user_info.clone());
    out.insert("dryRun".into(), Value::Bool(false));
    out.insert("options".into(), Value::Null);
    Value::Object(out)
}

/// `authenticationv1.UserInfo` with its `omitempty` fields.
pub fn user_info(user: Option<&UserInfo>) -> Value {
    let mut out = Map::new();
    if let Some(u) = user {
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

/// `CreateNamespaceObject` of a Namespace holding only a name (empty for
/// cluster-scoped objects) and labels, as Go converts it.
pub fn namespace_with_labels(name: &str, labels: Option<&BTreeMap<String, String>>) -> Value {
    let mut meta = Map::new();
    if !name.is_empty() {
        meta.insert("name".into(), Value::String(name.to_string()));
    }
    meta.insert("creationTimestamp".into(), Value::Null);
    if let Some(l) = labels.filter(|l| !l.is_empty()) {
        meta.insert("labels".into(), json!(l));
    }
    json!({"metadata": Value::Object(meta), "spec": {}, "status": {}})
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
