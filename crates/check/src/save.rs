//! Saving a failing run's decision log, where `taintsim replay --decisions PATH` finds it.

use std::path::{Path, PathBuf};

use taintsim_sim::DecisionLog;

use crate::verdict::SaveError;

/// Where `taintsim run` and `taintsim explore` save failing decision logs by default,
/// relative to the working directory.
pub const DEFAULT_SAVE_DIR: &str = "target/taintsim/failures";

/// Writes `log` to `dir/<name>-seed<seed>.decisions.json`, creating `dir`.
pub fn save_decisions(
    dir: &Path,
    name: &str,
    seed: u64,
    log: &DecisionLog,
) -> Result<PathBuf, SaveError> {
    save_decisions_as(dir, &format!("{name}-seed{seed}"), log)
}

/// Writes `log` to `dir/<stem>.decisions.json` (`stem` made safe as a file name), creating
/// `dir`.
pub fn save_decisions_as(dir: &Path, stem: &str, log: &DecisionLog) -> Result<PathBuf, SaveError> {
    std::fs::create_dir_all(dir).map_err(|error| SaveError::Dir {
        dir: dir.to_owned(),
        error,
    })?;
    let path = dir.join(format!("{}.decisions.json", file_stem(stem)));
    let text = log
        .to_json()
        .map_err(|e| SaveError::Encode(e.to_string()))?;
    std::fs::write(&path, text + "\n").map_err(|error| SaveError::Write {
        path: path.clone(),
        error,
    })?;
    Ok(path)
}

/// A scenario name made safe as a file name: anything but ASCII letters, digits, `-`, `_`
/// and `.` becomes `_`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "scenario".into()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stem_should_replace_unsafe_characters() {
        assert_eq!(file_stem("updatework-panic"), "updatework-panic");
        assert_eq!(file_stem("a b/c"), "a_b_c");
        assert_eq!(file_stem(""), "scenario");
    }
}
