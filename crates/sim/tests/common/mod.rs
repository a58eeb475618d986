//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, PoisonError};

use taintsim_sim::{ChooseContext, Divergence, Enabled, Sim, SimConfig, Strategy};

/// Always chooses the first enabled entry and 0 for data: the presentation order made visible.
#[derive(Debug, Default)]
pub struct FirstStrategy;

impl Strategy for FirstStrategy {
    fn choose(&mut self, _enabled: &[Enabled], _ctx: &ChooseContext) -> Result<usize, Divergence> {
        Ok(0)
    }

    fn random(&mut self, _label: &str, _n: u64) -> Result<u64, Divergence> {
        Ok(0)
    }
}

/// A simulator with the default config driven by `FirstStrategy`.
pub fn first_sim() -> Sim {
    Sim::new(SimConfig::default(), Box::new(FirstStrategy))
}

/// A shared, ordered log that tasks and closures append to.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, s: impl Into<String>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(s.into());
    }

    pub fn items(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
