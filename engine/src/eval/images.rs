//! Image references: parsing as Kyverno does (`pkg/utils/image/infos.go`
//! over distribution's `reference.Parse`) and the `images` context entry
//! (`pkg/utils/api/image.go`: per container type, per container name).

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

/// One parsed image reference, with Kyverno's field names.
///
/// ```
/// let i = verno::unstable::images::ImageInfo::parse("nginx").unwrap();
/// assert_eq!(i.registry, "docker.io");
/// assert_eq!(i.path, "nginx");
/// assert_eq!(i.tag, "latest");
/// assert_eq!(i.reference, "docker.io/nginx:latest");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageInfo {
    /// The registry.
    pub registry: String,
    /// The name.
    pub name: String,
    /// The path.
    pub path: String,
    /// The tag.
    pub tag: String,
    /// The digest.
    pub digest: String,
    /// The reference.
    pub reference: String,
    /// The reference with tag.
    pub reference_with_tag: String,
}

const DEFAULT_REGISTRY: &str = "docker.io";
const NAME_TOTAL_LENGTH_MAX: usize = 255;

// distribution/reference's grammar, anchored. The regex crate is
// leftmost-first like Go's, so the optional domain is preferred as there.
const DOMAIN_AND_PORT: &str = r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?";
const PATH_COMPONENT: &str = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const TAG: &str = r"[\w][\w.-]{0,127}";
const DIGEST: &str = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";

fn reference_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pat = format!(
            r"^((?:{DOMAIN_AND_PORT}/)?{PATH_COMPONENT}(?:/{PATH_COMPONENT})*)(?::({TAG}))?(?:@({DIGEST}))?$"
        );
        Regex::new(&pat).unwrap_or_else(|_| unreachable!("static regex"))
    })
}

fn name_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pat = format!(r"^(?:({DOMAIN_AND_PORT})/)?({PATH_COMPONENT}(?:/{PATH_COMPONENT})*)$");
        Regex::new(&pat).unwrap_or_else(|_| unreachable!("static regex"))
    })
}

/// `addDefaultRegistry`: `docker.io/` unless the first segment looks like a
/// host (has `.` or `:`, is `localhost`) or has an uppercase letter.
fn add_default_registry(image: &str) -> String {
    match image.find('/') {
        Some(i) => {
            let first = &image[..i];
            if first.contains(['.', ':']) || first == "localhost" || first.to_lowercase() != first {
                image.to_string()
            } else {
                format!("{DEFAULT_REGISTRY}/{image}")
            }
        }
        None => format!("{DEFAULT_REGISTRY}/{image}"),
    }
}

/// distribution's digest check: known algorithms need their exact length.
fn validate_digest(d: &str) -> Result<(), String> {
    let (alg, hex) = d.split_once(':').unwrap_or((d, ""));
    let want = match alg {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    match want {
        Some(n) if hex.len() != n => Err("invalid checksum digest length".into()),
        Some(_) => Ok(()),
        None => Err("unsupported digest algorithm".into()),
    }
}

impl ImageInfo {
    /// `GetImageInfo` with Kyverno's default configuration (default registry
    /// `docker.io`, registry mutation enabled). The error is Kyverno's text
    /// after `bad image: `.
    pub fn parse(image: &str) -> Result<ImageInfo, String> {
        let full = add_default_registry(image);
        let bad = |e: &str| {
            format!("bad image: {full}, defaultRegistry: {DEFAULT_REGISTRY}, enableDefaultRegistryMutation: true: {e}")
        };
        let Some(caps) = reference_regex().captures(&full) else {
            if full.is_empty() {
                return Err(bad("repository name must have at least one component"));
            }
            if reference_regex().is_match(&full.to_lowercase()) {
                return Err(bad("repository name must be lowercase"));
            }
            return Err(bad("invalid reference format"));
        };
        let name = caps.get(1).map_or("", |m| m.as_str());
        if name.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(bad("repository name must not be more than 255 characters"));
        }
        let tag = caps.get(2).map_or("", |m| m.as_str()).to_string();
        let digest = caps.get(3).map_or("", |m| m.as_str()).to_string();
        if !digest.is_empty() {
            validate_digest(&digest).map_err(|e| bad(&e))?;
        }
        let (mut registry, mut path) = match name_regex().captures(name) {
            Some(c) => (
                c.get(1).map_or("", |m| m.as_str()).to_string(),
                c.get(2).map_or("", |m| m.as_str()).to_string(),
            ),
            None => return Err(bad("invalid reference format")),
        };
        let short = path.rsplit('/').next().unwrap_or(&path).to_string();
        let tag = if tag.is_empty() && digest.is_empty() {
            "latest".to_string()
        } else {
            tag
        };
        let reference_with_tag = if registry.is_empty() {
            format!("{path}:{tag}")
        } else {
            format!("{registry}/{path}:{tag}")
        };
        let base = if registry.is_empty() {
            path.clone()
        } else {
            format!("{registry}/{path}")
        };
        let reference = if digest.is_empty() {
            format!("{base}:{tag}")
        } else {
            format!("{base}@{digest}")
        };
        // Kyverno's quirk for registry-less paths whose first part has `_`.
        if registry.is_empty() {
            if let Some((first, rest)) = path.split_once('/') {
                if first.contains('_') {
                    let (f, r) = (first.to_string(), rest.to_string());
                    registry = f;
                    path = r;
                }
            }
        }
        Ok(ImageInfo {
            registry,
            name: short,
            path,
            tag,
            digest,
            reference,
            reference_with_tag,
        })
    }

    /// The context form: Go's `omitempty` drops empty registry, tag, digest
    /// and references, so querying them is an `Unknown key` error.
    pub fn to_value(&self, json_pointer: &str) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: &str, omit_empty: bool| {
            if !(omit_empty && v.is_empty()) {
                m.insert(k.to_string(), Value::String(v.to_string()));
            }
        };
        put("registry", &self.registry, true);
        put("name", &self.name, false);
        put("path", &self.path, false);
        put("tag", &self.tag, true);
        put("digest", &self.digest, true);
        put("reference", &self.reference, true);
        put("referenceWithTag", &self.reference_with_tag, true);
        put("jsonPointer", json_pointer, false);
        Value::Object(m)
    }
}

/// Where a kind keeps its pod spec (Kyverno's registered extractors).
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "DaemonSet"
        | "Deployment"
        | "ReplicaSet"
        | "ReplicationController"
        | "StatefulSet"
        | "Job" => Some(&["spec", "template", "spec"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// The `images` context value of a resource: `{containers: {<name>: info}}`
/// and likewise `initContainers`, `ephemeralContainers`. `Ok(None)` when the
/// kind has no images (Kyverno then adds nothing, and `images` is unknown).
pub fn images_context(resource: &Value) -> Result<Option<Value>, String> {
    let kind = resource.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(path) = pod_spec_path(kind) else {
        return Ok(None);
    };
    let mut spec = Some(resource);
    for seg in path {
        spec = spec.and_then(|s| s.get(*seg));
    }
    let mut out = Map::new();
    for tag in ["initContainers", "containers", "ephemeralContainers"] {
        let list = match spec.and_then(|s| s.get(tag)) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(Value::Object(_)) => return Err("invalid image config".into()),
            Some(_) => return Err("invalid type".into()),
        };
        let mut infos = Map::new();
        for (i, c) in list.iter().enumerate() {
            if c.is_null() {
                continue;
            }
            let Value::Object(c) = c else {
                return Err("invalid image config".into());
            };
            let pointer = format!("/{}/{tag}/{i}/image", path.join("/"));
            let Some(Value::String(name)) = c.get("name") else {
                return Err("invalid key".into());
            };
            let image = match c.get("image") {
                Some(Value::String(s)) if !s.trim().is_empty() => s,
                _ => continue,
            };
            let info =
                ImageInfo::parse(image).map_err(|e| format!("invalid image '{image}' ({e})"))?;
            infos.insert(name.clone(), info.to_value(&pointer));
        }
        if !infos.is_empty() {
            out.insert(tag.to_string(), Value::Object(infos));
        }
    }
    Ok(if out.is_empty() {
        None
    } else {
        Some(Value::Object(out))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_without_registry_gets_docker_io_and_latest() {
        let i = ImageInfo::parse("nginx").unwrap();
        assert_eq!(
            (
                i.registry.as_str(),
                i.path.as_str(),
                i.name.as_str(),
                i.tag.as_str()
            ),
            ("docker.io", "nginx", "nginx", "latest")
        );
        assert_eq!(i.reference_with_tag, "docker.io/nginx:latest");
    }

    #[test]
    fn image_with_digest_has_no_default_tag() {
        let d = "sha256:128c6e3534b842a2eec139999b8ce8aa9a2af9907e2b9269550809d18cd832a3";
        let i = ImageInfo::parse(&format!("ghcr.io/org/app@{d}")).unwrap();
        assert_eq!(i.tag, "");
        assert_eq!(i.digest, d);
        assert_eq!(i.reference, format!("ghcr.io/org/app@{d}"));
        assert_eq!(i.reference_with_tag, "ghcr.io/org/app:");
        assert!(i.to_value("/x").get("tag").is_none());
    }

    #[test]
    fn image_with_port_registry_and_tag() {
        let i = ImageInfo::parse("localhost:5000/team/app:v1.2").unwrap();
        assert_eq!(i.registry, "localhost:5000");
        assert_eq!(i.path, "team/app");
        assert_eq!(i.name, "app");
        assert_eq!(i.tag, "v1.2");
    }

    #[test]
    fn image_uppercase_is_an_error() {
        let e = ImageInfo::parse("docker.io/Nginx").unwrap_err();
        assert!(e.ends_with("repository name must be lowercase"), "{e}");
    }

    #[test]
    fn images_context_keys_by_container_name_with_pointer() {
        let pod = serde_json::json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "busybox:1.28"}]}});
        let v = images_context(&pod).unwrap().unwrap();
        assert_eq!(
            v["containers"]["a"]["jsonPointer"],
            "/spec/containers/0/image"
        );
        assert_eq!(v["containers"]["a"]["tag"], "1.28");
    }
}
