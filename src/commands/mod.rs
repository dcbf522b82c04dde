//! One module per subcommand, each with one entry point: load, call the pure core, write.

mod check;
mod close;
mod declare;
mod escalate;
mod init;
mod list;
mod misc;
mod note;
mod overview;
mod pir;
mod plan;
mod report;
mod resolve;
mod send;
mod show;
mod status;
mod templates;
mod update;
mod validate;

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::{Cli, Command, Global};
use crate::diag::Diagnostics;
use crate::error::UsageError;
use crate::git;
use crate::model::{Entry, Event, Incident};
use crate::repo::Repo;
use crate::store::{self, Change, Commit};
use crate::time::{self, Timestamp};

/// Everything a command needs about this run, worked out once at the top.
pub struct Ctx {
    pub repo: Repo,
    /// Where mim was started (after `-C`), for resolving IDs from the current directory.
    pub cwd: PathBuf,
    /// `--at`, else `MIM_NOW`, else the clock.
    pub now: Timestamp,
    pub json: bool,
    by: Option<String>,
    no_commit: bool,
}

impl Ctx {
    fn new(global: &Global, env_now: Option<&str>) -> anyhow::Result<Ctx> {
        let cwd = start_dir(global)?;
        let repo = Repo::discover(&cwd)?;
        let tz = repo.config.tz();
        let now = time::now(global.at.as_deref(), env_now, tz).map_err(UsageError)?;
        if global.at.is_some() {
            // mim records what has happened: an event cannot be later than now.
            let clock = time::now(None, env_now, tz).map_err(UsageError)?;
            if now > clock + chrono::TimeDelta::minutes(1) {
                return Err(UsageError(anyhow::anyhow!(
                    "--at {} is in the future (it is {} now): mim records what has happened",
                    time::format(&now),
                    time::format(&clock)
                ))
                .into());
            }
        }
        Ok(Ctx {
            repo,
            cwd,
            now,
            json: global.json,
            by: global.by.clone(),
            no_commit: global.no_commit,
        })
    }

    /// Who is acting: `--by`, `MIM_USER`, then git's user.name.
    pub fn actor(&self) -> anyhow::Result<String> {
        let name = self
            .by
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| git::user_name(&self.repo.root))
            .context("who is acting? pass --by NAME, set MIM_USER, or set git's user.name")?;
        crate::text::required("--by", &name)
    }

    pub fn resolve(&self, id: Option<&str>) -> anyhow::Result<String> {
        self.repo.resolve(id, &self.cwd)
    }

    /// Resolve and load an incident; file problems come back as diagnostics.
    pub fn load(&self, id: Option<&str>) -> anyhow::Result<Incident> {
        let id = self.resolve(id)?;
        store::load(&self.repo, &id).map_err(|d: Diagnostics| d.into())
    }

    /// The incident after every recorded event: what a mutating command checks against.
    pub fn state(&self, incident: &Incident) -> crate::state::State {
        crate::state::latest(&self.repo.config, incident, self.now)
    }

    /// The incident as it stood at `now`: what a command that reports shows.
    pub fn state_now(&self, incident: &Incident) -> crate::state::State {
        crate::state::derive(&self.repo.config, incident, self.now)
    }

    /// A new timeline entry at `now` by the actor, refused if `now` is before the
    /// incident was reported or before the last status change.
    pub fn entry(&self, incident: &Incident, event: Event) -> anyhow::Result<Entry> {
        let at = self.now;
        if at < incident.record.reported {
            anyhow::bail!(
                "{} cannot happen at {}: {} was reported at {}",
                event.name(),
                time::format(&at),
                incident.id,
                time::format(&incident.record.reported)
            );
        }
        if event.transition().is_some()
            && let Some(last) = incident
                .entries
                .iter()
                .filter(|e| e.event.transition().is_some())
                .map(|e| e.at)
                .max()
            && at < last
        {
            anyhow::bail!(
                "{} cannot happen at {}: the status of {} last changed later, at {}",
                event.name(),
                time::format(&at),
                incident.id,
                time::format(&last)
            );
        }
        Ok(Entry {
            at,
            by: self.actor()?,
            event,
        })
    }

    /// Apply `change` and commit it as `<id>: <summary>` with the audit trailers.
    pub fn record(
        &self,
        id: &str,
        event: &str,
        summary: &str,
        change: &Change,
    ) -> anyhow::Result<()> {
        let actor = self.actor()?;
        let commit = Commit {
            enabled: !self.no_commit && self.repo.config.git.commit,
            message: git::Message {
                subject: format!("{id}: {summary}"),
                trailers: vec![
                    ("Incident", id.to_string()),
                    ("Event", event.to_string()),
                    ("Actor", actor),
                ],
            },
        };
        store::apply(&self.repo, change, &commit)
    }

    /// Record one timeline event for an incident (the common case).
    pub fn record_event(
        &self,
        incident: &Incident,
        entry: &Entry,
        summary: &str,
    ) -> anyhow::Result<()> {
        let mut change = Change::new();
        change.event(&incident.dir, entry);
        self.record(&incident.id, entry.event.name(), summary, &change)
    }

    /// Send those of `files` (in the incident's `outbox/`) not sent yet; see [`mailer`].
    pub fn deliver(&self, incident: &Incident, files: &[String]) -> anyhow::Result<()> {
        let by = self.actor()?;
        let commit =
            |change: &Change, summary: &str| self.record(&incident.id, "send", summary, change);
        crate::mailer::deliver(&self.repo, incident, files, &by, self.now, &commit)
    }

    pub fn print_json(&self, value: &impl serde::Serialize) -> anyhow::Result<()> {
        println!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }
}

fn start_dir(global: &Global) -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(match &global.dir {
        Some(dir) => cwd.join(dir),
        None => cwd,
    })
}

/// Run one parsed command line; `env_now` is `MIM_NOW`.
pub fn run(cli: Cli, env_now: Option<&str>) -> anyhow::Result<()> {
    let global = &cli.global;
    match &cli.command {
        Command::Init { dir } => return init::run(global, dir.as_deref()),
        Command::Completions { shell } => return misc::completions(*shell),
        Command::Man => return misc::man(),
        _ => {}
    }
    let ctx = Ctx::new(global, env_now)?;
    match cli.command {
        Command::Declare(args) => declare::run(&ctx, &args),
        Command::Accept { id, manager } => status::accept(&ctx, id.as_deref(), manager.as_deref()),
        Command::Reject { id, reason } => status::reject(&ctx, id.as_deref(), &reason),
        Command::Hold { id, reason } => status::hold(&ctx, id.as_deref(), &reason),
        Command::Resume { id } => status::resume(&ctx, id.as_deref()),
        Command::Reopen { id, reason } => status::reopen(&ctx, id.as_deref(), &reason),
        Command::Resolve(args) => resolve::run(&ctx, &args),
        Command::Note(args) => note::run(&ctx, &args),
        Command::Update(args) => update::run(&ctx, &args),
        Command::Send(args) => send::run(&ctx, &args),
        Command::Templates { action } => templates::run(&ctx, &action),
        Command::Plan(args) => plan::run(&ctx, &args),
        Command::Escalate(args) => escalate::run(&ctx, &args),
        Command::Pir(cmd) => pir::run(&ctx, cmd),
        Command::Close(args) => close::run(&ctx, &args),
        Command::List { status } => list::run(&ctx, status),
        Command::Show { id } => show::run(&ctx, id.as_deref()),
        Command::Validate(args) => validate::run(&ctx, &args),
        Command::Report(args) => report::run(&ctx, &args),
        Command::Check(args) => check::run(&ctx, &args),
        Command::Status => overview::run(&ctx),
        Command::Init { .. } | Command::Completions { .. } | Command::Man => {
            unreachable!("handled above")
        }
    }
}
