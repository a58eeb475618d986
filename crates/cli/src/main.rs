//! The `taintsim` binary: the CLI ([`taintsim_cli`]) over every controller of this build.

/// mimalloc instead of the system allocator. A schedule of `explore` allocates and frees about
/// 1,400 times, and glibc's `malloc` and `free` were 41 % of its instructions; the allocator
/// changes no behaviour (nothing the simulator decides depends on addresses). See
/// docs/performance.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    taintsim_cli::main_with(&taintsim::controllers())
}
