//! Integration tests of taintsim-api, one module per area (one binary keeps linking fast).

mod apply;
mod broadcaster;
mod client;
mod informer;
mod node;
mod server;
mod support;
mod watch;
mod watch_props;
