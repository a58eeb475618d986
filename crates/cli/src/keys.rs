//! `taintsim keys`: the controllers and their behaviour keys, for `--set KEY=VALUE` and
//! scenario files.

use serde::Serialize;
use taintsim_plugin::{CONTROLLER_KEY, Registry};

use crate::Status;
use crate::cli::KeysArgs;

#[derive(Serialize)]
struct KeyJson {
    controller: Option<&'static str>,
    name: &'static str,
    values: Vec<&'static str>,
    /// For a numeric key: the accepted range, `min..=max`.
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<String>,
    default: &'static str,
    doc: String,
    breaks: Option<&'static str>,
}

/// Every key as `taintsim keys --json` prints it: first `controller`, then each generation's
/// keys, tagged with the generation.
fn key_list(registry: &Registry) -> Vec<KeyJson> {
    let generations = registry.generations();
    let mut out = vec![KeyJson {
        controller: None,
        name: CONTROLLER_KEY,
        values: generations.iter().map(|(g, _)| g.name).collect(),
        range: None,
        default: registry.default_controller().unwrap_or_default(),
        doc: "which controller runs: ".to_owned()
            + &generations
                .iter()
                .map(|(g, _)| format!("{} = {}", g.name, g.doc))
                .collect::<Vec<_>>()
                .join("; "),
        breaks: None,
    }];
    for (g, plugin) in &generations {
        for k in plugin.keys(g.name) {
            out.push(KeyJson {
                controller: Some(g.name),
                name: k.name,
                values: k.values.to_vec(),
                range: k.range.map(|r| r.to_string()),
                default: k.default,
                doc: k.doc.to_owned(),
                breaks: k.breaks.map(|o| o.as_str()),
            });
        }
    }
    out
}

/// Runs `taintsim keys`.
pub fn keys(registry: &Registry, args: &KeysArgs) -> anyhow::Result<Status> {
    let keys = key_list(registry);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&keys)?);
        return Ok(Status::Ok);
    }
    let mut current = None;
    for k in &keys {
        if k.controller != current || k.controller.is_none() {
            if let Some(name) = k.controller {
                println!();
                println!("controller {name}:");
            }
            current = k.controller;
        }
        let indent = if k.controller.is_some() { "  " } else { "" };
        println!();
        println!("{indent}{}", k.name);
        match &k.range {
            Some(range) => println!("{indent}  values:  a whole number in {range}"),
            None => println!("{indent}  values:  {}", k.values.join(", ")),
        }
        println!("{indent}  default: {}", k.default);
        if let Some(oracle) = k.breaks {
            println!("{indent}  breaks:  {oracle}");
        }
        println!("{indent}  {}", k.doc);
    }
    for (g, plugin) in registry.generations() {
        let listeners: Vec<&str> = plugin
            .listeners(&registry_default(registry, g.name))
            .into_iter()
            .map(|(l, _)| l)
            .collect();
        println!();
        println!(
            "controller {} listeners (for hide-notifications faults): {}",
            g.name,
            listeners.join(", ")
        );
    }
    println!();
    println!("Set them in a scenario's `behavior` object, or per run with --set KEY=VALUE.");
    Ok(Status::Ok)
}

/// The complete default behaviour of generation `controller`.
fn registry_default(registry: &Registry, controller: &str) -> taintsim_plugin::Behavior {
    registry
        .resolve(&taintsim_plugin::Behavior::new().with(CONTROLLER_KEY, controller))
        .map(|r| r.behavior)
        .unwrap_or_default()
}
