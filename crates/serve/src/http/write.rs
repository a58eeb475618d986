//! Writes: `create`, `update` (and the status subresource), `patch` (merge, JSON, strategic,
//! apply) and `delete` with preconditions. In a live run each becomes a step of the scenario
//! actor ([`crate::live::actor`]); a frozen run refuses them.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use taintsim_api::{Object, Preconditions};

use super::Query;
use crate::live::actor::{Rejected, WriteOp};
use crate::patch::{PatchType, parse_json};
use crate::resource::Target;
use crate::session::{Mode, Session};
use crate::status::{Failure, json_response};

/// What a write body became, and the warnings to send back.
struct Decoded {
    object: Object,
    warnings: Vec<String>,
}

/// The first key of `input` that re-encoding `object` dropped, as a dotted path: a field the
/// kind does not have.
fn unknown_field(input: &Value, encoded: &Value, at: &str) -> Option<String> {
    match (input, encoded) {
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            match b.get(k) {
                Some(w) => unknown_field(v, w, &path),
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
            .find_map(|(i, (v, w))| unknown_field(v, w, &format!("{at}[{i}]"))),
        _ => None,
    }
}

/// Decodes a create or update body for `target`, as the real server's decoder does: JSON of
/// the URL's apiVersion and kind, its namespace and name those of the URL, unknown fields
/// refused (`fieldValidation=Strict`), warned about (`Warn`, the default) or ignored.
fn decode(body: &[u8], target: &Target, query: &Query) -> Result<Decoded, Failure> {
    let value = parse_json(body, "body")?;
    let resource = &target.resource;
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version != resource.api_version() || kind != resource.kind.name() {
        return Err(Failure::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({}), \
             or the kind ({kind}) is not {}",
            resource.api_version(),
            resource.kind.name()
        )));
    }
    let mut object =
        Object::from_value(value.clone()).map_err(|e| Failure::bad_request(e.to_string()))?;
    let mut warnings = Vec::new();
    if let Some(field) = unknown_field(&value, &object.to_value(), "") {
        let message = format!("unknown field \"{field}\"");
        match query.get("fieldValidation").unwrap_or("Warn") {
            "Strict" => {
                return Err(Failure::bad_request(format!(
                    "strict decoding error: {message}"
                )));
            }
            "Ignore" => {}
            _ => warnings.push(message),
        }
    }
    if let Some(ns) = &target.namespace {
        let meta = object.metadata_mut();
        match meta.namespace.as_deref() {
            None | Some("") => meta.namespace = Some(ns.clone()),
            Some(other) if other != ns => {
                return Err(Failure::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(name) = &target.name
        && object.name() != name
    {
        return Err(Failure::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            object.name()
        )));
    }
    Ok(Decoded { object, warnings })
}

fn refuse_frozen(session: &Session) -> Failure {
    let position = session.views.get().position;
    Failure::method_not_allowed(format!(
        "the run is frozen at decision {} ({}): it takes no writes. Move it with \
         POST /taintsim/v1/step?n=K, or serve with --live to write into a running simulation",
        position.decision, position.label
    ))
}

fn check_dry_run(query: &Query) -> Result<(), Failure> {
    match query.get("dryRun") {
        None | Some("") => Ok(()),
        Some(_) => Err(Failure::bad_request(
            "dryRun is not supported by taintsim serve: every write is a step of the simulation",
        )),
    }
}

async fn submit(
    session: &Session,
    target: &Target,
    name: &str,
    op: WriteOp,
    created: bool,
    warnings: &[String],
) -> Response {
    let Mode::Live(live) = &session.mode else {
        return refuse_frozen(session).into_response();
    };
    match live.write(op).await {
        Ok(object) => {
            let code = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let mut response = json_response(code, &object.to_value());
            for w in warnings {
                if let Ok(v) = HeaderValue::from_str(&format!("299 - \"{}\"", w.replace('"', "'")))
                {
                    response.headers_mut().append("Warning", v);
                }
            }
            response
        }
        Err(Rejected::Api(e)) => Failure::from_api(&e, &target.resource, name).into_response(),
        Err(Rejected::Http(f)) => f.into_response(),
    }
}

/// `POST` to a collection.
pub async fn create(session: &Session, target: &Target, body: &[u8], query: &Query) -> Response {
    if let Err(f) = check_dry_run(query) {
        return f.into_response();
    }
    let decoded = match decode(body, target, query) {
        Ok(d) => d,
        Err(f) => return f.into_response(),
    };
    let name = decoded.object.name().to_owned();
    submit(
        session,
        target,
        &name,
        WriteOp::Create(decoded.object),
        true,
        &decoded.warnings,
    )
    .await
}

/// `PUT` an object or its status.
pub async fn update(session: &Session, target: &Target, body: &[u8], query: &Query) -> Response {
    if let Err(f) = check_dry_run(query) {
        return f.into_response();
    }
    let decoded = match decode(body, target, query) {
        Ok(d) => d,
        Err(f) => return f.into_response(),
    };
    let name = decoded.object.name().to_owned();
    let op = WriteOp::Update {
        object: decoded.object,
        status: target.status,
    };
    submit(session, target, &name, op, false, &decoded.warnings).await
}

/// `PATCH` an object or its status.
pub async fn patch(
    session: &Session,
    target: &Target,
    name: &str,
    content_type: &str,
    body: &[u8],
    query: &Query,
) -> Response {
    if let Err(f) = check_dry_run(query) {
        return f.into_response();
    }
    let Some(patch_type) = PatchType::from_content_type(content_type) else {
        return Failure::unsupported_media_type(format!(
            "the body of the request was in an unknown format ({content_type:?}) - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, \
             application/strategic-merge-patch+json"
        ))
        .into_response();
    };
    let namespace = target.namespace.clone().unwrap_or_default();
    let exists = session
        .views
        .get()
        .server
        .contains(target.resource.kind, &namespace, name);
    let op = WriteOp::Patch {
        kind: target.resource.kind,
        namespace,
        name: name.to_owned(),
        patch_type,
        body: body.to_vec(),
        status: target.status,
    };
    let created = patch_type == PatchType::Apply && !exists;
    submit(session, target, name, op, created, &[]).await
}

/// `DELETE` an object, with `DeleteOptions` in the body.
pub async fn delete(
    session: &Session,
    target: &Target,
    name: &str,
    body: &[u8],
    query: &Query,
) -> Response {
    if let Err(f) = check_dry_run(query) {
        return f.into_response();
    }
    let options = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        match parse_json(body, "DeleteOptions") {
            Ok(v) => v,
            Err(f) => return f.into_response(),
        }
    };
    if options
        .get("dryRun")
        .and_then(Value::as_array)
        .is_some_and(|d| !d.is_empty())
    {
        return Failure::bad_request("dryRun is not supported by taintsim serve").into_response();
    }
    let text = |key: &str| {
        options
            .pointer(&format!("/preconditions/{key}"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let op = WriteOp::Delete {
        kind: target.resource.kind,
        namespace: target.namespace.clone().unwrap_or_default(),
        name: name.to_owned(),
        preconditions: Preconditions {
            uid: text("uid"),
            resource_version: text("resourceVersion"),
        },
    };
    submit(session, target, name, op, false, &[]).await
}
