//! Status communications: `mim update`, restoral notices, `mim send`, `mim templates`.

use std::io::Write;
use std::process::Stdio;

use mail_parser::MimeHeaders;

use crate::common::mail::{
    addresses, delivered, outbox, parse, recording_sendmail, references, script, use_sendmail,
};
use crate::common::{Run, TestRepo};

const DECLARED: &str = "2026-11-24T09:00:00Z";
const ACCEPTED: &str = "2026-11-24T09:10:00Z";

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn stdin_run(repo: &TestRepo, args: &[&str], input: &str) -> Run {
    let mut child = repo
        .cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    to_run(child.wait_with_output().unwrap())
}

fn to_run(out: std::process::Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn every_message_parses_with_recipients_per_audience_and_threads() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "update",
            &id,
            "--audience",
            "all",
            "-m",
            "Failing over to the standby site.",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T10:00:00Z",
        &["update", &id, "-m", "Failover done; checking payments."],
    )
    .ok();
    repo.at(
        "2026-11-24T10:45:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Line card replaced.",
            "--closure",
            "hardware-replaced",
        ],
    )
    .ok();

    let mails = outbox(&repo, &id);
    let names: Vec<&str> = mails.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "20261124T093000Z-u1-client-management.eml",
            "20261124T093000Z-u1-client.eml",
            "20261124T093000Z-u1-internal.eml",
            "20261124T093000Z-u1-management.eml",
            "20261124T100000Z-u2-internal.eml",
            "20261124T104500Z-resolved-client-management.eml",
            "20261124T104500Z-resolved-client.eml",
            "20261124T104500Z-resolved-end-users.eml",
            "20261124T104500Z-resolved-internal.eml",
            "20261124T104500Z-resolved-management.eml",
        ]
    );
    let id_of = |name: &str| parse(&mails[name]).message_id().unwrap().to_string();
    // Each audience's thread: the message before it to the same audience, if any.
    let answers = |name: &str| -> Vec<String> {
        let audience = name.splitn(3, '-').nth(2).unwrap();
        let earlier: Vec<&str> = match audience {
            "internal.eml" if name.contains("-u2-") => vec!["20261124T093000Z-u1-internal.eml"],
            "internal.eml" if name.contains("resolved") => vec![
                "20261124T093000Z-u1-internal.eml",
                "20261124T100000Z-u2-internal.eml",
            ],
            _ if name.contains("resolved") && audience != "end-users.eml" => {
                vec![
                    mails
                        .keys()
                        .find(|n| n.ends_with(&format!("-u1-{audience}")))
                        .unwrap(),
                ]
            }
            _ => vec![],
        };
        earlier.into_iter().map(id_of).collect()
    };
    let mut ids = Vec::new();
    for (name, raw) in &mails {
        for line in raw.split(|&b| b == b'\n') {
            assert!(line.len() <= 998, "{name}: a line of {} octets", line.len());
        }
        let msg = parse(raw);
        assert_eq!(msg.mime_version().as_text(), Some("1.0"), "{name}");
        let ct = msg.content_type().expect("content type");
        assert_eq!(
            (ct.ctype(), ct.subtype()),
            ("multipart", Some("alternative")),
            "{name}"
        );
        assert!(msg.body_text(0).is_some_and(|t| !t.is_empty()), "{name}");
        assert!(
            msg.body_html(0)
                .is_some_and(|h| h.contains("<html lang=\"en\">")),
            "{name}"
        );
        assert!(msg.date().is_some(), "{name}");
        let from = msg.from().and_then(|a| a.first()).unwrap();
        assert_eq!(from.address(), Some("incidents@msp.example"));
        let subject = msg.subject().unwrap();
        // The client's IT contacts and end users read no priority code; the client's
        // people read that their service is restored, the provider's that it is resolved.
        let who = msg
            .header("X-Mim-Audience")
            .and_then(|v| v.as_text())
            .unwrap();
        let tags = if matches!(who, "client" | "end-users") {
            "[ACME Corp]"
        } else {
            "[P1][ACME Corp]"
        };
        let what = match (name.contains("resolved"), who) {
            (true, "internal" | "management") => "Resolved",
            (true, _) => "Restored",
            (false, _) if name.contains("-u2-") => "Update 2",
            (false, _) => "Update 1",
        };
        assert_eq!(
            subject,
            format!("{tags} Payments API outage — {what}"),
            "{name}"
        );
        let (to, cc) = (addresses(msg.to()), addresses(msg.cc()));
        let audience = msg
            .header("X-Mim-Audience")
            .and_then(|v| v.as_text())
            .unwrap();
        let expected: (&[&str], &[&str]) = match audience {
            "internal" => (&["noc@msp.example"], &["service-desk@msp.example"]),
            "management" => (&["service-delivery@msp.example"], &[]),
            "client" => (&["it-ops@acme.example"], &[]),
            "client-management" => (&["cio@acme.example"], &[]),
            "end-users" => (&["all-staff@acme.example"], &[]),
            other => panic!("audience {other}"),
        };
        assert_eq!(
            (to, cc),
            (strings(expected.0), strings(expected.1)),
            "{name}"
        );
        assert!(name.ends_with(&format!("-{audience}.eml")));
        let id_here = msg.message_id().unwrap().to_string();
        assert!(
            id_here.ends_with(&format!(".{id}@msp.example")),
            "{id_here}"
        );
        let earlier = answers(name);
        assert_eq!(
            msg.in_reply_to().as_text(),
            earlier.last().map(String::as_str),
            "{name}"
        );
        assert_eq!(references(&msg), earlier, "{name}");
        ids.push(id_here);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), mails.len(), "Message-IDs are unique");

    // Updates are numbered per audience, one file and one event per audience.
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    let updates: Vec<(String, u64)> = show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "update")
        .map(|e| {
            (
                e["audience"].as_str().unwrap().to_string(),
                e["number"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        updates,
        [
            ("internal", 1),
            ("management", 1),
            ("client", 1),
            ("client-management", 1),
            ("internal", 2)
        ]
        .map(|(a, n)| (a.to_string(), n))
    );
    let file = repo.read(&format!(
        "incidents/{id}/updates/20261124T100000Z-internal.md"
    ));
    assert!(
        file.starts_with(
            "---\nincident: 2026-11-24-payments-api-outage\nnumber: 2\naudience: internal\n"
        ),
        "{file}"
    );
    assert!(
        file.ends_with("---\nFailover done; checking payments.\n"),
        "{file}"
    );
    repo.run(&["validate"]).ok();
}

#[test]
fn hostile_text_cannot_add_headers_run_script_or_be_evaluated() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    // A hand-edited record can hold what `declare` would have flattened.
    let record = repo.read(&format!("incidents/{id}/incident.yaml"));
    let hostile = record.replace(
        "title: Payments API outage",
        "title: \"Payments API outage\\r\\nBcc: attacker@evil.example\"",
    );
    assert_ne!(hostile, record);
    repo.write(&format!("incidents/{id}/incident.yaml"), &hostile);
    let body = "Restarting <script>alert('x')</script> now.\n\nTemplate: {{ 7*7 }} {% if true %}yes{% endif %}\r\nBcc: attacker@evil.example";
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "update",
            &id,
            "--audience",
            "all",
            "-m",
            body,
            "--status-line",
            "Degraded\r\nBcc: attacker@evil.example",
        ],
    )
    .ok();
    for (name, raw) in outbox(&repo, &id) {
        let msg = parse(&raw);
        assert!(msg.bcc().is_none(), "{name}");
        assert!(
            msg.headers()
                .iter()
                .all(|h| !h.name().eq_ignore_ascii_case("bcc")),
            "{name}"
        );
        assert_eq!(
            msg.subject(),
            Some(
                format!(
                    "{}[ACME Corp] Payments API outage Bcc: attacker@evil.example — Update 1",
                    if name.contains("-client.") {
                        ""
                    } else {
                        "[P1]"
                    }
                )
                .as_str()
            )
        );
        let html = msg.body_html(0).unwrap();
        assert!(html.contains("&lt;script&gt;alert"), "{name}: {html}");
        assert!(!html.contains("<script"), "{name}: {html}");
        let text = msg.body_text(0).unwrap();
        assert!(
            text.contains("{{ 7*7 }} {% if true %}yes{% endif %}"),
            "{name}: {text}"
        );
        assert!(!text.contains("49"), "{name}: {text}");
        assert!(html.contains("{{ 7*7 }}"), "{name}");
    }
}

/// A fixed incident with a plan and escalations, updated and resolved at fixed times.
fn fixed_incident(repo: &TestRepo) -> String {
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:15:00Z",
        &[
            "plan",
            &id,
            "--workstream",
            "Network:Ravi Shah:Carrier",
            "--workstream",
            "Application:Jo Kim",
            "--bridge",
            "https://meet.msp.example/payments",
            "--approach",
            "Restore through the standby site, then fix the primary line.",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:20:00Z",
        &[
            "escalate",
            &id,
            "--kind",
            "vendor",
            "--to",
            "Carrier NOC",
            "--reason",
            "line down",
            "--ref",
            "CASE-7781",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:25:00Z",
        &[
            "escalate",
            &id,
            "--kind",
            "management",
            "--to",
            "Service delivery manager",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "update",
            &id,
            "--audience",
            "all",
            "-m",
            "We are failing over to the standby site.\n\n- payments queue held\n- no data lost",
            "--status-line",
            "Degraded: failover in progress",
            "--eta",
            "2026-11-24T11:00:00Z",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T10:45:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Traffic runs through the standby site.",
            "--closure",
            "workaround",
            "--workaround",
            "--problem",
            "PRB-1042",
            "--verification-attempted",
        ],
    )
    .ok();
    id
}

#[test]
fn snapshots_of_every_built_in_template() {
    let repo = TestRepo::new();
    let id = fixed_incident(&repo);
    let mails = outbox(&repo, &id);
    assert_eq!(mails.len(), 9, "four updates and five restoral notices");
    for (name, raw) in mails {
        if ["-client.eml", "-client-management.eml", "-end-users.eml"]
            .iter()
            .any(|end| name.ends_with(end))
        {
            let body = parse(&raw).body_text(0).unwrap().to_string();
            for internal in [
                "CASE-7781",
                "meet.msp.example",
                "Alice Moreau",
                "Sam Patel",
                "Ravi",
                "Carrier",
                "PRB-1042",
            ] {
                assert!(
                    !body.contains(internal),
                    "{name} shows `{internal}`:\n{body}"
                );
            }
        }
        let text = String::from_utf8(raw).unwrap().replace("\r\n", "\n");
        insta::assert_snapshot!(name.trim_end_matches(".eml").to_string(), text);
    }
}

#[test]
fn a_repository_override_is_used_and_a_typo_in_it_names_template_and_line() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.run(&["templates", "export", "update-client.md"]).ok();
    let exported = repo.read("templates/update-client.md");
    repo.write(
        "templates/update-client.md",
        &exported.replace(
            "Dear {{ reader.client_name }} team,",
            "Hello from the override, {{ incident.client }}.",
        ),
    );
    let list = repo.run(&["templates", "list"]).ok();
    assert!(
        list.stdout.contains(&format!(
            "{:<31}overridden by templates/update-client.md",
            "update-client.md"
        )),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout
            .contains(&format!("{:<31}built-in", "update-internal.md")),
        "{}",
        list.stdout
    );
    let show = repo.run(&["templates", "show", "update-client.md"]).ok();
    assert!(show.stdout.contains("Hello from the override"));
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "update",
            &id,
            "--audience",
            "client",
            "-m",
            "Working on it.",
        ],
    )
    .ok();
    let raw = outbox(&repo, &id).into_values().next().unwrap();
    let text = parse(&raw).body_text(0).unwrap().to_string();
    assert!(
        text.contains("Hello from the override, ACME Corp."),
        "{text}"
    );

    repo.write(
        "templates/update-client.md",
        "# {{ incident.title }}\n\n{{ update.boddy }}\n",
    );
    let before = repo.snapshot();
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &["update", &id, "--audience", "client", "-m", "More."],
        )
        .fails(1);
    assert_eq!(repo.snapshot(), before, "nothing is written");
    insta::assert_snapshot!(repo.redact(&run.stderr), @"error: template `update-client.md` (repository override [REPO]/templates/update-client.md), line 3: undefined value: `update.boddy` is undefined");
}

#[test]
fn send_delivers_each_message_once_and_a_failure_loses_nothing() {
    let repo = TestRepo::new();
    let log = recording_sendmail(&repo);
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "First.", "--send"],
    )
    .ok();
    assert_eq!(delivered(&log).len(), 4);
    let sent_log = repo.read(&format!("incidents/{id}/outbox/sent.log"));
    // Each message's intent (`sending`), then its outcome.
    let lines: Vec<&str> = sent_log.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 8, "{sent_log}");
    assert_eq!(
        lines.iter().filter(|l| l.contains(".eml sending ")).count(),
        4,
        "{sent_log}"
    );
    assert!(
        repo.log()[0].starts_with(&crate::common::subject_ref(&id))
            && repo.log()[0].ends_with(": sent 4 messages (update 1)"),
        "{:?}",
        repo.log()
    );
    // Cut to git's 72 characters in the subject; whole in the body.
    let update = repo.git(&["log", "-1", "--format=%B", "HEAD~1"]);
    assert!(
        update.contains(": update 1 to internal, management, client, client-management\n"),
        "{update}"
    );
    repo.now("2026-11-24T09:31:00Z", &["send", &id]).ok();
    assert_eq!(
        delivered(&log).len(),
        4,
        "a sent message is never sent twice"
    );

    // A failing sendmail: the update is recorded, the error shown, the messages kept unsent.
    let failing = script(
        &repo,
        "sendmail-bad",
        "cat > /dev/null; echo 'relay refused: 554 5.7.1' >&2; exit 75",
    );
    use_sendmail(&repo, &failing);
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &[
                "update",
                &id,
                "--audience",
                "all",
                "-m",
                "Second.",
                "--send",
            ],
        )
        .fails(1);
    assert!(
        run.stderr.contains("relay refused: 554 5.7.1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("exit status 75"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("mim send {id}")),
        "{}",
        run.stderr
    );
    assert!(
        repo.path(&format!(
            "incidents/{id}/updates/20261124T100000Z-client.md"
        ))
        .exists()
    );
    // The refused attempt is recorded (`failed` in sent.log), and the message stays unsent.
    assert!(
        repo.log()[0].ends_with(": sent 0 messages; 1 failed"),
        "{:?}",
        repo.log()
    );
    assert!(
        repo.log_whole()[1]
            .ends_with(": update 2 to internal, management, client, client-management")
    );
    let unsent = repo.run(&["send", &id, "--dry-run"]).ok();
    assert_eq!(unsent.stdout.lines().count(), 4, "{}", unsent.stdout);

    // Later, with a working sendmail, `mim send` delivers exactly what is unsent.
    let log = recording_sendmail(&repo);
    std::fs::remove_file(&log).ok();
    repo.now("2026-11-24T10:05:00Z", &["send", &id]).ok();
    let second = delivered(&log);
    assert_eq!(second.len(), 4, "{second:?}");
    assert!(second.iter().all(|m| m.contains("-u2-")), "{second:?}");
    repo.now("2026-11-24T10:06:00Z", &["send", &id]).ok();
    assert_eq!(delivered(&log).len(), 4);
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "everything is committed"
    );
}

#[test]
fn resolve_refuses_a_workaround_without_problem_and_unknown_closure_codes() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let before = repo.snapshot();
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &[
                "resolve",
                &id,
                "-m",
                "Restarted.",
                "--closure",
                "workaround",
                "--workaround",
            ],
        )
        .fails(1);
    insta::assert_snapshot!(run.stderr, @"error: a workaround leaves the root cause open: give the problem ticket that tracks it with --problem REF");
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &["resolve", &id, "-m", "Restarted.", "--closure", "rebooted"],
        )
        .fails(2);
    insta::assert_snapshot!(run.stderr, @r"
    error: invalid value 'rebooted' for '--closure <CODE>'
      [possible values: capacity-added, config-change, hardware-replaced, no-fault-found, permanent-fix, vendor-fix, workaround]

      tip: the valid values come from `closure_codes` in mim.yaml

    For more information, try '--help'.
    ");
    assert_eq!(repo.snapshot(), before, "nothing is written");
}

#[test]
fn the_closure_code_and_the_workaround_flag_agree() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let before = repo.snapshot();
    // A workaround code is a workaround: it needs the problem ticket without --workaround.
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &[
                "resolve",
                &id,
                "-m",
                "Failed over.",
                "--closure",
                "workaround",
            ],
        )
        .fails(1);
    assert!(run.stderr.contains("--problem REF"), "{}", run.stderr);
    // A fix removed the root cause: a workaround beside it is a contradiction.
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &[
                "resolve",
                &id,
                "-m",
                "Patched.",
                "--closure",
                "permanent-fix",
                "--workaround",
                "--problem",
                "PRB-1",
            ],
        )
        .fails(2);
    insta::assert_snapshot!(run.stderr, @"error: --closure permanent-fix says the root cause was removed, and --workaround says it is still open: use --closure workaround (or another workaround code) for a workaround, or drop --workaround");
    assert_eq!(repo.snapshot(), before, "nothing is written");
    // The workaround code with its problem ticket records a workaround.
    repo.at(
        "2026-11-24T10:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Failed over.",
            "--closure",
            "workaround",
            "--problem",
            "PRB-9",
        ],
    )
    .ok();
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert!(timeline.contains("workaround: true"), "{timeline}");
}

#[test]
fn bad_update_input_writes_nothing() {
    let repo = TestRepo::new();
    let id = repo.declare(DECLARED, "Intranet down", "high", "high", &[]);
    repo.at(ACCEPTED, &["accept", &id]).ok();
    let before = repo.snapshot();
    let run = repo
        .at(
            "2026-11-24T09:30:00Z",
            &["update", &id, "--audience", "client", "-m", "x"],
        )
        .fails(1);
    assert!(
        run.stderr
            .contains("the client audience needs a client, and this incident has none"),
        "{}",
        run.stderr
    );
    let run = repo
        .at("2026-11-24T09:30:00Z", &["update", &id, "-m", "  \n\n "])
        .fails(1);
    assert!(
        run.stderr
            .contains("the update is empty: nothing was written"),
        "{}",
        run.stderr
    );
    let run = stdin_run(
        &repo,
        &["--at", "2026-11-24T09:30:00Z", "update", &id, "-m", "-"],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = repo.at("2026-11-24T09:30:00Z", &["update", &id]).fails(1);
    assert!(
        run.stderr
            .contains("-m TEXT, -m - (standard input) or --edit"),
        "{}",
        run.stderr
    );
    let run = repo
        .at(
            "2026-11-24T09:30:00Z",
            &["update", &id, "-m", "x", "--eta", "soon"],
        )
        .fails(2);
    assert!(run.stderr.contains("--eta"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before, "nothing is written");

    // Without a client, `all` means internal and management.
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "x"],
    )
    .ok();
    let names: Vec<String> = outbox(&repo, &id).into_keys().collect();
    assert_eq!(
        names,
        [
            "20261124T093000Z-u1-internal.eml",
            "20261124T093000Z-u1-management.eml"
        ]
    );
}

#[test]
fn the_body_comes_from_stdin_or_the_editor() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    stdin_run(
        &repo,
        &["--at", "2026-11-24T09:30:00Z", "update", &id, "-m", "-"],
        "From **stdin**.\n",
    )
    .ok();
    let editor = script(&repo, "editor", "printf 'From the editor.\\n' > \"$1\"");
    let run = to_run(
        repo.cmd()
            .env("EDITOR", &editor)
            .args(["--at", "2026-11-24T10:00:00Z", "update", &id, "--edit"])
            .output()
            .unwrap(),
    );
    run.ok();
    let updates = format!("incidents/{id}/updates");
    assert!(
        repo.read(&format!("{updates}/20261124T093000Z-internal.md"))
            .ends_with("---\nFrom **stdin**.\n")
    );
    assert!(
        repo.read(&format!("{updates}/20261124T100000Z-internal.md"))
            .ends_with("---\nFrom the editor.\n")
    );
    let empty = script(&repo, "empty-editor", "true");
    let before = repo.snapshot();
    let out = repo
        .cmd()
        .env("VISUAL", &empty)
        .args(["--at", "2026-11-24T10:30:00Z", "update", &id, "-e"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn updates_are_refused_once_closed() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T10:00:00Z",
        &["resolve", &id, "-m", "Fixed.", "--closure", "permanent-fix"],
    )
    .ok();
    repo.at(
        "2026-11-24T10:05:00Z",
        &["close", &id, "--force", "--reason", "No review for a test"],
    )
    .ok();
    let before = repo.snapshot();
    let run = repo
        .at("2026-11-24T10:10:00Z", &["update", &id, "-m", "x"])
        .fails(1);
    assert!(
        run.stderr.contains(
            "is closed: status updates are for incidents being worked on or monitored after the restoration"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn validate_reports_broken_update_files() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at("2026-11-24T09:30:00Z", &["update", &id, "-m", "First."])
        .ok();
    repo.run(&["validate"]).ok();
    let file = format!("incidents/{id}/updates/20261124T093000Z-internal.md");
    let text = repo.read(&file);
    repo.write(&file, &text.replace("number: 1", "number: [1"));
    let run = repo.run(&["validate"]).fails(1);
    assert!(run.stdout.contains(&format!("{file}:3:")), "{}", run.stdout);
    repo.write(
        &file,
        &text.replace("audience: internal", "audience: client"),
    );
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout
            .contains("says update 1 to client, but the timeline records update 1 to internal"),
        "{}",
        run.stdout
    );
    std::fs::remove_file(repo.path(&file)).unwrap();
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout.contains("its file cannot be read"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_eta_in_the_past_is_refused() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let before = repo.snapshot();
    let run = repo
        .at(
            "2026-11-24T09:30:00Z",
            &[
                "update",
                &id,
                "-m",
                "Working on it.",
                "--eta",
                "2026-11-24T09:00:00Z",
            ],
        )
        .fails(1);
    assert!(
        run.stderr
            .contains("--eta 2026-11-24T09:00:00Z is in the past"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
}
