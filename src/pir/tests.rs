use std::path::{Path, PathBuf};

use super::*;
use crate::lifecycle::Status;
use crate::model::pir::ActionKind;
use crate::model::pir::{Problem, end_of_day};
use crate::model::{Entry, Event, Incident, Record};
use crate::time::Timestamp;
use crate::units::Duration;
use chrono::NaiveDate;

fn at(hm: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(&format!("2026-11-{hm}:00Z")).unwrap()
}

/// The incident after every event.
fn latest(inc: &Incident) -> State {
    crate::state::derive(&config(), inc, at("30T00:00"))
}

fn actions(inc: &Incident) -> Vec<Action> {
    latest(inc).pir.map(|p| p.actions).unwrap_or_default()
}

fn started_at(inc: &Incident) -> Option<Timestamp> {
    latest(inc).pir.map(|p| p.started_at)
}

fn problems(inc: &Incident) -> Vec<Problem> {
    latest(inc).pir_problems
}

fn metrics_at(inc: &Incident, now: Timestamp) -> metrics::Metrics {
    let c = config();
    metrics::metrics(&c, inc, &crate::state::derive(&c, inc, now))
}

fn gaps_of(config: &Config, inc: &Incident) -> Vec<String> {
    close_gaps(config, inc, &latest(inc))
}

fn config() -> Config {
    Config::parse(Path::new("mim.yaml"), crate::config::DEFAULT_CONFIG).unwrap()
}

fn e(when: &str, event: Event) -> Entry {
    Entry {
        at: at(when),
        by: "Sam".into(),
        event,
    }
}

fn incident(priority: &str, entries: Vec<Entry>) -> Incident {
    Incident {
        id: "2026-11-24-payments".into(),
        dir: PathBuf::from("incidents/2026-11-24-payments"),
        record: Record {
            title: "Payments".into(),
            service: "Payments API".into(),
            client: "acme".into(),
            ci: Default::default(),
            category: None,
            impact: "high".into(),
            urgency: "high".into(),
            priority: priority.into(),
            reporter: "Sam".into(),
            reported: at("24T09:00"),
            impact_started: None,
            detected: None,
            tickets: vec![],
            description: None,
        },
        entries,
        plan: None,
        texts: Default::default(),
    }
}

/// Declared 09:00, accepted 09:10, on hold 10:00–10:30, resolved 11:45.
fn resolved() -> Vec<Entry> {
    vec![
        e(
            "24T09:10",
            Event::Accept {
                from: Status::Proposed,
                manager: "Alice".into(),
            },
        ),
        e(
            "24T10:00",
            Event::Hold {
                from: Status::Accepted,
                reason: "carrier".into(),
            },
        ),
        e(
            "24T10:30",
            Event::Resume {
                from: Status::OnHold,
            },
        ),
        e(
            "24T11:45",
            Event::Resolve {
                from: Status::Accepted,
                summary: "fixed".into(),
                closure: "hardware-replaced".into(),
                workaround: false,
                problem: None,
                verification: None,
                client_message: None,
            },
        ),
    ]
}

fn start() -> Entry {
    e(
        "25T09:00",
        Event::PirStart {
            reason: PirReason::Required,
            facilitator: "Dana".into(),
        },
    )
}

fn action(when: &str, id: &str) -> Entry {
    e(
        when,
        Event::PirAction {
            id: id.into(),
            text: format!("do {id}"),
            owner: "Bob".into(),
            due: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
            kind: ActionKind::Process,
            clients: Vec::new(),
        },
    )
}

fn review(when: &str, session: ReviewSession, adopted: &[&str]) -> Entry {
    e(
        when,
        Event::PirReview {
            session,
            held_at: at(when),
            attendees: vec!["Dana".into()],
            feedback: "ok".into(),
            adopted: adopted.iter().map(|s| s.to_string()).collect(),
            client: None,
        },
    )
}

#[test]
fn the_metrics_of_the_issue_example() {
    let m = metrics_at(&incident("P1", resolved()), at("26T00:00"));
    assert_eq!(m.time_to_accept, Some(Duration::from_mins(10)));
    assert_eq!(m.time_to_restore, Some(Duration::from_mins(165)));
    assert_eq!(m.time_on_hold, Duration::from_mins(30));
    assert_eq!(m.restore_excluding_hold, Some(Duration::from_mins(135)));
    let audiences: Vec<(&str, Option<bool>)> = m
        .updates
        .iter()
        .map(|u| (u.audience.as_str(), u.cadence_held))
        .collect();
    assert_eq!(
        audiences,
        [("internal", Some(false)), ("client", Some(false))]
    );
}

#[test]
fn updates_at_the_cadence_hold_it() {
    let mut entries = resolved();
    for (i, t) in ["24T09:25", "24T09:55", "24T10:25", "24T10:55", "24T11:25"]
        .iter()
        .enumerate()
    {
        entries.push(e(
            t,
            Event::Update {
                audience: "internal".into(),
                number: i as u32 + 1,
                file: format!("updates/{i}.md"),
                monitoring: false,
                client: None,
                next_by: None,
                next_given: false,
            },
        ));
    }
    entries.push(e(
        "24T10:00",
        Event::Update {
            audience: "management".into(),
            number: 1,
            file: "updates/m.md".into(),
            monitoring: false,
            client: None,
            next_by: None,
            next_given: false,
        },
    ));
    let m = metrics_at(&incident("P1", entries), at("26T00:00"));
    let internal = &m.updates[0];
    assert_eq!((internal.count, internal.cadence_held), (5, Some(true)));
    assert_eq!(internal.longest_gap, Duration::from_mins(30));
    let management = m
        .updates
        .iter()
        .find(|u| u.audience == "management")
        .unwrap();
    assert_eq!((management.count, management.cadence_held), (1, None));
}

#[test]
fn actions_replay_with_their_status() {
    let mut entries = resolved();
    entries.extend([
        start(),
        action("25T10:00", "A1-aaa"),
        action("25T10:05", "A2-bbb"),
        action("25T10:06", "A3-ccc"),
        e(
            "26T10:00",
            Event::PirActionDone {
                id: "A1-aaa".into(),
                note: None,
            },
        ),
        e(
            "26T10:01",
            Event::PirActionDrop {
                id: "A3-ccc".into(),
                reason: "no".into(),
            },
        ),
    ]);
    let inc = incident("P1", entries);
    let statuses: Vec<(String, &str)> = actions(&inc)
        .iter()
        .map(|a| (a.id.clone(), a.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("A1-aaa".to_string(), "done"),
            ("A2-bbb".to_string(), "open"),
            ("A3-ccc".to_string(), "dropped")
        ]
    );
    assert_eq!(started_at(&inc), Some(at("25T09:00")));
    assert!(problems(&inc).is_empty(), "{:?}", problems(&inc));
}

#[test]
fn close_needs_a_review_and_every_action_closed() {
    let config = config();
    let inc = incident("P1", resolved());
    let gaps = close_gaps(&config, &inc, &latest(&inc));
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0].contains("P1 requires one"), "{gaps:?}");
    assert!(gaps_of(&config, &incident("P2", resolved())).is_empty());

    let mut entries = resolved();
    entries.extend([start(), action("25T10:00", "A1-aaa")]);
    let gaps = gaps_of(&config, &incident("P2", entries.clone()));
    assert_eq!(
        gaps.len(),
        2,
        "a started PIR counts even where optional: {gaps:?}"
    );
    assert!(gaps[0].contains("no PIR review"), "{gaps:?}");
    assert!(
        gaps[1].starts_with("action A1-aaa is open: do A1-aaa"),
        "{gaps:?}"
    );

    entries.push(review("26T09:00", ReviewSession::Internal, &[]));
    entries.push(e(
        "26T10:00",
        Event::PirActionDone {
            id: "A1-aaa".into(),
            note: None,
        },
    ));
    assert!(gaps_of(&config, &incident("P1", entries)).is_empty());
}

#[test]
fn a_client_request_needs_a_client_review() {
    let mut entries = resolved();
    entries.push(e(
        "25T09:00",
        Event::PirStart {
            reason: PirReason::ClientRequest,
            facilitator: "Dana".into(),
        },
    ));
    entries.push(review("26T09:00", ReviewSession::Internal, &[]));
    let gaps = gaps_of(&config(), &incident("P3", entries.clone()));
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0].contains("no client review"), "{gaps:?}");
    entries.push(review("27T09:00", ReviewSession::Client, &[]));
    assert!(gaps_of(&config(), &incident("P3", entries)).is_empty());
}

#[test]
fn merge_mistakes_are_problems() {
    let mut entries = resolved();
    entries.extend([
        action("24T12:00", "A1-aaa"),
        start(),
        start(),
        action("25T10:00", "A2-bbb"),
        action("25T10:01", "A2-bbb"),
        action("25T10:02", "A03"),
        e(
            "26T10:00",
            Event::PirActionDone {
                id: "A2-bbb".into(),
                note: None,
            },
        ),
        e(
            "26T10:01",
            Event::PirActionDrop {
                id: "A2-bbb".into(),
                reason: "no".into(),
            },
        ),
        e(
            "26T10:02",
            Event::PirActionDone {
                id: "A9-zzz".into(),
                note: None,
            },
        ),
        review("26T11:00", ReviewSession::Client, &["A7-xxx"]),
    ]);
    let messages: Vec<String> = problems(&incident("P1", entries))
        .into_iter()
        .map(|p| p.message)
        .collect();
    let expect = [
        "before the PIR was started",
        "started twice",
        "A2-bbb is used twice",
        "`A03` is not of the form",
        "A2-bbb is both done and dropped",
        "names action A9-zzz",
        "adopted action A7-xxx",
    ];
    assert_eq!(messages.len(), expect.len(), "{messages:#?}");
    for (m, x) in messages.iter().zip(expect) {
        assert!(m.contains(x), "{m} / {x}");
    }
}

#[test]
fn pir_events_survive_the_timeline_line_form() {
    let samples = [
        start(),
        action("25T10:00", "A1-aaa"),
        e(
            "26T10:00",
            Event::PirActionDone {
                id: "A1-aaa".into(),
                note: Some("line one\nline \"two\"".into()),
            },
        ),
        review("26T11:00", ReviewSession::Client, &["A1-aaa"]),
    ];
    for entry in samples {
        let line = crate::model::timeline::to_line(&entry);
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        let back: Vec<Entry> = serde_yaml::from_str(&line).unwrap();
        assert_eq!(back, vec![entry], "{line}");
    }
}

#[test]
fn due_dates_end_at_midnight_in_the_zone() {
    let day = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    assert_eq!(
        crate::time::format(&end_of_day(day, chrono_tz::Europe::London)),
        "2026-07-02T00:00:00+01:00"
    );
}
