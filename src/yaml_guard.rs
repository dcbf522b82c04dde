//! Bounds on YAML before it is parsed: size and nesting depth.
//!
//! The YAML parser's cost grows with the square of flow nesting (`{a: {a: {a: …`), so a
//! 400 KB hostile file took a minute to reject. This scan is linear, understands just
//! enough YAML (quotes, comments, block scalars, flow and block collections) to measure
//! how deep the nesting goes, and refuses a file past the limits with the line and
//! column where it goes too deep — long before the parser would see it. mim's own files
//! nest three or four levels.

use std::ops::ControlFlow;

/// The deepest nesting of collections accepted in a YAML file.
pub const MAX_DEPTH: usize = 64;
/// The largest YAML text accepted, in bytes: what mim reads of any file
/// ([`crate::limits::FILE_BYTES`]), so a file mim wrote is never too large to parse.
pub const MAX_BYTES: usize = crate::limits::FILE_BYTES as usize;

/// Why a YAML text was refused, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Check `text` against [`MAX_BYTES`] and [`MAX_DEPTH`].
pub fn check(text: &str) -> Result<(), Refusal> {
    if text.len() > MAX_BYTES {
        return Err(Refusal {
            line: 1,
            column: 1,
            message: format!(
                "the file is too large for YAML ({} bytes; at most {} MiB)",
                text.len(),
                MAX_BYTES / (1024 * 1024)
            ),
        });
    }
    Scanner::default().run(text)
}

/// [`check`] as a diagnostic about `file`, with the offending line and a caret.
pub fn diagnose(file: &std::path::Path, text: &str) -> Result<(), crate::diag::Diagnostic> {
    check(text).map_err(|r| {
        crate::diag::Diagnostic::new(file, r.message)
            .at(r.line, r.column)
            .with_source(text)
    })
}

#[derive(Default)]
struct Scanner {
    /// Open flow collections (`[`, `{`).
    flow: usize,
    /// Indentation of the open block collections.
    blocks: Vec<usize>,
    /// Inside a quoted scalar that continues on the next line.
    quote: Option<char>,
    /// Inside a block scalar (`|`, `>`) whose parent is indented this much.
    block_scalar: Option<usize>,
}

impl Scanner {
    fn run(mut self, text: &str) -> Result<(), Refusal> {
        for (n, line) in text.lines().enumerate() {
            self.line(n + 1, line)?;
        }
        Ok(())
    }

    fn too_deep(line: usize, column: usize) -> Refusal {
        Refusal {
            line,
            column,
            message: format!(
                "nested more than {MAX_DEPTH} levels deep: no mim file needs that; mim does not read it"
            ),
        }
    }

    /// Scan line `number`: past a block scalar's text, then its block structure, then its
    /// quotes and flow collections.
    fn line(&mut self, number: usize, line: &str) -> Result<(), Refusal> {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if let Some(parent) = self.block_scalar {
            if rest.trim().is_empty() || indent > parent {
                return Ok(());
            }
            self.block_scalar = None;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = line[..indent].chars().count();
        if self.quote.is_none() && self.flow == 0 {
            match self.open_blocks(number, indent, rest, &chars, i)? {
                Some(start) => i = start,
                None => return Ok(()),
            }
        }
        let mut value_start = true;
        while i < chars.len() {
            if let Some(q) = self.quote {
                i += self.quoted(q, &chars, i, &mut value_start);
                continue;
            }
            if self.plain(number, indent, &chars, i, &mut value_start)? == ControlFlow::Break(()) {
                return Ok(());
            }
            i += 1;
        }
        Ok(())
    }

    /// Outside quotes and flow collections, a line starting at `indent`: close the block
    /// collections it ends, open the one it is in and one per `- ` or `? ` it starts with.
    /// The index in `chars` of what follows, or None for a blank or comment line.
    fn open_blocks(
        &mut self,
        number: usize,
        indent: usize,
        rest: &str,
        chars: &[char],
        mut i: usize,
    ) -> Result<Option<usize>, Refusal> {
        if rest.trim().is_empty() || rest.starts_with('#') {
            return Ok(None);
        }
        while self.blocks.last().is_some_and(|&b| b >= indent) {
            self.blocks.pop();
        }
        self.blocks.push(indent);
        // `- - - x` opens a sequence per dash on one line.
        while i + 1 < chars.len() && matches!(chars[i], '-' | '?') && chars[i + 1] == ' ' {
            self.blocks.push(indent + 1);
            i += 2;
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
        }
        if self.blocks.len() > MAX_DEPTH {
            return Err(Self::too_deep(number, i + 1));
        }
        Ok(Some(i))
    }

    /// Inside a scalar quoted with `q`: note where it closes at `chars[i]`. How many
    /// characters to move on (2 over an escape or a doubled `''`).
    fn quoted(&mut self, q: char, chars: &[char], i: usize, value_start: &mut bool) -> usize {
        let c = chars[i];
        if q == '"' && c == '\\' {
            return 2;
        }
        if c == q {
            if q == '\'' && chars.get(i + 1) == Some(&'\'') {
                return 2;
            }
            self.quote = None;
            *value_start = false;
        }
        1
    }

    /// Outside quotes: what `chars[i]` opens or closes (a quote, a flow collection, a
    /// block scalar), and whether a value may start after it. Break at a comment or a
    /// block scalar: the rest of the line is not YAML structure.
    fn plain(
        &mut self,
        number: usize,
        indent: usize,
        chars: &[char],
        i: usize,
        value_start: &mut bool,
    ) -> Result<ControlFlow<()>, Refusal> {
        let c = chars[i];
        let after_space = i == 0 || chars[i - 1] == ' ' || chars[i - 1] == '\t';
        match c {
            '#' if after_space => return Ok(ControlFlow::Break(())),
            '"' | '\'' if *value_start => self.quote = Some(c),
            '[' | '{' if self.flow > 0 || *value_start => {
                self.flow += 1;
                if self.blocks.len() + self.flow > MAX_DEPTH {
                    return Err(Self::too_deep(number, i + 1));
                }
                *value_start = true;
            }
            ']' | '}' if self.flow > 0 => {
                self.flow -= 1;
                *value_start = false;
            }
            ',' if self.flow > 0 => *value_start = true,
            ':' if chars.get(i + 1).is_none_or(|n| *n == ' ' || *n == '\t')
                || (self.flow > 0 && chars.get(i + 1).is_some_and(|n| ",[]{}".contains(*n))) =>
            {
                *value_start = true;
            }
            '|' | '>' if *value_start && self.flow == 0 => {
                self.block_scalar = Some(indent);
                return Ok(ControlFlow::Break(()));
            }
            ' ' | '\t' => {}
            _ => *value_start = false,
        }
        Ok(ControlFlow::Continue(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mim_files_pass() {
        let config = crate::config::DEFAULT_CONFIG;
        assert_eq!(check(config), Ok(()));
        let timeline = "# header\n- {at: 2026-11-24T09:00:00Z, by: \"A {b} [c]\", event: note, text: \"x: {y}\"}\n";
        assert_eq!(check(timeline), Ok(()));
        let block = "a:\n  b: |\n    {{{{{{{{ [[[[[[[[[[ not yaml\n    more\n  c: 'it''s {'\nd: [1, [2, [3]]]\n";
        assert_eq!(check(block), Ok(()));
    }

    #[test]
    fn deep_flow_nesting_is_refused_where_it_goes_too_deep() {
        let text = "{a: ".repeat(100_000);
        let refusal = check(&text).unwrap_err();
        assert_eq!(refusal.line, 1);
        assert!(
            refusal.column > MAX_DEPTH * 3 && refusal.column < MAX_DEPTH * 5,
            "{refusal:?}"
        );
        assert!(
            refusal.message.contains("nested more than 64"),
            "{refusal:?}"
        );
        let text = format!("x:\n  y: {}\n", "[".repeat(10_000));
        assert_eq!(check(&text).unwrap_err().line, 2);
        let ok = format!("x: {}{}\n", "[".repeat(60), "]".repeat(60));
        assert_eq!(check(&ok), Ok(()));
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let dashes = format!("{}x\n", "- ".repeat(1000));
        assert!(check(&dashes).is_err());
        let mut indented = String::new();
        for depth in 0..200 {
            indented.push_str(&format!("{}k{depth}:\n", " ".repeat(depth)));
        }
        assert!(check(&indented).unwrap_err().line > MAX_DEPTH);
    }

    #[test]
    fn quotes_and_comments_do_not_count() {
        let text = format!(
            "a: \"{}\"\nb: '{}'\nc: x # {}\n",
            "{".repeat(500),
            "[".repeat(500),
            "{".repeat(500)
        );
        assert_eq!(check(&text), Ok(()));
        let plain = format!("a: x{}\n", "{".repeat(500));
        assert_eq!(check(&plain), Ok(()));
    }
}
