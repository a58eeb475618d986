//! The trace: the ordered list of executed steps, with virtual timestamps, and its stable hash.

use std::fmt::Write as _;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use taintsim_seam::StepDetail;
use taintsim_seam::runtime::Touch;

use crate::ActorName;

/// One executed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEntry {
    /// Step number, starting at 1.
    pub step: u64,
    /// Virtual time at which the step ran (RFC 3339 in JSON).
    pub time: Timestamp,
    /// Virtual nanoseconds since the run's start time.
    pub elapsed_nanos: u64,
    /// The chosen entry's actor (`clock` for a time jump).
    pub actor: ActorName,
    /// The chosen entry's action (`fire` for a timer).
    pub action: String,
    /// Shared resources the step touches.
    pub touches: Vec<Touch>,
    /// What the step is about, as data (see [`StepDetail`]). Neither hashed nor serialized:
    /// the hash and the JSON trace cover the step's text as before, and the renderer reads
    /// this from the run.
    #[serde(skip)]
    pub detail: Option<StepDetail>,
    /// Coverage marks recorded while the step (and the eager polls it caused) ran, in order.
    pub marks: Vec<String>,
}

impl TraceEntry {
    /// The entry's label, `"{actor}: {action}"`, as in the decision log.
    pub fn label(&self) -> String {
        format!("{}: {}", self.actor, self.action)
    }

    /// One line of [`Trace::to_text`].
    pub fn to_text(&self) -> String {
        let secs = self.elapsed_nanos / 1_000_000_000;
        let millis = (self.elapsed_nanos % 1_000_000_000) / 1_000_000;
        let mut line = format!(
            "#{} +{secs}.{millis:03}s {}  {}  [{}]",
            self.step,
            self.actor,
            self.action,
            self.touches.join(", ")
        );
        if !self.marks.is_empty() {
            let _ = write!(line, "  {{{}}}", self.marks.join(", "));
        }
        line
    }
}

/// Every executed step of a run, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Trace {
    /// The steps.
    pub entries: Vec<TraceEntry>,
}

impl Trace {
    /// Renders one line per step:
    ///
    /// ```text
    /// #12 +0.010s worker default/my-pod #1  GET pod default/my-pod  [pod/default/my-pod]  {mark}
    /// ```
    ///
    /// Columns: `#step`, virtual time since the start (`+seconds.millis s`), actor, two
    /// spaces, action, two spaces, touched resources in brackets, and, only if any were
    /// recorded, two spaces and the marks in braces.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            out.push_str(&e.to_text());
            out.push('\n');
        }
        out
    }

    /// A stable 64-bit hash of the trace: FNV-1a 64 over [`Trace::canonical`].
    ///
    /// Equal traces hash equal on every platform, build and Rust version.
    pub fn hash(&self) -> u64 {
        fnv1a64(self.canonical().as_bytes())
    }

    /// The canonical text rendering the hash is computed over. Each entry contributes its step
    /// number, elapsed nanoseconds, actor, action, touches and marks (not its detail, which
    /// only restates the action); every string is written
    /// as `<byte length>:<bytes>` so that no choice of names can make two traces collide
    /// textually. The absolute start time is not included.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let _ = write!(out, "{} {} ", e.step, e.elapsed_nanos);
            field(&mut out, &e.actor);
            field(&mut out, &e.action);
            let _ = write!(out, "t{} ", e.touches.len());
            for t in &e.touches {
                field(&mut out, t);
            }
            let _ = write!(out, "m{} ", e.marks.len());
            for m in &e.marks {
                field(&mut out, m);
            }
            out.push('\n');
        }
        out
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if no step ran.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True if any step recorded the coverage mark `name`.
    pub fn has_mark(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.marks.iter().any(|m| m == name))
    }
}

fn field(out: &mut String, s: &str) {
    let _ = write!(out, "{}:{s} ", s.len());
}

/// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(step: u64, nanos: u64, marks: Vec<String>) -> TraceEntry {
        TraceEntry {
            step,
            time: Timestamp::UNIX_EPOCH,
            elapsed_nanos: nanos,
            actor: "worker default/my-pod #1".into(),
            action: "GET pod default/my-pod".into(),
            touches: vec!["pod/default/my-pod".into()],
            detail: None,
            marks,
        }
    }

    #[test]
    fn fnv1a64_should_match_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn to_text_should_render_the_documented_columns() {
        let t = Trace {
            entries: vec![
                entry(12, 10_000_000, vec![]),
                entry(13, 3_601_500_000_000, vec!["retry".into()]),
            ],
        };
        assert_eq!(
            t.to_text(),
            "#12 +0.010s worker default/my-pod #1  GET pod default/my-pod  [pod/default/my-pod]\n\
             #13 +3601.500s worker default/my-pod #1  GET pod default/my-pod  [pod/default/my-pod]  {retry}\n"
        );
    }

    #[test]
    fn hash_should_change_with_any_field() {
        let base = Trace {
            entries: vec![entry(1, 0, vec![])],
        };
        let mut marked = base.clone();
        marked.entries[0].marks.push("m".into());
        let mut later = base.clone();
        later.entries[0].elapsed_nanos = 1;
        let mut other_actor = base.clone();
        other_actor.entries[0].actor = format!("{}x", other_actor.entries[0].actor).into();
        let hashes = [base.hash(), marked.hash(), later.hash(), other_actor.hash()];
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(base.hash(), base.clone().hash());
    }
}
