//! The HTTP side: one handler that authenticates, reads the body within the limit and
//! dispatches by the Kubernetes URL grammar ([`crate::resource::parse`]) to discovery
//! ([`discovery`]), reads ([`read`]), writes ([`write`]) and the run's own endpoints under
//! `/taintsim/v1` ([`control`]).

mod control;
mod discovery;
mod openapi;
mod read;
mod table;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::resource::{self, RESOURCE_GROUP};
use crate::session::Session;
use crate::status::{Failure, json_response};

/// The largest request body, as upstream's `MaxRequestBodyBytes` (3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// The query parameters of a request.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    fn parse(text: Option<&str>) -> Result<Self, Failure> {
        let pairs = match text {
            None => Vec::new(),
            Some(t) => {
                axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
                    &format!("/?{t}")
                        .parse()
                        .map_err(|_| Failure::bad_request("malformed query"))?,
                )
                .map_err(|e| Failure::bad_request(format!("malformed query: {e}")))?
                .0
            }
        };
        Ok(Self(pairs))
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The router: every path goes to [`handle`].
pub fn router(session: Arc<Session>) -> Router {
    Router::new().fallback(handle).with_state(session)
}

/// The address clients reach the server at, for `/api`'s `serverAddressByClientCIDRs`.
fn host(request: &Request<Body>) -> String {
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

fn authorized(request: &Request<Body>, token: &str) -> bool {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    value
        .strip_prefix("Bearer ")
        .is_some_and(|given| constant_time_eq(given.trim().as_bytes(), token.as_bytes()))
}

/// Compares without stopping at the first difference, so that the time taken does not say how
/// much of the token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn wants_table(request: &Request<Body>) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.split(',').next().unwrap_or("").contains("as=Table"))
}

async fn handle(State(session): State<Arc<Session>>, request: Request<Body>) -> Response {
    if !authorized(&request, &session.token) {
        return Failure::unauthorized().into_response();
    }
    match dispatch(session, request).await {
        Ok(response) | Err(response) => response,
    }
}

/// The most a request body is read before the connection is given up: a body between
/// [`MAX_BODY`] and this is read to its end and answered with 413, so that the client sees
/// the answer instead of a broken pipe.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

async fn body_of(body: Body, declared: Option<usize>) -> Result<Vec<u8>, Response> {
    use futures::StreamExt as _;
    let too_large = || Failure::too_large(MAX_BODY).into_response();
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let (mut kept, mut total) = (Vec::new(), 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Failure::bad_request(format!("cannot read the body: {e}")).into_response()
        })?;
        total += chunk.len();
        if total > DRAIN_LIMIT {
            return Err(too_large());
        }
        if total <= MAX_BODY {
            kept.extend_from_slice(&chunk);
        }
    }
    if total > MAX_BODY {
        return Err(too_large());
    }
    Ok(kept)
}

async fn dispatch(session: Arc<Session>, request: Request<Body>) -> Result<Response, Response> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = Query::parse(request.uri().query()).map_err(IntoResponse::into_response)?;
    if method == Method::GET
        && let Some(response) = discovery_response(&session, &request, &path)
    {
        return Ok(response);
    }
    if let Some(rest) = path.strip_prefix("/taintsim/v1/") {
        return Ok(control::handle(&session, &method, rest, &query).await);
    }
    let target = match resource::parse(&path) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Err(Failure::not_found(format!(
                "the server could not find the requested resource ({method} {path})"
            ))
            .into_response());
        }
        Err(resource::NoResource(message)) => {
            return Err(Failure::not_found(message).into_response());
        }
    };
    let as_table = wants_table(&request);
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.parse().ok());
    let body = body_of(request.into_body(), declared).await?;
    let json_body = || {
        let ct = content_type.split(';').next().unwrap_or("").trim();
        if ct.is_empty() || ct == "application/json" || ct == "*/*" {
            Ok(())
        } else {
            Err(Box::new(Failure::unsupported_media_type(format!(
                "the body of the request was in an unknown format ({ct:?}) - accepted media types include: application/json"
            ))))
        }
    };
    let name = target.name.clone();
    Ok(match (method, name) {
        (Method::GET, None) => {
            let filter = read::Filter::new(&target, &query).map_err(IntoResponse::into_response)?;
            if matches!(query.get("watch"), Some("true" | "1")) {
                read::watch(session.clone(), target, filter, &query, as_table)
                    .map_err(IntoResponse::into_response)?
            } else {
                read::list(&target, &session, &filter, as_table)
            }
        }
        (Method::GET, Some(name)) => read::get(&session, &target, &name, as_table),
        (Method::POST, None) => {
            json_body().map_err(|f| f.into_response())?;
            write::create(&session, &target, &body, &query).await
        }
        (Method::PUT, Some(_)) => {
            json_body().map_err(|f| f.into_response())?;
            write::update(&session, &target, &body, &query).await
        }
        (Method::PATCH, Some(name)) => {
            write::patch(&session, &target, &name, &content_type, &body, &query).await
        }
        (Method::DELETE, Some(name)) => {
            write::delete(&session, &target, &name, &body, &query).await
        }
        (method, _) => Failure::method_not_allowed(format!("{method} is not supported on {path}"))
            .into_response(),
    })
}

fn discovery_response(session: &Session, request: &Request<Body>, path: &str) -> Option<Response> {
    let preferred = session.preferred_resource_version;
    let value = match path.trim_end_matches('/') {
        "/version" => discovery::version(),
        "/api" => discovery::core_versions(&host(request)),
        "/apis" => discovery::groups(preferred),
        "/api/v1" => discovery::resources("", "v1")?,
        "/healthz" | "/livez" | "/readyz" => return Some((StatusCode::OK, "ok").into_response()),
        "/openapi/v3" => openapi::root(),
        p if p.starts_with("/openapi/v3/") => openapi::document(&p["/openapi/v3/".len()..])?,
        p => match p.strip_prefix("/apis/") {
            Some(RESOURCE_GROUP) => discovery::resource_group(preferred),
            Some(rest) => {
                let (group, version) = rest.split_once('/')?;
                if version.contains('/') {
                    return None;
                }
                discovery::resources(group, version)?
            }
            None => return None,
        },
    };
    Some(json_response(StatusCode::OK, &value))
}
