//! The example repository in `examples/` is part of the test suite: it must stay valid.

use std::path::PathBuf;
use std::process::Command;

use crate::common::isolate;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/acme-msp")
}

fn mim(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(crate::common::mim_bin());
    isolate(&mut cmd, home.path());
    cmd.arg("-C").arg(example()).args(args).output().unwrap()
}

#[test]
fn the_example_repository_validates() {
    // --deep: every e-mail the example holds is parsed too.
    for args in [&["validate"][..], &["validate", "--deep"]] {
        let out = mim(args);
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_example_has_incidents_in_every_early_state() {
    let out = mim(&["list", "--json"]);
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    for status in ["proposed", "rejected", "accepted", "resolved"] {
        assert!(
            statuses.contains(&status),
            "{status} missing from {statuses:?}"
        );
    }
}

fn mim_at_now(now: &str, args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(crate::common::mim_bin());
    isolate(&mut cmd, home.path());
    cmd.env("MIM_NOW", now)
        .arg("-C")
        .arg(example())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_example_shows_every_state_and_feature() {
    let out = mim(&["list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"closed"), "{statuses:?}");
    let dir = example().join("incidents");
    for file in [
        "2026-11-02-leeds-office-network-down/pir.md",
        "2026-11-02-leeds-office-network-down/pir-report.md",
        "2026-11-02-leeds-office-network-down/plan.md",
        "2026-11-23-payments-api-outage/plan.md",
        "2026-11-18-outbound-e-mail-delayed-by-hours/pir.md",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let eml = std::fs::read_dir(dir.join("2026-11-23-payments-api-outage/outbox"))
        .unwrap()
        .count();
    assert!(eml >= 3, "the active incident has its status e-mails");
}

/// The README's first command: `check` on the example finds the active P1's breaches,
/// and only SLA findings (no validation errors), whatever the clock says today.
#[test]
fn the_readme_check_shows_the_breaching_incident() {
    for now in ["2026-11-24T09:00:00Z", "2027-06-01T00:00:00Z"] {
        let out = mim_at_now(now, &["check", "--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let findings = report["findings"].as_array().unwrap();
        assert!(
            findings.iter().all(|f| f["rule"] != "validation"),
            "{report:#}"
        );
        assert!(
            findings
                .iter()
                .any(|f| f["incident"] == "2026-11-23-payments-api-outage"
                    && f["rule"] == "restore"
                    && f["level"] == "breach"),
            "{report:#}"
        );
        assert!(
            findings
                .iter()
                .all(|f| f["incident"] != "2026-11-02-leeds-office-network-down"),
            "closed incidents have no findings"
        );
    }
    // The README's first command: one screen, the breached P1 first.
    let out = mim_at_now("2026-11-24T09:00:00Z", &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.lines().count() + stderr.lines().count() <= 25,
        "{text}{stderr}"
    );
    let head: Vec<&str> = text.lines().take(5).collect();
    assert!(
        head[0].starts_with("2026-11-23-payments-api-outage  P1  accepted"),
        "{text}"
    );
    assert!(head[1].starts_with("  breach: restore: "), "{text}");
    let verbose = mim_at_now("2026-11-24T09:00:00Z", &["check", "--verbose"]);
    assert!(
        String::from_utf8_lossy(&verbose.stdout)
            .contains("2026-11-23-payments-api-outage: restore"),
    );
}

/// What people read of the example at the README's "now", whole: `check` (the README's
/// first command), `status`, `show` of the incident of two clients, and the facts its
/// client's management reads. A change to any of them shows as a snapshot diff.
#[test]
fn what_people_read_of_the_example_is_kept_whole() {
    let now = "2026-11-24T09:00:00Z";
    let text = |args: &[&str]| {
        let out = mim_at_now(now, args);
        assert!(
            out.stderr.is_empty() || out.status.code() == Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    insta::assert_snapshot!("example_check", text(&["check"]));
    insta::assert_snapshot!("example_status", text(&["status"]));
    let two = "2026-11-20-hosted-backup-jobs-failing";
    insta::assert_snapshot!("example_show_two_clients", text(&["show", two]));
    insta::assert_snapshot!(
        "example_facts_acme_management",
        text(&[
            "facts",
            two,
            "--audience",
            "client-management",
            "--client",
            "acme"
        ])
    );
}

#[test]
fn a_closed_incidents_roles_end_at_its_close() {
    let out = mim_at_now(
        "2026-11-24T09:00:00Z",
        &["show", "2026-11-02-leeds-office-network-down"],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "  incident-manager  Alice Moreau  2026-11-02 09:05 GMT – 2026-11-17 09:00 GMT\n"
        ),
        "{text}"
    );
    assert!(!text.contains("– now"), "{text}");
}
