//! Turns the `loom` cargo feature into `cfg(loom)`, the switch loom's documentation expects,
//! so that the sync shim builds on loom primitives for the `loom_*` model tests.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(loom)");
    if std::env::var_os("CARGO_FEATURE_LOOM").is_some() {
        println!("cargo::rustc-cfg=loom");
    }
}
