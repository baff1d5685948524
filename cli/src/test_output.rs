//! `verno test -o json|yaml|markdown|junit`: the results table in the
//! shapes `kyverno test --output-format` prints (`printOutputFormats`).

use std::io::Write;

use verno_test::run::Row;

/// A `--output-format` of `verno test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An indented JSON array of rows.
    Json,
    /// A YAML sequence of rows.
    Yaml,
    /// A Markdown table.
    Markdown,
    /// JUnit XML: a test suite per policy, a test case per row.
    Junit,
}

/// Print one table's rows (numbered from 1) in `format`, with the blank
/// lines Kyverno puts around them.
pub fn print(
    out: &mut dyn Write,
    format: Format,
    rows: &[&Row],
    detailed: bool,
) -> std::io::Result<()> {
    let body = match format {
        Format::Json => json(rows, detailed),
        Format::Yaml => verno::unstable::yaml::to_yaml_string(&row_maps(rows, detailed)),
        Format::Markdown => markdown(rows, detailed),
        Format::Junit => junit(rows, detailed),
    };
    writeln!(out)?;
    writeln!(out, "{body}")?;
    writeln!(out)
}

/// The rows as Go marshals its `map[string]interface{}`: keys sorted.
fn row_maps(rows: &[&Row], detailed: bool) -> serde_json::Value {
    let maps = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut m = serde_json::Map::new();
            m.insert("ID".into(), (i + 1).into());
            if detailed {
                m.insert("Message".into(), r.message.clone().into());
            }
            m.insert("POLICY".into(), r.policy.clone().into());
            m.insert("REASON".into(), r.reason.clone().into());
            m.insert("RESOURCE".into(), r.resource.clone().into());
            m.insert("RESULT".into(), r.result.into());
            m.insert("RULE".into(), r.rule.clone().into());
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::Value::Array(maps)
}

/// `json.MarshalIndent(rows, "", "  ")`, which escapes `<`, `>` and `&`
/// (they only occur inside strings, so replacing them is safe).
fn json(rows: &[&Row], detailed: bool) -> String {
    serde_json::to_string_pretty(&row_maps(rows, detailed))
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn markdown(rows: &[&Row], detailed: bool) -> String {
    let mut headers = vec!["ID", "POLICY", "RULE", "RESOURCE", "RESULT", "REASON"];
    if detailed {
        headers.push("MESSAGE");
    }
    let mut b = format!("| {} | \n", headers.join(" | "));
    b.push_str(&format!("|{}\n", "----|".repeat(headers.len())));
    for (i, r) in rows.iter().enumerate() {
        b.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |",
            i + 1,
            r.policy,
            r.rule,
            r.resource,
            r.result,
            r.reason
        ));
        if detailed {
            b.push_str(&format!(" {} |\n", r.message));
        } else {
            b.push('\n');
        }
    }
    b
}

/// XML-escape text and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Kyverno's JUnit layout, with three differences so that CI systems can
/// read it: suites are in policy name order (Kyverno walks a Go map, so its
/// order changes from run to run), every `<failure>` is closed (Kyverno
/// closes it only with `--detailed-results`), and values are XML-escaped
/// (Kyverno writes them raw). `]]>` in a message is split so the CDATA
/// section stays whole.
fn junit(rows: &[&Row], detailed: bool) -> String {
    let failed = rows.iter().filter(|r| !r.ok).count();
    let mut b = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    b.push_str(&format!(
        "<testsuites tests=\"{}\" failures=\"{failed}\">\n",
        rows.len()
    ));
    let mut suites: std::collections::BTreeMap<&str, Vec<&Row>> = Default::default();
    for r in rows {
        suites.entry(r.policy.as_str()).or_default().push(r);
    }
    for (policy, rows) in suites {
        let failures = rows.iter().filter(|r| !r.ok).count();
        b.push_str(&format!(
            " <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            esc(policy),
            rows.len()
        ));
        for r in rows {
            b.push_str(&format!(
                "  <testcase classname=\"{}\" name=\"{}\">\n",
                esc(&r.rule),
                esc(&r.resource)
            ));
            if !r.ok {
                b.push_str(&format!(
                    "   <failure message=\"{}\">\n    Policy: {}\n    Rule: {}\n    Resource: {}\n    Result: {}",
                    esc(&r.reason),
                    esc(&r.policy),
                    esc(&r.rule),
                    esc(&r.resource),
                    esc(r.result)
                ));
                if detailed {
                    b.push_str(&format!("    Message: {}\n", esc(&r.message)));
                } else {
                    b.push('\n');
                }
                b.push_str("   </failure>\n");
            } else {
                let cdata = |s: &str| s.replace("]]>", "]]]]><![CDATA[>");
                b.push_str(&format!(
                    "   <system-out><![CDATA[\n    Reason: {}\n    Policy: {}\n    Rule: {}\n    Resource: {}\n",
                    cdata(&r.reason),
                    cdata(&r.policy),
                    cdata(&r.rule),
                    cdata(&r.resource)
                ));
                if detailed {
                    b.push_str(&format!("    Message: {}\n", cdata(&r.message)));
                }
                b.push_str("   ]]></system-out>\n");
            }
            b.push_str("  </testcase>\n");
        }
        b.push_str(" </testsuite>\n");
    }
    b.push_str("</testsuites>");
    b
}
