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
        let object = Object::from_value(value.clone()).map_err(serde::de::Error::custom)?;
        // k8s-openapi ignores unknown fields; a typo such as `nodename` would load and do
        // nothing. A key that does not survive re-encoding is one the type does not have.
        if let Some(path) = dropped_key(&value, &object.to_value(), String::new()) {
            return Err(serde::de::Error::custom(format!(
                "unknown field `{path}` in {} {}: not a field of this kind (check its spelling and nesting)",
                object.kind().name(),
                object.key()
            )));
        }
        crate::load::check_object(&object).map_err(serde::de::Error::custom)?;
        Ok(KubeObject(object))
    }
}

/// The first key of `input` that `encoded` lacks, as a dotted path. Values are not compared:
/// re-encoding may normalise them (timestamps, for example); only keys matter.
fn dropped_key(
    input: &serde_json::Value,
    encoded: &serde_json::Value,
    at: String,
) -> Option<String> {
    use serde_json::Value;
    match (input, encoded) {
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            match b.get(k) {
                Some(w) => dropped_key(v, w, path),
                // Null and empty values are dropped by re-encoding without being unknown.
                None if v.is_null()
                    || v.as_array().is_some_and(Vec::is_empty)
                    || v.as_object().is_some_and(serde_json::Map::is_empty) =>
                {
                    None
                }
                None => Some(path),
            }
        }),
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (v, w))| dropped_key(v, w, format!("{at}[{i}]"))),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_inside_an_object_should_be_an_error_naming_its_path() {
        let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
            "spec": {"nodename": "worker", "containers": []}}"#;
        let err = serde_json::from_str::<KubeObject>(text).expect_err("a typo is rejected");
        assert!(
            err.to_string().contains("unknown field `spec.nodename`"),
            "{err}"
        );
    }

    #[test]
    fn known_fields_and_empty_values_should_load() {
        let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "labels": {}},
            "spec": {"nodeName": "worker", "containers": [{"name": "c", "image": "i"}], "tolerations": []}}"#;
        assert!(serde_json::from_str::<KubeObject>(text).is_ok());
    }
}
