//! The transaction context of one command: the repository, "now" (read once, here),
//! who acts, and the one way a command changes the repository — a transaction under the
//! repository lock, committed with the audit trailers (see [`crate::txn`]). Commands get
//! a `&Ctx`; [`crate::run`] makes it, takes the lock and syncs around the command.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::Global;
use crate::error::Error;
use crate::git;
use crate::model::{Entry, Event, Incident};
use crate::repo::Repo;
use crate::state::order;
use crate::store::{self, Change, Commit};
use crate::time::{self, Timestamp};
use crate::txn;

/// Everything a command needs about this run, worked out once at the top.
pub struct Ctx {
    pub repo: Repo,
    /// Where mim was started (after `-C`), for resolving IDs from the current directory.
    pub cwd: PathBuf,
    /// `--at`, else `MIM_NOW`, else the clock: when the event happened.
    pub now: Timestamp,
    /// `MIM_NOW`, else the clock, whatever `--at` says: when mim runs.
    pub clock: Timestamp,
    /// Whether `--at` was given.
    pub backdated: bool,
    pub json: bool,
    by: Option<String>,
    no_commit: bool,
    /// The repository lock, held by mutating commands for the whole run.
    session: Option<txn::Session>,
    /// Sharing through the git remote around a mutating command (see [`crate::sync`]).
    sync: crate::sync::Hook,
}

impl Ctx {
    pub(crate) fn new(global: &Global, env_now: Option<&str>) -> anyhow::Result<Ctx> {
        let cwd = start_dir(global)?;
        let repo = Repo::discover(&cwd)?;
        let tz = repo.config.tz();
        let now = time::now(global.at.as_deref(), env_now, tz).map_err(Error::Usage)?;
        let clock = match global.at {
            Some(_) => time::now(None, env_now, tz).map_err(Error::Usage)?,
            None => now,
        };
        if global.at.is_some() {
            // mim records what has happened: an event cannot be later than now.
            if now > clock + chrono::TimeDelta::minutes(1) {
                return Err(Error::Usage(anyhow::anyhow!(
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
            clock,
            backdated: global.at.is_some(),
            json: global.json,
            by: global.by.clone(),
            no_commit: global.no_commit,
            session: None,
            sync: Default::default(),
        })
    }

    /// Take the repository lock (waiting for another mim up to `git.lock_timeout`) and
    /// recover what a killed mim left, before the command reads anything.
    pub(crate) fn lock(&mut self) -> anyhow::Result<()> {
        let wait = self.repo.config.git.lock_wait();
        self.session = Some(txn::Session::begin(&self.repo.root, wait)?);
        Ok(())
    }

    /// Under the lock, before the command reads anything: bring the clone up to date
    /// with the team's remote (`git.sync: auto`), and read `mim.yaml` again if that
    /// changed it.
    pub(crate) fn sync_in(&mut self) -> anyhow::Result<()> {
        if self.commits() && self.sync.before(&self.repo, self.clock) {
            self.repo = Repo::discover(&self.repo.root)?;
        }
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

    /// The incident ID `id` names (full, a unique prefix, or a unique part of the slug),
    /// or the one whose directory mim runs in. A miss names the closest IDs and how many
    /// incidents are open.
    pub fn resolve(&self, id: Option<&str>) -> anyhow::Result<String> {
        self.repo.resolve(id, &self.cwd).map_err(|err| {
            match err.downcast::<crate::repo::NoSuchIncident>() {
                Ok(mut miss) => {
                    miss.open = self.open_count();
                    miss.into()
                }
                Err(err) => err,
            }
        })
    }

    /// How many incidents are open (proposed, accepted, on hold) now, when they can all
    /// be read.
    fn open_count(&self) -> Option<usize> {
        let open = store::each(&self.repo, |loaded| {
            loaded
                .ok()
                .map(|incident| self.state_now(&incident).status.is_active())
        })
        .ok()?;
        open.iter()
            .try_fold(0, |n, o| o.map(|active| n + usize::from(active)))
    }

    /// `[ID] X` from one or two positional arguments. A lone argument that names an
    /// incident (its ID or a unique prefix) is the ID, so X is missing — not X written
    /// to the incident of the current directory. `what` names X (`TEXT`, `ACTION`).
    pub fn split_id<'a>(
        &self,
        command: &str,
        args: &'a [String],
        what: &str,
    ) -> anyhow::Result<(Option<&'a str>, &'a str)> {
        let (id, last) = crate::cli::split_id(args);
        if id.is_none()
            && !last.contains(char::is_whitespace)
            && self.repo.resolve(Some(last), &self.cwd).is_ok()
        {
            return Err(Error::Usage(anyhow::anyhow!(
                "missing {what}: `{last}` is an incident; write `mim {command} {last} {what}`"
            ))
            .into());
        }
        Ok((id, last))
    }

    /// Resolve and load an incident; file problems come back as diagnostics.
    pub fn load(&self, id: Option<&str>) -> anyhow::Result<Incident> {
        let id = self.resolve(id)?;
        store::load(&self.repo, &id).map_err(|d| Error::Invalid(d).into())
    }

    /// The incident after every recorded event: what a mutating command checks against.
    pub fn state(&self, incident: &Incident) -> crate::state::State {
        crate::state::latest(&self.repo.config, incident, self.now)
    }

    /// The incident as it stood at `now`: what a command that reports shows.
    pub fn state_now(&self, incident: &Incident) -> crate::state::State {
        crate::state::derive(&self.repo.config, incident, self.now)
    }

    /// A new timeline entry at `now` by the actor, refused when `now` breaks the time
    /// order of the incident's timeline (see [`crate::state::order`]).
    pub fn entry(&self, incident: &Incident, event: Event) -> anyhow::Result<Entry> {
        let entry = Entry {
            at: self.now,
            by: self.actor()?,
            event,
        };
        if let Some(refusal) = order::refusal(
            &incident.id,
            incident.record.reported,
            &incident.entries,
            &entry,
        ) {
            anyhow::bail!(refusal);
        }
        Ok(entry)
    }

    /// Render and assemble `drafts` with this repository's templates, each joining its
    /// thread among the messages already in the incident's `outbox/` (`state`: the
    /// incident before this command).
    pub fn compose(
        &self,
        incident: &Incident,
        state: &crate::state::State,
        drafts: &[crate::comms::Draft],
    ) -> anyhow::Result<Vec<crate::comms::Composed>> {
        use crate::comms::outbox;
        let templates = crate::render::Templates::for_repo(&self.repo);
        let ledger = outbox::read_ledger(&incident.dir, state)?;
        let threads = outbox::threads(&incident.dir, &ledger, incident.record.client.first())?;
        let drafts = self.numbered(incident, drafts)?;
        crate::comms::compose(
            &self.repo.config,
            &templates,
            incident,
            state,
            &drafts,
            &threads,
        )
    }

    /// `drafts`, each with the first sequence (see [`crate::comms::compact_seq`]) whose
    /// name is free in the incident's `outbox/`: chosen under the repository lock, so
    /// commands in the same second never write over each other's messages.
    fn numbered(
        &self,
        incident: &Incident,
        drafts: &[crate::comms::Draft],
    ) -> anyhow::Result<Vec<crate::comms::Draft>> {
        let outbox = incident.dir.join(crate::comms::outbox::OUTBOX_DIR);
        let mut taken = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let mut draft = draft.clone();
            let seq = store::free_seq(&self.repo.root, &outbox, &taken, |seq| {
                draft.seq = seq;
                format!("{}.eml", draft.stem())
            })?;
            draft.seq = seq;
            taken.insert(format!("{}.eml", draft.stem()));
            out.push(draft);
        }
        Ok(out)
    }

    /// Apply `change` and commit it as `<id>: <summary>` with the audit trailers, the
    /// actor as the author and the event time (`now`) as the author date.
    pub fn record(
        &self,
        id: &str,
        event: &str,
        summary: &str,
        change: &Change,
    ) -> anyhow::Result<()> {
        self.record_at(id, event, summary, change, self.now)
    }

    /// [`Ctx::record`] with `date` as the author date (for what happens at the real
    /// time, such as sending, whatever `--at` says).
    pub fn record_at(
        &self,
        id: &str,
        event: &str,
        summary: &str,
        change: &Change,
        date: Timestamp,
    ) -> anyhow::Result<()> {
        self.record_incidents(&[id], event, summary, change, date)
    }

    /// [`Ctx::record`] of a change to several incidents (a link recorded on both): the
    /// subject names the first, an `Incident:` trailer names each.
    pub fn record_incidents(
        &self,
        ids: &[&str],
        event: &str,
        summary: &str,
        change: &Change,
        date: Timestamp,
    ) -> anyhow::Result<()> {
        let commit = self.commit(self.message_for(ids, event, summary, date)?);
        self.apply(change, &commit)
    }

    /// The commit message `<short ref>: <summary>` (see [`crate::model::short_ref`]) with
    /// the audit trailers (the full ID in `Incident:`), the actor as the
    /// author and the event time (`now`) as the author date.
    pub fn message(&self, id: &str, event: &str, summary: &str) -> anyhow::Result<git::Message> {
        self.message_for(&[id], event, summary, self.now)
    }

    /// [`Ctx::message`] with `date` as the author date.
    pub fn message_at(
        &self,
        id: &str,
        event: &str,
        summary: &str,
        date: Timestamp,
    ) -> anyhow::Result<git::Message> {
        self.message_for(&[id], event, summary, date)
    }

    /// The commit message of a change to `ids` (the subject names the first).
    fn message_for(
        &self,
        ids: &[&str],
        event: &str,
        summary: &str,
        date: Timestamp,
    ) -> anyhow::Result<git::Message> {
        let id = ids
            .first()
            .context("a change records at least one incident")?;
        let actor = self.actor()?;
        let author = git::Authorship {
            email: self
                .repo
                .config
                .email_of(&actor)
                .map(String::from)
                // (Asked of git only for a commit: `--no-commit` runs no git at all.)
                .or_else(|| {
                    self.commits()
                        .then(|| git::user_email(&self.repo.root))
                        .flatten()
                }),
            name: actor.clone(),
            date,
        };
        Ok(git::Message {
            subject: format!("{}: {summary}", crate::model::short_ref(id)),
            trailers: ids
                .iter()
                .map(|id| ("Incident", id.to_string()))
                .chain([("Event", event.to_string()), ("Actor", actor)])
                .collect(),
            author: Some(author),
        })
    }

    /// `--client-message [TEXT|-]` as given (`None`: not given; `Some(None)`: from the
    /// editor or standard input), checked: not empty, its clock times in each reader's
    /// zone, and a warning where it names what `clients` must not read.
    pub fn client_message(
        &self,
        value: Option<&Option<String>>,
        incident: &Incident,
        state: &crate::state::State,
        clients: &[&str],
    ) -> anyhow::Result<Option<String>> {
        let Some(value) = value else {
            return Ok(None);
        };
        let text = crate::text::multi_line(&crate::editor::flag_text(
            value.as_deref(),
            "--client-message",
        )?);
        if text.trim().is_empty() {
            anyhow::bail!(
                "--client-message is empty: say what the client is told, or leave it out for the standard wording"
            );
        }
        crate::facts::times::check("--client-message", &[&text])?;
        for client in clients {
            crate::pir::rfo::leaks::warn(&self.repo.config, incident, state, client, &text);
        }
        Ok(Some(text))
    }

    /// Whether changes are committed (no `--no-commit`, `git.commit` on); outside a git
    /// work tree they are only written.
    pub fn commits(&self) -> bool {
        !self.no_commit && self.repo.config.git.commit
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

    /// Whether a file of the repository has changes that are not committed, and this run
    /// commits: a command that rendered from its text (read once) commits that text too.
    pub fn is_uncommitted(&self, path: &std::path::Path) -> anyhow::Result<bool> {
        if !self.commits() || !git::in_work_tree(&self.repo.root) {
            return Ok(false);
        }
        Ok(!git::uncommitted(&self.repo.root, self.repo.relative(path))?.is_empty())
    }

    /// The text of a file of the repository when it has changes that are not committed
    /// (and this run commits): commands that render from it commit it too (`pir.md`).
    pub fn changed_file(&self, path: &std::path::Path) -> anyhow::Result<Option<String>> {
        if !self.is_uncommitted(path)? {
            return Ok(None);
        }
        crate::safe_fs::read_optional(&self.repo.root, path)
            .with_context(|| format!("reading {}", self.repo.relative(path).display()))
    }

    /// A new incident's files in `dir`: its record, and its timeline (the header, then
    /// `lines`), each opening with its schema line where the repository has the schemas
    /// (editors check the files against them).
    pub fn new_incident(
        &self,
        dir: &std::path::Path,
        record: &crate::model::Record,
        lines: &str,
    ) -> anyhow::Result<Change> {
        let modeline = |file: &str| {
            let schemas = self.repo.root.join(crate::schema::DIR);
            if schemas.join(file).is_file() {
                crate::schema::modeline(file, 2)
            } else {
                String::new()
            }
        };
        let mut change = Change::new();
        change
            .put(
                dir.join(crate::model::RECORD_FILE),
                format!(
                    "{}{}",
                    modeline("incident.yaml.json"),
                    serde_yaml::to_string(record)?
                ),
            )
            .put(
                dir.join(crate::model::TIMELINE_FILE),
                format!(
                    "{}{}{lines}",
                    modeline("timeline.json"),
                    crate::model::timeline::HEADER
                ),
            );
        Ok(change)
    }

    /// The messages `files` of `incident`'s outbox as people name them: relative to the
    /// repository root (`incidents/ID/outbox/NAME`).
    pub fn outbox_paths(&self, incident: &Incident, files: &[String]) -> Vec<String> {
        let dir = self
            .repo
            .relative(&incident.dir)
            .join(crate::comms::outbox::OUTBOX_DIR);
        files
            .iter()
            .map(|f| dir.join(f).display().to_string())
            .collect()
    }

    /// Before mail goes out: wait until the team has the commit (`git.sync: auto`).
    pub(crate) fn before_mail(&self, id: &str) -> anyhow::Result<()> {
        self.sync.before_mail(&self.repo, id, self.clock)
    }

    /// After the command under the lock: share its commit with the team's remote
    /// (`git.sync: auto`), or ask for the command to run again on newer history.
    pub(crate) fn sync_out(&self, result: anyhow::Result<()>) -> crate::sync::Next {
        self.sync.after(&self.repo, result, self.clock)
    }

    /// A status change that needs nothing but its event: check `transition` is legal now,
    /// record it, and say so (the new state with `--json`).
    pub fn transition(
        &self,
        incident: Incident,
        transition: crate::lifecycle::Transition,
        event: impl Fn(crate::lifecycle::Status) -> Event,
        summary: &str,
    ) -> anyhow::Result<()> {
        let state = self.state(&incident);
        crate::lifecycle::check(transition, &incident.id, state.status)?;
        let entry = self.entry(&incident, event(state.status))?;
        self.record_event(&incident, &entry, summary)?;
        if self.json {
            // The new state, as `mim show --json` derives it.
            let after = self.state(&incident.with_entry(&entry));
            self.print_json(&serde_json::json!({
                "id": incident.id,
                "from": state.status,
                "status": after.status,
                "priority": after.priority,
                "manager": after.manager,
                "at": crate::time::format(&entry.at),
                "by": entry.by,
            }))?;
        } else {
            eprintln!("{}: {} → {}", incident.id, state.status, transition.to());
        }
        Ok(())
    }

    pub fn print_json(&self, value: &impl serde::Serialize) -> anyhow::Result<()> {
        // Repository text in JSON: escaped so a terminal shows it, not obeys it.
        println!("{}", crate::text::json_for_terminal(value)?);
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
