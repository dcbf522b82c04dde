//! Functions a newcomer can read in one screen: no non-test function in `src/` is longer
//! than 80 lines, except the few tables listed in `.ci/long-functions.txt`, each with
//! why it stands (a match that is clearer as one table than split).

use std::path::Path;

const LIMIT: usize = 80;

/// A function of `src/`: its file, name, first line and length in lines.
#[derive(Debug)]
struct Function {
    file: String,
    name: String,
    line: usize,
    lines: usize,
}

/// `text` with comments, strings and character literals blanked (newlines kept), so
/// braces in them do not count.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        out.extend([b' ', b' ']);
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        out.extend([b' ', b' ']);
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        blank(&mut out, b[i]);
                        i += 1;
                    }
                }
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                // A raw string: r"…", r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    out.push(b[i]);
                    i += 1;
                    continue;
                }
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let end = b[j + 1..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(b.len(), |p| j + 1 + p + close.len());
                for &c in &b[i..end] {
                    blank(&mut out, c);
                }
                i = end;
            }
            b'"' => {
                blank(&mut out, b[i]);
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    let step = if b[i] == b'\\' { 2 } else { 1 };
                    for &c in &b[i..(i + step).min(b.len())] {
                        blank(&mut out, c);
                    }
                    i += step;
                }
                if i < b.len() {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
            b'\'' => {
                // A character literal ('{', '\'', '\u{7b}'), or a lifetime ('a).
                let lit = if b.get(i + 1) == Some(&b'\\') {
                    text[i + 2..].find('\'').map(|p| i + 2 + p + 1)
                } else {
                    let c = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (b.get(i + 1 + c) == Some(&b'\'')).then_some(i + 2 + c)
                };
                match lit {
                    Some(end) => {
                        for &c in &b[i..end] {
                            blank(&mut out, c);
                        }
                        i = end;
                    }
                    None => {
                        out.push(b[i]);
                        i += 1;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The functions of one file's code (test modules left out): a line whose code starts
/// with `fn`, after `pub`, `pub(crate)`, `const`, `async` or `unsafe`, up to the brace
/// that closes its body.
fn functions(file: &str, text: &str) -> Vec<Function> {
    let code = code_only(text);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    let mut skip_until = 0;
    for (n, line) in lines.iter().enumerate() {
        if n < skip_until {
            continue;
        }
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            // The item after it (a test module or a test helper) is test code.
            skip_until = block_end(&lines, n + 1).map_or(lines.len(), |e| e + 1);
            continue;
        }
        let mut rest = t;
        for word in [
            "pub(crate) ",
            "pub(super) ",
            "pub ",
            "const ",
            "async ",
            "unsafe ",
        ] {
            rest = rest.strip_prefix(word).unwrap_or(rest);
        }
        let Some(sig) = rest.strip_prefix("fn ") else {
            continue;
        };
        let name: String = sig
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if let Some(end) = block_end(&lines, n) {
            out.push(Function {
                file: file.to_string(),
                name,
                line: n + 1,
                lines: end - n + 1,
            });
        }
    }
    out
}

/// The line on which the first `{` from line `from` is closed; none when a `;` comes
/// first (a declaration without a body).
fn block_end(lines: &[&str], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut opened = false;
    for (n, line) in lines.iter().enumerate().skip(from) {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => {
                    depth = depth.saturating_sub(1);
                    if opened && depth == 0 {
                        return Some(n);
                    }
                }
                ';' if !opened => return None,
                _ => {}
            }
        }
    }
    None
}

/// Every non-test function of `src/`.
fn all_functions() -> Vec<Function> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
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
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        out.extend(functions(&rel, &text));
    }
    out
}

/// `.ci/long-functions.txt`: `file fn-name  # why`, one a line.
fn allowed() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/long-functions.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (file, name) = l.split_once(' ').expect("`file fn-name  # why`");
            (file.trim().to_string(), name.trim().to_string())
        })
        .collect()
}

#[test]
fn no_function_is_longer_than_80_lines_but_the_listed_tables() {
    let allowed = allowed();
    let long: Vec<String> = all_functions()
        .into_iter()
        .filter(|f| f.lines > LIMIT)
        .filter(|f| {
            !allowed
                .iter()
                .any(|(file, name)| *file == f.file && *name == f.name)
        })
        .map(|f| {
            format!(
                "src/{}:{} fn {} ({} lines)",
                f.file, f.line, f.name, f.lines
            )
        })
        .collect();
    assert!(
        long.is_empty(),
        "{} functions over {LIMIT} lines (split them, or list a table in .ci/long-functions.txt with why):\n{}",
        long.len(),
        long.join("\n")
    );
}

#[test]
fn the_allow_list_is_short_and_names_only_long_functions() {
    let functions = all_functions();
    let allowed = allowed();
    assert!(
        allowed.len() <= 8,
        "{} allowed: keep the list short",
        allowed.len()
    );
    for (file, name) in &allowed {
        let f = functions
            .iter()
            .find(|f| f.file == *file && f.name == *name)
            .unwrap_or_else(|| panic!(".ci/long-functions.txt: no fn {name} in src/{file}"));
        assert!(
            f.lines > LIMIT,
            ".ci/long-functions.txt: src/{file} fn {name} is {} lines now: take it off the list",
            f.lines
        );
    }
}

#[test]
fn the_counter_sees_through_strings_comments_and_test_code() {
    let text = r##"
/// A doc comment with { a brace
pub(crate) fn one(a: &str) -> char {
    let s = "}}}";
    let r = r#"{"#;
    let c = '}';
    // }
    let _ = (s, r, a);
    c
}

fn two<'a>(x: &'a str) -> &'a str { x }

#[cfg(test)]
mod tests {
    fn three() {
    }
}
"##;
    let found = functions("x.rs", text);
    let got: Vec<(&str, usize, usize)> = found
        .iter()
        .map(|f| (f.name.as_str(), f.line, f.lines))
        .collect();
    assert_eq!(got, [("one", 3, 8), ("two", 12, 1)]);
}
