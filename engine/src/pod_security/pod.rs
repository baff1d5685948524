//! The pod a podSecurity rule judges, read from a Pod or a pod controller
//! (`getSpec` in Kyverno's `validate_pss.go`), and the accessors the checks
//! share. Absent and `null` fields are Go's nil pointers.

use serde_json::{Map, Value};

/// Pod metadata and spec, as the checks see them.
#[derive(Debug, Clone)]
pub struct Pod {
    pub metadata: Value,
    pub spec: Value,
}

/// The kinds whose pod template is at `spec.template`.
pub const TEMPLATE_KINDS: [&str; 6] = [
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

impl Pod {
    /// The pod of a resource; `Err` with Kyverno's text for other kinds.
    pub fn of(resource: &Value) -> Result<Pod, String> {
        let kind = resource.get("kind").and_then(Value::as_str).unwrap_or("");
        let (metadata, spec) = if TEMPLATE_KINDS.contains(&kind) {
            (
                resource.pointer("/spec/template/metadata"),
                resource.pointer("/spec/template/spec"),
            )
        } else if kind == "CronJob" {
            (
                resource.pointer("/spec/jobTemplate/metadata"),
                resource.pointer("/spec/jobTemplate/spec/template/spec"),
            )
        } else if kind == "Pod" {
            (resource.get("metadata"), resource.get("spec"))
        } else {
            return Err("could not find correct resource type".into());
        };
        Ok(Pod {
            metadata: metadata.cloned().unwrap_or(Value::Null),
            spec: spec.cloned().unwrap_or(Value::Null),
        })
    }

    /// The pod's annotations, sorted by key (Go iterates a map at random;
    /// a fixed order keeps results reproducible).
    pub fn annotations(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = self
            .metadata
            .get("annotations")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// One annotation's value, if set.
    #[allow(dead_code)] // kept beside `annotations` for checks that read one key
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata
            .get("annotations")
            .and_then(|a| a.get(key))
            .map(|v| v.as_str().unwrap_or(""))
    }

    /// `spec.securityContext`, if set.
    pub fn security_context(&self) -> Option<&Value> {
        obj(&self.spec, "securityContext")
    }

    /// `visitContainers`: init containers, containers, ephemeral containers,
    /// each with its field path (`spec.containers[0]`).
    pub fn containers(&self) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            if let Some(items) = self.spec.get(list).and_then(Value::as_array) {
                for (i, c) in items.iter().enumerate() {
                    out.push((format!("spec.{list}[{i}]"), c));
                }
            }
        }
        out
    }

    /// `spec.os.name == "windows"`.
    pub fn is_windows(&self) -> bool {
        self.spec.pointer("/os/name").and_then(Value::as_str) == Some("windows")
    }

    /// The container at `index` of a list (`getContainerInfo`).
    pub fn container_name(&self, list: &str, index: usize) -> String {
        self.spec
            .get(list)
            .and_then(|l| l.get(index))
            .map(name)
            .unwrap_or_default()
    }

    /// `GetPodWithMatchingContainers` for a pod-level exclusion: the pod
    /// with one bare container named `fake`.
    pub fn with_fake_container(&self) -> Pod {
        let mut spec = self.spec.as_object().cloned().unwrap_or_default();
        spec.remove("initContainers");
        spec.remove("ephemeralContainers");
        spec.insert("containers".into(), serde_json::json!([{"name": "fake"}]));
        Pod {
            metadata: self.metadata.clone(),
            spec: Value::Object(spec),
        }
    }

    /// `GetPodWithMatchingContainers` for a container-level exclusion: a pod
    /// with only name and namespace, and only the containers whose image
    /// matches one of `images`.
    pub fn matching_containers(&self, images: &[String]) -> Pod {
        let mut meta = Map::new();
        for k in ["name", "namespace"] {
            if let Some(v) = self.metadata.get(k).filter(|v| !v.is_null()) {
                meta.insert(k.into(), v.clone());
            }
        }
        let mut spec = Map::new();
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            let kept: Vec<Value> = self
                .spec
                .get(list)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter(|c| {
                            let image = c.get("image").and_then(Value::as_str).unwrap_or("");
                            images
                                .iter()
                                .any(|p| crate::go::wildcard::matches(p, image))
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if !kept.is_empty() {
                spec.insert(list.into(), Value::Array(kept));
            }
        }
        Pod {
            metadata: Value::Object(meta),
            spec: Value::Object(spec),
        }
    }
}

/// A field that is set (Go: a non-nil pointer).
pub fn obj<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| !x.is_null())
}

/// A field that is set and `true`.
pub fn is_true(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool) == Some(true)
}

/// A string field, `""` when absent.
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A container's name.
pub fn name(c: &Value) -> String {
    str_of(c, "name").to_string()
}

/// A container's `securityContext`, if set.
pub fn container_sc(c: &Value) -> Option<&Value> {
    obj(c, "securityContext")
}

/// A list of strings (`capabilities.add`), non-strings skipped.
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
