//! Integration tests: the real `mim` binary against temporary repositories with real git.

mod common;
mod comms;
mod examples;
mod foundation;
mod pir;
mod plan;
mod report;
mod scale;
mod sla;
mod structure;
mod templates;
mod truth;
