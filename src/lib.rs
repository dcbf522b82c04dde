//! mim: major incident management, with incidents as files in a git repository.

pub mod config;
pub mod diag;
pub mod sla;
