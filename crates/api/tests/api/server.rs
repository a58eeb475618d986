//! The store: create, get, list, update, status, patch, delete, defaulting, counters, events,
//! faults.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, ObjectReference, Pod, PodCondition, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use taintsim_api::{
    ApiServer, ApiServerConfig, Kind, Object, Preconditions, Request, RequestObserver,
    StatusReason, Verb, Verdict,
};

use crate::support::{
    pod, pod_labelled, rule, server, slice_v1, slice_v1beta1, start, taint_times,
};

fn with_status(mut obj: Object, phase: &str) -> Object {
    if let Object::Pod(p) = &mut obj {
        std::sync::Arc::make_mut(p).status = Some(PodStatus {
            phase: Some(phase.to_owned()),
            ..PodStatus::default()
        });
    }
    obj
}

fn phase(obj: &Object) -> Option<String> {
    obj.as_typed::<Pod>()?.status.as_ref()?.phase.clone()
}

#[test]
fn create_should_assign_uid_timestamp_and_increasing_resource_versions() {
    let s = server();
    let a = s.create(pod("a")).expect("created");
    let b = s.create(slice_v1("s")).expect("created");
    let c = s.create(pod("c")).expect("created");
    assert_eq!(a.uid(), "uid-1");
    assert_eq!(b.uid(), "uid-2");
    assert_eq!(
        a.metadata().creation_timestamp.as_ref().map(|t| t.0),
        Some(start())
    );
    // One revision counter across kinds.
    assert_eq!(
        [
            a.resource_version(),
            b.resource_version(),
            c.resource_version()
        ],
        [1, 2, 3]
    );
    assert_eq!(s.revision(), 3);
}

#[test]
fn create_should_keep_a_given_uid_and_ignore_a_given_resource_version() {
    let s = server();
    let mut obj = pod("a");
    obj.metadata_mut().uid = Some("1234".into());
    obj.metadata_mut().resource_version = Some("99".into());
    let created = s.create(obj).expect("created");
    assert_eq!(created.uid(), "1234");
    assert_eq!(created.resource_version(), 1);
}

#[test]
fn create_should_honour_generate_name_deterministically() {
    let s = server();
    let mut obj = pod("");
    obj.metadata_mut().generate_name = Some("worker-".into());
    let first = s.create(obj.clone()).expect("created");
    let second = s.create(obj).expect("created");
    assert_eq!(first.name(), "worker-bbbbb");
    assert_eq!(second.name(), "worker-cbbbb");
}

#[test]
fn create_should_reject_existing_names_and_missing_names() {
    let s = server();
    s.create(pod("a")).expect("created");
    let err = s.create(pod("a")).expect_err("exists");
    assert_eq!((err.code, err.reason), (409, StatusReason::AlreadyExists));
    assert_eq!(err.message, "pods \"a\" already exists");
    let err = s.create(pod("")).expect_err("no name");
    assert_eq!((err.code, err.reason), (422, StatusReason::Invalid));
}

#[test]
fn create_should_default_the_namespace_and_clear_it_for_cluster_scoped_kinds() {
    let s = server();
    let mut p = pod("a");
    p.metadata_mut().namespace = None;
    assert_eq!(s.create(p).expect("created").key(), "default/a");
    let mut slice = slice_v1("s");
    slice.metadata_mut().namespace = Some("ignored".into());
    assert_eq!(s.create(slice).expect("created").key(), "s");
}

#[test]
fn get_should_return_404_for_missing_objects() {
    let s = server();
    let err = s.get(Kind::Pod, "default", "nope").expect_err("missing");
    assert!(err.is_not_found());
    assert_eq!(err.message, "pods \"nope\" not found");
    s.create(pod("a")).expect("created");
    assert_eq!(s.get(Kind::Pod, "default", "a").expect("found").name(), "a");
}

#[test]
fn contains_key_should_find_what_contains_finds_by_namespace_and_name() {
    let s = server();
    s.create(pod("a")).expect("created");
    assert!(s.contains(Kind::Pod, "default", "a"));
    assert!(s.contains_key(Kind::Pod, "default/a"));
    assert!(!s.contains_key(Kind::Pod, "default/b"));
    assert!(
        !s.contains_key(Kind::Pod, "a"),
        "a namespaced key has its namespace"
    );
    assert!(!s.contains_key(Kind::Event, "default/a"), "another kind");
    assert_eq!(s.peek_namespace(Kind::Pod, "default").len(), 1);
    assert!(
        s.peek_namespace(Kind::Pod, "defaul").is_empty(),
        "a prefix of a namespace"
    );
}

#[test]
fn list_should_return_items_in_key_order_with_the_revision() {
    let s = server();
    s.create(pod("b")).expect("created");
    s.create(pod("a")).expect("created");
    s.create(slice_v1("s")).expect("created");
    let list = s.list(Kind::Pod);
    let names: Vec<_> = list.items.iter().map(Object::name).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(list.resource_version, 3);
}

#[test]
fn update_should_conflict_on_a_stale_resource_version() {
    let s = server();
    let v1 = s.create(pod("a")).expect("created");
    let mut change = pod_labelled("a", 1);
    change.metadata_mut().resource_version = v1.metadata().resource_version.clone();
    let v2 = s.update(change.clone()).expect("fresh rv");
    assert_eq!(v2.resource_version(), 2);
    // `change` still carries rv 1.
    change.metadata_mut().labels = None;
    let err = s.update(change).expect_err("stale rv");
    assert_eq!((err.code, err.reason), (409, StatusReason::Conflict));
    assert!(
        err.message.contains("the object has been modified"),
        "{}",
        err.message
    );
}

#[test]
fn update_without_resource_version_should_be_unconditional_and_keep_uid_and_timestamp() {
    let s = server();
    let created = s.create(pod("a")).expect("created");
    let updated = s.update(pod_labelled("a", 7)).expect("unconditional");
    assert_eq!(updated.uid(), created.uid());
    assert_eq!(
        updated.metadata().creation_timestamp,
        created.metadata().creation_timestamp
    );
    let mut wrong_uid = pod_labelled("a", 8);
    wrong_uid.metadata_mut().uid = Some("other".into());
    let err = s.update(wrong_uid).expect_err("uid differs");
    assert_eq!(err.reason, StatusReason::Conflict);
    let err = s.update(pod("missing")).expect_err("missing");
    assert!(err.is_not_found());
}

#[test]
fn update_should_keep_status_and_update_status_should_change_only_status() {
    let s = server();
    s.create(with_status(pod("a"), "Pending")).expect("created");
    let updated = s
        .update(with_status(pod_labelled("a", 1), "Running"))
        .expect("updated");
    assert_eq!(phase(&updated).as_deref(), Some("Pending"));
    assert!(updated.metadata().labels.is_some());
    let status = s
        .update_status(with_status(pod("a"), "Running"))
        .expect("status updated");
    assert_eq!(phase(&status).as_deref(), Some("Running"));
    // The labels from the update survive: update_status ignores everything but status.
    assert!(status.metadata().labels.is_some());
    let err = s
        .update_status(slice_v1("s"))
        .expect_err("slices have no status");
    assert!(err.is_not_found());
}

#[test]
fn update_that_changes_nothing_should_not_commit() {
    let s = server();
    let created = s.create(pod("a")).expect("created");
    let same = s.update(pod("a")).expect("no-op");
    assert_eq!(same.resource_version(), created.resource_version());
    assert_eq!(s.revision(), 1);
}

#[test]
fn patch_pod_status_conditions_should_merge_by_type_and_check_uid() {
    let s = server();
    let created = s.create(pod("a")).expect("created");
    let cond = |type_: &str, status: &str, reason: Option<&str>| PodCondition {
        type_: type_.into(),
        status: status.into(),
        reason: reason.map(str::to_owned),
        ..PodCondition::default()
    };
    s.patch_pod_status_conditions(
        "default",
        "a",
        created.uid(),
        vec![cond("Ready", "True", None)],
    )
    .expect("patched");
    let pod = s
        .patch_pod_status_conditions(
            "default",
            "a",
            "",
            vec![
                cond(
                    "DisruptionTarget",
                    "True",
                    Some("DeletionByDeviceTaintManager"),
                ),
                cond("Ready", "False", None),
            ],
        )
        .expect("patched");
    let conditions = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let summary: Vec<_> = conditions
        .iter()
        .map(|c| (c.type_.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(summary, [("Ready", "False"), ("DisruptionTarget", "True")]);
    assert_eq!(s.revision(), 3);

    let err = s
        .patch_pod_status_conditions("default", "a", "other", vec![])
        .expect_err("uid mismatch");
    assert_eq!((err.code, err.reason), (409, StatusReason::Conflict));
    assert!(
        err.message.contains("UID in precondition: other"),
        "{}",
        err.message
    );
    let err = s
        .patch_pod_status_conditions("default", "b", "", vec![])
        .expect_err("missing");
    assert!(err.is_not_found());
    assert_eq!(s.calls(Verb::Patch, Kind::Pod), 4);
}

#[test]
fn delete_should_check_preconditions_and_remove_at_once() {
    let s = server();
    let created = s.create(pod("a")).expect("created");
    let wrong_uid = Preconditions {
        uid: Some("other".into()),
        resource_version: None,
    };
    let err = s
        .delete(Kind::Pod, "default", "a", &wrong_uid)
        .expect_err("uid");
    assert_eq!(err.reason, StatusReason::Conflict);
    let wrong_rv = Preconditions {
        uid: None,
        resource_version: Some("7".into()),
    };
    let err = s
        .delete(Kind::Pod, "default", "a", &wrong_rv)
        .expect_err("rv");
    assert_eq!(err.reason, StatusReason::Conflict);
    assert!(err.message.contains("ResourceVersion in precondition: 7"));
    let right = Preconditions {
        uid: Some(created.uid().to_owned()),
        resource_version: Some("1".into()),
    };
    let deleted = s
        .delete(Kind::Pod, "default", "a", &right)
        .expect("deleted");
    // The deleted object carries the revision of the deletion.
    assert_eq!(deleted.resource_version(), 2);
    assert!(s.get(Kind::Pod, "default", "a").is_err());
    let err = s
        .delete(Kind::Pod, "default", "a", &Preconditions::default())
        .expect_err("gone");
    assert!(err.is_not_found());
}

#[test]
fn create_and_update_should_default_taint_time_added() {
    let s = server();
    for obj in [slice_v1beta1("old"), slice_v1("new"), rule("r")] {
        assert_eq!(taint_times(&obj), [None]);
        let created = s.create(obj.clone()).expect("created");
        assert_eq!(taint_times(&created), [Some(start())], "{created}");
        // An update that drops the time gets it again.
        let updated = s.update(obj).expect("updated");
        assert_eq!(taint_times(&updated), [Some(start())], "{updated}");
    }
}

#[test]
fn taint_time_defaulting_should_be_switchable_off() {
    let s = server();
    s.set_default_taint_time_added(false);
    assert!(!s.config().default_taint_time_added);
    let created = s.create(slice_v1("s")).expect("created");
    assert_eq!(taint_times(&created), [None]);
    let created = s.create(rule("r")).expect("created");
    assert_eq!(taint_times(&created), [None]);
    assert_eq!(ApiServerConfig::default().watch_window, 1000);
}

#[test]
fn calls_should_be_counted_per_verb_and_kind() {
    let s = server();
    s.create(pod("a")).expect("created");
    let _ = s.get(Kind::Pod, "default", "a");
    let _ = s.get(Kind::Pod, "default", "b");
    s.list(Kind::ResourceSlice);
    assert_eq!(s.calls(Verb::Create, Kind::Pod), 1);
    assert_eq!(s.calls(Verb::Get, Kind::Pod), 2);
    assert_eq!(s.calls(Verb::List, Kind::ResourceSlice), 1);
    assert_eq!(s.calls(Verb::Delete, Kind::Pod), 0);
    assert_eq!(s.call_counts().len(), 3);
    s.reset_calls();
    assert_eq!(s.calls(Verb::Get, Kind::Pod), 0);
}

fn event(reason: &str, message: &str) -> Event {
    Event {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            namespace: Some("default".into()),
            name: Some(format!(
                "my-pod.{}.{}",
                reason.to_lowercase(),
                message.len()
            )),
            ..Default::default()
        },
        involved_object: ObjectReference {
            kind: Some("Pod".into()),
            namespace: Some("default".into()),
            name: Some("my-pod".into()),
            uid: Some("1234".into()),
            api_version: Some("v1".into()),
            ..Default::default()
        },
        reason: Some(reason.into()),
        message: Some(message.into()),
        count: Some(1),
        ..Default::default()
    }
}

#[test]
fn record_event_should_aggregate_identical_events() {
    let s = server();
    let first = s.record_event(event("R", "m")).expect("created");
    assert_eq!(first.count, Some(1));
    let later = Time(start() + Duration::from_secs(5));
    let mut again = event("R", "m");
    again.metadata.name = Some("another-name".into());
    again.last_timestamp = Some(later.clone());
    let bumped = s.record_event(again).expect("aggregated");
    assert_eq!(bumped.metadata.name, first.metadata.name);
    assert_eq!(bumped.count, Some(2));
    assert_eq!(bumped.last_timestamp, Some(later));
    s.record_event(event("R", "other message"))
        .expect("created");
    assert_eq!(s.list(Kind::Event).items.len(), 2);
    assert_eq!(s.calls(Verb::Create, Kind::Event), 2);
    assert_eq!(s.calls(Verb::Patch, Kind::Event), 1);
    assert!(s.find_identical_event(&event("R", "m")).is_some());
    assert!(s.find_identical_event(&event("X", "m")).is_none());
}

#[test]
fn check_faults_should_count_failed_requests_and_guards_should_uninstall() {
    let s = server();
    let request = Request {
        verb: Verb::Delete,
        kind: Kind::Pod,
        namespace: "default".into(),
        name: "a".into(),
        actor: "worker".into(),
        uid: None,
    };
    let guard = s.install_fault(|r: &Request| match r.verb {
        Verb::Delete => Verdict::fail(StatusReason::InternalError),
        _ => Verdict::Pass,
    });
    assert!(matches!(s.check_faults(&request), Verdict::Fail(e) if e.code == 500));
    assert_eq!(s.calls(Verb::Delete, Kind::Pod), 1);
    drop(guard);
    assert_eq!(s.check_faults(&request), Verdict::Pass);
    let id = s
        .install_fault(|_: &Request| Verdict::Delay(Duration::from_secs(1)))
        .forget();
    assert_eq!(
        s.check_faults(&request),
        Verdict::Delay(Duration::from_secs(1))
    );
    assert!(s.remove_fault(id));
    assert_eq!(s.check_faults(&request), Verdict::Pass);
}

/// Records what it saw, and whether the server it was handed holds the object asked for.
struct Seen(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl RequestObserver for Seen {
    fn observe(&self, server: &ApiServer, request: &Request) {
        let found = server.contains(request.kind, &request.namespace, &request.name);
        self.0
            .lock()
            .expect("not poisoned")
            .push(format!("observer {} found={found}", request.verb));
    }
}

#[test]
fn observers_should_see_every_request_before_the_rules_and_not_change_its_answer() {
    let s = server();
    s.create(pod("a")).expect("created");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let _guard = s.install_fault(move |r: &Request| {
        log.lock()
            .expect("not poisoned")
            .push(format!("rule {}", r.verb));
        Verdict::fail(StatusReason::InternalError)
    });
    let id = s.observe_requests(Seen(seen.clone()));
    let request = |verb| Request {
        verb,
        kind: Kind::Pod,
        namespace: "default".into(),
        name: "a".into(),
        actor: "worker".into(),
        uid: None,
    };
    assert!(matches!(
        s.check_faults(&request(Verb::Delete)),
        Verdict::Fail(_)
    ));
    assert!(s.remove_observer(id));
    assert!(!s.remove_observer(id));
    assert!(matches!(
        s.check_faults(&request(Verb::Get)),
        Verdict::Fail(_)
    ));
    assert_eq!(
        *seen.lock().expect("not poisoned"),
        ["observer delete found=true", "rule delete", "rule get"]
    );
}

#[test]
fn update_in_another_api_version_should_carry_the_stored_status_across() {
    let s = server();
    let stored = Object::from_json(
        r#"{"apiVersion":"resource.k8s.io/v1beta1","kind":"ResourceClaim",
        "metadata":{"name":"c","namespace":"default"},"spec":{},
        "status":{"allocation":{"devices":{"results":[
            {"request":"r","driver":"d","pool":"p","device":"dev"}]}}}}"#,
    )
    .expect("valid claim");
    s.create(stored).expect("created");
    let v1 = Object::from_json(
        r#"{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim",
        "metadata":{"name":"c","namespace":"default","labels":{"x":"y"}},"spec":{}}"#,
    )
    .expect("valid claim");
    let updated = s.update(v1).expect("updated");
    assert_eq!(updated.api_version(), "resource.k8s.io/v1");
    assert_eq!(
        updated.to_value()["status"]["allocation"]["devices"]["results"][0]["device"],
        "dev"
    );
}

/// Servers started from one snapshot share its stores until they write: a change in one must
/// reach neither the snapshot nor the other servers, in the objects or in the watch log.
#[test]
fn servers_started_from_one_snapshot_should_not_see_each_others_changes() {
    let (_, rt) = crate::support::runtime();
    let original = crate::support::server_on(&rt, ApiServerConfig::default());
    original.create(pod("a")).expect("created");
    original.create(slice_v1("s")).expect("created");
    let snapshot = original.snapshot();
    let first = ApiServer::from_snapshot(rt.clone(), &snapshot);
    let second = ApiServer::from_snapshot(rt.clone(), &snapshot);

    first.create(pod("b")).expect("created");
    first
        .delete(Kind::Pod, "default", "a", &Preconditions::default())
        .expect("deleted");
    first
        .delete(Kind::ResourceSlice, "", "s", &Preconditions::default())
        .expect("deleted");

    let keys = |s: &ApiServer, kind: Kind| -> Vec<String> {
        s.list(kind).items.iter().map(Object::key).collect()
    };
    assert_eq!(keys(&first, Kind::Pod), ["default/b"]);
    assert!(keys(&first, Kind::ResourceSlice).is_empty());
    for untouched in [
        &second,
        &ApiServer::from_snapshot(rt.clone(), &snapshot),
        &original,
    ] {
        assert_eq!(keys(untouched, Kind::Pod), ["default/a"]);
        assert_eq!(keys(untouched, Kind::ResourceSlice), ["s"]);
        assert_eq!(untouched.revision(), 2);
        // The watch log holds the creation and nothing the first server did.
        let mut watch = untouched.watch(Kind::Pod, 0).expect("watch opens");
        let first_change = match watch.try_next() {
            std::task::Poll::Ready(Some(Ok(event))) => event.object.key(),
            other => panic!("expected the creation of default/a, got {other:?}"),
        };
        assert_eq!(first_change, "default/a");
        assert!(watch.try_next().is_pending(), "nothing after the creation");
    }
}
