//! Which images a rule checks: the resource's images and the entries'
//! `imageReferences` (`GetMatchingImages`).

use serde_json::Value;

use crate::compile::verify_images::ImageVerification;
use crate::go::wildcard;

/// One image of the resource, as Kyverno's `ImageInfo` gives it.
#[derive(Debug, Clone)]
pub(super) struct Image {
    /// `String()`: `registry/path:tag` or `registry/path@digest`.
    pub(super) reference: String,
    /// `registry/path` (for the digest form after `mutateDigest`).
    pub(super) base: String,
    pub(super) digest: String,
    /// JSON pointer of the `image` field.
    pub(super) pointer: String,
    /// The `image` context value (`AddImageInfo`).
    pub(super) info: Value,
}

/// The images of a resource, init containers first, then containers and
/// ephemeral containers (Kyverno walks a Go map; verno picks this order).
pub(super) fn resource_images(resource: &Value) -> Result<Vec<Image>, String> {
    let Some(ctx) = crate::eval::images::images_context(resource)? else {
        return Ok(Vec::new());
    };
    Ok(images_of(&ctx))
}

/// The images of an `images` context value: the built-in lists in that
/// order, then the custom extractors' names (in name order).
pub(super) fn images_of(ctx: &Value) -> Vec<Image> {
    const STANDARD: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];
    let custom = ctx
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .filter(|k| !STANDARD.contains(&k.as_str()));
    let mut out = Vec::new();
    for tag in STANDARD
        .iter()
        .map(|s| s.to_string())
        .chain(custom.cloned())
    {
        let Some(Value::Object(m)) = ctx.get(&tag) else {
            continue;
        };
        for info in m.values() {
            let field = |k: &str| {
                info.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let (registry, path) = (field("registry"), field("path"));
            let base = if registry.is_empty() {
                path
            } else {
                format!("{registry}/{path}")
            };
            out.push(Image {
                reference: field("reference"),
                base,
                digest: field("digest"),
                pointer: field("jsonPointer"),
                info: info.clone(),
            });
        }
    }
    out
}

pub(super) fn matches_any(patterns: &[String], image: &str) -> bool {
    patterns.iter().any(|p| wildcard::matches(p, image))
}

/// `GetMatchingImages`: each image once per entry whose references match.
pub(super) fn matching_images(images: &[Image], entries: &[ImageVerification]) -> Vec<Image> {
    let mut out = Vec::new();
    for img in images {
        for e in entries {
            if matches_any(&e.image_references, &img.reference) {
                out.push(img.clone());
            }
        }
    }
    out
}
