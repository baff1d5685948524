//! Policy validation (what Kyverno's CLI refuses before applying a policy)
//! and the positions of load and compile errors.

use std::path::{Path, PathBuf};

use verno::unstable::load::{load_text, policy_from_value};
use verno::{LoadError, PolicySet};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/kyverno-policies")
}

fn yaml_files(dir: &Path, hidden: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if hidden || !name.starts_with('.') {
                yaml_files(&p, hidden, out);
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") {
            out.push(p);
        }
    }
}

/// Every Kyverno policy of the upstream corpus (suites and chainsaw
/// fixtures) loads and compiles: validation must not refuse a policy
/// Kyverno accepts. Unsupported features are not this test's concern.
#[test]
fn no_corpus_policy_is_refused() {
    let root = corpus_root();
    assert!(root.is_dir(), "corpus expected at {}", root.display());
    let mut files = Vec::new();
    yaml_files(&root, true, &mut files);
    let mut checked = 0;
    let mut refused = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(docs) = verno::unstable::load::documents(&text) else {
            continue;
        };
        for (doc, line) in docs {
            // Chainsaw asserts hold a policy's status only.
            if !verno::unstable::load::is_kyverno_policy(&doc) || doc.get("spec").is_none() {
                continue;
            }
            checked += 1;
            let r = policy_from_value(doc, Some(line))
                .and_then(|p| verno::KyvernoPolicy::compile(p).map(|_| ()));
            match r {
                Ok(()) | Err(LoadError::Unsupported { .. }) => {}
                Err(e) => refused.push(format!("{}: {e}", f.display())),
            }
        }
    }
    assert!(checked > 200, "only {checked} policies found");
    assert!(refused.is_empty(), "{refused:#?}");
}

const HEADER: &str =
    "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n";

/// A policy whose one rule `r1` (line 7) has the given body lines.
fn one_rule(body: &str) -> String {
    format!("{HEADER}  rules:\n  - name: r1\n{body}")
}

const MATCH_PODS: &str = "    match:\n      any:\n      - resources:\n          kinds: [Pod]\n";

struct Expect<'a> {
    policy: &'a str,
    rule: Option<&'a str>,
    field: &'a str,
    line: usize,
    column: usize,
}

fn assert_at(err: &LoadError, want: Expect<'_>) {
    let loc = err.location();
    assert_eq!(loc.policy.as_deref(), Some(want.policy), "{err}");
    assert_eq!(loc.rule.as_deref(), want.rule, "{err}");
    assert_eq!(loc.field.as_deref(), Some(want.field), "{err}");
    assert_eq!(
        (loc.line, loc.column),
        (Some(want.line), Some(want.column)),
        "{err}"
    );
}

fn rejected(text: &str) -> LoadError {
    let err = PolicySet::from_yaml(text).unwrap_err();
    assert!(matches!(err, LoadError::Rejected { .. }), "{err:?}");
    err
}

fn schema_error(text: &str) -> LoadError {
    let err = PolicySet::from_yaml(text).unwrap_err();
    assert!(matches!(err, LoadError::Invalid { .. }), "{err:?}");
    err
}

fn message(err: &LoadError) -> &str {
    match err {
        LoadError::Yaml { message, .. }
        | LoadError::Invalid { message, .. }
        | LoadError::Rejected { message, .. } => message,
        LoadError::Unsupported { feature, .. } => feature,
    }
}

#[test]
fn rule_with_no_operation_is_rejected_at_the_rule() {
    let err = rejected(&one_rule(MATCH_PODS));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0]",
            line: 7,
            column: 5,
        },
    );
    assert_eq!(
        message(&err),
        "spec.rules[0]: Invalid value: v1.Rule{...}: No operation defined in the rule 'r1'.(supported operations: mutate,validate,generate,verifyImages)"
    );
}

#[test]
fn empty_validate_block_is_no_operation() {
    let err = rejected(&one_rule(&format!("{MATCH_PODS}    validate: {{}}\n")));
    assert!(
        message(&err).contains("No operation defined in the rule 'r1'"),
        "{err}"
    );
}

#[test]
fn two_operations_in_one_rule_are_rejected() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      deny: {{}}\n    mutate:\n      patchStrategicMerge: {{a: 1}}\n"
    )));
    assert!(
        message(&err).contains("Multiple operations defined in the rule 'r1'"),
        "{err}"
    );
}

#[test]
fn validate_with_only_a_message_needs_a_check() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      message: hi\n"
    )));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].validate",
            line: 12,
            column: 5,
        },
    );
    assert_eq!(
        message(&err),
        "path: spec.rules[0].validate..: one of pattern, anyPattern, deny, foreach, cel must be specified"
    );
}

#[test]
fn null_pattern_is_no_check() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      message: hi\n      pattern: null\n"
    )));
    assert!(
        message(&err).ends_with("one of pattern, anyPattern, deny, foreach, cel must be specified"),
        "{err}"
    );
}

#[test]
fn pattern_and_deny_together_are_rejected() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      pattern: {{a: 1}}\n      deny: {{}}\n"
    )));
    assert!(
        message(&err)
            .ends_with("only one of pattern, anyPattern, deny, foreach, cel can be specified"),
        "{err}"
    );
}

#[test]
fn empty_match_is_rejected_at_match() {
    let err = rejected(&one_rule("    match: {}\n    validate:\n      deny: {}\n"));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].match",
            line: 8,
            column: 5,
        },
    );
    assert_eq!(
        message(&err),
        "path: spec.rules[0].match.resources.: match resources not specified"
    );
}

#[test]
fn resources_block_with_nothing_in_it_is_rejected_at_that_block() {
    let err = rejected(&one_rule(
        "    match:\n      any:\n      - resources: {}\n    validate:\n      deny: {}\n",
    ));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].match.any[0].resources",
            line: 10,
            column: 9,
        },
    );
    assert_eq!(
        message(&err),
        "path: spec.rules[0].match.resources.: match resources not specified"
    );
}

#[test]
fn match_without_kinds_is_rejected() {
    let err = rejected(&one_rule(
        "    match:\n      any:\n      - resources:\n          names: [x]\n    validate:\n      pattern: {spec: {a: 1}}\n",
    ));
    assert_eq!(
        err.location().field.as_deref(),
        Some("spec.rules[0].match.any[0].resources.kinds")
    );
    assert_eq!(
        message(&err),
        "policy can only deal with the metadata field of the resource if the rule does not match any kind"
    );
}

#[test]
fn foreach_without_a_list_is_rejected_at_the_entry() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      foreach:\n      - deny: {{}}\n"
    )));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].validate.foreach[0]",
            line: 14,
            column: 9,
        },
    );
    assert_eq!(
        message(&err),
        "path: spec.rules[0].validate..: foreach.list is required"
    );
}

#[test]
fn duplicate_rule_names_are_rejected_at_the_second_name() {
    let rule = format!("  - name: r1\n{MATCH_PODS}    validate:\n      deny: {{}}\n");
    let err = rejected(&format!("{HEADER}  rules:\n{rule}{rule}"));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[1].name",
            line: 14,
            column: 5,
        },
    );
    assert!(
        message(&err).ends_with("Duplicate rule name: 'r1'"),
        "{err}"
    );
}

#[test]
fn cluster_policy_with_a_namespace_is_rejected() {
    let text = format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\n  namespace: x\nspec:\n  rules:\n  - name: r1\n{MATCH_PODS}    validate:\n      deny: {{}}\n"
    );
    let err = rejected(&text);
    assert_eq!(err.location().field.as_deref(), Some("metadata.namespace"));
    assert_eq!(
        message(&err),
        "A clusterpolicy should not have the namespace defined"
    );
}

#[test]
fn mutate_of_the_wrong_type_is_a_schema_error() {
    let err = schema_error(&one_rule(&format!("{MATCH_PODS}    mutate: \"x\"\n")));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].mutate",
            line: 12,
            column: 5,
        },
    );
    assert_eq!(
        message(&err),
        "spec.rules[0].mutate: Invalid value: \"string\": spec.rules[0].mutate in body must be of type object: \"string\""
    );
}

#[test]
fn context_entry_of_the_wrong_type_is_a_schema_error() {
    let err = schema_error(&one_rule(&format!(
        "{MATCH_PODS}    context: [1]\n    validate:\n      deny: {{}}\n"
    )));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].context[0]",
            line: 12,
            column: 15,
        },
    );
    assert!(
        message(&err).ends_with("must be of type object: \"integer\""),
        "{err}"
    );
}

#[test]
fn unknown_validation_failure_action_is_a_schema_error() {
    let text = format!("{HEADER}  validationFailureAction: Block\n  rules: []\n");
    let err = schema_error(&text);
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: None,
            field: "spec.validationFailureAction",
            line: 6,
            column: 3,
        },
    );
    assert_eq!(
        message(&err),
        "spec.validationFailureAction: Unsupported value: \"Block\": supported values: \"audit\", \"enforce\", \"Audit\", \"Enforce\""
    );
}

#[test]
fn lowercase_actions_are_accepted_on_the_spec_but_not_on_a_rule() {
    PolicySet::from_yaml(&format!(
        "{HEADER}  validationFailureAction: enforce\n  rules: []\n"
    ))
    .unwrap();
    let err = schema_error(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      failureAction: enforce\n      deny: {{}}\n"
    )));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].validate.failureAction",
            line: 13,
            column: 7,
        },
    );
    assert_eq!(
        message(&err),
        "spec.rules[0].validate.failureAction: Unsupported value: \"enforce\": supported values: \"Audit\", \"Enforce\""
    );
}

#[test]
fn truncated_file_is_an_error_with_a_line() {
    let full = one_rule(&format!("{MATCH_PODS}    validate:\n      deny: {{}}\n"));
    PolicySet::from_yaml(&full).unwrap();
    // Cut inside a flow collection: a YAML error with its position.
    let cut = &full[..full.find("[Pod]").map_or(0, |i| i + 3)];
    let err = PolicySet::from_yaml(cut).unwrap_err();
    assert!(matches!(err, LoadError::Yaml { .. }), "{err:?}");
    assert!(err.location().line.is_some() && err.location().column.is_some());
    // Cut after `match:`: a rule with nothing in it.
    let cut = &full[..full.find("      any").unwrap_or(0)];
    assert!(matches!(
        PolicySet::from_yaml(cut),
        Err(LoadError::Rejected { .. })
    ));
}

#[test]
fn load_text_sets_rejected_policies_aside_and_keeps_the_others() {
    let good = one_rule(&format!("{MATCH_PODS}    validate:\n      deny: {{}}\n"));
    let bad = one_rule(MATCH_PODS).replace("name: p", "name: q");
    let text = format!("{bad}---\n{good}");
    let loaded = load_text(&text).unwrap();
    assert_eq!(loaded.policies.len(), 1);
    assert_eq!(loaded.policies[0].policy.metadata.name, "p");
    assert_eq!(loaded.rejected.len(), 1);
    let loc = loaded.rejected[0].location();
    assert_eq!(loc.policy.as_deref(), Some("q"));
    assert_eq!((loc.line, loc.column), (Some(7), Some(5)));
}

#[test]
fn compile_error_points_at_its_field_with_the_full_path() {
    // A valid policy first: the position is found in the right document.
    let good = one_rule(&format!("{MATCH_PODS}    validate:\n      deny: {{}}\n"))
        .replace("name: p", "name: q");
    let bad = one_rule(&format!(
        "{MATCH_PODS}    validate:\n      foreach: \"x\"\n"
    ));
    let text = format!("{good}---\n{bad}");
    let (policies, _) = verno::unstable::load::load_all(&text).unwrap();
    let err = PolicySet::compile(policies).unwrap_err();
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].validate.foreach",
            line: 27,
            column: 7,
        },
    );
    let shown = err.with_file("policy.yaml").to_string();
    assert!(
        shown.starts_with(
            "policy.yaml:27:7, policy p, rule r1, field spec.rules[0].validate.foreach: "
        ),
        "{shown}"
    );
}

#[test]
fn load_error_in_a_later_document_points_at_its_field() {
    let good = one_rule(&format!("{MATCH_PODS}    validate:\n      deny: {{}}\n"));
    let bad =
        one_rule("    match: {any: [{resources: {kinds: Pod}}]}\n    validate:\n      deny: {}\n");
    let err = PolicySet::from_yaml(&format!("{good}---\n{bad}")).unwrap_err();
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].match.any[0].resources.kinds",
            line: 22,
            column: 32,
        },
    );
}

#[test]
fn context_entry_problems_are_rejected_at_the_entry() {
    let cases = [
        ("- variable: {value: 1}", "a name is required for context entries"),
        (
            "- name: request.x\n      variable: {value: 1}",
            "entry name request.x is invalid as it conflicts with a pre-defined variable request",
        ),
        (
            "- name: x\n      variable: {value: 1}\n      configMap: {name: a, namespace: b}",
            "exactly one of configMap or apiCall or imageRegistry or variable is required for context entries",
        ),
        ("- name: x\n      configMap: {name: a}", "a namespace is required for configMap context entry"),
        ("- name: x\n      variable: {}", "a variable must define a value or a jmesPath expression"),
        (
            "- name: x\n      variable: {value: 1, default: 2}",
            "a variable must define a default value only when a jmesPath expression is defined",
        ),
    ];
    for (entry, want) in cases {
        let err = rejected(&one_rule(&format!(
            "{MATCH_PODS}    context:\n    {entry}\n    validate:\n      deny: {{}}\n"
        )));
        assert_at(
            &err,
            Expect {
                policy: "p",
                rule: Some("r1"),
                field: "spec.rules[0].context[0]",
                line: 13,
                column: 7,
            },
        );
        assert_eq!(message(&err), format!("path: spec.rules[0]: {want}"));
    }
}

fn mutate_rule(mutate: &str) -> String {
    one_rule(&format!("{MATCH_PODS}    mutate:\n{mutate}"))
}

#[test]
fn json_patch_path_without_a_leading_slash_is_rejected() {
    let err = rejected(&mutate_rule(
        "      patchesJson6902: |-\n        - op: add\n          path: metadata/labels/x\n          value: y\n",
    ));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].mutate.patchesJson6902",
            line: 13,
            column: 7,
        },
    );
    assert_eq!(
        message(&err),
        "path must begin with a forward slash: spec.rules[0]: metadata/labels/x"
    );
}

#[test]
fn json_patch_with_an_unknown_op_or_a_missing_value_is_rejected() {
    let err = rejected(&mutate_rule(
        "      patchesJson6902: |-\n        - op: merge\n          path: /metadata\n          value: {}\n",
    ));
    assert_eq!(message(&err), "unexpected kind: spec.rules[0]: merge");
    let err = rejected(&mutate_rule(
        "      patchesJson6902: |-\n        - op: add\n          path: /metadata/labels/{{ request.object.kind }}\n",
    ));
    assert_eq!(
        message(&err),
        "invalid value: spec.rules[0]: operation, missing value field: missing value"
    );
}

#[test]
fn mutate_foreach_mixed_with_a_patch_is_rejected() {
    let err = rejected(&mutate_rule(
        "      patchStrategicMerge: {metadata: {labels: {a: b}}}\n      foreach:\n      - list: x\n        patchStrategicMerge: {}\n",
    ));
    assert_eq!(
        message(&err),
        "path: spec.rules[0].mutate.foreach.: only one of `foreach`, `patchStrategicMerge`, or `patchesJson6902` is allowed"
    );
}

#[test]
fn mutate_foreach_entry_without_a_patch_is_rejected_at_the_entry() {
    let err = rejected(&mutate_rule("      foreach:\n      - list: x\n"));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].mutate.foreach[0]",
            line: 14,
            column: 9,
        },
    );
    assert_eq!(
        message(&err),
        "path: spec.rules[0].mutate.foreach[0].: only one of `patchStrategicMerge` or `patchesJson6902` is allowed"
    );
    let err = rejected(&mutate_rule(
        "      foreach:\n      - list: x\n        patchStrategicMerge: {}\n        foreach:\n        - list: y\n          patchStrategicMerge: {}\n",
    ));
    assert_eq!(
        message(&err),
        "path: spec.rules[0].mutate.foreach[0].: a nested foreach cannot contain other declarations"
    );
}

#[test]
fn many_refused_policies_load_without_rereading_the_text_for_each() {
    let doc = one_rule(MATCH_PODS);
    let text = vec![doc.as_str(); 20_000].join("---\n");
    let started = std::time::Instant::now();
    let loaded = load_text(&text).unwrap();
    assert_eq!(loaded.rejected.len(), 20_000);
    // The first ones point at their rule; the rest keep their document line.
    assert_eq!(loaded.rejected[0].location().column, Some(5));
    let last = loaded.rejected[19_999].location();
    assert_eq!((last.line, last.column), (Some(19_999 * 12 + 1), None));
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}

#[test]
fn add_anchor_in_a_validate_pattern_is_rejected() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      pattern:\n        metadata:\n          +(team): a\n"
    )));
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].validate.pattern.metadata.+(team)",
            line: 15,
            column: 11,
        },
    );
    assert_eq!(
        message(&err),
        "path: spec.rules[0].validate.pattern.//metadata/+(team).: unsupported anchor +(team)"
    );
}

#[test]
fn existence_anchor_needs_a_non_empty_list() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      anyPattern:\n      - spec:\n          ^(containers): []\n"
    )));
    assert_eq!(
        message(&err),
        "path: spec.rules[0].validate.anyPattern[0].//spec/^(containers).: existence anchor: should have at least one value"
    );
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      pattern:\n        spec:\n          containers:\n          - ^(ports): {{a: 1}}\n"
    )));
    assert_eq!(
        message(&err),
        "path: spec.rules[0].validate.pattern.//spec/containers0//^(ports).: existence anchor should have value of type list"
    );
}

#[test]
fn any_pattern_that_is_not_a_list_is_rejected() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      anyPattern: {{a: 1}}\n"
    )));
    assert_eq!(
        message(&err),
        "path: spec.rules[0].validate.anyPattern.: failed to deserialize anyPattern, expect array: json: cannot unmarshal object into Go value of type []interface {}"
    );
}

#[test]
fn generate_target_without_kind_name_or_namespace_is_rejected() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    generate:\n      apiVersion: v1\n      kind: ConfigMap\n      data: {{a: 1}}\n"
    )));
    assert_eq!(
        message(&err),
        "[spec.rules[0].namespace: Forbidden: target namespace must be set for a namespaced resource, spec.rules[0].name: Forbidden: name can not be empty]"
    );
    assert_eq!(
        err.location().field.as_deref(),
        Some("spec.rules[0].generate.namespace")
    );
}

#[test]
fn generate_with_data_and_clone_is_rejected() {
    let err = rejected(&one_rule(&format!(
        "{MATCH_PODS}    generate:\n      apiVersion: v1\n      kind: ConfigMap\n      name: c\n      namespace: d\n      data: {{a: 1}}\n      clone: {{name: x, namespace: y}}\n"
    )));
    assert_eq!(
        message(&err),
        "spec.rules[0]: Forbidden: only one of generate patterns(data, clone, cloneList and foreach) can be specified"
    );
}

#[test]
fn nested_foreach_compile_error_names_the_nested_field_and_its_position() {
    let err = PolicySet::from_yaml(&one_rule(&format!(
        "{MATCH_PODS}    validate:\n      foreach:\n      - list: a\n        foreach:\n        - list: b\n          elementScope: maybe\n          deny: {{}}\n"
    )))
    .unwrap_err();
    assert!(matches!(err, LoadError::Invalid { .. }), "{err:?}");
    assert_at(
        &err,
        Expect {
            policy: "p",
            rule: Some("r1"),
            field: "spec.rules[0].validate.foreach[0].foreach[0].elementScope",
            line: 17,
            column: 11,
        },
    );
}
