//! Integration tests: the real `mim` binary against temporary repositories with real git.

mod common;
mod comms;
mod examples;
mod faults;
mod foundation;
mod hostile;
mod pir;
mod plan;
mod properties;
mod report;
mod sla;
