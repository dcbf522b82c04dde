//! Cleaning what users type before it is stored: no control characters where they could
//! do harm, one line where one line is meant, nothing a file format cannot hold, names of
//! a bounded length; and neutralising text from files before it reaches a terminal.

use std::borrow::Cow;

/// The longest name-like value (a workstream, an owner, an escalation target, a role):
/// [`crate::limits::NAME_CHARS`].
pub const NAME_MAX: usize = crate::limits::NAME_CHARS;

/// A one-line field (title, reason, names): control characters and line breaks become
/// single spaces, surrounding space is trimmed.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`one_line`] of an optional flag's text; none when nothing is left.
pub fn one_line_or_none(text: Option<&str>) -> Option<String> {
    text.map(one_line).filter(|t| !t.is_empty())
}

/// [`one_line`], cut between words to at most `max` characters (`…` marks the cut);
/// the one way mim shortens what people typed (commit subjects, summaries, names).
pub fn clip(text: &str, max: usize) -> String {
    let flat = one_line(text);
    if flat.chars().count() <= max {
        return flat;
    }
    // Cut between words, not inside one, unless that would leave too little.
    let cut: String = flat.chars().take(max - 1).collect();
    let ends_a_word = flat.chars().nth(max - 1) == Some(' ');
    let at_word = cut
        .rfind(' ')
        .filter(|&i| !ends_a_word && cut[..i].chars().count() >= max / 2)
        .map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end())
}

/// Multi-line text (notes, bodies): line breaks normalised to `\n`, tabs kept, other
/// control characters dropped, trailing space trimmed.
pub fn multi_line(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let kept: String = normalised
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect();
    kept.trim_end().trim_start_matches('\n').to_string()
}

/// A one-line field that must not be empty.
pub fn required(what: &str, text: &str) -> anyhow::Result<String> {
    check(what, text)?;
    let clean = one_line(text);
    if clean.is_empty() {
        anyhow::bail!("{what} must not be empty");
    }
    Ok(clean)
}

/// `1 incident`, `2 incidents`, `3 breaches`: the one way counts are written.
pub fn plural(n: usize, noun: &str) -> String {
    let ending = match n {
        1 => "",
        _ if ["s", "sh", "ch", "x", "z"]
            .iter()
            .any(|e| noun.ends_with(e)) =>
        {
            "es"
        }
        _ => "s",
    };
    format!("{n} {noun}{ending}")
}

/// A name-like value (workstream, owner, escalation target, role): one line, not
/// empty, at most [`NAME_MAX`] characters.
pub fn name(what: &str, text: &str) -> anyhow::Result<String> {
    let clean = required(what, text)?;
    if let Some(problem) = crate::limits::name_problem(what, clean.chars().count()) {
        anyhow::bail!(problem);
    }
    Ok(clean)
}

/// A Unicode non-character (U+FDD0..U+FDEF, and the last two code points of every
/// plane, such as U+FFFE and U+FFFF): never meant for interchange, and refused by YAML.
pub fn is_noncharacter(c: char) -> bool {
    let n = c as u32;
    (0xFDD0..=0xFDEF).contains(&n) || (n & 0xFFFE) == 0xFFFE
}

/// Whether `c` may be stored as given. Control characters are not: one-line fields
/// flatten them to spaces and multi-line text keeps only newline and tab (see
/// [`one_line`], [`multi_line`]); non-characters are refused by [`check`].
#[cfg(test)]
pub fn is_storable(c: char) -> bool {
    !is_noncharacter(c) && (!c.is_control() || c == '\n' || c == '\t')
}

/// Refuse text that no file can hold: non-characters (U+FFFE, U+FFFF, U+FDD0…), which
/// would make the file they are written to unreadable. `what` names where the text came
/// from (a flag, `MIM_USER`, standard input, the editor).
pub fn check(what: &str, text: &str) -> anyhow::Result<()> {
    if let Some((i, c)) = text.chars().enumerate().find(|(_, c)| is_noncharacter(*c)) {
        anyhow::bail!(
            "{what} contains U+{:04X} (a Unicode non-character) at character {}: remove it; mim cannot store it in a file",
            c as u32,
            i + 1
        );
    }
    Ok(())
}

/// `text` left-aligned in a column of `width` characters (never cut). Unlike a
/// `{:<width$}` format, which panics past 65,535, any width is safe, so a name written
/// by hand into a file can make a table wide but never make mim panic.
pub fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    let mut out = String::with_capacity(text.len() + width.saturating_sub(len));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(len)));
    out
}

/// Whether `c` could drive a terminal or reorder what it shows: control characters
/// other than newline and tab (escape sequences, carriage returns, bells), C1 controls,
/// bidirectional overrides and isolates, and non-characters.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || is_noncharacter(c)
}

/// The one escaper for what mim prints on a terminal: text from a repository (a file, a
/// directory name, a commit subject) with every [`unsafe_char`] shown escaped
/// (`\u{1b}`), so a repository cannot drive the terminal. Newlines and tabs stay.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `value` as pretty JSON for standard output: the same JSON, with every character
/// [`for_terminal`] escapes written as a `\uXXXX` escape. serde_json escapes only
/// controls below U+0020; DEL, C1 controls and bidirectional overrides would reach the
/// terminal raw. The escape is JSON's own, so a reader gets the same strings.
pub fn json_for_terminal(value: &impl serde::Serialize) -> serde_json::Result<String> {
    let mut out = Vec::new();
    write_json_for_terminal(value, &mut out)?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// [`json_for_terminal`], written to `out` as it is serialized.
pub fn write_json_for_terminal(
    value: &impl serde::Serialize,
    out: impl std::io::Write,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, TerminalJson::default());
    value.serialize(&mut ser)
}

/// serde_json's pretty layout, with [`unsafe_char`]s in strings escaped.
#[derive(Default)]
struct TerminalJson(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for TerminalJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices().filter(|(_, c)| unsafe_char(*c)) {
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// A path as people want to read it: `..` and `.` taken out, and relative to the
/// directory mim was started in when it is below it (`-C` joins paths, so a path can
/// read `msp/../report.html`).
pub fn shown_path(path: &std::path::Path) -> String {
    use std::path::Component;
    let mut clean = std::path::PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if clean.file_name().is_some() => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    let shown = std::env::current_dir()
        .ok()
        .and_then(|here| {
            clean
                .strip_prefix(here)
                .ok()
                .map(std::path::Path::to_path_buf)
        })
        .filter(|rel| !rel.as_os_str().is_empty())
        .unwrap_or(clean);
    shown.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_its_strings_and_escapes_what_drives_a_terminal() {
        let value =
            serde_json::json!({"t": "a\u{1b}]0;x\u{7}b\u{202e}c\u{9b}d é\u{10ffff}", "n": [1, 2]});
        let text = json_for_terminal(&value).unwrap();
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}', '\u{10ffff}']),
            "{text}"
        );
        assert!(
            text.contains("\\u202e") && text.contains("\\udbff\\udfff") && text.contains('é'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        assert_eq!(
            text,
            serde_json::to_string_pretty(&value)
                .unwrap()
                .replace('\u{202e}', "\\u202e")
                .replace('\u{9b}', "\\u009b")
                .replace('\u{10ffff}', "\\udbff\\udfff")
        );
    }

    #[test]
    fn counts_are_written_one_way() {
        assert_eq!(plural(1, "breach"), "1 breach");
        assert_eq!(plural(3, "breach"), "3 breaches");
        assert_eq!(plural(0, "message"), "0 messages");
        assert_eq!(plural(2, "incident"), "2 incidents");
    }

    #[test]
    fn one_line_flattens_hostile_text() {
        assert_eq!(
            one_line("Payments\r\nBcc: evil@x.example\0 down"),
            "Payments Bcc: evil@x.example down"
        );
        assert_eq!(one_line("  a \t b  "), "a b");
    }

    #[test]
    fn non_characters_are_refused_with_the_flag() {
        for bad in [
            "a\u{fffe}b",
            "\u{ffff}",
            "x\u{fdd0}",
            "\u{10ffff}",
            "\u{1fffe}",
        ] {
            let err = check("--title", bad).unwrap_err().to_string();
            assert!(err.starts_with("--title contains U+"), "{err}");
            assert!(required("--title", bad).is_err());
        }
        assert!(check("--title", "ok \u{fffd} é 🚀 \u{fdcf}").is_ok());
        assert!(!is_storable('\u{7f}') && !is_storable('\u{85}') && is_storable('\n'));
    }

    #[test]
    fn names_are_bounded() {
        assert_eq!(name("--owner", " Bob ").unwrap(), "Bob");
        let long = "x".repeat(NAME_MAX + 1);
        let err = name("--owner", &long).unwrap_err().to_string();
        assert!(err.contains("201 characters"), "{err}");
        assert!(name("--owner", &"é".repeat(NAME_MAX)).is_ok());
    }

    #[test]
    fn terminal_text_has_escapes_neutralised() {
        assert_eq!(for_terminal("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            for_terminal("a\u{1b}[31mred\r\u{9b}x\u{202e}"),
            "a\\u{1b}[31mred\\u{d}\\u{9b}x\\u{202e}"
        );
    }

    #[test]
    fn any_width_pads_without_panicking() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcdef", 4), "abcdef");
        assert_eq!(pad("é", 2), "é ");
        assert_eq!(pad("x", 70_000).len(), 70_000);
    }

    #[test]
    fn multi_line_keeps_paragraphs() {
        assert_eq!(multi_line("one\r\ntwo\0\n\nthree  \n"), "one\ntwo\n\nthree");
    }
}

#[cfg(test)]
mod clip_tests {

    #[test]
    fn long_text_is_cut_between_words() {
        let text = "Move the office to the backup MPLS path managed by the carrier";
        assert_eq!(
            super::clip(text, 40),
            "Move the office to the backup MPLS path…"
        );
        assert_eq!(super::clip(text, 200), text);
        assert_eq!(
            super::clip(&"x".repeat(50), 10),
            format!("{}…", "x".repeat(9))
        );
    }
}
