//! Renders a run as a swimlane diagram: standalone SVG ([`render_svg`]) or an HTML page with
//! the diagram and a table of the steps ([`render_html`]).
//!
//! # Layout
//!
//! - One lane (column) per actor, in this order: `scenario`, `clock`, the informers (pods,
//!   resource claims, resource slices, device taint rules, then others), the listeners
//!   (`pod-handler`, `claim-handler`, `slice-tracker`, `rule-tracker`, then any other
//!   `notify/<name>` target), `controller`, the `api-server` (a pseudo-lane, present when a
//!   step made an API call; it sits between the informers it feeds and the workers that call
//!   it, so that no arrow runs back through the caller's box), the timers, the workers,
//!   `event-broadcaster`, then any other actor. Within a group, actors appear in the order of
//!   their first step.
//! - Virtual time runs downward, one row per step. The left gutter shows the step number and
//!   the virtual time since the start; a dashed separator marks every advance of virtual time.
//! - Each step is a box in its actor's lane holding the action. A lane is as narrow as lets its
//!   labels wrap at spaces into two lines (else three, within 12 to 36 characters); longer
//!   labels are truncated with `…`. The box's tooltip holds the full label, the touched
//!   resources and the coverage marks; the marks also appear as small tags under the box.
//! - Arrows are drawn over the boxes, so that one crossing a box cannot seem to end there.
//! - Arrows show the causality that the steps' structured details ([`StepDetail`]) record:
//!   API calls (request to the `api-server` lane, response back, with an activation bar in
//!   between), writes (a `scenario` write or an API write to the informer's next cache update
//!   of that object), notifications (a cache update to each notified listener's delivery of
//!   the same key and resource version), event writes (a recorded event to the sink's first
//!   attempt to write it) and timers (a timer's `fire` to the first step of the worker it
//!   spawned, found by the actor names the queue gives them). No arrow depends on the wording
//!   of a step's action.
//! - The failing step (the step a panic names, otherwise the last step of a failed run) is
//!   drawn in red on a red row, and the verdict with its message sits in a box at the bottom.
//!   A panic in an eager poll names a step the trace lacks; it gets a dashed row of its own.
//! - A failed API response is a red dashed arrow, and a failed write draws no write arrow.

mod html;
mod svg;

pub use html::render_html;
pub use svg::render_svg;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::hash::Hash;

use taintsim_api::resource;
use taintsim_check::{Observed, RunResult};
use taintsim_sim::StepDetail;

/// The listeners of the simulated world, in lane order.
const KNOWN_LISTENERS: [&str; 4] = [
    "pod-handler",
    "claim-handler",
    "slice-tracker",
    "rule-tracker",
];

/// The informers of the simulated world, in lane order.
const KNOWN_INFORMERS: [&str; 4] = [
    "pods-informer",
    "resourceclaims-informer",
    "resourceslices-informer",
    "devicetaintrules-informer",
];

/// The actor name of the API server pseudo-lane.
const API_SERVER: &str = "api-server";

/// What kind of actor a lane belongs to; the order is the lane order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum LaneKind {
    Scenario,
    Clock,
    Informer,
    Listener,
    Controller,
    ApiServer,
    Timer,
    Worker,
    Broadcaster,
    Other,
}

impl LaneKind {
    /// The CSS class suffix.
    pub(crate) fn css(self) -> &'static str {
        match self {
            Self::Scenario => "scenario",
            Self::Clock => "clock",
            Self::Informer => "informer",
            Self::Listener => "listener",
            Self::Controller => "controller",
            Self::Timer => "timer",
            Self::Worker => "worker",
            Self::ApiServer => "api",
            Self::Broadcaster => "broadcaster",
            Self::Other => "other",
        }
    }
}

/// One column of the diagram.
#[derive(Debug, Clone)]
pub(crate) struct Lane {
    pub(crate) name: String,
    pub(crate) kind: LaneKind,
}

/// One row of the diagram: a step of the trace, or the step a panic names that never ran.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) step: u64,
    pub(crate) elapsed_nanos: u64,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) touches: Vec<String>,
    pub(crate) marks: Vec<String>,
    /// What the step is about, as data.
    pub(crate) detail: Option<StepDetail>,
    /// Index into [`Model::lanes`].
    pub(crate) lane: usize,
    /// True for the step a panic names when the trace does not hold it (a panic in an eager
    /// poll, before the step was taken).
    pub(crate) phantom: bool,
}

impl Row {
    /// `#step +time actor: action`, the touches and the marks, one per line.
    pub(crate) fn tooltip(&self) -> String {
        let mut s = format!(
            "#{} {} {}: {}",
            self.step,
            elapsed_text(self.elapsed_nanos),
            self.actor,
            self.action
        );
        if self.phantom {
            s.push_str(" (not taken: the panic happened before the step ran)");
        }
        let _ = write!(s, "\ntouches: [{}]", self.touches.join(", "));
        if !self.marks.is_empty() {
            let _ = write!(s, "\nmarks: {{{}}}", self.marks.join(", "));
        }
        s
    }
}

/// What an arrow means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArrowKind {
    /// An API request, from the caller to the API server.
    Request,
    /// A successful (2xx) API response, from the API server back to the caller.
    Response,
    /// A failed API response.
    ErrorResponse,
    /// A write, to the informer's cache update that reflects it.
    Write,
    /// An informer notification, to the listener's delivery.
    Notify,
    /// A recorded event, to the broadcaster's write.
    Event,
    /// A timer firing, to the first step of the worker it spawned.
    Spawn,
}

impl ArrowKind {
    /// Every kind, in legend order.
    pub(crate) const ALL: [ArrowKind; 7] = [
        Self::Request,
        Self::Response,
        Self::ErrorResponse,
        Self::Write,
        Self::Notify,
        Self::Event,
        Self::Spawn,
    ];

    /// The CSS class suffix and marker id suffix.
    pub(crate) fn css(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
            Self::ErrorResponse => "error",
            Self::Write => "write",
            Self::Notify => "notify",
            Self::Event => "event",
            Self::Spawn => "spawn",
        }
    }

    /// The legend text.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Request => "API request",
            Self::Response => "API response",
            Self::ErrorResponse => "API error",
            Self::Write => "write -> cache update",
            Self::Notify => "notification",
            Self::Event => "event write",
            Self::Spawn => "timer -> worker",
        }
    }
}

/// Where an arrow starts or ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The box of a row.
    Step(usize),
    /// The activation bar of an API call (index into [`Model::calls`]) at a row.
    Api {
        /// The call.
        call: usize,
        /// The row.
        row: usize,
    },
}

/// A causal arrow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrow {
    pub(crate) kind: ArrowKind,
    pub(crate) from: End,
    pub(crate) to: End,
}

/// An API call: the request row and, if the trace holds it, the response row.
#[derive(Debug, Clone)]
pub(crate) struct ApiCall {
    pub(crate) request: usize,
    pub(crate) response: Option<usize>,
    /// Horizontal slot of the activation bar; overlapping calls get different slots.
    pub(crate) slot: usize,
}

impl ApiCall {
    /// The last row of the call.
    pub(crate) fn last_row(&self) -> usize {
        self.response.unwrap_or(self.request)
    }
}

/// Everything the renderers draw, derived from a [`RunResult`].
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) title: String,
    pub(crate) lanes: Vec<Lane>,
    pub(crate) rows: Vec<Row>,
    pub(crate) arrows: Vec<Arrow>,
    pub(crate) calls: Vec<ApiCall>,
    /// Index into `lanes` of the API server pseudo-lane.
    pub(crate) api_lane: Option<usize>,
    /// Index into `rows` of the failing step.
    pub(crate) failing: Option<usize>,
    /// Whether the run passed.
    pub(crate) passed: bool,
    /// [`Observed::short`].
    pub(crate) verdict: String,
    /// [`Observed::message`].
    pub(crate) message: String,
}

impl Model {
    /// Analyses `result`.
    pub(crate) fn build(result: &RunResult, title: &str) -> Self {
        let mut rows: Vec<Row> = result
            .report
            .trace
            .entries
            .iter()
            .map(|e| Row {
                step: e.step,
                elapsed_nanos: e.elapsed_nanos,
                actor: e.actor.to_string(),
                action: e.action.clone(),
                touches: e.touches.iter().map(ToString::to_string).collect(),
                marks: e.marks.clone(),
                detail: e.detail.clone(),
                lane: 0,
                phantom: false,
            })
            .collect();
        let observed = &result.observed;
        let failing = match observed {
            Observed::Pass => None,
            Observed::Panic {
                step,
                actor,
                action,
                ..
            } => match rows.iter().position(|r| r.step == *step) {
                Some(i) => Some(i),
                None => {
                    rows.push(Row {
                        step: *step,
                        elapsed_nanos: rows.last().map_or(0, |r| r.elapsed_nanos),
                        actor: actor.clone(),
                        action: action.clone(),
                        touches: Vec::new(),
                        marks: Vec::new(),
                        detail: None,
                        lane: 0,
                        phantom: true,
                    });
                    Some(rows.len() - 1)
                }
            },
            _ => rows.len().checked_sub(1),
        };

        let calls = find_calls(&rows);
        let lanes = order_lanes(&rows, !calls.is_empty());
        let index: HashMap<&str, usize> = lanes
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), i))
            .collect();
        let lane_of: Vec<usize> = rows.iter().map(|r| index[r.actor.as_str()]).collect();
        for (row, lane) in rows.iter_mut().zip(lane_of) {
            row.lane = lane;
        }
        let api_lane = lanes.iter().position(|l| l.kind == LaneKind::ApiServer);

        let mut arrows = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            arrows.push(Arrow {
                kind: ArrowKind::Request,
                from: End::Step(call.request),
                to: End::Api {
                    call: i,
                    row: call.request,
                },
            });
            if let Some(resp) = call.response {
                let kind = if succeeded(&rows[resp]) {
                    ArrowKind::Response
                } else {
                    ArrowKind::ErrorResponse
                };
                arrows.push(Arrow {
                    kind,
                    from: End::Api { call: i, row: resp },
                    to: End::Step(resp),
                });
            }
        }
        write_arrows(&rows, &calls, &mut arrows);
        notify_arrows(&rows, &mut arrows);
        event_arrows(&rows, &mut arrows);
        spawn_arrows(&rows, &mut arrows);

        Model {
            title: title.to_owned(),
            lanes,
            rows,
            arrows,
            calls,
            api_lane,
            failing,
            passed: observed.is_pass(),
            verdict: observed.short(),
            message: observed.message(),
        }
    }

    /// Total virtual time of the run, as `+s.mmms`.
    pub(crate) fn duration_text(&self) -> String {
        elapsed_text(self.rows.last().map_or(0, |r| r.elapsed_nanos))
    }
}

/// `+seconds.millis s`, as in [`taintsim_sim::Trace::to_text`].
pub(crate) fn elapsed_text(nanos: u64) -> String {
    let secs = nanos / 1_000_000_000;
    let millis = (nanos % 1_000_000_000) / 1_000_000;
    format!("+{secs}.{millis:03}s")
}

fn classify(actor: &str, listeners: &HashSet<&str>) -> LaneKind {
    match actor {
        "scenario" => LaneKind::Scenario,
        "clock" => LaneKind::Clock,
        "controller" => LaneKind::Controller,
        "event-broadcaster" => LaneKind::Broadcaster,
        API_SERVER => LaneKind::ApiServer,
        a if a.ends_with("-informer") => LaneKind::Informer,
        a if listeners.contains(a) => LaneKind::Listener,
        a if a.starts_with("timer ") => LaneKind::Timer,
        a if a.starts_with("worker ") => LaneKind::Worker,
        _ => LaneKind::Other,
    }
}

/// The lanes in display order (see the module docs).
fn order_lanes(rows: &[Row], with_api: bool) -> Vec<Lane> {
    let mut listeners: HashSet<&str> = KNOWN_LISTENERS.into_iter().collect();
    for r in rows {
        listeners.extend(r.touches.iter().filter_map(|t| resource::listener_of(t)));
    }
    let mut first: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for r in rows {
        if seen.insert(r.actor.as_str()) {
            first.push(r.actor.as_str());
        }
    }
    if with_api && !seen.contains(API_SERVER) {
        first.push(API_SERVER);
    }
    let mut lanes: Vec<(LaneKind, usize, usize, &str)> = first
        .iter()
        .enumerate()
        .map(|(order, name)| {
            let kind = classify(name, &listeners);
            let known = KNOWN_INFORMERS
                .iter()
                .chain(KNOWN_LISTENERS.iter())
                .position(|k| k == name)
                .unwrap_or(usize::MAX);
            (kind, known, order, *name)
        })
        .collect();
    lanes.sort();
    lanes
        .into_iter()
        .map(|(kind, _, _, name)| Lane {
            name: name.to_owned(),
            kind,
        })
        .collect()
}

/// What identifies an API call: the method, kind and key of its request.
type CallKey<'a> = (&'a str, &'a str, &'a str);

/// The call a request or response row belongs to, and whether it is the response.
fn api_call(row: &Row) -> Option<(CallKey<'_>, bool)> {
    match row.detail.as_ref()? {
        StepDetail::Request { method, kind, key } => Some(((method, kind, key), false)),
        StepDetail::Response {
            method, kind, key, ..
        } => Some(((method, kind, key), true)),
        _ => None,
    }
}

/// Pairs every API request step with the next response step of the same actor, method, kind
/// and key, and gives overlapping calls different bar slots.
fn find_calls(rows: &[Row]) -> Vec<ApiCall> {
    let mut calls: Vec<ApiCall> = Vec::new();
    let mut pending: HashMap<(&str, CallKey<'_>), usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let Some((call, response)) = api_call(r) else {
            continue;
        };
        if response {
            if let Some(c) = pending.remove(&(r.actor.as_str(), call)) {
                calls[c].response = Some(i);
            }
        } else {
            pending.insert((r.actor.as_str(), call), calls.len());
            calls.push(ApiCall {
                request: i,
                response: None,
                slot: 0,
            });
        }
    }
    // Interval colouring in request order: the lowest slot free at the request row.
    let mut busy_until: Vec<usize> = Vec::new();
    for call in &mut calls {
        let slot = match busy_until.iter().position(|&end| end < call.request) {
            Some(s) => s,
            None => {
                busy_until.push(0);
                busy_until.len() - 1
            }
        };
        busy_until[slot] = call.last_row();
        call.slot = slot;
    }
    calls
}

/// Whether a row is an API response with a 2xx status.
fn succeeded(row: &Row) -> bool {
    row.detail.as_ref().is_some_and(StepDetail::is_success)
}

/// A cache-update step: (kind, key, resourceVersion).
fn cache_update(row: &Row) -> Option<(&str, &str, u64)> {
    match row.detail.as_ref()? {
        StepDetail::CacheUpdate {
            kind,
            key,
            resource_version,
            ..
        } => Some((kind, key, *resource_version)),
        _ => None,
    }
}

/// A deliver step: (key, resourceVersion).
fn delivery(row: &Row) -> Option<(&str, u64)> {
    match row.detail.as_ref()? {
        StepDetail::Deliver {
            key,
            resource_version,
            ..
        } => Some((key, *resource_version)),
        _ => None,
    }
}

/// The HTTP methods that change an object.
const WRITE_METHODS: [&str; 4] = ["POST", "PUT", "PATCH", "DELETE"];

/// Writes whose effect an informer should see: `(row, source, kind, key)`.
fn writes<'a>(rows: &'a [Row], calls: &[ApiCall]) -> Vec<(usize, End, &'a str, &'a str)> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(StepDetail::Write { kind, key, .. }) = &r.detail {
            out.push((i, End::Step(i), kind.as_str(), key.as_str()));
        }
    }
    for (c, call) in calls.iter().enumerate() {
        let Some(StepDetail::Request { method, kind, key }) = &rows[call.request].detail else {
            continue;
        };
        if !WRITE_METHODS.contains(&method.as_str()) {
            continue;
        }
        if call.response.is_none_or(|resp| succeeded(&rows[resp])) {
            let source = End::Api {
                call: c,
                row: call.request,
            };
            out.push((call.request, source, kind.as_str(), key.as_str()));
        }
    }
    out.sort_by_key(|w| w.0);
    out
}

/// Target rows by key, in row order; each is handed out at most once.
struct Targets<K>(HashMap<K, VecDeque<usize>>);

impl<K: Hash + Eq> Targets<K> {
    fn new(items: impl Iterator<Item = (K, usize)>) -> Self {
        let mut map: HashMap<K, VecDeque<usize>> = HashMap::new();
        for (key, row) in items {
            map.entry(key).or_default().push_back(row);
        }
        Self(map)
    }

    /// The first unclaimed target for `key` after `row`, claimed. Targets at or before `row`
    /// are dropped, so callers must ask in ascending row order.
    fn take_after(&mut self, key: &K, row: usize) -> Option<usize> {
        let queue = self.0.get_mut(key)?;
        while queue.front().is_some_and(|&t| t <= row) {
            queue.pop_front();
        }
        queue.pop_front()
    }
}

/// Each write to the first later, unclaimed cache update of the same object.
fn write_arrows(rows: &[Row], calls: &[ApiCall], arrows: &mut Vec<Arrow>) {
    let mut targets = Targets::new(
        rows.iter()
            .enumerate()
            .filter_map(|(j, r)| cache_update(r).map(|(kind, key, _)| ((kind, key), j))),
    );
    for (row, source, kind, key) in writes(rows, calls) {
        if let Some(j) = targets.take_after(&(kind, key), row) {
            arrows.push(Arrow {
                kind: ArrowKind::Write,
                from: source,
                to: End::Step(j),
            });
        }
    }
}

/// Each cache update to every notified listener's delivery of the same key and version.
fn notify_arrows(rows: &[Row], arrows: &mut Vec<Arrow>) {
    let mut targets = Targets::new(
        rows.iter()
            .enumerate()
            .filter_map(|(j, r)| delivery(r).map(|(key, rv)| ((r.actor.as_str(), key, rv), j))),
    );
    for (i, r) in rows.iter().enumerate() {
        let Some((_, key, rv)) = cache_update(r) else {
            continue;
        };
        for listener in r.touches.iter().filter_map(|t| resource::listener_of(t)) {
            if let Some(j) = targets.take_after(&(listener, key, rv), i) {
                arrows.push(Arrow {
                    kind: ArrowKind::Notify,
                    from: End::Step(i),
                    to: End::Step(j),
                });
            }
        }
    }
}

/// Each recorded event to the first later, unclaimed first attempt to write an event about the
/// same object.
fn event_arrows(rows: &[Row], arrows: &mut Vec<Arrow>) {
    let mut targets =
        Targets::new(
            rows.iter()
                .enumerate()
                .filter_map(|(j, r)| match r.detail.as_ref()? {
                    StepDetail::WriteEvent { key, attempt: 1 } => Some((key.as_str(), j)),
                    _ => None,
                }),
        );
    for (i, r) in rows.iter().enumerate() {
        let Some(StepDetail::RecordEvent { key }) = &r.detail else {
            continue;
        };
        let key = key.as_str();
        if let Some(j) = targets.take_after(&key, i) {
            arrows.push(Arrow {
                kind: ArrowKind::Event,
                from: End::Step(i),
                to: End::Step(j),
            });
        }
    }
}

/// Each `timer <key>` firing to the first step of the next worker for `<key>` (actor
/// `worker <key> #<n>`) that starts after it.
fn spawn_arrows(rows: &[Row], arrows: &mut Vec<Arrow>) {
    let mut seen = HashSet::new();
    let mut targets = Targets::new(rows.iter().enumerate().filter_map(|(j, r)| {
        let key = r.actor.strip_prefix("worker ")?.rsplit_once(" #")?.0;
        seen.insert(r.actor.as_str()).then_some((key, j))
    }));
    for (i, r) in rows.iter().enumerate() {
        let Some(key) = r.actor.strip_prefix("timer ") else {
            continue;
        };
        if r.action != "fire" {
            continue;
        }
        if let Some(j) = targets.take_after(&key, i) {
            arrows.push(Arrow {
                kind: ArrowKind::Spawn,
                from: End::Step(i),
                to: End::Step(j),
            });
        }
    }
}

/// Escapes `s` for XML text and attribute values; characters XML 1.0 does not allow become
/// U+FFFD.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Wraps `text` at spaces into lines of at most `width` characters (longer words are split),
/// keeping at most `max_lines`; returns the lines and whether anything was cut (the last kept
/// line then ends in `…`).
pub(crate) fn wrap(text: &str, width: usize, max_lines: usize) -> (Vec<String>, bool) {
    let width = width.max(2);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut chars: Vec<char> = word.chars().collect();
        if len > 0 && len + 1 + chars.len() <= width {
            line.push(' ');
            line.extend(&chars);
            len += 1 + chars.len();
            continue;
        }
        if len > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while chars.len() > width {
            let rest = chars.split_off(width);
            lines.push(chars.into_iter().collect());
            chars = rest;
        }
        len = chars.len();
        line = chars.into_iter().collect();
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    let cut = lines.len() > max_lines;
    if cut {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            let kept: String = last.chars().take(width - 1).collect();
            *last = format!("{kept}…");
        }
    }
    (lines, cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_should_break_at_spaces_and_mark_cuts() {
        let (lines, cut) = wrap("deliver Update default/my-pod rv=4", 16, 2);
        assert_eq!(
            lines,
            vec!["deliver Update".to_owned(), "default/my-pod…".to_owned()]
        );
        assert!(cut);
        let (lines, cut) = wrap("a b c", 10, 2);
        assert_eq!((lines, cut), (vec!["a b c".to_owned()], false));
        let (lines, cut) = wrap("abcdefghij", 4, 2);
        assert_eq!(lines, vec!["abcd".to_owned(), "efg…".to_owned()]);
        assert!(cut);
        let (lines, cut) = wrap("", 4, 2);
        assert_eq!((lines, cut), (vec![String::new()], false));
    }

    #[test]
    fn escape_should_cover_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("x\u{1}y\nz"), "x\u{FFFD}y\nz");
    }
}
