//! The tables: `kubectl get policyreports -A` and the compliance view.

use crate::tally::Tally;

/// Columns padded as kubectl's tabwriter pads them (three spaces between
/// columns, the last one unpadded).
fn render(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 < r.len() {
                let w = widths.get(i).copied().unwrap_or(0);
                line.push_str(c);
                line.push_str(&" ".repeat(w - c.chars().count() + 3));
            } else {
                line.push_str(c);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// What the AGE column says: a report made offline has no creation time
/// in a cluster; kubectl prints `<unknown>` for a missing timestamp.
pub const AGE: &str = "<unknown>";

/// `NAMESPACE  NAME  PASS  FAIL  WARN  ERROR  SKIP  AGE`, one row per
/// namespace and policy; cluster reports (cluster-scoped resources) have an
/// empty namespace and come first, as kubectl sorts them.
pub fn reports_table(tally: &Tally) -> String {
    let mut rows = vec![[
        "NAMESPACE",
        "NAME",
        "PASS",
        "FAIL",
        "WARN",
        "ERROR",
        "SKIP",
        "AGE",
    ]
    .map(String::from)
    .to_vec()];
    for ((ns, name), r) in &tally.reports {
        let c = r.counts;
        rows.push(vec![
            ns.clone(),
            name.clone(),
            c.pass.to_string(),
            c.fail.to_string(),
            c.warn.to_string(),
            c.error.to_string(),
            c.skip.to_string(),
            AGE.to_string(),
        ]);
    }
    render(&rows)
}

/// `CLUSTER  POLICY  COMPLIANT  NON-COMPLIANT  COMPLIANCE`, per cluster and
/// policy in the order given; `-` where no resource had a result.
pub fn compliance_table(clusters: &[(String, Tally)]) -> String {
    let mut rows = vec![[
        "CLUSTER",
        "POLICY",
        "COMPLIANT",
        "NON-COMPLIANT",
        "COMPLIANCE",
    ]
    .map(String::from)
    .to_vec()];
    for (cluster, t) in clusters {
        for (policy, c) in &t.compliance {
            rows.push(vec![
                cluster.clone(),
                policy.clone(),
                c.compliant.to_string(),
                c.non_compliant.to_string(),
                c.percent()
                    .map(|p| format!("{p:.1}%"))
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
    }
    render(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_padded_by_three_spaces_like_kubectl() {
        let t = render(&[
            vec!["A".into(), "BB".into(), "C".into()],
            vec!["xxx".into(), "y".into(), "z".into()],
        ]);
        assert_eq!(t, "A     BB   C\nxxx   y    z\n");
    }

    #[test]
    fn an_empty_namespace_keeps_its_column() {
        let t = render(&[
            vec!["NAMESPACE".into(), "NAME".into()],
            vec!["".into(), "cpol-x".into()],
        ]);
        assert_eq!(t, "NAMESPACE   NAME\n            cpol-x\n");
    }
}
