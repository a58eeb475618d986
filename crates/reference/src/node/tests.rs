use k8s_openapi::api::core::v1::{NodeSpec, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::*;

struct Objects(Vec<Object>);

impl Cluster for Objects {
    fn list(&self, kind: Kind) -> Vec<Object> {
        self.0
            .iter()
            .filter(|o| o.kind() == kind)
            .cloned()
            .collect()
    }

    fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<Object> {
        self.0
            .iter()
            .find(|o| o.kind() == kind && o.namespace() == namespace && o.name() == name)
            .cloned()
    }
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn taint(key: &str, effect: &str, added: Option<i64>) -> Taint {
    Taint {
        key: key.into(),
        value: Some("v".into()),
        effect: effect.into(),
        time_added: added.map(|s| Time(at(s))),
    }
}

fn node(name: &str, taints: Vec<Taint>) -> Object {
    Object::from(Node {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        spec: Some(NodeSpec {
            taints: Some(taints),
            ..NodeSpec::default()
        }),
        ..Node::default()
    })
}

fn toleration(key: &str, operator: &str, effect: &str, seconds: Option<i64>) -> Toleration {
    Toleration {
        key: Some(key.into()),
        operator: Some(operator.into()),
        value: (operator == "Equal").then(|| "v".to_owned()),
        effect: Some(effect.into()),
        toleration_seconds: seconds,
    }
}

fn pod(node: &str, tolerations: Vec<Toleration>) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some("p".into()),
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            node_name: Some(node.into()),
            tolerations: Some(tolerations),
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

fn due(nodes: Vec<Object>, pod: &Pod) -> Due {
    let cluster = Objects(nodes);
    NodeReference.due(&cluster, pod)
}

#[test]
fn untolerated_no_execute_taint_should_make_the_pod_due_when_added() {
    let nodes = vec![node("n", vec![taint("a", "NoExecute", Some(10))])];
    assert_eq!(due(nodes, &pod("n", vec![])), Due::At(at(10)));
}

#[test]
fn other_effects_and_other_nodes_should_not_count() {
    let nodes = vec![
        node("n", vec![taint("a", "NoSchedule", Some(10))]),
        node("m", vec![taint("a", "NoExecute", Some(10))]),
    ];
    assert_eq!(due(nodes, &pod("n", vec![])), Due::Never);
}

#[test]
fn unscheduled_pods_should_never_be_due_and_missing_nodes_not_judged() {
    let nodes = vec![node("n", vec![taint("a", "NoExecute", Some(10))])];
    assert_eq!(due(nodes.clone(), &pod("", vec![])), Due::Never);
    assert!(matches!(due(nodes, &pod("gone", vec![])), Due::Unknown(_)));
}

#[test]
fn finite_toleration_should_start_at_time_added() {
    let nodes = vec![node("n", vec![taint("a", "NoExecute", Some(10))])];
    let p = pod("n", vec![toleration("a", "Equal", "NoExecute", Some(30))]);
    assert_eq!(due(nodes, &p), Due::At(at(40)));
}

#[test]
fn forever_toleration_should_never_be_due() {
    let nodes = vec![node("n", vec![taint("a", "NoExecute", Some(10))])];
    let p = pod("n", vec![toleration("a", "Exists", "", None)]);
    assert_eq!(due(nodes, &p), Due::Never);
}

#[test]
fn zero_and_negative_seconds_should_mean_at_once() {
    let nodes = vec![node("n", vec![taint("a", "NoExecute", Some(10))])];
    for seconds in [0, -5] {
        let p = pod(
            "n",
            vec![toleration("a", "Equal", "NoExecute", Some(seconds))],
        );
        assert_eq!(due(nodes.clone(), &p), Due::At(at(10)), "{seconds}");
    }
}

#[test]
fn the_earliest_taint_should_decide_and_the_first_matching_toleration_govern() {
    let nodes = vec![node(
        "n",
        vec![
            taint("a", "NoExecute", Some(10)),
            taint("b", "NoExecute", Some(20)),
        ],
    )];
    let p = pod(
        "n",
        vec![
            toleration("a", "Equal", "NoExecute", Some(100)),
            toleration("b", "Exists", "NoExecute", Some(5)),
            toleration("b", "Exists", "NoExecute", None),
        ],
    );
    assert_eq!(due(nodes, &p), Due::At(at(25)));
}

#[test]
fn toleration_should_match_by_key_value_operator_and_effect() {
    let t = taint("a", "NoExecute", Some(0));
    assert!(tolerates(&toleration("a", "Equal", "NoExecute", None), &t));
    assert!(tolerates(&toleration("a", "Exists", "", None), &t));
    assert!(tolerates(&toleration("", "Exists", "", None), &t));
    assert!(!tolerates(&toleration("b", "Exists", "", None), &t));
    assert!(!tolerates(
        &toleration("a", "Equal", "NoSchedule", None),
        &t
    ));
    let mut other_value = toleration("a", "Equal", "NoExecute", None);
    other_value.value = Some("w".into());
    assert!(!tolerates(&other_value, &t));
}

#[test]
fn finite_toleration_of_a_taint_without_time_should_be_unknown() {
    let nodes = vec![node("n", vec![taint("a", "NoExecute", None)])];
    let p = pod("n", vec![toleration("a", "Equal", "NoExecute", Some(30))]);
    assert!(matches!(due(nodes.clone(), &p), Due::Unknown(_)));
    assert_eq!(due(nodes, &pod("n", vec![])), Due::At(Timestamp::MIN));
}
