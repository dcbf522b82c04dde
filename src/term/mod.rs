//! What mim prints for people on a terminal: colour (through anstyle, when anstream says
//! standard output takes it), tables with aligned columns, and each command's own text
//! and `--json` documents ([`incident`] for `show` and `plan`, [`status`] for `status`,
//! [`audit`] for `audit`).
//! Repository text is escaped here, cell by cell, before any colour goes around it, so
//! a repository can never drive the terminal (see [`crate::text::for_terminal`]).
//!
//! The other home of presentation is [`crate::render`]: what mim writes into files and
//! messages through templates (e-mails, reports, status pages).

pub mod audit;
pub mod incident;
pub mod list;
pub mod status;

use anstyle::{AnsiColor, Style};

use crate::text::{for_terminal, pad};

pub const BOLD: Style = Style::new().bold();
pub const RED: Style = AnsiColor::Red.on_default();
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
pub const GREEN: Style = AnsiColor::Green.on_default();

/// Whether what mim prints on standard output is coloured: on a terminal that shows
/// colour, unless `NO_COLOR` (or `CLICOLOR=0`) says no; `CLICOLOR_FORCE` says yes.
pub fn colour() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// A table for the terminal: cells separated by two spaces, each column but the last as
/// wide as its widest cell, trailing blanks trimmed; a cell may carry a style.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<(String, Option<Style>)>>,
}

impl Table {
    /// A row whose cells may carry a style.
    pub fn row(&mut self, cells: impl IntoIterator<Item = (String, Option<Style>)>) {
        self.rows.push(cells.into_iter().collect());
    }

    /// The table as text, one line per row, with the styles when `colour`.
    pub fn render(&self, colour: bool) -> String {
        let mut widths: Vec<usize> = Vec::new();
        for row in &self.rows {
            for (i, (text, _)) in row.iter().enumerate() {
                let len = text.chars().count();
                match widths.get_mut(i) {
                    Some(w) => *w = (*w).max(len),
                    None => widths.push(len),
                }
            }
        }
        let mut out = String::new();
        for row in &self.rows {
            let last = row.len().saturating_sub(1);
            let cells = row.iter().enumerate().map(|(i, (text, style))| {
                let text = if i == last {
                    text.clone()
                } else {
                    pad(text, widths[i])
                };
                (text, *style)
            });
            if colour {
                let line: Vec<String> = cells
                    .map(|(text, style)| paint(style, &for_terminal(&text)))
                    .collect();
                out.push_str(line.join("  ").trim_end());
            } else {
                let line: Vec<String> = cells.map(|(text, _)| text).collect();
                out.push_str(&for_terminal(line.join("  ").trim_end()));
            }
            out.push('\n');
        }
        out
    }
}

/// `text` in `style` (as it is without one).
fn paint(style: Option<Style>, text: &str) -> String {
    match style {
        Some(style) => format!("{style}{text}{style:#}"),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_their_widest_cell_and_the_last_is_not_padded() {
        let mut table = Table::default();
        for cells in [
            ["ID", "PRI", "TITLE"],
            ["2026-11-24-a", "P1", "Payments down"],
            ["b", "urgent", ""],
        ] {
            table.row(cells.map(|c| (c.to_string(), None)));
        }
        assert_eq!(
            table.render(false),
            "ID            PRI     TITLE\n2026-11-24-a  P1      Payments down\nb             urgent\n"
        );
    }

    #[test]
    fn repository_text_is_escaped_before_the_colour_goes_around_it() {
        let mut table = Table::default();
        table.row([("a\u{1b}[2J".to_string(), Some(RED)), ("ok".into(), None)]);
        assert_eq!(table.render(false), "a\\u{1b}[2J  ok\n");
        assert_eq!(
            table.render(true),
            "\u{1b}[31ma\\u{1b}[2J\u{1b}[0m  ok\n",
            "the style's own codes stay, the text's are escaped"
        );
    }
}
