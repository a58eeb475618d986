//! [`Object`]: one stored Kubernetes object, in one of the API versions the simulator speaks.
//!
//! Objects are the k8s-openapi types, so they serialize exactly like `kubectl get -o json`.
//! Deserializing reads `apiVersion` and `kind` first and then decodes the matching type, so a
//! scenario file can list objects of several kinds in one array.

use std::fmt;
use std::sync::Arc;

use k8s_openapi::Resource as _;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::api::resource::{v1, v1alpha3, v1beta1};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::kind::Kind;

/// One stored object. See the module docs.
///
/// The variants hold the k8s-openapi value behind an [`Arc`], so a clone is a reference
/// count: the server's store, its watch log, every watch event, the informer caches, their
/// notifications and their listers share one allocation per object version. Writes are
/// copy-on-write: [`Object::metadata_mut`] and [`Arc::make_mut`] on a variant copy the value
/// only if it is shared, so a stored version never changes under its readers.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `v1` Pod.
    Pod(Arc<Pod>),
    /// `resource.k8s.io/v1beta1` ResourceClaim (the 1.33 controller's version).
    ClaimV1beta1(Arc<v1beta1::ResourceClaim>),
    /// `resource.k8s.io/v1` ResourceClaim (1.34 and later).
    ClaimV1(Arc<v1::ResourceClaim>),
    /// `resource.k8s.io/v1beta1` ResourceSlice; taints under `devices[].basic.taints`.
    SliceV1beta1(Arc<v1beta1::ResourceSlice>),
    /// `resource.k8s.io/v1` ResourceSlice; taints under `devices[].taints`.
    SliceV1(Arc<v1::ResourceSlice>),
    /// `resource.k8s.io/v1alpha3` DeviceTaintRule.
    Rule(Arc<v1alpha3::DeviceTaintRule>),
    /// `v1` Event.
    Event(Arc<Event>),
    /// `v1` Node; its taints are `spec.taints`.
    Node(Arc<Node>),
}

/// Applies `$body` to the inner value of any variant, bound as `$o`.
macro_rules! each {
    ($obj:expr, $o:ident => $body:expr) => {
        match $obj {
            Object::Pod($o) => $body,
            Object::ClaimV1beta1($o) => $body,
            Object::ClaimV1($o) => $body,
            Object::SliceV1beta1($o) => $body,
            Object::SliceV1($o) => $body,
            Object::Rule($o) => $body,
            Object::Event($o) => $body,
            Object::Node($o) => $body,
        }
    };
}

/// The (apiVersion, kind) pairs the simulator stores, in the order of [`Object`]'s variants.
const KNOWN: [(&str, &str); 8] = [
    (Pod::API_VERSION, Pod::KIND),
    (
        v1beta1::ResourceClaim::API_VERSION,
        v1beta1::ResourceClaim::KIND,
    ),
    (v1::ResourceClaim::API_VERSION, v1::ResourceClaim::KIND),
    (
        v1beta1::ResourceSlice::API_VERSION,
        v1beta1::ResourceSlice::KIND,
    ),
    (v1::ResourceSlice::API_VERSION, v1::ResourceSlice::KIND),
    (
        v1alpha3::DeviceTaintRule::API_VERSION,
        v1alpha3::DeviceTaintRule::KIND,
    ),
    (Event::API_VERSION, Event::KIND),
    (Node::API_VERSION, Node::KIND),
];

/// The known types as `apiVersion/kind` text, for error messages.
pub(crate) fn known_types() -> String {
    KNOWN
        .iter()
        .map(|(v, k)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Object {
    /// The kind, whatever the API version.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Pod(_) => Kind::Pod,
            Object::ClaimV1beta1(_) | Object::ClaimV1(_) => Kind::ResourceClaim,
            Object::SliceV1beta1(_) | Object::SliceV1(_) => Kind::ResourceSlice,
            Object::Rule(_) => Kind::DeviceTaintRule,
            Object::Event(_) => Kind::Event,
            Object::Node(_) => Kind::Node,
        }
    }

    /// The `apiVersion` field, e.g. `resource.k8s.io/v1beta1`.
    pub fn api_version(&self) -> &'static str {
        fn of<T: k8s_openapi::Resource>(_: &T) -> &'static str {
            T::API_VERSION
        }
        each!(self, o => of(&**o))
    }

    /// `metadata`.
    pub fn metadata(&self) -> &ObjectMeta {
        each!(self, o => &o.metadata)
    }

    /// `metadata`, mutably; copies the object first if it is shared (copy-on-write).
    pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
        each!(self, o => &mut Arc::make_mut(o).metadata)
    }

    /// `metadata.namespace`, or `""` for cluster-scoped objects.
    pub fn namespace(&self) -> &str {
        self.metadata().namespace.as_deref().unwrap_or("")
    }

    /// `metadata.name`, or `""` if unset.
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }

    /// `metadata.uid`, or `""` if unset.
    pub fn uid(&self) -> &str {
        self.metadata().uid.as_deref().unwrap_or("")
    }

    /// The store key: `namespace/name`, or `name` for cluster-scoped objects.
    pub fn key(&self) -> String {
        object_key(self.namespace(), self.name())
    }

    /// `metadata.resourceVersion` as a number; 0 if unset or not a number.
    pub fn resource_version(&self) -> u64 {
        self.metadata()
            .resource_version
            .as_deref()
            .and_then(|rv| rv.parse().ok())
            .unwrap_or(0)
    }

    /// The object as JSON, exactly as `kubectl get -o json` prints it.
    pub fn to_value(&self) -> serde_json::Value {
        // Serializing a k8s-openapi type into a Value cannot fail: every map key is a string.
        each!(self, o => serde_json::to_value(&**o).unwrap_or(serde_json::Value::Null))
    }

    /// Decodes JSON by its `apiVersion` and `kind`.
    pub fn from_value(value: serde_json::Value) -> Result<Object> {
        let field = |name: &'static str| {
            value
                .get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or(Error::MissingTypeField(name))
        };
        let api_version = field("apiVersion")?;
        let kind = field("kind")?;
        let index = KNOWN
            .iter()
            .position(|(v, k)| *v == api_version && *k == kind)
            .ok_or_else(|| Error::UnknownType {
                api_version: api_version.clone(),
                kind: kind.clone(),
            })?;
        let decoded = match index {
            0 => serde_json::from_value(value).map(|o| Object::Pod(Arc::new(o))),
            1 => serde_json::from_value(value).map(|o| Object::ClaimV1beta1(Arc::new(o))),
            2 => serde_json::from_value(value).map(|o| Object::ClaimV1(Arc::new(o))),
            3 => serde_json::from_value(value).map(|o| Object::SliceV1beta1(Arc::new(o))),
            4 => serde_json::from_value(value).map(|o| Object::SliceV1(Arc::new(o))),
            5 => serde_json::from_value(value).map(|o| Object::Rule(Arc::new(o))),
            6 => serde_json::from_value(value).map(|o| Object::Event(Arc::new(o))),
            _ => serde_json::from_value(value).map(|o| Object::Node(Arc::new(o))),
        };
        decoded.map_err(|source| Error::Decode {
            api_version,
            kind,
            source,
        })
    }

    /// Decodes JSON text by its `apiVersion` and `kind`.
    pub fn from_json(text: &str) -> Result<Object> {
        Object::from_value(serde_json::from_str(text)?)
    }

    /// The inner value, if it is a `T`.
    pub fn as_typed<T: TypedObject>(&self) -> Option<&T> {
        T::from_object_ref(self)
    }

    /// The inner value, if it is a `T`; copied out unless this was its only handle.
    pub fn into_typed<T: TypedObject>(self) -> Option<T> {
        T::from_object(self).map(Arc::unwrap_or_clone)
    }

    /// The shared inner value, if it is a `T`, without copying it.
    pub fn into_shared<T: TypedObject>(self) -> Option<Arc<T>> {
        T::from_object(self)
    }
}

/// `namespace/name`, or `name` when `namespace` is empty: the key of stores and listers.
pub fn object_key(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        return name.to_owned();
    }
    // Not `format!`: keys are built for every store, cache and lister access, and the
    // formatting machinery costs several times what three appends do.
    let mut key = String::with_capacity(namespace.len() + 1 + name.len());
    push_object_key(&mut key, namespace, name);
    key
}

/// Appends [`object_key`]`(namespace, name)` to `out`.
pub fn push_object_key(out: &mut String, namespace: &str, name: &str) {
    if !namespace.is_empty() {
        out.push_str(namespace);
        out.push('/');
    }
    out.push_str(name);
}

impl fmt::Display for Object {
    /// `Pod default/my-pod`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.key())
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        each!(self, o => (**o).serialize(serializer))
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Object::from_value(value).map_err(serde::de::Error::custom)
    }
}

/// A k8s-openapi type that [`Object`] can hold.
pub trait TypedObject: Clone + Into<Object> + Send + Sync + 'static {
    /// The kind of its objects.
    const OBJECT_KIND: Kind;

    /// The shared inner value, if `object` holds a `Self`.
    fn from_object(object: Object) -> Option<Arc<Self>>;

    /// The inner value, if `object` holds a `Self`.
    fn from_object_ref(object: &Object) -> Option<&Self>;
}

macro_rules! typed {
    ($ty:ty, $variant:ident, $kind:ident) => {
        impl From<$ty> for Object {
            fn from(value: $ty) -> Self {
                Object::$variant(Arc::new(value))
            }
        }

        impl From<Arc<$ty>> for Object {
            fn from(value: Arc<$ty>) -> Self {
                Object::$variant(value)
            }
        }

        impl TypedObject for $ty {
            const OBJECT_KIND: Kind = Kind::$kind;

            fn from_object(object: Object) -> Option<Arc<Self>> {
                match object {
                    Object::$variant(o) => Some(o),
                    _ => None,
                }
            }

            fn from_object_ref(object: &Object) -> Option<&Self> {
                match object {
                    Object::$variant(o) => Some(o),
                    _ => None,
                }
            }
        }
    };
}

typed!(Pod, Pod, Pod);
typed!(v1beta1::ResourceClaim, ClaimV1beta1, ResourceClaim);
typed!(v1::ResourceClaim, ClaimV1, ResourceClaim);
typed!(v1beta1::ResourceSlice, SliceV1beta1, ResourceSlice);
typed!(v1::ResourceSlice, SliceV1, ResourceSlice);
typed!(v1alpha3::DeviceTaintRule, Rule, DeviceTaintRule);
typed!(Event, Event, Event);
typed!(Node, Node, Node);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_should_decode_by_api_version_and_kind() {
        let text = r#"{"apiVersion":"resource.k8s.io/v1beta1","kind":"ResourceSlice",
            "metadata":{"name":"s"},"spec":{"driver":"d","pool":{"name":"p","generation":1,
            "resourceSliceCount":1},"nodeName":"n"}}"#;
        let obj = Object::from_json(text).expect("valid slice");
        assert_eq!(obj.kind(), Kind::ResourceSlice);
        assert_eq!(obj.api_version(), "resource.k8s.io/v1beta1");
        assert_eq!(obj.key(), "s");
        assert!(matches!(obj, Object::SliceV1beta1(_)));
    }

    #[test]
    fn object_should_round_trip_like_kubectl_json() {
        let text = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},
            "spec":{"containers":[]}}"#;
        let obj = Object::from_json(text).expect("valid pod");
        let value = serde_json::to_value(&obj).expect("serializes");
        assert_eq!(value["apiVersion"], "v1");
        assert_eq!(value["kind"], "Pod");
        let back: Object = serde_json::from_value(value).expect("decodes");
        assert_eq!(back, obj);
        assert_eq!(back.key(), "default/p");
    }

    #[test]
    fn object_should_name_unknown_types() {
        let err = Object::from_json(r#"{"apiVersion":"v1","kind":"Namespace","metadata":{}}"#)
            .expect_err("Namespace is not stored");
        let msg = err.to_string();
        assert!(msg.contains("\"Namespace\""), "{msg}");
        assert!(
            msg.contains("resource.k8s.io/v1alpha3 DeviceTaintRule"),
            "{msg}"
        );
        let err = Object::from_json(r#"{"kind":"Pod"}"#).expect_err("no apiVersion");
        assert!(err.to_string().contains("apiVersion"));
    }

    #[test]
    fn node_should_decode_cluster_scoped_with_its_taints() {
        let text = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"worker"},
            "spec":{"taints":[{"key":"k","effect":"NoExecute"}]}}"#;
        let obj = Object::from_json(text).expect("valid node");
        assert_eq!(obj.kind(), Kind::Node);
        assert_eq!(obj.key(), "worker");
        let node: &Node = obj.as_typed().expect("a node");
        let taints = node.spec.as_ref().and_then(|s| s.taints.as_ref());
        assert_eq!(taints.map(Vec::len), Some(1));
    }

    #[test]
    fn object_should_report_bad_fields_with_type() {
        let err = Object::from_json(r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":3}}"#)
            .expect_err("name must be a string");
        assert!(err.to_string().starts_with("invalid v1 Pod"), "{err}");
    }
}
