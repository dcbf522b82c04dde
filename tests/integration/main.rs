//! Integration tests: the real `mim` binary against temporary repositories with real git.

mod audiences;
mod audit;
mod ci_formats;
mod cli;
mod commit;
mod common;
mod comms;
mod examples;
mod faults;
mod foundation;
mod hostile;
mod morning;
mod multi_client;
mod multi_client_reports;
mod pir;
mod plan;
mod real;
mod report;
mod rough;
mod scale;
mod schema;
mod site;
mod sla;
mod structure;
mod templates;
mod truth;
