//! [`Scenario`]: a scenario file loaded for a test of one's own, judged against its
//! expectation as `taintsim run` judges it, or searched with another strategy.

use std::ops::Range;
use std::path::{Path, PathBuf};

use taintsim_check::check::Strategy;
use taintsim_check::{CheckError, Overrides, RunError, Verdict};
use taintsim_plugin::Registry;
use taintsim_scenario::format::SeedRange;

/// A scenario file, loaded and checked against the controllers of a registry.
///
/// Each check runs the file's scenario and judges its `expect` over the schedules run,
/// returning a [`Verdict`]; [`Verdict::assert_ok`] turns that into a test assertion whose
/// panic message names the failure and the `taintsim replay ...` command that re-runs it.
///
/// ```
/// use taintsim::Strategy;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/updatework-panic.json");
/// taintsim::Scenario::load(path)?.explore(Strategy::Pct { depth: 3 }, 0..1000)?.assert_ok();
/// # Ok(())
/// # }
/// ```
///
/// The same file judged exactly as `taintsim run` judges it, with a behaviour override, and
/// without panicking:
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/updatework-panic.json");
/// let fixed = taintsim::Scenario::load(path)?.set("queue", "v3")?.check()?;
/// // On the fixed queue the expected panic is not found: the expectation fails.
/// let report = fixed.into_result().expect_err("queue v3 does not panic").to_string();
/// assert!(report.contains("expected panic, observed pass"), "{report}");
/// assert!(report.contains("--set queue=v3"), "{report}");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Scenario {
    file: PathBuf,
    registry: Registry,
    overrides: Overrides,
    scenario: taintsim_scenario::format::Scenario,
}

impl Scenario {
    /// Loads the scenario file at `path` for the controllers this build knows
    /// ([`crate::controllers`]).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CheckError> {
        Self::load_with(&crate::controllers(), path)
    }

    /// Loads the scenario file at `path` for the controllers of `registry` (for example
    /// [`crate::controllers`] with a controller of one's own added).
    pub fn load_with(registry: &Registry, path: impl AsRef<Path>) -> Result<Self, CheckError> {
        Self::load_overridden(registry, path.as_ref(), Overrides::default())
    }

    fn load_overridden(
        registry: &Registry,
        path: &Path,
        overrides: Overrides,
    ) -> Result<Self, CheckError> {
        let scenario = taintsim_check::load(registry, path, &overrides)?;
        Ok(Self {
            file: path.to_owned(),
            registry: registry.clone(),
            overrides,
            scenario,
        })
    }

    /// The same file with the behaviour key `key` set to `value`, like `--set KEY=VALUE` (the
    /// replay commands of its verdicts carry it too). An error if the key or value does not
    /// apply to the scenario's controller.
    pub fn set(self, key: impl Into<String>, value: impl Into<String>) -> Result<Self, CheckError> {
        let overrides = self.overrides.set(key, value);
        Self::load_overridden(&self.registry, &self.file, overrides)
    }

    /// The same file checked on `jobs` worker threads (at least 1; the default is 1), like
    /// `--jobs`: each runs whole schedules on a simulator of its own, and the verdict is the
    /// same whatever `jobs` is.
    #[must_use]
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.overrides = self.overrides.jobs(jobs);
        self
    }

    /// The file's path, as given.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The file's contents, with the overrides applied.
    pub fn contents(&self) -> &taintsim_scenario::format::Scenario {
        &self.scenario
    }

    /// Judges the file exactly as `taintsim run` does: its recorded decisions if it has any,
    /// else its own `explore` settings. An exhaustive search saves its first failure's
    /// decision log under `target/taintsim/failures/` (relative to the working directory), as
    /// `taintsim run` does, so that the verdict's replay command finds it.
    pub fn check(&self) -> Result<Verdict, CheckError> {
        taintsim_check::check_scenario(&self.file, &self.scenario, &self.overrides, &mut |_| {})
    }

    /// Searches the schedules that `strategy` picks from `seeds` and judges the file's
    /// expectation over them. The file's step bound, stop-on-failure and exhaustive bounds
    /// apply; an exhaustive search has no seeds and ignores them. An empty seed range is an
    /// error (it would judge nothing).
    pub fn explore(&self, strategy: Strategy, seeds: Range<u64>) -> Result<Verdict, CheckError> {
        if seeds.is_empty() && strategy != Strategy::Exhaustive {
            return Err(CheckError::Run {
                file: self.file.clone(),
                name: self.scenario.name.clone(),
                expect: self.scenario.expect.clone(),
                error: RunError::Unsupported(format!(
                    "the seed range {}..{} is empty",
                    seeds.start, seeds.end
                )),
            });
        }
        let seeds = SeedRange {
            start: seeds.start,
            end: seeds.end,
        };
        taintsim_check::explore_scenario(
            &self.file,
            &self.scenario,
            strategy,
            seeds,
            &self.overrides,
            &mut |_| {},
        )
    }
}
