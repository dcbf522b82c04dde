//! Bringing the remote's history into this clone, with git's own merge machinery.
//!
//! Nothing of mine unshared: a fast-forward. Both sides with commits: each of my
//! unshared commits is replayed on the remote's history, oldest first, by
//! `git merge-tree --merge-base` (a cherry-pick in git's object store: the union merge
//! of `.gitattributes` applies, the work tree is not touched), keeping its message,
//! author and author date. The remote's side stands: a replayed commit that adds a
//! conflict to an incident's state (a status change after another that arrived first)
//! or whose change collides with the remote's in a file is set aside (see
//! [`super::conflicts`]), never shared, never lost. A commit of the command running now
//! is not set aside but recorded again on top (the caller runs the command again),
//! which is how an update number is always taken after everything the remote has.
//! History that cannot be replayed (a merge of mine, a commit a seal holds, a
//! hand-made commit that collides) is merged instead, or left for a person. Then the
//! branch and the work tree move to the result (see [`super::checkout`]).

use std::path::Path;

use anyhow::bail;

use crate::config::Config;

use super::conflicts;
use super::gitx::{self, git};
use super::judge;

/// What an integration did.
#[derive(Debug, Default)]
pub(super) struct Integration {
    /// The branch now.
    pub head: String,
    /// What was set aside, one paragraph each.
    pub set_aside: Vec<String>,
    /// Why the running command's commits must be recorded again (they were dropped).
    pub redo: Option<String>,
}

/// The result of a merge in git's object store.
enum Merged {
    Clean(String),
    Conflict(Vec<String>),
}

/// What the integration works on.
pub(super) struct Job<'a> {
    pub root: &'a Path,
    pub git_dir: &'a Path,
    pub config: &'a Config,
    /// `origin/main`, for messages.
    pub remote_name: &'a str,
    pub head: &'a str,
    pub remote: &'a str,
    /// The commits of the command running now: recorded again rather than set aside.
    pub this_run: &'a [String],
}

pub(super) fn integrate(job: &Job) -> anyhow::Result<Integration> {
    let root = job.root;
    let mut out = Integration {
        head: job.head.to_string(),
        ..Integration::default()
    };
    if job.head == job.remote || gitx::is_ancestor(root, job.remote, job.head) {
        return Ok(out);
    }
    let why = format!("mim sync: {}", job.remote_name);
    if gitx::is_ancestor(root, job.head, job.remote) {
        super::checkout::move_to(root, job.git_dir, job.head, job.remote, &why)?;
        out.head = job.remote.to_string();
        return Ok(out);
    }
    let commits = gitx::commits_between(root, Some(job.remote), job.head)?;
    let sealed = sealed(root);
    if commits
        .iter()
        .any(|(c, parents)| parents.len() != 1 || sealed.contains(c))
    {
        let merge = merge(job)?;
        super::checkout::move_to(root, job.git_dir, job.head, &merge, &why)?;
        out.head = merge;
        return Ok(out);
    }
    let mut tip = job.remote.to_string();
    for (commit, parents) in &commits {
        match replay(job, &mut out, &tip, commit, &parents[0])? {
            Step::Next(next) => tip = next,
            Step::Redo(reason) => {
                out.redo = Some(reason);
                break;
            }
        }
    }
    super::checkout::move_to(root, job.git_dir, job.head, &tip, &why)?;
    out.head = tip;
    Ok(out)
}

/// What replaying one commit came to: the new tip (the same when it was set aside or
/// is in the remote's history already), or the command running now must run again.
enum Step {
    Next(String),
    Redo(String),
}

/// Replay `commit` (whose parent is `parent`) on `tip`: cleanly, set aside when it
/// conflicts with the remote's history (a mim commit made earlier), or to be redone
/// (the command running now).
fn replay(
    job: &Job,
    out: &mut Integration,
    tip: &str,
    commit: &str,
    parent: &str,
) -> anyhow::Result<Step> {
    let root = job.root;
    let info = gitx::info(root, commit)?;
    let ours = job.this_run.iter().any(|c| c == commit);
    let tree = match merge_tree(root, Some(parent), tip, commit)? {
        Merged::Clean(tree) => tree,
        Merged::Conflict(paths) => {
            let reason = format!(
                "it changed {}, which the remote's history changed too",
                paths.join(", ")
            );
            if ours {
                return Ok(Step::Redo(reason));
            }
            if !info.is_mim() {
                bail!(
                    "this clone's commit {} ({}) and the remote's history both changed {}: \
                     merge them by hand (`git pull`), then `mim sync`",
                    crate::audit::short(commit),
                    info.subject,
                    paths.join(", ")
                );
            }
            out.set_aside.push(set_aside(job, &info, parent, &reason)?);
            return Ok(Step::Next(tip.to_string()));
        }
    };
    if tree == gitx::tree_of(root, tip)? {
        // Its change is in the remote's history already.
        return Ok(Step::Next(tip.to_string()));
    }
    let verdict = judge_change(job, tip, &tree)?;
    if let Some((id, conflict)) = verdict.conflicts.first() {
        let reason = match judge::standing(root, job.config, id, tip) {
            Some(standing) => format!("by the time it reached the remote, {standing}"),
            None => format!("it conflicts with the remote's history: {conflict}"),
        };
        if ours {
            return Ok(Step::Redo(reason));
        }
        out.set_aside.push(set_aside(job, &info, parent, &reason)?);
        return Ok(Step::Next(tip.to_string()));
    }
    // The command running now is checked again against the newer history: its
    // number, and the time order of what it records. (A commit made offline
    // keeps them, and `mim validate` reports them.)
    if ours && !verdict.numbers.is_empty() {
        return Ok(Step::Redo(format!(
            "{} was taken meanwhile by another clone",
            verdict.numbers.join(", ")
        )));
    }
    if ours && let Some(problem) = verdict.out_of_order.first() {
        return Ok(Step::Redo(problem.clone()));
    }
    let author = (
        info.author.as_str(),
        info.email.as_str(),
        info.raw_date.as_str(),
    );
    Ok(Step::Next(gitx::commit_tree(
        root,
        &tree,
        &[tip],
        &info.message,
        Some(author),
    )?))
}

/// What the incidents a replayed `tree` touches say against `tip`: status conflicts
/// (with their incident), update numbers taken twice, entries out of time order.
#[derive(Default)]
struct Verdict {
    conflicts: Vec<(String, String)>,
    numbers: Vec<String>,
    out_of_order: Vec<String>,
}

fn judge_change(job: &Job, tip: &str, tree: &str) -> anyhow::Result<Verdict> {
    let mut out = Verdict::default();
    for id in touched(job.root, tip, tree)? {
        let v = judge::compare(job.root, job.config, &id, tip, tree)?;
        out.conflicts
            .extend(v.conflicts.into_iter().map(|c| (id.clone(), c)));
        out.numbers.extend(v.same_numbers);
        out.out_of_order.extend(v.out_of_order);
    }
    Ok(out)
}

/// Keep `info`'s commit on its conflict ref; the paragraph that says so.
fn set_aside(
    job: &Job,
    info: &gitx::CommitInfo,
    parent: &str,
    reason: &str,
) -> anyhow::Result<String> {
    let incidents = info.incidents();
    let incident = incidents
        .first()
        .cloned()
        .unwrap_or_else(|| "repository".into());
    let reapply = judge::added_entries(job.root, &incident, &info.commit, Some(parent))
        .iter()
        .find_map(|e| conflicts::reapply(&incident, e));
    let reference = conflicts::set_aside(job.root, info, &incident, reason, reapply.as_deref())?;
    let kept = conflicts::SetAside {
        incident,
        commit: info.commit.clone(),
        reference,
        subject: info.subject.clone(),
        by: info.actor(),
        at: info.date,
        reason: reason.to_string(),
        reapply,
        settled: None,
    };
    Ok(kept.describe(job.config.tz()))
}

/// Merge the remote into this clone's branch in one merge commit, for history that is
/// not replayed; refused where a file conflicts.
fn merge(job: &Job) -> anyhow::Result<String> {
    match merge_tree(job.root, None, job.head, job.remote)? {
        Merged::Clean(tree) => gitx::commit_tree(
            job.root,
            &tree,
            &[job.head, job.remote],
            &format!("Merge {} (mim sync)\n", job.remote_name),
            None,
        ),
        Merged::Conflict(paths) => bail!(
            "this clone's history and {}'s both changed {}: merge them by hand (`git pull`), then `mim sync`",
            job.remote_name,
            paths.join(", ")
        ),
    }
}

/// `git merge-tree --write-tree` of `ours` and `theirs` (with `base` as the merge base,
/// else theirs and ours' own).
fn merge_tree(root: &Path, base: Option<&str>, ours: &str, theirs: &str) -> anyhow::Result<Merged> {
    let mut cmd = git(root);
    cmd.args(["merge-tree", "--write-tree", "--name-only", "--no-messages"]);
    if let Some(base) = base {
        cmd.arg(format!("--merge-base={base}"));
    }
    cmd.args([ours, theirs]);
    let out = cmd
        .output()
        .map_err(|e| anyhow::anyhow!("running git merge-tree: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let tree = lines.next().unwrap_or_default().trim().to_string();
    match out.status.code() {
        Some(0) if !tree.is_empty() => Ok(Merged::Clean(tree)),
        Some(1) => {
            let mut paths: Vec<String> = lines
                .take_while(|l| !l.is_empty())
                .map(String::from)
                .collect();
            paths.dedup();
            Ok(Merged::Conflict(paths))
        }
        _ => {
            let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
            if said.contains("merge-base") || said.contains("write-tree") {
                bail!("sharing needs git 2.40 or later (git merge-tree --merge-base): {said}");
            }
            bail!("git merge-tree failed: {said}")
        }
    }
}

/// The incidents whose files differ between the trees of `a` and `b`.
fn touched(root: &Path, a: &str, b: &str) -> anyhow::Result<Vec<String>> {
    let mut cmd = git(root);
    cmd.args(["diff-tree", "-r", "--name-only", "-z", "--no-renames", a, b]);
    let out = gitx::output(cmd, "git diff-tree")?;
    let mut ids: Vec<String> = out
        .split('\0')
        .filter_map(|p| crate::repo::incident_of_path(p).map(|(id, _)| id.to_string()))
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The commits seals hold: those are never replayed (a seal names its commit).
fn sealed(root: &Path) -> Vec<String> {
    crate::git::seal::list(root)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| crate::seal::parse(r).ok())
        .map(|s| s.sealed)
        .collect()
}
