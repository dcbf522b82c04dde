//! Recurrence: an incident that comes back soon after another of the same client and
//! service (and configuration item) was resolved. The one index across incidents,
//! built from what the report keeps of each ([`super::Kept`]), not from the incidents.

use std::cmp::Reverse;
use std::collections::HashMap;

use serde::Serialize;

use super::{IncidentRow, Rate};
use crate::lifecycle::Status;
use crate::state::State;
use crate::time::Timestamp;
use crate::units::Duration;

#[derive(Clone, Debug, Serialize)]
pub struct Recurrence {
    pub window: String,
    pub rate: Rate,
    /// `(incident, the earlier incident it recurs)`.
    pub recurrences: Vec<(String, String)>,
}

/// Incidents that recur within `window` of another's resolution, and their rate.
pub(super) fn recurrence(window: Duration, list: &[IncidentRow]) -> Recurrence {
    Recurrence {
        window: window.to_string(),
        rate: Rate::new(
            list.iter().filter(|r| r.recurs.is_some()).count(),
            list.iter().filter(|r| r.status != Status::Rejected).count(),
        ),
        recurrences: list
            .iter()
            .filter_map(|r| Some((r.id.clone(), r.recurs.clone()?)))
            .collect(),
    }
}

/// The names an incident is grouped by, as it stood at "now": its affected clients,
/// its services and its configuration items.
#[derive(Clone, Debug)]
pub(super) struct Groups {
    clients: Vec<String>,
    services: Vec<String>,
    cis: Vec<String>,
}

impl Groups {
    pub(super) fn of(state: &State) -> Groups {
        Groups {
            clients: state.affected().map(|c| c.client.clone()).collect(),
            services: state.services.clone(),
            cis: state.cis.clone(),
        }
    }
}

/// One incident in the index: its position in the report's list of kept incidents (in
/// ID order), its groups and when it was resolved, each time.
pub(super) struct Resolved<'a> {
    pub k: usize,
    pub groups: &'a Groups,
    pub at: &'a [Timestamp],
}

/// Every resolution of the incidents that can be recurred (all but rejected
/// proposals), grouped by client and service, and by client, service and configuration
/// item: an incident is in the groups of each of its clients, services and items. Each
/// group is sorted by time, so the recurrence of one incident is a binary search, not
/// a scan of the others.
pub(super) struct Resolutions<'a> {
    by_service: HashMap<(Option<&'a str>, &'a str), Vec<Resolution>>,
    /// `None` as the configuration item: the incidents that name none.
    by_ci: HashMap<CiKey<'a>, Vec<Resolution>>,
}

/// When an incident was resolved, and its position: sorted by time, then by position
/// backwards, so the last of equal times is the first incident (in ID order).
type Resolution = (Timestamp, Reverse<usize>);

/// Client, service and configuration item.
type CiKey<'a> = (Option<&'a str>, &'a str, Option<&'a str>);

/// The names an incident is grouped by: each affected client (or none), each service
/// (or an empty one), each configuration item (or none).
struct GroupNames<'a> {
    clients: Vec<Option<&'a str>>,
    services: Vec<&'a str>,
    cis: Vec<Option<&'a str>>,
}

impl<'a> GroupNames<'a> {
    fn of(groups: &'a Groups) -> GroupNames<'a> {
        let or = |v: Vec<Option<&'a str>>| if v.is_empty() { vec![None] } else { v };
        let some = |v: &'a [String]| v.iter().map(|c| Some(c.as_str())).collect();
        GroupNames {
            clients: or(some(&groups.clients)),
            services: match groups.services.as_slice() {
                [] => vec![""],
                all => all.iter().map(String::as_str).collect(),
            },
            cis: or(some(&groups.cis)),
        }
    }

    /// Each (client, service) pair.
    fn pairs(&self) -> impl Iterator<Item = (Option<&'a str>, &'a str)> + '_ {
        self.clients
            .iter()
            .flat_map(|&c| self.services.iter().map(move |&s| (c, s)))
    }
}

impl<'a> Resolutions<'a> {
    /// The index of the resolutions of `incidents` (rejected proposals left out by the
    /// caller).
    pub(super) fn index(incidents: impl IntoIterator<Item = Resolved<'a>>) -> Resolutions<'a> {
        let mut index = Resolutions {
            by_service: HashMap::new(),
            by_ci: HashMap::new(),
        };
        for incident in incidents {
            if incident.at.is_empty() {
                continue;
            }
            let names = GroupNames::of(incident.groups);
            for &at in incident.at {
                let item = (at, Reverse(incident.k));
                for (client, service) in names.pairs() {
                    index
                        .by_service
                        .entry((client, service))
                        .or_default()
                        .push(item);
                    for &ci in &names.cis {
                        index
                            .by_ci
                            .entry((client, service, ci))
                            .or_default()
                            .push(item);
                    }
                }
            }
        }
        for list in index
            .by_service
            .values_mut()
            .chain(index.by_ci.values_mut())
        {
            list.sort_unstable();
        }
        index
    }

    /// The position of the earlier incident the incident at position `k` (of `groups`,
    /// reported at `reported`) recurs: a client, a service and, when both name one, a
    /// configuration item in common, resolved at most `window` before this one was
    /// reported. The latest such resolution wins; of two at the same time, the first
    /// incident. (Rejected proposals neither recur nor are recurred: the caller asks
    /// only for others.)
    pub(super) fn recurs(
        &self,
        k: usize,
        groups: &Groups,
        reported: Timestamp,
        window: Duration,
    ) -> Option<usize> {
        let names = GroupNames::of(groups);
        let mut lists: Vec<Option<&Vec<Resolution>>> = Vec::new();
        for (client, service) in names.pairs() {
            if groups.cis.is_empty() {
                lists.push(self.by_service.get(&(client, service)));
                continue;
            }
            for &ci in &names.cis {
                lists.push(self.by_ci.get(&(client, service, ci)));
                lists.push(self.by_ci.get(&(client, service, None)));
            }
        }
        let (at, Reverse(other)) = lists
            .into_iter()
            .flatten()
            .filter_map(|list| latest_before(list, reported, k))
            .max()?;
        ((reported - at).num_seconds() <= window.secs()).then_some(other)
    }
}

/// The last resolution in `list` at or before `until` of an incident other than `k`.
fn latest_before(list: &[Resolution], until: Timestamp, k: usize) -> Option<Resolution> {
    let end = list.partition_point(|(at, _)| *at <= until);
    list[..end]
        .iter()
        .rev()
        .find(|(_, other)| other.0 != k)
        .copied()
}
