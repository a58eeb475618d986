//! `as=Table` (`meta.k8s.io/v1` Table): the columns kubectl prints, computed by the server as
//! upstream's printers (`pkg/printers/internalversion/printers.go`) compute them. Ages are
//! measured in virtual time, from the run's current position.

use jiff::Timestamp;
use serde_json::{Value, json};
use taintsim_api::{Kind, Object};

use crate::resource::Resource;

fn column(name: &str, kind: &str, priority: u8) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": kind, "format": format, "description": "", "priority": priority})
}

fn columns(kind: Kind) -> Vec<Value> {
    let mut c = vec![column("Name", "string", 0)];
    match kind {
        Kind::Pod => {
            c.extend([
                column("Ready", "string", 0),
                column("Status", "string", 0),
                column("Restarts", "string", 0),
                column("Age", "string", 0),
                column("IP", "string", 1),
                column("Node", "string", 1),
            ]);
        }
        Kind::Event => {
            c = vec![
                column("Last Seen", "string", 0),
                column("Type", "string", 0),
                column("Reason", "string", 0),
                column("Object", "string", 0),
                column("Message", "string", 0),
                column("Name", "string", 1),
            ];
        }
        Kind::ResourceClaim => {
            c.extend([column("State", "string", 0), column("Age", "string", 0)]);
        }
        Kind::ResourceSlice => {
            c.extend([
                column("Node", "string", 0),
                column("Driver", "string", 0),
                column("Pool", "string", 0),
                column("Age", "string", 0),
            ]);
        }
        Kind::DeviceTaintRule => {
            c.extend([
                column("Key", "string", 0),
                column("Effect", "string", 0),
                column("Age", "string", 0),
            ]);
        }
        Kind::Node => {
            c.extend([
                column("Status", "string", 0),
                column("Taints", "string", 0),
                column("Age", "string", 0),
            ]);
        }
    }
    c
}

/// `duration.HumanDuration`, as kubectl's AGE column shows it.
pub fn human_duration(seconds: i64) -> String {
    let (m, h, d) = (seconds / 60, seconds / 3600, seconds / 86_400);
    match seconds {
        s if s < -1 => "<invalid>".into(),
        s if s < 0 => "0s".into(),
        s if s < 120 => format!("{s}s"),
        _ if m < 10 => match seconds % 60 {
            0 => format!("{m}m"),
            s => format!("{m}m{s}s"),
        },
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 => match m % 60 {
            0 => format!("{h}h"),
            mm => format!("{h}h{mm}m"),
        },
        _ if h < 48 => format!("{h}h"),
        _ if h < 192 => match h % 24 {
            0 => format!("{d}d"),
            hh => format!("{d}d{hh}h"),
        },
        _ if d < 730 => format!("{d}d"),
        _ => format!("{}y{}d", d / 365, d % 365),
    }
}

fn age(value: &Value, pointer: &str, now: Timestamp) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map_or_else(
            || "<unknown>".into(),
            |t| human_duration(now.duration_since(t).as_secs()),
        )
}

fn text(value: &Value, pointer: &str, default: &str) -> String {
    value
        .pointer(pointer)
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_else(|| default.to_owned())
}

fn cells(kind: Kind, v: &Value, now: Timestamp) -> Vec<Value> {
    let name = json!(text(v, "/metadata/name", ""));
    let created = age(v, "/metadata/creationTimestamp", now);
    match kind {
        Kind::Pod => {
            let containers = v
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let statuses = v
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array);
            let ready = statuses.map_or(0, |s| {
                s.iter()
                    .filter(|c| c.get("ready") == Some(&Value::Bool(true)))
                    .count()
            });
            let status = if v.pointer("/metadata/deletionTimestamp").is_some() {
                "Terminating".to_owned()
            } else {
                text(v, "/status/phase", "Pending")
            };
            vec![
                name,
                json!(format!("{ready}/{containers}")),
                json!(status),
                json!("0"),
                json!(created),
                json!(text(v, "/status/podIP", "<none>")),
                json!(text(v, "/spec/nodeName", "<none>")),
            ]
        }
        Kind::Event => {
            let last = [
                "/lastTimestamp",
                "/eventTime",
                "/metadata/creationTimestamp",
            ]
            .iter()
            .find(|p| v.pointer(p).and_then(Value::as_str).is_some())
            .map_or_else(|| "<unknown>".to_owned(), |p| age(v, p, now));
            let object = format!(
                "{}/{}",
                text(v, "/involvedObject/kind", "").to_lowercase(),
                text(v, "/involvedObject/name", "")
            );
            vec![
                json!(last),
                json!(text(v, "/type", "")),
                json!(text(v, "/reason", "")),
                json!(object),
                json!(text(v, "/message", "")),
                name,
            ]
        }
        Kind::ResourceClaim => {
            let mut state = Vec::new();
            if v.pointer("/metadata/deletionTimestamp").is_some() {
                state.push("deleted");
            }
            if v.pointer("/status/allocation")
                .is_some_and(|a| !a.is_null())
            {
                state.push("allocated");
            } else {
                state.push("pending");
            }
            if v.pointer("/status/reservedFor")
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty())
            {
                state.push("reserved");
            }
            vec![name, json!(state.join(",")), json!(created)]
        }
        Kind::ResourceSlice => vec![
            name,
            json!(text(v, "/spec/nodeName", "<none>")),
            json!(text(v, "/spec/driver", "")),
            json!(text(v, "/spec/pool/name", "")),
            json!(created),
        ],
        Kind::DeviceTaintRule => vec![
            name,
            json!(text(v, "/spec/taint/key", "")),
            json!(text(v, "/spec/taint/effect", "")),
            json!(created),
        ],
        Kind::Node => {
            let taints: Vec<String> = v
                .pointer("/spec/taints")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|t| format!("{}:{}", text(t, "/key", ""), text(t, "/effect", "")))
                .collect();
            let status = if v.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
                "SchedulingDisabled"
            } else {
                "Ready"
            };
            vec![
                name,
                json!(status),
                json!(if taints.is_empty() {
                    "<none>".to_owned()
                } else {
                    taints.join(",")
                }),
                json!(created),
            ]
        }
    }
}

/// The Table of `objects` of `resource`, at virtual time `now`.
pub fn of(resource: &Resource, objects: &[Object], rv: Option<&str>, now: Timestamp) -> Value {
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let v = o.to_value();
            json!({"cells": cells(resource.kind, &v, now), "object": v})
        })
        .collect();
    let mut metadata = json!({});
    if let Some(rv) = rv {
        metadata["resourceVersion"] = json!(rv);
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns(resource.kind),
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_should_read_like_kubectls() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(3600), "60m");
        assert_eq!(human_duration(4 * 3600 + 60), "4h1m");
        assert_eq!(human_duration(3 * 86_400), "3d");
    }
}
