//! `"...".format([args])` as cel-go's strings extension (v2) formats:
//! `%s %d %f %e %b %x %X %o %%`, with `.N` precision for `%f`/`%e`.

use super::core::debug_string;
use crate::cel::value::{NumberMode, Val};
use crate::cel::EvalError;

const DEFAULT_PRECISION: usize = 6;

fn err(msg: impl Into<String>) -> EvalError {
    EvalError::new(msg)
}

/// Formats `f` with `args`.
pub fn format(f: &str, args: &[Val<'_>]) -> Result<String, EvalError> {
    let bytes = f.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut arg_index = 0usize;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes.get(i) != Some(&b'%') {
            i += 1;
            continue;
        }
        out.push_str(f.get(literal_start..i).unwrap_or(""));
        if bytes.get(i + 1) == Some(&b'%') {
            out.push('%');
            i += 2;
            literal_start = i;
            continue;
        }
        let Some(arg) = args.get(arg_index) else {
            return Err(err(format!("index {arg_index} out of range")));
        };
        if i + 1 >= bytes.len() {
            return Err(err("unexpected end of string"));
        }
        let mut j = i + 1;
        let mut precision = None;
        if bytes.get(j) == Some(&b'.') {
            j += 1;
            let start = j;
            while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            if j >= bytes.len() {
                return Err(err("could not parse formatting clause: error while parsing precision: could not find end of precision specifier"));
            }
            let digits = f.get(start..j).unwrap_or("");
            let p: usize = digits.parse().map_err(|_| {
                err(format!("could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing {}: invalid syntax", super::format::go_quote(digits)))
            })?;
            precision = Some(p.min(1000));
        }
        let Some(verb) = f.get(j..).and_then(|s| s.chars().next()) else {
            return Err(err("unexpected end of string"));
        };
        let s = clause(verb, precision, arg).map_err(|e| match e {
            ClauseErr::Parse(m) => err(format!("could not parse formatting clause: {m}")),
            ClauseErr::Format(m) => err(format!("error during formatting: {m}")),
        })?;
        out.push_str(&s);
        i = j + verb.len_utf8();
        literal_start = i;
        arg_index += 1;
    }
    out.push_str(f.get(literal_start..).unwrap_or(""));
    Ok(out)
}

enum ClauseErr {
    Parse(String),
    Format(String),
}

fn clause(verb: char, precision: Option<usize>, arg: &Val<'_>) -> Result<String, ClauseErr> {
    let tn = arg.type_name();
    let fe = |m: String| ClauseErr::Format(m);
    match verb {
        's' => string_clause(arg).map_err(fe),
        'd' => match arg {
            Val::Int(i) => Ok(i.to_string()),
            Val::Uint(u) => Ok(u.to_string()),
            _ => Err(fe(format!(
                "decimal clause can only be used on integers, was given {tn}"
            ))),
        },
        'f' | 'e' => {
            let p = precision.unwrap_or(DEFAULT_PRECISION);
            let d = match arg {
                Val::Double(d) => *d,
                Val::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
                    match s.as_str() {
                        "NaN" => f64::NAN,
                        "Infinity" => f64::INFINITY,
                        _ => f64::NEG_INFINITY,
                    }
                }
                _ if verb == 'f' => {
                    return Err(fe(format!(
                        "fixed-point clause can only be used on doubles, was given {tn}"
                    )))
                }
                _ => {
                    return Err(fe(format!(
                        "scientific clause can only be used on doubles, was given {tn}"
                    )))
                }
            };
            if d.is_nan() {
                return Ok("NaN".into());
            }
            if d.is_infinite() {
                return Ok(if d > 0.0 { "∞".into() } else { "-∞".into() });
            }
            if verb == 'f' {
                Ok(group_thousands(&format!("{d:.p$}")))
            } else {
                Ok(go_exp(d, p))
            }
        }
        'b' => match arg {
            Val::Int(i) => Ok(if *i < 0 {
                format!("-{:b}", i.unsigned_abs())
            } else {
                format!("{i:b}")
            }),
            Val::Uint(u) => Ok(format!("{u:b}")),
            Val::Bool(b) => Ok(if *b { "1".into() } else { "0".into() }),
            _ => Err(fe(format!(
                "only integers and bools can be formatted as binary, was given {tn}"
            ))),
        },
        'x' | 'X' => {
            let s = match arg {
                Val::Int(i) => {
                    if *i < 0 {
                        format!("-{:x}", i.unsigned_abs())
                    } else {
                        format!("{i:x}")
                    }
                }
                Val::Uint(u) => format!("{u:x}"),
                Val::String(s) => s.as_str().bytes().map(|b| format!("{b:02x}")).collect(),
                Val::Bytes(b) => b.iter().map(|b| format!("{b:02x}")).collect(),
                _ => {
                    return Err(fe(format!(
                        "only integers, byte buffers, and strings can be formatted as hex, was given {tn}"
                    )))
                }
            };
            Ok(if verb == 'X' { s.to_uppercase() } else { s })
        }
        'o' => match arg {
            Val::Int(i) => Ok(if *i < 0 {
                format!("-{:o}", i.unsigned_abs())
            } else {
                format!("{i:o}")
            }),
            Val::Uint(u) => Ok(format!("{u:o}")),
            _ => Err(fe(format!(
                "octal clause can only be used on integers, was given {tn}"
            ))),
        },
        other => Err(ClauseErr::Parse(format!(
            "unrecognized formatting clause \"{other}\""
        ))),
    }
}

/// `%s`.
fn string_clause(arg: &Val<'_>) -> Result<String, String> {
    match arg {
        v if v.list_len().is_some() => {
            let items = v.list_items(NumberMode::Exact).unwrap_or_default();
            let parts: Result<Vec<String>, String> = items.iter().map(member).collect();
            Ok(format!("[{}]", parts?.join(", ")))
        }
        v if v.is_map() => {
            let mut pairs = Vec::new();
            for (k, val) in v.map_entries(NumberMode::Exact).unwrap_or_default() {
                let ks = match &k {
                    Val::String(_) | Val::Bool(_) | Val::Int(_) | Val::Uint(_) => member(&k)?,
                    other => {
                        return Err(format!(
                            "no formatting function for map key of type {}",
                            other.type_name()
                        ))
                    }
                };
                pairs.push((ks, member(&val)?));
            }
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            let parts: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            Ok(format!("{{{}}}", parts.join(", ")))
        }
        Val::Null => Ok("null".into()),
        Val::Double(d) => Ok(super::format::go_float_g(*d)),
        Val::Bytes(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        Val::Timestamp(t) => Ok(super::time::format_timestamp(t)),
        Val::Duration(d) => Ok(super::time::format_duration_seconds(d)),
        Val::Int(_) | Val::Uint(_) | Val::Bool(_) | Val::String(_) | Val::Type(_) => Ok(debug_string(arg)),
        other => Err(format!(
            "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given {}",
            other.type_name()
        )),
    }
}

/// A list element or map entry under `%s`, printed as a CEL literal
/// (cel-go's `clauseForType` + `quoteForCEL`).
fn member(v: &Val<'_>) -> Result<String, String> {
    use super::format::go_quote;
    Ok(match v {
        Val::Int(i) => i.to_string(),
        Val::Uint(u) => u.to_string(),
        Val::String(s) => go_quote(s.as_str()),
        Val::Bytes(b) => format!("b{}", go_quote(&String::from_utf8_lossy(b))),
        Val::Bool(_) | Val::Null | Val::Type(_) => string_clause(v)?,
        Val::Timestamp(t) => format!("timestamp({})", go_quote(&super::time::format_timestamp(t))),
        Val::Duration(d) => format!(
            "duration({})",
            go_quote(&super::time::format_duration_seconds(d))
        ),
        Val::Double(d) if d.is_nan() => "\"NaN\"".into(),
        Val::Double(d) if d.is_infinite() => {
            if *d > 0.0 {
                "\"+Inf\"".into()
            } else {
                "\"-Inf\"".into()
            }
        }
        Val::Double(d) => format!("{d:.6}"),
        other if other.list_len().is_some() || other.is_map() => string_clause(other)?,
        other => return Err(format!("no formatting function for {}", other.type_name())),
    })
}

/// English digit grouping of a `%f` result (cel-go prints through a locale printer).
fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (n, c) in int.chars().enumerate() {
        if n > 0 && (int.len() - n) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// `%.Ne` as cel-go's locale printer writes it in English:
/// `2.718280\u{202f}×\u{202f}10⁰⁰` (superscript exponent, at least two digits).
fn go_exp(d: f64, p: usize) -> String {
    let s = format!("{d:.p$e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let (neg, digits) = e.strip_prefix('-').map_or((false, e), |r| (true, r));
            let digits = if digits.len() < 2 {
                format!("0{digits}")
            } else {
                digits.to_string()
            };
            let sup: String = digits
                .chars()
                .map(|c| match c {
                    '0' => '⁰',
                    '1' => '¹',
                    '2' => '²',
                    '3' => '³',
                    '4' => '⁴',
                    '5' => '⁵',
                    '6' => '⁶',
                    '7' => '⁷',
                    '8' => '⁸',
                    _ => '⁹',
                })
                .collect();
            let sign = if neg { "⁻" } else { "" };
            format!("{m}\u{202f}×\u{202f}10{sign}{sup}")
        }
        None => s,
    }
}
