//! A JSON resource and any text as a JSON 6902 patch (YAML or JSON, as a
//! `patchesJson6902` field holds it): an error or a patched document, never
//! a panic, and never a document past the documented size limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The resource, a NUL, then the patch text.
    let Some((a, ops)) = text.split_once('\0') else {
        return;
    };
    let Ok(resource) = serde_json::from_str::<Value>(a) else {
        return;
    };
    if let Ok(patched) = verno::unstable::patch::apply_json6902(&resource, ops) {
        // Feed the result back once: patches that grow the document must hit
        // the size limit, not the allocator.
        let _ = verno::unstable::patch::apply_json6902(&patched, ops);
    }
});
