//! Integration tests: the real `mim` binary against temporary repositories with real git.

mod audiences;
mod audit;
mod common;
mod comms;
mod examples;
mod faults;
mod foundation;
mod hostile;
mod pir;
mod plan;
mod real;
mod report;
mod sla;
mod structure;
mod templates;
mod truth;
