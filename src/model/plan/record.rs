//! The response plan as the timeline records it. Every `plan` event says, as data, what
//! it set in `plan.md`'s front matter (`set:` — workstreams, stakeholders, the bridge;
//! the cadence is in `internal_every`/`client_every`), so the front matter can be derived
//! from the timeline after any merge, checked against `plan.md`, and written again by
//! `mim plan --rebuild`. The restoration approach is prose in the body of `plan.md` and
//! is not recorded here. The fold over the timeline is in `crate::state`; this module
//! says what one event sets and how two plans differ.

use serde::{Deserialize, Serialize};

use super::{Audience, Plan, Stakeholder, Workstream, WorkstreamStatus};

/// What one `plan` event set in the front matter; empty when it changed only the
/// approach. A plan event without it was recorded by an older mim, and what it
/// changed is known only to `plan.md`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workstreams: Vec<WorkstreamSet>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stakeholders: Vec<StakeholderSet>,
}

/// A workstream added or changed. With `owner`, its owner and vendor are set (no
/// `vendor`: none); with `status`, its status and reason (no `reason`: none). A change
/// of one leaves the other as it was, so two clones changing one workstream in different
/// ways both count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkstreamSet {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WorkstreamStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A stakeholder added, or following another audience now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StakeholderSet {
    pub address: String,
    /// `internal`, `management` or `client-management`.
    pub kind: String,
}

impl PlanSet {
    /// What changed in the front matter from `before` to `after`.
    pub fn between(before: &Plan, after: &Plan) -> PlanSet {
        let mut set = PlanSet {
            bridge: after
                .bridge
                .clone()
                .filter(|b| before.bridge.as_ref() != Some(b)),
            ..PlanSet::default()
        };
        for w in &after.workstreams {
            let old = before.workstream(&w.name);
            let owner_changed = old.is_none_or(|o| o.owner != w.owner || o.vendor != w.vendor);
            let status_changed = match old {
                Some(o) => o.status != w.status || o.reason != w.reason,
                None => w.status != WorkstreamStatus::Open || w.reason.is_some(),
            };
            if owner_changed || status_changed {
                set.workstreams.push(WorkstreamSet {
                    name: w.name.clone(),
                    owner: owner_changed.then(|| w.owner.clone()),
                    vendor: w.vendor.clone().filter(|_| owner_changed),
                    status: status_changed.then_some(w.status),
                    reason: w.reason.clone().filter(|_| status_changed),
                });
            }
        }
        for s in &after.stakeholders {
            let unchanged = before
                .stakeholders
                .iter()
                .any(|o| super::edit::same_person(o, s) && o.kind == s.kind);
            if !unchanged {
                set.stakeholders.push(StakeholderSet {
                    address: s.who.clone(),
                    kind: s.kind.as_str().to_string(),
                });
            }
        }
        set
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.bridge.is_none() && self.workstreams.is_empty() && self.stakeholders.is_empty()
    }

    /// Apply what it set to `plan`'s front matter. A change to a workstream not added yet
    /// adds it when it names an owner (else it waits for nothing: there is none to change).
    pub fn apply(&self, plan: &mut Plan) {
        if let Some(b) = &self.bridge {
            plan.bridge = Some(b.clone());
        }
        for set in &self.workstreams {
            let i = match plan.workstreams.iter().position(|w| w.name == set.name) {
                Some(i) => i,
                None if set.owner.is_some() => {
                    plan.workstreams.push(Workstream {
                        name: set.name.clone(),
                        owner: String::new(),
                        vendor: None,
                        status: WorkstreamStatus::Open,
                        reason: None,
                    });
                    plan.workstreams.len() - 1
                }
                None => continue,
            };
            let w = &mut plan.workstreams[i];
            if let Some(owner) = &set.owner {
                w.owner = owner.clone();
                w.vendor = set.vendor.clone();
            }
            if let Some(status) = set.status {
                w.status = status;
                w.reason = set.reason.clone();
            }
        }
        for set in &self.stakeholders {
            let s = Stakeholder {
                who: set.address.clone(),
                kind: Audience::parse(&set.kind).unwrap_or(Audience::Management),
            };
            match plan
                .stakeholders
                .iter_mut()
                .find(|o| super::edit::same_person(o, &s))
            {
                Some(o) => o.kind = s.kind,
                None => plan.stakeholders.push(s),
            }
        }
    }
}

/// The plan as the timeline's plan events add up to, folded by `crate::state`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanRecord {
    /// The front matter they set (no approach).
    pub plan: Plan,
    /// How many plan events there are, and how many of them lack `set:` (recorded by an
    /// older mim: what they changed is not known).
    pub events: usize,
    pub unrecorded: usize,
}

impl PlanRecord {
    /// The front matter, when every plan event recorded what it set.
    pub fn known(&self) -> Option<&Plan> {
        (self.events > 0 && self.unrecorded == 0).then_some(&self.plan)
    }

    /// How `file` (the plan `plan.md` holds; `None`: there is no plan.md) differs from
    /// the recorded plan; `None` when they agree, or when the timeline does not record
    /// all of the plan (then nothing can be said).
    pub fn disagreement(&self, file: Option<&Plan>) -> Option<Vec<String>> {
        let recorded = self.known()?;
        let empty = Plan::default();
        let found = differences(file.unwrap_or(&empty), recorded);
        (!found.is_empty()).then_some(found)
    }
}

/// How the front matter of `file` differs from `recorded`, one phrase per key that
/// differs; empty when they agree. The order of items does not matter.
pub fn differences(file: &Plan, recorded: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    if file.bridge != recorded.bridge {
        out.push(format!(
            "the bridge is {} in plan.md and {} in the timeline",
            shown(file.bridge.as_deref()),
            shown(recorded.bridge.as_deref())
        ));
    }
    for (key, a, b) in [
        ("internal", file.cadence.internal, recorded.cadence.internal),
        ("client", file.cadence.client, recorded.cadence.client),
    ] {
        if a != b {
            out.push(format!(
                "cadence.{key} is {} in plan.md and {} in the timeline",
                shown(a.map(|d| d.to_string()).as_deref()),
                shown(b.map(|d| d.to_string()).as_deref())
            ));
        }
    }
    out.extend(workstream_differences(file, recorded));
    out.extend(stakeholder_differences(file, recorded));
    out
}

/// How the workstreams of `file` differ from `recorded`: those lost, those extra, and
/// those whose owner or state differ.
fn workstream_differences(file: &Plan, recorded: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let names = |ws: &[&Workstream]| {
        ws.iter()
            .map(|w| w.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lost: Vec<&Workstream> = recorded
        .workstreams
        .iter()
        .filter(|w| file.workstream(&w.name).is_none())
        .collect();
    if !lost.is_empty() {
        out.push(format!(
            "plan.md lacks {} the timeline records: {}",
            if lost.len() == 1 {
                "a workstream"
            } else {
                "workstreams"
            },
            names(&lost)
        ));
    }
    let extra: Vec<&Workstream> = file
        .workstreams
        .iter()
        .filter(|w| recorded.workstream(&w.name).is_none())
        .collect();
    if !extra.is_empty() {
        out.push(format!(
            "plan.md lists {} no plan event records: {}",
            if extra.len() == 1 {
                "a workstream"
            } else {
                "workstreams"
            },
            names(&extra)
        ));
    }
    for w in &file.workstreams {
        if let Some(r) = recorded.workstream(&w.name)
            && r != w
        {
            out.push(format!(
                "workstream {} is {} in plan.md and {} in the timeline",
                w.name,
                workstream_state(w),
                workstream_state(r)
            ));
        }
    }
    out
}

/// How the stakeholders of `file` differ from `recorded`: those lost, those following
/// other messages, and those extra.
fn stakeholder_differences(file: &Plan, recorded: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let person = |s: &Stakeholder| format!("{} ({})", s.who, s.kind);
    for s in &recorded.stakeholders {
        match file
            .stakeholders
            .iter()
            .find(|o| super::edit::same_person(o, s))
        {
            None => out.push(format!(
                "plan.md lacks the stakeholder {} the timeline records",
                person(s)
            )),
            Some(o) if o.kind != s.kind => out.push(format!(
                "the stakeholder {} follows {} messages in plan.md and {} in the timeline",
                s.who, o.kind, s.kind
            )),
            Some(_) => {}
        }
    }
    for s in &file.stakeholders {
        if !recorded
            .stakeholders
            .iter()
            .any(|o| super::edit::same_person(o, s))
        {
            out.push(format!(
                "plan.md lists the stakeholder {}, which no plan event records",
                person(s)
            ));
        }
    }
    out
}

fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("`{v}`"),
        None => "not set".into(),
    }
}

/// `owner Dana Lee, vendor Carrier X, blocked (waiting on parts)`.
fn workstream_state(w: &Workstream) -> String {
    let mut s = format!("owner {}", w.owner);
    if let Some(v) = &w.vendor {
        s.push_str(&format!(", vendor {v}"));
    }
    s.push_str(&format!(", {}", w.status.as_str()));
    if let Some(r) = &w.reason {
        s.push_str(&format!(" ({r})"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(name: &str, owner: &str) -> Workstream {
        Workstream {
            name: name.into(),
            owner: owner.into(),
            vendor: None,
            status: WorkstreamStatus::Open,
            reason: None,
        }
    }

    #[test]
    fn a_change_records_only_what_changed_and_replays_to_the_same_plan() {
        let before = Plan {
            workstreams: vec![ws("network", "Dana"), ws("app", "Kim")],
            ..Plan::default()
        };
        let mut after = before.clone();
        after.workstreams[0].status = WorkstreamStatus::Done;
        after.workstreams.push(Workstream {
            vendor: Some("Carrier X".into()),
            ..ws("carrier", "Sam")
        });
        after.bridge = Some("https://meet.example/p1".into());
        after.cadence.internal = Some("30m".parse().unwrap());
        after
            .stakeholders
            .push(Stakeholder::parse("cfo@acme.example:client-management").unwrap());
        let set = PlanSet::between(&before, &after);
        assert_eq!(set.workstreams.len(), 2);
        assert_eq!(set.workstreams[0].owner, None);
        assert_eq!(set.workstreams[0].status, Some(WorkstreamStatus::Done));
        assert_eq!(set.workstreams[1].vendor.as_deref(), Some("Carrier X"));
        assert_eq!(set.workstreams[1].status, None);
        let mut replayed = before.clone();
        set.apply(&mut replayed);
        // The cadence is recorded beside `set`, not in it.
        replayed.cadence = after.cadence;
        assert_eq!(replayed, after);
        assert!(PlanSet::between(&after, &after).is_empty());
    }

    #[test]
    fn two_clones_changing_one_workstream_differently_both_count() {
        let mut plan = Plan {
            workstreams: vec![ws("network", "Dana")],
            ..Plan::default()
        };
        let done = PlanSet {
            workstreams: vec![WorkstreamSet {
                name: "network".into(),
                owner: None,
                vendor: None,
                status: Some(WorkstreamStatus::Done),
                reason: None,
            }],
            ..PlanSet::default()
        };
        let reassigned = PlanSet {
            workstreams: vec![WorkstreamSet {
                name: "network".into(),
                owner: Some("Kim".into()),
                vendor: None,
                status: None,
                reason: None,
            }],
            ..PlanSet::default()
        };
        done.apply(&mut plan);
        reassigned.apply(&mut plan);
        assert_eq!(plan.workstreams[0].owner, "Kim");
        assert_eq!(plan.workstreams[0].status, WorkstreamStatus::Done);
    }

    #[test]
    fn differences_name_what_differs_whatever_the_order() {
        let recorded = Plan {
            workstreams: vec![ws("a", "Dana"), ws("b", "Kim"), ws("c", "Sam")],
            bridge: Some("https://meet.example/1".into()),
            ..Plan::default()
        };
        let same = Plan {
            workstreams: vec![ws("c", "Sam"), ws("a", "Dana"), ws("b", "Kim")],
            ..recorded.clone()
        };
        assert!(differences(&same, &recorded).is_empty());
        let file = Plan {
            workstreams: vec![ws("a", "Lee"), ws("z", "Kim")],
            bridge: None,
            ..Plan::default()
        };
        let found = differences(&file, &recorded);
        assert_eq!(
            found,
            [
                "the bridge is not set in plan.md and `https://meet.example/1` in the timeline",
                "plan.md lacks workstreams the timeline records: b, c",
                "plan.md lists a workstream no plan event records: z",
                "workstream a is owner Lee, open in plan.md and owner Dana, open in the timeline",
            ]
        );
    }
}
