//! The REST resources served, and the URL grammar of the Kubernetes API that names them.
//!
//! Each kind the store holds is served in the API versions the store holds it in: pods,
//! nodes and events in core/v1, claims and slices in resource.k8s.io v1 and v1beta1, DeviceTaintRules in
//! resource.k8s.io/v1alpha3. A version serves the objects stored in that version: there is
//! no conversion between v1beta1 and v1, so a v1beta1 claim is not visible under v1. The
//! group's preferred version (the one kubectl picks) is the one the scenario's objects use.

use taintsim_api::{Kind, Object};

/// One resource in one API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// The kind the store keeps it under.
    pub kind: Kind,
    /// The API group (`""` for core).
    pub group: &'static str,
    /// The version, e.g. `v1beta1`.
    pub version: &'static str,
    /// kubectl's short names.
    pub short_names: &'static [&'static str],
}

/// The group of the DRA kinds.
pub const RESOURCE_GROUP: &str = "resource.k8s.io";

/// Every resource served, core first.
pub const RESOURCES: [Resource; 8] = [
    Resource {
        kind: Kind::Pod,
        group: "",
        version: "v1",
        short_names: &["po"],
    },
    Resource {
        kind: Kind::Node,
        group: "",
        version: "v1",
        short_names: &["no"],
    },
    Resource {
        kind: Kind::Event,
        group: "",
        version: "v1",
        short_names: &["ev"],
    },
    Resource {
        kind: Kind::ResourceClaim,
        group: RESOURCE_GROUP,
        version: "v1",
        short_names: &[],
    },
    Resource {
        kind: Kind::ResourceSlice,
        group: RESOURCE_GROUP,
        version: "v1",
        short_names: &[],
    },
    Resource {
        kind: Kind::ResourceClaim,
        group: RESOURCE_GROUP,
        version: "v1beta1",
        short_names: &[],
    },
    Resource {
        kind: Kind::ResourceSlice,
        group: RESOURCE_GROUP,
        version: "v1beta1",
        short_names: &[],
    },
    Resource {
        kind: Kind::DeviceTaintRule,
        group: RESOURCE_GROUP,
        version: "v1alpha3",
        short_names: &[],
    },
];

/// The versions of resource.k8s.io, newest first.
pub const RESOURCE_VERSIONS: [&str; 3] = ["v1", "v1beta1", "v1alpha3"];

impl Resource {
    /// `v1` or `resource.k8s.io/v1beta1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The URL segment, e.g. `pods`.
    pub fn plural(&self) -> &'static str {
        self.kind.plural()
    }

    /// Whether `object` is stored in this resource's version.
    pub fn holds(&self, object: &Object) -> bool {
        object.kind() == self.kind && object.api_version() == self.api_version()
    }

    /// `PodList`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind.name())
    }

    /// The URL prefix of the group version: `/api/v1` or `/apis/<group>/<version>`.
    pub fn prefix(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }
}

/// The resources of one group version.
pub fn of_group_version(group: &str, version: &str) -> Vec<Resource> {
    RESOURCES
        .into_iter()
        .filter(|r| r.group == group && r.version == version)
        .collect()
}

/// What a resource URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The resource.
    pub resource: Resource,
    /// The namespace in the URL (`None`: all namespaces, or a cluster-scoped kind).
    pub namespace: Option<String>,
    /// The object's name (`None`: the collection).
    pub name: Option<String>,
    /// `status` for the status subresource.
    pub status: bool,
}

/// Why a path names no resource: `404` with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoResource(pub String);

/// Parses a resource path: `/api/v1[/namespaces/NS]/PLURAL[/NAME[/status]]` or
/// `/apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME[/status]]`. `Ok(None)` for a path that is
/// not a resource path at all (discovery, for example).
pub fn parse(path: &str) -> Result<Option<Target>, NoResource> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] if !rest.is_empty() => ("", *version, rest),
        ["apis", group, version, rest @ ..] if !rest.is_empty() => (*group, *version, rest),
        _ => return Ok(None),
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some((*ns).to_owned()), rest),
        _ => (None, rest),
    };
    let (plural, name, sub) = match rest {
        [plural] => (*plural, None, None),
        [plural, name] => (*plural, Some((*name).to_owned()), None),
        [plural, name, sub] => (*plural, Some((*name).to_owned()), Some(*sub)),
        _ => {
            return Err(NoResource(format!(
                "the server could not find the requested resource ({path})"
            )));
        }
    };
    let resource = RESOURCES
        .into_iter()
        .find(|r| r.group == group && r.version == version && r.plural() == plural)
        .ok_or_else(|| {
            NoResource(format!(
                "the server could not find the requested resource ({plural} in {})",
                if group.is_empty() {
                    version.to_owned()
                } else {
                    format!("{group}/{version}")
                }
            ))
        })?;
    if namespace.is_some() && !resource.kind.is_namespaced() {
        return Err(NoResource(format!(
            "{plural} is cluster-scoped: the server could not find the requested resource ({path})"
        )));
    }
    let status = match sub {
        None => false,
        Some("status") if resource.kind.has_status_subresource() => true,
        Some(other) => {
            return Err(NoResource(format!(
                "{plural} has no subresource {other:?}: the server could not find the requested resource"
            )));
        }
    };
    Ok(Some(Target {
        resource,
        namespace,
        name,
        status,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_should_name_resources_namespaces_names_and_status() {
        let t = parse("/api/v1/namespaces/default/pods/my-pod/status")
            .expect("known")
            .expect("a resource path");
        assert_eq!(t.resource.kind, Kind::Pod);
        assert_eq!(t.namespace.as_deref(), Some("default"));
        assert_eq!(t.name.as_deref(), Some("my-pod"));
        assert!(t.status);
        let t = parse("/apis/resource.k8s.io/v1beta1/resourceslices")
            .expect("known")
            .expect("a resource path");
        assert_eq!(t.resource.api_version(), "resource.k8s.io/v1beta1");
        assert_eq!(t.namespace, None);
        assert_eq!(parse("/api/v1").expect("discovery"), None);
        assert!(parse("/api/v1/configmaps").is_err());
        let t = parse("/api/v1/nodes/worker")
            .expect("known")
            .expect("a resource path");
        assert_eq!(
            (t.resource.kind, t.namespace, t.name.as_deref()),
            (Kind::Node, None, Some("worker"))
        );
        assert!(parse("/apis/resource.k8s.io/v1/namespaces/x/resourceslices").is_err());
        assert!(parse("/api/v1/namespaces/default/events/e/status").is_err());
    }
}
