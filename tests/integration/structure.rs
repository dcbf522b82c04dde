//! The shape of the code, as the `use crate::` paths draw it: no subcommand module uses
//! another, and the top-level modules form no cycle (data flows one way, STYLE.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its text less test code.
fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.extension().is_none_or(|e| e != "rs")
            || name == "tests.rs"
            || name.ends_with("_tests.rs")
        {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        // An inline test module ends the code; `mod tests;` (a file of its own, left
        // out above) does not.
        let code = match text.find("#[cfg(test)]\nmod tests {") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        out.push((path.strip_prefix(&root).unwrap().to_path_buf(), code));
    }
    out
}

/// The top-level module a file belongs to (`sla/engine.rs` → `sla`, `lib.rs` → `lib`).
fn top(path: &Path) -> String {
    let first = path
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The modules `crate::X` names in `code`, including `use crate::{a, b::c}`.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let lines: Vec<&str> = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let code = lines.join("\n");
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

#[test]
fn no_subcommand_module_uses_another() {
    let mut offenders = Vec::new();
    let commands: BTreeSet<String> = sources()
        .iter()
        .filter(|(p, _)| p.starts_with("commands") && p.file_name().unwrap() != "mod.rs")
        .map(|(p, _)| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for (path, code) in sources() {
        if !path.starts_with("commands") || path.file_name().unwrap() == "mod.rs" {
            continue;
        }
        let me = path.file_stem().unwrap().to_string_lossy().into_owned();
        for other in &commands {
            if other == &me {
                continue;
            }
            let uses = [
                format!("super::{other}::"),
                format!("super::{other};"),
                format!("commands::{other}::"),
                format!("commands::{{{other}"),
                format!("commands::{other};"),
                format!("commands::{other}}}"),
                format!(", {other}}};"),
            ];
            let imports_group = code.lines().any(|l| {
                l.contains("use crate::commands::{") && l.contains(&format!(" {other}"))
                    || l.contains("use crate::commands::{") && l.contains(&format!("{{{other}"))
            });
            if uses.iter().any(|u| code.contains(u.as_str())) || imports_group {
                offenders.push(format!("{} uses commands/{other}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let sources = sources();
    let modules: BTreeSet<String> = sources.iter().map(|(p, _)| top(p)).collect();
    for (path, code) in &sources {
        let from = top(path);
        if from == "lib" || from == "main" {
            continue;
        }
        for to in crate_refs(code) {
            if to != from && modules.contains(&to) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    let cycles = find_cycles(&graph);
    assert!(
        cycles.is_empty(),
        "module cycles (a → b means a uses b):\n{}",
        cycles.join("\n")
    );
}

/// Each strongly connected component of more than one module, as `a → b → a`.
fn find_cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let nodes: Vec<&String> = graph.keys().collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(n) = stack.pop() {
            for next in graph.get(&n).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        false
    };
    let mut out = Vec::new();
    for (from, tos) in graph {
        for to in tos {
            if reaches(to, from) {
                out.push(format!("{from} → {to} → … → {from}"));
            }
        }
    }
    let _ = nodes;
    out
}

/// The file reads that do not go through `safe_fs` (the loading layer's reader: no
/// symbolic link, bounded size), each with why it may stay. Anything mim reads from the
/// repository's work tree is not among them.
const READS_OUTSIDE_SAFE_FS: &[(&str, &str, &str)] = &[
    (
        "commands/intake.rs",
        "File::open(",
        "the alert payload named on the command line (`mim intake FILE`), not a repository file, read to intake.max_payload at most",
    ),
    (
        "git/index.rs",
        "OpenOptions::new(",
        "git's own index.lock under .git, created (never followed) and held across mim's commit",
    ),
    (
        "lock.rs",
        "OpenOptions::new(",
        "mim's own lock file under .git, created and held by mim",
    ),
    (
        "lock.rs",
        "File::open(",
        "the pid in mim's own lock file under .git, read 4 KiB at most",
    ),
    (
        "txn/journal.rs",
        "fs::read(",
        "mim's own transaction journal under .git",
    ),
    (
        "txn/journal.rs",
        "fs::read_dir(",
        "the journal's directory under .git, for leftovers of mim's own writes",
    ),
    (
        "txn/journal.rs",
        "File::open(",
        "the journal's directory under .git, opened to sync it",
    ),
    (
        "txn/git_state.rs",
        "fs::read_to_string(",
        "git's HEAD under .git, to name the branch in messages",
    ),
    (
        "txn/git_state.rs",
        "fs::read_dir(",
        "git's lock files under .git",
    ),
    (
        "txn/mod.rs",
        "fs::read_to_string(",
        "a `.git` file's `gitdir:` line, to find the git directory",
    ),
    (
        "txn/recover.rs",
        "fs::read_dir(",
        "git's lock files under .git, left by a killed git",
    ),
    (
        "git/commit.rs",
        "fs::read_to_string(",
        "COMMIT_EDITMSG under .git, after the commit-msg hook edited it",
    ),
    (
        "sync/record.rs",
        "fs::read_to_string(",
        "mim's own record of the remote (.git/mim-sync), written by mim",
    ),
    (
        "sync/checkout.rs",
        "fs::read_to_string(",
        "mim's own journal of a branch move (.git/mim-sync-move), written by mim",
    ),
    (
        "editor.rs",
        "File::open(",
        "the editor's temporary file (outside the repository), read as a text of bounded size",
    ),
    (
        "validate.rs",
        "WalkDir::new(",
        "lists incidents/ and templates/ without following links, to report links; reads no file",
    ),
];

/// Every `std::fs` read in `src/` outside the loading layer (`safe_fs.rs`) is on the
/// list above, so a new one (a reader that would follow a committed symbolic link to
/// `/proc/self/environ`, or read a file of any size) fails here until it goes through
/// `safe_fs` or is justified.
#[test]
fn every_file_read_goes_through_the_safe_reader() {
    const READS: [&str; 7] = [
        "fs::read(",
        "fs::read_to_string(",
        "fs::read_dir(",
        "File::open(",
        "OpenOptions::new(",
        "WalkDir::new(",
        "fs::read_link(",
    ];
    let mut found = BTreeSet::new();
    let mut unlisted = Vec::new();
    for (path, code) in sources() {
        let file = path.to_string_lossy().replace('\\', "/");
        if file == "safe_fs.rs" || file == "properties.rs" {
            continue;
        }
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for read in READS {
                // `safe_fs::read(` is the safe reader itself.
                let unsafe_use = line
                    .match_indices(read)
                    .any(|(i, _)| !line[..i].ends_with("safe_"));
                if !unsafe_use {
                    continue;
                }
                let listed = READS_OUTSIDE_SAFE_FS
                    .iter()
                    .any(|(f, r, _)| *f == file && *r == read);
                if listed {
                    found.insert((file.clone(), read));
                } else {
                    unlisted.push(format!("src/{file}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "file reads outside safe_fs (read repository files with crate::safe_fs, or add the \
         read to READS_OUTSIDE_SAFE_FS with the reason it may stay):\n{}",
        unlisted.join("\n")
    );
    let stale: Vec<String> = READS_OUTSIDE_SAFE_FS
        .iter()
        .filter(|(f, r, _)| !found.contains(&(f.to_string(), *r)))
        .map(|(f, r, why)| format!("src/{f}: {r} ({why})"))
        .collect();
    assert!(
        stale.is_empty(),
        "allowed reads that are no longer there (remove them from the list):\n{}",
        stale.join("\n")
    );
}
