//! Kyverno's `image` library: `parseImageReference(s)` (and the deprecated
//! `image(s)`), `isImage(s)` and the accessors, over go-containerregistry's
//! reference grammar.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{Opaque, Val};
use super::super::EvalError;
use super::gcrname::Reference;
use super::support::{fail, global, member, opaque, opaque_arg, str_arg};

/// The cel-go type name.
pub const TYPE: &str = "kyverno.image";

/// A `kyverno.image` value.
#[derive(Debug, Clone)]
pub struct ImageVal(pub Reference);

impl Opaque for ImageVal {
    fn type_name(&self) -> &'static str {
        TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<ImageVal>()
            .is_some_and(|o| o.0 == self.0)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.original().to_string()))
    }
}

fn r<'b>(a: &'b [Val<'_>]) -> Result<&'b Reference, EvalError> {
    opaque_arg::<ImageVal>(a, 0).map(|i| &i.0)
}

fn string_to_image<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Reference::parse(str_arg(a, 0)?)
        .map(|r| opaque(ImageVal(r)))
        .map_err(fail)
}

fn is_image<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(Reference::parse(str_arg(a, 0)?).is_ok()))
}

fn contains_digest<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Bool(!r(a)?.digest().is_empty()))
}

fn registry<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(r(a)?.registry()))
}

fn repository<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(r(a)?.repository()))
}

fn identifier<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(r(a)?.identifier()))
}

fn tag<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(r(a)?.tag()))
}

fn digest<'a>(_: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::string(r(a)?.digest()))
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    let img = || Type::Opaque(TYPE);
    reg.add_type(TYPE);
    global(
        reg,
        "image",
        "string_to_image_deprecated",
        vec![Type::String],
        img(),
        string_to_image,
    );
    global(
        reg,
        "parseImageReference",
        "string_to_image",
        vec![Type::String],
        img(),
        string_to_image,
    );
    global(
        reg,
        "isImage",
        "is_image_string",
        vec![Type::String],
        Type::Bool,
        is_image,
    );
    member(
        reg,
        "containsDigest",
        "image_contains_digest",
        vec![img()],
        Type::Bool,
        contains_digest,
    );
    member(
        reg,
        "registry",
        "image_registry",
        vec![img()],
        Type::String,
        registry,
    );
    member(
        reg,
        "repository",
        "image_repository",
        vec![img()],
        Type::String,
        repository,
    );
    member(
        reg,
        "identifier",
        "image_identifier",
        vec![img()],
        Type::String,
        identifier,
    );
    member(reg, "tag", "image_tag", vec![img()], Type::String, tag);
    member(
        reg,
        "digest",
        "image_digest",
        vec![img()],
        Type::String,
        digest,
    );
}
