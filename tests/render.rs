//! The SVG and HTML renderers: on a real UpdateWork panic, on a passing run, and on hand-made
//! labels full of markup characters.

use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use taintsim_check::{Observed, RunResult, Schedule, run_schedule};
use taintsim_render::{render_html, render_svg};
use taintsim_scenario::format::Scenario;
use taintsim_scenario::load::load_file;
use taintsim_sim::{DecisionLog, Outcome, RunReport, StepDetail, Trace, TraceEntry};

fn determinism_world() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/determinism-world.json");
    load_file(&path, &taintsim::controllers()).expect("the fixture loads")
}

/// The first random schedule below seed 200 that hits the UpdateWork panic of queue v2.
fn updatework_panic() -> RunResult {
    let mut scenario = determinism_world();
    scenario.behavior.set("queue", "v2");
    scenario
        .resolve(&taintsim::controllers())
        .expect("a known queue version");
    (0..200)
        .map(|seed| {
            run_schedule(&scenario, Schedule::Random(seed), 20_000).expect("the run starts")
        })
        .find(|r| matches!(r.observed, Observed::Panic { .. }))
        .expect("a seed below 200 panics")
}

/// Seed 0 of the fixed (v3) world: passes, with API calls and an event.
fn passing_run() -> RunResult {
    let result = run_schedule(&determinism_world(), Schedule::Random(0), 20_000).expect("runs");
    assert!(result.observed.is_pass(), "{}", result.observed.message());
    result
}

/// One element of a parsed document.
#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    /// All text inside the element, entity references resolved, one piece per line.
    text: String,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split(' ').any(|c| c == class))
    }
}

fn element(e: &BytesStart<'_>) -> Element {
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.expect("a well-formed attribute");
            let name = a.key.as_ref().to_owned();
            let value = a
                .normalized_value(XmlVersion::Explicit1_0)
                .expect("a well-formed value")
                .into_owned();
            (name, value)
        })
        .collect();
    Element {
        name: e.name().as_ref().to_owned(),
        attrs,
        text: String::new(),
    }
}

/// Parses `xml` to the end with quick-xml, asserting well-formedness (matching tags, one root
/// element, known entities), and returns every element in document order.
fn parse(xml: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut roots = 0;
    let append = |elements: &mut Vec<Element>, open: &[usize], text: &str| {
        for &i in open {
            elements[i].text.push_str(text);
        }
    };
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.buffer_position()));
        match event {
            Event::Start(e) => {
                if open.is_empty() {
                    roots += 1;
                }
                open.push(elements.len());
                elements.push(element(&e));
            }
            Event::Empty(e) => {
                if open.is_empty() {
                    roots += 1;
                }
                elements.push(element(&e));
            }
            Event::End(_) => {
                open.pop().expect("an end tag closes an open element");
                append(&mut elements, &open, "\n");
            }
            Event::Text(t) => {
                let text = t.xml10_content();
                assert!(
                    !open.is_empty() || text.trim().is_empty(),
                    "text outside the root element: {text:?}"
                );
                append(&mut elements, &open, &text);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("a valid character reference") {
                    Some(c) => c,
                    None => match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unknown entity &{other};"),
                    },
                };
                append(&mut elements, &open, c.encode_utf8(&mut [0; 4]));
            }
            Event::CData(c) => append(&mut elements, &open, &c.xml10_content()),
            Event::Eof => break,
            Event::Decl(_) | Event::DocType(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements at the end");
    assert_eq!(roots, 1, "exactly one root element");
    let mut ids = std::collections::HashSet::new();
    for id in elements.iter().filter_map(|e| e.attr("id")) {
        assert!(ids.insert(id), "duplicate id {id}");
    }
    elements
}

/// Checks what every SVG must be: SVG 1.1 with its namespace and size, no external resources.
fn check_svg(svg: &str) -> Vec<Element> {
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""));
    let elements = parse(svg);
    let root = &elements[0];
    assert_eq!(root.name, "svg");
    assert_eq!(root.attr("xmlns"), Some("http://www.w3.org/2000/svg"));
    assert_eq!(root.attr("version"), Some("1.1"));
    let width: f64 = root
        .attr("width")
        .expect("width")
        .parse()
        .expect("a number");
    let height: f64 = root
        .attr("height")
        .expect("height")
        .parse()
        .expect("a number");
    assert_eq!(
        root.attr("viewBox"),
        Some(format!("0 0 {width} {height}").as_str())
    );
    assert!(
        root.attr("font-family")
            .is_some_and(|f| f.contains("monospace"))
    );
    for e in &elements {
        assert!(
            !matches!(
                e.name.as_str(),
                "image" | "script" | "foreignObject" | "use"
            ),
            "unexpected <{}>",
            e.name
        );
        for (name, value) in &e.attrs {
            if name.ends_with("href") {
                assert!(value.starts_with('#'), "external link {value}");
            }
            if value.contains("url(") {
                assert!(value.starts_with("url(#"), "external resource {value}");
            }
        }
    }
    elements
}

/// The lane names in document (left to right) order: the first line of each header, its
/// tooltip.
fn lane_headers(elements: &[Element]) -> Vec<String> {
    elements
        .iter()
        .filter(|e| e.has_class("lane-header"))
        .map(|e| e.text.lines().next().unwrap_or_default().to_owned())
        .collect()
}

fn count_class(elements: &[Element], class: &str) -> usize {
    elements.iter().filter(|e| e.has_class(class)).count()
}

#[test]
fn svg_of_the_updatework_panic_should_be_valid_and_show_the_failure() {
    let result = updatework_panic();
    let Observed::Panic {
        message,
        step,
        actor,
        action,
        ..
    } = &result.observed
    else {
        unreachable!()
    };
    let svg = render_svg(&result, "UpdateWork panic");
    let elements = check_svg(&svg);

    assert!(
        elements[0].text.contains(message.as_str()),
        "the panic message"
    );
    let verdict = elements
        .iter()
        .find(|e| e.attr("id") == Some("verdict"))
        .expect("a verdict box");
    assert!(verdict.has_class("failed"));
    assert!(verdict.text.contains(&result.observed.message()));

    let headers = lane_headers(&elements);
    assert!(headers.iter().any(|h| h == "pod-handler"), "{headers:?}");
    assert_eq!(headers.first().map(String::as_str), Some("scenario"));
    let pos = |name: &str| headers.iter().position(|h| h == name).expect(name);
    assert!(pos("scenario") < pos("pods-informer"));
    assert!(pos("pods-informer") < pos("pod-handler"));
    assert!(pos("pod-handler") < pos("controller"));

    let failing: Vec<&Element> = elements.iter().filter(|e| e.has_class("failing")).collect();
    assert_eq!(failing.len(), 1, "one failing step");
    assert_eq!(failing[0].attr("id"), Some(format!("step-{step}").as_str()));
    assert!(failing[0].text.contains(&format!("{actor}: {action}")));
    assert!(
        failing[0]
            .text
            .contains("queue.update-work.nil-dereference")
    );

    // Every step is drawn; the notification of the fatal update is an arrow.
    assert_eq!(count_class(&elements, "step"), result.report.trace.len());
    assert!(count_class(&elements, "a-notify") >= 2);
    assert!(count_class(&elements, "a-write") >= 1);
    let marks = elements.iter().filter(|e| e.has_class("mark"));
    assert!(
        marks
            .into_iter()
            .any(|e| e.text.contains("queue.update-work.nil-dereference"))
    );
}

#[test]
fn svg_of_a_passing_run_should_have_no_failing_step_and_draw_the_api_calls() {
    let result = passing_run();
    let svg = render_svg(&result, "determinism-world, seed 0");
    let elements = check_svg(&svg);

    assert_eq!(count_class(&elements, "failing"), 0);
    let verdict = elements
        .iter()
        .find(|e| e.attr("id") == Some("verdict"))
        .expect("a verdict box");
    assert!(verdict.has_class("passed"));

    let headers = lane_headers(&elements);
    for lane in [
        "pod-handler",
        "api-server",
        "event-broadcaster",
        "worker default/my-pod #1",
    ] {
        assert!(
            headers.iter().any(|h| h == lane),
            "no lane {lane}: {headers:?}"
        );
    }
    assert_eq!(
        headers.last().map(String::as_str),
        Some("event-broadcaster")
    );

    // GET, PATCH and DELETE: a request and a response each, and one activation bar each.
    assert_eq!(
        count_class(&elements, "a-request"),
        3 + 1,
        "three calls plus the legend"
    );
    assert_eq!(count_class(&elements, "a-response"), 3 + 1);
    assert_eq!(count_class(&elements, "api-bar"), 3);
    assert_eq!(count_class(&elements, "a-event"), 1 + 1);
    // The scenario's three writes and the worker's PATCH and DELETE reach the informers.
    assert_eq!(count_class(&elements, "a-write"), 5 + 1);
    assert!(count_class(&elements, "time-advance") >= 1);
}

#[test]
fn html_should_be_well_formed_and_list_every_step() {
    let result = updatework_panic();
    let Observed::Panic { step, .. } = &result.observed else {
        unreachable!()
    };
    let html = render_html(&result, "UpdateWork panic");
    assert!(html.starts_with("<!DOCTYPE html>"));
    let elements = parse(&html);
    assert_eq!(elements[0].name, "html");
    assert_eq!(elements.iter().filter(|e| e.name == "svg").count(), 1);
    let rows: Vec<&Element> = elements
        .iter()
        .filter(|e| e.name == "tr" && e.attr("id").is_some())
        .collect();
    assert_eq!(rows.len(), result.report.trace.len());
    let failing: Vec<&&Element> = rows.iter().filter(|r| r.has_class("failing")).collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].attr("id"), Some(format!("row-{step}").as_str()));
    assert!(failing[0].text.contains("pod-handler"));
    assert!(
        failing[0]
            .text
            .contains("queue.update-work.nil-dereference")
    );
    assert!(elements[0].text.contains(&result.observed.message()));
    // The inline diagram's boxes link to the table rows.
    assert!(
        elements
            .iter()
            .any(|e| e.attr("xlink:href") == Some(format!("#row-{step}").as_str()))
    );
    let headers: Vec<String> = elements
        .iter()
        .filter(|e| e.name == "th")
        .map(|e| e.text.trim().to_owned())
        .collect();
    assert_eq!(
        headers,
        ["step", "time", "actor", "action", "touches", "marks"]
    );

    let passing = render_html(&passing_run(), "seed 0");
    let elements = parse(&passing);
    assert!(!elements.iter().any(|e| e.has_class("failing")));
}

fn entry(step: u64, actor: &str, action: &str, touches: &[&str], marks: &[&str]) -> TraceEntry {
    TraceEntry {
        step,
        time: jiff::Timestamp::UNIX_EPOCH,
        elapsed_nanos: step * 10_000_000,
        actor: actor.into(),
        action: action.to_owned(),
        touches: touches.iter().map(|t| (*t).into()).collect(),
        detail: None,
        marks: marks.iter().map(|m| (*m).to_owned()).collect(),
    }
}

/// `entry` with what the step is about, as the code that takes the step records it.
fn about(mut entry: TraceEntry, detail: StepDetail) -> TraceEntry {
    entry.detail = Some(detail);
    entry
}

#[test]
fn markup_characters_in_labels_should_be_escaped() {
    let key = r#"default/a<b>&"c"'"#;
    let (pod, key_owned) = ("pod".to_owned(), key.to_owned());
    let entries = vec![
        about(
            entry(1, "scenario", &format!("update pod {key}"), &["pod/x"], &[]),
            StepDetail::Write {
                verb: "update".into(),
                kind: pod.clone(),
                key: key_owned.clone(),
            },
        ),
        about(
            entry(
                2,
                "pods-informer",
                &format!("cache-update pods Modified {key} rv=2"),
                &["cache/pods", "notify/pod-handler"],
                &[],
            ),
            StepDetail::CacheUpdate {
                change: "Modified".into(),
                kind: pod.clone(),
                key: key_owned.clone(),
                resource_version: 2,
            },
        ),
        about(
            entry(
                3,
                "pod-handler",
                &format!("deliver Update {key} rv=2"),
                &["notify/<&>"],
                &[r#"mark<&>"'"#],
            ),
            StepDetail::Deliver {
                notification: "Update".into(),
                key: key_owned.clone(),
                resource_version: 2,
            },
        ),
        about(
            entry(4, "worker <x> #1", &format!("GET pod {key}"), &[], &[]),
            StepDetail::Request {
                method: "GET".into(),
                kind: pod.clone(),
                key: key_owned.clone(),
            },
        ),
        about(
            entry(
                5,
                "worker <x> #1",
                &format!("GET pod {key} -> 500 <Internal>"),
                &[],
                &[],
            ),
            StepDetail::Response {
                method: "GET".into(),
                kind: pod,
                key: key_owned,
                status: 500,
            },
        ),
        entry(6, "odd\u{1}actor", "control\u{7}character", &[], &[]),
    ];
    let message = r#"expected <1> & "2""#;
    let result = RunResult {
        observed: Observed::AssertionFailure {
            message: message.to_owned(),
        },
        report: RunReport {
            outcome: Outcome::Stopped {
                step: 6,
                message: "scenario actor failed".to_owned(),
            },
            trace: Trace { entries },
            decisions: DecisionLog::default(),
            steps: 6,
            final_time: jiff::Timestamp::UNIX_EPOCH,
        },
    };
    let title = r#"a <title> & "quotes""#;

    let svg = render_svg(&result, title);
    for raw in [
        "<b>",
        "&\"",
        "<1>",
        "<Internal>",
        "<x>",
        "<title> &",
        "\u{1}",
        "\u{7}",
    ] {
        assert!(!svg.contains(raw), "{raw:?} is not escaped");
    }
    let elements = check_svg(&svg);
    let text = &elements[0].text;
    for expected in [
        key,
        message,
        title,
        "worker <x> #1",
        r#"mark<&>"'"#,
        "notify/<&>",
    ] {
        assert!(text.contains(expected), "{expected:?} missing");
    }
    // The details are still understood: the write, the notification and the failed call.
    assert_eq!(count_class(&elements, "a-write"), 1 + 1);
    assert_eq!(count_class(&elements, "a-notify"), 1 + 1);
    assert_eq!(count_class(&elements, "a-error"), 1 + 1);
    let failing: Vec<&Element> = elements.iter().filter(|e| e.has_class("failing")).collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].attr("id"), Some("step-6"));

    let html = render_html(&result, title);
    assert!(!html.contains("<b>") && !html.contains("<1>"));
    let elements = parse(&html);
    for expected in [key, message, title, r#"mark<&>"'"#] {
        assert!(elements[0].text.contains(expected), "{expected:?} missing");
    }
}

#[test]
fn a_panic_before_its_step_ran_should_get_a_row_of_its_own() {
    // A panic in an eager poll names the step about to be taken, which the trace lacks.
    let entries = vec![
        entry(1, "scenario", "wait-for-sync", &["world"], &[]),
        entry(2, "timer default/p", "fire", &[], &[]),
    ];
    let result = RunResult {
        observed: Observed::Panic {
            message: "boom".to_owned(),
            actor: "worker default/p #1".to_owned(),
            action: "start".to_owned(),
            step: 3,
            location: None,
        },
        report: RunReport {
            outcome: Outcome::Quiescent,
            trace: Trace { entries },
            decisions: DecisionLog::default(),
            steps: 2,
            final_time: jiff::Timestamp::UNIX_EPOCH,
        },
    };
    let elements = check_svg(&render_svg(&result, "eager panic"));
    let failing: Vec<&Element> = elements.iter().filter(|e| e.has_class("failing")).collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].attr("id"), Some("step-3"));
    assert!(failing[0].has_class("phantom"));
    assert!(failing[0].text.contains("worker default/p #1: start"));
    assert!(
        lane_headers(&elements)
            .iter()
            .any(|h| h == "worker default/p #1")
    );
    // The timer's firing points at the worker it spawned.
    assert_eq!(count_class(&elements, "a-spawn"), 1 + 1);
}
