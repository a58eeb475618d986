//! kube-rs against `taintsim serve --live`: `Api`, `watcher` and `reflector` on a served
//! scenario, as an operator written with kube-rs would use a cluster. A client no one here
//! wrote checks the server's fidelity: list-then-watch, resuming a watch from a
//! resourceVersion, the relist after `410 Gone` once the watch window has passed, `409` on a
//! stale update, a delete with a UID precondition, and the answers to bad requests.

use std::path::Path;
use std::time::Duration;

use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, Preconditions, WatchEvent,
    WatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt as _, reflector, watcher};
use serde_json::{Value, json};
use taintsim_check::Schedule;
use taintsim_serve::live::LiveOptions;
use taintsim_serve::{At, ServeOptions, Served};

/// The fixture of the kubectl tests, with a watch window of `window` events per kind.
fn scenario(window: usize) -> taintsim_scenario::format::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/fixtures/serve/live.json");
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the fixture")).expect("JSON");
    value["world"] = json!({"watch-window": window});
    taintsim_scenario::load::parse(&value.to_string(), &path, &taintsim::controllers())
        .expect("the fixture loads")
}

async fn serve(window: usize, dir: &Path) -> (Served, kube::Client) {
    let served = taintsim_serve::start(ServeOptions {
        scenario: scenario(window),
        schedule: Schedule::Random(0),
        max_steps: 20_000,
        at: At::End,
        listen: "127.0.0.1:0".parse().expect("an address"),
        kubeconfig: dir.join("kubeconfig"),
        live: Some(LiveOptions {
            scale: 10.0,
            tick: Duration::from_millis(100),
            record: Some(dir.join("recorded.json")),
        }),
        announce_moves: false,
    })
    .await
    .expect("serves");
    let client = client_for(&served, true).await;
    (served, client)
}

async fn client_for(served: &Served, with_token: bool) -> kube::Client {
    let kubeconfig = Kubeconfig::read_from(&served.kubeconfig).expect("a kubeconfig");
    let mut config =
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .expect("a config");
    if !with_token {
        config.auth_info.token = None;
    }
    kube::Client::try_from(config).expect("a client")
}

fn api_error(e: kube::Error) -> (u16, String) {
    match e {
        kube::Error::Api(status) => (status.code, status.reason),
        other => panic!("expected an API error, got {other}"),
    }
}

async fn label(api: &Api<Pod>, name: &str, key: &str, value: &str) -> Pod {
    let patch = json!({"metadata": {"labels": {key: value}}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patched")
}

fn rv(pod: &Pod) -> String {
    pod.metadata
        .resource_version
        .clone()
        .expect("a resourceVersion")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_then_watch_and_resume_from_a_resource_version() {
    let dir = tempfile::tempdir().expect("a folder");
    let (served, client) = serve(1000, dir.path()).await;
    let api: Api<Pod> = Api::namespaced(client, "default");
    let list = api.list(&ListParams::default()).await.expect("listed");
    assert!(
        list.items
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some("my-pod"))
    );
    let listed = list
        .metadata
        .resource_version
        .expect("a list resourceVersion");
    let first = label(&api, "my-pod", "step", "1").await;
    let second = label(&api, "my-pod", "step", "2").await;

    let seen = |from: String| {
        let api = api.clone();
        async move {
            let stream = api
                .watch(&WatchParams::default().timeout(5), &from)
                .await
                .expect("a watch");
            let events: Vec<WatchEvent<Pod>> = stream
                .try_filter(|e| futures::future::ready(matches!(e, WatchEvent::Modified(_))))
                .take(if from.is_empty() { 0 } else { 1 })
                .try_collect()
                .await
                .expect("events");
            events
        }
    };
    let from_list = seen(listed.clone()).await;
    match from_list.as_slice() {
        [WatchEvent::Modified(p)] => {
            assert_eq!(rv(p), rv(&first), "the first change after the list")
        }
        other => panic!("{other:?}"),
    }
    let resumed = seen(rv(&first)).await;
    match resumed.as_slice() {
        [WatchEvent::Modified(p)] => {
            assert_eq!(rv(p), rv(&second), "only what came after the resume point");
            assert_eq!(
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("step"))
                    .map(String::as_str),
                Some("2")
            );
        }
        other => panic!("{other:?}"),
    }
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reflector_should_relist_after_410_gone() {
    let dir = tempfile::tempdir().expect("a folder");
    // Three pod events per kind are kept: five writes push the reflector's resume point out.
    let (served, client) = serve(3, dir.path()).await;
    let api: Api<Pod> = Api::namespaced(client, "default");
    let (store, writer) = reflector::store::<Pod>();
    let mut stream = watcher(api.clone(), watcher::Config::default().timeout(5))
        .reflect(writer)
        .boxed();
    let mut init_done = 0;
    while init_done == 0 {
        match stream.next().await.expect("the watcher runs") {
            Ok(watcher::Event::InitDone) => init_done += 1,
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    // The watcher is listed and will watch from the list's resourceVersion at its next poll;
    // meanwhile the pods change more often than the server remembers.
    let mut last = None;
    for i in 0..5 {
        last = Some(label(&api, "my-pod", "n", &i.to_string()).await);
    }
    let last = last.expect("written");
    let mut gone = false;
    while init_done < 2 {
        let event = tokio::time::timeout(Duration::from_secs(30), stream.next())
            .await
            .expect("the watcher relists in time")
            .expect("the watcher runs");
        match event {
            Err(watcher::Error::WatchError(status)) => {
                assert_eq!(status.code, 410, "{status:?}");
                gone = true;
            }
            Err(e) => panic!("unexpected watcher error {e}"),
            Ok(watcher::Event::InitDone) => init_done += 1,
            Ok(_) => {}
        }
    }
    assert!(gone, "the resumed watch got 410 Gone");
    let cached = store
        .get(&reflector::ObjectRef::new("my-pod").within("default"))
        .expect("the reflector has my-pod");
    assert_eq!(
        rv(&cached),
        rv(&last),
        "the relist brought the latest state"
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_updates_and_wrong_uid_preconditions_should_conflict() {
    let dir = tempfile::tempdir().expect("a folder");
    let (served, client) = serve(1000, dir.path()).await;
    let api: Api<Pod> = Api::namespaced(client, "default");
    let mut pod = api.get("my-pod").await.expect("my-pod");
    pod.metadata
        .labels
        .get_or_insert_default()
        .insert("a".into(), "1".into());
    api.replace("my-pod", &PostParams::default(), &pod)
        .await
        .expect("replaced");
    pod.metadata
        .labels
        .get_or_insert_default()
        .insert("a".into(), "2".into());
    let stale = api
        .replace("my-pod", &PostParams::default(), &pod)
        .await
        .expect_err("stale");
    assert_eq!(api_error(stale), (409, "Conflict".to_owned()));

    let new: Pod = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "pod-x"},
        "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]}}))
    .expect("a pod");
    let created = api
        .create(&PostParams::default(), &new)
        .await
        .expect("created");
    let uid = created.metadata.uid.clone().expect("a uid");
    let wrong = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some(format!("{uid}-not")),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    let refused = api.delete("pod-x", &wrong).await.expect_err("wrong uid");
    assert_eq!(api_error(refused), (409, "Conflict".to_owned()));
    assert!(
        api.get_opt("pod-x").await.expect("read").is_some(),
        "still there"
    );
    let right = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some(uid),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    api.delete("pod-x", &right).await.expect("deleted");
    let gone = api.get("pod-x").await.expect_err("deleted");
    assert_eq!(api_error(gone), (404, "NotFound".to_owned()));
    served.stop().await;
}

async fn raw(
    client: &kube::Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("Content-Type", content_type)
        .body(body)
        .expect("a request");
    let response = client
        .send(request.map(kube::client::Body::from))
        .await
        .expect("an answer");
    let code = response.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("a body")
        .to_bytes();
    (code, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_should_get_status_answers_and_change_nothing() {
    let dir = tempfile::tempdir().expect("a folder");
    let (served, client) = serve(1000, dir.path()).await;
    let before = served.objects();
    let pods = "/api/v1/namespaces/default/pods";
    let cases = [
        (
            "POST",
            pods.to_owned(),
            "application/json",
            b"{not json".to_vec(),
            400,
            "BadRequest",
        ),
        (
            "POST",
            pods.to_owned(),
            "application/json",
            vec![b' '; 4 * 1024 * 1024],
            413,
            "RequestEntityTooLarge",
        ),
        (
            "PATCH",
            format!("{pods}/my-pod"),
            "application/yaml",
            b"a: b".to_vec(),
            415,
            "UnsupportedMediaType",
        ),
        (
            "GET",
            "/api/v1/configmaps".to_owned(),
            "application/json",
            Vec::new(),
            404,
            "NotFound",
        ),
        (
            "GET",
            "/apis/resource.k8s.io/v1/resourceslices/none".to_owned(),
            "application/json",
            Vec::new(),
            404,
            "NotFound",
        ),
    ];
    for (method, path, content_type, body, code, reason) in cases {
        let (got, status) = raw(&client, method, &path, content_type, body).await;
        assert_eq!(
            (got, status["reason"].as_str()),
            (code, Some(reason)),
            "{method} {path}: {status}"
        );
        assert_eq!(status["kind"], "Status");
    }
    let anonymous = client_for(&served, false).await;
    let (code, status) = raw(&anonymous, "GET", pods, "application/json", Vec::new()).await;
    assert_eq!(code, 401);
    assert_eq!(status["reason"], "Unauthorized");
    assert!(
        status.get("items").is_none() && status.get("details").is_none(),
        "no data: {status}"
    );

    let finished = served.finish().await.expect("a live run");
    let recording = finished.recording.expect("recorded");
    let text = std::fs::read_to_string(&recording.path).expect("written");
    for write in [
        "\"create\"",
        "\"update\"",
        "\"update-status\"",
        "\"delete\"",
    ] {
        assert!(!text.contains(write), "a failed request recorded {write}");
    }
    // The live run went on (the controller ran, the clock ticked), but no object changed.
    let after = served.objects();
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            b.metadata().resource_version,
            a.metadata().resource_version,
            "{b}"
        );
    }
    served.stop().await;
}
