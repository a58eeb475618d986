//! The kinds of object the server stores, and the verbs it counts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A kind of object the server stores.
///
/// Each kind has one store and one watch log, whatever API version its objects were written in
/// (a v1beta1 and a v1 ResourceClaim named alike are the same object, as on a real server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// core/v1 Pod (namespaced, status subresource).
    Pod,
    /// resource.k8s.io ResourceClaim (namespaced, status subresource).
    ResourceClaim,
    /// resource.k8s.io ResourceSlice (cluster-scoped, no status).
    ResourceSlice,
    /// resource.k8s.io DeviceTaintRule (cluster-scoped, status subresource).
    DeviceTaintRule,
    /// core/v1 Event (namespaced, no status).
    Event,
    /// core/v1 Node (cluster-scoped, status subresource; taints in `spec.taints`).
    Node,
}

/// The kind's plural between `prefix` and `suffix`, as a `&'static str`: the one table of
/// plurals, for names built from it in every world ([`Kind::informer_actor`],
/// [`resource::cache`](crate::resource::cache)) without formatting.
macro_rules! plural_with {
    ($kind:expr, $prefix:literal, $suffix:literal) => {
        match $kind {
            Kind::Pod => concat!($prefix, "pods", $suffix),
            Kind::ResourceClaim => concat!($prefix, "resourceclaims", $suffix),
            Kind::ResourceSlice => concat!($prefix, "resourceslices", $suffix),
            Kind::DeviceTaintRule => concat!($prefix, "devicetaintrules", $suffix),
            Kind::Event => concat!($prefix, "events", $suffix),
            Kind::Node => concat!($prefix, "nodes", $suffix),
        }
    };
}
pub(crate) use plural_with;

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 6] = [
        Kind::Pod,
        Kind::ResourceClaim,
        Kind::ResourceSlice,
        Kind::DeviceTaintRule,
        Kind::Event,
        Kind::Node,
    ];

    /// The `kind` field, e.g. `Pod`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::ResourceClaim => "ResourceClaim",
            Kind::ResourceSlice => "ResourceSlice",
            Kind::DeviceTaintRule => "DeviceTaintRule",
            Kind::Event => "Event",
            Kind::Node => "Node",
        }
    }

    /// The resource name in URLs, e.g. `pods`; used in `cache/<plural>` touches and labels.
    pub fn plural(self) -> &'static str {
        plural_with!(self, "", "")
    }

    /// The actor name of the reflector of an informer named after the kind,
    /// `<plural>-informer` (static, so that starting an informer formats nothing).
    pub fn informer_actor(self) -> &'static str {
        plural_with!(self, "", "-informer")
    }

    /// The lowercase singular, e.g. `pod`; used in `<singular>/<ns>/<name>` touches and labels.
    pub fn singular(self) -> &'static str {
        match self {
            Kind::Pod => "pod",
            Kind::ResourceClaim => "resourceclaim",
            Kind::ResourceSlice => "resourceslice",
            Kind::DeviceTaintRule => "devicetaintrule",
            Kind::Event => "event",
            Kind::Node => "node",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn is_namespaced(self) -> bool {
        matches!(self, Kind::Pod | Kind::ResourceClaim | Kind::Event)
    }

    /// Whether the kind has a status subresource, so that `update` keeps the stored status and
    /// `update_status` changes nothing but the status.
    pub fn has_status_subresource(self) -> bool {
        matches!(
            self,
            Kind::Pod | Kind::ResourceClaim | Kind::DeviceTaintRule | Kind::Node
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = Error;

    /// Accepts the kind name (`Pod`), the singular (`pod`) or the plural (`pods`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| s == k.name() || s == k.singular() || s == k.plural())
            .ok_or_else(|| Error::UnknownKind(s.to_owned()))
    }
}

/// An API verb, as counted by [`ApiServer::calls`](crate::ApiServer::calls) and seen by fault
/// rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    /// Read one object.
    Get,
    /// Read all objects of a kind.
    List,
    /// Create an object.
    Create,
    /// Replace an object (its status is kept for kinds with a status subresource).
    Update,
    /// Replace an object's status.
    UpdateStatus,
    /// Patch an object (pod status conditions, event counts).
    Patch,
    /// Delete an object.
    Delete,
    /// Open a watch.
    Watch,
    /// Server-side apply (of a DeviceTaintRule's status).
    Apply,
}

impl Verb {
    /// Every verb, in a fixed order.
    pub const ALL: [Verb; 9] = [
        Verb::Get,
        Verb::List,
        Verb::Create,
        Verb::Update,
        Verb::UpdateStatus,
        Verb::Patch,
        Verb::Delete,
        Verb::Watch,
        Verb::Apply,
    ];

    /// The snake_case name, e.g. `update_status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::UpdateStatus => "update_status",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::Watch => "watch",
            Verb::Apply => "apply",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Verb {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verb::ALL
            .into_iter()
            .find(|v| s == v.as_str())
            .ok_or_else(|| Error::UnknownVerb(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_should_parse_name_singular_and_plural() {
        for k in Kind::ALL {
            assert_eq!(k.name().parse::<Kind>().ok(), Some(k));
            assert_eq!(k.singular().parse::<Kind>().ok(), Some(k));
            assert_eq!(k.plural().parse::<Kind>().ok(), Some(k));
        }
        assert_eq!("Node".parse::<Kind>().ok(), Some(Kind::Node));
        assert!("Nodes".parse::<Kind>().is_err());
        assert!(!Kind::Node.is_namespaced());
        assert!(Kind::Node.has_status_subresource());
    }

    #[test]
    fn static_names_should_be_built_from_the_plural() {
        for k in Kind::ALL {
            assert_eq!(k.informer_actor(), format!("{}-informer", k.plural()));
            assert_eq!(crate::resource::cache(k), format!("cache/{}", k.plural()));
        }
    }

    #[test]
    fn verb_should_round_trip_through_its_name() {
        for v in Verb::ALL {
            assert_eq!(v.as_str().parse::<Verb>().ok(), Some(v));
        }
    }
}
