//! Kubernetes' `format` CEL library (`K8S:pkg/cel/library/format.go`):
//! `format.named(name)`, `format.<name>()` and `<format>.validate(s)`.

use super::super::registry::{Call, Imp, Registry};
use super::super::types::Type;
use super::super::value::{Opaque, Val};
use super::super::EvalError;
use super::k8sformat::{named, NamedFormat};
use super::support::{global, member, no_such_overload, opaque, opaque_arg, str_arg};
use std::rc::Rc;

/// The cel-go type name.
pub const TYPE: &str = "kubernetes.NamedFormat";

/// A `kubernetes.NamedFormat` value.
#[derive(Debug, Clone)]
pub struct FormatVal(pub NamedFormat);

impl Opaque for FormatVal {
    fn type_name(&self) -> &'static str {
        TYPE
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<FormatVal>()
            .is_some_and(|o| o.0.name == self.0.name)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn format_named<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    Ok(Val::Optional(
        named(str_arg(args, 0)?).map(|f| Rc::new(opaque(FormatVal(f)))),
    ))
}

fn validate<'a>(_: &mut Call<'_>, args: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let f = opaque_arg::<FormatVal>(args, 0)?.0;
    let errs = f.validate(str_arg(args, 1)?);
    if errs.is_empty() {
        return Ok(Val::Optional(None));
    }
    Ok(Val::Optional(Some(Rc::new(Val::list(
        errs.into_iter().map(Val::string).collect(),
    )))))
}

fn constant<'a>(key: &str) -> Result<Val<'a>, EvalError> {
    named(key)
        .map(|f| opaque(FormatVal(f)))
        .ok_or_else(no_such_overload)
}

/// One zero-argument function per format: (`format.<key>`, key, implementation).
macro_rules! constants {
    ($($f:ident $key:literal),* $(,)?) => {
        $(fn $f<'a>(_: &mut Call<'_>, _: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
            constant($key)
        })*
        const CONSTANTS: &[(&str, Imp)] = &[$((concat!("format.", $key), $f)),*];
    };
}

constants!(
    dns1123_label "dns1123Label",
    dns1123_subdomain "dns1123Subdomain",
    dns1035_label "dns1035Label",
    qualified_name "qualifiedName",
    dns1123_label_prefix "dns1123LabelPrefix",
    dns1123_subdomain_prefix "dns1123SubdomainPrefix",
    dns1035_label_prefix "dns1035LabelPrefix",
    label_value "labelValue",
    uri "uri",
    uuid "uuid",
    byte "byte",
    date "date",
    datetime "datetime",
);

/// Declares the library.
pub fn register(reg: &mut Registry) {
    let f = || Type::Opaque(TYPE);
    reg.add_type(TYPE);
    member(
        reg,
        "validate",
        "format-validate",
        vec![f(), Type::String],
        Type::optional(Type::list(Type::String)),
        validate,
    );
    global(
        reg,
        "format.named",
        "format-named",
        vec![Type::String],
        Type::optional(f()),
        format_named,
    );
    for (name, imp) in CONSTANTS {
        global(reg, name, name, vec![], f(), *imp);
    }
}
