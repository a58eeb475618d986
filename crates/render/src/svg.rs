//! The SVG swimlane diagram.

use std::fmt::Write as _;

use super::{ArrowKind, End, LaneKind, Model, elapsed_text, escape, wrap};
use taintsim_check::RunResult;

/// Font size of step labels, in pixels.
const FONT: f64 = 11.0;
/// Advance of one monospace character at [`FONT`] (DejaVu Sans Mono: 0.602 em).
const CW: f64 = 6.65;
/// Height of one text line.
const LINE: f64 = 14.0;
/// Advance of one character of a coverage-mark tag (font size 9.5).
const TAG_CW: f64 = 5.75;
/// Outer margin.
const MARGIN: f64 = 14.0;
/// Narrowest step-number and time gutter.
const GUTTER: f64 = 112.0;
/// Where the time starts in the gutter (the step number ends 8 pixels before).
const TIME_X: f64 = 56.0;
/// Horizontal padding inside a box.
const BOX_PAD: f64 = 6.0;
/// Free space between the boxes of neighbouring lanes (where most arrows run).
const LANE_GAP: f64 = 34.0;
/// Vertical padding of a row around its content.
const ROW_PAD: f64 = 12.0;
/// Height of the band that marks an advance of virtual time.
const SEP: f64 = 20.0;
/// Narrowest and widest lane, in characters per label line.
const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 36;
/// Lines of a step label before it is truncated.
const LABEL_LINES: usize = 3;
/// Longest coverage-mark tag, in characters.
const MAX_MARK_CHARS: usize = 64;
/// Vertical pitch of the coverage-mark tags under a step box.
const TAG_STEP: f64 = 14.0;
/// Width of an API activation bar, and the gap between bars of overlapping calls.
const BAR_W: f64 = 10.0;
const BAR_GAP: f64 = 6.0;

const FONT_FAMILY: &str = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

const STYLE: &str = "
text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace; font-size: 11px; fill: #1f2328; }
.title { font-size: 16px; font-weight: bold; }
.sub { fill: #57606a; }
.legend { font-size: 10px; fill: #57606a; }
.col-head { font-size: 10px; fill: #57606a; font-weight: bold; }
.step-no { font-weight: bold; }
.time { fill: #57606a; }
.zebra { fill: #f6f8fa; }
.fail-row { fill: #ffebe9; }
.fail-text { fill: #cf222e; font-weight: bold; }
.lifeline { stroke: #d0d7de; stroke-width: 1; stroke-dasharray: 4 4; }
.sep { stroke: #0969da; stroke-width: 1; stroke-dasharray: 6 3; }
.sep-text { font-size: 10px; fill: #0969da; font-weight: bold; }
.sep-bg { fill: #ffffff; }
.box { stroke-width: 1; fill-opacity: 0.92; }
.head { stroke-width: 1.5; }
.head-text { font-weight: bold; }
.k-scenario { fill: #eef1ff; stroke: #6366f1; }
.k-clock { fill: #f6f8fa; stroke: #57606a; }
.k-informer { fill: #dafbe1; stroke: #1a7f37; }
.k-listener { fill: #d8f3f0; stroke: #0f766e; }
.k-controller { fill: #fff8c5; stroke: #9a6700; }
.k-timer { fill: #fbefff; stroke: #8250df; }
.k-worker { fill: #ddf4ff; stroke: #0969da; }
.k-api { fill: #eaeef2; stroke: #57606a; }
.k-broadcaster { fill: #fff1e5; stroke: #bc4c00; }
.k-other { fill: #f6f8fa; stroke: #8c959f; }
.failing .box { fill: #ffd7d5; stroke: #cf222e; stroke-width: 2.5; fill-opacity: 1; }
.phantom .box { stroke-dasharray: 4 3; }
.arrow { fill: none; stroke-width: 1.5; stroke-opacity: 0.85; }
.a-request { stroke: #0969da; }
.a-response { stroke: #0969da; stroke-dasharray: 5 3; }
.a-error { stroke: #cf222e; stroke-dasharray: 5 3; }
.a-write { stroke: #8250df; }
.a-notify { stroke: #1a7f37; }
.a-event { stroke: #bc4c00; }
.a-spawn { stroke: #57606a; stroke-dasharray: 2 3; }
.api-bar { fill: #d0d7de; stroke: #57606a; stroke-width: 1; }
.tag { fill: #fff8c5; stroke: #d4a72c; stroke-width: 1; }
.tag-text { font-size: 9.5px; fill: #7d4e00; }
.verdict-box { stroke-width: 2; }
.failed .verdict-box { fill: #ffebe9; stroke: #cf222e; }
.passed .verdict-box { fill: #dafbe1; stroke: #1a7f37; }
.verdict-head { font-weight: bold; font-size: 12px; }
";

/// Renders `result` as a standalone SVG 1.1 swimlane diagram titled `title`.
///
/// One lane per actor, one row per step with virtual time running downward, arrows for the
/// causality the step labels reveal, the failing step in red and the verdict in a box at the
/// bottom; see the [module docs](super) for the full layout. The document embeds its style and
/// uses no external resources.
pub fn render_svg(result: &RunResult, title: &str) -> String {
    render(&Model::build(result, title), Mode::Standalone)
}

/// Where the SVG goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A file of its own: with an XML declaration.
    Standalone,
    /// Inline in the HTML page: no declaration, and each step links to its table row.
    Inline,
}

struct LaneGeom {
    /// Characters per label line.
    chars: usize,
    /// Left edge of the lane.
    x: f64,
    width: f64,
    box_w: f64,
    header: Vec<String>,
}

impl LaneGeom {
    fn center(&self) -> f64 {
        self.x + self.width / 2.0
    }

    fn box_left(&self) -> f64 {
        self.center() - self.box_w / 2.0
    }
}

struct RowGeom {
    top: f64,
    height: f64,
    lines: Vec<String>,
    box_top: f64,
    box_h: f64,
    /// Whether virtual time advanced just before this row.
    separator: bool,
}

impl RowGeom {
    /// Vertical centre of the step box, where arrows attach.
    fn center(&self) -> f64 {
        self.box_top + self.box_h / 2.0
    }
}

struct Layout {
    lanes: Vec<LaneGeom>,
    rows: Vec<RowGeom>,
    slots: usize,
    header_top: f64,
    header_h: f64,
    rows_end: f64,
    gutter: f64,
    width: f64,
}

fn text_width(chars: usize) -> f64 {
    chars as f64 * CW
}

/// The text of a coverage-mark tag: the mark, truncated.
fn tag_text(mark: &str) -> String {
    wrap(mark, MAX_MARK_CHARS, 1).0.concat()
}

fn tag_width(mark: &str) -> f64 {
    tag_text(mark).chars().count() as f64 * TAG_CW + 8.0
}

/// Whether every label wraps into `lines` lines of `chars` characters without being cut and
/// without splitting a word (unless the word is longer than any lane).
fn fits(labels: &[&str], chars: usize, lines: usize) -> bool {
    labels.iter().all(|l| {
        !wrap(l, chars, lines).1
            && l.split_whitespace()
                .all(|w| w.chars().count().min(MAX_CHARS) <= chars)
    })
}

/// The narrowest lane width, in characters, that shows every label in two lines, else in
/// [`LABEL_LINES`] lines, else the widest lane.
fn lane_chars(labels: &[&str]) -> usize {
    (2..=LABEL_LINES)
        .find_map(|lines| (MIN_CHARS..=MAX_CHARS).find(|&c| fits(labels, c, lines)))
        .unwrap_or(MAX_CHARS)
}

impl Layout {
    fn new(model: &Model) -> Self {
        let slots = model.calls.iter().map(|c| c.slot + 1).max().unwrap_or(0);
        let mut lanes = Vec::new();
        let time_chars = model
            .rows
            .iter()
            .map(|r| elapsed_text(r.elapsed_nanos).len())
            .max()
            .unwrap_or(0);
        let gutter = GUTTER.max(TIME_X + text_width(time_chars) + 12.0);
        let mut x = MARGIN + gutter;
        for (i, lane) in model.lanes.iter().enumerate() {
            let mut labels: Vec<&str> = model
                .rows
                .iter()
                .filter(|r| r.lane == i)
                .map(|r| r.action.as_str())
                .collect();
            labels.push(&lane.name);
            let chars = lane_chars(&labels);
            let mut box_w = text_width(chars) + 2.0 * BOX_PAD;
            if lane.kind == LaneKind::ApiServer {
                box_w = box_w.max(slots as f64 * (BAR_W + BAR_GAP) + BAR_GAP);
            }
            let width = box_w + LANE_GAP;
            let header = wrap(&lane.name, chars, LABEL_LINES).0;
            lanes.push(LaneGeom {
                chars,
                x,
                width,
                box_w,
                header,
            });
            x += width;
        }
        let mut right = x;
        let header_lines = lanes.iter().map(|l| l.header.len()).max().unwrap_or(1);
        let header_top = MARGIN + 64.0;
        let header_h = header_lines as f64 * LINE + 10.0;

        let mut y = header_top + header_h + 10.0;
        let mut rows = Vec::new();
        let mut previous = None;
        for r in &model.rows {
            let separator = previous.is_some_and(|p| p != r.elapsed_nanos);
            previous = Some(r.elapsed_nanos);
            if separator {
                y += SEP;
            }
            let lane = &lanes[r.lane];
            let lines = wrap(&r.action, lane.chars, LABEL_LINES).0;
            let box_h = lines.len() as f64 * LINE + 6.0;
            let tags = r.marks.len() as f64 * TAG_STEP;
            if let Some(widest) = r.marks.iter().map(|m| tag_width(m)).reduce(f64::max) {
                right = right.max(lane.box_left() + widest);
            }
            let height = ROW_PAD + box_h + tags;
            rows.push(RowGeom {
                top: y,
                height,
                lines,
                box_top: y + ROW_PAD / 2.0,
                box_h,
                separator,
            });
            y += height;
        }
        let title_w = text_width(model.title.chars().count()) * 16.0 / FONT + 2.0 * MARGIN;
        let width = (right + MARGIN).max(title_w).max(640.0);
        Layout {
            lanes,
            rows,
            slots,
            header_top,
            header_h,
            rows_end: y,
            gutter,
            width,
        }
    }

    /// Centre x, centre y and half width of an arrow end.
    fn point(&self, model: &Model, end: End) -> (f64, f64, f64) {
        match end {
            End::Step(r) => {
                let lane = &self.lanes[model.rows[r].lane];
                (lane.center(), self.rows[r].center(), lane.box_w / 2.0)
            }
            End::Api { call, row } => (
                self.bar_center(model, call),
                self.rows[row].center(),
                BAR_W / 2.0,
            ),
        }
    }

    fn bar_center(&self, model: &Model, call: usize) -> f64 {
        let center = model.api_lane.map_or(0.0, |l| self.lanes[l].center());
        let pitch = BAR_W + BAR_GAP;
        center - (self.slots.saturating_sub(1)) as f64 * pitch / 2.0
            + model.calls[call].slot as f64 * pitch
    }
}

/// Renders the model.
pub(crate) fn render(model: &Model, mode: Mode) -> String {
    let layout = Layout::new(model);
    let mut out = String::new();
    let verdict = verdict_lines(model, &layout);
    let verdict_top = layout.rows_end + 16.0;
    let verdict_h = verdict.len() as f64 * LINE + 14.0;
    let width = layout.width.ceil();
    let height = (verdict_top + verdict_h + MARGIN).ceil();

    if mode == Mode::Standalone {
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    }
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         version=\"1.1\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         font-family=\"{FONT_FAMILY}\" font-size=\"{FONT}\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&model.title));
    let _ = writeln!(
        out,
        "<desc>{}: {}</desc>",
        escape(&model.verdict),
        escape(&model.message)
    );
    let _ = writeln!(out, "<style type=\"text/css\">{STYLE}</style>");
    defs(&mut out);
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );

    header(&mut out, model, &layout);
    backgrounds(&mut out, model, &layout);
    api_bars(&mut out, model, &layout);
    for i in 0..model.rows.len() {
        step(&mut out, model, &layout, i, mode);
    }
    // Arrows over the boxes, so that one crossing a box cannot seem to end there.
    for a in &model.arrows {
        arrow(&mut out, model, &layout, a.kind, a.from, a.to);
    }
    for (i, row) in model.rows.iter().enumerate() {
        if !row.marks.is_empty() {
            marks(&mut out, model, &layout, i);
        }
    }

    let class = if model.passed { "passed" } else { "failed" };
    let _ = writeln!(
        out,
        "<g class=\"verdict {class}\" id=\"verdict\"><title>{}</title>",
        escape(&model.message)
    );
    let _ = writeln!(
        out,
        "<rect class=\"verdict-box\" x=\"{MARGIN}\" y=\"{verdict_top}\" width=\"{}\" height=\"{verdict_h}\" rx=\"6\"/>",
        width - 2.0 * MARGIN
    );
    for (k, line) in verdict.iter().enumerate() {
        let class = if k == 0 {
            " class=\"verdict-head\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<text{class} x=\"{}\" y=\"{}\">{}</text>",
            MARGIN + 10.0,
            verdict_top + 7.0 + k as f64 * LINE + 11.0,
            escape(line)
        );
    }
    out.push_str("</g>\n</svg>\n");
    out
}

fn defs(out: &mut String) {
    out.push_str("<defs>\n");
    for kind in ArrowKind::ALL {
        let color = match kind {
            ArrowKind::Request | ArrowKind::Response => "#0969da",
            ArrowKind::ErrorResponse => "#cf222e",
            ArrowKind::Write => "#8250df",
            ArrowKind::Notify => "#1a7f37",
            ArrowKind::Event => "#bc4c00",
            ArrowKind::Spawn => "#57606a",
        };
        let _ = writeln!(
            out,
            "<marker id=\"m-{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" \
             markerHeight=\"6\" markerUnits=\"strokeWidth\" orient=\"auto\">\
             <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>",
            kind.css()
        );
    }
    out.push_str("</defs>\n");
}

fn header(out: &mut String, model: &Model, layout: &Layout) {
    let _ = writeln!(
        out,
        "<text class=\"title\" x=\"{MARGIN}\" y=\"{}\">{}</text>",
        MARGIN + 14.0,
        escape(&model.title)
    );
    let steps = model.rows.iter().filter(|r| !r.phantom).count();
    let _ = writeln!(
        out,
        "<text class=\"sub\" x=\"{MARGIN}\" y=\"{}\">{} | {steps} steps | virtual time {} | {} actors</text>",
        MARGIN + 32.0,
        escape(&model.verdict),
        model.duration_text(),
        model
            .lanes
            .iter()
            .filter(|l| l.kind != LaneKind::ApiServer)
            .count()
    );
    // Legend: a short sample of every arrow kind.
    let mut x = MARGIN;
    let y = MARGIN + 48.0;
    for kind in ArrowKind::ALL {
        let _ = writeln!(
            out,
            "<path class=\"arrow a-{0}\" d=\"M{x},{y} L{1},{y}\" marker-end=\"url(#m-{0})\"/>",
            kind.css(),
            x + 26.0
        );
        let text = kind.describe();
        let _ = writeln!(
            out,
            "<text class=\"legend\" x=\"{}\" y=\"{}\">{}</text>",
            x + 32.0,
            y + 3.5,
            escape(text)
        );
        x += 32.0 + text.len() as f64 * 6.05 + 18.0;
    }
    let _ = writeln!(
        out,
        "<rect class=\"tag\" x=\"{x}\" y=\"{}\" width=\"{}\" height=\"12\" rx=\"3\"/>\
         <text class=\"tag-text\" x=\"{}\" y=\"{}\">coverage mark</text>",
        y - 6.0,
        tag_width("coverage mark"),
        x + 4.0,
        y + 3.0
    );

    let top = layout.header_top;
    let _ = writeln!(
        out,
        "<text class=\"col-head\" x=\"{}\" y=\"{}\">step</text>\
         <text class=\"col-head\" x=\"{}\" y=\"{}\">time</text>",
        MARGIN + 12.0,
        top + 15.0,
        MARGIN + TIME_X,
        top + 15.0
    );
    for (i, (lane, geom)) in model.lanes.iter().zip(&layout.lanes).enumerate() {
        let kind = lane.kind.css();
        let x = geom.center() - geom.box_w / 2.0;
        let _ = writeln!(
            out,
            "<g class=\"lane-header k-{kind}\" id=\"lane-{i}\"><title>{}</title>\
             <rect class=\"head k-{kind}\" x=\"{x}\" y=\"{top}\" width=\"{}\" height=\"{}\" rx=\"4\"/>",
            escape(&lane.name),
            geom.box_w,
            layout.header_h
        );
        let first = top + (layout.header_h - geom.header.len() as f64 * LINE) / 2.0 + 10.5;
        for (k, line) in geom.header.iter().enumerate() {
            let _ = writeln!(
                out,
                "<text class=\"head-text\" text-anchor=\"middle\" x=\"{}\" y=\"{}\">{}</text>",
                geom.center(),
                first + k as f64 * LINE,
                escape(line)
            );
        }
        out.push_str("</g>\n");
    }
}

fn backgrounds(out: &mut String, model: &Model, layout: &Layout) {
    let right = layout.width - MARGIN;
    for (i, (row, geom)) in model.rows.iter().zip(&layout.rows).enumerate() {
        if geom.separator {
            let y = geom.top - SEP / 2.0;
            let _ = writeln!(
                out,
                "<g class=\"time-advance\"><line class=\"sep\" x1=\"{MARGIN}\" y1=\"{y}\" x2=\"{right}\" y2=\"{y}\"/>\
                 <rect class=\"sep-bg\" x=\"{MARGIN}\" y=\"{}\" width=\"{}\" height=\"12\"/>\
                 <text class=\"sep-text\" x=\"{}\" y=\"{}\">time {}</text></g>",
                y - 6.0,
                layout.gutter - 8.0,
                MARGIN + 2.0,
                y + 3.5,
                elapsed_text(row.elapsed_nanos)
            );
        }
        let class = if model.failing == Some(i) {
            Some("fail-row")
        } else if i % 2 == 1 {
            Some("zebra")
        } else {
            None
        };
        if let Some(class) = class {
            let _ = writeln!(
                out,
                "<rect class=\"{class}\" x=\"{MARGIN}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                geom.top,
                right - MARGIN,
                geom.height
            );
        }
        let text_class = if model.failing == Some(i) {
            " fail-text"
        } else {
            ""
        };
        let y = geom.center() + 4.0;
        let _ = writeln!(
            out,
            "<text class=\"step-no{text_class}\" text-anchor=\"end\" x=\"{}\" y=\"{y}\">#{}</text>\
             <text class=\"time{text_class}\" x=\"{}\" y=\"{y}\">{}</text>",
            MARGIN + 48.0,
            row.step,
            MARGIN + TIME_X,
            elapsed_text(row.elapsed_nanos)
        );
    }
    let top = layout.header_top + layout.header_h;
    for geom in &layout.lanes {
        let x = geom.center();
        let _ = writeln!(
            out,
            "<line class=\"lifeline\" x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{}\"/>",
            layout.rows_end
        );
    }
}

fn arrow(out: &mut String, model: &Model, layout: &Layout, kind: ArrowKind, from: End, to: End) {
    let (x1, mut y1, hw1) = layout.point(model, from);
    if kind == ArrowKind::Write && matches!(from, End::Api { .. }) {
        // Below the request arrow that ends at the same bar.
        y1 += 6.0;
    }
    let (x2, y2, hw2) = layout.point(model, to);
    let d = if (x2 - x1).abs() < 0.5 {
        // Same lane: loop out to the right.
        let (sx, ex) = (x1 + hw1, x2 + hw2 + 1.0);
        let bulge = sx.max(ex) + 24.0;
        format!("M{sx:.1},{y1:.1} C{bulge:.1},{y1:.1} {bulge:.1},{y2:.1} {ex:.1},{y2:.1}")
    } else {
        let dir = if x2 > x1 { 1.0 } else { -1.0 };
        let (sx, ex) = (x1 + dir * hw1, x2 - dir * (hw2 + 1.0));
        format!("M{sx:.1},{y1:.1} L{ex:.1},{y2:.1}")
    };
    let step_of = |e: End| match e {
        End::Step(r) | End::Api { row: r, .. } => model.rows[r].step,
    };
    let _ = writeln!(
        out,
        "<path class=\"arrow a-{0}\" d=\"{d}\" marker-end=\"url(#m-{0})\"><title>{1}: #{2} -&gt; #{3}</title></path>",
        kind.css(),
        escape(kind.describe()),
        step_of(from),
        step_of(to)
    );
}

fn api_bars(out: &mut String, model: &Model, layout: &Layout) {
    for (i, call) in model.calls.iter().enumerate() {
        let x = layout.bar_center(model, i) - BAR_W / 2.0;
        let top = layout.rows[call.request].center() - 7.0;
        let bottom = layout.rows[call.last_row()].center() + 7.0;
        let request = &model.rows[call.request];
        let response = call.response.map_or_else(
            || "no response".to_owned(),
            |r| format!("#{} {}", model.rows[r].step, model.rows[r].action),
        );
        let _ = writeln!(
            out,
            "<rect class=\"api-bar\" x=\"{x}\" y=\"{top}\" width=\"{BAR_W}\" height=\"{}\"><title>{}</title></rect>",
            bottom - top,
            escape(&format!(
                "{}: #{} {} / {response}",
                request.actor, request.step, request.action
            ))
        );
    }
}

fn step(out: &mut String, model: &Model, layout: &Layout, i: usize, mode: Mode) {
    let row = &model.rows[i];
    let geom = &layout.rows[i];
    let lane = &layout.lanes[row.lane];
    let kind = model.lanes[row.lane].kind.css();
    let mut class = String::from("step");
    if model.failing == Some(i) {
        class.push_str(" failing");
    }
    if row.phantom {
        class.push_str(" phantom");
    }
    if mode == Mode::Inline {
        let _ = write!(out, "<a xlink:href=\"#row-{}\">", row.step);
    }
    let _ = writeln!(
        out,
        "<g class=\"{class}\" id=\"step-{}\"><title>{}</title>",
        row.step,
        escape(&row.tooltip())
    );
    let x = lane.center() - lane.box_w / 2.0;
    let top = geom.center() - geom.box_h / 2.0;
    let _ = writeln!(
        out,
        "<rect class=\"box k-{kind}\" x=\"{x}\" y=\"{top}\" width=\"{}\" height=\"{}\" rx=\"4\"/>",
        lane.box_w, geom.box_h
    );
    for (k, line) in geom.lines.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            x + BOX_PAD,
            top + 3.0 + k as f64 * LINE + 10.5,
            escape(line)
        );
    }
    out.push_str("</g>");
    if mode == Mode::Inline {
        out.push_str("</a>");
    }
    out.push('\n');
}

fn marks(out: &mut String, model: &Model, layout: &Layout, i: usize) {
    let row = &model.rows[i];
    let geom = &layout.rows[i];
    let x = layout.lanes[row.lane].box_left();
    out.push_str("<g class=\"marks\">");
    for (k, mark) in row.marks.iter().enumerate() {
        let y = geom.box_top + geom.box_h + 2.0 + k as f64 * TAG_STEP;
        let _ = write!(
            out,
            "<g class=\"mark\"><title>{}</title><rect class=\"tag\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"12\" rx=\"3\"/>\
             <text class=\"tag-text\" x=\"{}\" y=\"{}\">{}</text></g>",
            escape(mark),
            tag_width(mark),
            x + 4.0,
            y + 9.0,
            escape(&tag_text(mark))
        );
    }
    out.push_str("</g>\n");
}

/// The verdict box's lines: a heading, the failing step, the message.
fn verdict_lines(model: &Model, layout: &Layout) -> Vec<String> {
    let chars = ((layout.width - 2.0 * MARGIN - 20.0) / CW)
        .floor()
        .max(20.0) as usize;
    let mut lines = vec![if model.passed {
        format!("PASSED ({})", model.verdict)
    } else {
        format!("FAILED ({})", model.verdict)
    }];
    if let Some(f) = model.failing {
        let r = &model.rows[f];
        let text = format!(
            "failing step #{} {} {}: {}{}",
            r.step,
            elapsed_text(r.elapsed_nanos),
            r.actor,
            r.action,
            if r.phantom { " (not taken)" } else { "" }
        );
        lines.extend(wrap(&text, chars, usize::MAX).0);
    }
    for paragraph in model.message.lines() {
        lines.extend(wrap(paragraph, chars, usize::MAX).0);
    }
    lines
}
