//! Go's `fmt` renderings of JSON values, because Kyverno's messages embed
//! them (`resource value '%v' does not match '%v' at path ...`) and its
//! string comparisons stringify numbers with `strconv.FormatFloat`.

use serde_json::{Number, Value};

/// Shortest round-trip digits and decimal exponent of a finite float:
/// `80.0` -> ("8", 1).
fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, exp.parse().unwrap_or(0))
}

fn exp_suffix(letter: char, exp: i32) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{letter}{sign}{:02}", exp.abs())
}

fn mantissa(digits: &str) -> String {
    match digits.len() {
        0 => "0".to_string(),
        1 => digits.to_string(),
        _ => format!("{}.{}", &digits[..1], &digits[1..]),
    }
}

fn special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        })
    } else {
        None
    }
}

/// `strconv.FormatFloat(f, 'E', -1, 64)`: `80` -> `8E+01`.
pub fn format_float_e_upper(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    let sign = if f.is_sign_negative() && f != 0.0 {
        "-"
    } else {
        ""
    };
    if f == 0.0 {
        return format!("{sign}0E+00");
    }
    let (digits, exp) = shortest_digits(f);
    format!("{sign}{}{}", mantissa(&digits), exp_suffix('E', exp))
}

/// `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): `80` -> `80`,
/// `1e6` -> `1e+06`, `0.5` -> `0.5`.
pub fn format_float_g(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let (digits, exp) = shortest_digits(f);
    if !(-4..6).contains(&exp) {
        return format!("{sign}{}{}", mantissa(&digits), exp_suffix('e', exp));
    }
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let body = if dp <= 0 {
        format!("0.{}{}", "0".repeat((-dp) as usize), digits)
    } else if dp >= nd {
        format!("{}{}", digits, "0".repeat((dp - nd) as usize))
    } else {
        format!("{}.{}", &digits[..dp as usize], &digits[dp as usize..])
    };
    format!("{sign}{body}")
}

/// `fmt.Sprintf("%f", f)`: six decimals.
pub fn format_float_f(f: f64) -> String {
    format!("{f:.6}")
}

/// Whether Kyverno (Go) holds this JSON number as float64 rather than int64.
pub fn is_float(n: &Number) -> bool {
    n.is_f64()
}

/// `%v` of a number as Go holds it.
pub fn format_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        format_float_g(n.as_f64().unwrap_or(0.0))
    }
}

/// `fmt.Sprintf("%v", v)` for a value decoded from JSON into `interface{}`.
pub fn format_v(v: &Value) -> String {
    let mut out = String::new();
    write_v(v, &mut out);
    out
}

fn write_v(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(e, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push_str("map[");
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(e, out);
            }
            out.push(']');
        }
    }
}

/// Go's `%T` of a decoded JSON value.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_float_formats() {
        assert_eq!(format_float_e_upper(80.0), "8E+01");
        assert_eq!(format_float_e_upper(1.5), "1.5E+00");
        assert_eq!(format_float_e_upper(0.0), "0E+00");
        assert_eq!(format_float_e_upper(-0.001), "-1E-03");
        assert_eq!(format_float_g(80.0), "80");
        assert_eq!(format_float_g(1e6), "1e+06");
        assert_eq!(format_float_g(123456.0), "123456");
        assert_eq!(format_float_g(0.5), "0.5");
        assert_eq!(format_float_g(0.0001), "0.0001");
        assert_eq!(format_float_g(0.00001), "1e-05");
        assert_eq!(format_float_g(1234567.0), "1.234567e+06");
        assert_eq!(format_float_f(2.0), "2.000000");
    }

    #[test]
    fn go_percent_v_of_json() {
        assert_eq!(format_v(&json!(null)), "<nil>");
        assert_eq!(
            format_v(&json!({"b": [1, "x"], "a": true})),
            "map[a:true b:[1 x]]"
        );
        assert_eq!(format_v(&json!(1.0)), "1");
    }
}
