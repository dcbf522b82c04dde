//! `src/commands/` is one file per subcommand, named after it, and no command uses
//! another (ARCHITECTURE.md, "Where to add a command"): what several commands share
//! lives outside `commands/`. The paths a file names are read whole — `use` groups over
//! several lines, `super::`, paths in expressions — so no spelling slips past.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::mim_bin;

fn commands_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands")
}

/// Every `.rs` file under `src/commands/` (test files left out) as its module path below
/// `commands` (`note.rs` → `[note]`, `pir/mod.rs` → `[pir]`, `mod.rs` → `[]`), with
/// its code: comments removed, and the code after an inline test module cut off.
fn command_files() -> Vec<(Vec<String>, PathBuf, String)> {
    let root = commands_dir();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_none_or(|e| e != "rs")
            || name == "tests.rs"
            || name.ends_with("_tests.rs")
        {
            continue;
        }
        let rel = path.strip_prefix(&root).unwrap();
        let mut module: Vec<String> = rel
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        let text = std::fs::read_to_string(path).unwrap();
        let code = match text.find("#[cfg(test)]\nmod tests {") {
            Some(i) => &text[..i],
            None => &text,
        };
        let code: Vec<&str> = code
            .lines()
            .map(|l| l.find("//").map_or(l, |i| &l[..i]))
            .collect();
        out.push((module, rel.to_path_buf(), code.join("\n")));
    }
    out
}

/// The paths `code` names that start with `crate::commands::` or `super::`, with `use`
/// groups expanded (`crate::commands::{a, b::c}` → `crate::commands::a`,
/// `crate::commands::b::c`) and whitespace dropped.
fn paths(code: &str) -> Vec<String> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    for start in ["crate::commands::", "super::"] {
        for (i, _) in code.match_indices(start) {
            // `super::super::x` is found once, at its first `super::`.
            if start == "super::" && code[..i].ends_with("super::") {
                continue;
            }
            expand(&code[i..], "", &mut out);
        }
    }
    out
}

/// The paths at the head of `text` (a path, maybe ending in a `{…}` group), after `prefix`.
fn expand(text: &str, prefix: &str, out: &mut Vec<String>) {
    if text.is_empty() {
        return; // after a trailing comma in a group
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | ':' | '*')))
        .unwrap_or(text.len());
    let head = format!("{prefix}{}", &text[..end]);
    let rest = &text[end..];
    let Some(group) = rest.strip_prefix('{') else {
        out.push(head.trim_end_matches(':').to_string());
        return;
    };
    let mut depth = 0;
    let mut item_start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                expand(&group[item_start..i], &head, out);
                return;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&group[item_start..i], &head, out);
                item_start = i + 1;
            }
            _ => {}
        }
    }
}

/// The module below `commands` that `path`, named in the file of module `me`, points into.
fn resolve(me: &[String], path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    if parts.starts_with(&["crate", "commands"]) {
        return parts[2..].iter().map(|p| p.to_string()).collect();
    }
    // `super::` from `a/b.rs` is `a`; from `a/mod.rs` (module `a`) it is `commands`.
    let mut base: Vec<String> = me.to_vec();
    let mut rest = parts.as_slice();
    while let Some(("super", tail)) = rest.split_first().map(|(h, t)| (*h, t)) {
        base.pop();
        rest = tail;
    }
    base.extend(rest.iter().map(|p| p.to_string()));
    base
}

/// The uses of one command by another: each file's `crate::commands::…` and `super::…`
/// paths that lead into a command module other than its own (a group's table, like
/// `pir/mod.rs`, may name its own subcommands; `commands/mod.rs` is the table of all).
fn cross_uses() -> Vec<String> {
    let files = command_files();
    let modules: BTreeSet<Vec<String>> = files
        .iter()
        .map(|(m, _, _)| m.clone())
        .filter(|m| !m.is_empty())
        .collect();
    let mut found = Vec::new();
    for (me, rel, code) in &files {
        if me.is_empty() {
            continue;
        }
        let is_mod_rs = rel.ends_with("mod.rs");
        for path in paths(code) {
            let target = resolve(me, &path);
            // `use super::*` reaches every command the parent module declares.
            if let Some((last, parent)) = target.split_last()
                && last == "*"
                && parent.len() < me.len()
                && me.starts_with(parent)
            {
                found.push(format!(
                    "src/commands/{} glob-imports the commands of its parent (`{path}`)",
                    rel.display()
                ));
                continue;
            }
            // The longest command module the path leads into.
            let Some(command) = (1..=target.len())
                .rev()
                .map(|n| target[..n].to_vec())
                .find(|m| modules.contains(m))
            else {
                continue;
            };
            let own = &command == me;
            let own_child = is_mod_rs && command.len() == me.len() + 1 && command.starts_with(me);
            if !own && !own_child {
                found.push(format!(
                    "src/commands/{} uses commands::{} (`{path}`)",
                    rel.display(),
                    command.join("::")
                ));
            }
        }
    }
    found
}

#[test]
fn no_command_file_imports_another_command() {
    let found = cross_uses();
    assert!(
        found.is_empty(),
        "a command module uses another; move what they share out of commands/:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_import_scanner_sees_every_spelling() {
    let me = |m: &[&str]| m.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let grouped = "use crate::commands::{\n    close,\n    pir::start::run,\n};";
    let found: Vec<Vec<String>> = paths(grouped)
        .iter()
        .map(|p| resolve(&me(&["note"]), p))
        .collect();
    assert_eq!(found, vec![me(&["close"]), me(&["pir", "start", "run"])]);
    let sibling = paths("fn f() { super::review::run(ctx, args) }");
    assert_eq!(
        resolve(&me(&["pir", "start"]), &sibling[0]),
        me(&["pir", "review", "run"])
    );
    let up = paths("use super::super::note;");
    assert_eq!(up, vec!["super::super::note".to_string()]);
    assert_eq!(resolve(&me(&["pir", "start"]), &up[0]), me(&["note"]));
    let glob = paths("use super::*;");
    assert_eq!(resolve(&me(&["hold"]), &glob[0]), me(&["*"]));
}

/// The subcommands `mim ARGS --help` lists, less `help`.
fn subcommands(args: &[&str]) -> BTreeSet<String> {
    let out = Command::new(mim_bin())
        .args(args)
        .arg("--help")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "mim {args:?} --help failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut names = BTreeSet::new();
    let mut in_commands = false;
    for line in text.lines() {
        if line == "Commands:" {
            in_commands = true;
        } else if in_commands && line.starts_with("  ") && !line.starts_with("   ") {
            let name = line.split_whitespace().next().unwrap().to_string();
            if name != "help" {
                names.insert(name);
            }
        } else if in_commands && !line.starts_with(' ') {
            in_commands = false;
        }
    }
    names
}

/// Each file of `commands/` (and of a group's folder, like `commands/pir/`) is named
/// after a subcommand, and each subcommand has its file.
#[test]
fn each_command_file_is_named_after_its_subcommand() {
    let files = command_files();
    // `commands` itself and each folder in it (a group like `pir`).
    let groups: BTreeSet<Vec<String>> = files
        .iter()
        .filter(|(m, rel, _)| m.is_empty() || rel.ends_with("mod.rs"))
        .map(|(m, _, _)| m.clone())
        .collect();
    assert!(groups.len() > 1, "the groups of src/commands/: {groups:?}");
    for group in groups {
        let files: BTreeSet<String> = files
            .iter()
            .filter(|(m, _, _)| m.len() == group.len() + 1 && m.starts_with(&group))
            .map(|(m, _, _)| m.last().unwrap().clone())
            .collect();
        let args: Vec<&str> = group.iter().map(String::as_str).collect();
        assert_eq!(
            files,
            subcommands(&args),
            "the files of src/commands/{} and the subcommands of `mim {}`",
            group.join("/"),
            group.join(" ")
        );
    }
}
