//! The report as Markdown (GitHub-flavoured tables), for a wiki or a terminal.

use super::Report;
use super::tables::{Cell, Section, sections};

pub fn render(report: &Report) -> String {
    let tz: chrono_tz::Tz = report.timezone.parse().unwrap_or(chrono_tz::UTC);
    let mut out = format!(
        "# Incident KPI report — {}\n\nGenerated {}.\n",
        text(&report.organization),
        crate::time::display(&report.generated, tz)
    );
    for section in sections(report) {
        out.push_str(&render_section(&section));
    }
    out
}

fn render_section(section: &Section) -> String {
    let mut out = format!("\n## {}\n", section.title);
    for note in &section.notes {
        out.push_str(&format!("\n{}\n", prose(note)));
    }
    for table in &section.tables {
        if section.tables.len() > 1 || table.title != section.title {
            out.push_str(&format!("\n### {}\n", table.title));
        }
        if table.rows.is_empty() {
            out.push_str("\nNone.\n");
            continue;
        }
        out.push('\n');
        out.push_str(&line(table.columns.iter().map(|c| text(c))));
        out.push_str(&line((0..table.columns.len()).map(|i| {
            let text = table
                .rows
                .iter()
                .all(|r| matches!(r.get(i), Some(Cell::Text(_))));
            if i == 0 || text { "---" } else { "---:" }.to_string()
        })));
        for row in &table.rows {
            out.push_str(&line(row.iter().map(|c| text(&c.display()))));
        }
    }
    out
}

fn line(cells: impl Iterator<Item = String>) -> String {
    format!("| {} |\n", cells.collect::<Vec<_>>().join(" | "))
}

/// User text in a table cell or heading: Markdown and HTML syntax shown as text, on one line.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Our own sentences: code spans kept, anything else plain.
fn prose(s: &str) -> String {
    super::prose(s, text, |code| format!("`{code}`"))
}
