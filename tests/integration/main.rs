//! Integration tests: the real `mim` binary against temporary repositories with real git.

mod common;
mod foundation;
mod pir;
mod report;
mod sla;
