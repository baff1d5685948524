//! What the Kubernetes validator binds besides the objects: `request` (an
//! AdmissionRequest without its objects, converted as Go's JSON encoding
//! would, so empty `omitempty` fields are absent keys) and
//! `namespaceObject`.

use serde_json::{json, Map, Value};

use crate::model::resource::{Request, ResourceMeta};

/// The request's attributes as Kyverno's handler builds them offline.
pub struct Attributes {
    /// `request`.
    pub request: Value,
    /// The namespace the validator sees: the object's, or empty for a
    /// Namespace and for cluster-scoped objects.
    pub namespace: String,
}

/// `NewAttributesRecord` + `CreateAdmissionRequest` for `req`. `resource`
/// is the object (the old object on DELETE). Offline the request resource
/// (GVR) is empty, and the subresource is never set.
pub fn attributes(req: &Request<'_>, resource: &Value) -> Attributes {
    let meta = ResourceMeta::of(resource);
    let (group, version, kind) = match req.kind {
        Some(k) => (k.group.as_str(), k.version.as_str(), k.kind.as_str()),
        None => (meta.group, meta.version, meta.kind),
    };
    // The namespace object is its own namespace: Kyverno unsets it.
    let namespace = if kind == "Namespace" && version == "v1" && group.is_empty() {
        String::new()
    } else {
        meta.namespace.to_string()
    };
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
        out.insert("namespace".into(), Value::String(namespace.clone()));
    }
    out.insert(
        "operation".into(),
        Value::String(req.operation.as_str().to_string()),
    );
    out.insert("userInfo".into(), user_info(req));
    out.insert("dryRun".into(), Value::Bool(false));
    out.insert("options".into(), Value::Null);
    Attributes {
        request: Value::Object(out),
        namespace,
    }
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
