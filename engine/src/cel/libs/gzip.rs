//! Kyverno's `gzip` library: `gzip.compress(s)` → bytes (modification time
//! zero, so the header is deterministic) and `gzip.decompress(bytes)` → string.
//! The compressed bytes are a valid gzip stream but not byte-identical to
//! Go's `compress/flate` output; decompression round-trips either.

use super::super::registry::{Call, Registry};
use super::super::types::Type;
use super::super::value::Val;
use super::super::EvalError;
use super::support::{fail, global, no_such_overload};
use std::io::{Read, Write};
use std::rc::Rc;

/// Decompressed output beyond this is refused (a zip bomb is bad input).
const MAX_DECOMPRESSED: u64 = 64 << 20;

fn compress<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let Some(Val::String(s)) = a.first() else {
        return Err(fail(format!(
            "type conversion error from '{}' to 'string'",
            a.first()
                .map_or_else(|| "null_type".to_string(), Val::type_name)
        )));
    };
    c.budget.charge_size(s.as_str().len())?;
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    enc.write_all(s.as_str().as_bytes())
        .map_err(|e| fail(e.to_string()))?;
    let out = enc.finish().map_err(|e| fail(e.to_string()))?;
    Ok(Val::Bytes(Rc::from(out)))
}

fn decompress<'a>(c: &mut Call<'_>, a: &[Val<'a>]) -> Result<Val<'a>, EvalError> {
    let Some(Val::Bytes(b)) = a.first() else {
        return Err(no_such_overload());
    };
    let mut out = Vec::new();
    let mut dec = flate2::read::GzDecoder::new(b.as_ref()).take(MAX_DECOMPRESSED + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| fail(go_gzip_error(&e)))?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(fail("gzip: decompressed data too large"));
    }
    c.budget.charge_size(out.len())?;
    Ok(Val::string(String::from_utf8_lossy(&out).into_owned()))
}

/// Go's `compress/gzip` texts for the usual failures.
fn go_gzip_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "unexpected EOF".to_string(),
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
            if e.to_string().contains("header") =>
        {
            "gzip: invalid header".to_string()
        }
        _ => format!("flate: corrupt input: {e}"),
    }
}

/// Declares the library.
pub fn register(reg: &mut Registry) {
    global(
        reg,
        "gzip.decompress",
        "decompress_bytes_string",
        vec![Type::Bytes],
        Type::String,
        decompress,
    );
    global(
        reg,
        "gzip.compress",
        "compress_any_bytes",
        vec![Type::Dyn],
        Type::Bytes,
        compress,
    );
}
