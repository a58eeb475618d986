//! taintsim-serve: the simulated API server of a scenario's run behind the Kubernetes REST
//! API, so that `kubectl` and kube-rs can look at the run frozen at any decision, or write
//! into a live one (`taintsim serve`).
//!
//! A code map, from the outside in:
//! - [`start`]: builds the run (frozen at a step, or live), binds the listener, writes the
//!   kubeconfig and serves until [`Served::stop`].
//! - [`http`]: one handler for every path: bearer token, body limit, dispatch by the URL
//!   grammar of [`resource`] to discovery, reads (get, list, watch, tables), writes and the
//!   run's own `/taintsim/v1` endpoints; failures are `Status` objects ([`status`]).
//! - [`session`]: what the handler and the run share: the current world's API server and
//!   position, and how the run moves.
//! - [`run`]: a run built as `taintsim-check` builds it and stopped after step N (the frozen
//!   run; moving it is a new run from scratch, which the determinism makes exact).
//! - [`live`]: `--live`, the run paced to the wall clock with client writes as actor steps,
//!   and `--record`.
//! - [`patch`] and [`selector`]: patch types and label and field selectors.
//!
//! The simulation itself stays single-threaded and deterministic: the HTTP side only reads
//! the API server (without counting calls) and hands writes to the live actor.

pub mod http;
pub mod kubeconfig;
pub mod live;
pub mod patch;
pub mod resource;
pub mod run;
pub mod selector;
pub mod session;
pub mod status;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use taintsim_api::Object;
use taintsim_check::{Schedule, run_schedule};
use taintsim_scenario::format::{ActorStep, Scenario};

use crate::live::{Finished, LiveOptions};
use crate::run::{Position, run_to};
use crate::session::{Frozen, Mode, Session, View, Views};

/// Where the frozen run stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// After this many decisions (clamped to the run).
    Step(u64),
    /// At the step where the run fails (a panic, a violated oracle, a failed assertion).
    Failure,
    /// At the end of the run.
    End,
}

impl std::str::FromStr for At {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "failure" => Ok(Self::Failure),
            "end" => Ok(Self::End),
            n => n.parse().map(Self::Step).map_err(|_| {
                format!("--at takes a decision number, `failure` or `end`, not {n:?}")
            }),
        }
    }
}

/// What to serve and how.
pub struct ServeOptions {
    /// The scenario, loaded and resolved.
    pub scenario: Scenario,
    /// The schedule.
    pub schedule: Schedule,
    /// The step bound of a frozen run (a live run has none).
    pub max_steps: u64,
    /// Where a frozen run stops (ignored when live).
    pub at: At,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where to write the kubeconfig.
    pub kubeconfig: PathBuf,
    /// `Some` for `--live`.
    pub live: Option<LiveOptions>,
    /// Print each move of the frozen run to stderr.
    pub announce_moves: bool,
}

/// Why serving could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The scenario cannot run.
    #[error("cannot run the scenario: {0}")]
    Run(#[from] taintsim_check::RunError),
    /// `--at failure` on a run that does not fail.
    #[error("the run does not fail ({0}): there is no failure to stop at; use --at end or --at N")]
    NoFailure(String),
    /// The listener or the kubeconfig.
    #[error("{0}")]
    Io(String),
}

/// A running server.
pub struct Served {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The kubeconfig written.
    pub kubeconfig: PathBuf,
    /// The bearer token.
    pub token: String,
    /// How the run ended, for a frozen run: its outcome in words.
    pub run_outcome: Option<String>,
    session: Arc<Session>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    /// Where the run stands now.
    pub fn position(&self) -> Position {
        self.session.views.get().position
    }

    /// The current world's objects of every kind, for comparing with what clients see.
    pub fn objects(&self) -> Vec<Object> {
        let server = self.session.views.get().server;
        taintsim_api::Kind::ALL
            .into_iter()
            .flat_map(|k| server.peek_all(k))
            .collect()
    }

    /// Ends a live run and writes its recording; `None` for a frozen run.
    pub async fn finish(&self) -> Option<Finished> {
        match &self.session.mode {
            Mode::Live(live) => Some(live.finish().await),
            Mode::Frozen(_) => None,
        }
    }

    /// Moves a frozen run by `by` decisions.
    pub async fn step(&self, by: i64) -> Result<Position, status::Failure> {
        match &self.session.mode {
            Mode::Frozen(f) => f.step(&self.session.views, by).await,
            Mode::Live(_) => Err(status::Failure::method_not_allowed(
                "a live run moves by itself",
            )),
        }
    }

    /// Stops serving.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The version of resource.k8s.io the scenario's claims and slices use: v1beta1 if any does,
/// else v1.
fn preferred_resource_version(scenario: &Scenario) -> &'static str {
    let step_objects = scenario.steps.iter().filter_map(|s| match s {
        ActorStep::Create(o) | ActorStep::Update(o) | ActorStep::UpdateStatus(o) => Some(&o.0),
        _ => None,
    });
    let v1beta1 = scenario
        .objects
        .iter()
        .map(|o| &o.0)
        .chain(step_objects)
        .any(|o| o.api_version() == "resource.k8s.io/v1beta1");
    if v1beta1 { "v1beta1" } else { "v1" }
}

/// Builds the run, binds `options.listen`, writes the kubeconfig and serves in the
/// background of the current tokio runtime.
pub async fn start(options: ServeOptions) -> Result<Served, ServeError> {
    let preferred = preferred_resource_version(&options.scenario);
    let (views, mode, run_outcome) = match options.live.clone() {
        Some(live) => {
            let (scenario, schedule) = (options.scenario, options.schedule);
            let (views, handle) = tokio::task::spawn_blocking(move || {
                live::start(scenario, schedule, u64::MAX, live)
            })
            .await
            .map_err(|e| ServeError::Io(e.to_string()))??;
            (views, Mode::Live(handle), None)
        }
        None => {
            let (scenario, schedule, max_steps, at) = (
                options.scenario,
                options.schedule,
                options.max_steps,
                options.at,
            );
            tokio::task::spawn_blocking(move || frozen(scenario, schedule, max_steps, at))
                .await
                .map_err(|e| ServeError::Io(e.to_string()))??
        }
    };
    let token = kubeconfig::new_token();
    let session = Arc::new(Session {
        views,
        mode,
        token: token.clone(),
        preferred_resource_version: preferred,
        announce_moves: options.announce_moves,
    });
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| ServeError::Io(format!("cannot listen on {}: {e}", options.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Io(e.to_string()))?;
    let reach = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    let certs = tls::generate(Some(addr.ip())).map_err(ServeError::Io)?;
    kubeconfig::write(
        &options.kubeconfig,
        &format!("https://{reach}"),
        &certs.ca_pem,
        &token,
    )
    .map_err(|e| {
        ServeError::Io(format!(
            "cannot write {}: {e}",
            options.kubeconfig.display()
        ))
    })?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = http::router(session.clone());
    let task = tokio::spawn(accept(listener, certs.acceptor, app, stopped));
    Ok(Served {
        addr,
        kubeconfig: options.kubeconfig,
        token,
        run_outcome,
        session,
        stop: Some(stop),
        task,
    })
}

/// Accepts connections until `stopped`: each one gets its TLS handshake and its HTTP/1.1
/// connection on a task of its own, so that a slow client holds up nobody else.
async fn accept(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    app: axum::Router,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        let tcp = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(_) => continue,
            },
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await;
            let Ok(Ok(tls)) = handshake else { return };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The whole run (to learn where it ends and fails), then the frozen view at `at`.
fn frozen(
    scenario: Scenario,
    schedule: Schedule,
    max_steps: u64,
    at: At,
) -> Result<(Arc<Views>, Mode, Option<String>), ServeError> {
    let whole = run_schedule(&scenario, schedule.clone(), max_steps)?;
    let total = whole.report.steps;
    let outcome = format!("{}: {}", whole.observed.short(), whole.observed.message());
    let stop = match at {
        At::Step(n) => n.min(total),
        At::End => total,
        At::Failure if whole.observed.is_pass() => return Err(ServeError::NoFailure(outcome)),
        At::Failure => total,
    };
    let run = run_to(&scenario, &schedule, max_steps, Some(stop))?;
    let mut position = run.position;
    position.steps = Some(total);
    let views = Arc::new(Views::new(View {
        server: run.server,
        position,
    }));
    let mode = Mode::Frozen(Box::new(Frozen::new(scenario, schedule, max_steps, total)));
    Ok((views, mode, Some(outcome)))
}
