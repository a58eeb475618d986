//! Configuration of one simulated run.

use jiff::Timestamp;

/// Settings for a [`Sim`](crate::Sim). Every input that affects a run is here or in the
/// strategy; nothing is read from the environment.
///
/// ```
/// let config = taintsim_sim::SimConfig::default().max_steps(500).time_jumps(true);
/// assert_eq!(config.max_steps, 500);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimConfig {
    /// The seed the strategy was built from. Informational only: it is not used by the
    /// simulator, and is there so that reports can name it. Default 0.
    pub seed: u64,
    /// Virtual time at the start of the run. Default `2025-03-20T12:00:00Z`.
    pub start_time: Timestamp,
    /// The run ends with [`Outcome::StepLimit`](crate::Outcome::StepLimit) after this many
    /// steps (and after this many consecutive time jumps without a step). Default 100 000.
    pub max_steps: u64,
    /// When true, the enabled set also offers `clock: advance to <time>` for the earliest
    /// future deadline whenever something else is enabled, so a strategy can let a timer fire
    /// before the system is quiescent. Default false.
    pub time_jumps: bool,
    /// Actors whose own sleeps a time jump never reaches: with [`SimConfig::time_jumps`] on,
    /// the clock pseudo-step is offered only for a deadline strictly before every pending
    /// sleep of these actors. A scenario actor's `advance` or the timeout of its wait means
    /// "let this much time pass while the world runs", so time may reach it only when nothing
    /// else is enabled, whereas the controller's own timers may fire early. Default empty.
    pub jump_bounding_actors: Vec<String>,
    /// Resources removed from every step's declared touches before anything sees them (the
    /// strategy, the trace, the footprint check): a deliberately broken footprint, for tests
    /// that the footprint check (see the crate docs) catches one. Default empty.
    pub without_touches: Vec<String>,
    /// When false, the run keeps no trace and its decision log no labels, and the runtime
    /// tells the code above the seam that steps' action text, detail and (in release builds)
    /// touches are not wanted ([`Runtime::wants_labels`](taintsim_seam::Runtime::wants_labels)),
    /// so nothing is formatted for them. The choices, and so the run, are the same: a search
    /// that only needs each run's verdict runs without labels and re-runs a failing schedule
    /// with them. Default true.
    pub labels: bool,
}

/// The default start time, 2025-03-20T12:00:00Z, as seconds since the Unix epoch.
const DEFAULT_START_SECONDS: i64 = 1_742_472_000;

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            start_time: Timestamp::from_second(DEFAULT_START_SECONDS)
                .unwrap_or(Timestamp::UNIX_EPOCH),
            max_steps: 100_000,
            time_jumps: false,
            jump_bounding_actors: Vec::new(),
            without_touches: Vec::new(),
            labels: true,
        }
    }
}

impl SimConfig {
    /// Sets [`SimConfig::seed`].
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`SimConfig::start_time`].
    #[must_use]
    pub fn start_time(mut self, start_time: Timestamp) -> Self {
        self.start_time = start_time;
        self
    }

    /// Sets [`SimConfig::max_steps`].
    #[must_use]
    pub fn max_steps(mut self, max_steps: u64) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// Sets [`SimConfig::time_jumps`].
    #[must_use]
    pub fn time_jumps(mut self, time_jumps: bool) -> Self {
        self.time_jumps = time_jumps;
        self
    }

    /// Adds `actor` to [`SimConfig::jump_bounding_actors`].
    #[must_use]
    pub fn jump_bounded_by(mut self, actor: impl Into<String>) -> Self {
        self.jump_bounding_actors.push(actor.into());
        self
    }

    /// Sets [`SimConfig::labels`].
    #[must_use]
    pub fn labels(mut self, labels: bool) -> Self {
        self.labels = labels;
        self
    }

    /// Adds `resource` to [`SimConfig::without_touches`].
    #[must_use]
    pub fn without_touch(mut self, resource: impl Into<String>) -> Self {
        self.without_touches.push(resource.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_start_time_should_be_2025_03_20_noon_utc() {
        assert_eq!(
            SimConfig::default().start_time.to_string(),
            "2025-03-20T12:00:00Z"
        );
    }
}
