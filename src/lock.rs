//! The repository lock: one mutating mim at a time, from its first read to the end of
//! its commit.
//!
//! An advisory lock (`flock`-style, through `std::fs::File::lock`) on `mim.lock` in the
//! git directory. The operating system releases it when the process ends, however it
//! ends, so a killed mim never leaves it behind and nobody is ever told to delete it.
//! The holder writes who it is (pid, command line, since when) into the file, so a mim
//! that waits too long can say whom it waited for.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

/// The lock file's name in the git directory (or the repository root outside git).
pub const FILE_NAME: &str = "mim.lock";

/// A held repository lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct RepoLock {
    _file: File,
}

/// Another mim held the lock for longer than the configured wait.
#[derive(Debug)]
pub struct Busy {
    pub holder: String,
    pub waited: Duration,
}

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "another mim is changing this repository ({}); waited {}s for it (git.lock_timeout in mim.yaml). \
             It releases the lock when it finishes: run the command again then",
            self.holder,
            self.waited.as_secs()
        )
    }
}

impl std::error::Error for Busy {}

fn open(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("opening the repository lock {}", path.display()))
}

/// Take the lock at `path`, waiting up to `timeout` for another mim to release it.
/// `command` (the command line) is recorded for whoever waits next.
pub fn acquire(path: &Path, timeout: Duration, command: &str) -> anyhow::Result<RepoLock> {
    let mut file = open(path)?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                if start.elapsed() >= timeout {
                    return Err(Busy {
                        holder: holder(path),
                        waited: start.elapsed(),
                    }
                    .into());
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(25));
            }
            Err(TryLockError::Error(e)) => {
                return Err(e)
                    .with_context(|| format!("locking the repository ({})", path.display()));
            }
        }
    }
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let info = format!(
        "pid: {}\ncommand: {}\nsince: {since}\n",
        std::process::id(),
        crate::text::clip(command, 300)
    );
    // Best effort: the lock is what matters, the text only explains it.
    let _ = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(info.as_bytes()));
    Ok(RepoLock { _file: file })
}

/// Whether the lock at `path` is free right now (nobody holds it); it is not kept.
pub fn is_free(path: &Path) -> bool {
    match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file.try_lock().is_ok(),
        Err(_) => true,
    }
}

/// "pid 123, `mim note …`, since 2026-11-24T09:00:00Z", from the lock file.
fn holder(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut f) = File::open(path) {
        let _ = Read::by_ref(&mut f).take(4096).read_to_string(&mut text);
    }
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match (field("pid:"), field("command:"), field("since:")) {
        (Some(pid), command, since) => {
            let mut out = format!("pid {pid}");
            if let Some(c) = command {
                out.push_str(&format!(", `{c}`"));
            }
            if let Some(s) = since {
                out.push_str(&format!(", since {s}"));
            }
            out
        }
        _ => "a mim that has not said who it is yet".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_names_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let first = acquire(&path, Duration::ZERO, "mim note x hello").unwrap();
        assert!(!is_free(&path));
        let err = acquire(&path, Duration::from_millis(30), "mim note y").unwrap_err();
        let busy = err.downcast_ref::<Busy>().expect("busy");
        assert!(
            busy.holder.starts_with(&format!(
                "pid {}, `mim note x hello`, since ",
                std::process::id()
            )),
            "{}",
            busy.holder
        );
        assert!(!err.to_string().contains("delete"), "{err}");
        drop(first);
        assert!(is_free(&path));
        let again = acquire(&path, Duration::ZERO, "mim note y").unwrap();
        drop(again);
    }
}
