//! Kind → resource mapping without a cluster, as Kyverno's CLI does offline:
//! the built-in Kubernetes kinds from a table, any other kind by
//! `meta.UnsafeGuessKindToResource`, and mappings the caller adds for its
//! custom kinds.

use std::borrow::Cow;

/// One kind's mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindMapping {
    /// API group (empty for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// The plural resource (`pods`).
    pub resource: String,
    /// Whether objects of the kind live in a namespace.
    pub namespaced: bool,
}

/// (group, version, kind, resource, namespaced) of the built-in kinds.
const BUILTIN: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "Binding", "bindings", true),
    ("", "v1", "ComponentStatus", "componentstatuses", false),
    ("", "v1", "ConfigMap", "configmaps", true),
    ("", "v1", "Endpoints", "endpoints", true),
    ("", "v1", "Event", "events", true),
    ("", "v1", "LimitRange", "limitranges", true),
    ("", "v1", "Namespace", "namespaces", false),
    ("", "v1", "Node", "nodes", false),
    ("", "v1", "PersistentVolume", "persistentvolumes", false),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
    ),
    ("", "v1", "Pod", "pods", true),
    ("", "v1", "PodTemplate", "podtemplates", true),
    (
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
    ),
    ("", "v1", "ResourceQuota", "resourcequotas", true),
    ("", "v1", "Secret", "secrets", true),
    ("", "v1", "Service", "services", true),
    ("", "v1", "ServiceAccount", "serviceaccounts", true),
    (
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    (
        "apiregistration.k8s.io",
        "v1",
        "APIService",
        "apiservices",
        false,
    ),
    (
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        true,
    ),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "ReplicaSet", "replicasets", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    (
        "authentication.k8s.io",
        "v1",
        "SelfSubjectReview",
        "selfsubjectreviews",
        false,
    ),
    (
        "authentication.k8s.io",
        "v1",
        "TokenReview",
        "tokenreviews",
        false,
    ),
    (
        "authorization.k8s.io",
        "v1",
        "LocalSubjectAccessReview",
        "localsubjectaccessreviews",
        true,
    ),
    (
        "authorization.k8s.io",
        "v1",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreviews",
        false,
    ),
    (
        "authorization.k8s.io",
        "v1",
        "SelfSubjectRulesReview",
        "selfsubjectrulesreviews",
        false,
    ),
    (
        "authorization.k8s.io",
        "v1",
        "SubjectAccessReview",
        "subjectaccessreviews",
        false,
    ),
    (
        "autoscaling",
        "v1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    ("batch", "v1", "CronJob", "cronjobs", true),
    ("batch", "v1", "Job", "jobs", true),
    (
        "certificates.k8s.io",
        "v1",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
    ),
    ("coordination.k8s.io", "v1", "Lease", "leases", true),
    (
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        true,
    ),
    ("events.k8s.io", "v1", "Event", "events", true),
    (
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "FlowSchema",
        "flowschemas",
        false,
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        false,
    ),
    ("networking.k8s.io", "v1", "IPAddress", "ipaddresses", false),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    ("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    (
        "resource.k8s.io",
        "v1",
        "DeviceClass",
        "deviceclasses",
        false,
    ),
    (
        "resource.k8s.io",
        "v1",
        "ResourceClaim",
        "resourceclaims",
        true,
    ),
    (
        "resource.k8s.io",
        "v1",
        "ResourceClaimTemplate",
        "resourceclaimtemplates",
        true,
    ),
    (
        "resource.k8s.io",
        "v1",
        "ResourceSlice",
        "resourceslices",
        false,
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        false,
    ),
    ("storage.k8s.io", "v1", "CSIDriver", "csidrivers", false),
    ("storage.k8s.io", "v1", "CSINode", "csinodes", false),
    (
        "storage.k8s.io",
        "v1",
        "CSIStorageCapacity",
        "csistoragecapacities",
        true,
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
    ),
    (
        "storage.k8s.io",
        "v1",
        "VolumeAttachment",
        "volumeattachments",
        false,
    ),
    (
        "storage.k8s.io",
        "v1",
        "VolumeAttributesClass",
        "volumeattributesclasses",
        false,
    ),
    (
        "networking.k8s.io",
        "v1",
        "ServiceCIDR",
        "servicecidrs",
        false,
    ),
];

/// The mappings the caller adds for its own kinds (custom resources), tried
/// before the built-in table.
#[derive(Debug, Clone, Default)]
pub struct KindMap {
    custom: Vec<KindMapping>,
}

impl KindMap {
    /// Adds (or replaces) a kind's mapping.
    pub fn add(&mut self, mapping: KindMapping) {
        self.custom.retain(|m| {
            (m.group.as_str(), m.version.as_str(), m.kind.as_str())
                != (
                    mapping.group.as_str(),
                    mapping.version.as_str(),
                    mapping.kind.as_str(),
                )
        });
        self.custom.push(mapping);
    }

    /// The plural resource of a kind: the caller's mapping, the built-in
    /// table (exact group/version/kind), else Kubernetes' guess (what
    /// Kyverno's CLI does for the CEL policy kinds without a cluster).
    pub fn resource(&self, group: &str, version: &str, kind: &str) -> String {
        self.resource_ref(group, version, kind).into_owned()
    }

    /// [`KindMap::resource`], borrowed when the mapping is known: the
    /// ValidatingPolicy family asks once per policy and resource.
    pub fn resource_ref(&self, group: &str, version: &str, kind: &str) -> Cow<'_, str> {
        self.rest_mapping(group, version, kind)
            .unwrap_or_else(|_| Cow::Owned(unsafe_guess_kind_to_resource(kind)))
    }

    /// The RESTMapper's answer, without guessing: the caller's mapping or
    /// the built-in table (exact group/version/kind), else Kyverno's
    /// `failed to map gvk to gvr` error. Kyverno's CLI takes this answer for
    /// ValidatingAdmissionPolicies, and for every kind when it has a
    /// (fake) cluster.
    pub fn rest_mapping(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Result<Cow<'_, str>, UnmappedKind> {
        if let Some(m) = self
            .custom
            .iter()
            .find(|m| m.group == group && m.version == version && m.kind == kind)
        {
            return Ok(Cow::Borrowed(&m.resource));
        }
        if let Some((_, _, _, r, _)) = BUILTIN
            .iter()
            // Kind first: it tells the entries apart (most share group and
            // version), so most comparisons end at the length.
            .find(|(g, v, k, _, _)| *k == kind && *g == group && *v == version)
        {
            return Ok(Cow::Borrowed(r));
        }
        Err(UnmappedKind {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        })
    }
}

/// A kind the RESTMapper does not know. Displays as Kyverno's
/// `failed to map gvk to gvr <gvk>: <NoKindMatchError>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "failed to map gvk to gvr {group}/{version}, Kind={kind}: no matches for kind {kind:?} in version {:?}",
    group_version(.group, .version)
)]
pub struct UnmappedKind {
    /// API group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

/// `schema.GroupVersion.String()`: the version alone for the core group.
fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// `meta.UnsafeGuessKindToResource`: lower-case the kind, then `s` → `+es`,
/// `y` → `ies`, otherwise `+s`.
pub fn unsafe_guess_kind_to_resource(kind: &str) -> String {
    if kind.is_empty() {
        return String::new();
    }
    let singular = kind.to_lowercase();
    if singular.ends_with('s') {
        return format!("{singular}es");
    }
    if let Some(stem) = singular.strip_suffix('y') {
        return format!("{stem}ies");
    }
    format!("{singular}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmapped_kind_reads_like_kyvernos_rest_mapper_error() {
        let map = KindMap::default();
        let message = |g, v, k| match map.rest_mapping(g, v, k) {
            Err(e) => e.to_string(),
            Ok(r) => format!("mapped to {r}"),
        };
        assert_eq!(
            message("example.com", "v1", "Widget"),
            "failed to map gvk to gvr example.com/v1, Kind=Widget: no matches for kind \"Widget\" in version \"example.com/v1\""
        );
        assert_eq!(
            message("", "", ""),
            "failed to map gvk to gvr /, Kind=: no matches for kind \"\" in version \"\""
        );
        assert_eq!(message("", "v1", "Pod"), "mapped to pods");
    }

    #[test]
    fn guesses_plural_like_kubernetes() {
        assert_eq!(unsafe_guess_kind_to_resource("Widget"), "widgets");
        assert_eq!(unsafe_guess_kind_to_resource("Policy"), "policies");
        assert_eq!(unsafe_guess_kind_to_resource("Class"), "classes");
    }
}
