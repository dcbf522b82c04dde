use std::path::{Path, PathBuf};

use chrono::DateTime;

use super::*;
use crate::address::parse_address;
use crate::config::DEFAULT_CONFIG;
use crate::facts::display_zone;
use crate::lifecycle::Status;
use crate::model::plan::{Plan, Stakeholder};
use crate::model::{Entry, Event, Record};

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
            client: client.map(String::from).into(),
            ci: Default::default(),
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

/// The facts of `audience` about an accepted incident of client `client`, at 10:00.
fn reader(client: Option<&str>, audience: Audience) -> Facts {
    let c = config();
    let inc = incident(client, vec![accept()]);
    let state = crate::state::derive(&c, &inc, t("2026-11-24T10:00:00Z"));
    Facts::new(&c, &inc, &state, &Reader::new(audience, client), None)
}

#[test]
fn subjects_names_and_ids() {
    let management = reader(Some("acme"), Audience::ClientManagement);
    assert_eq!(
        subject(
            &management,
            Some("ACME Corp"),
            "Payments API outage",
            Kind::Update(3)
        ),
        "[P1][ACME Corp] Payments API outage — Update 3"
    );
    // The client's IT contacts and end users read no priority code.
    let client = reader(Some("acme"), Audience::Client);
    assert_eq!(
        subject(
            &client,
            Some("ACME Corp"),
            "Payments API outage",
            Kind::Restoral
        ),
        "[ACME Corp] Payments API outage — Restored"
    );
    assert_eq!(
        subject(
            &reader(None, Audience::Internal),
            None,
            "VPN down",
            Kind::Restoral
        ),
        "[P1] VPN down — Resolved"
    );
    let at = t("2026-11-24T10:30:00+01:00");
    assert_eq!(
        super::stem(&at, 1, Kind::Update(3), Audience::Client, Some("acme")),
        "20261124T093000Z-u3-client+acme"
    );
    let stem = stem(&at, 1, Kind::Update(3), Audience::Client, None);
    assert_eq!(stem, "20261124T093000Z-u3-client");
    let from = parse_address("Desk <desk@msp.example>").unwrap();
    assert_eq!(
        message_id(&stem, "2026-11-24-x", &from),
        "20261124T093000Z-u3-client.2026-11-24-x@msp.example"
    );
}

#[test]
fn message_names_parse_back() {
    let at = t("2026-11-24T09:30:00Z");
    for (kind, audience, client) in [
        (Kind::Update(12), Audience::ClientManagement, None),
        (Kind::Restoral, Audience::EndUsers, None),
        (Kind::Update(1), Audience::Internal, None),
        (
            Kind::Update(4),
            Audience::ClientManagement,
            Some("globex-uk"),
        ),
        (Kind::Restoral, Audience::Client, Some("acme")),
    ] {
        for seq in [1, 2, 17] {
            let name = format!("{}.eml", stem(&at, seq, kind, audience, client));
            let parsed = Stem {
                at,
                seq,
                kind,
                audience,
                client: client.map(str::to_string),
            };
            assert_eq!(parse_stem(&name), Some(parsed), "{name}");
        }
    }
    assert_eq!(
        stem(&at, 2, Kind::Update(3), Audience::Client, None),
        "20261124T093000Z.2-u3-client"
    );
    assert_eq!(parse_stem("notes.eml"), None);
    for bad in [".1", ".0", ".02", ".", ".x", ".2.3"] {
        let name = format!("20261124T093000Z{bad}-u1-client.eml");
        assert_eq!(parse_stem(&name), None, "{name}");
    }
    assert_eq!(parse_stem("20261124T093000Z-u1-client+Acme Corp.eml"), None);
    assert_eq!(parse_stem("20261124T093000Z-x1-client.eml"), None);
    assert_eq!(parse_stem("20261124T093000Z-u1-everyone.eml"), None);
}

fn with_stakeholders(mut inc: Incident, list: &[&str]) -> Incident {
    inc.plan = Some(Plan {
        stakeholders: list
            .iter()
            .map(|s| Stakeholder::parse(s).unwrap())
            .collect(),
        ..Plan::default()
    });
    inc
}

fn addresses(list: &[Mailbox]) -> Vec<&str> {
    list.iter().map(|m| m.address.as_str()).collect()
}

#[test]
fn recipients_per_audience_never_mix_the_provider_and_the_client() {
    let c = config();
    let acme = incident(Some("acme"), vec![accept()]);
    let r = recipients(&c, &acme, Audience::Management).unwrap();
    assert_eq!(addresses(&r.to), ["service-delivery@msp.example"]);
    assert!(r.cc.is_empty());
    let r = recipients(&c, &acme, Audience::ClientManagement).unwrap();
    assert_eq!(addresses(&r.to), ["cio@acme.example"]);
    let r = recipients(&c, &incident(None, vec![]), Audience::Internal).unwrap();
    assert_eq!(addresses(&r.cc), ["service-desk@msp.example"]);
    let err = recipients(&c, &incident(None, vec![]), Audience::Client)
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs a client"), "{err}");
    let err = recipients(&c, &incident(Some("globex"), vec![]), Audience::Client)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`globex` is not under `clients`"), "{err}");

    let followed = with_stakeholders(
        incident(Some("acme"), vec![]),
        &[
            "cfo@acme.example:client-management",
            "Duty <duty@msp.example>",
            "SERVICE-DELIVERY@msp.example",
        ],
    );
    let r = recipients(&c, &followed, Audience::ClientManagement).unwrap();
    assert_eq!(
        (addresses(&r.to), addresses(&r.cc)),
        (vec!["cio@acme.example"], vec!["cfo@acme.example"])
    );
    let r = recipients(&c, &followed, Audience::Management).unwrap();
    assert_eq!(
        (addresses(&r.to), addresses(&r.cc)),
        (
            vec!["service-delivery@msp.example"],
            vec!["duty@msp.example"]
        ),
        "each address once"
    );
    for wrong in [
        "cio@acme.example:management",
        "noc@msp.example:client-management",
    ] {
        let err = recipients(
            &c,
            &with_stakeholders(incident(Some("acme"), vec![]), &[wrong]),
            Audience::parse(wrong.rsplit_once(':').unwrap().1).unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("never receives"), "{wrong}: {err}");
    }
}

#[test]
fn threads_are_per_audience_and_client() {
    let mut threads = Threads::default();
    let acme = Some("acme".to_string());
    threads.push(Audience::Internal, acme.clone(), "i1@x".into());
    threads.push(Audience::Client, acme.clone(), "c1@x".into());
    threads.push(Audience::Client, Some("globex".into()), "g1@x".into());
    threads.push(Audience::Client, acme.clone(), "c2@x".into());
    assert_eq!(
        threads.headers(Audience::Client, Some("acme")),
        (Some("c2@x".into()), vec!["c1@x".into(), "c2@x".into()])
    );
    assert_eq!(
        threads.headers(Audience::ClientManagement, Some("acme")),
        (None, vec![])
    );
    for n in 3..30 {
        threads.push(Audience::Client, acme.clone(), format!("c{n}@x"));
    }
    let (reply, refs) = threads.headers(Audience::Client, Some("acme"));
    assert_eq!(reply.as_deref(), Some("c29@x"));
    assert_eq!(refs.len(), MAX_REFERENCES);
    assert_eq!(refs[0], "c1@x", "the thread's first message stays");
    assert_eq!(refs[MAX_REFERENCES - 1], "c29@x");
}

#[test]
fn update_numbers_are_per_audience_and_continue_after_the_highest() {
    let c = config();
    let update = |audience: &str, n| Event::Update {
        audience: audience.into(),
        number: n,
        file: format!("updates/{audience}-{n}.md"),
        monitoring: false,
        client: None,
        next_by: None,
        next_given: false,
    };
    let state = |inc: &Incident| crate::state::latest(&c, inc, t("2026-11-24T12:00:00Z"));
    let fresh = incident(None, vec![accept()]);
    assert_eq!(state(&fresh).next_update_number(Audience::Client), 1);
    // Two clones both wrote update 2 to internal; after the merge the next one is 3.
    let merged = incident(
        None,
        vec![
            accept(),
            ("2026-11-24T09:30:00Z", update("internal", 1)),
            ("2026-11-24T09:31:00Z", update("client", 1)),
            ("2026-11-24T10:00:00Z", update("internal", 2)),
            ("2026-11-24T10:01:00Z", update("internal", 2)),
        ],
    );
    let s = state(&merged);
    assert_eq!(s.next_update_number(Audience::Internal), 3);
    assert_eq!(s.next_update_number(Audience::Client), 2);
    assert_eq!(s.next_update_number(Audience::Management), 1);
    // An older mim numbered across audiences: the client continues after its highest.
    let old = incident(
        None,
        vec![
            accept(),
            ("2026-11-24T09:30:00Z", update("client", 1)),
            ("2026-11-24T10:30:00Z", update("client", 4)),
        ],
    );
    assert_eq!(state(&old).next_update_number(Audience::Client), 5);
}

#[test]
fn the_ledger_orders_by_recording_and_withdraws_undone_restorals() {
    let c = config();
    let update = |n| Event::Update {
        audience: "client".into(),
        number: n,
        file: format!("updates/{n}.md"),
        monitoring: false,
        client: None,
        next_by: None,
        next_given: false,
    };
    let resolve = Event::Resolve {
        from: Status::Accepted,
        summary: "x".into(),
        closure: "permanent-fix".into(),
        workaround: false,
        problem: None,
        verification: None,
        client_message: None,
    };
    let inc = incident(
        Some("acme"),
        vec![
            accept(),
            ("2026-11-24T10:00:00Z", update(1)),
            ("2026-11-24T11:00:00Z", resolve),
            (
                "2026-11-24T11:30:00Z",
                Event::Reopen {
                    from: Status::Resolved,
                    reason: "again".into(),
                },
            ),
            // Backfilled: recorded after update 1, dated before it.
            ("2026-11-24T09:30:00Z", update(2)),
        ],
    );
    let state = crate::state::latest(&c, &inc, t("2026-11-24T12:00:00Z"));
    let names: Vec<String> = [
        "20261124T093000Z-u2-client.eml",
        "20261124T100000Z-u1-client.eml",
        "20261124T110000Z-resolved-client.eml",
        "20261124T110000Z-resolved-internal.eml",
        "stray.eml",
    ]
    .map(String::from)
    .to_vec();
    let log = outbox::append(
        "",
        &[outbox::log_line(
            "20261124T110000Z-resolved-internal.eml",
            &t("2026-11-24T11:05:00Z"),
            "Alice",
        )],
    );
    let ledger = outbox::ledger(&names, &log, &state);
    let order: Vec<&str> = ledger.iter().map(|m| m.file.as_str()).collect();
    assert_eq!(
        order,
        [
            "20261124T100000Z-u1-client.eml",
            "20261124T110000Z-resolved-client.eml",
            "20261124T110000Z-resolved-internal.eml",
            "20261124T093000Z-u2-client.eml",
            "stray.eml",
        ]
    );
    let unsent: Vec<&str> = ledger
        .iter()
        .filter(|m| m.is_unsent())
        .map(|m| m.file.as_str())
        .collect();
    assert_eq!(
        unsent,
        [
            "20261124T100000Z-u1-client.eml",
            "20261124T093000Z-u2-client.eml",
            "stray.eml"
        ],
        "the unsent restoral notice of the reopened resolution is withdrawn; the sent one stays sent"
    );
    let log = outbox::append(
        &log,
        &[outbox::withdrawn_line(
            "stray.eml",
            &t("2026-11-24T11:40:00Z"),
            "Alice",
        )],
    );
    assert!(!outbox::sent(&log).contains("stray.eml"));
    assert!(outbox::withdrawn(&log).contains("stray.eml"));
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
    let restore = |now: &str| {
        let state = crate::state::derive(&c, &inc, t(now));
        let reader = Reader::new(Audience::Management, None);
        Facts::new(&c, &inc, &state, &reader, None).restore.unwrap()
    };
    let clock = restore("2026-11-24T12:00:00Z");
    assert_eq!(clock.used, "2h");
    assert_eq!(clock.target, "4h");
    assert_eq!(clock.percent, 50);
    assert_eq!(clock.remaining, "2h");
    assert_eq!(clock.due.as_deref(), Some("2026-11-24T14:00:00Z"));
    assert!(!clock.breached);
    let late = restore("2026-11-24T15:00:00Z");
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
    let reader = Reader::new(Audience::Management, None);
    let clock = Facts::new(&c, &inc, &now, &reader, None).restore.unwrap();
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

/// The recipients of a message about the incident's (first) client.
fn recipients(c: &Config, incident: &Incident, audience: Audience) -> anyhow::Result<Recipients> {
    let state = crate::state::derive(
        c,
        incident,
        chrono::DateTime::parse_from_rfc3339("2100-01-01T00:00:00Z").unwrap(),
    );
    recipients_for(
        c,
        incident,
        &state,
        audience,
        incident.record.client.first(),
    )
}
