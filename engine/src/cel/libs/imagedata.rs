//! Kyverno's `imagedata` library: `image.GetMetadata(ref)` (and
//! `getMetadata`) through the host.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::{NumberMode, Val};
use super::super::EvalError;
use super::handle::IMAGE_DATA;
use super::support::{fail, member, owned_json, str_arg};

fn get_metadata<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let data = c
        .host
        .image_metadata(str_arg(a, 1)?)
        .map_err(|e| fail(format!("failed to get image data: {e}")))?;
    Ok(owned_json(&data, NumberMode::Doubles))
}

/// Declares the `image` variable and its functions.
pub fn register(reg: &mut Registry) {
    let ctx = || Type::Opaque(IMAGE_DATA);
    reg.add_type(IMAGE_DATA);
    reg.declare_variable("image", ctx());
    for name in ["GetMetadata", "getMetadata"] {
        member(
            reg,
            name,
            "imagedata_get_string",
            vec![ctx(), Type::String],
            Type::Dyn,
            get_metadata,
        );
    }
}
