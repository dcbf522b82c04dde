//! git's index settings: mim never commits into a repository whose index git cannot read
//! back. `index.skipHash` (which `mim init` sets) together with git's split index makes
//! git 2.40+ name the shared index after a checksum it never computed
//! (`sharedindex.0000…`), after which `git status` aborts and `git ls-files` lists
//! nothing. mim refuses that pair before it writes anything and names the fix; after the
//! fix, every mim commit leaves an index git reads (`status`, `ls-files`, `reset --hard`,
//! `fsck`).

use std::path::Path;
use std::process::Command;

use crate::common::{TestRepo, isolate};

/// A repository `mim init` started itself (its own `git init`, so the git settings are
/// the ones mim chooses), with `global` as git's global configuration besides the
/// identity.
fn started_by_mim(global: &str) -> TestRepo {
    let repo = TestRepo::empty();
    std::fs::remove_dir_all(repo.root.join(".git")).unwrap();
    std::fs::write(
        repo.home.join(".gitconfig"),
        format!(
            "[user]\n\tname = Test Runner\n\temail = runner@msp.example\n\
             [commit]\n\tgpgsign = false\n{global}"
        ),
    )
    .unwrap();
    repo.run(&["init"]).ok();
    assert_eq!(repo.log(), ["mim: start the incident repository"]);
    repo
}

/// git in the repository, whatever its exit: (exit code, stdout, stderr).
fn git_raw(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new("git");
    cmd.current_dir(&repo.root).args(args);
    isolate(&mut cmd, &repo.home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run git");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A shell command line in the repository (a fix as mim prints it), which must succeed.
fn shell(repo: &TestRepo, line: &str) {
    let mut cmd = Command::new("sh");
    cmd.current_dir(&repo.root).arg("-c").arg(line);
    isolate(&mut cmd, &repo.home);
    let out = cmd.output().expect("run sh");
    assert!(
        out.status.success(),
        "`{line}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether the git that runs the tests writes an index without its checksum
/// (`index.skipHash`, git 2.40): an older one ignores the setting, and cannot damage the
/// index this way.
fn git_skips_hashes() -> bool {
    let out = Command::new("git").arg("--version").output().expect("git");
    let text = String::from_utf8_lossy(&out.stdout);
    let version: Vec<u32> = text
        .trim()
        .trim_start_matches("git version ")
        .split(['.', ' '])
        .take(2)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    let skips = version >= vec![2, 40];
    if !skips {
        eprintln!(
            "{}: index.skipHash needs git 2.40; nothing to damage",
            text.trim()
        );
    }
    skips
}

/// The names in the git directory, for "no lock, no journal, no shared index left".
fn git_dir_names(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(".git"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn shared_indexes(root: &Path) -> Vec<String> {
    git_dir_names(root)
        .into_iter()
        .filter(|n| n.starts_with("sharedindex."))
        .collect()
}

/// Everything a refused command must leave as it was.
#[derive(Debug, PartialEq)]
struct Before {
    head: String,
    files: Vec<(String, Vec<u8>)>,
    index: Vec<u8>,
    git_dir: Vec<String>,
}

fn before(repo: &TestRepo) -> Before {
    Before {
        head: repo.git(&["rev-parse", "HEAD"]),
        files: repo.snapshot(),
        index: std::fs::read(repo.root.join(".git/index")).unwrap(),
        git_dir: git_dir_names(&repo.root),
    }
}

/// The command between backticks in `text` that starts with `start`.
fn quoted<'a>(text: &'a str, start: &str) -> &'a str {
    text.split('`')
        .skip(1)
        .step_by(2)
        .find(|q| q.starts_with(start))
        .unwrap_or_else(|| panic!("no `{start}…` in: {text}"))
}

/// The mutation mim is asked to make while the settings clash.
const DECLARE: [&str; 11] = [
    "--at",
    "2026-11-24T09:00:00Z",
    "declare",
    "--title",
    "Payments API outage",
    "--service",
    "Payments API",
    "--impact",
    "high",
    "--urgency",
    "high",
];

/// mim refuses `DECLARE`: exit 2, one line with the fix, nothing written.
fn refused(repo: &TestRepo) -> String {
    let was = before(repo);
    let run = repo.run(&DECLARE).fails(2);
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "one line, not: {}",
        run.stderr
    );
    assert!(run.stderr.contains("index.skipHash"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert_eq!(before(repo), was, "a refused command changed something");
    assert!(!repo.root.join("incidents/2026/11").exists());
    run.stderr
}

/// git reads the index: `status` (clean), `ls-files` (mim's files), `fsck`.
#[track_caller]
fn git_reads_the_index(repo: &TestRepo) {
    let (code, status, err) = git_raw(repo, &["status", "--porcelain"], &[]);
    assert_eq!((code, status.as_str()), (0, ""), "git status: {err}");
    let (code, files, err) = git_raw(repo, &["ls-files"], &[]);
    assert_eq!(code, 0, "git ls-files: {err}");
    assert!(
        files.lines().any(|l| l == "mim.yaml"),
        "git ls-files:\n{files}"
    );
    assert_eq!(
        files.lines().count(),
        repo.git(&["ls-tree", "-r", "--name-only", "HEAD"])
            .lines()
            .count(),
        "git ls-files:\n{files}"
    );
    let (code, _, err) = git_raw(repo, &["fsck", "--no-progress"], &[]);
    assert_eq!(code, 0, "git fsck: {err}");
}

/// Ten mutations, each a commit; after each, git reads the index, `git reset --hard`
/// works and leaves the work tree as committed, and `check` (when given) holds.
fn ten_commits(repo: &TestRepo, check: impl Fn(&TestRepo)) {
    let id = repo
        .at("2026-11-24T09:00:00Z", &DECLARE[2..])
        .ok()
        .out()
        .to_string();
    let steps: [(&str, Vec<&str>); 9] = [
        ("09:05", vec!["accept", &id, "--manager", "Alice Moreau"]),
        ("09:10", vec!["note", &id, "router rebooted"]),
        ("09:15", vec!["plan", &id, "--approach", "Fail over"]),
        ("09:20", vec!["update", &id, "-m", "Failing over."]),
        ("09:25", vec!["hold", &id, "--reason", "waiting on carrier"]),
        ("09:40", vec!["resume", &id]),
        ("09:45", vec!["note", &id, "carrier replaced the card"]),
        (
            "10:00",
            vec!["resolve", &id, "-m", "Fixed.", "--closure", "config-change"],
        ),
        ("10:05", vec!["note", &id, "monitoring"]),
    ];
    let mut commits = 1;
    let mut after_each = |repo: &TestRepo| {
        commits += 1;
        assert_eq!(
            repo.git(&["rev-list", "--count", "HEAD"]).trim(),
            commits.to_string()
        );
        git_reads_the_index(repo);
        let (code, _, err) = git_raw(repo, &["reset", "--hard", "--quiet"], &[]);
        assert_eq!(code, 0, "git reset --hard: {err}");
        git_reads_the_index(repo);
        check(repo);
    };
    after_each(repo);
    for (time, args) in &steps {
        repo.at(&format!("2026-11-24T{time}:00Z"), args).ok();
        after_each(repo);
    }
    assert_eq!(commits, 11);
}

#[test]
fn a_split_index_beside_skip_hash_is_refused_before_anything_is_written() {
    let repo = started_by_mim("");
    repo.git(&["config", "index.skipHash", "true"]);
    // The user turns git's split index on; git has not written the index since.
    repo.git(&["config", "core.splitIndex", "true"]);
    let said = refused(&repo);
    assert!(said.contains("core.splitIndex=true"), "{said}");
    assert!(shared_indexes(&repo.root).is_empty());
    // git still reads the index mim left alone (a status that does not rewrite it: one
    // that did would split it without a checksum, git's own doing).
    let (code, status, err) = git_raw(
        &repo,
        &["status", "--porcelain"],
        &[("GIT_OPTIONAL_LOCKS", "0")],
    );
    assert_eq!((code, status.as_str()), (0, ""), "{err}");
    // The fix mim names works, and mim commits again.
    shell(&repo, quoted(&said, "git config index.skipHash false"));
    git_reads_the_index(&repo);
    repo.run(&DECLARE).ok();
    git_reads_the_index(&repo);
    assert!(
        !shared_indexes(&repo.root).is_empty(),
        "the split index is on"
    );
}

#[test]
fn skip_hash_implied_by_many_files_counts_too() {
    let repo = started_by_mim("");
    repo.git(&["config", "feature.manyFiles", "true"]);
    repo.git(&["config", "core.splitIndex", "true"]);
    let said = refused(&repo);
    assert!(said.contains("feature.manyFiles"), "{said}");
}

/// The index is split, and no shared index is named after a missing checksum.
fn split_and_named(repo: &TestRepo) {
    let shared = repo.git(&["rev-parse", "--shared-index-path"]);
    assert!(!shared.trim().is_empty(), "the index is split");
    assert!(!shared.contains("0000000000000000000000000000000000000000"));
}

#[test]
fn mim_init_then_split_index_then_ten_commits_leaves_an_index_git_reads() {
    let repo = started_by_mim("");
    // mim leaves git's index settings as git has them.
    let (code, _, _) = git_raw(&repo, &["config", "index.skipHash"], &[]);
    assert_eq!(code, 1, "mim init set index.skipHash");
    repo.git(&["update-index", "--split-index"]);
    git_reads_the_index(&repo);
    ten_commits(&repo, split_and_named);
}

#[test]
fn an_index_git_split_without_its_checksum_is_refused_with_its_repair() {
    if !git_skips_hashes() {
        return;
    }
    // A repository an earlier mim started (it set index.skipHash), or a user's.
    let repo = started_by_mim("");
    repo.git(&["config", "index.skipHash", "true"]);
    // git splits the index at once, naming the shared index after the missing checksum.
    repo.git(&["update-index", "--split-index"]);
    let (_, listed, _) = git_raw(&repo, &["ls-files"], &[]);
    assert!(
        !listed.lines().any(|l| l == "mim.yaml"),
        "git lost its files"
    );
    let said = refused(&repo);
    // The fix mim names: skipHash off, and the index git damaged rebuilt from HEAD.
    let fix = quoted(&said, "git config index.skipHash false");
    assert!(fix.contains("&& git read-tree HEAD"), "{said}");
    shell(&repo, fix);
    git_reads_the_index(&repo);
    // The split index stays on for every git that writes the index from here.
    repo.git(&["config", "core.splitIndex", "true"]);
    ten_commits(&repo, split_and_named);
}

#[test]
fn a_damaged_index_is_refused_until_it_is_rebuilt() {
    if !git_skips_hashes() {
        return;
    }
    let repo = started_by_mim("");
    repo.git(&["config", "index.skipHash", "true"]);
    repo.git(&["update-index", "--split-index"]);
    // Half the fix: skipHash off, the index left as git damaged it.
    repo.git(&["config", "index.skipHash", "false"]);
    let said = refused(&repo);
    assert!(said.contains("git's index is damaged"), "{said}");
    shell(&repo, quoted(&said, "git read-tree HEAD"));
    assert!(shared_indexes(&repo.root).is_empty());
    git_reads_the_index(&repo);
    ten_commits(&repo, |_| {});
}

#[test]
fn keeping_skip_hash_and_turning_the_split_index_off_works_too() {
    let repo = started_by_mim("");
    repo.git(&["config", "index.skipHash", "true"]);
    repo.git(&["update-index", "--split-index"]);
    let said = refused(&repo);
    shell(&repo, quoted(&said, "git config core.splitIndex false"));
    assert!(shared_indexes(&repo.root).is_empty());
    git_reads_the_index(&repo);
    ten_commits(&repo, |repo| {
        assert!(shared_indexes(&repo.root).is_empty());
        let skip = repo.git(&["config", "--type=bool", "index.skipHash"]);
        assert_eq!(skip.trim(), "true");
    });
}

#[test]
fn a_global_split_index_does_not_reach_a_repository_mim_starts() {
    // A tuning guide's `git config --global core.splitIndex true`, set before or after
    // `mim init`: git and mim both keep an index git reads.
    let repo = started_by_mim("[core]\n\tsplitIndex = true\n");
    git_reads_the_index(&repo);
    ten_commits(&repo, |repo| {
        let (code, out, _) = git_raw(repo, &["status", "--porcelain"], &[]);
        assert_eq!((code, out.as_str()), (0, ""));
    });
}
