//! The run's own endpoints: `GET /taintsim/v1/position`, `POST /taintsim/v1/step?n=K`
//! (frozen: move K decisions, back if negative) and `POST /taintsim/v1/finish` (live: end the
//! run and write the recording).

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Query;
use crate::session::{Mode, Session};
use crate::status::{Failure, json_response};

/// Answers `/taintsim/v1/<rest>`.
pub async fn handle(session: &Session, method: &Method, rest: &str, query: &Query) -> Response {
    match (method.as_str(), rest) {
        ("GET", "position") => {
            let mut position = session.views.get().position;
            if let Mode::Frozen(f) = &session.mode {
                position.steps = Some(f.total);
            }
            json_response(StatusCode::OK, &json!(position))
        }
        ("POST", "step") => {
            let Mode::Frozen(frozen) = &session.mode else {
                return Failure::method_not_allowed(
                    "a live run moves by itself; step moves a frozen run",
                )
                .into_response();
            };
            let n = match query.get("n").unwrap_or("1").parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    return Failure::bad_request(
                        "n must be a whole number of decisions, e.g. n=1 or n=-1",
                    )
                    .into_response();
                }
            };
            match frozen.step(&session.views, n).await {
                Ok(position) => {
                    if session.announce_moves {
                        eprintln!(
                            "decision {} of {} at {}: {}",
                            position.decision,
                            position.steps.unwrap_or(position.decision),
                            position.time,
                            position.label
                        );
                    }
                    json_response(StatusCode::OK, &json!(position))
                }
                Err(f) => f.into_response(),
            }
        }
        ("POST", "finish") => {
            let Mode::Live(live) = &session.mode else {
                return Failure::method_not_allowed("finish ends a live run; this run is frozen")
                    .into_response();
            };
            let finished = live.finish().await;
            json_response(StatusCode::OK, &json!(finished))
        }
        _ => Failure::not_found(format!(
            "no such taintsim endpoint: {method} /taintsim/v1/{rest}"
        ))
        .into_response(),
    }
}
