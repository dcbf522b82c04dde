//! The commit of a mutation is built from HEAD plus the changed paths (git's plumbing):
//! exactly the incident's paths, the user's index and work untouched, hooks run, and a
//! HEAD moved by someone else is built upon, never overwritten.

use crate::common::TestRepo;

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn files_of(repo: &TestRepo, rev: &str) -> Vec<String> {
    repo.git(&["show", "--name-only", "--format=", rev])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_commit_holds_exactly_the_incident_paths_among_modified_and_staged_files() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    // Other work: a staged new file, a staged change, an unstaged change, a staged
    // change with a further unstaged one, and an untracked file.
    repo.write("notes/staged.txt", "staged\n");
    repo.write("notes/tracked.txt", "one\n");
    repo.write("notes/both.txt", "one\n");
    repo.git(&["add", "notes"]);
    repo.git(&["commit", "--quiet", "-m", "notes"]);
    repo.write("notes/tracked.txt", "changed, not staged\n");
    repo.write("notes/both.txt", "staged change\n");
    repo.git(&["add", "notes/both.txt"]);
    repo.write("notes/both.txt", "staged change, then more\n");
    repo.write("notes/new.txt", "staged new\n");
    repo.git(&["add", "notes/new.txt"]);
    repo.write("notes/untracked.txt", "untracked\n");
    let status_before = repo.git(&["status", "--porcelain"]);
    let staged_before = repo.git(&["diff", "--cached"]);

    repo.at(
        "2026-11-24T09:20:00Z",
        &[
            "update",
            &id,
            "--audience",
            "internal",
            "-m",
            "failover started",
        ],
    )
    .ok();

    let files = files_of(&repo, "HEAD");
    assert!(!files.is_empty());
    assert!(
        files
            .iter()
            .all(|f| f.starts_with(&format!("incidents/{id}/"))),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("timeline.yaml")),
        "{files:?}"
    );
    // The user's index and work tree are as they were, and the incident is clean.
    assert_eq!(repo.git(&["diff", "--cached"]), staged_before);
    assert_eq!(repo.git(&["status", "--porcelain"]), status_before);
    assert_eq!(repo.git(&["status", "--porcelain", "--", "incidents"]), "");
    assert_eq!(repo.read("notes/both.txt"), "staged change, then more\n");
    // The committed tree is HEAD~1's plus the incident's files, nothing else.
    let changed = repo.git(&["diff", "--name-only", "HEAD~1", "HEAD"]);
    assert_eq!(changed.lines().collect::<Vec<_>>(), files);
    // The commit is an ordinary one: trailers, author, a reflog entry.
    let body = repo.git(&["log", "-1", "--format=%B"]);
    assert!(body.contains(&format!("Incident: {id}\n")), "{body}");
    assert_eq!(
        repo.git(&["log", "-1", "--format=%an %aI"]).trim(),
        "Sam Patel 2026-11-24T09:20:00Z"
    );
    let reflog = repo.git(&["reflog", "-1", "--format=%gs"]);
    assert!(
        reflog.starts_with(&format!(
            "commit: {}: update",
            crate::common::subject_ref(&id)
        )),
        "{reflog}"
    );
    assert_eq!(repo.git(&["fsck", "--no-progress"]).trim(), "");
}

#[test]
fn a_head_moved_by_another_process_before_the_commit_is_built_upon_not_overwritten() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    // The commit-msg hook runs after mim has read HEAD and before it moves it: there,
    // another process commits (once).
    let hook = repo.path(".git/hooks/commit-msg");
    std::fs::write(
        &hook,
        "#!/bin/sh\n[ -e .git/moved ] && exit 0\ntouch .git/moved\n\
         echo 'someone else' > other.txt\n\
         GIT_INDEX_FILE=.git/other-index git read-tree HEAD\n\
         GIT_INDEX_FILE=.git/other-index git add other.txt\n\
         GIT_INDEX_FILE=.git/other-index git -c core.hooksPath=/dev/null commit --quiet -m 'another process'\n\
         rm -f .git/other-index\n",
    )
    .unwrap();
    make_executable(&hook);
    let before = repo.git(&["rev-parse", "HEAD"]);

    repo.at("2026-11-24T09:20:00Z", &["note", &id, "kept with theirs"])
        .ok();

    let subjects = repo.log();
    assert_eq!(
        subjects[0],
        format!(
            "{}: note: kept with theirs",
            crate::common::subject_ref(&id)
        ),
    );
    assert_eq!(subjects[1], "another process");
    assert_eq!(
        repo.git(&["rev-parse", "HEAD~2"]).trim(),
        before.trim(),
        "the other commit is kept, below mim's"
    );
    assert_eq!(
        repo.git(&["show", "HEAD:other.txt"]),
        "someone else\n",
        "the other process's file is in the new commit's tree"
    );
    assert!(
        files_of(&repo, "HEAD")
            .iter()
            .all(|f| f.starts_with(&format!("incidents/{id}/")))
    );
    assert!(
        repo.git(&["show", "HEAD:incidents/".to_string().as_str()])
            .contains(&id)
    );
}

#[test]
fn a_head_that_keeps_moving_is_refused_and_nothing_is_recorded() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    let hook = repo.path(".git/hooks/commit-msg");
    std::fs::write(
        &hook,
        "#!/bin/sh\ngit -c core.hooksPath=/dev/null commit --quiet --allow-empty -m 'another process'\n",
    )
    .unwrap();
    make_executable(&hook);
    let before = repo.snapshot();
    let run = repo
        .at("2026-11-24T09:20:00Z", &["note", &id, "never lands"])
        .fails(1);
    assert!(run.stderr.contains("HEAD kept moving"), "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing was recorded"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.snapshot(), before);
    assert!(
        repo.log().iter().all(|s| !s.contains("never lands")),
        "{:?}",
        repo.log()
    );
}

#[test]
fn hooks_see_the_new_commit_and_may_edit_its_message() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    repo.write("notes/staged.txt", "staged\n");
    repo.git(&["add", "notes/staged.txt"]);
    let pre = repo.path(".git/hooks/pre-commit");
    std::fs::write(
        &pre,
        "#!/bin/sh\ngit diff --cached --name-only > .git/pre-commit-saw\n",
    )
    .unwrap();
    make_executable(&pre);
    let msg = repo.path(".git/hooks/commit-msg");
    std::fs::write(&msg, "#!/bin/sh\necho 'Reviewed-by: hook' >> \"$1\"\n").unwrap();
    make_executable(&msg);
    let post = repo.path(".git/hooks/post-commit");
    std::fs::write(
        &post,
        "#!/bin/sh\ngit rev-parse HEAD > .git/post-commit-saw\n",
    )
    .unwrap();
    make_executable(&post);

    repo.at("2026-11-24T09:20:00Z", &["note", &id, "hooked"])
        .ok();

    let saw = std::fs::read_to_string(repo.path(".git/pre-commit-saw")).unwrap();
    assert_eq!(saw.trim(), format!("incidents/{id}/timeline.yaml"));
    let body = repo.git(&["log", "-1", "--format=%B"]);
    assert!(body.contains("Reviewed-by: hook"), "{body}");
    assert!(body.contains(&format!("Incident: {id}")), "{body}");
    let post = std::fs::read_to_string(repo.path(".git/post-commit-saw")).unwrap();
    assert_eq!(post.trim(), repo.git(&["rev-parse", "HEAD"]).trim());
    // The user's staged file stays staged and out of the commit.
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]).trim(),
        "notes/staged.txt"
    );
}

#[test]
fn a_mim_repository_in_a_subdirectory_commits_its_paths_under_it() {
    let repo = TestRepo::empty();
    let sub = repo.path("ops/incidents-repo");
    std::fs::create_dir_all(&sub).unwrap();
    let mim = |args: &[&str]| {
        let mut cmd = repo.cmd();
        cmd.current_dir(&sub).args(args);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    mim(&["init"]);
    mim(&[
        "--at",
        "2026-11-24T09:00:00Z",
        "declare",
        "--title",
        "Mail relay down",
        "--service",
        "mail",
        "--impact",
        "high",
        "--urgency",
        "high",
    ]);
    let files = files_of(&repo, "HEAD");
    assert!(
        files
            .iter()
            .all(|f| f.starts_with("ops/incidents-repo/incidents/")),
        "{files:?}"
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn the_index_holds_what_the_commit_holds_mode_and_all() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-24T09:00:00Z", "2026-11-24T09:05:00Z");
    // Someone made the timeline executable and committed that: it stays so.
    let timeline = repo.path(&format!("incidents/{id}/timeline.yaml"));
    make_executable(&timeline);
    repo.git(&["add", "--chmod=+x", "--", timeline.to_str().unwrap()]);
    repo.git(&["commit", "--quiet", "-m", "executable"]);
    repo.at("2026-11-24T09:20:00Z", &["note", &id, "kept executable"])
        .ok();
    let listed = repo.git(&[
        "ls-tree",
        "HEAD",
        "--",
        &format!("incidents/{id}/timeline.yaml"),
    ]);
    assert!(listed.starts_with("100755 "), "{listed}");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "");
}

#[test]
fn a_repository_mim_starts_keeps_gits_index_settings() {
    // No index.skipHash: with a split index git could not read the index back (see
    // git_index.rs).
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let root = tmp.path().join("fresh");
    let mut cmd = std::process::Command::new(crate::common::mim_bin());
    crate::common::isolate(&mut cmd, &home);
    let out = cmd.arg("init").arg(&root).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = std::process::Command::new("git")
        .current_dir(&root)
        .args([
            "config",
            "--local",
            "--get-regexp",
            "^(index\\.|feature\\.|core\\.splitindex$)",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "",
        "mim init set git's index settings"
    );
}
