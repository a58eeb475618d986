//! Kubernetes objects inside scenario files, exactly as `kubectl get -o json` prints them.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use taintsim_api::Object;

/// A Kubernetes object: `apiVersion`, `kind`, `metadata`, and `spec`/`status` as the kind
/// defines them. Decoded into the k8s-openapi type its apiVersion and kind name, so a field of
/// the wrong type or an unknown apiVersion is an error at the position of the object.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeObject(pub Object);

impl Serialize for KubeObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for KubeObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Object::from_value(value)
            .map(KubeObject)
            .map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for KubeObject {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "KubernetesObject".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "A Kubernetes object as `kubectl get -o json` prints it. Supported: v1 Pod, v1 Event, resource.k8s.io/v1beta1 and v1 ResourceClaim and ResourceSlice, resource.k8s.io/v1alpha3 DeviceTaintRule.",
            "required": ["apiVersion", "kind", "metadata"],
            "properties": {
                "apiVersion": {"enum": ["v1", "resource.k8s.io/v1beta1", "resource.k8s.io/v1", "resource.k8s.io/v1alpha3"]},
                "kind": {"enum": ["Pod", "Event", "ResourceClaim", "ResourceSlice", "DeviceTaintRule"]},
                "metadata": {"type": "object", "required": ["name"]}
            }
        })
    }
}
