//! Talking to the remote: `git fetch` and `git push`, each bounded in time and never
//! asking anyone anything. git runs in its own process group with no terminal prompt
//! (`GIT_TERMINAL_PROMPT=0`) and, unless the user configured ssh themselves, ssh in
//! batch mode; when the time is up the whole group (git, ssh, a credential helper) is
//! stopped: asked first, so git removes its lock files, then killed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Settings;
use super::gitx::{self, read_all};

/// What a git process that talked to the remote did.
pub(super) struct Talk {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
    /// Stopped because the time was up.
    pub timed_out: bool,
}

impl Talk {
    /// What git said, in one line, for "not shared: …".
    pub fn said(&self) -> String {
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        // git's first complaint says it; what follows is advice for git's own users.
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("hint:"))
            .unwrap_or("git said nothing");
        let first = first
            .strip_prefix("fatal: ")
            .or_else(|| first.strip_prefix("error: "))
            .unwrap_or(first);
        crate::text::clip(first, 300)
    }
}

/// The git command that talks to the remote, with the environment that keeps it from
/// prompting.
fn command(root: &Path, s: &Settings) -> Command {
    let mut cmd = gitx::git(root);
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .env("SSH_ASKPASS_REQUIRE", "never")
        .env_remove("GIT_LITERAL_PATHSPECS");
    if s.default_ssh {
        cmd.env(
            "GIT_SSH_COMMAND",
            format!(
                "ssh -o BatchMode=yes -o ConnectTimeout={}",
                s.timeout.as_secs().max(1)
            ),
        );
    }
    cmd
}

/// Run git with `args` against the remote, for at most `limit`. `fault` names the
/// fault-injection point hit once git is running (for the crash tests).
pub(super) fn talk(
    root: &Path,
    s: &Settings,
    args: &[String],
    limit: Duration,
    fault: Option<&str>,
) -> anyhow::Result<Talk> {
    let mut cmd = command(root, s);
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    own_group(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| anyhow::anyhow!("running git (is git installed?): {e}"))?;
    if let Some(point) = fault {
        crate::fault::fault(point);
    }
    let out = child
        .stdout
        .take()
        .map(|o| std::thread::spawn(|| read_all(o)));
    let err = child
        .stderr
        .take()
        .map(|e| std::thread::spawn(|| read_all(e)));
    let (status, timed_out) = wait(&mut child, limit);
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(Talk {
        ok: !timed_out && status.is_some_and(|s| s.success()),
        stdout,
        stderr,
        timed_out,
    })
}

#[cfg(unix)]
fn own_group(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
}

#[cfg(not(unix))]
fn own_group(_cmd: &mut Command) {}

/// Wait for `child` up to `limit`; past it, stop its whole process group.
fn wait(child: &mut Child, limit: Duration) -> (Option<std::process::ExitStatus>, bool) {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return (Some(status), false),
            Ok(None) => {}
            Err(_) => return (None, false),
        }
        if start.elapsed() >= limit {
            break;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
    stop(child);
    (child.wait().ok(), true)
}

/// Ask the group to end (git removes its lock files on SIGTERM), then kill it.
#[cfg(unix)]
fn stop(child: &mut Child) {
    let Ok(pid) = i32::try_from(child.id()) else {
        let _ = child.kill();
        return;
    };
    // SAFETY: signalling the process group this child leads (it was started with its
    // own group); no memory is involved.
    unsafe {
        libc::kill(-pid, libc::SIGTERM);
    }
    let grace = Instant::now();
    while grace.elapsed() < Duration::from_millis(300) {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: as above; whatever is left of the group (ssh, a helper) is killed.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn stop(child: &mut Child) {
    let _ = child.kill();
}
