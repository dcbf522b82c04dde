//! The hostile-input corpus: text no file can hold, huge durations and dates, long
//! names, YAML bombs, files that are not UTF-8 or too large, symbolic links to secrets
//! and out of the repository, FIFOs, and terminal escape sequences in files.
//!
//! Every case asserts: no panic, the command ends (the inputs are bounded, so it ends
//! quickly), a clear error naming the flag or the file (with line and column for YAML),
//! and the repository's tree, index and refs unchanged, with the incident still
//! readable afterwards. Text printed to a terminal is asserted to be escaped instead.

use std::path::{Path, PathBuf};

use crate::common::{Run, TestRepo};

const DECLARED: &str = "2026-11-24T09:00:00Z";
const ACCEPTED: &str = "2026-11-24T09:05:00Z";
const AT: &str = "2026-11-24T10:00:00Z";
const SECRET: &str = "SECRET-TOKEN-4242";

/// What must not change when mim refuses something.
#[derive(Debug, PartialEq)]
struct State {
    files: Vec<(String, Vec<u8>)>,
    links: Vec<String>,
    refs: String,
    index: String,
}

fn state(repo: &TestRepo) -> State {
    let links = walkdir::WalkDir::new(&repo.root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_file())
        .map(|e| e.path().display().to_string())
        .collect();
    State {
        files: repo.snapshot(),
        links,
        refs: repo.git(&["for-each-ref"]) + &repo.git(&["rev-parse", "HEAD"]),
        index: repo.git(&["ls-files", "--stage"]),
    }
}

fn output(cmd: &mut std::process::Command) -> Run {
    let out = cmd.output().expect("run mim");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A repository with an active P1 for ACME and one update to every audience (so it
/// has `updates/` and `outbox/`), everything committed.
fn fixture() -> (TestRepo, String) {
    let repo = TestRepo::new();
    let id = repo.active_p1(DECLARED, ACCEPTED);
    repo.at(
        "2026-11-24T09:30:00Z",
        &["update", &id, "--audience", "all", "-m", "Failing over."],
    )
    .ok();
    (repo, id)
}

/// Put the fixture back as committed, after a case changed files by hand.
fn reset(repo: &TestRepo) {
    repo.git(&["reset", "--quiet", "--hard"]);
    repo.git(&["clean", "--quiet", "-fd"]);
}

/// Run a case and check what every refusal must be.
#[track_caller]
fn refused(repo: &TestRepo, args: &[&str], env: &[(&str, &str)], code: i32, names: &[&str]) -> Run {
    let before = state(repo);
    let mut cmd = repo.cmd();
    cmd.env("MIM_TEST_SECRET", SECRET);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let run = output(cmd.args(args));
    let all = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, code, "{args:?}\n{all}");
    assert!(!all.contains("panicked"), "{args:?}\n{all}");
    assert!(!all.contains(SECRET), "{args:?} leaked the secret:\n{all}");
    for name in names {
        assert!(
            all.contains(name),
            "{args:?}: `{name}` not named in:\n{all}"
        );
    }
    assert_eq!(state(repo), before, "{args:?} changed the repository");
    run
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}

const NON_CHARACTERS: [char; 4] = ['\u{fffe}', '\u{ffff}', '\u{fdd0}', '\u{10ffff}'];

/// Free-text flags of every command, each given a non-character: refused at the edge
/// with the flag's name, before anything is read or written.
#[test]
fn non_characters_in_any_flag_are_refused_naming_it() {
    let (repo, id) = fixture();
    let flags: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "declare",
                "--service",
                "S",
                "--impact",
                "high",
                "--urgency",
                "high",
                "--title",
            ],
            "--title",
        ),
        (
            vec![
                "declare",
                "--title",
                "T",
                "--impact",
                "high",
                "--urgency",
                "high",
                "--service",
            ],
            "--service",
        ),
        (
            vec![
                "declare",
                "--title",
                "T",
                "--service",
                "S",
                "--impact",
                "high",
                "--urgency",
                "high",
                "--ci",
            ],
            "--ci",
        ),
        (
            vec![
                "declare",
                "--title",
                "T",
                "--service",
                "S",
                "--impact",
                "high",
                "--urgency",
                "high",
                "--ticket",
            ],
            "--ticket",
        ),
        (
            vec![
                "declare",
                "--title",
                "T",
                "--service",
                "S",
                "--impact",
                "high",
                "--urgency",
                "high",
                "-m",
            ],
            "--message",
        ),
        (vec!["accept", &id, "--manager"], "--manager"),
        (vec!["reject", &id, "--reason"], "--reason"),
        (vec!["hold", &id, "--reason"], "--reason"),
        (vec!["reopen", &id, "--reason"], "--reason"),
        (
            vec!["resolve", &id, "--closure", "workaround", "-m"],
            "--message",
        ),
        (
            vec![
                "resolve",
                &id,
                "--closure",
                "workaround",
                "-m",
                "x",
                "--problem",
            ],
            "--problem",
        ),
        (vec!["note", &id], "the TEXT argument"),
        (
            vec!["note", &id, "x", "--time", "5m", "--activity"],
            "--activity",
        ),
        (vec!["update", &id, "-m"], "--message"),
        (
            vec!["update", &id, "-m", "x", "--status-line"],
            "--status-line",
        ),
        (vec!["update", &id, "-m", "x", "--next"], "--next"),
        (vec!["plan", &id, "--approach"], "--approach"),
        (vec!["plan", &id, "--workstream"], "--workstream"),
        (vec!["plan", &id, "--bridge"], "--bridge"),
        (vec!["plan", &id, "--stakeholder"], "--stakeholder"),
        (vec!["plan", &id, "--workstream-done"], "--workstream-done"),
        (vec!["escalate", &id, "--kind", "vendor", "--to"], "--to"),
        (
            vec!["escalate", &id, "--kind", "vendor", "--to", "V", "--reason"],
            "--reason",
        ),
        (
            vec!["escalate", &id, "--kind", "vendor", "--to", "V", "--ref"],
            "--ref",
        ),
        (vec!["pir", "action", "add", &id, "x", "--owner"], "--owner"),
        (
            vec!["pir", "start", &id, "--reason", "required", "--facilitator"],
            "--facilitator",
        ),
        (
            vec![
                "pir",
                "review",
                &id,
                "internal",
                "--held-at",
                AT,
                "--attendees",
                "A",
                "--feedback",
            ],
            "--feedback",
        ),
        (vec!["close", &id, "--force", "--reason"], "--reason"),
        (vec!["--by"], "--by"),
    ];
    let mut cases = 0;
    for (args, flag) in &flags {
        for c in NON_CHARACTERS {
            let value = format!("bad{c}text");
            let mut all: Vec<&str> = vec!["--at", AT];
            all.extend(args.iter());
            all.push(&value);
            if *args == vec!["--by"] {
                all.extend(["note", &id, "x"]);
            }
            let hex = format!("U+{:04X}", c as u32);
            refused(&repo, &all, &[], 2, &[flag, &hex]);
            cases += 1;
        }
    }
    for c in NON_CHARACTERS {
        let user = format!("Sam{c}");
        refused(
            &repo,
            &["--at", AT, "note", &id, "x"],
            &[("MIM_USER", &user)],
            2,
            &["MIM_USER"],
        );
        cases += 1;
    }
    // The incident was never touched, so it is readable as ever.
    repo.run(&["show", &id]).ok();
    repo.run(&["validate"]).ok();
    assert!(cases >= 120, "{cases}");
}

/// Standard input and the editor are checked the same way.
#[test]
fn non_characters_from_stdin_and_the_editor_are_refused() {
    let (repo, id) = fixture();
    let before = state(&repo);
    let mut child = repo
        .cmd()
        .args(["--at", AT, "update", &id, "-m", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("bad \u{ffff} update".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("standard input contains U+FFFF"),
        "{stderr}"
    );
    assert_eq!(state(&repo), before);
    let editor = repo.home.join("editor");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'approach \\357\\277\\276\\n' > \"$1\"\n",
    )
    .unwrap();
    make_executable(&editor);
    let run = output(
        repo.cmd()
            .env("EDITOR", &editor)
            .args(["--at", AT, "plan", &id, "--edit"]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("the editor contains U+FFFE"),
        "{}",
        run.stderr
    );
    assert_eq!(state(&repo), before);
}

/// Names longer than a name can be, durations longer than ten years, times and
/// dates outside 1970..2199: refused naming the flag and the value.
#[test]
fn huge_names_durations_and_dates_are_refused() {
    let (repo, id) = fixture();
    let long = "w".repeat(70_000);
    let ws = format!("{long}:Dana");
    let owner_ws = format!("net:{long}");
    let long_names: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["plan", &id, "--workstream", &ws],
            "--workstream NAME is 70000 characters",
        ),
        (
            vec!["plan", &id, "--workstream", &owner_ws],
            "--workstream OWNER is 70000 characters",
        ),
        (
            vec!["plan", &id, "--workstream-done", &long],
            "--workstream-done is 70000",
        ),
        (
            vec!["plan", &id, "--stakeholder", &long],
            "--stakeholder is 70000",
        ),
        (
            vec!["escalate", &id, "--kind", "vendor", "--to", &long],
            "--to is 70000",
        ),
        (
            vec!["accept", &id, "--manager", &long],
            "--manager is 70000",
        ),
        (
            vec!["--by", &long, "note", &id, "x"],
            "--by (MIM_USER) is 70000",
        ),
        (
            vec!["pir", "action", "add", &id, "x", "--owner", &long],
            "--owner is 70000",
        ),
        (
            vec![
                "pir",
                "start",
                &id,
                "--reason",
                "required",
                "--facilitator",
                &long,
            ],
            "--facilitator is 70000",
        ),
        (
            vec![
                "pir",
                "review",
                &id,
                "internal",
                "--held-at",
                AT,
                "--feedback",
                "f",
                "--attendees",
                &long,
            ],
            "--attendees is 70000",
        ),
    ];
    // Refused where they enter, by the command line's parser: a usage error.
    for (args, name) in &long_names {
        let mut all = vec!["--at", AT];
        all.extend(args.iter());
        refused(&repo, &all, &[], 2, &[name]);
    }
    let usage: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["note", &id, "x", "--time", "99999999999h"],
            "`99999999999h`",
        ),
        (vec!["note", &id, "x", "--time", "3651d"], "`3651d`"),
        (
            vec!["plan", &id, "--internal-every", "99999999999h"],
            "`99999999999h`",
        ),
        (
            vec!["plan", &id, "--client-every", "999999999999999999999999s"],
            "`999999999999999999999999s`",
        ),
        (
            vec!["--at", "0001-01-01T00:00:00Z", "note", &id, "x"],
            "`0001-01-01T00:00:00Z` is out of range",
        ),
        (
            vec!["--at", "9999-12-31T00:00:00Z", "note", &id, "x"],
            "`9999-12-31T00:00:00Z` is out of range",
        ),
        (
            vec!["--at", "1969-12-31 23:00", "note", &id, "x"],
            "`1969-12-31 23:00` is out of range",
        ),
    ];
    for (args, name) in &usage {
        refused(&repo, args, &[], 2, &[name]);
    }
    let eta = [
        "--at",
        AT,
        "update",
        &id,
        "-m",
        "x",
        "--eta",
        "9999-12-31T00:00:00Z",
    ];
    refused(
        &repo,
        &eta,
        &[],
        2,
        &["--eta", "`9999-12-31T00:00:00Z` is out of range"],
    );
    // A report's window is part of how it is called: exit 2.
    refused(
        &repo,
        &["report", "--since", "9999-01-01"],
        &[],
        2,
        &["--since", "`9999-01-01` is out of range"],
    );
    refused(
        &repo,
        &["report", "--until", "0001-01-01"],
        &[],
        2,
        &["--until", "`0001-01-01` is out of range"],
    );
    refused(
        &repo,
        &["check"],
        &[("MIM_NOW", "0001-01-01T00:00:00Z")],
        2,
        &["MIM_NOW", "out of range"],
    );
    // The PIR flags need a resolved incident with a review started.
    repo.at(
        "2026-11-24T11:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "fixed",
            "--closure",
            "hardware-replaced",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T12:00:00Z",
        &["pir", "start", &id, "--reason", "required"],
    )
    .ok();
    for (due, name) in [
        ("99999999d", "`99999999d`: longer than 3650d"),
        ("99999999999h", "`99999999999h`"),
        ("99999-01-01", "99999-01-01"),
        ("2200-01-01", "`2200-01-01` is out of range"),
    ] {
        refused(
            &repo,
            &[
                "--at",
                "2026-11-24T12:30:00Z",
                "pir",
                "action",
                "add",
                &id,
                "x",
                "--owner",
                "O",
                "--due",
                due,
            ],
            &[],
            2,
            &[name],
        );
    }
    refused(
        &repo,
        &[
            "--at",
            "2026-11-24T12:30:00Z",
            "pir",
            "review",
            &id,
            "internal",
            "--held-at",
            "0001-01-01T00:00:00Z",
            "--attendees",
            "A",
            "--feedback",
            "f",
        ],
        &[],
        2,
        &["--held-at", "out of range"],
    );
    repo.run(&["show", &id]).ok();
    repo.run(&["validate"]).ok();
}

/// `mim.yaml` values that were accepted and then panicked, or that cannot be read.
#[test]
fn hostile_configurations_are_configuration_errors() {
    let (repo, id) = fixture();
    let config = mim::DEFAULT_CONFIG;
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            config.replace("action_due: 14d", "action_due: 99999999999h"),
            vec!["mim.yaml:", "`99999999999h`"],
        ),
        (
            config.replace("restore: 4h,", "restore: 99999999999h,"),
            vec!["mim.yaml:", "`99999999999h`"],
        ),
        (
            config.replace("lock_timeout: 30s", "lock_timeout: 99999999999s"),
            vec!["mim.yaml:", "`99999999999s`"],
        ),
        (
            config.replacen("    holidays: []", "    holidays: [99999-12-25]", 1),
            vec!["mim.yaml:"],
        ),
        (
            format!("{config}\nextra: {}\n", "{a: ".repeat(100_000)),
            vec!["mim.yaml:", "nested more than 64"],
        ),
        (
            format!("{config}\nextra:\n{}x\n", "- ".repeat(5_000)),
            vec!["mim.yaml:", "nested more than 64"],
        ),
        (
            config.replace("name: Example MSP", "name: \"Example \u{fffe} MSP\""),
            vec!["mim.yaml:"],
        ),
        // Names and budgets past the limits table.
        (
            config.replace("name: Example MSP", &format!("name: {}", "N".repeat(300))),
            vec!["mim.yaml:", "`organization.name` is 300 characters long"],
        ),
        (
            config.replace(
                "roles: [incident-manager,",
                &format!("roles: [{},incident-manager,", "r".repeat(201)),
            ),
            vec!["mim.yaml:", "`roles` is 201 characters long"],
        ),
        (
            format!("{config}\ntemplates: {{fuel: 0}}\n"),
            vec![
                "mim.yaml:",
                "templates.fuel must be between 1 and 100000000",
            ],
        ),
        (
            format!("{config}\ntemplates: {{max_output: 64MiB}}\n"),
            vec![
                "mim.yaml:",
                "templates.max_output must be between 1KiB and 8MiB",
            ],
        ),
    ];
    for (text, names) in &cases {
        std::fs::write(repo.path("mim.yaml"), text).unwrap();
        for args in [vec!["check"], vec!["--at", AT, "note", &id, "x"]] {
            refused(&repo, &args, &[], 2, names);
        }
        reset(&repo);
    }
    // Not UTF-8: the breach exit code 1 was wrong; it is a configuration error.
    let mut bytes = config.as_bytes().to_vec();
    let at = config.find("Example MSP").unwrap();
    bytes[at] = 0xff;
    std::fs::write(repo.path("mim.yaml"), &bytes).unwrap();
    let line = config[..at].lines().count();
    for args in [
        vec!["check"],
        vec!["list"],
        vec!["--at", AT, "note", &id, "x"],
    ] {
        refused(
            &repo,
            &args,
            &[],
            2,
            &[&format!("mim.yaml:{line}:"), "not UTF-8"],
        );
    }
    reset(&repo);
    repo.run(&["validate"]).ok();
}

/// YAML bombs, binary and oversized files in every YAML file of an incident: each is a
/// diagnostic naming the file and the line; the rest of the repository still works.
#[test]
fn hostile_incident_files_are_diagnostics_with_positions() {
    let (repo, id) = fixture();
    let dir = format!("incidents/{id}");
    let update = repo
        .git(&["ls-files", &format!("{dir}/updates")])
        .lines()
        .next()
        .unwrap()
        .to_string();
    let files = [
        format!("{dir}/incident.yaml"),
        format!("{dir}/timeline.yaml"),
        format!("{dir}/plan.md"),
        update,
    ];
    let nested = "{a: ".repeat(100_000);
    let dashes = format!("{}x\n", "- ".repeat(5_000));
    let aliases = {
        let mut t = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (i, n) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
            let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
            t.push_str(&format!("{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        t
    };
    let big = "# padding\n".repeat(900_000);
    let mut cases = 0;
    for file in &files {
        let front = file.ends_with(".md");
        let wrap = |body: &str| {
            if front {
                format!("---\n{body}\n---\n")
            } else {
                body.to_string()
            }
        };
        let contents: Vec<(Vec<u8>, Vec<String>)> = vec![
            (
                wrap(&nested).into_bytes(),
                vec![
                    format!("{file}:{}:", if front { 2 } else { 1 }),
                    "nested more than 64".into(),
                ],
            ),
            (
                wrap(&dashes).into_bytes(),
                vec![format!("{file}:"), "nested more than 64".into()],
            ),
            (wrap(&aliases).into_bytes(), vec![format!("{file}:")]),
            (
                b"title: ok\nservice: \xff\xfe\n".to_vec(),
                if file.contains("/updates/") {
                    // Without --deep only the head of an update is read: it is refused
                    // as having no front matter, before its bad bytes are reached.
                    vec![file.clone()]
                } else {
                    // `check` gives the line, `show` the line and column.
                    vec![format!("{file}:2"), "not UTF-8".into()]
                },
            ),
            (
                wrap("title: \"bad \u{fffe} char\"").into_bytes(),
                vec![format!("{file}:")],
            ),
            (
                big.clone().into_bytes(),
                if file.contains("/updates/") {
                    // Without --deep only an update's head is read, never all 9 MB.
                    vec![format!("{file}:")]
                } else {
                    vec![format!("{file}:"), "too large".into()]
                },
            ),
        ];
        for (bytes, names) in &contents {
            std::fs::write(repo.path(file), bytes).unwrap();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            refused(&repo, &["check"], &[], 1, &names);
            refused(&repo, &["validate"], &[], 1, &names);
            cases += 2;
            if !file.contains("/updates/") {
                // Loading the incident fails the same way, for a reader and a writer.
                refused(&repo, &["show", &id], &[], 1, &names);
                refused(&repo, &["--at", AT, "note", &id, "x"], &[], 1, &names);
                cases += 2;
            }
            reset(&repo);
        }
    }
    assert!(cases >= 60, "{cases}");
    repo.run(&["validate"]).ok();
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) {
    if at.is_dir() && !at.is_symlink() {
        std::fs::remove_dir_all(at).unwrap();
    } else if at.symlink_metadata().is_ok() {
        std::fs::remove_file(at).unwrap();
    }
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// A file outside the repository that must never be read, copied or printed.
fn secret_file(repo: &TestRepo) -> PathBuf {
    let path = repo.home.join("secret.yaml");
    std::fs::write(&path, format!("title: {SECRET}\ntoken: {SECRET}\n")).unwrap();
    path
}

/// A directory outside the repository that must stay as it is.
fn outside_dir(repo: &TestRepo) -> PathBuf {
    let dir = repo.home.join("outside");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "outside").unwrap();
    dir
}

fn listing(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .collect()
}

/// Committed symlinks, the attack on a CI job that runs `mim check` on anyone's pull
/// request: to a secret outside the repository, to the job's environment, and inside
/// the repository. Every one is refused without its target being read or printed.
#[cfg(unix)]
#[test]
fn symlinked_files_are_refused_without_reading_the_target() {
    let (repo, id) = fixture();
    let secret = secret_file(&repo);
    let dir = format!("incidents/{id}");
    let environ = PathBuf::from("/proc/self/environ");
    let inside = repo.path(&format!("{dir}/incident.yaml"));
    let targets: Vec<&Path> = if environ.exists() {
        vec![&secret, &environ, &inside]
    } else {
        vec![&secret, &inside]
    };
    let mut cases = 0;
    for target in &targets {
        for (file, commands) in [
            (
                format!("{dir}/timeline.yaml"),
                vec![
                    vec!["check"],
                    vec!["validate"],
                    vec!["show", &id],
                    vec!["list"],
                    vec!["--at", AT, "note", &id, "x"],
                    vec!["--no-commit", "--at", AT, "note", &id, "x"],
                ],
            ),
            (
                format!("{dir}/incident.yaml"),
                vec![
                    vec!["check"],
                    vec!["show", &id],
                    vec!["--at", AT, "update", &id, "-m", "x"],
                ],
            ),
            (
                format!("{dir}/plan.md"),
                vec![
                    vec!["check"],
                    vec!["show", &id],
                    vec!["--at", AT, "plan", &id, "--bridge", "tel:1"],
                ],
            ),
        ] {
            if file.ends_with("incident.yaml") && *target == inside {
                continue;
            }
            link(target, &repo.path(&file));
            for args in &commands {
                refused(&repo, args, &[], 1, &[&file, "symbolic link"]);
                cases += 1;
            }
            reset(&repo);
        }
    }
    // mim.yaml as a symlink, even to a valid configuration inside the repository.
    std::fs::write(repo.path("real.yaml"), mim::DEFAULT_CONFIG).unwrap();
    repo.git(&["add", "real.yaml"]);
    repo.git(&["commit", "-qm", "real"]);
    for target in [repo.path("real.yaml"), secret.clone()] {
        link(&target, &repo.path("mim.yaml"));
        for args in [vec!["check"], vec!["--at", AT, "note", &id, "x"]] {
            refused(&repo, &args, &[], 2, &["mim.yaml", "symbolic link"]);
            cases += 1;
        }
        reset(&repo);
    }
    assert!(cases >= 25, "{cases}");
    repo.run(&["validate"]).ok();
}

/// Templates, PIR prose and outbox messages: a symlink would copy an outside file into a
/// committed e-mail, or pipe it to sendmail.
#[cfg(unix)]
#[test]
fn symlinked_templates_pir_and_messages_are_refused() {
    let (repo, id) = fixture();
    let secret = secret_file(&repo);
    let delivered = repo.home.join("delivered");
    let sendmail = repo.home.join("sendmail");
    std::fs::write(
        &sendmail,
        format!("#!/bin/sh\ncat >> '{}'\n", delivered.display()),
    )
    .unwrap();
    make_executable(&sendmail);
    repo.config(&mim::DEFAULT_CONFIG.replace("sendmail -t -i", sendmail.to_str().unwrap()));
    // A template override.
    link(&secret, &repo.path("templates/update-internal.md"));
    refused(
        &repo,
        &["--at", AT, "update", &id, "-m", "x"],
        &[],
        1,
        &["update-internal.md", "symbolic link"],
    );
    reset(&repo);
    // The templates directory.
    let outside = outside_dir(&repo);
    std::fs::write(outside.join("update-internal.md"), SECRET).unwrap();
    link(&outside, &repo.path("templates"));
    refused(
        &repo,
        &["--at", AT, "update", &id, "-m", "x"],
        &[],
        1,
        &["templates", "symbolic link"],
    );
    refused(&repo, &["check"], &[], 1, &["templates", "symbolic link"]);
    reset(&repo);
    // A message in outbox/: never handed to sendmail.
    let eml = repo
        .git(&["ls-files", &format!("incidents/{id}/outbox")])
        .lines()
        .find(|l| l.ends_with("-internal.eml"))
        .unwrap()
        .to_string();
    link(&secret, &repo.path(&eml));
    refused(
        &repo,
        &["send", &id],
        &[],
        1,
        &[&eml, "symbolic link", "nothing was sent"],
    );
    refused(&repo, &["check"], &[], 1, &[&eml, "symbolic link"]);
    // Nor read to thread the next update.
    refused(
        &repo,
        &["--at", "2026-11-24T10:30:00Z", "update", &id, "-m", "next"],
        &[],
        1,
        &[&eml, "symbolic link"],
    );
    assert!(!delivered.exists(), "nothing was sent");
    reset(&repo);
    // pir.md, in `pir report` and `close`.
    repo.at(
        "2026-11-24T11:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "fixed",
            "--closure",
            "hardware-replaced",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T12:00:00Z",
        &["pir", "start", &id, "--reason", "required"],
    )
    .ok();
    let pir = format!("incidents/{id}/pir.md");
    link(&secret, &repo.path(&pir));
    for args in [
        vec!["--at", "2026-11-24T12:30:00Z", "pir", "report", &id],
        vec![
            "--at",
            "2026-11-24T12:30:00Z",
            "close",
            &id,
            "--force",
            "--reason",
            "r",
        ],
        vec!["check"],
    ] {
        refused(&repo, &args, &[], 1, &[&pir, "symbolic link"]);
    }
    reset(&repo);
    repo.at("2026-11-24T12:30:00Z", &["pir", "report", &id])
        .ok();
}

/// With or without `--no-commit`, a symlinked directory never makes mim write outside
/// the repository.
#[cfg(unix)]
#[test]
fn symlinked_directories_never_lead_writes_outside() {
    let (repo, id) = fixture();
    let dir = format!("incidents/{id}");
    for (linked, args) in [
        (
            "incidents".to_string(),
            vec![
                "declare",
                "--title",
                "New",
                "--service",
                "S",
                "--impact",
                "high",
                "--urgency",
                "high",
            ],
        ),
        (dir.clone(), vec!["note", &id, "x"]),
        (format!("{dir}/updates"), vec!["update", &id, "-m", "x"]),
        (format!("{dir}/outbox"), vec!["update", &id, "-m", "x"]),
        (format!("{dir}/outbox"), vec!["send", &id]),
        (
            "templates".to_string(),
            vec!["templates", "export", "update-internal.md", "--force"],
        ),
    ] {
        for no_commit in [false, true] {
            let outside = outside_dir(&repo);
            // A copy of what was there, so only the link is hostile.
            let copy = std::process::Command::new("cp")
                .arg("-a")
                .arg(format!("{}/.", repo.path(&linked).display()))
                .arg(&outside)
                .status()
                .unwrap();
            assert!(copy.success());
            let before = listing(&outside);
            link(&outside, &repo.path(&linked));
            // `send` sends now: it takes no --at.
            let mut all = if args[0] == "send" {
                vec![]
            } else {
                vec!["--at", AT]
            };
            if no_commit {
                all.push("--no-commit");
            }
            all.extend(args.iter());
            let last = linked.rsplit('/').next().unwrap().to_string();
            let run = refused(&repo, &all, &[], 1, &[&last, "symbolic link"]);
            assert_eq!(
                listing(&outside),
                before,
                "{all:?} wrote outside: {}",
                short(&run.stderr)
            );
            reset(&repo);
        }
    }
    repo.at(AT, &["note", &id, "fine"]).ok();
}

/// A FIFO where a file should be cannot make mim hang; a directory is no file.
#[cfg(unix)]
#[test]
fn fifos_and_directories_in_place_of_files_are_refused() {
    let (repo, id) = fixture();
    let file = format!("incidents/{id}/timeline.yaml");
    std::fs::remove_file(repo.path(&file)).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(repo.path(&file))
        .status()
        .unwrap();
    assert!(made.success());
    for args in [
        vec!["check"],
        vec!["show", &id],
        vec!["--at", AT, "note", &id, "x"],
    ] {
        refused(&repo, &args, &[], 1, &[&file, "not a regular file"]);
    }
    std::fs::remove_file(repo.path(&file)).unwrap();
    std::fs::create_dir(repo.path(&file)).unwrap();
    for args in [vec!["check"], vec!["--at", AT, "note", &id, "x"]] {
        refused(&repo, &args, &[], 1, &[&file, "directory"]);
    }
    std::fs::remove_dir(repo.path(&file)).unwrap();
    reset(&repo);
    repo.run(&["validate"]).ok();
}

/// Escape sequences written into repository files are shown escaped, never sent raw
/// to the terminal (OSC title changes, colours, bells, bidi overrides).
#[test]
fn terminal_escapes_in_files_are_neutralised() {
    let (repo, id) = fixture();
    let record = repo.path(&format!("incidents/{id}/incident.yaml"));
    let text = std::fs::read_to_string(&record).unwrap();
    let hostile = text.replace(
        "title: Payments API outage",
        "title: \"Pay\\e]0;pwned\\a\\e[31mments \\u202E drowssap\\r\"",
    );
    assert_ne!(hostile, text);
    std::fs::write(&record, hostile).unwrap();
    let plan = format!(
        "---\nworkstreams:\n  - {{name: \"net\\e[2J\", owner: \"Dana\\e[5m\"}}\n---\n\n# Response plan for {id}\n"
    );
    std::fs::write(repo.path(&format!("incidents/{id}/plan.md")), plan).unwrap();
    let mut cases = 0;
    for args in [
        vec!["list"],
        vec!["show", &id],
        vec!["status"],
        vec!["plan", &id],
        vec!["check"],
    ] {
        let run = output(
            repo.cmd()
                .env("MIM_NOW", "2026-11-24T10:00:00Z")
                .args(&args),
        );
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains("panicked"), "{args:?}: {all}");
        for raw in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
            assert!(!all.contains(raw), "{args:?} printed {raw:?} raw:\n{all:?}");
        }
        if args[0] == "list" || args[0] == "show" {
            assert!(all.contains("Pay\\u{1b}]0;pwned"), "{args:?}:\n{all}");
        }
        cases += 1;
    }
    assert_eq!(cases, 5);
}

/// `validate --deep` parses every e-mail in `outbox/`: a committed message that is a
/// symbolic link to the CI job's environment (or a secret file) is refused without its
/// target being read, so no line of it reaches a parse error.
#[cfg(unix)]
#[test]
fn a_symlinked_message_leaks_nothing_to_validate_deep() {
    let (repo, id) = fixture();
    let secret = secret_file(&repo);
    let environ = PathBuf::from("/proc/self/environ");
    let eml = repo
        .git(&["ls-files", &format!("incidents/{id}/outbox")])
        .lines()
        .find(|l| l.ends_with("-internal.eml"))
        .unwrap()
        .to_string();
    let mut targets = vec![secret];
    if environ.exists() {
        targets.push(environ);
    }
    for target in &targets {
        link(target, &repo.path(&eml));
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-qm", "a message that is a link"]);
        for args in [vec!["validate", "--deep"], vec!["check"], vec!["validate"]] {
            refused(&repo, &args, &[], 1, &[&eml, "symbolic link"]);
        }
        repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    }
    repo.run(&["validate", "--deep"]).ok();
}

/// Run `cmd`, which must end within `secs` seconds: a run that does not is killed and
/// fails the test (no duration is asserted; this only turns a hang into a failure).
fn within(cmd: &mut std::process::Command, secs: u64) -> Run {
    use std::io::Read;
    use std::process::Stdio;
    fn drain(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let _ = Read::by_ref(&mut from).take(1 << 20).read_to_end(&mut kept);
            let _ = std::io::copy(&mut from, &mut std::io::sink());
            kept
        })
    }
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mim");
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} did not end within {secs} s: killed", short(&shown));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
    }
}

/// Templates that would run for minutes, allocate gigabytes or render hundreds of
/// megabytes: `validate` and `check` refuse each (exit 1, naming the template), and
/// `update` never renders one into a message.
#[test]
fn hostile_templates_are_refused_on_a_budget() {
    let (repo, id) = fixture();
    let template = "templates/update-internal.md";
    for (source, why) in [
        (
            "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}\n",
            "fuel",
        ),
        ("{% set s = \"x\" * 100000000 %}{{ s | length }}\n", "fuel"),
        ("{% set s = \"x\" * 3000000 %}{{ s }}{{ s }}\n", "output"),
    ] {
        repo.write(template, source);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-qm", "a hostile template"]);
        let before = state(&repo);
        for args in [
            vec!["validate"],
            vec!["check"],
            vec!["--at", AT, "update", &id, "-m", "x"],
        ] {
            let run = within(repo.cmd().args(&args), 20);
            let all = format!("{}{}", run.stdout, run.stderr);
            assert_eq!(run.code, 1, "{args:?} with {source}:\n{}", short(&all));
            assert!(!all.contains("panicked"), "{args:?}: {}", short(&all));
            assert!(
                all.contains("update-internal.md"),
                "{args:?}: {}",
                short(&all)
            );
            assert!(all.contains(why), "{args:?}: `{why}` in {}", short(&all));
            assert!(all.contains("templates."), "{args:?}: {}", short(&all));
            assert_eq!(state(&repo), before, "{args:?} changed the repository");
        }
        repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    }
    repo.run(&["validate"]).ok();
}

/// Names as long as a command line allows (65,536 characters) are refused where they
/// enter (exit 2); one written by hand into the timeline never makes `show` or
/// `status` panic laying out a table.
#[test]
fn long_names_are_refused_at_the_edge_and_never_panic_later() {
    let (repo, id) = fixture();
    let long = "Z".repeat(65_536);
    for (args, flag) in [
        (
            vec!["assign", &id, "--role", "scribe", "--to", &long],
            "--to",
        ),
        (
            vec!["handover", &id, "--to", &long, "-m", "state of play"],
            "--to",
        ),
        (
            vec!["escalate", &id, "--kind", "vendor", "--to", &long],
            "--to",
        ),
        (vec!["accept", &id, "--manager", &long], "--manager"),
        (vec!["--by", &long, "note", &id, "x"], "--by"),
    ] {
        let mut all = vec!["--at", AT];
        all.extend(args.iter());
        let run = refused(
            &repo,
            &all,
            &[],
            2,
            &[flag, "65536 characters", "at most 200"],
        );
        assert!(
            !run.stderr.contains(&long[..300]),
            "the value is not echoed"
        );
    }
    repo.at(
        AT,
        &["assign", &id, "--role", "scribe", "--to", "Zed Quinn"],
    )
    .ok();
    repo.at(
        "2026-11-24T10:05:00Z",
        &["handover", &id, "--to", "Yan Quist", "-m", "over to you"],
    )
    .ok();
    let timeline = format!("incidents/{id}/timeline.yaml");
    let text = repo.read(&timeline);
    repo.write(
        &timeline,
        &text.replace("Zed Quinn", &long).replace("Yan Quist", &long),
    );
    repo.git(&["commit", "-qam", "hand-written long names"]);
    for args in [
        vec!["show", &id],
        vec!["status"],
        vec!["list"],
        vec!["check"],
    ] {
        let run = within(
            repo.cmd()
                .env("MIM_NOW", "2026-11-24T10:30:00Z")
                .args(&args),
            20,
        );
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains("panicked"), "{args:?}: {}", short(&all));
        assert!(run.code == 0 || run.code == 1, "{args:?}: {}", short(&all));
    }
    // The same limit where the file is read: `validate` names the entries.
    let run = repo.run(&["validate"]).fails(1);
    assert!(
        run.stdout.contains(&format!("{timeline}:"))
            && run
                .stdout
                .contains("`to` is 65536 characters long: a name has at most 200"),
        "{}",
        short(&run.stdout)
    );
}

/// A note that would take `timeline.yaml` past the 8 MiB mim reads is refused before
/// anything is written, and the incident stays usable; a text too large for its
/// e-mail is refused where it enters.
#[test]
fn what_mim_writes_it_can_read() {
    let (repo, id) = fixture();
    let note = "n".repeat(130_000);
    let at = |i: usize| format!("2026-11-24T{:02}:{:02}:00Z", 10 + i / 60, i % 60);
    // The first note as mim writes it, then 62 more like it (written directly, to keep
    // the test quick), then notes by mim until one is refused.
    repo.at(&at(0), &["note", &id, &note]).ok();
    let timeline = format!("incidents/{id}/timeline.yaml");
    let text = repo.read(&timeline);
    let line = text
        .lines()
        .find(|l| l.contains(&note))
        .expect("the note's line")
        .to_string();
    let mut grown = text.clone();
    for i in 1..63 {
        grown.push_str(&line.replace(&at(0), &at(i)));
        grown.push('\n');
    }
    repo.write(&timeline, &grown);
    repo.git(&["commit", "-qam", "62 more notes"]);
    repo.run(&["validate"]).ok();
    let mut refusal = None;
    for i in 63..70 {
        let before = state(&repo);
        let run = output(repo.cmd().args(["--at", &at(i), "note", &id, &note]));
        if run.code != 0 {
            assert_eq!(run.code, 1, "note {}: {}", i + 1, short(&run.stderr));
            assert!(!run.stderr.contains("panicked"), "{}", short(&run.stderr));
            assert_eq!(state(&repo), before, "the refused note changed files");
            refusal = Some((i + 1, run.stderr));
            break;
        }
    }
    let (n, stderr) = refusal.expect("a note past the read limit is refused");
    assert_eq!(n, 65, "{}", short(&stderr));
    for name in ["timeline.yaml", "8MiB", "nothing was written"] {
        assert!(stderr.contains(name), "`{name}` in {}", short(&stderr));
    }
    repo.run(&["show", &id]).ok();
    repo.run(&["validate"]).ok();
    repo.at(
        "2026-11-24T11:30:00Z",
        &["note", &id, "short notes still fit"],
    )
    .ok();
    // A 5 MiB update from standard input: refused before anything is read past the
    // limit or written.
    let before = state(&repo);
    let mut child = repo
        .cmd()
        .args(["--at", "2026-11-24T11:40:00Z", "update", &id, "-m", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&vec![b'u'; 5 * 1024 * 1024]);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", short(&stderr));
    assert!(stderr.contains("standard input"), "{}", short(&stderr));
    assert!(stderr.contains("2MiB"), "{}", short(&stderr));
    assert_eq!(state(&repo), before);
    // A text within the limit whose e-mail would not be (every `<` is `&lt;` in HTML):
    // refused before anything is written, naming the message and the e-mail limit.
    let mut child = repo
        .cmd()
        .args(["--at", "2026-11-24T11:40:00Z", "update", &id, "-m", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&vec![b'<'; 2_000_000]);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", short(&stderr));
    for name in [
        ".eml would be",
        "an e-mail of at most 8MiB",
        "nothing was written",
    ] {
        assert!(stderr.contains(name), "`{name}` in {}", short(&stderr));
    }
    assert_eq!(state(&repo), before);
}

/// `validate --deep` applies the checks later commands apply: e-mails past what `send`
/// reads, a `pir.md` that `pir report` cannot read.
#[test]
fn validate_deep_refuses_what_later_commands_refuse() {
    let (repo, id) = fixture();
    let eml = repo
        .git(&["ls-files", &format!("incidents/{id}/outbox")])
        .lines()
        .find(|l| l.ends_with("-internal.eml"))
        .unwrap()
        .to_string();
    let text = repo.read(&eml);
    let padded = text.replacen(
        "\r\n\r\n",
        &format!("\r\nX-Pad: {}\r\n\r\n", "p".repeat(990)),
        1,
    );
    let mut big = padded.clone();
    while big.len() < 9 * 1024 * 1024 {
        big = big.replacen(
            "X-Pad: ",
            &format!("X-Pad: {}\r\n X-Pad: ", "p".repeat(990)),
            1,
        );
    }
    repo.write(&eml, &big);
    repo.git(&["commit", "-qam", "a 9 MB message"]);
    refused(&repo, &["validate", "--deep"], &[], 1, &[&eml, "too large"]);
    repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    // An update dated year 0, which the status site refuses.
    let update = repo
        .git(&["ls-files", &format!("incidents/{id}/updates")])
        .lines()
        .find(|l| l.ends_with("-client.md"))
        .unwrap()
        .to_string();
    let text = repo.read(&update);
    let at = text
        .lines()
        .find(|l| l.starts_with("at: "))
        .unwrap()
        .to_string();
    repo.write(&update, &text.replace(&at, "at: 0000-01-01T00:00:00Z"));
    repo.git(&["commit", "-qam", "an update dated year 0"]);
    for args in [vec!["validate", "--deep"], vec!["validate"]] {
        refused(&repo, &args, &[], 1, &[&update, "out of range"]);
    }
    let site = repo.home.join("site");
    let run = output(repo.cmd().arg("site").arg("-o").arg(&site));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("out of range"), "{}", run.stderr);
    repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    repo.at(
        "2026-11-24T11:00:00Z",
        &[
            "resolve",
            &id,
            "-m",
            "fixed",
            "--closure",
            "hardware-replaced",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T12:00:00Z",
        &["pir", "start", &id, "--reason", "required"],
    )
    .ok();
    let pir = format!("incidents/{id}/pir.md");
    let good = repo.read(&pir);
    let mut bytes = good.clone().into_bytes();
    bytes.extend_from_slice(b"\nbad \xff byte\n");
    std::fs::write(repo.path(&pir), &bytes).unwrap();
    repo.git(&["commit", "-qam", "pir.md that is not UTF-8"]);
    refused(&repo, &["validate", "--deep"], &[], 1, &[&pir, "not UTF-8"]);
    repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    let huge = format!("{good}\n{}", "padding line\n".repeat(700_000));
    repo.write(&pir, &huge);
    repo.git(&["commit", "-qam", "a 9 MB pir.md"]);
    refused(&repo, &["validate", "--deep"], &[], 1, &[&pir, "too large"]);
    repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    repo.run(&["validate", "--deep"]).ok();
}

/// Escape sequences in timeline lines and commit subjects, and in directory names, are
/// escaped by `mim audit` and in every CI format; an invalid `MIM_NOW` is a usage error.
#[cfg(unix)]
#[test]
fn audit_and_ci_formats_print_no_raw_escapes() {
    let (repo, id) = fixture();
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";
    repo.at(AT, &["note", &id, "carrier called back"]).ok();
    let timeline = format!("incidents/{id}/timeline.yaml");
    let text = repo.read(&timeline);
    assert!(text.contains("carrier called back"));
    repo.write(
        &timeline,
        &text.replace("carrier called back", &format!("carrier{hostile} called")),
    );
    repo.git(&["commit", "-qam", &format!("tidy {hostile} up")]);
    let stray = format!("incidents/x{hostile}y");
    repo.write(&format!("{stray}/incident.yaml"), "title: x\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "a stray directory"]);
    let mut runs = 0;
    for args in [
        vec!["audit"],
        vec!["check"],
        vec!["check", "--format", "github"],
        vec!["check", "--format", "junit"],
        vec!["check", "--format", "gitlab"],
        vec!["validate"],
        vec!["list"],
    ] {
        let run = output(repo.cmd().args(&args));
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains("panicked"), "{args:?}: {all}");
        for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(!all.contains(raw), "{args:?} printed {raw:?} raw:\n{all:?}");
        }
        runs += 1;
    }
    assert_eq!(runs, 7);
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"2026-11-24T10:00:00Z\xff");
    for args in [vec!["status"], vec!["check"], vec!["list"]] {
        let run = output(repo.cmd().env("MIM_NOW", bad).args(&args));
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("MIM_NOW"), "{args:?}: {}", run.stderr);
    }
}
