//! Communications that are safe to send to a client: audiences that never mix, client
//! text apart from the NOC's, numbering and threads per audience, an outbox with a
//! lifecycle, one address parser, stakeholders by kind, and a plain-text part. Every
//! e-mail is parsed with a real MIME parser.

use crate::common::TestRepo;
use crate::common::mail::{
    addresses, audience, delivered, mailboxes, outbox, parse, readable, recording_sendmail,
    references,
};

const DECLARED: &str = "2026-11-24T09:00:00Z";
const ACCEPTED: &str = "2026-11-24T09:10:00Z";

/// The provider's own lists and the client's contacts in the default configuration.
const PROVIDER: [&str; 3] = [
    "noc@msp.example",
    "service-desk@msp.example",
    "service-delivery@msp.example",
];
const CLIENT: [&str; 3] = [
    "it-ops@acme.example",
    "cio@acme.example",
    "all-staff@acme.example",
];

/// What only the provider's people may read about [`responding_p1`].
const INTERNAL_ONLY: [&str; 10] = [
    "CASE-7781",
    "Kit Scribe",
    "Ravi Shah",
    "Jo Kim",
    "Dana Lee",
    "Alice Moreau",
    "Sam Patel",
    "meet.msp.example",
    "Carrier",
    "PRB-1207",
];

fn is_client_facing(audience: &str) -> bool {
    matches!(audience, "client" | "client-management" | "end-users")
}

/// An accepted P1 for ACME with a plan (owners, a vendor, a bridge) and escalations (a
/// vendor case, an engineer, management).
fn responding_p1(repo: &TestRepo) -> String {
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
        ],
    )
    .ok();
    for (at, kind, to, extra) in [
        (
            "2026-11-24T09:20:00Z",
            "vendor",
            "Carrier NOC",
            Some("CASE-7781"),
        ),
        ("2026-11-24T09:21:00Z", "sme", "Dana Lee", None),
        (
            "2026-11-24T09:22:00Z",
            "management",
            "Service delivery manager",
            None,
        ),
    ] {
        let mut args = vec!["escalate", &id, "--kind", kind, "--to", to];
        if let Some(r) = extra {
            args.extend(["--ref", r]);
        }
        repo.at(at, &args).ok();
    }
    repo.at(
        "2026-11-24T09:23:00Z",
        &["assign", &id, "--role", "scribe", "--to", "Kit Scribe"],
    )
    .ok();
    id
}

/// Every message of `id`: no message has both a provider and a client address, and each
/// client-facing one shows nothing of [`INTERNAL_ONLY`].
fn assert_never_mixed(repo: &TestRepo, id: &str) {
    for (name, raw) in outbox(repo, id) {
        let msg = parse(&raw);
        let mut all = addresses(msg.to());
        all.extend(addresses(msg.cc()));
        let provider = all.iter().any(|a| PROVIDER.contains(&a.as_str()));
        let client = all.iter().any(|a| CLIENT.contains(&a.as_str()));
        assert!(!(provider && client), "{name} mixes recipients: {all:?}");
        let audience = audience(&msg);
        assert_eq!(
            client,
            is_client_facing(&audience),
            "{name} ({audience}) goes to {all:?}"
        );
        if is_client_facing(&audience) {
            let seen = readable(&msg);
            for secret in INTERNAL_ONLY {
                assert!(!seen.contains(secret), "{name} shows `{secret}`:\n{seen}");
            }
        }
    }
}

#[test]
fn internal_and_client_recipients_never_share_a_message() {
    let repo = TestRepo::new();
    let id = responding_p1(&repo);
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "update",
            &id,
            "--audience",
            "all",
            "-m",
            "We are failing over to the standby site.",
            "--eta",
            "2026-11-24T11:00:00Z",
        ],
    )
    .ok();
    let mails = outbox(&repo, &id);
    let by_audience: std::collections::BTreeMap<String, mail_parser::Message<'_>> = mails
        .values()
        .map(|raw| {
            let msg = parse(raw);
            (audience(&msg), msg)
        })
        .collect();
    let audiences: Vec<&str> = by_audience.keys().map(String::as_str).collect();
    assert_eq!(
        audiences,
        ["client", "client-management", "internal", "management"]
    );
    assert_eq!(
        addresses(by_audience["management"].to()),
        ["service-delivery@msp.example"]
    );
    assert_eq!(
        addresses(by_audience["client-management"].to()),
        ["cio@acme.example"]
    );
    let internal = readable(&by_audience["internal"]);
    for detail in [
        "CASE-7781",
        "Ravi Shah",
        "Dana Lee",
        "meet.msp.example/payments",
    ] {
        assert!(internal.contains(detail), "internal lacks {detail}");
    }
    // Client management reads more than the client: priority, the restore target, the
    // ETA, and what is being done by which kind of team.
    let cm = by_audience["client-management"].body_text(0).unwrap();
    for detail in [
        "P1",
        "4h",
        "2026-11-24 06:00 EST",
        "Network",
        "Application",
        "vendor",
        "We are failing over to the standby site.",
    ] {
        assert!(
            cm.contains(detail),
            "client management lacks {detail}:\n{cm}"
        );
    }
    assert_never_mixed(&repo, &id);

    repo.at(
        "2026-11-24T10:45:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Line card replaced by Ravi Shah.",
            "--closure",
            "hardware-replaced",
        ],
    )
    .ok();
    let restorals: Vec<String> = outbox(&repo, &id)
        .into_keys()
        .filter(|n| n.contains("-resolved-"))
        .collect();
    assert_eq!(
        restorals,
        [
            "20261124T104500Z-resolved-client-management.eml",
            "20261124T104500Z-resolved-client.eml",
            "20261124T104500Z-resolved-end-users.eml",
            "20261124T104500Z-resolved-internal.eml",
            "20261124T104500Z-resolved-management.eml",
        ]
    );
    assert_never_mixed(&repo, &id);
}

#[test]
fn an_override_cannot_show_a_client_what_is_internal() {
    let repo = TestRepo::new();
    let id = responding_p1(&repo);
    // A careless override prints every internal variable there is.
    let everything = "{{ incident.manager }} {{ incident.reporter }} {{ plan.bridge }}\n\
        {% for w in plan.workstreams %}{{ w.owner }} {{ w.vendor }}{% endfor %}\n\
        {% for e in escalations %}{{ e.to }} {{ e.by }} {{ e.reference }} {{ e.reason }}{% endfor %}\n\
        {% for r in incident.roles %}{{ r.holder }}{% endfor %}\n\
        {% if update %}{{ update.by }}{% endif %}\n\
        {% if resolution %}{{ resolution.by }} {{ resolution.problem }} {{ resolution.summary }}{% endif %}\n";
    for name in [
        "update-client.md",
        "update-client-management.md",
        "restoral-client.md",
        "restoral-client-management.md",
        "restoral-end-users.md",
    ] {
        repo.write(&format!("templates/{name}"), everything);
    }
    repo.run(&["validate"]).ok();
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "Failing over."],
    )
    .ok();
    repo.at(
        "2026-11-24T10:45:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Done; root cause in PRB-1207.",
            "--closure",
            "workaround",
            "--workaround",
            "--problem",
            "PRB-1207",
        ],
    )
    .ok();
    assert_never_mixed(&repo, &id);
}

#[test]
fn the_client_reads_the_client_message_never_the_internal_one() {
    let repo = TestRepo::new();
    let id = responding_p1(&repo);
    repo.at(
        "2026-11-24T10:45:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Relay restarted; root cause tracked in PRB-1207",
            "--closure",
            "workaround",
            "--workaround",
            "--problem",
            "PRB-1207",
            "--client-message",
            "Payments work again.",
        ],
    )
    .ok();
    let mut client_facing = 0;
    for (name, raw) in outbox(&repo, &id) {
        let msg = parse(&raw);
        let audience = audience(&msg);
        let seen = readable(&msg);
        if is_client_facing(&audience) {
            client_facing += 1;
            assert!(!seen.contains("PRB-1207"), "{name}:\n{seen}");
            assert!(seen.contains("Payments work again."), "{name}:\n{seen}");
        } else {
            assert!(seen.contains("PRB-1207"), "{name}:\n{seen}");
            assert!(seen.contains("Relay restarted"), "{name}:\n{seen}");
        }
    }
    assert_eq!(client_facing, 3, "client, client management and end users");
    assert_never_mixed(&repo, &id);

    // Without --client-message the client gets the standard wording, not -m.
    let other = repo.declare(
        "2026-11-25T09:00:00Z",
        "Intranet down",
        "high",
        "high",
        &["--client", "acme"],
    );
    repo.at("2026-11-25T09:05:00Z", &["accept", &other]).ok();
    repo.at(
        "2026-11-25T10:00:00Z",
        &[
            "resolve",
            &other,
            "-m",
            "Bounced pod intranet-7f9 on node k8s-w3",
            "--closure",
            "permanent-fix",
        ],
    )
    .ok();
    for (name, raw) in outbox(&repo, &other) {
        let msg = parse(&raw);
        let seen = readable(&msg);
        if is_client_facing(&audience(&msg)) {
            assert!(!seen.contains("intranet-7f9"), "{name}:\n{seen}");
            assert!(seen.contains("restored"), "{name}:\n{seen}");
        } else {
            assert!(seen.contains("intranet-7f9"), "{name}:\n{seen}");
        }
    }
}

#[test]
fn an_update_to_all_can_tell_the_client_something_else() {
    let repo = TestRepo::new();
    let id = responding_p1(&repo);
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "update",
            &id,
            "--audience",
            "all",
            "-m",
            "Ravi is swapping the line card on pay-gw-01.",
            "--client-message",
            "We are replacing faulty hardware.",
        ],
    )
    .ok();
    for (name, raw) in outbox(&repo, &id) {
        let msg = parse(&raw);
        let seen = readable(&msg);
        let (shown, hidden) = if is_client_facing(&audience(&msg)) {
            (
                "We are replacing faulty hardware.",
                "swapping the line card",
            )
        } else {
            (
                "swapping the line card",
                "We are replacing faulty hardware.",
            )
        };
        assert!(seen.contains(shown), "{name}:\n{seen}");
        assert!(!seen.contains(hidden), "{name}:\n{seen}");
    }
    let client = repo.read(&format!(
        "incidents/{id}/updates/20261124T093000Z-client.md"
    ));
    assert!(
        client.ends_with("---\nWe are replacing faulty hardware.\n"),
        "{client}"
    );
    // --client-message is for messages the client reads.
    let run = repo
        .at(
            "2026-11-24T09:40:00Z",
            &["update", &id, "-m", "x", "--client-message", "y"],
        )
        .fails(1);
    assert!(run.stderr.contains("--client-message"), "{}", run.stderr);
}

#[test]
fn each_audience_is_numbered_and_threaded_on_its_own() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    let update = |at: &str, audience: &str| {
        repo.at(at, &["update", &id, "--audience", audience, "-m", "News."])
            .ok();
    };
    update("2026-11-24T09:20:00Z", "client");
    update("2026-11-24T09:30:00Z", "internal");
    update("2026-11-24T09:40:00Z", "internal");
    update("2026-11-24T09:50:00Z", "all");
    update("2026-11-24T10:00:00Z", "internal");
    update("2026-11-24T10:10:00Z", "client");
    assert!(
        repo.log()[0].ends_with(": update 3 to client"),
        "{:?}",
        repo.log()
    );
    assert!(
        repo.log_whole()[2]
            .ends_with(": update internal 3, management 1, client 2, client-management 1"),
        "{:?}",
        repo.log()
    );
    let mails = outbox(&repo, &id);
    let mut subjects: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut ids: std::collections::BTreeMap<String, String> = Default::default();
    for (name, raw) in &mails {
        let msg = parse(raw);
        let audience = audience(&msg);
        subjects
            .entry(audience.clone())
            .or_default()
            .push(msg.subject().unwrap().to_string());
        ids.insert(msg.message_id().unwrap().to_string(), audience);
        assert!(name.contains("-u"), "{name}");
    }
    let numbered = |n: u32| format!("[P1][ACME Corp] Payments API outage — Update {n}");
    // The client's IT contacts read no priority code.
    let to_client = |n: u32| format!("[ACME Corp] Payments API outage — Update {n}");
    assert_eq!(subjects["client"], [1, 2, 3].map(to_client));
    assert_eq!(subjects["internal"], [1, 2, 3, 4].map(numbered));
    assert_eq!(subjects["management"], [1].map(numbered));
    let names: Vec<&str> = mails.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "20261124T092000Z-u1-client.eml",
            "20261124T093000Z-u1-internal.eml",
            "20261124T094000Z-u2-internal.eml",
            "20261124T095000Z-u1-client-management.eml",
            "20261124T095000Z-u1-management.eml",
            "20261124T095000Z-u2-client.eml",
            "20261124T095000Z-u3-internal.eml",
            "20261124T100000Z-u4-internal.eml",
            "20261124T101000Z-u3-client.eml",
        ]
    );
    // Each audience's messages answer only earlier messages of the same audience.
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for raw in mails.values() {
        let msg = parse(raw);
        let audience = audience(&msg);
        let earlier = seen.entry(audience.clone()).or_default();
        let refs = references(&msg);
        for r in &refs {
            assert_eq!(ids[r], audience, "{:?} refers to {r}", msg.subject());
        }
        assert_eq!(&refs, earlier, "{audience}: {:?}", msg.subject());
        assert_eq!(
            msg.in_reply_to().as_text(),
            earlier.last().map(String::as_str),
            "{audience}"
        );
        earlier.push(msg.message_id().unwrap().to_string());
    }
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    let numbers: Vec<(String, u64)> = show["timeline"]
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
    assert_eq!(numbers.len(), 9);
    repo.run(&["validate"]).ok();
}

#[test]
fn a_backfilled_update_answers_the_thread_it_joins() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    for at in ["2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z"] {
        repo.at(at, &["update", &id, "--audience", "client", "-m", "News."])
            .ok();
    }
    // Sent by telephone at 09:30 and recorded afterwards.
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "client", "-m", "Earlier."],
    )
    .ok();
    repo.at(
        "2026-11-24T12:00:00Z",
        &["update", &id, "--audience", "client", "-m", "Later."],
    )
    .ok();
    let mails = outbox(&repo, &id);
    let id_of = |stem: &str| {
        parse(&mails[&format!("{stem}.eml")])
            .message_id()
            .unwrap()
            .to_string()
    };
    let root = id_of("20261124T100000Z-u1-client");
    let backfilled = parse(&mails["20261124T093000Z-u3-client.eml"]);
    assert_eq!(references(&backfilled)[0], root);
    let last = parse(&mails["20261124T120000Z-u4-client.eml"]);
    let refs = references(&last);
    assert_eq!(
        refs[0], root,
        "the thread root stays the first message sent"
    );
    assert_eq!(refs.len(), 3, "{refs:?}");
    assert_eq!(
        last.in_reply_to().as_text(),
        Some(id_of("20261124T093000Z-u3-client").as_str())
    );
}

#[test]
fn a_reopen_withdraws_the_restoral_notices_nobody_sent() {
    let repo = TestRepo::new();
    let log = recording_sendmail(&repo);
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T10:50:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Restarted.",
            "--closure",
            "no-fault-found",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T11:10:00Z",
        &["reopen", &id, "--reason", "Payments failing again"],
    )
    .ok();
    let sent_log = repo.read(&format!("incidents/{id}/outbox/sent.log"));
    assert_eq!(
        sent_log
            .lines()
            .filter(|l| l.contains(" withdrawn "))
            .count(),
        5,
        "{sent_log}"
    );
    repo.at(
        "2026-11-24T12:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "Line card replaced.",
            "--closure",
            "hardware-replaced",
            "--send",
        ],
    )
    .ok();
    let first = delivered(&log);
    assert_eq!(first.len(), 5, "{first:?}");
    assert!(first.iter().all(|m| m.contains("T120000Z")), "{first:?}");
    let dry = repo.run(&["send", &id, "--dry-run"]).ok();
    assert_eq!(dry.stdout, "", "nothing is left to send");
    repo.now("2026-11-24T12:05:00Z", &["send", &id]).ok();
    repo.at(
        "2026-11-24T12:06:00Z",
        &["close", &id, "--force", "--reason", "test"],
    )
    .ok();
    repo.now("2026-11-24T12:07:00Z", &["send", &id, "--force"])
        .ok();
    assert_eq!(
        delivered(&log),
        first,
        "the withdrawn notices are never sent"
    );
}

#[test]
fn a_closed_incident_sends_nothing_without_force_and_close_lists_what_is_unsent() {
    let repo = TestRepo::new();
    let log = recording_sendmail(&repo);
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "client", "-m", "News."],
    )
    .ok();
    repo.at(
        "2026-11-24T10:00:00Z",
        &["resolve", &id, "-m", "Fixed.", "--closure", "permanent-fix"],
    )
    .ok();
    let close = repo
        .at(
            "2026-11-24T10:30:00Z",
            &["close", &id, "--force", "--reason", "test"],
        )
        .ok();
    assert!(
        close
            .stderr
            .contains("6 messages in outbox/ were never sent"),
        "{}",
        close.stderr
    );
    assert!(
        close.stderr.contains("20261124T093000Z-u1-client.eml"),
        "{}",
        close.stderr
    );
    let before = repo.snapshot();
    let run = repo.now("2026-11-24T10:40:00Z", &["send", &id]).fails(1);
    assert!(run.stderr.contains("is closed"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before);
    assert!(delivered(&log).is_empty());
    repo.now("2026-11-24T10:41:00Z", &["send", &id, "--force"])
        .ok();
    assert_eq!(delivered(&log).len(), 6);
}

#[test]
fn check_warns_about_mail_left_unsent() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:20:00Z",
        &["update", &id, "--audience", "internal", "-m", "News."],
    )
    .ok();
    let unsent = |now: &str| -> Vec<serde_json::Value> {
        let run = repo.now(now, &["check", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "unsent-mail")
            .cloned()
            .collect()
    };
    assert!(unsent("2026-11-24T09:34:00Z").is_empty());
    let found = unsent("2026-11-24T09:36:00Z");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["level"], "at-risk");
    assert_eq!(found[0]["incident"], id);
    assert_eq!(
        found[0]["file"],
        format!("incidents/{id}/outbox/20261124T092000Z-u1-internal.eml")
    );
    // One line per incident at a terminal; message by message with --verbose.
    let text = repo.now("2026-11-24T09:36:00Z", &["check"]);
    assert!(
        text.stdout.contains(&format!(
            "  unsent: 1 message since 2026-11-24 09:20 UTC: `mim send {id}`"
        )),
        "{}",
        text.stdout
    );
    let verbose = repo.now("2026-11-24T09:36:00Z", &["check", "--verbose"]);
    assert!(verbose.stdout.contains("unsent-mail"), "{}", verbose.stdout);
    // A longer allowance in mim.yaml.
    let config = repo.read("mim.yaml").replace(
        "  sendmail: \"sendmail -t -i\"",
        "  sendmail: \"sendmail -t -i\"\n  unsent_warning: 1h",
    );
    repo.config(&config);
    assert!(unsent("2026-11-24T09:36:00Z").is_empty());
    assert_eq!(unsent("2026-11-24T10:21:00Z").len(), 1);
}

#[test]
fn display_names_with_commas_and_accents_reach_the_headers_intact() {
    let repo = TestRepo::new();
    let log = recording_sendmail(&repo);
    let config = repo
        .read("mim.yaml")
        .replace(
            "cc: [service-desk@msp.example]",
            "cc: ['\"Service Desk, EMEA\" <sd@msp.example>']",
        )
        .replace(
            "client: [it-ops@acme.example]",
            "client: [Jörg Müller <jm@client.example>]",
        );
    repo.config(&config);
    repo.run(&["validate"]).ok();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "News."],
    )
    .ok();
    repo.at(
        "2026-11-24T10:00:00Z",
        &["resolve", &id, "-m", "Fixed.", "--closure", "permanent-fix"],
    )
    .ok();
    repo.now("2026-11-24T10:05:00Z", &["send", &id]).ok();
    assert_eq!(delivered(&log).len(), 9);
    for (name, raw) in outbox(&repo, &id) {
        let msg = parse(&raw);
        match audience(&msg).as_str() {
            "internal" => assert_eq!(
                mailboxes(msg.cc()),
                [(
                    Some("Service Desk, EMEA".to_string()),
                    "sd@msp.example".to_string()
                )],
                "{name}"
            ),
            "client" => assert_eq!(
                mailboxes(msg.to()),
                [(
                    Some("Jörg Müller".to_string()),
                    "jm@client.example".to_string()
                )],
                "{name}"
            ),
            _ => {}
        }
    }

    // What the mailer cannot use, `validate` refuses where it is written.
    for (bad, hint) in [
        ("Müller, Jörg <jm@client.example>", "double quotes"),
        ("Service Desk (24x7) <sd@msp.example>", "double quotes"),
        ("jm@client..example", "jm@client..example"),
    ] {
        let text = config.replace("Jörg Müller <jm@client.example>", &format!("'{bad}'"));
        repo.write("mim.yaml", &text);
        let line = text.lines().position(|l| l.contains(bad)).unwrap() + 1;
        let run = repo.run(&["validate"]).fails(2);
        let out = format!("{}{}", run.stdout, run.stderr);
        assert!(out.contains(&format!("mim.yaml:{line}:")), "{bad}: {out}");
        assert!(out.contains(hint), "{bad}: {out}");
    }
}

#[test]
fn stakeholders_receive_what_their_kind_says() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:15:00Z",
        &[
            "plan",
            &id,
            "--stakeholder",
            "cfo@acme.example:client-management",
            "--stakeholder",
            "Duty Manager <duty@msp.example>",
            "--stakeholder",
            "oncall@msp.example:internal",
        ],
    )
    .ok();
    // A client's contact is not one of the provider's own people.
    let run = repo
        .at(
            "2026-11-24T09:16:00Z",
            &["plan", &id, "--stakeholder", "it-ops@acme.example:internal"],
        )
        .fails(1);
    assert!(run.stderr.contains("client-management"), "{}", run.stderr);
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "News."],
    )
    .ok();
    repo.at(
        "2026-11-24T10:00:00Z",
        &["resolve", &id, "-m", "Fixed.", "--closure", "permanent-fix"],
    )
    .ok();
    let mut got: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for raw in outbox(&repo, &id).values() {
        let msg = parse(raw);
        let mut all = addresses(msg.to());
        all.extend(addresses(msg.cc()));
        for who in ["cfo@acme.example", "duty@msp.example", "oncall@msp.example"] {
            if all.iter().any(|a| a == who) {
                got.entry(who.to_string()).or_default().push(audience(&msg));
            }
        }
    }
    assert_eq!(got["cfo@acme.example"], ["client-management"; 2]);
    assert_eq!(got["duty@msp.example"], ["management"; 2]);
    assert_eq!(got["oncall@msp.example"], ["internal"; 2]);
    assert_never_mixed(&repo, &id);
}

#[test]
fn the_text_part_reads_as_plain_text() {
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
            "We are **failing over** to the _standby_ site.\n\n- payments queue held\n- no data lost\n\nSee [the status page](https://status.msp.example).",
            "--status-line",
            "Degraded",
        ],
    )
    .ok();
    for (name, raw) in outbox(&repo, &id) {
        let msg = parse(&raw);
        let text = msg.body_text(0).unwrap().replace("\r\n", "\n");
        assert!(!text.contains("**"), "{name}:\n{text}");
        assert!(!text.contains("]("), "{name}:\n{text}");
        assert!(text.lines().all(|l| !l.starts_with('#')), "{name}:\n{text}");
        assert!(text.contains("*failing over*"), "{name}:\n{text}");
        assert!(
            text.contains("- payments queue held\n- no data lost"),
            "{name}:\n{text}"
        );
        assert!(
            text.contains("the status page <https://status.msp.example>"),
            "{name}:\n{text}"
        );
        // The title is a heading, underlined as people do in plain mail.
        let title = "Payments API outage — Update 1";
        assert!(
            text.starts_with(&format!("{title}\n{}\n", "=".repeat(title.chars().count()))),
            "{name}:\n{text}"
        );
        let html = msg.body_html(0).unwrap();
        assert!(html.contains("<strong>failing over</strong>"), "{name}");
    }
}

#[test]
fn a_hand_written_stakeholder_on_the_wrong_side_is_refused_before_anything_is_sent() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:15:00Z",
        &["plan", &id, "--bridge", "https://meet.msp.example/p"],
    )
    .ok();
    // An older plan listed the client's CIO as a bare address: now a management
    // stakeholder, which would send the provider's management e-mail to the client.
    let path = format!("incidents/{id}/plan.md");
    let plan = repo.read(&path).replace(
        "bridge: \"https://meet.msp.example/p\"",
        "bridge: \"https://meet.msp.example/p\"\nstakeholders:\n  - \"cio@acme.example\"",
    );
    assert!(plan.contains("stakeholders:"), "{plan}");
    repo.write(&path, &plan);
    let line = plan.lines().position(|l| l.contains("cio@")).unwrap() + 1;
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout.contains(&format!("{path}:{line}:")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("client-management"), "{}", run.stdout);
    let before = repo.snapshot();
    let run = repo
        .at(
            "2026-11-24T09:30:00Z",
            &["update", &id, "--audience", "all", "-m", "News."],
        )
        .fails(1);
    assert!(run.stderr.contains("cio@acme.example"), "{}", run.stderr);
    assert_eq!(repo.snapshot(), before, "nothing is written");
}

#[test]
fn a_message_that_cannot_be_rendered_stops_resolve_and_records_nothing() {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.write(
        "templates/restoral-client-management.md",
        "# {{ incident.title }}\n\n{{ resolution.sumary }}\n",
    );
    let before = repo.snapshot();
    let log = repo.log();
    let run = repo
        .at(
            "2026-11-24T10:00:00Z",
            &["resolve", &id, "-m", "Fixed.", "--closure", "permanent-fix"],
        )
        .fails(1);
    assert!(
        run.stderr.contains("restoral-client-management.md"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before, "nothing is written");
    assert_eq!(repo.log(), log, "nothing is committed");
}
