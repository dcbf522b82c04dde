//! mim: major incident management, with incidents as files in a git repository.

pub mod cli;
pub mod commands;
pub mod comms;
pub mod config;
pub mod diag;
pub mod git;
pub mod lifecycle;
pub mod lock;
pub mod model;
pub mod pir;
pub mod render;
pub mod repo;
pub mod report;
pub mod safe_fs;
pub mod sla;
pub mod store;
pub mod text;
pub mod time;
pub mod txn;
pub mod yaml_guard;

/// Print an error once, as `error: …` (every diagnostic on its own line), and choose the
/// exit code: 2 for usage and configuration problems, 1 for everything else.
pub fn report_error(err: &anyhow::Error) -> u8 {
    if let Some(commands::validate::Exit(code)) = err.downcast_ref() {
        return *code;
    }
    if let Some(diags) = err.downcast_ref::<diag::Diagnostics>() {
        for d in &diags.0 {
            eprintln!("error: {}", text::for_terminal(&d.to_string()));
        }
        return 1;
    }
    if let Some(config::ConfigError(diags)) = err.downcast_ref() {
        for d in &diags.0 {
            eprintln!("error: {}", text::for_terminal(&d.to_string()));
        }
        return 2;
    }
    eprintln!("error: {}", text::for_terminal(&format!("{err:#}")));
    let usage = err.downcast_ref::<repo::NotARepository>().is_some()
        || err.downcast_ref::<commands::UsageError>().is_some();
    if usage { 2 } else { 1 }
}
