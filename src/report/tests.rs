use std::path::{Path, PathBuf};

use super::*;
use crate::config::{Config, DEFAULT_CONFIG};
use crate::model::{Entry, Event, Record};

fn config() -> Config {
    Config::parse(Path::new("mim.yaml"), DEFAULT_CONFIG).unwrap()
}

fn t(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).unwrap()
}

fn incident(id: &str, reported: &str, ci: Option<&str>, events: Vec<(&str, Event)>) -> Incident {
    Incident {
        id: id.into(),
        dir: PathBuf::from(id),
        record: Record {
            title: id.into(),
            service: "Payments API".into(),
            client: "acme".into(),
            ci: ci.map(String::from).into(),
            category: None,
            impact: "high".into(),
            urgency: "high".into(),
            priority: "P1".into(),
            reporter: "Sam".into(),
            reported: t(reported),
            impact_started: None,
            detected: None,
            tickets: vec![],
            description: None,
        },
        entries: events
            .into_iter()
            .map(|(at, event)| Entry {
                at: t(at),
                by: "Sam".into(),
                event,
            })
            .collect(),
        plan: None,
        texts: Default::default(),
    }
}

fn accept() -> Event {
    Event::Accept {
        from: Status::Proposed,
        manager: "Alice".into(),
    }
}

pub(super) fn resolve() -> Event {
    Event::Resolve {
        from: Status::Accepted,
        summary: "ok".into(),
        closure: "config-change".into(),
        workaround: false,
        problem: None,
        verification: None,
        client_message: None,
    }
}

fn restored(id: &str, reported: &str, resolved: &str, ci: Option<&str>) -> Incident {
    incident(
        id,
        reported,
        ci,
        vec![(reported, accept()), (resolved, resolve())],
    )
}

const NOW: &str = "2026-12-31T00:00:00Z";

fn recurrences(all: &[Incident]) -> Vec<(String, String)> {
    build(&config(), all, &Filter::default(), t(NOW))
        .recurrence
        .recurrences
}

#[test]
fn a_recurrence_is_within_the_window_after_the_resolve() {
    let first = restored(
        "a",
        "2026-11-01T09:00:00Z",
        "2026-11-01T10:00:00Z",
        Some("gw"),
    );
    // Exactly 30 days after the resolve: in; one second later: out.
    let in_window = restored(
        "b",
        "2026-12-01T10:00:00Z",
        "2026-12-01T11:00:00Z",
        Some("gw"),
    );
    assert_eq!(
        recurrences(&[first.clone(), in_window]),
        [("b".to_string(), "a".to_string())]
    );
    let late = restored(
        "b",
        "2026-12-01T10:00:01Z",
        "2026-12-01T11:00:00Z",
        Some("gw"),
    );
    assert!(recurrences(&[first.clone(), late]).is_empty());
}

#[test]
fn configuration_items_must_agree_when_both_are_known() {
    let first = restored(
        "a",
        "2026-11-01T09:00:00Z",
        "2026-11-01T10:00:00Z",
        Some("gw"),
    );
    let other_ci = restored(
        "b",
        "2026-11-05T09:00:00Z",
        "2026-11-05T10:00:00Z",
        Some("db"),
    );
    assert!(recurrences(&[first.clone(), other_ci]).is_empty());
    let unknown_ci = restored("b", "2026-11-05T09:00:00Z", "2026-11-05T10:00:00Z", None);
    assert_eq!(recurrences(&[first, unknown_ci]).len(), 1);
}

#[test]
fn an_incident_reported_before_the_other_was_resolved_is_not_a_recurrence() {
    let first = restored("a", "2026-11-01T09:00:00Z", "2026-11-01T10:00:00Z", None);
    let during = restored("b", "2026-11-01T09:30:00Z", "2026-11-01T11:00:00Z", None);
    assert!(recurrences(&[first, during]).is_empty());
}

#[test]
fn the_filter_window_is_half_open_and_uses_the_current_priority() {
    let a = restored("a", "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z", None);
    let mut b = restored("b", "2026-11-02T00:00:00Z", "2026-11-02T01:00:00Z", None);
    b.entries.push(Entry {
        at: t("2026-11-02T00:30:00Z"),
        by: "Sam".into(),
        event: Event::Reprioritise {
            impact: "high".into(),
            urgency: "medium".into(),
            priority: "P2".into(),
            reason: None,
            from: None,
            client: None,
        },
    });
    let all = [a, b];
    let count = |f: Filter| build(&config(), &all, &f, t(NOW)).incidents;
    let window = |since: &str, until: &str| Filter {
        since: Some(t(since)),
        until: Some(t(until)),
        ..Filter::default()
    };
    assert_eq!(
        count(window("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")),
        1
    );
    assert_eq!(
        count(window("2026-11-01T00:00:01Z", "2026-11-02T00:00:01Z")),
        1
    );
    assert_eq!(
        count(window("2026-11-01T00:00:00Z", "2026-11-02T00:00:01Z")),
        2
    );
    let priority = |p: &str| Filter {
        priority: Some(p.into()),
        ..Filter::default()
    };
    assert_eq!(count(priority("P2")), 1);
    assert_eq!(count(priority("P1")), 1);
    let client = Filter {
        client: Some("globex".into()),
        ..Filter::default()
    };
    assert_eq!(count(client), 0);
}

#[test]
fn iso_weeks() {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(iso_week(&d("2026-11-02")), "2026-W45");
    assert_eq!(iso_week(&d("2027-01-01")), "2026-W53");
    assert_eq!(iso_week(&d("2027-01-04")), "2027-W01");
}

#[test]
fn an_empty_report_renders_in_every_format() {
    let report = build(&config(), &[], &Filter::default(), t(NOW));
    assert_eq!(report.incidents, 0);
    assert!(markdown::render(&report).contains("0 incidents: all incidents"));
    let html = html::render(&report, &crate::render::brand::Brand::default());
    assert_eq!(html.matches("class=\"mark\"").count(), 0);
    assert!(html.contains("No incidents"));
    assert!(csv::render(&report).starts_with(csv::HEADER));
}
