//! lanctl's integration tests: one test binary (`testsuite`), in the manner of cargo's
//! own suite, so the build links one executable instead of one per file.
//!
//! * [`common`]: the harness (fake `docker`/`ip`/`arping`, [`common::Run`], the
//!   real-engine guard [`common::RealEnv`], two hosts), see its header.
//! * [`support`]: the fixture host on the fake (`ltfix-net` and its two containers, as
//!   captured in tests/fixtures) and the lines lanctl prints about it.
//! * One module per area below; a test is named `MODULE::TEST`, so
//!   `cargo test --test testsuite cli_net::` runs one area and
//!   `cargo test --test testsuite -- --exact cli_net::net_show_reports_the_pool` one test.
//!
//! Plain `cargo test` runs the fake tests; the real-engine ones are
//! `#[ignore = "real engine: run scripts/test.sh"]`. A new area is a new module here, not
//! a new file directly under tests/ (that would be a binary of its own again).

mod common;
mod support;

// Against the fake host (no root, no engine); harness_smoke and doctor hold a few
// real-engine tests too.
mod all_hosts;
mod apply_hosts;
mod apply_reads;
mod bad_bytes;
mod check_fake;
mod cli_net;
mod cli_tenants;
mod doctor;
mod doctor_verdicts;
mod engine_reach;
mod export_fake;
mod gone_between_reads;
mod harness_smoke;
mod health_fake;
mod hostile_input;
mod hosts;
mod json_errors;
mod json_schema;
mod lan_probe_fake;
mod layers;
mod ls_reads;
mod multihost;
mod net_create_once;
mod net_leftovers;
mod net_overlap;
mod net_show_counts;
mod parked;
mod place;
mod presets_fake;
mod ready_fake;
mod small_points;
mod swarm;
mod update_honest;

// Against a real engine (`#[ignore]`d: scripts/test.sh runs them).
mod check_real;
mod cluster_slice_real;
mod dhcp_real;
mod down_race;
mod export_real;
mod health_real;
mod ipv6_real;
mod lanprobe_real;
mod multihost_real;
mod presets_real;
mod ra_real;
mod ready_real;
mod real_engine;
mod real_wrong;
mod two_hosts;
mod two_hosts_shared;
mod update_interrupt;
mod update_real;
