//! Cleaning what users type before it is stored: no control characters where they could
//! do harm, one line where one line is meant.

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
    let clean = one_line(text);
    if clean.is_empty() {
        anyhow::bail!("{what} must not be empty");
    }
    Ok(clean)
}

/// `1 incident`, `2 incidents`.
pub fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_flattens_hostile_text() {
        assert_eq!(
            one_line("Payments\r\nBcc: evil@x.example\0 down"),
            "Payments Bcc: evil@x.example down"
        );
        assert_eq!(one_line("  a \t b  "), "a b");
    }

    #[test]
    fn multi_line_keeps_paragraphs() {
        assert_eq!(multi_line("one\r\ntwo\0\n\nthree  \n"), "one\ntwo\n\nthree");
    }
}
