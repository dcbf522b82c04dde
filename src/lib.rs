//! mim: major incident management, with incidents as files in a git repository.

pub mod calendar;
pub mod cli;
pub mod commands;
pub mod comms;
pub mod config;
pub mod diag;
pub mod editor;
pub mod error;
pub mod git;
pub mod lifecycle;
pub mod mailer;
pub mod model;
pub mod pir;
pub mod present;
pub mod render;
pub mod repo;
pub mod report;
pub mod sla;
pub mod state;
pub mod store;
pub mod text;
pub mod time;
pub mod units;
pub mod validate;
