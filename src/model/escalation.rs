//! Escalations (the procedure's functional paths and the hierarchic matrix) and priority
//! changes, as the timeline records them, and the pure rules for recording new ones.

use anyhow::bail;
use serde::Serialize;

use crate::config::{Config, HierarchicLevel};
use crate::lifecycle::Status;
use crate::model::EscalationKind;
use crate::time::{self, Timestamp};

/// One escalation: who was engaged, when, by whom and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Escalation {
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    pub kind: EscalationKind,
    /// `functional` or `hierarchic`.
    pub direction: &'static str,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The name of a kind as typed on the command line and written in the timeline.
pub fn kind_name(kind: EscalationKind) -> &'static str {
    match kind {
        EscalationKind::Sme => "sme",
        EscalationKind::Vendor => "vendor",
        EscalationKind::ThirdParty => "third-party",
        EscalationKind::Onsite => "onsite",
        EscalationKind::Parts => "parts",
        EscalationKind::ClientIt => "client-it",
        EscalationKind::Management => "management",
    }
}

/// What a kind means, for people (the procedure's step names).
pub fn kind_title(kind: EscalationKind) -> &'static str {
    match kind {
        EscalationKind::Sme => "subject matter expert engaged",
        EscalationKind::Vendor => "technology vendor engaged",
        EscalationKind::ThirdParty => "escalated to a third party",
        EscalationKind::Onsite => "engineer dispatched onsite",
        EscalationKind::Parts => "repair or replacement parts ordered",
        EscalationKind::ClientIt => "handed off to the client's internal IT",
        EscalationKind::Management => "management notified",
    }
}

/// The level a hierarchic escalation is recorded at, and whether mim chose it: the level
/// given (one of `escalation.hierarchic`, as the command line checks); without one, the
/// first level (in the order of mim.yaml, lowest first) that no earlier escalation has
/// notified.
pub fn choose_level(
    levels: &[HierarchicLevel],
    given: Option<&str>,
    done: &[Escalation],
) -> anyhow::Result<Option<(String, bool)>> {
    let names: Vec<&str> = levels.iter().map(|l| l.notify.as_str()).collect();
    if let Some(given) = given {
        return Ok(Some((given.to_string(), false)));
    }
    if names.is_empty() {
        return Ok(None);
    }
    let notified = |name: &str| {
        done.iter()
            .any(|e| e.kind.is_hierarchic() && e.level.as_deref() == Some(name))
    };
    match names.iter().find(|n| !notified(n)) {
        Some(name) => Ok(Some((name.to_string(), true))),
        None => bail!(
            "every level in `escalation.hierarchic` has been notified already ({}); to record another, name it with --level",
            names.join(", ")
        ),
    }
}

/// Impact, urgency and priority after a change of impact and/or urgency (the one not
/// given stays as it is), from the matrix. Refuses a change that changes nothing.
/// `current` is the incident's `(impact, urgency, priority)` now.
pub fn reprioritise(
    config: &Config,
    current: (&str, &str, &str),
    impact: Option<&str>,
    urgency: Option<&str>,
) -> anyhow::Result<(String, String, String)> {
    let (impact_now, urgency_now, priority_now) = current;
    let impact = match impact {
        Some(i) => i.to_string(),
        None => impact_now.to_string(),
    };
    let urgency = match urgency {
        Some(u) => u.to_string(),
        None => urgency_now.to_string(),
    };
    if impact == impact_now && urgency == urgency_now {
        bail!(
            "nothing to change: the incident is already impact {impact}, urgency {urgency} ({priority_now})"
        );
    }
    let Some(priority) = config.priority_for(&impact, &urgency) else {
        bail!("mim.yaml's priority_matrix has no priority for impact {impact}, urgency {urgency}");
    };
    Ok((impact, urgency, priority.to_string()))
}

/// One step of the priority's history: the declaration, then each change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PriorityStep {
    #[serde(with = "time::rfc3339")]
    pub at: Timestamp,
    pub by: String,
    /// The priority before; `None` for the declaration.
    pub from: Option<String>,
    pub priority: String,
    pub impact: String,
    pub urgency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The client whose impact raised it (see `Event::Reprioritise`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// Which statuses a plan amendment or a functional or hierarchic escalation may be
/// recorded in: any but rejected and closed. A resolved incident still gets them (the
/// handoff to the client's IT, a vendor case for the root cause, finishing workstreams).
pub fn check_open(what: &str, id: &str, status: Status) -> anyhow::Result<()> {
    match status {
        Status::Rejected | Status::Closed => bail!(
            "cannot {what} {id}: it is {status}; plans and escalations are recorded on proposed, accepted, on-hold and resolved incidents only"
        ),
        _ => Ok(()),
    }
}

/// Reprioritisation is for incidents being worked on: proposed, accepted or on hold.
/// After resolution the clocks have stopped; `mim reopen` first.
pub fn check_reprioritise(id: &str, status: Status) -> anyhow::Result<()> {
    if status.is_active() {
        return Ok(());
    }
    let hint = if status == Status::Resolved {
        "; reopen it first with `mim reopen` if it needs more work"
    } else {
        ""
    };
    bail!(
        "cannot reprioritise {id}: it is {status}; only a proposed, accepted or on-hold incident can be{hint}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Threshold;

    fn levels() -> Vec<HierarchicLevel> {
        ["service-delivery-manager", "vp-services"]
            .iter()
            .map(|n| HierarchicLevel {
                at: Threshold::Share("50%".parse().unwrap()),
                notify: n.to_string(),
            })
            .collect()
    }

    fn notified(level: &str) -> Escalation {
        Escalation {
            at: chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap(),
            by: "x".into(),
            kind: EscalationKind::Management,
            direction: "hierarchic",
            to: "y".into(),
            level: Some(level.into()),
            reference: None,
            reason: None,
        }
    }

    #[test]
    fn the_lowest_level_not_yet_notified_is_chosen() {
        let l = levels();
        assert_eq!(
            choose_level(&l, None, &[]).unwrap(),
            Some(("service-delivery-manager".into(), true))
        );
        assert_eq!(
            choose_level(&l, None, &[notified("service-delivery-manager")]).unwrap(),
            Some(("vp-services".into(), true))
        );
        let all = [
            notified("service-delivery-manager"),
            notified("vp-services"),
        ];
        let err = choose_level(&l, None, &all).unwrap_err().to_string();
        assert!(err.contains("notified already"), "{err}");
        assert_eq!(
            choose_level(&l, Some("vp-services"), &all).unwrap(),
            Some(("vp-services".into(), false))
        );
    }

    #[test]
    fn without_levels_none_is_chosen() {
        assert_eq!(choose_level(&[], None, &[]).unwrap(), None);
    }

    #[test]
    fn reprioritising_uses_the_matrix() {
        let config = Config::parse(
            std::path::Path::new("mim.yaml"),
            include_str!("../default-mim.yaml"),
        )
        .unwrap();
        let record: crate::model::Record = serde_yaml::from_str(
            "{title: t, service: s, impact: high, urgency: medium, priority: P2, reporter: r, reported: 2026-11-24T09:00:00Z}",
        )
        .unwrap();
        let state = (
            record.impact.as_str(),
            record.urgency.as_str(),
            record.priority.as_str(),
        );
        assert_eq!(
            reprioritise(&config, state, Some("high"), Some("high")).unwrap(),
            ("high".into(), "high".into(), "P1".into())
        );
        assert_eq!(
            reprioritise(&config, state, None, Some("low")).unwrap(),
            ("high".into(), "low".into(), "P3".into())
        );
        let err = reprioritise(&config, state, Some("high"), None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("nothing to change"), "{err}");
        let err = reprioritise(&config, state, Some("huge"), None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "mim.yaml's priority_matrix has no priority for impact huge, urgency medium"
        );
    }

    #[test]
    fn statuses_that_allow_planning_and_reprioritising() {
        use Status::*;
        for s in [Proposed, Accepted, OnHold, Resolved] {
            assert!(check_open("plan", "x", s).is_ok(), "{s}");
        }
        for s in [Rejected, Closed] {
            assert!(check_open("plan", "x", s).is_err(), "{s}");
        }
        for s in [Proposed, Accepted, OnHold] {
            assert!(check_reprioritise("x", s).is_ok(), "{s}");
        }
        let err = check_reprioritise("x", Resolved).unwrap_err().to_string();
        assert!(err.contains("mim reopen"), "{err}");
    }
}
