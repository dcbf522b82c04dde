//! The report as one self-contained HTML file: inline CSS, inline SVG charts, no
//! scripts and nothing fetched, readable on screen and on paper.

use std::fmt::Write as _;

use crate::render::markdown::{REPORT_STYLE as STYLE, escape};

use super::tables::{Cell, Section, plural, scope, sections};
use super::{Report, svg};

pub fn render(report: &Report, brand: &crate::render::brand::Brand) -> String {
    let title = format!("Incident KPI report — {}", report.organization);
    let tz: chrono_tz::Tz = report.timezone.parse().unwrap_or(chrono_tz::UTC);
    let mut body = brand.bar();
    let _ = write!(
        body,
        "<h1>{}</h1>\n<p class=\"meta\">{} · {} · generated {} · times in {}</p>\n",
        escape(&title),
        escape(&scope(report)),
        plural(report.incidents, "incident"),
        escape(&crate::time::display(&report.generated, tz)),
        escape(&report.timezone)
    );
    body.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for (caption, chart) in charts(report) {
        let key = if caption == RESTORE_CAPTION {
            restore_key(report)
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<figure>\n<figcaption>{}</figcaption>\n{chart}{key}</figure>\n",
            escape(caption)
        );
    }
    for section in sections(report) {
        body.push_str(&render_section(&section));
    }
    body.push_str(&brand.footer());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(&title)
    )
}

const RESTORE_CAPTION: &str = "Restore time against target per incident";

/// What the numbers beside the restore chart's dots stand for.
fn restore_key(report: &Report) -> String {
    let key = svg::restore_key(&report.list);
    if key.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ol class=\"key\">\n");
    for (n, id, text) in key {
        let _ = writeln!(
            out,
            "<li value=\"{n}\"><code>{}</code> {}</li>",
            escape(&id),
            escape(&text)
        );
    }
    out.push_str("</ol>\n");
    out
}

/// The three charts, with their captions.
pub fn charts(report: &Report) -> Vec<(&'static str, String)> {
    let priorities: Vec<String> = report.counts.priority.keys().cloned().collect();
    vec![
        (
            "Incidents per week by priority",
            svg::per_week(&report.per_week, &priorities),
        ),
        (RESTORE_CAPTION, svg::restore_vs_target(&report.list)),
        (
            "SLA compliance per month",
            svg::per_month(&super::sla::monthly_series(report)),
        ),
    ]
}

fn render_section(section: &Section) -> String {
    let mut out = format!(
        "<section id=\"{}\">\n<h2>{}</h2>\n",
        section.id,
        escape(section.title)
    );
    for note in &section.notes {
        let _ = writeln!(out, "<p>{}</p>", prose(note));
    }
    let small = section.tables.iter().all(|t| t.columns.len() <= 2);
    if small && section.tables.len() > 1 {
        out.push_str("<div class=\"grid\">\n");
    }
    for table in &section.tables {
        out.push_str("<div>\n");
        if section.tables.len() > 1 || table.title != section.title {
            let _ = writeln!(out, "<h3>{}</h3>", escape(&table.title));
        }
        if table.rows.is_empty() {
            out.push_str("<p>None.</p>\n</div>\n");
            continue;
        }
        out.push_str("<table>\n<thead><tr>");
        // A header sits over its cells: left over text, right over figures.
        for (i, c) in table.columns.iter().enumerate() {
            let text = i > 0 && matches!(table.rows[0].get(i), Some(Cell::Text(_)));
            let class = if text { " class=\"text\"" } else { "" };
            let _ = write!(out, "<th{class}>{}</th>", escape(c));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &table.rows {
            out.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let class = if i > 0 && matches!(cell, Cell::Text(_)) {
                    " class=\"text\""
                } else {
                    ""
                };
                let _ = write!(out, "<td{class}>{}</td>", escape(&cell.display()));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
    }
    if small && section.tables.len() > 1 {
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
    out
}

/// Our own sentences, with `code` spans.
fn prose(s: &str) -> String {
    super::prose(s, escape, |code| format!("<code>{}</code>", escape(code)))
}
