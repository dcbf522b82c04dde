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
        let code = match text.find("#[cfg(test)]\nmod tests") {
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
