//! Integration tests: the real `mim` binary against temporary repositories with real git.

mod comms;
mod common;
mod examples;
mod foundation;
mod plan;
mod sla;
mod pir;
