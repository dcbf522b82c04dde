//! `mim report` over a fixture repository of fourteen incidents whose KPIs are worked out
//! by hand below. Times are UTC; London (the `business` calendar) is on GMT in November.

use serde_json::{Value, json};

use crate::common::TestRepo;

/// "now" for every report here.
const NOW: &str = "2026-12-20T12:00:00Z";

/// One line of timeline.yaml.
fn ev(at: &str, rest: &str) -> String {
    format!("- {{at: {at}, by: Sam Patel, event: {rest}}}\n")
}

struct Fixture<'a> {
    id: &'a str,
    client: &'a str,
    service: &'a str,
    ci: Option<&'a str>,
    category: &'a str,
    /// impact, urgency, priority (from the default matrix)
    level: (&'a str, &'a str, &'a str),
    reported: &'a str,
    timeline: Vec<String>,
    /// Status updates: (time, audience).
    updates: Vec<(&'a str, &'a str)>,
}

fn write(repo: &TestRepo, f: &Fixture) {
    let ci = f.ci.map(|c| format!("ci: {c}\n")).unwrap_or_default();
    repo.write(
        &format!("incidents/{}/incident.yaml", f.id),
        &format!(
            "title: {}\nservice: {}\nclient: {}\n{ci}category: {}\nimpact: {}\nurgency: {}\npriority: {}\nreporter: Sam Patel\nreported: {}\n",
            f.id, f.service, f.client, f.category, f.level.0, f.level.1, f.level.2, f.reported
        ),
    );
    if f.timeline.iter().any(|l| l.contains("event: pir-start")) {
        repo.write(
            &format!("incidents/{}/pir.md", f.id),
            "# Post incident review\n",
        );
    }
    let mut timeline = f.timeline.clone();
    for (n, (at, audience)) in f.updates.iter().enumerate() {
        let number = n + 1;
        let file = format!("updates/{}-{audience}.md", at.replace([':', '-'], ""));
        repo.write(
            &format!("incidents/{}/{file}", f.id),
            &format!(
                "---\nincident: {}\nnumber: {number}\naudience: {audience}\nat: {at}\nby: Sam Patel\n---\nUpdate {number}.\n",
                f.id
            ),
        );
        timeline.push(ev(
            at,
            &format!("update, audience: {audience}, number: {number}, file: {file}"),
        ));
    }
    repo.write(
        &format!("incidents/{}/timeline.yaml", f.id),
        &timeline.concat(),
    );
}

const P1: (&str, &str, &str) = ("high", "high", "P1");
const P2: (&str, &str, &str) = ("high", "medium", "P2");
const P3: (&str, &str, &str) = ("medium", "medium", "P3");

fn accept(at: &str) -> String {
    ev(at, "accept, from: proposed, manager: Alice Moreau")
}
fn resolve(at: &str, closure: &str) -> String {
    ev(
        at,
        &format!("resolve, from: accepted, summary: restored, closure: {closure}"),
    )
}
fn close(at: &str, csat: Option<u8>) -> String {
    match csat {
        Some(c) => ev(at, &format!("close, from: resolved, csat: {c}")),
        None => ev(at, "close, from: resolved"),
    }
}
fn hold(at: &str) -> String {
    ev(at, "hold, from: accepted, reason: waiting on a third party")
}
fn resume(at: &str) -> String {
    ev(at, "resume, from: on-hold")
}
fn escalate(at: &str, kind: &str) -> String {
    ev(at, &format!("escalate, kind: {kind}, to: someone"))
}
fn pir_start(at: &str, reason: &str) -> String {
    ev(
        at,
        &format!("pir-start, reason: {reason}, facilitator: Alice Moreau"),
    )
}
fn pir_action(at: &str, id: &str, due: &str, kind: &str) -> String {
    ev(
        at,
        &format!("pir-action, id: {id}, text: do it, owner: Ops, due: {due}, kind: {kind}"),
    )
}
fn pir_review(at: &str, session: &str, adopted: &str) -> String {
    ev(
        at,
        &format!(
            "pir-review, session: {session}, held_at: {at}, attendees: [Alice, Bob], feedback: fine, adopted: [{adopted}]"
        ),
    )
}
fn logged(at: &str, time: &str, activity: &str) -> String {
    ev(
        at,
        &format!("note, text: worked, time: {time}, activity: {activity}"),
    )
}

/// The fixture. Per incident: response = accepted (or rejected) − reported; restore =
/// resolution − reported − time on hold − time resolved before a reopen (the SLA engine's
/// clocks; in working time, which for P1 and P2 (24x7) is wall-clock time).
///
/// | id | client | service | ci | cat | pri | status | response | restore | hold |
/// |----|--------|---------|----|-----|-----|--------|----------|---------|------|
/// | A 11-02 payments | acme | Payments API | pay-gw-01 | application | P1 | closed csat 4 | 10m | 2h30m | |
/// | B 11-03 email | globex | Email | | application | P2 | closed csat 5 | 20m | 4h − 1h = 3h | 1h |
/// | C 11-05 vpn | acme | VPN | vpn-01 | network | P1 | closed csat 2 | 30m | 6h | |
/// | D 11-10 payments | acme | Payments API | pay-gw-01 | application | P1 | closed csat 3, reopened | 5m | 6h − 4h resolved = 2h | |
/// | E 11-11 files | globex | File shares | | storage | P3 | resolved | 45m | 6h (Wed, in hours) | |
/// | F 11-16 crm | acme | CRM | | application | P2 | rejected | 10m | | |
/// | G 11-17 wan | globex | WAN | wan-edge-2 | network | P1 | closed, no csat | 12m | 5h − 3h = 2h | 3h |
/// | H 11-18 wan | globex | WAN | wan-edge-2 | network | P1 | closed csat 4 | 10m | 2h | |
/// | I 11-24 payments | acme | Payments API | pay-db-01 | database | P2 | closed csat 5 | 30m | 4h | |
/// | J 12-01 backup | acme | Backup | | storage | P2 | closed csat 3 | 40m | 10h | |
/// | K 12-07 email | globex | Email | | application | P1 | resolved | 5m | 2h | |
/// | L 12-08 payments | acme | Payments API | | application | P1 | accepted | 20m | | 2h |
/// | M 12-15 dns | acme | DNS | | network | P2 | proposed | | | |
/// | N 12-16 san | globex | SAN | san-01 | storage | P2 | on hold | 15m | | 12-17 01:00 → now = 83h |
///
/// PIRs (P1 requires one; start_within 2d; now 2026-12-20):
/// - A: started 21h30m after the resolve (on time); A1 done, A2 done; internal and client
///   reviews, the client adopted A1.
/// - C: started 3d 14h after (late); A1 open, due 11-30 (overdue); A2 open, due 2027-01-15;
///   A3 dropped; client review adopted A1. Closed with a management override.
/// - D, H: required, none started.
/// - G: started 20h after (on time), internal review, no actions.
/// - K: started 3d after (late); A1 open, due 12-18 (overdue); no review.
/// - J (P2, optional, at the client's request): A1 done; client review adopted A1.
fn fixture(repo: &TestRepo) {
    let config = repo.read("mim.yaml").replace(
        "audiences:",
        "  globex:\n    name: Globex Inc\n\naudiences:",
    );
    repo.config(&config);
    let incidents = [
        Fixture {
            id: "2026-11-02-payments-api-outage",
            client: "acme",
            service: "Payments API",
            ci: Some("pay-gw-01"),
            category: "application",
            level: P1,
            reported: "2026-11-02T09:00:00Z",
            updates: vec![
                ("2026-11-02T09:25:00Z", "internal"),
                ("2026-11-02T09:45:00Z", "client"),
                ("2026-11-02T09:50:00Z", "internal"),
                ("2026-11-02T10:15:00Z", "internal"),
                ("2026-11-02T10:40:00Z", "internal"),
                ("2026-11-02T10:40:00Z", "client"),
                ("2026-11-02T11:05:00Z", "internal"),
            ],
            timeline: vec![
                accept("2026-11-02T09:10:00Z"),
                escalate("2026-11-02T09:30:00Z", "sme"),
                logged("2026-11-02T10:00:00Z", "1h", "diagnosis"),
                logged("2026-11-02T10:30:00Z", "30m", "communication"),
                escalate("2026-11-02T11:00:00Z", "management"),
                resolve("2026-11-02T11:30:00Z", "config-change"),
                pir_start("2026-11-03T09:00:00Z", "required"),
                pir_action("2026-11-03T09:10:00Z", "A1-abc", "2026-11-10", "technical"),
                pir_action("2026-11-03T09:20:00Z", "A2-def", "2026-11-20", "process"),
                pir_review("2026-11-03T09:30:00Z", "internal", ""),
                pir_review("2026-11-03T09:45:00Z", "client", "A1-abc"),
                ev("2026-11-09T10:00:00Z", "pir-action-done, id: A1-abc"),
                ev("2026-11-18T10:00:00Z", "pir-action-done, id: A2-def"),
                close("2026-11-19T10:00:00Z", Some(4)),
            ],
        },
        Fixture {
            id: "2026-11-03-email-delivery-delayed",
            client: "globex",
            service: "Email",
            ci: None,
            category: "application",
            level: P2,
            reported: "2026-11-03T08:00:00Z",
            updates: vec![
                ("2026-11-03T08:50:00Z", "internal"),
                ("2026-11-03T09:30:00Z", "client"),
                ("2026-11-03T09:45:00Z", "internal"),
                ("2026-11-03T10:40:00Z", "internal"),
                ("2026-11-03T11:20:00Z", "client"),
                ("2026-11-03T11:30:00Z", "internal"),
            ],
            timeline: vec![
                accept("2026-11-03T08:20:00Z"),
                escalate("2026-11-03T08:45:00Z", "vendor"),
                hold("2026-11-03T09:00:00Z"),
                resume("2026-11-03T10:00:00Z"),
                logged("2026-11-03T11:00:00Z", "2h", "coordination"),
                resolve("2026-11-03T12:00:00Z", "vendor-fix"),
                close("2026-11-04T09:00:00Z", Some(5)),
            ],
        },
        Fixture {
            id: "2026-11-05-vpn-gateway-down",
            client: "acme",
            service: "VPN",
            ci: Some("vpn-01"),
            category: "network",
            level: P1,
            updates: vec![],
            reported: "2026-11-05T14:00:00Z",
            timeline: vec![
                accept("2026-11-05T14:30:00Z"),
                escalate("2026-11-05T15:00:00Z", "parts"),
                escalate("2026-11-05T15:30:00Z", "onsite"),
                escalate("2026-11-05T16:00:00Z", "management"),
                logged("2026-11-05T18:00:00Z", "3h", "diagnosis"),
                resolve("2026-11-05T20:00:00Z", "hardware-replaced"),
                pir_start("2026-11-09T10:00:00Z", "required"),
                pir_action("2026-11-09T10:10:00Z", "A1-ghj", "2026-11-30", "technical"),
                pir_action("2026-11-09T10:20:00Z", "A2-kmn", "2027-01-15", "process"),
                pir_action("2026-11-09T10:30:00Z", "A3-pqr", "2026-11-20", "client"),
                pir_review("2026-11-10T14:00:00Z", "client", "A1-ghj"),
                ev(
                    "2026-11-11T09:00:00Z",
                    "pir-action-drop, id: A3-pqr, reason: the client declined",
                ),
                ev(
                    "2026-11-12T12:00:00Z",
                    "close, from: resolved, csat: 2, override: \"actions tracked in PRB-7\"",
                ),
            ],
        },
        Fixture {
            id: "2026-11-10-payments-api-errors",
            client: "acme",
            service: "Payments API",
            ci: Some("pay-gw-01"),
            category: "application",
            level: P1,
            updates: vec![],
            reported: "2026-11-10T10:00:00Z",
            timeline: vec![
                accept("2026-11-10T10:05:00Z"),
                resolve("2026-11-10T11:00:00Z", "workaround"),
                ev(
                    "2026-11-10T15:00:00Z",
                    "reopen, from: resolved, reason: errors again",
                ),
                resolve("2026-11-10T16:00:00Z", "permanent-fix"),
                close("2026-11-12T09:00:00Z", Some(3)),
            ],
        },
        Fixture {
            id: "2026-11-11-file-server-slow",
            client: "globex",
            service: "File shares",
            ci: None,
            category: "storage",
            level: P3,
            reported: "2026-11-11T09:00:00Z",
            updates: vec![("2026-11-11T11:00:00Z", "internal")],
            timeline: vec![
                accept("2026-11-11T09:45:00Z"),
                resolve("2026-11-11T15:00:00Z", "capacity-added"),
            ],
        },
        Fixture {
            id: "2026-11-16-crm-login-failures",
            client: "acme",
            service: "CRM",
            ci: None,
            category: "application",
            level: P2,
            updates: vec![],
            reported: "2026-11-16T13:00:00Z",
            timeline: vec![ev(
                "2026-11-16T13:10:00Z",
                "reject, from: proposed, reason: one user",
            )],
        },
        Fixture {
            id: "2026-11-17-wan-link-flapping",
            client: "globex",
            service: "WAN",
            ci: Some("wan-edge-2"),
            category: "network",
            level: P1,
            updates: vec![],
            reported: "2026-11-17T07:00:00Z",
            timeline: vec![
                accept("2026-11-17T07:12:00Z"),
                escalate("2026-11-17T07:30:00Z", "third-party"),
                hold("2026-11-17T08:00:00Z"),
                resume("2026-11-17T11:00:00Z"),
                resolve("2026-11-17T12:00:00Z", "vendor-fix"),
                pir_start("2026-11-18T08:00:00Z", "required"),
                pir_review("2026-11-18T08:30:00Z", "internal", ""),
                close("2026-11-18T09:00:00Z", None),
            ],
        },
        Fixture {
            id: "2026-11-18-wan-link-down",
            client: "globex",
            service: "WAN",
            ci: Some("wan-edge-2"),
            category: "network",
            level: P1,
            reported: "2026-11-18T06:00:00Z",
            updates: vec![
                ("2026-11-18T06:20:00Z", "internal"),
                ("2026-11-18T06:45:00Z", "internal"),
                ("2026-11-18T06:50:00Z", "client"),
                ("2026-11-18T07:40:00Z", "internal"),
                ("2026-11-18T07:45:00Z", "client"),
            ],
            timeline: vec![
                accept("2026-11-18T06:10:00Z"),
                resolve("2026-11-18T08:00:00Z", "hardware-replaced"),
                close("2026-11-19T09:00:00Z", Some(4)),
            ],
        },
        Fixture {
            id: "2026-11-24-payments-api-timeout",
            client: "acme",
            service: "Payments API",
            ci: Some("pay-db-01"),
            category: "database",
            level: P2,
            updates: vec![],
            reported: "2026-11-24T16:00:00Z",
            timeline: vec![
                accept("2026-11-24T16:30:00Z"),
                resolve("2026-11-24T20:00:00Z", "permanent-fix"),
                close("2026-11-25T09:00:00Z", Some(5)),
            ],
        },
        Fixture {
            id: "2026-12-01-backup-jobs-failing",
            client: "acme",
            service: "Backup",
            ci: None,
            category: "storage",
            level: P2,
            updates: vec![],
            reported: "2026-12-01T09:00:00Z",
            timeline: vec![
                accept("2026-12-01T09:40:00Z"),
                escalate("2026-12-01T10:00:00Z", "sme"),
                logged("2026-12-01T12:00:00Z", "2h", "coordination"),
                logged("2026-12-01T13:00:00Z", "30m", "communication"),
                resolve("2026-12-01T19:00:00Z", "config-change"),
                pir_start("2026-12-02T09:00:00Z", "client-request"),
                pir_action("2026-12-02T09:10:00Z", "A1-wxy", "2026-12-15", "process"),
                pir_review("2026-12-02T15:00:00Z", "client", "A1-wxy"),
                ev("2026-12-14T09:00:00Z", "pir-action-done, id: A1-wxy"),
                close("2026-12-15T09:00:00Z", Some(3)),
            ],
        },
        Fixture {
            id: "2026-12-07-email-delivery-failed",
            client: "globex",
            service: "Email",
            ci: None,
            category: "application",
            level: P1,
            updates: vec![],
            reported: "2026-12-07T10:00:00Z",
            timeline: vec![
                accept("2026-12-07T10:05:00Z"),
                resolve("2026-12-07T12:00:00Z", "no-fault-found"),
                pir_start("2026-12-10T12:00:00Z", "required"),
                pir_action("2026-12-10T12:10:00Z", "A1-stv", "2026-12-18", "technical"),
            ],
        },
        Fixture {
            id: "2026-12-08-payments-api-down",
            client: "acme",
            service: "Payments API",
            ci: None,
            category: "application",
            level: P1,
            updates: vec![],
            reported: "2026-12-08T09:00:00Z",
            timeline: vec![
                accept("2026-12-08T09:20:00Z"),
                logged("2026-12-08T09:50:00Z", "1h30m", "diagnosis"),
                hold("2026-12-08T10:00:00Z"),
                resume("2026-12-08T12:00:00Z"),
            ],
        },
        Fixture {
            id: "2026-12-15-dns-resolution-errors",
            client: "acme",
            service: "DNS",
            ci: None,
            category: "network",
            level: P2,
            updates: vec![],
            reported: "2026-12-15T08:00:00Z",
            timeline: vec![],
        },
        Fixture {
            id: "2026-12-16-storage-array-degraded",
            client: "globex",
            service: "SAN",
            ci: Some("san-01"),
            category: "storage",
            level: P2,
            updates: vec![],
            reported: "2026-12-16T22:00:00Z",
            timeline: vec![
                accept("2026-12-16T22:15:00Z"),
                escalate("2026-12-16T23:00:00Z", "vendor"),
                hold("2026-12-17T01:00:00Z"),
            ],
        },
    ];
    for f in &incidents {
        write(repo, f);
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "--quiet", "-m", "fixture"]);
    repo.run(&["validate"]).ok();
}

fn report(repo: &TestRepo, args: &[&str]) -> Value {
    let mut all = vec!["report", "--format", "json"];
    all.extend_from_slice(args);
    repo.now(NOW, &all).ok().json()
}

const H: i64 = 3600;
const M: i64 = 60;

fn summary(count: u64, mean: i64, median: i64, p90: i64, max: i64) -> Value {
    json!({"count": count, "mean_secs": mean, "median_secs": median, "p90_secs": p90, "max_secs": max})
}

fn rate(count: u64, total: u64, percent: f64) -> Value {
    json!({"count": count, "total": total, "percent": percent})
}

#[test]
fn every_kpi_of_the_fixture_matches_the_hand_worked_values() {
    let repo = TestRepo::new();
    fixture(&repo);
    let r = report(&repo, &[]);
    // F, a rejected proposal, is not an incident: it has its line under status and proposals.
    assert_eq!(r["incidents"], 13);

    // Closed: A B C D G H I J = 8; resolved: E K; rejected F; accepted L; proposed M; on hold N.
    assert_eq!(
        r["counts"]["status"],
        json!({"proposed": 1, "accepted": 1, "on-hold": 1, "resolved": 2, "closed": 8, "rejected": 1})
    );
    // P1: A C D G H K L = 7; P2: B I J M N = 5 (not F); P3: E.
    assert_eq!(
        r["counts"]["priority"],
        json!({"P1": 7, "P2": 5, "P3": 1, "P4": 0, "P5": 0})
    );
    // application: A B D K L; network: C G H M; storage: E J N; database: I.
    assert_eq!(
        r["counts"]["category"],
        json!({"application": 5, "network": 4, "storage": 3, "database": 1})
    );
    // acme: A C D I J L M; globex: B E G H K N.
    assert_eq!(r["counts"]["client"], json!({"acme": 7, "globex": 6}));
    assert_eq!(
        r["client_names"],
        json!({"acme": "ACME Corp", "globex": "Globex Inc"})
    );
    assert_eq!(
        r["counts"]["service"],
        json!({"Payments API": 4, "Email": 2, "WAN": 2, "VPN": 1, "File shares": 1,
               "Backup": 1, "DNS": 1, "SAN": 1})
    );
    // The last resolution of the ten restored: D's reopened workaround became permanent-fix.
    assert_eq!(
        r["counts"]["closure_code"],
        json!({"config-change": 2, "vendor-fix": 2, "hardware-replaced": 2, "permanent-fix": 2,
               "capacity-added": 1, "no-fault-found": 1})
    );
    // 12 accepted, F rejected, M pending: 12 of 13 decided = 92.3%.
    assert_eq!(
        r["proposals"],
        json!({"accepted": 12, "rejected": 1, "pending": 1, "acceptance": rate(12, 13, 92.3)})
    );

    // Response P1: 5 5 10 10 12 20 30 min; mean 92/7 min = 788.57 s → 789 s; median the 4th
    // = 10m; p90 rank ⌈0.9 × 7⌉ = 7 → 30m.
    assert_eq!(
        r["times"]["response"]["P1"],
        summary(7, 789, 10 * M, 30 * M, 30 * M)
    );
    // Response P2 (F's rejection is a response too): 10 15 20 30 40 min; mean 115/5 =
    // 23m; median the 3rd = 20m; p90 rank ⌈4.5⌉ = 5 → 40m.
    assert_eq!(
        r["times"]["response"]["P2"],
        summary(5, 23 * M, 20 * M, 40 * M, 40 * M)
    );
    assert_eq!(
        r["times"]["response"]["P3"],
        summary(1, 45 * M, 45 * M, 45 * M, 45 * M)
    );
    assert_eq!(r["times"]["response"]["P4"]["count"], 0);
    assert_eq!(r["times"]["response"]["P4"]["mean_secs"], Value::Null);
    // Restore P1 (D: 10:00–11:00 and 15:00–16:00; resolved in between does not count):
    // 2h 2h 2h 2h 2h30m 6h; mean 16.5h/6 = 9900 s; median (2h + 2h)/2 = 2h; p90 rank
    // ⌈5.4⌉ = 6 → 6h.
    assert_eq!(
        r["times"]["restore"]["P1"],
        summary(6, 9900, 2 * H, 6 * H, 6 * H)
    );
    // Restore P2: 3h 4h 10h; mean 17h/3 = 20400 s; median 4h; p90 rank 3 → 10h.
    assert_eq!(
        r["times"]["restore"]["P2"],
        summary(3, 20_400, 4 * H, 10 * H, 10 * H)
    );
    assert_eq!(
        r["times"]["restore"]["P3"],
        summary(1, 6 * H, 6 * H, 6 * H, 6 * H)
    );

    // sme: A J; management: A C; vendor: B N; parts, onsite: C; third-party: G. 9 in all.
    // Escalated: A B C G J N = 6 of the 13 incidents (F, a rejected proposal, is not one)
    // = 46.2%; to management: A C = 2 of 13 = 15.4%.
    assert_eq!(
        r["escalations"],
        json!({
            "total": 9,
            "by_kind": {"sme": 2, "management": 2, "vendor": 2, "parts": 1, "onsite": 1, "third-party": 1},
            "incidents_escalated": rate(6, 13, 46.2),
            "incidents_hierarchic": rate(2, 13, 15.4),
        })
    );

    // Holds: B 1h, G 3h, L 2h, N from 12-17 01:00 to now 12-20 12:00 = 83h. 4 of 14 = 28.6%.
    // Total 89h; mean 22h15m; median (2h + 3h)/2 = 2h30m; p90 rank 4 → 83h.
    assert_eq!(
        r["hold"],
        json!({
            "periods": 4,
            "incidents_on_hold": rate(4, 13, 30.8),
            "total_secs": 89 * H,
            "per_incident": summary(4, 22 * H + 15 * M, 2 * H + 30 * M, 83 * H, 83 * H),
        })
    );

    // Ever resolved: A B C D E G H I J K = 10; reopened: D. 10.0%.
    assert_eq!(r["reopen"], rate(1, 10, 10.0));

    // Recurrences (window 30d), of the 13 not rejected:
    //   D recurs A (Payments API, pay-gw-01; A resolved 7d 22h 30m before);
    //   H recurs G (WAN, wan-edge-2; 18h);
    //   L (no CI) matches A (35d 21h 30m: too old), D (27d 17h) and I (13d 13h): the latest, I.
    //   Not: I (pay-db-01 ≠ pay-gw-01); K (Email; B resolved 33d 22h before).
    // 3 of 13 = 23.1%.
    assert_eq!(
        r["recurrence"],
        json!({
            "window": "30d",
            "rate": rate(3, 13, 23.1),
            "recurrences": [
                ["2026-11-10-payments-api-errors", "2026-11-02-payments-api-outage"],
                ["2026-11-18-wan-link-down", "2026-11-17-wan-link-flapping"],
                ["2026-12-08-payments-api-down", "2026-11-24-payments-api-timeout"],
            ],
        })
    );

    // Closed: 8; with a score: 7 (G has none) = 87.5%. Scores 4 5 2 3 4 5 3: 26/7 = 3.71.
    assert_eq!(
        r["satisfaction"],
        json!({
            "response_rate": rate(7, 8, 87.5),
            "mean": 3.71,
            "scores": {"2": 1, "3": 2, "4": 2, "5": 2},
        })
    );

    // diagnosis: A 1h, C 3h, L 1h30m = 5h30m over 14 incidents = 1414.29 s → 1414 s;
    // coordination: B 2h, J 2h = 4h / 14 = 1028.57 → 1029 s;
    // communication: A 30m, J 30m = 1h / 14 = 257.14 → 257 s. Total 10h30m.
    // By category: application (6 incidents) A 1h30m + B 2h + L 1h30m = 5h → 50m each;
    // network (4) C 3h → 45m; storage (3) J 2h30m → 50m; database none.
    let group = |entries: u64, total: i64, incidents: u64, mean: i64| json!({"entries": entries, "total_secs": total, "incidents": incidents, "mean_per_incident_secs": mean});
    assert_eq!(
        r["time_logged"],
        json!({
            "total_secs": 10 * H + 30 * M,
            "by_activity": {
                "diagnosis": group(3, 5 * H + 30 * M, 3, 1414),
                "coordination": group(2, 4 * H, 2, 1029),
                "communication": group(2, H, 2, 257),
            },
            "by_category": {
                "application": group(4, 5 * H, 3, 50 * M),
                "network": group(1, 3 * H, 1, 45 * M),
                "storage": group(2, 2 * H + 30 * M, 1, 50 * M),
            },
        })
    );

    // PIRs required: restored P1s A C D G H K = 6; held: A C G K = 4 (66.7%); on time:
    // A G = 2 (33.3%). Started: those 4 and J = 5; with a review: A C G J = 4 (80%).
    // Actions: A 2 done; C 2 open (1 overdue) + 1 dropped; K 1 open (overdue); J 1 done:
    // 7 = 3 open + 3 done + 1 dropped, 2 overdue. Adoption (PIRs with a client review:
    // A 1 of 2, C 1 of 3, J 1 of 1): 3 of 6 = 50%.
    assert_eq!(
        r["pir"],
        json!({
            "required": 6,
            "held": rate(4, 6, 66.7),
            "held_on_time": rate(2, 6, 33.3),
            "started": 5,
            "reviewed": rate(4, 5, 80.0),
            "actions": {"total": 7, "open": 3, "done": 3, "dropped": 1, "overdue": 2},
            "adoption": rate(3, 6, 50.0),
        })
    );

    assert!(
        r["client_retention"]
            .as_str()
            .unwrap()
            .contains("cannot be computed from incident data")
    );

    // 2026-11-02 is the Monday of ISO week 45.
    // W45: A C (P1), B (P2); W46: D (P1), E (P3); W47: G H (P1), F (P2); W48: I (P2);
    // W49: J (P2); W50: K L (P1); W51: M N (P2).
    let weeks: Vec<(String, String, u64)> = r["per_week"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["week"].as_str().unwrap().into(),
                w["priority"].as_str().unwrap().into(),
                w["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("2026-W45", "P1", 2),
        ("2026-W45", "P2", 1),
        ("2026-W46", "P1", 1),
        ("2026-W46", "P3", 1),
        ("2026-W47", "P1", 2),
        // F (2026-W47, P2) was rejected: a proposal, not an incident to chart.
        ("2026-W48", "P2", 1),
        ("2026-W49", "P2", 1),
        ("2026-W50", "P1", 2),
        ("2026-W51", "P2", 2),
    ]
    .map(|(w, p, n)| (w.to_string(), p.to_string(), n));
    assert_eq!(weeks, expected);
}

fn compliance(met: u64, breached: u64, open: u64, percent: f64) -> Value {
    json!({"met": met, "breached": breached, "open": open, "rate": rate(met, met + breached, percent)})
}

/// Targets (default mim.yaml): P1 respond 15m, restore 4h, internal updates 30m, client
/// 1h; P2 30m, 8h, 1h, 2h; P3 1h, 10h, 4h, 8h in business hours. A clock stopped at
/// exactly its due time is met.
///
/// Respond: P1 A 10m ✓, C 30m ✗, D 5m ✓, G 12m ✓, H 10m ✓, K 5m ✓, L 20m ✗ → 5/7;
///   P2 B 20m ✓, F 10m (rejected) ✓, I 30m ✓ (exactly), J 40m ✗, M never accepted ✗,
///   N 15m ✓ → 4/6; P3 E 45m ✓ → 1/1. All: 10/14.
/// Restore (F, rejected, has none): P1 A ✓, C 6h ✗, D 2h ✓, G ✓, H ✓, K ✓, L still
///   open after 12 days ✗ → 5/7; P2 B ✓, I ✓, J 10h ✗, M ✗, N paused at 3h (open) →
///   2/4 + 1 open; P3 E 6h ✓. All: 8/12, 1 open.
/// Internal updates (every gap ≤ cadence until resolved): A gaps 25m ×5 and 25m to the
///   resolve ✓; B 50 55 55 50 + 30m ✓; E 2h + 4h (exactly) ✓; H 20 25 55m ✗; every
///   other incident sent none ✗. P1 1/7, P2 1/5, P3 1/1; all 3/13.
/// Client updates: A 45m 55m + 50m ✓; B 1h30m 1h50m + 40m ✓; H 50m 55m + 15m ✓; E none
///   but resolved after 6h < 8h ✓; the rest ✗. P1 2/7, P2 1/5, P3 1/1; all 4/13.
/// By client — acme: A C D F I J L M; globex: B E G H K N:
///   respond acme 4/8 (C J L M ✗), globex 6/6; restore acme 3/7, globex 5/5 + N open;
///   client acme 1/7, globex 3/6 (internal updates are the provider's own: under no
///   client).
/// By month — November: A–I; December: J–N:
///   respond 8/9 (C ✗), 2/5 (K N ✓); restore 7/8, 1/4 (K ✓; N open);
///   internal 3/8, 0/5; client 4/8, 0/5.
#[test]
fn sla_compliance_comes_from_the_engine_and_agrees_with_check() {
    let repo = TestRepo::new();
    fixture(&repo);
    let r = report(&repo, &[]);
    let sla = &r["sla"];
    assert_eq!(
        sla["overall"],
        json!({
            "respond": compliance(10, 4, 0, 71.4),
            "restore": compliance(8, 4, 1, 66.7),
            "update-internal": compliance(3, 10, 0, 23.1),
            "update-client": compliance(4, 9, 0, 30.8),
        })
    );
    assert_eq!(
        sla["by_priority"],
        json!({
            "respond": {"P1": compliance(5, 2, 0, 71.4), "P2": compliance(4, 2, 0, 66.7), "P3": compliance(1, 0, 0, 100.0)},
            "restore": {"P1": compliance(5, 2, 0, 71.4), "P2": compliance(2, 2, 1, 50.0), "P3": compliance(1, 0, 0, 100.0)},
            "update-internal": {"P1": compliance(1, 6, 0, 14.3), "P2": compliance(1, 4, 0, 20.0), "P3": compliance(1, 0, 0, 100.0)},
            "update-client": {"P1": compliance(2, 5, 0, 28.6), "P2": compliance(1, 4, 0, 20.0), "P3": compliance(1, 0, 0, 100.0)},
        })
    );
    assert_eq!(
        sla["by_client"],
        json!({
            "respond": {"acme": compliance(4, 4, 0, 50.0), "globex": compliance(6, 0, 0, 100.0)},
            "restore": {"acme": compliance(3, 4, 0, 42.9), "globex": compliance(5, 0, 1, 100.0)},
            "update-client": {"acme": compliance(1, 6, 0, 14.3), "globex": compliance(3, 3, 0, 50.0)},
        })
    );
    let month = |m: &str, rule: &str, c: Value| json!({"month": m, "rule": rule, "compliance": c});
    assert_eq!(
        sla["per_month"],
        json!([
            month("2026-11", "respond", compliance(8, 1, 0, 88.9)),
            month("2026-11", "restore", compliance(7, 1, 0, 87.5)),
            month("2026-11", "update-internal", compliance(3, 5, 0, 37.5)),
            month("2026-11", "update-client", compliance(4, 4, 0, 50.0)),
            month("2026-12", "respond", compliance(2, 3, 0, 40.0)),
            month("2026-12", "restore", compliance(1, 3, 1, 25.0)),
            month("2026-12", "update-internal", compliance(0, 5, 0, 0.0)),
            month("2026-12", "update-client", compliance(0, 5, 0, 0.0)),
        ])
    );

    let check = repo.now(NOW, &["check", "--format", "json"]);
    let check: Value = serde_json::from_str(&check.stdout).expect("check prints JSON");
    assert_eq!(check["clocks"].as_object().unwrap().len(), 14);
    assert_agrees_with_check(&r, &check);
}

/// `mim check` at the same "now" gives every incident's clocks: the report's clock
/// states are the same, its times are check's elapsed time of the stopped clocks, and
/// its tallies are the tallies of check's clocks.
fn assert_agrees_with_check(r: &Value, check: &Value) {
    let sla = &r["sla"];
    let clocks = check["clocks"].as_object().expect("check lists clocks");
    assert_eq!(clocks.len(), r["list"].as_array().unwrap().len());
    let mut tally: std::collections::BTreeMap<(String, String), (u64, u64, u64)> =
        Default::default();
    for row in r["list"].as_array().unwrap() {
        let id = row["id"].as_str().unwrap();
        // An incident of several clients: its own clocks, and each client's.
        let mut views: Vec<(Value, &Value)> = vec![(Value::Null, row)];
        for view in row["per_client"].as_array().into_iter().flatten() {
            views.push((view["client"].clone(), view));
        }
        let several = views.len() > 1;
        for (client, view) in &views {
            let of_view = |c: &&Value| c.get("client").unwrap_or(&Value::Null) == client;
            for rule in ["respond", "restore", "update-internal", "update-client"] {
                let theirs: Vec<&Value> = clocks[id]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|c| c["rule"] == rule)
                    .filter(of_view)
                    .collect();
                assert!(theirs.len() <= 1, "{id} {client} {rule}");
                let ours = &view["sla"][rule];
                match theirs.first() {
                    None => assert_eq!(*ours, Value::Null, "{id} {client} {rule}"),
                    Some(c) => {
                        assert_eq!(*ours, c["state"], "{id} {client} {rule}");
                        let t = tally
                            .entry((rule.to_string(), row["priority"].as_str().unwrap().into()))
                            .or_default();
                        match c["state"].as_str().unwrap() {
                            "met" => t.0 += 1,
                            "breached" => t.1 += 1,
                            _ => t.2 += 1,
                        }
                    }
                }
            }
            if several && client.is_null() {
                continue;
            }
            // Response and restore times are check's elapsed time of the stopped clocks.
            let elapsed = |rule: &str| {
                clocks[id]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(of_view)
                    .find(|c| c["rule"] == rule && !c["stopped"].is_null())
                    .map(|c| c["elapsed_s"].clone())
                    .unwrap_or(Value::Null)
            };
            assert_eq!(view["response_secs"], elapsed("respond"), "{id} {client}");
            assert_eq!(view["restore_secs"], elapsed("restore"), "{id} {client}");
        }
    }
    for ((rule, priority), (met, breached, open)) in tally {
        let ours = &sla["by_priority"][&rule][&priority];
        assert_eq!(
            (&ours["met"], &ours["breached"], &ours["open"]),
            (&json!(met), &json!(breached), &json!(open)),
            "{rule} {priority}"
        );
    }
    // Breach findings of the incidents still open are exactly the breached clocks.
    for f in check["findings"].as_array().unwrap() {
        if f["level"] == "breach" {
            let (id, rule) = (f["incident"].as_str().unwrap(), f["rule"].as_str().unwrap());
            let row = r["list"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == id)
                .unwrap();
            if !row["sla"][rule].is_null() {
                assert_eq!(row["sla"][rule], "breached", "{id} {rule}");
            }
        }
    }
}

#[test]
fn the_example_repository_reports_what_check_sees() {
    let example = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/acme-msp");
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(crate::common::mim_bin());
        crate::common::isolate(&mut cmd, home.path());
        let out = cmd
            .env("MIM_NOW", "2026-11-24T09:00:00Z")
            .arg("-C")
            .arg(&example)
            .args(args)
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).expect("JSON")
    };
    let r = run(&["report", "--format", "json"]);
    let check = run(&["check", "--format", "json"]);
    // Five incidents in the example, one of them a rejected proposal.
    assert!(r["incidents"].as_u64().unwrap() >= 4);
    assert_agrees_with_check(&r, &check);
}

#[test]
fn the_recurrence_window_comes_from_the_configuration() {
    let repo = TestRepo::new();
    fixture(&repo);
    repo.config(&format!(
        "{}\nreports: {{recurrence_window: 35d}}\n",
        repo.read("mim.yaml")
    ));
    let r = report(&repo, &[]);
    // With 35 days, K recurs B (33d 22h); A is still too old for L (35d 21h 30m).
    assert_eq!(r["recurrence"]["window"], "35d");
    assert_eq!(r["recurrence"]["rate"], rate(4, 13, 30.8));
    assert_eq!(
        r["recurrence"]["recurrences"][2],
        json!([
            "2026-12-07-email-delivery-failed",
            "2026-11-03-email-delivery-delayed"
        ])
    );
}

#[test]
fn filters_change_the_numbers() {
    let repo = TestRepo::new();
    fixture(&repo);

    // globex: B E G H K N.
    let r = report(&repo, &["--client", "globex"]);
    assert_eq!(r["incidents"], 6);
    assert_eq!(r["counts"]["client"], json!({"globex": 6}));
    // Restore P1: G 2h, H 2h, K 2h.
    assert_eq!(
        r["times"]["restore"]["P1"],
        summary(3, 2 * H, 2 * H, 2 * H, 2 * H)
    );
    // H recurs G; of 6.
    assert_eq!(r["recurrence"]["rate"], rate(1, 6, 16.7));
    // Closed B G H; scores 5, 4.
    assert_eq!(r["satisfaction"]["response_rate"], rate(2, 3, 66.7));
    assert_eq!(r["satisfaction"]["mean"], 4.5);
    // PIRs: required G H K; held G K; on time G; K's action overdue; no client review.
    assert_eq!(r["pir"]["held"], rate(2, 3, 66.7));
    assert_eq!(r["pir"]["held_on_time"], rate(1, 3, 33.3));
    assert_eq!(r["pir"]["actions"]["overdue"], 1);
    assert_eq!(
        r["pir"]["adoption"],
        json!({"count": 0, "total": 0, "percent": null})
    );

    // P2: B I J M N, and F rejected.
    let r = report(&repo, &["--priority", "P2"]);
    assert_eq!(r["incidents"], 5);
    assert_eq!(
        r["counts"]["priority"],
        json!({"P1": 0, "P2": 5, "P3": 0, "P4": 0, "P5": 0})
    );
    assert_eq!(
        r["proposals"],
        json!({"accepted": 4, "rejected": 1, "pending": 1, "acceptance": rate(4, 5, 80.0)})
    );
    // Escalations: B vendor, J sme, N vendor.
    assert_eq!(r["escalations"]["by_kind"], json!({"sme": 1, "vendor": 2}));

    // Window: F G H (11-16, 11-17, 11-18); a date in --until includes that day. F is
    // a rejected proposal: in the status counts, not among the incidents.
    let r = report(&repo, &["--since", "2026-11-16", "--until", "2026-11-23"]);
    assert_eq!(r["incidents"], 2);
    assert_eq!(r["counts"]["status"]["rejected"], 1);
    let r = report(&repo, &["--since", "2026-11-16", "--until", "2026-11-24"]);
    assert_eq!(r["incidents"], 3, "I, reported 11-24 16:00, is in");
    // A time in --until is exclusive: I was reported at exactly 16:00.
    let r = report(
        &repo,
        &["--since", "2026-11-16", "--until", "2026-11-24T16:00:00Z"],
    );
    assert_eq!(r["incidents"], 2);
    assert_eq!(r["filter"]["until"], "2026-11-24T16:00:00Z");

    // D alone: it still recurs A, reported before the window.
    let r = report(&repo, &["--since", "2026-11-10", "--until", "2026-11-10"]);
    assert_eq!(r["incidents"], 1);
    assert_eq!(r["recurrence"]["rate"], rate(1, 1, 100.0));
    assert_eq!(r["reopen"], rate(1, 1, 100.0));

    // Combined: acme P1 in November: A C D.
    let r = report(
        &repo,
        &[
            "--client",
            "acme",
            "--priority",
            "P1",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-30",
        ],
    );
    assert_eq!(r["incidents"], 3);
    // Response 10m 30m 5m: mean 15m, median 10m.
    assert_eq!(
        r["times"]["response"]["P1"],
        summary(3, 15 * M, 10 * M, 30 * M, 30 * M)
    );
}

#[test]
fn bad_filters_are_refused_and_change_nothing() {
    let repo = TestRepo::new();
    fixture(&repo);
    let before = repo.snapshot();
    for (args, message) in [
        (
            vec!["--client", "initech"],
            "invalid value 'initech' for '--client <CLIENT>'\n  [possible values: acme, globex]",
        ),
        (
            vec!["--priority", "P9"],
            "invalid value 'P9' for '--priority <PRIORITY>'\n  [possible values: P1, P2, P3, P4, P5]",
        ),
        (
            vec!["--since", "2026-12-01", "--until", "2026-11-01"],
            "is not before --until",
        ),
        (
            vec!["--since", "yesterday"],
            "invalid value 'yesterday' for '--since <DATE>'",
        ),
        (
            vec!["--until", "2026-02-30"],
            "invalid value '2026-02-30' for '--until <DATE>'",
        ),
    ] {
        let mut all = vec!["report"];
        all.extend_from_slice(&args);
        let run = repo.now(NOW, &all).fails(2);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    assert!(repo.snapshot() == before);
}

/// The number of `class="mark"` elements in each of the HTML report's three charts.
fn marks_per_chart(html: &str) -> Vec<usize> {
    html.split("<svg ")
        .skip(1)
        .map(|svg| {
            let svg = &svg[..svg.find("</svg>").unwrap()];
            svg.matches("class=\"mark\"").count()
        })
        .collect()
}

#[test]
fn the_html_report_is_self_contained_with_one_mark_per_data_point() {
    let repo = TestRepo::new();
    fixture(&repo);
    let run = repo.now(NOW, &["report", "-o", "kpi.html"]).ok();
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("report of 13 incidents written to"));
    let html = repo.read("kpi.html");
    // Kept for a look in a browser: target/tmp/report-fixture.html.
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-fixture.html"),
        &html,
    )
    .unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("@media print"));
    for outside in ["<script", "<link", "src=\"http", "href=\"http", "url("] {
        assert!(!html.contains(outside), "{outside}");
    }
    let marks = marks_per_chart(&html);
    // 9 (week, priority) counts (F rejected is none); 13 incidents with a restore target
    // (10 restored, 3 not yet: their clocks so far, hollow); 2 months × 4 clocks.
    assert_eq!(marks, [9, 13, 8]);
    assert_eq!(html.matches("fill=\"#ffffff\" stroke=").count(), 3);
    // Every restore dot is labelled on the chart, and the key says what each number is.
    assert_eq!(html.matches("class=\"label\"").count(), 13);
    assert_eq!(html.matches("<li value=").count(), 13);
    // In each dot's title, and in the key (and once in the legend).
    assert_eq!(html.matches("not restored yet").count(), 3 * 2 + 1);
    // The report file is not committed or staged: it is output, not a record.
    assert_eq!(repo.git(&["status", "--porcelain"]), "?? kpi.html\n");
}

#[test]
fn hostile_text_is_escaped_in_every_format() {
    let repo = TestRepo::new();
    for (at, service) in [
        ("2026-11-02T09:00:00Z", "<img src=x onerror=alert(1)> | *x*"),
        ("2026-11-02T10:00:00Z", "=HYPERLINK(\"http://evil\")"),
    ] {
        repo.at(
            at,
            &[
                "declare",
                "--title",
                "x",
                "--service",
                service,
                "--impact",
                "high",
                "--urgency",
                "high",
            ],
        )
        .ok();
    }
    let html = repo.now(NOW, &["report", "--format", "html"]).ok().stdout;
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt; | *x*"));
    let md = repo.now(NOW, &["report"]).ok().stdout;
    assert!(!md.contains("<img"));
    assert!(
        md.contains("| &lt;img src=x onerror=alert(1)&gt; \\| \\*x\\* | 1 |"),
        "{md}"
    );
    let csv = repo.now(NOW, &["report", "--format", "csv"]).ok().stdout;
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","),
        "{csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"));
}

#[test]
fn the_markdown_report_reads_well() {
    let repo = TestRepo::new();
    fixture(&repo);
    let md = repo.now(NOW, &["report", "--client", "globex"]).ok().stdout;
    insta::assert_snapshot!(md);
}

#[test]
fn the_csv_report_is_one_figure_per_row() {
    let repo = TestRepo::new();
    fixture(&repo);
    let csv = repo.now(NOW, &["report", "-o", "kpi.csv"]).ok();
    assert!(csv.stdout.is_empty());
    let text = repo.read("kpi.csv");
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next(), Some("section,table,row,column,value,unit"));
    assert!(text.contains("\r\ntimes,Restore time,P1,Mean,9900,seconds\r\n"));
    assert!(text.contains(
        "\r\nquality,Reopen and recurrence,Recurrence rate,Value (percent),23.1,percent\r\n"
    ));
    assert!(
        text.lines()
            .all(|l| l.split(',').count() >= 6 || l.is_empty())
    );
}
