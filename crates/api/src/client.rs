//! [`ApiClient`]: the controller's [`Client`] over an [`ApiServer`], with one step for the
//! request and one for the response.
//!
//! Each call:
//! 1. takes the request step, e.g. `GET pod default/my-pod`, touching `pod/default/my-pod`,
//!    plus `watch/<plural>` for writes (they append to the kind's watch stream, so two writes
//!    of one kind reach informers in the order they ran), `fault/<verb>/<plural>` (the fault
//!    rules run in this step and may count the requests of a verb and kind) and whatever
//!    [`ApiClient::with_request_touches`] adds (what the installed rules read);
//! 2. asks the fault rules: `Fail` answers with the error, `Delay` sleeps that long first;
//! 3. performs the operation on the server;
//! 4. takes the response step, e.g. `GET pod default/my-pod -> 200` or
//!    `GET pod default/my-pod -> 404 NotFound`, touching only the object's resource: the work
//!    after it is the caller's continuation, which acts on what it asked for (the worker's
//!    log entry for the pod, and its metrics after a DELETE, which change only after a pod
//!    DELETE's response);
//! 5. returns the result.
//!
//! Request labels: `GET pod <ns>/<name>`, `PATCH pod <ns>/<name> status`,
//! `DELETE pod <ns>/<name>`, `POST event <ns>/<name>`, `GET node <name>`,
//! `APPLY devicetaintrule <name> status` (cluster-scoped
//! objects are named by their key, without a namespace, in labels and touches alike).

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, Node, Pod, PodCondition};
use taintsim_seam::client::{ApiError, Client, Preconditions, RuleStatusApply, StatusReason};
use taintsim_seam::runtime::{BoxFuture, Runtime, StepDetail, StepLabel, Touch, push_decimal};

use crate::fault::{Request, Verdict};
use crate::kind::{Kind, Verb};
use crate::object::{Object, object_key};
use crate::resource;
use crate::server::ApiServer;

/// Extra resources a request's steps touch, given the request: see
/// [`ApiClient::with_request_touches`].
pub type RequestTouches = Arc<dyn Fn(&Request) -> Vec<Touch> + Send + Sync>;

/// See the module docs. Clones share the server and runtime.
#[derive(Clone)]
pub struct ApiClient {
    server: ApiServer,
    rt: Arc<dyn Runtime>,
    actor: String,
    request_touches: Option<RequestTouches>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

/// One request, described for steps and fault rules.
struct Call {
    request: Request,
    /// The HTTP method, as in the label.
    method: &'static str,
    label: String,
    /// The request step's touches; the object's resource comes first.
    touches: Vec<Touch>,
    ok_code: u16,
}

impl ApiClient {
    /// A client of `server` on `rt`; its requests name the actor `controller`.
    pub fn new(server: ApiServer, rt: Arc<dyn Runtime>) -> Self {
        Self {
            server,
            rt,
            actor: "controller".to_owned(),
            request_touches: None,
        }
    }

    /// The same client, whose request and response steps also touch what `touches` returns
    /// for the request: what the installed fault rules read or write when they see it (a rule
    /// runs inside the request step), so that exhaustive exploration orders the request
    /// against the steps that change that state.
    pub fn with_request_touches(mut self, touches: RequestTouches) -> Self {
        self.request_touches = Some(touches);
        self
    }

    /// The same client, naming `actor` in the requests fault rules see.
    pub fn with_actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = actor.into();
        self
    }

    /// The server it talks to.
    pub fn server(&self) -> &ApiServer {
        &self.server
    }

    /// The request `verb` on `kind` `namespace/name`, with the UID precondition `uid`.
    fn call(
        &self,
        verb: Verb,
        kind: Kind,
        namespace: &str,
        name: &str,
        uid: Option<String>,
    ) -> Call {
        let (method, ok_code) = match verb {
            Verb::Create => ("POST", 201),
            Verb::Update | Verb::UpdateStatus => ("PUT", 200),
            Verb::Patch => ("PATCH", 200),
            Verb::Delete => ("DELETE", 200),
            Verb::Apply => ("APPLY", 200),
            Verb::Get | Verb::List | Verb::Watch => ("GET", 200),
        };
        let subresource = if (verb == Verb::Patch && kind == Kind::Pod) || verb == Verb::Apply {
            " status"
        } else {
            ""
        };
        let request = Request {
            verb,
            kind,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            actor: self.actor.clone(),
            uid,
        };
        // A run without labels formats neither (see `Runtime::wants_labels`).
        let key = object_key(namespace, name);
        let mut touches = Vec::new();
        if self.rt.wants_touches() {
            touches.push(resource::object(kind, &key));
            if matches!(
                verb,
                Verb::Create | Verb::Patch | Verb::Delete | Verb::Apply
            ) {
                touches.push(resource::watch_log(kind));
            }
            touches.push(resource::faults(verb, kind));
            if let Some(extra) = &self.request_touches {
                touches.extend(extra(&request));
            }
        }
        // The UID precondition tells a pod from its same-name replacement in the trace.
        let label = if self.rt.wants_labels() {
            let mut label = [method, " ", kind.singular(), " ", &key, subresource].concat();
            if let Some(uid) = &request.uid {
                label.push_str(" uid=");
                label.push_str(uid);
            }
            label
        } else {
            String::new()
        };
        Call {
            request,
            method,
            label,
            touches,
            ok_code,
        }
    }

    /// Runs `call` through the steps and fault rules around `op`.
    fn run<T: Send + 'static>(
        &self,
        call: Call,
        op: impl FnOnce(&ApiServer) -> Result<T, ApiError> + Send + 'static,
    ) -> BoxFuture<Result<T, ApiError>> {
        let this = self.clone();
        Box::pin(async move {
            let Call {
                request,
                method,
                label,
                touches,
                ok_code,
            } = call;
            let labels = this.rt.wants_labels();
            let (kind, key) = if labels {
                (
                    request.kind.singular().to_owned(),
                    object_key(&request.namespace, &request.name),
                )
            } else {
                (String::new(), String::new())
            };
            let mut first = StepLabel::with_touches(
                if labels { label.clone() } else { String::new() },
                touches.clone(),
            );
            if labels {
                first = first.with_detail(StepDetail::Request {
                    method: method.to_owned(),
                    kind: kind.clone(),
                    key: key.clone(),
                });
            }
            this.rt.step(first).await;
            let result = match this.server.check_faults(&request) {
                Verdict::Fail(err) => Err(err),
                Verdict::Delay(delay) => {
                    this.rt.sleep(delay).await;
                    op(&this.server)
                }
                Verdict::Pass => op(&this.server),
            };
            let object = touches.into_iter().take(1);
            let second = if labels {
                // `<request> -> <code>`, and the reason after an error's code.
                let mut action = String::with_capacity(label.len() + 24);
                action.push_str(&label);
                action.push_str(" -> ");
                let code = match &result {
                    Ok(_) => ok_code,
                    Err(err) => err.code,
                };
                push_decimal(&mut action, u64::from(code));
                if let Err(err) = &result {
                    action.push_str(&format!(" {:?}", err.reason));
                }
                StepLabel::with_touches(action, object).with_detail(StepDetail::Response {
                    method: method.to_owned(),
                    kind,
                    key,
                    status: code,
                })
            } else {
                StepLabel::with_touches(String::new(), object)
            };
            this.rt.step(second).await;
            result
        })
    }
}

impl Client for ApiClient {
    fn get_pod(&self, namespace: &str, name: &str) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        let call = self.call(Verb::Get, Kind::Pod, namespace, name, None);
        let (ns, n) = (namespace.to_owned(), name.to_owned());
        self.run(call, move |server| {
            server.get(Kind::Pod, &ns, &n).and_then(into_pod)
        })
    }

    fn patch_pod_status(
        &self,
        namespace: &str,
        name: &str,
        uid: &str,
        conditions: Vec<PodCondition>,
    ) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        let precondition = (!uid.is_empty()).then(|| uid.to_owned());
        let call = self.call(Verb::Patch, Kind::Pod, namespace, name, precondition);
        let (ns, n, uid) = (namespace.to_owned(), name.to_owned(), uid.to_owned());
        self.run(call, move |server| {
            server.patch_pod_status_conditions(&ns, &n, &uid, conditions)
        })
    }

    fn delete_pod(
        &self,
        namespace: &str,
        name: &str,
        preconditions: Preconditions,
    ) -> BoxFuture<Result<(), ApiError>> {
        let call = self.call(
            Verb::Delete,
            Kind::Pod,
            namespace,
            name,
            preconditions.uid.clone(),
        );
        let (ns, n) = (namespace.to_owned(), name.to_owned());
        self.run(call, move |server| {
            server
                .delete(Kind::Pod, &ns, &n, &preconditions)
                .map(|_| ())
        })
    }

    fn apply_device_taint_rule_status(
        &self,
        apply: RuleStatusApply,
    ) -> BoxFuture<Result<(), ApiError>> {
        let call = self.call(
            Verb::Apply,
            Kind::DeviceTaintRule,
            "",
            &apply.name,
            apply.uid.clone(),
        );
        self.run(call, move |server| {
            server.apply_device_taint_rule_status(&apply).map(|_| ())
        })
    }

    fn create_event(&self, event: Event) -> BoxFuture<Result<Event, ApiError>> {
        let namespace = event
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        let name = event.metadata.name.clone().unwrap_or_default();
        let call = self.call(Verb::Create, Kind::Event, &namespace, &name, None);
        self.run(call, move |server| {
            server
                .create(Object::from(event))?
                .into_typed()
                .ok_or_else(|| {
                    ApiError::new(StatusReason::InternalError, "created event changed type")
                })
        })
    }

    fn get_node(&self, name: &str) -> BoxFuture<Result<Node, ApiError>> {
        let call = self.call(Verb::Get, Kind::Node, "", name, None);
        let n = name.to_owned();
        self.run(call, move |server| {
            server
                .get(Kind::Node, "", &n)?
                .into_typed()
                .ok_or_else(|| ApiError::not_found("nodes", &n))
        })
    }
}

fn into_pod(object: Object) -> Result<Arc<Pod>, ApiError> {
    let name = object.name().to_owned();
    object
        .into_shared()
        .ok_or_else(|| ApiError::not_found("pods", &name))
}
