//! What the HTTP side and the run share: the world's API server and position ([`Views`]),
//! and how the run moves (frozen) or takes writes (live).

use std::sync::{Arc, RwLock};

use taintsim_api::ApiServer;
use taintsim_check::Schedule;
use taintsim_scenario::format::Scenario;
use tokio::sync::watch;

use crate::live::LiveHandle;
use crate::run::{Position, run_to};
use crate::status::Failure;

/// The world's API server as clients see it, and where the run stands.
#[derive(Clone)]
pub struct View {
    /// The API server (read without counting calls).
    pub server: ApiServer,
    /// The run's position.
    pub position: Position,
}

/// The current [`View`], and a counter that goes up whenever it changes, for watches to wait
/// on.
pub struct Views {
    view: RwLock<View>,
    changed: watch::Sender<u64>,
}

impl Views {
    /// Views starting at `view`.
    pub fn new(view: View) -> Self {
        Self {
            view: RwLock::new(view),
            changed: watch::channel(0).0,
        }
    }

    /// The current view.
    pub fn get(&self) -> View {
        self.view
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the view and wakes the watches.
    pub fn set(&self, view: View) {
        *self
            .view
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = view;
        self.changed.send_modify(|n| *n += 1);
    }

    /// Moves the position; wakes the watches if `store_changed`.
    pub fn set_position(&self, position: Position, store_changed: bool) {
        self.view
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .position = position;
        if store_changed {
            self.changed.send_modify(|n| *n += 1);
        }
    }

    /// A receiver that sees every later change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// A frozen run: the schedule, and how far it goes.
pub struct Frozen {
    /// The scenario.
    pub scenario: Scenario,
    /// The schedule.
    pub schedule: Schedule,
    /// The step bound.
    pub max_steps: u64,
    /// The last step of the whole run.
    pub total: u64,
    /// One move at a time.
    moving: tokio::sync::Mutex<()>,
}

impl Frozen {
    /// A frozen run of `scenario` under `schedule`, whose whole run takes `total` steps.
    pub fn new(scenario: Scenario, schedule: Schedule, max_steps: u64, total: u64) -> Self {
        Self {
            scenario,
            schedule,
            max_steps,
            total,
            moving: tokio::sync::Mutex::new(()),
        }
    }

    /// Moves the run by `by` steps (back if negative, clamped to the run): a new run from
    /// scratch to the new position, which then replaces the view.
    pub async fn step(&self, views: &Views, by: i64) -> Result<Position, Failure> {
        let _one = self.moving.lock().await;
        let current = views.get().position.decision;
        let target = current.saturating_add_signed(by).min(self.total);
        let (scenario, schedule, max_steps) =
            (self.scenario.clone(), self.schedule.clone(), self.max_steps);
        let frozen = tokio::task::spawn_blocking(move || {
            run_to(&scenario, &schedule, max_steps, Some(target))
        })
        .await
        .map_err(|e| Failure::unavailable(format!("the replay did not finish: {e}")))?
        .map_err(|e| Failure::unavailable(format!("the replay failed: {e}")))?;
        let mut position = frozen.position;
        position.steps = Some(self.total);
        views.set(View {
            server: frozen.server,
            position: position.clone(),
        });
        Ok(position)
    }
}

/// How the run behaves.
pub enum Mode {
    /// Frozen at a step; moved by `POST /taintsim/v1/step`; writes are refused.
    Frozen(Box<Frozen>),
    /// Running on; writes become actor steps.
    Live(LiveHandle),
}

/// Everything a request handler needs.
pub struct Session {
    /// The world as clients see it.
    pub views: Arc<Views>,
    /// Frozen or live.
    pub mode: Mode,
    /// The bearer token every request must carry.
    pub token: String,
    /// The preferred version of resource.k8s.io: the one the scenario's claims and slices
    /// use.
    pub preferred_resource_version: &'static str,
    /// Whether each move of a frozen run is printed to stderr.
    pub announce_moves: bool,
}
