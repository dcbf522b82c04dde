//! mim: major incident management, with incidents as files in a git repository.

pub mod cli;
pub mod commands;
pub mod comms;
pub mod config;
pub mod diag;
pub mod error;
pub mod git;
pub mod lifecycle;
pub mod model;
pub mod pir;
pub mod render;
pub mod repo;
pub mod report;
pub mod sla;
pub mod state;
pub mod store;
pub mod text;
pub mod time;
pub mod validate;
