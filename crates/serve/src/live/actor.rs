//! The live scenario actor: the file's steps, then the clients' writes as they arrive, and
//! `advance` ticks in between so that virtual time moves with the wall clock.
//!
//! The file's `advance` steps are taken a tick at a time, so that virtual time never runs
//! more than a tick ahead of the wall clock.
//!
//! Every step it takes is one a scenario file can hold, with the label and touches the
//! scenario actor gives it ([`taintsim_world::actor::label`], [`touches`]), and its work is
//! what [`Actor::perform`] does. The list of steps taken is therefore a scenario whose actor,
//! run under the recorded decisions, takes the same steps: that is the recording.
//!
//! A client write becomes a step only if it would succeed: before taking the step the actor
//! tries it on a scratch server holding a copy of the stored object ([`dry_run`]), so that a
//! rejected request (`404`, `409`, `422`) changes nothing and records nothing. The live
//! strategy takes the write's step next, so nothing runs between the try and the write.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taintsim_api::{ApiError, ApiServer, Kind, Object, Preconditions, StatusReason};
use taintsim_scenario::duration::ScenarioDuration;
use taintsim_scenario::format::{ActorStep, ObjectKind, ObjectRef};
use taintsim_scenario::object::KubeObject;
use taintsim_seam::runtime::{BoxFuture, StepLabel};
use taintsim_world::actor::{Actor, ActorFailure, label, touches};

use crate::patch::{self, PatchType};
use crate::status::Failure;

/// What a client asked to write.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// `POST` a new object.
    Create(Object),
    /// `PUT` an object, or its status.
    Update {
        /// The object as sent.
        object: Object,
        /// Whether it went to the status subresource.
        status: bool,
    },
    /// `PATCH` an object, or its status; server-side apply creates a missing object.
    Patch {
        /// The stored object's kind.
        kind: Kind,
        /// Its namespace (`""` for cluster-scoped kinds).
        namespace: String,
        /// Its name.
        name: String,
        /// The patch type.
        patch_type: PatchType,
        /// The body.
        body: Vec<u8>,
        /// Whether it went to the status subresource.
        status: bool,
    },
    /// `DELETE` an object.
    Delete {
        /// The kind.
        kind: Kind,
        /// The namespace (`""` for cluster-scoped kinds).
        namespace: String,
        /// The name.
        name: String,
        /// `DeleteOptions.preconditions`.
        preconditions: Preconditions,
    },
}

/// Why a write was refused.
#[derive(Debug, Clone)]
pub enum Rejected {
    /// The API server's answer.
    Api(ApiError),
    /// A request that never reached the API server (a patch that does not apply, say).
    Http(Failure),
}

/// The stored object after the write, or why there was none.
pub type WriteResult = Result<Object, Rejected>;

/// A write waiting for the actor.
pub struct ClientRequest {
    /// The write.
    pub op: WriteOp,
    /// Where the answer goes.
    pub reply: tokio::sync::oneshot::Sender<WriteResult>,
}

/// The writes waiting for the actor, and whether the live run is ending.
#[derive(Default)]
pub struct Inbox {
    /// Waiting writes, oldest first.
    pub queue: VecDeque<ClientRequest>,
    /// Set by `finish`: the actor takes no more ticks, so the run ends.
    pub finishing: bool,
    /// Set once the run has ended, with why; later writes are refused with this.
    pub ended: Option<String>,
}

/// What the live actor shares with the driver.
#[derive(Clone, Default)]
pub struct Shared {
    /// The writes waiting.
    pub inbox: Arc<Mutex<Inbox>>,
    /// The steps taken, in order: the recorded scenario's steps.
    pub performed: Arc<Mutex<Vec<ActorStep>>>,
    /// The label the strategy must take next (a client write's step).
    pub prefer: Arc<Mutex<Option<String>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The live actor.
pub struct LiveActor {
    /// The scenario actor whose steps it performs.
    pub actor: Actor,
    /// The world's API server (the one the actor's view reads).
    pub server: ApiServer,
    /// The file's own steps, taken first.
    pub file_steps: Vec<ActorStep>,
    /// The idle step's length.
    pub tick: ScenarioDuration,
    /// Shared with the driver.
    pub shared: Shared,
}

impl LiveActor {
    /// The task to spawn as `scenario`.
    pub fn run(self) -> BoxFuture<()> {
        Box::pin(async move {
            let server = self.server.clone();
            let mut file = self.file_steps.clone().into_iter();
            let mut advancing = Duration::ZERO;
            loop {
                let Some((step, reply)) = self.next_step(&server, &mut file, &mut advancing) else {
                    return;
                };
                let label = label(&step);
                if reply.is_some() {
                    *lock(&self.shared.prefer) = Some(format!("scenario: {label}"));
                }
                let touches = touches(&step);
                self.actor
                    .rt
                    .step(StepLabel::with_touches(label, touches))
                    .await;
                lock(&self.shared.performed).push(step.clone());
                let outcome = match reply {
                    Some(reply) => {
                        let result = perform_write(&server, &step);
                        let failed = result.as_ref().err().map(|e| {
                            ActorFailure::Step(format!(
                                "a client write failed although its dry run passed: {e}"
                            ))
                        });
                        let _ = reply.send(result.map_err(Rejected::Api));
                        failed.map_or(Ok(()), Err)
                    }
                    None => self.actor.perform(&step).await,
                };
                if let Err(failure) = outcome {
                    self.actor.state.lock().failure = Some(failure);
                    return;
                }
                self.actor.state.lock().completed += 1;
            }
        })
    }

    /// The next step: the first waiting write that would succeed (the others are answered
    /// now), else the file's next step, else a tick; `None` once the run is finishing.
    ///
    /// The file's `advance` steps are taken a tick at a time (`advancing` holds what is left),
    /// so that the clock never jumps further than a tick past the wall clock and writes land
    /// within them.
    fn next_step(
        &self,
        server: &ApiServer,
        file: &mut impl Iterator<Item = ActorStep>,
        advancing: &mut Duration,
    ) -> Option<(ActorStep, Option<tokio::sync::oneshot::Sender<WriteResult>>)> {
        loop {
            let request = lock(&self.shared.inbox).queue.pop_front();
            let Some(request) = request else { break };
            match prepare(server, request.op) {
                Ok(step) => return Some((step, Some(request.reply))),
                Err(rejected) => {
                    let _ = request.reply.send(Err(rejected));
                }
            }
        }
        if advancing.is_zero() {
            match file.next() {
                Some(ActorStep::Advance(d)) if d.0 > self.tick.0 => *advancing = d.0,
                Some(step) => return Some((step, None)),
                None => {}
            }
        }
        if !advancing.is_zero() {
            let part = (*advancing).min(self.tick.0);
            *advancing -= part;
            return Some((ActorStep::Advance(ScenarioDuration(part)), None));
        }
        if lock(&self.shared.inbox).finishing {
            return None;
        }
        Some((ActorStep::Advance(self.tick), None))
    }
}

/// The scenario model's name for a kind.
pub fn object_kind(kind: Kind) -> ObjectKind {
    match kind {
        Kind::Pod => ObjectKind::Pod,
        Kind::ResourceClaim => ObjectKind::ResourceClaim,
        Kind::ResourceSlice => ObjectKind::ResourceSlice,
        Kind::DeviceTaintRule => ObjectKind::DeviceTaintRule,
        Kind::Event => ObjectKind::Event,
        Kind::Node => ObjectKind::Node,
    }
}

/// The write of a step, as [`Actor::perform`] makes it, returning the stored object.
fn perform_write(server: &ApiServer, step: &ActorStep) -> Result<Object, ApiError> {
    match step {
        ActorStep::Create(o) => server.create(o.0.clone()),
        ActorStep::Update(o) => server.update(o.0.clone()),
        ActorStep::UpdateStatus(o) => server.update_status(o.0.clone()),
        ActorStep::Delete(r) => server.delete(
            r.kind.into(),
            r.namespace.as_deref().unwrap_or_default(),
            &r.name,
            &Preconditions {
                uid: r.uid.clone(),
                resource_version: None,
            },
        ),
        other => Err(ApiError::new(
            StatusReason::InternalError,
            format!("not a write: {}", label(other)),
        )),
    }
}

/// The step of a write, against the stored objects now; refused if it would fail.
pub fn prepare(server: &ApiServer, op: WriteOp) -> Result<ActorStep, Rejected> {
    let step = match op {
        WriteOp::Create(object) => ActorStep::Create(KubeObject(object)),
        WriteOp::Update { object, status } => update_step(object, status),
        WriteOp::Patch {
            kind,
            namespace,
            name,
            patch_type,
            body,
            status,
        } => match server.peek(kind, &namespace, &name) {
            Some(live) => {
                let patched = patch::patch(&live, patch_type, &body).map_err(Rejected::Http)?;
                update_step(patched, status)
            }
            None if patch_type == PatchType::Apply && !status => {
                let mut object = patch::applied_object(&body).map_err(Rejected::Http)?;
                if kind.is_namespaced() {
                    object.metadata_mut().namespace = Some(namespace);
                }
                ActorStep::Create(KubeObject(object))
            }
            None => return Err(Rejected::Api(ApiError::not_found(kind.plural(), &name))),
        },
        WriteOp::Delete {
            kind,
            namespace,
            name,
            preconditions,
        } => {
            let live = server
                .peek(kind, &namespace, &name)
                .ok_or_else(|| Rejected::Api(ApiError::not_found(kind.plural(), &name)))?;
            check_preconditions(
                &live,
                preconditions.uid.as_deref(),
                preconditions.resource_version.as_deref(),
            )
            .map_err(Rejected::Api)?;
            return Ok(ActorStep::Delete(ObjectRef {
                kind: object_kind(kind),
                namespace: kind.is_namespaced().then_some(namespace),
                name,
                uid: preconditions.uid,
            }));
        }
    };
    dry_run(server, &step).map_err(Rejected::Api)?;
    Ok(step)
}

fn update_step(object: Object, status: bool) -> ActorStep {
    if status {
        ActorStep::UpdateStatus(KubeObject(object))
    } else {
        ActorStep::Update(KubeObject(object))
    }
}

/// `409 Conflict` for a failed precondition, worded like the server.
fn check_preconditions(live: &Object, uid: Option<&str>, rv: Option<&str>) -> Result<(), ApiError> {
    let conflict = |what: &str, wanted: &str, actual: &str| {
        ApiError::new(
            StatusReason::Conflict,
            format!(
                "Precondition failed: {what} in precondition: {wanted}, {what} in object meta: {actual}"
            ),
        )
    };
    if let Some(uid) = uid.filter(|u| *u != live.uid()) {
        return Err(conflict("UID", uid, live.uid()));
    }
    let current = live.metadata().resource_version.clone().unwrap_or_default();
    if let Some(rv) = rv.filter(|rv| *rv != current) {
        return Err(conflict("ResourceVersion", rv, &current));
    }
    Ok(())
}

/// Tries the write of `step` on a scratch server that holds a copy of the stored object, with
/// the stored server's settings and clock: the same checks, no effect. The resourceVersion is
/// compared here, since the copy's is the scratch server's own.
fn dry_run(server: &ApiServer, step: &ActorStep) -> Result<(), ApiError> {
    let object = match step {
        ActorStep::Create(o) | ActorStep::Update(o) | ActorStep::UpdateStatus(o) => &o.0,
        _ => return Ok(()),
    };
    let now = server.now();
    let config = server.config();
    let scratch = ApiServer::with_clock(
        Arc::new(move || now),
        taintsim_api::ApiServerConfig {
            validation: false,
            ..config.clone()
        },
    );
    let kind = object.kind();
    let namespace = if kind.is_namespaced() && object.namespace().is_empty() {
        "default"
    } else {
        object.namespace()
    };
    let stored = server.peek(kind, namespace, object.name());
    if let Some(stored) = &stored {
        scratch.create(stored.clone())?;
    }
    scratch.set_validation(config.validation);
    let mut attempt = object.clone();
    match step {
        ActorStep::Create(_) => scratch.create(attempt).map(drop),
        _ => {
            if let Some(stored) = &stored {
                let rv = attempt
                    .metadata()
                    .resource_version
                    .clone()
                    .filter(|rv| !rv.is_empty());
                if rv.is_some() && rv != stored.metadata().resource_version {
                    return Err(ApiError::new(
                        StatusReason::Conflict,
                        format!(
                            "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                            kind.plural(),
                            stored.name()
                        ),
                    ));
                }
            }
            attempt.metadata_mut().resource_version = None;
            match step {
                ActorStep::UpdateStatus(_) => scratch.update_status(attempt).map(drop),
                _ => scratch.update(attempt).map(drop),
            }
        }
    }
}
