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

/// One `imageExtractors` entry as `lookupImageExtractor` prepares it: the
/// path split on `/` (segments trimmed, empty ones dropped), the value
/// field (default: the path's last segment), the context name (default
/// `custom`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageExtractor {
    /// The path's fields; `*` expands a list or a map.
    pub fields: Vec<String>,
    /// `key`: the field naming each image; empty: the image's JSON pointer.
    pub key: String,
    /// `value`: the field holding the image.
    pub value: String,
    /// `name`: the entry under `images`.
    pub name: String,
    /// `jmesPath` applied to the image text.
    pub jmes_path: String,
}

impl ImageExtractor {
    /// The built-in extractors of pod specs at `tags` (`BuildStandardExtractors`).
    fn standard(tags: &[&str]) -> Vec<ImageExtractor> {
        ["initContainers", "containers", "ephemeralContainers"]
            .iter()
            .map(|list| {
                let mut fields: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
                fields.push(list.to_string());
                fields.push("*".to_string());
                ImageExtractor {
                    fields,
                    key: "name".into(),
                    value: "image".into(),
                    name: list.to_string(),
                    jmes_path: String::new(),
                }
            })
            .collect()
    }
}

/// `lookupImageExtractor`: the rule's extractors for `kind` when its
/// `imageExtractors` names the kind, else the built-in ones (`None` for a
/// kind without images). An entry without a path (load rejects those) is
/// left out rather than guessed at.
pub fn extractors_for(kind: &str, configs: Option<&Value>) -> Option<Vec<ImageExtractor>> {
    if let Some(list) = configs.and_then(|c| c.get(kind)) {
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let mut out = Vec::new();
        for c in list.as_array().into_iter().flatten() {
            let mut fields: Vec<String> = text(c, "path")
                .split('/')
                .map(|f| f.trim_matches(' '))
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect();
            let mut value = text(c, "value");
            if value.is_empty() {
                let Some(last) = fields.pop() else { continue };
                value = last;
            }
            let name = match text(c, "name") {
                n if n.is_empty() => "custom".to_string(),
                n => n,
            };
            out.push(ImageExtractor {
                fields,
                key: text(c, "key"),
                value,
                name,
                jmes_path: text(c, "jmesPath"),
            });
        }
        return Some(out);
    }
    let path = pod_spec_path(kind)?;
    Some(ImageExtractor::standard(path))
}

/// `ExtractImagesFromResource` with a rule's `imageExtractors`: the
/// `images` context value (`{<name>: {<key>: info}}`), `Ok(None)` when
/// nothing was found. Errors carry Kyverno's texts.
pub fn extract_images(resource: &Value, configs: Option<&Value>) -> Result<Option<Value>, String> {
    let kind = resource.get("kind").and_then(Value::as_str).unwrap_or("");
    if configs.and_then(|c| c.get(kind)).is_none() {
        return images_context(resource);
    }
    let Some(extractors) = extractors_for(kind, configs) else {
        return Ok(None);
    };
    if extractors.is_empty() {
        return Err(format!("no extractors found for {kind}"));
    }
    let mut out = Map::new();
    for e in &extractors {
        let mut found = Map::new();
        extract(resource, &mut Vec::new(), e, &e.fields, &mut found)?;
        if !found.is_empty() {
            out.insert(e.name.clone(), Value::Object(found));
        }
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// `extract`: walk `fields` from `obj`, expanding `*`, and record the image
/// found at the end under its key.
fn extract(
    obj: &Value,
    path: &mut Vec<String>,
    e: &ImageExtractor,
    fields: &[String],
    out: &mut Map<String, Value>,
) -> Result<(), String> {
    if obj.is_null() {
        return Ok(());
    }
    if let Some(("*", rest)) = fields.split_first().map(|(f, r)| (f.as_str(), r)) {
        match obj {
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push(i.to_string());
                    let r = extract(v, path, e, rest, out);
                    path.pop();
                    r?;
                }
            }
            Value::Object(m) => {
                for (k, v) in m {
                    path.push(k.clone());
                    let r = extract(v, path, e, rest, out);
                    path.pop();
                    r?;
                }
            }
            _ => return Err("invalid type".into()),
        }
        return Ok(());
    }
    let Value::Object(map) = obj else {
        return Err("invalid image config".into());
    };
    let Some((first, rest)) = fields.split_first() else {
        let pointer = format!("/{}/{}", path.join("/"), e.value);
        let key = if e.key.is_empty() {
            pointer.clone()
        } else {
            match map.get(&e.key) {
                Some(Value::String(k)) => k.clone(),
                _ => return Err("invalid key".into()),
            }
        };
        let mut image = match map.get(&e.value) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            // The image may not be present.
            _ => return Ok(()),
        };
        if !e.jmes_path.is_empty() {
            image = apply_jmes_path(&e.jmes_path, &image)?;
        }
        let info =
            ImageInfo::parse(&image).map_err(|err| format!("invalid image '{image}' ({err})"))?;
        out.insert(key, info.to_value(&pointer));
        return Ok(());
    };
    path.push(first.clone());
    let r = extract(map.get(first).unwrap_or(&Value::Null), path, e, rest, out);
    path.pop();
    r
}

/// An extractor's `jmesPath` on the image text; it must give a string.
fn apply_jmes_path(expr: &str, image: &str) -> Result<String, String> {
    let compiled =
        crate::jmespath::compile(expr).map_err(|e| format!("invalid jmespath {expr}: {e}"))?;
    let rt = crate::jmespath::Runtime {
        dialect: crate::jmespath::Dialect::Kyverno,
        host: &crate::host::NoHost,
    };
    let result = compiled
        .search(&Value::String(image.to_string()), &rt)
        .map_err(|e| format!("failed to apply jmespath {expr}: {e}"))?;
    match result {
        Value::String(s) => Ok(s),
        other => Err(format!(
            "jmespath {expr} must produce a string, but produced {}",
            crate::go::fmt::format_v(&other)
        )),
    }
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
