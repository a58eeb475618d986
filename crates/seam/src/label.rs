//! [`StepLabel`]: what a task is about to do at an interleaving point, and what it touches.

use serde::{Deserialize, Serialize};

use crate::detail::StepDetail;
use crate::runtime::Runtime;

/// The name of one shared resource a step touches (`cache/pods`, `pod/default/my-pod`; see
/// [`StepLabel::touches`]). A small immutable string: up to 23 bytes inline, longer ones
/// shared, and a `&'static str` without a copy ([`Touch::new_static`]), so that a step's
/// touches move into the enabled set and the trace, and are compared by exhaustive search,
/// without allocating one string each. It serializes as a plain string.
pub type Touch = smol_str::SmolStr;

/// Appends `n` in decimal to `out`. For the labels built on every step of a labelled run,
/// which are assembled piece by piece: `format!` cost more than the rest of such a step's
/// label.
pub fn push_decimal(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// The touch named by `parts` joined with `/` (`touch(&["pod", "default/my-pod"])`), built
/// inline when it fits, without an intermediate `String`.
pub fn touch(parts: &[&str]) -> Touch {
    let mut b = smol_str::SmolStrBuilder::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            b.push('/');
        }
        b.push_str(part);
    }
    b.finish()
}

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
    pub touches: Vec<Touch>,
    /// What the step is about, if it is one of the kinds [`StepDetail`] describes. Boxed: a
    /// label moves several times per step (into the simulator's enabled set and out again),
    /// and most runs have no detail at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Box<StepDetail>>,
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
    pub fn with_touches<T: Into<Touch>>(
        action: impl Into<String>,
        touches: impl IntoIterator<Item = T>,
    ) -> Self {
        Self {
            action: action.into(),
            touches: touches.into_iter().map(Into::into).collect(),
            detail: None,
        }
    }

    /// A label whose action and touches are built only if `rt` wants them
    /// ([`Runtime::wants_labels`], [`Runtime::wants_touches`]); otherwise they stay empty.
    /// For steps taken on every run, where formatting what nobody reads would cost more than
    /// the step itself.
    pub fn lazy(
        rt: &dyn Runtime,
        action: impl FnOnce() -> String,
        touches: impl FnOnce() -> Vec<Touch>,
    ) -> Self {
        Self {
            action: if rt.wants_labels() {
                action()
            } else {
                String::new()
            },
            touches: if rt.wants_touches() {
                touches()
            } else {
                Vec::new()
            },
            detail: None,
        }
    }

    /// Sets what the step is about, built only if `rt` wants labels
    /// ([`Runtime::wants_labels`]).
    #[must_use]
    pub fn with_lazy_detail(
        mut self,
        rt: &dyn Runtime,
        detail: impl FnOnce() -> StepDetail,
    ) -> Self {
        if rt.wants_labels() {
            self.detail = Some(Box::new(detail()));
        }
        self
    }

    /// Adds one touched resource.
    #[must_use]
    pub fn touching(mut self, resource: impl Into<Touch>) -> Self {
        self.touches.push(resource.into());
        self
    }

    /// Sets what the step is about.
    #[must_use]
    pub fn with_detail(mut self, detail: StepDetail) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::runtime::{BoxFuture, TimerHandle, Timestamp};

    /// A runtime that only answers what it wants; nothing here runs tasks.
    struct Wants {
        labels: bool,
        touches: bool,
    }

    impl Runtime for Wants {
        fn now(&self) -> Timestamp {
            Timestamp::UNIX_EPOCH
        }
        fn spawn(&self, _: String, _: BoxFuture<()>) {
            unreachable!("not used")
        }
        fn after(
            &self,
            _: Duration,
            _: String,
            _: Box<dyn FnOnce() + Send>,
        ) -> Box<dyn TimerHandle> {
            unreachable!("not used")
        }
        fn sleep(&self, _: Duration) -> BoxFuture<()> {
            unreachable!("not used")
        }
        fn step(&self, _: StepLabel) -> BoxFuture<()> {
            unreachable!("not used")
        }
        fn choose(&self, _: &str, _: usize) -> usize {
            0
        }
        fn wants_labels(&self) -> bool {
            self.labels
        }
        fn wants_touches(&self) -> bool {
            self.touches
        }
    }

    #[test]
    fn lazy_label_should_build_only_what_the_runtime_wants() {
        let built = |labels, touches| {
            let rt = Wants { labels, touches };
            StepLabel::lazy(
                &rt,
                || "GET".to_owned(),
                || vec![Touch::new_static("pod/a")],
            )
            .with_lazy_detail(&rt, || StepDetail::RecordEvent { key: "a".into() })
        };
        let full = StepLabel::with_touches("GET", ["pod/a".to_owned()])
            .with_detail(StepDetail::RecordEvent { key: "a".into() });
        assert_eq!(built(true, true), full);
        assert_eq!(built(false, false), StepLabel::default());
        let touches_only = built(false, true);
        assert_eq!(
            (touches_only.action.as_str(), touches_only.detail),
            ("", None)
        );
        assert_eq!(touches_only.touches, full.touches);
        let labels_only = built(true, false);
        assert_eq!(labels_only.action, "GET");
        assert_eq!(labels_only.detail, full.detail);
        assert!(labels_only.touches.is_empty());
    }

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
