//! Links between incidents: a duplicate and the incident it duplicates, related
//! incidents, a parent and its children. Each incident records its own side in its
//! timeline (the other gets [`Relation::reverse`]), so `show` lists them both ways from
//! the incident's own files. Pure: the commands load the incidents involved.

use anyhow::bail;

use crate::lifecycle::Status;
use crate::model::{Event, Relation};
use crate::state::State;

/// The event the other incident records when `id` links to it by `relation`.
pub fn reverse(relation: Relation, id: &str, remove: bool) -> Event {
    Event::Link {
        relation: relation.reverse(),
        other: id.to_string(),
        remove,
    }
}

/// Refuse a link (or its removal) from `id` to `other` that cannot stand, saying why.
/// `parent_of` gives an incident's parent, to refuse a cycle of parents.
pub fn check(
    id: &str,
    state: &State,
    other: &str,
    other_state: &State,
    relation: Relation,
    remove: bool,
    parent_of: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    if id == other {
        bail!("cannot link {id} to itself: give the other incident's ID");
    }
    let linked = state.linked(relation).any(|o| o == other);
    if remove {
        if !linked {
            bail!(
                "{id} is not {} {other}, so there is nothing to remove{}",
                relation.phrase(),
                listed(state)
            );
        }
        return Ok(());
    }
    if linked {
        bail!("{id} is {} {other} already", relation.phrase());
    }
    match relation {
        Relation::DuplicateOf => duplicate(id, state, other, other_state),
        Relation::Parent => parent(id, state, other, parent_of),
        _ => Ok(()),
    }
}

fn duplicate(id: &str, state: &State, other: &str, other_state: &State) -> anyhow::Result<()> {
    if let Some(first) = state.duplicate_of() {
        bail!(
            "{id} is a duplicate of {first} already: remove that link first (`mim link {id} --duplicate-of {first} --remove`)"
        );
    }
    if let Some(first) = other_state.duplicate_of() {
        bail!("{other} is itself a duplicate of {first}: mark {id} a duplicate of {first}");
    }
    let duplicates: Vec<&str> = state.linked(Relation::DuplicatedBy).collect();
    if !duplicates.is_empty() {
        bail!(
            "{id} has duplicates of its own ({}): it is the incident that stands; link them to {other} first",
            duplicates.join(", ")
        );
    }
    if other_state.status == Status::Rejected {
        bail!(
            "{other} was rejected: a duplicate points at the incident that stands; reject {id} with --reason instead"
        );
    }
    Ok(())
}

fn parent(
    id: &str,
    state: &State,
    other: &str,
    parent_of: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    if let Some(current) = state.linked(Relation::Parent).next() {
        bail!(
            "{id} has a parent already, {current}: remove it first (`mim link {id} --parent {current} --remove`)"
        );
    }
    if let Some(chain) = parent_cycle(id, other, parent_of) {
        bail!(
            "{other} cannot be the parent of {id}: that makes a cycle of parents ({}, each a child of the next)",
            chain.join(" → ")
        );
    }
    Ok(())
}

/// The chain `child → parent → … → child` when making `parent` the parent of `child`
/// closes a cycle: following parents from `parent` reaches `child`.
pub fn parent_cycle(
    child: &str,
    parent: &str,
    parent_of: &dyn Fn(&str) -> Option<String>,
) -> Option<Vec<String>> {
    let mut chain = vec![child.to_string(), parent.to_string()];
    let mut current = parent.to_string();
    while let Some(next) = parent_of(&current) {
        let seen = chain.contains(&next);
        chain.push(next.clone());
        if next == child {
            return Some(chain);
        }
        if seen {
            // A cycle already recorded elsewhere, not through `child`.
            return None;
        }
        current = next;
    }
    None
}

/// `; its links: duplicate of X, related to Y` (nothing without links).
fn listed(state: &State) -> String {
    if state.links.is_empty() {
        return "; it has no links".to_string();
    }
    let links: Vec<String> = state
        .links
        .iter()
        .map(|l| format!("{} {}", l.relation.phrase(), l.other))
        .collect();
    format!("; its links: {}", links.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_of_parents_is_found_through_the_chain() {
        // c's parent is b, b's parent is a; making c the parent of a closes the cycle.
        let parents = |id: &str| match id {
            "c" => Some("b".to_string()),
            "b" => Some("a".to_string()),
            _ => None,
        };
        assert_eq!(
            parent_cycle("a", "c", &parents),
            Some(vec!["a".into(), "c".into(), "b".into(), "a".into()])
        );
        assert_eq!(parent_cycle("d", "c", &parents), None);
        // A cycle recorded by hand elsewhere does not loop for ever.
        let looped = |id: &str| match id {
            "x" => Some("y".to_string()),
            "y" => Some("x".to_string()),
            _ => None,
        };
        assert_eq!(parent_cycle("a", "x", &looped), None);
    }
}
