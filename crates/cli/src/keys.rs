//! `taintsim keys`: the behaviour keys of `--set KEY=VALUE` and scenario files.

use serde::Serialize;
use taintsim_controller_device::behavior::Behavior;

use crate::Status;
use crate::cli::KeysArgs;

#[derive(Serialize)]
struct KeyJson {
    name: &'static str,
    values: &'static [&'static str],
    default: &'static str,
    doc: &'static str,
}

/// Runs `taintsim keys`.
pub fn keys(args: &KeysArgs) -> anyhow::Result<Status> {
    let keys = Behavior::keys();
    if args.json {
        let out: Vec<KeyJson> = keys
            .iter()
            .map(|k| KeyJson {
                name: k.name,
                values: k.values,
                default: k.default,
                doc: k.doc,
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(Status::Ok);
    }
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!("{}", k.name);
        println!("  values:  {}", k.values.join(", "));
        println!("  default: {}", k.default);
        println!("  {}", k.doc);
    }
    println!();
    println!("Set them in a scenario's `behavior` object, or per run with --set KEY=VALUE.");
    Ok(Status::Ok)
}
