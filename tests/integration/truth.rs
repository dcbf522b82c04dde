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
    assert_eq!(status["active"][0]["next"]["due"], "2026-11-24T04:00:00Z");
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
        // | audience | of | sent | cadence | longest gap | cadence held | promises |
        assert_eq!(
            line.split('|').nth(6).map(str::trim),
            Some("yes"),
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
    let ids: Vec<&str> = status["active"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    assert_eq!(status["active"][0]["status"], "accepted");

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
    let run = repo.now(now, &["show", &later]).fails(1);
    assert!(run.stderr.contains("after now"), "{}", run.stderr);
}

/// A small deterministic generator (an LCG): the same seed, the same incidents.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.roll(100) < percent
    }
}

/// Minutes after 2026-11-24T00:00Z as RFC 3339.
fn minute(m: u64) -> String {
    let base = DateTime::parse_from_rfc3339("2026-11-24T00:00:00Z").unwrap();
    (base + chrono::TimeDelta::minutes(m as i64))
        .to_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One generated incident: what happened to it, and when its last event was.
struct Generated {
    id: String,
    end: u64,
}

/// An incident with holds, a reopen, reprioritisations up and down, a plan cadence set
/// and changed, updates to each audience, a backfilled note and a PIR, as the dice say.
fn generate(repo: &TestRepo, dice: &mut Dice, n: usize) -> Generated {
    let start = 60 * (3 + 7 * n as u64);
    let (impact, urgency) =
        [("high", "high"), ("high", "medium"), ("medium", "high")][dice.roll(3) as usize];
    let id = repo.declare(
        &minute(start),
        &format!("Outage {n}"),
        impact,
        urgency,
        &["--client", "acme"],
    );
    let mut t = start + 1 + dice.roll(20);
    repo.at(&minute(t), &["accept", &id, "--manager", "Alice Moreau"])
        .ok();
    let mut resolves = 0;
    let rounds = 3 + dice.roll(4);
    for round in 0..rounds {
        t += 5 + dice.roll(50);
        match dice.roll(7) {
            0 => {
                repo.at(&minute(t), &["hold", &id, "--reason", "waiting on carrier"])
                    .ok();
                t += 10 + dice.roll(60);
                repo.at(&minute(t), &["resume", &id]).ok();
            }
            1 => {
                let every = ["20m", "45m", "1h30m"][dice.roll(3) as usize];
                let flag = if dice.chance(50) {
                    "--internal-every"
                } else {
                    "--client-every"
                };
                repo.at(&minute(t), &["plan", &id, flag, every]).ok();
            }
            2 => {
                let up = dice.chance(50);
                let (i, u) = if up {
                    ("high", "high")
                } else {
                    ("medium", "medium")
                };
                let run = repo.at(
                    &minute(t),
                    &[
                        "escalate",
                        &id,
                        "--impact",
                        i,
                        "--urgency",
                        u,
                        "--reason",
                        "re-assessed",
                    ],
                );
                // Refused when it would change nothing: that is fine here.
                assert!(
                    run.code == 0 || run.stderr.contains("nothing to change"),
                    "{}",
                    run.stderr
                );
            }
            3 => {
                repo.at(
                    &minute(t),
                    &["escalate", &id, "--kind", "management", "--to", "Raj Singh"],
                );
            }
            4 if resolves == 0 && round + 1 < rounds => {
                resolve(repo, &id, &minute(t));
                resolves += 1;
                t += 20 + dice.roll(90);
                repo.at(&minute(t), &["reopen", &id, "--reason", "failed again"])
                    .ok();
            }
            _ => {
                let audience = ["internal", "client", "management", "all"][dice.roll(4) as usize];
                update(repo, &id, &minute(t), audience);
            }
        }
        if dice.chance(30) {
            // A note backfilled to before the last events.
            let back = t.saturating_sub(dice.roll(30)).max(start);
            repo.at(
                &minute(back),
                &["note", &id, "backfilled from the bridge log"],
            )
            .ok();
        }
    }
    t += 5 + dice.roll(30);
    if dice.chance(75) {
        resolve(repo, &id, &minute(t));
        if dice.chance(80) {
            t += 30;
            repo.at(&minute(t), &["pir", "start", &id, "--reason", "management"])
                .ok();
        }
    }
    Generated { id, end: t }
}

fn clocks_by_rule(clocks: &Value) -> BTreeMap<String, Value> {
    clocks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let key = match c["name"].as_str() {
                Some(name) => format!("{}/{name}", c["rule"].as_str().unwrap()),
                None => c["rule"].as_str().unwrap().to_string(),
            };
            (key, c.clone())
        })
        .collect()
}

/// Every fact that two commands both show agrees, for generated incidents, at several
/// "now" values: status and priority, restore elapsed and due, each audience's next
/// update due and whether its cadence held, escalation and PIR dues — across `check
/// --format json`, `show --json`, `report --format json`, `status --json`, `list --json`,
/// the PIR report and the e-mails.
#[test]
fn every_command_shows_the_same_facts() {
    let repo = TestRepo::new();
    let mut dice = Dice(20_261_202);
    let incidents: Vec<Generated> = (0..8).map(|n| generate(&repo, &mut dice, n)).collect();
    let last = incidents.iter().map(|g| g.end).max().unwrap();
    let mut nows: Vec<u64> = incidents.iter().map(|g| g.end - 10).collect();
    nows.extend([last + 60, last + 60 * 24 * 3]);
    for now in nows.iter().map(|&m| minute(m)) {
        let check = check_json(&repo, &now);
        let kpis = repo.now(&now, &["report", "--format", "json"]).ok().json();
        let status = repo.now(&now, &["status", "--json"]).ok().json();
        let list = repo.now(&now, &["list", "--json"]).ok().json();
        for g in &incidents {
            let row = kpis["list"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == g.id);
            let Some(row) = row else {
                // Not reported yet at `now`: nobody lists it.
                assert!(check["clocks"].get(&g.id).is_none(), "{} at {now}", g.id);
                repo.now(&now, &["show", &g.id, "--json"]).fails(1);
                continue;
            };
            let show = repo.now(&now, &["show", &g.id, "--json"]).ok().json();
            let here = format!("{} at {now}", g.id);
            let state = &show["state"];
            assert_eq!(state["status"], row["status"], "status, {here}");
            assert_eq!(state["priority"], row["priority"], "priority, {here}");
            let listed = list
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["id"] == g.id)
                .unwrap();
            assert_eq!(listed["status"], state["status"], "list status, {here}");
            assert_eq!(
                listed["priority"], state["priority"],
                "list priority, {here}"
            );
            let active = status["active"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["id"] == g.id);
            let is_active =
                ["proposed", "accepted", "on-hold"].contains(&state["status"].as_str().unwrap());
            assert_eq!(
                active.is_some(),
                is_active,
                "status lists the active, {here}"
            );

            let checked = clocks_by_rule(&check["clocks"][&g.id]);
            let shown_clocks = clocks_by_rule(&show["clocks"]);
            assert_eq!(checked, shown_clocks, "clocks of check and show, {here}");
            let restore = &checked["restore"];
            if restore["stopped"].is_string() {
                assert_eq!(row["restore_secs"], restore["elapsed_s"], "restore, {here}");
            } else {
                assert_eq!(row["restore_secs"], Value::Null, "restore running, {here}");
            }
            for (rule, clock) in &checked {
                let state = clock["state"].as_str().unwrap();
                if let Some(in_report) = row["sla"].get(rule.as_str()) {
                    assert_eq!(in_report, state, "{rule} in report, {here}");
                }
            }
            if let Some(line) = active {
                let next = checked
                    .values()
                    .filter(|c| c["stopped"].is_null() && c["due"].is_string())
                    .filter(|c| {
                        ["running", "at-risk", "breached"].contains(&c["state"].as_str().unwrap())
                    })
                    .min_by_key(|c| c["due"].as_str().unwrap().to_string());
                assert_eq!(
                    line["next"]["due"],
                    next.map_or(Value::Null, |c| c["due"].clone()),
                    "status next due, {here}"
                );
            }
        }
    }
    // The e-mails' "next update by" is the update clock's due right after that update.
    for g in &incidents {
        let dir = repo.path(&format!("incidents/{}/updates", g.id));
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        let texts = outbox_texts(&repo, &g.id);
        for file in files {
            let name = file.unwrap().file_name().to_string_lossy().into_owned();
            let (stamp, audience) = name.trim_end_matches(".md").split_once('-').unwrap();
            let at = DateTime::parse_from_str(&format!("{stamp}+0000"), "%Y%m%dT%H%M%SZ%z")
                .unwrap()
                .to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let check = check_json(&repo, &at);
            // The client's management is told the client's cadence, in the client's zone.
            let external = matches!(audience, "client" | "client-management");
            let rule = if external {
                "update-client"
            } else {
                "update-internal"
            };
            let clocks = clocks_by_rule(&check["clocks"][&g.id]);
            let due = clocks[rule]["due"].as_str();
            let message = texts
                .iter()
                .find(|(m, _)| {
                    m.starts_with(stamp)
                        && m.trim_end_matches(".eml").splitn(3, '-').nth(2) == Some(audience)
                })
                .map(|(_, t)| t)
                .unwrap_or_else(|| panic!("no message for {name}"));
            let zone = if external { "America/New_York" } else { "UTC" };
            // Management and the client's management run no update clock of their own:
            // what their message promises is their own promise clock, the reader's fact.
            let due = if matches!(audience, "management" | "client-management") {
                let facts = repo
                    .now(&at, &["--json", "facts", &g.id, "--audience", audience])
                    .ok()
                    .json();
                let promised = facts["readers"][0]["next_update_by"]
                    .as_str()
                    .map(str::to_string);
                if let Some(p) = &promised {
                    assert!(
                        message.contains(&shown(p, zone)),
                        "{name}: should promise {p}:\n{message}"
                    );
                }
                continue;
            } else {
                due
            };
            match due {
                Some(due) if clocks[rule]["stopped"].is_null() => assert!(
                    message.contains(&shown(due, zone)),
                    "{name}: the e-mail should promise {due}:\n{message}"
                ),
                _ => {}
            }
        }
    }
    // The PIR report's "cadence held" is the update clocks' verdict at the same time.
    for g in &incidents {
        let pir = repo.run(&["show", &g.id, "--json"]).ok().json();
        if pir["pir"].is_null() {
            continue;
        }
        let now = minute(g.end + 30);
        repo.now(&now, &["pir", "report", &g.id, "--no-commit"])
            .ok();
        let report = repo.read(&format!("incidents/{}/pir-report.md", g.id));
        let checked = clocks_by_rule(&check_json(&repo, &now)["clocks"][&g.id]);
        for (audience, rule) in [("internal", "update-internal"), ("client", "update-client")] {
            let Some(line) = report
                .lines()
                .find(|l| l.starts_with(&format!("| {audience} |")))
            else {
                continue;
            };
            let held = checked[rule]["state"] != "breached";
            let expected = if held { "yes" } else { "no" };
            // | audience | of | sent | cadence | longest gap | cadence held | promises |
            assert!(
                line.split('|').nth(6).map(str::trim) == Some(expected),
                "{}: {line} vs {rule} {}",
                g.id,
                checked[rule]["state"]
            );
        }
        let restore = &checked["restore"];
        let shown_restore = restore["elapsed_s"].as_i64().unwrap();
        let text = format!(
            "| Restore time excluding hold | {} |",
            duration_text(shown_restore)
        );
        assert!(
            report.contains(&text),
            "{}: expected {text}:\n{report}",
            g.id
        );
    }
}

/// Seconds as mim prints durations: `3h30m`, `45m`, `1d2h`.
fn duration_text(secs: i64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let mut out = String::new();
    for (n, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if out.is_empty() { "0m".into() } else { out }
}
