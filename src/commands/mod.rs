//! One module per subcommand, each with one entry point: load, call the pure core, write.

mod check;
mod close;
mod declare;
mod editor;
mod escalate;
mod init;
mod list;
mod misc;
mod note;
mod overview;
mod pir;
pub mod plan;
mod report;
mod resolve;
mod send;
mod show;
mod status;
mod templates;
mod update;
pub mod validate;

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::{Cli, Command, Global};
use crate::diag::Diagnostics;
use crate::git;
use crate::model::{Entry, Event, Incident};
use crate::repo::Repo;
use crate::store::{self, Change, Commit};
use crate::time::{self, Timestamp};
use crate::txn;

/// A mistake in how mim was called (a bad `--at`, `MIM_NOW`): exit code 2.
#[derive(Debug)]
pub struct UsageError(pub anyhow::Error);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for UsageError {}

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
    /// The repository lock, held by mutating commands for the whole run.
    session: Option<txn::Session>,
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
            session: None,
        })
    }

    /// Take the repository lock (waiting for another mim up to `git.lock_timeout`) and
    /// recover what a killed mim left, before the command reads anything.
    fn lock(&mut self) -> anyhow::Result<()> {
        let wait = self.repo.config.git.lock_wait();
        self.session = Some(txn::Session::begin(&self.repo.root, wait)?);
        Ok(())
    }

    /// The commit settings of this run for `message`.
    pub fn commit(&self, message: git::Message) -> Commit {
        Commit {
            enabled: !self.no_commit && self.repo.config.git.commit,
            message,
        }
    }

    /// The transaction machinery of a mutating command.
    pub fn session(&self) -> anyhow::Result<&txn::Session> {
        self.session
            .as_ref()
            .context("internal error: a command changed the repository without its lock")
    }

    /// Write and commit `change` as one transaction.
    pub fn apply(&self, change: &Change, commit: &Commit) -> anyhow::Result<()> {
        self.session()?.apply(change, commit)
    }

    /// Who is acting: `--by`, `MIM_USER`, then git's user.name.
    pub fn actor(&self) -> anyhow::Result<String> {
        let name = self
            .by
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| git::user_name(&self.repo.root))
            .context("who is acting? pass --by NAME, set MIM_USER, or set git's user.name")?;
        crate::text::name("--by", &name)
    }

    pub fn resolve(&self, id: Option<&str>) -> anyhow::Result<String> {
        self.repo.resolve(id, &self.cwd)
    }

    /// Resolve and load an incident; file problems come back as diagnostics.
    pub fn load(&self, id: Option<&str>) -> anyhow::Result<Incident> {
        let id = self.resolve(id)?;
        store::load(&self.repo, &id).map_err(|d: Diagnostics| d.into())
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
        let commit = self.commit(self.message(id, event, summary)?);
        self.apply(change, &commit)
    }

    /// The commit message `<id>: <summary>` with the audit trailers.
    pub fn message(&self, id: &str, event: &str, summary: &str) -> anyhow::Result<git::Message> {
        Ok(git::Message {
            subject: format!("{id}: {summary}"),
            trailers: vec![
                ("Incident", id.to_string()),
                ("Event", event.to_string()),
                ("Actor", self.actor()?),
            ],
        })
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
    let mut ctx = Ctx::new(global, env_now)?;
    let prepared = prepare(&ctx, &cli.command)?;
    if mutates(&cli.command) {
        ctx.lock()?;
    } else {
        txn::warn_if_interrupted(&ctx.repo.root);
    }
    match cli.command {
        Command::Declare(args) => declare::run(&ctx, &args),
        Command::Accept { id, manager } => status::accept(&ctx, id.as_deref(), manager.as_deref()),
        Command::Reject { id, reason } => status::reject(&ctx, id.as_deref(), &reason),
        Command::Hold { id, reason } => status::hold(&ctx, id.as_deref(), &reason),
        Command::Resume { id } => status::resume(&ctx, id.as_deref()),
        Command::Reopen { id, reason } => status::reopen(&ctx, id.as_deref(), &reason),
        Command::Resolve(args) => resolve::run(&ctx, &args),
        Command::Note(args) => note::run(&ctx, &args),
        Command::Update(args) => update::run(&ctx, &args, prepared),
        Command::Send(args) => send::run(&ctx, &args),
        Command::Templates { action } => templates::run(&ctx, &action),
        Command::Plan(args) => plan::run(&ctx, &args, prepared),
        Command::Escalate(args) => escalate::run(&ctx, &args),
        Command::Pir(cmd) => pir::run(&ctx, cmd),
        Command::Close(args) => close::run(&ctx, &args),
        Command::List { status } => list::run(&ctx, status),
        Command::Show { id } => show::run(&ctx, id.as_deref()),
        Command::Validate => validate::run(&ctx),
        Command::Report(args) => report::run(&ctx, &args),
        Command::Check(args) => check::run(&ctx, &args),
        Command::Status => overview::run(&ctx),
        Command::Init { .. } | Command::Completions { .. } | Command::Man => {
            unreachable!("handled above")
        }
    }
}

/// Whether a command changes the repository, and so runs under its lock.
fn mutates(command: &Command) -> bool {
    match command {
        Command::List { .. }
        | Command::Show { .. }
        | Command::Validate
        | Command::Report(_)
        | Command::Check(_)
        | Command::Status
        | Command::Init { .. }
        | Command::Completions { .. }
        | Command::Man => false,
        Command::Send(args) => !args.dry_run,
        Command::Templates { action } => {
            matches!(action, crate::cli::TemplatesAction::Export { .. })
        }
        Command::Plan(args) => plan::amends(args),
        _ => true,
    }
}

/// Text typed in the editor or read from standard input, read before the repository
/// lock is taken, so that nobody waits while someone writes.
fn prepare(ctx: &Ctx, command: &Command) -> anyhow::Result<Option<String>> {
    match command {
        Command::Update(args) => update::read_input(ctx, args),
        Command::Plan(args) if args.edit => plan::read_input(ctx, args).map(Some),
        _ => Ok(None),
    }
}
