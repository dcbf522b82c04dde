//! The command line itself: man pages, completions, help text and argument parsing.

use crate::common::TestRepo;

#[test]
fn man_writes_a_page_per_subcommand_with_exit_status_and_environment() {
    let repo = TestRepo::empty();
    repo.run(&["man", "-o", "d"]).ok();
    let main = repo.read("d/mim.1");
    let declare = repo.read("d/mim-declare.1");
    assert!(repo.path("d/mim-pir-action.1").is_file());
    assert!(repo.path("d/mim-pir-action-add.1").is_file());
    for page in [&main, &declare] {
        assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
        assert!(page.contains(".SH ENVIRONMENT"));
        for var in ["MIM_USER", "MIM_NOW", "NO_COLOR", "EDITOR"] {
            assert!(page.contains(var), "{var} missing");
        }
    }
    let see_also = &main[main.find(".SH \"SEE ALSO\"").expect("SEE ALSO")..];
    for name in [
        "mim\\-declare",
        "mim\\-pir\\-action",
        "mim\\-site",
        "mim\\-schema",
    ] {
        assert!(
            see_also.contains(&format!(".BR {name} (1)")),
            "{name}: {see_also}"
        );
    }
    assert!(declare.contains(".BR mim (1)"));
    assert!(
        declare.contains("\\-\\-title"),
        "the page has the command's options"
    );
    // `mim man` prints the main page as before.
    assert_eq!(repo.run(&["man"]).ok().stdout, main);
}

/// What the shell's TAB would offer for `words` (fish protocol: one `value\thelp` a line).
fn complete(repo: &TestRepo, words: &[&str]) -> Vec<String> {
    let mut cmd = repo.cmd();
    cmd.env("COMPLETE", "fish").arg("--").arg("mim").args(words);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect()
}

#[test]
fn tab_completes_incident_ids_active_first_and_values_from_mim_yaml() {
    let repo = TestRepo::new();
    let config = mim::DEFAULT_CONFIG.replace(
        "\naudiences:",
        "  globex:\n    name: Globex Retail\n\naudiences:",
    );
    repo.config(&config);
    let active = repo.active_p1("2026-11-20T09:00:00Z", "2026-11-20T09:05:00Z");
    let resolved = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T10:00:00Z",
        &[
            "resolve",
            &resolved,
            "-m",
            "Fixed.",
            "--closure",
            "config-change",
        ],
    )
    .ok();
    let proposed = repo.declare("2026-11-25T09:00:00Z", "VPN down", "high", "high", &[]);
    let other_month = repo.declare("2026-12-01T09:00:00Z", "Mail down", "high", "high", &[]);
    assert_eq!(
        complete(&repo, &["show", "2026-11-2"]),
        [proposed.as_str(), active.as_str(), resolved.as_str()],
        "active ones first, newest first"
    );
    assert!(!complete(&repo, &["show", "2026-11-2"]).contains(&other_month));
    // The optional leading ID of `note` completes too.
    assert_eq!(complete(&repo, &["note", "2026-11-20"]), [active.as_str()]);
    assert_eq!(
        complete(&repo, &["declare", "--client", ""]),
        ["acme", "globex"]
    );
    assert_eq!(
        complete(&repo, &["resolve", &active, "--closure", "w"]),
        ["workaround"]
    );
    assert_eq!(
        complete(&repo, &["assign", &active, "--role", "s"]),
        ["scribe"]
    );
    assert!(complete(&repo, &["escalate", &active, "--kind", ""]).contains(&"vendor".to_string()));
    assert_eq!(
        complete(&repo, &["update", &active, "--audience", "c"]),
        ["client", "client-management"]
    );
    // Outside a repository there is nothing to offer, and no error.
    let empty = TestRepo::empty();
    assert!(complete(&empty, &["show", "2026"]).is_empty());
    // `mim completions SHELL` prints the script that calls back into mim.
    for shell in ["bash", "zsh", "fish"] {
        let script = repo.run(&["completions", shell]).ok().stdout;
        assert!(script.contains("COMPLETE"), "{shell}: {script}");
    }
}

#[test]
fn a_usage_error_does_not_list_by_as_required_when_mim_user_gave_it() {
    let repo = TestRepo::new();
    // TestRepo runs every command with MIM_USER set, as the README tells people to.
    let site = repo.run(&["site"]).fails(2);
    assert!(
        site.stderr.contains("Usage: mim site --output <DIR>\n"),
        "{}",
        site.stderr
    );
    let resolve = repo.run(&["resolve", "2026-11-24-x", "-m", "x"]).fails(2);
    assert!(
        resolve.stderr.contains("--closure <CODE>"),
        "{}",
        resolve.stderr
    );
    assert!(!resolve.stderr.contains("--by"), "{}", resolve.stderr);
    // Typed on the command line, it is shown as typed.
    let typed = repo.run(&["--by", "Ann", "site"]).fails(2);
    assert!(typed.stderr.contains("--by <NAME>"), "{}", typed.stderr);
}
