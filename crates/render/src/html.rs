//! The HTML page: the diagram inline and a table of the steps.

use std::fmt::Write as _;

use super::svg::{Mode, render};
use super::{Model, elapsed_text, escape};
use taintsim_check::RunResult;

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.4em; margin: 0 0 0.4em 0; }
h2 { font-size: 1.1em; margin: 1.5em 0 0.5em 0; }
.summary { padding: 0.6em 0.9em; border-radius: 6px; border: 2px solid; font-family: monospace; white-space: pre-wrap; }
.summary.failed { background: #ffebe9; border-color: #cf222e; }
.summary.passed { background: #dafbe1; border-color: #1a7f37; }
.diagram { overflow: auto; border: 1px solid #d0d7de; border-radius: 6px; margin-top: 1em; }
.diagram svg { display: block; }
table { border-collapse: collapse; font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; }
th, td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #f6f8fa; }
tr.failing, tbody tr.failing:nth-child(even) { background: #ffd7d5; font-weight: bold; }
tr:target { outline: 2px solid #0969da; }
td.num { text-align: right; }
.touch { color: #57606a; }
.mark-tag { display: inline-block; background: #fff8c5; border: 1px solid #d4a72c; border-radius: 3px; padding: 0 3px; margin: 1px; color: #7d4e00; font-size: 11px; }
";

/// Renders `result` as a standalone HTML page titled `title`: the verdict, the
/// [`render_svg`](super::render_svg) diagram inline (each step box links to its table row), and
/// a table of the steps (step, virtual time, actor, action, touches, marks) with the failing
/// step highlighted.
///
/// The page is well-formed XML (XHTML syntax) and uses no external resources.
pub fn render_html(result: &RunResult, title: &str) -> String {
    let model = Model::build(result, title);
    let title = escape(&model.title);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n\
         <meta charset=\"utf-8\"/>\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>"
    );
    let class = if model.passed { "passed" } else { "failed" };
    let _ = writeln!(
        out,
        "<div class=\"summary {class}\" id=\"summary\"><strong>{}</strong>: {}</div>",
        escape(&model.verdict),
        escape(&model.message)
    );
    let _ = writeln!(
        out,
        "<div class=\"diagram\">\n{}</div>",
        render(&model, Mode::Inline)
    );
    out.push_str(
        "<h2>Steps</h2>\n<table>\n<thead><tr><th>step</th><th>time</th><th>actor</th>\
         <th>action</th><th>touches</th><th>marks</th></tr></thead>\n<tbody>\n",
    );
    for (i, row) in model.rows.iter().enumerate() {
        let class = if model.failing == Some(i) {
            " class=\"failing\""
        } else {
            ""
        };
        let marks: String = row
            .marks
            .iter()
            .map(|m| format!("<span class=\"mark-tag\">{}</span> ", escape(m)))
            .collect();
        let _ = writeln!(
            out,
            "<tr id=\"row-{step}\"{class}><td class=\"num\"><a href=\"#step-{step}\">#{step}</a></td>\
             <td class=\"num\">{}</td><td>{}</td><td>{}{}</td><td class=\"touch\">{}</td><td>{marks}</td></tr>",
            elapsed_text(row.elapsed_nanos),
            escape(&row.actor),
            escape(&row.action),
            if row.phantom { " (not taken)" } else { "" },
            escape(&row.touches.join(", ")),
            step = row.step,
        );
    }
    out.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    out
}
