//! Fixtures shared by the test modules.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use k8s_openapi::api::resource::{v1, v1alpha3, v1beta1};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use taintsim_api::{ApiServer, ApiServerConfig, Object};
use taintsim_seam::runtime::{ManualRuntime, Runtime, Timestamp};

/// 2025-01-01T00:00:00Z, the clock's start in every test.
pub fn start() -> Timestamp {
    Timestamp::from_second(1_735_689_600).expect("valid timestamp")
}

/// A manual runtime, also as the trait object the crate takes.
pub fn runtime() -> (ManualRuntime, Arc<dyn Runtime>) {
    let rt = ManualRuntime::new(start());
    let dyn_rt: Arc<dyn Runtime> = Arc::new(rt.clone());
    (rt, dyn_rt)
}

/// A server on `rt`'s clock.
pub fn server_on(rt: &Arc<dyn Runtime>, config: ApiServerConfig) -> ApiServer {
    ApiServer::new(rt.clone(), config)
}

/// A server with a fixed clock at [`start`].
pub fn server() -> ApiServer {
    ApiServer::with_clock(Arc::new(start), ApiServerConfig::default())
}

fn meta(namespace: Option<&str>, name: &str) -> ObjectMeta {
    ObjectMeta {
        namespace: namespace.map(str::to_owned),
        name: Some(name.to_owned()),
        ..ObjectMeta::default()
    }
}

/// Pod `default/<name>` with one container (the least a real server accepts).
pub fn pod(name: &str) -> Object {
    Object::from(Pod {
        metadata: meta(Some("default"), name),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "app".to_owned(),
                image: Some("registry.k8s.io/pause:3.10".to_owned()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        ..Pod::default()
    })
}

/// Pod `default/<name>` with label `step=<value>`, to make distinct updates.
pub fn pod_labelled(name: &str, value: u64) -> Object {
    let mut obj = pod(name);
    obj.metadata_mut().labels = Some(BTreeMap::from([("step".to_owned(), value.to_string())]));
    obj
}

/// A v1beta1 slice with one device carrying one NoExecute taint without `timeAdded`.
pub fn slice_v1beta1(name: &str) -> Object {
    let text = format!(
        r#"{{"apiVersion":"resource.k8s.io/v1beta1","kind":"ResourceSlice","metadata":{{"name":"{name}"}},
        "spec":{{"driver":"d","nodeName":"n","pool":{{"name":"p","generation":1,"resourceSliceCount":1}},
        "devices":[{{"name":"dev","basic":{{"taints":[{{"key":"k","effect":"NoExecute"}}]}}}}]}}}}"#
    );
    let obj = Object::from_json(&text).expect("valid slice");
    assert!(matches!(obj, Object::SliceV1beta1(_)));
    obj
}

/// A v1 slice with one device carrying one NoExecute taint without `timeAdded`.
pub fn slice_v1(name: &str) -> Object {
    let text = format!(
        r#"{{"apiVersion":"resource.k8s.io/v1","kind":"ResourceSlice","metadata":{{"name":"{name}"}},
        "spec":{{"driver":"d","nodeName":"n","pool":{{"name":"p","generation":1,"resourceSliceCount":1}},
        "devices":[{{"name":"dev","taints":[{{"key":"k","effect":"NoExecute"}}]}}]}}}}"#
    );
    let obj = Object::from_json(&text).expect("valid slice");
    assert!(matches!(obj, Object::SliceV1(_)));
    obj
}

/// A DeviceTaintRule whose taint has no `timeAdded`.
pub fn rule(name: &str) -> Object {
    let text = format!(
        r#"{{"apiVersion":"resource.k8s.io/v1alpha3","kind":"DeviceTaintRule","metadata":{{"name":"{name}"}},
        "spec":{{"deviceSelector":{{"driver":"d"}},"taint":{{"key":"k","effect":"NoExecute"}}}}}}"#
    );
    Object::from_json(&text).expect("valid rule")
}

/// The `timeAdded` values of every device taint in a slice or rule.
pub fn taint_times(obj: &Object) -> Vec<Option<Timestamp>> {
    match obj {
        Object::SliceV1beta1(s) => s
            .spec
            .devices
            .iter()
            .flatten()
            .filter_map(|d| d.basic.as_ref())
            .flat_map(|b| b.taints.iter().flatten())
            .map(|t: &v1beta1::DeviceTaint| t.time_added.as_ref().map(|t| t.0))
            .collect(),
        Object::SliceV1(s) => s
            .spec
            .devices
            .iter()
            .flatten()
            .flat_map(|d| d.taints.iter().flatten())
            .map(|t: &v1::DeviceTaint| t.time_added.as_ref().map(|t| t.0))
            .collect(),
        Object::Rule(r) => {
            let t: &v1alpha3::DeviceTaint = &r.spec.taint;
            vec![t.time_added.as_ref().map(|t| t.0)]
        }
        _ => Vec::new(),
    }
}

/// Runs `fut` as a task on `rt` and returns the slot its output lands in.
pub fn spawn_result<T: Send + 'static>(
    rt: &Arc<dyn Runtime>,
    fut: impl Future<Output = T> + Send + 'static,
) -> Arc<Mutex<Option<T>>> {
    let slot = Arc::new(Mutex::new(None));
    let out = slot.clone();
    rt.spawn(
        "test".to_owned(),
        Box::pin(async move {
            let value = fut.await;
            *out.lock().expect("not poisoned") = Some(value);
        }),
    );
    slot
}

/// Takes the value out of a [`spawn_result`] slot.
pub fn take<T>(slot: &Arc<Mutex<Option<T>>>) -> Option<T> {
    slot.lock().expect("not poisoned").take()
}
