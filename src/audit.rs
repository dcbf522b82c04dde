//! `mim audit`'s history walk: read the git history of the incidents in one `git log`
//! (merges compared with each parent), and find what breaks the audit trail: timeline
//! entries changed or removed after they were committed, hand edits of incident files,
//! entries whose `Actor:` trailer is not their `by`, and backfilled entries.
//!
//! Reading the history is the only I/O here; [`parse_log`] and [`analyse`] are pure.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde::Serialize;

use crate::model::{Entry, RECORD_FILE, TIMELINE_FILE};
use crate::repo;
use crate::time::{self, Timestamp};

/// `outbox/sent.log`: append-only like the timeline, and the record of what was sent.
const SENT_LOG: &str = "outbox/sent.log";

/// Who made a commit, or authored it, and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub date: Timestamp,
}

/// One commit that touched incident files, with its diff against each parent.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    pub hash: String,
    pub parents: Vec<String>,
    pub author: Person,
    pub committer: Person,
    pub subject: String,
    pub trailers: Vec<(String, String)>,
    /// One per parent the commit differs from (none for a root commit's empty parent).
    pub diffs: Vec<Diff>,
}

impl Commit {
    fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The incident a mim commit says it records (all three trailers present).
    fn mim_incident(&self) -> Option<&str> {
        self.trailer("Event")?;
        self.trailer("Actor")?;
        self.trailer("Incident")
    }

    /// Whether this mim commit records incident `id`: a link is one commit for both
    /// incidents, with an `Incident:` trailer for each.
    fn records(&self, id: &str) -> bool {
        self.mim_incident().is_some()
            && self
                .trailers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("Incident") && v == id)
    }
}

/// The changes of a commit against one parent (`None`: a commit without parents).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diff {
    pub parent: Option<String>,
    pub files: Vec<FileDiff>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileDiff {
    /// Relative to the mim repository's root, e.g. `incidents/<id>/timeline.yaml`.
    pub path: String,
    pub hunks: Vec<Hunk>,
}

/// One hunk of a diff without context: lines removed at `old_start` (1-based, in the
/// version before) and lines added at `new_start` (in the version after).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hunk {
    pub old_start: usize,
    pub new_start: usize,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

/// Read the history of `path` (relative to `root`: `incidents` or one incident's
/// directory) up to `head` and after `since`, oldest first.
pub fn walk(
    root: &Path,
    paths: &[PathBuf],
    since: Option<&str>,
    head: &str,
) -> anyhow::Result<Vec<Commit>> {
    let range = match since {
        Some(rev) => format!("{rev}..{head}"),
        None => head.to_string(),
    };
    let text = crate::git::log(
        root,
        &[
            "--full-history",
            "--topo-order",
            "--diff-merges=separate",
            "--patch",
            "--unified=0",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--no-color",
            "--no-show-signature",
            "--no-abbrev-commit",
            "--pretty=raw",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--relative",
            &range,
        ],
        paths,
    )?;
    let mut commits = parse_log(&text);
    commits.reverse();
    Ok(commits)
}

/// The lines of `git log` output still to read.
type LogLines<'a> = std::iter::Peekable<std::str::Lines<'a>>;

/// Parse `git log --pretty=raw --patch --unified=0 --diff-merges=separate` output. A
/// merge appears once per parent (`commit H (from P)`); its diffs are gathered in one
/// [`Commit`].
pub fn parse_log(text: &str) -> Vec<Commit> {
    let mut commits: Vec<Commit> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(header) = line.strip_prefix("commit ") else {
            continue;
        };
        let (hash, parent) = commit_line(header);
        let mut commit = Commit {
            hash,
            parents: Vec::new(),
            author: unknown_person(),
            committer: unknown_person(),
            subject: String::new(),
            trailers: Vec::new(),
            diffs: Vec::new(),
        };
        read_headers(&mut lines, &mut commit);
        let message = read_message(&mut lines);
        commit.subject = message.first().map(|s| s.to_string()).unwrap_or_default();
        commit.trailers = trailers(&message);
        let diff = read_diff(
            &mut lines,
            parent.or_else(|| commit.parents.first().cloned()),
        );
        match commits.last_mut() {
            Some(last) if last.hash == commit.hash => last.diffs.push(diff),
            _ => {
                commit.diffs.push(diff);
                commits.push(commit);
            }
        }
    }
    commits
}

/// The hash of a `commit H` or `commit H (from P)` line (after `commit `), and the
/// parent `P` its diff is against, if named.
fn commit_line(header: &str) -> (String, Option<String>) {
    match header.split_once(" (from ") {
        Some((hash, from)) => (
            hash.trim().to_string(),
            Some(from.trim_end_matches(')').to_string()),
        ),
        None => (header.trim().to_string(), None),
    }
}

/// Read a commit's headers (`parent`, `author`, `committer`) into `commit`, up to and
/// including the blank line.
fn read_headers(lines: &mut LogLines, commit: &mut Commit) {
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if let Some(p) = line.strip_prefix("parent ") {
            commit.parents.push(p.trim().to_string());
        } else if let Some(a) = line.strip_prefix("author ") {
            commit.author = parse_person(a);
        } else if let Some(c) = line.strip_prefix("committer ") {
            commit.committer = parse_person(c);
        }
    }
}

/// The commit message's lines: those indented by four spaces, unindented.
fn read_message<'a>(lines: &mut LogLines<'a>) -> Vec<&'a str> {
    let mut message = Vec::new();
    while let Some(line) = lines.next_if(|l| l.starts_with("    ")) {
        message.push(&line[4..]);
    }
    message
}

/// The patch against `parent`: every file and hunk up to the next `commit ` line.
fn read_diff(lines: &mut LogLines, parent: Option<String>) -> Diff {
    let mut diff = Diff {
        parent,
        files: Vec::new(),
    };
    while let Some(line) = lines.next_if(|l| !l.starts_with("commit ")) {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            diff.files.push(FileDiff {
                path: diff_path(rest),
                hunks: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("+++ b/") {
            if let Some(file) = diff.files.last_mut() {
                file.path = rest.to_string();
            }
        } else if let Some(rest) = line.strip_prefix("@@ ")
            && let Some((old, new)) = hunk_header(rest)
        {
            let hunk = read_hunk(lines, old, new);
            if let Some(file) = diff.files.last_mut() {
                file.hunks.push(hunk);
            }
        }
    }
    diff
}

/// The removed and added lines of a hunk whose header said `old` = (start, count) and
/// `new` = (start, count). Without context, the counts say which lines are the hunk's.
fn read_hunk(lines: &mut LogLines, old: (usize, usize), new: (usize, usize)) -> Hunk {
    let mut hunk = Hunk {
        old_start: old.0,
        new_start: new.0,
        ..Hunk::default()
    };
    while hunk.removed.len() < old.1 || hunk.added.len() < new.1 {
        let Some(line) = lines.next() else { break };
        if let Some(text) = line.strip_prefix('-') {
            hunk.removed.push(text.to_string());
        } else if let Some(text) = line.strip_prefix('+') {
            hunk.added.push(text.to_string());
        }
    }
    hunk
}

fn unknown_person() -> Person {
    Person {
        name: String::new(),
        email: String::new(),
        date: DateTime::UNIX_EPOCH.fixed_offset(),
    }
}

/// `Name <email> 1795536000 +0100`.
fn parse_person(text: &str) -> Person {
    let mut person = unknown_person();
    let (who, when) = match text.rfind('>') {
        Some(i) => (&text[..=i], text[i + 1..].trim()),
        None => (text, ""),
    };
    match who.split_once(" <") {
        Some((name, email)) => {
            person.name = name.trim().to_string();
            person.email = email.trim_end_matches('>').to_string();
        }
        None => person.name = who.trim().to_string(),
    }
    let mut parts = when.split_whitespace();
    if let (Some(secs), Some(zone)) = (parts.next(), parts.next())
        && let Ok(secs) = secs.parse::<i64>()
        && let Some(offset) = parse_offset(zone)
        && let Some(utc) = DateTime::from_timestamp(secs, 0)
    {
        person.date = utc.with_timezone(&offset);
    }
    person
}

/// `+0100`, `-0530`.
fn parse_offset(zone: &str) -> Option<FixedOffset> {
    let sign = match zone.get(..1)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let hours: i32 = zone.get(1..3)?.parse().ok()?;
    let minutes: i32 = zone.get(3..5)?.parse().ok()?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// `Key: value` lines of the message's last paragraph.
pub fn trailers(message: &[&str]) -> Vec<(String, String)> {
    let end = message
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let start = message[..end]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |i| i + 1);
    if start == 0 {
        // The subject alone is no trailer block.
        return Vec::new();
    }
    message[start..end]
        .iter()
        .filter_map(|l| {
            let (key, value) = l.split_once(": ")?;
            let is_key =
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            is_key.then(|| (key.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// The path in `a/P b/P` (the same on both sides: renames are off).
pub fn diff_path(rest: &str) -> String {
    let rest = rest.strip_prefix("a/").unwrap_or(rest);
    let half = rest.len().saturating_sub(3) / 2;
    match rest.get(half..).and_then(|r| r.strip_prefix(" b/")) {
        Some(_) => rest[..half].to_string(),
        None => rest.split(" b/").next().unwrap_or(rest).to_string(),
    }
}

/// `-a[,b] +c[,d] @@ …` → ((a, b), (c, d)); a missing count is 1.
pub fn hunk_header(rest: &str) -> Option<((usize, usize), (usize, usize))> {
    let mut parts = rest.split_whitespace();
    let range = |s: &str| -> Option<(usize, usize)> {
        let (start, count) = match s.split_once(',') {
            Some((a, b)) => (a, b.parse().ok()?),
            None => (s, 1),
        };
        Some((start.parse().ok()?, count))
    };
    let old = range(parts.next()?.strip_prefix('-')?)?;
    let new = range(parts.next()?.strip_prefix('+')?)?;
    Some((old, new))
}

/// How bad a finding is: errors mean the history is not append-only (exit 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Info,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An entry changed after it was committed.
    Changed,
    /// An entry removed after it was committed.
    Removed,
    /// A commit without mim's trailers touched the file (or a merge added lines).
    HandEdit,
    /// An entry's `by` is not the `Actor:` of the commit that added it.
    ActorMismatch,
    /// An entry dated more than the margin before its commit.
    Backfilled,
}

/// One thing the audit found, with the commit it is in.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub level: Level,
    pub kind: Kind,
    pub incident: String,
    pub commit: String,
    pub subject: String,
    pub author: String,
    #[serde(with = "time::rfc3339")]
    pub author_date: Timestamp,
    pub committer: String,
    #[serde(with = "time::rfc3339")]
    pub commit_date: Timestamp,
    /// Relative to the repository's root.
    pub file: String,
    /// For a changed or removed line, its line in the version before the commit; for
    /// an added one, its line in the commit's version.
    pub line: Option<usize>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The timeline entry the finding is about, when the line reads as one.
    pub entry: Option<Entry>,
    pub message: String,
}

/// What the audit found for one incident.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IncidentAudit {
    pub id: String,
    /// How many of the commits walked touched its files.
    pub commits: usize,
    pub append_only: bool,
    pub findings: Vec<Finding>,
}

/// The whole audit, incidents in ID order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Audit {
    pub append_only: bool,
    pub commits: usize,
    pub incidents: Vec<IncidentAudit>,
}

/// Analyse `commits` (oldest first). `margin`: how long before its commit an entry may
/// be dated before it counts as backfilled.
pub fn analyse(commits: &[Commit], margin: TimeDelta) -> Audit {
    let mut incidents: BTreeMap<String, IncidentAudit> = BTreeMap::new();
    // Lines reported as changed or removed already, so a merge carrying the same
    // removal from one side is not reported again.
    let mut rewritten: HashSet<(String, String)> = HashSet::new();
    for commit in commits {
        let mut touched: Vec<String> = Vec::new();
        let mut findings = Vec::new();
        if commit.parents.len() > 1 {
            merge_findings(commit, &mut rewritten, &mut findings, &mut touched);
        } else if let Some(diff) = commit.diffs.first() {
            // Hand edits of other files (pir.md, plan.md): one finding per commit.
            let mut edited: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
            let moved = moved_files(diff);
            for file in &diff.files {
                let Some((id, name)) = incident_file(&file.path) else {
                    continue;
                };
                if moved.contains(file.path.as_str()) {
                    // The same file, line for line, in the other layout (`mim migrate`).
                    if !touched.iter().any(|t| t == id) {
                        touched.push(id.to_string());
                    }
                    continue;
                }
                if !touched.iter().any(|t| t == id) {
                    touched.push(id.to_string());
                }
                if !commit.records(id) && !is_protected(name) {
                    let dir = repo::incident_dir_of_path(&file.path).unwrap_or(id);
                    edited.entry((id, dir)).or_default().push(name);
                }
                file_findings(
                    commit,
                    id,
                    name,
                    file,
                    margin,
                    &mut rewritten,
                    &mut findings,
                );
            }
            for ((id, dir), names) in edited {
                findings.push(hand_edits(commit, id, dir, &names));
            }
        }
        for id in touched {
            let audit = incidents
                .entry(id.clone())
                .or_insert_with(|| IncidentAudit {
                    id,
                    ..IncidentAudit::default()
                });
            audit.commits += 1;
        }
        for finding in findings {
            incidents
                .get_mut(&finding.incident)
                .expect("touched above")
                .findings
                .push(finding);
        }
    }
    let mut incidents: Vec<IncidentAudit> = incidents.into_values().collect();
    for audit in &mut incidents {
        audit.append_only = !audit.findings.iter().any(|f| f.level == Level::Error);
        // Errors first, each level in history order.
        audit.findings.sort_by_key(|f| f.level);
    }
    Audit {
        append_only: incidents.iter().all(|i| i.append_only),
        commits: commits.len(),
        incidents,
    }
}

/// `incidents/<id>/<name>` (or `incidents/YYYY/MM/<id>/<name>`) → (id, name), for
/// files of incident directories only.
fn incident_file(path: &str) -> Option<(&str, &str)> {
    repo::incident_of_path(path).filter(|(_, name)| !name.is_empty())
}

/// The files of `diff` that moved between the layouts unchanged: an incident file
/// removed whole from one directory and added, line for line, as the same file of the
/// same incident in another.
fn moved_files(diff: &Diff) -> HashSet<&str> {
    fn lines(file: &FileDiff, removed: bool) -> Vec<&String> {
        file.hunks
            .iter()
            .flat_map(|h| if removed { &h.removed } else { &h.added })
            .collect()
    }
    // Files only added, by incident and name, so a commit of thousands of moves is
    // paired in one pass.
    let mut added: HashMap<(&str, &str), Vec<&FileDiff>> = HashMap::new();
    for file in &diff.files {
        if let Some(key) = incident_file(&file.path)
            && lines(file, true).is_empty()
        {
            added.entry(key).or_default().push(file);
        }
    }
    let mut moved = HashSet::new();
    for gone in &diff.files {
        let Some(key) = incident_file(&gone.path) else {
            continue;
        };
        if !lines(gone, false).is_empty() {
            continue;
        }
        let Some(candidates) = added.get_mut(&key) else {
            continue;
        };
        let was = lines(gone, true);
        if let Some(i) = candidates
            .iter()
            .position(|new| new.path != gone.path && lines(new, false) == was)
        {
            let new = candidates.swap_remove(i);
            moved.insert(gone.path.as_str());
            moved.insert(new.path.as_str());
        }
    }
    moved
}

fn is_append_only(name: &str) -> bool {
    name == TIMELINE_FILE || name == SENT_LOG
}

/// Files whose hand edit is an error: the record and the append-only logs.
fn is_protected(name: &str) -> bool {
    is_append_only(name) || name == RECORD_FILE
}

/// Lines that carry data (not blank, not a comment).
fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// A line of `timeline.yaml` read as one entry, by the one reader of timeline text.
fn parse_entry(line: &str) -> Option<Entry> {
    let entries = crate::store::parse_timeline(Path::new(TIMELINE_FILE), line).ok()?;
    match <[Entry; 1]>::try_from(entries) {
        Ok([entry]) => Some(entry),
        Err(_) => None,
    }
}

/// A finding about `commit`, filled in by the caller.
fn finding(commit: &Commit, id: &str, path: &str, level: Level, kind: Kind) -> Finding {
    Finding {
        level,
        kind,
        incident: id.to_string(),
        commit: commit.hash.clone(),
        subject: commit.subject.clone(),
        author: commit.author.name.clone(),
        author_date: commit.author.date,
        committer: commit.committer.name.clone(),
        commit_date: commit.committer.date,
        file: path.to_string(),
        line: None,
        before: None,
        after: None,
        entry: None,
        message: String::new(),
    }
}

/// What one non-merge commit did to one file of incident `id`.
fn file_findings(
    commit: &Commit,
    id: &str,
    name: &str,
    file: &FileDiff,
    margin: TimeDelta,
    rewritten: &mut HashSet<(String, String)>,
    out: &mut Vec<Finding>,
) {
    let by_mim = commit.records(id);
    if !by_mim && is_protected(name) {
        let mut f = finding(commit, id, &file.path, Level::Error, Kind::HandEdit);
        f.message = match commit.mim_incident() {
            Some(other) => format!("{name} changed by a mim commit for another incident ({other})"),
            None => format!("{name} changed outside mim (the commit has no mim trailers)"),
        };
        out.push(f);
    }
    if !is_append_only(name) {
        return;
    }
    for hunk in &file.hunks {
        let removed: Vec<(usize, &String)> = content_lines(&hunk.removed, hunk.old_start);
        let added: Vec<(usize, &String)> = content_lines(&hunk.added, hunk.new_start);
        for (i, (line, before)) in removed.iter().enumerate() {
            let after = added.get(i).map(|(_, a)| (*a).clone());
            out.push(rewrite(commit, id, &file.path, *line, before, after, None));
            rewritten.insert((file.path.clone(), (*before).clone()));
        }
        if name != TIMELINE_FILE {
            continue;
        }
        for (line, text) in added.iter().skip(removed.len()) {
            let Some(entry) = parse_entry(text) else {
                continue;
            };
            if by_mim
                && let Some(actor) = commit.trailer("Actor")
                && crate::text::clip(&entry.by, 200) != actor
            {
                let mut f = finding(commit, id, &file.path, Level::Error, Kind::ActorMismatch);
                f.message = format!(
                    "{} by {} was committed with `Actor: {actor}`",
                    entry.event.name(),
                    entry.by
                );
                f.line = Some(*line);
                f.after = Some((*text).clone());
                f.entry = Some(entry.clone());
                out.push(f);
            }
            if entry.at + margin < commit.committer.date {
                let mut f = finding(commit, id, &file.path, Level::Info, Kind::Backfilled);
                f.message = format!(
                    "{} at {} by {} was recorded later, at {}",
                    entry.event.name(),
                    time::format(&entry.at),
                    entry.by,
                    time::format(&commit.committer.date)
                );
                f.line = Some(*line);
                f.after = Some((*text).clone());
                f.entry = Some(entry);
                out.push(f);
            }
        }
    }
}

/// One information finding for the files of incident `id` a commit without mim's
/// trailers edited, other than the record and the append-only logs.
fn hand_edits(commit: &Commit, id: &str, dir: &str, names: &[&str]) -> Finding {
    let dir = format!("{dir}/");
    let (path, listed) = match names {
        [one] => (format!("{dir}{one}"), one.to_string()),
        _ => {
            let shown: Vec<&str> = names.iter().take(5).copied().collect();
            let more = match names.len().saturating_sub(5) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            (
                dir,
                format!("{} files: {}{more}", names.len(), shown.join(", ")),
            )
        }
    };
    let mut f = finding(commit, id, &path, Level::Info, Kind::HandEdit);
    f.message = match commit.mim_incident() {
        Some(other) => format!("{listed} changed by a mim commit for another incident ({other})"),
        None => format!("{listed} edited by hand (the commit has no mim trailers)"),
    };
    f
}

/// The data lines of a hunk side with their line numbers.
fn content_lines(lines: &[String], start: usize) -> Vec<(usize, &String)> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| is_content(l))
        .map(|(i, l)| (start + i, l))
        .collect()
}

/// A changed (with `after`) or removed line of an append-only file.
fn rewrite(
    commit: &Commit,
    id: &str,
    path: &str,
    line: usize,
    before: &str,
    after: Option<String>,
    parent: Option<&str>,
) -> Finding {
    let kind = if after.is_some() {
        Kind::Changed
    } else {
        Kind::Removed
    };
    let mut f = finding(commit, id, path, Level::Error, kind);
    let what = if after.is_some() {
        "changed"
    } else {
        "removed"
    };
    f.message = match parent {
        Some(parent) => format!(
            "line {line} of the version in parent {} was {what} by the merge",
            short(parent)
        ),
        None => format!("line {line} was {what} after it was committed"),
    };
    f.line = Some(line);
    f.entry = parse_entry(before);
    f.before = Some(before.to_string());
    f.after = after;
    f
}

/// What a merge did to the incidents' files: compared with each parent, an append-only
/// file lost no line (a union merge only adds the other side's lines), and no protected
/// file has a line that is in neither parent.
fn merge_findings(
    commit: &Commit,
    rewritten: &mut HashSet<(String, String)>,
    out: &mut Vec<Finding>,
    touched: &mut Vec<String>,
) {
    let mut paths: Vec<&str> = commit
        .diffs
        .iter()
        .flat_map(|d| d.files.iter().map(|f| f.path.as_str()))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        let Some((id, name)) = incident_file(path) else {
            continue;
        };
        if !touched.iter().any(|t| t == id) {
            touched.push(id.to_string());
        }
        let sides: Vec<(Option<&str>, &FileDiff)> = commit
            .diffs
            .iter()
            .filter_map(|d| {
                let file = d.files.iter().find(|f| f.path == path)?;
                Some((d.parent.as_deref(), file))
            })
            .collect();
        if is_append_only(name) {
            out.extend(merge_rewrites(commit, id, path, &sides, rewritten));
        }
        if is_protected(name) && sides.len() == commit.parents.len() {
            for (line, text) in introduced(&sides) {
                let mut f = finding(commit, id, path, Level::Error, Kind::HandEdit);
                f.message =
                    format!("line {line} was added by the merge itself: it is in neither parent");
                f.line = Some(line);
                f.entry = parse_entry(&text);
                f.after = Some(text);
                out.push(f);
            }
        }
    }
}

/// The lines of the append-only file `path` (of incident `id`) that a merge changed or
/// removed compared with each parent (`sides`), each reported once: `rewritten` holds
/// the (path, line) already reported.
fn merge_rewrites(
    commit: &Commit,
    id: &str,
    path: &str,
    sides: &[(Option<&str>, &FileDiff)],
    rewritten: &mut HashSet<(String, String)>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (parent, file) in sides {
        for hunk in &file.hunks {
            let removed = content_lines(&hunk.removed, hunk.old_start);
            let added = content_lines(&hunk.added, hunk.new_start);
            for (i, (line, before)) in removed.iter().enumerate() {
                if !rewritten.insert((path.to_string(), (*before).clone())) {
                    continue;
                }
                let after = added.get(i).map(|(_, a)| (*a).clone());
                out.push(rewrite(commit, id, path, *line, before, after, *parent));
            }
        }
    }
    out
}

/// The data lines a merge added compared with every parent (in none of them), with
/// their line in the merge's version.
fn introduced(sides: &[(Option<&str>, &FileDiff)]) -> Vec<(usize, String)> {
    let added = |file: &FileDiff| -> Vec<(usize, String)> {
        file.hunks
            .iter()
            .flat_map(|h| {
                content_lines(&h.added, h.new_start)
                    .into_iter()
                    .map(|(n, l)| (n, l.clone()))
            })
            .collect()
    };
    let Some(((_, first), rest)) = sides.split_first() else {
        return Vec::new();
    };
    let others: Vec<Vec<(usize, String)>> = rest.iter().map(|(_, f)| added(f)).collect();
    added(first)
        .into_iter()
        .filter(|(n, l)| others.iter().all(|o| o.contains(&(*n, l.clone()))))
        .collect()
}

/// The first 12 characters of a commit hash, as the text output shows it.
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "incidents/2026-11-24-payments/timeline.yaml";
    const L1: &str = "- {at: 2026-11-24T09:10:00Z, by: Sam, event: note, text: a}";
    const L2: &str = "- {at: 2026-11-24T09:20:00Z, by: Sam, event: note, text: b}";
    const L3: &str = "- {at: 2026-11-24T09:30:00Z, by: Kim, event: note, text: c}";

    const LOG: &str = "\
commit 2222222222222222222222222222222222222222 (from 1111111111111111111111111111111111111111)
tree abc
parent 1111111111111111111111111111111111111111
parent 3333333333333333333333333333333333333333
author Test Runner <runner@msp.example> 1795536000 +0100
committer Test Runner <runner@msp.example> 1795539600 +0100

    Merge branch 'main' of ../other

diff --git a/incidents/2026-11-24-payments/timeline.yaml b/incidents/2026-11-24-payments/timeline.yaml
index 1..2 100644
--- a/incidents/2026-11-24-payments/timeline.yaml
+++ b/incidents/2026-11-24-payments/timeline.yaml
@@ -4,0 +5 @@ x
+- {at: 2026-11-24T09:30:00Z, by: Kim, event: note, text: c}
commit 2222222222222222222222222222222222222222 (from 3333333333333333333333333333333333333333)
tree abc
parent 1111111111111111111111111111111111111111
parent 3333333333333333333333333333333333333333
author Test Runner <runner@msp.example> 1795536000 +0100
committer Test Runner <runner@msp.example> 1795539600 +0100

    Merge branch 'main' of ../other

diff --git a/incidents/2026-11-24-payments/timeline.yaml b/incidents/2026-11-24-payments/timeline.yaml
index 3..2 100644
--- a/incidents/2026-11-24-payments/timeline.yaml
+++ b/incidents/2026-11-24-payments/timeline.yaml
@@ -3,0 +4 @@ x
+- {at: 2026-11-24T09:20:00Z, by: Sam, event: note, text: b}

commit 1111111111111111111111111111111111111111
tree abd
parent 0000000000000000000000000000000000000000
author Sam Patel <sam@msp.example> 1795511400 +0000
committer Test Runner <runner@msp.example> 1795536000 +0100

    2026-11-24-payments: note: a
    
    Incident: 2026-11-24-payments
    Event: note
    Actor: Sam

diff --git a/incidents/2026-11-24-payments/timeline.yaml b/incidents/2026-11-24-payments/timeline.yaml
index 0..1 100644
--- a/incidents/2026-11-24-payments/timeline.yaml
+++ b/incidents/2026-11-24-payments/timeline.yaml
@@ -2,0 +3 @@ x
+- {at: 2026-11-24T09:10:00Z, by: Sam, event: note, text: a}
";

    #[test]
    fn a_raw_log_parses_with_one_commit_per_merge() {
        let commits = parse_log(LOG);
        assert_eq!(commits.len(), 2);
        let merge = &commits[0];
        assert_eq!(merge.parents.len(), 2);
        assert_eq!(merge.diffs.len(), 2);
        assert_eq!(
            merge.diffs[1].parent.as_deref(),
            Some("3333333333333333333333333333333333333333")
        );
        assert_eq!(merge.diffs[1].files[0].path, T);
        assert_eq!(merge.diffs[1].files[0].hunks[0].new_start, 4);
        assert_eq!(merge.trailers, []);
        let note = &commits[1];
        assert_eq!(note.mim_incident(), Some("2026-11-24-payments"));
        assert_eq!(note.trailer("actor"), Some("Sam"));
        assert_eq!(note.author.name, "Sam Patel");
        assert_eq!(note.author.email, "sam@msp.example");
        assert_eq!(time::format(&note.author.date), "2026-11-24T09:10:00Z");
        assert_eq!(
            time::format(&note.committer.date),
            "2026-11-24T17:00:00+01:00"
        );
        assert_eq!(note.diffs[0].files[0].hunks[0].added, [L1]);
    }

    fn person(date: &str) -> Person {
        Person {
            name: "Sam".into(),
            email: "sam@msp.example".into(),
            date: DateTime::parse_from_rfc3339(date).unwrap(),
        }
    }

    fn commit(hash: &str, parents: &[&str], mim: bool, diffs: Vec<Diff>) -> Commit {
        let trailers = if mim {
            vec![
                ("Incident".into(), "2026-11-24-payments".into()),
                ("Event".into(), "note".into()),
                ("Actor".into(), "Sam".into()),
            ]
        } else {
            Vec::new()
        };
        Commit {
            hash: hash.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            author: person("2026-11-24T09:00:00Z"),
            committer: person("2026-11-24T09:40:00Z"),
            subject: "s".into(),
            trailers,
            diffs,
        }
    }

    fn diff(parent: &str, hunks: Vec<Hunk>) -> Diff {
        Diff {
            parent: Some(parent.into()),
            files: vec![FileDiff {
                path: T.into(),
                hunks,
            }],
        }
    }

    fn hunk(old_start: usize, removed: &[&str], new_start: usize, added: &[&str]) -> Hunk {
        Hunk {
            old_start,
            new_start,
            removed: removed.iter().map(|s| s.to_string()).collect(),
            added: added.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn errors(audit: &Audit) -> Vec<(Kind, String, Option<usize>)> {
        audit
            .incidents
            .iter()
            .flat_map(|i| &i.findings)
            .filter(|f| f.level == Level::Error)
            .map(|f| (f.kind, f.commit.clone(), f.line))
            .collect()
    }

    fn margin() -> TimeDelta {
        TimeDelta::hours(1)
    }

    #[test]
    fn a_union_merge_is_append_only() {
        let audit = analyse(
            &parse_log(LOG).into_iter().rev().collect::<Vec<_>>(),
            margin(),
        );
        assert!(audit.append_only, "{:?}", errors(&audit));
        assert_eq!(audit.commits, 2);
        assert_eq!(audit.incidents[0].commits, 2);
    }

    #[test]
    fn a_merge_that_drops_or_invents_a_line_is_not() {
        // Against parent a it dropped L2; against b it is missing L3 and has L9.
        let l9 = "- {at: 2026-11-24T09:35:00Z, by: Sam, event: note, text: z}";
        let merge = commit(
            "m",
            &["a", "b"],
            false,
            vec![
                diff("a", vec![hunk(4, &[L2], 3, &[]), hunk(5, &[], 5, &[l9])]),
                diff("b", vec![hunk(4, &[L3], 3, &[]), hunk(5, &[], 5, &[l9])]),
            ],
        );
        let audit = analyse(&[merge], margin());
        assert!(!audit.append_only);
        assert_eq!(
            errors(&audit),
            [
                (Kind::Removed, "m".into(), Some(4)),
                (Kind::Removed, "m".into(), Some(4)),
                (Kind::HandEdit, "m".into(), Some(5)),
            ]
        );
    }

    #[test]
    fn a_rewrite_is_reported_once_even_when_merged() {
        let rewrite = commit(
            "r",
            &["a"],
            false,
            vec![diff("a", vec![hunk(3, &[L1], 3, &[L3])])],
        );
        // Merging the rewritten side: against the other parent the merge carries it.
        let merge = commit(
            "m",
            &["b", "r"],
            false,
            vec![diff("b", vec![hunk(3, &[L1], 3, &[L3])])],
        );
        let audit = analyse(&[rewrite, merge], margin());
        assert_eq!(
            errors(&audit),
            [
                (Kind::HandEdit, "r".into(), None),
                (Kind::Changed, "r".into(), Some(3)),
            ]
        );
    }

    #[test]
    fn mim_commits_are_checked_for_actor_and_backfill() {
        let late = "- {at: 2026-11-24T08:30:00Z, by: Sam, event: note, text: old}";
        let other = "- {at: 2026-11-24T09:35:00Z, by: Kim, event: note, text: hi}";
        let c = commit(
            "c",
            &["a"],
            true,
            vec![diff("a", vec![hunk(2, &[], 3, &[late, other])])],
        );
        let audit = analyse(&[c], margin());
        let found: Vec<(Level, Kind, Option<usize>)> = audit.incidents[0]
            .findings
            .iter()
            .map(|f| (f.level, f.kind, f.line))
            .collect();
        assert_eq!(
            found,
            [
                (Level::Error, Kind::ActorMismatch, Some(4)),
                (Level::Info, Kind::Backfilled, Some(3)),
            ]
        );
    }

    #[test]
    fn hand_edits_of_the_record_are_errors_and_of_the_prose_information() {
        let file = |name: &str| FileDiff {
            path: format!("incidents/2026-11-24-payments/{name}"),
            hunks: vec![hunk(1, &["a"], 1, &["b"])],
        };
        let c = commit(
            "h",
            &["a"],
            false,
            vec![Diff {
                parent: Some("a".into()),
                files: vec![file("incident.yaml"), file("pir.md"), file("plan.md")],
            }],
        );
        let audit = analyse(&[c], margin());
        let found: Vec<(Level, Kind, &str)> = audit.incidents[0]
            .findings
            .iter()
            .map(|f| (f.level, f.kind, f.file.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    Level::Error,
                    Kind::HandEdit,
                    "incidents/2026-11-24-payments/incident.yaml"
                ),
                (
                    Level::Info,
                    Kind::HandEdit,
                    "incidents/2026-11-24-payments/"
                ),
            ]
        );
        assert!(
            audit.incidents[0].findings[1]
                .message
                .contains("2 files: pir.md, plan.md")
        );
        assert!(!audit.append_only);
    }

    #[test]
    fn trailers_come_from_the_last_paragraph_only() {
        assert_eq!(trailers(&["Fix: a subject"]), []);
        assert_eq!(
            trailers(&["s", "", "Actor: Ann", ""]),
            [("Actor".to_string(), "Ann".to_string())]
        );
        assert_eq!(hunk_header("-4 +5,2 @@ x"), Some(((4, 1), (5, 2))));
        assert_eq!(diff_path("a/x y b/x y"), "x y");
    }
}
