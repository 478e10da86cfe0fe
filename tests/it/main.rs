//! One integration-test binary: a module per area.

mod cli;
mod cli_input;
mod cli_pair;
mod common;
mod e2e;
mod e2e_serve;
mod engine_faults;
mod engine_fixture;
mod engine_rules;
mod engine_sim;
mod http;
mod http_more;
mod http_rules;
mod http_tls;
mod plain_build;
mod serve;
mod serve_wire;
mod sim_faults;
mod sim_link;
mod sim_process;
mod sim_strict;
mod store;
mod tmux;
mod unit_file;
mod wa;
mod webhooks;
