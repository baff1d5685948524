//! The mutation primitives (`verno::unstable::patch`): Kyverno's patchStrategicMerge,
//! patchesJson6902 and the AdmissionReview diff, pinned one behaviour per test,
//! plus the variable-free mutate suites of the corpus checked end to end.

use serde_json::{json, Value};
use verno::unstable::patch::{apply_json6902, diff, strategic_merge, MutateError};

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": spec})
}

fn deployment(pod_spec: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "d"}}, "spec": pod_spec}}
    })
}

fn smp(resource: &Value, patch: Value) -> Value {
    strategic_merge(resource, &patch).unwrap_or_else(|e| panic!("{e}"))
}

fn j6902(resource: &Value, ops: &str) -> Result<Value, String> {
    apply_json6902(resource, ops).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------
// patchStrategicMerge: anchors
// ---------------------------------------------------------------------------

#[test]
fn add_if_not_present_anchor_only_adds_when_absent() {
    let base = pod(json!({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a"}]}));
    let out = smp(
        &base,
        json!({"spec": {"securityContext": {"+(runAsUser)": 1000, "+(runAsNonRoot)": true}}}),
    );
    assert_eq!(
        out["spec"]["securityContext"],
        json!({"runAsUser": 0, "runAsNonRoot": true})
    );
    // Absent key: added; present key with a null value counts as present.
    let base = pod(json!({"priorityClassName": null, "containers": [{"name": "a"}]}));
    let out = smp(
        &base,
        json!({"spec": {"+(priorityClassName)": "high", "+(dnsPolicy)": "None"}}),
    );
    assert_eq!(out["spec"]["priorityClassName"], Value::Null);
    assert_eq!(out["spec"]["dnsPolicy"], "None");
}

#[test]
fn add_if_not_present_anchor_adds_a_whole_missing_map() {
    let base = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}});
    let out = smp(&base, json!({"metadata": {"labels": {"+(team)": "core"}}}));
    assert_eq!(
        out["metadata"],
        json!({"name": "ns", "labels": {"team": "core"}})
    );
}

#[test]
fn conditional_anchor_failing_at_map_level_empties_the_whole_patch() {
    let base = pod(json!({"containers": [{"name": "a", "image": "nginx"}]}));
    let patch = json!({
        "metadata": {"labels": {"(app)": "web", "patched": "yes"}},
        "spec": {"hostNetwork": false}
    });
    // No `app` label: the whole patch is dropped, including the unrelated spec field.
    assert_eq!(smp(&base, patch.clone()), base);
    // A mismatching value does the same.
    let mut labelled = base.clone();
    labelled["metadata"]["labels"] = json!({"app": "db"});
    assert_eq!(smp(&labelled, patch.clone()), labelled);
    // A matching one applies everything but the condition itself.
    labelled["metadata"]["labels"] = json!({"app": "web"});
    let out = smp(&labelled, patch);
    assert_eq!(
        out["metadata"]["labels"],
        json!({"app": "web", "patched": "yes"})
    );
    assert_eq!(out["spec"]["hostNetwork"], false);
}

#[test]
fn conditional_anchor_uses_pattern_operators_and_wildcards() {
    let base = deployment(json!({"containers": [{"name": "a"}]}));
    let out = smp(&base, json!({"spec": {"(replicas)": "<3", "paused": true}}));
    assert_eq!(out["spec"]["paused"], true);
    let out = smp(&base, json!({"spec": {"(replicas)": ">3", "paused": true}}));
    assert_eq!(out, base);
    let out = smp(
        &base,
        json!({"metadata": {"(name)": "d*", "labels": {"x": "y"}}}),
    );
    assert_eq!(out["metadata"]["labels"], json!({"x": "y"}));
}

#[test]
fn conditional_anchors_in_list_elements_apply_to_each_matching_container_by_name() {
    let base = pod(json!({"containers": [
        {"name": "web", "image": "nginx:latest"},
        {"name": "cache", "image": "redis:7"},
        {"name": "proxy", "image": "envoy:latest"}
    ]}));
    let out = smp(
        &base,
        json!({"spec": {"containers": [{"(image)": "*:latest", "imagePullPolicy": "Always"}]}}),
    );
    assert_eq!(
        out["spec"]["containers"],
        json!([
            {"name": "web", "image": "nginx:latest", "imagePullPolicy": "Always"},
            {"name": "proxy", "image": "envoy:latest", "imagePullPolicy": "Always"},
            {"name": "cache", "image": "redis:7"}
        ])
    );
}

#[test]
fn conditional_list_element_matching_nothing_changes_nothing() {
    let base = pod(json!({"containers": [{"name": "web", "image": "nginx:1"}]}));
    let patch =
        json!({"spec": {"containers": [{"(image)": "*:latest", "imagePullPolicy": "Always"}]}});
    assert_eq!(smp(&base, patch), base);
}

#[test]
fn global_anchor_with_no_match_drops_the_patch() {
    let base = pod(json!({"containers": [{"name": "web", "image": "docker.io/nginx"}]}));
    let patch = json!({"spec": {
        "containers": [{"<(image)": "corp.reg.com/*"}],
        "imagePullSecrets": [{"name": "regcred"}]
    }});
    assert_eq!(smp(&base, patch), base);
}

#[test]
fn global_anchor_with_a_match_applies_the_rest_of_the_patch() {
    let base = pod(json!({"containers": [
        {"name": "web", "image": "docker.io/nginx"},
        {"name": "app", "image": "corp.reg.com/app"}
    ]}));
    let patch = json!({"spec": {
        "containers": [{"<(image)": "corp.reg.com/*"}],
        "imagePullSecrets": [{"name": "regcred"}]
    }});
    let out = smp(&base, patch);
    assert_eq!(
        out["spec"]["imagePullSecrets"],
        json!([{"name": "regcred"}])
    );
    assert_eq!(out["spec"]["containers"], base["spec"]["containers"]);
}

#[test]
fn global_anchor_on_a_missing_key_drops_the_patch() {
    let base = pod(json!({"containers": [{"name": "web"}]}));
    let patch = json!({
        "metadata": {"annotations": {"+(safe-to-evict)": "true"}},
        "spec": {"volumes": [{"<(emptyDir)": {}}]}
    });
    assert_eq!(smp(&base, patch.clone()), base);
    let with_volume =
        pod(json!({"containers": [{"name": "web"}], "volumes": [{"name": "v", "emptyDir": {}}]}));
    let out = smp(&with_volume, patch);
    assert_eq!(
        out["metadata"]["annotations"],
        json!({"safe-to-evict": "true"})
    );
    assert_eq!(out["spec"]["volumes"], with_volume["spec"]["volumes"]);
}

#[test]
fn add_if_not_present_inside_anchored_list_elements() {
    let base = deployment(json!({"containers": [
        {"name": "a", "resources": {"limits": {"cpu": "50m"}}},
        {"name": "b"}
    ]}));
    let out = smp(
        &base,
        json!({"spec": {"template": {"spec": {"containers": [
            {"(name)": "*", "resources": {"limits": {"+(memory)": "300Mi", "+(cpu)": "100m"}}}
        ]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([
            {"name": "a", "resources": {"limits": {"cpu": "50m", "memory": "300Mi"}}},
            // The working copy lost `+(cpu)` at the first container, as in Kyverno.
            {"name": "b", "resources": {"limits": {"memory": "300Mi"}}}
        ])
    );
}

// ---------------------------------------------------------------------------
// patchStrategicMerge: the kyaml merge
// ---------------------------------------------------------------------------

#[test]
fn containers_merged_by_name_args_replaced() {
    let base = deployment(json!({"containers": [
        {"name": "app", "image": "app:1", "args": ["--a", "--b"], "env": [{"name": "X", "value": "1"}]},
        {"name": "side", "image": "side:1"}
    ]}));
    let out = smp(
        &base,
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "args": ["--c"], "env": [{"name": "Y", "value": "2"}, {"name": "X", "value": "9"}]}
        ]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([
            {"name": "app", "image": "app:1", "args": ["--c"],
             "env": [{"name": "Y", "value": "2"}, {"name": "X", "value": "9"}]},
            {"name": "side", "image": "side:1"}
        ])
    );
}

#[test]
fn new_list_elements_are_prepended_in_patch_order() {
    let base = pod(
        json!({"containers": [{"name": "main"}], "volumes": [{"name": "data", "emptyDir": {}}]}),
    );
    let out = smp(
        &base,
        json!({"spec": {
            "containers": [{"name": "s1"}, {"name": "s2"}],
            "volumes": [{"name": "cfg", "configMap": {"name": "c"}}]
        }}),
    );
    assert_eq!(
        out["spec"]["containers"],
        json!([{"name": "s1"}, {"name": "s2"}, {"name": "main"}])
    );
    assert_eq!(
        out["spec"]["volumes"],
        json!([{"name": "cfg", "configMap": {"name": "c"}}, {"name": "data", "emptyDir": {}}])
    );
}

#[test]
fn volume_mounts_merge_by_mount_path_and_ports_by_port_and_protocol() {
    let base = pod(json!({"containers": [{
        "name": "a",
        "volumeMounts": [{"name": "v", "mountPath": "/data"}],
        "ports": [{"containerPort": 80, "protocol": "TCP"}]
    }]}));
    let out = smp(
        &base,
        json!({"spec": {"containers": [{
            "name": "a",
            "volumeMounts": [{"name": "v2", "mountPath": "/data", "readOnly": true}],
            "ports": [{"containerPort": 80, "protocol": "UDP"}]
        }]}}),
    );
    let c = &out["spec"]["containers"][0];
    assert_eq!(
        c["volumeMounts"],
        json!([{"name": "v2", "mountPath": "/data", "readOnly": true}])
    );
    assert_eq!(
        c["ports"],
        json!([{"containerPort": 80, "protocol": "UDP"}, {"containerPort": 80, "protocol": "TCP"}])
    );
}

#[test]
fn service_ports_merge_by_port_and_protocol() {
    let svc = json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}, {"port": 443, "protocol": "TCP"}]}
    });
    let out = smp(
        &svc,
        json!({"spec": {"ports": [{"port": 443, "protocol": "TCP", "targetPort": 8443}, {"port": 53, "protocol": "UDP"}]}}),
    );
    // With two merge keys kyaml re-appends every resource element in resource
    // order, so only new elements move to the front.
    assert_eq!(
        out["spec"]["ports"],
        json!([
            {"port": 53, "protocol": "UDP"},
            {"port": 80, "protocol": "TCP", "targetPort": 8080},
            {"port": 443, "protocol": "TCP", "targetPort": 8443}
        ])
    );
}

#[test]
fn cronjob_pod_template_lists_merge_by_name() {
    let cj = json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "containers": [{"name": "job", "image": "busybox"}], "restartPolicy": "Never"
        }}}}}
    });
    let out = smp(
        &cj,
        json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "containers": [{"name": "job", "imagePullPolicy": "Always"}]
        }}}}}}),
    );
    assert_eq!(
        out["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"],
        json!([{"name": "job", "image": "busybox", "imagePullPolicy": "Always"}])
    );
}

#[test]
fn lists_without_merge_strategy_are_replaced() {
    let base = pod(json!({
        "containers": [{"name": "a", "command": ["sh"]}],
        "tolerations": [{"key": "k1", "operator": "Exists"}]
    }));
    let out = smp(
        &base,
        json!({"spec": {"tolerations": [{"key": "k2", "operator": "Exists"}]}}),
    );
    assert_eq!(
        out["spec"]["tolerations"],
        json!([{"key": "k2", "operator": "Exists"}])
    );
}

#[test]
fn crd_list_replaced() {
    let cr = json!({
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
        "spec": {"containers": [{"name": "a", "image": "x"}], "items": [1, 2]}
    });
    let out = smp(
        &cr,
        json!({"spec": {"containers": [{"name": "b"}], "items": [3]}}),
    );
    assert_eq!(
        out["spec"],
        json!({"containers": [{"name": "b"}], "items": [3]})
    );
}

#[test]
fn finalizers_and_owner_references_merge() {
    let cm = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": ["a"], "ownerReferences": [{"uid": "1", "name": "x"}]}
    });
    let out = smp(
        &cm,
        json!({"metadata": {"finalizers": ["b", "a"], "ownerReferences": [{"uid": "2", "name": "y"}]}}),
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["b", "a"]));
    assert_eq!(
        out["metadata"]["ownerReferences"],
        json!([{"uid": "2", "name": "y"}, {"uid": "1", "name": "x"}])
    );
}

#[test]
fn null_deletes_a_key() {
    let base = pod(
        json!({"containers": [{"name": "a", "securityContext": {"privileged": true, "runAsUser": 0}}]}),
    );
    let mut with_labels = base.clone();
    with_labels["metadata"]["labels"] = json!({"a": "1", "b": "2"});
    let out = smp(
        &with_labels,
        json!({"metadata": {"labels": {"a": null}}, "spec": {"containers": [{"name": "a", "securityContext": {"privileged": null}}]}}),
    );
    assert_eq!(out["metadata"]["labels"], json!({"b": "2"}));
    assert_eq!(
        out["spec"]["containers"][0]["securityContext"],
        json!({"runAsUser": 0})
    );
    // Deleting an absent key is a no-op, and nulls already in the resource stay.
    let mut with_null = base.clone();
    with_null["metadata"]["creationTimestamp"] = Value::Null;
    let out = smp(&with_null, json!({"metadata": {"missing": null}}));
    assert_eq!(out, with_null);
}

#[test]
fn patch_delete_directive_on_map_and_list_element() {
    let base = pod(json!({
        "containers": [{"name": "a"}, {"name": "b"}],
        "securityContext": {"runAsUser": 0}
    }));
    let out = smp(
        &base,
        json!({"spec": {"securityContext": {"$patch": "delete"}, "containers": [{"name": "b", "$patch": "delete"}]}}),
    );
    assert!(out["spec"].get("securityContext").is_none());
    assert_eq!(out["spec"]["containers"], json!([{"name": "a"}]));
}

#[test]
fn patch_replace_directive_on_map_and_list() {
    let base = pod(json!({
        "containers": [{"name": "a"}, {"name": "b"}],
        "nodeSelector": {"x": "1", "y": "2"}
    }));
    let out = smp(
        &base,
        json!({"spec": {
            "nodeSelector": {"$patch": "replace", "z": "3"},
            "containers": [{"$patch": "replace"}, {"name": "c"}]
        }}),
    );
    assert_eq!(out["spec"]["nodeSelector"], json!({"z": "3"}));
    assert_eq!(out["spec"]["containers"], json!([{"name": "c"}]));
}

#[test]
fn empty_map_in_a_patch_is_dropped_by_preprocessing() {
    let base = pod(json!({"containers": [{"name": "a"}]}));
    let out = smp(
        &base,
        json!({"spec": {"volumes": [{"name": "cache", "emptyDir": {}}]}}),
    );
    assert_eq!(out["spec"]["volumes"], json!([{"name": "cache"}]));
}

#[test]
fn type_mismatch_is_a_merge_error() {
    let base = pod(json!({"containers": [{"name": "a"}]}));
    let err = strategic_merge(&base, &json!({"spec": {"containers": {"name": "a"}}})).unwrap_err();
    assert!(matches!(err, MutateError::Merge(_)), "{err:?}");
    assert!(
        err.to_string().starts_with(
            "failed to patch resource: wrong node kind: expected SequenceNode but got MappingNode"
        ),
        "{err}"
    );
}

#[test]
fn anchored_list_against_a_map_is_a_preprocess_error() {
    let base = pod(json!({"containers": {"a": 1}}));
    let err = strategic_merge(
        &base,
        &json!({"spec": {"containers": [{"(name)": "*", "x": 1}]}}),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("failed to patch resource: failed to preProcess rule: wrong node kind"),
        "{err}"
    );
}

#[test]
fn hostile_inputs_never_panic() {
    let deep = |n: usize| {
        let mut v = json!(1);
        for _ in 0..n {
            v = json!({"a": v});
        }
        v
    };
    let too_deep = deep(verno::unstable::patch::MAX_DEPTH + 5);
    assert_eq!(
        strategic_merge(&too_deep, &json!({})),
        Err(MutateError::TooDeep)
    );
    assert_eq!(
        strategic_merge(&json!({}), &too_deep),
        Err(MutateError::TooDeep)
    );
    assert_eq!(apply_json6902(&too_deep, "[]"), Err(MutateError::TooDeep));
    let long_path = format!(
        "[{{\"op\": \"add\", \"path\": \"{}\", \"value\": 1}}]",
        "/a".repeat(5000)
    );
    assert!(apply_json6902(&json!({}), &long_path).is_err());
    assert_eq!(diff(&too_deep, &json!({})).len(), 1);
    // Within the bound, deep documents work, even on a 2 MiB thread stack.
    let ok = deep(verno::unstable::patch::MAX_DEPTH - 2);
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            assert_eq!(
                strategic_merge(&ok, &json!({"b": 1})).map(|v| v["b"].clone()),
                Ok(json!(1))
            );
            assert_eq!(strategic_merge(&ok, &ok).as_ref(), Ok(&ok));
            assert_eq!(
                diff(&json!({}), &ok),
                vec![json!({"op": "add", "path": "/a", "value": ok["a"]})]
            );
            assert_eq!(apply_json6902(&ok, "[]").as_ref(), Ok(&ok));
        })
        .and_then(|h| h.join().map_err(|_| std::io::Error::other("panicked")))
        .unwrap();
    let odd_patches = [
        json!(null),
        json!([1, 2]),
        json!("x"),
        json!({"spec": {"containers": [1, {"(name)": "a"}, null, [], "(x)"]}}),
        json!({"spec": {"containers": [{"$patch": 5}]}}),
        json!({"spec": {"containers": [{"name": {"a": 1}}, {"name": null}, {}]}}),
        json!({"spec": {"containers": [{"name": "a", "ports": [{"protocol": "TCP"}, 7]}]}}),
        json!({"metadata": {"finalizers": [{"a": 1}, "x"]}}),
        json!({"spec": {"+(a)": 1, "(b)": {"+(c)": 2}, "<(d)": [], "X(e)": 1, "=(f)": {}}}),
        json!({"$patch": "replace"}),
        json!({"spec": null}),
    ];
    let bases = [
        pod(
            json!({"containers": [{"name": "a", "ports": [{"containerPort": 1}]}, {"image": "x"}, null, 3]}),
        ),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"finalizers": [1, {"x": 2}, null]}}),
        json!({}),
    ];
    for base in &bases {
        for p in &odd_patches {
            let _ = strategic_merge(base, p);
            let _ = apply_json6902(base, &p.to_string());
        }
    }
}

// ---------------------------------------------------------------------------
// patchesJson6902
// ---------------------------------------------------------------------------

#[test]
fn json6902_add_creates_missing_parents() {
    let base = pod(json!({"containers": [{"name": "a"}]}));
    let out = j6902(
        &base,
        "- op: add\n  path: /spec/affinity/nodeAffinity/terms/0/key\n  value: zone\n",
    );
    assert_eq!(
        out.map(|v| v["spec"]["affinity"].clone()),
        Ok(json!({"nodeAffinity": {"terms": [{"key": "zone"}]}}))
    );
}

#[test]
fn json6902_add_with_negative_indices_builds_lists() {
    let base = deployment(json!({"containers": [{"name": "a"}]}));
    let ops = r#"[{"op": "add", "path": "/spec/template/spec/affinity/nodeAffinity/required/terms/-1/exprs/-1", "value": {"key": "z"}}]"#;
    assert_eq!(
        j6902(&base, ops).map(|v| v["spec"]["template"]["spec"]["affinity"].clone()),
        Ok(json!({"nodeAffinity": {"required": {"terms": [{"exprs": [{"key": "z"}]}]}}}))
    );
}

#[test]
fn json6902_remove_of_missing_path_is_ok() {
    let base = pod(json!({"containers": [{"name": "a"}]}));
    let ops = "[{\"op\": \"remove\", \"path\": \"/spec/priority\"}, {\"op\": \"remove\", \"path\": \"/spec/x/y/z\"}, {\"op\": \"remove\", \"path\": \"/spec/containers/5\"}]";
    assert_eq!(j6902(&base, ops), Ok(base));
}

#[test]
fn json6902_replace_on_missing_path_errors_with_kyverno_text() {
    let base = pod(json!({"containers": [{"name": "a"}]}));
    assert_eq!(
        j6902(&base, r#"[{"op": "replace", "path": "/spec/dnsPolicy", "value": "None"}]"#),
        Err("failed to patch resource: replace operation does not apply: doc is missing key: /spec/dnsPolicy: missing value".into())
    );
    assert_eq!(
        j6902(&base, r#"[{"op": "replace", "path": "/spec/nope/x", "value": 1}]"#),
        Err("failed to patch resource: replace operation does not apply: doc is missing path: /spec/nope/x: missing value".into())
    );
    assert_eq!(
        j6902(
            &base,
            r#"[{"op": "test", "path": "/spec/containers/0/name", "value": "b"}]"#
        ),
        Err(
            "failed to patch resource: testing value /spec/containers/0/name failed: test failed"
                .into()
        )
    );
}

#[test]
fn json6902_dash_appends() {
    let base = pod(json!({"containers": [{"name": "a"}], "tolerations": [{"key": "k"}]}));
    let out = j6902(&base, "- op: add\n  path: /spec/tolerations/-\n  value: {key: k2}\n- op: add\n  path: /spec/containers/-\n  value: {name: b}\n");
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out["spec"]["tolerations"],
        json!([{"key": "k"}, {"key": "k2"}])
    );
    assert_eq!(
        out["spec"]["containers"],
        json!([{"name": "a"}, {"name": "b"}])
    );
}

#[test]
fn json6902_tilde_escapes_in_paths() {
    let base = json!({"metadata": {"annotations": {"a/b": "1", "c~d": "2"}}});
    let ops = r#"[
        {"op": "replace", "path": "/metadata/annotations/a~1b", "value": "x"},
        {"op": "remove", "path": "/metadata/annotations/c~0d"},
        {"op": "add", "path": "/metadata/annotations/e~1f~0g", "value": "y"}
    ]"#;
    assert_eq!(
        j6902(&base, ops),
        Ok(json!({"metadata": {"annotations": {"a/b": "x", "e/f~g": "y"}}}))
    );
}

#[test]
fn json6902_negative_index() {
    let base = json!({"l": [1, 2, 3]});
    assert_eq!(
        j6902(&base, r#"[{"op": "replace", "path": "/l/-1", "value": 9}]"#),
        Ok(json!({"l": [1, 2, 9]}))
    );
    assert_eq!(
        j6902(&base, r#"[{"op": "remove", "path": "/l/-3"}]"#),
        Ok(json!({"l": [2, 3]}))
    );
    assert_eq!(
        j6902(&base, r#"[{"op": "add", "path": "/l/-1", "value": 4}]"#),
        Ok(json!({"l": [1, 2, 3, 4]}))
    );
    assert_eq!(
        j6902(&base, r#"[{"op": "remove", "path": "/l/-9"}]"#),
        Ok(base.clone())
    );
    assert_eq!(
        j6902(&base, r#"[{"op": "replace", "path": "/l/-4", "value": 0}]"#),
        Err("failed to patch resource: replace operation does not apply: doc is missing key: /l/-4: missing value".into())
    );
}

#[test]
fn json6902_yaml_reads_like_kyverno() {
    // YAML 1.1 scalars (sigs.k8s.io/yaml): `on` is a boolean, `0644` octal.
    let out = j6902(
        &json!({}),
        "- op: add\n  path: /a\n  value: on\n- op: add\n  path: /b\n  value: 0644\n",
    );
    assert_eq!(out, Ok(json!({"a": true, "b": 420})));
    assert!(j6902(&json!({}), "- op: add\n  path: [\n").is_err_and(|e| e.starts_with(
        "failed to patch resource: failed to convert patchesJSON6902 to JSON: error converting YAML to JSON: "
    )));
    assert_eq!(j6902(&json!({"a": 1}), "# nothing\n"), Ok(json!({"a": 1})));
}

#[test]
fn json6902_move_copy_and_test() {
    let base = json!({"spec": {"a": {"x": 1}, "list": ["p", "q"]}});
    let ops = r#"[
        {"op": "test", "path": "/spec/a/x", "value": 1},
        {"op": "copy", "from": "/spec/a", "path": "/spec/b"},
        {"op": "move", "from": "/spec/list/0", "path": "/spec/list/-"}
    ]"#;
    assert_eq!(
        j6902(&base, ops),
        Ok(json!({"spec": {"a": {"x": 1}, "b": {"x": 1}, "list": ["q", "p"]}}))
    );
}

// ---------------------------------------------------------------------------
// diff
// ---------------------------------------------------------------------------

fn assert_round_trip(from: &Value, to: &Value) {
    let ops = diff(from, to);
    let text = Value::Array(ops.clone()).to_string();
    let applied = apply_json6902(from, &text).unwrap_or_else(|e| panic!("{e}\nops: {text}"));
    assert_eq!(&applied, to, "ops: {text}");
    if from == to {
        assert!(ops.is_empty(), "{text}");
    }
}

#[test]
fn diff_round_trip() {
    let base =
        deployment(json!({"containers": [{"name": "a", "image": "x", "args": ["1", "2", "3"]}]}));
    let patched = smp(
        &base,
        json!({"metadata": {"labels": {"a/b": "c", "t~": "u"}}, "spec": {"template": {"spec": {
            "containers": [{"name": "b"}, {"name": "a", "args": ["2", "4"]}],
            "volumes": [{"name": "v"}]
        }}}}),
    );
    let pairs = [
        (base.clone(), patched.clone()),
        (patched, base.clone()),
        (json!({"a": [1, 2, 3, 4]}), json!({"a": [4, 3, 2, 1]})),
        (
            json!({"a": [{"k": 1}, {"k": 2}]}),
            json!({"a": [{"k": 2}, {"k": 3}, {"k": 1}]}),
        ),
        (json!({"a": [[1], [2]]}), json!({"a": [[2], [1], [3]]})),
        (
            json!({"a": null, "b": [null, 1]}),
            json!({"a": 1, "b": [1, null]}),
        ),
        (json!({"a": {"b": 1}}), json!({"a": [1]})),
        (
            json!({"": {"x": 1}, "a": ""}),
            json!({"": {"x": 2}, "a": "b"}),
        ),
        (
            json!({"a": [1, {"b": [1, 2]}, "c"]}),
            json!({"a": [{"b": [2]}, "c", 1]}),
        ),
        (base.clone(), base),
    ];
    for (a, b) in &pairs {
        assert_round_trip(a, b);
    }
}

#[test]
fn diff_round_trip_on_generated_documents() {
    // A small deterministic generator: documents that share structure, so the
    // diff has nested work to do.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    fn gen(next: &mut dyn FnMut(u64) -> u64, depth: u32) -> Value {
        match if depth > 3 { next(4) } else { next(7) } {
            0 => Value::Null,
            1 => json!(next(3) == 0),
            2 => json!(next(5)),
            3 => json!(["a", "b", "c", "d"][next(4) as usize]),
            4 | 5 => Value::Array((0..next(5)).map(|_| gen(next, depth + 1)).collect()),
            _ => Value::Object(
                (0..next(5))
                    .map(|_| {
                        (
                            ["x", "y", "z", "a/b", "~"][next(5) as usize].to_string(),
                            gen(next, depth + 1),
                        )
                    })
                    .collect(),
            ),
        }
    }
    for _ in 0..400 {
        let a = gen(&mut next, 0);
        let b = gen(&mut next, 0);
        let (a, b) = (json!({"r": a}), json!({"r": b}));
        assert_round_trip(&a, &b);
    }
}

#[test]
fn diff_uses_index_ops_for_kyverno_style_patches() {
    let from = deployment(
        json!({"containers": [{"name": "wordpress", "image": "wp", "ports": [{"containerPort": 80}]}]}),
    );
    let to = smp(
        &from,
        json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}, {"name": "wordpress"}]}}}}),
    );
    let ops = diff(&from, &to);
    assert_eq!(
        ops,
        vec![
            json!({"op": "add", "path": "/spec/template/spec/containers/1", "value": {"name": "wordpress", "image": "wp", "ports": [{"containerPort": 80}]}}),
            json!({"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx"}),
            json!({"op": "replace", "path": "/spec/template/spec/containers/0/name", "value": "nginx"}),
            json!({"op": "remove", "path": "/spec/template/spec/containers/0/ports"}),
        ]
    );
}

// ---------------------------------------------------------------------------
// Corpus: variable-free mutate suites, patched exactly as kyverno test expects
// ---------------------------------------------------------------------------

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/corpus/kyverno-policies"
);

fn read_docs(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    verno::unstable::yaml::parse_documents(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .map(|d| d.value)
        .collect()
}

/// Kyverno CLI's comparison: `Tidy` (drop nulls and empty maps/lists), with
/// the CLI's default namespace on namespaced resources.
fn tidy(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let out: serde_json::Map<String, Value> = m
                .iter()
                .filter_map(|(k, v)| tidy(v).map(|v| (k.clone(), v)))
                .collect();
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(a) => {
            let out: Vec<Value> = a.iter().filter_map(tidy).collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

fn normalise(v: &Value) -> Value {
    let mut v = tidy(v).unwrap_or(Value::Null);
    if v["kind"] != "Namespace" && v["metadata"].get("namespace").is_none() {
        if let Some(m) = v["metadata"].as_object_mut() {
            m.insert("namespace".into(), json!("default"));
        }
    }
    v
}

fn rule_kinds(rule: &Value) -> Vec<String> {
    let m = &rule["match"];
    let blocks: Vec<&Value> = m["any"]
        .as_array()
        .into_iter()
        .chain(m["all"].as_array())
        .flatten()
        .chain(std::iter::once(m))
        .collect();
    blocks
        .iter()
        .flat_map(|b| {
            b["resources"]["kinds"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|k| {
            k.as_str()
                .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
        })
        .collect()
}

fn apply_rule(resource: &Value, rule: &Value) -> Value {
    let mutate = &rule["mutate"];
    if let Some(p) = mutate.get("patchStrategicMerge") {
        strategic_merge(resource, p).unwrap_or_else(|e| panic!("{}: {e}", rule["name"]))
    } else if let Some(ops) = mutate["patchesJson6902"].as_str() {
        apply_json6902(resource, ops).unwrap_or_else(|e| panic!("{}: {e}", rule["name"]))
    } else {
        resource.clone()
    }
}

/// Runs one suite: every `pass`/`skip` result with `patchedResources` must be
/// reproduced by applying, in order, the policy's mutate rules for that kind.
fn check_suite(dir: &str) -> usize {
    let root = std::path::Path::new(CORPUS).join(dir);
    let test_dir = root.join(".kyverno-test");
    let test = read_docs(&test_dir.join("kyverno-test.yaml")).remove(0);
    let policy_file = test["policies"][0].as_str().unwrap_or_default();
    let policy = read_docs(&test_dir.join(policy_file)).remove(0);
    let rules: Vec<Value> = policy["spec"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let resources: Vec<Value> = test["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .flat_map(|f| read_docs(&test_dir.join(f)))
        .collect();
    let mut checked = 0;
    for result in test["results"].as_array().into_iter().flatten() {
        let (Some(kind), Some(patched)) =
            (result["kind"].as_str(), result["patchedResources"].as_str())
        else {
            continue;
        };
        if !matches!(result["result"].as_str(), Some("pass" | "skip")) {
            continue;
        }
        let expected_docs = read_docs(&test_dir.join(patched));
        for name in result["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let name = name.rsplit('/').next().unwrap_or(name);
            let by_name = |d: &&Value| d["kind"] == kind && d["metadata"]["name"] == name;
            let input = resources
                .iter()
                .find(by_name)
                .unwrap_or_else(|| panic!("{dir}: no resource {name}"));
            let expected = expected_docs
                .iter()
                .find(by_name)
                .unwrap_or_else(|| panic!("{dir}: no patched {name}"));
            let mut out = normalise(input);
            for rule in rules
                .iter()
                .filter(|r| rule_kinds(r).iter().any(|k| k == kind))
            {
                out = apply_rule(&out, rule);
            }
            assert_eq!(normalise(&out), normalise(expected), "{dir}: {kind}/{name}");
            checked += 1;
        }
    }
    checked
}

#[test]
fn corpus_variable_free_mutate_suites() {
    if !std::path::Path::new(CORPUS).is_dir() {
        eprintln!("corpus not found at {CORPUS}; skipping");
        return;
    }
    let suites = [
        "other/add-imagepullsecrets",
        "other/always-pull-images",
        "other/mitigate-log4shell",
        "other/add-default-securitycontext",
        "other/add-ndots",
        "other/inject-sidecar-deployment",
        "other/add-labels",
        "other/add-pod-proxies",
        "other/disable-automountserviceaccounttoken",
        "other/add-nodeSelector",
        "other/apply-pss-restricted-profile",
        "other/add-node-affinity",
        "psa/add-psa-labels",
        "karpenter/add-karpenter-daemonset-priority-class",
        "karpenter/add-karpenter-donot-evict",
        "kubecost/enable-kubecost-continuous-rightsizing",
    ];
    let mut total = 0;
    for s in suites {
        let n = check_suite(s);
        assert!(n > 0, "{s}: nothing checked");
        total += n;
    }
    eprintln!("{total} patched resources reproduced");
}
