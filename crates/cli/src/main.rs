//! The `taintsim` binary: the CLI ([`taintsim_cli`]) over every controller of this build.

fn main() -> std::process::ExitCode {
    taintsim_cli::main_with(&taintsim::controllers())
}
