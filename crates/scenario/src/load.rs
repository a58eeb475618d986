//! Reading scenario files, with errors that name the file, line, column and field.
//!
//! Everything a file can get wrong is checked while it is decoded (unknown keys, wrong types,
//! durations, toggles, Kubernetes objects), so a scenario is either loaded whole or not at all.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Scenario;

/// Why a scenario file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The file (or `<input>`).
    pub file: PathBuf,
    /// 1-based line of the problem, 0 if unknown (for example an unreadable file).
    pub line: usize,
    /// 1-based column of the problem, 0 if unknown.
    pub column: usize,
    /// The field, as a path such as `steps[2].update.spec.nodeName`; empty for the whole file.
    pub field: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Parses scenario text; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Scenario, LoadError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let scenario: Scenario = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        LoadError {
            file: file.to_owned(),
            line: inner.line(),
            column: inner.column(),
            field: if field == "." { String::new() } else { field },
            message: inner
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned(),
        }
    })?;
    de.end().map_err(|e| LoadError {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        field: String::new(),
        message: "trailing characters after the scenario object".into(),
    })?;
    Ok(scenario)
}

/// Reads and parses one file.
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError {
        file: path.to_owned(),
        line: 0,
        column: 0,
        field: String::new(),
        message: format!("cannot read the file: {e}"),
    })?;
    parse(&text, path)
}

/// Every `*.json` file under `path` (recursively, sorted), or `path` itself if it is a file.
pub fn find_scenarios(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    let mut dirs = vec![path.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                found.push(p);
            }
        }
    }
    found.sort();
    Ok(found)
}
