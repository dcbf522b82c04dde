//! Writing text in the user's editor, the way `git commit` does: `$VISUAL`, then
//! `$EDITOR`, then `vi`, run through `sh -c` with the file's path; lines starting with
//! `#` are dropped afterwards.

use std::process::Command;

use anyhow::{Context, bail};

/// The editor command git would use.
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Open `initial` in the editor and return what the user wrote, without comment lines.
pub fn edit(initial: &str) -> anyhow::Result<String> {
    Ok(strip_comments(&edit_raw(initial)?))
}

/// Open `initial` in the editor and return what the user saved, as it is (Markdown
/// headings start with `#` too).
pub fn edit_raw(initial: &str) -> anyhow::Result<String> {
    let file = tempfile::Builder::new()
        .prefix("mim-")
        .suffix(".md")
        .tempfile()
        .context("creating a temporary file for the editor")?;
    std::fs::write(file.path(), initial)
        .with_context(|| format!("writing {}", file.path().display()))?;
    let editor = editor();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(file.path())
        .status()
        .with_context(|| format!("running the editor `{editor}`"))?;
    if !status.success() {
        bail!("the editor `{editor}` failed ({status}): nothing written");
    }
    // The editor's own file, outside the repository; read as a text of bounded size.
    let written = std::fs::File::open(file.path())
        .with_context(|| format!("reading {}", file.path().display()))?;
    crate::limits::read_text("the text written in the editor", written)
}

/// Text a flag gives: `TEXT` as it is, `-` for standard input, or (no value) what the
/// user writes in the editor, as it is (Markdown headings start with `#` too). `what`
/// names the text in errors.
pub fn flag_text(value: Option<&str>, what: &str) -> anyhow::Result<String> {
    match value {
        Some("-") => {
            crate::limits::read_text(&format!("{what} from standard input"), std::io::stdin())
        }
        Some(text) => Ok(text.to_string()),
        None => edit_raw(""),
    }
}

/// Drop comment lines (`#` first) and surrounding blank lines, like git's default cleanup.
pub fn strip_comments(text: &str) -> String {
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    crate::text::multi_line(&kept.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_are_dropped() {
        assert_eq!(
            strip_comments("\n# help\nFail over to DC2.\n\n# more help\nThen verify.\n\n"),
            "Fail over to DC2.\n\nThen verify."
        );
        assert_eq!(strip_comments("# only help\n\n"), "");
    }
}
