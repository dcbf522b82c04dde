//! Two clones of one incident repository, merged with real `git pull` (#22): a plan both
//! changed cannot lose a workstream unnoticed (plan.md's front matter is derived from
//! the timeline and rebuilt by `mim plan --rebuild`), and two messages numbered alike
//! for one reader are a finding.

use std::process::Command;

use crate::common::{TestRepo, isolate};

fn plan_path(id: &str) -> String {
    format!("incidents/{id}/plan.md")
}

/// `git pull` of `from`'s main into `into`, which may stop on a conflict: whether it
/// merged cleanly.
fn pull(into: &TestRepo, from: &TestRepo) -> bool {
    let mut cmd = Command::new("git");
    cmd.current_dir(&into.root).args([
        "pull",
        "--quiet",
        "--no-rebase",
        "--no-edit",
        from.root.to_str().unwrap(),
        "main",
    ]);
    isolate(&mut cmd, &into.home);
    cmd.output().expect("run git").status.success()
}

/// Five workstreams `<prefix>1` … `<prefix>5`, one `mim plan` each, from `minute` on.
fn five_workstreams(repo: &TestRepo, id: &str, prefix: &str, minute: u32) {
    for i in 1..=5 {
        repo.at(
            &format!("2026-11-24T09:{:02}:00Z", minute + i),
            &[
                "plan",
                id,
                "--workstream",
                &format!("{prefix}{i}:Owner {prefix}{i}"),
            ],
        )
        .ok();
    }
}

fn workstream_names(repo: &TestRepo, id: &str) -> Vec<String> {
    let show = repo.run(&["plan", id, "--json"]).ok().json();
    let mut names: Vec<String> = show["workstreams"]
        .as_array()
        .unwrap_or_else(|| panic!("{show:#}"))
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn all_ten() -> Vec<String> {
    let mut names: Vec<String> = (1..=5)
        .flat_map(|i| [format!("net{i}"), format!("app{i}")])
        .collect();
    names.sort();
    names
}

/// An accepted P1 whose plan (an approach) both clones start from, the clone, and the
/// ten workstreams: five added on each side.
fn both_changed_the_plan(existing_plan: bool) -> (TestRepo, TestRepo, String) {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    if existing_plan {
        repo.at(
            "2026-11-24T09:06:00Z",
            &["plan", &id, "--approach", "Fail over to DC2."],
        )
        .ok();
    }
    let other = repo.clone_repo("Other Runner");
    five_workstreams(&repo, &id, "net", 10);
    five_workstreams(&other, &id, "app", 20);
    (repo, other, id)
}

#[test]
fn a_plan_both_clones_changed_is_rebuilt_from_the_timeline_after_either_resolution() {
    for (existing_plan, side) in [
        (true, "--ours"),
        (true, "--theirs"),
        (false, "--ours"),
        (false, "--theirs"),
    ] {
        let (repo, other, id) = both_changed_the_plan(existing_plan);
        assert!(!pull(&repo, &other), "plan.md should conflict");
        let status = repo.git(&["status", "--porcelain"]);
        let conflict = if existing_plan { "UU" } else { "AA" };
        assert!(
            status.contains(&format!("{conflict} {}", plan_path(&id))),
            "{status}"
        );
        // Resolved the quick way: one side's plan.md.
        repo.git(&["checkout", side, "--", &plan_path(&id)]);
        repo.git(&["add", &plan_path(&id)]);
        repo.git(&["commit", "--quiet", "--no-edit"]);
        assert_eq!(workstream_names(&repo, &id).len(), 5);

        let run = repo.run(&["validate"]).fails(1);
        let lost = if side == "--ours" { "app" } else { "net" };
        let expected = format!(
            "plan.md lacks workstreams the timeline records: {lost}1, {lost}2, {lost}3, {lost}4, {lost}5"
        );
        assert!(run.stdout.contains(&expected), "{}", run.stdout);
        assert!(
            run.stdout.contains(&format!("`mim plan {id} --rebuild`")),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!(
                "incidents/{id}/plan.md: the front matter disagrees"
            )),
            "{}",
            run.stdout
        );
        let run = repo.now("2026-11-24T09:40:00Z", &["check"]).fails(1);
        assert!(
            run.stdout.contains("plan.md") && run.stdout.contains("--rebuild"),
            "{}",
            run.stdout
        );

        let run = repo
            .at("2026-11-24T09:40:00Z", &["plan", &id, "--rebuild"])
            .ok();
        assert!(
            run.stderr
                .contains("plan.md rebuilt from the timeline (workstreams)"),
            "{}",
            run.stderr
        );
        assert_eq!(workstream_names(&repo, &id), all_ten());
        repo.run(&["validate"]).ok();
        assert_eq!(
            repo.log_whole()[0],
            format!(
                "{}: plan.md rebuilt from the timeline (workstreams)",
                crate::common::subject_ref(&id)
            )
        );
        // The body stayed as it was; a second rebuild has nothing to do.
        if existing_plan {
            assert!(repo.read(&plan_path(&id)).contains("Fail over to DC2."));
        }
        let run = repo.run(&["plan", &id, "--rebuild"]).ok();
        assert!(run.stderr.contains("nothing to rebuild"), "{}", run.stderr);
        repo.run(&["audit"]).ok();
    }
}

#[test]
fn a_conflicted_plan_is_rebuilt_during_the_merge() {
    let (repo, other, id) = both_changed_the_plan(true);
    // Both also mark one shared workstream: statuses and owners merge field by field.
    assert!(!pull(&repo, &other));
    assert!(repo.read(&plan_path(&id)).contains("<<<<<<<"));
    repo.run(&["validate"]).fails(1);
    let run = repo
        .at("2026-11-24T09:40:00Z", &["plan", &id, "--rebuild"])
        .ok();
    assert!(
        run.stderr.contains("a merge is in progress"),
        "{}",
        run.stderr
    );
    let text = repo.read(&plan_path(&id));
    assert!(
        !text.contains("<<<<<<<") && !text.contains(">>>>>>>"),
        "{text}"
    );
    assert!(text.contains("Fail over to DC2."), "{text}");
    repo.git(&["add", &plan_path(&id)]);
    repo.git(&["commit", "--quiet", "--no-edit"]);
    assert_eq!(workstream_names(&repo, &id), all_ten());
    repo.run(&["validate"]).ok();

    // When both sides also wrote a different approach, the body is for a person.
    let (repo, other, id) = both_changed_the_plan(false);
    repo.at(
        "2026-11-24T09:30:00Z",
        &["plan", &id, "--approach", "Reboot the core switch."],
    )
    .ok();
    other
        .at(
            "2026-11-24T09:31:00Z",
            &["plan", &id, "--approach", "Swap the line card."],
        )
        .ok();
    assert!(!pull(&repo, &other));
    let before = repo.read(&plan_path(&id));
    let run = repo.run(&["plan", &id, "--rebuild"]).fails(1);
    assert!(
        run.stderr
            .contains("changed its body (the restoration approach)"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.read(&plan_path(&id)), before);
}

#[test]
fn the_timeline_keeps_every_plan_change_as_data_and_hand_edits_are_named() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T09:10:00Z",
        &[
            "plan",
            &id,
            "--workstream",
            "network:Dana Lee",
            "--workstream",
            "carrier:Sam Patel:Carrier X",
            "--bridge",
            "https://meet.example/p1",
            "--internal-every",
            "20m",
            "--stakeholder",
            "cfo@acme.example:client-management",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:20:00Z",
        &[
            "plan",
            &id,
            "--workstream-blocked",
            "carrier",
            "--reason",
            "waiting on parts",
            "--workstream-done",
            "network",
        ],
    )
    .ok();
    let timeline = repo.read(&format!("incidents/{id}/timeline.yaml"));
    assert!(
        timeline.contains(r#"set: {"bridge": "https://meet.example/p1", "stakeholders": [{"address": "cfo@acme.example", "kind": "client-management"}], "workstreams": [{"name": "network", "owner": "Dana Lee"}, {"name": "carrier", "owner": "Sam Patel", "vendor": "Carrier X"}]}"#),
        "{timeline}"
    );
    assert!(
        timeline.contains(r#"set: {"workstreams": [{"name": "network", "status": "done"}, {"name": "carrier", "reason": "waiting on parts", "status": "blocked"}]}"#),
        "{timeline}"
    );
    repo.run(&["validate"]).ok();

    // Edited by hand: a workstream added, the bridge changed.
    let path = plan_path(&id);
    let text = repo.read(&path);
    let edited = text
        .replace("https://meet.example/p1", "https://meet.example/other")
        .replace(
            "  - {name: carrier",
            "  - {name: dns, owner: \"Kim Ng\", status: open}\n  - {name: carrier",
        );
    assert_ne!(edited, text);
    repo.write(&path, &edited);
    repo.git(&["commit", "--quiet", "-am", "hand edit"]);
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout.contains(
            "the bridge is `https://meet.example/other` in plan.md and `https://meet.example/p1` in the timeline"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("plan.md lists a workstream no plan event records: dns"),
        "{}",
        run.stdout
    );
    // Recorded with mim, the hand edit stands; plan.md is left as it is.
    repo.at(
        "2026-11-24T09:30:00Z",
        &[
            "plan",
            &id,
            "--workstream",
            "dns:Kim Ng",
            "--bridge",
            "https://meet.example/other",
        ],
    )
    .ok();
    assert_eq!(repo.read(&path), edited);
    repo.run(&["validate"]).ok();
}

#[test]
fn an_older_timeline_without_plan_data_keeps_validating() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T09:10:00Z",
        &["plan", &id, "--workstream", "network:Dana Lee"],
    )
    .ok();
    // As an older mim wrote it: the plan event without `set`.
    let timeline = format!("incidents/{id}/timeline.yaml");
    let old: String = repo
        .read(&timeline)
        .lines()
        .map(|l| match l.find(", set: ") {
            Some(at) if l.contains("event: plan") => format!("{}}}\n", &l[..at]),
            _ => format!("{l}\n"),
        })
        .collect();
    assert!(!old.contains("set:"), "{old}");
    repo.write(&timeline, &old);
    // And a workstream added by hand, which the timeline never knew.
    let path = plan_path(&id);
    let text = repo.read(&path).replace(
        "status: open}\n",
        "status: open}\n  - {name: dns, owner: \"Kim Ng\", status: open}\n",
    );
    repo.write(&path, &text);
    repo.git(&["commit", "--quiet", "-am", "as an older mim left it"]);
    repo.run(&["validate"]).ok();
    let run = repo.run(&["plan", &id, "--rebuild"]).fails(1);
    assert!(
        run.stderr.contains("recorded by an older mim"),
        "{}",
        run.stderr
    );
    // Amending it still works, and records what it set from now on.
    repo.at(
        "2026-11-24T09:20:00Z",
        &["plan", &id, "--workstream-done", "dns"],
    )
    .ok();
    repo.run(&["validate"]).ok();
}

/// An update to `audience` by `by` at `at`.
fn update(repo: &TestRepo, id: &str, at: &str, audience: &str, by: &str, extra: &[&str]) {
    let mut args = vec![
        "--by",
        by,
        "update",
        id,
        "--audience",
        audience,
        "-m",
        "Still working on it.",
    ];
    args.extend_from_slice(extra);
    repo.at(at, &args).ok();
}

#[test]
fn two_clones_numbering_a_message_alike_for_one_reader_is_a_finding() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    update(
        &repo,
        &id,
        "2026-11-24T09:10:00Z",
        "internal",
        "Sam Patel",
        &[],
    );
    update(
        &repo,
        &id,
        "2026-11-24T09:11:00Z",
        "client",
        "Sam Patel",
        &[],
    );
    let other = repo.clone_repo("Other Runner");
    update(
        &repo,
        &id,
        "2026-11-24T09:30:00Z",
        "internal",
        "Sam Patel",
        &[],
    );
    update(
        &repo,
        &id,
        "2026-11-24T09:31:00Z",
        "client",
        "Sam Patel",
        &[],
    );
    update(
        &other,
        &id,
        "2026-11-24T09:35:00Z",
        "internal",
        "Kim Lee",
        &[],
    );
    update(
        &other,
        &id,
        "2026-11-24T09:36:00Z",
        "client",
        "Kim Lee",
        &[],
    );
    // Every file has its own name: the merge is clean.
    assert!(pull(&repo, &other), "the merge should be clean");
    let run = repo.run(&["validate"]).fails(1);
    let found: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("has the same number as"))
        .collect();
    assert_eq!(found.len(), 2, "{}", run.stdout);
    let timeline = format!("incidents/{id}/timeline.yaml");
    let text = repo.read(&timeline);
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"))
            + 1
    };
    let first = line_of("2026-11-24T09:30:00Z");
    let second = line_of("2026-11-24T09:35:00Z");
    assert!(
        found[0].starts_with(&format!("{timeline}:{second}:")),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains(&format!(
            "update 2 to internal by Kim Lee at 2026-11-24T09:35:00Z has the same number as update 2 to internal by Sam Patel at 2026-11-24T09:30:00Z (line {first})"
        )),
        "{}",
        found[0]
    );
    assert!(
        found[1].contains("update 2 to client by Kim Lee at 2026-11-24T09:36:00Z has the same number as update 2 to client by Sam Patel"),
        "{}",
        found[1]
    );
    let run = repo.now("2026-11-24T09:40:00Z", &["check"]).fails(1);
    assert!(run.stdout.contains("same number"), "{}", run.stdout);
    // The next update continues after the highest number.
    update(
        &repo,
        &id,
        "2026-11-24T09:45:00Z",
        "internal",
        "Sam Patel",
        &[],
    );
    assert!(repo.read(&timeline).contains("number: 3"));
}

#[test]
fn the_same_number_to_two_clients_is_not_a_duplicate() {
    let repo = crate::multi_client::two_clients();
    let id = crate::multi_client::shared_p3(&repo);
    let other = repo.clone_repo("Other Runner");
    let at = ["2026-11-27T17:20:00Z", "2026-11-27T17:25:00Z"];
    update(
        &repo,
        &id,
        at[0],
        "client",
        "Sam Patel",
        &["--client", "acme"],
    );
    update(
        &other,
        &id,
        at[1],
        "client",
        "Kim Lee",
        &["--client", "globex"],
    );
    assert!(pull(&repo, &other));
    let run = repo.run(&["validate"]).ok();
    assert!(!run.stdout.contains("same number"), "{}", run.stdout);
    // The same client twice is.
    update(
        &other,
        &id,
        "2026-11-27T17:30:00Z",
        "client",
        "Kim Lee",
        &["--client", "acme"],
    );
    assert!(pull(&repo, &other));
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout.contains(
            "update 1 to client (acme) by Kim Lee at 2026-11-27T17:30:00Z has the same number as update 1 to client (acme) by Sam Patel"
        ),
        "{}",
        run.stdout
    );
}
