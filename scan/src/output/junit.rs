//! `-o junit`: one `<testsuite>` per policy, one `<testcase>` per (policy,
//! rule, resource), a `<failure>` for each fail and error (`type` says
//! which), `<skipped/>` for a skip; a warn passes with its message in
//! `<system-out>`.

use std::collections::BTreeMap;

use verno::RuleStatus;

use crate::tally::{Finding, Tally};

/// XML text and attribute escaping; characters XML 1.0 cannot hold at all
/// become U+FFFD so that a hostile message cannot break the document.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn counts(cases: &[&Finding]) -> (usize, usize) {
    let failures = cases
        .iter()
        .filter(|f| matches!(f.status, RuleStatus::Fail | RuleStatus::Error))
        .count();
    let skipped = cases
        .iter()
        .filter(|f| f.status == RuleStatus::Skip)
        .count();
    (failures, skipped)
}

/// The JUnit XML document.
pub fn junit(tally: &Tally) -> String {
    let mut by_policy: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &tally.findings {
        by_policy.entry(&f.policy).or_default().push(f);
    }
    let all: Vec<&Finding> = tally.findings.iter().collect();
    let (failures, skipped) = counts(&all);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"verno scan\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n",
        all.len()
    ));
    for (policy, cases) in by_policy {
        let (failures, skipped) = counts(&cases);
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n",
            escape(policy),
            cases.len()
        ));
        for f in cases {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{} {}\" file=\"{}\" line=\"{}\"",
                escape(&f.policy),
                escape(&f.rule),
                escape(&f.resource),
                escape(&f.origin.file),
                f.origin.line
            ));
            match f.status {
                RuleStatus::Pass => out.push_str("/>\n"),
                RuleStatus::Fail | RuleStatus::Error => out.push_str(&format!(
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                    f.status.as_str(),
                    escape(&f.message),
                    escape(&f.message)
                )),
                RuleStatus::Skip => out.push_str(">\n      <skipped/>\n    </testcase>\n"),
                RuleStatus::Warn => out.push_str(&format!(
                    ">\n      <system-out>warn: {}</system-out>\n    </testcase>\n",
                    escape(&f.message)
                )),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_cannot_break_the_xml() {
        assert_eq!(
            escape("a<b>&\"'\u{1}"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}"
        );
    }
}
