//! Whether a commit replayed on the remote's history can stand: what the incidents it
//! touches look like there, read from git's objects and derived by [`crate::state`]
//! (the one place that folds a timeline), before and after it.

use std::path::Path;

use crate::config::Config;
use crate::model::{Entry, Incident, RECORD_FILE, Record, TIMELINE_FILE, Texts};
use crate::repo::{Layout, incident_path};
use crate::state::State;

use super::gitx;

/// An incident at one commit: `None` when it is not there; an error text when its
/// files do not read.
pub(super) fn incident_at(
    root: &Path,
    commit: &str,
    id: &str,
) -> anyhow::Result<Option<Result<Incident, String>>> {
    // In either layout: the monthly one first, as `Repo::incident_dir` finds it.
    let dirs = [Layout::Monthly, Layout::Flat].map(|layout| {
        incident_path(layout, id)
            .to_string_lossy()
            .replace('\\', "/")
    });
    let blobs = gitx::blobs(
        root,
        &dirs
            .iter()
            .flat_map(|dir| {
                [
                    format!("{commit}:{dir}/{RECORD_FILE}"),
                    format!("{commit}:{dir}/{TIMELINE_FILE}"),
                ]
            })
            .collect::<Vec<_>>(),
    )?;
    let Some((at, record)) = (0..dirs.len()).find_map(|i| Some((i, blobs[2 * i].as_ref()?))) else {
        return Ok(None);
    };
    let dir = &dirs[at];
    let blobs = &blobs[2 * at..];
    let record_text = String::from_utf8_lossy(record).into_owned();
    let timeline_text = blobs[1]
        .as_deref()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let shown = Path::new(dir);
    let record: Record = match crate::store::parse_yaml(&shown.join(RECORD_FILE), &record_text) {
        Ok(r) => r,
        Err(d) => return Ok(Some(Err(d.message))),
    };
    let entries = match timeline(&shown.join(TIMELINE_FILE), &timeline_text) {
        Ok(e) => e,
        Err(message) => return Ok(Some(Err(message))),
    };
    Ok(Some(Ok(Incident {
        id: id.to_string(),
        dir: root.join(dir),
        record,
        entries,
        plan: None,
        texts: Texts {
            record: record_text,
            timeline: timeline_text,
            ..Texts::default()
        },
    })))
}

fn timeline(shown: &Path, text: &str) -> Result<Vec<Entry>, String> {
    crate::store::parse_timeline(shown, text)
        .map_err(|d| format!("{}: {}", d.file.display(), d.message))
}

/// The state after every event (the time order of the timeline, whatever "now" is).
pub(super) fn state(config: &Config, incident: &Incident) -> State {
    crate::state::latest(config, incident, incident.record.reported)
}

/// What a replayed commit adds to an incident that cannot stand.
#[derive(Debug, Default)]
pub(super) struct Verdict {
    /// New conflicts in the incident's state (two status changes that cannot both stand).
    pub conflicts: Vec<String>,
    /// New updates numbered like an earlier one for the same reader.
    pub same_numbers: Vec<String>,
    /// New entries out of time order (a status change dated before activity).
    pub out_of_order: Vec<String>,
}

/// Compare the incident `id` at `before` (the remote's side) and `after` (with the
/// replayed commit): what the commit adds that cannot stand.
pub(super) fn compare(
    root: &Path,
    config: &Config,
    id: &str,
    before: &str,
    after: &str,
) -> anyhow::Result<Verdict> {
    let mut verdict = Verdict::default();
    let after = match incident_at(root, after, id)? {
        None => return Ok(verdict),
        Some(Err(message)) => {
            verdict
                .conflicts
                .push(format!("after the merge its files do not read: {message}"));
            return Ok(verdict);
        }
        Some(Ok(i)) => i,
    };
    let (old_conflicts, old_numbers, old_order) = match incident_at(root, before, id)? {
        Some(Ok(i)) => {
            let s = state(config, &i);
            (conflicts(&s), numbers(&s), order(&s))
        }
        _ => (Vec::new(), Vec::new(), Vec::new()),
    };
    let s = state(config, &after);
    verdict.conflicts = minus(conflicts(&s), &old_conflicts);
    verdict.same_numbers = minus(numbers(&s), &old_numbers);
    verdict.out_of_order = minus(order(&s), &old_order);
    Ok(verdict)
}

fn conflicts(s: &State) -> Vec<String> {
    s.conflicts.iter().map(|c| c.message.clone()).collect()
}

fn order(s: &State) -> Vec<String> {
    s.order_problems.iter().map(|p| p.message.clone()).collect()
}

/// `update 3 to client` for each update numbered like an earlier one.
fn numbers(s: &State) -> Vec<String> {
    s.same_numbers()
        .into_iter()
        .map(|(_, later)| {
            let u = &s.updates[later];
            match &u.client {
                Some(c) => format!("update {} to {} ({c})", u.number, u.audience),
                None => format!("update {} to {}", u.number, u.audience),
            }
        })
        .collect()
}

/// `after` without one of each of `before` (a multiset difference).
fn minus(after: Vec<String>, before: &[String]) -> Vec<String> {
    let mut left: Vec<&String> = before.iter().collect();
    after
        .into_iter()
        .filter(|a| match left.iter().position(|b| *b == a) {
            Some(i) => {
                left.remove(i);
                false
            }
            None => true,
        })
        .collect()
}

/// "by then it was resolved (resolve by Alice Moreau at …)": the incident's status at
/// `commit` and the change that made it so, for the message of a set-aside.
pub(super) fn standing(root: &Path, config: &Config, id: &str, commit: &str) -> Option<String> {
    let incident = incident_at(root, commit, id).ok()??.ok()?;
    let s = state(config, &incident);
    let last = s
        .entries
        .iter()
        .rev()
        .map(|&i| &incident.entries[i])
        .find(|e| e.event.transition().is_some())?;
    Some(format!(
        "it was {} ({} by {} at {}, which reached the remote first)",
        s.status,
        last.event.name(),
        last.by,
        crate::time::format(&last.at)
    ))
}

/// The entries `commit` appended to the incident's timeline (those its parent lacks).
pub(super) fn added_entries(
    root: &Path,
    id: &str,
    commit: &str,
    parent: Option<&str>,
) -> Vec<Entry> {
    let read = |c: &str| match incident_at(root, c, id) {
        Ok(Some(Ok(i))) => i.entries,
        _ => Vec::new(),
    };
    let after = read(commit);
    let before = parent.map(read).unwrap_or_default();
    let mut left: Vec<&Entry> = before.iter().collect();
    after
        .iter()
        .filter(|e| match left.iter().position(|b| *b == *e) {
            Some(i) => {
                left.remove(i);
                false
            }
            None => true,
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::minus;

    #[test]
    fn the_difference_counts_each_copy() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(minus(s(&["a", "a", "b"]), &s(&["a"])), s(&["a", "b"]));
        assert_eq!(minus(s(&["a"]), &s(&["a", "b"])), Vec::<String>::new());
    }
}
