//! The progress bar of `run`, `explore` and `stress`: schedules (or runs), their rate and the
//! failures so far, drawn on stderr only when [`crate::common::show_progress`] allows it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use taintsim_check::Progress;

/// A progress bar, or nothing when progress is not shown.
#[derive(Debug)]
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar over `total` schedules labelled `prefix`, if `visible`.
    pub fn new(visible: bool, total: u64, prefix: &str) -> Self {
        Self::counting(visible, total, prefix, "schedules")
    }

    /// A bar over `total` of `unit` (e.g. `runs` for `stress`), labelled `prefix`, if
    /// `visible`.
    pub fn counting(visible: bool, total: u64, prefix: &str, unit: &'static str) -> Self {
        if !visible {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(&format!(
            "{{prefix}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit}, {{rate}}, {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "rate",
            move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} {unit}/s", state.per_sec());
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
