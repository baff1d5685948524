//! Which lists kyaml merges by key: the `x-kubernetes-patch-strategy` /
//! `x-kubernetes-patch-merge-key` / `x-kubernetes-list-map-keys` extensions of
//! the Kubernetes OpenAPI schema that kustomize kyaml embeds
//! (`kyaml/openapi/kubernetesapi/v1_21_2/swagger.pb`, plus kyaml's own
//! `kustomizationapi/swagger.json`).
//!
//! kyaml's `merge2` treats a list as associative only when the schema of that
//! field has a patch strategy containing `merge` (`yaml/schema.IsAssociative`;
//! `merge2.Merge` leaves `InferAssociativeLists` off). The merge keys are
//! `x-kubernetes-list-map-keys` when present, else `x-kubernetes-patch-merge-key`,
//! else none (a list of scalars such as `metadata.finalizers`, merged by value).
//! Every other list, and every list of a kind the schema does not know (CRDs),
//! is replaced wholesale.
//!
//! The table keeps only what leads to such a list. It was extracted from the
//! swagger of kyaml v0.21.1 (the version Kyverno pins): every definition with
//! an `x-kubernetes-group-version-kind`, reduced to the object fields that
//! reach a merge list and the merge lists themselves; kinds whose only merge
//! lists are in `metadata` share the entry `Object`. Note the schema is
//! Kubernetes 1.21: `ports` merge on `[containerPort, protocol]`, ephemeral
//! containers' ports are not merged, and newer fields are unknown.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A field of a schema type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot {
    /// An object (or map value) of the named type.
    Object(&'static str),
    /// A list with patch strategy `merge`: its merge keys (empty for lists of
    /// scalars) and the type of its elements when that type matters.
    List(&'static [&'static str], Option<&'static str>),
}

use Slot::{List as L, Object as T};

/// The schema kyaml would use at one point of the walk.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Schema {
    Object(&'static [(&'static str, Slot)]),
    List {
        keys: &'static [&'static str],
        items: Option<&'static str>,
    },
}

impl Schema {
    /// The schema of a field of this object (`ResourceSchema.Field`).
    pub(crate) fn field(self, name: &str) -> Option<Schema> {
        let Schema::Object(fields) = self else {
            return None;
        };
        let (_, slot) = fields.iter().find(|(n, _)| *n == name)?;
        match *slot {
            Slot::Object(t) => type_schema(t),
            Slot::List(keys, items) => Some(Schema::List { keys, items }),
        }
    }

    /// The schema of this list's elements (`ResourceSchema.Elements`).
    pub(crate) fn elements(self) -> Option<Schema> {
        match self {
            Schema::List { items: Some(t), .. } => type_schema(t),
            _ => None,
        }
    }

    /// The merge keys when this is a list kyaml merges by key
    /// (`schemaHasMergeStrategy` + `PatchStrategyAndKeyList`).
    pub(crate) fn merge_keys(self) -> Option<&'static [&'static str]> {
        match self {
            Schema::List { keys, .. } => Some(keys),
            Schema::Object(_) => None,
        }
    }
}

fn types() -> &'static HashMap<&'static str, &'static [(&'static str, Slot)]> {
    static TYPES_BY_NAME: OnceLock<HashMap<&'static str, &'static [(&'static str, Slot)]>> =
        OnceLock::new();
    TYPES_BY_NAME.get_or_init(|| TYPES.iter().copied().collect())
}

fn type_schema(name: &str) -> Option<Schema> {
    types().get(name).map(|f| Schema::Object(f))
}

/// The schema kyaml finds for a resource type (`openapi.SchemaForResourceType`).
pub(crate) fn schema_for(api_version: &str, kind: &str) -> Option<Schema> {
    let i = KINDS
        .binary_search_by(|(a, k, _)| (*a, *k).cmp(&(api_version, kind)))
        .ok()?;
    let (_, _, t) = KINDS.get(i)?;
    type_schema(t)
}

/// The merge keys kyaml uses for the list at `path` (field names, `[]` for
/// "any element") in a resource of the given type, or `None` when that list
/// is replaced wholesale.
///
/// ```
/// use verno::unstable::patch::merge_keys::list_merge_keys;
/// let keys = list_merge_keys("apps/v1", "Deployment", &["spec", "template", "spec", "containers", "[]", "ports"]);
/// assert_eq!(keys, Some(&["containerPort", "protocol"][..]));
/// assert_eq!(list_merge_keys("v1", "Pod", &["spec", "tolerations"]), None);
/// assert_eq!(list_merge_keys("v1", "Pod", &["metadata", "finalizers"]), Some(&[][..]));
/// assert_eq!(list_merge_keys("example.com/v1", "Widget", &["spec", "containers"]), None);
/// ```
pub fn list_merge_keys(
    api_version: &str,
    kind: &str,
    path: &[&str],
) -> Option<&'static [&'static str]> {
    let mut s = schema_for(api_version, kind)?;
    for seg in path {
        s = if *seg == "[]" {
            s.elements()?
        } else {
            s.field(seg)?
        };
    }
    s.merge_keys()
}

#[rustfmt::skip]
const KINDS: &[(&str, &str, &str)] = &[
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "admissionregistration.v1.MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "admissionregistration.v1.ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", "admissionregistration.v1beta1.MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", "admissionregistration.v1beta1.ValidatingWebhookConfiguration"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "Object"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "Object"),
    ("apiregistration.k8s.io/v1", "APIService", "apiregistration.v1.APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService", "apiregistration.v1beta1.APIService"),
    ("apps/v1", "ControllerRevision", "Object"),
    ("apps/v1", "DaemonSet", "apps.v1.DaemonSet"),
    ("apps/v1", "Deployment", "apps.v1.Deployment"),
    ("apps/v1", "ReplicaSet", "apps.v1.ReplicaSet"),
    ("apps/v1", "StatefulSet", "apps.v1.StatefulSet"),
    ("authentication.k8s.io/v1", "TokenRequest", "Object"),
    ("authentication.k8s.io/v1", "TokenReview", "Object"),
    ("authentication.k8s.io/v1beta1", "TokenReview", "Object"),
    ("authorization.k8s.io/v1", "LocalSubjectAccessReview", "Object"),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview", "Object"),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview", "Object"),
    ("authorization.k8s.io/v1", "SubjectAccessReview", "Object"),
    ("authorization.k8s.io/v1beta1", "LocalSubjectAccessReview", "Object"),
    ("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview", "Object"),
    ("authorization.k8s.io/v1beta1", "SelfSubjectRulesReview", "Object"),
    ("authorization.k8s.io/v1beta1", "SubjectAccessReview", "Object"),
    ("autoscaling/v1", "HorizontalPodAutoscaler", "Object"),
    ("autoscaling/v1", "Scale", "Object"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "Object"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "Object"),
    ("batch/v1", "CronJob", "batch.v1.CronJob"),
    ("batch/v1", "Job", "batch.v1.Job"),
    ("batch/v1beta1", "CronJob", "batch.v1beta1.CronJob"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest", "Object"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", "Object"),
    ("coordination.k8s.io/v1", "Lease", "Object"),
    ("coordination.k8s.io/v1beta1", "Lease", "Object"),
    ("discovery.k8s.io/v1", "EndpointSlice", "Object"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", "Object"),
    ("events.k8s.io/v1", "Event", "Object"),
    ("events.k8s.io/v1beta1", "Event", "Object"),
    ("extensions/v1beta1", "Ingress", "Object"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "Object"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", "Object"),
    ("kustomize.config.k8s.io/v1beta1", "Kustomization", "apps.v1.Kustomization"),
    ("networking.k8s.io/v1", "Ingress", "Object"),
    ("networking.k8s.io/v1", "IngressClass", "Object"),
    ("networking.k8s.io/v1", "NetworkPolicy", "Object"),
    ("networking.k8s.io/v1beta1", "Ingress", "Object"),
    ("networking.k8s.io/v1beta1", "IngressClass", "Object"),
    ("node.k8s.io/v1", "RuntimeClass", "Object"),
    ("node.k8s.io/v1beta1", "RuntimeClass", "Object"),
    ("policy/v1", "PodDisruptionBudget", "policy.v1.PodDisruptionBudget"),
    ("policy/v1beta1", "Eviction", "Object"),
    ("policy/v1beta1", "PodDisruptionBudget", "policy.v1beta1.PodDisruptionBudget"),
    ("policy/v1beta1", "PodSecurityPolicy", "Object"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "Object"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "Object"),
    ("rbac.authorization.k8s.io/v1", "Role", "Object"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "Object"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "Object"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", "Object"),
    ("rbac.authorization.k8s.io/v1beta1", "Role", "Object"),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", "Object"),
    ("scheduling.k8s.io/v1", "PriorityClass", "Object"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", "Object"),
    ("storage.k8s.io/v1", "CSIDriver", "Object"),
    ("storage.k8s.io/v1", "CSINode", "storage.v1.CSINode"),
    ("storage.k8s.io/v1", "StorageClass", "Object"),
    ("storage.k8s.io/v1", "VolumeAttachment", "Object"),
    ("storage.k8s.io/v1beta1", "CSIDriver", "Object"),
    ("storage.k8s.io/v1beta1", "CSINode", "storage.v1beta1.CSINode"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "Object"),
    ("storage.k8s.io/v1beta1", "StorageClass", "Object"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment", "Object"),
    ("v1", "Binding", "Object"),
    ("v1", "ComponentStatus", "core.v1.ComponentStatus"),
    ("v1", "ConfigMap", "Object"),
    ("v1", "Endpoints", "Object"),
    ("v1", "Event", "Object"),
    ("v1", "LimitRange", "Object"),
    ("v1", "Namespace", "core.v1.Namespace"),
    ("v1", "Node", "core.v1.Node"),
    ("v1", "PersistentVolume", "Object"),
    ("v1", "PersistentVolumeClaim", "core.v1.PersistentVolumeClaim"),
    ("v1", "Pod", "core.v1.Pod"),
    ("v1", "PodTemplate", "core.v1.PodTemplate"),
    ("v1", "ReplicationController", "core.v1.ReplicationController"),
    ("v1", "ResourceQuota", "Object"),
    ("v1", "Secret", "Object"),
    ("v1", "Service", "core.v1.Service"),
    ("v1", "ServiceAccount", "core.v1.ServiceAccount"),
];

#[rustfmt::skip]
const TYPES: &[(&str, &[(&str, Slot)])] = &[
    ("Object", &[("metadata", T("meta.v1.ObjectMeta"))]),
    ("admissionregistration.v1.MutatingWebhookConfiguration", &[("metadata", T("meta.v1.ObjectMeta")), ("webhooks", L(&["name"], None))]),
    ("admissionregistration.v1.ValidatingWebhookConfiguration", &[("metadata", T("meta.v1.ObjectMeta")), ("webhooks", L(&["name"], None))]),
    ("admissionregistration.v1beta1.MutatingWebhookConfiguration", &[("metadata", T("meta.v1.ObjectMeta")), ("webhooks", L(&["name"], None))]),
    ("admissionregistration.v1beta1.ValidatingWebhookConfiguration", &[("metadata", T("meta.v1.ObjectMeta")), ("webhooks", L(&["name"], None))]),
    ("apiregistration.v1.APIService", &[("metadata", T("meta.v1.ObjectMeta")), ("status", T("apiregistration.v1.APIServiceStatus"))]),
    ("apiregistration.v1.APIServiceStatus", &[("conditions", L(&["type"], None))]),
    ("apiregistration.v1beta1.APIService", &[("metadata", T("meta.v1.ObjectMeta")), ("status", T("apiregistration.v1beta1.APIServiceStatus"))]),
    ("apiregistration.v1beta1.APIServiceStatus", &[("conditions", L(&["type"], None))]),
    ("apps.v1.DaemonSet", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("apps.v1.DaemonSetSpec")), ("status", T("apps.v1.DaemonSetStatus"))]),
    ("apps.v1.DaemonSetSpec", &[("template", T("core.v1.PodTemplateSpec"))]),
    ("apps.v1.DaemonSetStatus", &[("conditions", L(&["type"], None))]),
    ("apps.v1.Deployment", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("apps.v1.DeploymentSpec")), ("status", T("apps.v1.DeploymentStatus"))]),
    ("apps.v1.DeploymentSpec", &[("template", T("core.v1.PodTemplateSpec"))]),
    ("apps.v1.DeploymentStatus", &[("conditions", L(&["type"], None))]),
    ("apps.v1.Kustomization", &[("configMapGenerator", L(&["name"], None)), ("secretGenerator", L(&["name"], None))]),
    ("apps.v1.ReplicaSet", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("apps.v1.ReplicaSetSpec")), ("status", T("apps.v1.ReplicaSetStatus"))]),
    ("apps.v1.ReplicaSetSpec", &[("template", T("core.v1.PodTemplateSpec"))]),
    ("apps.v1.ReplicaSetStatus", &[("conditions", L(&["type"], None))]),
    ("apps.v1.StatefulSet", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("apps.v1.StatefulSetSpec")), ("status", T("apps.v1.StatefulSetStatus"))]),
    ("apps.v1.StatefulSetSpec", &[("template", T("core.v1.PodTemplateSpec"))]),
    ("apps.v1.StatefulSetStatus", &[("conditions", L(&["type"], None))]),
    ("batch.v1.CronJob", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("batch.v1.CronJobSpec"))]),
    ("batch.v1.CronJobSpec", &[("jobTemplate", T("batch.v1.JobTemplateSpec"))]),
    ("batch.v1.Job", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("batch.v1.JobSpec")), ("status", T("batch.v1.JobStatus"))]),
    ("batch.v1.JobSpec", &[("template", T("core.v1.PodTemplateSpec"))]),
    ("batch.v1.JobStatus", &[("conditions", L(&["type"], None))]),
    ("batch.v1.JobTemplateSpec", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("batch.v1.JobSpec"))]),
    ("batch.v1beta1.CronJob", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("batch.v1beta1.CronJobSpec"))]),
    ("batch.v1beta1.CronJobSpec", &[("jobTemplate", T("batch.v1beta1.JobTemplateSpec"))]),
    ("batch.v1beta1.JobTemplateSpec", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("batch.v1.JobSpec"))]),
    ("core.v1.ComponentStatus", &[("conditions", L(&["type"], None)), ("metadata", T("meta.v1.ObjectMeta"))]),
    ("core.v1.Container", &[("env", L(&["name"], None)), ("ports", L(&["containerPort", "protocol"], None)), ("volumeDevices", L(&["devicePath"], None)), ("volumeMounts", L(&["mountPath"], None))]),
    ("core.v1.EphemeralContainer", &[("env", L(&["name"], None)), ("volumeDevices", L(&["devicePath"], None)), ("volumeMounts", L(&["mountPath"], None))]),
    ("core.v1.EphemeralVolumeSource", &[("volumeClaimTemplate", T("Object"))]),
    ("core.v1.Namespace", &[("metadata", T("meta.v1.ObjectMeta")), ("status", T("core.v1.NamespaceStatus"))]),
    ("core.v1.NamespaceStatus", &[("conditions", L(&["type"], None))]),
    ("core.v1.Node", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("core.v1.NodeSpec")), ("status", T("core.v1.NodeStatus"))]),
    ("core.v1.NodeSpec", &[("podCIDRs", L(&[], None))]),
    ("core.v1.NodeStatus", &[("addresses", L(&["type"], None)), ("conditions", L(&["type"], None))]),
    ("core.v1.PersistentVolumeClaim", &[("metadata", T("meta.v1.ObjectMeta")), ("status", T("core.v1.PersistentVolumeClaimStatus"))]),
    ("core.v1.PersistentVolumeClaimStatus", &[("conditions", L(&["type"], None))]),
    ("core.v1.Pod", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("core.v1.PodSpec")), ("status", T("core.v1.PodStatus"))]),
    ("core.v1.PodSpec", &[("containers", L(&["name"], Some("core.v1.Container"))), ("ephemeralContainers", L(&["name"], Some("core.v1.EphemeralContainer"))), ("hostAliases", L(&["ip"], None)), ("imagePullSecrets", L(&["name"], None)), ("initContainers", L(&["name"], Some("core.v1.Container"))), ("topologySpreadConstraints", L(&["topologyKey", "whenUnsatisfiable"], None)), ("volumes", L(&["name"], Some("core.v1.Volume")))]),
    ("core.v1.PodStatus", &[("conditions", L(&["type"], None)), ("podIPs", L(&["ip"], None))]),
    ("core.v1.PodTemplate", &[("metadata", T("meta.v1.ObjectMeta")), ("template", T("core.v1.PodTemplateSpec"))]),
    ("core.v1.PodTemplateSpec", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("core.v1.PodSpec"))]),
    ("core.v1.ReplicationController", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("core.v1.ReplicationControllerSpec")), ("status", T("core.v1.ReplicationControllerStatus"))]),
    ("core.v1.ReplicationControllerSpec", &[("template", T("core.v1.PodTemplateSpec"))]),
    ("core.v1.ReplicationControllerStatus", &[("conditions", L(&["type"], None))]),
    ("core.v1.Service", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("core.v1.ServiceSpec")), ("status", T("core.v1.ServiceStatus"))]),
    ("core.v1.ServiceAccount", &[("metadata", T("meta.v1.ObjectMeta")), ("secrets", L(&["name"], None))]),
    ("core.v1.ServiceSpec", &[("ports", L(&["port", "protocol"], None))]),
    ("core.v1.ServiceStatus", &[("conditions", L(&["type"], None))]),
    ("core.v1.Volume", &[("ephemeral", T("core.v1.EphemeralVolumeSource"))]),
    ("meta.v1.ObjectMeta", &[("finalizers", L(&[], None)), ("ownerReferences", L(&["uid"], None))]),
    ("policy.v1.PodDisruptionBudget", &[("metadata", T("meta.v1.ObjectMeta")), ("status", T("policy.v1.PodDisruptionBudgetStatus"))]),
    ("policy.v1.PodDisruptionBudgetStatus", &[("conditions", L(&["type"], None))]),
    ("policy.v1beta1.PodDisruptionBudget", &[("metadata", T("meta.v1.ObjectMeta")), ("status", T("policy.v1beta1.PodDisruptionBudgetStatus"))]),
    ("policy.v1beta1.PodDisruptionBudgetStatus", &[("conditions", L(&["type"], None))]),
    ("storage.v1.CSINode", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("storage.v1.CSINodeSpec"))]),
    ("storage.v1.CSINodeSpec", &[("drivers", L(&["name"], None))]),
    ("storage.v1beta1.CSINode", &[("metadata", T("meta.v1.ObjectMeta")), ("spec", T("storage.v1beta1.CSINodeSpec"))]),
    ("storage.v1beta1.CSINodeSpec", &[("drivers", L(&["name"], None))]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_sorted_for_binary_search() {
        assert!(KINDS
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
    }

    #[test]
    fn every_referenced_type_exists() {
        for (_, _, t) in KINDS {
            assert!(types().contains_key(t), "{t}");
        }
        for (_, fields) in TYPES {
            for (_, slot) in fields.iter() {
                let t = match slot {
                    Slot::Object(t) | Slot::List(_, Some(t)) => t,
                    Slot::List(_, None) => continue,
                };
                assert!(types().contains_key(t), "{t}");
            }
        }
    }

    #[test]
    fn pod_template_lists_in_every_controller() {
        let pod = ["spec", "template", "spec"];
        for (av, kind) in [
            ("apps/v1", "Deployment"),
            ("apps/v1", "DaemonSet"),
            ("apps/v1", "StatefulSet"),
            ("apps/v1", "ReplicaSet"),
            ("v1", "ReplicationController"),
            ("batch/v1", "Job"),
        ] {
            let at = |rest: &[&str]| {
                let path: Vec<&str> = pod.iter().chain(rest).copied().collect();
                list_merge_keys(av, kind, &path)
            };
            assert_eq!(at(&["containers"]), Some(&["name"][..]), "{kind}");
            assert_eq!(at(&["initContainers"]), Some(&["name"][..]));
            assert_eq!(at(&["ephemeralContainers"]), Some(&["name"][..]));
            assert_eq!(at(&["volumes"]), Some(&["name"][..]));
            assert_eq!(at(&["imagePullSecrets"]), Some(&["name"][..]));
            assert_eq!(at(&["hostAliases"]), Some(&["ip"][..]));
            assert_eq!(at(&["containers", "[]", "env"]), Some(&["name"][..]));
            assert_eq!(
                at(&["containers", "[]", "volumeMounts"]),
                Some(&["mountPath"][..])
            );
            assert_eq!(
                at(&["containers", "[]", "volumeDevices"]),
                Some(&["devicePath"][..])
            );
            assert_eq!(at(&["containers", "[]", "args"]), None);
            assert_eq!(at(&["tolerations"]), None);
        }
        let cron = [
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "spec",
            "containers",
        ];
        assert_eq!(
            list_merge_keys("batch/v1", "CronJob", &cron),
            Some(&["name"][..])
        );
        assert_eq!(
            list_merge_keys("batch/v1beta1", "CronJob", &cron),
            Some(&["name"][..])
        );
    }

    #[test]
    fn metadata_and_service_lists() {
        assert_eq!(
            list_merge_keys("v1", "ConfigMap", &["metadata", "ownerReferences"]),
            Some(&["uid"][..])
        );
        assert_eq!(
            list_merge_keys("v1", "Service", &["spec", "ports"]),
            Some(&["port", "protocol"][..])
        );
        assert_eq!(
            list_merge_keys("v1", "Pod", &["spec", "ephemeralContainers", "[]", "ports"]),
            None
        );
        assert_eq!(
            list_merge_keys("v1", "Pod", &["spec", "topologySpreadConstraints"]),
            Some(&["topologyKey", "whenUnsatisfiable"][..])
        );
        assert_eq!(list_merge_keys("v1", "List", &["items"]), None);
    }
}
