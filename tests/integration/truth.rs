//! One truth: every command that shows a fact about an incident shows the same value,
//! because they all read the one derived state (`src/state.rs`).

use std::collections::BTreeMap;

use chrono::DateTime;
use mail_parser::MessageParser;
use serde_json::Value;

use crate::common::TestRepo;

fn check_json(repo: &TestRepo, now: &str) -> Value {
    let run = repo.now(now, &["check", "--format", "json"]);
    assert!(
        run.code == 0 || run.code == 1,
        "check failed: {}",
        run.stderr
    );
    run.json()
}

fn clock<'a>(report: &'a Value, id: &str, rule: &str) -> &'a Value {
    report["clocks"][id]
        .as_array()
        .unwrap_or_else(|| panic!("no clocks for {id}: {report:#}"))
        .iter()
        .find(|c| c["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} clock: {report:#}"))
}

/// The text part of every message in an incident's outbox, by file name.
fn outbox_texts(repo: &TestRepo, id: &str) -> BTreeMap<String, String> {
    let dir = repo.path(&format!("incidents/{id}/outbox"));
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("outbox exists") {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".eml") {
            continue;
        }
        let raw = std::fs::read(entry.path()).unwrap();
        let message = MessageParser::default()
            .parse(&raw)
            .expect("a MIME message");
        let text = message.body_text(0).expect("a text part").into_owned();
        out.insert(name, text);
    }
    out
}

/// An RFC 3339 time as the e-mails show it in `zone`.
fn shown(rfc3339: &str, zone: &str) -> String {
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn update(repo: &TestRepo, id: &str, at: &str, audience: &str) {
    repo.at(
        at,
        &["update", id, "--audience", audience, "-m", "Working on it."],
    )
    .ok();
}

fn resolve(repo: &TestRepo, id: &str, at: &str) {
    repo.at(
        at,
        &[
            "resolve",
            id,
            "-m",
            "Service restored.",
            "--closure",
            "config-change",
        ],
    )
    .ok();
}

/// Case 1 of the issue: with a plan cadence, the client e-mail's "next update by" is the
/// time `check` holds the client to, not the priority's cadence.
#[test]
fn the_client_email_promises_what_check_enforces_under_a_plan_cadence() {
    let repo = TestRepo::new();
    // P2 (high impact, medium urgency): client cadence 2h by the priority.
    let id = repo.declare(
        "2026-11-24T03:00:00Z",
        "Payments API outage",
        "high",
        "medium",
        &["--client", "acme"],
    );
    repo.at("2026-11-24T03:05:00Z", &["accept", &id]).ok();
    repo.at(
        "2026-11-24T03:10:00Z",
        &[
            "plan",
            &id,
            "--internal-every",
            "30m",
            "--client-every",
            "1h",
        ],
    )
    .ok();
    update(&repo, &id, "2026-11-24T03:30:00Z", "client");
    update(&repo, &id, "2026-11-24T03:30:00Z", "internal");

    let report = check_json(&repo, "2026-11-24T03:31:00Z");
    let client_due = clock(&report, &id, "update-client")["due"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(client_due, "2026-11-24T04:30:00Z");
    let internal_due = clock(&report, &id, "update-internal")["due"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(internal_due, "2026-11-24T04:00:00Z");

    let texts = outbox_texts(&repo, &id);
    let client = texts
        .iter()
        .find(|(name, _)| name.ends_with("-client.eml"))
        .map(|(_, t)| t)
        .expect("a client message");
    let promised = shown(&client_due, "America/New_York");
    assert!(
        client.contains(&format!("next update by {promised}")),
        "the client e-mail should promise {promised}:\n{client}"
    );
    let internal = texts
        .iter()
        .find(|(name, _)| name.ends_with("-internal.eml"))
        .map(|(_, t)| t)
        .expect("an internal message");
    assert!(
        internal.contains(&shown(&internal_due, "UTC")),
        "the internal e-mail should say {internal_due}:\n{internal}"
    );

    // `status` names the same next due time.
    let status = repo
        .now("2026-11-24T03:31:00Z", &["status", "--json"])
        .ok()
        .json();
    assert_eq!(status[0]["next"]["due"], "2026-11-24T04:00:00Z");
}

/// The plan's cadence applies from the moment it was set: a gap before it is measured
/// against the priority's cadence, a gap after it against the plan's.
#[test]
fn a_plan_cadence_is_in_force_from_when_it_was_set() {
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-11-24T03:00:00Z",
        "Payments API outage",
        "high",
        "medium",
        &["--client", "acme"],
    );
    repo.at("2026-11-24T03:05:00Z", &["accept", &id]).ok();
    // Before any plan, the P2 client cadence (2h) holds: an update at 04:50 is in time.
    update(&repo, &id, "2026-11-24T04:50:00Z", "client");
    repo.at(
        "2026-11-24T05:00:00Z",
        &["plan", &id, "--client-every", "30m"],
    )
    .ok();
    let report = check_json(&repo, "2026-11-24T05:10:00Z");
    let c = clock(&report, &id, "update-client");
    assert_eq!(c["due"], "2026-11-24T05:20:00Z", "{c:#}");
    assert_ne!(c["state"], "breached", "{c:#}");
}

/// Case 2 of the issue: after resolve → reopen → resolve the PIR report, `show`,
/// `check` and `report` give the same restore time and the same "cadence held".
#[test]
fn after_a_reopen_the_pir_agrees_with_check_show_and_report() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    for at in ["09:30", "10:00", "10:30", "10:50"] {
        update(&repo, &id, &format!("2026-11-24T{at}:00Z"), "all");
    }
    resolve(&repo, &id, "2026-11-24T11:00:00Z");
    repo.at(
        "2026-11-24T12:40:00Z",
        &["reopen", &id, "--reason", "failed again"],
    )
    .ok();
    for at in ["13:00", "13:30", "14:00"] {
        update(&repo, &id, &format!("2026-11-24T{at}:00Z"), "all");
    }
    resolve(&repo, &id, "2026-11-24T14:10:00Z");
    repo.at(
        "2026-11-24T15:00:00Z",
        &["pir", "start", &id, "--reason", "required"],
    )
    .ok();
    repo.at("2026-11-24T15:10:00Z", &["pir", "report", &id])
        .ok();
    let now = "2026-11-24T15:10:00Z";

    let report = check_json(&repo, now);
    let restore = clock(&report, &id, "restore");
    // 09:00–11:00 and 12:40–14:10: 3h30m of the P1's 4h.
    assert_eq!(restore["elapsed_s"], 12600, "{restore:#}");
    assert_eq!(restore["state"], "met");
    for rule in ["update-internal", "update-client"] {
        assert_ne!(clock(&report, &id, rule)["state"], "breached", "{rule}");
    }

    let show = repo.now(now, &["show", &id, "--json"]).ok().json();
    let shown_restore = show["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "restore")
        .unwrap();
    assert_eq!(shown_restore["elapsed_s"], 12600);

    let kpis = repo.now(now, &["report", "--format", "json"]).ok().json();
    let row = kpis["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap();
    assert_eq!(row["restore_secs"], 12600);

    let pir = repo.read(&format!("incidents/{id}/pir-report.md"));
    assert!(
        pir.contains("| Restore time excluding hold | 3h30m |"),
        "the PIR should give the SLA restore time:\n{pir}"
    );
    for audience in ["internal", "client"] {
        let line = pir
            .lines()
            .find(|l| l.starts_with(&format!("| {audience} |")))
            .unwrap_or_else(|| panic!("no {audience} row:\n{pir}"));
        assert!(
            line.trim_end().ends_with("| yes |"),
            "the {audience} cadence was held, as check says: {line}"
        );
    }
}

/// Case 3 of the issue: with `MIM_NOW` before the resolve, `report` shows the incident
/// as it stood then (accepted, restore clock running), as `status` and `check` do; an
/// incident reported after "now" is not listed anywhere.
#[test]
fn every_command_sees_the_incident_as_it_stood_at_now() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    resolve(&repo, &id, "2026-11-24T11:00:00Z");
    let later = repo.declare(
        "2026-11-24T12:00:00Z",
        "Mail relay down",
        "high",
        "high",
        &[],
    );
    let now = "2026-11-24T10:00:00Z";

    let kpis = repo.now(now, &["report", "--format", "json"]).ok().json();
    let rows = kpis["list"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["id"], id);
    assert_eq!(rows[0]["status"], "accepted");
    assert_eq!(rows[0]["restore_secs"], Value::Null);
    assert_eq!(rows[0]["sla"]["restore"], "running");
    assert_eq!(kpis["incidents"], 1);

    let status = repo.now(now, &["status", "--json"]).ok().json();
    let ids: Vec<&str> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    assert_eq!(status[0]["status"], "accepted");

    let report = check_json(&repo, now);
    assert_eq!(clock(&report, &id, "restore")["state"], "running");
    assert!(report["clocks"].get(&later).is_none(), "{report:#}");

    let list = repo.now(now, &["list", "--json"]).ok().json();
    let listed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [id.as_str()]);
    assert_eq!(list[0]["status"], "accepted");

    let show = repo.now(now, &["show", &id, "--json"]).ok().json();
    assert_eq!(show["state"]["status"], "accepted");
    assert_eq!(show["state"]["resolved_at"], Value::Null);
}
