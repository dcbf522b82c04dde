//! Arguments are checked before any work starts: a value outside its closed set — one
//! of mim's own (kinds, formats, audiences) or one of `mim.yaml`'s (clients, impact,
//! closure codes, …) — and a time that is not one are usage errors (exit 2) that name
//! the flag and list the valid values; nothing is written. One case per flag.

use crate::common::{Run, TestRepo};

const AT: &str = "2026-11-24T10:00:00Z";

/// The default configuration (client acme) with the NIS2 and DORA examples.
fn repo() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.config(&crate::regulation::regimes());
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    (repo, id)
}

/// Run `args` at [`AT`]: exit 2, each of `expected` in stderr, nothing written.
#[track_caller]
fn misused(repo: &TestRepo, args: &[&str], expected: &[&str]) -> Run {
    let files = repo.snapshot();
    let log = repo.log();
    let mut all = vec!["--at", AT];
    all.extend_from_slice(args);
    let run = repo.run(&all).fails(2);
    for e in expected {
        assert!(
            run.stderr.contains(e),
            "{args:?}: {e:?} not in\n{}",
            run.stderr
        );
    }
    assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    assert_eq!(repo.snapshot(), files, "{args:?} changed files");
    assert_eq!(repo.log(), log, "{args:?} committed");
    run
}

const CLIENTS: &str = "[possible values: acme]";
const LEVELS: &str = "[possible values: high, medium, low]";

#[test]
fn an_unknown_value_of_a_set_in_mim_yaml_is_a_usage_error_listing_the_set() {
    let (repo, id) = repo();
    let id = id.as_str();
    let declare = |flag: &'static str, value: &'static str| -> Vec<&'static str> {
        let mut args = vec!["declare", "--title", "t", "--service", "s"];
        for (f, v) in [("--impact", "high"), ("--urgency", "high"), (flag, value)] {
            if f != flag || v == value {
                args.extend([f, v]);
            }
        }
        args
    };
    let review = |extra: &[&'static str]| -> Vec<&str> {
        let mut args = vec![
            "pir",
            "review",
            id,
            "client",
            "--held-at",
            "2026-11-24T09:30:00Z",
            "--attendees",
            "a",
            "--feedback",
            "f",
        ];
        args.extend_from_slice(extra);
        args
    };
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (declare("--client", "nope"), "--client <CLIENT>", CLIENTS),
        (declare("--impact", "nope"), "--impact <LEVEL>", LEVELS),
        (declare("--urgency", "nope"), "--urgency <LEVEL>", LEVELS),
        (
            declare("--category", "nope"),
            "--category <CATEGORY>",
            "[possible values: network, server, storage, application, database, security, cloud, end-user]",
        ),
        (
            vec!["affect", id, "--client", "nope"],
            "--client <CLIENT>",
            CLIENTS,
        ),
        (
            vec!["affect", id, "--service", "s", "--impact", "nope"],
            "--impact <LEVEL>",
            LEVELS,
        ),
        (
            vec!["resolve", id, "-m", "x", "--closure", "nope"],
            "--closure <CODE>",
            "[possible values: capacity-added, config-change, hardware-replaced, no-fault-found, permanent-fix, vendor-fix, workaround]",
        ),
        (
            vec!["escalate", id, "--impact", "nope", "--reason", "x"],
            "--impact <LEVEL>",
            LEVELS,
        ),
        (
            vec!["escalate", id, "--urgency", "nope", "--reason", "x"],
            "--urgency <LEVEL>",
            LEVELS,
        ),
        (
            vec![
                "escalate",
                id,
                "--kind",
                "management",
                "--to",
                "x",
                "--level",
                "nope",
            ],
            "--level <LEVEL>",
            "[possible values: service-delivery-manager, vp-services]",
        ),
        (
            vec!["assign", id, "--role", "nope", "--to", "x"],
            "--role <ROLE>",
            "[possible values: incident-manager, communications-lead, technical-lead, scribe]",
        ),
        (
            vec![
                "update",
                id,
                "-m",
                "x",
                "--audience",
                "client",
                "--client",
                "nope",
            ],
            "--client <CLIENT>",
            CLIENTS,
        ),
        (
            vec!["facts", id, "--client", "nope"],
            "--client <CLIENT>",
            CLIENTS,
        ),
        (
            vec!["pir", "report", id, "--client", "nope"],
            "--client <CLIENT>",
            CLIENTS,
        ),
        (
            vec![
                "pir", "action", "add", id, "x", "--owner", "o", "--client", "nope",
            ],
            "--client <CLIENT>",
            CLIENTS,
        ),
        (review(&["--client", "nope"]), "--client <CLIENT>", CLIENTS),
        (
            vec!["report", "--client", "nope"],
            "--client <CLIENT>",
            CLIENTS,
        ),
        (
            vec!["report", "--priority", "nope"],
            "--priority <PRIORITY>",
            "[possible values: P1, P2, P3, P4, P5]",
        ),
        (
            vec!["check", "--client", "nope"],
            "--client <CLIENT>",
            CLIENTS,
        ),
        (
            vec!["site", "-o", "out", "--client", "nope"],
            "--client <CLIENT>",
            CLIENTS,
        ),
        (
            vec!["classify", id, "--regime", "nope", "--not", "--reason", "x"],
            "--regime <REGIME>",
            "[possible values: dora, nis2]",
        ),
        (
            vec![
                "notify", id, "--regime", "nope", "--stage", "x", "--ref", "r",
            ],
            "--regime <REGIME>",
            "[possible values: dora, nis2]",
        ),
    ];
    for (args, flag, valid) in cases {
        let run = misused(
            &repo,
            &args,
            &[&format!(
                "error: invalid value 'nope' for '{flag}'\n  {valid}\n"
            )],
        );
        assert!(run.stderr.contains("in mim.yaml"), "{}", run.stderr);
    }
    // Which stages `--stage` takes depends on `--regime`.
    misused(
        &repo,
        &[
            "notify", id, "--regime", "nis2", "--stage", "nope", "--ref", "r",
        ],
        &[
            "error: nis2 has no stage `nope`: its stages are early-warning, notification, final-report",
        ],
    );
}

#[test]
fn an_unknown_value_of_one_of_mims_sets_is_a_usage_error_listing_the_set() {
    let (repo, id) = repo();
    let id = id.as_str();
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["escalate", id, "--kind", "nope", "--to", "x"],
            "--kind <KIND>",
            "[possible values: sme, vendor, third-party, onsite, parts, client-it, management]",
        ),
        (
            vec!["milestone", id, "--kind", "nope"],
            "--kind <KIND>",
            "[possible values: identified, mitigated, fixed]",
        ),
        (
            vec!["init", "elsewhere", "--layout", "nope"],
            "--layout <LAYOUT>",
            "[possible values: flat, monthly]",
        ),
        (
            vec!["update", id, "-m", "x", "--audience", "nope"],
            "--audience <AUDIENCE>",
            "[possible values: internal, management, client, client-management, all]",
        ),
        (
            vec!["facts", id, "--audience", "nope"],
            "--audience <AUDIENCE>",
            "[possible values: internal, management, client, client-management, end-users]",
        ),
        (
            vec!["pir", "start", id, "--reason", "nope"],
            "--reason <REASON>",
            "[possible values: required, client-request, management]",
        ),
        (
            vec![
                "pir", "action", "add", id, "x", "--owner", "o", "--kind", "nope",
            ],
            "--kind <KIND>",
            "[possible values: process, technical, client]",
        ),
        (
            vec!["pir", "report", id, "--format", "nope"],
            "--format <FORMAT>",
            "[possible values: md, html]",
        ),
        (
            vec!["list", "--status", "nope"],
            "--status <STATUS>",
            "[possible values: proposed, accepted, on-hold, resolved, closed, rejected, open]",
        ),
        (
            vec!["report", "--format", "nope"],
            "--format <FORMAT>",
            "[possible values: md, html, json, csv]",
        ),
        (
            vec!["check", "--format", "nope"],
            "--format <FORMAT>",
            "[possible values: text, json, github, junit, gitlab]",
        ),
        (
            vec!["audit", "--format", "nope"],
            "--format <FORMAT>",
            "[possible values: text, json]",
        ),
        (
            vec!["intake", "--format", "nope"],
            "--format <FORMAT>",
            "[possible values: alertmanager, pagerduty, generic]",
        ),
        (
            vec![
                "classify",
                id,
                "--regime",
                "nis2",
                "--not",
                "--reason",
                "x",
                "--cross-border",
                "nope",
            ],
            "--cross-border <yes|no>",
            "[possible values: yes, no]",
        ),
        (
            vec!["schema", "nope"],
            "[FILE]",
            "[possible values: mim.yaml, incident.yaml, timeline, plan, update]",
        ),
        (
            vec!["completions", "nope"],
            "<SHELL>",
            "[possible values: bash, elvish, fish, powershell, zsh]",
        ),
        (
            vec!["templates", "export", "nope"],
            "[NAME]",
            "[possible values: update-internal.md, update-management.md,",
        ),
    ];
    for (args, flag, valid) in cases {
        misused(
            &repo,
            &args,
            &[&format!(
                "error: invalid value 'nope' for '{flag}'\n  {valid}"
            )],
        );
    }
    // A number of months out of range.
    misused(
        &repo,
        &["sparse", "--months", "0"],
        &["error: invalid value '0' for '--months <MONTHS>': 0 is not in 1..=1200"],
    );
    // Sets inside a value or beside an optional ID.
    misused(
        &repo,
        &["plan", id, "--stakeholder", "cio@acme.example:nope"],
        &[
            "invalid value 'cio@acme.example:nope' for '--stakeholder <ADDR[:KIND]>'",
            "give internal, management or client-management after the address",
        ],
    );
    misused(
        &repo,
        &[
            "pir",
            "review",
            id,
            "nope",
            "--held-at",
            "2026-11-24T09:30:00Z",
            "--attendees",
            "a",
            "--feedback",
            "f",
        ],
        &["error: unknown review session `nope`: use `internal` (03g.02) or `client` (03g.03)"],
    );
    misused(
        &repo,
        &["templates", "show", "nope"],
        &["error: no built-in template `nope`; the templates are: update-internal.md,"],
    );
}

#[test]
fn a_time_that_is_not_one_is_a_usage_error_naming_the_flag() {
    let (repo, id) = repo();
    let id = id.as_str();
    let declare = |flag: &'static str| {
        vec![
            "declare",
            "--title",
            "t",
            "--service",
            "s",
            "--impact",
            "high",
            "--urgency",
            "high",
            flag,
            "soon",
        ]
    };
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--at", "soon", "show", id], "--at <TIME>"),
        (declare("--impact-started"), "--impact-started <TIME>"),
        (declare("--detected"), "--detected <TIME>"),
        (
            vec!["update", id, "-m", "x", "--eta", "soon"],
            "--eta <TIME>",
        ),
        (
            vec!["update", id, "-m", "x", "--next", "soon"],
            "--next <TIME>",
        ),
        (vec!["report", "--since", "soon"], "--since <DATE>"),
        (vec!["report", "--until", "soon"], "--until <DATE>"),
        (
            vec![
                "pir",
                "review",
                id,
                "internal",
                "--held-at",
                "soon",
                "--attendees",
                "a",
                "--feedback",
                "f",
            ],
            "--held-at <TIME>",
        ),
        (
            vec![
                "pir", "action", "add", id, "x", "--owner", "o", "--due", "soon",
            ],
            "--due <DATE>",
        ),
    ];
    for (args, flag) in cases {
        let files = repo.snapshot();
        let run = repo.run(&args).fails(2);
        let expected = format!("error: invalid value 'soon' for '{flag}': invalid ");
        assert!(run.stderr.contains(&expected), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(": expected "),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(repo.snapshot(), files, "{args:?} changed files");
    }
}

#[test]
fn a_broken_mim_yaml_is_reported_not_hidden_behind_a_usage_error() {
    let (repo, id) = repo();
    let broken = repo
        .read("mim.yaml")
        .replace("respond: 15m", "respond: 15x");
    repo.write("mim.yaml", &broken);
    for args in [
        vec!["resolve", &id, "-m", "x", "--closure", "nope"],
        vec!["--at", "soon", "show", &id],
        vec!["report", "--client", "nope"],
    ] {
        let run = repo.run(&args).fails(2);
        assert!(
            run.stderr.contains("error: mim.yaml:"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("`15x`"), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("invalid value"), "{}", run.stderr);
    }
    // Outside a repository, too: the missing repository is the error.
    let run = repo
        .run(&["-C", "..", "report", "--client", "nope"])
        .fails(2);
    assert!(
        run.stderr.contains("error: not in a mim repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_sets_are_those_of_the_repository_minus_c_names() {
    let (repo, _) = repo();
    let other = TestRepo::new();
    let config = mim::DEFAULT_CONFIG.replace(
        "\naudiences:",
        "  globex:\n    name: Globex Retail\n\naudiences:",
    );
    other.config(&config);
    let dir = other.root.to_str().unwrap();
    // From the first repository, the second one's clients.
    let run = repo.run(&["-C", dir, "check", "--client", "nope"]).fails(2);
    assert!(
        run.stderr.contains("[possible values: acme, globex]"),
        "{}",
        run.stderr
    );
    repo.run(&["-C", dir, "check", "--client", "globex"]).ok();
    // Behind the subcommand too.
    repo.run(&["check", "-C", dir, "--client", "globex"]).ok();
    repo.run(&["check", "--client", "globex"]).fails(2);
}

#[test]
fn a_client_of_mim_yaml_the_incident_does_not_affect_is_refused_by_the_command() {
    let (repo, id) = repo();
    let config = repo.read("mim.yaml").replace(
        "\naudiences:",
        "  globex:\n    name: Globex Retail\n\naudiences:",
    );
    repo.config(&config);
    let before = repo.snapshot();
    let run = repo
        .at(
            AT,
            &[
                "update",
                &id,
                "--audience",
                "client",
                "--client",
                "globex",
                "-m",
                "x",
            ],
        )
        .fails(1);
    assert!(
        run.stderr.contains(&format!(
            "{id} does not affect client `globex`: it affects acme"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
}

/// What the shell's TAB would offer for `words` (fish protocol: one `value\thelp` a line).
fn complete(repo: &TestRepo, words: &[&str]) -> Vec<String> {
    let mut cmd = repo.cmd();
    cmd.env("COMPLETE", "fish").arg("--").arg("mim").args(words);
    let run = Run::from_output(cmd.output().unwrap()).ok();
    run.stdout.lines().map(str::to_string).collect()
}

#[test]
fn completion_offers_the_sets_the_flags_take() {
    let (repo, id) = repo();
    assert_eq!(
        complete(&repo, &["resolve", &id, "--closure", "w"]),
        ["workaround\tService restored by a workaround; root cause still open"]
    );
    assert_eq!(
        complete(&repo, &["classify", &id, "--regime", ""]),
        ["dora", "nis2"]
    );
    assert_eq!(
        complete(&repo, &["notify", &id, "--stage", "final"]),
        ["final-report\tdora, nis2"]
    );
    assert_eq!(
        complete(&repo, &["escalate", &id, "--level", "vp"]),
        ["vp-services\tat 100%"]
    );
    // A broken mim.yaml offers nothing, and fails nothing.
    repo.write("mim.yaml", "impact: [");
    assert!(complete(&repo, &["declare", "--impact", ""]).is_empty());
}
