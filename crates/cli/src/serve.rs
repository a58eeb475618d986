//! `taintsim serve`: a run's API server behind the Kubernetes REST API, for kubectl and
//! kube-rs (see the `taintsim-serve` crate).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use taintsim_check::Schedule;
use taintsim_plugin::Registry;
use taintsim_scenario::duration::ScenarioDuration;
use taintsim_serve::live::LiveOptions;
use taintsim_serve::{At, ServeOptions, Served};

use crate::Status;
use crate::cli::OneRunArgs;
use crate::common;

/// `taintsim serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The scenario and the schedule of the run (with neither --seed nor --decisions, the
    /// file's recorded decisions; a live run without either starts from seed 0).
    #[command(flatten)]
    pub run: OneRunArgs,
    /// Where the frozen run stops: after decision N, at the failing step (`failure`), or at
    /// the end (`end`).
    #[arg(
        long,
        value_name = "N|failure|end",
        default_value = "end",
        conflicts_with = "live"
    )]
    pub at: At,
    /// The address to listen on. Anything but a loopback address is reachable from other
    /// machines (still over TLS and with the bearer token): serve warns about it.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Where to write the kubeconfig (server, bearer token, context `taintsim`).
    #[arg(
        long,
        value_name = "PATH",
        default_value = "target/taintsim/kubeconfig"
    )]
    pub kubeconfig: PathBuf,
    /// Run the simulation on, paced to the wall clock; client writes become steps of the
    /// scenario actor.
    #[arg(long)]
    pub live: bool,
    /// With --live: virtual seconds per wall-clock second.
    #[arg(long, value_name = "X", default_value = "1", requires = "live")]
    pub scale: f64,
    /// With --live: the idle actor's `advance` step, in virtual time (how long a write waits
    /// at most, divided by --scale).
    #[arg(long, value_name = "DURATION", default_value = "100ms", requires = "live",
        value_parser = ScenarioDuration::parse)]
    pub tick: ScenarioDuration,
    /// With --live: write the run as a scenario file (its steps the client writes, with the
    /// decisions taken) when it ends; `taintsim run OUT.json` replays it exactly.
    #[arg(long, value_name = "OUT.json", requires = "live")]
    pub record: Option<PathBuf>,
}

/// Runs `taintsim serve` until Ctrl-C (or SIGTERM).
pub fn serve(registry: &Registry, args: &ServeArgs) -> anyhow::Result<Status> {
    let file = &args.run.file;
    let scenario = common::load_scenario(registry, file, &args.run.set)?;
    let max_steps = args.run.max_steps.unwrap_or(scenario.explore.max_steps);
    let given =
        args.run.seed.is_some() || args.run.decisions.is_some() || scenario.decisions.is_some();
    let (schedule, words) = if args.live && !given {
        (Schedule::Random(0), "seed 0 (random)".to_owned())
    } else {
        common::chosen_schedule(&args.run, &scenario, max_steps)?
    };
    if !(args.scale > 0.0 && args.scale.is_finite()) {
        anyhow::bail!("--scale must be a positive number, e.g. 1 or 10");
    }
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, which other machines can reach: requests still need the \
             bearer token and TLS with the CA written beside the kubeconfig, but anyone who can \
             read that kubeconfig can change the run",
            args.listen
        );
    }
    let name = scenario.name.clone();
    let options = ServeOptions {
        scenario,
        schedule,
        max_steps,
        at: args.at,
        listen: args.listen,
        kubeconfig: args.kubeconfig.clone(),
        live: args.live.then(|| LiveOptions {
            scale: args.scale,
            tick: args.tick.0.max(Duration::from_millis(1)),
            record: args.record.clone(),
        }),
        announce_moves: true,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the HTTP runtime")?;
    runtime.block_on(async move {
        let served = taintsim_serve::start(options)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        print_banner(&served, &name, file, &words, args.live);
        wait_for_signal().await;
        if args.live
            && let Some(finished) = served.finish().await
        {
            println!(
                "run ended: {} after {} steps, trace hash {}",
                finished.outcome, finished.steps, finished.trace_hash
            );
            if let Some(r) = &finished.recording {
                println!(
                    "recorded {} ({} steps, {} decisions, expect {}): taintsim run {}",
                    r.path.display(),
                    r.steps,
                    r.decisions,
                    r.expect,
                    common::shell_quote(&r.path.display().to_string())
                );
            }
            if let Some(e) = &finished.error {
                eprintln!("error: {e}");
                served.stop().await;
                return Ok(Status::Error);
            }
        }
        served.stop().await;
        Ok(Status::Ok)
    })
}

fn print_banner(served: &Served, name: &str, file: &std::path::Path, words: &str, live: bool) {
    use std::io::Write as _;
    let position = served.position();
    let kubeconfig = common::shell_quote(&served.kubeconfig.display().to_string());
    println!("{name} ({}): {words}", file.display());
    if live {
        println!("live: the run goes on; client writes become steps of the scenario actor");
    } else {
        println!(
            "frozen at decision {} of {} ({}): {}",
            position.decision,
            position.steps.unwrap_or(position.decision),
            position.time,
            position.label
        );
        if let Some(outcome) = &served.run_outcome {
            println!("the whole run: {outcome}");
        }
    }
    println!(
        "listening on https://{} (bearer token and CA certificate in the kubeconfig)",
        served.addr
    );
    println!("kubeconfig: {}", served.kubeconfig.display());
    println!(
        "  kubectl --kubeconfig {kubeconfig} get pods,resourceclaims,resourceslices,devicetaintrules,events"
    );
    if live {
        println!(
            "  kubectl --kubeconfig {kubeconfig} create --raw /taintsim/v1/finish -f /dev/null   # end the run"
        );
    } else {
        println!(
            "  kubectl --kubeconfig {kubeconfig} create --raw '/taintsim/v1/step?n=-1' -f /dev/null   # one decision back"
        );
        println!("  kubectl --kubeconfig {kubeconfig} get --raw /taintsim/v1/position");
    }
    println!("Ctrl-C stops serving.");
    let _ = std::io::stdout().flush();
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `taintsim serve --help`.
pub const LONG_ABOUT: &str = "Serve the API server of one run of a scenario over the \
    Kubernetes REST API, so that kubectl and kube-rs can look at it.\n\n\
    The schedule is chosen as `replay` chooses it (--seed with --strategy, --decisions, or the \
    file's recorded decisions). Frozen (the default), the run is replayed to decision N, to the \
    failing step or to the end (--at) and stays there; `POST /taintsim/v1/step?n=K` moves it K \
    decisions (back if negative) by replaying from scratch, and watches open while it moves \
    receive the events the simulated informers received. With --live the run goes on, paced \
    to the wall clock (--scale), the scheduler choosing from the seed, and every write a client \
    makes becomes a step of the scenario actor when it arrives; --record writes those steps, \
    with the decisions taken, as a scenario file that `taintsim run` replays exactly.\n\n\
    Serve listens on 127.0.0.1 unless --listen says otherwise, writes a kubeconfig with a \
    fresh bearer token (--kubeconfig) and answers every request without it with 401.";

/// `taintsim serve --help` examples.
pub const AFTER_HELP: &str = "Examples:\n  \
    taintsim serve scenarios/updatework-panic.json --seed 3 --at failure\n  \
    kubectl --kubeconfig target/taintsim/kubeconfig get pods -o wide\n  \
    kubectl --kubeconfig target/taintsim/kubeconfig create --raw '/taintsim/v1/step?n=-1' -f /dev/null\n  \
    taintsim serve scenarios/eviction-initial.json --live --record my.json\n\n\
    Exit status: 0 once stopped with Ctrl-C, 2 if the scenario cannot be loaded or run or the \
    recording does not replay.";
