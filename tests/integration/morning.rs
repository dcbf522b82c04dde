//! `mim status` as the morning view, and `mim list --status` with several values.

use crate::common::TestRepo;

const NOW: &str = "2026-11-25T09:00:00Z";

fn resolve(repo: &TestRepo, at: &str, id: &str) {
    repo.at(
        at,
        &["resolve", id, "-m", "Fixed.", "--closure", "config-change"],
    )
    .ok();
}

#[test]
fn status_shows_reviews_to_do_and_unsent_mail_besides_active_incidents() {
    let repo = TestRepo::new();
    // Resolved yesterday, its required PIR not started: due within 2 days.
    let to_start = repo.active_p1("2026-11-24T08:00:00Z", "2026-11-24T08:05:00Z");
    resolve(&repo, "2026-11-24T09:00:00Z", &to_start);
    // Resolved with a started PIR whose action was due on the 20th.
    let overdue = repo.active_p1("2026-11-18T08:00:00Z", "2026-11-18T08:05:00Z");
    resolve(&repo, "2026-11-18T09:00:00Z", &overdue);
    repo.at(
        "2026-11-18T10:00:00Z",
        &["pir", "start", &overdue, "--reason", "required"],
    )
    .ok();
    let action = repo
        .at(
            "2026-11-18T10:05:00Z",
            &[
                "pir",
                "action",
                "add",
                &overdue,
                "Alert on expiry",
                "--owner",
                "Tom",
                "--due",
                "2026-11-20",
            ],
        )
        .ok()
        .out()
        .to_string();
    // Active, with an update e-mailed to nobody yet.
    let active = repo.active_p1("2026-11-25T08:00:00Z", "2026-11-25T08:05:00Z");
    repo.at(
        "2026-11-25T08:10:00Z",
        &["update", &active, "-m", "Looking."],
    )
    .ok();
    // A P2 (PIR optional) closed: its unsent mail is history.
    let closed = repo.declare("2026-11-10T08:00:00Z", "Old one", "high", "medium", &[]);
    repo.at("2026-11-10T08:05:00Z", &["accept", &closed]).ok();
    repo.at(
        "2026-11-10T08:10:00Z",
        &["update", &closed, "-m", "Looking."],
    )
    .ok();
    resolve(&repo, "2026-11-10T09:00:00Z", &closed);
    repo.at("2026-11-10T10:00:00Z", &["close", &closed]).ok();

    let run = repo.now(NOW, &["status"]).ok();
    let text = &run.stdout;
    let line = |id: &str, section: &str| {
        let part = &text[text
            .find(section)
            .unwrap_or_else(|| panic!("{section}: {text}"))..];
        part.lines().find(|l| l.starts_with(id)).map(str::to_string)
    };
    assert!(
        text.starts_with(&active),
        "active incidents come first: {text}"
    );
    let start = line(&to_start, "Resolved, with the review to do").expect("PIR to start");
    assert!(
        start.contains("PIR to start by 2026-11-26 09:00 UTC"),
        "{start}"
    );
    let action_line = line(&overdue, "Resolved, with the review to do").expect("overdue action");
    assert!(
        action_line.contains(&format!("action {action} overdue (due 2026-11-20)")),
        "the due date is the day it was due: {action_line}"
    );
    let unsent = line(&active, "Unsent mail").expect("unsent mail");
    assert!(unsent.contains("1 message"), "{unsent}");
    assert!(line(&closed, "Unsent mail").is_none(), "{text}");
    assert!(!text.contains(&closed));

    let json = repo.now(NOW, &["status", "--json"]).ok().json();
    assert_eq!(json["active"][0]["id"], active.as_str());
    let follow: Vec<&str> = json["follow_up"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(follow.len(), 2);
    assert!(follow.contains(&to_start.as_str()) && follow.contains(&overdue.as_str()));
    let overdue_json = json["follow_up"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == overdue.as_str())
        .unwrap();
    assert_eq!(overdue_json["overdue_actions"][0]["due"], "2026-11-20");
    let unsent: Vec<&str> = json["unsent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(unsent.contains(&active.as_str()) && !unsent.contains(&closed.as_str()));
}

#[test]
fn list_takes_several_statuses_and_open() {
    let repo = TestRepo::new();
    let proposed = repo.declare("2026-11-20T08:00:00Z", "Proposed", "high", "high", &[]);
    let accepted = repo.active_p1("2026-11-20T09:00:00Z", "2026-11-20T09:05:00Z");
    let held = repo.active_p1("2026-11-20T10:00:00Z", "2026-11-20T10:05:00Z");
    repo.at(
        "2026-11-20T10:10:00Z",
        &["hold", &held, "--reason", "client"],
    )
    .ok();
    let resolved = repo.active_p1("2026-11-20T11:00:00Z", "2026-11-20T11:05:00Z");
    resolve(&repo, "2026-11-20T12:00:00Z", &resolved);
    let rejected = repo.declare("2026-11-20T13:00:00Z", "Rejected", "high", "high", &[]);
    repo.at(
        "2026-11-20T13:05:00Z",
        &["reject", &rejected, "--reason", "no"],
    )
    .ok();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["list", "--json"];
        all.extend_from_slice(args);
        let mut ids: Vec<String> = repo
            .run(&all)
            .ok()
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |v: &[&String]| {
        let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(
        ids(&["--status", "open"]),
        sorted(&[&proposed, &accepted, &held])
    );
    assert_eq!(
        ids(&["--status", "resolved,rejected"]),
        sorted(&[&resolved, &rejected])
    );
    assert_eq!(
        ids(&["--status", "on-hold", "--status", "proposed"]),
        sorted(&[&held, &proposed])
    );
    repo.run(&["list", "--status", "opne"]).fails(2);
}
