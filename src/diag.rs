//! Diagnostics about user files: `path:line:column: message`, with the offending line and a caret.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one user file. Line and column are 1-based; 0 means unknown.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line and caret, when the text is at hand.
    #[serde(skip)]
    pub excerpt: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            excerpt: None,
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    /// Attach the line of `source` the diagnostic points at, with a caret under the column.
    pub fn with_source(mut self, source: &str) -> Self {
        if self.line == 0 {
            return self;
        }
        if let Some(text) = source.lines().nth(self.line - 1) {
            let text: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(200)
                .collect();
            let caret_at = self.column.saturating_sub(1).min(text.chars().count());
            let pad: String = text
                .chars()
                .take(caret_at)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            self.excerpt = Some(format!("{:>5} | {text}\n      | {pad}^", self.line));
        }
        self
    }

    /// A diagnostic from a serde_yaml error, positioned where the parser stopped.
    /// Errors raised while checking a value (a duration, a time zone) are reported by
    /// the parser at the enclosing mapping; when the message quotes the value, the
    /// position is moved to where that value is written.
    pub fn from_yaml(file: &Path, source: &str, err: &serde_yaml::Error) -> Self {
        let message = yaml_message(err);
        let Some(loc) = err.location() else {
            return Diagnostic::new(file, message);
        };
        let (line, column) = quoted_value(&message)
            .and_then(|value| find_value(source, value, loc.line()))
            .unwrap_or((loc.line(), loc.column()));
        let lines = source.lines().count().max(1);
        // "end of stream" errors point past the last line: show the last one.
        let line = line.min(lines);
        Diagnostic::new(file, message)
            .at(line, column)
            .with_source(source)
    }

    /// The `path:line:col` prefix.
    pub fn position(&self) -> String {
        match (self.line, self.column) {
            (0, _) => self.file.display().to_string(),
            (l, 0) => format!("{}:{l}", self.file.display()),
            (l, c) => format!("{}:{l}:{c}", self.file.display()),
        }
    }
}

/// The first `quoted` value of a message such as "invalid duration `15x`: …".
fn quoted_value(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    let value = &message[start..start + len];
    (!value.is_empty()).then_some(value)
}

/// Where `value` is written as a YAML value (after `: `, `- `, `[`, `{` or `, `, maybe
/// quoted), searching from line `from` on; 1-based line and column.
fn find_value(source: &str, value: &str, from: usize) -> Option<(usize, usize)> {
    for (i, text) in source.lines().enumerate().skip(from.saturating_sub(1)) {
        let mut start = 0;
        while let Some(pos) = text[start..].find(value) {
            let at = start + pos;
            let before = text[..at].trim_end_matches(['"', '\'']);
            let after = text[at + value.len()..].trim_start_matches(['"', '\'']);
            let starts = before.is_empty()
                || before.ends_with(": ")
                || before.ends_with(':')
                || before.ends_with("- ")
                || before.ends_with('[')
                || before.ends_with('{')
                || before.ends_with(", ")
                || before.ends_with(',');
            let ends = after.is_empty() || after.starts_with([',', ']', '}', ' ', '#']);
            if starts && ends {
                return Some((i + 1, at + 1));
            }
            start = at + value.len();
        }
    }
    None
}

/// serde_yaml appends " at line L column C" to its messages; we print the position first instead.
fn yaml_message(err: &serde_yaml::Error) -> String {
    let text = err.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position(), self.message)?;
        if let Some(excerpt) = &self.excerpt {
            write!(f, "\n{excerpt}")?;
        }
        Ok(())
    }
}

/// Several diagnostics reported together; an error type so commands can fail with all of them.
#[derive(Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// One step of a path into a YAML document: a key of a mapping, or the `n`-th item
/// (from 0) of a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Item(usize),
}

/// Find where a key path (`["priority_matrix", "high", "medium"]`) is written in a YAML
/// text: [`locate_path`] with keys only.
pub fn locate(source: &str, keys: &[&str]) -> (usize, usize) {
    let path: Vec<Step> = keys.iter().map(|k| Step::Key(k)).collect();
    locate_path(source, &path)
}

/// Where a path (`[Key("workstreams"), Item(2)]`, `[Item(7)]` for a timeline's eighth
/// entry) is written in a YAML text, for problems found after parsing: the 1-based line
/// and column of the deepest step found, `(0, 0)` when not even the first is. It reads
/// block mappings and sequences, and flow mappings on one line, which is how mim's files
/// are written. The one locator of positions in parsed YAML: mim.yaml, incident.yaml,
/// timelines and plans use it.
pub fn locate_path(source: &str, path: &[Step]) -> (usize, usize) {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = (0, 0);
    let mut start = 0;
    let mut parent_indent: Option<usize> = None;
    // Where on the parent's line its value starts: a flow mapping may continue there.
    let mut same_line: Option<(usize, usize)> = None;
    for step in path {
        let hit = match *step {
            Step::Key(key) => {
                let on_parent_line = same_line.and_then(|(line, from)| {
                    find_key(lines[line].get(from..)?, key).map(|col| (line, from + col))
                });
                on_parent_line.or_else(|| find_block_key(&lines, start, parent_indent, key))
            }
            Step::Item(n) => find_item(&lines, start, parent_indent, n),
        };
        let Some((line, col)) = hit else { break };
        found = (line + 1, col + 1);
        let text = lines[line];
        let indent = text.len() - text.trim_start().len();
        (parent_indent, same_line) = match *step {
            Step::Key(key) => (Some(indent), Some((line, col + key.len() + 1))),
            // The item's own mapping starts after its `- `.
            Step::Item(_) => (Some(indent), Some((line, col + 2))),
        };
        start = line + 1;
    }
    found
}

/// `(line, byte column)` of `key` as a key of the block mapping under a line indented
/// `parent` (the top level: `None`), searching from line `start`.
fn find_block_key(
    lines: &[&str],
    start: usize,
    parent: Option<usize>,
    key: &str,
) -> Option<(usize, usize)> {
    for (i, text) in lines.iter().enumerate().skip(start) {
        let indent = text.len() - text.trim_start().len();
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(p) = parent {
            if i > start && indent <= p {
                return None;
            }
        } else if indent > 0 {
            continue;
        }
        if let Some(col) = find_key(text, key) {
            return Some((i, col));
        }
    }
    None
}

/// `(line, byte column of its dash)` of item `n` of the block sequence under a line
/// indented `parent`, searching from line `start`. A sequence may be indented as much as
/// its key (`key:` then `- a`). At the top level (`parent` is `None`) the items are the
/// lines that start with `- ` in the first column, and other lines there (`---`, a
/// conflict marker) are passed over.
fn find_item(
    lines: &[&str],
    start: usize,
    parent: Option<usize>,
    n: usize,
) -> Option<(usize, usize)> {
    let mut item_indent = parent.is_none().then_some(0);
    let mut seen = 0;
    for (i, text) in lines.iter().enumerate().skip(start) {
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = text.len() - trimmed.len();
        let is_item = trimmed == "-" || trimmed.starts_with("- ");
        let at = *item_indent.get_or_insert(indent);
        if parent.is_some_and(|p| indent < p || (indent == p && !is_item)) || indent < at {
            return None;
        }
        if indent > at {
            continue;
        }
        if !is_item {
            if parent.is_none() {
                continue;
            }
            return None;
        }
        if seen == n {
            return Some((i, indent));
        }
        seen += 1;
    }
    None
}

/// The 1-based line where the `index`-th item (from 0) of a top-level YAML sequence,
/// a timeline's entry, starts; 0 when there is no such item.
pub fn item_line(source: &str, index: usize) -> usize {
    locate_path(source, &[Step::Item(index)]).0
}

/// Byte offset of `key:` in `text` where it stands as a key (start, or after space `{` `,` `-`).
fn find_key(text: &str, key: &str) -> Option<usize> {
    let pattern = format!("{key}:");
    let mut from = 0;
    while let Some(pos) = text[from..].find(&pattern) {
        let at = from + pos;
        let before = text[..at].chars().last();
        let after = text[at + pattern.len()..].chars().next();
        let key_start = matches!(before, None | Some(' ' | '{' | ',' | '-' | '\t'));
        let key_end = matches!(after, None | Some(' ' | '\t'));
        if key_start && key_end {
            return Some(at);
        }
        from = at + pattern.len();
    }
    None
}

/// The 1-based line of the first git conflict marker, if any.
pub fn conflict_marker(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.starts_with("<<<<<<< ") || l == "=======" || l.starts_with(">>>>>>> "))
        .map(|i| i + 1)
}

/// Read a file below `base` as text, without following symbolic links (see
/// [`crate::safe_fs`]); problems come back as a diagnostic about `shown`, positioned
/// at the first byte that is not UTF-8.
pub fn read_text(base: &Path, path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    let bytes = crate::safe_fs::read(base, path)
        .map_err(|e| Diagnostic::new(shown, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[start..]).chars().count() + 1;
        Diagnostic::new(
            shown,
            "not UTF-8 text: mim's files are UTF-8; fix the encoding",
        )
        .at(line, column)
    })
}

/// [`read_text`], with a missing file as `None`.
pub fn read_optional(base: &Path, path: &Path, shown: &Path) -> Result<Option<String>, Diagnostic> {
    match crate::safe_fs::kind(base, path) {
        Ok(crate::safe_fs::Kind::Missing) => Ok(None),
        _ => read_text(base, path, shown).map(Some),
    }
}

/// `word` with its indefinite article, for messages: `an accepted`, `a proposed`,
/// `an onsite`, `a vendor`.
pub fn article(word: &str) -> String {
    let an = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if an { "an" } else { "a" })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "organization:\n  name: X\npriority_matrix:\n  high:   {high: P1, medium: P2}\n  low:\n    high: P3\npriorities:\n  P1: {major: true}\n";

    #[test]
    fn locates_block_and_flow_keys() {
        assert_eq!(locate(SRC, &["organization", "name"]), (2, 3));
        assert_eq!(locate(SRC, &["priority_matrix", "high", "medium"]), (4, 22));
        assert_eq!(locate(SRC, &["priority_matrix", "low", "high"]), (6, 5));
        assert_eq!(locate(SRC, &["priorities", "P1", "major"]), (8, 8));
        // Missing keys fall back to the deepest key found.
        assert_eq!(locate(SRC, &["priorities", "P9"]), (7, 1));
        assert_eq!(locate(SRC, &["nothing"]), (0, 0));
    }

    #[test]
    fn locates_sequence_items() {
        let timeline = "# header\n---\n- {at: a, event: note}\n\n- at: b\n  event: note\n  text: |\n    - not an item\n-\n  at: c\n";
        assert_eq!(item_line(timeline, 0), 3);
        assert_eq!(item_line(timeline, 1), 5);
        assert_eq!(item_line(timeline, 2), 9);
        assert_eq!(item_line(timeline, 3), 0);
        let plan = "bridge: x\nworkstreams:\n- {name: a, owner: b}\n  # note\n- name: c\n  owner: d\nstakeholders:\n  - who: e\n    via: email\n  - who: f\ncadence: {internal: 30m}\n";
        let at = |path: &[Step]| locate_path(plan, path);
        assert_eq!(at(&[Step::Key("workstreams"), Step::Item(0)]), (3, 1));
        assert_eq!(at(&[Step::Key("workstreams"), Step::Item(1)]), (5, 1));
        assert_eq!(
            at(&[Step::Key("workstreams"), Step::Item(1), Step::Key("owner")]),
            (6, 3)
        );
        // A missing item falls back to its sequence's key.
        assert_eq!(at(&[Step::Key("workstreams"), Step::Item(2)]), (2, 1));
        assert_eq!(at(&[Step::Key("stakeholders"), Step::Item(1)]), (10, 3));
        assert_eq!(
            at(&[Step::Key("stakeholders"), Step::Item(0), Step::Key("via")]),
            (9, 5)
        );
        assert_eq!(at(&[Step::Key("cadence"), Step::Key("internal")]), (11, 11));
        assert_eq!(at(&[Step::Key("cadence"), Step::Item(0)]), (11, 1));
    }

    #[test]
    fn a_quoted_value_moves_the_position_to_where_it_is_written() {
        let src = "organization:\n  name: X\n  timezone: Europe/Londn\nat_risk: 75 # share\nhours: \"18:00-08:00\"\n";
        assert_eq!(find_value(src, "Europe/Londn", 1), Some((3, 13)));
        assert_eq!(find_value(src, "75", 1), Some((4, 10)));
        assert_eq!(find_value(src, "18:00-08:00", 1), Some((5, 9)));
        assert_eq!(find_value(src, "X", 3), None);
        assert_eq!(
            quoted_value("invalid duration `15x`: expected"),
            Some("15x")
        );
    }

    #[test]
    fn renders_position_and_caret() {
        let d = Diagnostic::new(Path::new("mim.yaml"), "bad")
            .at(2, 9)
            .with_source(SRC);
        assert_eq!(
            d.to_string(),
            "mim.yaml:2:9: bad\n    2 |   name: X\n      |         ^"
        );
    }
}
