//! Arbitrary pairs of JSON documents through Kyverno's strategic merge and
//! JSON 6902: an error or a result, never a panic; the input is never
//! modified (both functions borrow it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Two documents separated by a NUL: the resource and the patch.
    let Some((a, b)) = text.split_once('\0') else {
        return;
    };
    let (Ok(resource), Ok(patch)) = (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)) else {
        return;
    };
    let _ = verno::unstable::patch::strategic_merge(&resource, &patch);
    let _ = verno::unstable::patch::apply_json6902(&resource, b);
    if let Ok(merged) = verno::unstable::patch::strategic_merge(&resource, &patch) {
        let _ = verno::unstable::patch::diff(&resource, &merged);
    }
});
