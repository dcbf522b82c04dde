//! Seals: tamper evidence that survives a rewrite of history. `mim audit --seal` records
//! the audited head of a branch as a seal commit under `refs/mim/seals/` (signed where
//! git signs commits); every `mim audit` checks that each seal of the branch it audits is
//! still in the history of HEAD, and names what a rewrite took away. A seal pushed to the
//! team's remote is a copy the rewriter cannot quietly change. See docs/audit.md.
//!
//! A seal commit has the sealed commit's tree and the sealed commit as its parent, so
//! the sealed history stays reachable (and is pushed with the seal); its message carries
//! `Sealed:`, `Tree:` and `Branch:` trailers, which a rewritten seal no longer matches.

use serde::Serialize;

use crate::audit::Audit;
use crate::git;
use crate::git::seal::{self as refs, CommitLine, SealRef};
use crate::time::{self, Timestamp};

use std::path::Path;

/// The append-only files whose sealed lines must all still be there at HEAD.
const APPEND_ONLY: [&str; 2] = ["incidents/*/timeline.yaml", "incidents/*/outbox/sent.log"];

/// How many sealed commits and lines a rewrite report lists (it counts them all).
const LISTED: usize = 20;

/// How many seals made at one instant [`newest`] compares by their history.
const NEWEST_OF: usize = 100;

/// A seal as recorded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Seal {
    /// The seal commit (its ref is `refs/mim/seals/<seal>`).
    pub seal: String,
    #[serde(rename = "ref")]
    pub reference: String,
    /// The commit that was audited and sealed.
    pub sealed: String,
    pub branch: Option<String>,
    /// Who sealed it, and when.
    pub by: String,
    #[serde(with = "time::rfc3339::option")]
    pub at: Option<Timestamp>,
}

/// A ref under `refs/mim/seals/` that is not a seal as mim made it: something else put
/// there, or a seal rewritten along with the history (its trailers no longer match).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Invalid {
    #[serde(rename = "ref")]
    pub reference: String,
    pub message: String,
}

/// A seal of the audited branch that HEAD's history does not hold, but a remote-tracking
/// branch of the same name does: this clone is behind, nothing was rewritten.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Behind {
    #[serde(flatten)]
    pub seal: Seal,
    /// `origin/main`.
    pub remote: String,
}

/// A line of an append-only file in the sealed commit that HEAD no longer has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gone {
    pub file: String,
    /// Its line in the sealed version.
    pub line: usize,
    pub text: String,
}

/// What a rewrite took away, seen from the newest seal it broke.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rewrite {
    /// The seal it is seen from.
    pub seal: String,
    /// `good`, `bad`, `unverified` or `none` (see [`signature_word`]), and the signer.
    pub signature: String,
    pub signer: Option<String>,
    /// How many commits of the sealed history are not in HEAD's.
    pub missing_commits: usize,
    /// The first of them, oldest first.
    pub missing: Vec<Missing>,
    /// How many lines of sealed timelines and sent logs HEAD no longer has.
    pub gone_lines: usize,
    pub gone: Vec<Gone>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Missing {
    pub commit: String,
    pub subject: String,
    pub author: String,
    pub author_date: String,
}

/// Every seal of the audited branch, checked against HEAD.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// The branch audited; `None`: HEAD is on no branch and none was given.
    pub branch: Option<String>,
    /// The seals of that branch.
    pub checked: usize,
    /// Of those, the ones still in the history of HEAD.
    pub held: usize,
    /// The newest seal of the branch that holds.
    pub latest: Option<Seal>,
    pub behind: Vec<Behind>,
    /// Seals whose sealed commit is no longer in the history: it was rewritten. The one
    /// the rewrite is seen from first.
    pub rewritten: Vec<Seal>,
    /// What the rewrite took away, from the newest rewritten seal.
    pub rewrite: Option<Rewrite>,
    pub invalid: Vec<Invalid>,
    /// Seals of other branches (not checked).
    pub other_branches: usize,
    /// The seals that hold.
    #[serde(skip)]
    pub holding: Vec<Seal>,
}

impl Report {
    /// No seal broken: nothing rewritten, no seal tampered with.
    pub fn holds(&self) -> bool {
        self.rewritten.is_empty() && self.invalid.is_empty()
    }

    /// The seal of the audited branch that seals `head`, if there is one.
    pub fn sealing(&self, head: &str) -> Option<&Seal> {
        self.holding.iter().find(|s| s.sealed == head)
    }
}

/// Read a ref under `refs/mim/seals/` as a seal.
pub fn parse(r: &SealRef) -> Result<Seal, Invalid> {
    let invalid = |message: String| Invalid {
        reference: r.name.clone(),
        message,
    };
    if r.kind != "commit" {
        return Err(invalid(format!(
            "is not a seal: it names a {}, not a seal commit made by `mim audit --seal`",
            if r.kind.is_empty() {
                "missing object"
            } else {
                &r.kind
            }
        )));
    }
    let lines: Vec<&str> = r.message.lines().collect();
    let trailers = crate::audit::trailers(&lines);
    let trailer = |key: &str| {
        trailers
            .iter()
            .rfind(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    let Some(sealed) = trailer("Sealed") else {
        return Err(invalid(
            "is not a seal: its commit has no `Sealed:` trailer".into(),
        ));
    };
    let parent = r.parents.first().map(String::as_str).unwrap_or("none");
    if parent != sealed {
        return Err(invalid(format!(
            "was rewritten: it says it sealed {}, but its parent is {} (a seal is rewritten with the history it sealed)",
            crate::audit::short(&sealed),
            crate::audit::short(parent)
        )));
    }
    if trailer("Tree").is_some_and(|t| t != r.tree) {
        return Err(invalid(format!(
            "was rewritten: it says the sealed tree is {}, but its own tree is {}",
            crate::audit::short(&trailer("Tree").unwrap_or_default()),
            crate::audit::short(&r.tree)
        )));
    }
    Ok(Seal {
        seal: r.object.clone(),
        reference: r.name.clone(),
        sealed,
        branch: trailer("Branch"),
        by: r.author.clone(),
        at: chrono::DateTime::parse_from_rfc3339(&r.date).ok(),
    })
}

/// Check every seal of `branch` against `head` (a full hash).
pub fn check(root: &Path, head: &str, branch: Option<&str>) -> anyhow::Result<Report> {
    let mut report = Report {
        branch: branch.map(String::from),
        ..Report::default()
    };
    let mut seals = Vec::new();
    for r in refs::list(root)? {
        match parse(&r) {
            Ok(seal) => seals.push(seal),
            Err(invalid) => report.invalid.push(invalid),
        }
    }
    seals.sort_by(|a, b| a.at.cmp(&b.at).then(a.seal.cmp(&b.seal)));
    let (ours, others): (Vec<Seal>, Vec<Seal>) = seals
        .into_iter()
        .partition(|s| branch.is_some() && s.branch.as_deref() == branch);
    report.other_branches = others.len();
    report.checked = ours.len();
    let Some(branch) = branch else {
        return Ok(report);
    };
    let sealed: Vec<String> = ours.iter().map(|s| s.sealed.clone()).collect();
    let outside = refs::not_in_history(root, &sealed, head)?;
    // Of those HEAD lacks, the ones a remote-tracking branch of the same name holds.
    let mut on_remote: Vec<(String, String)> = Vec::new();
    if !outside.is_empty() {
        let lacking: Vec<String> = outside.iter().cloned().collect();
        for remote in refs::remote_branches(root, branch)? {
            let missing = refs::not_in_history(root, &lacking, &remote)?;
            let name = remote.trim_start_matches("refs/remotes/").to_string();
            on_remote.extend(
                lacking
                    .iter()
                    .filter(|c| !missing.contains(*c))
                    .map(|c| (c.clone(), name.clone())),
            );
        }
    }
    for seal in ours {
        if !outside.contains(&seal.sealed) {
            report.held += 1;
            report.holding.push(seal);
        } else if let Some((_, remote)) = on_remote.iter().find(|(c, _)| *c == seal.sealed) {
            let remote = remote.clone();
            report.behind.push(Behind { seal, remote });
        } else {
            report.rewritten.push(seal);
        }
    }
    report.latest = newest(root, &report.holding)?;
    if let Some(newest) = newest(root, &report.rewritten)? {
        // Listed newest first, the one the rewrite is seen from at the top.
        report
            .rewritten
            .sort_by_key(|s| (s.sealed != newest.sealed, std::cmp::Reverse(s.at)));
        report.rewrite = Some(rewrite(root, &newest, head)?);
    }
    Ok(report)
}

/// The newest of `seals`: of those made last, the one whose sealed commit no other has
/// in its history (the latest made, of several such). Seals made in one second (or
/// dated alike) are told apart by their history, at most [`NEWEST_OF`] of them.
fn newest(root: &Path, seals: &[Seal]) -> anyhow::Result<Option<Seal>> {
    let Some(last) = seals.iter().map(|s| s.at).max() else {
        return Ok(None);
    };
    let mut sealed: Vec<String> = seals
        .iter()
        .filter(|s| s.at == last)
        .rev()
        .take(NEWEST_OF)
        .map(|s| s.sealed.clone())
        .collect();
    sealed.sort();
    sealed.dedup();
    let tips = refs::newest(root, &sealed)?;
    Ok(seals
        .iter()
        .filter(|s| tips.contains(&s.sealed))
        .max_by(|a, b| a.at.cmp(&b.at).then(a.seal.cmp(&b.seal)))
        .cloned())
}

/// What HEAD's history lacks of what `seal` sealed.
fn rewrite(root: &Path, seal: &Seal, head: &str) -> anyhow::Result<Rewrite> {
    let missing = refs::missing_commits(root, &seal.sealed, head)?;
    let gone = gone_lines(&refs::diff(root, &seal.sealed, head, &APPEND_ONLY)?);
    let (code, signer) = refs::signature(root, &seal.seal);
    Ok(Rewrite {
        seal: seal.seal.clone(),
        signature: signature_word(code).to_string(),
        signer: (!signer.is_empty()).then_some(signer),
        missing_commits: missing.len(),
        missing: missing
            .into_iter()
            .take(LISTED)
            .map(|c: CommitLine| Missing {
                commit: c.hash,
                subject: c.subject,
                author: c.author,
                author_date: c.date,
            })
            .collect(),
        gone_lines: gone.len(),
        gone: gone.into_iter().take(LISTED).collect(),
    })
}

/// git's `%G?` in a word: `good` (G, U), `bad` (B), `none` (N), else `unverified`
/// (expired or revoked key, or no key here to check it with).
pub fn signature_word(code: char) -> &'static str {
    match code {
        'G' | 'U' => "good",
        'B' => "bad",
        'N' => "none",
        _ => "unverified",
    }
}

/// The lines a `git diff --unified=0` removes, with their line in the old version.
pub fn gone_lines(diff: &str) -> Vec<Gone> {
    let mut out = Vec::new();
    let mut file = String::new();
    let mut lines = diff.lines();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            file = crate::audit::diff_path(rest);
        } else if let Some(rest) = line.strip_prefix("--- a/") {
            file = rest.to_string();
        } else if let Some(rest) = line.strip_prefix("@@ ")
            && let Some(((old_start, removed), (_, added))) = crate::audit::hunk_header(rest)
        {
            let (mut r, mut a) = (0, 0);
            while r < removed || a < added {
                let Some(line) = lines.next() else { break };
                if let Some(text) = line.strip_prefix('-') {
                    out.push(Gone {
                        file: file.clone(),
                        line: old_start + r,
                        text: text.to_string(),
                    });
                    r += 1;
                } else if line.starts_with('+') {
                    a += 1;
                }
            }
        }
    }
    out
}

/// The seal commit's message: what was audited, and the trailers a check reads.
pub fn message(
    head: &str,
    tree: &str,
    branch: &str,
    since: Option<&str>,
    audit: &crate::audit::Audit,
    actor: &str,
) -> String {
    let mut text = format!(
        "mim seal of {branch} at {}\n\n\
         mim audit found the history append-only up to here: {}, {}{}.\n\n\
         Sealed: {head}\nTree: {tree}\nBranch: {branch}\n",
        crate::audit::short(head),
        crate::text::plural(audit.commits, "commit"),
        crate::text::plural(audit.incidents.len(), "incident"),
        match since {
            Some(s) => format!(" after {}", crate::audit::short(s)),
            None => String::new(),
        }
    );
    if let Some(since) = since {
        text.push_str(&format!("Since: {since}\n"));
    }
    text.push_str(&format!("Actor: {}\n", crate::text::clip(actor, 200)));
    text
}

/// A seal made (or found) by `--seal`.
#[derive(serde::Serialize)]
pub struct Sealed {
    #[serde(rename = "ref")]
    pub reference: String,
    pub seal: String,
    pub sealed: String,
    pub branch: String,
    pub signed: bool,
    /// False when HEAD was sealed already (nothing new was made).
    pub new: bool,
}

/// Seal `head` of `branch` as `author` (the audit's actor, at the real time), unless a
/// seal of it exists already.
pub fn make(
    root: &Path,
    author: git::Authorship,
    head: &str,
    branch: &str,
    since: Option<&str>,
    result: &Audit,
    seals: &Report,
) -> anyhow::Result<Sealed> {
    if let Some(existing) = seals.sealing(head) {
        return Ok(Sealed {
            reference: existing.reference.clone(),
            seal: existing.seal.clone(),
            sealed: head.to_string(),
            branch: branch.to_string(),
            signed: refs::is_signed(root, &existing.seal),
            new: false,
        });
    }
    let tree = refs::tree_of(root, head)?;
    let message = message(head, &tree, branch, since, result, &author.name);
    let signed = crate::git::signs_commits(root);
    let commit = refs::create(root, head, &tree, &message, &author, signed)
        .map_err(|e| e.context("nothing sealed"))?;
    Ok(Sealed {
        reference: format!("{}{commit}", refs::SEALS),
        seal: commit,
        sealed: head.to_string(),
        branch: branch.to_string(),
        signed,
        new: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal_ref(message: &str, parent: &str, tree: &str) -> SealRef {
        SealRef {
            name: "refs/mim/seals/s1".into(),
            object: "s1".into(),
            kind: "commit".into(),
            parents: vec![parent.into()],
            tree: tree.into(),
            author: "CI".into(),
            date: "2026-12-01T10:00:00+00:00".into(),
            message: message.into(),
        }
    }

    #[test]
    fn a_seal_reads_back_from_its_message() {
        let audit = crate::audit::Audit {
            append_only: true,
            commits: 52,
            incidents: Vec::new(),
        };
        let text = message("h1", "t1", "main", None, &audit, "Sam Patel");
        assert!(text.starts_with("mim seal of main at h1\n\n"), "{text}");
        let seal = parse(&seal_ref(&text, "h1", "t1")).unwrap();
        assert_eq!(seal.sealed, "h1");
        assert_eq!(seal.branch.as_deref(), Some("main"));
        assert_eq!(seal.by, "CI");
        assert!(seal.at.is_some());
    }

    #[test]
    fn a_seal_rewritten_with_its_history_no_longer_matches() {
        let audit = crate::audit::Audit::default();
        let text = message("h1", "t1", "main", None, &audit, "Sam Patel");
        let moved = parse(&seal_ref(&text, "h2", "t1")).unwrap_err();
        assert!(moved.message.contains("was rewritten"), "{}", moved.message);
        let retreed = parse(&seal_ref(&text, "h1", "t2")).unwrap_err();
        assert!(retreed.message.contains("tree"), "{}", retreed.message);
        let not_a_seal = parse(&seal_ref("a commit\n", "h1", "t1")).unwrap_err();
        assert!(not_a_seal.message.contains("no `Sealed:`"));
        let mut tag = seal_ref(&text, "h1", "t1");
        tag.kind = "tag".into();
        assert!(parse(&tag).unwrap_err().message.contains("names a tag"));
    }

    #[test]
    fn removed_lines_are_read_with_their_old_line_numbers() {
        let diff = "diff --git a/incidents/x/timeline.yaml b/incidents/x/timeline.yaml\n\
                    index 1..2 100644\n\
                    --- a/incidents/x/timeline.yaml\n\
                    +++ b/incidents/x/timeline.yaml\n\
                    @@ -5 +5 @@\n\
                    -- {at: 09:30}\n\
                    +- {at: 09:40}\n\
                    @@ -8,2 +7,0 @@\n\
                    -- a\n\
                    -- b\n\
                    @@ -12,0 +11 @@\n\
                    +- new\n";
        let gone = gone_lines(diff);
        let found: Vec<(usize, &str)> = gone.iter().map(|g| (g.line, g.text.as_str())).collect();
        assert_eq!(found, [(5, "- {at: 09:30}"), (8, "- a"), (9, "- b")]);
        assert!(gone.iter().all(|g| g.file == "incidents/x/timeline.yaml"));
    }
}
