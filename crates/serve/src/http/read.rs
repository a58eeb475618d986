//! Reads: `get`, `list` (label and field selectors) and `watch` (resume from a
//! resourceVersion, `410 Gone` as an `ERROR` event, bookmarks).
//!
//! Reads never count as API calls of the simulated cluster: they use the server's `peek`
//! methods, so that looking at a run does not change what its `api-calls` checks see.
//!
//! A watch reads the per-kind change log from its resourceVersion onwards and waits for the
//! view to change. When a frozen run moves forward, the new world's log holds the old one as
//! its prefix (the run is deterministic), so the watch goes on from where it was and sees the
//! same events the simulated informers saw, in the same order. When the run moves back
//! before the watch's resourceVersion, the watch ends with `410 Gone`, as after a compaction:
//! the client relists.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use taintsim_api::{EventType, Object};

use super::Query;
use super::table;
use crate::resource::Target;
use crate::selector::{FieldSelector, LabelSelector};
use crate::session::Session;
use crate::status::{Failure, json_response};

/// How long a watch stays open without `timeoutSeconds` (the real server picks 30 to 60
/// minutes).
const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(1800);
/// How often an idle watch with `allowWatchBookmarks` gets a bookmark.
const BOOKMARK_EVERY: Duration = Duration::from_secs(10);

/// The selectors and namespace of a read.
pub struct Filter {
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    /// The filter of `target` and the query's selectors.
    pub fn new(target: &Target, query: &Query) -> Result<Self, Failure> {
        let labels = LabelSelector::parse(query.get("labelSelector").unwrap_or(""))
            .map_err(Failure::bad_request)?;
        let fields = FieldSelector::parse(query.get("fieldSelector").unwrap_or(""))
            .map_err(Failure::bad_request)?;
        Ok(Self {
            namespace: target.namespace.clone(),
            labels,
            fields,
        })
    }

    fn matches(&self, target: &Target, object: &Object) -> bool {
        target.resource.holds(object)
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| object.namespace() == ns)
            && self.labels.matches(object.metadata().labels.as_ref())
            && (self.fields == FieldSelector::default() || self.fields.matches(&object.to_value()))
    }
}

/// `GET` one object.
pub fn get(session: &Session, target: &Target, name: &str, as_table: bool) -> Response {
    let view = session.views.get();
    let (server, now) = (view.server, view.position.time);
    let namespace = target.namespace.as_deref().unwrap_or("");
    match server.peek(target.resource.kind, namespace, name) {
        Some(object) if target.resource.holds(&object) => {
            let value = if as_table {
                table::of(&target.resource, &[object], None, now)
            } else {
                object.to_value()
            };
            json_response(StatusCode::OK, &value)
        }
        _ => Failure::from_api(
            &taintsim_api::ApiError::not_found(target.resource.plural(), name),
            &target.resource,
            name,
        )
        .into_response(),
    }
}

/// `GET` a collection.
pub fn list(target: &Target, session: &Session, filter: &Filter, as_table: bool) -> Response {
    let view = session.views.get();
    let list = view.server.peek_list(target.resource.kind);
    let items: Vec<Object> = list
        .items
        .into_iter()
        .filter(|o| filter.matches(target, o))
        .collect();
    let rv = list.resource_version.to_string();
    let value = if as_table {
        table::of(&target.resource, &items, Some(&rv), view.position.time)
    } else {
        json!({
            "kind": target.resource.list_kind(),
            "apiVersion": target.resource.api_version(),
            "metadata": {"resourceVersion": rv},
            "items": items.iter().map(Object::to_value).collect::<Vec<_>>(),
        })
    };
    json_response(StatusCode::OK, &value)
}

fn event_line(kind: &str, object: Value) -> Vec<u8> {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    line.push(b'\n');
    line
}

fn type_name(t: EventType) -> &'static str {
    match t {
        EventType::Added => "ADDED",
        EventType::Modified => "MODIFIED",
        EventType::Deleted => "DELETED",
    }
}

/// `GET ...?watch=true`: a stream of watch events, one JSON object per line.
pub fn watch(
    session: std::sync::Arc<Session>,
    target: Target,
    filter: Filter,
    query: &Query,
    as_table: bool,
) -> Result<Response, Failure> {
    let timeout =
        match query.get("timeoutSeconds") {
            Some(t) => Duration::from_secs(t.parse().map_err(|_| {
                Failure::bad_request(format!("timeoutSeconds {t:?} is not a number"))
            })?),
            None => DEFAULT_WATCH_TIMEOUT,
        };
    let bookmarks = query.get("allowWatchBookmarks") == Some("true");
    let from = match query.get("resourceVersion").unwrap_or("") {
        "" | "0" => None,
        rv => Some(rv.parse::<u64>().map_err(|_| {
            Failure::bad_request(format!(
                "resourceVersion {rv:?} is not a resourceVersion of this server"
            ))
        })?),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(256);
    let render_session = session.clone();
    let resource = target.resource;
    let render = move |object: &Object| {
        if as_table {
            let now = render_session.views.get().position.time;
            table::of(&resource, std::slice::from_ref(object), None, now)
        } else {
            object.to_value()
        }
    };
    let target_for_task = target.clone();
    tokio::spawn(async move {
        let target = target_for_task;
        let mut changed = session.views.subscribe();
        let view = session.views.get();
        let mut after = match from {
            Some(rv) => rv,
            None => {
                // No resourceVersion: the current objects as ADDED first, as the real server
                // does, then every later change.
                let list = view.server.peek_list(target.resource.kind);
                for o in list.items.iter().filter(|o| filter.matches(&target, o)) {
                    if tx.send(event_line("ADDED", render(o))).await.is_err() {
                        return;
                    }
                }
                list.resource_version
            }
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last_bookmark = tokio::time::Instant::now();
        loop {
            let view = session.views.get();
            let revision = view.server.revision();
            let changes = if after > revision {
                Err(Failure {
                    code: 410,
                    reason: "Expired",
                    message: format!(
                        "too old resource version: {after} ({revision}): the run moved back to decision {}",
                        view.position.decision
                    ),
                    details: None,
                })
            } else {
                view.server
                    .peek_changes(target.resource.kind, after)
                    .map_err(|e| Failure::from_api(&e, &target.resource, ""))
            };
            match changes {
                Err(failure) => {
                    let _ = tx.send(event_line("ERROR", failure.to_status())).await;
                    return;
                }
                Ok(events) => {
                    for e in events {
                        after = e.resource_version;
                        if filter.matches(&target, &e.object)
                            && tx
                                .send(event_line(type_name(e.event_type), render(&e.object)))
                                .await
                                .is_err()
                        {
                            return;
                        }
                    }
                }
            }
            if bookmarks && after < revision && last_bookmark.elapsed() >= BOOKMARK_EVERY {
                after = revision;
                last_bookmark = tokio::time::Instant::now();
                let bookmark = json!({
                    "kind": target.resource.kind.name(),
                    "apiVersion": target.resource.api_version(),
                    "metadata": {"resourceVersion": revision.to_string()},
                });
                if tx.send(event_line("BOOKMARK", bookmark)).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                r = changed.changed() => if r.is_err() { return },
                () = tokio::time::sleep_until(deadline) => return,
                () = tokio::time::sleep(BOOKMARK_EVERY), if bookmarks => {}
                () = tx.closed() => return,
            }
        }
    });
    let stream = futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|line| line.map(Ok::<_, std::convert::Infallible>))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
