//! mim: major incident management, with incidents as files in a git repository.

pub(crate) mod address;
pub(crate) mod audit;
pub(crate) mod calendar;
pub(crate) mod check;
pub(crate) mod ci;
pub mod cli;
pub(crate) mod commands;
pub(crate) mod comms;
pub(crate) mod complete;
pub(crate) mod config;
pub(crate) mod context;
pub(crate) mod delivery;
pub(crate) mod diag;
pub(crate) mod editor;
pub(crate) mod error;
pub(crate) mod facts;
pub(crate) mod fault;
pub(crate) mod fingerprint;
pub(crate) mod git;
pub(crate) mod intake;
pub(crate) mod lifecycle;
pub(crate) mod limits;
pub(crate) mod links;
pub(crate) mod lock;
pub(crate) mod manual;
pub(crate) mod model;
pub(crate) mod overrides;
pub(crate) mod pir;
#[cfg(test)]
mod properties;
pub(crate) mod regulation;
pub(crate) mod render;
pub(crate) mod repo;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod safe_fs;
pub(crate) mod schema;
pub(crate) mod seal;
pub(crate) mod settled;
pub(crate) mod site;
pub(crate) mod sla;
pub(crate) mod state;
pub(crate) mod store;
pub(crate) mod sync;
pub(crate) mod term;
pub(crate) mod text;
pub(crate) mod time;
pub(crate) mod txn;
pub(crate) mod units;
pub(crate) mod validate;
pub(crate) mod values;
pub(crate) mod yaml_guard;

// The public surface is what the binary (src/main.rs), the integration tests and
// examples/synth.rs use; everything else is `pub(crate)`, so the compiler finds what
// nothing uses.

pub use error::{Error, report};
pub use run::run;
pub use values::read_config;

/// The configuration `mim init` writes (for tests and tools that make repositories).
pub use config::DEFAULT_CONFIG;
/// How a commit subject names an incident; the tests read `git log` with it.
pub use model::short_ref;

/// Whether mim syncs every file it writes (and its transaction journal) to disk before
/// renaming it into place: on unless turned off, so a crash never leaves a half-written
/// incident file. Only a
/// tool that writes a throwaway repository at speed turns it off (`examples/synth.rs`).
pub fn sync_writes(on: bool) {
    store::set_sync(on);
}
