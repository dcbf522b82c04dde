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
    let out = mim(&["validate"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
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
