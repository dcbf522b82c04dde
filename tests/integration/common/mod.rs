//! A temporary incident repository and a way to run the real binary in it.

#![allow(dead_code)]

pub mod mail;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A temporary directory holding a mim repository (after [`TestRepo::new`]) inside a git
/// repository with a local identity. Git's global and system configuration are ignored.
pub struct TestRepo {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
}

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The result of a run made elsewhere (with its own environment).
    pub fn from_output(out: Output) -> Run {
        Run::from(out)
    }

    /// Panic (showing stderr) unless the run succeeded.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panic unless the run exited with `code`.
    #[track_caller]
    pub fn fails(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }

    pub fn out(&self) -> &str {
        self.stdout.trim()
    }
}

pub fn mim_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mim"))
}

impl TestRepo {
    /// An initialised mim repository (`mim init`) with the default configuration.
    pub fn new() -> TestRepo {
        let repo = TestRepo::empty();
        repo.run(&["init"]).ok();
        repo
    }

    /// An empty git repository with a local identity, without mim.
    pub fn empty() -> TestRepo {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("repo");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let repo = TestRepo {
            _tmp: tmp,
            root,
            home,
        };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["config", "user.name", "Test Runner"]);
        repo.git(&["config", "user.email", "runner@msp.example"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// Replace `mim.yaml` and commit it, so later commits stay clean.
    pub fn config(&self, text: &str) {
        self.write("mim.yaml", text);
        self.git(&["add", "mim.yaml"]);
        self.git(&["commit", "--quiet", "-m", "config"]);
    }

    /// The command for the binary, in the repository, with a clean environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(mim_bin());
        cmd.current_dir(&self.root);
        isolate(&mut cmd, &self.home);
        cmd.env("MIM_USER", "Sam Patel");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd().args(args).output().expect("run mim"))
    }

    /// Run with `--at TIME`.
    pub fn at(&self, time: &str, args: &[&str]) -> Run {
        let mut all = vec!["--at", time];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Run with `MIM_NOW` set (for check, report, status).
    pub fn now(&self, now: &str, args: &[&str]) -> Run {
        Run::from(
            self.cmd()
                .env("MIM_NOW", now)
                .args(args)
                .output()
                .expect("run mim"),
        )
    }

    /// Declare an incident at `time`; returns its ID.
    pub fn declare(
        &self,
        time: &str,
        title: &str,
        impact: &str,
        urgency: &str,
        extra: &[&str],
    ) -> String {
        let mut args = vec![
            "declare",
            "--title",
            title,
            "--service",
            "Payments API",
            "--impact",
            impact,
            "--urgency",
            urgency,
        ];
        args.extend_from_slice(extra);
        self.at(time, &args).ok().out().to_string()
    }

    /// Declare and accept a P1 (high/high) for ACME: the usual start of a test.
    pub fn active_p1(&self, declared: &str, accepted: &str) -> String {
        let id = self.declare(
            declared,
            "Payments API outage",
            "high",
            "high",
            &["--client", "acme"],
        );
        self.at(accepted, &["accept", &id, "--manager", "Alice Moreau"])
            .ok();
        id
    }

    /// A clone of this repository, with the same isolation and `name` as git's user,
    /// for two-people scenarios.
    ///
    /// The clone does not share through its `origin` (`git config mim.sync off`): these
    /// scenarios pull and push by hand. See `team.rs` for clones of a shared remote.
    pub fn clone_repo(&self, name: &str) -> TestRepo {
        let other = TestRepo::clone_of(&self.root, name);
        other.git(&["config", "mim.sync", "off"]);
        other
    }

    /// A clone of the repository at `source` (a bare remote, or another clone), with
    /// `name` as git's user.
    pub fn clone_of(source: &Path, name: &str) -> TestRepo {
        let other = TestRepo::empty();
        std::fs::remove_dir_all(other.root.join(".git")).unwrap();
        let source = source.to_str().unwrap();
        git_in(&other.root, &other.home, &["clone", "--quiet", source, "."]);
        other.git(&["config", "user.name", name]);
        other.git(&["config", "user.email", "other@msp.example"]);
        other.git(&["config", "commit.gpgsign", "false"]);
        other
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.root, &self.home, args)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Every file under the root except `.git`, with its contents, for "nothing changed" checks.
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(&self.root)
            .into_iter()
            .filter_entry(|e| e.file_name() != ".git")
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&self.root)
                    .unwrap()
                    .display()
                    .to_string();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    }

    /// Commit subjects, newest first.
    /// Each commit's subject as written, newest first: where git's 72 characters cut it
    /// (it ends in `…`), the whole of it from the body's first paragraph.
    pub fn log_whole(&self) -> Vec<String> {
        self.git(&["log", "--format=%B%x00"])
            .split('\0')
            .map(|m| m.trim_start_matches('\n'))
            .filter(|m| !m.is_empty())
            .map(|m| {
                let mut parts = m.split("\n\n");
                let subject = parts.next().unwrap_or_default();
                match parts.next() {
                    Some(whole) if subject.ends_with('…') => whole.trim().to_string(),
                    _ => subject.to_string(),
                }
            })
            .collect()
    }

    pub fn log(&self) -> Vec<String> {
        self.git(&["log", "--format=%s"])
            .lines()
            .map(String::from)
            .collect()
    }

    /// Replace the temp path in text so snapshots are stable.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.root.display().to_string(), "[REPO]")
    }
}

/// Keep the machine's git and mim settings out of a test run.
pub fn isolate(cmd: &mut Command, home: &Path) {
    for (key, _) in std::env::vars() {
        if key.starts_with("MIM_") || key.starts_with("GIT_") || key == "EDITOR" || key == "VISUAL"
        {
            cmd.env_remove(key);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        // A fixed "now" after every time the tests use, so `--at` is never in the future
        // and nothing depends on the machine's clock; `TestRepo::now` overrides it.
        .env("MIM_NOW", "2030-01-01T00:00:00Z");
}

pub fn git_in(dir: &Path, home: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).args(args);
    isolate(&mut cmd, home);
    let out = cmd.output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How a commit subject names incident `id` (`11-24 payments-api-outage`): mim's own
/// rule, which its unit tests pin down.
pub fn subject_ref(id: &str) -> String {
    mim::short_ref(id)
}
