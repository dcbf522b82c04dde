//! Integration tests: the real `mim` binary against temporary repositories with real git.

mod audit;
mod common;
mod comms;
mod examples;
mod foundation;
mod pir;
mod plan;
mod real;
mod report;
mod sla;
mod structure;
mod templates;
mod truth;
