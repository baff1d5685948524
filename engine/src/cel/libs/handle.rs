//! The values of Kyverno's stateful library variables (`resource`, `http`,
//! `globalContext`, `image`, `json`, `yaml`): handles whose member
//! functions reach the host through [`Call::host`](super::super::Call).

use super::super::value::{Opaque, Val};
use std::rc::Rc;

/// A library variable's value; only its type matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handle(pub &'static str);

impl Opaque for Handle {
    fn type_name(&self) -> &'static str {
        self.0
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<Handle>()
            .is_some_and(|o| o == self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `resource.Context`.
pub const RESOURCE: &str = "resource.Context";
/// `globalcontext.Context`.
pub const GLOBAL_CONTEXT: &str = "globalcontext.Context";
/// `imagedata.Context`.
pub const IMAGE_DATA: &str = "imagedata.Context";
/// `json.Json`.
pub const JSON: &str = "json.Json";
/// `yaml.Yaml`.
pub const YAML: &str = "yaml.Yaml";

/// The value bound to a library variable.
pub fn value<'a>(type_name: &'static str) -> Val<'a> {
    Val::Opaque(Rc::new(Handle(type_name)))
}
