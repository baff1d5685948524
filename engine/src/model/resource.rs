//! Borrowed views of a Kubernetes object and of the admission request.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The admission operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    /// Create.
    #[default]
    Create,
    /// Update.
    Update,
    /// Delete.
    Delete,
    /// Connect.
    Connect,
}

impl Operation {
    /// The operation as Kubernetes spells it (`CREATE`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }

    /// Kyverno's CLI reading of `request.operation` (`makePolicyContext`):
    /// only UPDATE and DELETE are recognised; anything else, CONNECT
    /// included, is a CREATE (the context still says what the values say).
    pub fn parse_lenient(s: &str) -> Operation {
        match s {
            "UPDATE" => Operation::Update,
            "DELETE" => Operation::Delete,
            _ => Operation::Create,
        }
    }
}

/// Who sent the request (`request.userInfo`, roles and cluster roles).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// The username.
    #[serde(default)]
    pub username: String,
    /// The uid.
    #[serde(default)]
    pub uid: String,
    /// The groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The extra.
    #[serde(default)]
    pub extra: BTreeMap<String, Vec<String>>,
    /// Namespaced roles as `namespace:name`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The cluster roles.
    #[serde(default)]
    pub cluster_roles: Vec<String>,
}

/// The top-level group/version/kind a request is about (Kyverno's
/// `PolicyContext.WithResourceKind`). It differs from the object's own kind
/// on subresource requests: a `PodExecOptions` object sent for `pods/exec`
/// is about a `v1/Pod`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceKind {
    /// The group.
    #[serde(default)]
    pub group: String,
    /// The version.
    #[serde(default)]
    pub version: String,
    /// The kind.
    #[serde(default)]
    pub kind: String,
}

/// An admission request as the engine sees it. Everything is borrowed: the
/// engine never copies the resource unless a mutation writes to it.
///
/// ```
/// use verno::model::resource::{Request, Operation};
/// let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
/// let req = Request::create(&pod);
/// assert_eq!(req.operation, Operation::Create);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The object.
    pub object: Option<&'a Value>,
    /// The old object.
    pub old_object: Option<&'a Value>,
    /// The operation.
    pub operation: Operation,
    /// `None`: no user information (Kyverno's CLI without `--userinfo`).
    pub user_info: Option<&'a UserInfo>,
    /// Labels of the resource's namespace, for `namespaceSelector`.
    pub namespace_labels: Option<&'a BTreeMap<String, String>>,
    /// The subresource of the request (`status`, `exec`...), empty for none.
    pub subresource: &'a str,
    /// The kind rules match against (`kinds:`) and autogen picks rules by;
    /// `None` reads it from the object.
    pub kind: Option<&'a ResourceKind>,
    /// Extra variables merged into the context (dotted keys, e.g.
    /// `request.operation`), as `kyverno test` values files give them.
    pub variables: Option<&'a serde_json::Map<String, Value>>,
    /// The Namespace object of the resource's namespace, when known (a
    /// `kyverno test` values file's): CEL policies read it as
    /// `namespaceObject`.
    pub namespace_object: Option<&'a Value>,
}

impl<'a> Request<'a> {
    /// A CREATE of `object` with no user info and no namespace labels.
    pub fn create(object: &'a Value) -> Self {
        Request {
            object: Some(object),
            old_object: None,
            operation: Operation::Create,
            user_info: None,
            namespace_labels: None,
            subresource: "",
            kind: None,
            variables: None,
            namespace_object: None,
        }
    }

    /// The object the rules look at: the new one, or the old one on DELETE.
    pub fn resource(&self) -> Option<&'a Value> {
        match self.object {
            Some(o) if !is_empty_object(o) => Some(o),
            _ => self.old_object.filter(|o| !is_empty_object(o)),
        }
    }
}

pub(crate) fn is_empty_object(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// The identifying fields of a resource, read once.
#[derive(Debug, Clone, Copy)]
pub struct ResourceMeta<'a> {
    /// The api version.
    pub api_version: &'a str,
    /// The group.
    pub group: &'a str,
    /// The version.
    pub version: &'a str,
    /// The kind.
    pub kind: &'a str,
    /// The name.
    pub name: &'a str,
    /// The generate name.
    pub generate_name: &'a str,
    /// The namespace.
    pub namespace: &'a str,
    /// The labels.
    pub labels: Option<&'a serde_json::Map<String, Value>>,
    /// The annotations.
    pub annotations: Option<&'a serde_json::Map<String, Value>>,
    /// The uid.
    pub uid: &'a str,
}

impl<'a> ResourceMeta<'a> {
    /// Read the identifying fields of `resource` (empty strings where absent).
    pub fn of(resource: &'a Value) -> Self {
        let s = |v: Option<&'a Value>| v.and_then(Value::as_str).unwrap_or("");
        let meta = resource.get("metadata");
        let api_version = s(resource.get("apiVersion"));
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        ResourceMeta {
            api_version,
            group,
            version,
            kind: s(resource.get("kind")),
            name: s(meta.and_then(|m| m.get("name"))),
            generate_name: s(meta.and_then(|m| m.get("generateName"))),
            namespace: s(meta.and_then(|m| m.get("namespace"))),
            labels: meta
                .and_then(|m| m.get("labels"))
                .and_then(Value::as_object),
            annotations: meta
                .and_then(|m| m.get("annotations"))
                .and_then(Value::as_object),
            uid: s(meta.and_then(|m| m.get("uid"))),
        }
    }

    /// String-valued labels (Kubernetes labels are strings; others are ignored).
    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.labels.and_then(|l| l.get(key)).and_then(Value::as_str)
    }
}
