//! `verno test --test-case-selector`: which result entries of each test are
//! judged, as `kyverno test` filters them (`test/filter`).

use verno::unstable::go::wildcard;
use verno_test::testfile::TestResult;

/// Kyverno's default selector: every entry.
pub const DEFAULT: &str = "policy=*,rule=*,resource=*";

/// One `key=value` of the selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    Policy(String),
    Rule(String),
    Resource(String),
}

/// A parsed `--test-case-selector`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    filters: Vec<Filter>,
    /// The resource values before the first `resource=*`: a kept entry
    /// judges these resources instead of its own (Kyverno's
    /// `ExtractResourceFilters`).
    resources: Vec<String>,
}

/// A malformed part of the selector, in Kyverno's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// A part that is not `key=value`.
    #[error(
        "Invalid test-case-selector argument ({0}). Parameter must be in the form `<key>=<value>`."
    )]
    Form(String),
    /// A key other than policy, rule or resource.
    #[error("Invalid test-case-selector ({0}). Parameter can only be policy, rule or resource.")]
    Key(String),
}

impl Selector {
    /// Parse `policy=…,rule=…,resource=…` (values may use `*` and `?`;
    /// keys and values are trimmed). Every malformed part is returned.
    pub fn parse(input: &str) -> Result<Selector, Vec<SelectorError>> {
        let mut filters = Vec::new();
        let mut errors = Vec::new();
        if !input.is_empty() {
            for part in input.split(',') {
                let kv: Vec<&str> = part.split('=').collect();
                let [key, value] = kv.as_slice() else {
                    errors.push(SelectorError::Form(part.to_string()));
                    continue;
                };
                let value = value.trim().to_string();
                match key.trim() {
                    "policy" => filters.push(Filter::Policy(value)),
                    "rule" => filters.push(Filter::Rule(value)),
                    "resource" => filters.push(Filter::Resource(value)),
                    _ => errors.push(SelectorError::Key(part.to_string())),
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let resources = filters
            .iter()
            .filter_map(|f| match f {
                Filter::Resource(v) => Some(v.clone()),
                _ => None,
            })
            .take_while(|v| v != "*")
            .collect();
        Ok(Selector { filters, resources })
    }

    /// The entry as it is judged, or `None` when the selector leaves it
    /// out. An entry without a policy, rule or resources passes that
    /// filter, as in Kyverno.
    pub fn select(&self, entry: &TestResult) -> Option<TestResult> {
        let keep = self.filters.iter().all(|f| match f {
            Filter::Policy(v) => entry.policy.is_empty() || wildcard::matches(v, &entry.policy),
            Filter::Rule(v) => entry.rule.is_empty() || wildcard::matches(v, &entry.rule),
            Filter::Resource(v) => {
                entry.resources.is_empty()
                    || entry.resources.iter().any(|r| wildcard::matches(v, r))
            }
        });
        if !keep {
            return None;
        }
        let mut entry = entry.clone();
        if !self.resources.is_empty() {
            entry.resources = self.resources.clone();
        }
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(policy: &str, rule: &str, resources: &[&str]) -> TestResult {
        TestResult {
            policy: policy.into(),
            rule: rule.into(),
            resources: resources.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_default_selector_keeps_every_entry_as_written() {
        let s = Selector::parse(DEFAULT).unwrap();
        let kept = s.select(&entry("p", "r", &["a", "b"])).unwrap();
        assert_eq!((kept.policy.as_str(), kept.rule.as_str()), ("p", "r"));
        assert_eq!(kept.resources, ["a", "b"]);
    }

    #[test]
    fn wildcards_filter_policies_and_rules() {
        let s = Selector::parse("policy=require-*,rule=check-?").unwrap();
        assert!(s.select(&entry("require-team", "check-a", &[])).is_some());
        assert!(s.select(&entry("disallow-x", "check-a", &[])).is_none());
        assert!(s.select(&entry("require-team", "check-ab", &[])).is_none());
        // An entry without a rule passes the rule filter.
        assert!(s.select(&entry("require-team", "", &[])).is_some());
    }

    #[test]
    fn a_resource_filter_replaces_the_entrys_resources() {
        let s = Selector::parse("resource=good").unwrap();
        let kept = s.select(&entry("p", "r", &["good", "bad"])).unwrap();
        assert_eq!(kept.resources, ["good"]);
        assert!(s.select(&entry("p", "r", &["bad"])).is_none());
    }

    #[test]
    fn malformed_selectors_are_errors_in_kyvernos_words() {
        let errs = Selector::parse("policy,team=x").unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            [
                "Invalid test-case-selector argument (policy). Parameter must be in the form `<key>=<value>`.",
                "Invalid test-case-selector (team=x). Parameter can only be policy, rule or resource.",
            ]
        );
    }
}
