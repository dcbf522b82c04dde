//! `mim intake`: alert payloads (Alertmanager v4, PagerDuty v3, generic JSON) become
//! proposals or notes on the open incident; `mim intake serve` takes them over HTTP.
//! The payloads are written here from the documented formats.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Run, TestRepo};

const RULES: &str = "
intake:
  max_payload: 8KiB
  rules:
    - {name: payments, match: {service: payments, severity: [critical, page]}, title: \"{alertname} on {instance}\", service: Payments API, client: acme, ci: \"{instance}\", category: application, impact: high, urgency: high}
    - {name: pagerduty-high, source: pagerduty, match: {urgency: high}, service: \"{service}\", impact: high, urgency: medium}
    - {name: zabbix, source: zabbix, match: {severity: disaster}, service: \"{host}\", impact: medium, urgency: high}
";

fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.config(&format!("{}{RULES}", mim::DEFAULT_CONFIG));
    repo
}

/// An Alertmanager webhook (version 4) of group `group`: one alert per fingerprint,
/// with `status` (firing or resolved) and the labels the rules read.
fn alertmanager(group: &str, status: &str, alerts: &[(&str, &str)]) -> String {
    let alerts: Vec<Value> = alerts
        .iter()
        .map(|(fingerprint, severity)| {
            json!({
                "status": status,
                "labels": {"alertname": group, "service": "payments", "severity": severity, "instance": "pay-gw-01", "job": "blackbox"},
                "annotations": {"summary": "Payments gateway returns 503", "description": "Every card payment fails with HTTP 503."},
                "startsAt": "2026-11-24T08:52:26.739266876Z",
                "endsAt": if status == "resolved" { "2026-11-24T11:02:00Z" } else { "0001-01-01T00:00:00Z" },
                "generatorURL": "http://prometheus.msp.example:9090/graph?g0.expr=probe_success",
                "fingerprint": fingerprint,
            })
        })
        .collect();
    json!({
        "version": "4",
        "groupKey": format!("{{}}/{{severity=\"critical\"}}:{{alertname=\"{group}\"}}"),
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "mim",
        "groupLabels": {"alertname": group},
        "commonLabels": {"alertname": group, "service": "payments"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.msp.example:9093",
        "alerts": alerts,
    })
    .to_string()
}

/// A PagerDuty webhook v3 event about incident `id`.
fn pagerduty(event_type: &str, id: &str, urgency: &str) -> String {
    json!({
        "event": {
            "id": "01DEN2OT0FC3WM1Q0KH1GBVVBQ",
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": "2026-11-24T09:01:00.000Z",
            "agent": {"id": "PLH1HKV", "type": "service_reference", "summary": "Monitoring"},
            "client": {"name": "Monitoring Service"},
            "data": {
                "id": id,
                "type": "incident",
                "self": format!("https://api.pagerduty.com/incidents/{id}"),
                "html_url": format!("https://msp.pagerduty.com/incidents/{id}"),
                "number": 2,
                "status": if event_type == "incident.resolved" { "resolved" } else { "triggered" },
                "incident_key": "d3640fbd41094207a1c11e58e46b1662",
                "created_at": "2026-11-24T08:58:00Z",
                "title": "Mail relay queue stuck",
                "service": {"id": "PF9KMXH", "type": "service_reference", "summary": "Mail Relay"},
                "assignees": [],
                "escalation_policy": {"id": "PJ1UWR6", "type": "escalation_policy_reference", "summary": "Default"},
                "teams": [],
                "priority": {"id": "PSO75BM", "type": "priority_reference", "summary": "P1"},
                "urgency": urgency,
                "conference_bridge": null,
                "resolve_reason": null,
            },
        }
    })
    .to_string()
}

/// Run `mim intake -` at `at` with `payload` on standard input.
fn intake(repo: &TestRepo, at: &str, payload: &str, extra: &[&str]) -> Run {
    let mut cmd = repo.cmd();
    cmd.args(["--at", at, "intake"]).args(extra).arg("-");
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run mim");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn incidents(repo: &TestRepo) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(repo.path("incidents"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// The timeline's alert events of `id`, as `show --json` gives them.
fn alerts(repo: &TestRepo, id: &str) -> Vec<Value> {
    let show = repo.run(&["--json", "show", id]).ok().json();
    show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "alert")
        .cloned()
        .collect()
}

#[test]
fn an_alertmanager_group_proposes_once_and_its_other_alerts_become_notes() {
    let repo = repo();
    let first = alertmanager(
        "PaymentsDown",
        "firing",
        &[("c6eadffa33fcdf37", "critical")],
    );
    let run = intake(&repo, "2026-11-24T09:00:00Z", &first, &[]).ok();
    let id = run.out().to_string();
    assert_eq!(incidents(&repo), vec![id.clone()]);
    assert!(
        run.stderr.contains("proposed P1 PaymentsDown on pay-gw-01"),
        "{}",
        run.stderr
    );
    let record = repo.read(&format!("incidents/{id}/incident.yaml"));
    for line in [
        "title: PaymentsDown on pay-gw-01",
        "service: Payments API",
        "client: acme",
        "ci: pay-gw-01",
        "category: application",
        "impact: high",
        "urgency: high",
        "priority: P1",
        "reported: 2026-11-24T09:00:00Z",
        // The alert's own start is the impact start.
        "impact_started: 2026-11-24T08:52:26Z",
    ] {
        assert!(record.contains(line), "{line} not in\n{record}");
    }
    let show = repo.run(&["--json", "show", &id]).ok().json();
    assert_eq!(show["state"]["status"], "proposed");
    assert_eq!(show["state"]["impact_started"], "2026-11-24T08:52:26Z");
    // The payload is kept as received, in its own commit with the incident.
    let kept = repo.read(&format!(
        "incidents/{id}/alerts/20261124T090000Z-alertmanager.json"
    ));
    assert_eq!(kept, first);
    let commits = repo.log().len();

    // 20 more of the same group: the same alert again and other alerts of the group.
    for n in 0..20 {
        let fingerprint = if n % 2 == 0 {
            "c6eadffa33fcdf37".to_string()
        } else {
            format!("f{n:015}")
        };
        let at = format!("2026-11-24T09:{:02}:00Z", 5 + n);
        let run = intake(
            &repo,
            &at,
            &alertmanager("PaymentsDown", "firing", &[(&fingerprint, "critical")]),
            &["--format", "alertmanager"],
        )
        .ok();
        assert_eq!(run.out(), id);
        assert!(
            run.stderr.contains("1 alertmanager alert noted (firing)"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(incidents(&repo), vec![id.clone()], "no new incident");
    assert_eq!(alerts(&repo, &id).len(), 21);
    assert_eq!(repo.log().len(), commits + 20, "each intake its own commit");
    assert!(repo.log()[0].starts_with(&format!(
        "{}: 1 alertmanager alert noted",
        crate::common::subject_ref(&id)
    )));

    // A resolved alert is a note, never a resolve.
    let resolved = alertmanager(
        "PaymentsDown",
        "resolved",
        &[("c6eadffa33fcdf37", "critical")],
    );
    let run = intake(&repo, "2026-11-24T11:05:00Z", &resolved, &["--json"]).ok();
    let out = run.json();
    assert_eq!(out["action"], "noted");
    assert_eq!(out["incident"], id.as_str());
    let all = alerts(&repo, &id);
    assert_eq!(all.len(), 22);
    assert_eq!(all.last().unwrap()["status"], "resolved");
    let show = repo.run(&["--json", "show", &id]).ok().json();
    assert_eq!(show["state"]["status"], "proposed");
    assert!(show["state"]["resolved_at"].is_null());
    let text = repo.run(&["show", &id]).ok().stdout;
    assert!(
        text.contains(
            "alert resolved (alertmanager): Payments gateway returns 503 [c6eadffa33fcdf37]"
        ),
        "{text}"
    );
    repo.run(&["validate"]).ok();
    repo.run(&["audit"]).ok();
}

#[test]
fn pagerduty_v3_events_propose_and_note_by_incident() {
    let repo = repo();
    let run = intake(
        &repo,
        "2026-11-24T09:02:00Z",
        &pagerduty("incident.triggered", "PGR0VU2", "high"),
        &["--json"],
    )
    .ok();
    let out = run.json();
    assert_eq!(out["action"], "proposed");
    assert_eq!(out["rule"], "pagerduty-high");
    let id = out["incident"].as_str().unwrap().to_string();
    let record = repo.read(&format!("incidents/{id}/incident.yaml"));
    assert!(record.contains("title: Mail relay queue stuck"), "{record}");
    assert!(record.contains("service: Mail Relay"), "{record}");
    assert!(record.contains("priority: P2"), "{record}");
    assert!(
        record.contains("impact_started: 2026-11-24T08:58:00Z"),
        "{record}"
    );
    for (at, event) in [
        ("2026-11-24T09:03:00Z", "incident.acknowledged"),
        ("2026-11-24T10:00:00Z", "incident.resolved"),
    ] {
        let out = intake(&repo, at, &pagerduty(event, "PGR0VU2", "high"), &["--json"])
            .ok()
            .json();
        assert_eq!(out["action"], "noted", "{event}");
        assert_eq!(out["incident"], id.as_str());
    }
    let statuses: Vec<Value> = alerts(&repo, &id)
        .iter()
        .map(|a| a["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        vec![json!("firing"), json!("acknowledged"), json!("resolved")]
    );
    assert_eq!(incidents(&repo).len(), 1);
    let show = repo.run(&["--json", "show", &id]).ok().json();
    assert_eq!(show["state"]["status"], "proposed");
}

#[test]
fn a_generic_alert_is_read_as_documented() {
    let repo = repo();
    let payload = json!({
        "source": "zabbix",
        "key": "db-01/disk-full",
        "group": "db-01",
        "status": "firing",
        "title": "Disk full on db-01",
        "started_at": "2026-11-24T08:40:00+01:00",
        "labels": {"host": "db-01", "severity": "disaster"},
        "description": "/var is 100% full.",
    })
    .to_string();
    let id = intake(&repo, "2026-11-24T09:00:00Z", &payload, &[])
        .ok()
        .out()
        .to_string();
    let record = repo.read(&format!("incidents/{id}/incident.yaml"));
    assert!(record.contains("service: db-01"), "{record}");
    assert!(
        record.contains("impact_started: 2026-11-24T08:40:00+01:00"),
        "{record}"
    );
    assert!(
        record.contains("description: /var is 100% full."),
        "{record}"
    );
    // Another alert of the same group is a note on it.
    let other = payload.replace("db-01/disk-full", "db-01/inodes");
    assert_eq!(
        intake(&repo, "2026-11-24T09:10:00Z", &other, &[])
            .ok()
            .out(),
        id
    );
    assert_eq!(incidents(&repo).len(), 1);
}

#[test]
fn an_unmapped_alert_is_refused_naming_the_rules_that_did_not_match() {
    let repo = repo();
    let before = repo.snapshot();
    let log = repo.log();
    let warning = alertmanager("DiskSlow", "firing", &[("aa11", "warning")]);
    let run = intake(&repo, "2026-11-24T09:00:00Z", &warning, &[]).fails(1);
    for part in [
        "no intake rule matches this alertmanager alert",
        "severity=warning",
        "rule `payments` wants severity in (critical, page) (it is warning)",
        "rule `pagerduty-high` takes alerts from pagerduty only",
        "rule `zabbix` takes alerts from zabbix only",
        "nothing recorded",
    ] {
        assert!(run.stderr.contains(part), "{part} not in {}", run.stderr);
    }
    let out = intake(&repo, "2026-11-24T09:00:00Z", &warning, &["--json"])
        .fails(1)
        .json();
    assert_eq!(out["action"], "refused");
    assert_eq!(repo.snapshot(), before, "nothing changed");
    assert_eq!(repo.log(), log);
    // A resolved alert no incident has proposes nothing and is no error.
    let resolved = alertmanager("DiskSlow", "resolved", &[("aa11", "critical")]);
    let run = intake(&repo, "2026-11-24T09:00:00Z", &resolved, &[]).ok();
    assert!(run.stderr.contains("nothing to note"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_malformed_or_oversized_payload_is_refused_with_nothing_changed() {
    let repo = repo();
    let before = repo.snapshot();
    let log = repo.log();
    for (payload, expect) in [
        ("{\"version\": \"4\", \"alerts\": [", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ("{\"hello\": \"world\"}", "none of the formats mim reads"),
        (
            "{\"version\":\"4\",\"alerts\":[{\"status\":\"burning\",\"labels\":{}}]}",
            "alert status `burning`",
        ),
        (
            "{\"key\": \"k\", \"title\": \"t\", \"colour\": \"red\"}",
            "unknown field `colour`",
        ),
    ] {
        let run = intake(&repo, "2026-11-24T09:00:00Z", payload, &[]).fails(1);
        assert!(
            run.stderr.contains(expect),
            "{expect} not in {}",
            run.stderr
        );
    }
    // Larger than intake.max_payload (8KiB): refused before it is parsed.
    let alerts: Vec<(String, &str)> = (0..40).map(|n| (format!("fp{n:06}"), "critical")).collect();
    let refs: Vec<(&str, &str)> = alerts.iter().map(|(f, s)| (f.as_str(), *s)).collect();
    let big = alertmanager("PaymentsDown", "firing", &refs);
    assert!(big.len() > 8 * 1024);
    let run = intake(&repo, "2026-11-24T09:00:00Z", &big, &[]).fails(1);
    assert!(
        run.stderr.contains("larger than intake.max_payload (8KiB)"),
        "{}",
        run.stderr
    );
    let file = repo.path("../big.json");
    std::fs::write(&file, &big).unwrap();
    let run = repo
        .at("2026-11-24T09:00:00Z", &["intake", file.to_str().unwrap()])
        .fails(1);
    assert!(
        run.stderr.contains("larger than intake.max_payload"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before, "nothing changed");
    assert_eq!(repo.log(), log);
}

// ---------------------------------------------------------------------------------
// `mim intake serve`: only 127.0.0.1, an ephemeral port, every wait with a deadline.

const TOKEN: &str = "test-token-0123456789abcdef";
const SECRET: &str = "whsec-test-secret";
const WAIT: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    addr: String,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(repo: &TestRepo) -> Server {
        let mut cmd = repo.cmd();
        cmd.env("MIM_INTAKE_TOKEN", TOKEN)
            .env("MIM_INTAKE_PAGERDUTY_SECRET", SECRET)
            .env("MIM_NOW", "2026-11-24T09:00:00Z")
            .args(["intake", "serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start mim intake serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + WAIT;
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .expect("mim intake serve said where it listens in time");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.trim().to_string();
            }
        };
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        Server {
            child,
            addr,
            log: rx,
        }
    }

    /// Send SIGTERM and wait (bounded) for it to exit; its exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: signalling the child this test started, by its pid.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("mim intake serve did not stop within {WAIT:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Lines logged so far.
    fn logged(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request with `Connection: close`; the status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to mim intake serve");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.set_write_timeout(Some(WAIT)).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A refused request may be answered before the whole body is sent.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn bearer() -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {TOKEN}"))]
}

#[test]
fn the_receiver_refuses_without_a_token_or_over_the_limit_and_answers_probes() {
    let repo = repo();
    let server = Server::start(&repo);
    let before = repo.snapshot();
    let log = repo.log();
    let payload = alertmanager(
        "PaymentsDown",
        "firing",
        &[("c6eadffa33fcdf37", "critical")],
    );
    let (status, body) = http(
        &server.addr,
        "POST",
        "/alertmanager",
        &[],
        payload.as_bytes(),
    );
    assert_eq!(status, 401, "{body}");
    let wrong = vec![(
        "Authorization",
        "Bearer not-the-token-at-all-0000".to_string(),
    )];
    assert_eq!(
        http(
            &server.addr,
            "POST",
            "/alertmanager",
            &wrong,
            payload.as_bytes()
        )
        .0,
        401
    );
    let forged = vec![("X-PagerDuty-Signature", format!("v1={}", "ab".repeat(32)))];
    assert_eq!(
        http(
            &server.addr,
            "POST",
            "/pagerduty",
            &forged,
            payload.as_bytes()
        )
        .0,
        401
    );
    // Over intake.max_payload (8KiB).
    let big = vec![b' '; 9 * 1024];
    let (status, body) = http(&server.addr, "POST", "/alertmanager", &bearer(), &big);
    assert_eq!(status, 413, "{body}");
    assert_eq!(repo.snapshot(), before, "nothing written");
    assert_eq!(repo.log(), log);
    let (status, body) = http(&server.addr, "GET", "/healthz", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "ok"
    );
    assert_eq!(
        http(&server.addr, "POST", "/nowhere", &bearer(), b"{}").0,
        404
    );
    // A bad payload: 400, an unmapped one: 422, both with the reason.
    let (status, body) = http(&server.addr, "POST", "/", &bearer(), b"{not json");
    assert_eq!(status, 400, "{body}");
    let warning = alertmanager("DiskSlow", "firing", &[("aa11", "warning")]);
    let (status, body) = http(&server.addr, "POST", "/", &bearer(), warning.as_bytes());
    assert_eq!(status, 422, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["action"], "refused");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("rule `payments` wants severity"),
        "{body}"
    );
    assert_eq!(repo.snapshot(), before, "nothing written");
    // A PagerDuty event signed with the subscription's secret is taken.
    let event = pagerduty("incident.triggered", "PGR0VU2", "high");
    let signature = {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(event.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("v1={hex}")
    };
    let signed = vec![("X-PagerDuty-Signature", signature)];
    let (status, body) = http(
        &server.addr,
        "POST",
        "/pagerduty",
        &signed,
        event.as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["action"],
        "proposed"
    );
    assert!(server.stop().success());
}

#[test]
fn fifty_concurrent_posts_leave_the_expected_incidents_and_notes_each_its_own_commit() {
    let repo = repo();
    let server = Server::start(&repo);
    let commits = repo.log().len();
    let addr = server.addr.clone();
    // Five groups of ten alerts each, all posted at once.
    let threads: Vec<_> = (0..50)
        .map(|n| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let group = format!("Group{}", n % 5);
                let payload =
                    alertmanager(&group, "firing", &[(&format!("fp-{n:04}"), "critical")]);
                http(
                    &addr,
                    "POST",
                    "/alertmanager",
                    &bearer(),
                    payload.as_bytes(),
                )
            })
        })
        .collect();
    let answers: Vec<(u16, String)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let proposed = answers.iter().filter(|(s, _)| *s == 201).count();
    let noted = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!((proposed, noted), (5, 45), "{answers:#?}");
    let ids = incidents(&repo);
    assert_eq!(ids.len(), 5, "{ids:?}");
    for id in &ids {
        let all = alerts(&repo, id);
        assert_eq!(all.len(), 10, "{id}");
        let groups: std::collections::BTreeSet<String> = all
            .iter()
            .map(|a| a["group"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(groups.len(), 1, "{id}: one group per incident");
    }
    assert_eq!(repo.log().len(), commits + 50, "each post its own commit");
    let logged = server.logged();
    assert!(server.stop().success());
    assert!(
        logged
            .iter()
            .filter(|l| l.contains("POST /alertmanager"))
            .count()
            >= 40,
        "one line per request: {logged:#?}"
    );
    assert!(repo.git(&["status", "--porcelain"]).is_empty());
    repo.run(&["validate"]).ok();
}

#[test]
fn sigterm_stops_the_receiver_with_no_transaction_half_done() {
    let repo = repo();
    let server = Server::start(&repo);
    let commits = repo.log().len();
    let addr = server.addr.clone();
    let (tx, rx) = mpsc::channel();
    let threads: Vec<_> = (0..20)
        .map(|n| {
            let (addr, tx) = (addr.clone(), tx.clone());
            std::thread::spawn(move || {
                let payload = alertmanager(
                    "PaymentsDown",
                    "firing",
                    &[(&format!("fp-{n:04}"), "critical")],
                );
                // A connection refused after the stop is an answer too: no status.
                let answer = std::panic::catch_unwind(|| {
                    http(
                        &addr,
                        "POST",
                        "/alertmanager",
                        &bearer(),
                        payload.as_bytes(),
                    )
                    .0
                })
                .unwrap_or(0);
                let _ = tx.send(answer);
                answer
            })
        })
        .collect();
    // Stop it once the first post is in.
    rx.recv_timeout(WAIT).expect("a first answer in time");
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    let answers: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let recorded = answers.iter().filter(|s| matches!(s, 200 | 201)).count();
    assert!(recorded >= 1);
    assert!(
        answers.iter().all(|s| matches!(s, 0 | 200 | 201 | 503)),
        "{answers:?}"
    );
    // Every answered post is committed whole; nothing else is.
    assert_eq!(repo.log().len(), commits + recorded);
    assert!(
        repo.git(&["status", "--porcelain"]).is_empty(),
        "a clean work tree"
    );
    assert!(
        !repo.path(".git/mim-journal").exists(),
        "no transaction left open"
    );
    let ids = incidents(&repo);
    assert_eq!(ids.len(), 1);
    assert_eq!(alerts(&repo, &ids[0]).len(), recorded);
    repo.run(&["validate"]).ok();
}

#[test]
fn the_receiver_needs_a_secret_and_no_backdating() {
    let repo = repo();
    let run = repo
        .run(&["intake", "serve", "--listen", "127.0.0.1:0"])
        .fails(2);
    assert!(run.stderr.contains("MIM_INTAKE_TOKEN"), "{}", run.stderr);
    let run = Run::from_output(
        repo.cmd()
            .env("MIM_INTAKE_TOKEN", "short")
            .args(["intake", "serve", "--listen", "127.0.0.1:0"])
            .output()
            .unwrap(),
    )
    .fails(2);
    assert!(run.stderr.contains("at least 16"), "{}", run.stderr);
    let run = repo
        .at(
            "2026-11-24T09:00:00Z",
            &["intake", "serve", "--listen", "127.0.0.1:0"],
        )
        .fails(2);
    assert!(run.stderr.contains("--at is not for"), "{}", run.stderr);
}
