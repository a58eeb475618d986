//! The progress bar of `run` and `explore`: schedules, schedules per second and failures so
//! far, drawn on stderr only when [`crate::common::show_progress`] allows it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use taintsim_scenario::runner::Progress;

/// A progress bar, or nothing when progress is not shown.
#[derive(Debug)]
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar over `total` schedules labelled `prefix`, if `visible`.
    pub fn new(visible: bool, total: u64, prefix: &str) -> Self {
        if !visible {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} schedules, {rate}, {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} schedules/s", state.per_sec());
            },
        );
        bar.set_style(style);
        bar.set_prefix(prefix.to_owned());
        bar.set_message("0 failures");
        Self(Some(bar))
    }

    /// Shows where the exploration stands.
    pub fn update(&self, p: &Progress) {
        if let Some(bar) = &self.0 {
            bar.set_position(p.schedules);
            bar.set_message(format!(
                "{} failure{}",
                p.failures,
                if p.failures == 1 { "" } else { "s" }
            ));
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
