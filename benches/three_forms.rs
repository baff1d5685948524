//! The same checks written three ways: a `validate.pattern` ClusterPolicy,
//! a `validate.cel` ClusterPolicy and a ValidatingPolicy. The corpus keeps
//! each family in three sibling directories (`best-practices/`,
//! `best-practices-cel/`, `best-practices-vpol/`); a check is the policy
//! name they share, and the three forms are judged on the same resources:
//! every resource of the three suites.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use verno::{NoHost, PolicySet, Request, RuleStatus};

/// How a policy is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    /// A `kyverno.io` policy without `validate.cel` (patterns, deny,
    /// foreach, podSecurity).
    Pattern,
    /// A `kyverno.io` policy with a `validate.cel` rule.
    Cel,
    /// A `policies.kyverno.io` ValidatingPolicy.
    Vpol,
}

impl Form {
    /// The three forms, in the order the tables print them.
    pub const ALL: [Form; 3] = [Form::Pattern, Form::Cel, Form::Vpol];

    /// The form's column name.
    pub fn name(self) -> &'static str {
        match self {
            Form::Pattern => "pattern",
            Form::Cel => "validate.cel",
            Form::Vpol => "ValidatingPolicy",
        }
    }

    /// The form of one policy document, `None` for other documents
    /// (PolicyExceptions, resources).
    pub fn of(doc: &Value) -> Option<Form> {
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
        let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if api.starts_with("policies.kyverno.io/") && kind.ends_with("ValidatingPolicy") {
            return Some(Form::Vpol);
        }
        if !(api.starts_with("kyverno.io/") && matches!(kind, "ClusterPolicy" | "Policy")) {
            return None;
        }
        let cel = doc
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|r| r.pointer("/validate/cel").is_some());
        Some(if cel { Form::Cel } else { Form::Pattern })
    }
}

/// A family's three directories under the corpus root, in [`Form::ALL`]
/// order.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// The pattern directory's name, which names the family.
    pub name: &'static str,
    /// The directories of the pattern, `validate.cel` and ValidatingPolicy forms.
    pub dirs: [&'static str; 3],
}

/// The corpus families written in all three forms.
pub const FAMILIES: [Family; 2] = [
    Family {
        name: "best-practices",
        dirs: [
            "best-practices",
            "best-practices-cel",
            "best-practices-vpol",
        ],
    },
    Family {
        name: "pod-security",
        dirs: ["pod-security", "pod-security-cel", "pod-security-vpol"],
    },
];

/// One check in its three forms, compiled, with the resources all three
/// are judged on.
pub struct Check {
    /// The family's name.
    pub family: &'static str,
    /// The policy name the three forms share.
    pub name: String,
    /// The compiled forms, in [`Form::ALL`] order.
    pub sets: [PolicySet; 3],
    /// The union of the three suites' resources, without duplicates.
    pub resources: Vec<Value>,
}

impl Check {
    /// Runs form `i` on every resource; returns how many rule responses
    /// it gave (so the optimiser keeps the work).
    pub fn evaluate(&self, i: usize) -> usize {
        let Some(set) = self.sets.get(i) else {
            return 0;
        };
        self.resources
            .iter()
            .map(|r| {
                set.evaluate(&Request::create(r), &NoHost)
                    .policies
                    .iter()
                    .map(|p| p.rules.len())
                    .sum::<usize>()
            })
            .sum()
    }

    /// The first error a form gives on the check's resources, as
    /// `form: message`.
    pub fn first_error(&self) -> Option<String> {
        for (form, set) in Form::ALL.iter().zip(&self.sets) {
            for r in &self.resources {
                let eval = set.evaluate(&Request::create(r), &NoHost);
                let error = eval
                    .policies
                    .iter()
                    .chain(&eval.mutations)
                    .flat_map(|p| &p.rules)
                    .find(|rule| rule.status == RuleStatus::Error);
                if let Some(rule) = error {
                    return Some(format!("{}: {}", form.name(), rule.message));
                }
            }
        }
        None
    }
}

/// A policy found in one form: its document alone, its suite's resources.
struct Found {
    text: String,
    resources: Vec<Value>,
}

/// Every `.kyverno-test/kyverno-test.yaml` under `dir`, sorted.
fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                let test = p.join("kyverno-test.yaml");
                if p.file_name().is_some_and(|n| n == ".kyverno-test") && test.is_file() {
                    out.push(test);
                } else {
                    stack.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

/// The policies of `form` in `dir`'s suites, by name. A suite whose file
/// holds several policies contributes each; a name found twice keeps the
/// first (in path order).
fn policies_in(dir: &Path, form: Form) -> BTreeMap<String, Found> {
    let mut out = BTreeMap::new();
    for test in test_files(dir) {
        let Some(suite) = crate::read_suite(&test) else {
            continue;
        };
        for text in &suite.policies {
            let Ok(docs) = verno::unstable::load::documents(text) else {
                continue;
            };
            for (doc, _) in docs {
                if Form::of(&doc) != Some(form) {
                    continue;
                }
                let Some(name) = doc.pointer("/metadata/name").and_then(Value::as_str) else {
                    continue;
                };
                // One policy per compiled set: the document alone.
                let Ok(single) = serde_json::to_string(&doc) else {
                    continue;
                };
                out.entry(name.to_string()).or_insert_with(|| Found {
                    text: single,
                    resources: suite.resources.clone(),
                });
            }
        }
    }
    out
}

/// Why a check present in all three forms is left out.
#[derive(Debug, Clone)]
pub struct Dropped {
    /// The family.
    pub family: &'static str,
    /// The policy name.
    pub name: String,
    /// The load error or the first evaluation error.
    pub reason: String,
}

/// Pairs the checks of `family` under `root` by policy name: only names
/// present in all three forms, each form compiled once. Checks a form
/// cannot load or evaluates with an error are returned apart.
pub fn pair(root: &Path, family: &Family) -> (Vec<Check>, Vec<Dropped>) {
    let found: Vec<BTreeMap<String, Found>> = Form::ALL
        .iter()
        .zip(family.dirs)
        .map(|(form, dir)| policies_in(&root.join(dir), *form))
        .collect();
    let [pattern, cel, vpol] = found.as_slice() else {
        return (Vec::new(), Vec::new());
    };
    let mut checks = Vec::new();
    let mut dropped = Vec::new();
    for (name, p) in pattern {
        let (Some(c), Some(v)) = (cel.get(name), vpol.get(name)) else {
            continue;
        };
        let forms = [p, c, v];
        let sets: Result<Vec<PolicySet>, String> = Form::ALL
            .iter()
            .zip(forms)
            .map(|(form, f)| {
                PolicySet::from_yaml(&f.text).map_err(|e| format!("{}: {e}", form.name()))
            })
            .collect();
        let sets = match sets.map(<[PolicySet; 3]>::try_from) {
            Ok(Ok(sets)) => sets,
            Ok(Err(_)) => continue,
            Err(reason) => {
                dropped.push(Dropped {
                    family: family.name,
                    name: name.clone(),
                    reason,
                });
                continue;
            }
        };
        let mut seen = BTreeSet::new();
        let resources = forms
            .iter()
            .flat_map(|f| &f.resources)
            .filter(|r| seen.insert(r.to_string()))
            .cloned()
            .collect();
        let check = Check {
            family: family.name,
            name: name.clone(),
            sets,
            resources,
        };
        match check.first_error() {
            Some(reason) => dropped.push(Dropped {
                family: family.name,
                name: name.clone(),
                reason,
            }),
            None => checks.push(check),
        }
    }
    (checks, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn suite(dir: &Path, form_dir: &str, check: &str, policy: &str, pod: &str) {
        write(
            dir,
            &format!("{form_dir}/{check}/.kyverno-test/kyverno-test.yaml"),
            "policies: [../policy.yaml]\nresources: [resource.yaml]\n",
        );
        write(dir, &format!("{form_dir}/{check}/policy.yaml"), policy);
        write(
            dir,
            &format!("{form_dir}/{check}/.kyverno-test/resource.yaml"),
            &format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {pod}, namespace: default}}\nspec: {{containers: [{{name: c, image: nginx}}]}}\n"),
        );
    }

    fn pattern(name: &str) -> String {
        format!(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {{name: {name}}}\nspec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      message: m\n      pattern: {{metadata: {{labels: {{app: \"?*\"}}}}}}\n"
        )
    }

    fn cel(name: &str, expression: &str) -> String {
        format!(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {{name: {name}}}\nspec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      cel:\n        expressions:\n        - expression: \"{expression}\"\n"
        )
    }

    fn vpol(name: &str, expression: &str) -> String {
        format!(
            "apiVersion: policies.kyverno.io/v1alpha1\nkind: ValidatingPolicy\nmetadata: {{name: {name}}}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}}\n  validations:\n  - expression: \"{expression}\"\n"
        )
    }

    fn family() -> Family {
        Family {
            name: "fam",
            dirs: ["fam", "fam-cel", "fam-vpol"],
        }
    }

    fn temp(tag: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("verno-three-forms-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn pairs_by_policy_name_only_checks_present_in_all_three_forms() {
        let root = temp("pairs");
        // `both` exists in all three forms under different directory names;
        // `only-two` lacks a ValidatingPolicy form.
        suite(&root, "fam", "dir-a", &pattern("both"), "a");
        suite(
            &root,
            "fam-cel",
            "dir-b",
            &cel("both", "has(object.metadata.labels)"),
            "b",
        );
        suite(
            &root,
            "fam-vpol",
            "dir-c",
            &vpol("both", "has(object.metadata.labels)"),
            "c",
        );
        suite(&root, "fam", "two", &pattern("only-two"), "d");
        suite(&root, "fam-cel", "two", &cel("only-two", "true"), "d");
        let (checks, dropped) = pair(&root, &family());
        assert!(dropped.is_empty(), "{dropped:?}");
        let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["both"]);
        // The three suites' resources, each once, judged by every form.
        assert_eq!(checks[0].resources.len(), 3);
        for i in 0..3 {
            assert_eq!(checks[0].evaluate(i), 3, "form {i}");
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn drops_a_check_whose_form_evaluates_with_an_error() {
        let root = temp("errors");
        suite(&root, "fam", "x", &pattern("broken"), "a");
        suite(&root, "fam-cel", "x", &cel("broken", "true"), "a");
        // A run-time error, which a ValidatingPolicy reports as an error.
        suite(
            &root,
            "fam-vpol",
            "x",
            &vpol("broken", "object.spec.nothing == 1"),
            "a",
        );
        let (checks, dropped) = pair(&root, &family());
        assert!(checks.is_empty());
        assert_eq!(dropped.len(), 1);
        assert!(
            dropped[0].reason.starts_with("ValidatingPolicy: error: "),
            "{}",
            dropped[0].reason
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn form_of_tells_pattern_cel_and_validating_policy_apart() {
        let doc = |t: &str| verno::unstable::load::documents(t).unwrap().remove(0).0;
        assert_eq!(Form::of(&doc(&pattern("p"))), Some(Form::Pattern));
        assert_eq!(Form::of(&doc(&cel("p", "true"))), Some(Form::Cel));
        assert_eq!(Form::of(&doc(&vpol("p", "true"))), Some(Form::Vpol));
        assert_eq!(Form::of(&doc("apiVersion: v1\nkind: Pod\n")), None);
    }
}
