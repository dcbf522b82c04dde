//! The rough edges a new user hit, each pinned down.

use clap::CommandFactory;

use crate::common::TestRepo;

/// Every argument of every command, with the command's path.
fn all_args(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
    for arg in cmd.get_arguments() {
        out.push((path.to_string(), arg.clone()));
    }
    for sub in cmd.get_subcommands() {
        all_args(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_argument_has_help_text() {
    let mut cmd = mim::cli::Cli::command();
    cmd.build();
    let mut args = Vec::new();
    all_args(&cmd, "mim", &mut args);
    let missing: Vec<String> = args
        .iter()
        .filter(|(_, a)| !["help", "version"].contains(&a.get_id().as_str()))
        .filter(|(_, a)| a.get_help().is_none_or(|h| h.to_string().trim().is_empty()))
        .map(|(path, a)| format!("{path}: {}", a.get_id()))
        .collect();
    assert!(missing.is_empty(), "arguments without help: {missing:#?}");
}

#[test]
fn usage_lines_list_global_options_last_and_never_require_by() {
    let repo = TestRepo::empty();
    for sub in ["declare", "reject", "note", "resolve", "pir action add"] {
        let mut args: Vec<&str> = sub.split(' ').collect();
        args.push("--help");
        let help = repo.run(&args).ok().stdout;
        let usage = help.lines().find(|l| l.starts_with("Usage:")).unwrap();
        assert!(!usage.contains("--by"), "{sub}: {usage}");
        let own = help.find("Options:").expect("own options");
        let global = help
            .find("Global options:")
            .unwrap_or_else(|| panic!("{sub}: {help}"));
        assert!(
            own < global,
            "{sub}: the command's own options come first\n{help}"
        );
        let globals = &help[global..];
        for flag in [
            "-C <DIR>",
            "--at <TIME>",
            "--by <NAME>",
            "--no-commit",
            "--json",
        ] {
            assert!(
                globals.contains(flag),
                "{sub}: {flag} under Global options\n{help}"
            );
            assert!(
                !help[own..global].contains(flag),
                "{sub}: {flag} among the command's own"
            );
        }
    }
}

#[test]
fn init_with_a_relative_dir_creates_that_dir_not_dir_dir() {
    let repo = TestRepo::empty();
    repo.run(&["init", "ops"]).ok();
    assert!(repo.path("ops/mim.yaml").is_file());
    assert!(!repo.path("ops/ops").exists());
    repo.run(&["-C", "x", "init"]).ok();
    assert!(repo.path("x/mim.yaml").is_file());
    assert!(!repo.path("x/x").exists());
    repo.run(&["-C", "x", "init", "y"]).ok();
    assert!(repo.path("x/y/mim.yaml").is_file());
}

#[test]
fn init_writes_no_dated_holiday_list_only_an_example() {
    let repo = TestRepo::new();
    let config = repo.read("mim.yaml");
    for line in config
        .lines()
        .filter(|l| l.trim_start().starts_with("holidays:"))
    {
        assert!(line.contains("holidays: []"), "a stale list: {line}");
    }
    assert!(
        config.contains("# holidays: [2026-12-25"),
        "a commented example"
    );
}

#[test]
fn note_takes_a_lone_incident_id_as_the_id_and_asks_for_the_text() {
    let repo = TestRepo::new();
    let here = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    let other = repo.declare("2026-11-24T10:00:00Z", "VPN down", "high", "high", &[]);
    let timelines = |repo: &TestRepo| {
        (
            repo.read(&format!("incidents/{here}/timeline.yaml")),
            repo.read(&format!("incidents/{other}/timeline.yaml")),
        )
    };
    let before = timelines(&repo);
    let run = repo.at("2026-11-24T10:10:00Z", &["note", &other]).fails(2);
    assert!(run.stderr.contains("missing TEXT"), "{}", run.stderr);
    assert!(!run.stderr.contains("which incident"), "{}", run.stderr);
    // Inside another incident's directory, OTHER-ID alone is not a note about here.
    let mut cmd = repo.cmd();
    cmd.current_dir(repo.path(&format!("incidents/{here}")))
        .args(["--at", "2026-11-24T10:10:00Z", "note", &other]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing TEXT"));
    assert_eq!(timelines(&repo), before, "nothing written");
    // With text, inside the directory: the ID given wins; without one, the directory's.
    let mut cmd = repo.cmd();
    cmd.current_dir(repo.path(&format!("incidents/{here}")))
        .args([
            "--at",
            "2026-11-24T10:11:00Z",
            "note",
            &other,
            "Called the carrier",
        ]);
    assert!(cmd.output().unwrap().status.success());
    let mut cmd = repo.cmd();
    cmd.current_dir(repo.path(&format!("incidents/{here}")))
        .args(["--at", "2026-11-24T10:12:00Z", "note", "Bridge opened"]);
    assert!(cmd.output().unwrap().status.success());
    let (here_text, other_text) = timelines(&repo);
    assert!(other_text.contains("Called the carrier") && !here_text.contains("Called the carrier"));
    assert!(here_text.contains("Bridge opened"));
}

#[test]
fn declare_and_status_changes_print_json_with_json() {
    let repo = TestRepo::new();
    let run = repo
        .at(
            "2026-11-24T09:00:00Z",
            &[
                "--json",
                "declare",
                "--title",
                "Payments down",
                "--service",
                "Payments",
                "--impact",
                "high",
                "--urgency",
                "high",
            ],
        )
        .ok();
    let id = run.json()["id"].as_str().expect("{\"id\": …}").to_string();
    assert!(repo.path(&format!("incidents/{id}")).is_dir());
    let accepted = repo
        .at("2026-11-24T09:05:00Z", &["accept", &id, "--json"])
        .ok()
        .json();
    assert_eq!(accepted["id"], id.as_str());
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["from"], "proposed");
    let held = repo
        .at(
            "2026-11-24T09:10:00Z",
            &["hold", &id, "--reason", "client", "--json"],
        )
        .ok()
        .json();
    assert_eq!(held["status"], "on-hold");
    let action = repo
        .at("2026-11-24T09:15:00Z", &["resume", &id, "--json"])
        .ok()
        .json();
    assert_eq!(action["status"], "accepted");
    let fresh = TestRepo::empty();
    let root = fresh.run(&["init", "--json"]).ok().json();
    assert!(root["root"].as_str().unwrap().ends_with("repo"), "{root}");
}

#[test]
fn human_output_rounds_to_minutes_and_shows_an_action_due_as_its_day() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T10:00:00Z",
        &["resolve", &id, "-m", "Fixed.", "--closure", "config-change"],
    )
    .ok();
    repo.at(
        "2026-11-24T10:05:00Z",
        &["pir", "start", &id, "--reason", "required"],
    )
    .ok();
    repo.at(
        "2026-11-24T10:06:00Z",
        &[
            "pir",
            "action",
            "add",
            &id,
            "Alert on expiry",
            "--owner",
            "Tom",
            "--due",
            "2026-11-27",
        ],
    )
    .ok();
    // A "now" with seconds: no output shows them.
    let now = "2026-12-02T14:35:48Z";
    let check = repo.now(now, &["check", "--verbose"]);
    let show = repo.now(now, &["show", &id]).ok();
    for text in [&check.stdout, &show.stdout] {
        let with_seconds = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| {
                w.len() > 1
                    && w.ends_with('s')
                    && w[..w.len() - 1].ends_with(|c: char| c.is_ascii_digit())
            })
            .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .collect::<Vec<_>>();
        assert!(with_seconds.is_empty(), "{with_seconds:?} in\n{text}");
    }
    assert!(
        check
            .stdout
            .contains("overdue by 4d14h36m (due 2026-11-27)"),
        "{}",
        check.stdout
    );
}

#[test]
fn messages_use_an_before_a_vowel() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    let run = repo
        .at(
            "2026-11-24T09:10:00Z",
            &[
                "escalate",
                &id,
                "--kind",
                "onsite",
                "--to",
                "Field",
                "--level",
                "vp-services",
            ],
        )
        .fails(1);
    assert!(
        run.stderr.contains("an onsite escalation"),
        "{}",
        run.stderr
    );
    // Two clones both changing the status: the conflict names "an accepted incident".
    let other = repo.clone_repo("Bo");
    repo.at("2026-11-24T09:20:00Z", &["hold", &id, "--reason", "client"])
        .ok();
    other
        .at(
            "2026-11-24T09:21:00Z",
            &["resolve", &id, "-m", "Fixed.", "--closure", "config-change"],
        )
        .ok();
    other.git(&[
        "pull",
        "--quiet",
        "--no-rebase",
        "--no-edit",
        "origin",
        "main",
    ]);
    let run = other.run(&["validate"]).fails(1);
    assert!(
        run.stdout.contains("recorded on an accepted incident"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("a accepted"));
}

/// The fenced `sh` block of the README that follows `heading`.
fn readme_block(heading: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let from = readme.find(heading).unwrap_or_else(|| panic!("{heading}"));
    let rest = &readme[from..];
    let start = rest.find("```sh\n").unwrap() + 6;
    let end = start + rest[start..].find("```").unwrap();
    rest[start..end].to_string()
}

#[test]
fn the_readme_pins_now_and_its_walkthrough_runs_on_any_day() {
    let first = readme_block("# mim");
    assert!(
        first.lines().next().unwrap().starts_with("MIM_NOW="),
        "{first}"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for what in [
        "first release build takes about ",
        "from a fresh clone took ",
    ] {
        let at = readme
            .find(what)
            .unwrap_or_else(|| panic!("README: {what}"))
            + what.len();
        assert!(
            readme[at..].starts_with(|c: char| c.is_ascii_digit()),
            "a time after {what:?}"
        );
    }

    let walkthrough = readme_block("## Five minutes with one incident");
    assert!(walkthrough.contains("git log --format='%ad %an %s'"));
    assert!(
        !walkthrough.contains("--eta \"20"),
        "a fixed ETA goes stale"
    );
    // Run it as written, at the real time, with this build of mim first on the PATH.
    let repo = TestRepo::empty();
    let bin = crate::common::mim_bin();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = repo.cmd();
    cmd.env_remove("MIM_NOW")
        .env_remove("MIM_USER")
        .env("PATH", path)
        .env("GIT_AUTHOR_NAME", "Priya Shah")
        .env("GIT_AUTHOR_EMAIL", "priya@msp.example")
        .env("GIT_COMMITTER_NAME", "Priya Shah")
        .env("GIT_COMMITTER_EMAIL", "priya@msp.example")
        .arg("--version");
    let mut shell = std::process::Command::new("bash");
    shell.current_dir(&repo.root);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => shell.env(k, v),
            None => shell.env_remove(k),
        };
    }
    let out = shell.arg("-c").arg(&walkthrough).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert!(errors.is_empty(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log: Vec<&str> = stdout.lines().filter(|l| l.contains(": closed")).collect();
    assert_eq!(log.len(), 1, "the incident was closed\n{stdout}\n{stderr}");
}
