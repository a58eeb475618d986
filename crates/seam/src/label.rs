//! [`StepLabel`]: what a task is about to do at an interleaving point, and what it touches.

use serde::{Deserialize, Serialize};

use crate::detail::StepDetail;

/// What a task is about to do when it takes a step ([`Runtime::step`](crate::Runtime::step)).
///
/// `touches` names the shared resources that the work *after* the step reads or writes until
/// the task's next step (for example `pod/default/my-pod` or `queue/default/my-pod`).
/// Exhaustive exploration treats steps of different actors with disjoint `touches` as
/// independent; an empty list means "touches nothing shared". A resource `a` also covers
/// every `a/...` below it. The simulator checks them in debug builds (see
/// [`access`](crate::access)).
///
/// `detail` says what the step is about as data ([`StepDetail`]), for readers that must not
/// parse `action`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepLabel {
    /// What the task does next, e.g. `GET pod default/my-pod`.
    pub action: String,
    /// Shared resources the next piece of work touches.
    pub touches: Vec<String>,
    /// What the step is about, if it is one of the kinds [`StepDetail`] describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<StepDetail>,
}

impl StepLabel {
    /// A label for `action` that touches nothing shared.
    pub fn new(action: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            touches: Vec::new(),
            detail: None,
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
            detail: None,
        }
    }

    /// Adds one touched resource.
    #[must_use]
    pub fn touching(mut self, resource: impl Into<String>) -> Self {
        self.touches.push(resource.into());
        self
    }

    /// Sets what the step is about.
    #[must_use]
    pub fn with_detail(mut self, detail: StepDetail) -> Self {
        self.detail = Some(detail);
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
