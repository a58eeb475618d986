//! The JUnit XML report of `taintsim run --junit FILE`: one `<testsuite>`, one `<testcase>` per
//! scenario; a failed expectation is a `<failure>` with the first failure and its replay
//! command, a file that cannot be loaded or run is an `<error>`.

use std::fmt::Write as _;

use crate::cli::SetArgs;
use crate::run::{ScenarioReport, failure_text};

/// Renders the report.
pub fn render(reports: &[ScenarioReport], total_ms: u64, set: &SetArgs) -> String {
    let tests = reports.len();
    let errors = reports.iter().filter(|r| r.result.is_err()).count();
    let failures = reports.iter().filter(|r| !r.ok()).count() - errors;
    let counts = format!(
        r#"tests="{tests}" failures="{failures}" errors="{errors}" time="{}""#,
        seconds(total_ms)
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, r#"<testsuites name="taintsim" {counts}>"#);
    let _ = writeln!(
        out,
        r#"  <testsuite name="taintsim run" {counts} skipped="0">"#
    );
    if !set.sets.is_empty() {
        out.push_str("    <properties>\n");
        for (k, v) in &set.sets {
            let _ = writeln!(
                out,
                r#"      <property name="set" value="{}"/>"#,
                escape(&format!("{k}={v}"))
            );
        }
        out.push_str("    </properties>\n");
    }
    for r in reports {
        let name = r.name().unwrap_or(&r.file);
        let _ = write!(
            out,
            r#"    <testcase name="{}" classname="{}" time="{}""#,
            escape(name),
            escape(&r.file),
            seconds(r.elapsed_ms)
        );
        let body = failure_text(r);
        match (r.error(), r.ok()) {
            (_, true) => out.push_str("/>\n"),
            (Some(e), _) => {
                let _ = writeln!(
                    out,
                    ">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>",
                    escape(&e),
                    escape_text(&body)
                );
            }
            (None, false) => {
                let message = match r.first_failure_message() {
                    Some(m) => m,
                    None => format!(
                        "expected {}, observed {}",
                        r.expected().as_deref().unwrap_or("?"),
                        r.observed()
                    ),
                };
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    escape(&message),
                    escape(r.observed()),
                    escape_text(&body)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Escapes text for an attribute value: markup characters become entities, newlines and tabs
/// become character references (so that parsers keep them), and characters XML 1.0 forbids
/// become U+FFFD.
pub fn escape(text: &str) -> String {
    escape_with(text, true)
}

/// Escapes text for element content: like [`escape`], but newlines and tabs stay as they are.
pub fn escape_text(text: &str) -> String {
    escape_with(text, false)
}

fn escape_with(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' if !attribute => out.push(c),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if allowed_in_xml(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0's `Char` production.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_should_replace_markup_and_forbidden_characters() {
        assert_eq!(
            escape(r#"a<b>&"c"'d'"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
        assert_eq!(escape("x\ny\u{1}z\u{FFFE}"), "x&#10;y\u{FFFD}z\u{FFFD}");
        assert_eq!(escape("plain ünïcode ✓"), "plain ünïcode ✓");
        assert_eq!(escape_text("a\n\tb<\r"), "a\n\tb&lt;&#13;");
    }

    #[test]
    fn seconds_should_print_milliseconds() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(1234), "1.234");
    }
}
