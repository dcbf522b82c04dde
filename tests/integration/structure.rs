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
        "safe_fs/archive.rs",
        "fs::read_to_string(",
        "a `.git` file's `gitdir:` line, to find the git directory (and its sparse-checkout file)",
    ),
    (
        "git/settings.rs",
        "fs::read_dir(",
        "the names of git's shared index files under .git (none is read)",
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
    (
        "settled.rs",
        "fs::read(",
        "the settled incidents' stores in the git directory (.git/mim/settled/, check-cache/), written by mim, size checked first",
    ),
    (
        "fingerprint.rs",
        "File::open(",
        "the running mim executable (std::env::current_exe), hashed for the caches' key",
    ),
    (
        "fingerprint.rs",
        "WalkDir::new(",
        "lists templates/ without following links for the caches' key; each file read with safe_fs",
    ),
];

/// Every `std::fs` read in `src/` outside the loading layer (`safe_fs.rs`) is on the
/// list above, so a new one (a reader that would follow a committed symbolic link to
/// `/proc/self/environ`, or read a file of any size) fails here until it goes through
/// `safe_fs` or is justified. What counts as a read is [`file_reads`]'s.
#[test]
fn every_file_read_goes_through_the_safe_reader() {
    let mut found = BTreeSet::new();
    let mut unlisted = Vec::new();
    for (path, code) in sources() {
        let file = path.to_string_lossy().replace('\\', "/");
        if file == "safe_fs.rs" || file == "properties.rs" {
            continue;
        }
        for (n, read, line) in file_reads(&code) {
            let listed = READS_OUTSIDE_SAFE_FS
                .iter()
                .any(|(f, r, _)| *f == file && *r == read);
            if listed {
                found.insert((file.clone(), read));
            } else {
                unlisted.push(format!("src/{file}:{n}: {line}"));
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

/// The ways code reads the filesystem: `std::fs`'s readers, `File` and `OpenOptions`,
/// `Path`'s own `read_dir`/`read_link`, and a directory walk.
const READS: [&str; 10] = [
    "fs::read(",
    "fs::read_to_string(",
    "fs::read_dir(",
    "fs::read_link(",
    "File::open(",
    "File::options(",
    "OpenOptions::new(",
    "WalkDir::new(",
    ".read_dir(",
    ".read_link(",
];

/// `(line, read, the line's text)` of each filesystem read in `code` (see [`READS`]),
/// outside `//` comments; `safe_fs::read(` is the safe reader itself. A reader imported
/// by name (`use std::fs::read_to_string;`, `use std::fs::{read, write}`), which would
/// then be called bare, is a read too (`use std::fs::`).
fn file_reads(code: &str) -> Vec<(usize, &'static str, String)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for read in READS {
            let unsafe_use = line
                .match_indices(read)
                .any(|(i, _)| !line[..i].ends_with("safe_"));
            if unsafe_use {
                out.push((n + 1, read, line.trim().to_string()));
            }
        }
        if let Some(i) = line.find("use std::fs::") {
            let names = &line[i + "use std::fs::".len()..];
            let imports_reader = names
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|name| name.starts_with("read"));
            if imports_reader {
                out.push((n + 1, "use std::fs::", line.trim().to_string()));
            }
        }
    }
    out
}

#[test]
fn the_file_read_finder_finds_reads() {
    let reads =
        |code: &str| -> Vec<&str> { file_reads(code).into_iter().map(|(_, r, _)| r).collect() };
    for (code, read) in [
        (
            "let t = std::fs::read_to_string(path)?;",
            "fs::read_to_string(",
        ),
        ("let b = fs::read(&p)?;", "fs::read("),
        ("for e in std::fs::read_dir(dir)? {}", "fs::read_dir("),
        ("let f = File::open(p)?;", "File::open("),
        (
            "let f = std::fs::File::options().read(true).open(p)?;",
            "File::options(",
        ),
        (
            "let f = OpenOptions::new().read(true).open(p)?;",
            "OpenOptions::new(",
        ),
        ("for e in walkdir::WalkDir::new(root) {}", "WalkDir::new("),
        ("for e in dir.read_dir()? {}", ".read_dir("),
        ("let to = path.read_link()?;", ".read_link("),
        ("use std::fs::read_to_string;", "use std::fs::"),
        ("use std::fs::{self, read};", "use std::fs::"),
    ] {
        assert_eq!(reads(code), [read], "a read: {code}");
    }
    for code in [
        "let t = crate::safe_fs::read_to_string(base, path)?;",
        "let b = safe_fs::read(base, path)?;",
        "// std::fs::read_to_string(path) would follow a link",
        "std::fs::write(path, text)?;",
        "use std::fs::{File, OpenOptions};",
        "let m = std::fs::symlink_metadata(p)?;",
    ] {
        assert!(reads(code).is_empty(), "not a read: {code}");
    }
}

/// The files where a timeline event kind (`Event::Name`) may be matched as a pattern,
/// each with why. Folding the timeline — turning its entries into status, clocks,
/// updates, a plan — is `state`'s alone (STYLE.md: "fold the timeline in `state` only;
/// give every other module a query"), so adding an event kind touches the model, the
/// derivation and the description, and the compiler points at each. Building an event
/// (`Event::Note { … }` as a value) is not a pattern and is allowed everywhere.
const EVENT_PATTERNS_ALLOWED: &[(&str, &str)] = &[
    (
        "model/timeline.rs",
        "the model and its description: each kind's name, status change, the names and \
         references it records, `describe` and `brief`",
    ),
    ("state.rs", "the derivation: the one fold of the timeline"),
    (
        "state/order.rs",
        "the derivation: which kinds bound which in time, which the status allows",
    ),
    ("state/pir.rs", "the derivation: the PIR's events"),
    (
        "sync/conflicts.rs",
        "a description: an entry set aside, as the command that records it again",
    ),
    (
        "commands/update.rs",
        "a writer: fills in the promise of the update entry it is recording",
    ),
];

/// No module outside the allowed files matches timeline event kinds (see
/// [`EVENT_PATTERNS_ALLOWED`]). What counts as a match is [`event_patterns`]'s: a variant
/// of the timeline's `Event` in a `match` arm (alone, in an or-pattern, inside a tuple or
/// struct pattern, with a guard), in `if let`/`while let`/`let … else`, or in `matches!`,
/// outside comments, string literals and test code.
#[test]
fn only_the_state_folds_the_timeline() {
    let variants = event_variants();
    assert!(variants.len() >= 20, "{variants:?}");
    let mut found = BTreeSet::new();
    let mut unlisted = Vec::new();
    for (path, code) in sources() {
        let file = path.to_string_lossy().replace('\\', "/");
        for (line, variant) in event_patterns(&code, &variants) {
            if EVENT_PATTERNS_ALLOWED.iter().any(|(f, _)| *f == file) {
                found.insert(file.clone());
            } else {
                unlisted.push(format!("src/{file}:{line}: Event::{variant}"));
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "timeline event kinds matched outside the state (fold them in `state::derive` and \
         query the state, or say in the model what an event carries; a description or a \
         writer goes on EVENT_PATTERNS_ALLOWED with the reason):\n{}",
        unlisted.join("\n")
    );
    let stale: Vec<String> = EVENT_PATTERNS_ALLOWED
        .iter()
        .filter(|(f, _)| !found.contains(*f))
        .map(|(f, why)| format!("src/{f} ({why})"))
        .collect();
    assert!(
        stale.is_empty(),
        "allowed files that no longer match event kinds (remove them from the list):\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_event_pattern_finder_tells_patterns_from_values() {
    let variants: BTreeSet<String> = ["Note", "Update", "Hold"].map(String::from).into();
    let patterns = |code: &str| -> Vec<String> {
        event_patterns(code, &variants)
            .into_iter()
            .map(|(_, v)| v)
            .collect()
    };
    for pattern in [
        "match e { Event::Note { text, .. } => 1, _ => 2 }",
        "match e { Event::Note { .. } | Event::Hold { .. } => 1, _ => 2 }",
        "match e { Event::Note { text, .. } if text.len() > f(a, b) => 1, _ => 2 }",
        "match (a, b) { (Event::Hold { .. }, x) => 1, _ => 2 }",
        "match e { Entry { event: Event::Note { .. }, .. } => 1, _ => 2 }",
        "if let Event::Note { text, .. } = &entry.event { f(text); }",
        "if let Some(Event::Note { text, .. }) = e { }",
        "let Event::Note { text, .. } = &entry.event else { return; };",
        "let yes = matches!(e.event, Event::Note { .. });",
        "let yes = matches!((&a, &b), (Event::Note { .. }, x) if x > 1);",
        "use crate::model::Event as E; fn f() { if let E::Hold { .. } = e {} }",
        "use crate::model::Event::*;",
        "use crate::model::timeline::Event::{Note, Hold};",
        "use crate::model::Event::Note;",
    ] {
        assert!(!patterns(pattern).is_empty(), "a pattern: {pattern}");
    }
    for value in [
        "let e = Event::Note { text, time: None };",
        "events.push(Event::Hold { from, reason: r.clone() });",
        "let entry = ctx.entry(&incident, Event::Note { text, time })?;",
        "match a { X => Event::Note { text }, Y => Event::Hold { from }, }",
        "match a { X => { Event::Note { text } } Y => f(Event::Hold { from }), Z => 1 }",
        "change(ctx, |from| Event::Hold { from, reason }, \"held\")",
        "let e = Entry { at, by, event: Event::Note { text } };",
        "// match e { Event::Note { .. } => 1 }",
        "let s = \"Event::Note { .. } => \";",
        "use crate::model::{Entry, Event};",
        "use crate::model::timeline::{self, Event, Reference};",
    ] {
        assert!(patterns(value).is_empty(), "a value: {value}");
    }
}

/// The variants of the timeline's `Event` enum, read from its definition.
fn event_variants() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model/timeline.rs");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("pub enum Event {").expect("the Event enum");
    let body = &text[start..];
    let end = body.find("\n}\n").expect("the end of the Event enum");
    body[..end]
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| l.trim_end_matches([' ', '{', ',', '(']).to_string())
        .collect()
}

/// `(line, variant)` of each timeline event variant used as a pattern in `code`.
///
/// The code is read as tokens (comments and literals left out). An `Event::V` (with `V`
/// one of `variants`, and its `{ … }` or `( … )`) is a pattern when, going left at its
/// own level or out of the groups around it, a `let` comes before any `;`, `=`, `=>`,
/// `fn` or `return` (`if let`, `while let`, `let … else`); or when, going right and
/// out of the groups around it, a `=>` comes with no `,` at its level (a match arm, also
/// inside a tuple or struct pattern), or the `)` of a `matches!`, before any `;`, `=`,
/// or the end of a block.
fn event_patterns(code: &str, variants: &BTreeSet<String>) -> Vec<(usize, String)> {
    let tokens = tokenize(code);
    let partner = partners(&tokens);
    let text = |i: usize| tokens.get(i).map_or("", |(t, _)| t.as_str());
    let mut out = Vec::new();
    // Another name for the enum (`use …::Event as E;`) is followed like `Event` itself;
    // its variants imported by name (`use …::Event::*`, `Event::{Note, Hold}`,
    // `Event::Note`) could be matched unseen, so the import is itself a finding.
    let mut names: BTreeSet<&str> = BTreeSet::from(["Event"]);
    for i in 0..tokens.len() {
        if text(i) != "use" {
            continue;
        }
        let mut k = i;
        while k < tokens.len() && text(k) != ";" {
            if text(k) == "Event" && text(k + 1) == "as" {
                names.insert(text(k + 2));
            } else if text(k) == "Event" && text(k + 1) == "::" {
                out.push((tokens[k].1, format!("{} (imported)", text(k + 2))));
            }
            k += 1;
        }
    }
    for i in 0..tokens.len() {
        if !names.contains(text(i)) || text(i + 1) != "::" || !variants.contains(text(i + 2)) {
            continue;
        }
        let mut after = i + 3;
        if matches!(text(after), "{" | "(") {
            after = partner[after] + 1;
        }
        if let_before(&tokens, &partner, i) || arm_after(&tokens, &partner, after) {
            out.push((tokens[i].1, text(i + 2).to_string()));
        }
    }
    out
}

/// A `let` to the left of token `i`, at its level or outside the groups around it.
fn let_before(tokens: &[(String, usize)], partner: &[usize], i: usize) -> bool {
    let mut k = i;
    while k > 0 {
        k -= 1;
        match tokens[k].0.as_str() {
            ")" | "]" | "}" => k = partner[k],
            "let" => return true,
            ";" | "=" | "=>" | "fn" | "return" => return false,
            _ => {}
        }
    }
    false
}

/// A match arm's `=>` (or a `matches!`'s end) to the right of token `k`: see
/// [`event_patterns`].
fn arm_after(tokens: &[(String, usize)], partner: &[usize], mut k: usize) -> bool {
    let text = |i: usize| tokens.get(i).map_or("", |(t, _)| t.as_str());
    let mut comma = false;
    while k < tokens.len() {
        match text(k) {
            "(" | "[" | "{" => k = partner[k],
            ")" => {
                let open = partner[k];
                if open >= 2 && text(open - 1) == "!" && text(open - 2) == "matches" {
                    return true;
                }
                comma = false;
            }
            "]" => comma = false,
            "}" => {
                // Out of a struct's braces (`Entry { … }`), not out of a block.
                let open = partner[k];
                let before = if open > 0 { text(open - 1) } else { "" };
                if !before.starts_with(|c: char| c.is_ascii_uppercase()) {
                    return false;
                }
                comma = false;
            }
            "," => comma = true,
            "=>" => return !comma,
            ";" | "=" => return false,
            _ => {}
        }
        k += 1;
    }
    false
}

/// For each delimiter token, the index of its partner (itself when unmatched).
fn partners(tokens: &[(String, usize)]) -> Vec<usize> {
    let mut partner: Vec<usize> = (0..tokens.len()).collect();
    let mut stack = Vec::new();
    for (i, (t, _)) in tokens.iter().enumerate() {
        match t.as_str() {
            "(" | "[" | "{" => stack.push(i),
            ")" | "]" | "}" => {
                if let Some(open) = stack.pop() {
                    partner[i] = open;
                    partner[open] = i;
                }
            }
            _ => {}
        }
    }
    partner
}

/// Rust source as `(token, line)`: identifiers, numbers and punctuation (`::`, `=>`,
/// `==` … as one token); comments left out, each literal as `""`.
fn tokenize(code: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && at(i + 1) == '/') {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == '"'
            || (c == 'b' && at(i + 1) == '"')
            || ((c == 'r' || (c == 'b' && at(i + 1) == 'r'))
                && matches!(at(i + 1 + usize::from(c == 'b')), '"' | '#'))
        {
            // A string: plain, byte, or raw with its hashes.
            let mut j = i + usize::from(c == 'b') + usize::from(at(i) == 'r' || at(i + 1) == 'r');
            let raw = at(i) == 'r' || (c == 'b' && at(i + 1) == 'r');
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                match at(j) {
                    '\0' => break,
                    '\\' if !raw => j += 2,
                    '"' if (1..=hashes).all(|h| at(j + h) == '#') => {
                        j += 1 + hashes;
                        break;
                    }
                    ch => {
                        line += usize::from(ch == '\n');
                        j += 1;
                    }
                }
            }
            out.push(("\"\"".to_string(), start_line));
            i = j;
        } else if c == '\'' {
            // A character literal, or a lifetime (`'a`).
            if at(i + 1) == '\\' {
                let mut j = i + 2;
                while at(j) != '\'' && at(j) != '\0' {
                    j += 1;
                }
                out.push(("\"\"".to_string(), line));
                i = j + 1;
            } else if at(i + 2) == '\'' {
                out.push(("\"\"".to_string(), line));
                i += 3;
            } else {
                i += 1;
                while at(i).is_alphanumeric() || at(i) == '_' {
                    i += 1;
                }
            }
        } else if c.is_alphanumeric() || c == '_' {
            let mut j = i;
            while at(j).is_alphanumeric() || at(j) == '_' {
                j += 1;
            }
            out.push((chars[i..j].iter().collect(), line));
            i = j;
        } else {
            let two: String = [c, at(i + 1)].iter().collect();
            let joined = [
                "::", "=>", "==", "!=", "<=", ">=", "->", "&&", "||", "..", "+=", "-=",
            ];
            let token = if joined.contains(&two.as_str()) {
                two
            } else {
                c.to_string()
            };
            i += token.chars().count();
            out.push((token, line));
        }
    }
    out
}
