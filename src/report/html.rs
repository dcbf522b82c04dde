//! The report as one self-contained HTML file: inline CSS, inline SVG charts, no
//! scripts and nothing fetched, readable on screen and on paper.

use std::fmt::Write as _;

use crate::render::markdown::escape;

use super::tables::{Cell, Section, scope, sections};
use super::{Report, svg};

const STYLE: &str = "\
:root{color-scheme:light}
body{margin:0;background:#f6f8fa;color:#1f2328;font:15px/1.5 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif}
main{max-width:960px;margin:0 auto;padding:24px 32px;background:#fff}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:16px 0 6px}
p.meta{color:#57606a;margin:0 0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:8px 24px}
table{border-collapse:collapse;width:100%;margin:0 0 12px;font-size:14px}
th,td{padding:4px 8px;border-bottom:1px solid #d8dee4;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
th{background:#f6f8fa;font-weight:600}
td.text{text-align:left}
figure{margin:12px 0 20px}
figcaption{font-weight:600;margin-bottom:4px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;background:#f6f8fa;padding:1px 4px;border-radius:4px}
@media print{
 body{background:#fff;font-size:11pt}
 main{max-width:none;padding:0}
 h2{break-after:avoid}
 table,figure{break-inside:avoid}
 @page{margin:15mm}
}
";

pub fn render(report: &Report) -> String {
    let title = format!("Incident KPI report — {}", report.organization);
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"meta\">{} · {} incident(s) · generated {} · times in {}</p>\n",
        escape(&title),
        escape(&scope(report)),
        report.incidents,
        escape(&crate::time::format(&report.generated)),
        escape(&report.timezone)
    );
    body.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for (caption, chart) in charts(report) {
        let _ = write!(
            body,
            "<figure>\n<figcaption>{}</figcaption>\n{chart}</figure>\n",
            escape(caption)
        );
    }
    for section in sections(report) {
        body.push_str(&render_section(&section));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(&title)
    )
}

/// The three charts, with their captions.
pub fn charts(report: &Report) -> Vec<(&'static str, String)> {
    let priorities: Vec<String> = report.counts.priority.keys().cloned().collect();
    vec![
        (
            "Incidents per week by priority",
            svg::per_week(&report.per_week, &priorities),
        ),
        (
            "Restore time against target per incident",
            svg::restore_vs_target(&report.list),
        ),
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
        for c in &table.columns {
            let _ = write!(out, "<th>{}</th>", escape(c));
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
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}
