//! [`StepLabel`]: what a task is about to do at an interleaving point, and what it touches.

use serde::{Deserialize, Serialize};

/// What a task is about to do when it takes a step ([`Runtime::step`](crate::Runtime::step)).
///
/// `touches` names the shared resources that the work *after* the step reads or writes until
/// the task's next step (for example `pod/default/my-pod` or `queue/default/my-pod`).
/// Exhaustive exploration treats steps of different actors with disjoint `touches` as
/// independent; an empty list means "touches nothing shared". A resource `a` also covers
/// every `a/...` below it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepLabel {
    /// What the task does next, e.g. `GET pod default/my-pod`.
    pub action: String,
    /// Shared resources the next piece of work touches.
    pub touches: Vec<String>,
}

impl StepLabel {
    /// A label for `action` that touches nothing shared.
    pub fn new(action: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            touches: Vec::new(),
        }
    }

    /// A label for `action` that touches the listed resources.
    pub fn with_touches(
        action: impl Into<String>,
        touches: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            action: action.into(),
            touches: touches.into_iter().collect(),
        }
    }

    /// Adds one touched resource.
    #[must_use]
    pub fn touching(mut self, resource: impl Into<String>) -> Self {
        self.touches.push(resource.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_label_should_collect_touches() {
        let l = StepLabel::new("GET").touching("pod/a").touching("pod/b");
        assert_eq!(l.touches, vec!["pod/a".to_string(), "pod/b".to_string()]);
        assert_eq!(
            StepLabel::with_touches("GET", ["pod/a".to_owned()]),
            StepLabel::new("GET").touching("pod/a")
        );
    }
}
