//! Go's `fmt` renderings of JSON values, because Kyverno's messages embed
//! them (`resource value '%v' does not match '%v' at path ...`) and its
//! string comparisons stringify numbers with `strconv.FormatFloat` (in
//! [`super::strconv`]).

use serde_json::{Number, Value};

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
        super::strconv::format_float_g(n.as_f64().unwrap_or(0.0), 64)
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
    fn percent_f_prints_six_decimals() {
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
