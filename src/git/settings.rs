//! git's settings of how the index is written, where they decide whether git can read
//! the index back.
//!
//! `index.skipHash` (git 2.40; `feature.manyFiles` turns it on too) writes the index
//! without its trailing checksum. git's split index (`core.splitIndex`, or
//! `git update-index --split-index`) names the shared index after that checksum, so with
//! both, git 2.40 and later name it `sharedindex.0000…`, lose track of it, and from then
//! on `git status` aborts or shows every file deleted, `git ls-files` lists nothing, and
//! a `git reset --hard` keeps it so. A mim commit rewrites the index like any git
//! command, so a mutation refuses to start while both are on, before it writes anything
//! ([`check_index`], from [`crate::txn::Session::begin`]). See docs/git-settings.md.

use std::path::Path;
use std::process::Stdio;

use crate::error::Error;

use super::git;

/// The settings among git's configuration that decide how the index is written (each
/// `None` when it is not set anywhere git looks).
#[derive(Debug, Default, PartialEq)]
struct IndexSettings {
    skip_hash: Option<bool>,
    many_files: Option<bool>,
    split_index: Option<bool>,
}

impl IndexSettings {
    /// Read with one `git config`; `None` when git cannot read its configuration (a value
    /// that is not a boolean, say), which git then reports itself on the commit.
    fn read(root: &Path) -> Option<IndexSettings> {
        let out = git(root)
            .args([
                "config",
                "-z",
                "--type=bool",
                "--get-regexp",
                r"^(index\.skiphash|feature\.manyfiles|core\.splitindex)$",
            ])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        match out.status.code() {
            Some(0) => Some(IndexSettings::parse(&String::from_utf8_lossy(&out.stdout))),
            // Exit 1: none of them is set.
            Some(1) => Some(IndexSettings::default()),
            _ => None,
        }
    }

    /// `git config -z --get-regexp` output: `key\nvalue\0`, in the order git reads its
    /// files, so the last value of a key is the one git uses.
    fn parse(text: &str) -> IndexSettings {
        let mut settings = IndexSettings::default();
        for record in text.split('\0') {
            let Some((key, value)) = record.split_once('\n') else {
                continue;
            };
            let value = Some(value == "true");
            match key {
                "index.skiphash" => settings.skip_hash = value,
                "feature.manyfiles" => settings.many_files = value,
                "core.splitindex" => settings.split_index = value,
                _ => {}
            }
        }
        settings
    }

    /// What turns `index.skipHash` on, when it is on: `index.skipHash` itself, else
    /// `feature.manyFiles`.
    fn skip_hash_source(&self) -> Option<&'static str> {
        match (self.skip_hash, self.many_files) {
            (Some(true), _) => Some("index.skipHash=true"),
            (None, Some(true)) => Some("feature.manyFiles=true (which turns index.skipHash on)"),
            _ => None,
        }
    }
}

/// A shared index named after no checksum: the mark of an index git has already written
/// with both settings on (the SHA-1 and SHA-256 lengths).
fn is_nameless(name: &str) -> bool {
    name.strip_prefix("sharedindex.").is_some_and(|hash| {
        (hash.len() == 40 || hash.len() == 64) && hash.bytes().all(|b| b == b'0')
    })
}

/// The shared index files in the git directory, by name (none is read).
fn shared_indexes(git_dir: &Path) -> Vec<String> {
    let Ok(read) = std::fs::read_dir(git_dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = read
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("sharedindex."))
        .collect();
    names.sort();
    names
}

/// Refuse to change the repository at `root` (git directory `git_dir`) while git would
/// write its index with `index.skipHash` and a split index together; the error names
/// the `git config` commands that fix it. One `git config` and one listing of `git_dir`.
pub fn check_index(root: &Path, git_dir: &Path) -> Result<(), Error> {
    let shared = shared_indexes(git_dir);
    let Some(settings) = IndexSettings::read(root) else {
        return Ok(());
    };
    match clash(
        &settings,
        &shared,
        &shell_word(&git_dir.display().to_string()),
    ) {
        Some(message) => Err(Error::GitSettings(message)),
        None => Ok(()),
    }
}

/// The refusal, in one line, when `settings` and the shared index files `shared` (in the
/// git directory `dir`, as a shell word) mean git has written, or would write, an index
/// it cannot read back.
fn clash(settings: &IndexSettings, shared: &[String], dir: &str) -> Option<String> {
    let skip = settings.skip_hash_source();
    if let Some(name) = shared.iter().find(|n| is_nameless(n)) {
        return Some(damaged(skip.is_some(), &format!("{dir}/{name}"), dir));
    }
    let skip = skip?;
    let split = match (settings.split_index, shared.first()) {
        (Some(true), _) => "core.splitIndex=true".to_string(),
        // The index may still be split (`git update-index --split-index`): git names the
        // next shared index it writes after the missing checksum. (With core.splitIndex
        // false, git merges a split index back on its next write.)
        (None, Some(name)) => format!("{dir}/{name} exists"),
        _ => return None,
    };
    Some(format!(
        "{skip} and git's split index ({split}) are both on, and git cannot read back an index it \
         writes so: it names the shared index after the checksum skipHash leaves out, and loses \
         track of every file; nothing was changed. Fix: `git config index.skipHash false`, or, to \
         keep skipHash: `git config core.splitIndex false && git update-index --no-split-index && \
         rm -f {dir}/sharedindex.*`"
    ))
}

/// The refusal when git has written its index with both on already: the shared index
/// `nameless` (a path, as a shell word) is named after no checksum, and the index lost
/// track of its files. `skip`: whether index.skipHash is on still.
fn damaged(skip: bool, nameless: &str, dir: &str) -> String {
    let what = format!(
        "git's index is damaged: git wrote it with index.skipHash and a split index on, and \
         named the shared index after the checksum skipHash leaves out ({nameless}), so it lost \
         track of the files; nothing was changed"
    );
    let rebuild =
        "(`git read-tree HEAD` rebuilds the index from HEAD; the work tree stays as it is)";
    if !skip {
        return format!("{what}. Fix: `git read-tree HEAD && rm -f {nameless}` {rebuild}");
    }
    format!(
        "{what}. Fix: `git config index.skipHash false && git read-tree HEAD && rm -f {nameless}`, \
         or, to keep skipHash: `git config core.splitIndex false && git update-index --no-split-index \
         && git read-tree HEAD && rm -f {dir}/sharedindex.*` {rebuild}"
    )
}

/// `word` as one shell word: as it is when that is safe, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+@%:,=".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO: &str = "sharedindex.0000000000000000000000000000000000000000";
    const REAL: &str = "sharedindex.169edcb1600dda3f50b77ecb4af74908462c5d0b";

    fn settings(skip: Option<bool>, many: Option<bool>, split: Option<bool>) -> IndexSettings {
        IndexSettings {
            skip_hash: skip,
            many_files: many,
            split_index: split,
        }
    }

    #[test]
    fn the_last_value_git_reads_wins() {
        let read = IndexSettings::parse(
            "index.skiphash\ntrue\0feature.manyfiles\ntrue\0index.skiphash\nfalse\0core.splitindex\ntrue\0",
        );
        assert_eq!(read, settings(Some(false), Some(true), Some(true)));
        assert_eq!(IndexSettings::parse(""), IndexSettings::default());
    }

    #[test]
    fn skip_hash_is_on_when_set_or_implied_by_many_files() {
        assert!(settings(None, None, None).skip_hash_source().is_none());
        assert!(
            settings(Some(false), Some(true), None)
                .skip_hash_source()
                .is_none()
        );
        assert_eq!(
            settings(Some(true), None, None).skip_hash_source(),
            Some("index.skipHash=true")
        );
        assert!(
            settings(None, Some(true), None)
                .skip_hash_source()
                .unwrap()
                .starts_with("feature.manyFiles=true")
        );
    }

    #[test]
    fn either_setting_alone_is_fine() {
        let split_only = settings(Some(false), None, Some(true));
        assert_eq!(clash(&split_only, &[REAL.into()], ".git"), None);
        let skip_only = settings(Some(true), None, None);
        assert_eq!(clash(&skip_only, &[], ".git"), None);
        // Told off, git merges a split index back on its next write.
        let split_off = settings(Some(true), None, Some(false));
        assert_eq!(clash(&split_off, &[REAL.into()], ".git"), None);
    }

    #[test]
    fn both_on_is_refused_with_the_commands_that_fix_it() {
        let both = settings(Some(true), None, Some(true));
        let said = clash(&both, &[], "/r/.git").unwrap();
        assert!(!said.contains('\n'), "{said}");
        assert!(
            said.starts_with(
                "index.skipHash=true and git's split index (core.splitIndex=true) are both on"
            ),
            "{said}"
        );
        assert!(said.contains("nothing was changed"), "{said}");
        assert!(said.contains("`git config index.skipHash false`"), "{said}");
        assert!(
            said.contains(
                "`git config core.splitIndex false && git update-index --no-split-index && rm -f /r/.git/sharedindex.*`"
            ),
            "{said}"
        );
        assert!(!said.contains("read-tree"), "{said}");
        // A split index left by `git update-index --split-index`, the setting unset.
        let files = settings(Some(true), None, None);
        let said = clash(&files, &[REAL.into()], ".git").unwrap();
        assert!(said.contains(&format!("(.git/{REAL} exists)")), "{said}");
    }

    #[test]
    fn an_index_git_has_damaged_already_is_rebuilt_by_the_fix() {
        for split in [None, Some(false), Some(true)] {
            let said = clash(&settings(None, Some(true), split), &[ZERO.into()], ".git").unwrap();
            assert!(!said.contains('\n'), "{said}");
            assert!(said.starts_with("git's index is damaged"), "{said}");
            assert!(
                said.contains(&format!(
                    "`git config index.skipHash false && git read-tree HEAD && rm -f .git/{ZERO}`"
                )),
                "{said}"
            );
            assert!(
                said.contains(
                    "--no-split-index && git read-tree HEAD && rm -f .git/sharedindex.*`"
                ),
                "{said}"
            );
        }
        // skipHash off already: the index still needs rebuilding.
        let said = clash(
            &settings(Some(false), None, None),
            &[REAL.into(), ZERO.into()],
            ".git",
        )
        .unwrap();
        assert!(
            said.contains(&format!("Fix: `git read-tree HEAD && rm -f .git/{ZERO}`")),
            "{said}"
        );
        assert!(!said.contains("git config"), "{said}");
        assert!(is_nameless(&format!("sharedindex.{}", "0".repeat(64))));
        assert!(!is_nameless(REAL));
    }

    #[test]
    fn a_git_directory_is_one_shell_word() {
        assert_eq!(shell_word("/srv/incidents/.git"), "/srv/incidents/.git");
        assert_eq!(
            shell_word("/srv/my incidents/.git"),
            "'/srv/my incidents/.git'"
        );
        assert_eq!(shell_word("/srv/it's/.git"), r"'/srv/it'\''s/.git'");
    }
}
