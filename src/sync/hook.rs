//! The calls a mutating command makes (through `Ctx`): before it, bring the clone up
//! to date; before mail, share; after it, share, or run it again on newer history.

use std::time::Instant;

use crate::repo::Repo;
use crate::time::Timestamp;

use super::engine::{CONTENDED, Progress, REDOS};
use super::{Engine, Mode, Setup, Sharing, gitx, setup};

/// What a mutating command's run does with the remote: the calls `Ctx` makes before
/// the command, before sending mail, and after it.
#[derive(Default)]
pub struct Hook {
    run: std::sync::Mutex<Run>,
}

#[derive(Default)]
struct Run {
    engine: Option<Engine>,
    /// Why this run does not share: offline, a rewritten remote, a refusal.
    blocked: Option<String>,
    /// HEAD when the command began, after the clone was brought up to date.
    start: Option<String>,
    /// The command's commits were dropped and it must run again: why.
    redo: Option<String>,
    redos: u32,
    /// Mail went out in this run: its commits are never recorded again.
    irreversible: bool,
    /// "not shared" said already.
    said: bool,
    /// `git.sync: auto` asked for, but impossible: mail waits too.
    broken: bool,
}

/// What follows a command's run.
pub enum Next {
    Done(anyhow::Result<()>),
    /// The command must run again on the newer history.
    Again,
}

/// The error a command returns when its commits were dropped to be recorded again.
#[derive(Debug)]
pub struct Redo(pub String);

impl std::fmt::Display for Redo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the remote moved on while this was recorded ({}); recording it again on top",
            self.0
        )
    }
}

impl std::error::Error for Redo {}

impl Hook {
    fn state(&self) -> std::sync::MutexGuard<'_, Run> {
        self.run.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Before a mutating command (the lock held): fetch and bring the clone up to date.
    /// Whether the branch moved (the configuration may have changed).
    pub fn before(&self, repo: &Repo, now: Timestamp) -> bool {
        let mut run = self.state();
        if run.engine.is_none() && !run.broken {
            match setup(&repo.root, &repo.config.git) {
                Setup::On(s) if s.mode == Mode::Auto => {
                    run.engine = Some(Engine::new(&repo.root, s));
                }
                Setup::Broken(why) => {
                    run.broken = true;
                    run.blocked = Some(why);
                    return false;
                }
                _ => return false,
            }
        }
        let Some(engine) = &run.engine else {
            return false;
        };
        if let Err(e) = engine.recover() {
            eprintln!("warning: {e:#}");
        }
        let before = gitx::commit_of(&repo.root, "HEAD");
        let outcome = engine.update(&repo.config, &[], engine.settings.timeout, now);
        let (blocked, set_aside) = match outcome {
            Ok(Ok((_, i))) => (None, i.set_aside),
            Ok(Err(why)) => (Some(why), Vec::new()),
            Err(e) => (Some(format!("{e:#}")), Vec::new()),
        };
        for text in set_aside {
            eprintln!("set aside: {text}");
        }
        let head = gitx::commit_of(&repo.root, "HEAD");
        run.blocked = blocked;
        run.start = head.clone();
        head != before
    }

    /// Before mail goes out: share the commit first (with `git.sync: auto`). An error
    /// says why nothing was sent; [`Redo`] when the command must run again.
    pub fn before_mail(&self, repo: &Repo, id: &str, now: Timestamp) -> anyhow::Result<()> {
        match self.share(repo, now) {
            Sharing::Off => Ok(()),
            Sharing::Shared => {
                self.state().irreversible = true;
                Ok(())
            }
            Sharing::Redo(why) => Err(Redo(why).into()),
            Sharing::NotShared(why) => {
                self.state().said = true;
                anyhow::bail!(
                    "nothing was sent: the commit is not shared with the team yet ({why}). \
                     The messages stay in outbox/; `mim send {id}` sends them once it is \
                     (`mim sync` shares it)"
                )
            }
        }
    }

    fn share(&self, repo: &Repo, now: Timestamp) -> Sharing {
        let mut run = self.state();
        if let Some(why) = &run.redo {
            return Sharing::Redo(why.clone());
        }
        let Some(engine) = &run.engine else {
            return match (&run.blocked, run.broken) {
                (Some(why), true) => Sharing::NotShared(why.clone()),
                _ => Sharing::Off,
            };
        };
        if let Some(why) = &run.blocked {
            return Sharing::NotShared(why.clone());
        }
        let this_run = (!run.irreversible && run.redos < REDOS)
            .then(|| run.start.clone())
            .flatten();
        let deadline = Instant::now() + engine.settings.timeout * CONTENDED;
        let mut progress = Progress::default();
        let result = engine.share(
            &repo.config,
            this_run.as_deref(),
            deadline,
            now,
            &mut progress,
        );
        for text in progress.set_aside {
            eprintln!("set aside: {text}");
        }
        match result {
            Ok(Sharing::Redo(why)) => {
                run.redo = Some(why.clone());
                Sharing::Redo(why)
            }
            Ok(Sharing::NotShared(why)) => {
                run.blocked = Some(why.clone());
                Sharing::NotShared(why)
            }
            Ok(other) => other,
            Err(e) => {
                let why = format!("{e:#}");
                run.blocked = Some(why.clone());
                Sharing::NotShared(why)
            }
        }
    }

    /// After the command: share its commits. [`Next::Again`] when they could not stand
    /// on the remote's newer history and the command must run again on top of it.
    pub fn after(&self, repo: &Repo, result: anyhow::Result<()>, now: Timestamp) -> Next {
        let sharing = self.share(repo, now);
        let mut run = self.state();
        match sharing {
            Sharing::Redo(why) if run.redos < REDOS => {
                run.redos += 1;
                run.redo = None;
                eprintln!("{}", Redo(why));
                return Next::Again;
            }
            Sharing::Redo(why) => {
                run.redo = None;
                run.blocked = Some(format!("recorded {REDOS} times, each time {why}"));
                drop(run);
                self.say();
            }
            Sharing::NotShared(_) => {
                drop(run);
                self.say();
            }
            Sharing::Off | Sharing::Shared => {}
        }
        let result = match result {
            Err(e) if e.downcast_ref::<Redo>().is_some() => Ok(()),
            other => other,
        };
        Next::Done(result)
    }

    /// The one line that says this clone's commits are not shared, and why.
    fn say(&self) {
        let mut run = self.state();
        if run.said {
            return;
        }
        run.said = true;
        let why = run.blocked.clone().unwrap_or_default();
        let waiting = run
            .engine
            .as_ref()
            .map(|e| e.unshared())
            .filter(|u| u.commits > 0)
            .map(|u| {
                format!(
                    "{} wait{}",
                    crate::text::plural(u.commits, "commit"),
                    if u.commits == 1 { "s" } else { "" }
                )
            });
        eprintln!(
            "not shared yet{}: {why}; the next mim command or `mim sync` shares it",
            waiting.map(|w| format!(" ({w})")).unwrap_or_default()
        );
    }
}
