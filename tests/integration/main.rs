//! Integration tests: the real `mim` binary against temporary repositories with real git.

mod ci_formats;
mod cli;
mod common;
mod comms;
mod examples;
mod foundation;
mod morning;
mod pir;
mod plan;
mod report;
mod rough;
mod schema;
mod site;
mod sla;
mod structure;
mod templates;
mod truth;
