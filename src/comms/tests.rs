use std::path::{Path, PathBuf};

use chrono::DateTime;

use super::*;
use crate::config::DEFAULT_CONFIG;
use crate::lifecycle::Status;
use crate::model::{Entry, Record};

fn config() -> Config {
    Config::parse(Path::new("mim.yaml"), DEFAULT_CONFIG).expect("default config")
}

fn t(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).expect("time")
}

fn incident(client: Option<&str>, events: Vec<(&str, Event)>) -> Incident {
    Incident {
        id: "2026-11-24-payments-api-outage".into(),
        dir: PathBuf::from("/nowhere"),
        record: Record {
            title: "Payments API outage".into(),
            service: "Payments API".into(),
            client: client.map(String::from),
            ci: None,
            category: None,
            impact: "high".into(),
            urgency: "high".into(),
            priority: "P1".into(),
            reporter: "Sam".into(),
            reported: t("2026-11-24T09:00:00Z"),
            impact_started: None,
            detected: None,
            tickets: vec![],
            description: None,
        },
        plan: None,
        texts: Default::default(),
        entries: events
            .into_iter()
            .map(|(at, event)| Entry {
                at: t(at),
                by: "Alice".into(),
                event,
            })
            .collect(),
    }
}

fn accept() -> (&'static str, Event) {
    (
        "2026-11-24T09:10:00Z",
        Event::Accept {
            from: Status::Proposed,
            manager: "Alice".into(),
        },
    )
}

#[test]
fn subjects_names_and_ids() {
    assert_eq!(
        subject(
            "P1",
            Some("ACME Corp"),
            "Payments API outage",
            Kind::Update(3)
        ),
        "[P1][ACME Corp] Payments API outage — Update 3"
    );
    assert_eq!(
        subject("P2", None, "VPN down", Kind::Restoral),
        "[P2] VPN down — Resolved"
    );
    let at = t("2026-11-24T10:30:00+01:00");
    let stem = stem(&at, Kind::Update(3), Audience::Client);
    assert_eq!(stem, "20261124T093000Z-u3-client");
    let from = parse_address("Desk <desk@msp.example>").unwrap();
    assert_eq!(
        message_id(&stem, "2026-11-24-x", &from),
        "20261124T093000Z-u3-client.2026-11-24-x@msp.example"
    );
}

#[test]
fn the_thread_starts_with_the_earliest_internal_message() {
    let mut names = [
        "20261124T093000Z-u1-client.eml",
        "20261124T093000Z-u1-management.eml",
        "20261124T093000Z-u1-internal.eml",
        "20261124T083000Z-resolved-end-users.eml",
    ];
    names.sort_by_key(|n| thread_order(n));
    assert_eq!(names[0], "20261124T083000Z-resolved-end-users.eml");
    assert_eq!(names[1], "20261124T093000Z-u1-internal.eml");
    assert_eq!(names[3], "20261124T093000Z-u1-client.eml");
}

#[test]
fn recipients_per_audience() {
    let c = config();
    let (to, cc) = recipients(&c, Some("acme"), Audience::Management).unwrap();
    let to: Vec<_> = to.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(to, ["service-delivery@msp.example", "cio@acme.example"]);
    assert!(cc.is_empty());
    let (_, cc) = recipients(&c, None, Audience::Internal).unwrap();
    assert_eq!(cc[0].address, "service-desk@msp.example");
    let err = recipients(&c, None, Audience::Client)
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs a client"), "{err}");
    let err = recipients(&c, Some("globex"), Audience::Client)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`globex` is not under `clients`"), "{err}");
}

#[test]
fn update_numbers_continue_after_the_highest() {
    let update = |n| Event::Update {
        audience: "internal".into(),
        number: n,
        file: format!("updates/{n}.md"),
        monitoring: false,
    };
    assert_eq!(next_update_number(&incident(None, vec![accept()])), 1);
    // Two clones both wrote update 2; after the merge the next one is 3.
    let merged = incident(
        None,
        vec![
            accept(),
            ("2026-11-24T09:30:00Z", update(1)),
            ("2026-11-24T10:00:00Z", update(2)),
            ("2026-11-24T10:01:00Z", update(2)),
        ],
    );
    assert_eq!(next_update_number(&merged), 3);
}

#[test]
fn restore_clock_leaves_out_time_on_hold() {
    let c = config();
    let inc = incident(
        None,
        vec![
            accept(),
            (
                "2026-11-24T10:00:00Z",
                Event::Hold {
                    from: Status::Accepted,
                    reason: "carrier".into(),
                },
            ),
            (
                "2026-11-24T11:00:00Z",
                Event::Resume {
                    from: Status::OnHold,
                },
            ),
        ],
    );
    let at = |now: &str| crate::state::derive(&c, &inc, t(now));
    let clock = restore_clock(&c, &inc, &at("2026-11-24T12:00:00Z")).unwrap();
    assert_eq!(clock.used, "2h");
    assert_eq!(clock.target, "4h");
    assert_eq!(clock.percent, 50);
    assert_eq!(clock.remaining, "2h");
    assert_eq!(clock.due.as_deref(), Some("2026-11-24T14:00:00Z"));
    assert!(!clock.breached);
    let late = restore_clock(&c, &inc, &at("2026-11-24T15:00:00Z")).unwrap();
    assert!(late.breached);
    assert_eq!(late.remaining, "0m");
}

#[test]
fn an_open_hold_stops_the_due_time() {
    let c = config();
    let inc = incident(
        None,
        vec![
            accept(),
            (
                "2026-11-24T10:00:00Z",
                Event::Hold {
                    from: Status::Accepted,
                    reason: "carrier".into(),
                },
            ),
        ],
    );
    let now = crate::state::derive(&c, &inc, t("2026-11-24T12:00:00Z"));
    let clock = restore_clock(&c, &inc, &now).unwrap();
    assert_eq!(clock.used, "1h");
    assert_eq!(clock.due, None);
}

#[test]
fn client_messages_use_the_client_time_zone() {
    let c = config();
    assert_eq!(
        display_zone(&c, Some("acme"), Audience::Client),
        "America/New_York"
    );
    assert_eq!(display_zone(&c, Some("acme"), Audience::Internal), "UTC");
    assert_eq!(display_zone(&c, None, Audience::Client), "UTC");
}
