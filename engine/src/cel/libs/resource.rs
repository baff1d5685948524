//! Kyverno's `resource` library (`SDK:extensions/cel/libs/resource`):
//! `resource.Get/List/Post/ToGVR` (and camelCase aliases) through the host.
//! Cluster-policy signatures: the namespace is an argument.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{NumberMode, Opaque, Val};
use super::super::EvalError;
use super::handle::RESOURCE;
use super::support::{
    fail, map_entries, member, opaque, opaque_arg, owned_json, str_arg, string_pairs, to_json,
};

/// The cel-go type name of a group/version/resource.
pub const GVR_TYPE: &str = "schema.GroupVersionResource";

/// A `schema.GroupVersionResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gvr {
    pub group: String,
    pub version: String,
    pub resource: String,
}

impl Gvr {
    /// `GroupVersion().String()`: `version` or `group/version`.
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

impl Opaque for Gvr {
    fn type_name(&self) -> &'static str {
        GVR_TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<Gvr>()
            .is_some_and(|o| o == self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "Group": self.group, "Version": self.version, "Resource": self.resource
        }))
    }
}

/// Resources keep their integers (unstructured content holds int64).
const NUMBERS: NumberMode = NumberMode::Exact;

fn list<'a>(
    c: &mut Call<'_>,
    api_version: &str,
    resource: &str,
    ns: &str,
    labels: Option<&Val<'a>>,
) -> Result<Val<'a>, EvalError> {
    let labels = labels.map(|l| string_pairs(l, c.numbers)).transpose()?;
    let out = c
        .host
        .cel_list_resources(api_version, resource, ns, labels.as_deref())
        .map_err(|e| fail(format!("failed to list resource: {e}")))?;
    Ok(owned_json(&out, NUMBERS))
}

fn get<'a>(
    c: &mut Call<'_>,
    api_version: &str,
    resource: &str,
    ns: &str,
    name: &str,
) -> Result<Val<'a>, EvalError> {
    match c.host.cel_get_resource(api_version, resource, ns, name) {
        Ok(Some(obj)) => Ok(owned_json(&obj, NUMBERS)),
        Ok(None) => Ok(Val::Null),
        Err(e) => Err(fail(format!("failed to get resource: {e}"))),
    }
}

fn post<'a>(
    c: &mut Call<'_>,
    api_version: &str,
    resource: &str,
    ns: &str,
    data: &Val<'a>,
) -> Result<Val<'a>, EvalError> {
    if map_entries(data, c.numbers).is_none() {
        return Err(super::support::no_such_overload());
    }
    let body = to_json(data)?;
    let out = c
        .host
        .cel_post_resource(api_version, resource, ns, &body)
        .map_err(|e| fail(format!("failed to create resource: {e}")))?;
    Ok(owned_json(&out, NUMBERS))
}

fn list_ssss<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    list(c, str_arg(a, 1)?, str_arg(a, 2)?, str_arg(a, 3)?, None)
}

fn list_ssss_map<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    list(c, str_arg(a, 1)?, str_arg(a, 2)?, str_arg(a, 3)?, a.get(4))
}

fn list_gvr<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let gvr = opaque_arg::<Gvr>(a, 1)?;
    list(c, &gvr.api_version(), &gvr.resource, str_arg(a, 2)?, None)
}

fn list_gvr_map<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let gvr = opaque_arg::<Gvr>(a, 1)?;
    list(
        c,
        &gvr.api_version(),
        &gvr.resource,
        str_arg(a, 2)?,
        a.get(3),
    )
}

fn get_ssss<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    get(
        c,
        str_arg(a, 1)?,
        str_arg(a, 2)?,
        str_arg(a, 3)?,
        str_arg(a, 4)?,
    )
}

fn get_gvr<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let gvr = opaque_arg::<Gvr>(a, 1)?;
    get(
        c,
        &gvr.api_version(),
        &gvr.resource,
        str_arg(a, 2)?,
        str_arg(a, 3)?,
    )
}

fn post_namespaced<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let data = a.get(4).ok_or_else(super::support::no_such_overload)?;
    post(c, str_arg(a, 1)?, str_arg(a, 2)?, str_arg(a, 3)?, data)
}

fn post_cluster<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let data = a.get(3).ok_or_else(super::support::no_such_overload)?;
    post(c, str_arg(a, 1)?, str_arg(a, 2)?, "", data)
}

fn to_gvr<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let (group, version, resource) = c
        .host
        .cel_resource_for_kind(str_arg(a, 1)?, str_arg(a, 2)?)
        .map_err(|e| fail(format!("failed to map kind to resource: {e}")))?;
    Ok(opaque(Gvr {
        group,
        version,
        resource,
    }))
}

/// Declares the `resource` variable and its functions.
pub fn register(reg: &mut Registry) {
    let ctx = || Type::Opaque(RESOURCE);
    let gvr = || Type::Opaque(GVR_TYPE);
    let s = || Type::String;
    let labels = || Type::map(Type::String, Type::String);
    let out = || Type::map(Type::String, Type::Dyn);
    reg.add_type(RESOURCE);
    reg.add_type(GVR_TYPE);
    reg.declare_variable("resource", ctx());
    for (list_name, get_name, post_name, gvr_name) in [
        ("List", "Get", "Post", "ToGVR"),
        ("list", "get", "post", "toGVR"),
    ] {
        member(
            reg,
            list_name,
            "resource_list_string_string_string",
            vec![ctx(), s(), s(), s()],
            out(),
            list_ssss,
        );
        member(
            reg,
            list_name,
            "resource_list_string_string_string_map",
            vec![ctx(), s(), s(), s(), labels()],
            out(),
            list_ssss_map,
        );
        member(
            reg,
            list_name,
            "list_resources_gvr_string",
            vec![ctx(), gvr(), s()],
            out(),
            list_gvr,
        );
        member(
            reg,
            list_name,
            "list_resources_gvr_string_map",
            vec![ctx(), gvr(), s(), labels()],
            out(),
            list_gvr_map,
        );
        member(
            reg,
            get_name,
            "resource_get_string_string_string_string",
            vec![ctx(), s(), s(), s(), s()],
            out(),
            get_ssss,
        );
        member(
            reg,
            get_name,
            "resource_get_gvr_string_string",
            vec![ctx(), gvr(), s(), s()],
            out(),
            get_gvr,
        );
        member(
            reg,
            post_name,
            "resource_post_string_string_string_map",
            vec![ctx(), s(), s(), s(), out()],
            out(),
            post_namespaced,
        );
        member(
            reg,
            post_name,
            "resource_post_string_string_map",
            vec![ctx(), s(), s(), out()],
            out(),
            post_cluster,
        );
        member(
            reg,
            gvr_name,
            "convert_to_gvr_string_string",
            vec![ctx(), s(), s()],
            gvr(),
            to_gvr,
        );
    }
}
